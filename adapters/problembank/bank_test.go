package problembank

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/interviewlm/interviewlm/adapters/sandbox"
	"github.com/interviewlm/interviewlm/commands"
	"github.com/interviewlm/interviewlm/domain"
)

// localSandbox is the real local sandbox, built once for the package's tests.
var localSandbox = sync.OnceValues(func() (*sandbox.Local, error) { return sandbox.NewLocal(sandbox.LocalConfig{}) })

// executor runs submissions in the local sandbox, as the service does.
func executor(t *testing.T) commands.TestExecutor {
	t.Helper()
	l, err := localSandbox()
	if err != nil {
		t.Fatalf("the local sandbox is needed (.ci/ensure-sandbox): %v", err)
	}
	return sandbox.TestExecutor(l, sandbox.Toolchain{})
}

func loadBank(t *testing.T) []Problem {
	t.Helper()
	problems, err := Load()
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return problems
}

// TestBankShape: the bank holds enough problems of each difficulty, each with enough tests,
// hidden ones among them, and starter code and a reference solution in every language; the
// starter code runs (it compiles, defines the entrypoint with parameters the tests' arguments
// decode into, and returns a value) without solving the problem.
func TestBankShape(t *testing.T) {
	problems := loadBank(t)
	perDifficulty := map[domain.Difficulty]int{}
	ids := map[string]bool{}
	for _, p := range problems {
		perDifficulty[p.Difficulty]++
		if ids[p.ID] {
			t.Errorf("%s: two problems with this ID", p.ID)
		}
		ids[p.ID] = true
		hidden := 0
		for _, tc := range p.Tests {
			if tc.Hidden {
				hidden++
			}
		}
		if len(p.Tests) < 6 || hidden < 2 {
			t.Errorf("%s: %d tests, %d hidden; want at least 6 and 2", p.ID, len(p.Tests), hidden)
		}
		if p.Mode != domain.TestModeFunction {
			t.Errorf("%s: mode %s, want function", p.ID, p.Mode)
		}
		for _, lang := range domain.Languages {
			if strings.TrimSpace(p.StarterCode[lang]) == "" || strings.TrimSpace(p.ReferenceSolutions[lang]) == "" {
				t.Errorf("%s: no starter code or no reference solution in %s", p.ID, lang)
			}
			if !strings.Contains(p.StarterCode[lang], p.Entrypoint[lang]) {
				t.Errorf("%s: the %s starter code does not define %s", p.ID, lang, p.Entrypoint[lang])
			}
			if strings.Contains(p.StarterCode[lang], goIgnore) || strings.Contains(p.ReferenceSolutions[lang], goIgnore) {
				t.Errorf("%s: the %s code keeps the bank's build constraint", p.ID, lang)
			}
		}
	}
	for _, d := range []domain.Difficulty{domain.DifficultyEasy, domain.DifficultyMedium, domain.DifficultyHard} {
		if perDifficulty[d] < 8 {
			t.Errorf("%d %s problems, want at least 8", perDifficulty[d], d)
		}
	}

	run := executor(t)
	forEachSolution(t, problems, func(t *testing.T, p Problem, lang string) {
		report, err := run(context.Background(), Submission(p, lang, p.StarterCode[lang]))
		if err != nil {
			t.Fatalf("running the starter code: %v", err)
		}
		for _, r := range report.Results {
			if r.Verdict != domain.VerdictPassed && r.Verdict != domain.VerdictWrongAnswer {
				t.Fatalf("the starter code does not run: test %q: %s: %s", r.Name, r.Verdict, r.Error)
			}
		}
		if report.Passed == report.Total {
			t.Errorf("the starter code passes every test")
		}
	})
}

