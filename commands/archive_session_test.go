package commands_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/interviewlm/interviewlm/adapters/blobstore"
	"github.com/interviewlm/interviewlm/adapters/directory"
	"github.com/interviewlm/interviewlm/adapters/eventstore"
	"github.com/interviewlm/interviewlm/adapters/postgres/pgtest"
	"github.com/interviewlm/interviewlm/commands"
	"github.com/interviewlm/interviewlm/domain"
)

// ---------------------------------------------------------------------------------------------
// Fixtures: deployments, blob stores and a realistic interview.

var archiveSecret = []byte("archive-test-secret-0123456789abcdef-0123456789")

// deployment is one installation of the service: its own database, event store and directory,
// with an organization and its owner.
type deployment struct {
	pool   *pgxpool.Pool
	events *eventstore.Store
	dir    *directory.Store
	org    uuid.UUID
	owner  uuid.UUID
}

func newDeployment(t *testing.T, name string) *deployment {
	t.Helper()
	ctx := context.Background()
	db := pgtest.New(t, 8)
	events, err := eventstore.New(db.Pool, eventstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	dir, err := directory.New(db.Pool)
	if err != nil {
		t.Fatal(err)
	}
	d := &deployment{pool: db.Pool, events: events, dir: dir, org: uuid.New(), owner: uuid.New()}
	if _, err := db.Pool.Exec(ctx, `INSERT INTO users (id, name, email, email_verified) VALUES ($1, $2, $3, true)`,
		d.owner, "Owner of "+name, d.owner.String()+"@"+name+".example.com"); err != nil {
		t.Fatal(err)
	}
	if _, err := dir.CreateOrganization(ctx, directory.Organization{ID: d.org, Name: "Org " + name,
		Slug: "org-" + name + "-" + d.org.String()[:8], Plan: domain.PlanGrowth}, d.owner); err != nil {
		t.Fatal(err)
	}
	return d
}

// stream reads every event of the interview.
func (d *deployment) stream(t *testing.T, id uuid.UUID) []domain.RecordedEvent {
	t.Helper()
	var all []domain.RecordedEvent
	for after := int64(0); ; {
		page, err := d.events.ReadStream(context.Background(), id, after, 4000)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, page...)
		if len(page) < 4000 {
			return all
		}
		after = page[len(page)-1].Version
	}
}

// appendAll appends events to a new stream in batches, each with the version it expects.
func (d *deployment) appendAll(t *testing.T, id uuid.UUID, events []domain.NewEvent, batch int) {
	t.Helper()
	version := eventstore.NoStream
	for len(events) > 0 {
		n := min(batch, len(events))
		res, err := d.events.Append(context.Background(), id, version, events[:n]...)
		if err != nil {
			t.Fatalf("append at version %d: %v", version, err)
		}
		if res.Appended != n {
			t.Fatalf("appended %d of %d events", res.Appended, n)
		}
		version = res.Version
		events = events[n:]
	}
}

// rowCounts counts the rows an import writes, to show that a refused one writes none.
func (d *deployment) rowCounts(t *testing.T) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	for _, table := range []string{"assessments", "candidates", "interviews", "candidate_tokens", "events"} {
		var n int64
		if err := d.pool.QueryRow(context.Background(), `SELECT count(*) FROM `+table).Scan(&n); err != nil {
			t.Fatal(err)
		}
		out[table] = n
	}
	return out
}

// countingStore counts the Puts that reach the store, to prove an archive run wrote nothing.
type countingStore struct {
	blobstore.Store
	puts atomic.Int64
}

func (c *countingStore) Put(ctx context.Context, key string, body io.Reader, size int64, contentType string) error {
	c.puts.Add(1)
	return c.Store.Put(ctx, key, body, size, contentType)
}

func newLocalStore(t *testing.T) (*blobstore.Local, *httptest.Server) {
	t.Helper()
	mux := http.NewServeMux()
	ts := httptest.NewServer(mux)
	t.Cleanup(ts.Close)
	l, err := blobstore.NewLocal(t.TempDir(), archiveSecret, ts.URL+"/files/")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })
	mux.Handle("/files/", http.StripPrefix("/files", l))
	return l, ts
}

