package jobs_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/interviewlm/interviewlm/adapters/jobs"
	"github.com/interviewlm/interviewlm/adapters/postgres/pgtest"
)

// clock is a time the test steps by hand; runners read it from their own goroutines.
type clock struct{ ns atomic.Int64 }

// newClock starts a second ahead of the database, so that jobs enqueued now (run_at defaults
// to the database's now()) are due at once.
func newClock() *clock {
	c := &clock{}
	c.set(time.Now().Add(time.Second).Truncate(time.Microsecond))
	return c
}

func (c *clock) Now() time.Time          { return time.Unix(0, c.ns.Load()) }
func (c *clock) set(t time.Time)         { c.ns.Store(t.UnixNano()) }
func (c *clock) advance(d time.Duration) { c.ns.Add(int64(d)) }

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func enqueue(t *testing.T, db jobs.Execer, kind, key string, payload any) bool {
	t.Helper()
	added, err := jobs.Enqueue(context.Background(), db, kind, key, payload)
	must(t, err)
	return added
}

func get(t *testing.T, pool *pgxpool.Pool, kind, key string) jobs.Job {
	t.Helper()
	j, err := jobs.Get(context.Background(), pool, kind, key)
	must(t, err)
	return j
}

func countJobs(t *testing.T, pool *pgxpool.Pool, where string, args ...any) int {
	t.Helper()
	var n int
	must(t, pool.QueryRow(context.Background(), `SELECT count(*) FROM jobs WHERE `+where, args...).Scan(&n))
	return n
}

func newRunner(t *testing.T, pool *pgxpool.Pool, handlers map[string]jobs.Handler, opts jobs.Options) *jobs.Runner {
	t.Helper()
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	r, err := jobs.NewRunner(pool, handlers, opts)
	must(t, err)
	return r
}

func runOnce(t *testing.T, r *jobs.Runner, limit int) int {
	t.Helper()
	n, err := r.RunOnce(context.Background(), limit)
	must(t, err)
	return n
}

func TestEnqueueAddsOneJobPerKindAndKey(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t, 4)
	ctx := context.Background()

	if !enqueue(t, db.Pool, "mail", "k1", map[string]int{"n": 1}) {
		t.Fatal("first enqueue reported no job added")
	}
	if enqueue(t, db.Pool, "mail", "k1", map[string]int{"n": 2}) {
		t.Fatal("second enqueue of the same kind and key reported a job added")
	}
	if n := countJobs(t, db.Pool, `kind = 'mail' AND key = 'k1'`); n != 1 {
		t.Fatalf("%d rows for mail/k1, want 1", n)
	}
	var payload string
	must(t, db.Pool.QueryRow(ctx, `SELECT payload::text FROM jobs WHERE kind = 'mail' AND key = 'k1'`).Scan(&payload))
	if payload != `{"n": 1}` {
		t.Fatalf("payload = %s, want the first enqueue's", payload)
	}
	// The key is per kind.
	if !enqueue(t, db.Pool, "archive", "k1", nil) {
		t.Fatal("the same key under another kind was not added")
	}
	j := get(t, db.Pool, "mail", "k1")
	if j.Status != "pending" || j.Attempts != 0 || j.LastError != "" {
		t.Fatalf("new job = %+v", j)
	}
	if _, err := jobs.Get(ctx, db.Pool, "mail", "nope"); !errors.Is(err, pgx.ErrNoRows) {
		t.Fatalf("Get of a missing job: err = %v, want pgx.ErrNoRows", err)
	}
	if _, err := jobs.Enqueue(ctx, db.Pool, "mail", "bad", make(chan int)); err == nil {
		t.Fatal("a payload JSON cannot encode was enqueued")
	}

	// Inside a transaction the job comes and goes with it.
	tx, err := db.Pool.Begin(ctx)
	must(t, err)
	if !enqueue(t, tx, "mail", "in-tx", nil) {
		t.Fatal("enqueue in a transaction reported no job added")
	}
	if enqueue(t, tx, "mail", "in-tx", nil) {
		t.Fatal("second enqueue in the same transaction added a job")
	}
	var inside int
	must(t, tx.QueryRow(ctx, `SELECT count(*) FROM jobs WHERE key = 'in-tx'`).Scan(&inside))
	if inside != 1 {
		t.Fatalf("the transaction sees %d rows, want 1", inside)
	}
	if n := countJobs(t, db.Pool, `key = 'in-tx'`); n != 0 {
		t.Fatalf("an uncommitted job is visible outside its transaction (%d rows)", n)
	}
	must(t, tx.Rollback(ctx))
	if n := countJobs(t, db.Pool, `key = 'in-tx'`); n != 0 {
		t.Fatalf("a rolled-back enqueue left %d rows", n)
	}
	// and a committed one stays.
	must(t, pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
		_, err := jobs.Enqueue(ctx, tx, "mail", "in-tx", nil)
		return err
	}))
	if n := countJobs(t, db.Pool, `key = 'in-tx'`); n != 1 {
		t.Fatalf("a committed enqueue left %d rows, want 1", n)
	}
}

