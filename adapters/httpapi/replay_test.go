package httpapi_test

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/interviewlm/interviewlm/adapters/directory"
	"github.com/interviewlm/interviewlm/adapters/eventstore"
	"github.com/interviewlm/interviewlm/adapters/httpapi"
	"github.com/interviewlm/interviewlm/adapters/identity"
	"github.com/interviewlm/interviewlm/adapters/postgres/pgtest"
	"github.com/interviewlm/interviewlm/commands"
	"github.com/interviewlm/interviewlm/domain"
	"github.com/interviewlm/interviewlm/projections"
)

// session is one candidate's interview in the test stack.
type session struct {
	s      *stack
	team   team
	id     string
	token  string
	stream uuid.UUID
}

func (s *stack) session(name string) *session {
	s.t.Helper()
	tm := s.newTeam(name)
	_, invite := s.invite(tm, name+"-candidate")
	id, token := s.start(invite, 201)
	return &session{s: s, team: tm, id: id, token: token, stream: uuid.MustParse(id)}
}

// post records client events as the candidate and returns the position of the last one.
func (x *session) post(events ...map[string]any) int64 {
	x.s.t.Helper()
	r := x.s.expect(x.s.call("POST", "/api/interview/"+x.id+"/events", x.token, map[string]any{"events": events}), 201, "")
	return int64(r.body["lastPosition"].(float64))
}

// appendServer writes server events straight into the store, as the server's commands do.
func (x *session) appendServer(at time.Time, events ...domain.Event) int64 {
	x.s.t.Helper()
	store, err := eventstore.New(x.s.db.Pool, eventstore.Options{})
	must(x.s.t, err)
	batch := make([]domain.NewEvent, len(events))
	for i, e := range events {
		batch[i], err = domain.NewEventFrom(uuid.New(), e, domain.Metadata{Actor: domain.Actor{Kind: domain.ActorSystem}}, at)
		must(x.s.t, err)
	}
	res, err := store.Append(context.Background(), x.stream, eventstore.AnyVersion, batch...)
	must(x.s.t, err)
	return res.LastPosition
}

