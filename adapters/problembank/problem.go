// Package problembank holds the coding problems shipped with the service, and the rules every
// problem keeps, the bank's and an organization's alike: Validate checks a problem's shape,
// Verify runs its reference solutions against its tests in the sandbox.
package problembank

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/interviewlm/interviewlm/commands"
	"github.com/interviewlm/interviewlm/domain"
)

// Problem is a coding problem, offered in the languages it has starter code for.
type Problem struct {
	// ID is a slug, stable across releases: served questions name the problem by it.
	ID          string            `json:"id"`
	Title       string            `json:"title"`
	Description string            `json:"description"` // Markdown
	Difficulty  domain.Difficulty `json:"difficulty"`
	Tags        []string          `json:"tags"`
	Mode        domain.TestMode   `json:"mode"`
	// Entrypoint names the function the tests call, by language, in TestModeFunction: each
	// language's own convention (two_sum in Python, twoSum in JavaScript, TypeScript and Go).
	Entrypoint map[string]string `json:"entrypoint,omitempty"`
	// StarterCode is what the candidate starts from, by language: the function's signature
	// with a body that compiles and returns a placeholder.
	StarterCode map[string]string `json:"starterCode"`
	Tests       []domain.TestCase `json:"testCases"`
	// ReferenceSolutions pass every test, by language; a language may have none.
	ReferenceSolutions map[string]string `json:"referenceSolutions,omitempty"`
	EstimatedMinutes   int               `json:"estimatedMinutes"`
}

// Limits a problem keeps.
const (
	MinTests            = 6
	MinHiddenTests      = 2
	MaxTests            = commands.MaxTestCases
	MaxTitleLength      = 120   // characters
	MaxDescriptionBytes = 20000 // Markdown
	MaxTags             = 10
	MaxEstimatedMinutes = 180
	// MaxTestBytes bounds one test's input and its expected output, each.
	MaxTestBytes = 256 << 10
)

var (
	slugPattern = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
)

// Languages are the languages p is offered in (those with starter code), in the order of
// domain.Languages.
func (p Problem) Languages() []string {
	var langs []string
	for _, l := range domain.Languages {
		if _, ok := p.StarterCode[l]; ok {
			langs = append(langs, l)
		}
	}
	return langs
}

// Question is p served in language: starter code and entrypoint of that language, every test
// (the hidden ones are hidden from the candidate where tests are shown, not here).
func (p Problem) Question(language string) (domain.QuestionServed, error) {
	starter, ok := p.StarterCode[language]
	if !ok {
		return domain.QuestionServed{}, &domain.ValidationError{Field: "language",
			Message: fmt.Sprintf("problem %s is not offered in %q (only %s)", p.ID, language, strings.Join(p.Languages(), ", "))}
	}
	return domain.QuestionServed{
		Difficulty:       p.Difficulty,
		Title:            p.Title,
		Description:      p.Description,
		Language:         language,
		StarterCode:      starter,
		TestCases:        append([]domain.TestCase(nil), p.Tests...),
		Mode:             p.Mode,
		Entrypoint:       p.Entrypoint[language],
		Source:           domain.QuestionFromBank,
		ProblemID:        p.ID,
		EstimatedMinutes: p.EstimatedMinutes,
	}, nil
}

