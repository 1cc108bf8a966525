package httpapi

import (
	"fmt"
	"net/http"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/interviewlm/interviewlm/commands"
	"github.com/interviewlm/interviewlm/domain"
)

// testCaseInput is a test case as the client sends it.
type testCaseInput struct {
	Name           string `json:"name"`
	Input          string `json:"input"`
	ExpectedOutput string `json:"expectedOutput"`
	Hidden         bool   `json:"hidden"`
}

func (a *api) postRunTests(c echo.Context) error {
	in, err := Bind[struct {
		Code       string           `json:"code"`
		Language   string           `json:"language"`
		TestCases  *[]testCaseInput `json:"testCases"`
		FileName   string           `json:"fileName"`
		QuestionID *uuid.UUID       `json:"questionId"`
	}](c)
	if err != nil {
		return err
	}
	interview := currentInterview(c)
	if err := a.requireTool(c, interview, func(s domain.AssessmentSettings) bool { return s.EnableCoding },
		"coding_disabled", "this assessment does not run code"); err != nil {
		return err
	}
	cmd := commands.RunTests{Interview: interview, Language: in.Language, Code: in.Code, FileName: in.FileName}
	if in.QuestionID != nil {
		cmd.QuestionID = *in.QuestionID
	}
	if in.TestCases != nil {
		cmd.Tests = make([]domain.TestCase, len(*in.TestCases))
		for i, tc := range *in.TestCases {
			if tc.Name == "" {
				tc.Name = fmt.Sprintf("test %d", i+1)
			}
			cmd.Tests[i] = domain.TestCase{Name: tc.Name, Input: tc.Input, ExpectedOutput: tc.ExpectedOutput, Hidden: tc.Hidden}
		}
	}
	run, err := a.deps.RunTests.Handle(c.Request().Context(), cmd)
	if err != nil {
		return err
	}
	p, _ := CurrentPrincipal(c)
	results := make([]map[string]any, len(run.Results))
	for i, r := range run.Results {
		res := map[string]any{"name": r.Name, "passed": r.Passed, "verdict": r.Verdict, "duration": r.DurationMs, "hidden": r.Hidden}
		// A hidden test shows a candidate only whether it passed, never its content.
		if !r.Hidden || p.Kind != PrincipalCandidate {
			res["actualOutput"], res["expectedOutput"] = r.ActualOutput, r.ExpectedOutput
			if r.Error != "" {
				res["error"] = r.Error
			}
		}
		results[i] = res
	}
	return c.JSON(http.StatusOK, map[string]any{
		"runId": run.RunID, "passed": run.Passed, "failed": run.Failed, "total": run.Total,
		"results": results, "executionTime": run.ExecutionTimeMs,
	})
}
