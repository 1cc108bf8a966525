package sandbox

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/interviewlm/interviewlm/domain"
)

// The tests here run submissions through the real local driver: bubblewrap, cgroups, the
// languages' real toolchains (.ci/ensure-languages installs them).

var langLocal = sync.OnceValues(func() (*Local, error) { return NewLocal(LocalConfig{}) })

func langRunner(t testing.TB) Runner {
	t.Helper()
	l, err := langLocal()
	if err != nil {
		t.Fatalf("the local sandbox is needed (.ci/ensure-sandbox): %v", err)
	}
	for _, lang := range domain.Languages {
		if err := languages[lang].check(Toolchain{}.withDefaults()); err != nil {
			t.Fatalf("%s: %v", lang, err)
		}
	}
	return l
}

// langRun runs sub's tests and checks each test's verdict, in order.
func langRun(t *testing.T, sub Submission, opts Options, want ...domain.Verdict) Report {
	t.Helper()
	rep, err := RunTests(context.Background(), langRunner(t), sub, opts)
	if err != nil {
		t.Fatalf("RunTests: %v", err)
	}
	if len(rep.Results) != len(want) || rep.Total != len(want) {
		t.Fatalf("%d results (total %d), want %d", len(rep.Results), rep.Total, len(want))
	}
	passed := 0
	for i, r := range rep.Results {
		if r.Verdict != want[i] {
			t.Errorf("test %q: verdict %s, want %s\nactual: %q\nerror: %s", r.Name, r.Verdict, want[i], r.ActualOutput, r.Error)
		}
		if r.Passed != (r.Verdict == domain.VerdictPassed) {
			t.Errorf("test %q: passed %v with verdict %s", r.Name, r.Passed, r.Verdict)
		}
		if r.Name != sub.Tests[i].Name || r.Hidden != sub.Tests[i].Hidden {
			t.Errorf("result %d is %q (hidden %v), want test %q", i, r.Name, r.Hidden, sub.Tests[i].Name)
		}
		if r.Passed {
			passed++
		}
	}
	if rep.Passed != passed || rep.Failed != len(want)-passed {
		t.Errorf("totals: passed %d failed %d, want %d and %d", rep.Passed, rep.Failed, passed, len(want)-passed)
	}
	return rep
}

// stdioTests: the program reads two integers and prints their sum, then a line of non-ASCII
// text; the second test expects a wrong sum, the third is hidden and has trailing blanks.
var stdioTests = []domain.TestCase{
	{Name: "small", Input: "1 2\n", ExpectedOutput: "3\nhéllo, 世界 ✓ 🚀\n"},
	{Name: "wrong", Input: "2 2\n", ExpectedOutput: "5\nhéllo, 世界 ✓ 🚀"},
	{Name: "large", Input: "40000000000 2", ExpectedOutput: "40000000002   \r\nhéllo, 世界 ✓ 🚀\n\n\n", Hidden: true},
}

var stdioPrograms = map[string]string{
	"python": `import sys
a, b = map(int, sys.stdin.read().split())
print(a + b)
print("héllo, 世界 ✓ 🚀")
`,
	"javascript": `const [a, b] = require("fs").readFileSync(0, "utf8").trim().split(/\s+/).map(Number);
console.log(a + b);
console.log("héllo, 世界 ✓ 🚀");
`,
	"typescript": `import { readFileSync } from "fs";
const [a, b]: number[] = readFileSync(0, "utf8").trim().split(/\s+/).map(Number);
const greet = (s: string): string => s;
console.log(a + b);
console.log(greet("héllo, 世界 ✓ 🚀"));
`,
	"go": `package main

import "fmt"

func main() {
	var a, b int64
	fmt.Scan(&a, &b)
	fmt.Println(a + b)
	fmt.Println("héllo, 世界 ✓ 🚀")
}
`,
}

