package projections

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/interviewlm/interviewlm/domain"
)

// Log is what the engine reads: the event store.
type Log interface {
	// ReadLog returns up to limit events after a position, in log order, never skipping an
	// event that commits late.
	ReadLog(ctx context.Context, after domain.LogPosition, limit int) ([]domain.RecordedEvent, error)
	// CountAfter counts committed events after a position, up to limit.
	CountAfter(ctx context.Context, after domain.LogPosition, limit int64) (int64, error)
	// Head returns the highest committed position.
	Head(ctx context.Context) (int64, error)
}

// Options tune an Engine. Zero values take the defaults.
type Options struct {
	// BatchSize is how many events one transaction applies (default 2000).
	BatchSize int
	// IdlePoll is how often an idle runner looks at the log without being woken, in case a
	// notification was lost (default 30s).
	IdlePoll time.Duration
	// Linger is how long a runner woken by a new event waits before reading, so that the
	// appends of that moment are applied in one transaction instead of one each: at a thousand
	// appends a second it turns thousands of tiny projection transactions into a few dozen, for
	// a delay far below any lag that matters (default 20ms; negative for none).
	Linger  time.Duration
	Logger  *slog.Logger
	Metrics *Metrics
}

// Engine runs projections.
type Engine struct {
	pool *pgxpool.Pool
	// log is shared by the live runners; rebuilds read rawLog, where a read that returns
	// fewer events than asked means the end of the log (a shared read may return a cached
	// batch's tail).
	log, rawLog Log
	projections []Projection
	opts        Options
	logger      *slog.Logger

	mu      sync.Mutex
	wake    []chan struct{}
	waiters map[chan struct{}]struct{}
}

// NewEngine returns an engine for projections, reading log and writing read models through pool.
func NewEngine(pool *pgxpool.Pool, log Log, projections []Projection, opts Options) (*Engine, error) {
	if pool == nil || log == nil {
		return nil, errors.New("projections: nil pool or log")
	}
	seen := map[string]bool{}
	for _, p := range projections {
		if err := validate(p); err != nil {
			return nil, err
		}
		if seen[p.Name()] {
			return nil, fmt.Errorf("projections: %s registered twice", p.Name())
		}
		seen[p.Name()] = true
	}
	if opts.BatchSize <= 0 {
		opts.BatchSize = 2000
	}
	if opts.IdlePoll <= 0 {
		opts.IdlePoll = 30 * time.Second
	}
	if opts.Linger == 0 {
		opts.Linger = 20 * time.Millisecond
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Metrics == nil {
		opts.Metrics = NewMetrics(nil)
	}
	// The runners share their reads of the log (see sharedLog).
	shared := newSharedLog(log, 2*len(projections)+2)
	return &Engine{pool: pool, log: shared, rawLog: log, projections: projections, opts: opts, logger: opts.Logger}, nil
}

// Projections returns the projections the engine runs.
func (e *Engine) Projections() []Projection { return e.projections }

func (e *Engine) find(name string) (Projection, error) {
	for _, p := range e.projections {
		if p.Name() == name {
			return p, nil
		}
	}
	return nil, fmt.Errorf("projections: no projection named %q", name)
}

// Run applies every projection until ctx ends. For each projection it waits to become the
// leader (a Postgres advisory lock), so any number of workers can run and exactly one applies
// a given projection; the others stand by and take over when the leader goes away. Runners
// sleep until the log's insert trigger notifies them.
func (e *Engine) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	wg.Go(func() { e.listen(ctx) })
	for _, p := range e.projections {
		wake := make(chan struct{}, 1)
		e.mu.Lock()
		e.wake = append(e.wake, wake)
		e.mu.Unlock()
		wg.Go(func() { e.runForever(ctx, p, wake) })
	}
	<-ctx.Done()
	wg.Wait()
	return nil
}

// notifyChannel is the channel the events table's insert trigger notifies.
const notifyChannel = "events_appended"

func (e *Engine) listen(ctx context.Context) {
	backoff := newBackoff(100*time.Millisecond, 5*time.Second)
	for ctx.Err() == nil {
		err := e.listenOnce(ctx)
		if ctx.Err() != nil {
			return
		}
		e.logger.Warn("projection listener lost its connection; runners fall back to polling until it is back", "err", err)
		e.broadcast()
		backoff.sleep(ctx)
	}
}

