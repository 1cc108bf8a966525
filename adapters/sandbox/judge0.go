package sandbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"
)

// ProgramRunner runs source code in a named language. A driver that compiles and runs on a
// remote service (Judge0) cannot honour an argv built for this machine's toolchains, so the
// language layer asks a Runner for this interface and, when it is there, hands over the source
// instead of a command line.
type ProgramRunner interface {
	// RunProgram compiles (when the language needs it) and runs one program.
	RunProgram(ctx context.Context, p Program) (Result, error)
	// RunBatch runs several programs at once, typically one source against many tests;
	// results come back in the order of programs.
	RunBatch(ctx context.Context, programs []Program) ([]Result, error)
}

// Program is one source file to compile and run, with the files beside it.
type Program struct {
	// Language is one of the API's languages: "python", "javascript", "typescript", "go".
	Language string
	// Source is the main file. Judge0 writes it under its own name for the language
	// (script.py, script.js, script.ts, main.go), so Files must not reuse that name.
	Source string
	// Files are placed beside Source, e.g. the candidate's module a harness imports.
	Files  []File
	Stdin  []byte
	Limits Limits
}

// OutcomeCompileError means the program never ran because it did not compile; Stderr holds
// the compiler's output. Only drivers that compile inside the run report it (Judge0 compiles
// and runs in one submission); with the local driver the language layer runs the compiler
// itself and sees a failed compile as an ordinary non-zero exit.
const OutcomeCompileError Outcome = "compile_error"

// ErrNeedsProgram is returned by Judge0.Run: Judge0 takes source code and a language id,
// not an argv, so the language layer must use ProgramRunner.
var ErrNeedsProgram = errors.New("sandbox: judge0 runs source code by language, not an argv: use ProgramRunner.RunProgram")

// ErrJudge0Malformed means Judge0 answered with something this driver cannot read: a bug or a
// server that only looks like Judge0. It is never retried.
var ErrJudge0Malformed = errors.New("sandbox: malformed judge0 answer")

// Judge0Config configures the Judge0 driver. Zero values take the defaults given per field.
type Judge0Config struct {
	// BaseURL is the Judge0 API root, e.g. "http://judge0:2358". Required.
	BaseURL string
	// AuthToken is sent in AuthHeader on every request when set (Judge0's AUTHN_TOKEN).
	AuthToken string
	// AuthHeader names the header carrying AuthToken; Judge0's default is "X-Auth-Token".
	AuthHeader string
	// HTTPClient makes the requests; default: a client with a 30 s timeout per request.
	HTTPClient *http.Client
	// PollInterval is the first pause between submitting and asking for results (default
	// 200 ms); each pause doubles up to MaxPollInterval (default 2 s).
	PollInterval    time.Duration
	MaxPollInterval time.Duration
	// MaxWait bounds one RunBatch from submission to the last result (default 5 min), so a
	// submission Judge0 lost or a queue that never drains ends in an error, not a hang.
	MaxWait time.Duration
	// Retries is how many times a request is repeated after a 429, a 5xx or a network error
	// (default 4; negative: never). RetryInterval is the first pause (default 250 ms),
	// doubling each time; a longer Retry-After from Judge0 wins, up to 30 s.
	Retries       int
	RetryInterval time.Duration
	// BatchSize is how many submissions go in one batch request; it must not exceed the
	// server's MAX_SUBMISSION_BATCH_SIZE (default 20, Judge0's default).
	BatchSize int
	// SingleSubmissions uses POST /submissions and GET /submissions/{token} one by one, for a
	// server run with ENABLE_BATCHED_SUBMISSIONS=false.
	SingleSubmissions bool
	// LanguageIDs maps our language names to Judge0 language ids, over the defaults of every
	// Judge0 CE 1.13 install: python 71 (3.8.1), javascript 63 (Node.js 12.14.0), typescript
	// 74 (3.7.4), go 60 (1.13.5). Servers with newer compilers offer other ids (on
	// ce.judge0.com: python 92, javascript 93, typescript 94, go 95).
	LanguageIDs map[string]int
	// CallbackURL, when set, is sent as every submission's callback_url. Judge0 PUTs the
	// finished submission there; mount CallbackHandler at that URL. A callback only wakes the
	// poller early (polling continues as a safety net at MaxPollInterval), because Judge0's
	// callbacks are unauthenticated, best-effort, and carry neither exit_code nor wall_time.
	CallbackURL string
}

// judge0DefaultLanguageIDs are the ids every Judge0 CE 1.13 install offers.
var judge0DefaultLanguageIDs = map[string]int{"python": 71, "javascript": 63, "typescript": 74, "go": 60}

// Judge0 is the remote driver: it runs programs on a Judge0-compatible cluster over HTTP.
// It is safe for concurrent use.
type Judge0 struct {
	cfg    Judge0Config
	base   *url.URL
	client *http.Client
	langs  map[string]int

	mu      sync.Mutex
	waiters map[string]chan struct{} // submission token → the RunBatch waiting for it
	maxima  *judge0Maxima            // the server's largest limits, once known
}

