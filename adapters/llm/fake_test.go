package llm

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeUpstream speaks OpenAI's chat-completions protocol the way the endpoints this adapter
// targets do: POST {base}/chat/completions with a bearer key and a JSON body. A streamed
// answer is server-sent events, "data: {chunk}\n\n", each a chat.completion.chunk: first the
// assistant role with empty content, then choices[0].delta.content pieces, then an empty delta
// with the finish reason, then — only when stream_options.include_usage asks — a chunk with
// empty choices and the usage, then "data: [DONE]". A non-streamed answer is one
// chat.completion object. Errors are {"error":{message,type,param,code}} with their status.
// Each test scripts the replies, since the model itself is the thing faked.
type fakeUpstream struct {
	srv *httptest.Server // nil when served from a separate process
	key string           // the bearer key demanded; "" accepts any

	mu     sync.Mutex
	reqs   []fakeRequest
	record bool // false in the benchmark's server process, which would only grow
	// script decides the reply to the n-th request (from 0).
	script func(n int, req fakeRequest) fakeReply
	// ended receives the number of a request whose context ended while the fake held its
	// stream open: the proof that the client's cancellation reached the upstream.
	ended chan int
}

// fakeRequest is a request as the fake received it.
type fakeRequest struct {
	At     time.Time
	Path   string
	Header http.Header
	Raw    map[string]any // the body as sent, to tell an absent field from a zero one

	Model         string        `json:"model"`
	Messages      []fakeMessage `json:"messages"`
	Stream        bool          `json:"stream"`
	StreamOptions *struct {
		IncludeUsage bool `json:"include_usage"`
	} `json:"stream_options"`
	Temperature         *float64 `json:"temperature"`
	MaxTokens           *int     `json:"max_tokens"`
	MaxCompletionTokens *int     `json:"max_completion_tokens"`
	ResponseFormat      *struct {
		Type string `json:"type"`
	} `json:"response_format"`
}

type fakeMessage struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

// fakeReply scripts one answer.
type fakeReply struct {
	Status int               // 0 means 200; anything else answers an error
	Header map[string]string // extra response headers, e.g. Retry-After
	// ErrMessage, ErrType and ErrParam fill the error object of a non-200 answer.
	ErrMessage, ErrType, ErrParam string

	HeaderDelay time.Duration // before the status line: nothing at all arrives
	FirstDelay  time.Duration // after the headers, before the first event
	Chunks      []string      // the answer's text, one delta each
	Gap         time.Duration // between two chunks
	Finish      string        // default "stop"
	Usage       [2]int        // prompt and completion tokens reported
	Model       string        // the model the answer names; default the one asked for

	// CutAfter drops the connection after this many chunks: no finish, no [DONE].
	CutAfter int
	// EndAfter ends the response cleanly after this many chunks, but with no finish and no [DONE].
	EndAfter int
	// HoldAfter keeps the stream open after this many chunks until the client goes away.
	HoldAfter int
	// AfterDone delays the end of the response after [DONE], as a server finishing its
	// bookkeeping does, so that a client that stops reading at [DONE] finds no end yet.
	AfterDone time.Duration
}

func newFakeUpstream(t testing.TB, key string, script func(n int, req fakeRequest) fakeReply) *fakeUpstream {
	t.Helper()
	return newFakeUpstreamWith(t, key, script, nil)
}

// newFakeUpstreamWith lets connState watch the server's connections, which must be set
// before the server starts.
func newFakeUpstreamWith(t testing.TB, key string, script func(n int, req fakeRequest) fakeReply, connState func(net.Conn, http.ConnState)) *fakeUpstream {
	t.Helper()
	f := &fakeUpstream{key: key, script: script, record: true, ended: make(chan int, 256)}
	f.srv = httptest.NewUnstartedServer(f)
	f.srv.Config.ConnState = connState
	f.srv.Start()
	t.Cleanup(f.srv.Close)
	return f
}

// baseURL is what Config.BaseURL is set to, OpenAI style with the /v1 prefix.
func (f *fakeUpstream) baseURL() string { return f.srv.URL + "/v1" }

func (f *fakeUpstream) requests() []fakeRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]fakeRequest(nil), f.reqs...)
}