func (e *Engine) listenOnce(ctx context.Context) error {
	// The connection ends up in LISTEN state: never hand it back to the pool.
	listener, err := e.dedicatedConn(ctx)
	if err != nil {
		return err
	}
	defer listener.Close(context.Background())
	if _, err := listener.Exec(ctx, "LISTEN "+notifyChannel); err != nil {
		return err
	}
	e.broadcast() // events may have arrived while nobody listened
	for {
		if _, err := listener.WaitForNotification(ctx); err != nil {
			return err
		}
		e.broadcast()
	}
}

func (e *Engine) broadcast() {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, w := range e.wake {
		select {
		case w <- struct{}{}:
		default:
		}
	}
}

// dedicatedConn takes a connection out of the pool for good. Session-level advisory locks
// belong to a connection: closing it is the only sure way to release them, whatever state an
// error left the session in, so such a connection never goes back to the pool.
func (e *Engine) dedicatedConn(ctx context.Context) (*pgx.Conn, error) {
	conn, err := e.pool.Acquire(ctx)
	if err != nil {
		return nil, err
	}
	return conn.Hijack(), nil
}

// leadership lock classes (the first key of Postgres' two-key advisory locks).
const (
	leaderLockClass  = 0x1E6
	rebuildLockClass = 0x1E7
	createLockClass  = 0x1E8
)

func lockKey(name string) int32 {
	h := fnv.New32a()
	_, _ = h.Write([]byte(name))
	return int32(h.Sum32())
}

// ErrVersionChanged means the read model in the database belongs to another version of the
// projection: during a rolling deploy, the old workers step back once the new version is in.
var ErrVersionChanged = errors.New("projections: the stored read model has another version")

func (e *Engine) runForever(ctx context.Context, p Projection, wake <-chan struct{}) {
	backoff := newBackoff(200*time.Millisecond, 10*time.Second)
	for ctx.Err() == nil {
		err := e.lead(ctx, p, wake)
		if ctx.Err() != nil {
			return
		}
		if errors.Is(err, ErrVersionChanged) {
			e.logger.Warn("a newer version of this projection is deployed; this worker stands by", "projection", p.Name(), "err", err)
			select {
			case <-ctx.Done():
			case <-time.After(time.Minute):
			}
			continue
		}
		e.opts.Metrics.errors.WithLabelValues(p.Name()).Inc()
		e.logger.Error("projection runner failed; restarting", "projection", p.Name(), "err", err)
		backoff.sleep(ctx)
	}
}

