package sandbox

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

func newTestJudge0(t *testing.T, f *fakeJudge0, tweak func(*Judge0Config)) *Judge0 {
	t.Helper()
	cfg := Judge0Config{
		BaseURL:         f.srv.URL,
		AuthToken:       f.token,
		HTTPClient:      f.srv.Client(),
		PollInterval:    time.Millisecond,
		MaxPollInterval: 4 * time.Millisecond,
		RetryInterval:   time.Millisecond,
		MaxWait:         20 * time.Second,
	}
	if tweak != nil {
		tweak(&cfg)
	}
	j, err := NewJudge0(cfg)
	if err != nil {
		t.Fatalf("NewJudge0: %v", err)
	}
	return j
}

func TestJudge0RequestShape(t *testing.T) {
	f := newFakeJudge0(t)
	j := newTestJudge0(t, f, nil)
	f.setVerdict(func(s fakeSubmission) fakeVerdict {
		return fakeVerdict{Status: 3, Stdout: s.Stdin, ExitCode: judge0Int(0), Time: "0.010", WallTime: "0.020", Memory: judge0Int(3000)}
	})

	limited := Limits{
		CPUTime:     2500 * time.Millisecond,
		WallTime:    5 * time.Second,
		MemoryBytes: 256 << 20,
		Processes:   32,
		OutputBytes: 64 << 10,
		FileBytes:   1 << 20,
		OpenFiles:   64, // no Judge0 counterpart: not sent
	}
	programs := []Program{
		{Language: "python", Source: "import solution\nprint(solution.f(input()))\n", Stdin: []byte("héllo\x00\xff\n"), Limits: limited,
			Files: []File{
				{Path: "solution.py", Content: []byte("def f(s):\n    return s[::-1]\n")},
				{Path: "data/cases.json", Content: []byte(`[1,2]`)},
				{Path: "tool.sh", Content: []byte("#!/bin/sh\n"), Executable: true},
			}},
		{Language: "javascript", Source: "console.log(1)"},
		{Language: "typescript", Source: "const x: number = 1; console.log(x)"},
		{Language: "go", Source: "package main\nfunc main() {}\n", Stdin: []byte("in")},
	}
	results, err := j.RunBatch(context.Background(), programs)
	if err != nil {
		t.Fatalf("RunBatch: %v", err)
	}

	if n := f.count("POST /submissions/batch"); n != 1 {
		t.Errorf("batch creates = %d, want 1", n)
	}
	for _, r := range f.allRequests() {
		if r.Auth != f.token {
			t.Errorf("%s %s: X-Auth-Token %q, want %q", r.Method, r.Path, r.Auth, f.token)
		}
		if !strings.HasPrefix(r.Path, "/submissions") {
			continue
		}
		if got := r.Query["base64_encoded"]; !slices.Equal(got, []string{"true"}) {
			t.Errorf("%s %s: base64_encoded=%v", r.Method, r.Path, got)
		}
		if r.Method == http.MethodGet {
			fields := strings.Split(strings.Join(r.Query["fields"], ""), ",")
			for _, want := range []string{"token", "status", "stdout", "stderr", "compile_output", "message", "exit_code", "exit_signal", "time", "wall_time", "memory"} {
				if !slices.Contains(fields, want) {
					t.Errorf("GET %s: fields %v lack %s", r.Path, fields, want)
				}
			}
		}
	}

	subs := f.submissions()
	if len(subs) != len(programs) {
		t.Fatalf("%d submissions, want %d", len(subs), len(programs))
	}
	for i, want := range []int{71, 63, 74, 60} {
		if subs[i].LanguageID != want {
			t.Errorf("program %d: language_id %d, want %d", i, subs[i].LanguageID, want)
		}
		if string(subs[i].Source) != programs[i].Source {
			t.Errorf("program %d: source %q, want %q", i, subs[i].Source, programs[i].Source)
		}
		if !bytes.Equal(subs[i].Stdin, programs[i].Stdin) {
			t.Errorf("program %d: stdin %q, want %q", i, subs[i].Stdin, programs[i].Stdin)
		}
		raw := subs[i].Raw
		for field, want := range map[string]any{"enable_network": false, "redirect_stderr_to_stdout": false, "number_of_runs": 1.0,
			"enable_per_process_and_thread_time_limit": false, "enable_per_process_and_thread_memory_limit": false} {
			if got, ok := raw[field]; !ok || got != want {
				t.Errorf("program %d: %s = %v (sent: %v), want %v", i, field, got, ok, want)
			}
		}
	}

	// Limits in Judge0's units: seconds, KB.
	for field, want := range map[string]float64{
		"cpu_time_limit":               2.5,
		"wall_time_limit":              5,
		"memory_limit":                 256 * 1024,
		"max_processes_and_or_threads": 32,
		"max_file_size":                1024, // the larger of FileBytes and OutputBytes
	} {
		if got := subs[0].Raw[field]; got != want {
			t.Errorf("%s = %v, want %v", field, got, want)
		}
	}
	// Zero limits are left to the server's defaults.
	for _, field := range []string{"cpu_time_limit", "wall_time_limit", "memory_limit", "max_processes_and_or_threads", "max_file_size", "additional_files", "stdin", "callback_url"} {
		if got, ok := subs[1].Raw[field]; ok {
			t.Errorf("program 1 sent %s = %v; zero should leave the server default", field, got)
		}
	}

	files := subs[0].Files
	for name, want := range map[string]fakeFile{
		"solution.py":     {Content: []byte("def f(s):\n    return s[::-1]\n"), Mode: 0o644},
		"data/cases.json": {Content: []byte(`[1,2]`), Mode: 0o644},
		"tool.sh":         {Content: []byte("#!/bin/sh\n"), Mode: 0o755},
	} {
		got, ok := files[name]
		if !ok || !bytes.Equal(got.Content, want.Content) || got.Mode != want.Mode {
			t.Errorf("additional file %s = %+v (present %v), want %+v", name, got, ok, want)
		}
	}

	for i, r := range results {
		if r.Outcome != OutcomeExited || r.ExitCode != 0 || !bytes.Equal(r.Stdout, programs[i].Stdin) {
			t.Errorf("result %d = %+v", i, r)
		}
	}
}

