// Command ilmbench measures the event store and the projection engine on this machine and
// prints a table of figures and ratios: appends per second by batch size and stream count, the
// raw COPY ceiling of the same rows on the same server, projection catch-up from a cold start
// and a full rebuild. It works in throwaway databases created through TEST_DATABASE_URL.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"os/signal"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	wsql "github.com/ThreeDotsLabs/watermill-sql/v4/pkg/sql"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/interviewlm/interviewlm/adapters/eventstore"
	"github.com/interviewlm/interviewlm/adapters/postgres"
	"github.com/interviewlm/interviewlm/adapters/postgres/pgtest"
	"github.com/interviewlm/interviewlm/domain"
	"github.com/interviewlm/interviewlm/projections"
	"github.com/interviewlm/interviewlm/schema"
)

type options struct {
	duration  time.Duration
	conns     int
	logEvents int
	only      string
	batch     int
	wmEvents  int

	candidates   int
	ingestFor    time.Duration
	replayEvents int

	submitInterviews int
	submitEvents     int
}

func main() {
	var o options
	flag.DurationVar(&o.duration, "duration", 3*time.Second, "how long each append and COPY measurement runs")
	flag.IntVar(&o.conns, "conns", 16, "connections writers share")
	flag.IntVar(&o.logEvents, "events", 1_000_000, "events in the log for the catch-up and rebuild measurements")
	flag.IntVar(&o.batch, "batch", 0, "projection batch size (0: the engine's default)")
	flag.IntVar(&o.wmEvents, "watermill-events", 20_000, "backlog a plain watermill-sql subscriber catches up, for comparison")
	flag.IntVar(&o.candidates, "candidates", 1000, "simulated candidates typing in the ingestion measurement")
	flag.DurationVar(&o.ingestFor, "ingest-duration", 30*time.Second, "how long the candidates type")
	flag.IntVar(&o.replayEvents, "replay-events", 100_000, "events of the interview the replay measurement streams")
	flag.IntVar(&o.submitInterviews, "submit-interviews", 10, "interviews the submission and archive measurements submit, one at a time")
	flag.IntVar(&o.submitEvents, "submit-events", 20_000, "events each interview of the submission measurement records")
	flag.StringVar(&o.only, "only", "", "comma-separated subset: append,copy,catchup,watermill,ingest,replay,submit,archive,web")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, o, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "ilmbench:", err)
		os.Exit(1)
	}
}

func (o options) wants(part string) bool {
	return o.only == "" || slices.Contains(strings.Split(o.only, ","), part)
}

// scratch is a throwaway, migrated database.
type scratch struct {
	pool *pgxpool.Pool
	drop func(context.Context) error
}

func newScratch(ctx context.Context, conns int) (*scratch, error) {
	url, drop, err := postgres.CreateScratchDatabase(ctx, pgtest.AdminURL(), "ilm_bench_")
	if err != nil {
		return nil, err
	}
	pool, err := postgres.Open(ctx, url, postgres.Options{MaxConns: int32(conns)})
	if err != nil {
		_ = drop(ctx)
		return nil, err
	}
	if _, err := schema.Migrate(ctx, pool, nil); err != nil {
		pool.Close()
		_ = drop(ctx)
		return nil, err
	}
	return &scratch{pool: pool, drop: drop}, nil
}

func (s *scratch) close() {
	s.pool.Close()
	_ = s.drop(context.Background())
}

