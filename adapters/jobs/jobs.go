// Package jobs runs the work that follows from the log and reaches outside the database, such
// as recording an evaluation or archiving a session. Jobs are rows in Postgres: whoever decides
// one is due enqueues it in its own transaction (a projection, with its checkpoint), and any
// number of runners claim due jobs with SKIP LOCKED, run them, and retry failures with backoff.
// A handler must be idempotent: a runner that dies after the work and before marking it done
// makes another run it again.
package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Execer is what Enqueue writes through: a transaction, a connection or a pool.
type Execer interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

// Enqueue adds a job unless one of the same kind and key exists already, and reports whether
// it did. payload is encoded as JSON.
func Enqueue(ctx context.Context, db Execer, kind, key string, payload any) (bool, error) {
	data, err := json.Marshal(payload)
	if err != nil {
		return false, fmt.Errorf("jobs: encode %s payload: %w", kind, err)
	}
	tag, err := db.Exec(ctx, `INSERT INTO jobs (kind, key, payload) VALUES ($1, $2, $3)
		ON CONFLICT (kind, key) DO NOTHING`, kind, key, data)
	if err != nil {
		return false, fmt.Errorf("jobs: enqueue %s %s: %w", kind, key, err)
	}
	return tag.RowsAffected() == 1, nil
}

// Handler does one job. An error is retried later; a *PermanentError is not.
type Handler func(ctx context.Context, key string, payload json.RawMessage) error

// PermanentError marks a failure that retrying cannot mend.
type PermanentError struct{ Err error }

func (e *PermanentError) Error() string { return e.Err.Error() }
func (e *PermanentError) Unwrap() error { return e.Err }

// Runner claims and runs due jobs.
type Runner struct {
	pool     *pgxpool.Pool
	handlers map[string]Handler
	kinds    []string // of handlers, for the claim
	log      *slog.Logger
	// Lease is how long a claimed job is hidden from other runners while it runs.
	lease       time.Duration
	maxAttempts int
	now         func() time.Time
}

// Options configure a Runner; every field is optional.
type Options struct {
	Logger      *slog.Logger
	Lease       time.Duration // default 5 minutes
	MaxAttempts int           // default 12
	Now         func() time.Time
}

// NewRunner returns a runner of the handlers, by job kind.
func NewRunner(pool *pgxpool.Pool, handlers map[string]Handler, opts Options) (*Runner, error) {
	if pool == nil || len(handlers) == 0 {
		return nil, errors.New("jobs: a runner needs a pool and at least one handler")
	}
	r := &Runner{pool: pool, handlers: handlers, kinds: slices.Collect(maps.Keys(handlers)), log: opts.Logger, lease: opts.Lease, maxAttempts: opts.MaxAttempts, now: opts.Now}
	if r.log == nil {
		r.log = slog.Default()
	}
	if r.lease <= 0 {
		r.lease = 5 * time.Minute
	}
	if r.maxAttempts <= 0 {
		r.maxAttempts = 12
	}
	if r.now == nil {
		r.now = time.Now
	}
	return r, nil
}

// Backoff is the wait before attempt n+1 after n failed ones: 5 s doubling to at most an hour.
func Backoff(n int) time.Duration {
	d := 5 * time.Second
	for i := 1; i < n && d < time.Hour; i++ {
		d *= 2
	}
	return min(d, time.Hour)
}

type claimed struct {
	id       int64
	kind     string
	key      string
	payload  json.RawMessage
	attempts int
}

// RunOnce runs the jobs due now, at most limit of them, and returns how many succeeded.
func (r *Runner) RunOnce(ctx context.Context, limit int) (int, error) {
	// Claiming pushes run_at past the lease in a short transaction, so no transaction stays
	// open while a job reaches the outside world, and a runner that dies leaves the job to be
	// claimed again once the lease ends.
	rows, err := r.pool.Query(ctx, `UPDATE jobs SET run_at = $1, attempts = attempts + 1
		WHERE id IN (SELECT id FROM jobs WHERE status = 'pending' AND run_at <= $2 AND kind = ANY($3)
			ORDER BY run_at LIMIT $4 FOR UPDATE SKIP LOCKED)
		RETURNING id, kind, key, payload, attempts`, r.now().Add(r.lease), r.now(), r.kinds, limit)
	if err != nil {
		return 0, fmt.Errorf("jobs: claim: %w", err)
	}
	var due []claimed
	var c claimed
	if _, err := pgx.ForEachRow(rows, []any{&c.id, &c.kind, &c.key, &c.payload, &c.attempts}, func() error {
		due = append(due, c)
		return nil
	}); err != nil {
		return 0, fmt.Errorf("jobs: claim: %w", err)
	}
	done := 0
	for _, j := range due {
		if ctx.Err() != nil {
			return done, ctx.Err() // shutting down: start no more work; the leases hand it on
		}
		err := r.handlers[j.kind](ctx, j.key, j.payload)
		if err == nil {
			done++
			// The work is done: record it even if ctx ended meanwhile (a shutdown), or the job
			// would run again once its lease ends.
			bctx, cancel := bookkeeping(ctx)
			_, err = r.pool.Exec(bctx, `UPDATE jobs SET status = 'done', done_at = $2, last_error = NULL WHERE id = $1`, j.id, r.now())
			cancel()
			if err != nil {
				return done, fmt.Errorf("jobs: mark %d done: %w", j.id, err)
			}
			continue
		}
		if ctx.Err() != nil {
			return done, ctx.Err() // shutting down: the lease hands the job to the next runner
		}
		var permanent *PermanentError
		status := "pending"
		if errors.As(err, &permanent) || j.attempts >= r.maxAttempts {
			status = "failed"
		}
		r.log.Warn("job failed", "kind", j.kind, "key", j.key, "attempt", j.attempts, "status", status, "err", err)
		msg := err.Error()
		bctx, cancel := bookkeeping(ctx)
		_, err = r.pool.Exec(bctx, `UPDATE jobs SET status = $2, run_at = $3, last_error = $4 WHERE id = $1`,
			j.id, status, r.now().Add(Backoff(j.attempts)), msg)
		cancel()
		if err != nil {
			return done, fmt.Errorf("jobs: reschedule %d: %w", j.id, err)
		}
	}
	return done, nil
}

// bookkeeping is the context a runner records a job's outcome under: not cancelled with ctx,
// so that a shutdown does not lose what a finished handler did, but bounded.
func bookkeeping(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
}

// Run runs due jobs every interval until ctx ends.
func (r *Runner) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		for {
			n, err := r.RunOnce(ctx, 20)
			if err != nil && ctx.Err() == nil {
				r.log.Error("jobs: run", "err", err)
			}
			if n < 20 || err != nil {
				break
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Job is a job as an operator sees it.
type Job struct {
	Kind      string    `json:"kind"`
	Key       string    `json:"key"`
	Status    string    `json:"status"`
	Attempts  int       `json:"attempts"`
	RunAt     time.Time `json:"runAt"`
	LastError string    `json:"lastError,omitempty"`
}

// Get returns the job of kind and key; pgx.ErrNoRows when there is none.
func Get(ctx context.Context, db interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}, kind, key string) (Job, error) {
	j := Job{Kind: kind, Key: key}
	var lastError *string
	err := db.QueryRow(ctx, `SELECT status, attempts, run_at, last_error FROM jobs WHERE kind = $1 AND key = $2`, kind, key).
		Scan(&j.Status, &j.Attempts, &j.RunAt, &lastError)
	if lastError != nil {
		j.LastError = *lastError
	}
	return j, err
}
