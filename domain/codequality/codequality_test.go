package codequality

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// sample reads a sample solution from testdata.
func sample(t testing.TB, name string) string {
	t.Helper()
	content, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(content)
}

func analyze(t testing.TB, language string, files map[string]string) Report {
	t.Helper()
	report, err := Analyze(language, files)
	if err != nil {
		t.Fatalf("Analyze(%s): %v", language, err)
	}
	return report
}

func codes(findings []Finding) []string {
	var out []string
	for _, f := range findings {
		out = append(out, f.Code)
	}
	return out
}

func TestCleanAndBadSolutions(t *testing.T) {
	allPenalties := []string{CodeComplexity, CodeLongFunction, CodeDeepNesting, CodeTooManyParams, CodeDuplication, CodeNaming}
	tests := []struct {
		language  string
		clean     string
		bad       string
		badCodes  []string
		badAtMost float64
	}{
		{"python", "clean.py", "bad.py", allPenalties, 50},
		{"javascript", "clean.js", "bad.js", allPenalties, 50},
		{"typescript", "clean.ts", "bad.ts", allPenalties, 50},
		{"go", "clean.go", "bad.go", allPenalties, 60},
	}
	for _, tt := range tests {
		t.Run(tt.language, func(t *testing.T) {
			clean := analyze(t, tt.language, map[string]string{tt.clean: sample(t, tt.clean)})
			if clean.Score < 90 {
				t.Errorf("clean score = %v, want >= 90; findings %+v", clean.Score, clean.Findings)
			}
			if clean.ParseErrors != 0 || len(clean.Functions) == 0 || clean.CodeLines == 0 {
				t.Errorf("clean measures: %d parse errors, %d functions, %d code lines", clean.ParseErrors, len(clean.Functions), clean.CodeLines)
			}
			bad := analyze(t, tt.language, map[string]string{tt.bad: sample(t, tt.bad)})
			if bad.Score > tt.badAtMost || bad.Score > clean.Score-30 {
				t.Errorf("bad score = %v, want <= %v and well below clean %v", bad.Score, tt.badAtMost, clean.Score)
			}
			if got := codes(bad.Findings); !reflect.DeepEqual(got, tt.badCodes) {
				t.Errorf("bad finding codes = %v, want %v", got, tt.badCodes)
			}
			total := 0.0
			for _, f := range bad.Findings {
				if f.Message == "" || f.Penalty <= 0 {
					t.Errorf("finding %+v: want a message and a positive penalty", f)
				}
				total += f.Penalty
			}
			if got := round2(100 - total); got != bad.Score {
				t.Errorf("score %v is not 100 minus the findings' penalties (%v)", bad.Score, got)
			}
			if bad.MaxNesting != 6 {
				t.Errorf("bad MaxNesting = %d, want 6", bad.MaxNesting)
			}
		})
	}
}

