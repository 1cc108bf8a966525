// Package llm is the door to an OpenAI-compatible chat-completions endpoint: OpenAI itself,
// Anthropic's OpenAI-compatible endpoint, Ollama and vLLM, all through go-openai. It keeps to
// the subset every one of them speaks (messages in, text out, no tools) and adds what the
// product needs around it: a first-byte timeout, retries that never repeat text the candidate
// has already seen, token usage, latency and cost.
//
// How the errors map at the HTTP edge:
//
//   - ErrUnavailable: no AI is configured (503 ai_unavailable).
//   - *UpstreamError: the upstream failed before anything was streamed (502); errors.Is with
//     ErrTimeout tells a silent upstream from one that answered with an error status.
//   - ErrStreamBroken: the stream died after text was sent (an SSE error event); the partial
//     text is in the Completion that comes with it.
//   - context.Canceled: the caller went away; there is nobody left to answer.
package llm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/interviewlm/interviewlm/commands"
)

// Defaults taken by New for zero Config fields.
const (
	DefaultTimeout             = 60 * time.Second
	DefaultRetries             = 3
	DefaultBackoff             = 500 * time.Millisecond
	DefaultTemperature float32 = 0.7
	DefaultMaxTokens           = 4096
)

// defaultIdleConnsPerHost is how many idle connections the default HTTP client keeps.
const defaultIdleConnsPerHost = 128

// maxBackoff caps the exponential growth so that a whole retry chain fits in a chat turn.
const maxBackoff = 8 * time.Second

// maxRetryAfter is the longest pause an upstream may ask for and still be waited on; past it
// the request fails at once rather than leave the candidate in front of a spinner.
const maxRetryAfter = 30 * time.Second

// Roles a Message may carry.
const (
	RoleSystem    = "system"
	RoleUser      = "user"
	RoleAssistant = "assistant"
)

// ErrUnavailable means no AI endpoint is configured: New returns it, and so does every method
// of a nil *Client, so that a service wired without AI answers cleanly instead of crashing.
var ErrUnavailable = errors.New("llm: no AI endpoint is configured")

// ErrStreamBroken means the stream ended before the answer did, after some of it had been
// handed to the caller; it is never retried, since the candidate has already seen that text.
var ErrStreamBroken = errors.New("llm: stream broken before the answer ended")

// ErrTimeout means the upstream sent nothing for Config.Timeout: no first byte, or a gap
// between two chunks that long.
var ErrTimeout = errors.New("llm: upstream timed out")

// UpstreamError is a failure of the upstream before anything was streamed, once retries are
// spent or when retrying cannot help.
type UpstreamError struct {
	// Status is the upstream's HTTP status, 0 when it gave none (network error, timeout, an
	// error sent inside a 200 stream).
	Status int
	// Message is the upstream's own error message, or a description of what went wrong.
	Message string
	// Err is the underlying error, for errors.Is and errors.As.
	Err error
}

// Error describes the failure with the upstream's status when there is one.
func (e *UpstreamError) Error() string {
	if e.Status == 0 {
		return "llm: upstream failed: " + e.Message
	}
	return fmt.Sprintf("llm: upstream answered %d: %s", e.Status, e.Message)
}

// Unwrap returns the underlying error.
func (e *UpstreamError) Unwrap() error { return e.Err }

// Config says which endpoint and model to use and how patiently. Zero values take the
// defaults named per field.
type Config struct {
	// BaseURL is the API root, e.g. "https://api.openai.com/v1", "https://api.anthropic.com/v1",
	// "http://localhost:11434/v1" (Ollama) or "http://vllm:8000/v1". Empty means OpenAI's.
	BaseURL string
	// APIKey is sent as a bearer token; local servers usually need none.
	APIKey string
	// Model is the model name the endpoint knows. Required.
	Model string
	// Timeout bounds the wait for the first byte of an answer and, once streaming, every gap
	// between two chunks (a non-streamed answer's first byte is the whole answer). Default 60s.
	Timeout time.Duration
	// Retries is how many times a request is repeated after a 408, 409, 429, 5xx, network
	// error or timeout, and only before the first byte. Default 3; negative means none.
	Retries int
	// Backoff is the first retry's pause, doubled for each further one (with jitter, capped at
	// 8s); a longer Retry-After from the upstream wins. Default 500ms.
	Backoff time.Duration
	// HTTPClient carries the requests. Its Timeout must stay zero: a stream lasts as long as
	// the answer, and Timeout above is what bounds silence. Default: a client that keeps up to
	// 128 idle connections per host.
	HTTPClient *http.Client
	// Temperature is the sampling temperature. Default 0.7. go-openai drops a zero, so 0
	// cannot be asked for; OpenAI's reasoning models get none, since they refuse it.
	Temperature float32
	// MaxTokens bounds the answer's length. Default 4096.
	MaxTokens int
}

