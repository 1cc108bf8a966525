package httpapi_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/google/uuid"

	"github.com/interviewlm/interviewlm/adapters/eventstore"
	"github.com/interviewlm/interviewlm/adapters/httpapi"
	"github.com/interviewlm/interviewlm/adapters/llm"
	"github.com/interviewlm/interviewlm/adapters/postgres/pgtest"
	"github.com/interviewlm/interviewlm/adapters/webhook"
	"github.com/interviewlm/interviewlm/commands"
	"github.com/interviewlm/interviewlm/domain"
	"github.com/interviewlm/interviewlm/projections"
)

// newSubmitStack is the whole service with the sandbox and an AI assistant.
func newSubmitStack(t *testing.T, ai *fakeOpenAI) *stack {
	t.Helper()
	sandboxed := withSandbox(t)
	return newStackWith(t, nil, func(deps *httpapi.AppDeps, store *eventstore.Store, db *pgtest.DB, now func() time.Time) {
		sandboxed(deps, store, db, now)
		client, err := llm.New(llm.Config{BaseURL: ai.URL, APIKey: "test-key", Model: "fake-model", Retries: -1})
		must(t, err)
		deps.Chat, err = commands.NewChatHandler(llm.Streamer(client), projections.ConversationReader{DB: db.Pool},
			projections.QuestionsReader{DB: db.Pool}, store, now)
		must(t, err)
	})
}

// fizzBuzzTeam is a team whose assessment asks one fixed question, FizzBuzz in Python.
func (s *stack) fizzBuzzTeam(name string, showResults bool) team {
	s.t.Helper()
	owner := s.signUp(name)
	org := s.expect(s.call("POST", "/api/orgs", owner, map[string]any{"name": name + " Inc"}), 201, "").str("organization", "id")
	id := s.expect(s.call("POST", "/api/orgs/"+org+"/assessments", owner, map[string]any{
		"title": "Python engineer", "description": "FizzBuzz", "seniority": "MID", "durationMinutes": 60,
		"language": "python", "questionCount": 1, "problemIds": []string{"fizz-buzz"}, "showResultsToCandidate": showResults,
	}), 201, "").str("assessment", "id")
	s.expect(s.call("PATCH", "/api/assessments/"+id, owner, map[string]any{"status": "PUBLISHED"}), 200, "")
	return team{owner: owner, org: org, assessment: id}
}

// candidateAt is a candidate working in the test stack: their interview, token and editor.
type candidateAt struct {
	s         *stack
	id, token string
	content   string
	clock     time.Time // the candidate's own clock, for the events' timestamps
}

func (s *stack) candidateOf(tm team, name string) (*candidateAt, string) {
	s.t.Helper()
	candidateID, invite := s.invite(tm, name)
	id, token := s.start(invite, 201)
	c := &candidateAt{s: s, id: id, token: token, clock: s.clock.now()}
	q := s.expect(s.call("POST", "/api/interview/"+id+"/questions", token, map[string]any{}), 201, "")
	if q.str("question", "problemId") != "fizz-buzz" {
		s.t.Fatalf("question = %s", q.raw)
	}
	c.post(map[string]any{"type": "file_created", "data": map[string]any{"fileId": "main.py", "fileName": "main.py", "language": "python"}})
	return c, candidateID
}

func (c *candidateAt) at(d time.Duration) string {
	c.clock = c.clock.Add(d)
	return c.clock.UTC().Format(time.RFC3339Nano)
}

func (c *candidateAt) post(events ...map[string]any) int64 {
	c.s.t.Helper()
	for _, e := range events {
		if _, ok := e["timestamp"]; !ok {
			e["timestamp"] = c.at(2 * time.Second)
		}
	}
	r := c.s.expect(c.s.call("POST", "/api/interview/"+c.id+"/events", c.token, map[string]any{"events": events}), 201, "")
	return int64(r.body["lastPosition"].(float64))
}

