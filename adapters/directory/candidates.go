package directory

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/interviewlm/interviewlm/adapters/eventstore"
	"github.com/interviewlm/interviewlm/domain"
)

const candidateColumns = `c.id, c.organization_id, c.assessment_id, c.name, c.email, c.invited_by, c.invited_at,
	c.invite_expires_at, c.invite_revoked_at, i.id`

func scanCandidate(row pgx.Row) (domain.Candidate, error) {
	var c domain.Candidate
	err := row.Scan(&c.ID, &c.OrganizationID, &c.AssessmentID, &c.Name, &c.Email, &c.InvitedBy, &c.InvitedAt,
		&c.InviteExpiresAt, &c.InviteRevokedAt, &c.InterviewID)
	if errors.Is(err, pgx.ErrNoRows) {
		return c, ErrNotFound
	}
	return c, err
}

// InviteCandidate stores a candidate invited to assessmentID with an invite token's hash,
// after check has accepted the assessment (read under a share lock, so it cannot be moved back
// to draft meanwhile).
func (s *Store) InviteCandidate(ctx context.Context, c domain.Candidate, inviteHash []byte, check func(a *domain.Assessment) error) (domain.Candidate, error) {
	var out domain.Candidate
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		a, err := scanAssessment(tx.QueryRow(ctx, `SELECT `+assessmentColumns+` FROM assessments WHERE id = $1 FOR SHARE`, c.AssessmentID))
		if err != nil {
			return err
		}
		if err := check(&a); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO candidates (id, organization_id, assessment_id, name, email, invite_hash,
			invite_expires_at, invited_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			c.ID, a.OrganizationID, a.ID, c.Name, c.Email, inviteHash, c.InviteExpiresAt, c.InvitedBy)
		if isUnique(err, "candidates_assessment_id_email_key") {
			return ErrCandidateExists
		}
		if err != nil {
			return err
		}
		out, err = scanCandidate(tx.QueryRow(ctx, `SELECT `+candidateColumns+` FROM candidates c
			LEFT JOIN interviews i ON i.candidate_id = c.id WHERE c.id = $1`, c.ID))
		return err
	})
	return out, err
}

// Candidate returns one candidate.
func (s *Store) Candidate(ctx context.Context, id uuid.UUID) (domain.Candidate, error) {
	return scanCandidate(s.pool.QueryRow(ctx, `SELECT `+candidateColumns+` FROM candidates c
		LEFT JOIN interviews i ON i.candidate_id = c.id WHERE c.id = $1`, id))
}

// RevokeInvite makes a candidate's invite unusable from now on (idempotent).
func (s *Store) RevokeInvite(ctx context.Context, id uuid.UUID) (domain.Candidate, error) {
	tag, err := s.pool.Exec(ctx, `UPDATE candidates SET invite_revoked_at = coalesce(invite_revoked_at, now()) WHERE id = $1`, id)
	if err != nil {
		return domain.Candidate{}, err
	}
	if tag.RowsAffected() == 0 {
		return domain.Candidate{}, ErrNotFound
	}
	return s.Candidate(ctx, id)
}

// RenewInvite replaces a candidate's invite token (the old one stops working) and lifts a
// revocation.
func (s *Store) RenewInvite(ctx context.Context, id uuid.UUID, inviteHash []byte, expiresAt time.Time) (domain.Candidate, error) {
	tag, err := s.pool.Exec(ctx, `UPDATE candidates SET invite_hash = $2, invite_expires_at = $3, invite_revoked_at = NULL WHERE id = $1`,
		id, inviteHash, expiresAt)
	if err != nil {
		return domain.Candidate{}, err
	}
	if tag.RowsAffected() == 0 {
		return domain.Candidate{}, ErrNotFound
	}
	return s.Candidate(ctx, id)
}

const interviewColumns = `i.id, i.candidate_id, i.organization_id, i.assessment_id, i.started_at, i.deadline, i.submitted_at`