func TestNewRunnerNeedsAPoolAndHandlers(t *testing.T) {
	t.Parallel()
	if _, err := jobs.NewRunner(nil, map[string]jobs.Handler{"x": func(context.Context, string, json.RawMessage) error { return nil }}, jobs.Options{}); err == nil {
		t.Error("a runner without a pool was made")
	}
	db := pgtest.New(t, 2)
	if _, err := jobs.NewRunner(db.Pool, nil, jobs.Options{}); err == nil {
		t.Error("a runner without handlers was made")
	}
}

func TestRunOnceRunsADueJobOnceAndMarksItDone(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t, 4)
	type payload struct {
		N    int    `json:"n"`
		Name string `json:"name"`
	}
	for i := range 3 {
		enqueue(t, db.Pool, "work", fmt.Sprintf("k%d", i), payload{N: i, Name: strings.Repeat("x", 10*(3-i))})
	}
	clk := newClock()
	var mu sync.Mutex
	seen := map[string]payload{}
	r := newRunner(t, db.Pool, map[string]jobs.Handler{"work": func(_ context.Context, key string, data json.RawMessage) error {
		var p payload
		if err := json.Unmarshal(data, &p); err != nil {
			return &jobs.PermanentError{Err: err}
		}
		mu.Lock()
		defer mu.Unlock()
		if _, dup := seen[key]; dup {
			t.Errorf("job %s ran twice", key)
		}
		seen[key] = p
		return nil
	}}, jobs.Options{Now: clk.Now})

	// Not due yet: the clock stands before the jobs' run_at.
	clk.advance(-time.Hour)
	if n := runOnce(t, r, 10); n != 0 || len(seen) != 0 {
		t.Fatalf("jobs not yet due ran: %d succeeded, %d handled", n, len(seen))
	}
	clk.advance(time.Hour)

	if n := runOnce(t, r, 10); n != 3 {
		t.Fatalf("RunOnce succeeded %d jobs, want 3", n)
	}
	// Each job got its own payload, even when claimed together.
	for i := range 3 {
		want := payload{N: i, Name: strings.Repeat("x", 10*(3-i))}
		if got := seen[fmt.Sprintf("k%d", i)]; got != want {
			t.Errorf("k%d ran with %+v, want %+v", i, got, want)
		}
		j := get(t, db.Pool, "work", fmt.Sprintf("k%d", i))
		if j.Status != "done" || j.Attempts != 1 || j.LastError != "" {
			t.Errorf("k%d after its run = %+v", i, j)
		}
	}
	var doneAt time.Time
	must(t, db.Pool.QueryRow(context.Background(), `SELECT done_at FROM jobs WHERE key = 'k0'`).Scan(&doneAt))
	if !doneAt.Equal(clk.Now()) {
		t.Errorf("done_at = %v, want the runner's now %v", doneAt, clk.Now())
	}
	// Done jobs never run again, however much time passes.
	clk.advance(48 * time.Hour)
	if n := runOnce(t, r, 10); n != 0 || len(seen) != 3 {
		t.Fatalf("done jobs ran again: %d succeeded, %d handled", n, len(seen))
	}
}