// write replaces the file's content as the editor reports it.
func (c *candidateAt) write(code string) {
	c.s.t.Helper()
	c.post(map[string]any{"type": "keystroke", "data": map[string]any{"fileId": "main.py",
		"changes": []any{map[string]any{"offset": 0, "deleteCount": len(utf16.Encode([]rune(c.content))), "text": code}}}})
	c.content = code
}

func (c *candidateAt) runTests() reply {
	c.s.t.Helper()
	return c.s.expect(c.s.call("POST", "/api/interview/"+c.id+"/run-tests", c.token,
		map[string]any{"code": c.content, "language": "python", "fileName": "main.py"}), 200, "")
}

func (c *candidateAt) submit(status int) reply {
	c.s.t.Helper()
	return c.s.expect(c.s.call("POST", "/api/interview/"+c.id+"/submit", c.token,
		map[string]any{"finalCode": map[string]any{"main.py": c.content}, "notes": "thanks"}), status, "")
}

const (
	fizzNumbersOnly = "from typing import List\n\n\ndef fizz_buzz(n: int) -> List[str]:\n    return [str(i) for i in range(1, n + 1)]\n"
	fizzOnly        = "from typing import List\n\n\ndef fizz_buzz(n: int) -> List[str]:\n    return [\"Fizz\" if i % 3 == 0 else str(i) for i in range(1, n + 1)]\n"
	fizzBuzzFull    = "from typing import List\n\n\ndef fizz_buzz(n: int) -> List[str]:\n    out = []\n    for i in range(1, n + 1):\n        if i % 15 == 0:\n            out.append(\"FizzBuzz\")\n        elif i % 3 == 0:\n            out.append(\"Fizz\")\n        elif i % 5 == 0:\n            out.append(\"Buzz\")\n        else:\n            out.append(str(i))\n    return out\n"
	// pastedSolution is a finished solution written elsewhere: nothing in the session shows it.
	pastedSolution = "from typing import List\n\nWORDS = ((15, \"FizzBuzz\"), (3, \"Fizz\"), (5, \"Buzz\"))\n\n\ndef label_for(number: int) -> str:\n    for divisor, word in WORDS:\n        if number % divisor == 0:\n            return word\n    return str(number)\n\n\ndef fizz_buzz(n: int) -> List[str]:\n    return [label_for(number) for number in range(1, n + 1)]\n"
)

// hookReceiver is an ATS's end of the webhook: it checks each signature and keeps the bodies.
type hookReceiver struct {
	*httptest.Server
	mu     sync.Mutex
	secret []byte
	bodies []map[string]any
	bad    []string
}

func newHookReceiver(t *testing.T) *hookReceiver {
	h := &hookReceiver{}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		h.mu.Lock()
		defer h.mu.Unlock()
		if err := webhook.Verify(h.secret, r.Header.Get(webhook.SignatureHeader), body, time.Now(), 5*time.Minute); err != nil {
			h.bad = append(h.bad, err.Error())
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		var m map[string]any
		_ = json.Unmarshal(body, &m)
		h.bodies = append(h.bodies, m)
	}))
	t.Cleanup(h.Close)
	return h
}

func (h *hookReceiver) received() ([]map[string]any, []string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.bodies), slices.Clone(h.bad)
}

func flagCodes(ev map[string]any, kind string) []string {
	var codes []string
	for _, f := range ev[kind].([]any) {
		codes = append(codes, f.(map[string]any)["code"].(string))
	}
	return codes
}