func scanInterview(row pgx.Row) (domain.Interview, error) {
	var i domain.Interview
	err := row.Scan(&i.ID, &i.CandidateID, &i.OrganizationID, &i.AssessmentID, &i.StartedAt, &i.Deadline, &i.SubmittedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return i, ErrNotFound
	}
	return i, err
}

// Interview returns the index entry of interview id.
func (s *Store) Interview(ctx context.Context, id uuid.UUID) (domain.Interview, error) {
	return scanInterview(s.pool.QueryRow(ctx, `SELECT `+interviewColumns+` FROM interviews i WHERE i.id = $1`, id))
}

// AuthenticateCandidate returns the interview a candidate token opens, ErrNotFound when the
// token is unknown or expired.
func (s *Store) AuthenticateCandidate(ctx context.Context, tokenHash []byte, now time.Time) (domain.Interview, error) {
	return scanInterview(s.pool.QueryRow(ctx, `SELECT `+interviewColumns+` FROM candidate_tokens t
		JOIN interviews i ON i.id = t.interview_id WHERE t.token_hash = $1 AND t.expires_at > $2`, tokenHash, now))
}

// StartInterview finds the candidate whose invite hashes to inviteHash (ErrNotFound when none),
// locks them so two starts of one invite run one after the other, and lets decide plan the
// start from the candidate, their assessment and their interview if one exists. The interview
// row, its events and the new token are written in one transaction.
func (s *Store) StartInterview(ctx context.Context, inviteHash []byte,
	decide func(c domain.Candidate, a domain.Assessment, existing *domain.Interview) (domain.StartPlan, error)) (domain.Interview, error) {
	var started domain.Interview
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		c, err := scanCandidate(tx.QueryRow(ctx, `SELECT `+candidateColumns+` FROM candidates c
			LEFT JOIN interviews i ON i.candidate_id = c.id WHERE c.invite_hash = $1 FOR UPDATE OF c`, inviteHash))
		if err != nil {
			return err
		}
		a, err := scanAssessment(tx.QueryRow(ctx, `SELECT `+assessmentColumns+` FROM assessments WHERE id = $1`, c.AssessmentID))
		if err != nil {
			return err
		}
		var existing *domain.Interview
		if c.InterviewID != nil {
			i, err := scanInterview(tx.QueryRow(ctx, `SELECT `+interviewColumns+` FROM interviews i WHERE i.id = $1`, *c.InterviewID))
			if err != nil {
				return err
			}
			existing = &i
		}
		plan, err := decide(c, a, existing)
		if err != nil {
			return err
		}
		expected := eventstore.AnyVersion
		switch {
		case plan.Interview != nil:
			started = *plan.Interview
			expected = eventstore.NoStream
			if _, err := tx.Exec(ctx, `INSERT INTO interviews (id, candidate_id, organization_id, assessment_id, started_at, deadline)
				VALUES ($1, $2, $3, $4, $5, $6)`, started.ID, c.ID, c.OrganizationID, c.AssessmentID, started.StartedAt, started.Deadline); err != nil {
				return err
			}
		case existing != nil:
			started = *existing
		default:
			return errors.New("directory: start plan has no interview")
		}
		if len(plan.Events) > 0 {
			if _, err := eventstore.AppendTx(ctx, tx, started.ID, expected, plan.Events...); err != nil {
				return fmt.Errorf("start interview %s: %w", started.ID, err)
			}
		}
		_, err = tx.Exec(ctx, `INSERT INTO candidate_tokens (token_hash, interview_id, expires_at) VALUES ($1, $2, $3)`,
			plan.TokenHash, started.ID, plan.TokenExpiresAt)
		return err
	})
	return started, err
}

// InterviewOfCandidate returns the interview a candidate took, ErrNotFound when they have not
// started.
func (s *Store) InterviewOfCandidate(ctx context.Context, candidateID uuid.UUID) (domain.Interview, error) {
	return scanInterview(s.pool.QueryRow(ctx, `SELECT `+interviewColumns+` FROM interviews i WHERE i.candidate_id = $1`, candidateID))
}
