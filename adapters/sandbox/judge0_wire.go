package sandbox

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"math"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
)

// This file speaks Judge0's HTTP API (CE 1.13): the request and answer shapes, the unit
// conversions, base64, and the retrying HTTP call.

const (
	// judge0MaxAnswerBytes caps one answer: a full batch of 20 submissions, each with stdout
	// and stderr at Judge0's largest max_file_size (4 MiB), base64-inflated, stays below it.
	judge0MaxAnswerBytes = 256 << 20
	// judge0MaxRetryAfter caps how long a Retry-After can hold a run back.
	judge0MaxRetryAfter = 30 * time.Second
	// judge0Fields are the answer fields polling asks for: the default set lacks exit_code,
	// exit_signal and wall_time, which the outcome mapping needs.
	judge0Fields = "token,status,stdout,stderr,compile_output,message,exit_code,exit_signal,time,wall_time,memory"
)

// judge0Submission is one element of POST /submissions/batch (or the body of POST
// /submissions), with base64_encoded=true: source_code, stdin and additional_files in base64.
type judge0Submission struct {
	SourceCode string `json:"source_code"`
	LanguageID int    `json:"language_id"`
	Stdin      string `json:"stdin,omitempty"`
	// Limits: zero is left out so that the server's defaults apply, as Limits promises.
	CPUTimeLimit  float64 `json:"cpu_time_limit,omitempty"`  // seconds
	WallTimeLimit float64 `json:"wall_time_limit,omitempty"` // seconds, at least 1
	MemoryLimit   int64   `json:"memory_limit,omitempty"`    // KB
	MaxProcesses  int     `json:"max_processes_and_or_threads,omitempty"`
	MaxFileSize   int64   `json:"max_file_size,omitempty"` // KB
	// Sent explicitly because a server's defaults may differ: one run, separate stderr, the
	// memory and CPU limits on the whole sandbox (our Limits' meaning) and no network.
	NumberOfRuns           int    `json:"number_of_runs"`
	RedirectStderrToStdout bool   `json:"redirect_stderr_to_stdout"`
	PerProcessTimeLimit    bool   `json:"enable_per_process_and_thread_time_limit"`
	PerProcessMemoryLimit  bool   `json:"enable_per_process_and_thread_memory_limit"`
	EnableNetwork          bool   `json:"enable_network"`
	AdditionalFiles        string `json:"additional_files,omitempty"` // base64 zip
	CallbackURL            string `json:"callback_url,omitempty"`
}

// submission turns a Program into Judge0's request, converting limits to Judge0's units.
// Limits with no Judge0 counterpart (OpenFiles) are not sent; OutputBytes is enforced here
// after the run and also widens max_file_size, since Judge0 writes stdout to a file.
func (j *Judge0) submission(p Program) (judge0Submission, error) {
	id, ok := j.langs[p.Language]
	if !ok {
		return judge0Submission{}, fmt.Errorf("no judge0 language id for %q (known: %s)", p.Language, strings.Join(slices.Sorted(maps.Keys(j.langs)), ", "))
	}
	if strings.TrimSpace(p.Source) == "" {
		// Judge0 refuses a blank source_code with a 422; say so before a round trip.
		return judge0Submission{}, errors.New("judge0 refuses a blank source")
	}
	s := judge0Submission{
		SourceCode:   base64.StdEncoding.EncodeToString([]byte(p.Source)),
		LanguageID:   id,
		NumberOfRuns: 1,
		CallbackURL:  j.cfg.CallbackURL,
	}
	if len(p.Stdin) > 0 {
		s.Stdin = base64.StdEncoding.EncodeToString(p.Stdin)
	}
	l := p.Limits
	if l.CPUTime > 0 {
		s.CPUTimeLimit = judge0Seconds(l.CPUTime)
	}
	if l.WallTime > 0 {
		// Judge0 refuses wall_time_limit below 1 s; judge0Result enforces the shorter limit
		// on the reported wall time instead.
		s.WallTimeLimit = max(judge0Seconds(l.WallTime), 1)
	}
	if l.MemoryBytes > 0 {
		s.MemoryLimit = judge0KB(l.MemoryBytes)
	}
	if l.Processes > 0 {
		s.MaxProcesses = l.Processes
	}
	if size := max(l.FileBytes, int64(l.OutputBytes)); size > 0 {
		s.MaxFileSize = judge0KB(size)
	}
	if len(p.Files) > 0 {
		archive, err := judge0Zip(p.Files)
		if err != nil {
			return judge0Submission{}, err
		}
		s.AdditionalFiles = base64.StdEncoding.EncodeToString(archive)
	}
	return s, nil
}

