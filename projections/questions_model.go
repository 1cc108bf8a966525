package projections

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/interviewlm/interviewlm/domain"
)

// Questions keeps, per interview, the questions served in order, their difficulty and how
// each ended: what GET /questions shows.
type Questions struct{}

// Name implements Projection.
func (Questions) Name() string { return "questions" }

// Version implements Projection.
func (Questions) Version() int { return 1 }

// Tables implements Projection.
func (Questions) Tables() []Table {
	return []Table{{Name: "interview_questions", Create: func(name string) string {
		return fmt.Sprintf(`CREATE TABLE %[1]s (
			interview_id  uuid        NOT NULL,
			question_id   uuid        NOT NULL,
			index         integer     NOT NULL,
			difficulty    text        NOT NULL,
			title         text        NOT NULL,
			problem_id    text        NOT NULL,
			source        text        NOT NULL,
			question      jsonb       NOT NULL,
			served_at     timestamptz NOT NULL,
			completed_at  timestamptz,
			score         double precision,
			tests_passed  integer,
			tests_total   integer,
			time_spent_s  bigint,
			CONSTRAINT %[2]s PRIMARY KEY (interview_id, index));
			CREATE UNIQUE INDEX %[3]s ON %[1]s (question_id)`,
			pgx.Identifier{name}.Sanitize(), pgx.Identifier{name + "_pkey"}.Sanitize(), pgx.Identifier{name + "_question_idx"}.Sanitize())
	}}}
}

// Apply implements Projection: a served question adds a row, a completed one fills it in.
func (Questions) Apply(ctx context.Context, tx pgx.Tx, tables Tables, events []domain.RecordedEvent) error {
	table := tables.Of("interview_questions")
	batch := &pgx.Batch{}
	for _, e := range events {
		if e.Type != domain.TypeQuestionServed && e.Type != domain.TypeQuestionCompleted {
			continue
		}
		data, err := domain.Decode(e.Type, e.Data)
		if err != nil {
			return fmt.Errorf("event %s: %w", e.ID, err)
		}
		switch d := data.(type) {
		case *domain.QuestionServed:
			batch.Queue(`INSERT INTO `+table+` (interview_id, question_id, index, difficulty, title, problem_id, source,
				question, served_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING`,
				e.StreamID, d.QuestionID, d.Index, d.Difficulty, d.Title, d.ProblemID, d.Source, e.Data, e.OccurredAt)
		case *domain.QuestionCompleted:
			batch.Queue(`UPDATE `+table+` SET completed_at = $2, score = $3, tests_passed = $4, tests_total = $5,
				time_spent_s = $6 WHERE question_id = $1`, d.QuestionID, e.OccurredAt, d.Score, d.TestsPassed, d.TestsTotal, d.TimeSpentSeconds)
		}
	}
	if batch.Len() == 0 {
		return nil
	}
	return tx.SendBatch(ctx, batch).Close()
}

// InterviewQuestion is a served question as the read model keeps it.
type InterviewQuestion struct {
	Question    domain.QuestionServed
	ServedAt    time.Time
	CompletedAt *time.Time
	Score       *float64
}

// ReadQuestions returns an interview's served questions in order.
func ReadQuestions(ctx context.Context, db Querier, interview uuid.UUID) ([]InterviewQuestion, error) {
	rows, err := db.Query(ctx, `SELECT question, served_at, completed_at, score FROM interview_questions
		WHERE interview_id = $1 ORDER BY index`, interview)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (InterviewQuestion, error) {
		var (
			q   InterviewQuestion
			raw []byte
		)
		if err := row.Scan(&raw, &q.ServedAt, &q.CompletedAt, &q.Score); err != nil {
			return q, err
		}
		return q, json.Unmarshal(raw, &q.Question)
	})
}

// Served implements commands.QuestionHistory from the interview's events, which are current
// the moment they are appended (the read model may lag a little behind).
func (r QuestionsReader) Served(ctx context.Context, interview uuid.UUID) ([]domain.QuestionServed, map[uuid.UUID]bool, error) {
	var served []domain.QuestionServed
	completed := map[uuid.UUID]bool{}
	err := eachEvent(ctx, r.DB, interview, []string{domain.TypeQuestionServed, domain.TypeQuestionCompleted}, func(data domain.Event) {
		switch d := data.(type) {
		case *domain.QuestionServed:
			served = append(served, *d)
		case *domain.QuestionCompleted:
			completed[d.QuestionID] = true
		}
	})
	if err != nil {
		return nil, nil, err
	}
	return served, completed, nil
}

// LastCandidateRuns implements commands.LastRuns: the candidate's last run of each question's
// tests, from the interview's events.
func (r QuestionsReader) LastCandidateRuns(ctx context.Context, interview uuid.UUID) (map[uuid.UUID]domain.TestRun, error) {
	rows, err := r.DB.Query(ctx, `SELECT DISTINCT ON (payload->>'questionId') type, schema_version, payload FROM events
		WHERE stream_id = $1 AND type = $2 AND metadata->'actor'->>'kind' = $3 AND payload ? 'questionId'
		ORDER BY payload->>'questionId', version DESC`, interview, domain.TypeTestRun, domain.ActorCandidate)
	if err != nil {
		return nil, err
	}
	runs := map[uuid.UUID]domain.TestRun{}
	var (
		e  domain.RecordedEvent
		sv int16
	)
	_, err = pgx.ForEachRow(rows, []any{&e.Type, &sv, &e.Data}, func() error {
		e.SchemaVersion = int(sv)
		data, err := domain.DecodeRecorded(e)
		if err != nil {
			return err
		}
		run := data.(*domain.TestRun)
		runs[run.QuestionID] = *run
		return nil
	})
	return runs, err
}