// lead waits for the projection's leadership, then applies it until ctx ends or it fails.
func (e *Engine) lead(ctx context.Context, p Projection, wake <-chan struct{}) error {
	conn, err := e.dedicatedConn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())

	standby := false
	for {
		var leader bool
		if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock($1, $2)`, int32(leaderLockClass), lockKey(p.Name())).Scan(&leader); err != nil {
			return err
		}
		if leader {
			break
		}
		if !standby {
			e.logger.Info("another worker leads this projection; standing by", "projection", p.Name())
			standby = true
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(2 * time.Second):
		}
	}
	e.logger.Info("leading projection", "projection", p.Name())

	cursor, err := e.prepare(ctx, conn, p)
	if err != nil {
		return err
	}
	r := runner{engine: e, log: e.log, p: p, conn: conn, checkpoint: p.Name(), tables: liveTables(p), cursor: cursor}
	return r.follow(ctx, wake)
}

// prepare makes sure the projection's tables and checkpoint exist at its current version,
// rebuilding it when the code's version differs from the stored one, and returns its position.
func (e *Engine) prepare(ctx context.Context, conn *pgx.Conn, p Projection) (domain.LogPosition, error) {
	cp, version, found, err := readCheckpoint(ctx, conn, p.Name(), false)
	if err != nil {
		return cp, err
	}
	if found && version == p.Version() {
		return cp, nil
	}
	if found && version > p.Version() {
		return cp, fmt.Errorf("%w: %s is at v%d, this worker runs v%d", ErrVersionChanged, p.Name(), version, p.Version())
	}
	if !found {
		if err := e.create(ctx, conn, p); err != nil {
			return cp, err
		}
		return domain.Start, nil
	}
	e.logger.Warn("projection version changed; rebuilding it while the old read model keeps serving",
		"projection", p.Name(), "stored", version, "code", p.Version())
	if err := e.Rebuild(ctx, p.Name(), nil); err != nil {
		return cp, err
	}
	cp, _, _, err = readCheckpoint(ctx, conn, p.Name(), false)
	return cp, err
}

// create makes a new projection's tables and its checkpoint at the start of the log, unless
// another process did it first: the check and the creation run under a transaction-level
// advisory lock, so a leader and a server preparing tables at start-up never both create them.
func (e *Engine) create(ctx context.Context, conn *pgx.Conn, p Projection) error {
	return pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, $2)`, int32(createLockClass), lockKey(p.Name())); err != nil {
			return err
		}
		if _, _, found, err := readCheckpoint(ctx, tx, p.Name(), false); err != nil || found {
			return err
		}
		if err := createTables(ctx, tx, p, liveTables(p)); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO projection_checkpoints (name, version) VALUES ($1, $2)`, p.Name(), p.Version())
		return err
	})
}

// CreateMissing creates the read-model tables of projections that have never run, so that
// queries can be served before a worker has applied anything (an API server started before
// its workers).
func (e *Engine) CreateMissing(ctx context.Context) error {
	conn, err := e.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	for _, p := range e.projections {
		if err := e.create(ctx, conn.Conn(), p); err != nil {
			return fmt.Errorf("projections: create %s: %w", p.Name(), err)
		}
	}
	return nil
}

func liveTables(p Projection) Tables {
	t := Tables{}
	for _, table := range p.Tables() {
		t[table.Name] = table.Name
	}
	return t
}

const nextSuffix = "__next"

func nextTables(p Projection) Tables {
	t := Tables{}
	for _, table := range p.Tables() {
		t[table.Name] = table.Name + nextSuffix
	}
	return t
}

func createTables(ctx context.Context, tx pgx.Tx, p Projection, names Tables) error {
	for _, table := range p.Tables() {
		name := names[table.Name]
		if _, err := tx.Exec(ctx, "DROP TABLE IF EXISTS "+pgx.Identifier{name}.Sanitize()); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, table.Create(name)); err != nil {
			return fmt.Errorf("projections: create %s: %w", name, err)
		}
	}
	return nil
}

type querier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

func readCheckpoint(ctx context.Context, q querier, name string, forUpdate bool) (cp domain.LogPosition, version int, found bool, err error) {
	query := `SELECT transaction_id::text, position, version FROM projection_checkpoints WHERE name = $1`
	if forUpdate {
		query += ` FOR UPDATE`
	}
	var txID string
	err = q.QueryRow(ctx, query, name).Scan(&txID, &cp.Position, &version)
	if errors.Is(err, pgx.ErrNoRows) {
		return domain.Start, 0, false, nil
	}
	if err != nil {
		return cp, 0, false, fmt.Errorf("projections: checkpoint of %s: %w", name, err)
	}
	cp.TxID, err = strconv.ParseUint(txID, 10, 64)
	return cp, version, true, err
}

// runner applies one projection from a cursor, into a set of tables, under one checkpoint.
type runner struct {
	engine     *Engine
	log        Log
	p          Projection
	conn       *pgx.Conn
	checkpoint string
	tables     Tables
	cursor     domain.LogPosition
	applied    int64
}

// follow applies the log as it grows until ctx ends.
func (r *runner) follow(ctx context.Context, wake <-chan struct{}) error {
	retry := newBackoff(5*time.Millisecond, 500*time.Millisecond)
	woken := false
	for {
		n, err := r.step(ctx, r.engine.opts.BatchSize)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		if n > 0 {
			retry.reset()
			continue
		}
		// Nothing readable. After a wake-up that found nothing, the new events sit behind a
		// transaction still running (the read horizon): look again soon, backing off. When
		// nothing woke us, sleep until a notification or the idle poll.
		var wait time.Duration
		if woken && !retry.exhausted() {
			wait = retry.next()
		} else {
			woken = false
			wait = r.engine.opts.IdlePoll
		}
		select {
		case <-ctx.Done():
			return nil
		case <-wake:
			woken = true
			retry.reset()
			if linger := r.engine.opts.Linger; linger > 0 {
				select {
				case <-ctx.Done():
					return nil
				case <-time.After(linger):
				}
			}
		case <-time.After(wait):
		}
	}
}

// step reads one batch after the cursor and applies it. It returns how many events it applied.
func (r *runner) step(ctx context.Context, limit int) (int, error) {
	events, err := r.log.ReadLog(ctx, r.cursor, limit)
	if err != nil || len(events) == 0 {
		return 0, err
	}
	return r.apply(ctx, events)
}

// apply applies events (read after r.cursor) and advances the checkpoint in one transaction.
// The checkpoint row is locked and compared first: if someone else moved it (a rebuild swapped
// in, or another leader ran meanwhile), nothing is applied and the cursor is reloaded, so no
// event is ever applied twice.
func (r *runner) apply(ctx context.Context, events []domain.RecordedEvent) (int, error) {
	start := time.Now()
	tx, err := r.conn.Begin(ctx)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	stored, version, found, err := readCheckpoint(ctx, tx, r.checkpoint, true)
	if err != nil {
		return 0, err
	}
	if !found {
		return 0, fmt.Errorf("projections: checkpoint %s vanished", r.checkpoint)
	}
	if version != r.p.Version() {
		// Another build rebuilt the read model for its version: this code must not write to it.
		return 0, fmt.Errorf("%w: %s is at v%d, this worker runs v%d", ErrVersionChanged, r.p.Name(), version, r.p.Version())
	}
	if stored != r.cursor {
		r.engine.logger.Info("checkpoint moved by another writer; reloading", "projection", r.p.Name(),
			"from", r.cursor, "to", stored)
		r.cursor = stored
		return 0, tx.Rollback(ctx)
	}
	if err := r.p.Apply(ctx, tx, r.tables, events); err != nil {
		return 0, fmt.Errorf("projections: %s: apply: %w", r.p.Name(), err)
	}
	last := events[len(events)-1].LogPosition()
	if _, err := tx.Exec(ctx, `UPDATE projection_checkpoints
		SET transaction_id = $2::text::xid8, position = $3, events_applied = events_applied + $4, updated_at = now()
		WHERE name = $1`, r.checkpoint, strconv.FormatUint(last.TxID, 10), last.Position, len(events)); err != nil {
		return 0, err
	}
	if err := tx.Commit(ctx); err != nil {
		return 0, err
	}
	r.cursor = last
	r.applied += int64(len(events))
	r.engine.opts.Metrics.applied(r.p.Name(), r.checkpoint != r.p.Name(), len(events), last.Position, time.Since(start))
	return len(events), nil
}

// Progress reports how far a rebuild has come.
type Progress struct {
	Projection string
	Applied    int64
	Position   int64
	// Head is the log's highest position when the rebuild started.
	Head int64
	Done bool
}

// Rebuild replays the whole log into fresh copies of the projection's tables while the current
// ones keep serving reads (and keep being updated by the live runner), then swaps the copies in
// within one short transaction once they have caught up. progress, when not nil, is called
// after every batch.
func (e *Engine) Rebuild(ctx context.Context, name string, progress func(Progress)) error {
	return e.RebuildAll(ctx, []string{name}, progress)
}

// RebuildAll rebuilds the named projections together: the log is read once, and each batch is
// applied to every projection's fresh tables, each in its own transaction; then each is swapped
// in. Reading the log is most of a rebuild's cost for the projections that skip most events.
// progress is called once per projection after every batch.
func (e *Engine) RebuildAll(ctx context.Context, names []string, progress func(Progress)) error {
	runners := make([]*runner, 0, len(names))
	for _, name := range names {
		r, release, err := e.startRebuild(ctx, name)
		if err != nil {
			return err
		}
		defer release()
		runners = append(runners, r)
	}
	if len(runners) == 0 {
		return nil
	}
	head, err := e.log.Head(ctx)
	if err != nil {
		return err
	}
	report := func(done bool) {
		if progress == nil {
			return
		}
		for _, r := range runners {
			progress(Progress{Projection: r.p.Name(), Applied: r.applied, Position: r.cursor.Position, Head: head, Done: done})
		}
	}
	batch := max(e.opts.BatchSize, 5000)
	cursor := runners[0].cursor
	for {
		events, err := e.rawLog.ReadLog(ctx, cursor, batch)
		if err != nil {
			return err
		}
		if len(events) > 0 {
			for _, r := range runners {
				if _, err := r.apply(ctx, events); err != nil {
					return err
				}
				if r.cursor != events[len(events)-1].LogPosition() {
					return fmt.Errorf("projections: the rebuild of %s lost its place", r.p.Name())
				}
			}
			cursor = events[len(events)-1].LogPosition()
		}
		report(false)
		if len(events) < batch {
			break
		}
	}
	for _, r := range runners {
		if err := e.swap(ctx, r, batch); err != nil {
			return err
		}
		e.logger.Info("projection rebuilt and swapped in", "projection", r.p.Name(), "events", r.applied)
	}
	report(true)
	return nil
}

// startRebuild takes the projection's rebuild lock, creates its fresh tables and its rebuild
// checkpoint, and returns the runner that fills them; release gives the lock and connection
// back.
func (e *Engine) startRebuild(ctx context.Context, name string) (*runner, func(), error) {
	p, err := e.find(name)
	if err != nil {
		return nil, nil, err
	}
	conn, err := e.dedicatedConn(ctx)
	if err != nil {
		return nil, nil, err
	}
	closeConn := func() { conn.Close(context.Background()) }
	var mine bool
	if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock($1, $2)`, int32(rebuildLockClass), lockKey(name)).Scan(&mine); err != nil {
		closeConn()
		return nil, nil, err
	}
	if !mine {
		closeConn()
		return nil, nil, fmt.Errorf("projections: a rebuild of %s is already running", name)
	}
	// Released before the connection closes: a closed connection's locks go only when its
	// server process exits, a moment later, which would refuse a rebuild started right after.
	release := func() {
		_, _ = conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1, $2)`, int32(rebuildLockClass), lockKey(name))
		closeConn()
	}

	checkpoint := name + "#rebuild"
	tables := nextTables(p)
	tx, err := conn.Begin(ctx)
	if err != nil {
		release()
		return nil, nil, err
	}
	if err := createTables(ctx, tx, p, tables); err != nil {
		_ = tx.Rollback(ctx)
		release()
		return nil, nil, err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO projection_checkpoints (name, version) VALUES ($1, $2)
		ON CONFLICT (name) DO UPDATE SET version = $2, transaction_id = '0', position = 0, events_applied = 0, updated_at = now()`,
		checkpoint, p.Version()); err != nil {
		_ = tx.Rollback(ctx)
		release()
		return nil, nil, err
	}
	if err := tx.Commit(ctx); err != nil {
		release()
		return nil, nil, err
	}
	return &runner{engine: e, log: e.rawLog, p: p, conn: conn, checkpoint: checkpoint, tables: tables}, release, nil
}

