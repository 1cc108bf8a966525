package postgres_test

import (
	"context"
	"errors"
	"net/url"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/interviewlm/interviewlm/adapters/postgres"
	"github.com/interviewlm/interviewlm/adapters/postgres/pgtest"
)

// A server that answers "no such database" is not waited for: the caller creates the database
// at once (interviewlm serve on a fresh server) instead of after the connect timeout.
func TestOpenReturnsTheServersRefusalAtOnce(t *testing.T) {
	t.Parallel()
	u, err := url.Parse(pgtest.AdminURL())
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/ilm_missing_" + uuid.NewString()[:8]
	// Were the refusal retried, Open would give up with the context's error, not the server's.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	_, err = postgres.Open(ctx, u.String(), postgres.Options{ConnectTimeout: time.Hour})
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "3D000" {
		t.Fatalf("Open of a missing database: %v, want the server's 3D000", err)
	}
	if err := postgres.EnsureDatabase(ctx, u.String()); err != nil {
		t.Fatal(err)
	}
	pool, err := postgres.Open(ctx, u.String(), postgres.Options{})
	if err != nil {
		t.Fatalf("Open after EnsureDatabase: %v", err)
	}
	pool.Close()
	admin, err := postgres.Open(ctx, pgtest.AdminURL(), postgres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.Exec(ctx, `DROP DATABASE `+u.Path[1:]); err != nil {
		t.Fatal(err)
	}
}
