package httpapi_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/interviewlm/interviewlm/adapters/directory"
	"github.com/interviewlm/interviewlm/adapters/eventstore"
	"github.com/interviewlm/interviewlm/adapters/httpapi"
	"github.com/interviewlm/interviewlm/adapters/postgres/pgtest"
	"github.com/interviewlm/interviewlm/adapters/problembank"
	"github.com/interviewlm/interviewlm/adapters/sandbox"
	"github.com/interviewlm/interviewlm/adapters/workspace"
	"github.com/interviewlm/interviewlm/commands"
	"github.com/interviewlm/interviewlm/domain"
	"github.com/interviewlm/interviewlm/projections"
)

// newSandboxStack is the whole service with the real local sandbox (bubblewrap: `make test`
// installs it).
func newSandboxStack(t *testing.T) *stack {
	t.Helper()
	return newStackWith(t, nil, withSandbox(t))
}

// withSandbox wires the local sandbox into the stack's dependencies: tests, the terminal, the
// workspace, the problem bank, and the final test runs of a submission.
func withSandbox(t *testing.T) func(deps *httpapi.AppDeps, store *eventstore.Store, db *pgtest.DB, now func() time.Time) {
	t.Helper()
	local, err := sandbox.NewLocal(sandbox.LocalConfig{})
	if err != nil {
		t.Fatalf("the local sandbox is needed (run .ci/ensure-sandbox): %v", err)
	}
	return func(deps *httpapi.AppDeps, store *eventstore.Store, db *pgtest.DB, now func() time.Time) {
		files := projections.FilesReader{DB: db.Pool}
		runTests, err := commands.NewRunTestsHandler(sandbox.TestExecutor(local, sandbox.Toolchain{}),
			projections.QuestionsReader{DB: db.Pool}, deps.RecordEvents, files, now)
		must(t, err)
		// The sandbox's user opens the workspace by path: every directory on the way must let it pass.
		root := t.TempDir()
		must(t, os.Chmod(root, 0o711))
		must(t, os.Chmod(filepath.Dir(root), 0o711))
		ws, err := workspace.New(root, local.UID(), local.UID())
		must(t, err)
		ctx, cancel := context.WithCancel(context.Background())
		terminal, err := commands.NewTerminal(ctx, files, ws, sandbox.Shell(local, sandbox.TerminalLimits), store, now)
		must(t, err)
		t.Cleanup(func() { cancel(); terminal.Wait() })
		deps.RunTests, deps.Terminal, deps.Workspaces = runTests, terminal, ws
		problems, err := problembank.Load()
		must(t, err)
		bank := problembank.NewBank(problems)
		exec := sandbox.TestExecutor(local, sandbox.Toolchain{})
		deps.Problems = httpapi.Problems{Bank: bank, Verify: func(ctx context.Context, p problembank.Problem) error {
			return problembank.Verify(ctx, exec, p)
		}}
		dir, err := directory.New(db.Pool)
		must(t, err)
		catalog := problembank.Catalog{Bank: bank, Organization: problembank.StoredProblems(dir.Problem)}
		deps.NextQuestion, err = commands.NewNextQuestionHandler(catalog, nil, projections.QuestionsReader{DB: db.Pool}, store, now)
		must(t, err)
		questions := projections.QuestionsReader{DB: db.Pool}
		deps.Submit, err = commands.NewSubmitInterviewHandler(dir, questions, questions, files, exec, now)
		must(t, err)
	}
}