func TestJudge0PollsUntilDone(t *testing.T) {
	f := newFakeJudge0(t)
	j := newTestJudge0(t, f, nil)
	scripts := map[string]fakeVerdict{
		"slow":   {Queued: 2, Processing: 1},
		"fast":   {},
		"slower": {Queued: 5},
	}
	f.setVerdict(func(s fakeSubmission) fakeVerdict {
		v := scripts[string(s.Stdin)]
		v.Status, v.Stdout, v.ExitCode = 3, s.Stdin, judge0Int(0)
		return v
	})
	names := []string{"slow", "fast", "slower"}
	var programs []Program
	for _, n := range names {
		programs = append(programs, Program{Language: "python", Source: "print(input())", Stdin: []byte(n)})
	}
	results, err := j.RunBatch(context.Background(), programs)
	if err != nil {
		t.Fatalf("RunBatch: %v", err)
	}
	for i, n := range names {
		if string(results[i].Stdout) != n {
			t.Errorf("result %d stdout %q, want %q: results must keep the programs' order", i, results[i].Stdout, n)
		}
	}
	// A finished token is not asked for again; the others until they are done.
	tokens := f.tokens()
	for i, want := range []int{4, 1, 6} {
		if got := f.polls(tokens[i]); got != want {
			t.Errorf("%s polled %d times, want %d", names[i], got, want)
		}
	}
	if got := f.count("GET /submissions/batch"); got != 6 {
		t.Errorf("batch polls = %d, want 6 (one request per round for every pending token)", got)
	}
}

