package httpapi

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
)

func TestNewRefusesMissingDependencies(t *testing.T) {
	reg := prometheus.NewRegistry()
	valid := func() (Config, Deps) {
		return Config{BodyLimit: 1024, Version: "1.0.0", Logger: slog.New(slog.DiscardHandler), ShutdownTimeout: time.Second},
			Deps{DB: healthyDB(), Metrics: reg, Registerer: reg}
	}
	tests := []struct {
		name string
		edit func(*Config, *Deps)
	}{
		{"nil logger", func(c *Config, _ *Deps) { c.Logger = nil }},
		{"zero body limit", func(c *Config, _ *Deps) { c.BodyLimit = 0 }},
		{"zero shutdown timeout", func(c *Config, _ *Deps) { c.ShutdownTimeout = 0 }},
		{"empty version", func(c *Config, _ *Deps) { c.Version = "" }},
		{"nil db", func(_ *Config, d *Deps) { d.DB = nil }},
		{"typed nil db", func(_ *Config, d *Deps) { d.DB = pingerFunc(nil) }},
		{"nil metrics", func(_ *Config, d *Deps) { d.Metrics = nil }},
		{"typed nil registry", func(_ *Config, d *Deps) { d.Registerer = (*prometheus.Registry)(nil) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, deps := valid()
			tt.edit(&cfg, &deps)
			if s, err := New(cfg, deps); err == nil {
				t.Fatalf("New accepted it: %v", s)
			}
		})
	}
	t.Run("nil projections are allowed", func(t *testing.T) {
		cfg, deps := valid()
		if _, err := New(cfg, deps); err != nil {
			t.Fatal(err)
		}
	})
}

func TestTwoServersShareOneRegistry(t *testing.T) {
	reg := prometheus.NewRegistry()
	newTestServer(t, func(_ *Config, d *Deps) { d.Registerer, d.Metrics = reg, reg })
	newTestServer(t, func(_ *Config, d *Deps) { d.Registerer, d.Metrics = reg, reg })
}

func TestUnknownRouteIsJSON404(t *testing.T) {
	s := newTestServer(t, nil)
	rec := s.do(httptest.NewRequest(http.MethodGet, "/api/nope", nil))
	got := expectError(t, rec, http.StatusNotFound, "not_found")
	if !strings.Contains(got.Error.Message, "/api/nope") {
		t.Errorf("message %q does not name the path", got.Error.Message)
	}
}

func TestWrongMethodIs405WithAllow(t *testing.T) {
	s := newTestServer(t, nil)
	rec := s.do(httptest.NewRequest(http.MethodDelete, "/api/health", nil))
	got := expectError(t, rec, http.StatusMethodNotAllowed, "method_not_allowed")
	if allow := rec.Header().Get("Allow"); !strings.Contains(allow, http.MethodGet) {
		t.Errorf("Allow = %q, want it to list GET", allow)
	}
	if _, ok := got.Error.Details["allow"]; !ok {
		t.Errorf("details lack allow: %v", got.Error.Details)
	}
}

func TestHeadErrorHasNoBody(t *testing.T) {
	s := newTestServer(t, nil)
	rec := s.do(httptest.NewRequest(http.MethodHead, "/api/nope", nil))
	if rec.Code != http.StatusNotFound || rec.Body.Len() != 0 {
		t.Fatalf("HEAD of unknown route: %d %q", rec.Code, rec.Body)
	}
}