// newS3Store serves gofakes3 over real HTTP, path-style with static credentials, with its
// bucket created first.
func newS3Store(t *testing.T, bucket string) *blobstore.S3 {
	t.Helper()
	backend := s3mem.New()
	faker := gofakes3.New(backend, gofakes3.WithLogger(gofakes3.DiscardLog()))
	ts := httptest.NewServer(faker.Server())
	t.Cleanup(ts.Close)
	if err := backend.CreateBucket(bucket); err != nil {
		t.Fatal(err)
	}
	s, err := blobstore.NewS3(context.Background(), blobstore.S3Config{
		Bucket: bucket, Region: "us-east-1", Endpoint: ts.URL, UsePathStyle: true,
		AccessKeyID: "test-access-key", SecretAccessKey: "test-secret-key",
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func fixedClock(at time.Time) commands.Clock { return func() time.Time { return at } }

// interview describes the interview a test records.
type interview struct {
	id, candidate, assessment, org uuid.UUID
	start                          time.Time
}

func newInterview(org uuid.UUID, start time.Time) interview {
	return interview{id: uuid.New(), candidate: uuid.New(), assessment: uuid.New(), org: org, start: start}
}

func mustEvent(t testing.TB, e domain.Event, md domain.Metadata, at time.Time) domain.NewEvent {
	t.Helper()
	ne, err := domain.NewEventFrom(uuid.New(), e, md, at)
	if err != nil {
		t.Fatal(err)
	}
	return ne
}

// Texts a candidate types: emoji (outside the BMP, and a ZWJ sequence), CRLF, tabs, accents,
// CJK, characters encoding/json escapes (<, >, &, U+2028) and quotes.
var typed = []string{
	"f", "u", "n", "c", " ", "main", "(", ")", " {", "\r\n", "\t", "fmt.Println(\"héllo 🚀\")",
	"\r\n", "// 日本語のコメント 🧑‍💻", "\r\n\t", "if a < b && b > c {", "\u2028", "}", "\\n", "'\"'", "é",
}

// recordInterview builds a realistic stream: the start with its settings, a question, about
// keystrokes keystroke and cursor events, a paste and a copy, two code snapshots, a test run,
// an AI turn, a terminal command, and the submission.
func recordInterview(t testing.TB, iv interview, keystrokes int) []domain.NewEvent {
	t.Helper()
	at := iv.start
	tick := func() time.Time {
		at = at.Add(217*time.Millisecond + 3*time.Microsecond)
		return at
	}
	system := domain.Metadata{Actor: domain.Actor{Kind: domain.ActorSystem, ID: "interviewlm"},
		OrganizationID: iv.org.String(), CorrelationID: "req-start-1"}
	client := func(i int, checkpoint bool) domain.Metadata {
		ct := at.Add(-40 * time.Millisecond).In(time.FixedZone("IST", 5*3600+1800))
		return domain.Metadata{Actor: domain.Actor{Kind: domain.ActorCandidate, ID: iv.candidate.String()},
			OrganizationID: iv.org.String(), CorrelationID: fmt.Sprintf("batch-%d", i/20), CausationID: "req-" + strconv.Itoa(i),
			ClientTime: &ct, FileID: "file-main", Checkpoint: checkpoint}
	}
	scoring := domain.DefaultScoringConfig()
	question := uuid.New()
	var out []domain.NewEvent
	out = append(out, mustEvent(t, &domain.InterviewStarted{
		CandidateID: iv.candidate, AssessmentID: iv.assessment, OrganizationID: iv.org,
		CandidateName: "Zoë Ångström 🦊", CandidateEmail: "zoe+" + iv.id.String()[:8] + "@example.com",
		TimeLimitMinutes: 90, Deadline: iv.start.Add(90 * time.Minute),
		Settings: domain.AssessmentSettings{Language: "go", Seniority: "SENIOR", QuestionCount: 2, EnableCoding: true,
			EnableTerminal: true, EnableAI: true, ShowResultsToCandidate: false, ProblemIDs: []string{"two-sum", "lru-cache"},
			Scoring: &scoring},
	}, system, iv.start))
	out = append(out, mustEvent(t, &domain.QuestionServed{QuestionID: question, Index: 0, Difficulty: domain.DifficultyMedium,
		Title: "Two sum <fast> & \"right\"", Description: "Given nums, return i < j with nums[i] + nums[j] == target.\r\nUse O(n) 🚀.",
		Language: "go", StarterCode: "package main\r\n\r\nfunc twoSum(nums []int, target int) []int {\r\n\treturn nil\r\n}\r\n",
		TestCases: []domain.TestCase{{Name: "basic", Input: "[[2,7,11,15],9]", ExpectedOutput: "[0,1]"},
			{Name: "hidden-1", Input: "[[3,3],6]", ExpectedOutput: "[0,1]", Hidden: true}},
		Mode: domain.TestModeFunction, Entrypoint: "twoSum", Source: domain.QuestionFromBank, ProblemID: "two-sum", EstimatedMinutes: 25,
	}, system, tick()))
	out = append(out, mustEvent(t, &domain.QuestionStarted{QuestionID: question, Index: 0}, client(0, true), tick()))
	out = append(out, mustEvent(t, &domain.FileCreated{FileID: "file-main", FileName: "main.go", Content: "package main\r\n", Language: "go"}, client(1, false), tick()))

	var code strings.Builder
	code.WriteString("package main\r\n")
	offset := code.Len()
	snapshot := func(i int) {
		out = append(out, mustEvent(t, &domain.CodeSnapshot{FileID: "file-main", FileName: "main.go", Content: code.String(), Language: "go"},
			client(i, true), tick()))
	}
	for i := 0; i < keystrokes; i++ {
		if i%2 == 0 {
			text := typed[(i/2)%len(typed)]
			out = append(out, mustEvent(t, &domain.Keystroke{FileID: "file-main",
				Changes: []domain.Change{{Offset: offset, DeleteCount: 0, Text: text}}}, client(i, false), tick()))
			code.WriteString(text)
			offset += len([]rune(text))
		} else {
			out = append(out, mustEvent(t, &domain.Cursor{FileID: "file-main", Line: 1 + i/7, Column: 1 + i%40, SelectionLength: i % 3},
				client(i, false), tick()))
		}
		switch i {
		case keystrokes / 3:
			pasted := "for i, n := range nums {\r\n\tif j, ok := seen[target-n]; ok {\r\n\t\treturn []int{j, i} // ✅\r\n\t}\r\n}\r\n"
			out = append(out, mustEvent(t, &domain.Paste{FileID: "file-main", Offset: offset, Text: pasted}, client(i, false), tick()))
			out = append(out, mustEvent(t, &domain.Keystroke{FileID: "file-main",
				Changes: []domain.Change{{Offset: offset, Text: pasted}}}, client(i, false), tick()))
			code.WriteString(pasted)
			offset += len([]rune(pasted))
		case keystrokes / 2:
			snapshot(i)
			out = append(out, mustEvent(t, &domain.Copy{Text: "nums[i] + nums[j] == target"}, client(i, false), tick()))
			focused := false
			out = append(out, mustEvent(t, &domain.FocusChange{Focused: &focused}, client(i, false), tick()))
			out = append(out, mustEvent(t, &domain.IdleStart{}, client(i, false), tick()))
			out = append(out, mustEvent(t, &domain.IdleEnd{DurationMs: 4200}, client(i, false), tick()))
		}
	}
	snapshot(keystrokes)
	run := uuid.New()
	out = append(out, mustEvent(t, &domain.TestRun{RunID: run, QuestionID: question, Language: "go", FileName: "main.go",
		Code: code.String(), CodeHash: "sha256:0f1e2d", Passed: 1, Failed: 1, Total: 2, ExecutionTimeMs: 1234,
		Results: []domain.TestResult{
			{Name: "basic", Passed: true, Verdict: domain.VerdictPassed, DurationMs: 3},
			{Name: "hidden-1", Passed: false, Verdict: domain.VerdictWrongAnswer, DurationMs: 2, Hidden: true,
				ActualOutput: "null", ExpectedOutput: "[0,1]", Error: "want [0,1]\r\ngot null"},
		}}, system, tick()))
	turn := uuid.New()
	out = append(out, mustEvent(t, &domain.AIMessage{TurnID: turn, Message: "Why does hidden-1 fail? 🤔\r\nI use a map.",
		CodeContext:   &domain.CodeContext{FileName: "main.go", Content: code.String(), Language: "go"},
		PromptQuality: 4, QualityReasons: []string{"specific", "gives context"}}, client(keystrokes, false), tick()))
	out = append(out, mustEvent(t, &domain.AIResponse{TurnID: turn, Text: "You return before storing `n`: add `seen[n] = i` after the check. 👍",
		Model: "claude-sonnet", InputTokens: 1523, OutputTokens: 87, LatencyMs: 2310, FinishReason: "stop", CostUSD: 0.000125},
		system, tick()))
	cmd := uuid.New()
	out = append(out, mustEvent(t, &domain.TerminalInput{CommandID: cmd, Kind: domain.TerminalCommand, Data: "go test ./...\r\n"}, system, tick()))
	out = append(out, mustEvent(t, &domain.TerminalOutput{CommandID: cmd, Stream: domain.Stdout, Data: "ok  \tmain\t0.01s\r\n"}, system, tick()))
	out = append(out, mustEvent(t, &domain.TerminalExit{CommandID: cmd, ExitCode: 0, DurationMs: 812}, system, tick()))
	out = append(out, mustEvent(t, &domain.InterviewSubmitted{FinalFiles: map[string]string{"main.go": code.String(), "notes.md": "# Notes\r\n✔ done"},
		Notes: "Thanks! 🙏"}, domain.Metadata{Actor: domain.Actor{Kind: domain.ActorCandidate, ID: iv.candidate.String()},
		OrganizationID: iv.org.String(), CorrelationID: "req-submit"}, tick()))
	return out
}

// ---------------------------------------------------------------------------------------------
// Comparison helpers.

// canonicalJSON decodes and re-encodes a JSON value, so that two values compare equal whatever
// the order of their keys (jsonb sorts them) or their spacing (jsonb adds some).
func canonicalJSON(t *testing.T, raw []byte) string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("decode %q: %v", raw, err)
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func metadataJSON(t *testing.T, md domain.Metadata) string {
	t.Helper()
	b, err := json.Marshal(md)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// envelope is what two deployments must agree on about an event: everything but its log
// position, transaction and recording time, which belong to the deployment.
type envelope struct {
	ID            uuid.UUID
	Version       int64
	Type          string
	SchemaVersion int
	Data          string // canonical JSON
	Metadata      string // JSON of domain.Metadata
	OccurredAt    string // RFC 3339 in UTC, to the nanosecond
}

func fromRecorded(t *testing.T, e domain.RecordedEvent) envelope {
	return envelope{e.ID, e.Version, e.Type, e.SchemaVersion, canonicalJSON(t, e.Data), metadataJSON(t, e.Metadata),
		e.OccurredAt.UTC().Format(time.RFC3339Nano)}
}

func fromArchived(t *testing.T, e commands.ArchivedEvent) envelope {
	return envelope{e.ID, e.Version, e.Type, e.SchemaVersion, canonicalJSON(t, e.Data), metadataJSON(t, e.Metadata),
		e.OccurredAt.UTC().Format(time.RFC3339Nano)}
}

// fromNew is an event as built, at the version it is appended with; occurredAt keeps the
// microseconds Postgres stores (the client time, a string in the metadata, keeps it all).
func fromNew(t *testing.T, version int64, e domain.NewEvent) envelope {
	return envelope{e.ID, version, e.Type, e.SchemaVersion, canonicalJSON(t, e.Data), metadataJSON(t, e.Metadata),
		e.OccurredAt.Truncate(time.Microsecond).UTC().Format(time.RFC3339Nano)}
}

func compareEnvelopes(t *testing.T, what string, want, got []envelope) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d events, want %d", what, len(got), len(want))
	}
	bad := 0
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("%s: event %d differs:\n got %+v\nwant %+v", what, i, got[i], want[i])
			if bad++; bad > 3 {
				t.FailNow()
			}
		}
	}
}

