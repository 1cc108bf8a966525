package eventstore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/interviewlm/interviewlm/domain"
)

// MaxQueryLimit is the most events one QueryStream returns.
const MaxQueryLimit = 10_000

// ErrInvalidQuery means a StreamQuery asks for something the store cannot answer, such as a
// page size outside 1..MaxQueryLimit.
var ErrInvalidQuery = errors.New("eventstore: invalid stream query")

// StreamQuery selects events of one stream. Zero fields do not filter.
type StreamQuery struct {
	// AfterPosition keeps events with a log position greater than it.
	AfterPosition int64
	// AfterVersion keeps events with a stream version greater than it. Readers that walk a
	// stream page by page should pass the last version they got: it is an exact index range,
	// where a position needs a lookup first.
	AfterVersion int64
	// From and To bound occurred_at, both inclusive.
	From, To time.Time
	// Types keeps only events of these types.
	Types []string
	// ExcludeTypes drops events of these types.
	ExcludeTypes []string
	// KeyframesOnly keeps only events the replay projection made keyframes of
	// (replay_keyframes).
	KeyframesOnly bool
	// Offset skips that many of the selected events.
	Offset int
	// Limit is the most events returned, 1..MaxQueryLimit.
	Limit int
}

// QueryStream returns the events of stream that q selects, in version order, upcast like
// every read of the store. Within a stream, version order is also position order: appends to
// a stream hold its lock until they commit, so a later version always gets a later position,
// and it cannot be seen before the versions below it are, which makes reading a live stream
// by version safe without the log-wide transaction-id rule. Of the metadata, only the actor
// is read: these events are shown to people, who see nothing else of it.
//
// It reads the replay projection's replay_keyframes table: for KeyframesOnly, and to start an
// AfterPosition scan at the last keyframe at or before that position instead of the stream's
// first event, since the events table has no index by stream and position. A lagging
// projection only makes that scan longer, never the answer different.
func (s *Store) QueryStream(ctx context.Context, stream uuid.UUID, q StreamQuery) ([]domain.RecordedEvent, error) {
	if err := q.validate(); err != nil {
		return nil, err
	}
	sql, args := q.sql(stream)
	rows, err := s.pool.Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("eventstore: query stream %s: %w", stream, err)
	}
	return collectRows(rows, q.Limit, s.upcaser, true)
}

func (q StreamQuery) validate() error {
	switch {
	case q.Limit < 1 || q.Limit > MaxQueryLimit:
		return fmt.Errorf("%w: limit %d is outside 1..%d", ErrInvalidQuery, q.Limit, MaxQueryLimit)
	case q.Offset < 0:
		return fmt.Errorf("%w: negative offset %d", ErrInvalidQuery, q.Offset)
	case q.AfterPosition < 0 || q.AfterVersion < 0:
		return fmt.Errorf("%w: negative cursor", ErrInvalidQuery)
	case !q.From.IsZero() && !q.To.IsZero() && q.To.Before(q.From):
		return fmt.Errorf("%w: to is before from", ErrInvalidQuery)
	}
	return nil
}

// sql builds the statement: one fixed shape per combination of filters, so that plans are
// cached per shape, with every value a parameter.
func (q StreamQuery) sql(stream uuid.UUID) (string, []any) {
	args := []any{stream}
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	var b strings.Builder
	b.WriteString(`SELECT ` + actorColumns + ` FROM events WHERE stream_id = $1`)
	if q.AfterVersion > 0 {
		b.WriteString(` AND version > ` + arg(q.AfterVersion))
	}
	if q.AfterPosition > 0 {
		p := arg(q.AfterPosition)
		// Every version up to the keyframe's is at or before its position, so skipping them
		// changes nothing but the length of the index range scanned.
		b.WriteString(` AND position > ` + p + ` AND version > coalesce((SELECT k.version FROM replay_keyframes k
			WHERE k.interview_id = $1 AND k.position <= ` + p + ` ORDER BY k.position DESC LIMIT 1), 0)`)
	}
	if !q.From.IsZero() {
		b.WriteString(` AND occurred_at >= ` + arg(q.From))
	}
	if !q.To.IsZero() {
		b.WriteString(` AND occurred_at <= ` + arg(q.To))
	}
	if len(q.Types) > 0 {
		b.WriteString(` AND type = ANY(` + arg(q.Types) + `)`)
	}
	if len(q.ExcludeTypes) > 0 {
		b.WriteString(` AND type <> ALL(` + arg(q.ExcludeTypes) + `)`)
	}
	if q.KeyframesOnly {
		b.WriteString(` AND EXISTS (SELECT 1 FROM replay_keyframes k
			WHERE k.interview_id = events.stream_id AND k.version = events.version)`)
	}
	b.WriteString(` ORDER BY version`)
	if q.Offset > 0 {
		b.WriteString(` OFFSET ` + arg(q.Offset))
	}
	b.WriteString(` LIMIT ` + arg(q.Limit))
	return b.String(), args
}