// judge0Seconds renders d as Judge0's decimal seconds, to the millisecond.
func judge0Seconds(d time.Duration) float64 {
	return math.Ceil(d.Seconds()*1000) / 1000
}

// judge0KB renders bytes as Judge0's kilobytes (KiB), rounding up so a limit never shrinks.
func judge0KB(b int64) int64 {
	return (b + 1023) / 1024
}

// judge0Zip packs files for additional_files, which Judge0 unzips next to the source.
func judge0Zip(files []File) ([]byte, error) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	seen := make(map[string]bool, len(files))
	for _, f := range files {
		name := path.Clean(f.Path)
		if f.Path == "" || path.IsAbs(f.Path) || name == "." || name == ".." || strings.HasPrefix(name, "../") || strings.Contains(f.Path, `\`) {
			return nil, fmt.Errorf("file path %q is not a relative slash path inside the working directory", f.Path)
		}
		if seen[name] {
			return nil, fmt.Errorf("file %q given twice", name)
		}
		seen[name] = true
		h := &zip.FileHeader{Name: name, Method: zip.Deflate}
		mode := fs.FileMode(0o644)
		if f.Executable {
			mode = 0o755
		}
		h.SetMode(mode)
		w, err := zw.CreateHeader(h)
		if err != nil {
			return nil, err
		}
		if _, err := w.Write(f.Content); err != nil {
			return nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// judge0Maxima are the largest limits a server accepts, from GET /config_info. A submission
// over any of them is refused with a 422, and our defaults (16 MiB files, say) exceed a stock
// Judge0's (4 MiB), so limits are lowered to the server's maxima rather than fail every run.
type judge0Maxima struct {
	CPU       judge0Number `json:"max_cpu_time_limit"`               // seconds
	Wall      judge0Number `json:"max_wall_time_limit"`              // seconds
	Memory    judge0Number `json:"max_memory_limit"`                 // KB
	Processes judge0Number `json:"max_max_processes_and_or_threads"` //
	FileSize  judge0Number `json:"max_max_file_size"`                // KB
}

// serverMaxima asks for the server's maxima once and remembers them. A server that will not
// say (an error other than ctx ending) gets the limits unchanged, and is asked again next
// time; it is asked once, without retries, so that it costs a run little.
func (j *Judge0) serverMaxima(ctx context.Context) (*judge0Maxima, error) {
	j.mu.Lock()
	m := j.maxima
	j.mu.Unlock()
	if m != nil {
		return m, nil
	}
	var got judge0Maxima
	if err := j.once(ctx, http.MethodGet, j.base.JoinPath("config_info"), nil, &got); err != nil {
		if ctx.Err() != nil {
			return nil, err
		}
		return nil, nil
	}
	j.mu.Lock()
	j.maxima = &got
	j.mu.Unlock()
	return &got, nil
}

// clamp lowers s's limits to the maxima; a nil m leaves them.
func (m *judge0Maxima) clamp(s *judge0Submission) {
	if m == nil {
		return
	}
	if m.CPU.set {
		s.CPUTimeLimit = min(s.CPUTimeLimit, m.CPU.v)
	}
	if m.Wall.set {
		s.WallTimeLimit = min(s.WallTimeLimit, m.Wall.v)
	}
	if m.Memory.set {
		s.MemoryLimit = min(s.MemoryLimit, int64(m.Memory.v))
	}
	if m.Processes.set {
		s.MaxProcesses = min(s.MaxProcesses, int(m.Processes.v))
	}
	if m.FileSize.set {
		s.MaxFileSize = min(s.MaxFileSize, int64(m.FileSize.v))
	}
}

// judge0Answer is one submission as GET /submissions/batch (or /submissions/{token}) returns
// it with base64_encoded=true and fields=judge0Fields.
type judge0Answer struct {
	Token  string `json:"token"`
	Status *struct {
		ID          int    `json:"id"`
		Description string `json:"description"`
	} `json:"status"`
	Stdout        *string      `json:"stdout"`
	Stderr        *string      `json:"stderr"`
	CompileOutput *string      `json:"compile_output"`
	Message       *string      `json:"message"`
	ExitCode      *int         `json:"exit_code"`
	ExitSignal    *int         `json:"exit_signal"`
	Time          judge0Number `json:"time"`      // CPU seconds
	WallTime      judge0Number `json:"wall_time"` // seconds
	Memory        judge0Number `json:"memory"`    // peak KB
}

// judge0Number reads Judge0's numbers, which come as JSON strings for decimal columns
// ("0.058") and as numbers for integer ones; null leaves it unset.
type judge0Number struct {
	v   float64
	set bool
}

func (n *judge0Number) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*n = judge0Number{}
		return nil
	}
	s := string(b)
	if strings.HasPrefix(s, `"`) {
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
		return fmt.Errorf("judge0 number %s is not a non-negative number", b)
	}
	*n = judge0Number{v: v, set: true}
	return nil
}

