package projections

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/interviewlm/interviewlm/domain"
)

// SessionStats sums up each interview: its events by type, typing, pasting, focus and idle
// time, the AI conversation, test runs, and when it began and last moved.
type SessionStats struct{}

// Name implements Projection.
func (SessionStats) Name() string { return "session_stats" }

// Version implements Projection.
func (SessionStats) Version() int { return 3 }

// Tables implements Projection: one row per interview, and one per interview and event type.
func (SessionStats) Tables() []Table {
	return []Table{
		{Name: "session_stats", Create: func(name string) string {
			return fmt.Sprintf(`CREATE TABLE %[1]s (
				stream_id        uuid        NOT NULL,
				events           bigint      NOT NULL,
				first_event_at   timestamptz NOT NULL,
				last_event_at    timestamptz NOT NULL,
				last_position    bigint      NOT NULL,
				keystrokes       bigint      NOT NULL DEFAULT 0,
				chars_inserted   bigint      NOT NULL DEFAULT 0,
				chars_deleted    bigint      NOT NULL DEFAULT 0,
				pastes           bigint      NOT NULL DEFAULT 0,
				pasted_chars     bigint      NOT NULL DEFAULT 0,
				focus_losses     bigint      NOT NULL DEFAULT 0,
				idle_ms          bigint      NOT NULL DEFAULT 0,
				idle_started_at  timestamptz,
				ai_turns         bigint      NOT NULL DEFAULT 0,
				ai_input_tokens  bigint      NOT NULL DEFAULT 0,
				ai_output_tokens bigint      NOT NULL DEFAULT 0,
				ai_cost_micro_usd bigint     NOT NULL DEFAULT 0,
				test_runs        bigint      NOT NULL DEFAULT 0,
				tests_passed     bigint      NOT NULL DEFAULT 0,
				tests_failed     bigint      NOT NULL DEFAULT 0,
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

// streamTotals is what one batch adds to an interview's row.
type streamTotals struct {
	events                              int64
	first, last                         time.Time
	lastPosition                        int64
	keystrokes, inserted, deleted       int64
	pastes, pasted, focusLosses, idleMs int64
	aiTurns, aiIn, aiOut                int64
	aiCostMicroUSD                      int64
	testRuns, passed, failed            int64

	// Idle periods can span batches. closesOpenIdle is the end of an idle period that began
	// in an earlier batch (its start is in the table); idleStart is the start of one still
	// open at the end of this batch; idleTouched says whether the batch had idle events.
	closesOpenIdle *time.Time
	idleStart      *time.Time
	idleTouched    bool
}

type streamType struct {
	stream uuid.UUID
	typ    string
}

// statsPayloads are the event types whose payload the stats read; the others are only counted.
var statsPayloads = map[string]bool{
	domain.TypeKeystroke: true, domain.TypePaste: true, domain.TypeFocusChange: true, domain.TypeIdleEnd: true,
	domain.TypeAIResponse: true, domain.TypeTestRun: true,
}

// Apply implements Projection. The batch is folded in memory, one handler per event type, and
// written with one upsert per table.
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

		var data domain.Event
		if statsPayloads[e.Type] {
			var err error
			if data, err = domain.Decode(e.Type, e.Data); err != nil {
				return fmt.Errorf("event %s: %w", e.ID, err)
			}
		}
		switch e.Type {
		case domain.TypeKeystroke:
			t.keystroke(data.(*domain.Keystroke))
		case domain.TypePaste:
			t.pastes++
			t.pasted += int64(domain.UTF16Len(data.(*domain.Paste).Text))
		case domain.TypeFocusChange:
			if f := data.(*domain.FocusChange); f.Focused != nil && !*f.Focused {
				t.focusLosses++
			}
		case domain.TypeIdleStart:
			at := e.OccurredAt
			t.idleStart, t.idleTouched = &at, true
		case domain.TypeIdleEnd:
			t.idleEnd(e.OccurredAt, data.(*domain.IdleEnd))
		case domain.TypeAIMessage:
			t.aiTurns++
		case domain.TypeAIResponse:
			r := data.(*domain.AIResponse)
			t.aiIn, t.aiOut = t.aiIn+int64(r.InputTokens), t.aiOut+int64(r.OutputTokens)
			// Micro-dollars, summed as integers, so that the total does not depend on how
			// the events were batched.
			t.aiCostMicroUSD += int64(math.Round(r.CostUSD * 1e6))
		case domain.TypeTestRun:
			r := data.(*domain.TestRun)
			t.testRuns, t.passed, t.failed = t.testRuns+1, t.passed+int64(r.Passed), t.failed+int64(r.Failed)
		}
	}
	return writeStats(ctx, tx, tables, totals, byType)
}

func (t *streamTotals) keystroke(k *domain.Keystroke) {
	t.keystrokes++
	for _, c := range k.Changes {
		t.inserted += int64(domain.UTF16Len(c.Text))
		t.deleted += int64(c.DeleteCount)
	}
}

// idleEnd closes an idle period. The client's own measure wins when it sent one; otherwise
// the period runs from its idle_start, in this batch or (closesOpenIdle) an earlier one.
func (t *streamTotals) idleEnd(at time.Time, d *domain.IdleEnd) {
	switch {
	case d.DurationMs > 0:
		t.idleMs += d.DurationMs
	case t.idleStart != nil:
		t.idleMs += max(at.Sub(*t.idleStart).Milliseconds(), 0)
	case !t.idleTouched:
		t.closesOpenIdle = &at
	}
	t.idleStart, t.idleTouched = nil, true
}

func writeStats(ctx context.Context, tx pgx.Tx, tables Tables, totals map[uuid.UUID]*streamTotals, byType map[streamType]int64) error {
	n := len(totals)
	var (
		ids                                        = make([]uuid.UUID, 0, n)
		firsts, lasts                              = make([]time.Time, 0, n), make([]time.Time, 0, n)
		closes, starts                             = make([]*time.Time, 0, n), make([]*time.Time, 0, n)
		touched                                    = make([]bool, 0, n)
		counts, positions, keys, ins, dels, pastes = make([]int64, 0, n), make([]int64, 0, n), make([]int64, 0, n), make([]int64, 0, n), make([]int64, 0, n), make([]int64, 0, n)
		pasted, focus, idle, turns, aiIn, aiOut    = make([]int64, 0, n), make([]int64, 0, n), make([]int64, 0, n), make([]int64, 0, n), make([]int64, 0, n), make([]int64, 0, n)
		runs, passed, failed, cost                 = make([]int64, 0, n), make([]int64, 0, n), make([]int64, 0, n), make([]int64, 0, n)
	)
	newRowStarts := make([]*time.Time, 0, n) // a new row holds the start of an open idle period
	for id, t := range totals {
		ids, firsts, lasts = append(ids, id), append(firsts, t.first), append(lasts, t.last)
		newRowStarts = append(newRowStarts, t.idleStart)
		closes, starts, touched = append(closes, t.closesOpenIdle), append(starts, t.idleStart), append(touched, t.idleTouched)
		counts, positions, keys = append(counts, t.events), append(positions, t.lastPosition), append(keys, t.keystrokes)
		ins, dels, pastes, pasted = append(ins, t.inserted), append(dels, t.deleted), append(pastes, t.pastes), append(pasted, t.pasted)
		focus, idle, turns = append(focus, t.focusLosses), append(idle, t.idleMs), append(turns, t.aiTurns)
		aiIn, aiOut, runs = append(aiIn, t.aiIn), append(aiOut, t.aiOut), append(runs, t.testRuns)
		passed, failed, cost = append(passed, t.passed), append(failed, t.failed), append(cost, t.aiCostMicroUSD)
	}
	typeStreams, types, typeCounts := make([]uuid.UUID, 0, len(byType)), make([]string, 0, len(byType)), make([]int64, 0, len(byType))
	for k, c := range byType {
		typeStreams, types, typeCounts = append(typeStreams, k.stream), append(types, k.typ), append(typeCounts, c)
	}

	stats := tables.Of("session_stats")
	batch := &pgx.Batch{}
	// Idle periods first, on the rows as they were: one closed by this batch ran from the
	// start the row holds; the row then keeps the start of one still open, if any.
	batch.Queue(`UPDATE `+stats+` AS s SET
			idle_ms = s.idle_ms + coalesce(greatest(0, (extract(epoch FROM (t.closes - s.idle_started_at)) * 1000)::bigint), 0),
			idle_started_at = t.start
		FROM unnest($1::uuid[], $2::timestamptz[], $3::timestamptz[], $4::bool[]) AS t(id, closes, start, touched)
		WHERE t.touched AND s.stream_id = t.id`, ids, closes, starts, touched)
	batch.Queue(`INSERT INTO `+stats+` AS s (stream_id, events, first_event_at, last_event_at,
			last_position, keystrokes, chars_inserted, chars_deleted, pastes, pasted_chars, focus_losses, idle_ms,
			idle_started_at, ai_turns, ai_input_tokens, ai_output_tokens, test_runs, tests_passed, tests_failed,
			ai_cost_micro_usd)
		SELECT * FROM unnest($1::uuid[], $2::int8[], $3::timestamptz[], $4::timestamptz[], $5::int8[], $6::int8[], $7::int8[],
			$8::int8[], $9::int8[], $10::int8[], $11::int8[], $12::int8[], $13::timestamptz[], $14::int8[], $15::int8[],
			$16::int8[], $17::int8[], $18::int8[], $19::int8[], $20::int8[])
		ON CONFLICT (stream_id) DO UPDATE SET
			events = s.events + excluded.events,
			first_event_at = least(s.first_event_at, excluded.first_event_at),
			last_event_at = greatest(s.last_event_at, excluded.last_event_at),
			last_position = greatest(s.last_position, excluded.last_position),
			keystrokes = s.keystrokes + excluded.keystrokes,
			chars_inserted = s.chars_inserted + excluded.chars_inserted,
			chars_deleted = s.chars_deleted + excluded.chars_deleted,
			pastes = s.pastes + excluded.pastes,
			pasted_chars = s.pasted_chars + excluded.pasted_chars,
			focus_losses = s.focus_losses + excluded.focus_losses,
			idle_ms = s.idle_ms + excluded.idle_ms,
			ai_turns = s.ai_turns + excluded.ai_turns,
			ai_input_tokens = s.ai_input_tokens + excluded.ai_input_tokens,
			ai_output_tokens = s.ai_output_tokens + excluded.ai_output_tokens,
			test_runs = s.test_runs + excluded.test_runs,
			tests_passed = s.tests_passed + excluded.tests_passed,
			tests_failed = s.tests_failed + excluded.tests_failed,
			ai_cost_micro_usd = s.ai_cost_micro_usd + excluded.ai_cost_micro_usd`,
		ids, counts, firsts, lasts, positions, keys, ins, dels, pastes, pasted, focus, idle, newRowStarts,
		turns, aiIn, aiOut, runs, passed, failed, cost)
	batch.Queue(`INSERT INTO `+tables.Of("session_stats_types")+` AS s (stream_id, type, events)
		SELECT * FROM unnest($1::uuid[], $2::text[], $3::int8[])
		ON CONFLICT (stream_id, type) DO UPDATE SET events = s.events + excluded.events`,
		typeStreams, types, typeCounts)
	return tx.SendBatch(ctx, batch).Close()
}

// SessionStatsView is the read model of one interview.
type SessionStatsView struct {
	InterviewID     uuid.UUID        `json:"interviewId"`
	Events          int64            `json:"events"`
	EventsByType    map[string]int64 `json:"eventsByType"`
	FirstEventAt    *time.Time       `json:"firstEventAt"`
	LastEventAt     *time.Time       `json:"lastEventAt"`
	DurationSeconds float64          `json:"durationSeconds"`
	LastPosition    int64            `json:"lastPosition"`
	Keystrokes      int64            `json:"keystrokes"`
	CharsInserted   int64            `json:"charsInserted"`
	CharsDeleted    int64            `json:"charsDeleted"`
	Pastes          int64            `json:"pastes"`
	PastedChars     int64            `json:"pastedChars"`
	FocusLosses     int64            `json:"focusLosses"`
	IdleSeconds     float64          `json:"idleSeconds"`
	AITurns         int64            `json:"aiInteractions"`
	AIInputTokens   int64            `json:"tokensIn"`
	AIOutputTokens  int64            `json:"tokensOut"`
	// AICostUSD is the AI's tokens priced per model when each answer was recorded.
	AICostUSD   float64 `json:"costUsd"`
	TestRuns    int64   `json:"testRuns"`
	TestsPassed int64   `json:"testsPassed"`
	TestsFailed int64   `json:"testsFailed"`
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
	var idleMs, costMicro int64
	err := db.QueryRow(ctx, `SELECT events, first_event_at, last_event_at, last_position, keystrokes, chars_inserted,
		chars_deleted, pastes, pasted_chars, focus_losses, idle_ms, ai_turns, ai_input_tokens, ai_output_tokens,
		test_runs, tests_passed, tests_failed, ai_cost_micro_usd
		FROM session_stats WHERE stream_id = $1`, interviewID).
		Scan(&v.Events, &v.FirstEventAt, &v.LastEventAt, &v.LastPosition, &v.Keystrokes, &v.CharsInserted,
			&v.CharsDeleted, &v.Pastes, &v.PastedChars, &v.FocusLosses, &idleMs, &v.AITurns, &v.AIInputTokens,
			&v.AIOutputTokens, &v.TestRuns, &v.TestsPassed, &v.TestsFailed, &costMicro)
	if errors.Is(err, pgx.ErrNoRows) {
		return v, ErrNotFound
	}
	if err != nil {
		return v, err
	}
	v.IdleSeconds = float64(idleMs) / 1000
	v.AICostUSD = float64(costMicro) / 1e6
	v.DurationSeconds = v.LastEventAt.Sub(*v.FirstEventAt).Seconds()
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
