package sandbox

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/interviewlm/interviewlm/domain"
)

func TestTestsStdioComparison(t *testing.T) {
	cases := []struct {
		actual, expected string
		equal            bool
	}{
		{"3\n", "3", true},
		{"3 \t\r\n\n\n", "3", true},
		{"a  \nb\r\nc", "a\nb\nc\n", true},
		{"", "\n\n", true},
		{" 3", "3", false},
		{"a\n\nb", "a\nb", false},
		{"3", "4", false},
		{"héllo ✓\n", "héllo ✓", true},
	}
	for _, c := range cases {
		if got := normalizeOutput(c.actual) == normalizeOutput(c.expected); got != c.equal {
			t.Errorf("%q against %q: equal %v, want %v", c.actual, c.expected, got, c.equal)
		}
	}
}

func TestTestsJSONComparison(t *testing.T) {
	cases := []struct {
		actual, expected string
		equal            bool
	}{
		{`[0,1]`, `[0, 1]`, true},
		{`{"b":1,"a":[true,null]}`, `{"a": [true, null], "b": 1}`, true},
		{`2`, `2.0`, true},
		{`1e3`, `1000`, true},
		{`0.30000000000000004`, `0.3`, true},
		{`0.3001`, `0.3`, false},
		{`9007199254740993`, `9007199254740992`, false},
		{`-0`, `0`, true},
		{`"2"`, `2`, false},
		{`true`, `1`, false},
		{`null`, `[]`, false},
		{`[1,2]`, `[2,1]`, false},
		{`{"a":1}`, `{"a":1,"b":2}`, false},
		{`{"a":1,"c":2}`, `{"a":1,"b":2}`, false},
		{`"héllo ✓"`, `"h\u00e9llo \u2713"`, true},
		{`[1]`, `[1] [2]`, false},
		{`hello`, `hello`, true},
		{`"hello"`, `hello`, false},
	}
	for _, c := range cases {
		if got := jsonEqual(c.actual, c.expected); got != c.equal {
			t.Errorf("%s against %s: equal %v, want %v", c.actual, c.expected, got, c.equal)
		}
	}
}

func TestTestsClip(t *testing.T) {
	if got := clip("héllo", 2, true); got != "h\n… (cut)" {
		t.Errorf("start of a string cut inside a rune: %q", got)
	}
	if got := clip("abc✓", 2, false); got != "(cut) …\n" {
		t.Errorf("end of a string cut inside a rune: %q", got)
	}
	if got := clip("ok\xff\n\n", 10, true); got != "ok\uFFFD" {
		t.Errorf("invalid UTF-8: %q", got)
	}
	if got := lastLine([]byte("debug\n[1,2]\n\n")); got != "[1,2]" {
		t.Errorf("lastLine: %q", got)
	}
}