func TestLangStdio(t *testing.T) {
	for _, lang := range domain.Languages {
		t.Run(lang, func(t *testing.T) {
			t.Parallel()
			rep := langRun(t, Submission{Language: lang, Code: stdioPrograms[lang], Mode: domain.TestModeStdio, Tests: stdioTests},
				Options{}, domain.VerdictPassed, domain.VerdictWrongAnswer, domain.VerdictPassed)
			if got := rep.Results[0].ActualOutput; got != "3\nhéllo, 世界 ✓ 🚀" {
				t.Errorf("actual output %q", got)
			}
			if got := rep.Results[1].ExpectedOutput; got != stdioTests[1].ExpectedOutput {
				t.Errorf("expected output %q", got)
			}
		})
	}
}

// functionTests call twoSum(nums, target): indices of the two numbers adding up to target.
// The last expects an object back from describe, a second entrypoint.
var functionTests = []domain.TestCase{
	{Name: "basic", Input: `[[2, 7, 11, 15], 9]`, ExpectedOutput: `[0, 1]`},
	{Name: "wrong", Input: `[[3, 2, 4], 6]`, ExpectedOutput: `[0, 2]`},
	{Name: "none", Input: `[[1, 2], 10]`, ExpectedOutput: "[]", Hidden: true},
}

var functionPrograms = map[string]string{
	"python": `def twoSum(nums, target):
    print("debugging to stdout does not break the result")
    seen = {}
    for i, n in enumerate(nums):
        if target - n in seen:
            return [seen[target - n], i]
        seen[n] = i
    return []

if __name__ == "__main__":
    print(twoSum([1, 2], 3))
`,
	"javascript": `function twoSum(nums, target) {
  console.log("debugging to stdout does not break the result");
  const seen = new Map();
  for (let i = 0; i < nums.length; i++) {
    if (seen.has(target - nums[i])) return [seen.get(target - nums[i]), i];
    seen.set(nums[i], i);
  }
  return [];
}
`,
	"typescript": `export function twoSum(nums: number[], target: number): number[] {
  console.log("debugging to stdout does not break the result");
  const seen = new Map<number, number>();
  for (let i = 0; i < nums.length; i++) {
    const j = seen.get(target - nums[i]);
    if (j !== undefined) return [j, i];
    seen.set(nums[i], i);
  }
  return [];
}
`,
	"go": `package solution

import "fmt"

func twoSum(nums []int, target int) []int {
	fmt.Println("debugging to stdout does not break the result")
	seen := map[int]int{}
	for i, n := range nums {
		if j, ok := seen[target-n]; ok {
			return []int{j, i}
		}
		seen[n] = i
	}
	return nil // an empty list to the tests
}

func main() {
	fmt.Println(twoSum([]int{1, 2}, 3))
}
`,
}

func TestLangFunction(t *testing.T) {
	for _, lang := range domain.Languages {
		t.Run(lang, func(t *testing.T) {
			t.Parallel()
			rep := langRun(t, Submission{Language: lang, Code: functionPrograms[lang], FileName: "src/two" + domain.Extension(lang),
				Mode: domain.TestModeFunction, Entrypoint: "twoSum", Tests: functionTests},
				Options{}, domain.VerdictPassed, domain.VerdictWrongAnswer, domain.VerdictPassed)
			if got := rep.Results[0].ActualOutput; got != "[0,1]" {
				t.Errorf("actual output %q, want the return value alone", got)
			}
			if got := rep.Results[2].ActualOutput; got != "[]" {
				t.Errorf("actual output %q, want []", got)
			}
		})
	}
}

