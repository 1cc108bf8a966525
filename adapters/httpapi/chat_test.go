package httpapi_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/interviewlm/interviewlm/adapters/eventstore"
	"github.com/interviewlm/interviewlm/adapters/httpapi"
	"github.com/interviewlm/interviewlm/adapters/llm"
	"github.com/interviewlm/interviewlm/adapters/postgres/pgtest"
	"github.com/interviewlm/interviewlm/adapters/problembank"
	"github.com/interviewlm/interviewlm/adapters/sandbox"
	"github.com/interviewlm/interviewlm/commands"
	"github.com/interviewlm/interviewlm/domain"
	"github.com/interviewlm/interviewlm/projections"
)

// fakeOpenAI speaks the chat-completions streaming protocol: it answers with the scripted
// words as SSE chunks, then a usage chunk and [DONE], and keeps every request it got.
type fakeOpenAI struct {
	*httptest.Server
	mu       sync.Mutex
	requests []map[string]any
	status   int // when set, the next request fails with it
	// answers are the contents of non-streaming answers, used in turn.
	answers []string
}

func newFakeOpenAI(t *testing.T, words ...string) *fakeOpenAI {
	f := &fakeOpenAI{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body map[string]any
		_ = json.NewDecoder(r.Body).Decode(&body)
		f.mu.Lock()
		f.requests = append(f.requests, body)
		status := f.status
		f.status = 0
		f.mu.Unlock()
		if r.Header.Get("Authorization") != "Bearer test-key" {
			http.Error(w, `{"error":{"message":"bad key"}}`, http.StatusUnauthorized)
			return
		}
		if status != 0 {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			_, _ = w.Write([]byte(`{"error":{"message":"scripted failure","type":"invalid_request_error"}}`))
			return
		}
		if body["stream"] != true {
			f.mu.Lock()
			content := "{}"
			if len(f.answers) > 0 {
				content, f.answers = f.answers[0], f.answers[1:]
			}
			f.mu.Unlock()
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(map[string]any{"id": "c2", "object": "chat.completion", "model": "fake-model",
				"choices": []any{map[string]any{"index": 0, "finish_reason": "stop",
					"message": map[string]any{"role": "assistant", "content": content}}},
				"usage": map[string]any{"prompt_tokens": 50, "completion_tokens": 400, "total_tokens": 450}})
			return
		}
		w.Header().Set("Content-Type", "text/event-stream")
		flusher := w.(http.Flusher)
		for i, word := range words {
			chunk := map[string]any{"id": "c1", "object": "chat.completion.chunk", "model": "fake-model",
				"choices": []any{map[string]any{"index": 0, "delta": map[string]any{"content": word}}}}
			if i == len(words)-1 {
				chunk["choices"] = []any{map[string]any{"index": 0, "delta": map[string]any{"content": word}, "finish_reason": "stop"}}
			}
			b, _ := json.Marshal(chunk)
			fmt.Fprintf(w, "data: %s\n\n", b)
			flusher.Flush()
		}
		fmt.Fprintf(w, "data: %s\n\n", `{"id":"c1","object":"chat.completion.chunk","model":"fake-model","choices":[],"usage":{"prompt_tokens":321,"completion_tokens":12,"total_tokens":333}}`)
		fmt.Fprint(w, "data: [DONE]\n\n")
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeOpenAI) request(i int) map[string]any {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.requests[i]
}

func newChatStack(t *testing.T, ai *fakeOpenAI) *stack {
	return newStackWith(t, nil, func(deps *httpapi.AppDeps, store *eventstore.Store, db *pgtest.DB, now func() time.Time) {
		client, err := llm.New(llm.Config{BaseURL: ai.URL, APIKey: "test-key", Model: "fake-model", Retries: -1})
		must(t, err)
		deps.Chat, err = commands.NewChatHandler(llm.Streamer(client), projections.ConversationReader{DB: db.Pool},
			projections.QuestionsReader{DB: db.Pool}, store, now)
		must(t, err)
	})
}

// chat posts a message and reads the SSE answer.
func (s *stack) chat(interview, token, message string) (string, map[string]any, reply) {
	s.t.Helper()
	body, _ := json.Marshal(map[string]any{"message": message,
		"codeContext": map[string]any{"fileName": "main.go", "content": "func twoSum() {}", "language": "go"}})
	req, _ := http.NewRequest("POST", s.url+"/api/interview/"+interview+"/chat", strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	must(s.t, err)
	defer resp.Body.Close()
	if resp.Header.Get("Content-Type") != "text/event-stream" {
		raw, _ := io.ReadAll(resp.Body)
		r := reply{status: resp.StatusCode, raw: string(raw)}
		_ = json.Unmarshal(raw, &r.body)
		return "", nil, r
	}
	var text strings.Builder
	var done map[string]any
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line, ok := strings.CutPrefix(sc.Text(), "data: ")
		if !ok {
			continue
		}
		var f map[string]any
		must(s.t, json.Unmarshal([]byte(line), &f))
		switch f["type"] {
		case "chunk":
			text.WriteString(f["text"].(string))
		case "done", "error":
			done = f
		}
	}
	return text.String(), done, reply{status: resp.StatusCode}
}

func TestChatStreamsAndRecordsEveryTurn(t *testing.T) {
	t.Parallel()
	ai := newFakeOpenAI(t, "Think ", "about ", "a hash map.")
	s := newChatStack(t, ai)
	tm := s.newTeam("Chatty")
	_, invite := s.invite(tm, "Cat")
	interview, token := s.start(invite, 201)

	text, done, r := s.chat(interview, token, "Why is my `twoSum` returning nil for input [2,7,11,15] and target 9?")
	if r.status != 200 || text != "Think about a hash map." || done["type"] != "done" {
		t.Fatalf("chat: %d %q %v", r.status, text, done)
	}
	usage := done["usage"].(map[string]any)
	if usage["inputTokens"] != float64(321) || usage["outputTokens"] != float64(12) || done["promptQuality"].(float64) < 3 {
		t.Fatalf("done frame = %v", done)
	}
	first := ai.request(0)
	msgs := first["messages"].([]any)
	system := msgs[0].(map[string]any)["content"].(string)
	if first["model"] != "fake-model" || first["stream"] != true || !strings.Contains(system, "do not hand over the solution") ||
		!strings.Contains(system, "func twoSum() {}") {
		t.Fatalf("first request: model %v, system prompt %q", first["model"], system)
	}
	if so, _ := first["stream_options"].(map[string]any); so["include_usage"] != true {
		t.Errorf("stream_options = %v", first["stream_options"])
	}

	// A follow-up: the earlier turn goes with it, and the rating sees that it builds on it.
	_, done2, _ := s.chat(interview, token, "You said a hash map: should it map each value to its index?")
	second := ai.request(1)["messages"].([]any)
	if len(second) != 4 || second[2].(map[string]any)["content"] != "Think about a hash map." {
		t.Fatalf("second request messages = %v", second)
	}
	reasons := fmt.Sprint(done2["promptQualityReasons"])
	if !strings.Contains(reasons, domain.ReasonBuildsOn) {
		t.Errorf("the follow-up's reasons do not see it builds on the answer: %s", reasons)
	}

	// Every turn is in the log: the message with its rating, the answer with its tokens.
	store, err := eventstore.New(s.db.Pool, eventstore.Options{})
	must(t, err)
	events, err := store.ReadStream(context.Background(), uuid.MustParse(interview), 0, 100)
	must(t, err)
	var asked, answered int
	for _, e := range events {
		switch e.Type {
		case domain.TypeAIMessage:
			var m domain.AIMessage
			must(t, json.Unmarshal(e.Data, &m))
			if m.PromptQuality < 1 || len(m.QualityReasons) != 5 || m.CodeContext == nil {
				t.Errorf("ai_message = %+v", m)
			}
			asked++
		case domain.TypeAIResponse:
			var m domain.AIResponse
			must(t, json.Unmarshal(e.Data, &m))
			if m.Text != "Think about a hash map." || m.InputTokens != 321 || m.Model != "fake-model" || m.FinishReason != "stop" {
				t.Errorf("ai_response = %+v", m)
			}
			answered++
		}
	}
	if asked != 2 || answered != 2 {
		t.Fatalf("%d messages and %d answers recorded", asked, answered)
	}

	// An upstream failure before anything was streamed is a 502, still recorded.
	ai.mu.Lock()
	ai.status = http.StatusBadRequest
	ai.mu.Unlock()
	_, _, failed := s.chat(interview, token, "And the edge cases?")
	if failed.status != http.StatusBadGateway || failed.code() != "ai_upstream_error" {
		t.Fatalf("upstream failure: %d %s", failed.status, failed.raw)
	}
	s.expect(s.call("POST", "/api/interview/"+interview+"/chat", tm.owner, map[string]any{"message": "hi"}), 403, "forbidden")
	s.expect(s.call("POST", "/api/interview/"+interview+"/chat", token, map[string]any{"message": "  "}), 422, "validation_failed")
}

func TestChatIsRefusedWithoutAIOrWhenTheAssessmentDisablesIt(t *testing.T) {
	t.Parallel()
	plain := newStack(t, nil)
	tm := plain.newTeam("NoAI")
	_, invite := plain.invite(tm, "Nia")
	interview, token := plain.start(invite, 201)
	plain.expect(plain.call("POST", "/api/interview/"+interview+"/chat", token, map[string]any{"message": "hello?"}), 503, "ai_unavailable")

	s := newChatStack(t, newFakeOpenAI(t, "x"))
	tm = s.newTeam("OffAI")
	id := s.expect(s.call("POST", "/api/orgs/"+tm.org+"/assessments", tm.owner, map[string]any{"title": "Solo", "enableAI": false}), 201, "").str("assessment", "id")
	s.expect(s.call("PATCH", "/api/assessments/"+id, tm.owner, map[string]any{"status": "PUBLISHED"}), 200, "")
	r := s.expect(s.call("POST", "/api/assessments/"+id+"/candidates", tm.owner, map[string]any{"name": "Ola", "email": "ola@example.com"}), 201, "")
	interview, token = s.start(r.str("inviteToken"), 201)
	s.expect(s.call("POST", "/api/interview/"+interview+"/chat", token, map[string]any{"message": "hello?"}), 403, "ai_disabled")
}

// TestGeneratedQuestionsAreVerifiedBeforeTheyAreServed: a generated problem is served only when
// its reference solution passes its own tests in the sandbox, and with the difficulty decided;
// invalid JSON or a wrong reference solution falls back to a bank problem.
func TestGeneratedQuestionsAreVerifiedBeforeTheyAreServed(t *testing.T) {
	t.Parallel()
	tests := []map[string]any{}
	for i := range 6 {
		tests = append(tests, map[string]any{"name": fmt.Sprintf("t%d", i), "input": fmt.Sprint(i), "expectedOutput": fmt.Sprint(2 * i), "hidden": i >= 4})
	}
	problem := func(solution string) string {
		b, _ := json.Marshal(map[string]any{"title": "Double it", "description": "Read n, print 2n.", "requirements": []string{"read stdin"},
			"difficulty": "EASY", "starterCode": "n = int(input())\n", "testCases": tests, "referenceSolution": solution, "estimatedMinutes": 10})
		return string(b)
	}
	ai := newFakeOpenAI(t, "x")
	ai.answers = []string{
		problem("print(int(input()) * 2)"), // good: served, as MEDIUM whatever it says
		"this is not JSON",                 // rejected: the bank serves
		problem("print(int(input()) * 3)"), // its own tests fail: the bank serves
	}
	local, err := sandbox.NewLocal(sandbox.LocalConfig{})
	must(t, err)
	s := newStackWith(t, nil, func(deps *httpapi.AppDeps, store *eventstore.Store, db *pgtest.DB, now func() time.Time) {
		client, err := llm.New(llm.Config{BaseURL: ai.URL, APIKey: "test-key", Model: "fake-model", Retries: -1})
		must(t, err)
		generator, err := commands.NewGenerator(llm.JSONCompleter(client), sandbox.TestExecutor(local, sandbox.Toolchain{}))
		must(t, err)
		problems, err := problembank.Load()
		must(t, err)
		deps.NextQuestion, err = commands.NewNextQuestionHandler(problembank.Catalog{Bank: problembank.NewBank(problems)}, generator,
			projections.QuestionsReader{DB: db.Pool}, store, now)
		must(t, err)
	})
	tm := s.newTeam("Gen")
	id := s.expect(s.call("POST", "/api/orgs/"+tm.org+"/assessments", tm.owner, map[string]any{"title": "Py", "language": "python", "questionCount": 3}), 201, "").str("assessment", "id")
	s.expect(s.call("PATCH", "/api/assessments/"+id, tm.owner, map[string]any{"status": "PUBLISHED"}), 200, "")
	r := s.expect(s.call("POST", "/api/assessments/"+id+"/candidates", tm.owner, map[string]any{"name": "Gil", "email": "gil@example.com"}), 201, "")
	interview, token := s.start(r.str("inviteToken"), 201)
	base := "/api/interview/" + interview

	first := s.expect(s.call("POST", base+"/questions", token, map[string]any{}), 201, "").body["question"].(map[string]any)
	if first["source"] != "generated" || first["title"] != "Double it" || first["difficulty"] != "MEDIUM" {
		t.Fatalf("first question = %v", first)
	}
	for i := range 2 {
		q := s.expect(s.call("POST", base+"/questions", token, map[string]any{}), 201, "").body["question"].(map[string]any)
		if q["source"] != "bank" || q["language"] != "python" {
			t.Fatalf("question %d after a rejected generation = %v", i+2, q)
		}
	}
}