// TestTestsVerdicts maps each way a run can end to its verdict, without a sandbox.
func TestTestsVerdicts(t *testing.T) {
	lim := defaultTestLimits
	stdio := domain.TestCase{Name: "t", ExpectedOutput: "ok"}
	cases := []struct {
		name string
		lang string
		res  Result
		want domain.Verdict
	}{
		{"passed", "python", Result{Outcome: OutcomeExited, Stdout: []byte("ok\n")}, domain.VerdictPassed},
		{"wrong", "python", Result{Outcome: OutcomeExited, Stdout: []byte("no")}, domain.VerdictWrongAnswer},
		{"exit code", "python", Result{Outcome: OutcomeExited, ExitCode: 1, Stdout: []byte("ok")}, domain.VerdictRuntimeError},
		{"signal", "go", Result{Outcome: OutcomeSignaled, Signal: "SIGSEGV", ExitCode: 139}, domain.VerdictRuntimeError},
		{"timeout", "go", Result{Outcome: OutcomeTimeout}, domain.VerdictTimeout},
		{"oom killer", "go", Result{Outcome: OutcomeMemoryLimit}, domain.VerdictMemoryLimit},
		{"MemoryError", "python", Result{Outcome: OutcomeExited, ExitCode: 1, Stderr: []byte("Traceback…\nMemoryError\n")}, domain.VerdictMemoryLimit},
		{"node heap", "javascript", Result{Outcome: OutcomeSignaled, Signal: "SIGABRT", Stderr: []byte("FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory")}, domain.VerdictMemoryLimit},
		{"go heap", "go", Result{Outcome: OutcomeExited, ExitCode: 2, Stderr: []byte("fatal error: runtime: out of memory")}, domain.VerdictMemoryLimit},
		{"output", "python", Result{Outcome: OutcomeOutputLimit, Truncated: true}, domain.VerdictOutputLimit},
		{"truncated", "python", Result{Outcome: OutcomeExited, Truncated: true, Stdout: []byte("ok")}, domain.VerdictOutputLimit},
		{"judge0 compile", "go", Result{Outcome: OutcomeCompileError, Stderr: []byte("x.go:1: bad")}, domain.VerdictCompileError},
	}
	for _, c := range cases {
		got, err := judge(stdio, domain.TestModeStdio, languages[c.lang], c.res, lim)
		if err != nil || got.Verdict != c.want || got.Passed != (c.want == domain.VerdictPassed) {
			t.Errorf("%s: %+v, %v; want %s", c.name, got, err, c.want)
		}
	}
	if _, err := judge(stdio, domain.TestModeStdio, languages["go"], Result{Outcome: OutcomeSandboxError}, lim); err == nil {
		t.Error("a sandbox error became a verdict")
	}
	fn := domain.TestCase{Name: "f", ExpectedOutput: "[1, 2]"}
	got, _ := judge(fn, domain.TestModeFunction, languages["python"], Result{Outcome: OutcomeExited, Stdout: []byte("noise\n[1,2]\n")}, lim)
	if got.Verdict != domain.VerdictPassed || got.ActualOutput != "[1,2]" {
		t.Errorf("function mode: %+v", got)
	}
	got, _ = judge(fn, domain.TestModeFunction, languages["python"], Result{Outcome: OutcomeExited}, lim)
	if got.Verdict != domain.VerdictRuntimeError {
		t.Errorf("function mode, no result: %+v", got)
	}
}

// TestTestsComposeGo: the package clause is fixed on its own line, so that the compiler's
// line numbers are the candidate's.
func TestTestsComposeGo(t *testing.T) {
	cases := []struct{ code, firstLine string }{
		{"package main\n\nfunc main() {}\n", "package main;\n"},
		{"// Package x.\npackage solution // the bank's\n\nfunc f() {}\n", "// Package x.\npackage main; // the bank's\n"},
		{"func f() {}\n", "package main; func f() {}\n"},
	}
	for _, c := range cases {
		got := composeGo(c.code, domain.TestModeStdio, "")
		if !strings.HasPrefix(got, c.firstLine) || strings.Count(got, "\n") != strings.Count(c.code, "\n") {
			t.Errorf("composeGo(%q) = %q", c.code, got)
		}
	}
	got := composeGo("package main\n\nfunc main() { println(1) }\n\nfunc f() int { return 1 }\n", domain.TestModeFunction, "f")
	lines := strings.Split(got, "\n")
	if !strings.HasPrefix(lines[0], "package main; import (") || lines[2] != "func interviewlmUserMain() { println(1) }" ||
		!strings.Contains(got, "var interviewlmEntry interface{} = f\n") {
		t.Errorf("function mode:\n%s", got)
	}
}

// benchPrograms are trivial solutions: add two numbers.
var benchPrograms = map[domain.TestMode]map[string]string{
	domain.TestModeStdio: {
		"python":     "a, b = map(int, input().split())\nprint(a + b)\n",
		"javascript": "const [a, b] = require(\"fs\").readFileSync(0, \"utf8\").trim().split(\" \").map(Number);\nconsole.log(a + b);\n",
		"typescript": "import { readFileSync } from \"fs\";\nconst [a, b]: number[] = readFileSync(0, \"utf8\").trim().split(\" \").map(Number);\nconsole.log(a + b);\n",
		"go":         "package main\n\nimport \"fmt\"\n\nfunc main() {\n\tvar a, b int\n\tfmt.Scan(&a, &b)\n\tfmt.Println(a + b)\n}\n",
	},
	domain.TestModeFunction: {
		"python":     "def add(a, b):\n    return a + b\n",
		"javascript": "function add(a, b) {\n  return a + b;\n}\n",
		"typescript": "function add(a: number, b: number): number {\n  return a + b;\n}\n",
		"go":         "package main\n\nfunc add(a, b int) int {\n\treturn a + b\n}\n",
	},
}