// TestBankReferenceSolutionsPassEveryTest runs every reference solution, in every language,
// against every test of its problem in the real local sandbox.
func TestBankReferenceSolutionsPassEveryTest(t *testing.T) {
	problems := loadBank(t)
	run := executor(t)
	forEachSolution(t, problems, func(t *testing.T, p Problem, lang string) {
		report, err := run(context.Background(), Submission(p, lang, p.ReferenceSolutions[lang]))
		if err != nil {
			t.Fatalf("RunTests: %v", err)
		}
		if report.Total != len(p.Tests) {
			t.Fatalf("%d results for %d tests", report.Total, len(p.Tests))
		}
		for _, r := range report.Results {
			if !r.Passed {
				t.Errorf("test %q: %s%s", r.Name, r.Verdict, describeFailure(r))
			}
		}
	})
}

// forEachSolution runs check for every problem and language, as parallel subtests: the
// sandbox runs each submission's tests in parallel too, but compiles TypeScript and Go first.
func forEachSolution(t *testing.T, problems []Problem, check func(t *testing.T, p Problem, lang string)) {
	t.Helper()
	for _, p := range problems {
		for _, lang := range domain.Languages {
			t.Run(p.ID+"/"+lang, func(t *testing.T) {
				t.Parallel()
				check(t, p, lang)
			})
		}
	}
}

// TestVerify: a reference solution that fails a test is named, with the test.
func TestVerify(t *testing.T) {
	p := loadBank(t)[0]
	p.ReferenceSolutions = map[string]string{"python": p.StarterCode["python"], "go": p.ReferenceSolutions["go"]}
	err := Verify(context.Background(), executor(t), p)
	var ve *domain.ValidationError
	if !errors.As(err, &ve) || ve.Field != "referenceSolutions.python" || !strings.Contains(err.Error(), p.Tests[0].Name) {
		t.Fatalf("Verify of a wrong Python solution: %v", err)
	}
	if strings.Contains(err.Error(), "referenceSolutions.go") {
		t.Errorf("the Go solution passes, yet: %v", err)
	}

	broken := func(context.Context, commands.TestSubmission) (commands.TestReport, error) {
		return commands.TestReport{}, sandbox.ErrUnavailable
	}
	if err := Verify(context.Background(), broken, p); !errors.Is(err, sandbox.ErrUnavailable) {
		t.Errorf("Verify with the sandbox unavailable: %v", err)
	}
}

// validProblem is a small valid problem, offered in Python and Go.
func validProblem() Problem {
	p := Problem{
		ID: "add-two", Title: "Add Two", Description: "Return `a + b`.", Difficulty: domain.DifficultyEasy,
		Tags: []string{"math"}, Mode: domain.TestModeFunction, EstimatedMinutes: 5,
		Entrypoint:         map[string]string{"python": "add_two", "go": "addTwo"},
		StarterCode:        map[string]string{"python": "def add_two(a, b):\n    return 0\n", "go": "func addTwo(a, b int) int { return 0 }\n"},
		ReferenceSolutions: map[string]string{"python": "def add_two(a, b):\n    return a + b\n"},
	}
	for i := range 6 {
		p.Tests = append(p.Tests, domain.TestCase{Name: fmt.Sprint("t", i), Input: fmt.Sprintf("[%d, 1]", i),
			ExpectedOutput: fmt.Sprint(i + 1), Hidden: i >= 4})
	}
	return p
}