func TestPanicIsA500WithoutLeaking(t *testing.T) {
	s := newTestServer(t, nil)
	s.API().GET("/boom", func(echo.Context) error { panic("secret: password=hunter2") })

	rec := s.do(httptest.NewRequest(http.MethodGet, "/api/boom", nil))
	got := expectError(t, rec, http.StatusInternalServerError, "internal")
	if strings.Contains(rec.Body.String(), "hunter2") {
		t.Fatalf("the answer leaks the panic: %s", rec.Body)
	}
	id := rec.Header().Get(HeaderRequestID)
	if got.Error.Details["requestId"] != id || id == "" {
		t.Errorf("details.requestId = %v, header %q", got.Error.Details["requestId"], id)
	}
	// The cause is in the logs, tied to the request id.
	var logged bool
	for _, line := range s.logs.lines(t) {
		if line["msg"] == "handler panicked" && line["request_id"] == id && strings.Contains(line["panic"].(string), "hunter2") {
			logged = true
		}
	}
	if !logged {
		t.Errorf("panic not logged with request id %s:\n%s", id, s.logs)
	}
}

func TestUnknownErrorIsA500WithoutLeaking(t *testing.T) {
	s := newTestServer(t, nil)
	s.API().GET("/fail", func(echo.Context) error {
		return errors.New(`select * from users: connection to "db.internal" refused`)
	})

	rec := s.do(httptest.NewRequest(http.MethodGet, "/api/fail", nil))
	expectError(t, rec, http.StatusInternalServerError, "internal")
	if strings.Contains(rec.Body.String(), "db.internal") {
		t.Fatalf("the answer leaks the error: %s", rec.Body)
	}
	if !strings.Contains(s.logs.String(), "db.internal") {
		t.Errorf("the cause is not logged:\n%s", s.logs)
	}
}

func TestRequestID(t *testing.T) {
	s := newTestServer(t, nil)
	var seen string
	s.API().GET("/id", func(c echo.Context) error {
		seen = RequestID(c.Request().Context())
		Logger(c.Request().Context()).Info("inside handler")
		return c.NoContent(http.StatusNoContent)
	})

	tests := []struct {
		name     string
		incoming string
		honoured bool
	}{
		{"none sent", "", false},
		{"sane one honoured", "req-2024.abc_DEF:42", true},
		{"uuid honoured", "0b7e2b0c-2f3e-4c3a-9d8e-3f1b2c4d5e6f", true},
		{"spaces replaced", "hello world", false},
		{"log injection replaced", "abc\"}\n{\"level\":\"ERROR\"", false},
		{"too long replaced", strings.Repeat("a", maxRequestIDLength+1), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, "/api/id", nil)
			if tt.incoming != "" {
				req.Header.Set(HeaderRequestID, tt.incoming)
			}
			rec := s.do(req)
			got := rec.Header().Get(HeaderRequestID)
			if tt.honoured && got != tt.incoming {
				t.Fatalf("X-Request-ID = %q, want the incoming %q", got, tt.incoming)
			}
			if !tt.honoured && (got == "" || got == tt.incoming) {
				t.Fatalf("X-Request-ID = %q, want a generated id", got)
			}
			if seen != got {
				t.Errorf("handler saw request id %q, response has %q", seen, got)
			}
			var inHandler, inAccessLog bool
			for _, line := range s.logs.lines(t) {
				if line["request_id"] != got {
					continue
				}
				inHandler = inHandler || line["msg"] == "inside handler"
				inAccessLog = inAccessLog || line["msg"] == "http request"
			}
			if !inHandler || !inAccessLog {
				t.Errorf("request id %s missing from handler log (%v) or access log (%v)", got, inHandler, inAccessLog)
			}
		})
	}
}