func TestRunTestsInTheSandboxAndRecordTheRun(t *testing.T) {
	t.Parallel()
	s := newSandboxStack(t)
	tm := s.newTeam("Runner")
	_, invite := s.invite(tm, "Rae")
	interview, token := s.start(invite, 201)
	code := "import sys\nn = int(sys.stdin.read())\nprint(n * 2)\n"
	tests := []map[string]any{
		{"name": "double", "input": "21", "expectedOutput": "42"},
		{"name": "wrong on purpose", "input": "1", "expectedOutput": "3"},
		{"name": "secret", "input": "5", "expectedOutput": "10", "hidden": true},
	}
	r := s.expect(s.call("POST", "/api/interview/"+interview+"/run-tests", token,
		map[string]any{"code": code, "language": "python", "testCases": tests, "fileName": "main.py"}), 200, "")
	if r.body["passed"] != float64(2) || r.body["failed"] != float64(1) || r.body["total"] != float64(3) {
		t.Fatalf("run = %s", r.raw)
	}
	results := r.body["results"].([]any)
	wrong, secret := results[1].(map[string]any), results[2].(map[string]any)
	if wrong["verdict"] != "wrong_answer" || wrong["actualOutput"] != "2" {
		t.Errorf("wrong answer = %v", wrong)
	}
	if _, shown := secret["expectedOutput"]; shown || secret["verdict"] != "passed" || secret["hidden"] != true {
		t.Errorf("a hidden test showed the candidate %v", secret)
	}

	// The run is in the log: a snapshot of the code, then the test_run with every result.
	ctx := context.Background()
	store, err := eventstore.New(s.db.Pool, eventstore.Options{})
	must(t, err)
	events, err := store.ReadStream(ctx, uuid.MustParse(interview), 0, 100)
	must(t, err)
	last, prev := events[len(events)-1], events[len(events)-2]
	if prev.Type != domain.TypeCodeSnapshot || last.Type != domain.TypeTestRun {
		t.Fatalf("last events are %s, %s", prev.Type, last.Type)
	}
	var run domain.TestRun
	must(t, json.Unmarshal(last.Data, &run))
	if run.Passed != 2 || run.Code != code || len(run.CodeHash) != 64 || run.Results[2].ExpectedOutput != "10" {
		t.Errorf("recorded run = %+v", run)
	}
	// The team sees the hidden test's content.
	st := s.expect(s.call("GET", "/api/interview/"+interview+"/state", tm.owner, nil), 200, "")
	if st.body["files"].(map[string]any)["main.py"] != code {
		t.Errorf("replay state after the run = %s", st.raw)
	}

	s.expect(s.call("POST", "/api/interview/"+interview+"/run-tests", token, map[string]any{"code": code, "language": "python"}), 422, "no_question")
	s.expect(s.call("POST", "/api/interview/"+interview+"/run-tests", token, map[string]any{"code": code, "language": "cobol", "testCases": tests}), 422, "validation_failed")
	s.expect(s.call("POST", "/api/interview/"+interview+"/run-tests", tm.owner, map[string]any{"code": code, "language": "python", "testCases": tests}), 403, "forbidden")
}

func TestTheTerminalRunsRealCommandsAndEveryViewerSeesThem(t *testing.T) {
	t.Parallel()
	s := newSandboxStack(t)
	tm := s.newTeam("Shell")
	_, invite := s.invite(tm, "Sol")
	interview, token := s.start(invite, 201)
	base := "/api/interview/" + interview

	// The editor's file is in the workspace, where commands run.
	s.expect(s.call("POST", base+"/events", token, map[string]any{"type": "file_created",
		"data": map[string]any{"fileId": "f1", "fileName": "hello.py", "content": "print('hé')\n"}}), 201, "")
	viewer := s.terminalViewer(base, tm.owner)
	candidate := s.terminalViewer(base, token)

	s.expect(s.call("POST", base+"/terminal/input", token, map[string]any{"type": "input", "data": "python3 hello.py && id -u && ls\n"}), 202, "")
	for _, v := range []*terminalViewer{viewer, candidate} {
		out, code := v.untilExit(t)
		if code != 0 || !strings.Contains(out, "hé") || !strings.Contains(out, "65534") || !strings.Contains(out, "hello.py") {
			t.Fatalf("terminal output %q, exit %d", out, code)
		}
	}

	// Output streams while the command runs: the first line arrives long before the exit.
	s.expect(s.call("POST", base+"/terminal/input", token, map[string]any{"type": "input", "data": "echo first; sleep 3; echo second"}), 202, "")
	sent := time.Now()
	for {
		f := viewer.next(t)
		if f["type"] == "output" && strings.Contains(f["data"].(string), "first") {
			break
		}
		if f["type"] == "exit" {
			t.Fatal("the command ended before any output was streamed")
		}
	}
	if waited := time.Since(sent); waited > 2*time.Second {
		t.Fatalf("the first line took %s: output is not streamed", waited)
	}
	if out, code := viewer.untilExit(t); code != 0 || !strings.Contains(out, "second") {
		t.Fatalf("rest of the output %q, exit %d", out, code)
	}

	// An interrupt stops a command that would run for a minute.
	s.expect(s.call("POST", base+"/terminal/input", token, map[string]any{"type": "input", "data": "sleep 60"}), 202, "")
	s.expect(s.call("POST", base+"/terminal/input", token, map[string]any{"type": "input", "data": "ls"}), 409, "command_running")
	time.Sleep(300 * time.Millisecond)
	s.expect(s.call("POST", base+"/terminal/input", token, map[string]any{"type": "interrupt"}), 202, "")
	if _, code := viewer.untilExit(t); code != 130 {
		t.Fatalf("interrupted command exited %d, want 130", code)
	}

	// Files written through the API are events and land in the workspace.
	s.expect(s.call("PUT", base+"/files/src/app.py", token, map[string]any{"content": "x = 1\n"}), 200, "")
	tree := s.expect(s.call("GET", base+"/files", token, nil), 200, "")
	if !strings.Contains(tree.raw, `"src/app.py"`) || !strings.Contains(tree.raw, `"hello.py"`) {
		t.Errorf("tree = %s", tree.raw)
	}
	got := s.expect(s.call("GET", base+"/files/src/app.py", tm.owner, nil), 200, "")
	if got.str("content") != "x = 1\n" {
		t.Errorf("file = %s", got.raw)
	}
	s.expect(s.call("GET", base+"/files/nope.txt", token, nil), 404, "not_found")
	s.expect(s.call("PUT", base+"/files/../../etc/passwd", token, map[string]any{"content": "x"}), 422, "validation_failed")
	s.expect(s.call("POST", base+"/terminal/input", tm.owner, map[string]any{"type": "input", "data": "ls"}), 403, "forbidden")
}