// TestLangFunctionValues: JSON values of every kind go in and come back, compared as values:
// key order, 2 against 2.0, floating-point noise.
func TestLangFunctionValues(t *testing.T) {
	programs := map[string]string{
		"python": `class Solution:
    def stats(self, xs, label, opts):
        return {"label": label + "✓", "sum": sum(xs), "mean": sum(xs) / len(xs), "tags": sorted(set(opts["tags"])), "none": None, "ok": True}
`,
		"javascript": `class Solution {
  stats(xs, label, opts) {
    const sum = xs.reduce((a, b) => a + b, 0);
    return { ok: true, none: null, tags: [...new Set(opts.tags)].sort(), mean: sum / xs.length, sum, label: label + "✓" };
  }
}
`,
		"typescript": `interface Opts { tags: string[] }
const stats = async (xs: number[], label: string, opts: Opts) => {
  const sum = xs.reduce((a, b) => a + b, 0);
  return { ok: true, none: null, tags: [...new Set(opts.tags)].sort(), mean: sum / xs.length, sum, label: label + "✓" };
};
`,
		"go": `import "sort"

type Opts struct {
	Tags []string ` + "`json:\"tags\"`" + `
}

type Stats struct {
	Label string   ` + "`json:\"label\"`" + `
	Sum   float64  ` + "`json:\"sum\"`" + `
	Mean  float64  ` + "`json:\"mean\"`" + `
	Tags  []string ` + "`json:\"tags\"`" + `
	None  *int     ` + "`json:\"none\"`" + `
	OK    bool     ` + "`json:\"ok\"`" + `
}

func stats(xs []float64, label string, opts Opts) (*Stats, error) {
	s := &Stats{Label: label + "✓", OK: true}
	seen := map[string]bool{}
	for _, t := range opts.Tags {
		if !seen[t] {
			seen[t] = true
			s.Tags = append(s.Tags, t)
		}
	}
	sort.Strings(s.Tags)
	for _, x := range xs {
		s.Sum += x
	}
	s.Mean = s.Sum / float64(len(xs))
	return s, nil
}
`,
	}
	tests := []domain.TestCase{{
		Name:           "values",
		Input:          `[[0.1, 0.2, 1.7], "héllo", {"tags": ["b", "a", "b"]}]`,
		ExpectedOutput: `{"sum": 2.0, "mean": 0.6666666666666666, "label": "héllo✓", "tags": ["a", "b"], "ok": true, "none": null}`,
	}}
	for _, lang := range domain.Languages {
		t.Run(lang, func(t *testing.T) {
			t.Parallel()
			langRun(t, Submission{Language: lang, Code: programs[lang], Mode: domain.TestModeFunction, Entrypoint: "stats", Tests: tests},
				Options{}, domain.VerdictPassed)
		})
	}
}

func TestLangCompileError(t *testing.T) {
	cases := []struct {
		lang, code, fileName, want string
	}{
		{"typescript", "export function twoSum(nums: number[], target: number): number[] {\n  return [0 1];\n}\n", "main.ts", "main.ts:2:12"},
		{"go", "package main\n\nfunc twoSum(nums []int, target int) []int {\n\tx := 1\n\treturn nil\n}\n", "main.go", "./main.go:4:2: declared and not used: x"},
		{"go", "func solve(nums []int, target int) []int {\n\treturn nil\n}\n", "", "the solution defines no function twoSum"},
	}
	for _, c := range cases {
		t.Run(c.lang, func(t *testing.T) {
			t.Parallel()
			rep := langRun(t, Submission{Language: c.lang, Code: c.code, FileName: c.fileName, Mode: domain.TestModeFunction,
				Entrypoint: "twoSum", Tests: functionTests},
				Options{}, domain.VerdictCompileError, domain.VerdictCompileError, domain.VerdictCompileError)
			for _, r := range rep.Results {
				if !strings.Contains(r.Error, c.want) {
					t.Errorf("error %q, want it to contain %q", r.Error, c.want)
				}
				if r.DurationMs != 0 {
					t.Errorf("a test that never ran took %d ms", r.DurationMs)
				}
			}
		})
	}
}

