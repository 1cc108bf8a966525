// Package codequality measures a candidate's final code statically and turns the measures into
// a deterministic 0–100 code-quality score with findings that explain every lost point.
//
// Python, JavaScript, TypeScript and Go are parsed with tree-sitter, which recovers from
// syntax errors, so broken code is still measured (and penalised for not parsing).
//
// # Measures
//
//   - Files: those whose extension belongs to the language (TypeScript also takes .js/.jsx,
//     parsed as JavaScript; .tsx is parsed as TSX) or that have no extension; others are
//     listed in Report.Skipped rather than parsed as the wrong language.
//   - Code lines: lines holding at least one token that is not a comment (Python docstrings
//     count as comments). Statements outside functions add code lines but no complexity.
//   - Functions: every function, method, nested function, and lambda/arrow/function literal
//     assigned to a name. Unassigned ones inside a function are folded into it (their branches
//     count towards it); unassigned ones at file level are reported as "<anonymous>". Methods
//     are named Class.method (Go: Type.Method).
//   - Complexity (McCabe): 1 + one per if/elif/else-if, for/while/do loop, case clause (not
//     default), catch/except clause, ternary/conditional expression, boolean operator
//     (and/or, &&/||, and JavaScript's ??), comprehension `if`, and Go select case.
//   - Nesting: how many if/for/while/do/try/with/switch/match/select blocks enclose the
//     deepest statement of a function; an else-if chain counts as one level.
//   - Params: declared parameters, not counting Python's self/cls or Go's receiver.
//   - Duplication and naming: see measureDuplication and the naming rule in naming.go.
//
// # Score
//
// The score starts at 100 and loses the penalties below, each category capped so that no
// single habit sinks a solution. Code with no functions and no code lines scores 0.
//
//	finding          trigger (per function unless noted)           penalty            cap
//	parse_error      ERROR/MISSING nodes (all files)               20, +5 each more   50
//	complexity       complexity > 10 (> 20)                        5 (10)             30
//	long_function    lines > 50 (> 100)                            5 (10)             20
//	deep_nesting     nesting > 4                                   5                  15
//	too_many_params  params > 5                                    3                  10
//	duplication      duplicated share > 5% (report)                100 × (share − 5%) 25
//	naming           good-name share < 80% (report)                50 × (80% − share) 20
//
// Within a category the findings are charged in report order until the cap is used up; a
// finding past the cap is still listed, with Penalty 0.
package codequality

import (
	"cmp"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"

	sitter "github.com/tree-sitter/go-tree-sitter"
)

// Thresholds and penalties of the score; the package documentation has them as a table.
const (
	ComplexityLimit       = 10 // cyclomatic complexity above this is penalised
	ComplexityHighLimit   = 20 // above this the penalty is ComplexityHighPenalty
	ComplexityPenalty     = 5.0
	ComplexityHighPenalty = 10.0
	ComplexityPenaltyCap  = 30.0

	LengthLimit       = 50  // function lines above this are penalised
	LengthHighLimit   = 100 // above this the penalty is LengthHighPenalty
	LengthPenalty     = 5.0
	LengthHighPenalty = 10.0
	LengthPenaltyCap  = 20.0

	NestingLimit      = 4 // block nesting above this is penalised
	NestingPenalty    = 5.0
	NestingPenaltyCap = 15.0

	ParamsLimit      = 5 // parameters above this are penalised
	ParamsPenalty    = 3.0
	ParamsPenaltyCap = 10.0

	DuplicateWindow        = 6    // significant lines a repeated block must span
	DuplicationLimit       = 0.05 // duplicated share of code lines above this is penalised
	DuplicationWeight      = 100.0
	DuplicationPenaltyCap  = 25.0
	NamingLimit            = 0.8 // good-name share below this is penalised
	NamingWeight           = 50.0
	NamingPenaltyCap       = 20.0
	ParseErrorPenalty      = 20.0 // for the first error node
	ParseErrorExtraPenalty = 5.0  // for each further error node
	ParseErrorPenaltyCap   = 50.0
)

// Finding codes, in the order findings are reported.
const (
	CodeEmpty         = "empty"
	CodeParseError    = "parse_error"
	CodeComplexity    = "complexity"
	CodeLongFunction  = "long_function"
	CodeDeepNesting   = "deep_nesting"
	CodeTooManyParams = "too_many_params"
	CodeDuplication   = "duplication"
	CodeNaming        = "naming"
)