func TestRunOnceHonoursTheLimit(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t, 4)
	for i := range 5 {
		enqueue(t, db.Pool, "work", fmt.Sprint(i), nil)
	}
	var ran atomic.Int32
	r := newRunner(t, db.Pool, map[string]jobs.Handler{"work": func(context.Context, string, json.RawMessage) error {
		ran.Add(1)
		return nil
	}}, jobs.Options{Now: newClock().Now})
	for _, want := range []int{2, 2, 1, 0} {
		if n := runOnce(t, r, 2); n != want {
			t.Fatalf("RunOnce(2) succeeded %d, want %d", n, want)
		}
	}
	if ran.Load() != 5 {
		t.Fatalf("%d runs, want 5", ran.Load())
	}
}

func TestAFailingJobIsRetriedWithBackoffThenFails(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t, 4)
	enqueue(t, db.Pool, "flaky", "always", nil)
	enqueue(t, db.Pool, "flaky", "twice", nil)
	clk := newClock()
	var mu sync.Mutex
	runs := map[string]int{}
	r := newRunner(t, db.Pool, map[string]jobs.Handler{"flaky": func(_ context.Context, key string, _ json.RawMessage) error {
		mu.Lock()
		defer mu.Unlock()
		runs[key]++
		if key == "twice" && runs[key] > 2 {
			return nil
		}
		return fmt.Errorf("boom %d", runs[key])
	}}, jobs.Options{Now: clk.Now, MaxAttempts: 4, Lease: time.Minute})

	for attempt := 1; attempt <= 4; attempt++ {
		now := clk.Now()
		n := runOnce(t, r, 10)
		j := get(t, db.Pool, "flaky", "always")
		if j.Attempts != attempt || j.LastError != fmt.Sprintf("boom %d", attempt) {
			t.Fatalf("attempt %d: job = %+v", attempt, j)
		}
		if attempt < 4 {
			if j.Status != "pending" {
				t.Fatalf("attempt %d: status %s, want pending", attempt, j.Status)
			}
			if want := now.Add(jobs.Backoff(attempt)); !j.RunAt.Equal(want) {
				t.Fatalf("attempt %d: run_at = %v, want now+Backoff(%d) = %v", attempt, j.RunAt, attempt, want)
			}
		} else if j.Status != "failed" {
			t.Fatalf("after MaxAttempts the job is %s, want failed", j.Status)
		}
		tw := get(t, db.Pool, "flaky", "twice")
		switch {
		case attempt <= 2 && (tw.Status != "pending" || n != 0):
			t.Fatalf("attempt %d: twice = %+v, %d succeeded", attempt, tw, n)
		case attempt == 3 && (tw.Status != "done" || tw.LastError != "" || tw.Attempts != 3 || n != 1):
			t.Fatalf("third attempt of twice: %+v, %d succeeded; want done with no error", tw, n)
		}
		if attempt == 4 {
			break
		}
		// Just before the backoff ends nothing runs; at its end the job runs again.
		clk.advance(jobs.Backoff(attempt) - time.Millisecond)
		before := runs["always"]
		if n := runOnce(t, r, 10); n != 0 || runs["always"] != before {
			t.Fatalf("attempt %d: the job ran before its backoff ended", attempt)
		}
		clk.advance(time.Millisecond)
	}
	// A failed job is never claimed again.
	clk.advance(30 * 24 * time.Hour)
	if n := runOnce(t, r, 10); n != 0 || runs["always"] != 4 || runs["twice"] != 3 {
		t.Fatalf("after failing: %d succeeded, runs %v", n, runs)
	}
}

