package httpapi

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/interviewlm/interviewlm/adapters/eventstore"
	"github.com/interviewlm/interviewlm/commands"
	"github.com/interviewlm/interviewlm/domain"
	"github.com/interviewlm/interviewlm/projections"
)

// SubmitWait bounds how long POST /submit waits for the scoring read model to evaluate the
// submission before it answers 202 without the evaluation.
const SubmitWait = 20 * time.Second

// submitAccess is the policy of POST /submit: the interview's own candidate only, even once
// the interview is over, so that a second submission can be answered with the first result.
func submitAccess(a *api, c echo.Context, p Principal) error {
	id, err := uuidParam(c, "id")
	if err != nil {
		return err
	}
	switch p.Kind {
	case PrincipalCandidate:
		return ownInterview(c, p, id)
	case PrincipalUser:
		return Forbidden("only the candidate submits an interview")
	}
	return errUnauthenticated
}

// teamInterviewAccess is the policy of the hiring team's interview routes: a member of the
// interview's organization; a candidate is refused.
func teamInterviewAccess(a *api, c echo.Context, p Principal) error {
	if p.Kind != PrincipalUser {
		return Forbidden("this route is for hiring-team accounts")
	}
	return interviewAccess(false)(a, c, p)
}

type submitBody struct {
	FinalCode map[string]string `json:"finalCode"`
	Notes     string            `json:"notes"`
}

func (a *api) postSubmit(c echo.Context) error {
	if a.deps.Submit == nil {
		return ServiceUnavailable("submit_unavailable", "this server does not take submissions")
	}
	interview := currentInterview(c)
	in, err := Bind[submitBody](c)
	if err != nil {
		return err
	}
	if in.FinalCode == nil {
		return ValidationFailed("finalCode", `is required: {"<fileName>": "<code>"}`)
	}
	ctx := c.Request().Context()
	res, err := a.deps.Submit.Handle(ctx, commands.SubmitInterview{Interview: interview, FinalFiles: in.FinalCode, Notes: in.Notes})
	again := errors.Is(err, domain.ErrInterviewSubmitted)
	if err != nil && !again {
		return err
	}

	// Read your writes: the answer carries the evaluation of this very submission.
	wait, cancel := context.WithTimeout(ctx, SubmitWait)
	defer cancel()
	var ev projections.EvaluationView
	if again {
		ev, err = a.awaitEvaluation(wait, interview)
	} else if err = a.deps.WaitFor(wait, "scoring", res.Position); err == nil {
		ev, err = projections.ReadEvaluation(ctx, a.deps.ReadModels, interview.ID)
	}
	pending := errors.Is(err, context.DeadlineExceeded) || errors.Is(err, projections.ErrNotFound)
	if err != nil && !pending {
		return err
	}
	row, err := projections.ReadCandidate(ctx, a.deps.ReadModels, interview.CandidateID)
	if err != nil {
		return err
	}
	if row.SubmittedAt == nil { // the candidates read model has yet to see the submission
		row.Status = domain.CandidateStatusAfter(row.Status, domain.TypeInterviewSubmitted, nil)
	}
	body := map[string]any{
		"success":   true,
		"candidate": map[string]any{"id": row.ID, "name": row.Name, "email": row.Email, "status": row.Status},
	}
	if !pending {
		settings, err := a.settingsOf(ctx, interview.ID)
		if err != nil {
			return err
		}
		if settings.ShowResultsToCandidate {
			body["evaluation"] = ev
		}
	}
	status := http.StatusOK
	switch {
	case again:
		status = http.StatusConflict
		body["error"] = payloadOf(NewError(status, "already_submitted", "this interview was submitted already; this is the first submission's result"))
	case pending:
		status = http.StatusAccepted
		body["evaluationPending"] = true
	}
	return c.JSON(status, body)
}

// awaitEvaluation waits for the evaluation of an interview submitted earlier, which may still
// be in the making.
func (a *api) awaitEvaluation(ctx context.Context, interview domain.Interview) (projections.EvaluationView, error) {
	for {
		ev, err := projections.ReadEvaluation(ctx, a.deps.ReadModels, interview.ID)
		if !errors.Is(err, projections.ErrNotFound) {
			return ev, err
		}
		select {
		case <-ctx.Done():
			return ev, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func (a *api) getEvaluation(c echo.Context) error {
	interview := currentInterview(c)
	ev, err := projections.ReadEvaluation(c.Request().Context(), a.deps.ReadModels, interview.ID)
	if errors.Is(err, projections.ErrNotFound) {
		if interview.SubmittedAt == nil {
			return NewError(http.StatusNotFound, "not_submitted", "the interview has not been submitted yet")
		}
		return NewError(http.StatusNotFound, "evaluation_pending", "the evaluation is being computed; try again in a moment")
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"evaluation": ev})
}

// RecordingTTL is how long a recording's download link lasts.
const RecordingTTL = time.Hour

func (a *api) getRecording(c echo.Context) error {
	if a.deps.Archives == nil {
		return ServiceUnavailable("archives_unavailable", "this server has no archive store")
	}
	interview := currentInterview(c)
	ctx := c.Request().Context()
	events, err := a.deps.Events.QueryStream(ctx, interview.ID, eventstore.StreamQuery{Types: []string{domain.TypeSessionArchived}, Limit: eventstore.MaxQueryLimit})
	if err != nil {
		return err
	}
	if len(events) == 0 {
		return NewError(http.StatusNotFound, "not_archived", "the session has not been archived yet: it is archived once submitted")
	}
	data, err := domain.DecodeRecorded(events[len(events)-1])
	if err != nil {
		return err
	}
	archived := data.(*domain.SessionArchived)
	url, expires, err := a.deps.Archives.URL(ctx, archived.Key, RecordingTTL)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{
		"url": url, "expiresAt": expires, "sizeBytes": archived.SizeBytes, "compressedBytes": archived.CompressedBytes,
		"eventCount": archived.EventCount, "lastVersion": archived.LastVersion,
	})
}

// ArchivesPath is where the local archive store's signed links are served.
const ArchivesPath = "/api/archives"

// serveArchive serves the local archive store's signed links; the store checks the signature.
func (a *api) serveArchive(c echo.Context) error {
	if a.deps.ArchiveFiles == nil {
		return NotFound("not found")
	}
	http.StripPrefix(ArchivesPath, a.deps.ArchiveFiles).ServeHTTP(c.Response(), c.Request())
	return nil
}