func TestFunctionMeasures(t *testing.T) {
	tests := []struct {
		language string
		file     string
		source   string
		want     []Function // File is filled in from file
	}{
		{"python", "c1.py", `def check(items, limit):
    for item in items:
        if item > 0 and item < limit:
            return item
    return None


def classify(value):
    if value < 0:
        return "negative"
    elif value == 0:
        return "zero"
    elif value < 10:
        return "small"
    else:
        return "large"


def parse(text):
    try:
        return int(text)
    except ValueError:
        return None
    except TypeError:
        return None


def evens(numbers):
    return [n for n in numbers if n % 2 == 0 if n > 0]


def describe(command):
    match command:
        case "go":
            return 1
        case "stop":
            return 2
        case _:
            return 0


def outer(values):
    def inner(value):
        return value if value else 0
    return [inner(v) for v in values]


square = lambda value: value * value if value else 0


def apply(values):
    return sorted(values, key=lambda v: -v if v else 0)


class Stack:
    def push(self, item, *rest, key=None, **options):
        self.items.append(item)


def deep(path):
    with open(path) as handle:
        for line in handle:
            while line:
                try:
                    if line:
                        line = line[1:]
                except IndexError:
                    pass
    return path
`, []Function{
			{Name: "check", Line: 1, Lines: 5, Complexity: 4, MaxNesting: 2, Params: 2},
			{Name: "classify", Line: 8, Lines: 9, Complexity: 4, MaxNesting: 1, Params: 1},
			{Name: "parse", Line: 19, Lines: 7, Complexity: 3, MaxNesting: 1, Params: 1},
			{Name: "evens", Line: 28, Lines: 2, Complexity: 3, MaxNesting: 0, Params: 1},
			{Name: "describe", Line: 32, Lines: 8, Complexity: 4, MaxNesting: 1, Params: 1},
			{Name: "outer", Line: 42, Lines: 4, Complexity: 1, MaxNesting: 0, Params: 1},
			{Name: "inner", Line: 43, Lines: 2, Complexity: 2, MaxNesting: 0, Params: 1},
			{Name: "square", Line: 48, Lines: 1, Complexity: 2, MaxNesting: 0, Params: 1},
			{Name: "apply", Line: 51, Lines: 2, Complexity: 2, MaxNesting: 0, Params: 1},
			{Name: "Stack.push", Line: 56, Lines: 2, Complexity: 1, MaxNesting: 0, Params: 4},
			{Name: "deep", Line: 60, Lines: 10, Complexity: 5, MaxNesting: 5, Params: 1},
		}},
		{"javascript", "c1.js", `function check(items, limit) {
  for (const item of items) {
    if (item > 0 && item < limit) {
      return item;
    }
  }
  return null;
}

function classify(value) {
  if (value < 0) {
    return 'negative';
  } else if (value === 0) {
    return 'zero';
  } else if (value < 10) {
    return 'small';
  }
  return 'large';
}

function pick(kind, fallback) {
  switch (kind) {
    case 'a':
      return 1;
    case 'b':
      return 2;
    default:
      return fallback ?? 0;
  }
}

const load = async (url) => {
  try {
    return await fetch(url);
  } catch (error) {
    return error ? null : undefined;
  }
};

function countDown(limit) {
  let index = 0;
  do {
    index++;
  } while (index < limit || index < 3);
  while (index > 0) {
    index--;
  }
  return index;
}

class Queue {
  enqueue(item, { priority = 0, ...rest } = {}) {
    this.items.push(item);
  }
}

[1, 2].forEach((value) => {
  if (value) {
    console.log(value);
  }
});

function total(items) {
  return items.filter((item) => item.active && item.price > 0).length;
}

const handlers = { onClick(event) { return event; }, onKey: (event) => event };
`, []Function{
			{Name: "check", Line: 1, Lines: 8, Complexity: 4, MaxNesting: 2, Params: 2},
			{Name: "classify", Line: 10, Lines: 10, Complexity: 4, MaxNesting: 1, Params: 1},
			{Name: "pick", Line: 21, Lines: 10, Complexity: 4, MaxNesting: 1, Params: 2},
			{Name: "load", Line: 32, Lines: 7, Complexity: 3, MaxNesting: 1, Params: 1},
			{Name: "countDown", Line: 40, Lines: 10, Complexity: 4, MaxNesting: 1, Params: 1},
			{Name: "Queue.enqueue", Line: 52, Lines: 3, Complexity: 1, MaxNesting: 0, Params: 2},
			{Name: "<anonymous>", Line: 57, Lines: 5, Complexity: 2, MaxNesting: 1, Params: 1},
			{Name: "total", Line: 63, Lines: 3, Complexity: 2, MaxNesting: 0, Params: 1},
			{Name: "onClick", Line: 67, Lines: 1, Complexity: 1, MaxNesting: 0, Params: 1},
			{Name: "onKey", Line: 67, Lines: 1, Complexity: 1, MaxNesting: 0, Params: 1},
		}},
		{"typescript", "c1.ts", `function check(items: number[], limit: number): number | null {
  for (const item of items) {
    if (item > 0 && item < limit) {
      return item;
    }
  }
  return null;
}

class Counter {
  private count = 0;
  increment = (step: number): number => (step > 0 ? this.count + step : this.count);
  constructor(private readonly name: string, start?: number) {}
}

function first(value: string): string;
function first(value: number): number;
function first(value: any): any {
  return value;
}
`, []Function{
			{Name: "check", Line: 1, Lines: 8, Complexity: 4, MaxNesting: 2, Params: 2},
			{Name: "Counter.increment", Line: 12, Lines: 1, Complexity: 2, MaxNesting: 0, Params: 1},
			{Name: "Counter.constructor", Line: 13, Lines: 1, Complexity: 1, MaxNesting: 0, Params: 2},
			{Name: "first", Line: 18, Lines: 3, Complexity: 1, MaxNesting: 0, Params: 1},
		}},
		{"go", "c1.go", `package sample

func check(items []int, limit int) int {
	for _, item := range items {
		if item > 0 && item < limit {
			return item
		}
	}
	return -1
}

func wait(done, ticks chan int) int {
	for {
		select {
		case <-done:
			return 0
		case tick := <-ticks:
			if tick > 10 {
				return tick
			}
		default:
		}
	}
}

func kind(value any) string {
	switch value.(type) {
	case int, int64:
		return "int"
	case string:
		return "string"
	default:
		return "other"
	}
}

func sign(n int) int {
	if n < 0 {
		return -1
	} else if n > 0 {
		return 1
	}
	return 0
}

type Counter struct{ total int }

func (c *Counter) Add(values ...int) {
	for _, v := range values {
		c.total += v
	}
}

func run() int {
	double := func(n int) int {
		if n > 0 {
			return n * 2
		}
		return 0
	}
	return double(2)
}

func many(a, b int, c string, d ...bool) {}
`, []Function{
			{Name: "check", Line: 3, Lines: 8, Complexity: 4, MaxNesting: 2, Params: 2},
			{Name: "wait", Line: 12, Lines: 13, Complexity: 5, MaxNesting: 3, Params: 2},
			{Name: "kind", Line: 26, Lines: 10, Complexity: 3, MaxNesting: 1, Params: 1},
			{Name: "sign", Line: 37, Lines: 8, Complexity: 3, MaxNesting: 1, Params: 1},
			{Name: "Counter.Add", Line: 48, Lines: 5, Complexity: 2, MaxNesting: 1, Params: 1},
			{Name: "run", Line: 54, Lines: 9, Complexity: 1, MaxNesting: 0, Params: 0},
			{Name: "double", Line: 55, Lines: 6, Complexity: 2, MaxNesting: 1, Params: 1},
			{Name: "many", Line: 64, Lines: 1, Complexity: 1, MaxNesting: 0, Params: 4},
		}},
		// The comments after a belong to b's section, not to a.
		{"python", "trail.py", "def run():\n    return 1\n    # trailing comment\n\n\n# section comment\ndef stop():\n    return 2\n", []Function{
			{Name: "run", Line: 1, Lines: 2, Complexity: 1, Params: 0},
			{Name: "stop", Line: 7, Lines: 2, Complexity: 1, Params: 0},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			report := analyze(t, tt.language, map[string]string{tt.file: tt.source})
			for i := range tt.want {
				tt.want[i].File = tt.file
			}
			if !reflect.DeepEqual(report.Functions, tt.want) {
				t.Errorf("functions differ")
				for i := range max(len(report.Functions), len(tt.want)) {
					var got, want Function
					if i < len(report.Functions) {
						got = report.Functions[i]
					}
					if i < len(tt.want) {
						want = tt.want[i]
					}
					if got != want {
						t.Errorf("  got  %+v\n  want %+v", got, want)
					}
				}
			}
		})
	}
}