var (
	_ Runner        = (*Judge0)(nil)
	_ ProgramRunner = (*Judge0)(nil)
)

// NewJudge0 validates cfg and returns the driver. It makes no request; Check does.
func NewJudge0(cfg Judge0Config) (*Judge0, error) {
	if cfg.BaseURL == "" {
		return nil, errors.New("sandbox: judge0 needs a base URL")
	}
	base, err := url.Parse(cfg.BaseURL)
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, fmt.Errorf("sandbox: judge0 base URL %q is not an http(s) URL", cfg.BaseURL)
	}
	if cfg.CallbackURL != "" {
		cb, err := url.Parse(cfg.CallbackURL)
		if err != nil || (cb.Scheme != "http" && cb.Scheme != "https") || cb.Host == "" {
			// Judge0 accepts any string and then silently fails to call it.
			return nil, fmt.Errorf("sandbox: judge0 callback URL %q is not an http(s) URL", cfg.CallbackURL)
		}
	}
	if cfg.AuthHeader == "" {
		cfg.AuthHeader = "X-Auth-Token"
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = 200 * time.Millisecond
	}
	if cfg.MaxPollInterval <= 0 {
		cfg.MaxPollInterval = 2 * time.Second
	}
	cfg.MaxPollInterval = max(cfg.MaxPollInterval, cfg.PollInterval)
	if cfg.MaxWait <= 0 {
		cfg.MaxWait = 5 * time.Minute
	}
	switch {
	case cfg.Retries == 0:
		cfg.Retries = 4
	case cfg.Retries < 0:
		cfg.Retries = 0
	}
	if cfg.RetryInterval <= 0 {
		cfg.RetryInterval = 250 * time.Millisecond
	}
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = 20
	}
	client := cfg.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	langs := make(map[string]int, len(judge0DefaultLanguageIDs)+len(cfg.LanguageIDs))
	for name, id := range judge0DefaultLanguageIDs {
		langs[name] = id
	}
	for name, id := range cfg.LanguageIDs {
		if id <= 0 {
			return nil, fmt.Errorf("sandbox: judge0 language id %d for %q is not a Judge0 id", id, name)
		}
		langs[name] = id
	}
	return &Judge0{cfg: cfg, base: base, client: client, langs: langs, waiters: map[string]chan struct{}{}}, nil
}

// Name names the driver.
func (j *Judge0) Name() string { return "judge0" }

// Run cannot map an argv built for this machine onto Judge0, which compiles and runs a source
// file with its own toolchain: a compiled Go binary or an esbuild output path means nothing
// there. It always fails with ErrNeedsProgram (and errors.ErrUnsupported).
func (j *Judge0) Run(ctx context.Context, files []File, exec Exec) (Result, error) {
	return Result{}, fmt.Errorf("%w (%w)", ErrNeedsProgram, errors.ErrUnsupported)
}

// RunIn cannot work on Judge0, which has no persistent workspace and no shell: the terminal
// and workspace commands need the local driver.
func (j *Judge0) RunIn(ctx context.Context, workspace string, exec Exec) (Result, error) {
	return Result{}, fmt.Errorf("%w: judge0 cannot run commands in a workspace; the terminal needs SANDBOX_DRIVER=local", ErrUnavailable)
}

// RunProgram runs one program on Judge0.
func (j *Judge0) RunProgram(ctx context.Context, p Program) (Result, error) {
	results, err := j.RunBatch(ctx, []Program{p})
	if err != nil {
		return Result{}, err
	}
	return results[0], nil
}

// RunBatch submits every program at once (in batches of BatchSize), then polls all tokens,
// with a growing pause, until none is queued or processing. It returns early with ctx's error
// when ctx ends, and with an error wrapping context.DeadlineExceeded after MaxWait. A result's
// Outcome tells what the program did; an error means Judge0 could not be asked or answered
// nonsense, and no result is returned.
//
// Limits go to Judge0 in its units (seconds, KB), lowered to the maxima the server reports in
// GET /config_info; OpenFiles has no Judge0 counterpart and is not enforced.
func (j *Judge0) RunBatch(ctx context.Context, programs []Program) ([]Result, error) {
	if len(programs) == 0 {
		return nil, nil
	}
	subs := make([]judge0Submission, len(programs))
	for i, p := range programs {
		s, err := j.submission(p)
		if err != nil {
			return nil, fmt.Errorf("sandbox: judge0 program %d: %w", i, err)
		}
		subs[i] = s
	}
	ctx, cancel := context.WithTimeoutCause(ctx, j.cfg.MaxWait,
		fmt.Errorf("sandbox: judge0 did not finish %d submissions within %s: %w", len(programs), j.cfg.MaxWait, context.DeadlineExceeded))
	defer cancel()

	maxima, err := j.serverMaxima(ctx)
	if err != nil {
		return nil, err
	}
	for i := range subs {
		maxima.clamp(&subs[i])
	}
	tokens, err := j.create(ctx, subs)
	if err != nil {
		return nil, err
	}
	answers, err := j.await(ctx, tokens)
	if err != nil {
		return nil, err
	}
	results := make([]Result, len(programs))
	for i, a := range answers {
		r, err := judge0Result(programs[i].Limits, subs[i].MemoryLimit, a)
		if err != nil {
			return nil, fmt.Errorf("sandbox: judge0 submission %s: %w", a.Token, err)
		}
		results[i] = r
	}
	return results, nil
}

