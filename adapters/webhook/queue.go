// Package webhook calls each organization's optional webhook when a candidate's evaluation is
// ready, so its ATS learns of it without polling.
//
// Deliveries are an outbox in Postgres: Enqueue writes one in the caller's transaction, so an
// event is announced if and only if the fact it announces is committed, and any number of
// workers (Run) send them with retries. Delivery is at least once: a worker that dies after the
// receiver answered but before recording it leaves the delivery to be sent again once its lease
// expires, so receivers dedupe on the X-InterviewLM-Delivery header. Bodies are signed with
// the organization's secret (Sign); receivers check them with Verify or any Stripe-compatible
// verifier.
package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/interviewlm/interviewlm/adapters/identity"

	"github.com/interviewlm/interviewlm/domain"
)

// Status is where a delivery stands.
type Status string

// Statuses of a delivery, as stored.
const (
	StatusPending   Status = "pending"
	StatusDelivered Status = "delivered"
	StatusFailed    Status = "failed"
)

// Errors of the Queue.
var (
	ErrNotFound = domain.ErrNotFound
	// ErrNotFailed answers Redeliver for a delivery that is still pending or was delivered.
	ErrNotFailed = errors.New("only a failed delivery can be redelivered")
	// ErrInvalidSecret means a secret SetWebhook cannot store as text.
	ErrInvalidSecret = errors.New("webhook secret must be non-empty UTF-8 without NUL bytes")
)

// Querier is what Enqueue writes through: a pgx.Tx to enqueue in the caller's transaction, or
// a pool or connection.
type Querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

// Options configure a Queue. Zero values take the defaults.
type Options struct {
	// Now is the clock; tests inject one to step through the backoff schedule.
	Now    func() time.Time
	Logger *slog.Logger
	// BatchSize is how many due deliveries one RunOnce claims and sends concurrently; 20.
	BatchSize int
	// Lease is how long a claimed delivery is hidden from other workers. It must outlast one
	// attempt plus its recording, or a slow attempt would be sent twice; it defaults to two
	// minutes and is raised to the sender's timeout plus 30s if set lower.
	Lease time.Duration
}

// Queue stores webhooks and their deliveries and sends them.
type Queue struct {
	pool   *pgxpool.Pool
	sender *Sender
	now    func() time.Time
	logger *slog.Logger
	batch  int
	lease  time.Duration
}

