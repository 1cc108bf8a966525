// Package pgtest gives each test its own throwaway PostgreSQL database, migrated to the latest
// schema and dropped when the test ends, so test packages can run in parallel.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/interviewlm/interviewlm/schema"
)

// DefaultAdminURL is used when TEST_DATABASE_URL is not set.
const DefaultAdminURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

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

	adminURL := os.Getenv("TEST_DATABASE_URL")
	if adminURL == "" {
		adminURL = DefaultAdminURL
	}
	admin, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		tb.Fatalf("pgtest: connect to %s (set TEST_DATABASE_URL, or run `make test` which starts Postgres): %v", adminURL, err)
	}
	defer admin.Close(context.Background())

	name := "ilm_test_" + randomSuffix()
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		tb.Fatalf("pgtest: create database: %v", err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		conn, err := pgx.Connect(ctx, adminURL)
		if err != nil {
			tb.Errorf("pgtest: drop %s: %v", name, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			tb.Errorf("pgtest: drop %s: %v", name, err)
		}
	})

	u, err := url.Parse(adminURL)
	if err != nil || u.Scheme == "" {
		tb.Fatalf("pgtest: TEST_DATABASE_URL must be a postgres:// URL, got %q", adminURL)
	}
	u.Path = "/" + name
	dbURL := u.String()
	cfg, err := pgxpool.ParseConfig(dbURL)
	if err != nil {
		tb.Fatalf("pgtest: %v", err)
	}
	if maxConns <= 0 {
		maxConns = 8
	}
	cfg.MaxConns = maxConns
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		tb.Fatalf("pgtest: pool: %v", err)
	}
	tb.Cleanup(pool.Close)
	if _, err := schema.Migrate(ctx, pool, nil); err != nil {
		tb.Fatalf("pgtest: migrate: %v", err)
	}
	return &DB{Pool: pool, URL: dbURL}
}

func randomSuffix() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