// Configured reports whether cfg names an endpoint at all: with neither a BaseURL nor an API
// key the AI is off, and the service runs without it.
func Configured(cfg Config) bool {
	return strings.TrimSpace(cfg.BaseURL) != "" || cfg.APIKey != ""
}

// Message is one turn of a conversation.
type Message struct {
	Role    string // RoleSystem, RoleUser or RoleAssistant
	Content string
}

// Completion is an answer and what it cost.
type Completion struct {
	// Text is the whole answer, or the part received when an error comes with it.
	Text string
	// Model is the model the upstream says answered, which may be more precise than the one
	// asked for ("gpt-4o" answered by "gpt-4o-2024-08-06").
	Model        string
	InputTokens  int
	OutputTokens int
	// UsageEstimated is set when the upstream reported no usage (a server without
	// stream_options, a broken stream) and the token counts are len(text)/4.
	UsageEstimated bool
	// FinishReason is the upstream's: "stop", "length", "content_filter"; empty when the
	// stream broke.
	FinishReason string
	// Latency runs from the call to the last byte, retries included.
	Latency time.Duration
	// FirstByte runs from the call to the first text handed to onChunk (the time to first
	// chunk the candidate sees); for an empty or non-streamed answer, to the first byte.
	FirstByte time.Duration
}

// Client talks to one endpoint and model. It is safe for concurrent use.
type Client struct {
	api *openai.Client
	cfg Config // with defaults applied
}

// New builds a client. It returns ErrUnavailable when cfg is not Configured.
func New(cfg Config) (*Client, error) {
	if !Configured(cfg) {
		return nil, ErrUnavailable
	}
	if strings.TrimSpace(cfg.Model) == "" {
		return nil, errors.New("llm: a model name is required (LLM_MODEL)")
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	switch {
	case cfg.Retries == 0:
		cfg.Retries = DefaultRetries
	case cfg.Retries < 0:
		cfg.Retries = 0
	}
	if cfg.Backoff <= 0 {
		cfg.Backoff = DefaultBackoff
	}
	if cfg.Temperature == 0 {
		cfg.Temperature = DefaultTemperature
	}
	if cfg.MaxTokens <= 0 {
		cfg.MaxTokens = DefaultMaxTokens
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = defaultHTTPClient()
	}

	oc := openai.DefaultConfig(cfg.APIKey)
	if base := strings.TrimSpace(cfg.BaseURL); base != "" {
		u, err := url.Parse(base)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("llm: base URL %q is not an http(s) URL", base)
		}
		oc.BaseURL = strings.TrimRight(base, "/")
	}
	oc.HTTPClient = probingDoer{cfg.HTTPClient}
	return &Client{api: openai.NewClientWithConfig(oc), cfg: cfg}, nil
}

// defaultHTTPClient keeps many idle connections to the one upstream host: a chat service holds
// dozens of concurrent streams to it, and net/http's default of two would make most chats pay
// a fresh TCP and TLS handshake before their first token.
func defaultHTTPClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = defaultIdleConnsPerHost
	return &http.Client{Transport: t}
}