func readBlob(t *testing.T, s blobstore.Store, key string) []byte {
	t.Helper()
	rc, info, err := s.Get(context.Background(), key)
	if err != nil {
		t.Fatalf("Get(%s): %v", key, err)
	}
	defer func() { _ = rc.Close() }()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	if info.Size != int64(len(b)) {
		t.Errorf("Get(%s) info.Size = %d, read %d bytes", key, info.Size, len(b))
	}
	return b
}

func gunzip(t *testing.T, b []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func gzipBytes(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func archivedRecords(t *testing.T, events []domain.RecordedEvent) []domain.SessionArchived {
	t.Helper()
	var out []domain.SessionArchived
	for _, e := range events {
		if e.Type == domain.TypeSessionArchived {
			var rec domain.SessionArchived
			if err := json.Unmarshal(e.Data, &rec); err != nil {
				t.Fatal(err)
			}
			out = append(out, rec)
		}
	}
	return out
}

func wantKey(iv interview, name string) string {
	return "sessions/" + iv.start.UTC().Format("2006/01/02") + "/" + iv.id.String() + "/" + name
}

var keyLayout = regexp.MustCompile(`^sessions/\d{4}/\d{2}/\d{2}/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/events\.json\.gz$`)

// ---------------------------------------------------------------------------------------------
// 1. Round trip.

// TestArchiveRoundTrip records an interview in deployment A, archives it (to a local directory
// or to S3), reads the archive back, imports it into deployment B and archives it there.
//
// It compares: (1) the archive with A's stream and with the events as built; (2) B's stream
// with A's stream, event by event: id, version, type, schema version, payload (canonical
// JSON), metadata and occurredAt; (3) the decompressed archive B writes right after the import
// with the one A wrote, byte for byte. Both hold versions 1..N: A's archive was written before
// A's stream had its own session_archived (N+1), and the import copies exactly 1..N, so B's
// stream holds 1..N when it is archived. The session_archived records themselves (A's and B's
// at N+1) are different events (ids, times) and are not compared.
func TestArchiveRoundTrip(t *testing.T) {
	t.Parallel()
	stores := []struct {
		name string
		new  func(t *testing.T, deployment string) blobstore.Store
	}{
		{"local", func(t *testing.T, _ string) blobstore.Store { l, _ := newLocalStore(t); return l }},
		{"s3", func(t *testing.T, d string) blobstore.Store { return newS3Store(t, "archives-"+d) }},
	}
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			a, b := newDeployment(t, "a"), newDeployment(t, "b")
			blobsA, blobsB := st.new(t, "a"), st.new(t, "b")

			// Started late on 14 March in New York: 15 March in UTC, the day of the key.
			start := time.Date(2025, 3, 14, 23, 41, 7, 123456789, time.FixedZone("EDT", -4*3600))
			iv := newInterview(a.org, start)
			built := recordInterview(t, iv, 300)
			a.appendAll(t, iv.id, built, 64)
			n := int64(len(built))
			streamA := a.stream(t, iv.id)
			if int64(len(streamA)) != n {
				t.Fatalf("A holds %d events, want %d", len(streamA), n)
			}
			var wantBuilt []envelope
			for i, e := range built {
				wantBuilt = append(wantBuilt, fromNew(t, int64(i+1), e))
			}
			var envA []envelope
			for _, e := range streamA {
				envA = append(envA, fromRecorded(t, e))
			}
			compareEnvelopes(t, "A's stream vs the events built", wantBuilt, envA)

			archivedAt := time.Date(2025, 3, 15, 6, 0, 0, 0, time.UTC)
			archA, err := commands.NewArchiveSessionHandler(a.events, a.events, blobsA, nil, fixedClock(archivedAt))
			if err != nil {
				t.Fatal(err)
			}
			rec, err := archA.Handle(ctx, iv.id)
			if err != nil {
				t.Fatal(err)
			}
			if rec.Key != wantKey(iv, "events.json.gz") || !keyLayout.MatchString(rec.Key) ||
				!strings.HasPrefix(rec.Key, "sessions/2025/03/15/") {
				t.Errorf("key = %q, want %q", rec.Key, wantKey(iv, "events.json.gz"))
			}
			if rec.EventCount != n || rec.LastVersion != n {
				t.Errorf("EventCount %d, LastVersion %d, want %d and %d", rec.EventCount, rec.LastVersion, n, n)
			}
			if rec.SizeBytes <= rec.CompressedBytes || rec.CompressedBytes <= 0 {
				t.Errorf("SizeBytes %d, CompressedBytes %d: want 0 < compressed < size", rec.SizeBytes, rec.CompressedBytes)
			}
			info, err := blobsA.Stat(ctx, rec.Key)
			if err != nil {
				t.Fatal(err)
			}
			if info.Size != rec.CompressedBytes || info.ContentType != "application/gzip" {
				t.Errorf("Stat = %+v, want size %d and application/gzip", info, rec.CompressedBytes)
			}

			// The record is the last event of A's stream, written by the archiver at its clock.
			after := a.stream(t, iv.id)
			if int64(len(after)) != n+1 {
				t.Fatalf("A holds %d events after archiving, want %d", len(after), n+1)
			}
			last := after[n]
			if last.Type != domain.TypeSessionArchived || last.Version != n+1 || !last.OccurredAt.Equal(archivedAt) ||
				last.Metadata.Actor.Kind != domain.ActorSystem {
				t.Errorf("last event = %s v%d at %v by %+v", last.Type, last.Version, last.OccurredAt, last.Metadata.Actor)
			}
			if recs := archivedRecords(t, after); len(recs) != 1 || recs[0] != rec {
				t.Errorf("session_archived records = %+v, want [%+v]", recs, rec)
			}

			// The object: gzip JSON of SizeBytes bytes, header first.
			gzA := readBlob(t, blobsA, rec.Key)
			if int64(len(gzA)) != rec.CompressedBytes {
				t.Errorf("object has %d bytes, record says %d", len(gzA), rec.CompressedBytes)
			}
			rawA := gunzip(t, gzA)
			if int64(len(rawA)) != rec.SizeBytes {
				t.Errorf("archive decompresses to %d bytes, record says %d", len(rawA), rec.SizeBytes)
			}
			head := fmt.Sprintf(`{"format":%q,"formatVersion":%d,"interviewId":"%s","events":[`, commands.ArchiveFormat,
				commands.ArchiveFormatVersion, iv.id)
			if !bytes.HasPrefix(rawA, []byte(head)) || !bytes.HasSuffix(rawA, []byte("]}\n")) || !json.Valid(rawA) {
				t.Errorf("archive is not the expected JSON document: starts %.120q, ends %q", rawA, rawA[max(0, len(rawA)-20):])
			}
			t.Logf("%s: %d events, %d bytes of JSON in %d bytes of gzip (%.1fx)", st.name, n, rec.SizeBytes,
				rec.CompressedBytes, float64(rec.SizeBytes)/float64(rec.CompressedBytes))

			// The snapshots object holds the code_snapshot events, as archived.
			snapKey := wantKey(iv, "snapshots.json.gz")
			if _, err := blobsA.Stat(ctx, snapKey); err != nil {
				t.Fatalf("Stat(%s): %v", snapKey, err)
			}
			var snaps struct {
				Format        string                   `json:"format"`
				FormatVersion int                      `json:"formatVersion"`
				InterviewID   uuid.UUID                `json:"interviewId"`
				Snapshots     []commands.ArchivedEvent `json:"snapshots"`
			}
			dec := json.NewDecoder(bytes.NewReader(gunzip(t, readBlob(t, blobsA, snapKey))))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&snaps); err != nil {
				t.Fatal(err)
			}
			var wantSnaps []envelope
			for _, e := range streamA {
				if e.Type == domain.TypeCodeSnapshot {
					wantSnaps = append(wantSnaps, fromRecorded(t, e))
				}
			}
			var gotSnaps []envelope
			for _, e := range snaps.Snapshots {
				gotSnaps = append(gotSnaps, fromArchived(t, e))
			}
			if snaps.Format != commands.ArchiveFormat+"-snapshots" || snaps.FormatVersion != commands.ArchiveFormatVersion ||
				snaps.InterviewID != iv.id || len(wantSnaps) != 2 {
				t.Errorf("snapshots header %q v%d %s, %d snapshots in the stream", snaps.Format, snaps.FormatVersion, snaps.InterviewID, len(wantSnaps))
			}
			compareEnvelopes(t, "snapshots object vs A's code_snapshot events", wantSnaps, gotSnaps)

			// Read it back: it is A's stream 1..N.
			archive, err := commands.ReadArchive(bytes.NewReader(gzA))
			if err != nil {
				t.Fatal(err)
			}
			if archive.InterviewID != iv.id {
				t.Errorf("archive of %s, want %s", archive.InterviewID, iv.id)
			}
			var envArchive []envelope
			for _, e := range archive.Events {
				envArchive = append(envArchive, fromArchived(t, e))
			}
			compareEnvelopes(t, "archive vs A's stream", envA, envArchive)

			// Import into B.
			imp, err := commands.NewImportSessionHandler(b.dir)
			if err != nil {
				t.Fatal(err)
			}
			got, err := imp.Handle(ctx, commands.ImportSession{Archive: archive, Org: b.org, ImportedBy: b.owner})
			if err != nil {
				t.Fatal(err)
			}
			submittedAt := streamA[n-1].OccurredAt
			if streamA[n-1].Type != domain.TypeInterviewSubmitted {
				t.Fatalf("last built event is %s", streamA[n-1].Type)
			}
			// The deadline is the started event's, to the nanosecond; the row keeps microseconds.
			want := domain.Interview{ID: iv.id, CandidateID: iv.candidate, OrganizationID: b.org, AssessmentID: iv.assessment,
				StartedAt: streamA[0].OccurredAt, Deadline: start.Add(90 * time.Minute), SubmittedAt: &submittedAt}
			checkInterview(t, "Handle", got, want)
			row, err := b.dir.Interview(ctx, iv.id)
			if err != nil {
				t.Fatal(err)
			}
			want.Deadline = want.Deadline.Truncate(time.Microsecond)
			checkInterview(t, "B's interview row", row, want)
			if ids, err := b.dir.SubmittedInterviews(ctx); err != nil || len(ids) != 1 || ids[0] != iv.id {
				t.Errorf("B's SubmittedInterviews = %v, %v; want [%s]", ids, err, iv.id)
			}
			if owner, err := b.dir.FirstOwner(ctx, b.org); err != nil || owner != b.owner {
				t.Errorf("B's FirstOwner = %s, %v; want %s", owner, err, b.owner)
			}
			assessment, err := b.dir.Assessment(ctx, iv.assessment)
			if err != nil {
				t.Fatal(err)
			}
			if assessment.OrganizationID != b.org || assessment.Status != domain.AssessmentArchived || assessment.Language != "go" ||
				assessment.DurationMinutes != 90 || assessment.QuestionCount != 2 || !assessment.EnableAI ||
				strings.Join(assessment.ProblemIDs, ",") != "two-sum,lru-cache" || assessment.Scoring == nil ||
				*assessment.Scoring != domain.DefaultScoringConfig() || assessment.CreatedBy != b.owner {
				t.Errorf("imported assessment = %+v", assessment)
			}
			candidate, err := b.dir.Candidate(ctx, iv.candidate)
			if err != nil {
				t.Fatal(err)
			}
			if candidate.OrganizationID != b.org || candidate.Name != "Zoë Ångström 🦊" || candidate.InviteRevokedAt == nil ||
				candidate.InterviewID == nil || *candidate.InterviewID != iv.id {
				t.Errorf("imported candidate = %+v", candidate)
			}

			// B's stream is A's stream before its archive record, raw payloads included: both
			// are jsonb's rendering of the same values.
			streamB := b.stream(t, iv.id)
			var envB []envelope
			for _, e := range streamB {
				envB = append(envB, fromRecorded(t, e))
			}
			compareEnvelopes(t, "B's stream vs A's stream", envA, envB)
			for i := range streamB {
				if !bytes.Equal(streamA[i].Data, streamB[i].Data) {
					t.Errorf("event %d: payload as stored in B %s, in A %s", i+1, streamB[i].Data, streamA[i].Data)
					break
				}
			}

			// Archive in B right after the import: the same bytes as A's archive.
			archB, err := commands.NewArchiveSessionHandler(b.events, b.events, blobsB, nil, fixedClock(archivedAt.Add(time.Hour)))
			if err != nil {
				t.Fatal(err)
			}
			recB, err := archB.Handle(ctx, iv.id)
			if err != nil {
				t.Fatal(err)
			}
			if recB != rec {
				t.Errorf("B's archive record %+v, A's %+v", recB, rec)
			}
			gzB := readBlob(t, blobsB, recB.Key)
			rawB := gunzip(t, gzB)
			if !bytes.Equal(rawA, rawB) {
				i := 0
				for i < min(len(rawA), len(rawB)) && rawA[i] == rawB[i] {
					i++
				}
				t.Fatalf("B's archive differs from A's at byte %d of %d/%d: A %.80q, B %.80q", i, len(rawA), len(rawB), rawA[i:], rawB[i:])
			}
			if !bytes.Equal(gzA, gzB) {
				t.Errorf("the gzip bytes differ although the JSON is the same (%d vs %d bytes)", len(gzA), len(gzB))
			}
			snapA, snapB := gunzip(t, readBlob(t, blobsA, snapKey)), gunzip(t, readBlob(t, blobsB, snapKey))
			if !bytes.Equal(snapA, snapB) {
				t.Errorf("B's snapshots object differs from A's")
			}
		})
	}
}