// Report is the static measure of a candidate's code in one language.
type Report struct {
	Language    string
	Files       int      // files measured
	Skipped     []string // files not in Language (by extension), sorted
	CodeLines   int      // non-blank, non-comment lines
	Functions   []Function
	MaxNesting  int     // deepest block nesting in any function
	Duplication float64 // 0..1: share of code lines in a block repeated elsewhere
	Naming      float64 // 0..1: share of declared names that pass the naming rule (1 if none)
	Identifiers int     // declared names the Naming share is over
	PoorNames   []Name  // names failing the naming rule, sorted by File, then Line
	ParseErrors int     // ERROR and MISSING nodes
	Score       float64 // 0..100
	Findings    []Finding
}

// Function is the measure of one function, method or named lambda.
type Function struct {
	Name       string
	File       string
	Line       int // first line, 1-based
	Lines      int // lines spanned
	Complexity int // McCabe cyclomatic complexity
	MaxNesting int
	Params     int
}

// Finding explains one deduction from the score.
type Finding struct {
	Code    string
	Message string
	File    string // "" when the finding is about all files
	Line    int    // 0 when the finding has no single place
	Penalty float64
}

// Name is a declared identifier that fails the naming rule.
type Name struct {
	Name string
	Kind string // function, parameter, variable or type
	File string
	Line int
}

// Analyze measures files (file name -> source) written in language ("python", "javascript",
// "typescript" or "go"). Files whose extension belongs to another language (README.md,
// package.json) are listed in Report.Skipped; files without an extension are measured. The
// error is only for an unknown language. The same input always gives the same Report.
func Analyze(language string, files map[string]string) (Report, error) {
	lang, ok := languages[strings.ToLower(strings.TrimSpace(language))]
	if !ok {
		return Report{}, fmt.Errorf("codequality: unknown language %q", language)
	}
	report := Report{Language: lang.name, Naming: 1}
	parser := sitter.NewParser()
	defer parser.Close()
	var measured []*fileMeasures
	for _, name := range slices.Sorted(maps.Keys(files)) {
		grammar := lang.grammarFor(name)
		if grammar == nil {
			report.Skipped = append(report.Skipped, name)
			continue
		}
		src := []byte(files[name])
		measured = append(measured, measureFile(lang, name, src, parse(parser, grammar(), src)))
	}
	report.Files = len(measured)
	firstDuplicate := summarize(&report, lang, measured)
	score(&report, measured, firstDuplicate)
	return report, nil
}

// summarize fills the report's measures from the files' measures and returns the first
// duplicated block, if any, for the duplication finding.
func summarize(report *Report, lang *language, files []*fileMeasures) *duplicate {
	var functions []*function
	good := 0
	for _, file := range files {
		for _, code := range file.codeRows {
			if code {
				report.CodeLines++
			}
		}
		report.ParseErrors += file.parseErrors
		functions = append(functions, file.functions...)
		for _, id := range file.idents {
			report.Identifiers++
			if lang.goodName(id.name, id.kind, id.ctx) {
				good++
				continue
			}
			report.PoorNames = append(report.PoorNames, Name{Name: id.name, Kind: id.kind.String(), File: file.name, Line: id.line})
		}
	}
	// The walk already finds functions in file and position order; sorting states the
	// contract instead of relying on the walk, and orders functions sharing a line by column.
	slices.SortStableFunc(functions, func(a, b *function) int {
		return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line), cmp.Compare(a.column, b.column))
	})
	for _, fn := range functions {
		report.Functions = append(report.Functions, fn.Function)
		report.MaxNesting = max(report.MaxNesting, fn.MaxNesting)
	}
	if report.Identifiers > 0 {
		report.Naming = round2(float64(good) / float64(report.Identifiers))
	}
	slices.SortStableFunc(report.PoorNames, func(a, b Name) int {
		return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line))
	})
	if report.CodeLines == 0 {
		return nil
	}
	duplicated, first := measureDuplication(files)
	report.Duplication = round2(float64(duplicated) / float64(report.CodeLines))
	return first
}