// Validate checks p's shape: every field a problem needs, for every language it is offered in.
// It returns nil or the errors.Join of one *domain.ValidationError per fault, each naming the
// field (testCases[3].input, starterCode.go, …); errors.As finds the first. Validate does not
// run code: Verify does.
func Validate(p Problem) error {
	var errs []error
	fail := func(field, format string, args ...any) {
		errs = append(errs, &domain.ValidationError{Field: field, Message: fmt.Sprintf(format, args...)})
	}

	if !slugPattern.MatchString(p.ID) || len(p.ID) > 64 {
		fail("id", "must be 1 to 64 lower-case letters, digits and single dashes, not starting or ending with a dash")
	}
	if t := strings.TrimSpace(p.Title); t == "" || t != p.Title || utf8.RuneCountInString(t) > MaxTitleLength || strings.ContainsAny(t, "\r\n") {
		fail("title", "must be 1 to %d characters on one line, without surrounding spaces", MaxTitleLength)
	}
	if strings.TrimSpace(p.Description) == "" || len(p.Description) > MaxDescriptionBytes {
		fail("description", "must be 1 to %d bytes of Markdown", MaxDescriptionBytes)
	}
	if !p.Difficulty.Valid() {
		fail("difficulty", "must be EASY, MEDIUM or HARD")
	}
	if len(p.Tags) > MaxTags {
		fail("tags", "must be at most %d", MaxTags)
	}
	seenTags := map[string]bool{}
	for i, tag := range p.Tags {
		if !slugPattern.MatchString(tag) || len(tag) > 40 {
			fail(fmt.Sprintf("tags[%d]", i), "must be 1 to 40 lower-case letters, digits and single dashes")
		} else if seenTags[tag] {
			fail(fmt.Sprintf("tags[%d]", i), "repeats %q", tag)
		}
		seenTags[tag] = true
	}
	if p.EstimatedMinutes < 1 || p.EstimatedMinutes > MaxEstimatedMinutes {
		fail("estimatedMinutes", "must be between 1 and %d", MaxEstimatedMinutes)
	}

	if len(p.StarterCode) == 0 {
		fail("starterCode", "must give the starter code of at least one of %s", strings.Join(domain.Languages, ", "))
	}
	for _, lang := range sortedKeys(p.StarterCode) {
		code := p.StarterCode[lang]
		switch {
		case !domain.ValidLanguage(lang):
			fail("starterCode."+lang, "is not a language: must be one of %s", strings.Join(domain.Languages, ", "))
		case strings.TrimSpace(code) == "":
			fail("starterCode."+lang, "must not be empty")
		case len(code) > commands.MaxCodeBytes:
			fail("starterCode."+lang, "must be at most %d bytes", commands.MaxCodeBytes)
		}
	}
	for _, lang := range sortedKeys(p.ReferenceSolutions) {
		code := p.ReferenceSolutions[lang]
		switch {
		case !domain.ValidLanguage(lang):
			fail("referenceSolutions."+lang, "is not a language: must be one of %s", strings.Join(domain.Languages, ", "))
		case p.StarterCode[lang] == "":
			fail("referenceSolutions."+lang, "has no starter code in that language")
		case strings.TrimSpace(code) == "":
			fail("referenceSolutions."+lang, "must not be empty")
		case len(code) > commands.MaxCodeBytes:
			fail("referenceSolutions."+lang, "must be at most %d bytes", commands.MaxCodeBytes)
		}
	}

	switch p.Mode {
	case domain.TestModeFunction:
		for _, lang := range p.Languages() {
			name, ok := p.Entrypoint[lang]
			if !ok {
				fail("entrypoint."+lang, "must name the function the tests call")
			} else if !domain.ValidEntrypoint(lang, name) {
				fail("entrypoint."+lang, "%q is not a function name", name)
			}
		}
		for _, lang := range sortedKeys(p.Entrypoint) {
			if !domain.ValidLanguage(lang) {
				fail("entrypoint."+lang, "is not a language: must be one of %s", strings.Join(domain.Languages, ", "))
			} else if _, ok := p.StarterCode[lang]; !ok {
				fail("entrypoint."+lang, "has no starter code in that language")
			}
		}
	case domain.TestModeStdio:
		if len(p.Entrypoint) > 0 {
			fail("entrypoint", "must be empty in stdio mode: the program reads stdin")
		}
	default:
		fail("mode", "must be function or stdio")
	}

	validateTests(p, fail)
	return errors.Join(errs...)
}

