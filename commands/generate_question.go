package commands

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/interviewlm/interviewlm/domain"
)

// ChatCompleter asks the model for one whole answer, as a JSON object (adapters/llm.Client).
type ChatCompleter func(ctx context.Context, messages []ChatMessage) (ChatCompletion, error)

// ErrGeneratedQuestionRejected means the model's question failed a check; the bank serves.
var ErrGeneratedQuestionRejected = errors.New("generated question rejected")

// Generator asks the AI for a new problem and serves it only once its own reference solution
// passes all its tests in the sandbox: a generated question with a wrong test would fail every
// candidate.
type Generator struct {
	model ChatCompleter
	exec  TestExecutor
}

// NewGenerator returns the generator; both dependencies are required.
func NewGenerator(model ChatCompleter, exec TestExecutor) (*Generator, error) {
	if model == nil || exec == nil {
		return nil, errors.New("commands: Generator needs a model and a test executor")
	}
	return &Generator{model: model, exec: exec}, nil
}

// generatedProblem is the JSON the model is asked for.
type generatedProblem struct {
	Title             string            `json:"title"`
	Description       string            `json:"description"`
	Requirements      []string          `json:"requirements"`
	Difficulty        string            `json:"difficulty"`
	StarterCode       string            `json:"starterCode"`
	TestCases         []domain.TestCase `json:"testCases"`
	ReferenceSolution string            `json:"referenceSolution"`
	EstimatedMinutes  int               `json:"estimatedMinutes"`
}

// Generate implements QuestionGenerator.
func (g *Generator) Generate(ctx context.Context, difficulty domain.Difficulty, language string) (domain.QuestionServed, error) {
	prompt := fmt.Sprintf(`Write one %s coding interview problem to be solved in %s.
Answer with a JSON object only, with these fields:
"title", "description" (Markdown; the program reads its input from stdin and prints its answer to stdout),
"requirements" (list of strings), "difficulty" (%q), "starterCode" (a %s program that reads stdin and compiles),
"testCases" (6 to 12 objects {"name", "input" (stdin text), "expectedOutput" (exact stdout), "hidden" (boolean)}, at least 2 hidden, covering edge cases),
"referenceSolution" (a complete %s program that passes every test), "estimatedMinutes" (integer).`,
		difficulty, language, difficulty, language, language)
	out, err := g.model(ctx, []ChatMessage{
		{Role: "system", Content: "You write precise, unambiguous programming problems with correct tests. You answer with JSON only."},
		{Role: "user", Content: prompt},
	})
	if err != nil {
		return domain.QuestionServed{}, err
	}
	var p generatedProblem
	if err := json.Unmarshal([]byte(strings.TrimSpace(out.Text)), &p); err != nil {
		return domain.QuestionServed{}, fmt.Errorf("%w: not the JSON asked for: %v", ErrGeneratedQuestionRejected, err)
	}
	if err := p.check(); err != nil {
		return domain.QuestionServed{}, err
	}
	report, err := g.exec(ctx, TestSubmission{Language: language, Code: p.ReferenceSolution, Mode: domain.TestModeStdio, Tests: p.TestCases})
	if err != nil {
		return domain.QuestionServed{}, err
	}
	if report.Passed != report.Total {
		return domain.QuestionServed{}, fmt.Errorf("%w: its reference solution passes %d of its %d tests", ErrGeneratedQuestionRejected, report.Passed, report.Total)
	}
	description := p.Description
	if len(p.Requirements) > 0 {
		description += "\n\n## Requirements\n- " + strings.Join(p.Requirements, "\n- ")
	}
	// The difficulty is the one decided, whatever label the model put on its problem.
	return domain.QuestionServed{Difficulty: difficulty, Title: p.Title, Description: description, Language: language,
		StarterCode: p.StarterCode, TestCases: p.TestCases, Mode: domain.TestModeStdio, Source: domain.QuestionFromGenerator,
		EstimatedMinutes: max(p.EstimatedMinutes, 5)}, nil
}

func (p generatedProblem) check() error {
	reject := func(what string) error { return fmt.Errorf("%w: %s", ErrGeneratedQuestionRejected, what) }
	switch {
	case strings.TrimSpace(p.Title) == "" || len(p.Title) > 200:
		return reject("no title")
	case strings.TrimSpace(p.Description) == "":
		return reject("no description")
	case strings.TrimSpace(p.ReferenceSolution) == "":
		return reject("no reference solution")
	case len(p.TestCases) < 6 || len(p.TestCases) > MaxTestCases:
		return reject(fmt.Sprintf("%d test cases, want 6 to %d", len(p.TestCases), MaxTestCases))
	}
	hidden := 0
	for _, tc := range p.TestCases {
		if strings.TrimSpace(tc.Name) == "" {
			return reject("a test case without a name")
		}
		if tc.Hidden {
			hidden++
		}
	}
	if hidden < 2 {
		return reject(fmt.Sprintf("%d hidden tests, want at least 2", hidden))
	}
	return nil
}