// await polls until every token has finished and returns the answers in the order of tokens.
func (j *Judge0) await(ctx context.Context, tokens []string) ([]judge0Answer, error) {
	answers := make([]judge0Answer, len(tokens))
	pending := make(map[string]int, len(tokens))
	for i, t := range tokens {
		if _, dup := pending[t]; dup {
			return nil, fmt.Errorf("%w: token %s given twice", ErrJudge0Malformed, t)
		}
		pending[t] = i
	}
	wake := make(chan struct{}, 1)
	if j.cfg.CallbackURL != "" {
		j.listen(tokens, wake)
		defer j.unlisten(tokens)
	}

	interval := j.cfg.PollInterval
	for len(pending) > 0 {
		if err := judge0Pause(ctx, interval, wake); err != nil {
			return nil, fmt.Errorf("sandbox: judge0 stopped waiting for %d of %d submissions: %w", len(pending), len(tokens), err)
		}
		ask := make([]string, 0, len(pending))
		for _, t := range tokens {
			if _, ok := pending[t]; ok {
				ask = append(ask, t)
			}
		}
		got, err := j.fetch(ctx, ask)
		if err != nil {
			return nil, err
		}
		for t, a := range got {
			if a.Status.ID == judge0InQueue || a.Status.ID == judge0Processing {
				continue
			}
			answers[pending[t]] = a
			delete(pending, t)
		}
		interval = min(interval*2, j.cfg.MaxPollInterval)
		if j.cfg.CallbackURL != "" {
			// The first poll catches submissions that finished before we were listening;
			// after it, callbacks carry the news and polling is only the safety net.
			interval = j.cfg.MaxPollInterval
		}
	}
	return answers, nil
}

// judge0Pause waits d, or less when wake fires, or returns ctx's cause when ctx ends.
func judge0Pause(ctx context.Context, d time.Duration, wake <-chan struct{}) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return context.Cause(ctx)
	case <-t.C:
	case <-wake:
	}
	return nil
}

func (j *Judge0) listen(tokens []string, wake chan struct{}) {
	j.mu.Lock()
	defer j.mu.Unlock()
	for _, t := range tokens {
		j.waiters[t] = wake
	}
}

func (j *Judge0) unlisten(tokens []string) {
	j.mu.Lock()
	defer j.mu.Unlock()
	for _, t := range tokens {
		delete(j.waiters, t)
	}
}

// CallbackHandler receives Judge0's callbacks: mount it at Judge0Config.CallbackURL. Judge0
// PUTs the finished submission as JSON; the handler only wakes the RunBatch waiting for that
// token, which then fetches the result itself, so a forged callback can cost a poll and
// nothing more. Put an unguessable segment in the URL all the same: the endpoint must be
// reachable from the Judge0 cluster and Judge0 sends no credentials.
func (j *Judge0) CallbackHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPut && r.Method != http.MethodPost {
			w.Header().Set("Allow", "PUT, POST")
			http.Error(w, "judge0 callbacks are PUT", http.StatusMethodNotAllowed)
			return
		}
		var body struct {
			Token  string `json:"token"`
			Status *struct {
				ID int `json:"id"`
			} `json:"status"`
		}
		if err := json.NewDecoder(io.LimitReader(r.Body, judge0MaxAnswerBytes)).Decode(&body); err != nil || body.Token == "" {
			http.Error(w, "expected a judge0 submission with a token", http.StatusBadRequest)
			return
		}
		if body.Status == nil || body.Status.ID > judge0Processing {
			j.mu.Lock()
			wake := j.waiters[body.Token]
			j.mu.Unlock()
			if wake != nil {
				select {
				case wake <- struct{}{}:
				default: // a wake-up is already pending; one poll fetches every token
				}
			}
		}
		w.WriteHeader(http.StatusNoContent)
	})
}

// Check asks Judge0 for its languages and confirms each configured id is offered, so that a
// misconfigured cluster stops the service at start rather than failing every run. Its errors
// wrap ErrUnavailable.
func (j *Judge0) Check(ctx context.Context) error {
	var langs []struct {
		ID   int    `json:"id"`
		Name string `json:"name"`
	}
	if err := j.call(ctx, http.MethodGet, "languages", nil, nil, &langs); err != nil {
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	offered := make(map[int]bool, len(langs))
	for _, l := range langs {
		offered[l.ID] = true
	}
	var missing []string
	for name, id := range j.langs {
		if !offered[id] {
			missing = append(missing, fmt.Sprintf("%s (id %d)", name, id))
		}
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		return fmt.Errorf("%w: judge0 at %s does not offer %s; set the language ids to ones GET /languages lists",
			ErrUnavailable, j.base.Redacted(), strings.Join(missing, ", "))
	}
	return nil
}