func TestValidate(t *testing.T) {
	if err := Validate(validProblem()); err != nil {
		t.Fatalf("a valid problem: %v", err)
	}
	stdio := validProblem()
	stdio.Mode, stdio.Entrypoint = domain.TestModeStdio, nil
	stdio.Tests[0].Input, stdio.Tests[0].ExpectedOutput = "1 2\n", "3\n"
	if err := Validate(stdio); err != nil {
		t.Fatalf("a valid stdio problem: %v", err)
	}

	cases := []struct {
		name   string
		change func(p *Problem)
		fields []string
	}{
		{"bad id", func(p *Problem) { p.ID = "Add Two" }, []string{"id"}},
		{"empty title", func(p *Problem) { p.Title = " " }, []string{"title"}},
		{"no description", func(p *Problem) { p.Description = "" }, []string{"description"}},
		{"bad difficulty", func(p *Problem) { p.Difficulty = "TRIVIAL" }, []string{"difficulty"}},
		{"bad tag", func(p *Problem) { p.Tags = []string{"math", "Math!", "math"} }, []string{"tags[1]", "tags[2]"}},
		{"no time", func(p *Problem) { p.EstimatedMinutes = 0 }, []string{"estimatedMinutes"}},
		{"no starter code", func(p *Problem) { p.StarterCode, p.ReferenceSolutions, p.Entrypoint = nil, nil, nil }, []string{"starterCode"}},
		{"unknown language", func(p *Problem) { p.StarterCode["cobol"] = "x"; p.Entrypoint["cobol"] = "x" },
			[]string{"starterCode.cobol", "entrypoint.cobol"}},
		{"solution without starter code", func(p *Problem) { p.ReferenceSolutions["typescript"] = "function addTwo() {}" },
			[]string{"referenceSolutions.typescript"}},
		{"missing entrypoint", func(p *Problem) { delete(p.Entrypoint, "go") }, []string{"entrypoint.go"}},
		{"bad entrypoint", func(p *Problem) { p.Entrypoint["python"] = "add-two" }, []string{"entrypoint.python"}},
		{"entrypoint in stdio mode", func(p *Problem) { p.Mode = domain.TestModeStdio }, []string{"entrypoint"}},
		{"bad mode", func(p *Problem) { p.Mode = "repl" }, []string{"mode"}},
		{"too few tests", func(p *Problem) { p.Tests = p.Tests[1:] }, []string{"testCases"}},
		{"too few hidden", func(p *Problem) { p.Tests[4].Hidden = false }, []string{"testCases"}},
		{"every test hidden", func(p *Problem) {
			for i := range p.Tests {
				p.Tests[i].Hidden = true
			}
		}, []string{"testCases"}},
		{"same names", func(p *Problem) { p.Tests[3].Name = "t1" }, []string{"testCases[3].name"}},
		{"input not an array", func(p *Problem) { p.Tests[2].Input = `{"a": 1}` }, []string{"testCases[2].input"}},
		{"expected not JSON", func(p *Problem) { p.Tests[5].ExpectedOutput = "six" }, []string{"testCases[5].expectedOutput"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := validProblem()
			c.change(&p)
			err := Validate(p)
			if err == nil {
				t.Fatal("valid")
			}
			var got []string
			for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
				var ve *domain.ValidationError
				if !errors.As(e, &ve) {
					t.Fatalf("not a *domain.ValidationError: %v", e)
				}
				got = append(got, ve.Field)
			}
			if strings.Join(got, " ") != strings.Join(c.fields, " ") {
				t.Errorf("fields %v, want %v\n%v", got, c.fields, err)
			}
		})
	}
}