// waitForReplay waits until the replay projection has applied everything in the log.
func (x *session) waitForReplay() {
	x.s.t.Helper()
	store, err := eventstore.New(x.s.db.Pool, eventstore.Options{})
	must(x.s.t, err)
	end, err := store.End(context.Background())
	must(x.s.t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	must(x.s.t, x.s.engine.WaitFor(ctx, "replay", end))
}

// eventsPage is a decoded GET /events answer.
type eventsPage struct {
	Events    []apiEvent `json:"events"`
	NextAfter *int64     `json:"nextAfter"`
}

type apiEvent struct {
	ID         string          `json:"id"`
	Type       string          `json:"type"`
	Version    int64           `json:"version"`
	Position   int64           `json:"position"`
	Timestamp  time.Time       `json:"timestamp"`
	RecordedAt time.Time       `json:"recordedAt"`
	Data       json.RawMessage `json:"data"`
	Actor      struct {
		Kind string `json:"kind"`
		ID   string `json:"id"`
	} `json:"actor"`
}

func (x *session) events(token, query string) eventsPage {
	x.s.t.Helper()
	r := x.s.expect(x.s.call("GET", "/api/interview/"+x.id+"/events?"+query, token, nil), 200, "")
	var page eventsPage
	must(x.s.t, json.Unmarshal([]byte(r.raw), &page))
	return page
}

func (x *session) state(token, query string) (int64, int64, map[string]string) {
	x.s.t.Helper()
	r := x.s.expect(x.s.call("GET", "/api/interview/"+x.id+"/state?"+query, token, nil), 200, "")
	var body struct {
		Position, Version int64
		Files             map[string]string
	}
	must(x.s.t, json.Unmarshal([]byte(r.raw), &body))
	if body.Files == nil {
		x.s.t.Fatalf("state without files: %s", r.raw)
	}
	return body.Position, body.Version, body.Files
}

func positions(events []apiEvent) []int64 {
	out := make([]int64, len(events))
	for i, e := range events {
		out[i] = e.Position
	}
	return out
}

func keystroke(file string, at time.Time, changes ...[3]any) map[string]any {
	list := make([]map[string]any, len(changes))
	for i, c := range changes {
		list[i] = map[string]any{"offset": c[0], "deleteCount": c[1], "text": c[2]}
	}
	return map[string]any{"type": "keystroke", "timestamp": at, "data": map[string]any{"fileId": file, "changes": list}}
}

// edit applies one change the way the editor does, in UTF-16 code units.
func edit(content string, offset, deleteCount int, text string) string {
	u := utf16.Encode([]rune(content))
	out := append(append(slices.Clone(u[:offset]), utf16.Encode([]rune(text))...), u[offset+deleteCount:]...)
	return string(utf16.Decode(out))
}

func utf16Len(s string) int { return len(utf16.Encode([]rune(s))) }

func TestEventsListFiltersAndPages(t *testing.T) {
	t.Parallel()
	s := newStack(t, nil)
	x := s.session("Filters")
	// The client's clock runs ahead of the server's, after interview_started.
	t0 := time.Now().Add(time.Hour).Truncate(time.Second).UTC()
	at := func(i int) time.Time { return t0.Add(time.Duration(i) * time.Second) }
	x.post(
		map[string]any{"type": "file_created", "timestamp": at(1), "data": map[string]any{"fileId": "f", "fileName": "a.go"}},
		keystroke("f", at(2), [3]any{0, 0, "package a"}),
		map[string]any{"type": "cursor", "timestamp": at(3), "data": map[string]any{"fileId": "f", "line": 1, "column": 9}},
		map[string]any{"type": "focus_change", "timestamp": at(4), "data": map[string]any{"focused": false}},
		map[string]any{"type": "focus_change", "timestamp": at(5), "data": map[string]any{"focused": true}},
		keystroke("f", at(6), [3]any{9, 0, "\n"}),
		map[string]any{"type": "code_snapshot", "timestamp": at(7), "data": map[string]any{"fileId": "f", "fileName": "a.go", "content": "package a\n"}},
		map[string]any{"type": "cursor", "timestamp": at(8), "data": map[string]any{"fileId": "f", "line": 2, "column": 1}},
	)
	all := x.events(x.team.owner, "")
	if len(all.Events) != 9 || all.NextAfter != nil {
		t.Fatalf("events = %d, nextAfter %v; want interview_started and 8 posted, no next page", len(all.Events), all.NextAfter)
	}
	first := all.Events[0]
	if first.Type != domain.TypeInterviewStarted || first.Version != 1 || first.Actor.Kind != "candidate" || first.Actor.ID == "" {
		t.Errorf("first event = %+v", first)
	}
	for i, e := range all.Events {
		if e.Version != int64(i+1) || (i > 0 && e.Position <= all.Events[i-1].Position) {
			t.Errorf("event %d: version %d position %d, not in log order", i, e.Version, e.Position)
		}
		if _, err := uuid.Parse(e.ID); err != nil || e.RecordedAt.IsZero() || len(e.Data) == 0 || e.Actor.Kind == "" {
			t.Errorf("event %d lacks part of its envelope: %+v", i, e)
		}
		if i > 0 && !e.Timestamp.Equal(at(i)) {
			t.Errorf("event %d: timestamp %v, want the client's %v", i, e.Timestamp, at(i))
		}
	}
	var ks struct {
		FileID  string `json:"fileId"`
		Changes []struct{ Text string }
	}
	must(t, json.Unmarshal(all.Events[2].Data, &ks))
	if ks.FileID != "f" || len(ks.Changes) != 1 || ks.Changes[0].Text != "package a" {
		t.Errorf("keystroke data = %s", all.Events[2].Data)
	}
	// Of the metadata, only the actor is shown: request ids and the like stay inside.
	var listed struct{ Events []map[string]json.RawMessage }
	raw := s.call("GET", "/api/interview/"+x.id+"/events", x.team.owner, nil).raw
	must(t, json.Unmarshal([]byte(raw), &listed))
	for _, e := range listed.Events {
		keys := slices.Sorted(maps.Keys(e))
		if want := []string{"actor", "data", "id", "position", "recordedAt", "timestamp", "type", "version"}; !slices.Equal(keys, want) {
			t.Errorf("event fields %v, want %v", keys, want)
		}
	}
	if strings.Contains(raw, "correlationId") {
		t.Errorf("the event list shows correlation ids: %s", raw)
	}

	typesOf := func(page eventsPage) []string {
		var out []string
		for _, e := range page.Events {
			out = append(out, e.Type)
		}
		return out
	}
	for _, tc := range []struct {
		query string
		want  []int64 // versions
	}{
		{"type=keystroke", []int64{3, 7}},
		{"type=cursor,focus_change", []int64{4, 5, 6, 9}},
		{"type=cursor&type=code_snapshot", []int64{4, 8, 9}},
		{"type=+cursor+,+cursor", []int64{4, 9}},
		{"from=" + url.QueryEscape(at(3).Format(time.RFC3339)) + "&to=" + url.QueryEscape(at(5).Format(time.RFC3339)), []int64{4, 5, 6}},
		// An unescaped '+' arrives as a space and is read as the '+' of a zone offset.
		{"from=" + at(7).In(time.FixedZone("", 2*3600)).Format(time.RFC3339), []int64{8, 9}},
		{"to=" + url.QueryEscape(at(2).Format(time.RFC3339Nano)) + "&type=keystroke,file_created", []int64{2, 3}},
		{"limit=2&offset=3", []int64{4, 5}},
		{"offset=8", []int64{9}},
		{"offset=20", nil},
		{"after=" + strconv.FormatInt(all.Events[6].Position, 10), []int64{8, 9}},
		{"after=" + strconv.FormatInt(all.Events[3].Position, 10) + "&type=keystroke", []int64{7}},
		{"limit=99999", []int64{1, 2, 3, 4, 5, 6, 7, 8, 9}},
		// Empty values are not given; a flag without a value is set.
		{"type=&from=&limit=", []int64{1, 2, 3, 4, 5, 6, 7, 8, 9}},
	} {
		page := x.events(x.team.owner, tc.query)
		var got []int64
		for _, e := range page.Events {
			got = append(got, e.Version)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: versions %v (%v), want %v", tc.query, got, typesOf(page), tc.want)
		}
	}

	// checkpoints=true lists the events the replay made keyframes of: the snapshot among them.
	x.waitForReplay()
	var cps struct {
		Checkpoints []projections.Checkpoint `json:"checkpoints"`
	}
	must(t, json.Unmarshal([]byte(s.expect(s.call("GET", "/api/interview/"+x.id+"/checkpoints", x.team.owner, nil), 200, "").raw), &cps))
	keyframes := x.events(x.team.owner, "checkpoints=true")
	var cpPositions []int64
	for _, cp := range cps.Checkpoints {
		cpPositions = append(cpPositions, cp.Position)
	}
	if len(keyframes.Events) == 0 || !slices.Equal(positions(keyframes.Events), cpPositions) || !slices.Contains(typesOf(keyframes), "code_snapshot") {
		t.Errorf("checkpoints=true gives %v %v; the checkpoints are at %v", positions(keyframes.Events), typesOf(keyframes), cpPositions)
	}
	if page := x.events(x.team.owner, "checkpoints=false"); len(page.Events) != 9 {
		t.Errorf("checkpoints=false lists %d events, want all 9", len(page.Events))
	}
	if page := x.events(x.team.owner, "checkpoints&type=code_snapshot"); !slices.Equal(positions(page.Events), []int64{all.Events[7].Position}) {
		t.Errorf("checkpoints&type=code_snapshot lists %v, want the snapshot", positions(page.Events))
	}

	// Paging with the cursor gives every event once, in order.
	for _, limit := range []int{1, 2, 4, 9} {
		var got []int64
		query := "limit=" + strconv.Itoa(limit)
		for pages := 0; ; pages++ {
			page := x.events(x.team.owner, query)
			got = append(got, positions(page.Events)...)
			if page.NextAfter == nil {
				break
			}
			if len(page.Events) != limit || *page.NextAfter != page.Events[len(page.Events)-1].Position || pages > 20 {
				t.Fatalf("limit %d: a page of %d with nextAfter %d", limit, len(page.Events), *page.NextAfter)
			}
			query = fmt.Sprintf("limit=%d&after=%d", limit, *page.NextAfter)
		}
		if !slices.Equal(got, positions(all.Events)) {
			t.Errorf("limit %d: paging gave %v, want %v", limit, got, positions(all.Events))
		}
	}
}

func TestEventsRefuseBadParameters(t *testing.T) {
	t.Parallel()
	s := newStack(t, nil)
	x := s.session("BadParams")
	for _, tc := range []struct {
		query, code, field string
		status             int
	}{
		{"limit=ten", "invalid_parameter", "limit", 400},
		{"limit=0", "validation_failed", "limit", 422},
		{"limit=-5", "validation_failed", "limit", 422},
		{"offset=-1", "validation_failed", "offset", 422},
		{"offset=1.5", "invalid_parameter", "offset", 400},
		{"after=abc", "invalid_parameter", "after", 400},
		{"after=-1", "validation_failed", "after", 422},
		{"from=yesterday", "invalid_parameter", "from", 400},
		{"to=2026-13-01T00:00:00Z", "invalid_parameter", "to", 400},
		{"from=2026-05-02T00:00:00Z&to=2026-05-01T00:00:00Z", "validation_failed", "to", 422},
		{"type=keystroke,teleport", "validation_failed", "type", 422},
		{"type=keystroke,", "validation_failed", "type", 422},
		{"checkpoints=maybe", "invalid_parameter", "checkpoints", 400},
		{"limit=&offset=x", "invalid_parameter", "offset", 400},
		{"limt=10", "invalid_parameter", "limt", 400},
		{"limit=1&limit=2", "invalid_parameter", "limit", 400},
		{"from=%zz", "invalid_parameter", "", 400},
	} {
		r := s.expect(s.call("GET", "/api/interview/"+x.id+"/events?"+tc.query, x.team.owner, nil), tc.status, tc.code)
		if r.str("error", "details", "field") != tc.field || r.str("error", "message") == "" {
			t.Errorf("%s: %s, want the field %q named", tc.query, r.raw, tc.field)
		}
	}
	// Another organization's interview does not exist for them.
	other := s.newTeam("Elsewhere")
	s.expect(s.call("GET", "/api/interview/"+x.id+"/events", other.owner, nil), 404, "not_found")
	s.expect(s.call("GET", "/api/interview/"+x.id+"/replay", other.owner, nil), 404, "not_found")
}

func TestEventsLimitIsCappedAndDefaulted(t *testing.T) {
	t.Parallel()
	s := newStack(t, nil)
	x := s.session("Cap")
	cursors := make([]domain.Event, httpapi.MaxEventsLimit+1)
	for i := range cursors {
		cursors[i] = &domain.Cursor{FileID: "f", Line: i}
	}
	x.appendServer(time.Now(), cursors...)
	page := x.events(x.team.owner, "limit=100000")
	if len(page.Events) != httpapi.MaxEventsLimit || page.NextAfter == nil || *page.NextAfter != page.Events[len(page.Events)-1].Position {
		t.Fatalf("limit=100000: %d events, nextAfter %v; want the cap of %d and a cursor", len(page.Events), page.NextAfter, httpapi.MaxEventsLimit)
	}
	rest := x.events(x.team.owner, fmt.Sprintf("limit=100000&after=%d", *page.NextAfter))
	if len(rest.Events) != 2 || rest.NextAfter != nil {
		t.Errorf("after the cap: %d events, nextAfter %v; want the last 2 and no cursor", len(rest.Events), rest.NextAfter)
	}
	if page := x.events(x.team.owner, ""); len(page.Events) != httpapi.DefaultEventsLimit || page.NextAfter == nil {
		t.Errorf("default page: %d events, want %d", len(page.Events), httpapi.DefaultEventsLimit)
	}
}

func TestCandidateSeesNoHiddenTestDetails(t *testing.T) {
	t.Parallel()
	s := newStack(t, nil)
	x := s.session("Hidden")
	now := time.Now()
	x.appendServer(now,
		&domain.QuestionServed{QuestionID: uuid.New(), Title: "Sum", Difficulty: domain.DifficultyMedium, Mode: domain.TestModeStdio,
			TestCases: []domain.TestCase{
				{Name: "visible", Input: "1 2", ExpectedOutput: "3"},
				{Name: "hidden-big", Input: "SECRET-INPUT", ExpectedOutput: "SECRET-EXPECTED", Hidden: true},
			}},
		&domain.TestRun{RunID: uuid.New(), Language: "python", Code: "print(sum)", Passed: 1, Failed: 1, Total: 2,
			Results: []domain.TestResult{
				{Name: "visible", Passed: true, Verdict: domain.VerdictPassed, DurationMs: 4, ActualOutput: "3", ExpectedOutput: "3"},
				{Name: "hidden-big", Passed: false, Verdict: domain.VerdictWrongAnswer, DurationMs: 9, Hidden: true,
					ActualOutput: "SECRET-ACTUAL", ExpectedOutput: "SECRET-EXPECTED", Error: "SECRET-ERROR"},
			}},
		&domain.EvaluationCompleted{ScoringVersion: "v1", OverallScore: 42, Recommendation: domain.RecommendNo},
	)

	team := x.events(x.team.owner, "")
	teamRaw := s.call("GET", "/api/interview/"+x.id+"/events", x.team.owner, nil).raw
	for _, secret := range []string{"SECRET-INPUT", "SECRET-EXPECTED", "SECRET-ACTUAL", "SECRET-ERROR"} {
		if !strings.Contains(teamRaw, secret) {
			t.Errorf("the hiring team does not see %s", secret)
		}
	}
	if got := team.Events[len(team.Events)-1].Type; got != domain.TypeEvaluationCompleted {
		t.Errorf("the team's last event is %s, want the evaluation", got)
	}

	mine := x.events(x.token, "")
	if len(mine.Events) != len(team.Events)-1 {
		t.Fatalf("the candidate sees %d events, the team %d; only the evaluation should be missing", len(mine.Events), len(team.Events))
	}
	byType := map[string]apiEvent{}
	for _, e := range mine.Events {
		byType[e.Type] = e
	}
	if _, ok := byType[domain.TypeEvaluationCompleted]; ok {
		t.Error("the candidate sees the evaluation")
	}
	var served struct {
		Title     string
		TestCases []map[string]any `json:"testCases"`
	}
	must(t, json.Unmarshal(byType[domain.TypeQuestionServed].Data, &served))
	if served.Title != "Sum" || len(served.TestCases) != 2 || served.TestCases[0]["input"] != "1 2" || served.TestCases[0]["expectedOutput"] != "3" {
		t.Errorf("question as the candidate sees it: %s", byType[domain.TypeQuestionServed].Data)
	}
	if hidden := served.TestCases[1]; len(hidden) != 2 || hidden["name"] != "hidden-big" || hidden["hidden"] != true {
		t.Errorf("hidden test case = %v, want its name only", hidden)
	}
	var run struct {
		Passed  int
		Results []map[string]any
	}
	must(t, json.Unmarshal(byType[domain.TypeTestRun].Data, &run))
	if run.Passed != 1 || len(run.Results) != 2 || run.Results[0]["actualOutput"] != "3" {
		t.Errorf("test run as the candidate sees it: %s", byType[domain.TypeTestRun].Data)
	}
	want := map[string]any{"name": "hidden-big", "passed": false, "verdict": "wrong_answer", "durationMs": float64(9), "hidden": true}
	if fmt.Sprint(run.Results[1]) != fmt.Sprint(want) {
		t.Errorf("hidden result = %v, want %v", run.Results[1], want)
	}

	// The same holds for every way the candidate reads the log.
	for _, path := range []string{"/events", "/events?type=test_run,question_served", "/replay"} {
		raw := s.call("GET", "/api/interview/"+x.id+path, x.token, nil).raw
		if strings.Contains(raw, "SECRET") || strings.Contains(raw, domain.TypeEvaluationCompleted) {
			t.Errorf("%s shows the candidate a secret: %s", path, raw)
		}
		if !strings.Contains(raw, "hidden-big") {
			t.Errorf("%s does not show the hidden test's name", path)
		}
	}
	if raw := s.call("GET", "/api/interview/"+x.id+"/replay", x.team.owner, nil).raw; !strings.Contains(raw, "SECRET-ACTUAL") {
		t.Error("the team's replay lacks the hidden test's output")
	}
}

func TestEventJSONEscapesWhatItCopies(t *testing.T) {
	t.Parallel()
	s := newStack(t, nil)
	x := s.session("Escapes")
	store, err := eventstore.New(s.db.Pool, eventstore.Options{})
	must(t, err)
	odd := "ünï \"quoted\"\r\nline\t\\ </script>"
	e, err := domain.NewEventFrom(uuid.New(), &domain.TerminalOutput{CommandID: uuid.New(), Stream: domain.Stdout, Data: odd},
		domain.Metadata{Actor: domain.Actor{Kind: domain.ActorSystem, ID: odd}}, time.Now())
	must(t, err)
	_, err = store.Append(context.Background(), x.stream, eventstore.AnyVersion, e)
	must(t, err)

	listed := x.events(x.team.owner, "type=terminal_output").Events
	var data struct{ Data string }
	if len(listed) != 1 || listed[0].Actor.ID != odd || json.Unmarshal(listed[0].Data, &data) != nil || data.Data != odd {
		t.Fatalf("listed %+v", listed)
	}
	frames := x.replay(x.team.owner, "", nil).all(t)
	streamed := frames[len(frames)-2]
	if streamed.data["type"] != "event" || streamed.data["event"].(map[string]any)["actor"].(map[string]any)["id"] != odd {
		t.Errorf("streamed %q", streamed.raw)
	}
}

// typing is a scripted editing session: each step is one event, with the content of main.py
// the editor shows after it.
type typing struct {
	x         *session
	at        time.Time
	content   string
	positions []int64
	contents  []string
	times     []time.Time
}

func (ty *typing) send(event map[string]any, content string) {
	ty.x.s.t.Helper()
	ty.positions = append(ty.positions, ty.x.post(event))
	ty.contents = append(ty.contents, content)
	ty.times = append(ty.times, ty.at)
	ty.content = content
}

func (ty *typing) edit(offset, deleteCount int, text string) {
	ty.x.s.t.Helper()
	ty.at = ty.at.Add(time.Second)
	ty.send(keystroke("f1", ty.at, [3]any{offset, deleteCount, text}), edit(ty.content, offset, deleteCount, text))
}

func newTyping(x *session) *typing {
	ty := &typing{x: x, at: time.Now().Add(-time.Hour).Truncate(time.Second)}
	ty.send(map[string]any{"type": "file_created", "timestamp": ty.at, "data": map[string]any{"fileId": "f1", "fileName": "main.py"}}, "")
	ty.edit(0, 0, "def hi():\r\n")
	ty.edit(utf16Len(ty.content), 0, "    return '👋🏽'\r\n")
	ty.edit(4, 2, "wave")
	// Two changes in one event, the second applied to what the first left.
	ty.at = ty.at.Add(time.Second)
	end := utf16Len(ty.content)
	ty.send(keystroke("f1", ty.at, [3]any{end, 0, "# 日本語 ✓\r\n"}, [3]any{0, 0, "# 😀\n"}),
		edit(edit(ty.content, end, 0, "# 日本語 ✓\r\n"), 0, 0, "# 😀\n"))
	emoji := strings.Index(ty.content, "👋🏽")
	ty.edit(utf16Len(ty.content[:emoji]), utf16Len("👋🏽"), "🎉")
	ty.edit(utf16Len(ty.content)-2, 2, "\n")
	return ty
}

func TestStateIsWhatTheKeystrokesMade(t *testing.T) {
	t.Parallel()
	s := newStack(t, nil)
	x := s.session("State")
	ty := newTyping(x)
	if want := "# 😀\ndef wave():\r\n    return '🎉'\r\n# 日本語 ✓\n"; ty.content != want {
		t.Fatalf("the script's own model gives %q, want %q", ty.content, want)
	}
	for i, p := range ty.positions {
		position, version, files := x.state(x.team.owner, "at="+strconv.FormatInt(p, 10))
		if position != p || version != int64(i+2) || files["main.py"] != ty.contents[i] || len(files) != 1 {
			t.Errorf("at %d: position %d version %d files %q, want %q", p, position, version, files, ty.contents[i])
		}
		// A time names the last event at or before it.
		_, _, byTime := x.state(x.team.owner, "at="+url.QueryEscape(ty.times[i].Add(500*time.Millisecond).Format(time.RFC3339Nano)))
		if byTime["main.py"] != ty.contents[i] {
			t.Errorf("at %s: %q, want %q", ty.times[i].Add(500*time.Millisecond), byTime["main.py"], ty.contents[i])
		}
	}
	last := ty.positions[len(ty.positions)-1]
	for _, query := range []string{"", "at=" + strconv.FormatInt(last+1_000_000, 10), "at=" + url.QueryEscape(time.Now().Add(time.Hour).Format(time.RFC3339))} {
		if position, _, files := x.state(x.team.owner, query); position != last || files["main.py"] != ty.content {
			t.Errorf("%q: position %d files %q, want the latest", query, position, files)
		}
	}
	for _, query := range []string{"at=0", "at=" + url.QueryEscape(ty.times[0].Add(-time.Minute).Format(time.RFC3339))} {
		if position, version, files := x.state(x.team.owner, query); position != 0 || version != 0 || len(files) != 0 {
			t.Errorf("%q: position %d version %d files %v, want the empty editor", query, position, version, files)
		}
	}
	// The candidate reads their own state.
	if _, _, files := x.state(x.token, ""); files["main.py"] != ty.content {
		t.Errorf("candidate's state = %q", files)
	}
	for query, status := range map[string]int{"at=soon": 400, "at=-3": 422, "at=cp-999": 422, "when=0": 400} {
		r := s.expect(s.call("GET", "/api/interview/"+x.id+"/state?"+query, x.team.owner, nil), status, "")
		if r.str("error", "details", "field") == "" {
			t.Errorf("%s: %s does not name the parameter", query, r.raw)
		}
	}
}

func TestCheckpointsAndSnapshots(t *testing.T) {
	t.Parallel()
	s := newStack(t, nil)
	x := s.session("Snapshots")
	at := time.Now().Add(-time.Minute)
	first := "a\nb\nc\n"
	second := "a\nB\nc\nd\n"
	p1 := x.post(map[string]any{"type": "code_snapshot", "timestamp": at, "data": map[string]any{"fileId": "f1", "fileName": "main.py", "content": first}})
	x.post(keystroke("f1", at.Add(time.Second), [3]any{2, 1, "B"}))
	p2 := x.post(map[string]any{"type": "code_snapshot", "timestamp": at.Add(2 * time.Second), "data": map[string]any{"fileId": "f1", "fileName": "main.py", "content": second}})
	x.waitForReplay()

	var cps struct {
		Checkpoints []struct {
			ID        string
			Position  int64
			Version   int64
			Timestamp time.Time
			Kind      string
		}
	}
	must(t, json.Unmarshal([]byte(s.expect(s.call("GET", "/api/interview/"+x.id+"/checkpoints", x.team.owner, nil), 200, "").raw), &cps))
	var snapshotsAt []int64
	for _, cp := range cps.Checkpoints {
		if cp.ID != fmt.Sprintf("cp-%d", cp.Version) || cp.Timestamp.IsZero() {
			t.Errorf("checkpoint %+v", cp)
		}
		if cp.Kind == projections.KeyframeSnapshot {
			snapshotsAt = append(snapshotsAt, cp.Position)
		}
	}
	if !slices.Equal(snapshotsAt, []int64{p1, p2}) {
		t.Errorf("snapshot checkpoints at %v, want %v (all: %+v)", snapshotsAt, []int64{p1, p2}, cps.Checkpoints)
	}

	var snaps struct {
		Snapshots []projections.Snapshot
	}
	must(t, json.Unmarshal([]byte(s.expect(s.call("GET", "/api/interview/"+x.id+"/snapshots", x.token, nil), 200, "").raw), &snaps))
	if len(snaps.Snapshots) != 2 {
		t.Fatalf("snapshots = %+v", snaps.Snapshots)
	}
	sum := sha256.Sum256([]byte(second))
	got := snaps.Snapshots[1]
	if got.Position != p2 || got.FileName != "main.py" || got.SHA256 != hex.EncodeToString(sum[:]) ||
		got.LinesAdded != 2 || got.LinesDeleted != 1 || !strings.Contains(got.Diff, "-b") || !strings.Contains(got.Diff, "+B") || !strings.Contains(got.Diff, "+d") {
		t.Errorf("second snapshot = %+v", got)
	}
	if first := snaps.Snapshots[0]; first.LinesAdded != 3 || first.LinesDeleted != 0 {
		t.Errorf("first snapshot = %+v", first)
	}

	// A checkpoint id is a place to start a replay or read the state.
	id := ""
	for _, cp := range cps.Checkpoints {
		if cp.Position == p2 {
			id = cp.ID
		}
	}
	if _, _, files := x.state(x.team.owner, "at="+id); files["main.py"] != second {
		t.Errorf("state at %s = %q", id, files)
	}
	frames := x.replay(x.team.owner, "from="+id, nil).all(t)
	if frames[0].data["type"] != "state" || frames[0].files()["main.py"] != second || frames[0].id != strconv.FormatInt(p2, 10) {
		t.Errorf("replay from %s starts with %s", id, frames[0].raw)
	}
	if len(frames) != 2 || frames[1].data["type"] != "end" {
		t.Errorf("replay from the last checkpoint: %d frames, want state and end", len(frames))
	}
	for _, path := range []string{"/checkpoints?x=1", "/snapshots?limit=3"} {
		s.expect(s.call("GET", "/api/interview/"+x.id+path, x.team.owner, nil), 400, "invalid_parameter")
	}
}

// sseFrame is one frame of an event stream.
type sseFrame struct {
	id      string
	hasID   bool
	raw     string
	data    map[string]any
	comment string
	at      time.Time
}

func (f sseFrame) position() int64 {
	if f.data["type"] == "event" {
		return int64(f.data["event"].(map[string]any)["position"].(float64))
	}
	return int64(f.data["position"].(float64))
}

func (f sseFrame) files() map[string]string {
	out := map[string]string{}
	files, _ := f.data["files"].(map[string]any)
	for name, content := range files {
		out[name] = content.(string)
	}
	return out
}

// sseStream reads an event stream frame by frame as a browser's EventSource would.
type sseStream struct {
	resp   *http.Response
	frames chan sseFrame
	cancel context.CancelFunc
	start  time.Time
}

func (x *session) replay(token, query string, header http.Header) *sseStream {
	return replayAt(x.s.t, x.s.url, x.id, token, query, header)
}

func replayAt(tb testing.TB, base, interview, token, query string, header http.Header) *sseStream {
	tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, "GET", base+"/api/interview/"+interview+"/replay?"+query, nil)
	if err != nil {
		tb.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	req.Header.Set("Authorization", "Bearer "+token)
	start := time.Now()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	if resp.StatusCode != 200 {
		body, _ := io.ReadAll(resp.Body)
		tb.Fatalf("replay?%s: %d %s", query, resp.StatusCode, body)
	}
	st := &sseStream{resp: resp, frames: make(chan sseFrame, 1024), cancel: cancel, start: start}
	go st.read()
	tb.Cleanup(st.close)
	return st
}

func (st *sseStream) read() {
	defer close(st.frames)
	sc := bufio.NewScanner(st.resp.Body)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	var f sseFrame
	var data []string
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			if len(data) == 0 && f.comment == "" {
				continue
			}
			f.raw = strings.Join(data, "\n")
			if f.raw != "" {
				if err := json.Unmarshal([]byte(f.raw), &f.data); err != nil {
					f.data = map[string]any{"type": "unparseable"}
				}
			}
			f.at = time.Now()
			st.frames <- f
			f, data = sseFrame{}, nil
		case strings.HasPrefix(line, ":"):
			f.comment = strings.TrimSpace(line[1:])
		case strings.HasPrefix(line, "id: "):
			f.id, f.hasID = line[4:], true
		case strings.HasPrefix(line, "data: "):
			data = append(data, line[6:])
		default:
			data = append(data, "unexpected line: "+line)
		}
	}
}

