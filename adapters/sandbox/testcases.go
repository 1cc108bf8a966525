package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/big"
	"runtime"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/interviewlm/interviewlm/domain"
)

// MaxCodeBytes bounds a submission's source.
const MaxCodeBytes = 1 << 20

// What a test result keeps of a program's output: enough to debug with, little enough that a
// test_run event stays small. The error keeps the end of stderr, where tracebacks end.
const (
	maxActualOutput = 16 << 10
	maxErrorText    = 4 << 10
)

// Submission is code to run against test cases.
type Submission struct {
	// Language is one of domain.Languages.
	Language string
	Code     string
	// FileName is the candidate's file; the sandbox uses it when it is a plain name with the
	// language's extension, so that errors name the file they edit.
	FileName string
	Mode     domain.TestMode
	// Entrypoint is the function the tests call in TestModeFunction.
	Entrypoint string
	Tests      []domain.TestCase
}

// Options tune a test run. Zero fields take the defaults given.
type Options struct {
	// Limits bound each test's run (defaults: 10 s wall, 5 s CPU, 256 MiB, 64 processes, 1 MiB
	// of output, 16 MiB files, 256 open files).
	Limits Limits
	// CompileLimits bound the compile step of TypeScript and Go (defaults: 30 s wall, 60 s CPU,
	// 1 GiB, 256 processes, 64 MiB of output — the Go binary comes back on stdout — 256 MiB
	// files, 1024 open files).
	CompileLimits Limits
	// Parallelism is how many tests run at once (default runtime.NumCPU()).
	Parallelism int
	// Toolchain locates the interpreters and compilers.
	Toolchain Toolchain
}

var defaultTestLimits = Limits{
	WallTime: 10 * time.Second, CPUTime: 5 * time.Second, MemoryBytes: 256 << 20, Processes: 64,
	OutputBytes: 1 << 20, FileBytes: 16 << 20, OpenFiles: 256,
}

var defaultCompileLimits = Limits{
	WallTime: 30 * time.Second, CPUTime: 60 * time.Second, MemoryBytes: 1 << 30, Processes: 256,
	OutputBytes: 64 << 20, FileBytes: 256 << 20, OpenFiles: 1024,
}

// or fills l's zero fields from d.
func (l Limits) or(d Limits) Limits {
	if l.WallTime == 0 {
		l.WallTime = d.WallTime
	}
	if l.CPUTime == 0 {
		l.CPUTime = d.CPUTime
	}
	if l.MemoryBytes == 0 {
		l.MemoryBytes = d.MemoryBytes
	}
	if l.Processes == 0 {
		l.Processes = d.Processes
	}
	if l.OutputBytes == 0 {
		l.OutputBytes = d.OutputBytes
	}
	if l.FileBytes == 0 {
		l.FileBytes = d.FileBytes
	}
	if l.OpenFiles == 0 {
		l.OpenFiles = d.OpenFiles
	}
	return l
}

// Report is the outcome of a test run, in the shape of domain.TestRun.
type Report struct {
	Passed, Failed, Total int
	// Results are in the order of the submission's tests.
	Results []domain.TestResult
	// ExecutionTimeMs is the run's wall time, compilation included.
	ExecutionTimeMs int64
}

