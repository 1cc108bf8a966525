// Package pgtest gives each test its own throwaway PostgreSQL database, migrated to the latest
// schema and dropped when the test ends, so test packages can run in parallel.
package pgtest

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/interviewlm/interviewlm/adapters/postgres"
	"github.com/interviewlm/interviewlm/schema"
)

// DefaultAdminURL is used when TEST_DATABASE_URL is not set.
const DefaultAdminURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// AdminURL is the superuser connection tests create their databases through.
func AdminURL() string {
	if u := os.Getenv("TEST_DATABASE_URL"); u != "" {
		return u
	}
	return DefaultAdminURL
}

// DB is a fresh, migrated database.
type DB struct {
	Pool *pgxpool.Pool
	// URL connects to this database.
	URL string
}

// New creates a database with a random name, applies the migrations and registers its removal
// with t.Cleanup. maxConns bounds the pool (0 means 8).
func New(tb testing.TB, maxConns int32) *DB {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	dbURL, drop, err := postgres.CreateScratchDatabase(ctx, AdminURL(), "ilm_test_")
	if err != nil {
		tb.Fatalf("pgtest: %v (set TEST_DATABASE_URL, or run `make test`, which starts Postgres)", err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := drop(ctx); err != nil {
			tb.Errorf("pgtest: drop database: %v", err)
		}
	})
	if maxConns <= 0 {
		maxConns = 8
	}
	pool, err := postgres.Open(ctx, dbURL, postgres.Options{MaxConns: maxConns, ConnectTimeout: 10 * time.Second})
	if err != nil {
		tb.Fatalf("pgtest: %v", err)
	}
	tb.Cleanup(pool.Close)
	if _, err := schema.Migrate(ctx, pool, nil); err != nil {
		tb.Fatalf("pgtest: migrate: %v", err)
	}
	return &DB{Pool: pool, URL: dbURL}
}