func (n judge0Number) duration() time.Duration {
	return time.Duration(math.Round(n.v * float64(time.Second)))
}

// judge0Decode reads a base64 field. Judge0 encodes with Ruby's Base64.encode64, which breaks
// lines every 60 characters; Go's decoder skips line breaks and is otherwise strict.
func judge0Decode(field string, s *string) ([]byte, error) {
	if s == nil {
		return nil, nil
	}
	b, err := base64.StdEncoding.DecodeString(*s)
	if err != nil {
		return nil, fmt.Errorf("%w: %s is not base64: %v", ErrJudge0Malformed, field, err)
	}
	return b, nil
}

// create submits subs and returns their tokens in the same order.
func (j *Judge0) create(ctx context.Context, subs []judge0Submission) ([]string, error) {
	tokens := make([]string, 0, len(subs))
	if j.cfg.SingleSubmissions {
		q := url.Values{"base64_encoded": {"true"}, "wait": {"false"}}
		for i := range subs {
			var answer struct {
				Token string `json:"token"`
			}
			if err := j.call(ctx, http.MethodPost, "submissions", q, subs[i], &answer); err != nil {
				return nil, fmt.Errorf("sandbox: judge0 program %d: %w", i, err)
			}
			if !judge0ValidToken(answer.Token) {
				return nil, fmt.Errorf("%w: POST /submissions gave token %q", ErrJudge0Malformed, answer.Token)
			}
			tokens = append(tokens, answer.Token)
		}
		return tokens, nil
	}

	q := url.Values{"base64_encoded": {"true"}}
	for start := 0; start < len(subs); start += j.cfg.BatchSize {
		chunk := subs[start:min(start+j.cfg.BatchSize, len(subs))]
		// Each element is either {"token": …} or, when Judge0 refused it, its field errors.
		var answer []map[string]json.RawMessage
		body := struct {
			Submissions []judge0Submission `json:"submissions"`
		}{chunk}
		if err := j.call(ctx, http.MethodPost, "submissions/batch", q, body, &answer); err != nil {
			return nil, err
		}
		if len(answer) != len(chunk) {
			return nil, fmt.Errorf("%w: POST /submissions/batch answered %d elements for %d submissions", ErrJudge0Malformed, len(answer), len(chunk))
		}
		for k, a := range answer {
			raw, ok := a["token"]
			if !ok {
				refusal, _ := json.Marshal(a)
				return nil, fmt.Errorf("sandbox: judge0 program %d: %w", start+k,
					&Judge0Error{Method: http.MethodPost, Path: "/submissions/batch", StatusCode: http.StatusUnprocessableEntity, Body: string(refusal)})
			}
			var token string
			if err := json.Unmarshal(raw, &token); err != nil || !judge0ValidToken(token) {
				return nil, fmt.Errorf("%w: POST /submissions/batch gave token %s", ErrJudge0Malformed, raw)
			}
			tokens = append(tokens, token)
		}
	}
	return tokens, nil
}