// RunTests runs a submission's tests in runner and judges each. A *domain.ValidationError is
// a submission that cannot run (unknown language, bad entrypoint, a test input that is not a
// JSON array in function mode); code that does not compile is a compile_error verdict on
// every test, not an error. An error wrapping ErrUnavailable names a missing toolchain; any
// other error is the sandbox failing, and no verdict stands.
//
// Each test runs in its own sandbox, up to Options.Parallelism at once. TypeScript and Go are
// compiled once, in the sandbox, before the tests. Drivers that implement ProgramRunner
// (Judge0) get the source instead and compile it themselves.
func RunTests(ctx context.Context, runner Runner, sub Submission, opts Options) (Report, error) {
	start := time.Now()
	lang, err := validate(&sub)
	if err != nil {
		return Report{}, err
	}
	report := Report{Total: len(sub.Tests), Results: make([]domain.TestResult, len(sub.Tests))}
	if len(sub.Tests) == 0 {
		return report, nil
	}
	limits := opts.Limits.or(defaultTestLimits)

	var outcomes []Result
	var compileErr *CompileError
	if pr, ok := runner.(ProgramRunner); ok {
		outcomes, err = runRemote(ctx, pr, lang, &sub, limits)
	} else {
		outcomes, err = runLocal(ctx, runner, lang, &sub, opts, limits)
	}
	if !errors.As(err, &compileErr) && err != nil {
		return Report{}, err
	}

	for i, tc := range sub.Tests {
		var res domain.TestResult
		if compileErr != nil {
			res = domain.TestResult{Name: tc.Name, Hidden: tc.Hidden, Verdict: domain.VerdictCompileError,
				ExpectedOutput: tc.ExpectedOutput, Error: clip(compileErr.Message, maxErrorText, false)}
		} else if res, err = judge(tc, sub.Mode, lang, outcomes[i], limits); err != nil {
			return Report{}, fmt.Errorf("test %q: %w", tc.Name, err)
		}
		report.Results[i] = res
		if res.Passed {
			report.Passed++
		} else {
			report.Failed++
		}
	}
	report.ExecutionTimeMs = time.Since(start).Milliseconds()
	return report, nil
}

// validate checks what the caller must get right, so that a bad request is an error and not
// a verdict on every test.
func validate(sub *Submission) (*language, error) {
	lang, ok := languages[sub.Language]
	if !ok {
		return nil, &domain.ValidationError{Field: "language", Message: "must be one of " + strings.Join(domain.Languages, ", ")}
	}
	if len(sub.Code) > MaxCodeBytes {
		return nil, &domain.ValidationError{Field: "code", Message: fmt.Sprintf("must be at most %d bytes", MaxCodeBytes)}
	}
	switch sub.Mode {
	case domain.TestModeStdio:
	case domain.TestModeFunction:
		if !domain.ValidEntrypoint(sub.Language, sub.Entrypoint) {
			return nil, &domain.ValidationError{Field: "entrypoint", Message: "must name a function of the solution"}
		}
		for _, tc := range sub.Tests {
			if strings.TrimSpace(tc.Input) == "" {
				continue
			}
			var args []json.RawMessage
			if err := json.Unmarshal([]byte(tc.Input), &args); err != nil {
				return nil, &domain.ValidationError{Field: "testCases", Message: fmt.Sprintf("test %q: input must be a JSON array of arguments", tc.Name)}
			}
		}
	default:
		return nil, &domain.ValidationError{Field: "mode", Message: "must be stdio or function"}
	}
	return lang, nil
}

// runLocal prepares the submission (compiling it once when the language needs it) and runs
// each test in its own sandbox, in parallel. A *CompileError stops it before any test runs.
func runLocal(ctx context.Context, runner Runner, lang *language, sub *Submission, opts Options, limits Limits) ([]Result, error) {
	tc := opts.Toolchain.withDefaults()
	if err := lang.check(tc); err != nil {
		return nil, err
	}
	exe, err := lang.prepare(ctx, runner, tc, sub, opts.CompileLimits.or(defaultCompileLimits))
	if err != nil {
		return nil, err
	}
	parallel := opts.Parallelism
	if parallel <= 0 {
		parallel = runtime.NumCPU()
	}
	parallel = min(parallel, len(sub.Tests))

	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	results := make([]Result, len(sub.Tests))
	next := make(chan int)
	var wg sync.WaitGroup
	for range parallel {
		wg.Go(func() {
			for i := range next {
				res, err := runner.Run(ctx, exe.files, Exec{Argv: exe.argv, Stdin: []byte(sub.Tests[i].Input), Limits: limits})
				if err != nil {
					cancel(fmt.Errorf("test %q: %w", sub.Tests[i].Name, err))
					continue
				}
				results[i] = res
			}
		})
	}
feed:
	for i := range sub.Tests {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		return nil, err
	}
	return results, nil
}