func TestLangRuntimeError(t *testing.T) {
	cases := []struct {
		lang, mode, code, want string
	}{
		{"python", "function", "def twoSum(nums, target):\n    return nums[10]\n", "IndexError: list index out of range"},
		{"python", "stdio", "import sys\nprint('partial')\nsys.exit(3)\n", "exit status 3"},
		{"javascript", "function", "function twoSum(nums, target) {\n  return nums.missing.length;\n}\n", "TypeError: Cannot read properties of undefined"},
		{"javascript", "function", "function other() {}\n", "no function twoSum"},
		{"typescript", "stdio", "const n: number = 1;\nthrow new Error(\"boom \" + n);\n", "solution.ts:2"},
		{"typescript", "function", "export function twoSum(nums: number[], target: number): number[] {\n  throw new Error(\"no pair\");\n}\n", "solution.ts:2"},
		{"go", "function", "package main\n\nfunc twoSum(nums []int, target int) []int {\n\treturn []int{nums[10]}\n}\n", "index out of range [10]"},
		{"go", "stdio", "package main\n\nfunc main() {\n\tvar m map[string]int\n\tm[\"a\"] = 1\n}\n", "assignment to entry in nil map"},
	}
	for _, c := range cases {
		t.Run(c.lang+"/"+c.mode, func(t *testing.T) {
			t.Parallel()
			rep := langRun(t, Submission{Language: c.lang, Code: c.code, Mode: domain.TestMode(c.mode), Entrypoint: "twoSum",
				Tests: functionTests[:1]}, Options{}, domain.VerdictRuntimeError)
			if r := rep.Results[0]; !strings.Contains(r.Error, c.want) {
				t.Errorf("error %q, want it to contain %q", r.Error, c.want)
			}
		})
	}
}

func TestLangLimits(t *testing.T) {
	limits := Options{Limits: Limits{WallTime: time.Second, CPUTime: time.Second, MemoryBytes: 128 << 20, OutputBytes: 64 << 10}}
	cases := []struct {
		name, lang, code string
		want             domain.Verdict
	}{
		{"timeout", "python", "while True:\n    pass\n", domain.VerdictTimeout},
		{"sleep", "javascript", "setTimeout(() => {}, 60000);\n", domain.VerdictTimeout},
		{"memory", "python", "x = bytearray(1 << 30)\nprint(len(x))\n", domain.VerdictMemoryLimit},
		{"output", "go", "package main\n\nimport \"fmt\"\n\nfunc main() {\n\tfor {\n\t\tfmt.Println(\"spam spam spam\")\n\t}\n}\n", domain.VerdictOutputLimit},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			langRun(t, Submission{Language: c.lang, Code: c.code, Mode: domain.TestModeStdio, Tests: stdioTests[:1]}, limits, c.want)
		})
	}
}

// TestLangFunctionLargeResult: a return value larger than a pipe's buffer arrives whole.
func TestLangFunctionLargeResult(t *testing.T) {
	programs := map[string]string{
		"python":     "def count(n):\n    return list(range(n))\n",
		"javascript": "function count(n) {\n  return Array.from({ length: n }, (_, i) => i);\n}\n",
		"typescript": "function count(n: number): number[] {\n  return Array.from({ length: n }, (_, i) => i);\n}\n",
		"go":         "func count(n int) []int {\n\tr := make([]int, n)\n\tfor i := range r {\n\t\tr[i] = i\n\t}\n\treturn r\n}\n",
	}
	const n = 100000
	var want strings.Builder
	want.WriteString("[")
	for i := range n {
		if i > 0 {
			want.WriteString(",")
		}
		want.WriteString(strconv.Itoa(i))
	}
	want.WriteString("]")
	tests := []domain.TestCase{{Name: "large", Input: "[" + strconv.Itoa(n) + "]", ExpectedOutput: want.String()}}
	for _, lang := range domain.Languages {
		t.Run(lang, func(t *testing.T) {
			t.Parallel()
			langRun(t, Submission{Language: lang, Code: programs[lang], Mode: domain.TestModeFunction, Entrypoint: "count", Tests: tests},
				Options{}, domain.VerdictPassed)
		})
	}
}