func run(ctx context.Context, o options, out io.Writer) error {
	var version string
	admin, err := pgx.Connect(ctx, pgtest.AdminURL())
	if err != nil {
		return err
	}
	_ = admin.QueryRow(ctx, `SHOW server_version`).Scan(&version)
	admin.Close(ctx)
	fmt.Fprintf(out, "InterviewLM event-store benchmarks — %s\n", time.Now().UTC().Format("2006-01-02 15:04 MST"))
	fmt.Fprintf(out, "machine: %s, %d cores (GOMAXPROCS %d), PostgreSQL %s, %d writer connections, %s per measurement\n\n",
		cpuModel(), runtime.NumCPU(), runtime.GOMAXPROCS(0), version, o.conns, o.duration)

	var appendRate100x64, copyRate float64
	if o.wants("append") {
		quiesce(ctx)
		if appendRate100x64, err = appendMatrix(ctx, o, out); err != nil {
			return err
		}
	}
	if o.wants("copy") {
		quiesce(ctx)
		if copyRate, err = copyCeiling(ctx, o, out); err != nil {
			return err
		}
	}
	if appendRate100x64 > 0 && copyRate > 0 {
		ratio := appendRate100x64 / copyRate
		fmt.Fprintf(out, "Append (100-event batches, 64 streams) / COPY ceiling = %.2f   target ≥ 0.50 %s;  absolute %.0f events/s, target ≥ 60,000 %s\n\n",
			ratio, verdict(ratio >= 0.5), appendRate100x64, verdict(appendRate100x64 >= 60_000))
	}
	if o.wants("catchup") {
		quiesce(ctx)
		if err := catchUpAndRebuild(ctx, o, out); err != nil {
			return err
		}
	}
	if o.wants("ingest") {
		quiesce(ctx)
		if err := ingestBench(ctx, o, out); err != nil {
			return err
		}
	}
	if o.wants("replay") {
		quiesce(ctx)
		if err := replayBench(ctx, o, out); err != nil {
			return err
		}
	}
	if o.wants("submit") || o.wants("archive") {
		quiesce(ctx)
		if err := submitAndArchiveBench(ctx, o, out); err != nil {
			return err
		}
	}
	if o.wants("web") {
		quiesce(ctx)
		if err := webBench(ctx, out); err != nil {
			return err
		}
	}
	if o.wants("watermill") {
		quiesce(ctx)
		if err := watermillCatchUp(ctx, o, out); err != nil {
			return err
		}
	}
	return nil
}

func verdict(ok bool) string {
	if ok {
		return "(met)"
	}
	return "(MISSED)"
}

func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return runtime.GOARCH
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "model name") {
			if _, v, ok := strings.Cut(line, ":"); ok {
				return strings.TrimSpace(v)
			}
		}
	}
	return runtime.GOARCH
}

// keystroke builds a realistic client event: one typed character, with metadata.
func keystroke(i int) domain.NewEvent {
	data := fmt.Sprintf(`{"fileId":"solution.py","changes":[{"offset":%d,"deleteCount":0,"text":"%c"}]}`, i%4000, 'a'+rune(i%26))
	return domain.NewEvent{
		ID: uuid.New(), Type: domain.TypeKeystroke, SchemaVersion: 1, Data: json.RawMessage(data),
		Metadata:   domain.Metadata{Actor: domain.Actor{Kind: domain.ActorCandidate, ID: "bench"}, CorrelationID: "bench"},
		OccurredAt: time.Now(),
	}
}

type appendResult struct {
	events   int64
	elapsed  time.Duration
	p50, p99 time.Duration
}

func (r appendResult) rate() float64 { return float64(r.events) / r.elapsed.Seconds() }

func appendMatrix(ctx context.Context, o options, out io.Writer) (float64, error) {
	batches := []int{1, 10, 100, 1000}
	streams := []int{1, 8, 64}
	results := map[[2]int]appendResult{}
	for _, b := range batches {
		for _, s := range streams {
			r, err := measureAppends(ctx, o, b, s)
			if err != nil {
				return 0, err
			}
			results[[2]int{b, s}] = r
			fmt.Fprintf(os.Stderr, "  appends: batch %4d × %2d streams: %8.0f events/s\n", b, s, r.rate())
		}
	}
	fmt.Fprintln(out, "Appends through the event store (watermill-sql publish in the append transaction; one writer per stream, expected-version checked)")
	fmt.Fprintf(out, "%-14s", "events/s")
	for _, s := range streams {
		fmt.Fprintf(out, "%14s", fmt.Sprintf("%d stream(s)", s))
	}
	fmt.Fprintf(out, "%24s\n", "p50 / p99 at 64 streams")
	for _, b := range batches {
		fmt.Fprintf(out, "%-14s", fmt.Sprintf("batch %d", b))
		for _, s := range streams {
			fmt.Fprintf(out, "%14.0f", results[[2]int{b, s}].rate())
		}
		r := results[[2]int{b, 64}]
		fmt.Fprintf(out, "%24s\n", fmt.Sprintf("%s / %s", r.p50.Round(10*time.Microsecond), r.p99.Round(10*time.Microsecond)))
	}
	fmt.Fprintln(out)
	return results[[2]int{100, 64}].rate(), nil
}

