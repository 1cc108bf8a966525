package commands

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/google/uuid"

	"github.com/interviewlm/interviewlm/domain"
)

// WebhookNotifier hands an announcement to an organization's webhook, at most once per key
// (adapters/webhook.Queue); it does nothing when the organization has no webhook.
type WebhookNotifier func(ctx context.Context, org uuid.UUID, event, key string, payload []byte) error

// EventWebhookEvaluationCompleted is the webhook event of a finished evaluation.
const EventWebhookEvaluationCompleted = "evaluation.completed"

// EvaluationNotice is the webhook payload of a finished evaluation: enough for an applicant
// tracking system to find the candidate and file the result, with a link to the full report.
type EvaluationNotice struct {
	InterviewID    uuid.UUID             `json:"interviewId"`
	CandidateID    uuid.UUID             `json:"candidateId"`
	CandidateName  string                `json:"candidateName"`
	CandidateEmail string                `json:"candidateEmail"`
	AssessmentID   uuid.UUID             `json:"assessmentId"`
	ScoringVersion string                `json:"scoringVersion"`
	OverallScore   float64               `json:"overallScore"`
	Breakdown      domain.ScoreBreakdown `json:"breakdown"`
	Recommendation domain.Recommendation `json:"recommendation"`
	Confidence     float64               `json:"confidence"`
	PercentileRank float64               `json:"percentileRank"`
	CohortSize     int                   `json:"cohortSize"`
	RedFlags       []string              `json:"redFlags"`
	GreenFlags     []string              `json:"greenFlags"`
	EvaluationURL  string                `json:"evaluationUrl"`
}

// NotifyEvaluationHandler announces a recorded evaluation to the organization's webhook.
type NotifyEvaluationHandler struct {
	events  StreamReader
	notify  WebhookNotifier
	baseURL string
}

// NewNotifyEvaluationHandler returns the handler; baseURL is where the API is reached.
func NewNotifyEvaluationHandler(events StreamReader, notify WebhookNotifier, baseURL string) (*NotifyEvaluationHandler, error) {
	if events == nil || notify == nil {
		return nil, errors.New("commands: NotifyEvaluationHandler needs every dependency")
	}
	return &NotifyEvaluationHandler{events: events, notify: notify, baseURL: baseURL}, nil
}

// Handle announces the evaluation_completed event at version of interview.
func (h *NotifyEvaluationHandler) Handle(ctx context.Context, interview uuid.UUID, version int64) error {
	first, err := h.events.ReadStream(ctx, interview, 0, 1)
	if err != nil {
		return err
	}
	at, err := h.events.ReadStream(ctx, interview, version-1, 1)
	if err != nil {
		return err
	}
	if len(first) == 0 || len(at) == 0 || at[0].Type != domain.TypeEvaluationCompleted {
		return fmt.Errorf("notify: interview %s has no evaluation at version %d", interview, version)
	}
	s, err := domain.DecodeRecorded(first[0])
	if err != nil {
		return err
	}
	d, err := domain.DecodeRecorded(at[0])
	if err != nil {
		return err
	}
	started, done := s.(*domain.InterviewStarted), d.(*domain.EvaluationCompleted)
	notice := EvaluationNotice{InterviewID: interview, CandidateID: started.CandidateID, CandidateName: started.CandidateName,
		CandidateEmail: started.CandidateEmail, AssessmentID: started.AssessmentID, ScoringVersion: done.ScoringVersion,
		OverallScore: done.OverallScore, Breakdown: done.Breakdown, Recommendation: done.Recommendation, Confidence: done.Confidence,
		PercentileRank: done.PercentileRank, CohortSize: done.CohortSize, RedFlags: flagCodes(done.RedFlags),
		GreenFlags: flagCodes(done.GreenFlags), EvaluationURL: h.baseURL + "/api/interview/" + interview.String() + "/evaluation"}
	payload, err := json.Marshal(notice)
	if err != nil {
		return err
	}
	return h.notify(ctx, started.OrganizationID, EventWebhookEvaluationCompleted, interview.String()+"/"+done.ScoringVersion, payload)
}

func flagCodes(flags []domain.Flag) []string {
	codes := make([]string, len(flags))
	for i, f := range flags {
		codes[i] = f.Code
	}
	return codes
}