func TestAPermanentErrorFailsTheJobAtOnce(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t, 4)
	enqueue(t, db.Pool, "strict", "k", nil)
	clk := newClock()
	var runs atomic.Int32
	r := newRunner(t, db.Pool, map[string]jobs.Handler{"strict": func(context.Context, string, json.RawMessage) error {
		runs.Add(1)
		return fmt.Errorf("handler: %w", &jobs.PermanentError{Err: errors.New("no such interview")})
	}}, jobs.Options{Now: clk.Now})
	if n := runOnce(t, r, 10); n != 0 {
		t.Fatalf("%d succeeded, want 0", n)
	}
	j := get(t, db.Pool, "strict", "k")
	if j.Status != "failed" || j.Attempts != 1 || !strings.Contains(j.LastError, "no such interview") {
		t.Fatalf("after a permanent error: %+v", j)
	}
	clk.advance(24 * time.Hour)
	runOnce(t, r, 10)
	if runs.Load() != 1 {
		t.Fatalf("a permanently failed job ran %d times", runs.Load())
	}
	var pe *jobs.PermanentError
	if err := fmt.Errorf("x: %w", &jobs.PermanentError{Err: context.DeadlineExceeded}); !errors.As(err, &pe) || !errors.Is(err, context.DeadlineExceeded) || pe.Error() != context.DeadlineExceeded.Error() {
		t.Fatalf("PermanentError does not wrap: %v", err)
	}
}

func TestAClaimedJobIsHiddenUntilItsLeaseEnds(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t, 6)
	enqueue(t, db.Pool, "slow", "k", nil)
	clk := newClock()
	const lease = 10 * time.Minute

	// Runner A claims the job and hangs in its handler, then dies (its context ends).
	started := make(chan struct{})
	a := newRunner(t, db.Pool, map[string]jobs.Handler{"slow": func(ctx context.Context, _ string, _ json.RawMessage) error {
		close(started)
		<-ctx.Done()
		return ctx.Err()
	}}, jobs.Options{Now: clk.Now, Lease: lease})
	var bRuns atomic.Int32
	b := newRunner(t, db.Pool, map[string]jobs.Handler{"slow": func(context.Context, string, json.RawMessage) error {
		bRuns.Add(1)
		return nil
	}}, jobs.Options{Now: clk.Now, Lease: lease})

	claimedAt := clk.Now()
	ctx, kill := context.WithCancel(context.Background())
	aDone := make(chan error, 1)
	go func() {
		_, err := a.RunOnce(ctx, 10)
		aDone <- err
	}()
	select {
	case <-started:
	case <-time.After(30 * time.Second):
		t.Fatal("runner A never claimed the job")
	}
	if n := runOnce(t, b, 10); n != 0 || bRuns.Load() != 0 {
		t.Fatal("runner B ran a job runner A holds")
	}
	j := get(t, db.Pool, "slow", "k")
	if j.Status != "pending" || j.Attempts != 1 || !j.RunAt.Equal(claimedAt.Add(lease)) {
		t.Fatalf("claimed job = %+v, want pending, 1 attempt, run_at at the end of the lease", j)
	}

	kill()
	select {
	case err := <-aDone:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("the dying runner returned %v, want context.Canceled", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("runner A did not return after its context ended")
	}
	// A died without a word: the job keeps its lease and no error is recorded.
	j = get(t, db.Pool, "slow", "k")
	if j.Status != "pending" || j.Attempts != 1 || j.LastError != "" || !j.RunAt.Equal(claimedAt.Add(lease)) {
		t.Fatalf("job after its runner died = %+v", j)
	}
	clk.advance(lease - time.Second)
	if n := runOnce(t, b, 10); n != 0 || bRuns.Load() != 0 {
		t.Fatal("the job ran again before its lease ended")
	}
	clk.advance(time.Second)
	if n := runOnce(t, b, 10); n != 1 || bRuns.Load() != 1 {
		t.Fatalf("after the lease: %d succeeded, B ran %d times; want 1", n, bRuns.Load())
	}
	if j := get(t, db.Pool, "slow", "k"); j.Status != "done" || j.Attempts != 2 {
		t.Fatalf("job after the second runner = %+v, want done after 2 attempts", j)
	}
}