// next returns the next frame that is not a comment; ok is false when the stream ended or
// nothing came within timeout.
func (st *sseStream) next(timeout time.Duration) (sseFrame, bool) {
	deadline := time.After(timeout)
	for {
		select {
		case f, ok := <-st.frames:
			if !ok {
				return f, false
			}
			if f.comment != "" && f.raw == "" {
				continue
			}
			return f, true
		case <-deadline:
			return sseFrame{}, false
		}
	}
}

// all reads frames until the stream closes, failing when it stays silent for 30s.
func (st *sseStream) all(t *testing.T) []sseFrame {
	t.Helper()
	var out []sseFrame
	for {
		select {
		case f, open := <-st.frames:
			if !open {
				return out
			}
			if f.raw != "" {
				out = append(out, f)
			}
		case <-time.After(30 * time.Second):
			t.Fatalf("the stream neither ended nor sent anything for 30s after %d frames", len(out))
		}
	}
}

func (st *sseStream) close() {
	st.cancel()
	_ = st.resp.Body.Close()
}

// checkEvents checks that frames are events, in log order, whose ids are their positions.
func checkEvents(t *testing.T, frames []sseFrame) []int64 {
	t.Helper()
	var out []int64
	for i, f := range frames {
		if f.data["type"] != "event" || !f.hasID || f.id != strconv.FormatInt(f.position(), 10) {
			t.Fatalf("frame %d: id %q %s, want an event whose id is its position", i, f.id, f.raw)
		}
		if len(out) > 0 && f.position() <= out[len(out)-1] {
			t.Fatalf("frame %d: position %d after %d", i, f.position(), out[len(out)-1])
		}
		out = append(out, f.position())
	}
	return out
}

