package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/labstack/echo/v4"
)

// defaultTestDatabaseURL matches the project's test convention (TEST_DATABASE_URL overrides it).
const defaultTestDatabaseURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

type healthBody struct {
	Status      string                      `json:"status"`
	Timestamp   string                      `json:"timestamp"`
	Database    string                      `json:"database"`
	Version     string                      `json:"version"`
	Projections map[string]projectionHealth `json:"projections"`
	Error       *struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

func getHealth(t *testing.T, s *testServer) (int, healthBody) {
	t.Helper()
	rec := s.do(httptest.NewRequest(http.MethodGet, "/api/health", nil))
	var body healthBody
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatalf("health body: %v; %s", err, rec.Body)
	}
	if ts, err := time.Parse(time.RFC3339, body.Timestamp); err != nil || !strings.HasSuffix(body.Timestamp, "Z") || time.Since(ts) > time.Minute {
		t.Errorf("timestamp %q is not a current RFC 3339 UTC time", body.Timestamp)
	}
	if body.Version != "1.2.3" {
		t.Errorf("version = %q", body.Version)
	}
	return rec.Code, body
}

func TestHealthHealthy(t *testing.T) {
	s := newTestServer(t, func(_ *Config, d *Deps) {
		d.Projections = projectionsFunc(func(context.Context) ([]ProjectionStatus, error) {
			return []ProjectionStatus{{Name: "questions", Checkpoint: 120, Lag: 3}, {Name: "scoring", Checkpoint: 123}}, nil
		})
	})
	status, body := getHealth(t, s)
	if status != http.StatusOK || body.Status != "healthy" || body.Database != "connected" || body.Error != nil {
		t.Fatalf("health = %d %+v", status, body)
	}
	want := map[string]projectionHealth{"questions": {Checkpoint: 120, Lag: 3}, "scoring": {Checkpoint: 123}}
	if fmt.Sprint(body.Projections) != fmt.Sprint(want) {
		t.Errorf("projections = %v, want %v", body.Projections, want)
	}
}

func TestHealthWithoutProjections(t *testing.T) {
	s := newTestServer(t, nil)
	rec := s.do(httptest.NewRequest(http.MethodGet, "/api/health", nil))
	if rec.Code != http.StatusOK || strings.Contains(rec.Body.String(), "projections") {
		t.Fatalf("health without projections = %d %s", rec.Code, rec.Body)
	}
}

func TestHealthProjectionFailureIsStillHealthy(t *testing.T) {
	s := newTestServer(t, func(_ *Config, d *Deps) {
		d.Projections = projectionsFunc(func(context.Context) ([]ProjectionStatus, error) {
			return nil, errors.New("relation projection_checkpoints does not exist")
		})
	})
	status, body := getHealth(t, s)
	if status != http.StatusOK || body.Projections != nil {
		t.Fatalf("health = %d %+v", status, body)
	}
}

func TestHealthUnhealthy(t *testing.T) {
	s := newTestServer(t, func(_ *Config, d *Deps) {
		d.DB = pingerFunc(func(context.Context) error { return errors.New("dial tcp 10.1.2.3:5432: connection refused") })
	})
	status, body := getHealth(t, s)
	if status != http.StatusServiceUnavailable || body.Status != "unhealthy" || body.Database != "disconnected" {
		t.Fatalf("health = %d %+v", status, body)
	}
	if body.Error == nil || body.Error.Code != "database_unavailable" || strings.Contains(body.Error.Message, "10.1.2.3") {
		t.Errorf("error = %+v, want database_unavailable without the cause", body.Error)
	}
}

func TestHealthPingIsBounded(t *testing.T) {
	s := newTestServer(t, func(_ *Config, d *Deps) {
		d.DB = pingerFunc(func(ctx context.Context) error {
			deadline, ok := ctx.Deadline()
			if !ok || time.Until(deadline) > healthTimeout {
				return fmt.Errorf("ping without a %s deadline", healthTimeout)
			}
			return nil
		})
	})
	if status, body := getHealth(t, s); status != http.StatusOK {
		t.Fatalf("health = %d %+v", status, body)
	}
}

func TestHealthWithPostgres(t *testing.T) {
	dbURL := os.Getenv("TEST_DATABASE_URL")
	if dbURL == "" {
		dbURL = defaultTestDatabaseURL
	}
	ctx := context.Background()

	t.Run("reachable", func(t *testing.T) {
		pool, err := pgxpool.New(ctx, dbURL)
		if err != nil {
			t.Fatal(err)
		}
		defer pool.Close()
		s := newTestServer(t, func(_ *Config, d *Deps) { d.DB = pool })
		status, body := getHealth(t, s)
		if status != http.StatusOK || body.Status != "healthy" || body.Database != "connected" {
			t.Fatalf("health against %s = %d %+v (set TEST_DATABASE_URL, or run `make test` which starts Postgres)", dbURL, status, body)
		}
	})

	t.Run("unreachable", func(t *testing.T) {
		// A port that was just free: nothing listens there, so connecting is refused.
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := ln.Addr().(*net.TCPAddr).Port
		ln.Close()
		pool, err := pgxpool.New(ctx, fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable&connect_timeout=1", port))
		if err != nil {
			t.Fatal(err)
		}
		defer pool.Close()
		s := newTestServer(t, func(_ *Config, d *Deps) { d.DB = pool })
		status, body := getHealth(t, s)
		if status != http.StatusServiceUnavailable || body.Status != "unhealthy" || body.Database != "disconnected" {
			t.Fatalf("health = %d %+v", status, body)
		}
	})
}

func TestMetricsUseRoutePatterns(t *testing.T) {
	s := newTestServer(t, nil)
	s.API().GET("/interview/:id/events", func(c echo.Context) error { return c.NoContent(http.StatusNoContent) })
	url := s.serve(t)

	for _, path := range []string{"/api/interview/a1/events", "/api/interview/b2/events", "/api/interview/c3/events", "/api/no/such/route", "/api/other-missing"} {
		resp, err := http.Get(url + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	req, _ := http.NewRequest("BREW", url+"/api/health", nil)
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
	}

	resp, err := http.Get(url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	text := string(raw)
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
		t.Fatalf("/metrics = %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	for _, want := range []string{
		`http_requests_total{method="GET",route="/api/interview/:id/events",status="204"} 3`,
		`http_requests_total{method="GET",route="unmatched",status="404"} 2`,
		`http_requests_total{method="OTHER",route="/api/health",status="405"} 1`,
		`http_request_duration_seconds_count{method="GET",route="/api/interview/:id/events"} 3`,
		`http_request_duration_seconds_bucket{method="GET",route="/api/interview/:id/events",le="+Inf"} 3`,
		// The scrape itself is in flight while the gauge is read.
		`http_requests_in_flight 1`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if regexp.MustCompile(`route="/api/interview/[abc]\d/events"`).MatchString(text) || strings.Contains(text, "/api/no/such/route") {
		t.Errorf("/metrics labels raw paths:\n%s", text)
	}
}