func TestConcurrentRunnersRunEachJobOnce(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t, 8)
	ctx := context.Background()
	const jobCount = 200
	batch := &pgx.Batch{}
	for i := range jobCount {
		batch.Queue(`INSERT INTO jobs (kind, key, payload) VALUES ('count', $1, $2)`, fmt.Sprint(i), fmt.Sprintf(`{"i":%d}`, i))
	}
	must(t, db.Pool.SendBatch(ctx, batch).Close())

	clk := newClock()
	var mu sync.Mutex
	runs := map[string]int{}
	byRunner := map[int]int{}
	handler := func(id int) jobs.Handler {
		return func(_ context.Context, key string, payload json.RawMessage) error {
			var p struct{ I int }
			if err := json.Unmarshal(payload, &p); err != nil || fmt.Sprint(p.I) != key {
				t.Errorf("job %s got payload %s (%v)", key, payload, err)
			}
			mu.Lock()
			runs[key]++
			byRunner[id]++
			mu.Unlock()
			time.Sleep(100 * time.Microsecond) // let the other runner claim meanwhile
			return nil
		}
	}
	var total atomic.Int64
	var wg sync.WaitGroup
	start := make(chan struct{})
	for id := range 2 {
		r := newRunner(t, db.Pool, map[string]jobs.Handler{"count": handler(id)}, jobs.Options{Now: clk.Now})
		wg.Go(func() {
			<-start
			idle := 0
			for idle < 3 {
				n, err := r.RunOnce(ctx, 7)
				if err != nil {
					t.Errorf("runner %d: %v", id, err)
					return
				}
				total.Add(int64(n))
				if n == 0 {
					idle++
					time.Sleep(5 * time.Millisecond)
				} else {
					idle = 0
				}
			}
		})
	}
	close(start)
	wg.Wait()

	if len(runs) != jobCount || total.Load() != jobCount {
		t.Fatalf("%d distinct jobs ran, %d successes reported; want %d", len(runs), total.Load(), jobCount)
	}
	for key, n := range runs {
		if n != 1 {
			t.Errorf("job %s ran %d times", key, n)
		}
	}
	if n := countJobs(t, db.Pool, `status = 'done' AND attempts = 1`); n != jobCount {
		t.Fatalf("%d jobs done after one attempt, want %d", n, jobCount)
	}
	t.Logf("runs by runner: %v", byRunner)
}

func TestBackoffDoublesFromFiveSecondsToAnHour(t *testing.T) {
	t.Parallel()
	want := []time.Duration{
		0: 5 * time.Second, 1: 5 * time.Second, 2: 10 * time.Second, 3: 20 * time.Second, 4: 40 * time.Second,
		5: 80 * time.Second, 6: 160 * time.Second, 7: 320 * time.Second, 8: 640 * time.Second,
		9: 1280 * time.Second, 10: 2560 * time.Second, 11: time.Hour, 12: time.Hour, 13: time.Hour,
	}
	for n, w := range want {
		if got := jobs.Backoff(n); got != w {
			t.Errorf("Backoff(%d) = %v, want %v", n, got, w)
		}
	}
	for _, n := range []int{20, 64, 100, 1 << 20, 1<<31 - 1} {
		if got := jobs.Backoff(n); got != time.Hour {
			t.Errorf("Backoff(%d) = %v, want 1h", n, got)
		}
	}
	if got := jobs.Backoff(-3); got != 5*time.Second {
		t.Errorf("Backoff(-3) = %v, want 5s", got)
	}
}

