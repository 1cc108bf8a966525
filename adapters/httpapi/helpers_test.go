package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// pingerFunc is a Pinger made of a function: the test double of the one-method interface this
// package declares.
type pingerFunc func(ctx context.Context) error

func (f pingerFunc) Ping(ctx context.Context) error { return f(ctx) }

func healthyDB() Pinger { return pingerFunc(func(context.Context) error { return nil }) }

type projectionsFunc func(ctx context.Context) ([]ProjectionStatus, error)

func (f projectionsFunc) ProjectionStatus(ctx context.Context) ([]ProjectionStatus, error) {
	return f(ctx)
}

// logBuffer collects log output written from the server's goroutines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// lines returns the JSON log records written so far.
func (b *logBuffer) lines(t *testing.T) []map[string]any {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(b.buf.String()), "\n") {
		if line == "" {
			continue
		}
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line is not JSON: %q", line)
		}
		out = append(out, rec)
	}
	return out
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

type testServer struct {
	*Server
	logs     *logBuffer
	registry *prometheus.Registry
}

// newTestServer builds a server with a fresh registry and a JSON log buffer; edit adjusts the
// config and dependencies before New.
func newTestServer(t *testing.T, edit func(*Config, *Deps)) *testServer {
	t.Helper()
	logs := &logBuffer{}
	reg := prometheus.NewRegistry()
	cfg := Config{
		Addr:            "127.0.0.1:0",
		BodyLimit:       1 << 20,
		Version:         "1.2.3",
		Logger:          slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		ShutdownTimeout: 5 * time.Second,
	}
	deps := Deps{DB: healthyDB(), Metrics: reg, Registerer: reg}
	if edit != nil {
		edit(&cfg, &deps)
	}
	s, err := New(cfg, deps)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return &testServer{Server: s, logs: logs, registry: reg}
}

// do runs one request through the server in process.
func (s *testServer) do(req *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	s.Echo().ServeHTTP(rec, req)
	return rec
}

// serve runs the server on a real listener until the test ends and returns its base URL.
func (s *testServer) serve(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return "http://" + ln.Addr().String()
}

type wireError struct {
	Error struct {
		Code    string         `json:"code"`
		Message string         `json:"message"`
		Details map[string]any `json:"details"`
	} `json:"error"`
}

// decodeErrorBody checks that body is our error shape and returns it.
func decodeErrorBody(t *testing.T, contentType string, body []byte) wireError {
	t.Helper()
	if !strings.HasPrefix(contentType, "application/json") {
		t.Fatalf("error answer has Content-Type %q, want application/json; body %s", contentType, body)
	}
	var got wireError
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&got); err != nil {
		t.Fatalf("error answer is not {\"error\":{code,message,details}}: %v; body %s", err, body)
	}
	if got.Error.Code == "" || got.Error.Message == "" || got.Error.Details == nil {
		t.Fatalf("error answer lacks code, message or details: %s", body)
	}
	return got
}

func expectError(t *testing.T, rec *httptest.ResponseRecorder, status int, code string) wireError {
	t.Helper()
	if rec.Code != status {
		t.Fatalf("status = %d, want %d; body %s", rec.Code, status, rec.Body)
	}
	got := decodeErrorBody(t, rec.Header().Get("Content-Type"), rec.Body.Bytes())
	if got.Error.Code != code {
		t.Fatalf("code = %q, want %q; body %s", got.Error.Code, code, rec.Body)
	}
	return got
}

var errTestSentinel = errors.New("test sentinel")
