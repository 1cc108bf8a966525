// Package eventstore is the event log of the service: a PostgreSQL table written through
// watermill-sql, with per-stream optimistic concurrency, idempotent appends by event id,
// immutability enforced by the database, and reads that never skip a late-committing
// transaction.
package eventstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"strconv"
	"time"

	wsql "github.com/ThreeDotsLabs/watermill-sql/v4/pkg/sql"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/interviewlm/interviewlm/domain"
)

// Expected versions with a special meaning.
const (
	// AnyVersion appends whatever the stream's current version is.
	AnyVersion int64 = -1
	// NoStream appends only when the stream has no events yet.
	NoStream int64 = 0
)

// MaxBatch is the largest number of events one Append takes.
const MaxBatch = 10_000

// ErrConcurrency is matched (errors.Is) by every *ConcurrencyError.
var ErrConcurrency = errors.New("eventstore: concurrency conflict")

// ConcurrencyError reports that a stream was not at the version the writer expected.
type ConcurrencyError struct {
	StreamID uuid.UUID
	Expected int64
	Actual   int64
}

func (e *ConcurrencyError) Error() string {
	return fmt.Sprintf("eventstore: stream %s is at version %d, expected %d", e.StreamID, e.Actual, e.Expected)
}

// Is makes errors.Is(err, ErrConcurrency) true.
func (e *ConcurrencyError) Is(target error) bool { return target == ErrConcurrency }

// ErrEventIDConflict means an event id is already used by an event of another stream.
var ErrEventIDConflict = errors.New("eventstore: event id already used in another stream")

// ErrInvalidEvent means an event to append lacks its id, type, schema version or payload.
var ErrInvalidEvent = errors.New("eventstore: invalid event")

// Upcaster turns a stored payload of an older schema version into the current shape.
// It returns the payload and version unchanged when there is nothing to do.
type Upcaster func(eventType string, version int, data json.RawMessage) (json.RawMessage, int, error)

// Options configure a Store. All are optional.
type Options struct {
	Upcaster   Upcaster
	Registerer prometheus.Registerer
}

// Store appends to and reads the event log.
type Store struct {
	pool    *pgxpool.Pool
	upcaser Upcaster
	metrics metrics
}

// New returns a Store on pool. The schema must have been migrated (schema.Migrate).
func New(pool *pgxpool.Pool, opts Options) (*Store, error) {
	if pool == nil {
		return nil, errors.New("eventstore: nil pool")
	}
	m, err := newMetrics(opts.Registerer)
	if err != nil {
		return nil, err
	}
	return &Store{pool: pool, upcaser: opts.Upcaster, metrics: m}, nil
}

// AppendResult tells what an Append did.
type AppendResult = domain.AppendResult

// streamLockClass namespaces the advisory locks that serialize appends to one stream.
const streamLockClass = 0x1E5

// Append appends events to stream in one transaction. expected is the version the stream must
// be at (NoStream for a new stream, AnyVersion to skip the check). Events whose id is already
// stored in this stream are skipped, so a retried batch appends nothing; when every event is a
// duplicate the expected version is not checked, because the first attempt already passed it.
func (s *Store) Append(ctx context.Context, stream uuid.UUID, expected int64, events ...domain.NewEvent) (AppendResult, error) {
	start := time.Now()
	res, err := s.append(ctx, stream, expected, events, nil)
	s.metrics.observe(start, res, err)
	return res, err
}

// Check looks at the new events of a batch (duplicates left out) while the stream is locked at
// version, so that a decision about them cannot race another append; tail reads the stream's
// recent events through the same transaction. An error refuses the whole batch and is
// returned as is.
type Check = func(ctx context.Context, version int64, tail domain.StreamTail, fresh []domain.NewEvent) error

// AppendChecked is Append with a check run inside the transaction, after the stream is locked
// and before anything is written.
func (s *Store) AppendChecked(ctx context.Context, stream uuid.UUID, expected int64, check Check, events ...domain.NewEvent) (AppendResult, error) {
	start := time.Now()
	res, err := s.append(ctx, stream, expected, events, check)
	s.metrics.observe(start, res, err)
	return res, err
}

