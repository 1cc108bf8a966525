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

// SubmitInterview marks interview id submitted at and appends its closing events in one
// transaction, domain.ErrInterviewSubmitted when it was submitted already. The row lock makes
// two submissions racing each other run one after the other; the stream's lock, taken by the
// append, orders the submission against the candidate's last batches.
func (s *Store) SubmitInterview(ctx context.Context, id uuid.UUID, at time.Time, events []domain.NewEvent) (domain.AppendResult, error) {
	var res domain.AppendResult
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var submitted *time.Time
		if err := tx.QueryRow(ctx, `SELECT submitted_at FROM interviews WHERE id = $1 FOR UPDATE`, id).Scan(&submitted); err != nil {
			if errors.Is(err, pgx.ErrNoRows) {
				return ErrNotFound
			}
			return err
		}
		if submitted != nil {
			return domain.ErrInterviewSubmitted
		}
		if _, err := tx.Exec(ctx, `UPDATE interviews SET submitted_at = $2 WHERE id = $1`, id, at); err != nil {
			return err
		}
		var err error
		if res, err = eventstore.AppendTx(ctx, tx, id, eventstore.AnyVersion, events...); err != nil {
			return fmt.Errorf("submit interview %s: %w", id, err)
		}
		return nil
	})
	return res, err
}

// InterviewsPastDeadline returns up to limit interviews still open at now although their time
// is up, oldest deadline first.
func (s *Store) InterviewsPastDeadline(ctx context.Context, now time.Time, limit int) ([]domain.Interview, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+interviewColumns+` FROM interviews i
		WHERE i.submitted_at IS NULL AND i.deadline <= $1 ORDER BY i.deadline LIMIT $2`, now, limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.Interview, error) { return scanInterview(row) })
}

// ErrInterviewExists refuses to import an interview this deployment already has.
var ErrInterviewExists = errors.New("directory: this interview exists here already")

// ImportInterview writes an interview brought from another deployment's archive into its
// organization here (interview.OrganizationID): its assessment and candidate when this deployment lacks them (the
// assessment from the settings the interview started with, archived; the candidate with a
// revoked invite, since they will not take it here), the interview's index row, and its events
// as they were, in one transaction. importedBy is the member who becomes the rows' author.
func (s *Store) ImportInterview(ctx context.Context, importedBy uuid.UUID, started *domain.InterviewStarted,
	interview domain.Interview, events []domain.NewEvent) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var exists bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM interviews WHERE id = $1)
			OR EXISTS (SELECT 1 FROM events WHERE stream_id = $1)`, interview.ID).Scan(&exists); err != nil {
			return err
		}
		if exists {
			return ErrInterviewExists
		}
		org, st := interview.OrganizationID, started.Settings
		if _, err := tx.Exec(ctx, `INSERT INTO assessments (id, organization_id, title, description, seniority,
				duration_minutes, language, question_count, enable_coding, enable_terminal, enable_ai,
				show_results_to_candidate, problem_ids, status, created_by, scoring)
			VALUES ($1, $2, 'Imported assessment', 'Brought from another deployment with an interview archive.', $3, $4,
				$5, $6, $7, $8, $9, $10, $11, 'ARCHIVED', $12, $13)
			ON CONFLICT (id) DO NOTHING`, started.AssessmentID, org, st.Seniority, max(started.TimeLimitMinutes, 1),
			st.Language, max(st.QuestionCount, 1), st.EnableCoding, st.EnableTerminal, st.EnableAI, st.ShowResultsToCandidate,
			append([]string{}, st.ProblemIDs...), importedBy, st.Scoring); err != nil {
			return fmt.Errorf("import assessment: %w", err)
		}
		var assessmentOrg uuid.UUID
		if err := tx.QueryRow(ctx, `SELECT organization_id FROM assessments WHERE id = $1`, started.AssessmentID).Scan(&assessmentOrg); err != nil {
			return err
		}
		if assessmentOrg != org {
			return fmt.Errorf("%w: its assessment belongs to another organization here", ErrInterviewExists)
		}
		hash := uuid.New() // never handed out: nobody can start the interview here
		if _, err := tx.Exec(ctx, `INSERT INTO candidates (id, organization_id, assessment_id, name, email, invite_hash,
				invite_expires_at, invite_revoked_at, invited_by, invited_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8, $7) ON CONFLICT DO NOTHING`,
			started.CandidateID, org, started.AssessmentID, started.CandidateName, started.CandidateEmail, hash[:],
			interview.StartedAt, importedBy); err != nil {
			return fmt.Errorf("import candidate: %w", err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO interviews (id, candidate_id, organization_id, assessment_id, started_at, deadline, submitted_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, interview.ID, started.CandidateID, org, started.AssessmentID,
			interview.StartedAt, interview.Deadline, interview.SubmittedAt); err != nil {
			// Another import of the same interview committed since the check above.
			if isUnique(err, "interviews_pkey") {
				return ErrInterviewExists
			}
			if isUnique(err, "interviews_candidate_id_key") {
				return fmt.Errorf("%w: its candidate has another interview here", ErrInterviewExists)
			}
			return fmt.Errorf("import interview: %w", err)
		}
		// AppendTx takes at most eventstore.MaxBatch events, so a long interview goes in several
		// batches of this transaction. Every event of a batch must be new: one the store skips
		// as already stored (an id the archive repeats) would shift every later version.
		version := eventstore.NoStream
		for rest := events; len(rest) > 0; {
			batch := rest[:min(len(rest), eventstore.MaxBatch)]
			rest = rest[len(batch):]
			res, err := eventstore.AppendTx(ctx, tx, interview.ID, version, batch...)
			if err != nil {
				return fmt.Errorf("import events: %w", err)
			}
			if res.Appended != len(batch) {
				return fmt.Errorf("import events: %d events repeat the id of an earlier one", len(batch)-res.Appended)
			}
			version = res.Version
		}
		return nil
	})
}
