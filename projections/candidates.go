package projections

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/interviewlm/interviewlm/domain"
)

// Candidates keeps each candidate's status and scores as their interview's events move them:
// the hiring team's candidate lists read it.
type Candidates struct{}

// Name implements Projection.
func (Candidates) Name() string { return "candidates" }

// Version implements Projection.
func (Candidates) Version() int { return 1 }

// Tables implements Projection: one row per interview.
func (Candidates) Tables() []Table {
	return []Table{{Name: "candidate_status", Create: func(name string) string {
		return fmt.Sprintf(`CREATE TABLE %[1]s (
			interview_id    uuid        NOT NULL,
			candidate_id    uuid        NOT NULL,
			assessment_id   uuid        NOT NULL,
			organization_id uuid        NOT NULL,
			status          text        NOT NULL,
			started_at      timestamptz NOT NULL,
			deadline        timestamptz NOT NULL,
			submitted_at    timestamptz,
			evaluated_at    timestamptz,
			decided_at      timestamptz,
			overall_score   double precision,
			recommendation  text,
			CONSTRAINT %[2]s PRIMARY KEY (interview_id));
			CREATE INDEX %[3]s ON %[1]s (candidate_id);
			CREATE INDEX %[4]s ON %[1]s (assessment_id)`,
			pgx.Identifier{name}.Sanitize(), pgx.Identifier{name + "_pkey"}.Sanitize(),
			pgx.Identifier{name + "_candidate_idx"}.Sanitize(), pgx.Identifier{name + "_assessment_idx"}.Sanitize())
	}}}
}

type candidateState struct {
	candidateID, assessmentID, organizationID uuid.UUID
	status                                    domain.CandidateStatus
	startedAt, deadline                       time.Time
	submittedAt, evaluatedAt, decidedAt       *time.Time
	overallScore                              *float64
	recommendation                            *string
}

func isLifecycle(eventType string) bool {
	switch eventType {
	case domain.TypeInterviewStarted, domain.TypeInterviewSubmitted, domain.TypeEvaluationCompleted, domain.TypeCandidateDecided:
		return true
	}
	return false
}

// Apply implements Projection. It loads the rows of the interviews the batch touches, folds the
// lifecycle events into them with the domain's status rule, and writes them back; the rest of
// an interview's events (keystrokes above all) cost nothing.
func (Candidates) Apply(ctx context.Context, tx pgx.Tx, tables Tables, events []domain.RecordedEvent) error {
	table := tables.Of("candidate_status")
	var touched []uuid.UUID
	for _, e := range events {
		if isLifecycle(e.Type) {
			touched = append(touched, e.StreamID)
		}
	}
	if len(touched) == 0 {
		return nil
	}
	states, err := loadCandidateStates(ctx, tx, table, touched)
	if err != nil {
		return err
	}
	for _, e := range events {
		if !isLifecycle(e.Type) {
			continue
		}
		data, err := domain.Decode(e.Type, e.Data)
		if err != nil {
			return fmt.Errorf("event %s: %w", e.ID, err)
		}
		if started, ok := data.(*domain.InterviewStarted); ok {
			if _, seen := states[e.StreamID]; !seen {
				states[e.StreamID] = &candidateState{candidateID: started.CandidateID, assessmentID: started.AssessmentID,
					organizationID: started.OrganizationID, status: domain.CandidateInProgress,
					startedAt: e.OccurredAt, deadline: started.Deadline}
			}
			continue
		}
		s, ok := states[e.StreamID]
		if !ok {
			return fmt.Errorf("event %s (%s) of interview %s comes before its interview_started", e.ID, e.Type, e.StreamID)
		}
		s.status = domain.CandidateStatusAfter(s.status, e.Type, data)
		at := e.OccurredAt
		switch d := data.(type) {
		case *domain.InterviewSubmitted:
			s.submittedAt = &at
		case *domain.EvaluationCompleted:
			score, rec := d.OverallScore, string(d.Recommendation)
			s.evaluatedAt, s.overallScore, s.recommendation = &at, &score, &rec
		case *domain.CandidateDecided:
			s.decidedAt = &at
		}
	}
	batch := &pgx.Batch{}
	for id, s := range states {
		batch.Queue(`INSERT INTO `+table+` (interview_id, candidate_id, assessment_id, organization_id, status,
			started_at, deadline, submitted_at, evaluated_at, decided_at, overall_score, recommendation)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
			ON CONFLICT (interview_id) DO UPDATE SET status = excluded.status, submitted_at = excluded.submitted_at,
				evaluated_at = excluded.evaluated_at, decided_at = excluded.decided_at,
				overall_score = excluded.overall_score, recommendation = excluded.recommendation`,
			id, s.candidateID, s.assessmentID, s.organizationID, s.status, s.startedAt, s.deadline,
			s.submittedAt, s.evaluatedAt, s.decidedAt, s.overallScore, s.recommendation)
	}
	return tx.SendBatch(ctx, batch).Close()
}