// swap applies the last events to the fresh tables and puts them in place of the live ones, in
// one transaction that holds the live checkpoint: the live runner waits on it, then finds its
// checkpoint moved and continues from where the rebuild stopped.
func (e *Engine) swap(ctx context.Context, r *runner, batch int) error {
	p := r.p
	tx, err := r.conn.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(context.WithoutCancel(ctx))

	if _, err := tx.Exec(ctx, `INSERT INTO projection_checkpoints (name, version) VALUES ($1, $2) ON CONFLICT DO NOTHING`, p.Name(), p.Version()); err != nil {
		return err
	}
	if _, _, _, err := readCheckpoint(ctx, tx, p.Name(), true); err != nil {
		return err
	}
	live := liveTables(p)
	for _, t := range p.Tables() {
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS `+live.Of(t.Name)+` ()`); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `LOCK TABLE `+live.Of(t.Name)+` IN ACCESS EXCLUSIVE MODE`); err != nil {
			return err
		}
	}
	// With the live runner held, apply the tail into the fresh tables inside this transaction.
	for {
		events, err := e.rawLog.ReadLog(ctx, r.cursor, batch)
		if err != nil {
			return err
		}
		if len(events) > 0 {
			if err := p.Apply(ctx, tx, r.tables, events); err != nil {
				return fmt.Errorf("projections: %s: apply: %w", p.Name(), err)
			}
			r.cursor = events[len(events)-1].LogPosition()
			r.applied += int64(len(events))
		}
		if len(events) < batch {
			break
		}
	}
	for _, t := range p.Tables() {
		if _, err := tx.Exec(ctx, `DROP TABLE `+live.Of(t.Name)); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `ALTER TABLE `+r.tables.Of(t.Name)+` RENAME TO `+live.Of(t.Name)); err != nil {
			return err
		}
		if err := renameIndexes(ctx, tx, t.Name); err != nil {
			return err
		}
	}
	if _, err := tx.Exec(ctx, `UPDATE projection_checkpoints
		SET version = $2, transaction_id = $3::text::xid8, position = $4, events_applied = $5, updated_at = now()
		WHERE name = $1`, p.Name(), p.Version(), strconv.FormatUint(r.cursor.TxID, 10), r.cursor.Position, r.applied); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `DELETE FROM projection_checkpoints WHERE name = $1`, r.checkpoint); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

// renameIndexes gives the indexes of a table swapped in the names the live table's had, so the
// next rebuild can create its fresh copy under the same names again.
func renameIndexes(ctx context.Context, tx pgx.Tx, table string) error {
	rows, err := tx.Query(ctx, `SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND tablename = $1`, table)
	if err != nil {
		return err
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return err
	}
	for _, name := range names {
		if !strings.HasPrefix(name, table+nextSuffix) {
			continue
		}
		renamed := table + strings.TrimPrefix(name, table+nextSuffix)
		if _, err := tx.Exec(ctx, `ALTER INDEX `+pgx.Identifier{name}.Sanitize()+` RENAME TO `+pgx.Identifier{renamed}.Sanitize()); err != nil {
			return err
		}
	}
	return nil
}

// Status is where a projection stands.
type Status struct {
	Name          string
	Version       int
	CodeVersion   int
	Checkpoint    domain.LogPosition
	EventsApplied int64
	UpdatedAt     time.Time
	// Lag counts committed events the projection has not applied yet (at most lagLimit).
	Lag int64
	// Rebuilding is true while a rebuild of the projection runs.
	Rebuilding bool
}

// lagLimit bounds the cost of counting lag: beyond it the exact number matters little.
const lagLimit = 10_000_000

// Status reports every projection's checkpoint and lag.
func (e *Engine) Status(ctx context.Context) ([]Status, error) {
	rows, err := e.pool.Query(ctx, `SELECT name, version, transaction_id::text, position, events_applied, updated_at FROM projection_checkpoints`)
	if err != nil {
		return nil, err
	}
	type row struct {
		version int
		cp      domain.LogPosition
		applied int64
		updated time.Time
	}
	stored := map[string]row{}
	var (
		name, txID string
		rw         row
	)
	_, err = pgx.ForEachRow(rows, []any{&name, &rw.version, &txID, &rw.cp.Position, &rw.applied, &rw.updated}, func() error {
		var err error
		rw.cp.TxID, err = strconv.ParseUint(txID, 10, 64)
		stored[name] = rw
		return err
	})
	if err != nil {
		return nil, err
	}
	out := make([]Status, 0, len(e.projections))
	for _, p := range e.projections {
		st := Status{Name: p.Name(), CodeVersion: p.Version()}
		if rw, ok := stored[p.Name()]; ok {
			st.Version, st.Checkpoint, st.EventsApplied, st.UpdatedAt = rw.version, rw.cp, rw.applied, rw.updated
		}
		_, st.Rebuilding = stored[p.Name()+"#rebuild"]
		if st.Lag, err = e.log.CountAfter(ctx, st.Checkpoint, lagLimit); err != nil {
			return nil, err
		}
		out = append(out, st)
	}
	return out, nil
}

// WaitFor waits until projection name has applied the log up to position (a read-your-writes
// barrier for commands that answer from a read model), or ctx ends.
func (e *Engine) WaitFor(ctx context.Context, name string, position domain.LogPosition) error {
	if _, err := e.find(name); err != nil {
		return err
	}
	tick := newBackoff(2*time.Millisecond, 50*time.Millisecond)
	for {
		cp, _, _, err := readCheckpoint(ctx, e.pool, name, false)
		if err != nil {
			return err
		}
		if !position.After(cp) {
			return nil
		}
		tick.sleep(ctx)
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
}

type backoff struct {
	min, max, cur time.Duration
	tries         int
}

func newBackoff(lo, hi time.Duration) *backoff { return &backoff{min: lo, max: hi, cur: lo} }

func (b *backoff) reset() { b.cur, b.tries = b.min, 0 }

func (b *backoff) next() time.Duration {
	d := b.cur
	b.cur = min(b.cur*2, b.max)
	b.tries++
	return d
}

// exhausted is true once the backoff has reached its ceiling a few times.
func (b *backoff) exhausted() bool { return b.cur == b.max && b.tries > 20 }

func (b *backoff) sleep(ctx context.Context) {
	select {
	case <-ctx.Done():
	case <-time.After(b.next()):
	}
}
