package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/interviewlm/interviewlm/adapters/postgres/pgtest"
)

const testSecret = "whsec_queue_test"

// fakeClock lets a test step through the backoff schedule without sleeping.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{t: time.Date(2031, 3, 4, 9, 0, 0, 0, time.UTC)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// receiver is an ATS endpoint: it checks the signature, keeps every request and answers with
// the next code of its script (the last one once the script runs out).
type receiver struct {
	t     *testing.T
	clock *fakeClock
	srv   *httptest.Server

	mu       sync.Mutex
	script   []int
	requests []receivedRequest
}

type receivedRequest struct {
	header http.Header
	body   []byte
	sigErr error
}

func newReceiver(t *testing.T, clock *fakeClock, script ...int) *receiver {
	rc := &receiver{t: t, clock: clock, script: script}
	rc.srv = httptest.NewServer(http.HandlerFunc(rc.serve))
	t.Cleanup(rc.srv.Close)
	return rc
}

func (rc *receiver) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	sigErr := Verify([]byte(testSecret), r.Header.Get(SignatureHeader), body, rc.clock.Now(), time.Minute)
	rc.mu.Lock()
	rc.requests = append(rc.requests, receivedRequest{header: r.Header.Clone(), body: body, sigErr: sigErr})
	code := http.StatusOK
	if len(rc.script) > 0 {
		code = rc.script[0]
		if len(rc.script) > 1 {
			rc.script = rc.script[1:]
		}
	}
	rc.mu.Unlock()
	if sigErr != nil {
		code = http.StatusUnauthorized
	}
	w.WriteHeader(code)
}

func (rc *receiver) received() []receivedRequest {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]receivedRequest(nil), rc.requests...)
}

type fixture struct {
	pool  *pgxpool.Pool
	clock *fakeClock
	queue *Queue
	org   uuid.UUID
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	db := pgtest.New(t, 8)
	f := &fixture{pool: db.Pool, clock: newFakeClock()}
	f.queue = f.newQueue(Options{})
	f.org = insertOrg(t, db.Pool)
	return f
}

func (f *fixture) newQueue(opts Options) *Queue {
	opts.Now = f.clock.Now
	return NewQueue(f.pool, NewSender(SenderOptions{AllowPrivate: true}), opts)
}

func insertOrg(t *testing.T, pool *pgxpool.Pool) uuid.UUID {
	t.Helper()
	ctx := context.Background()
	user, org := uuid.New(), uuid.New()
	if _, err := pool.Exec(ctx, `INSERT INTO users (id, name, email) VALUES ($1, 'Owner', $2)`, user, user.String()+"@example.com"); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `INSERT INTO organizations (id, name, slug, plan, created_by) VALUES ($1, 'Acme', $2, 'GROWTH', $3)`,
		org, "acme-"+org.String()[:8], user); err != nil {
		t.Fatal(err)
	}
	return org
}

func (f *fixture) setWebhook(t *testing.T, url string) {
	t.Helper()
	if err := f.queue.SetWebhook(context.Background(), f.org, url, []byte(testSecret), true); err != nil {
		t.Fatal(err)
	}
}

func (f *fixture) enqueue(t *testing.T, key string) bool {
	t.Helper()
	ok, err := f.queue.Enqueue(context.Background(), f.pool, f.org, "evaluation.ready", key, []byte(`{"candidateId":"`+key+`","score":87}`))
	if err != nil {
		t.Fatal(err)
	}
	return ok
}

