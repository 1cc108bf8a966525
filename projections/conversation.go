package projections

import (
	"context"
	"errors"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/interviewlm/interviewlm/domain"
)

// ConversationReader reads an interview's AI conversation and test runs from its events, for
// the assistant's context (commands.ChatContext): current the moment they are appended.
type ConversationReader struct{ DB Querier }

// Conversation returns the earlier turns with the assistant, oldest first.
func (r ConversationReader) Conversation(ctx context.Context, interview uuid.UUID) ([]domain.Turn, error) {
	var turns []domain.Turn
	index := map[uuid.UUID]int{}
	err := eachEvent(ctx, r.DB, interview, []string{domain.TypeAIMessage, domain.TypeAIResponse}, func(data domain.Event) {
		switch d := data.(type) {
		case *domain.AIMessage:
			index[d.TurnID] = len(turns)
			turns = append(turns, domain.Turn{Message: d.Message})
		case *domain.AIResponse:
			if i, ok := index[d.TurnID]; ok {
				turns[i].Answer = d.Text
			}
		}
	})
	if err != nil {
		return nil, err
	}
	return turns, nil
}

// eachEvent decodes the stream's events of the given types in order and hands each to fn: the
// read path of the readers that answer from the log itself rather than from a read model.
func eachEvent(ctx context.Context, q Querier, stream uuid.UUID, types []string, fn func(domain.Event)) error {
	rows, err := q.Query(ctx, `SELECT type, schema_version, payload FROM events
		WHERE stream_id = $1 AND type = ANY($2) ORDER BY version`, stream, types)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			e  domain.RecordedEvent
			sv int16
		)
		if err := rows.Scan(&e.Type, &sv, &e.Data); err != nil {
			return err
		}
		e.SchemaVersion = int(sv)
		data, err := domain.DecodeRecorded(e)
		if err != nil {
			return err
		}
		fn(data)
	}
	return rows.Err()
}

// LatestTestRun returns the interview's last test run, and whether it came after the
// assistant's last answer (the candidate checked what they were told).
func (r ConversationReader) LatestTestRun(ctx context.Context, interview uuid.UUID) (*domain.TestRun, bool, error) {
	var (
		e          domain.RecordedEvent
		sv         int16
		lastAnswer *int64
	)
	err := r.DB.QueryRow(ctx, `SELECT t.type, t.schema_version, t.payload, t.version,
			(SELECT max(a.version) FROM events a WHERE a.stream_id = $1 AND a.type = $3)
		FROM events t WHERE t.stream_id = $1 AND t.type = $2 ORDER BY t.version DESC LIMIT 1`,
		interview, domain.TypeTestRun, domain.TypeAIResponse).Scan(&e.Type, &sv, &e.Data, &e.Version, &lastAnswer)
	if err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, false, nil
		}
		return nil, false, err
	}
	e.SchemaVersion = int(sv)
	data, err := domain.DecodeRecorded(e)
	if err != nil {
		return nil, false, err
	}
	run := data.(*domain.TestRun)
	return run, lastAnswer != nil && e.Version > *lastAnswer, nil
}
