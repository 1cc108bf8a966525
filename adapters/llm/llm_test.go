package llm

import (
	"context"
	"errors"
	"net"
	"net/http"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// conversation is a chat as the chat command builds it: the system prompt with the problem,
// then the turns so far, oldest first.
var conversation = []Message{
	{Role: RoleSystem, Content: "You are the interview assistant. Problem: Two Sum (python).\nCurrent code:\ndef two_sum(nums, target):\n    pass\nGuide, do not hand over the solution."},
	{Role: RoleUser, Content: "What does the function need to return?"},
	{Role: RoleAssistant, Content: "The indices of the two numbers. What would you try first?"},
	{Role: RoleUser, Content: "Could a hash map of seen values help with the O(n^2) loop?"},
}

// newTestClient points a client at f with quick retries; edit adjusts the config.
func newTestClient(t *testing.T, f *fakeUpstream, edit func(*Config)) *Client {
	t.Helper()
	cfg := Config{BaseURL: f.baseURL(), APIKey: "sk-test", Model: "gpt-test", Backoff: time.Millisecond}
	if edit != nil {
		edit(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

// collect is an onChunk that keeps what it was handed.
type collect struct{ chunks []string }

func (c *collect) onChunk(s string) error {
	c.chunks = append(c.chunks, s)
	return nil
}

func always(r fakeReply) func(int, fakeRequest) fakeReply {
	return func(int, fakeRequest) fakeReply { return r }
}

func TestNewAndConfigured(t *testing.T) {
	for _, tc := range []struct {
		name       string
		cfg        Config
		configured bool
		wantErr    error // nil: New succeeds; errAny: any error
	}{
		{"nothing set: AI off", Config{Model: "m"}, false, ErrUnavailable},
		{"blank base URL and no key: AI off", Config{BaseURL: "  ", Model: "m"}, false, ErrUnavailable},
		{"key only: OpenAI", Config{APIKey: "sk", Model: "gpt-4o"}, true, nil},
		{"base URL only: Ollama", Config{BaseURL: "http://localhost:11434/v1", Model: "llama3"}, true, nil},
		{"no model", Config{APIKey: "sk"}, true, errAny},
		{"not a URL", Config{BaseURL: "localhost:11434", Model: "m"}, true, errAny},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Configured(tc.cfg); got != tc.configured {
				t.Errorf("Configured = %v, want %v", got, tc.configured)
			}
			c, err := New(tc.cfg)
			switch {
			case tc.wantErr == nil && err != nil:
				t.Fatalf("New: %v", err)
			case tc.wantErr == errAny && err == nil, tc.wantErr != nil && tc.wantErr != errAny && !errors.Is(err, tc.wantErr):
				t.Fatalf("New error = %v, want %v", err, tc.wantErr)
			case tc.wantErr != nil && c != nil:
				t.Fatalf("New returned a client with error %v", err)
			}
		})
	}
}

var errAny = errors.New("any error")

func TestNilClientIsUnavailable(t *testing.T) {
	var c *Client
	if _, err := c.Stream(context.Background(), conversation, nil); !errors.Is(err, ErrUnavailable) {
		t.Errorf("Stream: %v, want ErrUnavailable", err)
	}
	if _, err := c.Complete(context.Background(), conversation); !errors.Is(err, ErrUnavailable) {
		t.Errorf("Complete: %v, want ErrUnavailable", err)
	}
}

func TestStreamSendsConversationAndReturnsAnswer(t *testing.T) {
	reply := answer("A hash map ", "trades memory ", "for time. ", "What would you store as the key?")
	reply.Usage = [2]int{187, 19}
	reply.Model = "gpt-test-2026-01-01"
	f := newFakeUpstream(t, "sk-test", always(reply))
	c := newTestClient(t, f, nil)

	var got collect
	comp, err := c.Stream(context.Background(), conversation, got.onChunk)
	if err != nil {
		t.Fatalf("Stream: %v", err)
	}

	reqs := f.requests()
	if len(reqs) != 1 {
		t.Fatalf("upstream saw %d requests, want 1", len(reqs))
	}
	sent := reqs[0]
	if h := sent.Header.Get("Authorization"); h != "Bearer sk-test" {
		t.Errorf("Authorization = %q", h)
	}
	if sent.Model != "gpt-test" || !sent.Stream {
		t.Errorf("model %q stream %v, want gpt-test streamed", sent.Model, sent.Stream)
	}
	if sent.StreamOptions == nil || !sent.StreamOptions.IncludeUsage {
		t.Errorf("stream_options = %v, want include_usage true", sent.Raw["stream_options"])
	}
	if sent.Temperature == nil || *sent.Temperature < 0.69 || *sent.Temperature > 0.71 {
		t.Errorf("temperature = %v, want 0.7", sent.Raw["temperature"])
	}
	if sent.MaxTokens == nil || *sent.MaxTokens != 4096 {
		t.Errorf("max_tokens = %v, want 4096", sent.Raw["max_tokens"])
	}
	if _, ok := sent.Raw["tools"]; ok {
		t.Error("tools sent; not every server takes them")
	}
	var history []Message
	for _, m := range sent.Messages {
		history = append(history, Message{Role: m.Role, Content: m.Content})
	}
	if !reflect.DeepEqual(history, conversation) {
		t.Errorf("messages sent:\n%v\nwant, in order:\n%v", history, conversation)
	}
	if !strings.Contains(sent.Messages[0].Content, "Two Sum") {
		t.Errorf("system prompt lost the problem: %q", sent.Messages[0].Content)
	}

	if !reflect.DeepEqual(got.chunks, reply.Chunks) {
		t.Errorf("chunks = %q, want %q", got.chunks, reply.Chunks)
	}
	if want := strings.Join(reply.Chunks, ""); comp.Text != want {
		t.Errorf("Text = %q, want %q", comp.Text, want)
	}
	if comp.InputTokens != 187 || comp.OutputTokens != 19 || comp.UsageEstimated {
		t.Errorf("usage = %d/%d estimated %v, want 187/19 reported", comp.InputTokens, comp.OutputTokens, comp.UsageEstimated)
	}
	if comp.FinishReason != "stop" || comp.Model != "gpt-test-2026-01-01" {
		t.Errorf("finish %q model %q", comp.FinishReason, comp.Model)
	}
	if comp.FirstByte <= 0 || comp.Latency < comp.FirstByte {
		t.Errorf("FirstByte %v Latency %v", comp.FirstByte, comp.Latency)
	}
}

func TestStreamRetriesServerErrorBeforeFirstByte(t *testing.T) {
	f := newFakeUpstream(t, "", func(n int, _ fakeRequest) fakeReply {
		if n == 0 {
			return fakeReply{Status: http.StatusInternalServerError, ErrMessage: "The server had an error while processing your request.", ErrType: "server_error"}
		}
		return answer("fine ", "now")
	})
	c := newTestClient(t, f, nil)
	comp, err := c.Stream(context.Background(), conversation, nil)
	if err != nil {
		t.Fatalf("Stream: %v", err)
	}
	reqs := f.requests()
	if len(reqs) != 2 || comp.Text != "fine now" {
		t.Fatalf("%d requests, text %q; want 2 and the second answer", len(reqs), comp.Text)
	}
	if !reflect.DeepEqual(reqs[0].Raw, reqs[1].Raw) {
		t.Errorf("the retry sent a different body:\n%v\n%v", reqs[0].Raw, reqs[1].Raw)
	}
}

func TestStreamHonoursRetryAfter(t *testing.T) {
	f := newFakeUpstream(t, "", func(n int, _ fakeRequest) fakeReply {
		if n == 0 {
			return fakeReply{
				Status: http.StatusTooManyRequests, Header: map[string]string{"Retry-After": "1"},
				ErrMessage: "Rate limit reached for requests", ErrType: "requests",
			}
		}
		return answer("ok")
	})
	c := newTestClient(t, f, nil) // Backoff 1ms: only Retry-After can explain a longer pause
	if _, err := c.Stream(context.Background(), conversation, nil); err != nil {
		t.Fatalf("Stream: %v", err)
	}
	reqs := f.requests()
	if len(reqs) != 2 {
		t.Fatalf("%d requests, want 2", len(reqs))
	}
	if gap := reqs[1].At.Sub(reqs[0].At); gap < 900*time.Millisecond {
		t.Errorf("retried after %v, Retry-After asked for 1s", gap)
	}
}

func TestStreamDoesNotRetryBadRequest(t *testing.T) {
	f := newFakeUpstream(t, "", always(fakeReply{
		Status: http.StatusBadRequest, ErrType: "invalid_request_error",
		ErrMessage: "This model's maximum context length is 128000 tokens.",
	}))
	c := newTestClient(t, f, nil)
	_, err := c.Stream(context.Background(), conversation, nil)
	var up *UpstreamError
	if !errors.As(err, &up) || up.Status != 400 || !strings.Contains(up.Message, "maximum context length") {
		t.Fatalf("err = %v, want UpstreamError 400 with the upstream's message", err)
	}
	if n := len(f.requests()); n != 1 {
		t.Errorf("%d requests, want 1: a 400 is not retried", n)
	}
}

func TestStreamGivesUpAfterRetries(t *testing.T) {
	f := newFakeUpstream(t, "", always(fakeReply{Status: http.StatusServiceUnavailable, ErrMessage: "overloaded", ErrType: "server_error"}))
	c := newTestClient(t, f, func(cfg *Config) { cfg.Retries = 2 })
	_, err := c.Stream(context.Background(), conversation, nil)
	var up *UpstreamError
	if !errors.As(err, &up) || up.Status != 503 {
		t.Fatalf("err = %v, want UpstreamError 503", err)
	}
	if n := len(f.requests()); n != 3 {
		t.Errorf("%d requests, want 1 + 2 retries", n)
	}
}

func TestStreamRetriesNetworkErrors(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var accepted atomic.Int32
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			conn.Close() // hang up before any answer
		}
	}()
	c, err := New(Config{BaseURL: "http://" + ln.Addr().String() + "/v1", Model: "m", Retries: 2, Backoff: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Stream(context.Background(), conversation, nil)
	var up *UpstreamError
	if !errors.As(err, &up) || up.Status != 0 {
		t.Fatalf("err = %v, want UpstreamError without status", err)
	}
	if n := accepted.Load(); n != 3 {
		t.Errorf("%d connections, want 1 + 2 retries", n)
	}
}

func TestStreamBrokenMidway(t *testing.T) {
	chunks := []string{"Start ", "by ", "sorting", " the input", " and then"}
	for _, tc := range []struct {
		name  string
		reply fakeReply
	}{
		{"connection dropped", fakeReply{Chunks: chunks, CutAfter: 3}},
		{"response ended without finish or DONE", fakeReply{Chunks: chunks, EndAfter: 3}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeUpstream(t, "", always(tc.reply))
			c := newTestClient(t, f, nil)
			var got collect
			comp, err := c.Stream(context.Background(), conversation, got.onChunk)
			if !errors.Is(err, ErrStreamBroken) {
				t.Fatalf("err = %v, want ErrStreamBroken", err)
			}
			if comp.Text != "Start by sorting" || len(got.chunks) != 3 {
				t.Errorf("partial text %q from %d chunks, want the 3 sent", comp.Text, len(got.chunks))
			}
			if !comp.UsageEstimated || comp.OutputTokens != estimateTokens(comp.Text) || comp.FinishReason != "" {
				t.Errorf("usage %d/%d estimated %v finish %q", comp.InputTokens, comp.OutputTokens, comp.UsageEstimated, comp.FinishReason)
			}
			if n := len(f.requests()); n != 1 {
				t.Errorf("%d requests: nothing may be retried once text was handed out", n)
			}
		})
	}
}

func TestStreamSlowFirstByte(t *testing.T) {
	for _, tc := range []struct {
		name  string
		reply fakeReply
	}{
		{"no headers", fakeReply{HeaderDelay: 5 * time.Second, Chunks: []string{"late"}}},
		{"headers but no event", fakeReply{FirstDelay: 5 * time.Second, Chunks: []string{"late"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeUpstream(t, "", always(tc.reply))
			c := newTestClient(t, f, func(cfg *Config) { cfg.Timeout = 100 * time.Millisecond; cfg.Retries = 1 })
			_, err := c.Stream(context.Background(), conversation, nil)
			var up *UpstreamError
			if !errors.Is(err, ErrTimeout) || !errors.As(err, &up) {
				t.Fatalf("err = %v, want an UpstreamError wrapping ErrTimeout", err)
			}
			if n := len(f.requests()); n != 2 {
				t.Errorf("%d requests, want the timeout retried once", n)
			}
		})
	}

	t.Run("slow then fast", func(t *testing.T) {
		f := newFakeUpstream(t, "", func(n int, _ fakeRequest) fakeReply {
			r := answer("second ", "try")
			if n == 0 {
				r.FirstDelay = 5 * time.Second
			}
			return r
		})
		c := newTestClient(t, f, func(cfg *Config) { cfg.Timeout = 100 * time.Millisecond })
		comp, err := c.Stream(context.Background(), conversation, nil)
		if err != nil || comp.Text != "second try" {
			t.Fatalf("Stream = %q, %v; want the second attempt's answer", comp.Text, err)
		}
	})
}

func TestStreamStallAfterFirstByte(t *testing.T) {
	f := newFakeUpstream(t, "", always(fakeReply{Chunks: []string{"one ", "two ", "three"}, HoldAfter: 2}))
	c := newTestClient(t, f, func(cfg *Config) { cfg.Timeout = 150 * time.Millisecond })
	comp, err := c.Stream(context.Background(), conversation, nil)
	if !errors.Is(err, ErrStreamBroken) || !errors.Is(err, ErrTimeout) {
		t.Fatalf("err = %v, want ErrStreamBroken from ErrTimeout", err)
	}
	if comp.Text != "one two " {
		t.Errorf("partial text %q", comp.Text)
	}
	waitEnded(t, f)
}

func TestStreamClientCancelReachesUpstream(t *testing.T) {
	f := newFakeUpstream(t, "", always(fakeReply{Chunks: []string{"one ", "two ", "three"}, HoldAfter: 2}))
	c := newTestClient(t, f, nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var n int
	comp, err := c.Stream(ctx, conversation, func(string) error {
		if n++; n == 2 {
			cancel() // the candidate closed the tab
		}
		return nil
	})
	if !errors.Is(err, context.Canceled) || errors.Is(err, ErrStreamBroken) {
		t.Fatalf("err = %v, want context.Canceled and not a broken stream", err)
	}
	if comp.Text != "one two " {
		t.Errorf("partial text %q", comp.Text)
	}
	waitEnded(t, f)
}

func TestStreamChunkHandlerErrorStopsUpstream(t *testing.T) {
	f := newFakeUpstream(t, "", always(fakeReply{Chunks: []string{"a", "b", "c", "d"}, HoldAfter: 3}))
	c := newTestClient(t, f, nil)
	errWrite := errors.New("client write failed")
	comp, err := c.Stream(context.Background(), conversation, func(string) error { return errWrite })
	if !errors.Is(err, errWrite) {
		t.Fatalf("err = %v, want the handler's error", err)
	}
	if comp.Text != "a" {
		t.Errorf("text %q, want only the chunk handed out", comp.Text)
	}
	waitEnded(t, f)
}

func waitEnded(t *testing.T, f *fakeUpstream) {
	t.Helper()
	select {
	case <-f.ended:
	case <-time.After(5 * time.Second):
		t.Fatal("the upstream request was never cancelled")
	}
}

func TestStreamWithoutStreamOptionsSupport(t *testing.T) {
	f := newFakeUpstream(t, "", func(_ int, req fakeRequest) fakeReply {
		if req.StreamOptions != nil {
			return fakeReply{
				Status: http.StatusBadRequest, ErrType: "invalid_request_error",
				ErrMessage: "Unrecognized request argument supplied: stream_options",
			}
		}
		return answer("twelve chars")
	})
	c := newTestClient(t, f, nil)
	comp, err := c.Stream(context.Background(), conversation, nil)
	if err != nil {
		t.Fatalf("Stream: %v", err)
	}
	reqs := f.requests()
	if len(reqs) != 2 {
		t.Fatalf("%d requests, want the refused one and one without stream_options", len(reqs))
	}
	if _, ok := reqs[1].Raw["stream_options"]; ok {
		t.Error("the second request still carries stream_options")
	}
	if !comp.UsageEstimated || comp.OutputTokens != 3 || comp.InputTokens != estimateInput(conversation) {
		t.Errorf("usage %d/%d estimated %v, want len/4 estimates", comp.InputTokens, comp.OutputTokens, comp.UsageEstimated)
	}
}

func TestStreamReasoningModelParameters(t *testing.T) {
	f := newFakeUpstream(t, "", always(answer("ok")))
	c := newTestClient(t, f, func(cfg *Config) { cfg.Model = "o3-mini" })
	if _, err := c.Stream(context.Background(), conversation, nil); err != nil {
		t.Fatalf("Stream: %v", err)
	}
	sent := f.requests()[0]
	if sent.MaxCompletionTokens == nil || *sent.MaxCompletionTokens != 4096 || sent.MaxTokens != nil || sent.Temperature != nil {
		t.Errorf("o3-mini got max_tokens %v, max_completion_tokens %v, temperature %v; want only max_completion_tokens",
			sent.Raw["max_tokens"], sent.Raw["max_completion_tokens"], sent.Raw["temperature"])
	}
}

func TestStreamReusesConnection(t *testing.T) {
	var conns atomic.Int32
	reply := answer("x", "y")
	reply.AfterDone = 20 * time.Millisecond
	f := newFakeUpstreamWith(t, "", always(reply), func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	})
	c := newTestClient(t, f, nil)
	for range 3 {
		if _, err := c.Stream(context.Background(), conversation, nil); err != nil {
			t.Fatal(err)
		}
	}
	if n := conns.Load(); n != 1 {
		t.Errorf("3 sequential chats opened %d connections, want 1", n)
	}
}

func TestComplete(t *testing.T) {
	reply := answer(`{"title":"Two Sum",`, `"difficulty":"MEDIUM"}`)
	reply.Usage = [2]int{300, 80}
	f := newFakeUpstream(t, "", always(reply))
	c := newTestClient(t, f, nil)
	comp, err := c.CompleteJSON(context.Background(), conversation)
	if err != nil {
		t.Fatalf("CompleteJSON: %v", err)
	}
	sent := f.requests()[0]
	if sent.Stream || sent.ResponseFormat == nil || sent.ResponseFormat.Type != "json_object" {
		t.Errorf("stream %v response_format %v, want a plain request for a JSON object", sent.Stream, sent.Raw["response_format"])
	}
	if comp.Text != `{"title":"Two Sum","difficulty":"MEDIUM"}` || comp.InputTokens != 300 || comp.OutputTokens != 80 || comp.FinishReason != "stop" {
		t.Errorf("got %+v", comp)
	}
}

func TestCompleteJSONFallsBackWhenRefused(t *testing.T) {
	f := newFakeUpstream(t, "", func(_ int, req fakeRequest) fakeReply {
		if req.ResponseFormat != nil {
			return fakeReply{Status: http.StatusBadRequest, ErrType: "invalid_request_error", ErrParam: "response_format", ErrMessage: "Invalid value."}
		}
		return answer(`{}`)
	})
	c := newTestClient(t, f, nil)
	comp, err := c.CompleteJSON(context.Background(), conversation)
	if err != nil || comp.Text != "{}" {
		t.Fatalf("CompleteJSON = %q, %v", comp.Text, err)
	}
	if n := len(f.requests()); n != 2 {
		t.Errorf("%d requests, want 2", n)
	}
}

func TestCompleteRetriesAndTimesOut(t *testing.T) {
	f := newFakeUpstream(t, "", always(fakeReply{HeaderDelay: 5 * time.Second, Chunks: []string{"late"}}))
	c := newTestClient(t, f, func(cfg *Config) { cfg.Timeout = 100 * time.Millisecond; cfg.Retries = 1 })
	if _, err := c.Complete(context.Background(), conversation); !errors.Is(err, ErrTimeout) {
		t.Fatalf("err = %v, want ErrTimeout", err)
	}
	if n := len(f.requests()); n != 2 {
		t.Errorf("%d requests, want 2", n)
	}
}

func TestRejectsBadMessages(t *testing.T) {
	f := newFakeUpstream(t, "", always(answer("x")))
	c := newTestClient(t, f, nil)
	for _, msgs := range [][]Message{nil, {{Role: "tool", Content: "x"}}} {
		if _, err := c.Stream(context.Background(), msgs, nil); err == nil {
			t.Errorf("Stream(%v) succeeded", msgs)
		}
	}
	if n := len(f.requests()); n != 0 {
		t.Errorf("%d requests sent for invalid conversations", n)
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		header map[string]string
		want   time.Duration
	}{
		{map[string]string{"Retry-After": "2"}, 2 * time.Second},
		{map[string]string{"Retry-After": "0.5"}, 500 * time.Millisecond},
		{map[string]string{"Retry-After": "Sun, 01 Mar 2026 12:00:07 GMT"}, 7 * time.Second},
		{map[string]string{"Retry-After": "Sun, 01 Mar 2026 11:00:00 GMT"}, 0},
		{map[string]string{"Retry-After": "soon"}, 0},
		{map[string]string{"Retry-After-Ms": "250", "Retry-After": "1"}, 250 * time.Millisecond},
		{nil, 0},
	} {
		h := http.Header{}
		for k, v := range tc.header {
			h.Set(k, v)
		}
		if got := parseRetryAfter(h, now); got != tc.want {
			t.Errorf("%v: %v, want %v", tc.header, got, tc.want)
		}
	}
}