func TestJudge0StatusMapping(t *testing.T) {
	long := bytes.Repeat([]byte("héllo ✓ "), 30) // longer than one 60-column base64 line
	type want struct {
		outcome   Outcome
		exitCode  int
		signal    string
		stdout    []byte
		stderr    []byte
		truncated bool
	}
	cases := []struct {
		name    string
		limits  Limits
		verdict fakeVerdict
		want    want
	}{
		{"accepted", Limits{}, fakeVerdict{Status: 3, Stdout: []byte("42\n"), ExitCode: judge0Int(0)},
			want{outcome: OutcomeExited, stdout: []byte("42\n")}},
		{"accepted unicode and binary", Limits{}, fakeVerdict{Status: 3, Stdout: append(long, 0xff, 0x00), ExitCode: judge0Int(0)},
			want{outcome: OutcomeExited, stdout: append(long, 0xff, 0x00)}},
		{"wrong answer", Limits{}, fakeVerdict{Status: 4, Stdout: []byte("41\n"), ExitCode: judge0Int(0)},
			want{outcome: OutcomeExited, stdout: []byte("41\n")}},
		{"time limit", Limits{}, fakeVerdict{Status: 5, Stdout: []byte("partial"), Message: []byte("Time limit exceeded"), ExitCode: judge0Int(0)},
			want{outcome: OutcomeTimeout, stdout: []byte("partial")}},
		{"wall clock limit", Limits{}, fakeVerdict{Status: 5, Message: []byte("Time limit exceeded (wall clock)")},
			want{outcome: OutcomeTimeout}},
		{"compile error", Limits{}, fakeVerdict{Status: 6, CompileOutput: []byte("script.ts(1,7): error TS2322: Type 'string' is not assignable to type 'number'.\n")},
			want{outcome: OutcomeCompileError, exitCode: 1, stderr: []byte("script.ts(1,7): error TS2322: Type 'string' is not assignable to type 'number'.\n")}},
		{"sigsegv", Limits{}, fakeVerdict{Status: 7, ExitSignal: judge0Int(11), ExitCode: judge0Int(0)},
			want{outcome: OutcomeSignaled, signal: "SIGSEGV"}},
		{"sigsegv without exit_signal", Limits{}, fakeVerdict{Status: 7},
			want{outcome: OutcomeSignaled, signal: "SIGSEGV"}},
		{"sigxfsz", Limits{}, fakeVerdict{Status: 8, ExitSignal: judge0Int(25), Stdout: []byte("yyyy")},
			want{outcome: OutcomeOutputLimit, signal: "SIGXFSZ", stdout: []byte("yyyy"), truncated: true}},
		{"sigfpe", Limits{}, fakeVerdict{Status: 9, ExitSignal: judge0Int(8)},
			want{outcome: OutcomeSignaled, signal: "SIGFPE"}},
		{"sigabrt", Limits{}, fakeVerdict{Status: 10, ExitSignal: judge0Int(6)},
			want{outcome: OutcomeSignaled, signal: "SIGABRT"}},
		{"sigabrt node heap", Limits{}, fakeVerdict{Status: 10, Stderr: []byte("FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory\n")},
			want{outcome: OutcomeMemoryLimit, signal: "SIGABRT", stderr: []byte("FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory\n")}},
		{"nzec exit 1", Limits{}, fakeVerdict{Status: 11, ExitCode: judge0Int(1), Stderr: []byte("Traceback\nValueError\n"), Message: []byte("Exited with error status 1")},
			want{outcome: OutcomeExited, exitCode: 1, stderr: []byte("Traceback\nValueError\n")}},
		{"nzec segfault through bash", Limits{}, fakeVerdict{Status: 11, ExitCode: judge0Int(139), Stderr: []byte("run: line 1:     3 Segmentation fault      ./main\n")},
			want{outcome: OutcomeSignaled, exitCode: 139, signal: "SIGSEGV", stderr: []byte("run: line 1:     3 Segmentation fault      ./main\n")}},
		{"nzec oom kill at the limit", Limits{MemoryBytes: 64 << 20}, fakeVerdict{Status: 11, ExitCode: judge0Int(137), Memory: judge0Int(65536)},
			want{outcome: OutcomeMemoryLimit, exitCode: 137, signal: "SIGKILL"}},
		{"nzec sigkill far below the limit", Limits{MemoryBytes: 64 << 20}, fakeVerdict{Status: 11, ExitCode: judge0Int(137), Memory: judge0Int(3000)},
			want{outcome: OutcomeSignaled, exitCode: 137, signal: "SIGKILL"}},
		{"nzec sigkill under the server's limit", Limits{}, fakeVerdict{Status: 11, ExitCode: judge0Int(137), Memory: judge0Int(128000)},
			want{outcome: OutcomeMemoryLimit, exitCode: 137, signal: "SIGKILL"}},
		{"nzec file size through bash", Limits{}, fakeVerdict{Status: 11, ExitCode: judge0Int(153)},
			want{outcome: OutcomeOutputLimit, exitCode: 153, signal: "SIGXFSZ", truncated: true}},
		{"nzec cpu limit through bash", Limits{}, fakeVerdict{Status: 11, ExitCode: judge0Int(152)},
			want{outcome: OutcomeTimeout, exitCode: 152, signal: "SIGXCPU"}},
		{"nzec go out of memory", Limits{}, fakeVerdict{Status: 11, ExitCode: judge0Int(2), Stderr: []byte("fatal error: runtime: out of memory\n")},
			want{outcome: OutcomeMemoryLimit, exitCode: 2, stderr: []byte("fatal error: runtime: out of memory\n")}},
		{"nzec python MemoryError", Limits{}, fakeVerdict{Status: 11, ExitCode: judge0Int(1), Stderr: []byte("Traceback (most recent call last):\nMemoryError\n")},
			want{outcome: OutcomeMemoryLimit, exitCode: 1, stderr: []byte("Traceback (most recent call last):\nMemoryError\n")}},
		{"runtime error other", Limits{}, fakeVerdict{Status: 12, ExitSignal: judge0Int(31)},
			want{outcome: OutcomeSignaled, signal: "SIGSYS"}},
		{"internal error", Limits{}, fakeVerdict{Status: 13, Message: []byte("Cleanup of sandbox 7 failed.")},
			want{outcome: OutcomeSandboxError, stderr: []byte("Cleanup of sandbox 7 failed.")}},
		{"exec format error", Limits{}, fakeVerdict{Status: 14, Stderr: []byte("x"), Message: []byte("execve(\"./a.out\"): Exec format error")},
			want{outcome: OutcomeSandboxError, stderr: []byte("x\nexecve(\"./a.out\"): Exec format error")}},
		{"output over the cap", Limits{OutputBytes: 10}, fakeVerdict{Status: 3, Stdout: bytes.Repeat([]byte("y"), 100), Stderr: []byte("short"), ExitCode: judge0Int(0)},
			want{outcome: OutcomeOutputLimit, stdout: bytes.Repeat([]byte("y"), 10), stderr: []byte("short"), truncated: true}},
		{"wall time below judge0's floor", Limits{WallTime: 300 * time.Millisecond}, fakeVerdict{Status: 3, ExitCode: judge0Int(0), WallTime: "0.8"},
			want{outcome: OutcomeTimeout}},
	}

	f := newFakeJudge0(t)
	j := newTestJudge0(t, f, nil)
	byName := map[string]fakeVerdict{}
	var programs []Program
	for _, c := range cases {
		v := c.verdict
		v.Queued = 1
		if v.Time == "" {
			v.Time = "0.012"
		}
		if v.WallTime == "" && v.Status != 6 {
			v.WallTime = "0.05"
		}
		byName[c.name] = v
		programs = append(programs, Program{Language: "go", Source: "package main", Stdin: []byte(c.name), Limits: c.limits})
	}
	f.setVerdict(func(s fakeSubmission) fakeVerdict { return byName[string(s.Stdin)] })

	results, err := j.RunBatch(context.Background(), programs)
	if err != nil {
		t.Fatalf("RunBatch: %v", err)
	}
	if got := f.count("POST /submissions/batch"); got != 2 {
		t.Errorf("batch creates = %d, want 2 for %d programs in batches of 20", got, len(programs))
	}
	if got := f.submissions()[25].Raw["wall_time_limit"]; got != 1.0 {
		t.Errorf("wall_time_limit for 300ms = %v, want Judge0's floor of 1", got)
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := results[i]
			if r.Outcome != c.want.outcome || r.ExitCode != c.want.exitCode || r.Signal != c.want.signal || r.Truncated != c.want.truncated {
				t.Errorf("got outcome %q exit %d signal %q truncated %v, want %q %d %q %v",
					r.Outcome, r.ExitCode, r.Signal, r.Truncated, c.want.outcome, c.want.exitCode, c.want.signal, c.want.truncated)
			}
			if !bytes.Equal(r.Stdout, c.want.stdout) {
				t.Errorf("stdout %q, want %q", r.Stdout, c.want.stdout)
			}
			if !bytes.Equal(r.Stderr, c.want.stderr) {
				t.Errorf("stderr %q, want %q", r.Stderr, c.want.stderr)
			}
		})
	}

	t.Run("measurements", func(t *testing.T) {
		r := results[0]
		if r.Duration != 50*time.Millisecond || r.CPUTime != 12*time.Millisecond {
			t.Errorf("duration %v cpu %v, want 50ms 12ms", r.Duration, r.CPUTime)
		}
		if r := results[14]; r.PeakMemoryBytes != 65536*1024 {
			t.Errorf("peak memory %d, want %d", r.PeakMemoryBytes, 65536*1024)
		}
	})
}