// Stream sends the conversation and hands each piece of the answer to onChunk (which may be
// nil) as it arrives, then returns the whole answer with its usage and timings.
//
// Failures before the first byte are retried (see Config.Retries) and end as *UpstreamError.
// After the first byte nothing is retried: a stream that dies returns an error wrapping
// ErrStreamBroken, with the text received so far in the Completion. Cancelling ctx, as a
// disconnecting client does, cancels the upstream request. An error from onChunk stops the
// stream and is returned wrapped.
func (c *Client) Stream(ctx context.Context, messages []Message, onChunk func(text string) error) (Completion, error) {
	if c == nil {
		return Completion{}, ErrUnavailable
	}
	req, err := c.request(messages)
	if err != nil {
		return Completion{}, err
	}
	req.Stream = true
	req.StreamOptions = &openai.StreamOptions{IncludeUsage: true}

	start := time.Now()
	var (
		stream *openai.ChatCompletionStream
		first  openai.ChatCompletionStreamResponse
		dog    *watchdog
		body   io.Reader // the successful attempt's raw body, drained at the end for reuse
	)
	open := func(actx context.Context) error {
		dog = startWatchdog(actx, c.cfg.Timeout)
		s, err := c.api.CreateChatCompletionStream(dog.ctx, req)
		if err == nil {
			first, err = s.Recv()
			if errors.Is(err, io.EOF) {
				err = errors.New("upstream ended the stream before sending anything")
			}
			if err != nil {
				s.Close()
			}
		}
		if err != nil {
			dog.release()
			if fired := dog.fired(); fired != nil {
				return fired
			}
			return err
		}
		stream = s
		body = probeFrom(actx).body
		return nil
	}
	err = c.retry(ctx, open)
	if err != nil && rejected(err, "stream_options") {
		// Some servers refuse stream_options outright; they get the bare request and the
		// usage is estimated instead.
		req.StreamOptions = nil
		err = c.retry(ctx, open)
	}
	comp := Completion{Model: c.cfg.Model}
	if err != nil {
		comp.Latency = time.Since(start)
		return comp, err
	}
	comp.FirstByte = time.Since(start)
	defer func() {
		// Ending the attempt's context first makes Close abort a stream still in flight
		// rather than wait on it; a finished one was drained below.
		dog.release()
		stream.Close()
	}()

	var (
		text      strings.Builder
		gotUsage  bool
		gotText   bool
		streamErr error
	)
	resp := first
	for {
		if resp.Model != "" {
			comp.Model = resp.Model
		}
		if resp.Usage != nil {
			comp.InputTokens, comp.OutputTokens = resp.Usage.PromptTokens, resp.Usage.CompletionTokens
			gotUsage = true
		}
		for _, ch := range resp.Choices {
			if ch.Index != 0 {
				continue
			}
			if ch.FinishReason != "" {
				comp.FinishReason = string(ch.FinishReason)
			}
			piece := ch.Delta.Content
			if piece == "" {
				continue
			}
			if !gotText {
				gotText = true
				comp.FirstByte = time.Since(start)
			}
			text.WriteString(piece)
			if onChunk != nil {
				if err := onChunk(piece); err != nil {
					streamErr = fmt.Errorf("llm: chunk handler: %w", err)
				}
			}
		}
		if streamErr != nil {
			break
		}
		var err error
		resp, err = stream.Recv()
		if err != nil {
			streamErr = c.streamEnd(ctx, dog, err, comp.FinishReason)
			break
		}
		dog.kick()
	}
	comp.Latency = time.Since(start)

	if streamErr == nil {
		// The answer is complete; reading the rest of the body (the blank line after [DONE],
		// the chunked terminator) lets the connection go back to the pool, still under the
		// watchdog should the server linger.
		dog.kick()
		if body != nil {
			_, _ = io.Copy(io.Discard, io.LimitReader(body, 64<<10))
		}
	}

	comp.Text = text.String()
	if !gotUsage {
		comp.InputTokens, comp.OutputTokens = estimateInput(messages), estimateTokens(comp.Text)
		comp.UsageEstimated = true
	}
	return comp, streamErr
}

// streamEnd turns the error that ended a stream after its first byte into the error Stream
// returns, nil for a clean end.
func (c *Client) streamEnd(ctx context.Context, dog *watchdog, err error, finish string) error {
	switch {
	case errors.Is(err, io.EOF) && finish != "":
		return nil
	case ctx.Err() != nil:
		return fmt.Errorf("llm: stream cancelled: %w", context.Cause(ctx))
	case errors.Is(err, io.EOF):
		// Every server this adapter targets names a finish reason on the last choice, so a
		// stream that ends without one was cut short, even if it ended cleanly at the HTTP level.
		return fmt.Errorf("%w: upstream ended the stream without a finish reason", ErrStreamBroken)
	}
	if fired := dog.fired(); fired != nil {
		return fmt.Errorf("%w: %w", ErrStreamBroken, fired)
	}
	return fmt.Errorf("%w: %w", ErrStreamBroken, err)
}

