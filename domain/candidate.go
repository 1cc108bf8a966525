package domain

import (
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
)

// CandidateStatus is where a candidate stands. It moves with the events of their interview.
type CandidateStatus string

const (
	CandidateInvited    CandidateStatus = "INVITED"
	CandidateInProgress CandidateStatus = "IN_PROGRESS"
	CandidateCompleted  CandidateStatus = "COMPLETED"
	CandidateEvaluated  CandidateStatus = "EVALUATED"
	CandidateHired      CandidateStatus = "HIRED"
	CandidateRejected   CandidateStatus = "REJECTED"
)

// CandidateStatusAfter returns the status a candidate has after an event of their interview;
// events that do not move it leave it as it is.
func CandidateStatusAfter(current CandidateStatus, eventType string, data Event) CandidateStatus {
	switch eventType {
	case TypeInterviewStarted:
		return CandidateInProgress
	case TypeInterviewSubmitted:
		return CandidateCompleted
	case TypeEvaluationCompleted:
		if current == CandidateHired || current == CandidateRejected {
			return current // a re-evaluation does not undo a decision
		}
		return CandidateEvaluated
	case TypeCandidateDecided:
		if d, ok := data.(*CandidateDecided); ok && (d.Status == DecisionHired || d.Status == DecisionRejected) {
			return CandidateStatus(d.Status)
		}
	}
	return current
}

// ErrNotDecidable means a decision needs a finished interview.
var ErrNotDecidable = errors.New("a candidate can be hired or rejected once their interview is submitted")

// CanDecide reports whether a hiring decision may be recorded for a candidate in status s.
func (s CandidateStatus) CanDecide() error {
	switch s {
	case CandidateCompleted, CandidateEvaluated, CandidateHired, CandidateRejected:
		return nil
	}
	return ErrNotDecidable
}

// NewCandidateContact validates a candidate's name and email, returning them normalised.
func NewCandidateContact(name, email string) (string, string, error) {
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > 200 {
		return "", "", &ValidationError{Field: "name", Message: "must be 1 to 200 characters"}
	}
	email, err := NormalizeEmail(email)
	if err != nil {
		return "", "", err
	}
	return name, email, nil
}

// Candidate is a person invited to an assessment.
type Candidate struct {
	ID              uuid.UUID  `json:"id"`
	OrganizationID  uuid.UUID  `json:"organizationId"`
	AssessmentID    uuid.UUID  `json:"assessmentId"`
	Name            string     `json:"name"`
	Email           string     `json:"email"`
	InvitedBy       uuid.UUID  `json:"invitedBy"`
	InvitedAt       time.Time  `json:"invitedAt"`
	InviteExpiresAt time.Time  `json:"inviteExpiresAt"`
	InviteRevokedAt *time.Time `json:"inviteRevokedAt,omitempty"`
	InterviewID     *uuid.UUID `json:"interviewId,omitempty"`
}

// ErrNotFound means what was asked for does not exist (or is not visible to the caller).
var ErrNotFound = errors.New("not found")

// Errors of an invite that can no longer start an interview.
var (
	ErrInviteExpired = errors.New("this invite has expired")
	ErrInviteRevoked = errors.New("this invite was revoked")
)

// Interview is the write side's index entry of an interview stream: whose it is and until when
// it may be written.
type Interview struct {
	ID             uuid.UUID  `json:"id"`
	CandidateID    uuid.UUID  `json:"candidateId"`
	OrganizationID uuid.UUID  `json:"organizationId"`
	AssessmentID   uuid.UUID  `json:"assessmentId"`
	StartedAt      time.Time  `json:"startedAt"`
	Deadline       time.Time  `json:"deadline"`
	SubmittedAt    *time.Time `json:"submittedAt,omitempty"`
}

// CandidateMetadata is the metadata of an event the interview's candidate causes.
func (i Interview) CandidateMetadata() Metadata {
	return Metadata{Actor: Actor{Kind: ActorCandidate, ID: i.CandidateID.String()}, OrganizationID: i.OrganizationID.String()}
}

// Errors of a candidate acting on an interview that is over.
var (
	ErrInterviewSubmitted = errors.New("this interview has been submitted")
	ErrTimeExpired        = errors.New("the time limit of this interview has passed")
)

// CandidateMayAct reports whether the candidate may still read and write their interview at now.
func (i Interview) CandidateMayAct(now time.Time) error {
	if i.SubmittedAt != nil {
		return ErrInterviewSubmitted
	}
	if !now.Before(i.Deadline) {
		return ErrTimeExpired
	}
	return nil
}

// StartPlan is what starting (or resuming) an interview writes: the interview when it is new,
// the events of its stream, and the candidate's new credential.
type StartPlan struct {
	Interview      *Interview
	Events         []NewEvent
	TokenHash      []byte
	TokenExpiresAt time.Time
}

// PlanStart decides what opening an invite does at now. A revoked invite never opens; an expired
// one only resumes an interview already started; an interview that is over stays closed. token
// is the new candidate credential's hash, valid until the deadline (plus grace for a clock
// skew between client and server); newID names a new interview.
func PlanStart(c Candidate, a Assessment, existing *Interview, now time.Time, newID uuid.UUID, tokenHash []byte, md Metadata) (StartPlan, error) {
	now = now.UTC().Truncate(time.Microsecond) // what the database keeps, so answers agree on resume
	if c.InviteRevokedAt != nil {
		return StartPlan{}, ErrInviteRevoked
	}
	const grace = 15 * time.Minute
	if existing != nil {
		if err := existing.CandidateMayAct(now); err != nil {
			return StartPlan{}, err
		}
		resumed, err := NewEventFrom(uuid.New(), InterviewResumed{}, md, now)
		if err != nil {
			return StartPlan{}, err
		}
		return StartPlan{Events: []NewEvent{resumed}, TokenHash: tokenHash, TokenExpiresAt: existing.Deadline.Add(grace)}, nil
	}
	if !now.Before(c.InviteExpiresAt) {
		return StartPlan{}, ErrInviteExpired
	}
	if err := a.CanInvite(); err != nil {
		return StartPlan{}, err
	}
	deadline := now.Add(time.Duration(a.DurationMinutes) * time.Minute)
	interview := &Interview{ID: newID, CandidateID: c.ID, OrganizationID: c.OrganizationID, AssessmentID: a.ID,
		StartedAt: now, Deadline: deadline}
	started, err := NewEventFrom(uuid.New(), InterviewStarted{
		CandidateID: c.ID, AssessmentID: a.ID, OrganizationID: c.OrganizationID,
		CandidateName: c.Name, CandidateEmail: c.Email,
		TimeLimitMinutes: a.DurationMinutes, Deadline: deadline, Settings: a.Settings(),
	}, md, now)
	if err != nil {
		return StartPlan{}, err
	}
	return StartPlan{Interview: interview, Events: []NewEvent{started}, TokenHash: tokenHash, TokenExpiresAt: deadline.Add(grace)}, nil
}
