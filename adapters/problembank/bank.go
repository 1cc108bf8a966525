package problembank

import (
	"bytes"
	"cmp"
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"path"
	"slices"
	"strings"

	"github.com/google/uuid"

	"github.com/interviewlm/interviewlm/domain"
)

// The bank: one folder per problem, named by its ID, holding
//
//	problem.json    title, difficulty, tags, estimatedMinutes, entrypoint by language, and
//	                tests: [{name, input: [arguments…], expected: value, hidden}]
//	description.md  the statement the candidate reads
//	starter.py .js .ts .go   the starter code, by language
//	solution.py .js .ts .go  the reference solution, by language
//
// Every problem is in function mode. The Go files start with a //go:build ignore line, which
// keeps them out of the module's build (each folder declares its function twice) and is
// dropped on loading.
//
//go:embed bank
var bankFS embed.FS

// goIgnore is the line that keeps the bank's Go files out of the build.
const goIgnore = "//go:build ignore\n"

// problemFile is problem.json.
type problemFile struct {
	Title            string            `json:"title"`
	Difficulty       domain.Difficulty `json:"difficulty"`
	Tags             []string          `json:"tags"`
	EstimatedMinutes int               `json:"estimatedMinutes"`
	Entrypoint       map[string]string `json:"entrypoint"`
	Tests            []struct {
		Name     string          `json:"name"`
		Input    json.RawMessage `json:"input"`
		Expected json.RawMessage `json:"expected"`
		Hidden   bool            `json:"hidden"`
	} `json:"tests"`
}

// Load reads the problems shipped with the service, EASY first, then MEDIUM and HARD, each
// by ID. Each problem is valid (Validate) and offered in every language of domain.Languages
// with a reference solution; an error names every problem that is not. Load reads the
// embedded files on every call: callers keep what it returns.
func Load() ([]Problem, error) {
	return load(bankFS, "bank")
}

func load(fsys fs.FS, root string) ([]Problem, error) {
	entries, err := fs.ReadDir(fsys, root)
	if err != nil {
		return nil, fmt.Errorf("problembank: %w", err)
	}
	var problems []Problem
	var errs []error
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		p, err := loadProblem(fsys, path.Join(root, e.Name()), e.Name())
		if err == nil {
			err = Validate(p)
		}
		if err == nil {
			err = bankRules(p)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("problembank: %s: %w", e.Name(), err))
			continue
		}
		problems = append(problems, p)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	slices.SortFunc(problems, func(a, b Problem) int {
		return cmp.Or(cmp.Compare(difficultyRank(a.Difficulty), difficultyRank(b.Difficulty)), strings.Compare(a.ID, b.ID))
	})
	return problems, nil
}

func difficultyRank(d domain.Difficulty) int {
	return slices.Index([]domain.Difficulty{domain.DifficultyEasy, domain.DifficultyMedium, domain.DifficultyHard}, d)
}

func loadProblem(fsys fs.FS, dir, id string) (Problem, error) {
	data, err := fs.ReadFile(fsys, path.Join(dir, "problem.json"))
	if err != nil {
		return Problem{}, err
	}
	var f problemFile
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return Problem{}, fmt.Errorf("problem.json: %w", err)
	}
	description, err := fs.ReadFile(fsys, path.Join(dir, "description.md"))
	if err != nil {
		return Problem{}, err
	}
	p := Problem{
		ID: id, Title: f.Title, Description: string(description), Difficulty: f.Difficulty, Tags: f.Tags,
		Mode: domain.TestModeFunction, Entrypoint: f.Entrypoint, EstimatedMinutes: f.EstimatedMinutes,
		StarterCode: map[string]string{}, ReferenceSolutions: map[string]string{},
	}
	for _, lang := range domain.Languages {
		for name, into := range map[string]map[string]string{"starter": p.StarterCode, "solution": p.ReferenceSolutions} {
			code, err := fs.ReadFile(fsys, path.Join(dir, name+domain.Extension(lang)))
			if errors.Is(err, fs.ErrNotExist) {
				continue // bankRules names it
			} else if err != nil {
				return Problem{}, err
			}
			s := string(code)
			if lang == "go" {
				s = strings.TrimLeft(strings.TrimPrefix(s, goIgnore), "\n")
			}
			into[lang] = s
		}
	}
	for i, t := range f.Tests {
		// Compact, so that the input a candidate's program reads is one line.
		var input, expected bytes.Buffer
		if err := json.Compact(&input, t.Input); err != nil {
			return Problem{}, fmt.Errorf("problem.json: tests[%d].input: %w", i, err)
		}
		if err := json.Compact(&expected, t.Expected); err != nil {
			return Problem{}, fmt.Errorf("problem.json: tests[%d].expected: %w", i, err)
		}
		p.Tests = append(p.Tests, domain.TestCase{Name: t.Name, Input: input.String(), ExpectedOutput: expected.String(), Hidden: t.Hidden})
	}
	return p, nil
}