func TestReplayStreamsStateThenEventsThenEnd(t *testing.T) {
	t.Parallel()
	s := newStack(t, nil)
	x := s.session("Replay")
	ty := newTyping(x)
	all := x.events(x.team.owner, "")

	st := x.replay(x.team.owner, "", nil)
	for header, want := range map[string]string{"Content-Type": "text/event-stream", "Cache-Control": "no-cache", "X-Accel-Buffering": "no"} {
		if got := st.resp.Header.Get(header); got != want {
			t.Errorf("%s: %q, want %q", header, got, want)
		}
	}
	frames := st.all(t)
	state, end := frames[0], frames[len(frames)-1]
	if state.data["type"] != "state" || state.id != "0" || state.position() != 0 || len(state.files()) != 0 || state.data["version"] != float64(0) {
		t.Errorf("first frame = id %q %s, want the empty state at 0", state.id, state.raw)
	}
	got := checkEvents(t, frames[1:len(frames)-1])
	if !slices.Equal(got, positions(all.Events)) {
		t.Errorf("replayed %v, want %v", got, positions(all.Events))
	}
	if end.data["type"] != "end" || end.position() != all.Events[len(all.Events)-1].Position || end.hasID {
		t.Errorf("last frame = %s, want the end at the last position, without an id", end.raw)
	}
	// An event frame carries the event as GET /events shows it.
	var listed, streamed map[string]any
	must(t, json.Unmarshal(mustMarshal(t, all.Events[3]), &listed))
	streamed = frames[4].data["event"].(map[string]any)
	if fmt.Sprint(normalize(t, streamed)) != fmt.Sprint(normalize(t, listed)) {
		t.Errorf("streamed event %v\nlisted event %v", streamed, listed)
	}

	// From a position: the state there, then only what follows.
	mid := ty.positions[3]
	frames = x.replay(x.team.owner, "from="+strconv.FormatInt(mid, 10), nil).all(t)
	if frames[0].data["type"] != "state" || frames[0].position() != mid || frames[0].files()["main.py"] != ty.contents[3] {
		t.Errorf("state at %d = %s, want %q", mid, frames[0].raw, ty.contents[3])
	}
	if got := checkEvents(t, frames[1:len(frames)-1]); !slices.Equal(got, ty.positions[4:]) {
		t.Errorf("after %d: %v, want %v", mid, got, ty.positions[4:])
	}
	// From a time.
	from := url.QueryEscape(ty.times[2].Add(time.Millisecond).Format(time.RFC3339Nano))
	frames = x.replay(x.team.owner, "from="+from, nil).all(t)
	if frames[0].position() != ty.positions[2] || frames[0].files()["main.py"] != ty.contents[2] || len(frames) != 2+len(ty.positions)-3 {
		t.Errorf("from a time: state %s and %d frames", frames[0].raw, len(frames))
	}
	// The candidate replays their own session, too.
	frames = x.replay(x.token, "from=0", nil).all(t)
	if got := checkEvents(t, frames[1:len(frames)-1]); !slices.Equal(got, positions(all.Events)) {
		t.Errorf("candidate's replay: %v", got)
	}

	for query, want := range map[string]string{
		"speed=fast": "invalid_parameter", "speed=-1": "validation_failed", "speed=NaN": "validation_failed",
		"maxGap=forever": "invalid_parameter", "maxGap=-1s": "validation_failed", "follow=perhaps": "invalid_parameter",
		"from=the-start": "invalid_parameter", "from=cp-424242": "validation_failed", "from=-1": "validation_failed",
		"lastEventId=x": "invalid_parameter", "sped=2": "invalid_parameter",
	} {
		r := s.call("GET", "/api/interview/"+x.id+"/replay?"+query, x.team.owner, nil)
		if r.code() != want || r.str("error", "details", "field") == "" || !strings.HasPrefix(r.header.Get("Content-Type"), "application/json") {
			t.Errorf("%s: %d %s, want %s naming the parameter", query, r.status, r.raw, want)
		}
	}
}

