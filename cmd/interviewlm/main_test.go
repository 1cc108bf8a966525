package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/interviewlm/interviewlm/adapters/eventstore"
	"github.com/interviewlm/interviewlm/adapters/postgres/pgtest"
	"github.com/interviewlm/interviewlm/domain"
)

func envOf(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

// syncBuffer is a bytes.Buffer safe to write from the command and read from the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestServeRunsTheAPIAndWorkersThenStopsCleanly(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t, 4)
	env := envOf(map[string]string{
		"DATABASE_URL": db.URL, "HTTP_ADDR": "127.0.0.1:0", "LOG_LEVEL": "warn", "LOG_FORMAT": "json",
		"SHUTDOWN_TIMEOUT": "5s", "DB_MAX_CONNS": "8", "WORKSPACE_DIR": workspaces(t),
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	outR, outW := io.Pipe()
	var stderr syncBuffer
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"serve"}, env, outW, &stderr); outW.Close() }()

	line, err := bufio.NewReader(outR).ReadString('\n')
	if err != nil {
		t.Fatalf("serve printed no URL: %v (stderr: %s)", err, stderr.String())
	}
	go func() { _, _ = io.Copy(io.Discard, outR) }()
	url := regexp.MustCompile(`http://\S+?:\d+`).FindString(line)
	if url == "" {
		t.Fatalf("no URL in %q", line)
	}

	// Events appended to the log reach the session_stats projection, and health reports it.
	store, err := eventstore.New(db.Pool, eventstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, err := store.Append(ctx, uuid.New(), eventstore.NoStream, domain.NewEvent{
			ID: uuid.New(), Type: "focus_change", SchemaVersion: 1, Data: json.RawMessage(`{"focused":false}`),
		}); err != nil {
			t.Fatal(err)
		}
	}
	var health struct {
		Status, Database, Version string
		Projections               map[string]struct{ Checkpoint, Lag int64 }
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		getJSON(t, url+"/api/health", http.StatusOK, &health)
		p, ok := health.Projections["session_stats"]
		if ok && p.Lag == 0 && p.Checkpoint > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("session_stats never caught up: %+v", health)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if health.Status != "healthy" || health.Database != "connected" || health.Version != version {
		t.Fatalf("health = %+v", health)
	}

	metrics := get(t, url+"/metrics", http.StatusOK)
	for _, want := range []string{"eventstore_appended_events_total 0", `projection_events_applied_total{projection="session_stats",rebuild="false"} 3`, "http_requests_total", "go_goroutines", `projection_lag_events{projection="session_stats"} 0`} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}

	// The operator's commands work against the same database while serve runs.
	var out, errOut syncBuffer
	if err := run(ctx, []string{"projections"}, env, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`session_stats\s+v2\s+\d+\s+3\s+0\s`).MatchString(out.String()) {
		t.Errorf("projections printed:\n%s", out.String())
	}
	if err := run(ctx, []string{"rebuild", "session_stats"}, env, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(errOut.String(), "rebuilt session_stats: 3 events") {
		t.Errorf("rebuild printed:\n%s", errOut.String())
	}
	if err := run(ctx, []string{"rebuild", "nope"}, env, &out, &errOut); err == nil || !strings.Contains(err.Error(), `no projection named "nope"`) {
		t.Errorf("rebuild of an unknown projection: err = %v", err)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve returned %v after SIGTERM-like cancel", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not stop")
	}
	// Workers released their leadership: a new worker can lead at once. A closed connection's
	// backend takes a moment to exit, so give it one.
	var leaders int
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if err := db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = $1`, 0x1E6).Scan(&leaders); err != nil {
			t.Fatal(err)
		}
		if leaders == 0 || time.Now().After(deadline) {
			break
		}
	}
	if leaders != 0 {
		t.Errorf("%d leadership locks still held after shutdown", leaders)
	}
}

func get(t *testing.T, url string, status int) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != status {
		t.Fatalf("GET %s = %d %s", url, resp.StatusCode, body)
	}
	return string(body)
}

func getJSON(t *testing.T, url string, status int, into any) {
	t.Helper()
	if err := json.Unmarshal([]byte(get(t, url, status)), into); err != nil {
		t.Fatal(err)
	}
}

func TestCommandsAndConfiguration(t *testing.T) {
	t.Parallel()
	var out, errOut syncBuffer
	if err := run(context.Background(), []string{"version"}, envOf(nil), &out, &errOut); err != nil || !strings.Contains(out.String(), "interviewlm "+version) {
		t.Errorf("version: %v %q", err, out.String())
	}
	if err := run(context.Background(), nil, envOf(nil), &out, &errOut); err != nil || !strings.Contains(out.String(), "rebuild [name...]") {
		t.Errorf("usage: %v", err)
	}
	if err := run(context.Background(), []string{"frobnicate"}, envOf(nil), &out, &errOut); err == nil {
		t.Error("unknown command accepted")
	}
	err := run(context.Background(), []string{"serve"}, envOf(map[string]string{
		"LOG_LEVEL": "loud", "DB_MAX_CONNS": "zero", "HTTP_BODY_LIMIT": "-1", "SHUTDOWN_TIMEOUT": "soon",
	}), &out, &errOut)
	for _, want := range []string{"LOG_LEVEL", "DB_MAX_CONNS", "HTTP_BODY_LIMIT", "SHUTDOWN_TIMEOUT"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("bad %s not reported: %v", want, err)
		}
	}
}

func TestConfigDefaultsAndSizes(t *testing.T) {
	t.Parallel()
	c, err := loadConfig(envOf(nil))
	if err != nil {
		t.Fatal(err)
	}
	want := config{DatabaseURL: defaultDatabaseURL, HTTPAddr: ":8080", LogFormat: "text", DBMaxConns: 20,
		HTTPBodyLimit: 4 << 20, ShutdownTimeout: 30 * time.Second, MigrateOnStart: true, ServeProjections: true, ProjectionBatchSize: 2000,
		AppBaseURL: "http://localhost:8080", InviteTTL: 7 * 24 * time.Hour, SessionTTL: 30 * 24 * time.Hour,
		SandboxDriver: "local", WorkspaceDir: "data/workspaces", LLMModel: "gpt-4o-mini", LLMTimeout: 60 * time.Second,
		OAuth: map[string]oauthConfig{"github": {}, "google": {}}}
	if fmt.Sprintf("%+v", c) != fmt.Sprintf("%+v", want) {
		t.Errorf("defaults:\n got %+v\nwant %+v", c, want)
	}
	c, err = loadConfig(envOf(map[string]string{"TRUST_PROXY": "true", "DEBUG_ADDR": "127.0.0.1:6060"}))
	if err != nil || !c.TrustProxy || c.DebugAddr != "127.0.0.1:6060" {
		t.Errorf("TRUST_PROXY/DEBUG_ADDR not read: %+v, %v", c, err)
	}
	for in, want := range map[string]int64{"4MiB": 4 << 20, "512KiB": 512 << 10, "2MB": 2_000_000, "1048576": 1 << 20, "10 kib": 10 << 10} {
		c, err := loadConfig(envOf(map[string]string{"HTTP_BODY_LIMIT": in}))
		if err != nil || c.HTTPBodyLimit != want {
			t.Errorf("HTTP_BODY_LIMIT=%s: %d, %v; want %d", in, c.HTTPBodyLimit, err, want)
		}
	}
}

// workspaces is a workspace root the sandbox's user can reach (t.TempDir makes private dirs).
func workspaces(t *testing.T) string {
	root := t.TempDir()
	for _, dir := range []string{root, filepath.Dir(root)} {
		if err := os.Chmod(dir, 0o711); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(root, "workspaces")
}
