package commands

import (
	"context"
	"errors"

	"github.com/google/uuid"

	"github.com/interviewlm/interviewlm/domain"
)

// InterviewStarter finds an invite by its hash and writes the start planned by decide
// (adapters/directory.Store).
type InterviewStarter interface {
	StartInterview(ctx context.Context, inviteHash []byte,
		decide func(c domain.Candidate, a domain.Assessment, existing *domain.Interview) (domain.StartPlan, error)) (domain.Interview, error)
}

// StartInterview is a candidate opening their invite link.
type StartInterview struct {
	InviteToken string
}

// StartedInterview is the interview the candidate is in, and their credential for it.
type StartedInterview struct {
	Interview  domain.Interview
	Assessment domain.Assessment
	Token      string
	Resumed    bool
}

// StartInterviewHandler starts an interview, or resumes it with a fresh token.
type StartInterviewHandler struct {
	dir        InterviewStarter
	issue      TokenIssuer
	hashInvite TokenHasher
	now        Clock
}

// NewStartInterviewHandler returns the handler; every dependency is required.
func NewStartInterviewHandler(dir InterviewStarter, issue TokenIssuer, hashInvite TokenHasher, now Clock) (StartInterviewHandler, error) {
	if dir == nil || issue == nil || hashInvite == nil || now == nil {
		return StartInterviewHandler{}, errors.New("commands: StartInterviewHandler needs every dependency")
	}
	return StartInterviewHandler{dir: dir, issue: issue, hashInvite: hashInvite, now: now}, nil
}

// Handle runs the command.
func (h StartInterviewHandler) Handle(ctx context.Context, cmd StartInterview) (StartedInterview, error) {
	token, tokenHash := h.issue()
	var out StartedInterview
	interview, err := h.dir.StartInterview(ctx, h.hashInvite(cmd.InviteToken),
		func(c domain.Candidate, a domain.Assessment, existing *domain.Interview) (domain.StartPlan, error) {
			md := domain.Metadata{Actor: domain.Actor{Kind: domain.ActorCandidate, ID: c.ID.String()}, OrganizationID: c.OrganizationID.String()}
			out.Assessment, out.Resumed = a, existing != nil
			return domain.PlanStart(c, a, existing, h.now(), uuid.New(), tokenHash, md)
		})
	if err != nil {
		return StartedInterview{}, err
	}
	out.Interview, out.Token = interview, token
	return out, nil
}