// bankRules are what the bank asks beyond Validate: every language, with its solution, and tags.
func bankRules(p Problem) error {
	var errs []error
	for _, lang := range domain.Languages {
		if _, ok := p.StarterCode[lang]; !ok {
			errs = append(errs, &domain.ValidationError{Field: "starterCode." + lang, Message: "missing: starter" + domain.Extension(lang)})
		}
		if _, ok := p.ReferenceSolutions[lang]; !ok {
			errs = append(errs, &domain.ValidationError{Field: "referenceSolutions." + lang, Message: "missing: solution" + domain.Extension(lang)})
		}
	}
	if len(p.Tags) == 0 {
		errs = append(errs, &domain.ValidationError{Field: "tags", Message: "must name at least one topic"})
	}
	return errors.Join(errs...)
}

// ErrNoProblem means no problem of the difficulty is offered in the language.
var ErrNoProblem = errors.New("problembank: no problem of that difficulty in that language")

// Bank serves problems as questions (commands.ProblemPicker).
type Bank struct {
	problems []Problem
}

// NewBank is a bank of problems, which it keeps (the caller must not change them). Each
// problem should have passed Validate.
func NewBank(problems []Problem) *Bank {
	return &Bank{problems: problems}
}

// Problems are the bank's problems.
func (b *Bank) Problems() []Problem { return slices.Clone(b.problems) }

// Problem is the problem with id.
func (b *Bank) Problem(id string) (Problem, bool) {
	for _, p := range b.problems {
		if p.ID == id {
			return p, true
		}
	}
	return Problem{}, false
}

// Pick serves a problem of difficulty in language, chosen at random among those whose IDs are
// not in exclude (the problems already served to the candidate), so that candidates do not all
// get the same question. When every such problem has been served it serves one again rather
// than end the interview: ten questions can ask for more HARD problems than the bank holds.
func (b *Bank) Pick(_ context.Context, difficulty domain.Difficulty, language string, exclude []string) (domain.QuestionServed, error) {
	var fresh, all []Problem
	for _, p := range b.problems {
		if _, ok := p.StarterCode[language]; !ok || p.Difficulty != difficulty {
			continue
		}
		all = append(all, p)
		if !slices.Contains(exclude, p.ID) {
			fresh = append(fresh, p)
		}
	}
	choices := fresh
	if len(choices) == 0 {
		choices = all
	}
	if len(choices) == 0 {
		return domain.QuestionServed{}, fmt.Errorf("%w: %s in %s", ErrNoProblem, difficulty, language)
	}
	return choices[rand.IntN(len(choices))].Question(language)
}

// Catalog is the bank together with the organizations' own problems (commands.ProblemPicker).
type Catalog struct {
	*Bank
	// Organization returns an organization's problem by id (adapters/directory), or an error.
	Organization func(ctx context.Context, organization uuid.UUID, id string) (Problem, error)
}

// Fixed returns the problem with id, from the bank or the organization's own, as a question in
// language.
func (c Catalog) Fixed(ctx context.Context, organization uuid.UUID, id, language string) (domain.QuestionServed, error) {
	if p, ok := c.Problem(id); ok {
		return p.Question(language)
	}
	if c.Organization == nil {
		return domain.QuestionServed{}, fmt.Errorf("%w: %s", ErrNoProblem, id)
	}
	p, err := c.Organization(ctx, organization, id)
	if err != nil {
		return domain.QuestionServed{}, err
	}
	q, err := p.Question(language)
	q.Source = domain.QuestionFromBank
	return q, err
}

// StoredProblems reads organizations' problems stored as JSON (adapters/directory.Store.Problem)
// for a Catalog.
func StoredProblems(get func(ctx context.Context, organization uuid.UUID, id string) (json.RawMessage, error)) func(context.Context, uuid.UUID, string) (Problem, error) {
	return func(ctx context.Context, organization uuid.UUID, id string) (Problem, error) {
		raw, err := get(ctx, organization, id)
		if err != nil {
			return Problem{}, err
		}
		var p Problem
		return p, json.Unmarshal(raw, &p)
	}
}