// Complete sends the conversation and waits for the whole answer, for callers that have no
// one to stream to (question generation). Failures are retried as for Stream.
func (c *Client) Complete(ctx context.Context, messages []Message) (Completion, error) {
	return c.complete(ctx, messages, false)
}

// CompleteJSON is Complete asking for a JSON object (response_format json_object). A server
// that refuses the parameter is asked again without it, so the prompt itself must ask for
// JSON too.
func (c *Client) CompleteJSON(ctx context.Context, messages []Message) (Completion, error) {
	return c.complete(ctx, messages, true)
}

func (c *Client) complete(ctx context.Context, messages []Message, asJSON bool) (Completion, error) {
	if c == nil {
		return Completion{}, ErrUnavailable
	}
	req, err := c.request(messages)
	if err != nil {
		return Completion{}, err
	}
	if asJSON {
		req.ResponseFormat = &openai.ChatCompletionResponseFormat{Type: openai.ChatCompletionResponseFormatTypeJSONObject}
	}

	start := time.Now()
	var resp openai.ChatCompletionResponse
	try := func(actx context.Context) error {
		dog := startWatchdog(actx, c.cfg.Timeout)
		defer dog.release()
		r, err := c.api.CreateChatCompletion(dog.ctx, req)
		if err != nil {
			if fired := dog.fired(); fired != nil {
				return fired
			}
			return err
		}
		resp = r
		return nil
	}
	err = c.retry(ctx, try)
	if err != nil && asJSON && rejected(err, "response_format") {
		req.ResponseFormat = nil
		err = c.retry(ctx, try)
	}
	comp := Completion{Model: c.cfg.Model, Latency: time.Since(start)}
	comp.FirstByte = comp.Latency
	if err != nil {
		return comp, err
	}
	if len(resp.Choices) == 0 {
		return comp, &UpstreamError{Status: http.StatusOK, Message: "the answer has no choices"}
	}
	if resp.Model != "" {
		comp.Model = resp.Model
	}
	comp.Text = resp.Choices[0].Message.Content
	comp.FinishReason = string(resp.Choices[0].FinishReason)
	comp.InputTokens, comp.OutputTokens = resp.Usage.PromptTokens, resp.Usage.CompletionTokens
	if comp.InputTokens == 0 && comp.OutputTokens == 0 {
		comp.InputTokens, comp.OutputTokens = estimateInput(messages), estimateTokens(comp.Text)
		comp.UsageEstimated = true
	}
	return comp, nil
}

// request builds the body shared by Stream and Complete.
func (c *Client) request(messages []Message) (openai.ChatCompletionRequest, error) {
	if len(messages) == 0 {
		return openai.ChatCompletionRequest{}, errors.New("llm: no messages to send")
	}
	msgs := make([]openai.ChatCompletionMessage, len(messages))
	for i, m := range messages {
		switch m.Role {
		case RoleSystem, RoleUser, RoleAssistant:
		default:
			return openai.ChatCompletionRequest{}, fmt.Errorf("llm: message %d has role %q, want system, user or assistant", i, m.Role)
		}
		msgs[i] = openai.ChatCompletionMessage{Role: m.Role, Content: m.Content}
	}
	req := openai.ChatCompletionRequest{
		Model:       c.cfg.Model,
		Messages:    msgs,
		MaxTokens:   c.cfg.MaxTokens,
		Temperature: c.cfg.Temperature,
	}
	if openai.NewReasoningValidator().Validate(req) != nil {
		// OpenAI's reasoning models refuse max_tokens and any temperature but their own;
		// go-openai knows which models those are, so its validator decides.
		req.MaxTokens, req.MaxCompletionTokens, req.Temperature = 0, c.cfg.MaxTokens, 0
		if err := openai.NewReasoningValidator().Validate(req); err != nil {
			return openai.ChatCompletionRequest{}, fmt.Errorf("llm: model %s: %w", c.cfg.Model, err)
		}
	}
	return req, nil
}