func checkInterview(t *testing.T, what string, got, want domain.Interview) {
	t.Helper()
	if got.ID != want.ID || got.CandidateID != want.CandidateID || got.OrganizationID != want.OrganizationID ||
		got.AssessmentID != want.AssessmentID || !got.StartedAt.Equal(want.StartedAt) || !got.Deadline.Equal(want.Deadline) ||
		(got.SubmittedAt == nil) != (want.SubmittedAt == nil) || (got.SubmittedAt != nil && !got.SubmittedAt.Equal(*want.SubmittedAt)) {
		t.Errorf("%s = %+v (submitted %v), want %+v (submitted %v)", what, got, got.SubmittedAt, want, want.SubmittedAt)
	}
}

// ---------------------------------------------------------------------------------------------
// 2. Idempotency.

func TestArchiveIsIdempotent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a := newDeployment(t, "idem")
	local, _ := newLocalStore(t)
	blobs := &countingStore{Store: local}
	iv := newInterview(a.org, time.Date(2025, 12, 31, 23, 59, 59, 0, time.UTC))
	built := recordInterview(t, iv, 40)
	a.appendAll(t, iv.id, built, 500)
	n := int64(len(built))
	now := time.Date(2026, 1, 1, 1, 0, 0, 0, time.UTC)
	arch, err := commands.NewArchiveSessionHandler(a.events, a.events, blobs, nil, func() time.Time { return now })
	if err != nil {
		t.Fatal(err)
	}

	if _, err := arch.Handle(ctx, uuid.New()); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("archiving an unknown interview: %v, want ErrNotFound", err)
	}
	if blobs.puts.Load() != 0 {
		t.Errorf("archiving an unknown interview wrote %d objects", blobs.puts.Load())
	}

	first, err := arch.Handle(ctx, iv.id)
	if err != nil {
		t.Fatal(err)
	}
	if first.Key != wantKey(iv, "events.json.gz") || first.LastVersion != n || first.EventCount != n {
		t.Errorf("first archive = %+v", first)
	}
	puts := blobs.puts.Load()
	if puts != 2 {
		t.Errorf("first archive made %d Puts, want 2 (events and snapshots)", puts)
	}
	firstInfo, err := blobs.Stat(ctx, first.Key)
	if err != nil {
		t.Fatal(err)
	}

	// Nothing new: the same record back, nothing written.
	for i := range 2 {
		now = now.Add(time.Hour)
		again, err := arch.Handle(ctx, iv.id)
		if err != nil {
			t.Fatal(err)
		}
		if again != first {
			t.Errorf("archive #%d = %+v, want %+v", i+2, again, first)
		}
	}
	if blobs.puts.Load() != puts {
		t.Errorf("archiving again without new events made %d more Puts", blobs.puts.Load()-puts)
	}
	stream := a.stream(t, iv.id)
	if int64(len(stream)) != n+1 || len(archivedRecords(t, stream)) != 1 {
		t.Fatalf("stream has %d events and %d archive records, want %d and 1", len(stream), len(archivedRecords(t, stream)), n+1)
	}
	if info, err := blobs.Stat(ctx, first.Key); err != nil || !info.ModTime.Equal(firstInfo.ModTime) || info.Size != firstInfo.Size {
		t.Errorf("object changed: %+v then %+v (%v)", firstInfo, info, err)
	}

	// The hiring team decides after the archive: the next run covers the decision, and the
	// archive now holds the earlier archive record too.
	decided := mustEvent(t, &domain.CandidateDecided{Status: domain.DecisionHired, DecidedBy: uuid.New()},
		domain.Metadata{Actor: domain.Actor{Kind: domain.ActorUser, ID: uuid.NewString()}, OrganizationID: iv.org.String()}, now)
	if _, err := a.events.Append(ctx, iv.id, n+1, decided); err != nil {
		t.Fatal(err)
	}
	now = now.Add(time.Hour)
	second, err := arch.Handle(ctx, iv.id)
	if err != nil {
		t.Fatal(err)
	}
	if second.Key != first.Key || second.LastVersion != n+2 || second.EventCount != n+2 || second.SizeBytes <= first.SizeBytes {
		t.Errorf("second archive = %+v, first %+v", second, first)
	}
	if blobs.puts.Load() != puts+2 {
		t.Errorf("second archive made %d Puts, want 2", blobs.puts.Load()-puts)
	}
	archive, err := commands.ReadArchive(bytes.NewReader(readBlob(t, blobs, second.Key)))
	if err != nil {
		t.Fatal(err)
	}
	if int64(len(archive.Events)) != n+2 {
		t.Fatalf("second archive holds %d events, want %d", len(archive.Events), n+2)
	}
	rec := archive.Events[n]
	var inArchive domain.SessionArchived
	if err := json.Unmarshal(rec.Data, &inArchive); err != nil {
		t.Fatal(err)
	}
	if rec.Type != domain.TypeSessionArchived || rec.Version != n+1 || inArchive != first {
		t.Errorf("event %d of the second archive = %s v%d %s, want the first archive's record", n+1, rec.Type, rec.Version, rec.Data)
	}
	if last := archive.Events[n+1]; last.ID != decided.ID || last.Version != n+2 {
		t.Errorf("last archived event = %s v%d, want the decision at v%d", last.Type, last.Version, n+2)
	}
	stream = a.stream(t, iv.id)
	if recs := archivedRecords(t, stream); len(recs) != 2 || recs[1] != second || stream[len(stream)-1].Version != n+3 {
		t.Errorf("archive records %+v, stream at v%d", recs, stream[len(stream)-1].Version)
	}

	// And that one covers everything again.
	puts = blobs.puts.Load()
	if again, err := arch.Handle(ctx, iv.id); err != nil || again != second || blobs.puts.Load() != puts {
		t.Errorf("third run = %+v, %v, %d Puts", again, err, blobs.puts.Load()-puts)
	}
	if got := int64(len(a.stream(t, iv.id))); got != n+3 {
		t.Errorf("stream has %d events, want %d", got, n+3)
	}
}