func TestARunnerOnlyClaimsItsKinds(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t, 4)
	enqueue(t, db.Pool, "mine", "1", nil)
	enqueue(t, db.Pool, "theirs", "1", nil)
	enqueue(t, db.Pool, "unhandled", "1", nil)
	clk := newClock()
	var mu sync.Mutex
	var seen []string
	record := func(kind string) jobs.Handler {
		return func(_ context.Context, key string, _ json.RawMessage) error {
			mu.Lock()
			defer mu.Unlock()
			seen = append(seen, kind+"/"+key)
			return nil
		}
	}
	mine := newRunner(t, db.Pool, map[string]jobs.Handler{"mine": record("mine")}, jobs.Options{Now: clk.Now})
	if n := runOnce(t, mine, 10); n != 1 || fmt.Sprint(seen) != "[mine/1]" {
		t.Fatalf("runner of mine: %d succeeded, saw %v", n, seen)
	}
	for _, kind := range []string{"theirs", "unhandled"} {
		if j := get(t, db.Pool, kind, "1"); j.Status != "pending" || j.Attempts != 0 {
			t.Fatalf("a %s job was touched by a runner without its handler: %+v", kind, j)
		}
	}
	theirs := newRunner(t, db.Pool, map[string]jobs.Handler{"theirs": record("theirs")}, jobs.Options{Now: clk.Now})
	clk.advance(time.Hour)
	if n := runOnce(t, theirs, 10); n != 1 || fmt.Sprint(seen) != "[mine/1 theirs/1]" {
		t.Fatalf("runner of theirs: %d succeeded, saw %v", n, seen)
	}
	if j := get(t, db.Pool, "unhandled", "1"); j.Status != "pending" || j.Attempts != 0 {
		t.Fatalf("the job nobody handles = %+v, want pending and never attempted", j)
	}
}

func TestRunStopsWithItsContext(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t, 4)
	for i := range 45 { // more than one RunOnce batch of Run
		enqueue(t, db.Pool, "work", fmt.Sprint(i), nil)
	}
	var ran atomic.Int32
	r := newRunner(t, db.Pool, map[string]jobs.Handler{"work": func(context.Context, string, json.RawMessage) error {
		ran.Add(1)
		return nil
	}}, jobs.Options{Now: newClock().Now})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); r.Run(ctx, time.Hour) }()
	deadline := time.Now().Add(30 * time.Second)
	for ran.Load() < 45 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("Run did not return after its context ended")
	}
	if ran.Load() != 45 {
		t.Fatalf("Run ran %d jobs in its first round, want all 45", ran.Load())
	}
}

func TestAJobFinishedAsTheRunnerStopsIsMarkedDone(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t, 4)
	enqueue(t, db.Pool, "notify", "a", nil)
	enqueue(t, db.Pool, "notify", "b", nil)
	clk := newClock()
	const lease = time.Minute
	ctx, shutdown := context.WithCancel(context.Background())
	defer shutdown()
	var mu sync.Mutex
	runs := map[string]int{}
	var first string
	r := newRunner(t, db.Pool, map[string]jobs.Handler{"notify": func(_ context.Context, key string, _ json.RawMessage) error {
		mu.Lock()
		defer mu.Unlock()
		runs[key]++
		if first == "" {
			first = key
			shutdown() // the process is told to stop just as the work is done
		}
		return nil
	}}, jobs.Options{Now: clk.Now, Lease: lease})
	// Both jobs are claimed; the first finishes as the runner stops, the second never starts.
	n, err := r.RunOnce(ctx, 10)
	if n != 1 || !errors.Is(err, context.Canceled) {
		t.Fatalf("RunOnce = %d, %v; want the finished job counted and context.Canceled", n, err)
	}
	if j := get(t, db.Pool, "notify", first); j.Status != "done" || j.Attempts != 1 {
		t.Fatalf("the job whose handler succeeded is %+v, want done", j)
	}
	second := map[string]string{"a": "b", "b": "a"}[first]
	if j := get(t, db.Pool, "notify", second); j.Status != "pending" || j.Attempts != 1 || j.LastError != "" {
		t.Fatalf("the job the stopping runner never started is %+v, want pending under its lease", j)
	}
	if runs[second] != 0 {
		t.Fatal("a runner told to stop started another job")
	}
	clk.advance(lease)
	if n := runOnce(t, r, 10); n != 1 {
		t.Fatalf("after the lease %d jobs succeeded, want the one left", n)
	}
	if runs["a"] != 1 || runs["b"] != 1 {
		t.Fatalf("runs = %v, want each job once", runs)
	}
}
