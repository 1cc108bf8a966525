package sandbox

import (
	"archive/zip"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// fakeJudge0 is an httptest server that speaks Judge0 CE 1.13's submissions API: batch and
// single create, batch and single get, /languages, X-Auth-Token, base64 answers wrapped the
// way Ruby's Base64.encode64 wraps them, validation errors per submission, and callbacks. It
// runs nothing: each test scripts the verdicts, since Judge0 itself is the thing faked.
type fakeJudge0 struct {
	t        *testing.T
	srv      *httptest.Server
	token    string // the X-Auth-Token Judge0 demands
	maxBatch int    // MAX_SUBMISSION_BATCH_SIZE

	mu       sync.Mutex
	nextID   int
	subs     map[string]*fakeSub
	order    []string // tokens in creation order
	requests []fakeRequest
	// verdict scripts the fate of each submission when it is created.
	verdict func(s fakeSubmission) fakeVerdict
	// replies are answers given instead of the real one, per route, first in first out.
	replies map[string][]fakeReply
	// mutate rewrites a JSON answer before it is sent, to make it malformed.
	mutate func(route string, answer any) any
}

// fakeSubmission is a submission as Judge0 stored it, decoded.
type fakeSubmission struct {
	Raw        map[string]any // the element as sent
	LanguageID int
	Source     []byte
	Stdin      []byte
	Files      map[string]fakeFile // from additional_files
}

type fakeFile struct {
	Content []byte
	Mode    uint32
}

// fakeVerdict is what Judge0 answers once the submission leaves the queue. The []byte fields
// are null when nil, as Judge0 stores empty output as null.
type fakeVerdict struct {
	Queued, Processing int  // polls answered "In Queue", then "Processing", before the verdict
	Never              bool // stays "In Queue" until finish is called
	Status             int
	Description        string
	Stdout, Stderr     []byte
	CompileOutput      []byte
	Message            []byte
	ExitCode           *int
	ExitSignal         *int
	Time, WallTime     string // decimals, as Judge0's columns are serialised
	Memory             *int   // KB
}

type fakeSub struct {
	sub      fakeSubmission
	verdict  fakeVerdict
	polls    int
	finished bool
}

type fakeRequest struct {
	Method, Path string
	Query        map[string][]string
	Auth         string
	Body         []byte
}

// fakeReply replaces one answer: Drop closes the connection without a word.
type fakeReply struct {
	Code       int
	RetryAfter string
	Body       string
	Drop       bool
}

var fakeStatusNames = map[int]string{
	1: "In Queue", 2: "Processing", 3: "Accepted", 4: "Wrong Answer", 5: "Time Limit Exceeded",
	6: "Compilation Error", 7: "Runtime Error (SIGSEGV)", 8: "Runtime Error (SIGXFSZ)",
	9: "Runtime Error (SIGFPE)", 10: "Runtime Error (SIGABRT)", 11: "Runtime Error (NZEC)",
	12: "Runtime Error (Other)", 13: "Internal Error", 14: "Exec Format Error",
}

var fakeLanguages = map[int]string{
	60: "Go (1.13.5)", 63: "JavaScript (Node.js 12.14.0)", 71: "Python (3.8.1)", 74: "TypeScript (3.7.4)",
}

// fakeFields are the names Judge0 accepts in ?fields=.
var fakeFields = map[string]bool{
	"source_code": true, "language_id": true, "stdin": true, "expected_output": true, "stdout": true,
	"status_id": true, "created_at": true, "finished_at": true, "time": true, "memory": true,
	"stderr": true, "token": true, "number_of_runs": true, "cpu_time_limit": true,
	"cpu_extra_time": true, "wall_time_limit": true, "memory_limit": true, "stack_limit": true,
	"max_processes_and_or_threads": true, "enable_per_process_and_thread_time_limit": true,
	"enable_per_process_and_thread_memory_limit": true, "max_file_size": true,
	"compile_output": true, "exit_code": true, "exit_signal": true, "message": true,
	"wall_time": true, "compiler_options": true, "command_line_arguments": true,
	"redirect_stderr_to_stdout": true, "callback_url": true, "additional_files": true,
	"enable_network": true, "status": true, "language": true,
}

func newFakeJudge0(t *testing.T) *fakeJudge0 {
	t.Helper()
	f := &fakeJudge0{
		t:        t,
		token:    "s3cret",
		maxBatch: 20,
		subs:     map[string]*fakeSub{},
		replies:  map[string][]fakeReply{},
		verdict: func(fakeSubmission) fakeVerdict {
			return fakeVerdict{Status: 3, ExitCode: judge0Int(0), Time: "0.010", WallTime: "0.020", Memory: judge0Int(3000)}
		},
	}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func judge0Int(n int) *int { return &n }

// rubyEncode64 is Ruby's Base64.encode64: lines of 60 characters, each ending in a newline.
func rubyEncode64(b []byte) string {
	s := base64.StdEncoding.EncodeToString(b)
	var out strings.Builder
	for len(s) > 60 {
		out.WriteString(s[:60] + "\n")
		s = s[60:]
	}
	if s != "" {
		out.WriteString(s + "\n")
	}
	return out.String()
}

func (f *fakeJudge0) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	route := f.route(r)
	f.mu.Lock()
	f.requests = append(f.requests, fakeRequest{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Auth: r.Header.Get("X-Auth-Token"), Body: body})
	var reply *fakeReply
	if q := f.replies[route]; len(q) > 0 {
		reply, f.replies[route] = &q[0], q[1:]
	}
	f.mu.Unlock()

	if r.Header.Get("X-Auth-Token") != f.token {
		// Judge0's 401 is empty and text/html.
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	if reply != nil {
		if reply.Drop {
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.Close()
			}
			return
		}
		if reply.RetryAfter != "" {
			w.Header().Set("Retry-After", reply.RetryAfter)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(reply.Code)
		io.WriteString(w, reply.Body)
		return
	}
	if strings.HasPrefix(r.URL.Path, "/submissions") && r.URL.Query().Get("base64_encoded") != "true" {
		// Not Judge0's behaviour (it would take our base64 as plain text): the fake insists,
		// because the driver must always ask for base64.
		f.answer(w, route, http.StatusBadRequest, map[string]any{"error": "fake judge0: base64_encoded=true expected"})
		return
	}
	switch route {
	case "POST /submissions/batch":
		f.batchCreate(w, route, body)
	case "GET /submissions/batch":
		f.batchShow(w, r, route)
	case "POST /submissions":
		f.create(w, r, route, body)
	case "GET /submissions/:token":
		f.show(w, r, route)
	case "GET /languages":
		var langs []map[string]any
		for id, name := range fakeLanguages {
			langs = append(langs, map[string]any{"id": id, "name": name})
		}
		f.answer(w, route, http.StatusOK, langs)
	case "GET /config_info":
		// A stock Judge0's maxima (and a few of its other settings).
		f.answer(w, route, http.StatusOK, map[string]any{
			"enable_batched_submissions": true, "max_submission_batch_size": f.maxBatch,
			"cpu_time_limit": 5.0, "max_cpu_time_limit": 15.0, "wall_time_limit": 10.0, "max_wall_time_limit": 20.0,
			"memory_limit": 128000, "max_memory_limit": 512000, "max_processes_and_or_threads": 60,
			"max_max_processes_and_or_threads": 120, "max_file_size": 1024, "max_max_file_size": 4096,
		})
	default:
		http.NotFound(w, r)
	}
}

func (f *fakeJudge0) route(r *http.Request) string {
	p := r.URL.Path
	if strings.HasPrefix(p, "/submissions/") && p != "/submissions/batch" {
		p = "/submissions/:token"
	}
	return r.Method + " " + p
}

func (f *fakeJudge0) answer(w http.ResponseWriter, route string, code int, v any) {
	f.mu.Lock()
	mutate := f.mutate
	f.mu.Unlock()
	if mutate != nil {
		v = mutate(route, v)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}

func (f *fakeJudge0) batchCreate(w http.ResponseWriter, route string, body []byte) {
	var req struct {
		Submissions []map[string]any `json:"submissions"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		f.answer(w, route, http.StatusBadRequest, map[string]any{"error": err.Error()})
		return
	}
	if len(req.Submissions) > f.maxBatch {
		f.answer(w, route, http.StatusBadRequest, map[string]any{"error": fmt.Sprintf("number of submissions in a batch should be less than or equal to %d", f.maxBatch)})
		return
	}
	if len(req.Submissions) == 0 {
		f.answer(w, route, http.StatusBadRequest, map[string]any{"error": "there should be at least one submission in a batch"})
		return
	}
	var answer []any
	valid := false
	for _, raw := range req.Submissions {
		token, errs := f.store(raw)
		if errs != nil {
			answer = append(answer, errs)
			continue
		}
		valid = true
		answer = append(answer, map[string]any{"token": token})
	}
	code := http.StatusCreated
	if !valid {
		code = http.StatusUnprocessableEntity
	}
	f.answer(w, route, code, answer)
}

func (f *fakeJudge0) create(w http.ResponseWriter, r *http.Request, route string, body []byte) {
	if r.URL.Query().Get("wait") == "true" {
		f.answer(w, route, http.StatusBadRequest, map[string]any{"error": "wait not allowed"})
		return
	}
	var raw map[string]any
	if err := json.Unmarshal(body, &raw); err != nil {
		f.answer(w, route, http.StatusBadRequest, map[string]any{"error": err.Error()})
		return
	}
	token, errs := f.store(raw)
	if errs != nil {
		f.answer(w, route, http.StatusUnprocessableEntity, errs)
		return
	}
	f.answer(w, route, http.StatusCreated, map[string]any{"token": token})
}

// store validates one submission as Judge0's model does and queues it.
func (f *fakeJudge0) store(raw map[string]any) (string, map[string][]string) {
	errs := map[string][]string{}
	decode := func(field string) []byte {
		s, _ := raw[field].(string)
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			errs[field] = append(errs[field], "fake judge0: not base64")
		}
		return b
	}
	sub := fakeSubmission{Raw: raw, Source: decode("source_code"), Stdin: decode("stdin")}
	if strings.TrimSpace(string(sub.Source)) == "" {
		errs["source_code"] = append(errs["source_code"], "can't be blank")
	}
	id, _ := raw["language_id"].(float64)
	sub.LanguageID = int(id)
	if _, ok := fakeLanguages[sub.LanguageID]; !ok {
		errs["language_id"] = append(errs["language_id"], fmt.Sprintf("language with id %d doesn't exist", sub.LanguageID))
	}
	limit := func(field string, lo, hi float64) {
		v, ok := raw[field]
		if !ok {
			return
		}
		n, isNum := v.(float64)
		switch {
		case !isNum:
			errs[field] = append(errs[field], "is not a number")
		case n < lo:
			errs[field] = append(errs[field], fmt.Sprintf("must be greater than or equal to %v", lo))
		case n > hi:
			errs[field] = append(errs[field], fmt.Sprintf("must be less than or equal to %v", hi))
		}
	}
	limit("cpu_time_limit", 0, 15)
	limit("wall_time_limit", 1, 20)
	limit("memory_limit", 2048, 512000)
	limit("max_processes_and_or_threads", 1, 120)
	limit("max_file_size", 0, 4096)
	limit("number_of_runs", 1, 20)
	if raw["enable_network"] == true {
		errs["enable_network"] = append(errs["enable_network"], "enabling network is not allowed")
	}
	if s, ok := raw["additional_files"].(string); ok {
		sub.Files = map[string]fakeFile{}
		data, err := base64.StdEncoding.DecodeString(s)
		zr, zerr := zip.NewReader(bytes.NewReader(data), int64(len(data)))
		if err != nil || zerr != nil {
			errs["additional_files"] = append(errs["additional_files"], "fake judge0: not a base64 zip")
		} else {
			for _, zf := range zr.File {
				rc, _ := zf.Open()
				content, _ := io.ReadAll(rc)
				rc.Close()
				sub.Files[zf.Name] = fakeFile{Content: content, Mode: uint32(zf.Mode().Perm())}
			}
		}
	}
	if len(errs) > 0 {
		return "", errs
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.nextID++
	token := fmt.Sprintf("00000000-0000-4000-8000-%012d", f.nextID)
	f.subs[token] = &fakeSub{sub: sub, verdict: f.verdict(sub)}
	f.order = append(f.order, token)
	return token, nil
}

func (f *fakeJudge0) fields(r *http.Request) ([]string, error) {
	v := r.URL.Query().Get("fields")
	if v == "" {
		return []string{"token", "time", "memory", "stdout", "stderr", "compile_output", "message", "status"}, nil
	}
	var bad []string
	fields := strings.Split(v, ",")
	for _, name := range fields {
		if !fakeFields[name] {
			bad = append(bad, name)
		}
	}
	if bad != nil {
		return nil, fmt.Errorf("invalid fields: [%s]", strings.Join(bad, ", "))
	}
	return fields, nil
}

func (f *fakeJudge0) batchShow(w http.ResponseWriter, r *http.Request, route string) {
	fields, err := f.fields(r)
	if err != nil {
		f.answer(w, route, http.StatusBadRequest, map[string]any{"error": err.Error()})
		return
	}
	tokens := strings.Split(strings.TrimSpace(r.URL.Query().Get("tokens")), ",")
	if len(tokens) > f.maxBatch {
		f.answer(w, route, http.StatusBadRequest, map[string]any{"error": fmt.Sprintf("number of submissions in a batch should be less than or equal to %d", f.maxBatch)})
		return
	}
	subs := []any{}
	for _, t := range tokens {
		if s := f.poll(t, fields); s != nil {
			subs = append(subs, s)
		} else {
			subs = append(subs, nil)
		}
	}
	f.answer(w, route, http.StatusOK, map[string]any{"submissions": subs})
}

func (f *fakeJudge0) show(w http.ResponseWriter, r *http.Request, route string) {
	fields, err := f.fields(r)
	if err != nil {
		f.answer(w, route, http.StatusBadRequest, map[string]any{"error": err.Error()})
		return
	}
	s := f.poll(strings.TrimPrefix(r.URL.Path, "/submissions/"), fields)
	if s == nil {
		w.WriteHeader(http.StatusNotFound)
		return
	}
	f.answer(w, route, http.StatusOK, s)
}

// poll counts one look at token and serialises its current state, or returns nil when the
// token is unknown.
func (f *fakeJudge0) poll(token string, fields []string) map[string]any {
	f.mu.Lock()
	defer f.mu.Unlock()
	s, ok := f.subs[token]
	if !ok {
		return nil
	}
	s.polls++
	status := s.verdict.Status
	switch {
	case s.finished:
	case s.verdict.Never || s.polls <= s.verdict.Queued:
		status = 1
	case s.polls <= s.verdict.Queued+s.verdict.Processing:
		status = 2
	}
	return f.serialise(token, s, status, fields)
}

func (f *fakeJudge0) serialise(token string, s *fakeSub, status int, fields []string) map[string]any {
	v := s.verdict
	b64 := func(b []byte) any {
		if b == nil {
			return nil
		}
		return rubyEncode64(b)
	}
	dec := func(d string) any {
		if d == "" {
			return nil
		}
		return d
	}
	desc := v.Description
	if desc == "" || status != v.Status {
		desc = fakeStatusNames[status]
	}
	all := map[string]any{
		"token": token, "status": map[string]any{"id": status, "description": desc}, "status_id": status,
		"stdout": nil, "stderr": nil, "compile_output": nil, "message": nil, "exit_code": nil,
		"exit_signal": nil, "time": nil, "wall_time": nil, "memory": nil, "language_id": s.sub.LanguageID,
	}
	if status > 2 {
		all["stdout"], all["stderr"], all["compile_output"], all["message"] = b64(v.Stdout), b64(v.Stderr), b64(v.CompileOutput), b64(v.Message)
		all["time"], all["wall_time"] = dec(v.Time), dec(v.WallTime)
		if v.ExitCode != nil {
			all["exit_code"] = *v.ExitCode
		}
		if v.ExitSignal != nil {
			all["exit_signal"] = *v.ExitSignal
		}
		if v.Memory != nil {
			all["memory"] = *v.Memory
		}
	}
	out := map[string]any{}
	for _, name := range fields {
		out[name] = all[name]
	}
	return out
}

// finish ends a submission scripted with Never and, as Judge0's worker does, PUTs the default
// fields in base64 to its callback_url.
func (f *fakeJudge0) finish(token string) {
	f.t.Helper()
	f.mu.Lock()
	s := f.subs[token]
	s.finished = true
	body := f.serialise(token, s, s.verdict.Status, []string{"token", "time", "memory", "stdout", "stderr", "compile_output", "message", "status"})
	url, _ := s.sub.Raw["callback_url"].(string)
	f.mu.Unlock()
	if url == "" {
		return
	}
	data, _ := json.Marshal(body)
	req, _ := http.NewRequest(http.MethodPut, url, bytes.NewReader(data))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		f.t.Errorf("callback: %v", err)
		return
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		f.t.Errorf("callback answered %d", resp.StatusCode)
	}
}

func (f *fakeJudge0) reply(route string, replies ...fakeReply) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.replies[route] = append(f.replies[route], replies...)
}

func (f *fakeJudge0) setVerdict(fn func(fakeSubmission) fakeVerdict) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.verdict = fn
}

func (f *fakeJudge0) setMutate(fn func(route string, answer any) any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.mutate = fn
}

// count returns how many requests hit route ("GET /submissions/batch").
func (f *fakeJudge0) count(route string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, r := range f.requests {
		p := r.Path
		if strings.HasPrefix(p, "/submissions/") && p != "/submissions/batch" {
			p = "/submissions/:token"
		}
		if r.Method+" "+p == route {
			n++
		}
	}
	return n
}

func (f *fakeJudge0) allRequests() []fakeRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]fakeRequest(nil), f.requests...)
}

// submissions returns what was submitted, in order.
func (f *fakeJudge0) submissions() []fakeSubmission {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]fakeSubmission, len(f.order))
	for i, t := range f.order {
		out[i] = f.subs[t].sub
	}
	return out
}

func (f *fakeJudge0) tokens() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.order...)
}

func (f *fakeJudge0) polls(token string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	if s, ok := f.subs[token]; ok {
		return s.polls
	}
	return 0
}

func (f *fakeJudge0) totalPolls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, s := range f.subs {
		n += s.polls
	}
	return n
}