// retry runs try until it succeeds, fails in a way retrying cannot help, or the retries are
// spent. try gets a context carrying a fresh probe, through which the HTTP response's
// Retry-After comes back (go-openai's errors drop the headers).
func (c *Client) retry(ctx context.Context, try func(ctx context.Context) error) error {
	for attempt := 0; ; attempt++ {
		p := new(probe)
		err := try(context.WithValue(ctx, probeKey{}, p))
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("llm: %w", context.Cause(ctx))
		}
		if !p.sent {
			// go-openai refused the request before sending it: a configuration error, the
			// same on every attempt.
			return fmt.Errorf("llm: %w", err)
		}
		upErr, retryable := classify(err)
		if !retryable || attempt >= c.cfg.Retries || p.retryAfter > maxRetryAfter {
			return upErr
		}
		wait := max(c.backoff(attempt), p.retryAfter)
		if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < wait {
			return upErr
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("llm: %w", context.Cause(ctx))
		case <-t.C:
		}
	}
}

// backoff is the pause before retry number attempt+1: exponential, with jitter so that the
// streams a single upstream hiccup failed together do not all come back at the same instant.
func (c *Client) backoff(attempt int) time.Duration {
	d := min(c.cfg.Backoff<<attempt, maxBackoff)
	if d <= 0 { // shifted past the int64 range
		d = maxBackoff
	}
	return d/2 + rand.N(d/2+1)
}

// classify turns a failed attempt into the error Stream or Complete returns, and says whether
// trying again may help.
func classify(err error) (*UpstreamError, bool) {
	up := &UpstreamError{Message: err.Error(), Err: err}
	var (
		apiErr *openai.APIError
		reqErr *openai.RequestError
		syn    *json.SyntaxError
		typ    *json.UnmarshalTypeError
	)
	switch {
	case errors.Is(err, ErrTimeout):
		return up, true
	case errors.As(err, &apiErr):
		// A zero status is an error sent inside a 200 stream: the upstream looked at the
		// request and refused it, which asking again will not change.
		up.Status, up.Message = apiErr.HTTPStatusCode, apiErr.Message
		return up, up.Status != 0 && retryableStatus(up.Status)
	case errors.As(err, &reqErr):
		up.Status, up.Message = reqErr.HTTPStatusCode, briefBody(reqErr.Body)
		return up, retryableStatus(up.Status)
	case errors.As(err, &syn), errors.As(err, &typ), errors.Is(err, openai.ErrTooManyEmptyStreamMessages):
		// The server does not speak the protocol; asking again gets the same answer.
		return up, false
	}
	// The connection failed, or closed before the first event.
	return up, true
}

// retryableStatus lists the statuses that say "not now" rather than "not this request".
func retryableStatus(status int) bool {
	return status == http.StatusRequestTimeout || status == http.StatusConflict ||
		status == http.StatusTooManyRequests || status >= 500
}

// rejected reports whether err is the upstream refusing the named request parameter.
func rejected(err error, param string) bool {
	var up *UpstreamError
	if !errors.As(err, &up) || (up.Status != http.StatusBadRequest && up.Status != http.StatusUnprocessableEntity) {
		return false
	}
	var apiErr *openai.APIError
	if errors.As(err, &apiErr) && apiErr.Param != nil && *apiErr.Param == param {
		return true
	}
	return strings.Contains(strings.ToLower(up.Message), param)
}

// briefBody keeps an error body short enough for a log line: proxies answer with whole HTML pages.
func briefBody(b []byte) string {
	const limit = 300
	s := strings.TrimSpace(string(b))
	if len(s) > limit {
		s = s[:limit] + "…"
	}
	if s == "" {
		return "empty error body"
	}
	return s
}

// estimateTokens is the usual four characters per token, for servers that report no usage.
func estimateTokens(s string) int {
	return (len(s) + 3) / 4
}

func estimateInput(messages []Message) int {
	n := 0
	for _, m := range messages {
		n += len(m.Content)
	}
	return (n + 3) / 4
}