// NewQueue returns a Queue on pool. A nil sender means NewSender with default options, which
// keeps the SSRF guard on.
func NewQueue(pool *pgxpool.Pool, sender *Sender, opts Options) *Queue {
	if sender == nil {
		sender = NewSender(SenderOptions{})
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.BatchSize <= 0 {
		opts.BatchSize = 20
	}
	if opts.Lease <= 0 {
		opts.Lease = 2 * time.Minute
	}
	if minLease := sender.timeout + 30*time.Second; opts.Lease < minLease {
		opts.Lease = minLease
	}
	return &Queue{pool: pool, sender: sender, now: opts.Now, logger: opts.Logger, batch: opts.BatchSize, lease: opts.Lease}
}

// NewSecret returns a fresh signing secret: "whsec_" and 32 random bytes in unpadded base64url.
// The whole string, prefix included, is the HMAC key, as with Stripe.
func NewSecret() (string, error) {
	secret, _ := identity.NewToken("whsec_")
	return secret, nil
}

// Webhook is an organization's endpoint.
type Webhook struct {
	OrganizationID uuid.UUID `json:"organizationId"`
	URL            string    `json:"url"`
	// Secret is left out of JSON so that returning a Webhook from an API route cannot leak
	// it; a handler that means to show it once must do so explicitly.
	Secret    string    `json:"-"`
	Enabled   bool      `json:"enabled"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// SetWebhook creates or replaces the organization's webhook after checking url with
// ValidateURL (private addresses allowed only if the sender allows them). A nil or empty
// secret keeps the current one, so changing the URL or pausing the webhook does not force the
// receiver to rotate; it is ErrNotFound when there is no current one.
func (q *Queue) SetWebhook(ctx context.Context, orgID uuid.UUID, url string, secret []byte, enabled bool) error {
	if err := ValidateURL(url, q.sender.allowPrivate); err != nil {
		return err
	}
	now := q.now()
	if len(secret) == 0 {
		tag, err := q.pool.Exec(ctx, `UPDATE organization_webhooks SET url = $2, enabled = $3, updated_at = $4
			WHERE organization_id = $1`, orgID, url, enabled, now)
		if err != nil {
			return fmt.Errorf("update webhook: %w", err)
		}
		if tag.RowsAffected() == 0 {
			return ErrNotFound
		}
		return nil
	}
	if !utf8.Valid(secret) || bytes.IndexByte(secret, 0) >= 0 {
		return ErrInvalidSecret
	}
	_, err := q.pool.Exec(ctx, `INSERT INTO organization_webhooks (organization_id, url, secret, enabled, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $5)
		ON CONFLICT (organization_id) DO UPDATE
		SET url = EXCLUDED.url, secret = EXCLUDED.secret, enabled = EXCLUDED.enabled, updated_at = EXCLUDED.updated_at`,
		orgID, url, string(secret), enabled, now)
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23503" {
		return ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("save webhook: %w", err)
	}
	return nil
}

// Webhook returns the organization's webhook, or ErrNotFound.
func (q *Queue) Webhook(ctx context.Context, orgID uuid.UUID) (Webhook, error) {
	w := Webhook{OrganizationID: orgID}
	err := q.pool.QueryRow(ctx, `SELECT url, secret, enabled, created_at, updated_at FROM organization_webhooks
		WHERE organization_id = $1`, orgID).Scan(&w.URL, &w.Secret, &w.Enabled, &w.CreatedAt, &w.UpdatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return Webhook{}, ErrNotFound
	}
	if err != nil {
		return Webhook{}, fmt.Errorf("read webhook: %w", err)
	}
	return w, nil
}

// DeleteWebhook removes the organization's webhook, or answers ErrNotFound. Its delivery log
// stays; deliveries still pending fail at their next turn with the reason.
func (q *Queue) DeleteWebhook(ctx context.Context, orgID uuid.UUID) error {
	tag, err := q.pool.Exec(ctx, `DELETE FROM organization_webhooks WHERE organization_id = $1`, orgID)
	if err != nil {
		return fmt.Errorf("delete webhook: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return ErrNotFound
	}
	return nil
}

// Enqueue schedules event with payload (a JSON value) for the organization's webhook, through
// db, which should be the transaction that commits the fact announced (nil means the pool).
// It enqueues nothing, and reports false, when the organization has no enabled webhook or a
// delivery with the same dedupeKey already exists, so the same evaluation is never announced
// twice however often the caller runs.
func (q *Queue) Enqueue(ctx context.Context, db Querier, orgID uuid.UUID, event, dedupeKey string, payload []byte) (enqueued bool, err error) {
	if db == nil {
		db = q.pool
	}
	// Checked here because a statement Postgres refuses would abort the caller's transaction,
	// taking the fact being announced down with the announcement.
	switch {
	case event == "" || !utf8.ValidString(event):
		return false, errors.New("webhook: event must be non-empty UTF-8")
	case dedupeKey == "" || !utf8.ValidString(dedupeKey):
		return false, errors.New("webhook: dedupe key must be non-empty UTF-8")
	case !json.Valid(payload):
		return false, errors.New("webhook: payload is not valid JSON")
	}
	id, err := uuid.NewV7()
	if err != nil {
		return false, err
	}
	tag, err := db.Exec(ctx, `INSERT INTO webhook_deliveries
			(id, organization_id, event, dedupe_key, payload, status, next_attempt_at, created_at)
		SELECT $1::uuid, w.organization_id, $3::text, $4::text, $5::jsonb, 'pending', $6::timestamptz, $6::timestamptz
		FROM organization_webhooks w
		WHERE w.organization_id = $2 AND w.enabled
		ON CONFLICT (organization_id, dedupe_key) DO NOTHING`,
		id, orgID, event, dedupeKey, string(payload), q.now())
	if err != nil {
		return false, fmt.Errorf("enqueue webhook delivery: %w", err)
	}
	return tag.RowsAffected() == 1, nil
}

// Attempt is one line of the delivery log.
type Attempt struct {
	Attempt int       `json:"attempt"`
	At      time.Time `json:"at"`
	// StatusCode is 0 when no response arrived.
	StatusCode int    `json:"statusCode,omitempty"`
	Error      string `json:"error,omitempty"`
	DurationMS int    `json:"durationMs"`
}

// Delivery is one event for one organization, with its attempts.
type Delivery struct {
	ID        uuid.UUID       `json:"id"`
	Event     string          `json:"event"`
	DedupeKey string          `json:"dedupeKey"`
	Payload   json.RawMessage `json:"payload"`
	Status    Status          `json:"status"`
	Attempts  int             `json:"attempts"`
	// NextAttemptAt is set only while the delivery is pending.
	NextAttemptAt  *time.Time `json:"nextAttemptAt,omitempty"`
	LastStatusCode *int       `json:"lastStatusCode,omitempty"`
	LastError      string     `json:"lastError,omitempty"`
	LastAttemptAt  *time.Time `json:"lastAttemptAt,omitempty"`
	DeliveredAt    *time.Time `json:"deliveredAt,omitempty"`
	CreatedAt      time.Time  `json:"createdAt"`
	AttemptLog     []Attempt  `json:"attemptLog"`
}

// Deliveries returns the organization's newest deliveries first, at most limit (1 to 100,
// 50 when out of range), each with its attempts in order.
func (q *Queue) Deliveries(ctx context.Context, orgID uuid.UUID, limit int) ([]Delivery, error) {
	if limit < 1 || limit > 100 {
		limit = 50
	}
	rows, err := q.pool.Query(ctx, `SELECT id, event, dedupe_key, payload, status, attempts, next_attempt_at,
			last_status_code, COALESCE(last_error, ''), last_attempt_at, delivered_at, created_at
		FROM webhook_deliveries WHERE organization_id = $1
		ORDER BY created_at DESC, id DESC LIMIT $2`, orgID, limit)
	if err != nil {
		return nil, fmt.Errorf("list webhook deliveries: %w", err)
	}
	var (
		out   []Delivery
		ids   []uuid.UUID
		index = map[uuid.UUID]int{}
	)
	for rows.Next() {
		var (
			d       Delivery
			payload []byte
			next    time.Time
		)
		if err := rows.Scan(&d.ID, &d.Event, &d.DedupeKey, &payload, &d.Status, &d.Attempts, &next,
			&d.LastStatusCode, &d.LastError, &d.LastAttemptAt, &d.DeliveredAt, &d.CreatedAt); err != nil {
			rows.Close()
			return nil, fmt.Errorf("list webhook deliveries: %w", err)
		}
		d.Payload = payload
		if d.Status == StatusPending {
			d.NextAttemptAt = &next
		}
		d.AttemptLog = []Attempt{}
		index[d.ID] = len(out)
		ids = append(ids, d.ID)
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list webhook deliveries: %w", err)
	}
	if len(ids) == 0 {
		return []Delivery{}, nil
	}
	rows, err = q.pool.Query(ctx, `SELECT delivery_id, attempt, at, COALESCE(status_code, 0), COALESCE(error, ''), duration_ms
		FROM webhook_attempts WHERE delivery_id = ANY($1) ORDER BY delivery_id, attempt`, ids)
	if err != nil {
		return nil, fmt.Errorf("list webhook attempts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			id uuid.UUID
			a  Attempt
		)
		if err := rows.Scan(&id, &a.Attempt, &a.At, &a.StatusCode, &a.Error, &a.DurationMS); err != nil {
			return nil, fmt.Errorf("list webhook attempts: %w", err)
		}
		i := index[id]
		out[i].AttemptLog = append(out[i].AttemptLog, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list webhook attempts: %w", err)
	}
	return out, nil
}

// Redeliver puts a failed delivery back in the queue, due now. It does not refill the retry
// budget: a delivery that had used its MaxAttempts gets exactly one more attempt, one that
// failed on a permanent error keeps the retries it had left. ErrNotFound if the organization
// has no such delivery, ErrNotFailed if it is pending or delivered.
func (q *Queue) Redeliver(ctx context.Context, orgID, deliveryID uuid.UUID) error {
	tag, err := q.pool.Exec(ctx, `UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = $3
		WHERE id = $2 AND organization_id = $1 AND status = 'failed'`, orgID, deliveryID, q.now())
	if err != nil {
		return fmt.Errorf("redeliver: %w", err)
	}
	if tag.RowsAffected() == 1 {
		return nil
	}
	var exists bool
	if err := q.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM webhook_deliveries WHERE id = $2 AND organization_id = $1)`,
		orgID, deliveryID).Scan(&exists); err != nil {
		return fmt.Errorf("redeliver: %w", err)
	}
	if !exists {
		return ErrNotFound
	}
	return ErrNotFailed
}