// carefulInterview plays a careful candidate of tm's FizzBuzz assessment up to the moment they
// submit: small steps, a test run after each, good questions to the assistant.
func (s *stack) carefulInterview(tm team) (*candidateAt, string) {
	t := s.t
	t.Helper()
	careful, carefulID := s.candidateOf(tm, "Careful")
	careful.write(fizzNumbersOnly)
	if r := careful.runTests(); r.body["passed"] != float64(2) {
		t.Fatalf("first run = %s", r.raw)
	}
	s.chat(careful.id, careful.token, "My fizz_buzz fails the 'example 1' test: for n = 3 I return \"3\" instead of \"Fizz\". Why does str(i) not work there, and should I check i % 3 first?")
	careful.write(fizzOnly)
	if r := careful.runTests(); r.body["passed"] != float64(3) {
		t.Fatalf("second run = %s", r.raw)
	}
	s.chat(careful.id, careful.token, "Following your answer, I check i % 3 now and 'example 1' passes, but 'example 2' expects \"Buzz\" for 5. How should I order the checks so that 15 gives FizzBuzz? Is there an edge case with n = 0?")
	careful.write(fizzBuzzFull)
	if r := careful.runTests(); r.body["passed"] != r.body["total"] {
		t.Fatalf("third run = %s", r.raw)
	}
	s.chat(careful.id, careful.token, "Based on your explanation I now test 15 before 3 and 5 and all tests pass. Is a loop with if/elif clearer than a lookup table here, and what is the complexity?")
	return careful, carefulID
}

var recommendationRank = map[string]int{"STRONG_NO": 0, "NO": 1, "MAYBE": 2, "YES": 3, "STRONG_YES": 4}