func TestJudge0ClampsLimitsToTheServersMaxima(t *testing.T) {
	f := newFakeJudge0(t)
	j := newTestJudge0(t, f, nil)
	f.setVerdict(func(fakeSubmission) fakeVerdict {
		// The OOM killer struck at the clamped limit, below the 1 GiB asked for.
		return fakeVerdict{Status: 11, ExitCode: judge0Int(137), Memory: judge0Int(512000)}
	})
	generous := Limits{CPUTime: time.Minute, WallTime: 30 * time.Second, MemoryBytes: 1 << 30, Processes: 256, FileBytes: 16 << 20}
	for range 2 {
		r, err := j.RunProgram(context.Background(), Program{Language: "python", Source: "x = [0] * 10**10", Limits: generous})
		if err != nil {
			t.Fatalf("RunProgram: %v", err)
		}
		if r.Outcome != OutcomeMemoryLimit {
			t.Errorf("outcome %q, want memory_limit measured against the clamped limit", r.Outcome)
		}
	}
	for field, want := range map[string]float64{
		"cpu_time_limit": 15, "wall_time_limit": 20, "memory_limit": 512000, "max_processes_and_or_threads": 120, "max_file_size": 4096,
	} {
		if got := f.submissions()[0].Raw[field]; got != want {
			t.Errorf("%s = %v, want the server's maximum %v", field, got, want)
		}
	}
	if got := f.count("GET /config_info"); got != 1 {
		t.Errorf("config_info asked %d times, want once", got)
	}

	t.Run("server that will not say", func(t *testing.T) {
		f := newFakeJudge0(t)
		j := newTestJudge0(t, f, nil)
		f.reply("GET /config_info", fakeReply{Code: http.StatusNotFound}, fakeReply{Code: http.StatusServiceUnavailable})
		for range 2 {
			if _, err := j.RunProgram(context.Background(), Program{Language: "python", Source: "pass", Limits: Limits{CPUTime: time.Second}}); err != nil {
				t.Fatalf("RunProgram: %v", err)
			}
		}
		if got := f.submissions()[0].Raw["cpu_time_limit"]; got != 1.0 {
			t.Errorf("cpu_time_limit = %v, want 1 unchanged", got)
		}
		if got := f.count("GET /config_info"); got != 2 {
			t.Errorf("config_info asked %d times, want once per run until it answers, without retries (2)", got)
		}
	})
}