// claimed is a delivery this worker holds the lease on.
type claimed struct {
	id        uuid.UUID
	orgID     uuid.UUID
	event     string
	payload   []byte
	attempts  int
	createdAt time.Time
	// The organization's webhook as it is when the delivery is claimed, so a new URL or a
	// rotated secret applies to retries too; nil when it was deleted.
	url, secret *string
	enabled     *bool
}

// Run calls RunOnce every interval (5s when zero or less) until ctx is done, straight away
// again while batches come back full so a backlog drains at full speed. Errors are logged:
// a worker outlives a database restart.
func (q *Queue) Run(ctx context.Context, interval time.Duration) {
	if interval <= 0 {
		interval = 5 * time.Second
	}
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		}
		_, n, err := q.runOnce(ctx)
		if err != nil && ctx.Err() == nil {
			q.logger.Error("webhook: run deliveries", "err", err)
		}
		if err == nil && n == q.batch {
			timer.Reset(0)
		} else {
			timer.Reset(interval)
		}
	}
}

// RunOnce claims up to a batch of due deliveries, sends them concurrently and records the
// outcomes. delivered counts the receivers that accepted; a failed attempt is not an error,
// only the database failing is.
func (q *Queue) RunOnce(ctx context.Context) (delivered int, err error) {
	delivered, _, err = q.runOnce(ctx)
	return delivered, err
}

