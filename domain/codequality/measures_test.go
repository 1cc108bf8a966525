package codequality

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
)

func TestNamingDetectsPoorNames(t *testing.T) {
	// Each source declares five good names and five poor ones.
	tests := []struct {
		language, file, source string
		poor                   []string
	}{
		{"python", "cart.py", `MAX_SIZE = 10


class shoppingCart:
    def addItem(self, a1, item_count, tmp2):
        foo = 1
        total_price = 0
        for i in range(item_count):
            total_price += i
        return [x for x in range(foo)]
`, []string{"shoppingCart", "addItem", "a1", "tmp2", "foo"}},
		{"javascript", "cart.js", `const MAX_SIZE = 10;
class shoppingCart {
  add_item(a1, itemCount, tmp2) {
    const foo = 1;
    let totalPrice = 0;
    for (let i = 0; i < itemCount; i++) {
      totalPrice += i;
    }
    return [1, 2].map((x) => x + foo + totalPrice);
  }
}
`, []string{"shoppingCart", "add_item", "a1", "tmp2", "foo"}},
		{"typescript", "cart.ts", `interface cart_item { price: number }
const MAX_SIZE = 10;
function add_item(a1: number, itemCount: number, tmp2: boolean): number {
  const foo = 1;
  let totalPrice = 0;
  for (let i = 0; i < itemCount; i++) {
    totalPrice += i;
  }
  return [1, 2].map((x) => x + foo + totalPrice)[0];
}
`, []string{"cart_item", "add_item", "a1", "tmp2", "foo"}},
		{"go", "cart.go", `package cart

const maxSize = 10

type shopping_cart struct{}

func (c *shopping_cart) add_item(a1 int, itemCount int, tmp2 bool) int {
	foo := 1
	totalPrice := 0
	for i := 0; i < itemCount; i++ {
		totalPrice += i
	}
	return totalPrice + foo
}
`, []string{"shopping_cart", "add_item", "a1", "tmp2", "foo"}},
	}
	for _, tt := range tests {
		t.Run(tt.language, func(t *testing.T) {
			report := analyze(t, tt.language, map[string]string{tt.file: tt.source})
			var poor []string
			for _, n := range report.PoorNames {
				poor = append(poor, n.Name)
			}
			if !reflect.DeepEqual(poor, tt.poor) {
				t.Errorf("poor names = %v, want %v", poor, tt.poor)
			}
			if report.Identifiers != 10 || report.Naming != 0.5 {
				t.Errorf("naming = %v of %d identifiers, want 0.5 of 10", report.Naming, report.Identifiers)
			}
			if !slices.Contains(codes(report.Findings), CodeNaming) {
				t.Errorf("findings %v lack %s", codes(report.Findings), CodeNaming)
			}
		})
	}
}

func TestNamingRule(t *testing.T) {
	tests := []struct {
		language string
		name     string
		kind     identKind
		ctx      identContext
		want     bool
	}{
		{"python", "total_price", kindVariable, ctxPlain, true},
		{"python", "MAX_RETRIES", kindVariable, ctxPlain, true},
		{"python", "__init__", kindFunction, ctxPlain, true},
		{"python", "_helper", kindFunction, ctxPlain, true},
		{"python", "TreeNode", kindType, ctxPlain, true},
		{"python", "treeNode", kindVariable, ctxPlain, false},
		{"python", "tree_node", kindType, ctxPlain, false},
		{"python", "i", kindVariable, ctxLoop, true},
		{"python", "q", kindVariable, ctxLoop, true},
		{"python", "q", kindParam, ctxParam, false},
		{"python", "n", kindParam, ctxParam, true},
		{"python", "e", kindVariable, ctxCatch, true},
		{"python", "dp", kindVariable, ctxPlain, true},
		{"python", "ab", kindVariable, ctxPlain, false},
		{"python", "x1", kindVariable, ctxPlain, true},
		{"python", "a1", kindVariable, ctxPlain, false},
		{"python", "tmp2", kindVariable, ctxPlain, false},
		{"python", "foo", kindFunction, ctxPlain, false},
		{"python", "user2", kindVariable, ctxPlain, true},
		{"javascript", "totalPrice", kindVariable, ctxPlain, true},
		{"javascript", "API_URL", kindVariable, ctxPlain, true},
		{"javascript", "TodoList", kindFunction, ctxPlain, true},
		{"javascript", "$element", kindVariable, ctxPlain, true},
		{"javascript", "total_price", kindVariable, ctxPlain, false},
		{"javascript", "API_URL", kindParam, ctxParam, false},
		{"javascript", "v", kindParam, ctxLambda, true},
		{"javascript", "v", kindParam, ctxParam, false},
		{"typescript", "userProfile", kindType, ctxPlain, false},
		{"typescript", "UserProfile", kindType, ctxPlain, true},
		{"go", "userID", kindVariable, ctxPlain, true},
		{"go", "ServeHTTP", kindFunction, ctxPlain, true},
		{"go", "TestParse_Empty", kindFunction, ctxPlain, true},
		{"go", "max_size", kindVariable, ctxPlain, false},
		{"go", "r", kindParam, ctxParam, true},
		{"go", "srv", kindParam, ctxReceiver, true},
		{"go", "bt", kindParam, ctxReceiver, true},
		{"go", "bt", kindParam, ctxParam, false},
	}
	for _, tt := range tests {
		t.Run(tt.language+"/"+tt.name, func(t *testing.T) {
			if got := languages[tt.language].goodName(tt.name, tt.kind, tt.ctx); got != tt.want {
				t.Errorf("goodName(%q, %v, %v) = %v, want %v", tt.name, tt.kind, tt.ctx, got, tt.want)
			}
		})
	}
}