func TestJudge0UnknownStatusIsAnError(t *testing.T) {
	f := newFakeJudge0(t)
	j := newTestJudge0(t, f, nil)
	f.setVerdict(func(fakeSubmission) fakeVerdict { return fakeVerdict{Status: 42, Description: "Quantum"} })
	_, err := j.RunProgram(context.Background(), Program{Language: "python", Source: "pass"})
	if !errors.Is(err, ErrJudge0Malformed) || !strings.Contains(err.Error(), "42") {
		t.Fatalf("err = %v, want ErrJudge0Malformed naming status 42", err)
	}
}

func TestJudge0CancelStopsPolling(t *testing.T) {
	f := newFakeJudge0(t)
	j := newTestJudge0(t, f, nil)
	f.setVerdict(func(fakeSubmission) fakeVerdict { return fakeVerdict{Never: true} })

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, err := j.RunProgram(ctx, Program{Language: "python", Source: "while True: pass"})
		done <- err
	}()
	deadline := time.Now().Add(10 * time.Second)
	for f.totalPolls() < 3 {
		if time.Now().After(deadline) {
			t.Fatal("no polling seen")
		}
		time.Sleep(time.Millisecond)
	}
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("RunProgram kept going after its context was cancelled")
	}
	after := f.totalPolls()
	time.Sleep(20 * time.Millisecond) // five times the longest poll interval
	if got := f.totalPolls(); got != after {
		t.Errorf("polls went on after cancellation: %d → %d", after, got)
	}
}

func TestJudge0MaxWait(t *testing.T) {
	f := newFakeJudge0(t)
	j := newTestJudge0(t, f, func(c *Judge0Config) { c.MaxWait = 30 * time.Millisecond })
	f.setVerdict(func(fakeSubmission) fakeVerdict { return fakeVerdict{Never: true} })
	_, err := j.RunProgram(context.Background(), Program{Language: "python", Source: "pass"})
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "did not finish") {
		t.Fatalf("err = %v, want a deadline error saying Judge0 did not finish", err)
	}
}

func TestJudge0RetriesTransientErrors(t *testing.T) {
	f := newFakeJudge0(t)
	j := newTestJudge0(t, f, nil)
	f.reply("POST /submissions/batch",
		fakeReply{Code: http.StatusServiceUnavailable, Body: `{"error":"queue is full"}`},
		fakeReply{Drop: true},
		fakeReply{Code: http.StatusTooManyRequests, RetryAfter: "1"},
	)
	f.reply("GET /submissions/batch",
		fakeReply{Code: http.StatusBadGateway, Body: "<html>bad gateway</html>"},
		fakeReply{Code: http.StatusInternalServerError},
	)
	start := time.Now()
	r, err := j.RunProgram(context.Background(), Program{Language: "python", Source: "print(1)"})
	if err != nil {
		t.Fatalf("RunProgram: %v", err)
	}
	if r.Outcome != OutcomeExited {
		t.Errorf("outcome %q", r.Outcome)
	}
	if got := f.count("POST /submissions/batch"); got != 4 {
		t.Errorf("creates = %d, want 4 (three failures, then success)", got)
	}
	if got := f.count("GET /submissions/batch"); got != 3 {
		t.Errorf("polls = %d, want 3 (two failures, then success)", got)
	}
	if elapsed := time.Since(start); elapsed < time.Second {
		t.Errorf("finished in %v: the 429's Retry-After of 1s was not honoured", elapsed)
	}
	if got := len(f.tokens()); got != 1 {
		t.Errorf("%d submissions stored, want 1", got)
	}
}

func TestJudge0GivesUpAfterRetries(t *testing.T) {
	f := newFakeJudge0(t)
	j := newTestJudge0(t, f, func(c *Judge0Config) { c.Retries = 2 })
	for range 3 {
		f.reply("POST /submissions/batch", fakeReply{Code: http.StatusServiceUnavailable, Body: `{"error":"queue is full"}`})
	}
	_, err := j.RunProgram(context.Background(), Program{Language: "python", Source: "print(1)"})
	var je *Judge0Error
	if !errors.As(err, &je) || je.StatusCode != http.StatusServiceUnavailable || !strings.Contains(je.Body, "queue is full") {
		t.Fatalf("err = %v, want a Judge0Error 503 with Judge0's message", err)
	}
	if !strings.Contains(err.Error(), "after 3 attempts") {
		t.Errorf("err = %v, want it to say how many attempts were made", err)
	}
	if got := f.count("POST /submissions/batch"); got != 3 {
		t.Errorf("creates = %d, want 3", got)
	}
}

