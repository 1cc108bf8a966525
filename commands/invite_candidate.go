package commands

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"

	"github.com/interviewlm/interviewlm/domain"
)

// CandidateInviter stores a candidate once check accepts the assessment
// (adapters/directory.Store).
type CandidateInviter interface {
	InviteCandidate(ctx context.Context, c domain.Candidate, inviteHash []byte, check func(a *domain.Assessment) error) (domain.Candidate, error)
}

// InviteCandidate invites a person to a published assessment.
type InviteCandidate struct {
	AssessmentID uuid.UUID
	Name, Email  string
	InvitedBy    uuid.UUID
}

// InvitedCandidate is the new candidate and the invite token to send them (shown once).
type InvitedCandidate struct {
	Candidate   domain.Candidate
	InviteToken string
}

// InviteCandidateHandler invites candidates.
type InviteCandidateHandler struct {
	dir   CandidateInviter
	issue TokenIssuer
	ttl   time.Duration
	now   Clock
}

// NewInviteCandidateHandler returns the handler; invites expire after ttl.
func NewInviteCandidateHandler(dir CandidateInviter, issue TokenIssuer, ttl time.Duration, now Clock) (InviteCandidateHandler, error) {
	if dir == nil || issue == nil || now == nil || ttl <= 0 {
		return InviteCandidateHandler{}, errors.New("commands: InviteCandidateHandler needs every dependency and a positive ttl")
	}
	return InviteCandidateHandler{dir: dir, issue: issue, ttl: ttl, now: now}, nil
}

// Handle runs the command.
func (h InviteCandidateHandler) Handle(ctx context.Context, cmd InviteCandidate) (InvitedCandidate, error) {
	name, email, err := domain.NewCandidateContact(cmd.Name, cmd.Email)
	if err != nil {
		return InvitedCandidate{}, err
	}
	token, hash := h.issue()
	c, err := h.dir.InviteCandidate(ctx, domain.Candidate{
		ID: uuid.New(), AssessmentID: cmd.AssessmentID, Name: name, Email: email,
		InvitedBy: cmd.InvitedBy, InviteExpiresAt: h.now().Add(h.ttl),
	}, hash, func(a *domain.Assessment) error { return a.CanInvite() })
	if err != nil {
		return InvitedCandidate{}, err
	}
	return InvitedCandidate{Candidate: c, InviteToken: token}, nil
}