// measureAppends runs one writer per stream, each appending batches at its stream's expected
// version, for o.duration in a fresh database.
func measureAppends(ctx context.Context, o options, batch, streams int) (appendResult, error) {
	db, err := newScratch(ctx, o.conns)
	if err != nil {
		return appendResult{}, err
	}
	defer db.close()
	store, err := eventstore.New(db.pool, eventstore.Options{})
	if err != nil {
		return appendResult{}, err
	}
	var (
		events    atomic.Int64
		mu        sync.Mutex
		latencies []time.Duration
		wg        sync.WaitGroup
		failure   atomic.Value
	)
	runCtx, cancel := context.WithTimeout(ctx, o.duration)
	defer cancel()
	start := time.Now()
	for range streams {
		wg.Go(func() {
			stream := uuid.New()
			version := eventstore.NoStream
			local := make([]time.Duration, 0, 1024)
			buf := make([]domain.NewEvent, batch)
			for i := 0; runCtx.Err() == nil; i++ {
				for j := range buf {
					buf[j] = keystroke(i*batch + j)
				}
				t0 := time.Now()
				res, err := store.Append(runCtx, stream, version, buf...)
				if err != nil {
					if runCtx.Err() == nil {
						failure.Store(err)
					}
					break
				}
				local = append(local, time.Since(t0))
				version = res.Version
				events.Add(int64(res.Appended))
			}
			mu.Lock()
			latencies = append(latencies, local...)
			mu.Unlock()
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	if err, ok := failure.Load().(error); ok {
		return appendResult{}, err
	}
	slices.Sort(latencies)
	return appendResult{events: events.Load(), elapsed: elapsed, p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99)}, nil
}

func percentile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(len(sorted)-1, int(q*float64(len(sorted))))]
}

// copyCeiling writes the same rows with COPY into a bare table of the same shape (unique id,
// unique stream and version; no triggers, no watermill) from 4 connections: what this server
// can take at best, the bar appends are compared with.
func copyCeiling(ctx context.Context, o options, out io.Writer) (float64, error) {
	db, err := newScratch(ctx, 8)
	if err != nil {
		return 0, err
	}
	defer db.close()
	if _, err := db.pool.Exec(ctx, `CREATE TABLE bare_events (
		position bigint GENERATED ALWAYS AS IDENTITY,
		transaction_id xid8 NOT NULL DEFAULT pg_current_xact_id(),
		id uuid NOT NULL UNIQUE, stream_id uuid NOT NULL, version bigint NOT NULL,
		type text NOT NULL, schema_version smallint NOT NULL, payload jsonb NOT NULL, metadata jsonb NOT NULL,
		occurred_at timestamptz NOT NULL, recorded_at timestamptz NOT NULL DEFAULT now(),
		PRIMARY KEY (transaction_id, position), UNIQUE (stream_id, version))`); err != nil {
		return 0, err
	}
	const writers, chunk = 4, 1000
	var rows atomic.Int64
	var wg sync.WaitGroup
	var failure atomic.Value
	runCtx, cancel := context.WithTimeout(ctx, o.duration)
	defer cancel()
	start := time.Now()
	for range writers {
		wg.Go(func() {
			stream := uuid.New()
			version := int64(0)
			for i := 0; runCtx.Err() == nil; i++ {
				src := make([][]any, chunk)
				for j := range src {
					e := keystroke(i*chunk + j)
					md, _ := json.Marshal(e.Metadata)
					version++
					src[j] = []any{e.ID, stream, version, e.Type, int16(1), e.Data, json.RawMessage(md), e.OccurredAt}
				}
				n, err := db.pool.CopyFrom(runCtx, pgx.Identifier{"bare_events"},
					[]string{"id", "stream_id", "version", "type", "schema_version", "payload", "metadata", "occurred_at"},
					pgx.CopyFromRows(src))
				if err != nil {
					if runCtx.Err() == nil {
						failure.Store(err)
					}
					return
				}
				rows.Add(n)
			}
		})
	}
	wg.Wait()
	if err, ok := failure.Load().(error); ok {
		return 0, err
	}
	rate := float64(rows.Load()) / time.Since(start).Seconds()
	fmt.Fprintf(out, "Raw ceiling: COPY of the same rows into a bare table (same unique constraints, no triggers), 4 connections × 1000-row COPYs: %.0f rows/s\n", rate)
	return rate, nil
}