func TestJudge0DoesNotRetryAnswers(t *testing.T) {
	t.Run("wrong auth token", func(t *testing.T) {
		f := newFakeJudge0(t)
		j := newTestJudge0(t, f, func(c *Judge0Config) { c.AuthToken = "wrong" })
		_, err := j.RunProgram(context.Background(), Program{Language: "python", Source: "print(1)"})
		var je *Judge0Error
		if !errors.As(err, &je) || je.StatusCode != http.StatusUnauthorized || !strings.Contains(err.Error(), "auth token") {
			t.Fatalf("err = %v, want a 401 that points at the auth token", err)
		}
		if got := f.count("POST /submissions/batch"); got != 1 {
			t.Errorf("creates = %d, want 1", got)
		}
	})
	t.Run("batch larger than the server allows", func(t *testing.T) {
		f := newFakeJudge0(t)
		j := newTestJudge0(t, f, func(c *Judge0Config) { c.BatchSize = 25 })
		programs := slices.Repeat([]Program{{Language: "python", Source: "print(1)"}}, 21)
		_, err := j.RunBatch(context.Background(), programs)
		var je *Judge0Error
		if !errors.As(err, &je) || je.StatusCode != http.StatusBadRequest || !strings.Contains(je.Body, "less than or equal to 20") {
			t.Fatalf("err = %v, want Judge0's 400 about the batch size", err)
		}
		if got := f.count("POST /submissions/batch"); got != 1 {
			t.Errorf("creates = %d, want 1", got)
		}
	})
	t.Run("refused submission in a batch", func(t *testing.T) {
		f := newFakeJudge0(t)
		j := newTestJudge0(t, f, func(c *Judge0Config) { c.LanguageIDs = map[string]int{"python": 9999} })
		_, err := j.RunBatch(context.Background(), []Program{
			{Language: "go", Source: "package main"},
			{Language: "python", Source: "print(1)"},
		})
		var je *Judge0Error
		if !errors.As(err, &je) || je.StatusCode != http.StatusUnprocessableEntity ||
			!strings.Contains(err.Error(), "program 1") || !strings.Contains(je.Body, "language with id 9999 doesn't exist") {
			t.Fatalf("err = %v, want program 1 refused with Judge0's field error", err)
		}
		if got := f.count("POST /submissions/batch"); got != 1 {
			t.Errorf("creates = %d, want 1", got)
		}
	})
}

func TestJudge0MalformedAnswers(t *testing.T) {
	firstSubmission := func(answer any) map[string]any {
		return answer.(map[string]any)["submissions"].([]any)[0].(map[string]any)
	}
	cases := []struct {
		name      string
		reply     map[string]fakeReply
		mutate    func(route string, answer any) any
		malformed bool // the error must be ErrJudge0Malformed
	}{
		{name: "create answers html", malformed: true,
			reply: map[string]fakeReply{"POST /submissions/batch": {Code: http.StatusCreated, Body: "<html>hello</html>"}}},
		{name: "create answers an object", malformed: true,
			reply: map[string]fakeReply{"POST /submissions/batch": {Code: http.StatusCreated, Body: `{"token":"x"}`}}},
		{name: "create answers fewer tokens", malformed: true,
			reply: map[string]fakeReply{"POST /submissions/batch": {Code: http.StatusCreated, Body: `[]`}}},
		{name: "create answers a token that is no token", malformed: true,
			reply: map[string]fakeReply{"POST /submissions/batch": {Code: http.StatusCreated, Body: `[{"token":"../../etc,passwd"}]`}}},
		{name: "create answers a numeric token", malformed: true,
			reply: map[string]fakeReply{"POST /submissions/batch": {Code: http.StatusCreated, Body: `[{"token":7}]`}}},
		{name: "poll answers html", malformed: true,
			reply: map[string]fakeReply{"GET /submissions/batch": {Code: http.StatusOK, Body: "<html>"}}},
		{name: "poll answers without submissions", malformed: true,
			reply: map[string]fakeReply{"GET /submissions/batch": {Code: http.StatusOK, Body: `{}`}}},
		{name: "poll answers submissions of the wrong type", malformed: true,
			reply: map[string]fakeReply{"GET /submissions/batch": {Code: http.StatusOK, Body: `{"submissions":{"a":1}}`}}},
		{name: "poll answers null for our token",
			reply: map[string]fakeReply{"GET /submissions/batch": {Code: http.StatusOK, Body: `{"submissions":[null]}`}}},
		{name: "poll answers another token", malformed: true,
			mutate: func(route string, answer any) any {
				if route == "GET /submissions/batch" {
					firstSubmission(answer)["token"] = "someone-else"
				}
				return answer
			}},
		{name: "poll answers no status", malformed: true,
			mutate: func(route string, answer any) any {
				if route == "GET /submissions/batch" {
					delete(firstSubmission(answer), "status")
				}
				return answer
			}},
		{name: "status of the wrong type", malformed: true,
			mutate: func(route string, answer any) any {
				if route == "GET /submissions/batch" {
					firstSubmission(answer)["status"] = "Accepted"
				}
				return answer
			}},
		{name: "stdout not base64", malformed: true,
			mutate: func(route string, answer any) any {
				if route == "GET /submissions/batch" {
					firstSubmission(answer)["stdout"] = "!!!not base64!!!"
				}
				return answer
			}},
		{name: "time not a number", malformed: true,
			mutate: func(route string, answer any) any {
				if route == "GET /submissions/batch" {
					firstSubmission(answer)["time"] = "fast"
				}
				return answer
			}},
		{name: "memory negative", malformed: true,
			mutate: func(route string, answer any) any {
				if route == "GET /submissions/batch" {
					firstSubmission(answer)["memory"] = -1
				}
				return answer
			}},
		{name: "exit code a string", malformed: true,
			mutate: func(route string, answer any) any {
				if route == "GET /submissions/batch" {
					firstSubmission(answer)["exit_code"] = "0"
				}
				return answer
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFakeJudge0(t)
			j := newTestJudge0(t, f, nil)
			for route, r := range c.reply {
				f.reply(route, r)
			}
			f.setMutate(c.mutate)
			r, err := j.RunProgram(context.Background(), Program{Language: "python", Source: "print(1)"})
			if err == nil {
				t.Fatalf("no error; result %+v", r)
			}
			if c.malformed && !errors.Is(err, ErrJudge0Malformed) {
				t.Errorf("err = %v, want ErrJudge0Malformed", err)
			}
			var je *Judge0Error
			if errors.As(err, &je) {
				t.Errorf("err = %v: a 2xx answer is not an HTTP error", err)
			}
			if n := f.count("POST /submissions/batch") + f.count("GET /submissions/batch"); n > 2 {
				t.Errorf("%d requests: a malformed answer must not be retried", n)
			}
		})
	}
}