// TestLoadRefuses: load names the problem and the fault.
func TestLoadRefuses(t *testing.T) {
	good := func() fstest.MapFS {
		fsys := fstest.MapFS{
			"bank/add-two/problem.json": {Data: []byte(`{"title": "Add Two", "difficulty": "EASY", "tags": ["math"],
				"estimatedMinutes": 5, "entrypoint": {"python": "add_two", "javascript": "addTwo", "typescript": "addTwo", "go": "addTwo"},
				"tests": [{"name": "a", "input": [1, 2], "expected": 3}, {"name": "b", "input": [0, 0], "expected": 0},
				{"name": "c", "input": [-1, 1], "expected": 0}, {"name": "d", "input": [2, 2], "expected": 4},
				{"name": "e", "input": [5, 5], "expected": 10, "hidden": true}, {"name": "f", "input": [9, 1], "expected": 10, "hidden": true}]}`)},
			"bank/add-two/description.md": {Data: []byte("Return `a + b`.\n")},
		}
		for _, lang := range domain.Languages {
			ext := domain.Extension(lang)
			code := "add " + lang
			if lang == "go" {
				code = goIgnore + "\npackage main\n"
			}
			fsys["bank/add-two/starter"+ext] = &fstest.MapFile{Data: []byte(code)}
			fsys["bank/add-two/solution"+ext] = &fstest.MapFile{Data: []byte(code)}
		}
		return fsys
	}
	problems, err := load(good(), "bank")
	if err != nil || len(problems) != 1 {
		t.Fatalf("load: %v, %d problems", err, len(problems))
	}
	p := problems[0]
	if p.ID != "add-two" || p.StarterCode["go"] != "package main\n" || p.Tests[0].Input != "[1,2]" || p.Tests[0].ExpectedOutput != "3" || !p.Tests[5].Hidden {
		t.Errorf("loaded %+v", p)
	}

	cases := []struct {
		name   string
		change func(fsys fstest.MapFS)
		want   string
	}{
		{"no Go solution", func(fsys fstest.MapFS) { delete(fsys, "bank/add-two/solution.go") }, "referenceSolutions.go: missing"},
		{"unknown field", func(fsys fstest.MapFS) {
			fsys["bank/add-two/problem.json"].Data = []byte(`{"title": "Add Two", "level": 1}`)
		}, `unknown field "level"`},
		{"no description", func(fsys fstest.MapFS) { delete(fsys, "bank/add-two/description.md") }, "description.md"},
		{"invalid", func(fsys fstest.MapFS) {
			fsys["bank/add-two/problem.json"].Data = []byte(`{"title": "Add Two", "difficulty": "EASY", "tags": ["math"], "estimatedMinutes": 5}`)
		}, "testCases: must be 6 to"},
	}
	for _, c := range cases {
		fsys := good()
		c.change(fsys)
		_, err := load(fsys, "bank")
		if err == nil || !strings.Contains(err.Error(), "add-two") || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v; want an error naming add-two and %q", c.name, err, c.want)
		}
	}
}

func TestPick(t *testing.T) {
	problems := loadBank(t)
	bank := NewBank(problems)
	var medium []string
	for _, p := range problems {
		if p.Difficulty == domain.DifficultyMedium {
			medium = append(medium, p.ID)
		}
	}
	// Every MEDIUM problem but the last one served: the last one comes.
	for range 5 {
		q, err := bank.Pick(context.Background(), domain.DifficultyMedium, "go", medium[:len(medium)-1])
		if err != nil || q.ProblemID != medium[len(medium)-1] {
			t.Fatalf("Pick: %+v, %v; want %s", q, err, medium[len(medium)-1])
		}
		p, _ := bank.Problem(q.ProblemID)
		if q.Source != domain.QuestionFromBank || q.Language != "go" || q.StarterCode != p.StarterCode["go"] ||
			q.Entrypoint != p.Entrypoint["go"] || q.Mode != domain.TestModeFunction || len(q.TestCases) != len(p.Tests) ||
			q.Difficulty != domain.DifficultyMedium || q.Title != p.Title || q.EstimatedMinutes != p.EstimatedMinutes {
			t.Errorf("question %+v from %+v", q, p)
		}
	}
	// All served: one is served again rather than none.
	if q, err := bank.Pick(context.Background(), domain.DifficultyMedium, "python", medium); err != nil || q.Difficulty != domain.DifficultyMedium {
		t.Errorf("Pick with every problem served: %+v, %v", q, err)
	}
	if _, err := bank.Pick(context.Background(), domain.DifficultyMedium, "cobol", nil); !errors.Is(err, ErrNoProblem) {
		t.Errorf("Pick in an unknown language: %v", err)
	}
	if _, err := problems[0].Question("rust"); err == nil {
		t.Error("a question in a language the problem is not offered in")
	}
	var _ commands.ProblemPicker = Catalog{Bank: bank}
}