// seed writes n events over streams with COPY straight into the events table, as if they had
// been appended (the benchmark measures reading them, not writing them).
func seed(ctx context.Context, pool *pgxpool.Pool, n int) error {
	const streams, writers, chunk = 1000, 4, 5000
	types := []string{"keystroke", "keystroke", "keystroke", "keystroke", "keystroke", "keystroke", "cursor", "code_snapshot", "paste", "focus_change"}
	var wg sync.WaitGroup
	var written atomic.Int64
	var failure atomic.Value
	perWriter := (n + writers - 1) / writers
	base := time.Now().Add(-time.Hour)
	for w := range writers {
		wg.Go(func() {
			ids := make([]uuid.UUID, streams/writers)
			versions := make([]int64, len(ids))
			for i := range ids {
				ids[i] = uuid.New()
			}
			md := json.RawMessage(`{"actor":{"kind":"candidate","id":"bench"}}`)
			for done := 0; done < perWriter && done+w*perWriter < n; {
				size := min(chunk, perWriter-done, n-w*perWriter-done)
				src := make([][]any, size)
				for j := range src {
					s := rand.IntN(len(ids))
					versions[s]++
					e := keystroke(done + j)
					src[j] = []any{e.ID, ids[s], versions[s], types[rand.IntN(len(types))], int16(1), e.Data, md,
						base.Add(time.Duration(done+j) * time.Millisecond)}
				}
				if _, err := pool.CopyFrom(ctx, pgx.Identifier{"events"},
					[]string{"id", "stream_id", "version", "type", "schema_version", "payload", "metadata", "occurred_at"},
					pgx.CopyFromRows(src)); err != nil {
					failure.Store(err)
					return
				}
				done += size
				if written.Add(int64(size))%100_000 < int64(size) {
					fmt.Fprintf(os.Stderr, "  seeding: %d/%d events\n", written.Load(), n)
				}
			}
		})
	}
	wg.Wait()
	if err, ok := failure.Load().(error); ok {
		return err
	}
	_, err := pool.Exec(ctx, `VACUUM ANALYZE events`)
	return err
}