// probe carries what one attempt's HTTP exchange showed that go-openai's errors do not.
type probe struct {
	sent       bool          // the request reached the HTTP client
	retryAfter time.Duration // the pause the upstream asked for
	body       io.Reader     // the response body, to drain a finished stream
}

type probeKey struct{}

func probeFrom(ctx context.Context) *probe {
	if p, ok := ctx.Value(probeKey{}).(*probe); ok {
		return p
	}
	return new(probe)
}

// probingDoer is the HTTP client go-openai sees: it records into the request's probe.
type probingDoer struct{ c *http.Client }

// Do sends req and notes the response's Retry-After and body in the request's probe.
func (d probingDoer) Do(req *http.Request) (*http.Response, error) {
	p, _ := req.Context().Value(probeKey{}).(*probe)
	if p != nil {
		p.sent = true
	}
	resp, err := d.c.Do(req)
	if p != nil && resp != nil {
		p.retryAfter = parseRetryAfter(resp.Header, time.Now())
		p.body = resp.Body
	}
	return resp, err
}

// parseRetryAfter reads the pause an upstream asks for: OpenAI's retry-after-ms, or the
// standard Retry-After in seconds or as an HTTP date. Zero when there is none.
func parseRetryAfter(h http.Header, now time.Time) time.Duration {
	if v := h.Get("Retry-After-Ms"); v != "" {
		if ms, err := strconv.ParseFloat(v, 64); err == nil && ms > 0 {
			return time.Duration(ms * float64(time.Millisecond))
		}
	}
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if s, err := strconv.ParseFloat(v, 64); err == nil {
		if s <= 0 {
			return 0
		}
		return time.Duration(s * float64(time.Second))
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// watchdog cancels an attempt's context when the upstream stays silent for its limit. Unlike
// http.Client.Timeout it can be re-armed on every chunk, so it bounds silence, not the length
// of an answer.
type watchdog struct {
	ctx    context.Context
	cancel context.CancelCauseFunc
	timer  *time.Timer
	limit  time.Duration
}

func startWatchdog(parent context.Context, limit time.Duration) *watchdog {
	ctx, cancel := context.WithCancelCause(parent)
	w := &watchdog{ctx: ctx, cancel: cancel, limit: limit}
	w.timer = time.AfterFunc(limit, func() {
		cancel(fmt.Errorf("%w: nothing received for %s", ErrTimeout, limit))
	})
	return w
}

// kick re-arms the watchdog after the upstream showed a sign of life.
func (w *watchdog) kick() { w.timer.Reset(w.limit) }

// release stops the watchdog and ends the attempt's request.
func (w *watchdog) release() {
	w.timer.Stop()
	w.cancel(context.Canceled)
}

// fired returns the timeout error when the watchdog, not the caller, ended the attempt.
func (w *watchdog) fired() error {
	if cause := context.Cause(w.ctx); errors.Is(cause, ErrTimeout) {
		return cause
	}
	return nil
}

// Streamer adapts the client to the chat command (commands.ChatStreamer).
func Streamer(c *Client) commands.ChatStreamer {
	return func(ctx context.Context, messages []commands.ChatMessage, onChunk func(string) error) (commands.ChatCompletion, error) {
		out, err := c.Stream(ctx, toMessages(messages), onChunk)
		return toCompletion(out), err
	}
}

// JSONCompleter adapts the client to question generation (commands.ChatCompleter).
func JSONCompleter(c *Client) commands.ChatCompleter {
	return func(ctx context.Context, messages []commands.ChatMessage) (commands.ChatCompletion, error) {
		out, err := c.CompleteJSON(ctx, toMessages(messages))
		return toCompletion(out), err
	}
}

func toMessages(messages []commands.ChatMessage) []Message {
	msgs := make([]Message, len(messages))
	for i, m := range messages {
		msgs[i] = Message{Role: m.Role, Content: m.Content}
	}
	return msgs
}

func toCompletion(out Completion) commands.ChatCompletion {
	return commands.ChatCompletion{Text: out.Text, Model: out.Model, InputTokens: out.InputTokens,
		OutputTokens: out.OutputTokens, Latency: out.Latency, FinishReason: out.FinishReason}
}