func (s *Store) append(ctx context.Context, stream uuid.UUID, expected int64, events []domain.NewEvent, check Check) (AppendResult, error) {
	if err := validateBatch(stream, events); err != nil {
		return AppendResult{}, err
	}
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{})
	if err != nil {
		return AppendResult{}, fmt.Errorf("eventstore: begin: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))

	res, err := appendTx(ctx, tx, stream, expected, events, check)
	if err != nil || res.Appended == 0 {
		return res, err
	}
	if err := tx.Commit(ctx); err != nil {
		return AppendResult{}, fmt.Errorf("eventstore: commit: %w", err)
	}
	return res, nil
}

// AppendTx appends inside the caller's transaction, so that a command can write its own rows and
// its events in one commit. The caller commits; the events are published by that commit.
func AppendTx(ctx context.Context, tx pgx.Tx, stream uuid.UUID, expected int64, events ...domain.NewEvent) (AppendResult, error) {
	return appendTx(ctx, tx, stream, expected, events, nil)
}

func appendTx(ctx context.Context, tx pgx.Tx, stream uuid.UUID, expected int64, events []domain.NewEvent, check Check) (AppendResult, error) {
	if err := validateBatch(stream, events); err != nil {
		return AppendResult{}, err
	}
	ids := make([]uuid.UUID, len(events))
	for i, e := range events {
		ids[i] = e.ID
	}

	// One round trip: take the stream's lock (held to commit, so versions are assigned in
	// commit order), then read its version and which ids are already stored.
	batch := &pgx.Batch{}
	batch.Queue(`SELECT pg_advisory_xact_lock($1, $2)`, int32(streamLockClass), streamLockKey(stream))
	var current int64
	batch.Queue(`SELECT coalesce(max(version), 0) FROM events WHERE stream_id = $1`, stream).
		QueryRow(func(row pgx.Row) error { return row.Scan(&current) })
	stored := map[uuid.UUID]uuid.UUID{}
	var storedFirst, storedLast int64
	batch.Queue(`SELECT id, stream_id, position FROM events WHERE id = ANY($1)`, ids).Query(func(rows pgx.Rows) error {
		var (
			id, sid  uuid.UUID
			position int64
		)
		_, err := pgx.ForEachRow(rows, []any{&id, &sid, &position}, func() error {
			stored[id] = sid
			if storedFirst == 0 || position < storedFirst {
				storedFirst = position
			}
			storedLast = max(storedLast, position)
			return nil
		})
		return err
	})
	if err := tx.SendBatch(ctx, batch).Close(); err != nil {
		return AppendResult{}, fmt.Errorf("eventstore: read stream %s: %w", stream, err)
	}

	fresh := make([]domain.NewEvent, 0, len(events))
	seen := make(map[uuid.UUID]bool, len(events))
	for _, e := range events {
		if sid, ok := stored[e.ID]; ok && sid != stream {
			return AppendResult{}, fmt.Errorf("%w: %s", ErrEventIDConflict, e.ID)
		}
		if _, ok := stored[e.ID]; ok || seen[e.ID] {
			continue
		}
		seen[e.ID] = true
		fresh = append(fresh, e)
	}
	res := AppendResult{Duplicates: len(events) - len(fresh), Version: current}
	if len(fresh) == 0 {
		// A retry: report where the events already stand.
		res.FirstPosition, res.LastPosition = storedFirst, storedLast
		return res, nil
	}
	if expected != AnyVersion && expected != current {
		return AppendResult{}, &ConcurrencyError{StreamID: stream, Expected: expected, Actual: current}
	}
	if check != nil {
		tail := func(ctx context.Context, afterVersion int64) ([]domain.RecordedEvent, error) {
			rows, err := tx.Query(ctx, `SELECT `+selectColumns+` FROM events
				WHERE stream_id = $1 AND version > $2 ORDER BY version`, stream, afterVersion)
			if err != nil {
				return nil, err
			}
			return collect(rows, 64, nil)
		}
		if err := check(ctx, current, tail, fresh); err != nil {
			return AppendResult{}, err
		}
	}

	msgs, err := toMessages(stream, current+1, fresh)
	if err != nil {
		return AppendResult{}, err
	}
	exec := &appendExecutor{tx: tx}
	publisher, err := wsql.NewPublisher(exec, wsql.PublisherConfig{SchemaAdapter: Schema{}}, nil)
	if err != nil {
		return AppendResult{}, err
	}
	if len(msgs) > 0 {
		msgs[0].SetContext(ctx)
	}
	if err := publisher.Publish(Topic, msgs...); err != nil {
		return AppendResult{}, fmt.Errorf("eventstore: append to %s: %w", stream, uniqueViolation(err, stream, current))
	}

	res.Appended = len(fresh)
	res.Version = current + int64(len(fresh))
	res.FirstPosition, res.LastPosition, res.TxID = exec.first, exec.last, exec.txID
	return res, nil
}

// uniqueViolation turns a unique-constraint failure into the store's typed errors. The stream
// lock makes both rare: an event id raced into another stream by a concurrent append, or a
// version written by a writer that bypassed the lock.
func uniqueViolation(err error, stream uuid.UUID, current int64) error {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "23505" {
		return err
	}
	switch pgErr.ConstraintName {
	case "events_id_key":
		return ErrEventIDConflict
	case "events_stream_version_key":
		return &ConcurrencyError{StreamID: stream, Expected: current, Actual: current + 1}
	}
	return err
}

// appendExecutor is the database handle the watermill publisher writes through: the caller's
// pgx transaction (what wsql.TxFromPgx would give), plus the positions the INSERT returns, which
// saves a round trip reading them back.
type appendExecutor struct {
	tx          pgx.Tx
	first, last int64
	txID        uint64
}

func (a *appendExecutor) ExecContext(ctx context.Context, query string, args ...any) (wsql.Result, error) {
	rows, err := a.tx.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var (
		position int64
		txID     string
	)
	for rows.Next() {
		if err := rows.Scan(&position, &txID); err != nil {
			return nil, err
		}
		if a.txID, err = strconv.ParseUint(txID, 10, 64); err != nil {
			return nil, err
		}
		if a.first == 0 || position < a.first {
			a.first = position
		}
		a.last = max(a.last, position)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return wsql.PgxResult{CommandTag: rows.CommandTag()}, nil
}

func (a *appendExecutor) QueryContext(ctx context.Context, query string, args ...any) (wsql.Rows, error) {
	rows, err := a.tx.Query(ctx, query, args...)
	return wsql.PgxRows{Rows: rows}, err
}

func validateBatch(stream uuid.UUID, events []domain.NewEvent) error {
	if stream == uuid.Nil {
		return fmt.Errorf("%w: nil stream id", ErrInvalidEvent)
	}
	if len(events) == 0 {
		return fmt.Errorf("%w: no events", ErrInvalidEvent)
	}
	if len(events) > MaxBatch {
		return fmt.Errorf("%w: %d events in one batch, at most %d", ErrInvalidEvent, len(events), MaxBatch)
	}
	for i, e := range events {
		switch {
		case e.ID == uuid.Nil:
			return fmt.Errorf("%w: event %d has no id", ErrInvalidEvent, i)
		case e.Type == "":
			return fmt.Errorf("%w: event %s has no type", ErrInvalidEvent, e.ID)
		case e.SchemaVersion <= 0 || e.SchemaVersion > 1<<15-1:
			return fmt.Errorf("%w: event %s has schema version %d", ErrInvalidEvent, e.ID, e.SchemaVersion)
		case !json.Valid(e.Data):
			return fmt.Errorf("%w: event %s payload is not JSON", ErrInvalidEvent, e.ID)
		}
	}
	return nil
}

func streamLockKey(stream uuid.UUID) int32 {
	h := fnv.New32a()
	_, _ = h.Write(stream[:])
	return int32(h.Sum32())
}

const selectColumns = `position, transaction_id::text AS txid, id, stream_id, version, type, schema_version,
	payload, metadata, occurred_at, recorded_at`

// actorColumns is selectColumns with only the actor of the metadata, for reads that show
// events to people: decoding the whole metadata of every event was a third of a replay's cost.
const actorColumns = `position, transaction_id::text AS txid, id, stream_id, version, type, schema_version,
	payload, coalesce(metadata#>>'{actor,kind}', ''), coalesce(metadata#>>'{actor,id}', ''), occurred_at, recorded_at`

// ReadStream returns up to limit events of stream with a version greater than afterVersion,
// in version order.
func (s *Store) ReadStream(ctx context.Context, stream uuid.UUID, afterVersion int64, limit int) ([]domain.RecordedEvent, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+selectColumns+` FROM events
		WHERE stream_id = $1 AND version > $2 ORDER BY version LIMIT $3`, stream, afterVersion, limit)
	if err != nil {
		return nil, fmt.Errorf("eventstore: read stream %s: %w", stream, err)
	}
	return s.collect(rows, limit)
}

// StreamVersion returns the current version of stream (0 when it has no events).
func (s *Store) StreamVersion(ctx context.Context, stream uuid.UUID) (int64, error) {
	var v int64
	err := s.pool.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM events WHERE stream_id = $1`, stream).Scan(&v)
	return v, err
}

// Querier is what ReadLogFrom reads with: a pool, a connection or a transaction.
type Querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// ReadLog returns up to limit events of the whole log after position after, in log order.
func (s *Store) ReadLog(ctx context.Context, after domain.LogPosition, limit int) ([]domain.RecordedEvent, error) {
	return s.ReadLogFrom(ctx, s.pool, after, limit)
}

// ReadLogFrom is ReadLog on a given connection. It only returns events of transactions older
// than every transaction still running, so a transaction that began first and commits last is
// read before any later one, never skipped. A caller that has already written in its own
// transaction must not read with it: its own transaction id would hold the horizon back.
func (s *Store) ReadLogFrom(ctx context.Context, q Querier, after domain.LogPosition, limit int) ([]domain.RecordedEvent, error) {
	rows, err := q.Query(ctx, `SELECT `+selectColumns+` FROM events
		WHERE (transaction_id, position) > ($1::text::xid8, $2)
			AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())
		ORDER BY transaction_id, position
		LIMIT $3`, strconv.FormatUint(after.TxID, 10), after.Position, limit)
	if err != nil {
		return nil, fmt.Errorf("eventstore: read log: %w", err)
	}
	return s.collect(rows, limit)
}

// Head returns the highest position committed so far, the total a rebuild's progress is
// measured against.
func (s *Store) Head(ctx context.Context) (int64, error) {
	var head int64
	err := s.pool.QueryRow(ctx, `SELECT coalesce(max(position), 0) FROM events`).Scan(&head)
	return head, err
}

func (s *Store) collect(rows pgx.Rows, capacity int) ([]domain.RecordedEvent, error) {
	return collect(rows, capacity, s.upcaser)
}

// collect scans event rows, upcasting each with up when it is not nil.
func collect(rows pgx.Rows, capacity int, up Upcaster) ([]domain.RecordedEvent, error) {
	return collectRows(rows, capacity, up, false)
}

// collectRows scans rows of selectColumns, or of actorColumns when actorOnly is set.
func collectRows(rows pgx.Rows, capacity int, up Upcaster, actorOnly bool) ([]domain.RecordedEvent, error) {
	defer rows.Close()
	out := make([]domain.RecordedEvent, 0, min(capacity, 4096))
	var (
		txID      string
		metadata  []byte
		actorKind string
	)
	for rows.Next() {
		var e domain.RecordedEvent
		var sv int16
		dest := []any{&e.Position, &txID, &e.ID, &e.StreamID, &e.Version, &e.Type, &sv, &e.Data, &metadata, &e.OccurredAt, &e.RecordedAt}
		if actorOnly {
			dest = []any{&e.Position, &txID, &e.ID, &e.StreamID, &e.Version, &e.Type, &sv, &e.Data, &actorKind, &e.Metadata.Actor.ID, &e.OccurredAt, &e.RecordedAt}
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("eventstore: scan: %w", err)
		}
		e.SchemaVersion = int(sv)
		var err error
		if e.TxID, err = strconv.ParseUint(txID, 10, 64); err != nil {
			return nil, fmt.Errorf("eventstore: transaction id %q: %w", txID, err)
		}
		if actorOnly {
			e.Metadata.Actor.Kind = domain.ActorKind(actorKind)
		} else if err := json.Unmarshal(metadata, &e.Metadata); err != nil {
			return nil, fmt.Errorf("eventstore: event %s metadata: %w", e.ID, err)
		}
		if err := upcast(up, &e); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("eventstore: read: %w", err)
	}
	return out, nil
}

func (s *Store) upcast(e *domain.RecordedEvent) error { return upcast(s.upcaser, e) }

func upcast(up Upcaster, e *domain.RecordedEvent) error {
	if up == nil {
		return nil
	}
	data, version, err := up(e.Type, e.SchemaVersion, e.Data)
	if err != nil {
		return fmt.Errorf("eventstore: upcast %s v%d (event %s): %w", e.Type, e.SchemaVersion, e.ID, err)
	}
	e.Data, e.SchemaVersion = data, version
	return nil
}

// CountAfter counts committed events after p in log order, stopping at limit so that a
// lag report stays cheap however far behind a reader is.
func (s *Store) CountAfter(ctx context.Context, p domain.LogPosition, limit int64) (int64, error) {
	var n int64
	err := s.pool.QueryRow(ctx, `SELECT count(*) FROM (SELECT 1 FROM events
		WHERE (transaction_id, position) > ($1::text::xid8, $2) LIMIT $3) AS pending`,
		strconv.FormatUint(p.TxID, 10), p.Position, limit).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("eventstore: count after %v: %w", p, err)
	}
	return n, nil
}

// End returns the log position of the last committed event (domain.Start for an empty log):
// a reader that has reached it has read everything committed so far.
func (s *Store) End(ctx context.Context) (domain.LogPosition, error) {
	var (
		p    domain.LogPosition
		txID string
	)
	err := s.pool.QueryRow(ctx, `SELECT transaction_id::text AS txid, position FROM events
		ORDER BY events.transaction_id DESC, events.position DESC LIMIT 1`).Scan(&txID, &p.Position)
	if errors.Is(err, pgx.ErrNoRows) {
		return domain.Start, nil
	}
	if err != nil {
		return p, fmt.Errorf("eventstore: end of log: %w", err)
	}
	p.TxID, err = strconv.ParseUint(txID, 10, 64)
	return p, err
}

// AppendEvents is Append for callers that only need to know where the events stand in the log
// (commands waiting for a projection to catch up).
func (s *Store) AppendEvents(ctx context.Context, stream uuid.UUID, expected int64, events ...domain.NewEvent) (domain.LogPosition, error) {
	res, err := s.Append(ctx, stream, expected, events...)
	return res.End(), err
}

// Lock takes an exclusive lock named by purpose and stream for work on the stream that must not
// run twice at once across processes (archiving a session, say), waiting for another holder,
// and returns its release. It is a Postgres session advisory lock on a connection of its own,
// so a process that dies lets go of it.
func (s *Store) Lock(ctx context.Context, purpose string, stream uuid.UUID) (release func(), err error) {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("eventstore: lock %s %s: %w", purpose, stream, err)
	}
	h := fnv.New32a()
	_, _ = h.Write([]byte("lock:" + purpose))
	class := int32(h.Sum32())
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1, $2)`, class, streamLockKey(stream)); err != nil {
		conn.Release()
		return nil, fmt.Errorf("eventstore: lock %s %s: %w", purpose, stream, err)
	}
	return func() {
		_, err := conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1, $2)`, class, streamLockKey(stream))
		if err != nil {
			// The lock's fate is unknown: the connection must not go back to the pool holding it.
			_ = conn.Conn().Close(context.Background())
		}
		conn.Release()
	}, nil
}