func loadCandidateStates(ctx context.Context, tx pgx.Tx, table string, ids []uuid.UUID) (map[uuid.UUID]*candidateState, error) {
	rows, err := tx.Query(ctx, `SELECT interview_id, candidate_id, assessment_id, organization_id, status, started_at,
		deadline, submitted_at, evaluated_at, decided_at, overall_score, recommendation
		FROM `+table+` WHERE interview_id = ANY($1)`, ids)
	if err != nil {
		return nil, err
	}
	states := map[uuid.UUID]*candidateState{}
	var id uuid.UUID
	s := &candidateState{}
	_, err = pgx.ForEachRow(rows, []any{&id, &s.candidateID, &s.assessmentID, &s.organizationID, &s.status, &s.startedAt,
		&s.deadline, &s.submittedAt, &s.evaluatedAt, &s.decidedAt, &s.overallScore, &s.recommendation}, func() error {
		copied := *s
		states[id] = &copied
		return nil
	})
	return states, err
}

// CandidateRow is a candidate as the hiring team's list shows them: the invite, and where
// their interview's events have taken them.
type CandidateRow struct {
	ID             uuid.UUID              `json:"id"`
	AssessmentID   uuid.UUID              `json:"assessmentId"`
	Name           string                 `json:"name"`
	Email          string                 `json:"email"`
	Status         domain.CandidateStatus `json:"status"`
	InvitedAt      time.Time              `json:"invitedAt"`
	InviteExpired  bool                   `json:"inviteExpired"`
	InviteRevoked  bool                   `json:"inviteRevoked"`
	InterviewID    *uuid.UUID             `json:"interviewId,omitempty"`
	StartedAt      *time.Time             `json:"startedAt,omitempty"`
	Deadline       *time.Time             `json:"deadline,omitempty"`
	SubmittedAt    *time.Time             `json:"submittedAt,omitempty"`
	OverallScore   *float64               `json:"overallScore,omitempty"`
	Recommendation *string                `json:"recommendation,omitempty"`
}

const candidateRowQuery = `SELECT c.id, c.assessment_id, c.name, c.email, coalesce(s.status, 'INVITED'), c.invited_at,
	c.invite_expires_at <= now(), c.invite_revoked_at IS NOT NULL,
	s.interview_id, s.started_at, s.deadline, s.submitted_at, s.overall_score, s.recommendation
	FROM candidates c LEFT JOIN candidate_status s ON s.candidate_id = c.id`

func scanCandidateRow(row pgx.Row) (CandidateRow, error) {
	var r CandidateRow
	err := row.Scan(&r.ID, &r.AssessmentID, &r.Name, &r.Email, &r.Status, &r.InvitedAt, &r.InviteExpired, &r.InviteRevoked,
		&r.InterviewID, &r.StartedAt, &r.Deadline, &r.SubmittedAt, &r.OverallScore, &r.Recommendation)
	return r, err
}

// ListCandidates returns an assessment's candidates, newest invite first.
func ListCandidates(ctx context.Context, db Querier, assessmentID uuid.UUID) ([]CandidateRow, error) {
	rows, err := db.Query(ctx, candidateRowQuery+` WHERE c.assessment_id = $1 ORDER BY c.invited_at DESC, c.id`, assessmentID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (CandidateRow, error) { return scanCandidateRow(row) })
}

// ReadCandidate returns one candidate's row, ErrNotFound when there is none.
func ReadCandidate(ctx context.Context, db Querier, candidateID uuid.UUID) (CandidateRow, error) {
	r, err := scanCandidateRow(db.QueryRow(ctx, candidateRowQuery+` WHERE c.id = $1`, candidateID))
	if errors.Is(err, pgx.ErrNoRows) {
		return r, ErrNotFound
	}
	return r, err
}
