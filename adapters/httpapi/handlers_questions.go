package httpapi

import (
	"net/http"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/interviewlm/interviewlm/commands"
	"github.com/interviewlm/interviewlm/domain"
	"github.com/interviewlm/interviewlm/projections"
)

// questionJSON is a question as a caller may see it: a candidate gets a hidden test's name only.
func questionJSON(q domain.QuestionServed, candidate bool) map[string]any {
	tests := make([]map[string]any, len(q.TestCases))
	for i, tc := range q.TestCases {
		t := map[string]any{"name": tc.Name, "hidden": tc.Hidden}
		if !tc.Hidden || !candidate {
			t["input"], t["expectedOutput"] = tc.Input, tc.ExpectedOutput
		}
		tests[i] = t
	}
	return map[string]any{
		"id": q.QuestionID, "index": q.Index, "difficulty": q.Difficulty, "title": q.Title,
		"description": q.Description, "language": q.Language, "starterCode": q.StarterCode,
		"testCases": tests, "mode": q.Mode, "entrypoint": q.Entrypoint, "source": q.Source,
		"problemId": q.ProblemID, "estimatedMinutes": q.EstimatedMinutes,
	}
}

func (a *api) getQuestions(c echo.Context) error {
	ctx, interview := c.Request().Context(), currentInterview(c)
	settings, err := a.settingsOf(ctx, interview.ID)
	if err != nil {
		return err
	}
	questions, err := projections.ReadQuestions(ctx, a.deps.ReadModels, interview.ID)
	if err != nil {
		return err
	}
	p, _ := CurrentPrincipal(c)
	answer := map[string]any{"currentQuestion": nil, "completed": false, "totalQuestions": settings.QuestionCount,
		"currentQuestionIndex": len(questions) - 1}
	if n := len(questions); n > 0 {
		last := questions[n-1]
		answer["currentQuestion"] = questionJSON(last.Question, p.Kind == PrincipalCandidate)
		answer["completed"] = n >= settings.QuestionCount && last.CompletedAt != nil
	}
	return c.JSON(http.StatusOK, answer)
}

func (a *api) postQuestions(c echo.Context) error {
	in, err := Bind[struct {
		PreviousPerformance *struct {
			QuestionID       uuid.UUID `json:"questionId"`
			Score            float64   `json:"score"`
			TimeSpent        float64   `json:"timeSpent"`
			TestsPassedRatio float64   `json:"testsPassedRatio"`
		} `json:"previousPerformance"`
	}](c)
	if err != nil {
		return err
	}
	ctx, interview := c.Request().Context(), currentInterview(c)
	settings, err := a.settingsOf(ctx, interview.ID)
	if err != nil {
		return err
	}
	cmd := commands.NextQuestion{Interview: interview, Settings: settings}
	if pp := in.PreviousPerformance; pp != nil {
		cmd.PreviousID = pp.QuestionID
		cmd.Previous = &domain.Performance{Score: pp.Score, TestsPassedRatio: pp.TestsPassedRatio, TimeSpentMinutes: pp.TimeSpent}
		if q, err := (projections.QuestionsReader{DB: a.deps.ReadModels}).ServedQuestion(ctx, interview.ID, pp.QuestionID); err == nil {
			cmd.Previous.EstimatedMinutes = float64(q.EstimatedMinutes)
		}
	}
	q, number, err := a.deps.NextQuestion.Handle(ctx, cmd)
	if err != nil {
		return err
	}
	p, _ := CurrentPrincipal(c)
	return c.JSON(http.StatusCreated, map[string]any{"question": questionJSON(q, p.Kind == PrincipalCandidate), "questionNumber": number})
}