// judge0ValidToken accepts what Judge0 issues (UUIDs) and refuses anything that would break
// a comma-separated tokens list or a URL path.
func judge0ValidToken(t string) bool {
	if t == "" || len(t) > 64 {
		return false
	}
	for _, c := range t {
		if !(c == '-' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

// fetch asks for the current state of tokens and returns every one of them.
func (j *Judge0) fetch(ctx context.Context, tokens []string) (map[string]judge0Answer, error) {
	got := make(map[string]judge0Answer, len(tokens))
	q := url.Values{"base64_encoded": {"true"}, "fields": {judge0Fields}}
	check := func(want string, a *judge0Answer) error {
		if a == nil {
			// Judge0 answers null for a token it does not know: its database lost it.
			return fmt.Errorf("sandbox: judge0 has no submission %s", want)
		}
		if a.Token != want {
			return fmt.Errorf("%w: asked for submission %s, got %q", ErrJudge0Malformed, want, a.Token)
		}
		if a.Status == nil {
			return fmt.Errorf("%w: submission %s has no status", ErrJudge0Malformed, want)
		}
		got[want] = *a
		return nil
	}
	if j.cfg.SingleSubmissions {
		for _, t := range tokens {
			var a judge0Answer
			if err := j.call(ctx, http.MethodGet, "submissions/"+t, q, nil, &a); err != nil {
				return nil, err
			}
			if err := check(t, &a); err != nil {
				return nil, err
			}
		}
		return got, nil
	}
	for start := 0; start < len(tokens); start += j.cfg.BatchSize {
		chunk := tokens[start:min(start+j.cfg.BatchSize, len(tokens))]
		bq := url.Values{"tokens": {strings.Join(chunk, ",")}}
		for k, v := range q {
			bq[k] = v
		}
		var answer struct {
			Submissions *[]*judge0Answer `json:"submissions"`
		}
		if err := j.call(ctx, http.MethodGet, "submissions/batch", bq, nil, &answer); err != nil {
			return nil, err
		}
		if answer.Submissions == nil || len(*answer.Submissions) != len(chunk) {
			return nil, fmt.Errorf("%w: GET /submissions/batch did not answer one element per token", ErrJudge0Malformed)
		}
		for k, a := range *answer.Submissions {
			if err := check(chunk[k], a); err != nil {
				return nil, err
			}
		}
	}
	return got, nil
}

// Judge0Error is an HTTP error answer from Judge0, or (StatusCode 422) a submission it
// refused inside a batch. Body holds the start of what Judge0 said, e.g. its field errors.
type Judge0Error struct {
	Method     string
	Path       string
	StatusCode int
	Body       string
	retryAfter time.Duration
}

func (e *Judge0Error) Error() string {
	msg := fmt.Sprintf("sandbox: judge0 %s %s: %d %s", e.Method, e.Path, e.StatusCode, http.StatusText(e.StatusCode))
	if e.Body != "" {
		msg += ": " + e.Body
	}
	if e.StatusCode == http.StatusUnauthorized || e.StatusCode == http.StatusForbidden {
		msg += " (check the judge0 auth token)"
	}
	return msg
}

// judge0Retryable says whether repeating the request may help: Judge0 overloaded (429, its
// "queue is full" 503) or restarting (5xx, network errors). Everything else is an answer.
func judge0Retryable(ctx context.Context, err error) bool {
	if ctx.Err() != nil || errors.Is(err, ErrJudge0Malformed) {
		return false
	}
	var je *Judge0Error
	if errors.As(err, &je) {
		switch je.StatusCode {
		case http.StatusTooManyRequests, http.StatusInternalServerError, http.StatusBadGateway,
			http.StatusServiceUnavailable, http.StatusGatewayTimeout:
			return true
		}
		return false
	}
	return true // the request did not get an answer
}

// call sends one request, retrying with a doubling pause while judge0Retryable says so, and
// decodes a 2xx answer into out. A POST that is retried after a 5xx may have been accepted
// the first time; the duplicate only costs the cluster a run, since its token is never read.
func (j *Judge0) call(ctx context.Context, method, p string, query url.Values, in, out any) error {
	var body []byte
	if in != nil {
		var err error
		if body, err = json.Marshal(in); err != nil {
			return fmt.Errorf("sandbox: judge0 %s /%s: %w", method, p, err)
		}
	}
	u := j.base.JoinPath(p)
	u.RawQuery = query.Encode()
	backoff := j.cfg.RetryInterval
	for attempt := 1; ; attempt++ {
		err := j.once(ctx, method, u, body, out)
		if err == nil {
			return nil
		}
		if attempt > j.cfg.Retries || !judge0Retryable(ctx, err) {
			if attempt > 1 {
				return fmt.Errorf("sandbox: judge0 gave up after %d attempts: %w", attempt, err)
			}
			return err
		}
		wait := backoff
		var je *Judge0Error
		if errors.As(err, &je) && je.retryAfter > wait {
			wait = min(je.retryAfter, judge0MaxRetryAfter)
		}
		if perr := judge0Pause(ctx, wait, nil); perr != nil {
			return fmt.Errorf("sandbox: judge0 %s %s: %w (while retrying after: %v)", method, u.Path, perr, err)
		}
		backoff *= 2
	}
}

func (j *Judge0) once(ctx context.Context, method string, u *url.URL, body []byte, out any) error {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), rd)
	if err != nil {
		return fmt.Errorf("sandbox: judge0 %s %s: %w", method, u.Path, err)
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if j.cfg.AuthToken != "" {
		req.Header.Set(j.cfg.AuthHeader, j.cfg.AuthToken)
	}
	resp, err := j.client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("sandbox: judge0 %s %s: %w", method, u.Path, context.Cause(ctx))
		}
		return fmt.Errorf("sandbox: judge0 %s %s: %w", method, u.Path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, judge0MaxAnswerBytes+1))
	if err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("sandbox: judge0 %s %s: %w", method, u.Path, context.Cause(ctx))
		}
		return fmt.Errorf("sandbox: judge0 %s %s: reading the answer: %w", method, u.Path, err)
	}
	if len(data) > judge0MaxAnswerBytes {
		return fmt.Errorf("%w: %s %s answered more than %d bytes", ErrJudge0Malformed, method, u.Path, judge0MaxAnswerBytes)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		snippet := strings.TrimSpace(string(data))
		if len(snippet) > 512 {
			snippet = snippet[:512] + "…"
		}
		return &Judge0Error{Method: method, Path: u.Path, StatusCode: resp.StatusCode, Body: snippet,
			retryAfter: judge0RetryAfter(resp.Header.Get("Retry-After"))}
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("%w: %s %s: %v", ErrJudge0Malformed, method, u.Path, err)
	}
	return nil
}

// judge0RetryAfter reads Retry-After in either of its forms (seconds or an HTTP date).
func judge0RetryAfter(v string) time.Duration {
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil && s > 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(time.Until(t), 0)
	}
	return 0
}