// TestArchiveConcurrently runs archivers of one interview at once (the job worker and the
// archive command, say): the stream gets one session_archived record, not one per archiver.
func TestArchiveConcurrently(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a := newDeployment(t, "concarch")
	local, _ := newLocalStore(t)
	iv := newInterview(a.org, time.Date(2025, 9, 1, 9, 0, 0, 0, time.UTC))
	built := recordInterview(t, iv, 100)
	a.appendAll(t, iv.id, built, 500)
	blobs := &countingStore{Store: local}
	// Locked: one at a time, the others find the first's archive.
	arch, err := commands.NewArchiveSessionHandler(a.events, a.events, blobs, a.events.Lock, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	const n = 4
	recs := make([]domain.SessionArchived, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { recs[i], errs[i] = arch.Handle(ctx, iv.id) })
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Errorf("archiver %d: %v", i, errs[i])
		} else if recs[i] != recs[0] {
			t.Errorf("archiver %d returned %+v, archiver 0 %+v", i, recs[i], recs[0])
		}
	}
	stream := a.stream(t, iv.id)
	if got := archivedRecords(t, stream); len(got) != 1 || len(stream) != len(built)+1 {
		t.Errorf("%d session_archived records, stream of %d events; want 1 and %d", len(got), len(stream), len(built)+1)
	}
	if puts := blobs.puts.Load(); puts != 2 { // events.json.gz and snapshots.json.gz, once
		t.Errorf("%d objects written by %d archivers, want 2: only the first archives", puts, n)
	}
}