func mustMarshal(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	must(t, err)
	return b
}

// normalize reads times as instants, since a Go round trip may spell them differently.
func normalize(t *testing.T, event map[string]any) map[string]any {
	t.Helper()
	out := map[string]any{}
	for k, v := range event {
		if s, ok := v.(string); ok && (k == "timestamp" || k == "recordedAt") {
			at, err := time.Parse(time.RFC3339Nano, s)
			must(t, err)
			v = at.UTC().Format(time.RFC3339Nano)
		}
		if k == "data" {
			v = fmt.Sprint(v)
		}
		out[k] = v
	}
	return out
}

func TestReplayResumesAfterLastEventID(t *testing.T) {
	t.Parallel()
	s := newStack(t, nil)
	x := s.session("Resume")
	// More than one page of the stream, so that resuming crosses page boundaries.
	cursors := make([]domain.Event, 700)
	for i := range cursors {
		cursors[i] = &domain.Cursor{FileID: "f", Line: i}
	}
	x.appendServer(time.Now(), cursors...)
	want := positions(x.events(x.team.owner, "limit=5000").Events)

	for _, stop := range []int{0, 1, 249, 250, 251, 600, len(want)} {
		// A viewer reads the state and stop events, then the connection drops.
		st := x.replay(x.team.owner, "", nil)
		var got []int64
		lastID := ""
		for i := 0; i <= stop; i++ {
			f, ok := st.next(10 * time.Second)
			if !ok {
				t.Fatalf("stop %d: the stream ended after %d frames", stop, i)
			}
			if i > 0 {
				got = append(got, checkEvents(t, []sseFrame{f})...)
			}
			lastID = f.id
		}
		st.close()

		// The browser reconnects with the last id it saw: no state again, nothing lost or repeated.
		header := http.Header{"Last-Event-ID": {lastID}}
		query := ""
		if stop%2 == 1 {
			header, query = nil, "lastEventId="+lastID // what polyfills send
		}
		frames := x.replay(x.team.owner, query, header).all(t)
		got = append(got, checkEvents(t, frames[:len(frames)-1])...)
		if end := frames[len(frames)-1]; end.data["type"] != "end" || end.position() != want[len(want)-1] {
			t.Errorf("stop %d: last frame %s", stop, end.raw)
		}
		if !slices.Equal(got, want) {
			t.Errorf("stop %d (Last-Event-ID %s): %d events, want the %d of the log once each, in order", stop, lastID, len(got), len(want))
		}
	}
	// The header is the browser's own and wins over the query.
	frames := x.replay(x.team.owner, "lastEventId=0", http.Header{"Last-Event-ID": {strconv.FormatInt(want[len(want)-2], 10)}}).all(t)
	if got := checkEvents(t, frames[:len(frames)-1]); !slices.Equal(got, want[len(want)-1:]) {
		t.Errorf("header and query: %v, want only the last event", got)
	}
}

