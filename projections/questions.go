package projections

import (
	"context"
	"errors"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/interviewlm/interviewlm/domain"
)

// QuestionsReader finds the questions served in an interview (commands.QuestionFinder). It
// reads the interview's question_served events directly: few, and always current.
type QuestionsReader struct{ DB Querier }

// ErrNoQuestion is returned when the interview has no such served question.
var ErrNoQuestion = errors.New("projections: no question served")

// ServedQuestion returns the question with id, or the latest one when id is nil.
func (r QuestionsReader) ServedQuestion(ctx context.Context, interview uuid.UUID, id uuid.UUID) (domain.QuestionServed, error) {
	var (
		e  domain.RecordedEvent
		sv int16
	)
	query := `SELECT type, schema_version, payload FROM events WHERE stream_id = $1 AND type = $2`
	args := []any{interview, domain.TypeQuestionServed}
	if id != uuid.Nil {
		query += ` AND payload->>'questionId' = $3`
		args = append(args, id.String())
	}
	err := r.DB.QueryRow(ctx, query+` ORDER BY version DESC LIMIT 1`, args...).Scan(&e.Type, &sv, &e.Data)
	if errors.Is(err, pgx.ErrNoRows) {
		return domain.QuestionServed{}, ErrNoQuestion
	}
	if err != nil {
		return domain.QuestionServed{}, err
	}
	e.SchemaVersion = int(sv)
	data, err := domain.DecodeRecorded(e)
	if err != nil {
		return domain.QuestionServed{}, err
	}
	return *data.(*domain.QuestionServed), nil
}