// TestLangFileNames: the candidate's file name is used when it is safe, else solution.<ext>.
func TestLangFileNames(t *testing.T) {
	cases := []struct{ name, ext, want string }{
		{"main.py", ".py", "main.py"},
		{"src/dir/two_sum.py", ".py", "two_sum.py"},
		{"json.py", ".py", "json.py"},
		{"notes.txt", ".py", "solution.py"},
		{".py", ".py", "solution.py"},
		{"../../etc/passwd.py", ".py", "passwd.py"},
		{"interviewlm_harness.js", ".js", "solution.js"},
		{"with space.js", ".js", "solution.js"},
		{"main_test.go", ".go", "solution.go"},
		{"main_linux.go", ".go", "solution.go"},
		{"Main.go", ".go", "Main.go"},
		{`C:\work\main.ts`, ".ts", "main.ts"},
		{"", ".ts", "solution.ts"},
	}
	for _, c := range cases {
		if got := sourceName(c.name, c.ext); got != c.want {
			t.Errorf("sourceName(%q, %q) = %q, want %q", c.name, c.ext, got, c.want)
		}
	}
}

func TestRunTestsRefusesBadSubmissions(t *testing.T) {
	ok := Submission{Language: "python", Code: "print(1)", Mode: domain.TestModeStdio, Tests: stdioTests}
	cases := []struct {
		field string
		edit  func(s *Submission)
	}{
		{"language", func(s *Submission) { s.Language = "cobol" }},
		{"mode", func(s *Submission) { s.Mode = "" }},
		{"entrypoint", func(s *Submission) { s.Mode, s.Entrypoint = domain.TestModeFunction, "" }},
		{"entrypoint", func(s *Submission) { s.Mode, s.Entrypoint = domain.TestModeFunction, "f(); import os" }},
		{"testCases", func(s *Submission) {
			s.Mode, s.Entrypoint = domain.TestModeFunction, "f"
			s.Tests = []domain.TestCase{{Name: "t", Input: `{"a": 1}`}}
		}},
		{"code", func(s *Submission) { s.Code = strings.Repeat("#", MaxCodeBytes+1) }},
	}
	for _, c := range cases {
		sub := ok
		c.edit(&sub)
		// No runner: validation comes before anything runs.
		_, err := RunTests(context.Background(), nil, sub, Options{})
		var ve *domain.ValidationError
		if !errors.As(err, &ve) || ve.Field != c.field {
			t.Errorf("%s: error %v, want a validation error on %s", c.field, err, c.field)
		}
	}
	rep, err := RunTests(context.Background(), nil, Submission{Language: "go", Mode: domain.TestModeStdio}, Options{})
	if err != nil || rep.Total != 0 || rep.Results == nil {
		t.Errorf("no tests: %+v, %v; want an empty report", rep, err)
	}
}

func TestRunTestsMissingToolchain(t *testing.T) {
	sub := Submission{Language: "go", Code: stdioPrograms["go"], Mode: domain.TestModeStdio, Tests: stdioTests}
	_, err := RunTests(context.Background(), langRunner(t), sub, Options{Toolchain: Toolchain{GoCache: t.TempDir()}})
	if !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), ".ci/ensure-languages") {
		t.Errorf("error %v, want ErrUnavailable saying to run .ci/ensure-languages", err)
	}
}

// TestRunTestsParallel: tests of one run overlap, and results stay in the tests' order.
func TestRunTestsParallel(t *testing.T) {
	tests := make([]domain.TestCase, 4)
	for i := range tests {
		tests[i] = domain.TestCase{Name: string(rune('a' + i)), Input: `[` + string(rune('0'+i)) + `]`, ExpectedOutput: string(rune('0' + i))}
	}
	sub := Submission{Language: "python", Mode: domain.TestModeFunction, Entrypoint: "slow", Tests: tests,
		Code: "import time\ndef slow(x):\n    time.sleep(0.5)\n    return x\n"}
	rep := langRun(t, sub, Options{Parallelism: 4}, domain.VerdictPassed, domain.VerdictPassed, domain.VerdictPassed, domain.VerdictPassed)
	if rep.ExecutionTimeMs >= 1500 {
		t.Errorf("4 tests of 0.5 s with 4 at once took %d ms: they did not run in parallel", rep.ExecutionTimeMs)
	}
}

// judge0Like runs Programs the way Judge0 does — the source under Judge0's own file name
// (script.py, script.js, script.ts, main.go), compiled and run in one submission, a failed
// compile reported as OutcomeCompileError — but in the local sandbox, with this machine's
// toolchains. It checks what RunTests hands a ProgramRunner: the harnesses composed for a
// driver that takes source, not argv.
type judge0Like struct{ local *Local }