func TestDuplication(t *testing.T) {
	const body = `    total = 0
    count = 0
    for value in values:
        total += value
        count += 1
    average = total / count
    return average
`
	tests := []struct {
		name      string
		language  string
		files     map[string]string
		want      float64
		wantFile  string
		wantFound bool
	}{
		{
			// 7 of 8 code lines in each file repeat the other file's.
			name:     "copied across files",
			language: "python",
			files: map[string]string{
				"a.py": "def first_report(values):\n" + body,
				"b.py": "def second_report(values):\n" + body,
			},
			want: 0.88, wantFile: "b.py", wantFound: true,
		},
		{
			name:     "copied within a file, re-indented",
			language: "javascript",
			files: map[string]string{"a.js": `function first(values) {
  let total = 0;
  let count = 0;
  for (const value of values) {
    total += value;
    count += 1;
  }
  const average = total / count;
  return average;
}
function second(values) {
    let total = 0;
    let count = 0;
    for (const value of values) {
        total += value;
        count += 1;
    }
    const average = total / count;
    return average;
}
`},
			// 8 of 10 code lines per function: from the first to the last copied line, braces included.
			want: 0.8, wantFile: "a.js", wantFound: true,
		},
		{
			name:     "shared imports and closing braces are not copies",
			language: "go",
			files: map[string]string{
				"a.go": "package sample\n\nimport (\n\t\"fmt\"\n\t\"os\"\n\t\"sort\"\n\t\"strings\"\n\t\"time\"\n\t\"unicode\"\n)\n\nfunc first() {\n\tif true {\n\t\tif true {\n\t\t\tfmt.Println(os.Args)\n\t\t}\n\t}\n}\n",
				"b.go": "package sample\n\nimport (\n\t\"fmt\"\n\t\"os\"\n\t\"sort\"\n\t\"strings\"\n\t\"time\"\n\t\"unicode\"\n)\n\nfunc second() {\n\tfor {\n\t\tfor {\n\t\t\tfmt.Println(sort.Ints, strings.ToLower, time.Now, unicode.IsDigit)\n\t\t}\n\t}\n}\n",
			},
			want: 0,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			report := analyze(t, tt.language, tt.files)
			if report.Duplication != tt.want {
				t.Errorf("duplication = %v, want %v", report.Duplication, tt.want)
			}
			i := slices.IndexFunc(report.Findings, func(f Finding) bool { return f.Code == CodeDuplication })
			if found := i >= 0; found != tt.wantFound {
				t.Fatalf("duplication finding present = %v, want %v (%+v)", found, tt.wantFound, report.Findings)
			}
			if i >= 0 && (report.Findings[i].File != tt.wantFile || report.Findings[i].Line == 0) {
				t.Errorf("duplication finding at %s:%d, want %s", report.Findings[i].File, report.Findings[i].Line, tt.wantFile)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		language, file, broken, valid string
	}{
		{"python", "main.py", "def broken(:\n    return [1, 2\n", "def fixed():\n    return [1, 2]\n"},
		{"javascript", "main.js", "function broken( {\n  return 1;\n}\n", "function fixed() {\n  return 1;\n}\n"},
		{"typescript", "main.ts", "function broken(x: number {\n  return x;\n}\n", "function fixed(x: number) {\n  return x;\n}\n"},
		{"go", "main.go", "package main\n\nfunc broken() {\n\tif x {\n}\n", "package main\n\nfunc fixed(x bool) {\n\tif x {\n\t}\n}\n"},
	}
	for _, tt := range tests {
		t.Run(tt.language, func(t *testing.T) {
			broken := analyze(t, tt.language, map[string]string{tt.file: tt.broken})
			if broken.ParseErrors == 0 {
				t.Fatalf("no parse errors counted for broken code")
			}
			if len(broken.Findings) == 0 || broken.Findings[0].Code != CodeParseError || broken.Findings[0].File != tt.file {
				t.Errorf("findings = %+v, want a parse_error first", broken.Findings)
			}
			if broken.Score > 100-ParseErrorPenalty {
				t.Errorf("broken score = %v, want <= %v", broken.Score, 100-ParseErrorPenalty)
			}
			valid := analyze(t, tt.language, map[string]string{tt.file: tt.valid})
			if valid.ParseErrors != 0 || valid.Score != 100 {
				t.Errorf("valid code: %d parse errors, score %v; findings %+v", valid.ParseErrors, valid.Score, valid.Findings)
			}
		})
	}
}

func TestCodeLinesSkipCommentsAndDocstrings(t *testing.T) {
	tests := []struct {
		language, file, source string
		want                   int
	}{
		{"python", "a.py", "\"\"\"Module docs.\n\nMore docs.\n\"\"\"\n# comment\n\n\ndef run():\n    \"\"\"Docs.\"\"\"\n    text = \"\"\"\n    kept\n    \"\"\"  # trailing comment\n    return text\n", 5},
		{"javascript", "a.js", "/* block\n comment */\n// line\nconst text = `a\n\nb`;\n\nfunction run() { return text; }\n", 3},
		{"go", "a.go", "// Package a.\npackage a\n\n/* block */\n\nfunc run() {} // trailing\n", 2},
	}
	for _, tt := range tests {
		t.Run(tt.language, func(t *testing.T) {
			if got := analyze(t, tt.language, map[string]string{tt.file: tt.source}).CodeLines; got != tt.want {
				t.Errorf("code lines = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestScoreRules(t *testing.T) {
	// Eight distinct functions of complexity 12: the complexity cap stops the deduction at 30.
	var complex strings.Builder
	for f := range 8 {
		fmt.Fprintf(&complex, "def check_%d(value):\n", f)
		for b := range 11 {
			fmt.Fprintf(&complex, "    if value == %d:\n        return %d\n", f*100+b, b)
		}
		complex.WriteString("    return -1\n\n\n")
	}
	var long strings.Builder
	long.WriteString("def long_one(value):\n    total = value\n")
	for i := range 120 {
		fmt.Fprintf(&long, "    total += %d\n", i*7)
	}
	long.WriteString("    return total\n")

	tests := []struct {
		name      string
		source    string
		score     float64
		penalties []float64
		messages  []string
	}{
		{"complexity is capped", complex.String(), 70, []float64{5, 5, 5, 5, 5, 5, 0, 0}, []string{
			"function check_0 has cyclomatic complexity 12 (limit 10)",
		}},
		{"very long function", long.String(), 90, []float64{10}, []string{
			"function long_one is 123 lines long (limit 50)",
		}},
		{"too many parameters", "def six(alpha, beta, gamma, delta, epsilon, zeta):\n    return alpha\n", 97, []float64{3}, []string{
			"function six takes 6 parameters (limit 5)",
		}},
		{"five parameters are fine", "def five(alpha, beta, gamma, delta, epsilon):\n    return alpha\n", 100, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			report := analyze(t, "python", map[string]string{"main.py": tt.source})
			var penalties []float64
			var messages []string
			for _, f := range report.Findings {
				penalties = append(penalties, f.Penalty)
				messages = append(messages, f.Message)
			}
			if report.Score != tt.score || !reflect.DeepEqual(penalties, tt.penalties) {
				t.Errorf("score %v with penalties %v, want %v with %v; findings %+v", report.Score, penalties, tt.score, tt.penalties, report.Findings)
			}
			for i, m := range tt.messages {
				if i >= len(messages) || messages[i] != m {
					t.Errorf("message %d = %q, want %q", i, messages, m)
				}
			}
		})
	}
}

func TestEmptyCode(t *testing.T) {
	tests := []struct {
		name        string
		language    string
		files       map[string]string
		wantFiles   int
		wantSkipped []string
	}{
		{"no files", "python", nil, 0, nil},
		{"only comments", "python", map[string]string{"main.py": "# TODO\n\n\"\"\"Nothing yet.\"\"\"\n"}, 1, nil},
		{"blank", "go", map[string]string{"main.go": "\n\n"}, 1, nil},
		{"other languages only", "typescript", map[string]string{"README.md": "# hi", "package.json": "{}"}, 0, []string{"README.md", "package.json"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			report := analyze(t, tt.language, tt.files)
			if report.Score != 0 || !reflect.DeepEqual(codes(report.Findings), []string{CodeEmpty}) {
				t.Errorf("score %v, findings %+v; want 0 with one empty finding", report.Score, report.Findings)
			}
			if report.Files != tt.wantFiles || !reflect.DeepEqual(report.Skipped, tt.wantSkipped) {
				t.Errorf("files %d, skipped %v; want %d, %v", report.Files, report.Skipped, tt.wantFiles, tt.wantSkipped)
			}
		})
	}
}

func TestFileSelection(t *testing.T) {
	report := analyze(t, "typescript", map[string]string{
		"src/app.tsx":     "export const App = ({ title }: { title: string }) => <h1>{title}</h1>;\n",
		"jest.config.js":  "module.exports = { verbose: true };\n",
		"src/util.ts":     "export function double(value: number): number {\n  return value * 2;\n}\n",
		"package.json":    "{}",
		"src/styles.css":  "h1 { color: red; }",
		"scripts/run.mjs": "export const run = () => 1;\n",
	})
	if report.Files != 4 || !reflect.DeepEqual(report.Skipped, []string{"package.json", "src/styles.css"}) {
		t.Errorf("files %d, skipped %v", report.Files, report.Skipped)
	}
	if report.ParseErrors != 0 {
		t.Errorf("parse errors = %d: TSX or JavaScript parsed with the wrong grammar", report.ParseErrors)
	}
	var names []string
	for _, f := range report.Functions {
		names = append(names, f.File+":"+f.Name)
	}
	if want := []string{"scripts/run.mjs:run", "src/app.tsx:App", "src/util.ts:double"}; !reflect.DeepEqual(names, want) {
		t.Errorf("functions = %v, want %v", names, want)
	}
}

func TestUnknownLanguage(t *testing.T) {
	for _, language := range []string{"", "rust", "py", "c++"} {
		if _, err := Analyze(language, map[string]string{"main": "x"}); err == nil {
			t.Errorf("Analyze(%q) gave no error", language)
		}
	}
	report, err := Analyze(" Python ", map[string]string{"main.py": "def run():\n    return 1\n"})
	if err != nil || report.Language != "python" {
		t.Errorf("Analyze(\" Python \") = %q, %v; want the python report", report.Language, err)
	}
}

// manyFiles is a project of many files mixing clean, bad and copied code.
func manyFiles(t testing.TB, language, clean, bad string) map[string]string {
	files := map[string]string{}
	cleanSource, badSource := sample(t, clean), sample(t, bad)
	for i := range 40 {
		ext := clean[strings.LastIndex(clean, "."):]
		switch i % 3 {
		case 0:
			files[fmt.Sprintf("pkg%02d/clean%s", i, ext)] = cleanSource
		case 1:
			files[fmt.Sprintf("pkg%02d/bad%s", i, ext)] = strings.ReplaceAll(badSource, "foo", fmt.Sprintf("foo%d", i))
		default:
			files[fmt.Sprintf("pkg%02d/notes.md", i)] = "notes"
		}
	}
	return files
}

func TestDeterminism(t *testing.T) {
	for _, tt := range []struct{ language, clean, bad string }{
		{"python", "clean.py", "bad.py"},
		{"javascript", "clean.js", "bad.js"},
		{"typescript", "clean.ts", "bad.ts"},
		{"go", "clean.go", "bad.go"},
	} {
		t.Run(tt.language, func(t *testing.T) {
			files := manyFiles(t, tt.language, tt.clean, tt.bad)
			want := analyze(t, tt.language, files)
			// Concurrent runs also let the race detector check that Analyze shares no state.
			reports := make([]Report, 4)
			var wg sync.WaitGroup
			for i := range reports {
				wg.Go(func() { reports[i] = analyze(t, tt.language, files) })
			}
			wg.Wait()
			for _, got := range reports {
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("reports differ between runs")
				}
			}
			if len(want.Functions) == 0 || want.Files != 27 || len(want.Skipped) != 13 {
				t.Errorf("files %d, skipped %d, functions %d", want.Files, len(want.Skipped), len(want.Functions))
			}
			if !slices.IsSortedFunc(want.Functions, func(a, b Function) int {
				return strings.Compare(fmt.Sprintf("%s\x00%06d", a.File, a.Line), fmt.Sprintf("%s\x00%06d", b.File, b.Line))
			}) {
				t.Errorf("functions are not sorted by file, then line")
			}
		})
	}
}

// mutate damages source the ways an editor mid-keystroke does: deletions, duplicated spans,
// stray brackets and quotes, truncation.
func mutate(rng *rand.Rand, source string) string {
	b := []byte(source)
	for range 1 + rng.IntN(4) {
		if len(b) == 0 {
			b = append(b, '(')
			continue
		}
		i := rng.IntN(len(b))
		switch rng.IntN(5) {
		case 0:
			b = append(b[:i], b[min(len(b), i+1+rng.IntN(20)):]...)
		case 1:
			j := min(len(b), i+rng.IntN(40))
			b = append(b[:j], append(slices.Clone(b[i:j]), b[j:]...)...)
		case 2:
			stray := "{}()[]:;\"'`\n\t\\#/*"
			b = slices.Insert(b, i, stray[rng.IntN(len(stray))])
		case 3:
			b = b[:i]
		case 4:
			b = slices.Insert(b, i, []byte("\n    if x:\n        y = [")...)
		}
	}
	return string(b)
}

func checkInvariants(t *testing.T, r Report) {
	t.Helper()
	if r.Score < 0 || r.Score > 100 || r.Duplication < 0 || r.Duplication > 1 || r.Naming < 0 || r.Naming > 1 {
		t.Fatalf("out of range: score %v, duplication %v, naming %v", r.Score, r.Duplication, r.Naming)
	}
	for _, f := range r.Functions {
		if f.Lines < 1 || f.Complexity < 1 || f.Line < 1 || f.MaxNesting > r.MaxNesting {
			t.Fatalf("implausible function %+v", f)
		}
	}
}

func TestMutatedSourcesDoNotPanic(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, tt := range []struct{ language, clean, bad string }{
		{"python", "clean.py", "bad.py"},
		{"javascript", "clean.js", "bad.js"},
		{"typescript", "clean.ts", "bad.ts"},
		{"go", "clean.go", "bad.go"},
	} {
		sources := []string{sample(t, tt.clean), sample(t, tt.bad)}
		for i := range 150 {
			source := mutate(rng, sources[i%2])
			checkInvariants(t, analyze(t, tt.language, map[string]string{tt.clean: source}))
		}
	}
}

func FuzzAnalyze(f *testing.F) {
	for _, name := range []string{"clean.py", "bad.py", "clean.js", "bad.js", "clean.ts", "bad.ts", "clean.go", "bad.go"} {
		f.Add(name[strings.Index(name, ".")+1:], sample(f, name))
	}
	f.Fuzz(func(t *testing.T, ext, source string) {
		language := map[string]string{"py": "python", "js": "javascript", "ts": "typescript", "go": "go"}[ext]
		if language == "" {
			return
		}
		first := analyze(t, language, map[string]string{"main." + ext: source})
		checkInvariants(t, first)
		if second := analyze(t, language, map[string]string{"main." + ext: source}); !reflect.DeepEqual(first, second) {
			t.Fatalf("reports differ between runs")
		}
	})
}