func TestJudge0SingleSubmissions(t *testing.T) {
	f := newFakeJudge0(t)
	j := newTestJudge0(t, f, func(c *Judge0Config) { c.SingleSubmissions = true })
	f.setVerdict(func(s fakeSubmission) fakeVerdict {
		return fakeVerdict{Queued: 1, Processing: 1, Status: 3, Stdout: s.Stdin, ExitCode: judge0Int(0), WallTime: "0.1"}
	})
	results, err := j.RunBatch(context.Background(), []Program{
		{Language: "javascript", Source: "x", Stdin: []byte("a")},
		{Language: "typescript", Source: "y", Stdin: []byte("b")},
	})
	if err != nil {
		t.Fatalf("RunBatch: %v", err)
	}
	if string(results[0].Stdout) != "a" || string(results[1].Stdout) != "b" {
		t.Errorf("results %q %q", results[0].Stdout, results[1].Stdout)
	}
	if got := f.count("POST /submissions"); got != 2 {
		t.Errorf("single creates = %d, want 2", got)
	}
	if got := f.count("GET /submissions/:token"); got != 6 {
		t.Errorf("single polls = %d, want 6 (three rounds of two)", got)
	}
	if got := f.count("POST /submissions/batch") + f.count("GET /submissions/batch"); got != 0 {
		t.Errorf("%d batch requests in single mode", got)
	}
	for _, r := range f.allRequests() {
		if r.Method == http.MethodPost && !slices.Equal(r.Query["wait"], []string{"false"}) {
			t.Errorf("POST %s wait=%v, want false", r.Path, r.Query["wait"])
		}
	}
}

func TestJudge0Callback(t *testing.T) {
	f := newFakeJudge0(t)
	cb := httptest.NewUnstartedServer(nil)
	callbackURL := "http://" + cb.Listener.Addr().String() + "/judge0/callback/unguessable"
	j := newTestJudge0(t, f, func(c *Judge0Config) {
		c.CallbackURL = callbackURL
		c.MaxPollInterval = time.Hour // without the callback the test would hang
	})
	cb.Config.Handler = j.CallbackHandler()
	cb.Start()
	defer cb.Close()
	f.setVerdict(func(fakeSubmission) fakeVerdict {
		return fakeVerdict{Never: true, Status: 3, Stdout: []byte("done\n"), ExitCode: judge0Int(0)}
	})

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	done := make(chan error, 1)
	var result Result
	go func() {
		var err error
		result, err = j.RunProgram(ctx, Program{Language: "python", Source: "print('done')"})
		done <- err
	}()
	// The first poll comes after PollInterval, once the driver listens for callbacks.
	for len(f.tokens()) == 0 || f.polls(f.tokens()[0]) == 0 {
		select {
		case err := <-done:
			t.Fatalf("RunProgram ended before the submission finished: %v", err)
		case <-time.After(time.Millisecond):
		}
	}
	token := f.tokens()[0]
	if got := f.submissions()[0].Raw["callback_url"]; got != callbackURL {
		t.Errorf("callback_url = %v, want %s", got, callbackURL)
	}
	f.finish(token)
	if err := <-done; err != nil {
		t.Fatalf("RunProgram: %v", err)
	}
	if result.Outcome != OutcomeExited || string(result.Stdout) != "done\n" {
		t.Errorf("result %+v", result)
	}

	for _, c := range []struct {
		method, body string
		want         int
	}{
		{http.MethodGet, "", http.StatusMethodNotAllowed},
		{http.MethodPut, "not json", http.StatusBadRequest},
		{http.MethodPut, `{"status":{"id":3}}`, http.StatusBadRequest},
		{http.MethodPut, `{"token":"unknown","status":{"id":3}}`, http.StatusNoContent},
	} {
		req, _ := http.NewRequest(c.method, callbackURL, strings.NewReader(c.body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != c.want {
			t.Errorf("%s %q → %d, want %d", c.method, c.body, resp.StatusCode, c.want)
		}
	}
}

func TestJudge0Concurrent(t *testing.T) {
	f := newFakeJudge0(t)
	j := newTestJudge0(t, f, nil)
	f.setVerdict(func(s fakeSubmission) fakeVerdict {
		return fakeVerdict{Queued: 2, Status: 3, Stdout: s.Stdin, ExitCode: judge0Int(0)}
	})
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			in := []byte{byte('a' + i)}
			r, err := j.RunProgram(context.Background(), Program{Language: "go", Source: "package main", Stdin: in})
			if err != nil || !bytes.Equal(r.Stdout, in) {
				t.Errorf("run %d: %v %q", i, err, r.Stdout)
			}
		})
	}
	wg.Wait()
}