func TestReplayFollowsTheLiveInterview(t *testing.T) {
	t.Parallel()
	s := newStack(t, nil)
	x := s.session("Live")
	x.post(keystroke("f1", time.Now(), [3]any{0, 0, "x"}))
	st := x.replay(x.team.owner, "follow=true", nil)
	if f, _ := st.next(10 * time.Second); f.data["type"] != "state" {
		t.Fatalf("first frame %s", f.raw)
	}
	for range 2 { // interview_started and the keystroke
		if f, ok := st.next(10 * time.Second); !ok || f.data["type"] != "event" {
			t.Fatalf("frame %s, want an event", f.raw)
		}
	}
	if f, ok := st.next(500 * time.Millisecond); ok {
		t.Fatalf("a following stream sent %s at the end of the log; it should wait", f.raw)
	}
	for i := range 3 {
		position := x.post(keystroke("f1", time.Now(), [3]any{1 + i, 0, "y"}))
		posted := time.Now()
		f, ok := st.next(5 * time.Second)
		if !ok || f.data["type"] != "event" || f.position() != position {
			t.Fatalf("after posting %d: %s", position, f.raw)
		}
		if lag := f.at.Sub(posted); lag > time.Second {
			t.Errorf("a live event reached the viewer %s after it was recorded; want within 1s", lag)
		}
	}
	// The team's side is followed too; the candidate's follow leaves it out.
	latest := x.events(x.team.owner, "").Events
	mine := x.replay(x.token, "follow=true", nil)
	for range 1 + len(latest) {
		if _, ok := mine.next(10 * time.Second); !ok {
			t.Fatal("the candidate's stream ended")
		}
	}
	eval := x.appendServer(time.Now(), &domain.EvaluationCompleted{ScoringVersion: "v1", Recommendation: domain.RecommendYes})
	if f, ok := st.next(5 * time.Second); !ok || f.position() != eval {
		t.Errorf("the team's stream: %s, want the evaluation", f.raw)
	}
	last := x.post(keystroke("f1", time.Now(), [3]any{0, 0, "z"}))
	if f, ok := mine.next(5 * time.Second); !ok || f.position() != last {
		t.Errorf("the candidate's stream: %s, want the keystroke after the evaluation, not the evaluation", f.raw)
	}
	// Once the interview is submitted there is nothing more to follow: the stream ends.
	submitted := x.appendServer(time.Now(), &domain.InterviewSubmitted{FinalFiles: map[string]string{}})
	if f, ok := mine.next(5 * time.Second); !ok || f.position() != submitted {
		t.Fatalf("the candidate's stream: %s, want the submission", f.raw)
	}
	if f, ok := mine.next(5 * time.Second); !ok || f.data["type"] != "end" {
		t.Fatalf("after the submission: %s, want the end", f.raw)
	}
	if f, ok := mine.next(5 * time.Second); ok {
		t.Errorf("the stream went on after its end: %s", f.raw)
	}
}