func TestAccessLog(t *testing.T) {
	s := newTestServer(t, nil)
	s.API().GET("/items/:id", func(c echo.Context) error { return c.String(http.StatusOK, "hello") })
	s.API().GET("/down", func(echo.Context) error { return ServiceUnavailable("ai_unavailable", "no AI configured") })

	s.do(httptest.NewRequest(http.MethodGet, "/api/items/42", nil))
	s.do(httptest.NewRequest(http.MethodGet, "/api/down", nil))

	var ok, down map[string]any
	for _, line := range s.logs.lines(t) {
		if line["msg"] != "http request" {
			continue
		}
		switch line["path"] {
		case "/api/items/42":
			ok = line
		case "/api/down":
			down = line
		}
	}
	if ok == nil || down == nil {
		t.Fatalf("access log lines missing:\n%s", s.logs)
	}
	want := map[string]any{"level": "INFO", "method": "GET", "route": "/api/items/:id", "status": 200.0, "bytes": 5.0, "remote_ip": "192.0.2.1"}
	for k, v := range want {
		if ok[k] != v {
			t.Errorf("access log %s = %v, want %v", k, ok[k], v)
		}
	}
	for _, k := range []string{"duration_ms", "request_id"} {
		if _, present := ok[k]; !present {
			t.Errorf("access log lacks %s: %v", k, ok)
		}
	}
	if down["level"] != "ERROR" || down["status"] != 503.0 {
		t.Errorf("a 5xx is logged as %v %v, want ERROR 503", down["level"], down["status"])
	}
}

func TestGracefulShutdownFinishesInFlightRequests(t *testing.T) {
	s := newTestServer(t, nil)
	started := make(chan struct{})
	s.API().GET("/slow", func(c echo.Context) error {
		close(started)
		// Hold the request until shutdown has begun, so the test proves it waits for us.
		select {
		case <-s.ShuttingDown():
		case <-time.After(10 * time.Second):
			return errors.New("shutdown never began")
		}
		time.Sleep(100 * time.Millisecond)
		return c.String(http.StatusOK, "done")
	})

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + ln.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	served := make(chan error, 1)
	go func() { served <- s.Serve(ctx, ln) }()

	type result struct {
		status int
		body   string
		err    error
	}
	answered := make(chan result, 1)
	go func() {
		resp, err := http.Get(url + "/api/slow")
		if err != nil {
			answered <- result{err: err}
			return
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		answered <- result{resp.StatusCode, string(body), err}
	}()

	<-started
	cancel()

	r := <-answered
	if r.err != nil || r.status != http.StatusOK || r.body != "done" {
		t.Fatalf("in-flight request: status %d body %q err %v", r.status, r.body, r.err)
	}
	select {
	case err := <-served:
		if err != nil {
			t.Fatalf("Serve returned %v after a clean shutdown", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not return after shutdown")
	}
	if _, err := http.Get(url + "/api/health"); err == nil {
		t.Error("the server still accepts connections after shutdown")
	}
	if !strings.Contains(s.logs.String(), `"url":"`+url+`"`) {
		t.Errorf("the served URL is not logged:\n%s", s.logs)
	}
}

func TestShutdownTimeoutIsAnError(t *testing.T) {
	s := newTestServer(t, func(c *Config, _ *Deps) { c.ShutdownTimeout = 50 * time.Millisecond })
	started, release := make(chan struct{}), make(chan struct{})
	defer close(release)
	s.API().GET("/stuck", func(c echo.Context) error {
		close(started)
		<-release
		return nil
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- s.Serve(ctx, ln) }()
	go func() {
		if resp, err := http.Get("http://" + ln.Addr().String() + "/api/stuck"); err == nil {
			resp.Body.Close()
		}
	}()
	<-started
	cancel()
	if err := <-served; !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Serve = %v, want a deadline error", err)
	}
}

func TestListenAndServe(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()

	t.Run("address in use", func(t *testing.T) {
		s := newTestServer(t, func(c *Config, _ *Deps) { c.Addr = busy.Addr().String() })
		if err := s.ListenAndServe(context.Background()); err == nil {
			t.Fatal("ListenAndServe on a busy port returned nil")
		}
	})
	t.Run("serves until cancelled", func(t *testing.T) {
		s := newTestServer(t, nil)
		ctx, cancel := context.WithCancel(context.Background())
		served := make(chan error, 1)
		go func() { served <- s.ListenAndServe(ctx) }()
		time.Sleep(50 * time.Millisecond)
		cancel()
		if err := <-served; err != nil {
			t.Fatalf("ListenAndServe = %v", err)
		}
	})
}
