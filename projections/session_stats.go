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

// SessionStats counts, per interview, its events by type and when the first and last happened.
type SessionStats struct{}

// Name implements Projection.
func (SessionStats) Name() string { return "session_stats" }

// Version implements Projection.
func (SessionStats) Version() int { return 1 }

// Tables implements Projection: one row per interview, and one per interview and event type.
func (SessionStats) Tables() []Table {
	return []Table{
		{Name: "session_stats", Create: func(name string) string {
			return fmt.Sprintf(`CREATE TABLE %[1]s (
				stream_id      uuid        NOT NULL,
				events         bigint      NOT NULL,
				first_event_at timestamptz NOT NULL,
				last_event_at  timestamptz NOT NULL,
				last_position  bigint      NOT NULL,
				CONSTRAINT %[2]s PRIMARY KEY (stream_id))`,
				pgx.Identifier{name}.Sanitize(), pgx.Identifier{name + "_pkey"}.Sanitize())
		}},
		{Name: "session_stats_types", Create: func(name string) string {
			return fmt.Sprintf(`CREATE TABLE %[1]s (
				stream_id uuid   NOT NULL,
				type      text   NOT NULL,
				events    bigint NOT NULL,
				CONSTRAINT %[2]s PRIMARY KEY (stream_id, type))`,
				pgx.Identifier{name}.Sanitize(), pgx.Identifier{name + "_pkey"}.Sanitize())
		}},
	}
}

type streamTotals struct {
	events       int64
	first, last  time.Time
	lastPosition int64
}

type streamType struct {
	stream uuid.UUID
	typ    string
}

// Apply implements Projection. Every event counts, whatever its type, so there is a single
// handler; the batch is folded in memory and written with one upsert per table.
func (SessionStats) Apply(ctx context.Context, tx pgx.Tx, tables Tables, events []domain.RecordedEvent) error {
	totals := map[uuid.UUID]*streamTotals{}
	byType := map[streamType]int64{}
	for _, e := range events {
		t, ok := totals[e.StreamID]
		if !ok {
			t = &streamTotals{first: e.OccurredAt, last: e.OccurredAt}
			totals[e.StreamID] = t
		}
		t.events++
		if e.OccurredAt.Before(t.first) {
			t.first = e.OccurredAt
		}
		if e.OccurredAt.After(t.last) {
			t.last = e.OccurredAt
		}
		t.lastPosition = max(t.lastPosition, e.Position)
		byType[streamType{e.StreamID, e.Type}]++
	}

	var (
		ids          = make([]uuid.UUID, 0, len(totals))
		counts       = make([]int64, 0, len(totals))
		firsts       = make([]time.Time, 0, len(totals))
		lasts        = make([]time.Time, 0, len(totals))
		positions    = make([]int64, 0, len(totals))
		typeStreams  = make([]uuid.UUID, 0, len(byType))
		types        = make([]string, 0, len(byType))
		typeCounts   = make([]int64, 0, len(byType))
		statsTable   = tables.Of("session_stats")
		byTypesTable = tables.Of("session_stats_types")
	)
	for id, t := range totals {
		ids, counts, firsts, lasts, positions = append(ids, id), append(counts, t.events),
			append(firsts, t.first), append(lasts, t.last), append(positions, t.lastPosition)
	}
	for k, n := range byType {
		typeStreams, types, typeCounts = append(typeStreams, k.stream), append(types, k.typ), append(typeCounts, n)
	}

	batch := &pgx.Batch{}
	batch.Queue(`INSERT INTO `+statsTable+` AS s (stream_id, events, first_event_at, last_event_at, last_position)
		SELECT * FROM unnest($1::uuid[], $2::int8[], $3::timestamptz[], $4::timestamptz[], $5::int8[])
		ON CONFLICT (stream_id) DO UPDATE SET
			events = s.events + excluded.events,
			first_event_at = least(s.first_event_at, excluded.first_event_at),
			last_event_at = greatest(s.last_event_at, excluded.last_event_at),
			last_position = greatest(s.last_position, excluded.last_position)`,
		ids, counts, firsts, lasts, positions)
	batch.Queue(`INSERT INTO `+byTypesTable+` AS s (stream_id, type, events)
		SELECT * FROM unnest($1::uuid[], $2::text[], $3::int8[])
		ON CONFLICT (stream_id, type) DO UPDATE SET events = s.events + excluded.events`,
		typeStreams, types, typeCounts)
	return tx.SendBatch(ctx, batch).Close()
}

// SessionStatsView is the read model of one interview.
type SessionStatsView struct {
	InterviewID  uuid.UUID        `json:"interviewId"`
	Events       int64            `json:"events"`
	EventsByType map[string]int64 `json:"eventsByType"`
	FirstEventAt time.Time        `json:"firstEventAt"`
	LastEventAt  time.Time        `json:"lastEventAt"`
	LastPosition int64            `json:"lastPosition"`
}

// Querier is what queries of read models read through: a pool, a connection or a transaction.
type Querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// ErrNotFound means a read model has no row for what was asked.
var ErrNotFound = errors.New("projections: not found")

// ReadSessionStats returns the stats of one interview, ErrNotFound when it has no events yet.
func ReadSessionStats(ctx context.Context, db Querier, interviewID uuid.UUID) (SessionStatsView, error) {
	v := SessionStatsView{InterviewID: interviewID, EventsByType: map[string]int64{}}
	err := db.QueryRow(ctx, `SELECT events, first_event_at, last_event_at, last_position
		FROM session_stats WHERE stream_id = $1`, interviewID).
		Scan(&v.Events, &v.FirstEventAt, &v.LastEventAt, &v.LastPosition)
	if errors.Is(err, pgx.ErrNoRows) {
		return v, ErrNotFound
	}
	if err != nil {
		return v, err
	}
	rows, err := db.Query(ctx, `SELECT type, events FROM session_stats_types WHERE stream_id = $1`, interviewID)
	if err != nil {
		return v, err
	}
	var (
		typ string
		n   int64
	)
	_, err = pgx.ForEachRow(rows, []any{&typ, &n}, func() error { v.EventsByType[typ] = n; return nil })
	return v, err
}