func TestPacedReplayKeepsOrderAndPacingCanBeOff(t *testing.T) {
	t.Parallel()
	s := newStack(t, nil)
	x := s.session("Paced")
	t0 := time.Now().Add(-48 * time.Hour)
	// Gaps of 2s and 3s, then an hour's idling.
	var want []int64
	for _, at := range []time.Time{t0, t0.Add(2 * time.Second), t0.Add(5 * time.Second), t0.Add(time.Hour + 5*time.Second)} {
		want = append(want, x.post(keystroke("f1", at, [3]any{0, 0, "a"})))
	}
	all := positions(x.events(x.team.owner, "").Events)
	from := strconv.FormatInt(all[0], 10) // after interview_started, whose time is now

	// replayed checks the order and returns when each event arrived, counted from the request.
	replayed := func(query string) []time.Duration {
		st := x.replay(x.team.owner, "from="+from+"&"+query, nil)
		frames := st.all(t)
		got := checkEvents(t, frames[1:len(frames)-1])
		if !slices.Equal(got, want) || frames[len(frames)-1].data["type"] != "end" {
			t.Errorf("%s: %v, want %v then the end", query, got, want)
		}
		var arrivals []time.Duration
		for _, f := range frames[1:] {
			arrivals = append(arrivals, f.at.Sub(st.start))
		}
		return arrivals
	}
	// At 10x the gaps are 200ms and 300ms, and the hour is cut to maxGap. Lateness on a busy
	// machine only delays events, so each must come no sooner than its due time, whatever the
	// load; how much later is not asserted.
	arrivals := replayed("speed=10&maxGap=400ms")
	for i, due := range []time.Duration{0, 200 * time.Millisecond, 500 * time.Millisecond, 900 * time.Millisecond} {
		if arrivals[i] < due {
			t.Errorf("speed=10: event %d came %s after the request, before it was due (%s)", i, arrivals[i], due)
		}
	}
	// Unpaced, an hour's gap does not wait at all: without a speed, and with speed 0.
	for _, query := range []string{"", "speed=0", "maxGap=1h"} {
		if took := replayed(query); took[len(took)-1] > 20*time.Second {
			t.Errorf("%q: took %s; unpaced replays do not wait", query, took[len(took)-1])
		}
	}
	// At 1x with a small maxGap, every gap is capped, so the hour plays in moments.
	if took := replayed("speed=1&maxGap=100ms"); took[3] < 300*time.Millisecond || took[3] > 30*time.Second {
		t.Errorf("speed=1&maxGap=100ms: the last event came after %s, want 300ms or a little more", took[3])
	}
}

// metric returns the value of a series in the server's /metrics, 0 when absent.
func (s *stack) metric(series string) float64 {
	s.t.Helper()
	resp, err := http.Get(s.url + "/metrics")
	must(s.t, err)
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(series) + ` (\S+)$`).FindSubmatch(body)
	if m == nil {
		return 0
	}
	v, err := strconv.ParseFloat(string(m[1]), 64)
	must(s.t, err)
	return v
}