// runRemote hands the driver one program per test, in one batch.
func runRemote(ctx context.Context, pr ProgramRunner, lang *language, sub *Submission, limits Limits) ([]Result, error) {
	// The program is the same for every test (the harness reads the test from stdin): build
	// it once, then give each test its copy.
	base, err := lang.remote(sub)
	if err != nil {
		return nil, err
	}
	programs := make([]Program, len(sub.Tests))
	for i, tc := range sub.Tests {
		programs[i] = base
		programs[i].Stdin, programs[i].Limits = []byte(tc.Input), limits
	}
	results, err := pr.RunBatch(ctx, programs)
	if err != nil {
		return nil, err
	}
	if len(results) != len(programs) {
		return nil, fmt.Errorf("sandbox: %d results for %d programs", len(results), len(programs))
	}
	// The driver compiles with each program; one compile error is the code's, for every test.
	for _, r := range results {
		if r.Outcome == OutcomeCompileError {
			return nil, &CompileError{Message: strings.TrimSpace(string(r.Stderr))}
		}
	}
	return results, nil
}

// judge turns what a test's run did into its verdict. An error means the sandbox failed and
// the run says nothing about the code.
func judge(tc domain.TestCase, mode domain.TestMode, lang *language, r Result, limits Limits) (domain.TestResult, error) {
	res := domain.TestResult{
		Name: tc.Name, Hidden: tc.Hidden, DurationMs: r.Duration.Milliseconds(), ExpectedOutput: tc.ExpectedOutput,
		ActualOutput: clip(string(r.Stdout), maxActualOutput, true),
	}
	stderr := string(r.Stderr)
	outOfMemory := false
	for _, m := range lang.outOfMemory {
		outOfMemory = outOfMemory || strings.Contains(stderr, m)
	}
	switch {
	case r.Outcome == OutcomeSandboxError:
		return res, fmt.Errorf("sandbox: %s", strings.TrimSpace(stderr))
	case r.Outcome == OutcomeTimeout:
		res.Verdict, res.Error = domain.VerdictTimeout, fmt.Sprintf("time limit exceeded (%s wall, %s CPU)", limits.WallTime, limits.CPUTime)
	case r.Outcome == OutcomeMemoryLimit || (outOfMemory && (r.Outcome == OutcomeSignaled || r.ExitCode != 0)):
		res.Verdict, res.Error = domain.VerdictMemoryLimit, fmt.Sprintf("memory limit exceeded (%d MiB)", limits.MemoryBytes>>20)
	case r.Outcome == OutcomeOutputLimit || r.Truncated:
		res.Verdict, res.Error = domain.VerdictOutputLimit, fmt.Sprintf("output limit exceeded (%d bytes)", limits.OutputBytes)
	case r.Outcome == OutcomeCompileError:
		res.Verdict, res.Error = domain.VerdictCompileError, clip(stderr, maxErrorText, false)
	case r.Outcome == OutcomeSignaled:
		res.Verdict, res.Error = domain.VerdictRuntimeError, strings.TrimSpace("killed by "+r.Signal+"\n"+clip(stderr, maxErrorText, false))
	case r.Outcome != OutcomeExited:
		return res, fmt.Errorf("sandbox: unknown outcome %q", r.Outcome)
	case r.ExitCode != 0:
		res.Verdict, res.Error = domain.VerdictRuntimeError, clip(stderr, maxErrorText, false)
		if res.Error == "" {
			res.Error = fmt.Sprintf("exit status %d", r.ExitCode)
		}
	case mode == domain.TestModeFunction:
		line := lastLine(r.Stdout)
		res.ActualOutput = clip(line, maxActualOutput, true)
		if line == "" {
			res.Verdict, res.Error = domain.VerdictRuntimeError, "the program exited before the function returned"
		} else if jsonEqual(line, tc.ExpectedOutput) {
			res.Verdict, res.Passed = domain.VerdictPassed, true
		} else {
			res.Verdict = domain.VerdictWrongAnswer
		}
	default:
		if normalizeOutput(string(r.Stdout)) == normalizeOutput(tc.ExpectedOutput) {
			res.Verdict, res.Passed = domain.VerdictPassed, true
		} else {
			res.Verdict = domain.VerdictWrongAnswer
		}
	}
	return res, nil
}

