package commands

import (
	"context"
	"errors"

	"github.com/google/uuid"

	"github.com/interviewlm/interviewlm/domain"
)

// InterviewFinder finds the interview a candidate took (adapters/directory.Store).
type InterviewFinder interface {
	InterviewOfCandidate(ctx context.Context, candidateID uuid.UUID) (domain.Interview, error)
}

// DecideCandidate records the hiring team's decision about a candidate.
type DecideCandidate struct {
	CandidateID uuid.UUID
	Status      domain.HiringDecision
	DecidedBy   uuid.UUID
}

// DecideCandidateHandler appends candidate_decided to the candidate's interview.
type DecideCandidateHandler struct {
	interviews InterviewFinder
	events     EventAppender
	now        Clock
}

// NewDecideCandidateHandler returns the handler; every dependency is required.
func NewDecideCandidateHandler(interviews InterviewFinder, events EventAppender, now Clock) (DecideCandidateHandler, error) {
	if interviews == nil || events == nil || now == nil {
		return DecideCandidateHandler{}, errors.New("commands: DecideCandidateHandler needs every dependency")
	}
	return DecideCandidateHandler{interviews: interviews, events: events, now: now}, nil
}

// Handle runs the command and returns where its event stands in the log.
func (h DecideCandidateHandler) Handle(ctx context.Context, cmd DecideCandidate) (domain.LogPosition, error) {
	if cmd.Status != domain.DecisionHired && cmd.Status != domain.DecisionRejected {
		return domain.Start, &domain.ValidationError{Field: "status", Message: "must be HIRED or REJECTED"}
	}
	interview, err := h.interviews.InterviewOfCandidate(ctx, cmd.CandidateID)
	if errors.Is(err, domain.ErrNotFound) || (err == nil && interview.SubmittedAt == nil) {
		// Not started, or still in progress: there is nothing to decide on yet.
		return domain.Start, domain.ErrNotDecidable
	}
	if err != nil {
		return domain.Start, err
	}
	md := domain.Metadata{Actor: domain.Actor{Kind: domain.ActorUser, ID: cmd.DecidedBy.String()}, OrganizationID: interview.OrganizationID.String()}
	e, err := domain.NewEventFrom(uuid.New(), domain.CandidateDecided{Status: cmd.Status, DecidedBy: cmd.DecidedBy}, md, h.now())
	if err != nil {
		return domain.Start, err
	}
	const anyVersion = -1
	return h.events.AppendEvents(ctx, interview.ID, anyVersion, e)
}
