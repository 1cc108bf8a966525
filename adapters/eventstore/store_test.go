package eventstore_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	wsql "github.com/ThreeDotsLabs/watermill-sql/v4/pkg/sql"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/interviewlm/interviewlm/adapters/eventstore"
	"github.com/interviewlm/interviewlm/adapters/postgres/pgtest"
	"github.com/interviewlm/interviewlm/domain"
)

func newStore(t *testing.T, opts eventstore.Options) (*eventstore.Store, *pgtest.DB) {
	t.Helper()
	db := pgtest.New(t, 16)
	s, err := eventstore.New(db.Pool, opts)
	if err != nil {
		t.Fatal(err)
	}
	return s, db
}

func event(typ string, data string) domain.NewEvent {
	return domain.NewEvent{ID: uuid.New(), Type: typ, SchemaVersion: 1, Data: json.RawMessage(data)}
}

func TestAppendAndReadKeepsTheWholeEnvelope(t *testing.T) {
	t.Parallel()
	s, _ := newStore(t, eventstore.Options{})
	ctx := context.Background()
	stream := uuid.New()
	clientTime := time.Date(2026, 11, 26, 8, 0, 0, 123456000, time.UTC)
	in := domain.NewEvent{
		ID: uuid.New(), Type: "keystroke", SchemaVersion: 3,
		Data: json.RawMessage(`{"fileId":"main.go","changes":[{"offset":0,"deleteCount":0,"text":"é😀"}]}`),
		Metadata: domain.Metadata{
			Actor:          domain.Actor{Kind: domain.ActorCandidate, ID: "cand-1"},
			OrganizationID: "org-1", CorrelationID: "req-1", CausationID: "evt-0",
			ClientTime: &clientTime,
		},
		OccurredAt: clientTime,
	}
	res, err := s.Append(ctx, stream, eventstore.NoStream, in, event("paste", `{}`))
	if err != nil {
		t.Fatal(err)
	}
	if res.Appended != 2 || res.Duplicates != 0 || res.Version != 2 || res.LastPosition <= res.FirstPosition-1 || res.FirstPosition == 0 {
		t.Fatalf("result = %+v", res)
	}
	got, err := s.ReadStream(ctx, stream, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("read %d events, want 2", len(got))
	}
	e := got[0]
	if e.ID != in.ID || e.StreamID != stream || e.Version != 1 || e.Type != "keystroke" || e.SchemaVersion != 3 {
		t.Errorf("envelope = %+v", e)
	}
	if e.Position != res.FirstPosition || got[1].Position != res.LastPosition || e.TxID == 0 || got[1].TxID != e.TxID ||
		res.End() != got[1].LogPosition() {
		t.Errorf("positions: %d,%d tx %d,%d; result %+v", e.Position, got[1].Position, e.TxID, got[1].TxID, res)
	}
	var payload, want any
	_ = json.Unmarshal(e.Data, &payload)
	_ = json.Unmarshal(in.Data, &want)
	if fmt.Sprint(payload) != fmt.Sprint(want) {
		t.Errorf("payload = %s, want %s", e.Data, in.Data)
	}
	if e.Metadata.Actor != in.Metadata.Actor || e.Metadata.OrganizationID != "org-1" ||
		e.Metadata.CorrelationID != "req-1" || e.Metadata.CausationID != "evt-0" ||
		e.Metadata.ClientTime == nil || !e.Metadata.ClientTime.Equal(clientTime) {
		t.Errorf("metadata = %+v", e.Metadata)
	}
	if !e.OccurredAt.Equal(clientTime) {
		t.Errorf("occurred at %v, want %v", e.OccurredAt, clientTime)
	}
	if time.Since(e.RecordedAt) > time.Minute || time.Since(got[1].OccurredAt) > time.Minute {
		t.Errorf("recorded at %v / default occurred at %v are not now", e.RecordedAt, got[1].OccurredAt)
	}
}

