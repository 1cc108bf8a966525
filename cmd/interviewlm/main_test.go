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

	"github.com/interviewlm/interviewlm/adapters/blobstore"
	"github.com/interviewlm/interviewlm/adapters/directory"
	"github.com/interviewlm/interviewlm/adapters/eventstore"
	"github.com/interviewlm/interviewlm/adapters/postgres/pgtest"
	"github.com/interviewlm/interviewlm/commands"
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
		"SHUTDOWN_TIMEOUT": "5s", "DB_MAX_CONNS": "8", "WORKSPACE_DIR": workspaces(t), "ARCHIVE_DIR": t.TempDir(),
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
	if !regexp.MustCompile(`session_stats\s+v3\s+\d+\s+3\s+0\s`).MatchString(out.String()) {
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
		if err := db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = $1
			AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`, 0x1E6).Scan(&leaders); err != nil {
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
		OAuth: map[string]oauthConfig{"github": {}, "google": {}}, LLMPrices: domain.Prices{},
		ArchiveDriver: "local", ArchiveDir: "data/archives", S3: blobstore.S3Config{Bucket: "interviewlm-sessions", Region: "us-east-1"},
		PublicURL: "http://localhost:8080", AutoSubmitInterval: 15 * time.Second}
	if fmt.Sprintf("%+v", c) != fmt.Sprintf("%+v", want) {
		t.Errorf("defaults:\n got %+v\nwant %+v", c, want)
	}
	c, err = loadConfig(envOf(map[string]string{"TRUST_PROXY": "true", "DEBUG_ADDR": "127.0.0.1:6060"}))
	if err != nil || !c.TrustProxy || c.DebugAddr != "127.0.0.1:6060" {
		t.Errorf("TRUST_PROXY/DEBUG_ADDR not read: %+v, %v", c, err)
	}
	c, err = loadConfig(envOf(map[string]string{"LLM_PRICES": "gpt-4o=2.5/10, default=1/2", "PUBLIC_URL": "https://api.example.com/"}))
	if err != nil || c.LLMPrices.Of("gpt-4o") != (domain.ModelPrice{InputPerMillion: 2.5, OutputPerMillion: 10}) ||
		c.LLMPrices.Of("other") != (domain.ModelPrice{InputPerMillion: 1, OutputPerMillion: 2}) || c.PublicURL != "https://api.example.com" {
		t.Errorf("LLM_PRICES, PUBLIC_URL: %+v, %v", c, err)
	}
	for _, bad := range []map[string]string{{"LLM_PRICES": "gpt-4o=2.5"}, {"LLM_PRICES": "=1/2"}, {"LLM_PRICES": "m=-1/2"},
		{"ARCHIVE_DRIVER": "ftp"}, {"ARCHIVE_URL_SECRET": "short"}, {"AUTO_SUBMIT_INTERVAL": "0s"}} {
		if _, err := loadConfig(envOf(bad)); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
	for in, want := range map[string]int64{"4MiB": 4 << 20, "512KiB": 512 << 10, "2MB": 2_000_000, "1048576": 1 << 20, "10 kib": 10 << 10} {
		c, err := loadConfig(envOf(map[string]string{"HTTP_BODY_LIMIT": in}))
		if err != nil || c.HTTPBodyLimit != want {
			t.Errorf("HTTP_BODY_LIMIT=%s: %d, %v; want %d", in, c.HTTPBodyLimit, err, want)
		}
	}
}

// TestArchiveAndImportCommands archives a submitted interview with `interviewlm archive`,
// then loads the archive into another deployment with `interviewlm import`.
func TestArchiveAndImportCommands(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	source, target := pgtest.New(t, 4), pgtest.New(t, 4)
	archives := t.TempDir()
	env := func(db *pgtest.DB) func(string) string {
		return envOf(map[string]string{"DATABASE_URL": db.URL, "LOG_LEVEL": "warn", "ARCHIVE_DIR": archives,
			"ARCHIVE_URL_SECRET": strings.Repeat("s", 32)})
	}
	// A submitted interview in the source deployment.
	org, owner, assessment, candidate := uuid.New(), uuid.New(), uuid.New(), uuid.New()
	for _, db := range []*pgtest.DB{source, target} {
		if _, err := db.Pool.Exec(ctx, `INSERT INTO users (id, email, name) VALUES ($1, $2, 'Owner')`, owner, owner.String()+"@example.com"); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Pool.Exec(ctx, `INSERT INTO organizations (id, name, slug, plan, created_by) VALUES ($1, 'Org', $2, 'FREE', $3)`, org, org.String(), owner); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Pool.Exec(ctx, `INSERT INTO organization_members (organization_id, user_id, role) VALUES ($1, $2, 'OWNER')`, org, owner); err != nil {
			t.Fatal(err)
		}
	}
	dir, err := directory.New(source.Pool)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dir.CreateAssessment(ctx, domain.Assessment{ID: assessment, OrganizationID: org, Title: "T", Seniority: domain.SeniorityMid,
		DurationMinutes: 60, Language: "python", QuestionCount: 1, ProblemIDs: []string{}, Status: domain.AssessmentPublished, CreatedBy: owner}); err != nil {
		t.Fatal(err)
	}
	if _, err := source.Pool.Exec(ctx, `INSERT INTO candidates (id, organization_id, assessment_id, name, email, invite_hash, invite_expires_at, invited_by)
		VALUES ($1, $2, $3, 'Cand', 'cand@example.com', $4, now() + interval '1 day', $5)`, candidate, org, assessment, []byte(candidate.String()), owner); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	interview := domain.Interview{ID: uuid.New(), CandidateID: candidate, OrganizationID: org, AssessmentID: assessment,
		StartedAt: now, Deadline: now.Add(time.Hour)}
	if _, err := source.Pool.Exec(ctx, `INSERT INTO interviews (id, candidate_id, organization_id, assessment_id, started_at, deadline)
		VALUES ($1, $2, $3, $4, $5, $6)`, interview.ID, candidate, org, assessment, now, interview.Deadline); err != nil {
		t.Fatal(err)
	}
	var events []domain.NewEvent
	for _, data := range []domain.Event{
		&domain.InterviewStarted{CandidateID: candidate, AssessmentID: assessment, OrganizationID: org, CandidateName: "Cand",
			CandidateEmail: "cand@example.com", TimeLimitMinutes: 60, Deadline: interview.Deadline, Settings: domain.AssessmentSettings{Language: "python"}},
		&domain.FileCreated{FileID: "main.py", FileName: "main.py", Content: "print('hi')\n"},
	} {
		e, err := domain.NewEventFrom(uuid.New(), data, domain.Metadata{Actor: domain.Actor{Kind: domain.ActorCandidate}}, now)
		if err != nil {
			t.Fatal(err)
		}
		events = append(events, e)
	}
	submitted, err := domain.NewEventFrom(uuid.New(), &domain.InterviewSubmitted{FinalFiles: map[string]string{"main.py": "print('hi')\n"}},
		domain.Metadata{Actor: domain.Actor{Kind: domain.ActorCandidate}}, now)
	if err != nil {
		t.Fatal(err)
	}
	store, err := eventstore.New(source.Pool, eventstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.Append(ctx, interview.ID, eventstore.NoStream, append(events, submitted)...); err != nil {
		t.Fatal(err)
	}
	if _, err := source.Pool.Exec(ctx, `UPDATE interviews SET submitted_at = $2 WHERE id = $1`, interview.ID, now); err != nil {
		t.Fatal(err)
	}

	var out, errOut syncBuffer
	if err := run(ctx, []string{"archive"}, env(source), &out, &errOut); err != nil {
		t.Fatalf("archive: %v (%s)", err, errOut.String())
	}
	if !strings.Contains(out.String(), "archived 1 interviews (0 failed)") {
		t.Errorf("archive printed %q", out.String())
	}
	key := commands.ArchiveKey(interview.ID, now, "events.json.gz")
	file := filepath.Join(archives, filepath.FromSlash(key))
	if _, err := os.Stat(file); err != nil {
		t.Fatalf("no archive at %s: %v", key, err)
	}

	if err := run(ctx, []string{"import", "--org", org.String(), file}, env(target), &out, &errOut); err != nil {
		t.Fatalf("import: %v", err)
	}
	if !strings.Contains(out.String(), "imported interview "+interview.ID.String()+" (3 events, submitted") {
		t.Errorf("import printed %q", out.String())
	}
	var n int
	if err := target.Pool.QueryRow(ctx, `SELECT count(*) FROM events WHERE stream_id = $1`, interview.ID).Scan(&n); err != nil || n != 3 {
		t.Errorf("imported %d events, %v", n, err)
	}
	if err := run(ctx, []string{"import", "--org", org.String(), file}, env(target), &out, &errOut); err == nil {
		t.Error("a second import succeeded")
	}
	if err := run(ctx, []string{"import", file}, env(target), &out, &errOut); err == nil || !strings.Contains(err.Error(), "usage") {
		t.Errorf("import without --org: %v", err)
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