// racingAppender lets an event land in the stream just before the archiver appends its record,
// as a decision of the hiring team might.
type racingAppender struct {
	store *eventstore.Store
	race  func()
	calls atomic.Int64
}

func (r *racingAppender) AppendEvents(ctx context.Context, stream uuid.UUID, expected int64, events ...domain.NewEvent) (domain.LogPosition, error) {
	if r.calls.Add(1) == 1 {
		r.race()
	}
	return r.store.AppendEvents(ctx, stream, expected, events...)
}

// TestArchiveRacingAnEvent: an event appended while the archive is written is not left out
// behind a record claiming to cover it; the archiver runs again and its archive holds it.
func TestArchiveRacingAnEvent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a := newDeployment(t, "racing")
	local, _ := newLocalStore(t)
	iv := newInterview(a.org, time.Date(2025, 9, 2, 9, 0, 0, 0, time.UTC))
	built := recordInterview(t, iv, 20)
	a.appendAll(t, iv.id, built, 500)
	n := int64(len(built))
	decided := mustEvent(t, &domain.CandidateDecided{Status: domain.DecisionRejected, DecidedBy: uuid.New()},
		domain.Metadata{Actor: domain.Actor{Kind: domain.ActorUser, ID: uuid.NewString()}}, time.Now())
	appender := &racingAppender{store: a.events, race: func() {
		if _, err := a.events.Append(ctx, iv.id, eventstore.AnyVersion, decided); err != nil {
			t.Error(err)
		}
	}}
	arch, err := commands.NewArchiveSessionHandler(a.events, appender, local, nil, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := arch.Handle(ctx, iv.id)
	if err != nil {
		t.Fatal(err)
	}
	if rec.LastVersion != n+1 || rec.EventCount != n+1 || appender.calls.Load() != 2 {
		t.Errorf("record %+v after %d appends; want it to cover the decision at v%d", rec, appender.calls.Load(), n+1)
	}
	stream := a.stream(t, iv.id)
	if recs := archivedRecords(t, stream); len(recs) != 1 || recs[0] != rec || int64(len(stream)) != n+2 {
		t.Errorf("records %+v in a stream of %d events", recs, len(stream))
	}
	archive, err := commands.ReadArchive(bytes.NewReader(readBlob(t, local, rec.Key)))
	if err != nil {
		t.Fatal(err)
	}
	if last := archive.Events[len(archive.Events)-1]; last.ID != decided.ID {
		t.Errorf("the archive ends with %s, not the decision", last.Type)
	}
}

// ---------------------------------------------------------------------------------------------
// 3. ReadArchive.

