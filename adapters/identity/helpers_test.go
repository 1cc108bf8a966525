package identity

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/interviewlm/interviewlm/adapters/postgres/pgtest"
)

// cheapParams keep tests fast; one test checks DefaultHashParams.
var cheapParams = HashParams{Memory: 8 * 1024, Time: 1, Threads: 1}

// clock is a settable Config.Now.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock {
	// A fixed start, five minutes into a 15-minute window, so window arithmetic is predictable.
	return &clock{now: time.Date(2026, 3, 2, 9, 5, 0, 0, time.UTC)}
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

type fixture struct {
	svc   *Service
	clock *clock
	db    *pgtest.DB
}

// newFixture returns a Service on a fresh database with cheap hashing and a fake clock; edit
// adjusts the Config before New.
func newFixture(t *testing.T, edit func(*Config)) *fixture {
	t.Helper()
	db := pgtest.New(t, 8)
	c := newClock()
	cfg := Config{HashParams: cheapParams, Now: c.Now}
	if edit != nil {
		edit(&cfg)
	}
	svc, err := New(db.Pool, cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return &fixture{svc: svc, clock: c, db: db}
}

func (f *fixture) register(t *testing.T, name, email, password string) User {
	t.Helper()
	u, err := f.svc.Register(context.Background(), name, email, password)
	if err != nil {
		t.Fatalf("Register(%q): %v", email, err)
	}
	return u
}

func (f *fixture) count(t *testing.T, query string, args ...any) int {
	t.Helper()
	var n int
	if err := f.db.Pool.QueryRow(context.Background(), query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}
