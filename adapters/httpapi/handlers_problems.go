package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/interviewlm/interviewlm/adapters/directory"
	"github.com/interviewlm/interviewlm/adapters/problembank"
	"github.com/interviewlm/interviewlm/domain"
)

// Problems is what the problem routes need: the bank, the organizations' own problems, and a
// way to check a problem's reference solution in the sandbox.
type Problems struct {
	Bank *problembank.Bank
	// Verify runs a problem's reference solutions against its tests (nil without a sandbox).
	Verify func(ctx context.Context, p problembank.Problem) error
}

// problemSummary is a problem as GET /problems lists it: never its tests or solutions.
func problemSummary(p problembank.Problem, source string, org *uuid.UUID) map[string]any {
	s := map[string]any{"id": p.ID, "title": p.Title, "difficulty": p.Difficulty, "tags": p.Tags,
		"languages": p.Languages(), "estimatedMinutes": p.EstimatedMinutes, "source": source}
	if org != nil {
		s["organizationId"] = *org
	}
	return s
}

func (a *api) getProblems(c echo.Context) error {
	if a.deps.Problems.Bank == nil {
		return ServiceUnavailable("questions_unavailable", "this server has no problem bank")
	}
	var out []map[string]any
	for _, p := range a.deps.Problems.Bank.Problems() {
		out = append(out, problemSummary(p, "bank", nil))
	}
	p, _ := CurrentPrincipal(c)
	own, err := a.deps.OrgProblems.ProblemsOf(c.Request().Context(), p.User.ID)
	if err != nil {
		return err
	}
	for _, op := range own {
		var prob problembank.Problem
		if err := json.Unmarshal(op.Problem, &prob); err != nil {
			return err
		}
		out = append(out, problemSummary(prob, "organization", &op.OrganizationID))
	}
	return c.JSON(http.StatusOK, map[string]any{"problems": out})
}

// postProblem adds an organization's own problem, held to the bank's rules: its shape is
// validated and its reference solution must pass every one of its tests in the sandbox.
func (a *api) postProblem(c echo.Context) error {
	orgID, role, err := a.orgOf(c)
	if err != nil {
		return err
	}
	if !role.CanManageAssessments() {
		return domain.ErrForbiddenRole
	}
	in, err := Bind[struct {
		Title             string            `json:"title"`
		Description       string            `json:"description"`
		Difficulty        domain.Difficulty `json:"difficulty"`
		Language          string            `json:"language"`
		StarterCode       string            `json:"starterCode"`
		TestCases         []domain.TestCase `json:"testCases"`
		Mode              domain.TestMode   `json:"mode"`
		Entrypoint        string            `json:"entrypoint"`
		ReferenceSolution string            `json:"referenceSolution"`
		Tags              []string          `json:"tags"`
		EstimatedMinutes  int               `json:"estimatedMinutes"`
	}](c)
	if err != nil {
		return err
	}
	if !domain.ValidLanguage(in.Language) {
		return ValidationFailed("language", "must be javascript, typescript, python or go")
	}
	if in.ReferenceSolution == "" {
		return ValidationFailed("referenceSolution", "a reference solution is required: it proves the tests right")
	}
	if in.Mode == "" {
		in.Mode = domain.TestModeStdio
	}
	if in.EstimatedMinutes == 0 {
		in.EstimatedMinutes = map[domain.Difficulty]int{domain.DifficultyEasy: 15, domain.DifficultyMedium: 25, domain.DifficultyHard: 40}[in.Difficulty]
	}
	if in.Tags == nil {
		in.Tags = []string{}
	}
	p := problembank.Problem{
		ID: "org-" + uuid.NewString(), Title: in.Title, Description: in.Description, Difficulty: in.Difficulty,
		Tags: in.Tags, Mode: in.Mode, StarterCode: map[string]string{in.Language: in.StarterCode},
		Tests: in.TestCases, ReferenceSolutions: map[string]string{in.Language: in.ReferenceSolution},
		EstimatedMinutes: in.EstimatedMinutes,
	}
	if in.Entrypoint != "" {
		p.Entrypoint = map[string]string{in.Language: in.Entrypoint}
	}
	if err := problembank.Validate(p); err != nil {
		return err
	}
	if a.deps.Problems.Verify == nil {
		return ServiceUnavailable("sandbox_unavailable", "problems are verified in the sandbox, which this server does not run")
	}
	if err := a.deps.Problems.Verify(c.Request().Context(), p); err != nil {
		var ve *domain.ValidationError
		if errors.As(err, &ve) {
			return NewError(http.StatusUnprocessableEntity, "reference_solution_fails",
				"the reference solution does not pass the problem's own tests").WithDetail("failures", err.Error()).WithCause(err)
		}
		return err
	}
	raw, err := json.Marshal(p)
	if err != nil {
		return err
	}
	creator, _ := CurrentPrincipal(c)
	if err := a.deps.OrgProblems.CreateProblem(c.Request().Context(),
		directory.OrganizationProblem{ID: p.ID, OrganizationID: orgID, Problem: raw}, creator.User.ID); err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, map[string]any{"problem": problemSummary(p, "organization", &orgID)})
}