// score deducts the penalties in the package documentation from 100 and explains each.
func score(report *Report, files []*fileMeasures, first *duplicate) {
	if report.CodeLines == 0 && len(report.Functions) == 0 {
		report.Score = 0
		report.Findings = []Finding{{Code: CodeEmpty, Message: "no code to assess: no functions and no code lines"}}
		return
	}
	var findings []Finding
	charge := func(group []Finding, cap float64) {
		left := cap
		for _, f := range group {
			f.Penalty = math.Min(f.Penalty, left)
			left -= f.Penalty
			findings = append(findings, f)
		}
	}

	var parseErrors []Finding
	for _, file := range files {
		if file.parseErrors == 0 {
			continue
		}
		penalty := ParseErrorExtraPenalty * float64(file.parseErrors)
		if len(parseErrors) == 0 {
			penalty += ParseErrorPenalty - ParseErrorExtraPenalty
		}
		parseErrors = append(parseErrors, Finding{
			Code:    CodeParseError,
			Message: fmt.Sprintf("%s does not parse: %s (first at line %d)", file.name, plural(file.parseErrors, "syntax error"), file.firstError),
			File:    file.name, Line: file.firstError, Penalty: penalty,
		})
	}
	charge(parseErrors, ParseErrorPenaltyCap)

	var complexity, length, nesting, params []Finding
	for _, fn := range report.Functions {
		if fn.Complexity > ComplexityLimit {
			penalty := ComplexityPenalty
			if fn.Complexity > ComplexityHighLimit {
				penalty = ComplexityHighPenalty
			}
			complexity = append(complexity, Finding{Code: CodeComplexity, File: fn.File, Line: fn.Line, Penalty: penalty,
				Message: fmt.Sprintf("function %s has cyclomatic complexity %d (limit %d)", fn.Name, fn.Complexity, ComplexityLimit)})
		}
		if fn.Lines > LengthLimit {
			penalty := LengthPenalty
			if fn.Lines > LengthHighLimit {
				penalty = LengthHighPenalty
			}
			length = append(length, Finding{Code: CodeLongFunction, File: fn.File, Line: fn.Line, Penalty: penalty,
				Message: fmt.Sprintf("function %s is %d lines long (limit %d)", fn.Name, fn.Lines, LengthLimit)})
		}
		if fn.MaxNesting > NestingLimit {
			nesting = append(nesting, Finding{Code: CodeDeepNesting, File: fn.File, Line: fn.Line, Penalty: NestingPenalty,
				Message: fmt.Sprintf("function %s nests blocks %d deep (limit %d)", fn.Name, fn.MaxNesting, NestingLimit)})
		}
		if fn.Params > ParamsLimit {
			params = append(params, Finding{Code: CodeTooManyParams, File: fn.File, Line: fn.Line, Penalty: ParamsPenalty,
				Message: fmt.Sprintf("function %s takes %d parameters (limit %d)", fn.Name, fn.Params, ParamsLimit)})
		}
	}
	charge(complexity, ComplexityPenaltyCap)
	charge(length, LengthPenaltyCap)
	charge(nesting, NestingPenaltyCap)
	charge(params, ParamsPenaltyCap)

	if report.Duplication > DuplicationLimit {
		f := Finding{Code: CodeDuplication, Penalty: DuplicationWeight * (report.Duplication - DuplicationLimit),
			Message: fmt.Sprintf("%s of code lines are in duplicated blocks (limit %s)", percent(report.Duplication), percent(DuplicationLimit))}
		if first != nil {
			f.File, f.Line = first.file, first.line
			f.Message += fmt.Sprintf("; e.g. %s lines %d-%d repeat %s lines %d-%d",
				first.file, first.line, first.lastLine, first.originalFile, first.originalLine, first.origLast)
		}
		charge([]Finding{f}, DuplicationPenaltyCap)
	}

	if report.Naming < NamingLimit {
		f := Finding{Code: CodeNaming, Penalty: NamingWeight * (NamingLimit - report.Naming),
			Message: fmt.Sprintf("%s of %d declared names are descriptive and follow %s conventions (limit %s)",
				percent(report.Naming), report.Identifiers, report.Language, percent(NamingLimit))}
		if len(report.PoorNames) > 0 {
			f.File, f.Line = report.PoorNames[0].File, report.PoorNames[0].Line
			var names []string
			for i, n := range report.PoorNames {
				if i == 8 {
					names = append(names, "…")
					break
				}
				names = append(names, n.Name)
			}
			f.Message += "; e.g. " + strings.Join(names, ", ")
		}
		charge([]Finding{f}, NamingPenaltyCap)
	}

	total := 0.0
	for i := range findings {
		findings[i].Penalty = round2(findings[i].Penalty)
		total += findings[i].Penalty
	}
	report.Findings = findings
	report.Score = round2(math.Max(0, 100-total))
}

func round2(x float64) float64 { return math.Round(x*100) / 100 }

func percent(share float64) string { return fmt.Sprintf("%.0f%%", share*100) }

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