// normalizeOutput drops trailing whitespace from every line (a \r included) and trailing
// blank lines, so that a stray space or missing final newline is not a wrong answer.
func normalizeOutput(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " \t\r\v\f")
	}
	return strings.TrimRight(strings.Join(lines, "\n"), "\n")
}

// lastLine is the last non-blank line of out: the harness's result, after anything the
// candidate wrote to stdout behind the harness's back.
func lastLine(out []byte) string {
	out = bytes.TrimRight(out, " \t\r\n")
	if i := bytes.LastIndexByte(out, '\n'); i >= 0 {
		out = out[i+1:]
	}
	return strings.TrimSpace(string(out))
}

// clip keeps at most n bytes of s, valid UTF-8: the start (output) or the end (an error,
// whose last lines say what happened).
func clip(s string, n int, keepStart bool) string {
	s = strings.ToValidUTF8(strings.TrimRight(s, " \t\r\n"), "\uFFFD")
	if len(s) <= n {
		return s
	}
	if keepStart {
		cut := n
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		return s[:cut] + "\n… (cut)"
	}
	cut := len(s) - n
	for cut < len(s) && !utf8.RuneStart(s[cut]) {
		cut++
	}
	return "(cut) …\n" + s[cut:]
}

// jsonEqual compares two JSON texts as values: object keys in any order, numbers by value
// (1 equals 1.0; non-integers within a relative 1e-9, so floating-point noise such as
// 0.30000000000000004 is not a wrong answer). An expected output that is not JSON is
// compared as text.
func jsonEqual(actual, expected string) bool {
	e, err := decodeJSON(expected)
	if err != nil {
		return normalizeOutput(actual) == normalizeOutput(expected)
	}
	a, err := decodeJSON(actual)
	return err == nil && valuesEqual(a, e)
}

func decodeJSON(s string) (any, error) {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, errors.New("more than one JSON value")
	}
	return v, nil
}

func valuesEqual(a, b any) bool {
	switch x := a.(type) {
	case nil:
		return b == nil
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	case string:
		y, ok := b.(string)
		return ok && x == y
	case json.Number:
		y, ok := b.(json.Number)
		return ok && numbersEqual(x, y)
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !valuesEqual(x[i], y[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, xv := range x {
			yv, ok := y[k]
			if !ok || !valuesEqual(xv, yv) {
				return false
			}
		}
		return true
	}
	return false
}

func numbersEqual(a, b json.Number) bool {
	if isInteger(a) && isInteger(b) {
		// Exactly: a 64-bit answer must not pass for its float64 neighbour.
		x, okx := new(big.Int).SetString(string(a), 10)
		y, oky := new(big.Int).SetString(string(b), 10)
		return okx && oky && x.Cmp(y) == 0
	}
	x, errx := a.Float64()
	y, erry := b.Float64()
	if errx != nil || erry != nil {
		return false
	}
	if x == y {
		return true
	}
	scale := math.Max(1, math.Max(math.Abs(x), math.Abs(y)))
	return math.Abs(x-y) <= 1e-9*scale
}

func isInteger(n json.Number) bool { return !strings.ContainsAny(string(n), ".eE") }