func validateTests(p Problem, fail func(field, format string, args ...any)) {
	hidden := 0
	names := map[string]int{}
	for i, tc := range p.Tests {
		field := fmt.Sprintf("testCases[%d]", i)
		if tc.Hidden {
			hidden++
		}
		if strings.TrimSpace(tc.Name) == "" || utf8.RuneCountInString(tc.Name) > 100 {
			fail(field+".name", "must be 1 to 100 characters")
		} else if j, dup := names[tc.Name]; dup {
			fail(field+".name", "%q is also the name of testCases[%d]", tc.Name, j)
		} else {
			names[tc.Name] = i
		}
		if len(tc.Input) > MaxTestBytes {
			fail(field+".input", "must be at most %d bytes", MaxTestBytes)
		}
		if len(tc.ExpectedOutput) > MaxTestBytes {
			fail(field+".expectedOutput", "must be at most %d bytes", MaxTestBytes)
		}
		if p.Mode != domain.TestModeFunction {
			continue
		}
		var args []json.RawMessage
		if err := json.Unmarshal([]byte(tc.Input), &args); err != nil {
			fail(field+".input", "must be a JSON array of the function's arguments")
		}
		if !json.Valid([]byte(tc.ExpectedOutput)) {
			fail(field+".expectedOutput", "must be the JSON value the function returns")
		}
	}
	switch {
	case len(p.Tests) < MinTests || len(p.Tests) > MaxTests:
		fail("testCases", "must be %d to %d tests (there are %d)", MinTests, MaxTests, len(p.Tests))
	case hidden < MinHiddenTests:
		fail("testCases", "must include at least %d hidden tests (there are %d)", MinHiddenTests, hidden)
	case hidden == len(p.Tests):
		fail("testCases", "must include at least one visible test, an example for the candidate")
	}
}

// Verify runs each of p's reference solutions against p's tests through run (the sandbox) and
// returns an error naming every test one of them fails; a problem without reference solutions
// passes. An error from run itself (the sandbox unavailable) is returned wrapped: it says
// nothing of the problem.
func Verify(ctx context.Context, run commands.TestExecutor, p Problem) error {
	var errs []error
	for _, lang := range p.Languages() {
		code, ok := p.ReferenceSolutions[lang]
		if !ok {
			continue
		}
		report, err := run(ctx, Submission(p, lang, code))
		if err != nil {
			return fmt.Errorf("problem %s: running the %s reference solution: %w", p.ID, lang, err)
		}
		for _, r := range report.Results {
			if !r.Passed {
				errs = append(errs, &domain.ValidationError{Field: "referenceSolutions." + lang,
					Message: fmt.Sprintf("fails test %q: %s%s", r.Name, r.Verdict, describeFailure(r))})
			}
		}
	}
	return errors.Join(errs...)
}

// Submission is code in language submitted against p's tests, hidden ones included.
func Submission(p Problem, language, code string) commands.TestSubmission {
	return commands.TestSubmission{
		Language:   language,
		Code:       code,
		FileName:   fileNames[language],
		Mode:       p.Mode,
		Entrypoint: p.Entrypoint[language],
		Tests:      p.Tests,
	}
}

var fileNames = map[string]string{
	"python": "solution.py", "javascript": "solution.js", "typescript": "solution.ts", "go": "solution.go",
}

func describeFailure(r domain.TestResult) string {
	switch {
	case r.Error != "":
		return ": " + firstLines(r.Error, 6)
	case r.Verdict == domain.VerdictWrongAnswer:
		return fmt.Sprintf(": got %s, want %s", firstLines(r.ActualOutput, 1), firstLines(r.ExpectedOutput, 1))
	}
	return ""
}

func firstLines(s string, n int) string {
	lines := strings.SplitN(strings.TrimSpace(s), "\n", n+1)
	if len(lines) > n {
		lines = append(lines[:n], "…")
	}
	out := strings.Join(lines, "\n")
	if len(out) > 300 {
		out = strings.ToValidUTF8(out[:300], "") + "…"
	}
	return out
}

func sortedKeys(m map[string]string) []string {
	// Languages in their usual order, then anything else (invalid) by name.
	rank := func(k string) int {
		if i := slices.Index(domain.Languages, k); i >= 0 {
			return i
		}
		return len(domain.Languages)
	}
	keys := slices.Collect(maps.Keys(m))
	slices.SortFunc(keys, func(a, b string) int {
		return cmp.Or(cmp.Compare(rank(a), rank(b)), strings.Compare(a, b))
	})
	return keys
}
