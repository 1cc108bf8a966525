package eventstore_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/interviewlm/interviewlm/adapters/eventstore"
	"github.com/interviewlm/interviewlm/adapters/postgres/pgtest"
	"github.com/interviewlm/interviewlm/domain"
	"github.com/interviewlm/interviewlm/projections"
)

// createKeyframes creates the replay projection's keyframe table, which QueryStream reads;
// outside these tests the projection engine creates it.
func createKeyframes(t testing.TB, db *pgtest.DB) {
	t.Helper()
	for _, table := range projections.NewReplay().Tables() {
		if table.Name != "replay_keyframes" {
			continue
		}
		if _, err := db.Pool.Exec(context.Background(), table.Create(table.Name)); err != nil {
			t.Fatal(err)
		}
	}
}

// markKeyframe records e as a keyframe, as the replay projection would.
func markKeyframe(t testing.TB, db *pgtest.DB, e domain.RecordedEvent) {
	t.Helper()
	_, err := db.Pool.Exec(context.Background(), `INSERT INTO replay_keyframes (interview_id, version, position, occurred_at, kind, files)
		VALUES ($1, $2, $3, $4, 'snapshot', '[]')`, e.StreamID, e.Version, e.Position, e.OccurredAt)
	if err != nil {
		t.Fatal(err)
	}
}

func versions(events []domain.RecordedEvent) []int64 {
	out := make([]int64, len(events))
	for i, e := range events {
		out[i] = e.Version
	}
	return out
}