func (f *fixture) runOnce(t *testing.T, want int) {
	t.Helper()
	n, err := f.queue.RunOnce(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if n != want {
		t.Fatalf("RunOnce delivered %d, want %d", n, want)
	}
}

func (f *fixture) onlyDelivery(t *testing.T) Delivery {
	t.Helper()
	ds, err := f.queue.Deliveries(context.Background(), f.org, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 1 {
		t.Fatalf("%d deliveries, want 1", len(ds))
	}
	return ds[0]
}

func TestDeliverySignedWithHeaders(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	rc := newReceiver(t, f.clock, http.StatusOK)
	f.setWebhook(t, rc.srv.URL+"/ats/hook")
	if !f.enqueue(t, "cand-1") {
		t.Fatal("not enqueued")
	}
	f.runOnce(t, 1)

	reqs := rc.received()
	if len(reqs) != 1 {
		t.Fatalf("%d requests", len(reqs))
	}
	r := reqs[0]
	if r.sigErr != nil {
		t.Fatalf("signature: %v", r.sigErr)
	}
	d := f.onlyDelivery(t)
	for name, want := range map[string]string{
		"Content-Type": "application/json",
		"User-Agent":   UserAgent,
		EventHeader:    "evaluation.ready",
		DeliveryHeader: d.ID.String(),
	} {
		if got := r.header.Get(name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	var env struct {
		ID        uuid.UUID       `json:"id"`
		Event     string          `json:"event"`
		CreatedAt time.Time       `json:"createdAt"`
		Data      json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(r.body, &env); err != nil {
		t.Fatal(err)
	}
	if env.ID != d.ID || env.Event != "evaluation.ready" || !env.CreatedAt.Equal(f.clock.Now()) {
		t.Errorf("envelope %+v", env)
	}
	var data map[string]any
	if err := json.Unmarshal(env.Data, &data); err != nil || data["candidateId"] != "cand-1" || data["score"] != 87.0 {
		t.Errorf("data = %s (%v)", env.Data, err)
	}

	if d.Status != StatusDelivered || d.Attempts != 1 || d.DeliveredAt == nil || d.NextAttemptAt != nil ||
		d.LastStatusCode == nil || *d.LastStatusCode != 200 || d.LastError != "" {
		t.Errorf("delivery %+v", d)
	}
	if len(d.AttemptLog) != 1 || d.AttemptLog[0].StatusCode != 200 || d.AttemptLog[0].Error != "" || !d.AttemptLog[0].At.Equal(f.clock.Now()) {
		t.Errorf("log %+v", d.AttemptLog)
	}
	// Nothing left to do.
	f.clock.Advance(24 * time.Hour)
	f.runOnce(t, 0)
	if len(rc.received()) != 1 {
		t.Fatal("delivered again")
	}
}

func TestRetriesFollowBackoffThenDeliver(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	rc := newReceiver(t, f.clock, 503, 503, 200)
	f.setWebhook(t, rc.srv.URL)
	f.enqueue(t, "cand-1")

	for attempt := 1; attempt <= 2; attempt++ {
		f.runOnce(t, 0)
		d := f.onlyDelivery(t)
		wantNext := f.clock.Now().Add(Backoff(attempt))
		if d.Status != StatusPending || d.Attempts != attempt || d.NextAttemptAt == nil || !d.NextAttemptAt.Equal(wantNext) ||
			*d.LastStatusCode != 503 || !strings.HasPrefix(d.LastError, "HTTP 503") {
			t.Fatalf("after attempt %d: %+v (next %v, want %v)", attempt, d, d.NextAttemptAt, wantNext)
		}
		// Not due a moment before the backoff ends.
		f.clock.Advance(Backoff(attempt) - time.Second)
		f.runOnce(t, 0)
		if n := len(rc.received()); n != attempt {
			t.Fatalf("%d requests before the backoff ended, want %d", n, attempt)
		}
		f.clock.Advance(time.Second)
	}
	f.runOnce(t, 1)

	d := f.onlyDelivery(t)
	if d.Status != StatusDelivered || d.Attempts != 3 || d.LastError != "" || *d.LastStatusCode != 200 {
		t.Fatalf("delivery %+v", d)
	}
	if len(d.AttemptLog) != 3 {
		t.Fatalf("log %+v", d.AttemptLog)
	}
	for i, want := range []int{503, 503, 200} {
		if a := d.AttemptLog[i]; a.Attempt != i+1 || a.StatusCode != want {
			t.Errorf("attempt %d: %+v", i+1, a)
		}
	}
	if gap := d.AttemptLog[2].At.Sub(d.AttemptLog[1].At); gap != Backoff(2) {
		t.Errorf("attempts 2 and 3 %s apart, want %s", gap, Backoff(2))
	}
	reqs := rc.received()
	if len(reqs) != 3 || reqs[0].header.Get(DeliveryHeader) != reqs[2].header.Get(DeliveryHeader) {
		t.Fatalf("requests %d, delivery ids must repeat across retries", len(reqs))
	}
	if reqs[0].header.Get(SignatureHeader) == reqs[2].header.Get(SignatureHeader) {
		t.Error("retry not signed afresh")
	}
}

func TestGivesUpAfterMaxAttempts(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	rc := newReceiver(t, f.clock, 500)
	f.setWebhook(t, rc.srv.URL)
	f.enqueue(t, "cand-1")
	for attempt := 1; attempt <= MaxAttempts; attempt++ {
		f.runOnce(t, 0)
		f.clock.Advance(Backoff(attempt))
	}
	f.clock.Advance(48 * time.Hour)
	f.runOnce(t, 0)
	d := f.onlyDelivery(t)
	if d.Status != StatusFailed || d.Attempts != MaxAttempts || len(d.AttemptLog) != MaxAttempts || len(rc.received()) != MaxAttempts {
		t.Fatalf("delivery %+v, %d requests", d, len(rc.received()))
	}
	// A manual redelivery is one more attempt, not a fresh budget.
	if err := f.queue.Redeliver(context.Background(), f.org, d.ID); err != nil {
		t.Fatal(err)
	}
	f.runOnce(t, 0)
	if d := f.onlyDelivery(t); d.Status != StatusFailed || d.Attempts != MaxAttempts+1 {
		t.Fatalf("after redelivery %+v", d)
	}
}

func TestPermanentErrorFailsAtOnce(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	rc := newReceiver(t, f.clock, 400, 200)
	f.setWebhook(t, rc.srv.URL)
	f.enqueue(t, "cand-1")
	f.runOnce(t, 0)
	f.clock.Advance(48 * time.Hour)
	f.runOnce(t, 0)

	d := f.onlyDelivery(t)
	if d.Status != StatusFailed || d.Attempts != 1 || len(d.AttemptLog) != 1 || *d.LastStatusCode != 400 || len(rc.received()) != 1 {
		t.Fatalf("delivery %+v, %d requests", d, len(rc.received()))
	}

	ctx := context.Background()
	if err := f.queue.Redeliver(ctx, f.org, uuid.New()); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Redeliver unknown: %v", err)
	}
	if err := f.queue.Redeliver(ctx, insertOrg(t, f.pool), d.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Redeliver another org's delivery: %v", err)
	}
	if err := f.queue.Redeliver(ctx, f.org, d.ID); err != nil {
		t.Fatal(err)
	}
	f.runOnce(t, 1)
	d = f.onlyDelivery(t)
	if d.Status != StatusDelivered || d.Attempts != 2 || len(d.AttemptLog) != 2 {
		t.Fatalf("after redelivery %+v", d)
	}
	if err := f.queue.Redeliver(ctx, f.org, d.ID); !errors.Is(err, ErrNotFailed) {
		t.Fatalf("Redeliver delivered: %v", err)
	}
}

func TestRedirectFailsDelivery(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	rc := newReceiver(t, f.clock, http.StatusFound)
	f.setWebhook(t, rc.srv.URL)
	f.enqueue(t, "cand-1")
	f.runOnce(t, 0)
	d := f.onlyDelivery(t)
	if d.Status != StatusFailed || *d.LastStatusCode != http.StatusFound || !strings.Contains(d.LastError, "redirects are not followed") {
		t.Fatalf("delivery %+v", d)
	}
}

func TestSSRFGuardFailsDelivery(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	rc := newReceiver(t, f.clock, 200)
	f.setWebhook(t, rc.srv.URL)
	f.enqueue(t, "cand-1")
	// A worker with the guard on, as in production, finds a loopback URL in the table.
	strict := NewQueue(f.pool, NewSender(SenderOptions{}), Options{Now: f.clock.Now})
	if n, err := strict.RunOnce(context.Background()); err != nil || n != 0 {
		t.Fatal(n, err)
	}
	d := f.onlyDelivery(t)
	if d.Status != StatusFailed || d.LastStatusCode != nil || d.LastError == "" || len(rc.received()) != 0 {
		t.Fatalf("delivery %+v", d)
	}
	// Saving such a URL is refused up front.
	if err := strict.SetWebhook(context.Background(), f.org, "https://127.0.0.1/hook", []byte(testSecret), true); !errors.Is(err, ErrInvalidURL) {
		t.Fatalf("SetWebhook loopback: %v", err)
	}
}

func TestEnqueueDedupes(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.setWebhook(t, "http://127.0.0.1:1/hook")
	if !f.enqueue(t, "eval-42") {
		t.Fatal("first not enqueued")
	}
	if f.enqueue(t, "eval-42") {
		t.Fatal("second enqueued")
	}
	if !f.enqueue(t, "eval-43") {
		t.Fatal("other key not enqueued")
	}
	ds, err := f.queue.Deliveries(context.Background(), f.org, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 2 || ds[0].DedupeKey != "eval-43" || ds[1].DedupeKey != "eval-42" {
		t.Fatalf("deliveries %+v", ds)
	}
	if ds[1].Status != StatusPending || ds[1].Attempts != 0 || len(ds[1].AttemptLog) != 0 || string(ds[1].Payload) != `{"score": 87, "candidateId": "eval-42"}` {
		t.Fatalf("delivery %+v payload %s", ds[1], ds[1].Payload)
	}
}

func TestEnqueueInCallersTransaction(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.setWebhook(t, "http://127.0.0.1:1/hook")
	ctx := context.Background()
	enqueueIn := func(commit bool, key string, payload string) (bool, error) {
		tx, err := f.pool.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback(ctx)
		ok, err := f.queue.Enqueue(ctx, tx, f.org, "evaluation.ready", key, []byte(payload))
		if err != nil {
			return ok, err
		}
		// The transaction must still be usable after Enqueue, whatever it answered.
		if _, err := tx.Exec(ctx, `SELECT 1`); err != nil {
			t.Fatalf("transaction broken: %v", err)
		}
		if commit {
			return ok, tx.Commit(ctx)
		}
		return ok, nil
	}
	if ok, err := enqueueIn(false, "rolled-back", `{}`); !ok || err != nil {
		t.Fatal(ok, err)
	}
	if ok, err := enqueueIn(true, "committed", `{}`); !ok || err != nil {
		t.Fatal(ok, err)
	}
	if ok, err := enqueueIn(true, "committed", `{}`); ok || err != nil {
		t.Fatal("duplicate in a transaction:", ok, err)
	}
	if _, err := enqueueIn(true, "bad", `{not json`); err == nil {
		t.Fatal("invalid JSON accepted")
	}
	if d := f.onlyDelivery(t); d.DedupeKey != "committed" {
		t.Fatalf("delivery %+v", d)
	}
}

func TestEnqueueNeedsEnabledWebhook(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	if f.enqueue(t, "no-webhook") {
		t.Fatal("enqueued without a webhook")
	}
	if err := f.queue.SetWebhook(context.Background(), f.org, "http://127.0.0.1:1/hook", []byte(testSecret), false); err != nil {
		t.Fatal(err)
	}
	if f.enqueue(t, "disabled") {
		t.Fatal("enqueued for a disabled webhook")
	}
	var n int
	if err := f.pool.QueryRow(context.Background(), `SELECT count(*) FROM webhook_deliveries`).Scan(&n); err != nil || n != 0 {
		t.Fatal(n, err)
	}
}

func TestWebhookChangedBeforeSend(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	rc := newReceiver(t, f.clock, 200)
	ctx := context.Background()

	f.setWebhook(t, rc.srv.URL)
	f.enqueue(t, "disabled")
	if err := f.queue.SetWebhook(ctx, f.org, rc.srv.URL, nil, false); err != nil {
		t.Fatal(err)
	}
	f.runOnce(t, 0)
	if d := f.onlyDelivery(t); d.Status != StatusFailed || !strings.Contains(d.LastError, "disabled") || d.Attempts != 0 {
		t.Fatalf("delivery %+v", d)
	}

	if err := f.queue.SetWebhook(ctx, f.org, rc.srv.URL, nil, true); err != nil {
		t.Fatal(err)
	}
	f.enqueue(t, "deleted")
	if err := f.queue.DeleteWebhook(ctx, f.org); err != nil {
		t.Fatal(err)
	}
	f.runOnce(t, 0)
	ds, _ := f.queue.Deliveries(ctx, f.org, 10)
	if len(ds) != 2 || ds[0].Status != StatusFailed || !strings.Contains(ds[0].LastError, "deleted") {
		t.Fatalf("deliveries %+v", ds)
	}
	if len(rc.received()) != 0 {
		t.Fatal("receiver was called")
	}
}

func TestConcurrentWorkersDeliverEachOnce(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	var (
		mu   sync.Mutex
		hits = map[string]int{}
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(2 * time.Millisecond) // long enough for the workers' claims to interleave
		mu.Lock()
		hits[r.Header.Get(DeliveryHeader)]++
		mu.Unlock()
	}))
	defer srv.Close()
	f.setWebhook(t, srv.URL)
	const total = 60
	for i := range total {
		f.enqueue(t, "eval-"+uuid.NewString()+string(rune('a'+i%26)))
	}

	workers := []*Queue{f.newQueue(Options{BatchSize: 4}), f.newQueue(Options{BatchSize: 4}), f.newQueue(Options{BatchSize: 4})}
	var (
		wg        sync.WaitGroup
		delivered [3]int
	)
	for i, w := range workers {
		wg.Go(func() {
			for {
				n, claimed, err := w.runOnce(context.Background())
				if err != nil {
					t.Error(err)
					return
				}
				delivered[i] += n
				if claimed == 0 {
					return
				}
			}
		})
	}
	wg.Wait()

	if len(hits) != total {
		t.Fatalf("%d distinct deliveries reached the receiver, want %d", len(hits), total)
	}
	for id, n := range hits {
		if n != 1 {
			t.Errorf("delivery %s received %d times", id, n)
		}
	}
	t.Logf("delivered per worker: %v", delivered)
	if sum := delivered[0] + delivered[1] + delivered[2]; sum != total {
		t.Errorf("workers report %v delivered, total %d", delivered, sum)
	}
	var attempts int
	if err := f.pool.QueryRow(context.Background(), `SELECT count(*) FROM webhook_attempts`).Scan(&attempts); err != nil || attempts != total {
		t.Fatalf("%d attempt rows (%v)", attempts, err)
	}
}

func TestRunUntilCancelled(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	rc := newReceiver(t, f.clock, 200)
	f.setWebhook(t, rc.srv.URL)
	f.enqueue(t, "cand-1")

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		f.queue.Run(ctx, 10*time.Millisecond)
		close(done)
	}()
	deadline := time.Now().Add(10 * time.Second)
	for len(rc.received()) == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	f.enqueue(t, "cand-2")
	for len(rc.received()) < 2 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
	if n := len(rc.received()); n != 2 {
		t.Fatalf("%d requests", n)
	}
}

func TestWebhookCRUD(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	if _, err := f.queue.Webhook(ctx, f.org); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Webhook before set: %v", err)
	}
	if err := f.queue.SetWebhook(ctx, f.org, "https://ats.example.com/h", nil, true); !errors.Is(err, ErrNotFound) {
		t.Fatalf("SetWebhook without a secret to keep: %v", err)
	}
	secret, err := NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	if err := f.queue.SetWebhook(ctx, f.org, "https://ats.example.com/h", []byte(secret), true); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(time.Hour)
	if err := f.queue.SetWebhook(ctx, f.org, "https://ats.example.com/v2", nil, false); err != nil {
		t.Fatal(err)
	}
	w, err := f.queue.Webhook(ctx, f.org)
	if err != nil {
		t.Fatal(err)
	}
	if w.URL != "https://ats.example.com/v2" || w.Secret != secret || w.Enabled || w.UpdatedAt.Sub(w.CreatedAt) != time.Hour {
		t.Fatalf("webhook %+v", w)
	}
	if b, _ := json.Marshal(w); strings.Contains(string(b), secret) {
		t.Fatalf("secret in JSON: %s", b)
	}
	for _, bad := range []string{"ftp://x", "https://user:pw@ats.example.com/", ""} {
		if err := f.queue.SetWebhook(ctx, f.org, bad, []byte(secret), true); !errors.Is(err, ErrInvalidURL) {
			t.Errorf("SetWebhook(%q): %v", bad, err)
		}
	}
	if err := f.queue.SetWebhook(ctx, f.org, "https://ats.example.com/h", []byte("a\x00b"), true); !errors.Is(err, ErrInvalidSecret) {
		t.Errorf("NUL secret: %v", err)
	}
	if err := f.queue.SetWebhook(ctx, uuid.New(), "https://ats.example.com/h", []byte(secret), true); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown organization: %v", err)
	}
	if err := f.queue.DeleteWebhook(ctx, f.org); err != nil {
		t.Fatal(err)
	}
	if err := f.queue.DeleteWebhook(ctx, f.org); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second delete: %v", err)
	}
	// Deleting the organization takes its webhook and deliveries with it.
	f.setWebhook(t, "http://127.0.0.1:1/hook")
	f.enqueue(t, "x")
	if _, err := f.pool.Exec(ctx, `DELETE FROM organizations WHERE id = $1`, f.org); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := f.pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM webhook_deliveries) + (SELECT count(*) FROM organization_webhooks)`).Scan(&n); err != nil || n != 0 {
		t.Fatal(n, err)
	}
}

func TestNewSecret(t *testing.T) {
	a, err := NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := NewSecret()
	if !strings.HasPrefix(a, "whsec_") || len(a) != len("whsec_")+43 || a == b || strings.ContainsAny(a, "+/=") {
		t.Fatalf("secrets %q %q", a, b)
	}
}

var (
	_ Querier = pgx.Tx(nil)
	_ Querier = (*pgxpool.Pool)(nil)
)
