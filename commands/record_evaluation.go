package commands

import (
	"context"
	"errors"

	"github.com/google/uuid"

	"github.com/interviewlm/interviewlm/domain"
)

// EvaluationSource reads an interview's evaluation and its place in the cohort
// (projections.EvaluationsReader).
type EvaluationSource interface {
	Evaluation(ctx context.Context, interview uuid.UUID) (ev domain.Evaluation, percentile float64, cohort int, err error)
}

// RecordEvaluationHandler records the scoring read model's evaluation of an interview in its
// stream as evaluation_completed: the log then says what the hiring team was shown, and the
// candidate moves to EVALUATED.
type RecordEvaluationHandler struct {
	source EvaluationSource
	append EventAppender
	now    Clock
}

// NewRecordEvaluationHandler returns the handler; every dependency is required.
func NewRecordEvaluationHandler(source EvaluationSource, append EventAppender, now Clock) (*RecordEvaluationHandler, error) {
	if source == nil || append == nil || now == nil {
		return nil, errors.New("commands: RecordEvaluationHandler needs every dependency")
	}
	return &RecordEvaluationHandler{source: source, append: append, now: now}, nil
}

// evaluationEventSpace derives the event id from the interview and the scoring version, so
// that a retried job appends nothing twice.
var evaluationEventSpace = uuid.MustParse("6c1f3e0a-8a52-4f43-9d0e-7b1d2f4c9a11")

// Handle records interview's evaluation by scoringVersion. An evaluation by other rules (the
// read model was rebuilt meanwhile) is left to its own job.
func (h *RecordEvaluationHandler) Handle(ctx context.Context, interview uuid.UUID, scoringVersion string) (domain.EvaluationCompleted, error) {
	ev, percentile, cohort, err := h.source.Evaluation(ctx, interview)
	if err != nil {
		return domain.EvaluationCompleted{}, err
	}
	if ev.ScoringVersion != scoringVersion {
		return domain.EvaluationCompleted{}, nil
	}
	done := domain.EvaluationCompleted{ScoringVersion: ev.ScoringVersion, OverallScore: ev.OverallScore, Breakdown: ev.Breakdown,
		Recommendation: ev.Recommendation, Confidence: ev.Confidence, PercentileRank: percentile, CohortSize: cohort,
		RedFlags: ev.RedFlags, GreenFlags: ev.GreenFlags}
	md := domain.Metadata{Actor: domain.Actor{Kind: domain.ActorSystem, ID: "scoring"}}
	e, err := domain.NewEventFrom(uuid.NewSHA1(evaluationEventSpace, []byte(interview.String()+"/"+scoringVersion)), &done, md, h.now())
	if err != nil {
		return domain.EvaluationCompleted{}, err
	}
	_, err = h.append.AppendEvents(ctx, interview, -1, e)
	return done, err
}