// terminalViewer reads GET /terminal frames.
type terminalViewer struct {
	frames chan map[string]any
}

func (s *stack) terminalViewer(base, token string) *terminalViewer {
	s.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s.t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, "GET", s.url+base+"/terminal", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	must(s.t, err)
	if resp.StatusCode != 200 {
		s.t.Fatalf("terminal stream: %d", resp.StatusCode)
	}
	v := &terminalViewer{frames: make(chan map[string]any, 1000)}
	go func() {
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			line, ok := strings.CutPrefix(sc.Text(), "data: ")
			if !ok {
				continue
			}
			var f map[string]any
			if json.Unmarshal([]byte(line), &f) == nil {
				v.frames <- f
			}
		}
	}()
	if f := <-v.frames; f["type"] != "connected" {
		s.t.Fatalf("first terminal frame = %v", f)
	}
	return v
}

// next returns the next frame.
func (v *terminalViewer) next(t *testing.T) map[string]any {
	t.Helper()
	select {
	case f := <-v.frames:
		return f
	case <-time.After(30 * time.Second):
		t.Fatal("no terminal frame for 30 s")
		return nil
	}
}

// untilExit collects output frames until the next exit frame.
func (v *terminalViewer) untilExit(t *testing.T) (string, int) {
	t.Helper()
	var out strings.Builder
	timeout := time.After(30 * time.Second)
	for {
		select {
		case f := <-v.frames:
			switch f["type"] {
			case "output":
				out.WriteString(f["data"].(string))
			case "exit":
				return out.String(), int(f["code"].(float64))
			}
		case <-timeout:
			t.Fatalf("no exit frame; output so far %q", out.String())
		}
	}
}

func TestToolsTheAssessmentTurnsOffAreRefused(t *testing.T) {
	t.Parallel()
	s := newSandboxStack(t)
	tm := s.newTeam("NoTools")
	id := s.expect(s.call("POST", "/api/orgs/"+tm.org+"/assessments", tm.owner, map[string]any{
		"title": "Whiteboard", "enableCoding": false, "enableTerminal": false}), 201, "").str("assessment", "id")
	s.expect(s.call("PATCH", "/api/assessments/"+id, tm.owner, map[string]any{"status": "PUBLISHED"}), 200, "")
	r := s.expect(s.call("POST", "/api/assessments/"+id+"/candidates", tm.owner, map[string]any{"name": "Wu", "email": "wu@example.com"}), 201, "")
	interview, token := s.start(r.str("inviteToken"), 201)
	// Turning the tools back on later does not change an interview already started.
	s.expect(s.call("PATCH", "/api/assessments/"+id, tm.owner, map[string]any{"enableCoding": true, "enableTerminal": true}), 200, "")
	base := "/api/interview/" + interview
	s.expect(s.call("POST", base+"/run-tests", token, map[string]any{"code": "print(1)", "language": "python",
		"testCases": []any{map[string]any{"name": "a", "input": "", "expectedOutput": "1"}}}), 403, "coding_disabled")
	s.expect(s.call("POST", base+"/terminal/input", token, map[string]any{"type": "input", "data": "ls"}), 403, "terminal_disabled")
}