func TestTwoScriptedInterviewsAreScoredAsAReviewerWould(t *testing.T) {
	t.Parallel()
	ai := newFakeOpenAI(t, "Check", " divisibility", " by", " 15", " before", " 3", " and", " 5.")
	s := newSubmitStack(t, ai)
	tm := s.fizzBuzzTeam("Reviewers", false)
	hooks := newHookReceiver(t)
	put := s.expect(s.call("PUT", "/api/orgs/"+tm.org+"/webhook", tm.owner, map[string]any{"url": hooks.URL}), 200, "")
	hooks.secret = []byte(put.str("secret"))
	if !strings.HasPrefix(string(hooks.secret), "whsec_") {
		t.Fatalf("webhook answer = %s", put.raw)
	}

	// The careful candidate: small steps, a test run after each, good questions.
	careful, carefulID := s.carefulInterview(tm)
	first := careful.submit(200)
	if first.body["success"] != true || first.str("candidate", "status") != "COMPLETED" && first.str("candidate", "status") != "EVALUATED" {
		t.Fatalf("submit = %s", first.raw)
	}
	if _, shown := first.body["evaluation"]; shown {
		t.Fatalf("the assessment keeps results from candidates, yet the submission showed them: %s", first.raw)
	}

	// The other candidate: asks for the answer, leaves the tab, comes back with a finished
	// solution and never runs the tests.
	paster, _ := s.candidateOf(tm, "Paster")
	s.chat(paster.id, paster.token, "just give me the full solution code")
	paster.post(map[string]any{"type": "focus_change", "data": map[string]any{"focused": false}, "timestamp": paster.at(5 * time.Second)})
	paster.post(map[string]any{"type": "focus_change", "data": map[string]any{"focused": true}, "timestamp": paster.at(3 * time.Minute)})
	paster.post(map[string]any{"type": "paste", "data": map[string]any{"fileId": "main.py", "offset": 0, "text": pastedSolution}, "timestamp": paster.at(4 * time.Second)})
	paster.write(pastedSolution)
	paster.submit(200)

	// The hiring team reads both evaluations.
	evalOf := func(interview string) map[string]any {
		r := s.expect(s.call("GET", "/api/interview/"+interview+"/evaluation", tm.owner, nil), 200, "")
		return r.body["evaluation"].(map[string]any)
	}
	good, bad := evalOf(careful.id), evalOf(paster.id)
	t.Logf("careful: overall %v %v breakdown %v red %v green %v", good["overallScore"], good["recommendation"], good["breakdown"], flagCodes(good, "redFlags"), flagCodes(good, "greenFlags"))
	t.Logf("paster:  overall %v %v breakdown %v red %v green %v", bad["overallScore"], bad["recommendation"], bad["breakdown"], flagCodes(bad, "redFlags"), flagCodes(bad, "greenFlags"))

	if recommendationRank[good["recommendation"].(string)] <= recommendationRank[bad["recommendation"].(string)] {
		t.Errorf("recommendations: careful %v, paster %v; the careful candidate should be recommended more strongly", good["recommendation"], bad["recommendation"])
	}
	if good["overallScore"].(float64) <= bad["overallScore"].(float64) {
		t.Errorf("overall: careful %v ≤ paster %v", good["overallScore"], bad["overallScore"])
	}
	gb, bb := good["breakdown"].(map[string]any), bad["breakdown"].(map[string]any)
	// Both solutions pass every test, hidden included; the pasted one is credited at half,
	// since nothing in the session shows the candidate wrote it.
	for _, ev := range []map[string]any{good, bad} {
		q := ev["details"].(map[string]any)["technical"].(map[string]any)["questions"].([]any)[0].(map[string]any)
		if q["testsPassed"] != q["testsTotal"] || q["testsTotal"] != float64(7) {
			t.Errorf("final run = %v", q)
		}
	}
	if gb["technical"] != float64(100) || bb["technical"] != float64(50) || bad["details"].(map[string]any)["externalCode"] != float64(1) {
		t.Errorf("technical: careful %v, paster %v (external code %v)", gb["technical"], bb["technical"], bad["details"].(map[string]any)["externalCode"])
	}
	if gb["aiCollaboration"].(float64) <= bb["aiCollaboration"].(float64) || gb["problemSolving"].(float64) <= bb["problemSolving"].(float64) {
		t.Errorf("careful %v vs paster %v: collaboration and problem solving should favour the careful one", gb, bb)
	}
	for _, want := range []string{domain.FlagTestDriven, domain.FlagGoodPrompts} {
		if !slices.Contains(flagCodes(good, "greenFlags"), want) {
			t.Errorf("careful candidate lacks green flag %s: %v", want, flagCodes(good, "greenFlags"))
		}
	}
	if len(flagCodes(good, "redFlags")) != 0 {
		t.Errorf("careful candidate has red flags %v", good["redFlags"])
	}
	for _, want := range []string{domain.FlagLargeUntracedPaste, domain.FlagFocusLossBurst} {
		if !slices.Contains(flagCodes(bad, "redFlags"), want) {
			t.Errorf("paster lacks red flag %s: %v", want, flagCodes(bad, "redFlags"))
		}
	}
	if slices.Contains(flagCodes(bad, "greenFlags"), domain.FlagTestDriven) {
		t.Errorf("paster credited with test-driven work: %v", bad["greenFlags"])
	}
	// Every flag points at events that exist in the interview's log, for the replay to seek to.
	for _, c := range []*candidateAt{careful, paster} {
		positions := map[float64]bool{}
		page := s.expect(s.call("GET", "/api/interview/"+c.id+"/events?limit=1000", tm.owner, nil), 200, "")
		for _, e := range page.body["events"].([]any) {
			positions[e.(map[string]any)["position"].(float64)] = true
		}
		ev := evalOf(c.id)
		for _, kind := range []string{"redFlags", "greenFlags"} {
			for _, f := range ev[kind].([]any) {
				flag := f.(map[string]any)
				evidence := flag["evidence"].([]any)
				if len(evidence) == 0 || !strings.Contains(strings.ToLower(flag["message"].(string)), "review suggested") && kind == "redFlags" {
					t.Errorf("flag %v: no evidence, or not worded as a suggestion", flag)
				}
				for _, p := range evidence {
					if !positions[p.(float64)] {
						t.Errorf("flag %s cites position %v, not in the log", flag["code"], p)
					}
				}
			}
		}
	}
	// Ranked among the cohort of two.
	if good["percentileRank"] != float64(100) || bad["percentileRank"] != float64(0) || good["cohortSize"] != float64(2) {
		t.Errorf("percentiles: careful %v, paster %v (cohort %v)", good["percentileRank"], bad["percentileRank"], good["cohortSize"])
	}
	if good["scoringVersion"] != domain.ScoringVersion || good["confidence"].(float64) <= 0 || good["confidence"].(float64) > 100 {
		t.Errorf("scoring version %v, confidence %v", good["scoringVersion"], good["confidence"])
	}

	// A second submission answers 409 with the first result, and changes nothing.
	again := careful.submit(409)
	if again.body["success"] != true || again.str("error", "code") != "already_submitted" {
		t.Errorf("second submit = %s", again.raw)
	}

	// The evaluation is recorded in the log, which moves the candidate to EVALUATED, and is
	// announced to the organization's webhook with a valid signature, once per candidate.
	s.waitForStatus(tm, carefulID, "EVALUATED")
	cand := s.expect(s.call("GET", "/api/candidates/"+carefulID, tm.owner, nil), 200, "")
	if ev, _ := cand.body["evaluation"].(map[string]any); ev == nil || ev["overallScore"] != good["overallScore"] {
		t.Errorf("GET /candidates/:id evaluation = %s", cand.raw)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		bodies, bad := hooks.received()
		if len(bad) > 0 {
			t.Fatalf("webhook signatures refused: %v", bad)
		}
		if len(bodies) == 2 {
			ids := []string{}
			for _, b := range bodies {
				data := b["data"].(map[string]any)
				if b["event"] != commands.EventWebhookEvaluationCompleted || data["recommendation"] == nil {
					t.Errorf("webhook body = %v", b)
				}
				ids = append(ids, data["interviewId"].(string))
			}
			slices.Sort(ids)
			want := []string{careful.id, paster.id}
			slices.Sort(want)
			if !slices.Equal(ids, want) {
				t.Errorf("webhook announced %v, want %v", ids, want)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("webhook received %d deliveries", len(bodies))
		}
		time.Sleep(50 * time.Millisecond)
	}
	log := s.expect(s.call("GET", "/api/orgs/"+tm.org+"/webhook/deliveries", tm.owner, nil), 200, "")
	if n := len(log.body["deliveries"].([]any)); n != 2 {
		t.Errorf("delivery log holds %d deliveries: %s", n, log.raw)
	}

	// The session is archived; the team downloads it through a signed link.
	var rec reply
	for deadline := time.Now().Add(20 * time.Second); ; {
		rec = s.call("GET", "/api/interview/"+careful.id+"/recording", tm.owner, nil)
		if rec.status == 200 {
			break
		}
		if rec.code() != "not_archived" || time.Now().After(deadline) {
			t.Fatalf("recording = %d %s", rec.status, rec.raw)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if rec.body["compressedBytes"].(float64) <= 0 || rec.body["sizeBytes"].(float64) <= rec.body["compressedBytes"].(float64) {
		t.Errorf("recording = %s", rec.raw)
	}
	resp, err := http.Get(rec.str("url"))
	must(t, err)
	archive, err := commands.ReadArchive(resp.Body)
	resp.Body.Close()
	must(t, err)
	if archive.InterviewID.String() != careful.id || int64(len(archive.Events)) != int64(rec.body["eventCount"].(float64)) {
		t.Errorf("archive of %s with %d events; recording says %s", archive.InterviewID, len(archive.Events), rec.raw)
	}
	tampered := strings.Replace(rec.str("url"), "sig=", "sig=0", 1)
	if resp, err := http.Get(tampered); err != nil || resp.StatusCode != http.StatusForbidden {
		t.Errorf("a tampered link answered %v %v", resp.StatusCode, err)
	}

	// The AI's cost is in the stats and the evaluation.
	cost := good["details"].(map[string]any)["cost"].(map[string]any)
	// Three answers of 321 input and 12 output tokens at the default $3/$15 per million.
	want := 3 * (321*3.0 + 12*15.0) / 1e6
	if d := cost["usd"].(float64) - want; d > 1e-9 || d < -1e-9 {
		t.Errorf("evaluation cost = %v, want %v", cost, want)
	}
	for deadline := time.Now().Add(10 * time.Second); ; {
		stats := s.expect(s.call("GET", "/api/interview/"+careful.id+"/stats", tm.owner, nil), 200, "")
		if stats.body["costUsd"] == cost["usd"] {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("stats cost = %s, want %v", stats.raw, cost["usd"])
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestSubmissionRulesAndWhoSeesTheResult(t *testing.T) {
	t.Parallel()
	s := newSandboxStack(t)
	tm := s.fizzBuzzTeam("Open", true) // this assessment shows candidates their results
	c, _ := s.candidateOf(tm, "Curious")
	other, _ := s.candidateOf(tm, "Other")
	base := "/api/interview/" + c.id

	s.expect(s.call("GET", base+"/evaluation", tm.owner, nil), 404, "not_submitted")
	s.expect(s.call("GET", base+"/recording", tm.owner, nil), 404, "not_archived")
	s.expect(s.call("POST", base+"/submit", c.token, map[string]any{}), 422, "validation_failed")
	s.expect(s.call("POST", base+"/submit", c.token, map[string]any{"finalCode": map[string]any{"../etc/passwd": "x"}}), 422, "validation_failed")
	s.expect(s.call("POST", base+"/submit", c.token, map[string]any{"finalCode": map[string]any{}, "surprise": 1}), 400, "")
	s.expect(s.call("POST", base+"/submit", tm.owner, map[string]any{"finalCode": map[string]any{}}), 403, "forbidden")
	s.expect(s.call("POST", base+"/submit", other.token, map[string]any{"finalCode": map[string]any{}}), 404, "not_found")
	s.expect(s.call("GET", base+"/evaluation", c.token, nil), 403, "forbidden")
	outsider := s.newTeam("Outsider")
	s.expect(s.call("GET", base+"/evaluation", outsider.owner, nil), 404, "not_found")

	// Nothing was written by the refused submissions.
	state := s.expect(s.call("GET", "/api/interview/"+c.id, c.token, nil), 200, "")
	if state.body["interview"].(map[string]any)["submittedAt"] != nil {
		t.Fatalf("a refused submission submitted: %s", state.raw)
	}

	// Half a solution: the final run finds the hidden tests it fails.
	c.write(fizzOnly)
	r := c.submit(200)
	ev, _ := r.body["evaluation"].(map[string]any)
	if ev == nil {
		t.Fatalf("this assessment shows results, yet the submission did not: %s", r.raw)
	}
	if !slices.Contains(flagCodes(ev, "redFlags"), domain.FlagHiddenTestsFailing) || !slices.Contains(flagCodes(ev, "redFlags"), domain.FlagUnfinished) {
		t.Errorf("red flags = %v", flagCodes(ev, "redFlags"))
	}
	questions := ev["details"].(map[string]any)["technical"].(map[string]any)["questions"].([]any)
	q := questions[0].(map[string]any)
	if q["testsPassed"] != float64(3) || q["testsTotal"] != float64(7) || q["hiddenFailed"].(float64) < 1 {
		t.Errorf("final run = %v", q)
	}
	// The final run is in the log, as the system's, with the hidden tests' results.
	store, err := eventstore.New(s.db.Pool, eventstore.Options{})
	must(t, err)
	events, err := store.ReadStream(context.Background(), uuid.MustParse(c.id), 0, 1000)
	must(t, err)
	i := slices.IndexFunc(events, func(e domain.RecordedEvent) bool { return e.Type == domain.TypeInterviewSubmitted })
	if i < 2 {
		t.Fatalf("no interview_submitted in %d events", len(events))
	}
	run := events[i-1]
	if run.Type != domain.TypeTestRun || run.Metadata.Actor.Kind != domain.ActorSystem || events[i-2].Type != domain.TypeCodeSnapshot {
		t.Errorf("events before the submission: %s (%s), %s", run.Type, run.Metadata.Actor.Kind, events[i-2].Type)
	}

	// The candidate can do nothing more; a second submission answers with the first result.
	s.expect(s.call("POST", base+"/events", c.token, map[string]any{"type": "focus_change", "data": map[string]any{"focused": true}}), 409, "interview_submitted")
	again := c.submit(409)
	if again.body["evaluation"].(map[string]any)["overallScore"] != ev["overallScore"] {
		t.Errorf("second answer %s differs from the first %s", again.raw, r.raw)
	}
}

func TestInterviewsPastTheirTimeAreSubmittedWithWhatWasSaved(t *testing.T) {
	t.Parallel()
	s := newSandboxStack(t)
	tm := s.fizzBuzzTeam("Timed", false)
	late, _ := s.candidateOf(tm, "Late")
	late.write(fizzBuzzFull)
	onTime, _ := s.candidateOf(tm, "OnTime")

	if n := s.worker.SubmitExpired(context.Background()); n != 0 {
		t.Fatalf("submitted %d interviews before their time was up", n)
	}
	s.clock.advance(61 * time.Minute)
	if n := s.worker.SubmitExpired(context.Background()); n != 2 {
		t.Fatalf("submitted %d interviews past their deadline, want 2", n)
	}
	if n := s.worker.SubmitExpired(context.Background()); n != 0 {
		t.Fatalf("submitted %d interviews twice", n)
	}
	var ev map[string]any
	for deadline := time.Now().Add(20 * time.Second); ; {
		r := s.call("GET", "/api/interview/"+late.id+"/evaluation", tm.owner, nil)
		if r.status == 200 {
			ev = r.body["evaluation"].(map[string]any)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no evaluation: %s", r.raw)
		}
		time.Sleep(50 * time.Millisecond)
	}
	// What was saved passes every test: the final run used it.
	if ev["breakdown"].(map[string]any)["technical"] != float64(100) {
		t.Errorf("auto-submitted evaluation = %v", ev["breakdown"])
	}
	// The candidate's own late submission finds the interview already submitted.
	late.submit(409)
	_ = onTime
	page := s.expect(s.call("GET", "/api/interview/"+late.id+"/events?type=interview_submitted", tm.owner, nil), 200, "")
	events := page.body["events"].([]any)
	data := events[0].(map[string]any)["data"].(map[string]any)
	if data["automatic"] != true || data["reason"] != "time_expired" || data["finalFiles"].(map[string]any)["main.py"] != fizzBuzzFull {
		t.Errorf("automatic submission = %v", data)
	}
}

func TestAssessmentsSetTheirOwnScoring(t *testing.T) {
	t.Parallel()
	s := newStack(t, nil)
	tm := s.newTeam("Weights")
	r := s.expect(s.call("PATCH", "/api/assessments/"+tm.assessment, tm.owner, map[string]any{
		"scoring": map[string]any{"weights": map[string]any{"technical": 1, "codeQuality": 0, "problemSolving": 0, "aiCollaboration": 0}}}), 200, "")
	sc := r.body["assessment"].(map[string]any)["scoring"].(map[string]any)
	if sc["weights"].(map[string]any)["technical"] != float64(1) || sc["thresholds"].(map[string]any)["strongYes"] != float64(85) {
		t.Errorf("scoring = %v", sc)
	}
	s.expect(s.call("PATCH", "/api/assessments/"+tm.assessment, tm.owner, map[string]any{
		"scoring": map[string]any{"thresholds": map[string]any{"strongYes": 50, "yes": 60}}}), 422, "validation_failed")
	s.expect(s.call("PATCH", "/api/assessments/"+tm.assessment, tm.owner, map[string]any{
		"scoring": map[string]any{"weightz": 1}}), 422, "validation_failed")
	r = s.expect(s.call("PATCH", "/api/assessments/"+tm.assessment, tm.owner, map[string]any{"scoring": nil}), 200, "")
	if r.body["assessment"].(map[string]any)["scoring"] != nil {
		t.Errorf("scoring after null = %s", r.raw)
	}
}