func (j judge0Like) Name() string { return "judge0-like" }

func (j judge0Like) Run(context.Context, []File, Exec) (Result, error) {
	return Result{}, errors.New("judge0-like: Run is not for programs")
}

func (j judge0Like) RunIn(context.Context, string, Exec) (Result, error) {
	return Result{}, errors.New("judge0-like: no workspaces")
}

func (j judge0Like) RunBatch(ctx context.Context, programs []Program) ([]Result, error) {
	results := make([]Result, len(programs))
	for i, p := range programs {
		var err error
		if results[i], err = j.RunProgram(ctx, p); err != nil {
			return nil, err
		}
	}
	return results, nil
}

// judge0CompileFailed is the exit status the shell below gives a failed compile.
const judge0CompileFailed = 97

func (j judge0Like) RunProgram(ctx context.Context, p Program) (Result, error) {
	tc := Toolchain{}.withDefaults()
	var name, script string
	var mounts []Mount
	switch p.Language {
	case "python":
		name, script = "script.py", tc.Python+" script.py"
	case "javascript":
		name, script = "script.js", tc.Node+" script.js"
	case "typescript":
		name, script = "script.ts", tc.ESBuild+" script.ts --format=cjs --log-level=error >script.js || exit 97; exec "+tc.Node+" script.js"
	case "go":
		name, script = "main.go", "CGO_ENABLED=0 GOCACHE="+goCacheTarget+" "+tc.Go+" build -o /tmp/main main.go || exit 97; exec /tmp/main"
		mounts = []Mount{{Source: tc.GoCache, Target: goCacheTarget}}
	default:
		return Result{}, fmt.Errorf("judge0-like: no language %q", p.Language)
	}
	files := append([]File{{Path: name, Content: []byte(p.Source)}}, p.Files...)
	limits := p.Limits
	limits.Processes, limits.MemoryBytes = 256, 1<<30
	res, err := j.local.Run(ctx, files, Exec{Argv: []string{"/bin/sh", "-c", script}, Stdin: p.Stdin, Limits: limits, Mounts: mounts})
	if err == nil && res.Outcome == OutcomeExited && res.ExitCode == judge0CompileFailed {
		res.Outcome = OutcomeCompileError
	}
	return res, err
}

func TestLangProgramRunner(t *testing.T) {
	langRunner(t)
	local, _ := langLocal()
	runner := judge0Like{local}
	for _, lang := range domain.Languages {
		t.Run(lang, func(t *testing.T) {
			t.Parallel()
			for _, mode := range []domain.TestMode{domain.TestModeStdio, domain.TestModeFunction} {
				sub := Submission{Language: lang, Mode: mode, Code: stdioPrograms[lang], Tests: stdioTests}
				want := []domain.Verdict{domain.VerdictPassed, domain.VerdictWrongAnswer, domain.VerdictPassed}
				if mode == domain.TestModeFunction {
					sub = Submission{Language: lang, Mode: mode, Code: functionPrograms[lang], Entrypoint: "twoSum", Tests: functionTests}
				}
				rep, err := RunTests(context.Background(), runner, sub, Options{})
				if err != nil {
					t.Fatalf("%s: %v", mode, err)
				}
				for i, r := range rep.Results {
					if r.Verdict != want[i] {
						t.Errorf("%s, test %q: verdict %s, want %s\nactual %q\nerror %s", mode, r.Name, r.Verdict, want[i], r.ActualOutput, r.Error)
					}
				}
			}
		})
	}
	rep, err := RunTests(context.Background(), runner, Submission{Language: "go", Mode: domain.TestModeStdio,
		Code: "package main\n\nfunc main() { x := 1 }\n", Tests: stdioTests}, Options{})
	if err != nil || rep.Results[0].Verdict != domain.VerdictCompileError || !strings.Contains(rep.Results[0].Error, "declared and not used") {
		t.Errorf("compile error: %+v, %v", rep, err)
	}
}