func TestJudge0RunnerMethods(t *testing.T) {
	f := newFakeJudge0(t)
	j := newTestJudge0(t, f, nil)
	if j.Name() != "judge0" {
		t.Errorf("Name = %q", j.Name())
	}
	_, err := j.Run(context.Background(), nil, Exec{Argv: []string{"python3", "main.py"}})
	if !errors.Is(err, ErrNeedsProgram) || !errors.Is(err, errors.ErrUnsupported) {
		t.Errorf("Run: %v, want ErrNeedsProgram and errors.ErrUnsupported", err)
	}
	_, err = j.RunIn(context.Background(), "/tmp/ws", Exec{Argv: []string{"ls"}})
	if !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), "local") {
		t.Errorf("RunIn: %v, want ErrUnavailable pointing at the local driver", err)
	}
	if results, err := j.RunBatch(context.Background(), nil); err != nil || results != nil {
		t.Errorf("empty batch: %v %v", results, err)
	}
	if n := len(f.allRequests()); n != 0 {
		t.Errorf("%d requests for nothing to run", n)
	}
}

func TestJudge0RefusesBadProgramsBeforeAsking(t *testing.T) {
	f := newFakeJudge0(t)
	j := newTestJudge0(t, f, nil)
	for name, p := range map[string]Program{
		"unknown language": {Language: "rust", Source: "fn main() {}"},
		"blank source":     {Language: "python", Source: " \n"},
		"escaping file":    {Language: "python", Source: "x", Files: []File{{Path: "../etc/passwd"}}},
		"absolute file":    {Language: "python", Source: "x", Files: []File{{Path: "/etc/passwd"}}},
		"duplicate file":   {Language: "python", Source: "x", Files: []File{{Path: "a.py"}, {Path: "./a.py"}}},
	} {
		_, err := j.RunBatch(context.Background(), []Program{{Language: "python", Source: "ok"}, p})
		if err == nil || !strings.Contains(err.Error(), "program 1") {
			t.Errorf("%s: err = %v, want an error naming program 1", name, err)
		}
	}
	if n := len(f.allRequests()); n != 0 {
		t.Errorf("%d requests sent for programs that cannot run", n)
	}
}

func TestNewJudge0(t *testing.T) {
	for name, cfg := range map[string]Judge0Config{
		"no base URL":        {},
		"relative base URL":  {BaseURL: "judge0:2358"},
		"ftp base URL":       {BaseURL: "ftp://judge0"},
		"bad callback URL":   {BaseURL: "http://judge0:2358", CallbackURL: "not a url"},
		"zero language id":   {BaseURL: "http://judge0:2358", LanguageIDs: map[string]int{"python": 0}},
		"negative lang id":   {BaseURL: "http://judge0:2358", LanguageIDs: map[string]int{"go": -1}},
		"callback no scheme": {BaseURL: "http://judge0:2358", CallbackURL: "/judge0/cb"},
	} {
		if _, err := NewJudge0(cfg); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	j, err := NewJudge0(Judge0Config{BaseURL: "https://judge0.example:2358/api", LanguageIDs: map[string]int{"python": 92}})
	if err != nil {
		t.Fatal(err)
	}
	if j.langs["python"] != 92 || j.langs["go"] != 60 || j.cfg.BatchSize != 20 || j.cfg.AuthHeader != "X-Auth-Token" {
		t.Errorf("defaults not applied: %+v %+v", j.langs, j.cfg)
	}
}

func TestJudge0Check(t *testing.T) {
	f := newFakeJudge0(t)
	if err := newTestJudge0(t, f, nil).Check(context.Background()); err != nil {
		t.Errorf("Check: %v", err)
	}
	err := newTestJudge0(t, f, func(c *Judge0Config) { c.LanguageIDs = map[string]int{"python": 92} }).Check(context.Background())
	if !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), "python (id 92)") {
		t.Errorf("Check with a missing language: %v", err)
	}
	err = newTestJudge0(t, f, func(c *Judge0Config) { c.AuthToken = "wrong" }).Check(context.Background())
	var je *Judge0Error
	if !errors.Is(err, ErrUnavailable) || !errors.As(err, &je) || je.StatusCode != http.StatusUnauthorized {
		t.Errorf("Check with a wrong token: %v", err)
	}
}
