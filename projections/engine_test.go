package projections_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/interviewlm/interviewlm/adapters/eventstore"
	"github.com/interviewlm/interviewlm/adapters/postgres/pgtest"
	"github.com/interviewlm/interviewlm/domain"
	"github.com/interviewlm/interviewlm/projections"
)

type fixture struct {
	db    *pgtest.DB
	store *eventstore.Store
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	db := pgtest.New(t, 16)
	store, err := eventstore.New(db.Pool, eventstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{db: db, store: store}
}

func (f *fixture) engine(t *testing.T, batch int, ps ...projections.Projection) *projections.Engine {
	t.Helper()
	e, err := projections.NewEngine(f.db.Pool, f.store, ps, projections.Options{BatchSize: batch, IdlePoll: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// start runs e until the test ends or the returned stop is called.
func start(t *testing.T, e *projections.Engine) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = e.Run(ctx) }()
	var once sync.Once
	stop = func() { once.Do(func() { cancel(); <-done }) }
	t.Cleanup(stop)
	return stop
}

var types = []string{"keystroke", "keystroke", "keystroke", "code_snapshot", "paste", "focus_change", "cursor"}

// appendRandom appends n events spread over streams, in batches, and returns them as written.
func (f *fixture) appendRandom(t *testing.T, streams []uuid.UUID, n, batch int) {
	t.Helper()
	ctx := context.Background()
	base := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	for written := 0; written < n; {
		stream := streams[rand.IntN(len(streams))]
		size := min(batch, n-written)
		events := make([]domain.NewEvent, size)
		for i := range events {
			events[i] = domain.NewEvent{
				ID: uuid.New(), Type: types[rand.IntN(len(types))], SchemaVersion: 1,
				Data:       json.RawMessage(`{"fileId":"main.py"}`),
				OccurredAt: base.Add(time.Duration(rand.IntN(3600_000)) * time.Millisecond),
			}
		}
		if _, err := f.store.Append(ctx, stream, eventstore.AnyVersion, events...); err != nil {
			t.Fatal(err)
		}
		written += size
	}
}

// truth computes the session stats straight from the log.
func (f *fixture) truth(t *testing.T) (map[uuid.UUID]projections.SessionStatsView, domain.LogPosition) {
	t.Helper()
	want := map[uuid.UUID]projections.SessionStatsView{}
	var last domain.LogPosition
	rows, err := f.db.Pool.Query(context.Background(), `SELECT stream_id, type, occurred_at, position FROM events`)
	if err != nil {
		t.Fatal(err)
	}
	var (
		id  uuid.UUID
		typ string
		at  time.Time
		pos int64
	)
	_, err = pgx.ForEachRow(rows, []any{&id, &typ, &at, &pos}, func() error {
		v, ok := want[id]
		if !ok {
			first, last := at, at
			v = projections.SessionStatsView{InterviewID: id, EventsByType: map[string]int64{}, FirstEventAt: &first, LastEventAt: &last}
		}
		v.Events++
		v.EventsByType[typ]++
		if at.Before(*v.FirstEventAt) {
			*v.FirstEventAt = at
		}
		if at.After(*v.LastEventAt) {
			*v.LastEventAt = at
		}
		v.LastPosition = max(v.LastPosition, pos)
		want[id] = v
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Every append of the test has committed: the end of the log is its last event.
	last, err = f.store.End(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return want, last
}

func (f *fixture) waitFor(t *testing.T, e *projections.Engine, name string, pos domain.LogPosition) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := e.WaitFor(ctx, name, pos); err != nil {
		t.Fatalf("%s did not reach %v: %v", name, pos, err)
	}
}

func (f *fixture) checkStats(t *testing.T, want map[uuid.UUID]projections.SessionStatsView) {
	t.Helper()
	ctx := context.Background()
	var n int
	if err := f.db.Pool.QueryRow(ctx, `SELECT count(*) FROM session_stats`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != len(want) {
		t.Fatalf("session_stats has %d rows, want %d", n, len(want))
	}
	for id, w := range want {
		got, err := projections.ReadSessionStats(ctx, f.db.Pool, id)
		if err != nil {
			t.Fatal(err)
		}
		if got.Events != w.Events || !got.FirstEventAt.Equal(*w.FirstEventAt) || !got.LastEventAt.Equal(*w.LastEventAt) ||
			got.LastPosition != w.LastPosition || fmt.Sprint(got.EventsByType) != fmt.Sprint(w.EventsByType) {
			t.Fatalf("stats of %s:\n got %+v\nwant %+v", id, got, w)
		}
	}
}

func newStreams(n int) []uuid.UUID {
	s := make([]uuid.UUID, n)
	for i := range s {
		s[i] = uuid.New()
	}
	return s
}

func TestSessionStatsFollowTheLiveLog(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	e := f.engine(t, 100, projections.SessionStats{})
	start(t, e)
	streams := newStreams(7)
	// Appends keep arriving while the engine runs; it must be woken, not left idle.
	for range 5 {
		f.appendRandom(t, streams, 300, 25)
		want, last := f.truth(t)
		f.waitFor(t, e, "session_stats", last)
		f.checkStats(t, want)
	}
	if _, err := projections.ReadSessionStats(context.Background(), f.db.Pool, uuid.New()); err != projections.ErrNotFound {
		t.Fatalf("unknown interview: err = %v, want ErrNotFound", err)
	}
}

// appliedOnce records every event it applies under the event's id (a primary key), so applying
// one twice fails. It can be told to kill its own connection half-way through a batch.
type appliedOnce struct {
	version int
	killAt  *atomic.Int32 // batches left before the kill; the kill happens when it reaches 0
	killed  chan struct{}
}

func (p appliedOnce) Name() string { return "applied_once" }
func (p appliedOnce) Version() int { return p.version }
func (appliedOnce) Tables() []projections.Table {
	return []projections.Table{{Name: "applied_once", Create: func(name string) string {
		return fmt.Sprintf(`CREATE TABLE %s (event_id uuid PRIMARY KEY, position bigint NOT NULL)`, pgx.Identifier{name}.Sanitize())
	}}}
}

func (p appliedOnce) Apply(ctx context.Context, tx pgx.Tx, tables projections.Tables, events []domain.RecordedEvent) error {
	half := len(events) / 2
	insert := func(events []domain.RecordedEvent) error {
		for _, e := range events {
			if _, err := tx.Exec(ctx, `INSERT INTO `+tables.Of("applied_once")+` VALUES ($1, $2)`, e.ID, e.Position); err != nil {
				return err
			}
		}
		return nil
	}
	if err := insert(events[:half]); err != nil {
		return err
	}
	if p.killAt != nil && p.killAt.Add(-1) == 0 {
		// The worker dies half-way: its connection goes, and the transaction with it.
		_, err := tx.Exec(ctx, `SELECT pg_terminate_backend(pg_backend_pid())`)
		close(p.killed)
		if err == nil {
			return fmt.Errorf("connection survived its own termination")
		}
		return err
	}
	return insert(events[half:])
}

func (f *fixture) checkAppliedOnce(t *testing.T, table string) {
	t.Helper()
	var applied, distinct, logged int
	ctx := context.Background()
	if err := f.db.Pool.QueryRow(ctx, `SELECT count(*), count(DISTINCT event_id) FROM `+table).Scan(&applied, &distinct); err != nil {
		t.Fatal(err)
	}
	if err := f.db.Pool.QueryRow(ctx, `SELECT count(*) FROM events`).Scan(&logged); err != nil {
		t.Fatal(err)
	}
	var missing int
	if err := f.db.Pool.QueryRow(ctx, `SELECT count(*) FROM events e WHERE NOT EXISTS (SELECT 1 FROM `+table+` a WHERE a.event_id = e.id)`).Scan(&missing); err != nil {
		t.Fatal(err)
	}
	if applied != logged || distinct != logged || missing != 0 {
		t.Fatalf("%s: %d applied (%d distinct), %d missing, log has %d", table, applied, distinct, missing, logged)
	}
}

func TestKilledMidBatchThenRestartedAppliesEveryEventOnce(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	streams := newStreams(5)
	f.appendRandom(t, streams, 1000, 40)

	kill := &atomic.Int32{}
	kill.Store(3)
	killed := make(chan struct{})
	first := f.engine(t, 100, appliedOnce{version: 1, killAt: kill, killed: killed}, projections.SessionStats{})
	stop := start(t, first)
	select {
	case <-killed:
	case <-time.After(30 * time.Second):
		t.Fatal("the projection was never killed")
	}
	stop() // the process goes away with its batch half-applied

	f.appendRandom(t, streams, 500, 40)
	second := f.engine(t, 100, appliedOnce{version: 1}, projections.SessionStats{})
	start(t, second)
	want, last := f.truth(t)
	f.waitFor(t, second, "applied_once", last)
	f.waitFor(t, second, "session_stats", last)
	f.checkAppliedOnce(t, "applied_once")
	f.checkStats(t, want)
}

func TestRebuildSwapsInWhileReadsAndWritesGoOn(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	streams := newStreams(40)
	f.appendRandom(t, streams, 20_000, 200)
	e := f.engine(t, 500, projections.SessionStats{}, appliedOnce{version: 1})
	start(t, e)
	want, last := f.truth(t)
	f.waitFor(t, e, "session_stats", last)
	f.checkStats(t, want)

	// Readers hammer the read model during the rebuild; every read must succeed and see a
	// complete table (one row per interview).
	interviews := len(want)
	known := make([]uuid.UUID, 0, interviews)
	for id := range want {
		known = append(known, id)
	}
	readCtx, stopReading := context.WithCancel(ctx)
	var reads atomic.Int64
	var readers sync.WaitGroup
	for range 3 {
		readers.Go(func() {
			for readCtx.Err() == nil {
				var n int
				if err := f.db.Pool.QueryRow(readCtx, `SELECT count(*) FROM session_stats`).Scan(&n); err != nil {
					if readCtx.Err() == nil {
						t.Errorf("read during rebuild: %v", err)
					}
					return
				}
				if n < interviews {
					t.Errorf("read during rebuild saw %d interviews, want at least %d", n, interviews)
					return
				}
				if _, err := projections.ReadSessionStats(readCtx, f.db.Pool, known[rand.IntN(len(known))]); err != nil && readCtx.Err() == nil {
					t.Errorf("read during rebuild: %v", err)
					return
				}
				reads.Add(1)
			}
		})
	}
	// Writers keep appending: the live runner applies them to the old tables, the rebuild to
	// the new ones, and nothing may be lost or doubled at the swap.
	var writers sync.WaitGroup
	writers.Go(func() { f.appendRandom(t, streams, 3000, 30) })

	// Both at once: one read of the log feeds the two fresh read models.
	calls := map[string]int{}
	if err := e.RebuildAll(ctx, []string{"session_stats", "applied_once"}, func(p projections.Progress) { calls[p.Projection]++ }); err != nil {
		t.Fatalf("rebuild: %v", err)
	}
	for _, name := range []string{"session_stats", "applied_once"} {
		if calls[name] < 2 {
			t.Errorf("rebuild %s reported progress %d times", name, calls[name])
		}
	}
	writers.Wait()
	stopReading()
	readers.Wait()
	if reads.Load() == 0 {
		t.Fatal("no read completed during the rebuild")
	}

	want, last = f.truth(t)
	f.waitFor(t, e, "session_stats", last)
	f.waitFor(t, e, "applied_once", last)
	f.checkStats(t, want)
	f.checkAppliedOnce(t, "applied_once")

	// The swapped-in tables carry the live names again, so the next rebuild works the same way.
	var idx string
	if err := f.db.Pool.QueryRow(ctx, `SELECT indexname FROM pg_indexes WHERE tablename = 'session_stats'`).Scan(&idx); err != nil || idx != "session_stats_pkey" {
		t.Fatalf("index of swapped table = %q (%v), want session_stats_pkey", idx, err)
	}
	if err := e.Rebuild(ctx, "session_stats", nil); err != nil {
		t.Fatalf("second rebuild: %v", err)
	}
	f.checkStats(t, want)
}

func TestOnlyTheLeaderAppliesAndAStandbyTakesOver(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	streams := newStreams(3)
	a := f.engine(t, 50, appliedOnce{version: 1})
	stopA := start(t, a)
	f.appendRandom(t, streams, 300, 10)
	_, last := f.truth(t)
	f.waitFor(t, a, "applied_once", last)

	b := f.engine(t, 50, appliedOnce{version: 1})
	start(t, b)
	f.appendRandom(t, streams, 300, 10)
	_, last = f.truth(t)
	f.waitFor(t, a, "applied_once", last)
	stopA()

	f.appendRandom(t, streams, 300, 10)
	_, last = f.truth(t)
	f.waitFor(t, b, "applied_once", last) // the standby took over
	f.checkAppliedOnce(t, "applied_once")
}

func TestChangedVersionRebuildsOnStart(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	streams := newStreams(4)
	f.appendRandom(t, streams, 400, 20)
	v1 := f.engine(t, 100, appliedOnce{version: 1})
	stop := start(t, v1)
	_, last := f.truth(t)
	f.waitFor(t, v1, "applied_once", last)
	stop()

	v2 := f.engine(t, 100, appliedOnce{version: 2})
	start(t, v2)
	f.appendRandom(t, streams, 100, 20)
	_, last = f.truth(t)
	f.waitFor(t, v2, "applied_once", last)
	f.checkAppliedOnce(t, "applied_once")
	status, err := v2.Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(status) != 1 || status[0].Version != 2 || status[0].Lag != 0 || status[0].EventsApplied != 500 || status[0].Rebuilding {
		t.Fatalf("status after upgrade = %+v", status)
	}
}

func TestAnOlderWorkerStepsBackAfterANewVersionIsIn(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	streams := newStreams(3)
	f.appendRandom(t, streams, 200, 20)
	old := f.engine(t, 50, appliedOnce{version: 1})
	start(t, old)
	_, last := f.truth(t)
	f.waitFor(t, old, "applied_once", last)

	// The new build rebuilds its version while the old worker still leads.
	upgraded := f.engine(t, 50, appliedOnce{version: 2})
	if err := upgraded.Rebuild(context.Background(), "applied_once", nil); err != nil {
		t.Fatal(err)
	}
	f.appendRandom(t, streams, 100, 20)
	// The old worker must not apply with its old code into the new tables: nothing moves
	// until a worker of the new version leads.
	time.Sleep(300 * time.Millisecond)
	status, err := upgraded.Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if status[0].Lag != 100 || status[0].Version != 2 {
		t.Fatalf("after the upgrade the old worker applied events: %+v", status[0])
	}
	start(t, upgraded)
	_, last = f.truth(t)
	f.waitFor(t, upgraded, "applied_once", last)
	f.checkAppliedOnce(t, "applied_once")
}