// archiveDoc builds archive JSON by hand from events, so that a test can break any part of it.
func archiveDoc(t *testing.T, format string, formatVersion int, id uuid.UUID, events []commands.ArchivedEvent) []byte {
	t.Helper()
	doc := map[string]any{"format": format, "formatVersion": formatVersion, "interviewId": id, "events": events}
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func toArchived(events []domain.NewEvent, firstVersion int64) []commands.ArchivedEvent {
	out := make([]commands.ArchivedEvent, len(events))
	for i, e := range events {
		out[i] = commands.ArchivedEvent{ID: e.ID, Version: firstVersion + int64(i), Type: e.Type, SchemaVersion: e.SchemaVersion,
			Data: e.Data, Metadata: e.Metadata, OccurredAt: e.OccurredAt.UTC()}
	}
	return out
}

func TestReadArchiveRejects(t *testing.T) {
	t.Parallel()
	iv := newInterview(uuid.New(), time.Date(2025, 6, 1, 9, 0, 0, 0, time.UTC))
	valid := toArchived(recordInterview(t, iv, 10), 1)
	with := func(change func(es []commands.ArchivedEvent) []commands.ArchivedEvent) []commands.ArchivedEvent {
		es := append([]commands.ArchivedEvent(nil), valid...)
		return change(es)
	}
	good := archiveDoc(t, commands.ArchiveFormat, commands.ArchiveFormatVersion, iv.id, valid)

	archive, err := commands.ReadArchive(bytes.NewReader(gzipBytes(t, good)))
	if err != nil {
		t.Fatalf("a valid archive is refused: %v", err)
	}
	if archive.InterviewID != iv.id || len(archive.Events) != len(valid) {
		t.Fatalf("read %s with %d events", archive.InterviewID, len(archive.Events))
	}

	gzGood := gzipBytes(t, good)
	corrupt := append([]byte(nil), gzGood...)
	corrupt[len(corrupt)-6] ^= 0xff // the CRC-32 of the trailer

	cases := []struct {
		name string
		gz   []byte
		want string
	}{
		{"plain JSON", good, "not gzip"},
		{"empty", nil, "not gzip"},
		{"truncated gzip", gzGood[:len(gzGood)/2], ""},
		{"bad CRC", corrupt, ""},
		{"not JSON", gzipBytes(t, []byte("events: 1\n")), ""},
		{"wrong format", gzipBytes(t, archiveDoc(t, "interviewlm-snapshots", 1, iv.id, valid)), "format"},
		{"no format", gzipBytes(t, archiveDoc(t, "", 1, iv.id, valid)), "format"},
		{"newer format version", gzipBytes(t, archiveDoc(t, commands.ArchiveFormat, 2, iv.id, valid)), "format"},
		{"format version 0", gzipBytes(t, archiveDoc(t, commands.ArchiveFormat, 0, iv.id, valid)), "format"},
		{"no events", gzipBytes(t, archiveDoc(t, commands.ArchiveFormat, 1, iv.id, nil)), "interview_started"},
		{"starts with a keystroke", gzipBytes(t, archiveDoc(t, commands.ArchiveFormat, 1, iv.id,
			with(func(es []commands.ArchivedEvent) []commands.ArchivedEvent {
				es[0], es[3] = es[3], es[0]
				es[0].Version, es[3].Version = 1, 4
				return es
			}))), "interview_started"},
		{"versions out of order", gzipBytes(t, archiveDoc(t, commands.ArchiveFormat, 1, iv.id,
			with(func(es []commands.ArchivedEvent) []commands.ArchivedEvent {
				es[4].Version, es[5].Version = es[5].Version, es[4].Version
				return es
			}))), "version"},
		{"a version twice", gzipBytes(t, archiveDoc(t, commands.ArchiveFormat, 1, iv.id,
			with(func(es []commands.ArchivedEvent) []commands.ArchivedEvent {
				es[5].Version = es[4].Version
				return es
			}))), "order"},
		{"versions not from 1", gzipBytes(t, archiveDoc(t, commands.ArchiveFormat, 1, iv.id, toArchived(recordInterview(t, iv, 10), 2))), "version"},
		{"a gap in the versions", gzipBytes(t, archiveDoc(t, commands.ArchiveFormat, 1, iv.id,
			with(func(es []commands.ArchivedEvent) []commands.ArchivedEvent {
				for i := 6; i < len(es); i++ {
					es[i].Version++
				}
				return es
			}))), "version"},
		{"unknown event type", gzipBytes(t, archiveDoc(t, commands.ArchiveFormat, 1, iv.id,
			with(func(es []commands.ArchivedEvent) []commands.ArchivedEvent {
				es[2].Type = "teleport"
				return es
			}))), "unknown event type"},
		{"unknown schema version", gzipBytes(t, archiveDoc(t, commands.ArchiveFormat, 1, iv.id,
			with(func(es []commands.ArchivedEvent) []commands.ArchivedEvent {
				es[2].SchemaVersion = 99
				return es
			}))), "schema version"},
		{"payload of the wrong shape", gzipBytes(t, archiveDoc(t, commands.ArchiveFormat, 1, iv.id,
			with(func(es []commands.ArchivedEvent) []commands.ArchivedEvent {
				es[0].Data = json.RawMessage(`{"candidateId":"not a uuid"}`)
				return es
			}))), "interview_started"},
		{"unknown top-level field", gzipBytes(t, bytes.Replace(good, []byte(`{"events":`), []byte(`{"checksum":"x","events":`), 1)), "unknown field"},
		{"unknown event field", gzipBytes(t, bytes.Replace(good, []byte(`"schemaVersion":1,`), []byte(`"schemaVersion":1,"position":17,`), 1)), "unknown field"},
		{"unknown metadata field", gzipBytes(t, bytes.Replace(good, []byte(`"metadata":{`), []byte(`"metadata":{"ip":"10.0.0.1",`), 1)), "unknown field"},
		{"trailing data", gzipBytes(t, append(append([]byte(nil), good...), []byte("\n{\"more\":true}\n")...)), ""},
		{"a second archive appended", append(gzipBytes(t, good), gzipBytes(t, good)...), ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			got, err := commands.ReadArchive(bytes.NewReader(c.gz))
			if err == nil {
				t.Fatalf("accepted, with %d events", len(got.Events))
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q does not mention %q", err, c.want)
			}
		})
	}
}

// ---------------------------------------------------------------------------------------------
// 4. Import refusals.

func importArchive(t *testing.T, d *deployment, archive commands.SessionArchive) (domain.Interview, error) {
	t.Helper()
	imp, err := commands.NewImportSessionHandler(d.dir)
	if err != nil {
		t.Fatal(err)
	}
	return imp.Handle(context.Background(), commands.ImportSession{Archive: archive, Org: d.org, ImportedBy: d.owner})
}

func TestImportRefusals(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := newDeployment(t, "imp")
	iv := newInterview(uuid.New(), time.Date(2025, 6, 2, 14, 30, 0, 0, time.UTC))
	archive := commands.SessionArchive{InterviewID: iv.id, Events: toArchived(recordInterview(t, iv, 30), 1)}

	if _, err := importArchive(t, b, archive); err != nil {
		t.Fatal(err)
	}
	counts := b.rowCounts(t)
	if counts["events"] != int64(len(archive.Events)) || counts["interviews"] != 1 || counts["candidates"] != 1 ||
		counts["assessments"] != 1 || counts["candidate_tokens"] != 0 {
		t.Fatalf("after one import: %v", counts)
	}
	unchanged := func(what string) {
		t.Helper()
		if got := b.rowCounts(t); fmt.Sprint(got) != fmt.Sprint(counts) {
			t.Errorf("%s wrote rows: %v, before %v", what, got, counts)
		}
	}

	// The same interview again, into the same or another organization.
	if _, err := importArchive(t, b, archive); !errors.Is(err, directory.ErrInterviewExists) {
		t.Errorf("second import: %v, want ErrInterviewExists", err)
	}
	unchanged("a second import")
	other := *b
	other.org = uuid.New()
	if _, err := b.dir.CreateOrganization(ctx, directory.Organization{ID: other.org, Name: "Other", Slug: "other-" + other.org.String()[:8],
		Plan: domain.PlanFree}, b.owner); err != nil {
		t.Fatal(err)
	}
	if _, err := importArchive(t, &other, archive); !errors.Is(err, directory.ErrInterviewExists) {
		t.Errorf("import into another organization: %v, want ErrInterviewExists", err)
	}
	unchanged("an import into another organization")

	// Archives that are not a whole stream from version 1.
	fresh := func() interview { return newInterview(uuid.New(), time.Date(2025, 6, 3, 8, 0, 0, 0, time.UTC)) }
	iv2 := fresh()
	notFromOne := commands.SessionArchive{InterviewID: iv2.id, Events: toArchived(recordInterview(t, iv2, 10), 2)}
	if _, err := importArchive(t, b, notFromOne); err == nil {
		t.Error("an archive starting at version 2 was imported")
	}
	unchanged("an archive starting at version 2")
	iv3 := fresh()
	gap := commands.SessionArchive{InterviewID: iv3.id, Events: toArchived(recordInterview(t, iv3, 10), 1)}
	gap.Events = append(gap.Events[:4:4], gap.Events[5:]...)
	if _, err := importArchive(t, b, gap); err == nil {
		t.Error("an archive with a missing version was imported")
	}
	unchanged("an archive with a gap")

	// An event id twice: the store would skip the second as a retry and renumber the rest,
	// so the stream would no longer be the archive's.
	iv4 := fresh()
	dup := commands.SessionArchive{InterviewID: iv4.id, Events: toArchived(recordInterview(t, iv4, 10), 1)}
	dup.Events[6].ID = dup.Events[5].ID
	if _, err := importArchive(t, b, dup); err == nil {
		t.Errorf("an archive repeating an event id was imported: stream has %d events of %d", len(b.stream(t, iv4.id)), len(dup.Events))
	}
	unchanged("an archive repeating an event id")

	// An event id of another stream here.
	iv5 := fresh()
	stolen := commands.SessionArchive{InterviewID: iv5.id, Events: toArchived(recordInterview(t, iv5, 10), 1)}
	stolen.Events[3].ID = archive.Events[3].ID
	if _, err := importArchive(t, b, stolen); !errors.Is(err, eventstore.ErrEventIDConflict) {
		t.Errorf("an archive reusing another stream's event id: %v, want ErrEventIDConflict", err)
	}
	unchanged("an archive reusing another stream's event id")
}