func (f *fakeUpstream) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/v1/chat/completions" {
		writeError(w, http.StatusNotFound, "Unknown request URL: "+r.Method+" "+r.URL.Path, "invalid_request_error", "")
		return
	}
	if f.key != "" && r.Header.Get("Authorization") != "Bearer "+f.key {
		writeError(w, http.StatusUnauthorized, "Incorrect API key provided.", "invalid_request_error", "")
		return
	}
	req := fakeRequest{At: time.Now(), Path: r.URL.Path, Header: r.Header.Clone()}
	// Reading the body to its end lets net/http watch the connection, so that a client going
	// away ends r.Context() as it does in a real server.
	raw, err := io.ReadAll(r.Body)
	if err != nil || !json.Valid(raw) {
		writeError(w, http.StatusBadRequest, "We could not parse the JSON body of your request.", "invalid_request_error", "")
		return
	}
	if err := json.Unmarshal(raw, &req); err != nil {
		writeError(w, http.StatusBadRequest, err.Error(), "invalid_request_error", "")
		return
	}
	_ = json.Unmarshal(raw, &req.Raw)

	f.mu.Lock()
	n := len(f.reqs)
	if f.record {
		f.reqs = append(f.reqs, req)
	} else {
		f.reqs = append(f.reqs, fakeRequest{}) // the count still drives scripts
	}
	f.mu.Unlock()
	reply := f.script(n, req)

	ctx := r.Context()
	if !sleep(ctx, reply.HeaderDelay) {
		return
	}
	for k, v := range reply.Header {
		w.Header().Set(k, v)
	}
	if reply.Status != 0 && reply.Status != http.StatusOK {
		writeError(w, reply.Status, reply.ErrMessage, reply.ErrType, reply.ErrParam)
		return
	}
	model := reply.Model
	if model == "" {
		model = req.Model
	}
	finish := reply.Finish
	if finish == "" {
		finish = "stop"
	}
	if !req.Stream {
		writeCompletion(w, model, strings.Join(reply.Chunks, ""), finish, reply.Usage)
		return
	}

	w.Header().Set("Content-Type", "text/event-stream; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	flusher := w.(http.Flusher)
	flusher.Flush()
	if !sleep(ctx, reply.FirstDelay) {
		return
	}
	includeUsage := req.StreamOptions != nil && req.StreamOptions.IncludeUsage
	id := fmt.Sprintf("chatcmpl-fake%d", n)
	send := func(v any) {
		b, _ := json.Marshal(v)
		fmt.Fprintf(w, "data: %s\n\n", b)
		flusher.Flush()
	}
	chunk := func(delta map[string]any, finish any) map[string]any {
		c := map[string]any{
			"id": id, "object": "chat.completion.chunk", "created": time.Now().Unix(),
			"model": model, "system_fingerprint": "fp_fake",
			"choices": []any{map[string]any{"index": 0, "delta": delta, "logprobs": nil, "finish_reason": finish}},
		}
		if includeUsage {
			c["usage"] = nil
		}
		return c
	}

	send(chunk(map[string]any{"role": "assistant", "content": "", "refusal": nil}, nil))
	for i, text := range reply.Chunks {
		if i > 0 && !sleep(ctx, reply.Gap) {
			return
		}
		send(chunk(map[string]any{"content": text}, nil))
		switch i + 1 {
		case reply.CutAfter:
			// Aborting the handler makes net/http drop the connection without the chunked
			// terminator, as a crashed or killed upstream does.
			panic(http.ErrAbortHandler)
		case reply.EndAfter:
			return
		case reply.HoldAfter:
			<-ctx.Done()
			select {
			case f.ended <- n:
			default:
			}
			return
		}
	}
	send(chunk(map[string]any{}, finish))
	if includeUsage {
		send(map[string]any{
			"id": id, "object": "chat.completion.chunk", "created": time.Now().Unix(),
			"model": model, "system_fingerprint": "fp_fake", "choices": []any{},
			"usage": usage(reply.Usage),
		})
	}
	fmt.Fprint(w, "data: [DONE]\n\n")
	flusher.Flush()
	sleep(ctx, reply.AfterDone)
}

func usage(u [2]int) map[string]any {
	return map[string]any{
		"prompt_tokens": u[0], "completion_tokens": u[1], "total_tokens": u[0] + u[1],
		"prompt_tokens_details":     map[string]any{"cached_tokens": 0, "audio_tokens": 0},
		"completion_tokens_details": map[string]any{"reasoning_tokens": 0, "audio_tokens": 0},
	}
}

func writeCompletion(w http.ResponseWriter, model, text, finish string, u [2]int) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{
		"id": "chatcmpl-fake", "object": "chat.completion", "created": time.Now().Unix(),
		"model": model, "system_fingerprint": "fp_fake",
		"choices": []any{map[string]any{
			"index":         0,
			"message":       map[string]any{"role": "assistant", "content": text, "refusal": nil},
			"logprobs":      nil,
			"finish_reason": finish,
		}},
		"usage": usage(u),
	})
}

func writeError(w http.ResponseWriter, status int, message, typ, param string) {
	var p any
	if param != "" {
		p = param
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"error": map[string]any{"message": message, "type": typ, "param": p, "code": nil},
	})
}

// sleep waits d unless ctx ends first, and reports whether it waited the whole time.
func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// answer is the plain reply: the chunks, then a clean end with usage.
func answer(chunks ...string) fakeReply {
	return fakeReply{Chunks: chunks, Usage: [2]int{42, len(chunks)}}
}