// TestQuestionsAdaptAndTheirTestsRun serves questions through the adaptive rule, runs a served
// question's own tests (hidden ones included) with the bank's reference solution, and checks a
// candidate never sees a hidden test's content.
func TestQuestionsAdaptAndTheirTestsRun(t *testing.T) {
	t.Parallel()
	s := newSandboxStack(t)
	tm := s.newTeam("Adaptive") // two questions, in Go
	_, invite := s.invite(tm, "Ada")
	interview, token := s.start(invite, 201)
	base := "/api/interview/" + interview

	first := s.expect(s.call("POST", base+"/questions", token, map[string]any{}), 201, "")
	q := first.body["question"].(map[string]any)
	if q["difficulty"] != "MEDIUM" || first.body["questionNumber"] != float64(1) || q["language"] != "go" {
		t.Fatalf("first question = %s", first.raw)
	}
	hidden := 0
	for _, tc := range q["testCases"].([]any) {
		m := tc.(map[string]any)
		if m["hidden"] == true {
			hidden++
			if _, shown := m["input"]; shown {
				t.Fatalf("a hidden test's input reached the candidate: %v", m)
			}
		}
	}
	if hidden < 2 {
		t.Fatalf("%d hidden tests", hidden)
	}

	// The bank's reference solution passes every test of the served question, hidden included.
	problems, err := problembank.Load()
	must(t, err)
	var solution string
	for _, p := range problems {
		if p.ID == q["problemId"] {
			solution = p.ReferenceSolutions["go"]
		}
	}
	run := s.expect(s.call("POST", base+"/run-tests", token, map[string]any{"code": solution, "language": "go", "fileName": "main.go"}), 200, "")
	if run.body["passed"] != run.body["total"] || run.body["total"].(float64) < 6 {
		t.Fatalf("reference solution on the served tests: %s", run.raw)
	}

	// A strong result on the first question makes the second HARD; then there are no more.
	second := s.expect(s.call("POST", base+"/questions", token, map[string]any{"previousPerformance": map[string]any{
		"questionId": q["id"], "score": 95, "timeSpent": 10, "testsPassedRatio": 1}}), 201, "")
	if d := second.body["question"].(map[string]any)["difficulty"]; d != "HARD" || second.body["questionNumber"] != float64(2) {
		t.Fatalf("second question = %s", second.raw)
	}
	s.expect(s.call("POST", base+"/questions", token, map[string]any{}), 409, "no_more_questions")
	s.expect(s.call("POST", base+"/questions", token, map[string]any{"previousPerformance": map[string]any{"score": 150}}), 422, "validation_failed")

	deadline := time.Now().Add(15 * time.Second)
	for {
		got := s.expect(s.call("GET", base+"/questions", tm.owner, nil), 200, "")
		cur, _ := got.body["currentQuestion"].(map[string]any)
		if cur != nil && cur["index"] == float64(1) {
			if got.body["totalQuestions"] != float64(2) || got.body["currentQuestionIndex"] != float64(1) {
				t.Fatalf("GET /questions = %s", got.raw)
			}
			for _, tc := range cur["testCases"].([]any) {
				if m := tc.(map[string]any); m["hidden"] == true && m["input"] == nil {
					t.Fatalf("the team must see hidden tests: %v", m)
				}
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET /questions never showed the second question: %s", got.raw)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestOrganizationsAddTheirOwnVerifiedProblems(t *testing.T) {
	t.Parallel()
	s := newSandboxStack(t)
	tm, other := s.newTeam("Own"), s.newTeam("Other")
	tests := []map[string]any{}
	for i := range 6 {
		tests = append(tests, map[string]any{"name": fmt.Sprintf("t%d", i), "input": fmt.Sprint(i), "expectedOutput": fmt.Sprint(i * i), "hidden": i >= 4})
	}
	problem := func(solution string, tests []map[string]any) map[string]any {
		return map[string]any{"title": "Square it", "description": "Read n and print n squared.", "difficulty": "EASY",
			"language": "python", "starterCode": "n = int(input())\n", "testCases": tests, "mode": "stdio",
			"referenceSolution": solution, "tags": []string{"math"}}
	}
	created := s.expect(s.call("POST", "/api/orgs/"+tm.org+"/problems", tm.owner, problem("n = int(input())\nprint(n * n)\n", tests)), 201, "")
	if created.str("problem", "source") != "organization" {
		t.Fatalf("created = %s", created.raw)
	}
	wrong := s.expect(s.call("POST", "/api/orgs/"+tm.org+"/problems", tm.owner, problem("print(int(input()) + 1)", tests)), 422, "reference_solution_fails")
	if !strings.Contains(wrong.raw, "t0") {
		t.Errorf("the failure does not name the failing test: %s", wrong.raw)
	}
	s.expect(s.call("POST", "/api/orgs/"+tm.org+"/problems", tm.owner, problem("print(1)", tests[:5])), 422, "validation_failed")
	s.expect(s.call("POST", "/api/orgs/"+tm.org+"/problems", other.owner, problem("print(1)", tests)), 404, "not_found")

	count := func(token string) (bank, own int) {
		r := s.expect(s.call("GET", "/api/problems", token, nil), 200, "")
		for _, p := range r.body["problems"].([]any) {
			if p.(map[string]any)["source"] == "bank" {
				bank++
			} else {
				own++
			}
		}
		return
	}
	if bank, own := count(tm.owner); bank != 24 || own != 1 {
		t.Errorf("the owner sees %d bank and %d own problems", bank, own)
	}
	if _, own := count(other.owner); own != 0 {
		t.Errorf("another organization sees %d of this one's problems", own)
	}
}

// TestAnAssessmentsFixedProblemsComeFirst: the team's chosen problems (its own, then one of the
// bank) are served in order, then the adaptive choice takes over.
func TestAnAssessmentsFixedProblemsComeFirst(t *testing.T) {
	t.Parallel()
	s := newSandboxStack(t)
	tm := s.newTeam("Fixed")
	tests := []map[string]any{}
	for i := range 6 {
		tests = append(tests, map[string]any{"name": fmt.Sprintf("t%d", i), "input": fmt.Sprint(i), "expectedOutput": fmt.Sprint(i + 1), "hidden": i >= 4})
	}
	own := s.expect(s.call("POST", "/api/orgs/"+tm.org+"/problems", tm.owner, map[string]any{"title": "Add one",
		"description": "Print n + 1.", "difficulty": "HARD", "language": "python", "starterCode": "n = int(input())\n",
		"testCases": tests, "referenceSolution": "print(int(input()) + 1)"}), 201, "").str("problem", "id")
	id := s.expect(s.call("POST", "/api/orgs/"+tm.org+"/assessments", tm.owner, map[string]any{"title": "Chosen",
		"language": "python", "questionCount": 3, "problemIds": []string{own, "two-sum"}}), 201, "").str("assessment", "id")
	s.expect(s.call("PATCH", "/api/assessments/"+id, tm.owner, map[string]any{"status": "PUBLISHED"}), 200, "")
	r := s.expect(s.call("POST", "/api/assessments/"+id+"/candidates", tm.owner, map[string]any{"name": "Fox", "email": "fox@example.com"}), 201, "")
	interview, token := s.start(r.str("inviteToken"), 201)
	base := "/api/interview/" + interview
	want := []struct{ problem, difficulty string }{{own, "HARD"}, {"two-sum", "EASY"}, {"", "MEDIUM"}}
	for i, w := range want {
		q := s.expect(s.call("POST", base+"/questions", token, map[string]any{}), 201, "").body["question"].(map[string]any)
		if (w.problem != "" && q["problemId"] != w.problem) || q["difficulty"] != w.difficulty {
			t.Fatalf("question %d = %v %v, want %q %s", i+1, q["problemId"], q["difficulty"], w.problem, w.difficulty)
		}
	}
}