// TestImportConcurrently imports one archive from several goroutines at once: exactly one
// succeeds and the others are told the interview exists.
func TestImportConcurrently(t *testing.T) {
	t.Parallel()
	b := newDeployment(t, "race")
	iv := newInterview(uuid.New(), time.Date(2025, 6, 4, 10, 0, 0, 0, time.UTC))
	archive := commands.SessionArchive{InterviewID: iv.id, Events: toArchived(recordInterview(t, iv, 200), 1)}
	const n = 4
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { _, errs[i] = importArchive(t, b, archive) })
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case !errors.Is(err, directory.ErrInterviewExists):
			t.Errorf("concurrent import: %v, want nil or ErrInterviewExists", err)
		}
	}
	if ok != 1 {
		t.Errorf("%d imports succeeded, want 1", ok)
	}
	if got := len(b.stream(t, iv.id)); got != len(archive.Events) {
		t.Errorf("stream has %d events, want %d", got, len(archive.Events))
	}
}

// TestArchiveLargeStream archives a stream longer than a read page (5,000) and than the event
// store's largest batch (10,000), and imports it.
func TestArchiveLargeStream(t *testing.T) {
	if testing.Short() {
		t.Skip("large stream")
	}
	t.Parallel()
	ctx := context.Background()
	a, b := newDeployment(t, "biga"), newDeployment(t, "bigb")
	local, _ := newLocalStore(t)
	iv := newInterview(a.org, time.Date(2025, 7, 1, 12, 0, 0, 0, time.UTC))
	built := recordInterview(t, iv, eventstore.MaxBatch+50)
	a.appendAll(t, iv.id, built, 5000)
	n := int64(len(built))

	arch, err := commands.NewArchiveSessionHandler(a.events, a.events, local, nil, fixedClock(time.Date(2025, 7, 2, 0, 0, 0, 0, time.UTC)))
	if err != nil {
		t.Fatal(err)
	}
	rec, err := arch.Handle(ctx, iv.id)
	if err != nil {
		t.Fatal(err)
	}
	if rec.EventCount != n || rec.LastVersion != n {
		t.Fatalf("archive record %+v, want %d events", rec, n)
	}
	t.Logf("large: %d events, %d bytes of JSON in %d bytes of gzip (%.1fx)", n, rec.SizeBytes, rec.CompressedBytes,
		float64(rec.SizeBytes)/float64(rec.CompressedBytes))
	gzA := readBlob(t, local, rec.Key)
	archive, err := commands.ReadArchive(bytes.NewReader(gzA))
	if err != nil {
		t.Fatal(err)
	}
	if int64(len(archive.Events)) != n {
		t.Fatalf("archive holds %d events, want %d", len(archive.Events), n)
	}
	if _, err := importArchive(t, b, archive); err != nil {
		t.Fatalf("import of %d events: %v", n, err)
	}
	streamA, streamB := a.stream(t, iv.id)[:n], b.stream(t, iv.id)
	envA, envB := make([]envelope, 0, n), make([]envelope, 0, n)
	for i := range streamA {
		envA = append(envA, fromRecorded(t, streamA[i]))
	}
	for i := range streamB {
		envB = append(envB, fromRecorded(t, streamB[i]))
	}
	compareEnvelopes(t, "B's stream vs A's stream", envA, envB)
}

// ---------------------------------------------------------------------------------------------
// 5. Signed links of the local store.

func TestLocalSignedURL(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a := newDeployment(t, "url")
	local, _ := newLocalStore(t)
	iv := newInterview(a.org, time.Date(2025, 8, 9, 10, 11, 12, 0, time.UTC))
	a.appendAll(t, iv.id, recordInterview(t, iv, 20), 500)
	arch, err := commands.NewArchiveSessionHandler(a.events, a.events, local, nil, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := arch.Handle(ctx, iv.id)
	if err != nil {
		t.Fatal(err)
	}
	stored := readBlob(t, local, rec.Key)

	before := time.Now()
	link, expiresAt, err := local.URL(ctx, rec.Key, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	exp, err := strconv.ParseInt(u.Query().Get("expires"), 10, 64)
	if err != nil || exp != expiresAt.Unix() || exp < before.Unix() || exp > before.Add(2*time.Second).Unix() {
		t.Errorf("expires=%q, expiresAt %v, asked at %v with a 1s ttl", u.Query().Get("expires"), expiresAt, before)
	}
	if sig, err := hex.DecodeString(u.Query().Get("sig")); err != nil || len(sig) != 32 {
		t.Errorf("sig=%q", u.Query().Get("sig"))
	}
	if u.Path != "/files/"+rec.Key {
		t.Errorf("link path %q, want /files/%s", u.Path, rec.Key)
	}

	get := func(link string) (*http.Response, []byte) {
		t.Helper()
		resp, err := http.Get(link)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = resp.Body.Close() }()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp, body
	}
	resp, body := get(link)
	if resp.StatusCode != http.StatusOK || !bytes.Equal(body, stored) || resp.Header.Get("Content-Type") != "application/gzip" {
		t.Fatalf("GET = %d %q, %d bytes (want the %d stored bytes)", resp.StatusCode, resp.Header.Get("Content-Type"), len(body), len(stored))
	}
	if int64(len(gunzip(t, body))) != rec.SizeBytes {
		t.Errorf("downloaded archive does not decompress to %d bytes", rec.SizeBytes)
	}
	// The signature covers the key: the same link for the snapshots is forged.
	forged := strings.Replace(link, "events.json.gz", "snapshots.json.gz", 1)
	if resp, body := get(forged); resp.StatusCode != http.StatusForbidden || !bytes.Contains(body, []byte("bad_signature")) {
		t.Errorf("forged link: %d %s", resp.StatusCode, body)
	}

	// Past its second, the link is refused.
	time.Sleep(time.Until(time.Unix(exp+1, 0)) + 100*time.Millisecond)
	resp, body = get(link)
	if resp.StatusCode != http.StatusForbidden || !bytes.Contains(body, []byte("link_expired")) {
		t.Errorf("expired link: %d %s", resp.StatusCode, body)
	}
}