func catchUpAndRebuild(ctx context.Context, o options, out io.Writer) error {
	db, err := newScratch(ctx, 8)
	if err != nil {
		return err
	}
	defer db.close()
	t0 := time.Now()
	if err := seed(ctx, db.pool, o.logEvents); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "  seeded %d events in %s\n", o.logEvents, time.Since(t0).Round(time.Millisecond))
	store, err := eventstore.New(db.pool, eventstore.Options{Upcaster: domain.DefaultUpcasters().Upcast})
	if err != nil {
		return err
	}
	engine, err := projections.NewEngine(db.pool, store, projections.All(), projections.Options{
		Logger:    slog.New(slog.DiscardHandler),
		BatchSize: o.batch,
	})
	if err != nil {
		return err
	}
	end, err := store.End(ctx)
	if err != nil {
		return err
	}

	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	start := time.Now()
	go func() { done <- engine.Run(runCtx) }()
	for _, p := range projections.All() {
		if err := engine.WaitFor(ctx, p.Name(), end); err != nil {
			cancel()
			return err
		}
	}
	catchUp := time.Since(start)
	cancel()
	if err := <-done; err != nil {
		return err
	}
	rate := float64(o.logEvents) / catchUp.Seconds()
	fmt.Fprintf(out, "Catch-up from a cold start, %d projection(s), %d events: %s = %.0f events/s   target ≥ 50,000 %s\n",
		len(projections.All()), o.logEvents, catchUp.Round(time.Millisecond), rate, verdict(rate >= 50_000))

	// One after another, as a rebuild of a single projection after a fix runs; then all at
	// once, as `interviewlm rebuild` does, one read of the log feeding every projection.
	start = time.Now()
	for _, p := range projections.All() {
		if err := engine.Rebuild(ctx, p.Name(), nil); err != nil {
			return err
		}
	}
	oneByOne := time.Since(start)
	fmt.Fprintf(out, "Rebuild of each projection in turn, %d events: %s\n", o.logEvents, oneByOne.Round(time.Millisecond))
	var names []string
	for _, p := range projections.All() {
		names = append(names, p.Name())
	}
	start = time.Now()
	if err := engine.RebuildAll(ctx, names, nil); err != nil {
		return err
	}
	rebuild := time.Since(start)
	fmt.Fprintf(out, "Rebuild (blue/green, swap included) of all %d projections together, %d events: %s = %.0f events/s   target ≤ 30 s for 1,000,000 %s\n",
		len(names), o.logEvents, rebuild.Round(time.Millisecond), float64(o.logEvents)/rebuild.Seconds(),
		verdict(rebuild.Seconds()*1_000_000/float64(o.logEvents) <= 30))
	return nil
}

// watermillCatchUp measures an ordinary watermill-sql subscriber (batch 100, acking each
// message) draining a backlog of the same events table: the delivery path the projection
// engine deliberately does not use for catch-up.
func watermillCatchUp(ctx context.Context, o options, out io.Writer) error {
	db, err := newScratch(ctx, 8)
	if err != nil {
		return err
	}
	defer db.close()
	if err := seed(ctx, db.pool, o.wmEvents); err != nil {
		return err
	}
	sub, err := wsql.NewSubscriber(wsql.BeginnerFromPgx(db.pool), wsql.SubscriberConfig{
		ConsumerGroup:  "bench",
		SchemaAdapter:  eventstore.Schema{SubscribeBatchSize: 100},
		OffsetsAdapter: eventstore.OffsetsAdapter(),
		PollInterval:   10 * time.Millisecond,
	}, watermill.NopLogger{})
	if err != nil {
		return err
	}
	defer sub.Close()
	runCtx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	start := time.Now()
	msgs, err := sub.Subscribe(runCtx, eventstore.Topic)
	if err != nil {
		return err
	}
	for i := 0; i < o.wmEvents; i++ {
		select {
		case m := <-msgs:
			m.Ack()
		case <-runCtx.Done():
			return fmt.Errorf("watermill subscriber delivered %d of %d events", i, o.wmEvents)
		}
	}
	took := time.Since(start)
	fmt.Fprintf(out, "For comparison, a plain watermill-sql subscriber (batch 100) draining %d events of the same table: %s = %.0f events/s\n",
		o.wmEvents, took.Round(time.Millisecond), float64(o.wmEvents)/took.Seconds())
	return nil
}

// quiesce asks the server to write its dirty pages now, so that a measurement does not pay
// for the checkpoint the previous one made due (the writes of a million-event seed, say).
func quiesce(ctx context.Context) {
	conn, err := pgx.Connect(ctx, pgtest.AdminURL())
	if err != nil {
		return
	}
	defer conn.Close(ctx)
	_, _ = conn.Exec(ctx, "CHECKPOINT")
}