func TestQueryStreamFilters(t *testing.T) {
	t.Parallel()
	s, db := newStore(t, eventstore.Options{})
	createKeyframes(t, db)
	ctx := context.Background()
	stream, other := uuid.New(), uuid.New()
	base := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	types := []string{"keystroke", "cursor", "code_snapshot", "keystroke", "focus_change", "keystroke", "test_run", "cursor", "keystroke", "code_snapshot"}
	// The two streams interleave in the log, so positions of one stream are not contiguous.
	for i, typ := range types {
		e := event(typ, fmt.Sprintf(`{"n":%d}`, i+1))
		e.OccurredAt = base.Add(time.Duration(i) * time.Minute)
		if _, err := s.Append(ctx, stream, eventstore.AnyVersion, e); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Append(ctx, other, eventstore.AnyVersion, event("keystroke", `{}`)); err != nil {
			t.Fatal(err)
		}
	}
	all, err := s.ReadStream(ctx, stream, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	markKeyframe(t, db, all[2])
	markKeyframe(t, db, all[6])

	for _, tc := range []struct {
		name string
		q    eventstore.StreamQuery
		want []int64
	}{
		{"everything", eventstore.StreamQuery{Limit: 100}, []int64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}},
		{"limit", eventstore.StreamQuery{Limit: 3}, []int64{1, 2, 3}},
		{"offset", eventstore.StreamQuery{Offset: 8, Limit: 5}, []int64{9, 10}},
		{"one type", eventstore.StreamQuery{Types: []string{"keystroke"}, Limit: 100}, []int64{1, 4, 6, 9}},
		{"two types", eventstore.StreamQuery{Types: []string{"cursor", "test_run"}, Limit: 100}, []int64{2, 7, 8}},
		{"excluded types", eventstore.StreamQuery{ExcludeTypes: []string{"keystroke", "cursor"}, Limit: 100}, []int64{3, 5, 7, 10}},
		{"from and to are inclusive", eventstore.StreamQuery{From: base.Add(2 * time.Minute), To: base.Add(4 * time.Minute), Limit: 100}, []int64{3, 4, 5}},
		{"from only", eventstore.StreamQuery{From: base.Add(8 * time.Minute), Limit: 100}, []int64{9, 10}},
		{"to only", eventstore.StreamQuery{To: base.Add(time.Minute), Limit: 100}, []int64{1, 2}},
		{"keyframes", eventstore.StreamQuery{KeyframesOnly: true, Limit: 100}, []int64{3, 7}},
		{"after a version", eventstore.StreamQuery{AfterVersion: 7, Limit: 100}, []int64{8, 9, 10}},
		// Before, at and after keyframes, and at a position of the other stream.
		{"after position, no keyframe before", eventstore.StreamQuery{AfterPosition: all[1].Position, Limit: 100}, []int64{3, 4, 5, 6, 7, 8, 9, 10}},
		{"after a keyframe's position", eventstore.StreamQuery{AfterPosition: all[6].Position, Limit: 100}, []int64{8, 9, 10}},
		{"after a position past a keyframe", eventstore.StreamQuery{AfterPosition: all[4].Position, Limit: 100}, []int64{6, 7, 8, 9, 10}},
		{"after another stream's position", eventstore.StreamQuery{AfterPosition: all[7].Position + 1, Limit: 100}, []int64{9, 10}},
		{"after the end", eventstore.StreamQuery{AfterPosition: all[9].Position, Limit: 100}, []int64{}},
		{"filters combine", eventstore.StreamQuery{AfterPosition: all[0].Position, Types: []string{"keystroke", "code_snapshot"},
			To: base.Add(8 * time.Minute), Offset: 1, Limit: 2}, []int64{4, 6}},
	} {
		got, err := s.QueryStream(ctx, stream, tc.q)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if !slices.Equal(versions(got), tc.want) {
			t.Errorf("%s: versions %v, want %v", tc.name, versions(got), tc.want)
		}
		for _, e := range got {
			if e.StreamID != stream {
				t.Errorf("%s: event of stream %s", tc.name, e.StreamID)
			}
		}
	}

	// The envelope is the one ReadStream gives.
	got, err := s.QueryStream(ctx, stream, eventstore.StreamQuery{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	for i := range got {
		a, b := got[i], all[i]
		if a.ID != b.ID || a.Position != b.Position || a.TxID != b.TxID || a.Type != b.Type || string(a.Data) != string(b.Data) ||
			!a.OccurredAt.Equal(b.OccurredAt) || !a.RecordedAt.Equal(b.RecordedAt) || a.Metadata.Actor != b.Metadata.Actor {
			t.Errorf("event %d: %+v, ReadStream gives %+v", i, a, b)
		}
	}
}

func TestQueryStreamRefusesBadQueries(t *testing.T) {
	t.Parallel()
	s, db := newStore(t, eventstore.Options{})
	createKeyframes(t, db)
	at := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	for _, q := range []eventstore.StreamQuery{
		{Limit: 0},
		{Limit: eventstore.MaxQueryLimit + 1},
		{Limit: 10, Offset: -1},
		{Limit: 10, AfterPosition: -1},
		{Limit: 10, AfterVersion: -1},
		{Limit: 10, From: at, To: at.Add(-time.Second)},
	} {
		if _, err := s.QueryStream(context.Background(), uuid.New(), q); !errors.Is(err, eventstore.ErrInvalidQuery) {
			t.Errorf("%+v: err = %v, want ErrInvalidQuery", q, err)
		}
	}
}

func TestQueryStreamUpcasts(t *testing.T) {
	t.Parallel()
	upcast := func(typ string, version int, data json.RawMessage) (json.RawMessage, int, error) {
		if typ == "old_shape" && version == 1 {
			return json.RawMessage(`{"upcast":true}`), 2, nil
		}
		return data, version, nil
	}
	s, db := newStore(t, eventstore.Options{Upcaster: upcast})
	createKeyframes(t, db)
	stream := uuid.New()
	if _, err := s.Append(context.Background(), stream, eventstore.NoStream, event("old_shape", `{"v1":true}`)); err != nil {
		t.Fatal(err)
	}
	got, err := s.QueryStream(context.Background(), stream, eventstore.StreamQuery{Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].SchemaVersion != 2 || string(got[0].Data) != `{"upcast":true}` {
		t.Fatalf("read %+v, want the upcast v2 payload", got)
	}
}

// BenchmarkQueryStream pages through a 100,000-event interview 5,000 events at a time, the way
// the replay stream reads it, and reports events read per second.
func BenchmarkQueryStream(b *testing.B) {
	const total, page = 100_000, 5_000
	db := pgtest.New(b, 4)
	s, err := eventstore.New(db.Pool, eventstore.Options{})
	if err != nil {
		b.Fatal(err)
	}
	createKeyframes(b, db)
	ctx := context.Background()
	stream := uuid.New()
	md := domain.Metadata{Actor: domain.Actor{Kind: domain.ActorCandidate, ID: uuid.NewString()}, OrganizationID: uuid.NewString()}
	for done := 0; done < total; done += eventstore.MaxBatch {
		batch := make([]domain.NewEvent, eventstore.MaxBatch)
		for i := range batch {
			batch[i] = event("keystroke", fmt.Sprintf(`{"fileId":"main.go","changes":[{"offset":%d,"deleteCount":0,"text":"x"}]}`, done+i))
			batch[i].Metadata = md
		}
		if _, err := s.Append(ctx, stream, eventstore.AnyVersion, batch...); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := db.Pool.Exec(ctx, `VACUUM ANALYZE events`); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		read := 0
		for after := int64(0); ; {
			events, err := s.QueryStream(ctx, stream, eventstore.StreamQuery{AfterVersion: after, Limit: page})
			if err != nil {
				b.Fatal(err)
			}
			read += len(events)
			if len(events) < page {
				break
			}
			after = events[len(events)-1].Version
		}
		if read != total {
			b.Fatalf("read %d events, want %d", read, total)
		}
	}
	b.ReportMetric(float64(total*b.N)/b.Elapsed().Seconds(), "events/s")
}