func TestReplayEndsWhenTheViewerLeaves(t *testing.T) {
	t.Parallel()
	s := newStack(t, nil)
	x := s.session("Leaves")
	done := `http_requests_total{method="GET",route="/api/interview/:id/replay",status="200"}`
	for _, query := range []string{"follow=true", "speed=1&maxGap=1h&from=0"} {
		if query != "follow=true" {
			// An hour after interview_started: the paced stream waits maxGap, an hour, for it.
			x.post(keystroke("f1", time.Now().Add(time.Hour), [3]any{0, 0, "a"}))
		}
		before := s.metric(done)
		st := x.replay(x.team.owner, query, nil)
		if _, ok := st.next(10 * time.Second); !ok {
			t.Fatal("no first frame")
		}
		time.Sleep(300 * time.Millisecond) // the stream is waiting: following, or pacing an hour's gap
		if got := s.metric(done); got != before {
			t.Fatalf("%s: the handler returned while the viewer was there", query)
		}
		st.close()
		deadline := time.Now().Add(10 * time.Second)
		for s.metric(done) == before {
			if time.Now().After(deadline) {
				t.Fatalf("%s: the handler still runs 10s after the viewer left", query)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}

func TestReplayEndsWhenTheServerShutsDown(t *testing.T) {
	t.Parallel()
	s := newStack(t, nil)
	x := s.session("Shutdown")
	base, stop := serveAPI(t, s.db, 3*time.Second, 0)
	st := replayAt(t, base, x.id, x.team.owner, "follow=true", nil)
	if f, ok := st.next(10 * time.Second); !ok || f.data["type"] != "state" {
		t.Fatalf("first frame %s", f.raw)
	}
	began := time.Now()
	if err := stop(); err != nil {
		t.Fatalf("shutdown waited for the stream: %v", err)
	}
	for {
		if _, ok := st.next(5 * time.Second); !ok {
			break
		}
	}
	if took := time.Since(began); took > 2*time.Second {
		t.Errorf("shutdown took %s", took)
	}
}

func TestIdleReplayStreamsSendHeartbeats(t *testing.T) {
	t.Parallel()
	s := newStack(t, nil)
	x := s.session("Heartbeat")
	base, _ := serveAPI(t, s.db, 3*time.Second, 300*time.Millisecond)
	st := replayAt(t, base, x.id, x.team.owner, "follow=true", nil)
	var pings []time.Time
	deadline := time.After(10 * time.Second)
	for len(pings) < 3 {
		select {
		case f, ok := <-st.frames:
			if !ok {
				t.Fatal("the stream ended")
			}
			if f.comment == "ping" && f.raw == "" {
				pings = append(pings, f.at)
			}
		case <-deadline:
			t.Fatalf("%d heartbeats in 10s from a stream that beats every 300ms", len(pings))
		}
	}
	// Heartbeats fill silences of the configured length; they do not come more often.
	if gap := pings[2].Sub(pings[1]); gap < 200*time.Millisecond {
		t.Errorf("heartbeats %s apart, want about 300ms", gap)
	}
}

// serveAPI serves the API on db from a second server, which the test can shut down.
func serveAPI(tb testing.TB, db *pgtest.DB, shutdownTimeout, heartbeat time.Duration) (string, func() error) {
	tb.Helper()
	check := func(err error) {
		if err != nil {
			tb.Fatal(err)
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	check(err)
	base := "http://" + ln.Addr().String()
	store, err := eventstore.New(db.Pool, eventstore.Options{})
	check(err)
	ids, err := identity.New(db.Pool, identity.Config{HashParams: identity.HashParams{Memory: 8 * 1024, Time: 1, Threads: 1}})
	check(err)
	dir, err := directory.New(db.Pool)
	check(err)
	issue := func(prefix string) commands.TokenIssuer {
		return func() (string, []byte) { return identity.NewToken(prefix) }
	}
	start, err := commands.NewStartInterviewHandler(dir, issue(identity.CandidateTokenPrefix), identity.HashToken, time.Now)
	check(err)
	invite, err := commands.NewInviteCandidateHandler(dir, issue(identity.InviteTokenPrefix), time.Hour, time.Now)
	check(err)
	decide, err := commands.NewDecideCandidateHandler(dir, store, time.Now)
	check(err)
	record, err := commands.NewRecordEventsHandler(store, projections.FilesReader{DB: db.Pool})
	check(err)
	reg := prometheus.NewRegistry()
	srv, err := httpapi.New(httpapi.Config{
		Addr: "127.0.0.1:0", BodyLimit: 1 << 20, Version: "test", ShutdownTimeout: shutdownTimeout,
		Logger: slog.New(slog.DiscardHandler),
	}, httpapi.Deps{DB: db.Pool, Metrics: reg, Registerer: reg})
	check(err)
	check(srv.MountAPI(httpapi.AppDeps{
		Identity: ids, Directory: dir, Events: store, ReadModels: db.Pool,
		StartInterview: start, InviteCandidate: invite, DecideCandidate: decide, RecordEvents: record,
		OrgProblems: dir, AppBaseURL: base, InviteTTL: time.Hour, ReplayHeartbeat: heartbeat,
	}))
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx, ln) }()
	var once sync.Once
	var result error
	stop := func() error {
		once.Do(func() { cancel(); result = <-served })
		return result
	}
	tb.Cleanup(func() { _ = stop() })
	return base, stop
}

// BenchmarkReplay streams a 100,000-event interview unpaced and reports events per second,
// then measures how long the first frame takes from moments spread over the interview: named
// by position, by time, and resumed with Last-Event-ID.
func BenchmarkReplay(b *testing.B) {
	const total = 100_000
	db := pgtest.New(b, 16)
	store, err := eventstore.New(db.Pool, eventstore.Options{})
	if err != nil {
		b.Fatal(err)
	}
	engine, err := projections.NewEngine(db.Pool, store, projections.All(), projections.Options{})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := engine.CreateMissing(ctx); err != nil {
		b.Fatal(err)
	}
	go func() { _ = engine.Run(ctx) }()
	base, _ := serveAPI(b, db, 5*time.Second, 0)
	owner, interview := setUpInterview(b, base)

	// Half typing in a file kept at about 4 KB, half cursor moves, 50 ms apart.
	t0, length := time.Now().Add(-24*time.Hour), 0
	md := domain.Metadata{Actor: domain.Actor{Kind: domain.ActorCandidate, ID: uuid.NewString()}, CorrelationID: uuid.NewString()}
	for done := 0; done < total; done += eventstore.MaxBatch {
		batch := make([]domain.NewEvent, eventstore.MaxBatch)
		for i := range batch {
			var e domain.Event = &domain.Cursor{FileID: "f1", Line: 1 + i%40, Column: 1 + i%80}
			if i%2 == 1 {
				change := domain.Change{Offset: length, Text: "a"}
				if length >= 4000 {
					change = domain.Change{Offset: length - 1, DeleteCount: 1}
				}
				length += utf16Len(change.Text) - change.DeleteCount
				e = &domain.Keystroke{FileID: "f1", Changes: []domain.Change{change}}
			}
			if batch[i], err = domain.NewEventFrom(uuid.New(), e, md, t0.Add(time.Duration(done+i)*50*time.Millisecond)); err != nil {
				b.Fatal(err)
			}
		}
		if _, err := store.Append(ctx, uuid.MustParse(interview), eventstore.AnyVersion, batch...); err != nil {
			b.Fatal(err)
		}
	}
	end, err := store.End(ctx)
	if err != nil {
		b.Fatal(err)
	}
	waitCtx, waitCancel := context.WithTimeout(ctx, 5*time.Minute)
	defer waitCancel()
	if err := engine.WaitFor(waitCtx, "replay", end); err != nil {
		b.Fatal(err)
	}
	if _, err := db.Pool.Exec(ctx, `VACUUM ANALYZE`); err != nil {
		b.Fatal(err)
	}

	b.ResetTimer()
	for b.Loop() {
		frames, _ := streamFrames(b, base+"/api/interview/"+interview+"/replay", owner, nil)
		if frames != total+3 { // state, interview_started, the events, end
			b.Fatalf("%d frames, want %d", frames, total+3)
		}
	}
	b.ReportMetric(float64((total+1)*b.N)/b.Elapsed().Seconds(), "events/s")

	b.StopTimer()
	var worst, sum time.Duration
	moments := 0
	for i := 0; i < 20; i++ {
		position := strconv.FormatInt(end.Position*int64(i)/20, 10)
		at := url.QueryEscape(t0.Add(time.Duration(total*i/20) * 50 * time.Millisecond).Format(time.RFC3339Nano))
		for _, start := range []struct {
			query  string
			header http.Header
		}{{"&from=" + position, nil}, {"&from=" + at, nil}, {"", http.Header{"Last-Event-ID": {position}}}} {
			_, first := streamFrames(b, base+"/api/interview/"+interview+"/replay?follow=true"+start.query, owner, start.header)
			worst, sum, moments = max(worst, first), sum+first, moments+1
		}
	}
	b.ReportMetric(float64(worst.Microseconds())/1000, "ms-first-frame-max")
	b.ReportMetric(float64(sum.Microseconds())/1000/float64(moments), "ms-first-frame-avg")
}

// streamFrames reads an event stream to its end, or only to its first frame when it follows,
// counting frames without decoding them; it returns how long the first frame took to arrive
// from the request.
func streamFrames(tb testing.TB, target, token string, header http.Header) (int, time.Duration) {
	tb.Helper()
	req, err := http.NewRequest("GET", target, nil)
	if err != nil {
		tb.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	req.Header.Set("Authorization", "Bearer "+token)
	start := time.Now()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		tb.Fatalf("GET %s: %d", target, resp.StatusCode)
	}
	follow := strings.Contains(target, "follow=true")
	buf := make([]byte, 256<<10)
	frames, first, tail := 0, time.Duration(0), byte(0)
	for {
		n, err := resp.Body.Read(buf)
		for i := 0; i < n; i++ {
			if buf[i] == '\n' && tail == '\n' {
				frames++
				if frames == 1 {
					first = time.Since(start)
					if follow {
						return frames, first
					}
				}
			}
			tail = buf[i]
		}
		if err == io.EOF {
			return frames, first
		}
		if err != nil {
			tb.Fatal(err)
		}
	}
}

// setUpInterview makes a team with a published assessment and starts a candidate's interview
// on the server at base; it returns the owner's token and the interview id.
func setUpInterview(tb testing.TB, base string) (string, string) {
	tb.Helper()
	call := func(method, path, token string, body any) map[string]any {
		tb.Helper()
		raw, err := json.Marshal(body)
		if err != nil {
			tb.Fatal(err)
		}
		req, err := http.NewRequest(method, base+path, strings.NewReader(string(raw)))
		if err != nil {
			tb.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			tb.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&out)
		if resp.StatusCode >= 300 {
			tb.Fatalf("%s %s: %d %v", method, path, resp.StatusCode, out)
		}
		return out
	}
	field := func(m map[string]any, path ...string) string {
		var v any = m
		for _, p := range path {
			v = v.(map[string]any)[p]
		}
		return v.(string)
	}
	email := "bench-" + uuid.NewString()[:8] + "@example.com"
	call("POST", "/api/auth/register", "", map[string]any{"name": "Bench", "email": email, "password": "correct horse"})
	owner := field(call("POST", "/api/auth/login", "", map[string]any{"email": email, "password": "correct horse"}), "token")
	org := field(call("POST", "/api/orgs", owner, map[string]any{"name": "Bench " + email}), "organization", "id")
	assessment := field(call("POST", "/api/orgs/"+org+"/assessments", owner, map[string]any{"title": "Replay", "durationMinutes": 60}), "assessment", "id")
	call("PATCH", "/api/assessments/"+assessment, owner, map[string]any{"status": "PUBLISHED"})
	invite := field(call("POST", "/api/assessments/"+assessment+"/candidates", owner, map[string]any{"name": "C", "email": "c@example.com"}), "inviteToken")
	return owner, field(call("POST", "/api/invites/"+invite+"/start", "", nil), "interviewId")
}