// BenchmarkRunTests runs 10 tests of a trivial solution per language and mode, through the
// local driver: compilation included, and as many tests at once as there are cores. It
// reports the median run (p50-ms), the figure the targets name: Python ≤ 150 ms,
// JavaScript and TypeScript ≤ 250 ms, Go ≤ 600 ms.
func BenchmarkRunTests(b *testing.B) {
	runner := langRunner(b)
	for _, mode := range []domain.TestMode{domain.TestModeStdio, domain.TestModeFunction} {
		for _, lang := range domain.Languages {
			sub := Submission{Language: lang, Code: benchPrograms[mode][lang], Mode: mode, Entrypoint: "add"}
			for i := range 10 {
				input := fmt.Sprintf("%d %d", i, i+1)
				if mode == domain.TestModeFunction {
					input = fmt.Sprintf("[%d, %d]", i, i+1)
				}
				sub.Tests = append(sub.Tests, domain.TestCase{Name: fmt.Sprint(i), Input: input, ExpectedOutput: fmt.Sprint(2*i + 1)})
			}
			b.Run(lang+"/"+string(mode), func(b *testing.B) {
				var runs []time.Duration
				for b.Loop() {
					start := time.Now()
					rep, err := RunTests(context.Background(), runner, sub, Options{})
					if err != nil {
						b.Fatal(err)
					}
					if rep.Passed != 10 {
						b.Fatalf("%d of 10 passed: %+v", rep.Passed, rep.Results)
					}
					runs = append(runs, time.Since(start))
				}
				slices.Sort(runs)
				b.ReportMetric(float64(runs[len(runs)/2].Microseconds())/1000, "p50-ms")
				b.ReportMetric(float64(runs[len(runs)*9/10].Microseconds())/1000, "p90-ms")
			})
		}
	}
}

// BenchmarkConcurrentCandidates runs 20 candidates at once, each running 10 Python stdio tests
// again and again: what the machine sustains in test runs per second, and each run's latency.
func BenchmarkConcurrentCandidates(b *testing.B) {
	runner := langRunner(b)
	sub := Submission{Language: "python", Code: benchPrograms[domain.TestModeStdio]["python"], Mode: domain.TestModeStdio}
	for i := range 10 {
		sub.Tests = append(sub.Tests, domain.TestCase{Name: fmt.Sprint(i), Input: fmt.Sprintf("%d %d", i, i+1), ExpectedOutput: fmt.Sprint(2*i + 1)})
	}
	const candidates = 20
	var (
		mu   sync.Mutex
		runs []time.Duration
	)
	start := time.Now()
	total := 0
	for b.Loop() {
		var wg sync.WaitGroup
		for range candidates {
			wg.Go(func() {
				t0 := time.Now()
				rep, err := RunTests(context.Background(), runner, sub, Options{})
				if err != nil || rep.Passed != 10 {
					b.Errorf("run: %v, %d passed", err, rep.Passed)
					return
				}
				mu.Lock()
				runs = append(runs, time.Since(t0))
				mu.Unlock()
			})
		}
		wg.Wait()
		total += candidates
	}
	elapsed := time.Since(start)
	slices.Sort(runs)
	b.ReportMetric(float64(total)/elapsed.Seconds(), "runs/s")
	b.ReportMetric(float64(total*10)/elapsed.Seconds(), "tests/s")
	b.ReportMetric(float64(runs[len(runs)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(runs[len(runs)*99/100].Microseconds())/1000, "p99-ms")
}