func TestExpectedVersionsUnderContention(t *testing.T) {
	t.Parallel()
	s, _ := newStore(t, eventstore.Options{})
	ctx := context.Background()
	stream := uuid.New()
	const writers, rounds = 50, 10

	// Every round, 50 writers race to append at the same expected version: one must win.
	for round := range rounds {
		var wins, conflicts atomic.Int32
		var wg sync.WaitGroup
		for range writers {
			wg.Go(func() {
				_, err := s.Append(ctx, stream, int64(round), event("cursor", `{}`))
				var ce *eventstore.ConcurrencyError
				switch {
				case err == nil:
					wins.Add(1)
				case errors.As(err, &ce) && errors.Is(err, eventstore.ErrConcurrency) && ce.Actual == int64(round+1):
					conflicts.Add(1)
				default:
					t.Errorf("round %d: unexpected error %v", round, err)
				}
			})
		}
		wg.Wait()
		if wins.Load() != 1 || conflicts.Load() != writers-1 {
			t.Fatalf("round %d: %d winners and %d conflicts, want 1 and %d", round, wins.Load(), conflicts.Load(), writers-1)
		}
	}

	// Then 50 writers each retry until their event lands: every event lands once, no gaps.
	var wg sync.WaitGroup
	ids := make([]uuid.UUID, writers)
	for i := range writers {
		wg.Go(func() {
			e := event("cursor", `{}`)
			ids[i] = e.ID
			for {
				v, err := s.StreamVersion(ctx, stream)
				if err != nil {
					t.Error(err)
					return
				}
				_, err = s.Append(ctx, stream, v, e)
				if err == nil {
					return
				}
				if !errors.Is(err, eventstore.ErrConcurrency) {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	got, err := s.ReadStream(ctx, stream, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != rounds+writers {
		t.Fatalf("stream has %d events, want %d", len(got), rounds+writers)
	}
	seen := map[uuid.UUID]bool{}
	for i, e := range got {
		if e.Version != int64(i+1) {
			t.Fatalf("event %d has version %d: versions must be gapless", i, e.Version)
		}
		if i > 0 && e.Position <= got[i-1].Position {
			t.Fatalf("positions not increasing with versions at %d", i)
		}
		seen[e.ID] = true
	}
	for _, id := range ids {
		if !seen[id] {
			t.Errorf("event %s never landed", id)
		}
	}
}

func TestRetriedBatchAppendsNothing(t *testing.T) {
	t.Parallel()
	s, _ := newStore(t, eventstore.Options{})
	ctx := context.Background()
	stream := uuid.New()
	batch := []domain.NewEvent{event("keystroke", `{"n":1}`), event("keystroke", `{"n":2}`), event("keystroke", `{"n":3}`)}
	first, err := s.Append(ctx, stream, eventstore.NoStream, batch...)
	if err != nil {
		t.Fatal(err)
	}
	// The retry carries the same expected version, which is stale now: it must still succeed.
	again, err := s.Append(ctx, stream, eventstore.NoStream, batch...)
	if err != nil {
		t.Fatalf("retry: %v", err)
	}
	if again.Appended != 0 || again.Duplicates != 3 || again.Version != first.Version ||
		again.FirstPosition != first.FirstPosition || again.LastPosition != first.LastPosition {
		t.Fatalf("retry result = %+v, first %+v", again, first)
	}

	// A batch overlapping an earlier one appends only its new events, and an id repeated
	// inside one batch counts once.
	extra := event("keystroke", `{"n":4}`)
	mixed, err := s.Append(ctx, stream, eventstore.AnyVersion, batch[2], extra, extra)
	if err != nil {
		t.Fatal(err)
	}
	if mixed.Appended != 1 || mixed.Duplicates != 2 || mixed.Version != 4 {
		t.Fatalf("overlap result = %+v", mixed)
	}

	// The same id in another stream is a conflict, not a silent duplicate.
	if _, err := s.Append(ctx, uuid.New(), eventstore.AnyVersion, batch[0]); !errors.Is(err, eventstore.ErrEventIDConflict) {
		t.Fatalf("same id in another stream: err = %v, want ErrEventIDConflict", err)
	}
	got, _ := s.ReadStream(ctx, stream, 0, 100)
	if len(got) != 4 {
		t.Fatalf("stream has %d events, want 4", len(got))
	}
}

func TestInvalidEventsAreRefusedWhole(t *testing.T) {
	t.Parallel()
	s, _ := newStore(t, eventstore.Options{})
	ctx := context.Background()
	stream := uuid.New()
	bad := []domain.NewEvent{
		{ID: uuid.New(), Type: "x", SchemaVersion: 1, Data: json.RawMessage(`{`)},
		{ID: uuid.Nil, Type: "x", SchemaVersion: 1, Data: json.RawMessage(`{}`)},
		{ID: uuid.New(), Type: "", SchemaVersion: 1, Data: json.RawMessage(`{}`)},
		{ID: uuid.New(), Type: "x", SchemaVersion: 0, Data: json.RawMessage(`{}`)},
	}
	for _, b := range bad {
		if _, err := s.Append(ctx, stream, eventstore.AnyVersion, event("ok", `{}`), b); !errors.Is(err, eventstore.ErrInvalidEvent) {
			t.Errorf("append %+v: err = %v, want ErrInvalidEvent", b, err)
		}
	}
	if v, _ := s.StreamVersion(ctx, stream); v != 0 {
		t.Fatalf("a refused batch left %d events", v)
	}
}

func TestEventsAreImmutableInTheDatabase(t *testing.T) {
	t.Parallel()
	s, db := newStore(t, eventstore.Options{})
	ctx := context.Background()
	stream := uuid.New()
	if _, err := s.Append(ctx, stream, eventstore.NoStream, event("paste", `{"text":"x"}`)); err != nil {
		t.Fatal(err)
	}
	for _, stmt := range []string{
		`UPDATE events SET payload = '{"text":"forged"}'`,
		`DELETE FROM events`,
		`TRUNCATE events`,
	} {
		_, err := db.Pool.Exec(ctx, stmt)
		if err == nil {
			t.Errorf("%s: the database accepted it", stmt)
			continue
		}
		if want := "events are immutable"; !strings.Contains(err.Error(), want) {
			t.Errorf("%s: err = %v, want %q", stmt, err, want)
		}
	}
	got, _ := s.ReadStream(ctx, stream, 0, 10)
	if len(got) != 1 || string(got[0].Data) != `{"text": "x"}` {
		t.Fatalf("event changed: %+v", got)
	}
}

// TestLateCommitIsNeverSkipped builds the interleaving that loses events for a reader that
// pages by position alone: A writes first and commits last, B writes after and commits first.
func TestLateCommitIsNeverSkipped(t *testing.T) {
	t.Parallel()
	s, db := newStore(t, eventstore.Options{})
	ctx := context.Background()

	txA, err := db.Pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer txA.Rollback(ctx)
	streamA, streamB := uuid.New(), uuid.New()
	if _, err := eventstore.AppendTx(ctx, txA, streamA, eventstore.NoStream, event("a", `{}`), event("a", `{}`)); err != nil {
		t.Fatal(err)
	}
	resB, err := s.Append(ctx, streamB, eventstore.NoStream, event("b", `{}`), event("b", `{}`))
	if err != nil {
		t.Fatal(err)
	}

	// A reader by position alone sees B now, moves its cursor past A's positions, and later
	// misses A: this is the hazard the store must not have.
	var naiveCursor int64
	if err := db.Pool.QueryRow(ctx, `SELECT max(position) FROM events`).Scan(&naiveCursor); err != nil || naiveCursor != resB.LastPosition {
		t.Fatalf("naive reader cursor %d (err %v), want %d", naiveCursor, err, resB.LastPosition)
	}

	cursor := domain.Start
	early, err := s.ReadLog(ctx, cursor, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(early) != 0 {
		t.Fatalf("while A is open the reader got %d events; it must wait for A", len(early))
	}
	if err := txA.Commit(ctx); err != nil {
		t.Fatal(err)
	}

	var naiveMissed int
	if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM events WHERE stream_id = $1 AND position <= $2`, streamA, naiveCursor).Scan(&naiveMissed); err != nil {
		t.Fatal(err)
	}
	if naiveMissed != 2 {
		t.Fatalf("test setup: A's events should sit before the naive cursor, found %d", naiveMissed)
	}

	all := readLog(t, s, cursor, 1, 4)
	if len(all) != 4 {
		t.Fatalf("reader got %d events, want 4", len(all))
	}
	if all[0].StreamID != streamA || all[1].StreamID != streamA || all[2].StreamID != streamB {
		t.Fatalf("log order: %v %v %v %v; A's transaction began first and must come first",
			all[0].Type, all[1].Type, all[2].Type, all[3].Type)
	}
}

func TestRolledBackAppendIsNeitherStoredNorPublished(t *testing.T) {
	t.Parallel()
	s, db := newStore(t, eventstore.Options{})
	ctx := context.Background()
	tx, err := db.Pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	stream := uuid.New()
	if _, err := eventstore.AppendTx(ctx, tx, stream, eventstore.NoStream, event("a", `{}`)); err != nil {
		t.Fatal(err)
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Append(ctx, uuid.New(), eventstore.NoStream, event("b", `{}`)); err != nil {
		t.Fatal(err)
	}
	got := readLog(t, s, domain.Start, 10, 1)
	if len(got) != 1 || got[0].Type != "b" {
		t.Fatalf("log = %+v, want only b", got)
	}
}

func TestUpcasterAppliesOnRead(t *testing.T) {
	t.Parallel()
	// v1 called the field "name"; v2 calls it "fileName".
	upcast := func(typ string, version int, data json.RawMessage) (json.RawMessage, int, error) {
		if typ != "renamed_field" || version != 1 {
			return data, version, nil
		}
		var v1 struct {
			Name string `json:"name"`
		}
		if err := json.Unmarshal(data, &v1); err != nil {
			return nil, 0, err
		}
		v2, err := json.Marshal(map[string]string{"fileName": v1.Name})
		return v2, 2, err
	}
	s, _ := newStore(t, eventstore.Options{Upcaster: upcast})
	ctx := context.Background()
	stream := uuid.New()
	old := event("renamed_field", `{"name":"main.py"}`)
	current := domain.NewEvent{ID: uuid.New(), Type: "renamed_field", SchemaVersion: 2, Data: json.RawMessage(`{"fileName":"b.py"}`)}
	if _, err := s.Append(ctx, stream, eventstore.NoStream, old, current); err != nil {
		t.Fatal(err)
	}
	fromStream, err := s.ReadStream(ctx, stream, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	fromLog := readLog(t, s, domain.Start, 10, 2)
	for _, got := range [][]domain.RecordedEvent{fromStream, fromLog} {
		if got[0].SchemaVersion != 2 || string(got[0].Data) != `{"fileName":"main.py"}` {
			t.Errorf("v1 event read as v%d %s, want v2 {\"fileName\":\"main.py\"}", got[0].SchemaVersion, got[0].Data)
		}
		if got[1].SchemaVersion != 2 || string(got[1].Data) != `{"fileName": "b.py"}` {
			t.Errorf("v2 event read as v%d %s", got[1].SchemaVersion, got[1].Data)
		}
	}
}

// TestWatermillSubscriberReadsTheLog shows the events table is the watermill topic: an
// ordinary watermill-sql subscriber receives appended events with their envelope.
func TestWatermillSubscriberReadsTheLog(t *testing.T) {
	t.Parallel()
	s, db := newStore(t, eventstore.Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	sub, err := wsql.NewSubscriber(wsql.BeginnerFromPgx(db.Pool), wsql.SubscriberConfig{
		ConsumerGroup:  "test",
		SchemaAdapter:  eventstore.Schema{},
		OffsetsAdapter: eventstore.OffsetsAdapter(),
		PollInterval:   50 * time.Millisecond,
	}, watermill.NopLogger{})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	msgs, err := sub.Subscribe(ctx, eventstore.Topic)
	if err != nil {
		t.Fatal(err)
	}

	stream := uuid.New()
	sent := []domain.NewEvent{event("keystroke", `{"n":1}`), event("paste", `{"n":2}`), event("cursor", `{"n":3}`)}
	sent[1].Metadata = domain.Metadata{Actor: domain.Actor{Kind: domain.ActorSystem}, CorrelationID: "c-1"}
	if _, err := s.Append(ctx, stream, eventstore.NoStream, sent...); err != nil {
		t.Fatal(err)
	}
	for i, want := range sent {
		select {
		case msg := <-msgs:
			got, err := s.FromMessage(msg)
			if err != nil {
				t.Fatal(err)
			}
			msg.Ack()
			if got.ID != want.ID || got.Type != want.Type || got.Version != int64(i+1) || got.StreamID != stream ||
				got.Position == 0 || got.TxID == 0 || got.Metadata.CorrelationID != want.Metadata.CorrelationID {
				t.Errorf("message %d = %+v, want %s %s", i, got, want.Type, want.ID)
			}
		case <-ctx.Done():
			t.Fatalf("subscriber delivered %d of %d events", i, len(sent))
		}
	}
}

// readLog pages through the log from cursor until it holds want events, then reads once more
// to catch extras. Transactions of other tests on the same server hold the read horizon back
// for a moment, so an empty page only means "not yet" until the deadline.
func readLog(t *testing.T, s *eventstore.Store, cursor domain.LogPosition, page, want int) []domain.RecordedEvent {
	t.Helper()
	ctx := context.Background()
	var all []domain.RecordedEvent
	deadline := time.Now().Add(10 * time.Second)
	for len(all) < want && time.Now().Before(deadline) {
		got, err := s.ReadLog(ctx, cursor, page)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) == 0 {
			time.Sleep(5 * time.Millisecond)
			continue
		}
		all = append(all, got...)
		cursor = got[len(got)-1].LogPosition()
	}
	extra, err := s.ReadLog(ctx, cursor, page)
	if err != nil {
		t.Fatal(err)
	}
	return append(all, extra...)
}

// Compile-time check that a pgx transaction is what AppendTx takes.
var _ = func(tx pgx.Tx) { _, _ = eventstore.AppendTx(context.Background(), tx, uuid.New(), 0) }