func (q *Queue) runOnce(ctx context.Context) (delivered, claimedCount int, err error) {
	batch, err := q.claim(ctx)
	if err != nil {
		return 0, 0, err
	}
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	for _, c := range batch {
		wg.Go(func() {
			ok, err := q.process(ctx, c)
			mu.Lock()
			defer mu.Unlock()
			if ok {
				delivered++
			}
			if err != nil {
				errs = append(errs, fmt.Errorf("delivery %s: %w", c.id, err))
			}
		})
	}
	wg.Wait()
	return delivered, len(batch), errors.Join(errs...)
}

// claim takes the lease on due deliveries in one short statement: moving next_attempt_at past
// the lease hides them from other workers without keeping a transaction open during the HTTP
// calls, and SKIP LOCKED lets concurrent workers claim disjoint batches without waiting.
func (q *Queue) claim(ctx context.Context) ([]claimed, error) {
	now := q.now()
	rows, err := q.pool.Query(ctx, `WITH due AS (
			SELECT id, organization_id FROM webhook_deliveries
			WHERE status = 'pending' AND next_attempt_at <= $1
			ORDER BY next_attempt_at
			LIMIT $2
			FOR UPDATE SKIP LOCKED
		)
		UPDATE webhook_deliveries d SET next_attempt_at = $3
		FROM due LEFT JOIN organization_webhooks w ON w.organization_id = due.organization_id
		WHERE d.id = due.id
		RETURNING d.id, d.organization_id, d.event, d.payload, d.attempts, d.created_at, w.url, w.secret, w.enabled`,
		now, q.batch, now.Add(q.lease))
	if err != nil {
		return nil, fmt.Errorf("claim webhook deliveries: %w", err)
	}
	var out []claimed
	for rows.Next() {
		var c claimed
		if err := rows.Scan(&c.id, &c.orgID, &c.event, &c.payload, &c.attempts, &c.createdAt, &c.url, &c.secret, &c.enabled); err != nil {
			rows.Close()
			return nil, fmt.Errorf("claim webhook deliveries: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("claim webhook deliveries: %w", err)
	}
	return out, nil
}

// envelope is the body sent. The delivery id and event are inside the signed body as well as
// in headers, so a receiver can trust them.
type envelope struct {
	ID        uuid.UUID       `json:"id"`
	Event     string          `json:"event"`
	CreatedAt time.Time       `json:"createdAt"`
	Data      json.RawMessage `json:"data"`
}

// process makes one attempt at c and records it; it reports whether the receiver accepted.
func (q *Queue) process(ctx context.Context, c claimed) (bool, error) {
	if c.url == nil {
		return false, q.abandon(ctx, c, "webhook was deleted before this delivery was sent")
	}
	url, secret := *c.url, *c.secret
	if !*c.enabled {
		return false, q.abandon(ctx, c, "webhook was disabled before this delivery was sent")
	}
	body, err := json.Marshal(envelope{ID: c.id, Event: c.event, CreatedAt: c.createdAt.UTC(), Data: c.payload})
	if err != nil {
		return false, err
	}
	at := q.now()
	res := q.sender.Send(ctx, Message{URL: url, Secret: []byte(secret), DeliveryID: c.id, Event: c.event, Body: body, Timestamp: at})
	if ctx.Err() != nil && !res.OK() {
		// Our own shutdown is not the receiver's failure: leave the attempt unrecorded, and the
		// lease brings the delivery back to the next worker without using up a retry.
		return false, ctx.Err()
	}
	return res.OK(), q.record(ctx, c, at, res)
}

// errLostLease means another worker recorded this attempt number first, because our lease
// expired; our outcome is dropped so the log holds one row per attempt.
var errLostLease = errors.New("lease expired: another worker took over this delivery")

// record writes the attempt and the delivery's new state together.
func (q *Queue) record(ctx context.Context, c claimed, at time.Time, res Result) error {
	// Recorded even if ctx ends meanwhile: losing a success would send it again.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	attempt := c.attempts + 1
	finished := q.now()
	var (
		status      Status
		next        = finished
		deliveredAt *time.Time
		code        *int
		lastErr     *string
	)
	switch {
	case res.OK():
		status, deliveredAt = StatusDelivered, &finished
	case res.Retryable && attempt < MaxAttempts:
		status, next = StatusPending, finished.Add(Backoff(attempt))
	default:
		status = StatusFailed
	}
	if res.StatusCode != 0 {
		code = &res.StatusCode
	}
	if res.Err != "" {
		lastErr = &res.Err
	}
	err := pgx.BeginFunc(ctx, q.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE webhook_deliveries
			SET status = $3, attempts = $4, next_attempt_at = $5, last_status_code = $6, last_error = $7,
				last_attempt_at = $8, delivered_at = $9
			WHERE id = $1 AND status = 'pending' AND attempts = $2`,
			c.id, c.attempts, status, attempt, next, code, lastErr, at, deliveredAt)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return errLostLease
		}
		_, err = tx.Exec(ctx, `INSERT INTO webhook_attempts (delivery_id, attempt, at, status_code, error, duration_ms)
			VALUES ($1, $2, $3, $4, $5, $6)`, c.id, attempt, at, code, lastErr, res.Duration.Milliseconds())
		return err
	})
	if err != nil {
		return fmt.Errorf("record attempt %d: %w", attempt, err)
	}
	log := q.logger.With("delivery", c.id, "organization", c.orgID, "event", c.event, "attempt", attempt,
		"status_code", res.StatusCode, "duration", res.Duration)
	switch status {
	case StatusDelivered:
		log.Debug("webhook delivered")
	case StatusPending:
		log.Info("webhook attempt failed, will retry", "err", res.Err, "next_attempt_at", next)
	default:
		log.Warn("webhook delivery failed", "err", res.Err)
	}
	return nil
}

// abandon fails a delivery that can no longer be sent, without an attempt: nothing was sent.
func (q *Queue) abandon(ctx context.Context, c claimed, reason string) error {
	tag, err := q.pool.Exec(ctx, `UPDATE webhook_deliveries SET status = 'failed', last_error = $3, next_attempt_at = $4
		WHERE id = $1 AND status = 'pending' AND attempts = $2`, c.id, c.attempts, reason, q.now())
	if err != nil {
		return fmt.Errorf("fail delivery: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return errLostLease
	}
	q.logger.Info("webhook delivery abandoned", "delivery", c.id, "organization", c.orgID, "reason", reason)
	return nil
}
