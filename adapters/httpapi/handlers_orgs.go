package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/interviewlm/interviewlm/adapters/directory"
	"github.com/interviewlm/interviewlm/adapters/identity"
	"github.com/interviewlm/interviewlm/commands"
	"github.com/interviewlm/interviewlm/domain"
	"github.com/interviewlm/interviewlm/projections"
)

func (a *api) createOrganization(c echo.Context) error {
	in, err := Bind[struct {
		Name string      `json:"name"`
		Slug string      `json:"slug"`
		Plan domain.Plan `json:"plan"`
	}](c)
	if err != nil {
		return err
	}
	name, err := domain.NewOrganizationName(in.Name)
	if err != nil {
		return err
	}
	slug, err := domain.NewSlug(in.Slug, name)
	if err != nil {
		return err
	}
	if in.Plan == "" {
		in.Plan = domain.PlanFree
	}
	if in.Plan != domain.PlanFree {
		// Paid plans come with billing, which is not part of this service.
		return ValidationFailed("plan", "a new organization starts on the FREE plan")
	}
	p, _ := CurrentPrincipal(c)
	org, err := a.deps.Directory.CreateOrganization(c.Request().Context(),
		directory.Organization{ID: uuid.New(), Name: name, Slug: slug, Plan: in.Plan}, p.User.ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, map[string]any{"organization": org})
}

// orgOf reads :orgId and checks that the caller is a member.
func (a *api) orgOf(c echo.Context) (uuid.UUID, domain.Role, error) {
	orgID, err := uuidParam(c, "orgId")
	if err != nil {
		return uuid.Nil, "", err
	}
	role, err := a.member(c, orgID)
	return orgID, role, err
}

func (a *api) listMembers(c echo.Context) error {
	orgID, _, err := a.orgOf(c)
	if err != nil {
		return err
	}
	members, err := a.deps.Directory.Members(c.Request().Context(), orgID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"members": members})
}

func (a *api) addMember(c echo.Context) error {
	orgID, role, err := a.orgOf(c)
	if err != nil {
		return err
	}
	in, err := Bind[struct {
		Email string      `json:"email"`
		Role  domain.Role `json:"role"`
	}](c)
	if err != nil {
		return err
	}
	if !role.CanManageMembers() {
		return domain.ErrForbiddenRole
	}
	if !in.Role.Valid() {
		return ValidationFailed("role", "must be OWNER, ADMIN or MEMBER")
	}
	if !role.CanGrant(in.Role) {
		return Forbidden("only an owner can make another owner")
	}
	email, err := domain.NormalizeEmail(in.Email)
	if err != nil {
		return err
	}
	p, _ := CurrentPrincipal(c)
	member, err := a.deps.Directory.AddMember(c.Request().Context(), orgID, email, in.Role, p.User.ID)
	if errors.Is(err, directory.ErrNotFound) {
		return NotFound("no account uses this email; ask them to sign up first").WithDetail("field", "email")
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, map[string]any{"member": member})
}

// assessmentInput is the body of POST and PATCH assessments; PATCH leaves nil fields alone.
type assessmentInput struct {
	Title                  *string                  `json:"title"`
	Description            *string                  `json:"description"`
	Seniority              *domain.Seniority        `json:"seniority"`
	DurationMinutes        *int                     `json:"durationMinutes"`
	Language               *string                  `json:"language"`
	QuestionCount          *int                     `json:"questionCount"`
	EnableCoding           *bool                    `json:"enableCoding"`
	EnableTerminal         *bool                    `json:"enableTerminal"`
	EnableAI               *bool                    `json:"enableAI"`
	ShowResultsToCandidate *bool                    `json:"showResultsToCandidate"`
	ProblemIDs             *[]string                `json:"problemIds"`
	Status                 *domain.AssessmentStatus `json:"status"`
	// Scoring, when sent, is laid over the default scoring (only the fields sent change);
	// null goes back to the default.
	Scoring json.RawMessage `json:"scoring"`
}

func (in assessmentInput) applyTo(a *domain.Assessment) error {
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = *src
		}
	}
	set(&a.Title, in.Title)
	set(&a.Description, in.Description)
	set(&a.Language, in.Language)
	if in.Seniority != nil {
		a.Seniority = *in.Seniority
	}
	for _, f := range []struct {
		dst *int
		src *int
	}{{&a.DurationMinutes, in.DurationMinutes}, {&a.QuestionCount, in.QuestionCount}} {
		if f.src != nil {
			*f.dst = *f.src
		}
	}
	for _, f := range []struct {
		dst *bool
		src *bool
	}{{&a.EnableCoding, in.EnableCoding}, {&a.EnableTerminal, in.EnableTerminal}, {&a.EnableAI, in.EnableAI},
		{&a.ShowResultsToCandidate, in.ShowResultsToCandidate}} {
		if f.src != nil {
			*f.dst = *f.src
		}
	}
	if in.ProblemIDs != nil {
		a.ProblemIDs = *in.ProblemIDs
	}
	switch {
	case len(in.Scoring) == 0:
	case string(in.Scoring) == "null":
		a.Scoring = nil
	default:
		cfg := domain.DefaultScoringConfig()
		if a.Scoring != nil {
			cfg = *a.Scoring
		}
		dec := json.NewDecoder(bytes.NewReader(in.Scoring))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&cfg); err != nil {
			return ValidationFailed("scoring", "must be a scoring configuration: "+err.Error())
		}
		a.Scoring = &cfg
	}
	return nil
}

func (a *api) createAssessment(c echo.Context) error {
	orgID, _, err := a.orgOf(c)
	if err != nil {
		return err
	}
	in, err := Bind[assessmentInput](c)
	if err != nil {
		return err
	}
	p, _ := CurrentPrincipal(c)
	// Defaults a hiring team expects: an hour, three questions, every tool on, results private.
	assessment := domain.Assessment{
		ID: uuid.New(), OrganizationID: orgID, Seniority: domain.SeniorityMid, DurationMinutes: 60,
		Language: "python", QuestionCount: 3, EnableCoding: true, EnableTerminal: true, EnableAI: true,
		ProblemIDs: []string{}, Status: domain.AssessmentDraft, CreatedBy: p.User.ID,
	}
	if in.Status != nil && *in.Status != domain.AssessmentDraft {
		return ValidationFailed("status", "a new assessment starts as DRAFT; publish it with PATCH")
	}
	if err := in.applyTo(&assessment); err != nil {
		return err
	}
	if err := assessment.Validate(); err != nil {
		return err
	}
	created, err := a.deps.Directory.CreateAssessment(c.Request().Context(), assessment)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, map[string]any{"assessment": created})
}

func (a *api) listAssessments(c echo.Context) error {
	orgID, _, err := a.orgOf(c)
	if err != nil {
		return err
	}
	list, err := a.deps.Directory.Assessments(c.Request().Context(), orgID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"assessments": list})
}

// assessmentOf loads :id and checks that the caller belongs to its organization.
func (a *api) assessmentOf(c echo.Context) (domain.Assessment, domain.Role, error) {
	id, err := uuidParam(c, "id")
	if err != nil {
		return domain.Assessment{}, "", err
	}
	assessment, err := a.deps.Directory.Assessment(c.Request().Context(), id)
	if err != nil {
		return assessment, "", err
	}
	role, err := a.member(c, assessment.OrganizationID)
	return assessment, role, err
}

func (a *api) getAssessment(c echo.Context) error {
	assessment, _, err := a.assessmentOf(c)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"assessment": assessment})
}

func (a *api) updateAssessment(c echo.Context) error {
	assessment, _, err := a.assessmentOf(c)
	if err != nil {
		return err
	}
	in, err := Bind[assessmentInput](c)
	if err != nil {
		return err
	}
	updated, err := a.deps.Directory.UpdateAssessment(c.Request().Context(), assessment.ID,
		func(current *domain.Assessment, hasCandidates bool) error {
			if err := in.applyTo(current); err != nil {
				return err
			}
			if in.Status != nil {
				if err := current.ChangeStatus(*in.Status, hasCandidates); err != nil {
					return err
				}
			}
			return current.Validate()
		})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"assessment": updated})
}

func (a *api) inviteURL(token string) string { return a.deps.AppBaseURL + "/invite/" + token }

func (a *api) inviteCandidate(c echo.Context) error {
	assessment, _, err := a.assessmentOf(c)
	if err != nil {
		return err
	}
	in, err := Bind[struct {
		Name  string `json:"name"`
		Email string `json:"email"`
	}](c)
	if err != nil {
		return err
	}
	p, _ := CurrentPrincipal(c)
	invited, err := a.deps.InviteCandidate.Handle(c.Request().Context(), commands.InviteCandidate{
		AssessmentID: assessment.ID, Name: in.Name, Email: in.Email, InvitedBy: p.User.ID,
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, map[string]any{
		"candidate":   candidateJSON(invited.Candidate, domain.CandidateInvited),
		"inviteToken": invited.InviteToken,
		"inviteUrl":   a.inviteURL(invited.InviteToken),
		"expiresAt":   invited.Candidate.InviteExpiresAt.UTC(),
	})
}

func candidateJSON(c domain.Candidate, status domain.CandidateStatus) map[string]any {
	return map[string]any{"id": c.ID, "name": c.Name, "email": c.Email, "status": status, "assessmentId": c.AssessmentID}
}

func (a *api) listCandidates(c echo.Context) error {
	assessment, _, err := a.assessmentOf(c)
	if err != nil {
		return err
	}
	rows, err := projections.ListCandidates(c.Request().Context(), a.deps.ReadModels, assessment.ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"candidates": rows})
}

// candidateOf loads :id and checks that the caller belongs to the candidate's organization.
func (a *api) candidateOf(c echo.Context) (domain.Candidate, error) {
	id, err := uuidParam(c, "id")
	if err != nil {
		return domain.Candidate{}, err
	}
	candidate, err := a.deps.Directory.Candidate(c.Request().Context(), id)
	if err != nil {
		return candidate, err
	}
	_, err = a.member(c, candidate.OrganizationID)
	return candidate, err
}

func (a *api) getCandidate(c echo.Context) error {
	candidate, err := a.candidateOf(c)
	if err != nil {
		return err
	}
	row, err := projections.ReadCandidate(c.Request().Context(), a.deps.ReadModels, candidate.ID)
	if err != nil {
		return err
	}
	body := map[string]any{"candidate": row, "interviewId": row.InterviewID}
	if row.InterviewID != nil {
		ev, err := projections.ReadEvaluation(c.Request().Context(), a.deps.ReadModels, *row.InterviewID)
		switch {
		case err == nil:
			body["evaluation"] = ev
		case !errors.Is(err, projections.ErrNotFound):
			return err
		}
	}
	return c.JSON(http.StatusOK, body)
}

func (a *api) decideCandidate(c echo.Context) error {
	candidate, err := a.candidateOf(c)
	if err != nil {
		return err
	}
	in, err := Bind[struct {
		Status domain.HiringDecision `json:"status"`
	}](c)
	if err != nil {
		return err
	}
	p, _ := CurrentPrincipal(c)
	if _, err := a.deps.DecideCandidate.Handle(c.Request().Context(), commands.DecideCandidate{
		CandidateID: candidate.ID, Status: in.Status, DecidedBy: p.User.ID,
	}); err != nil {
		return err
	}
	row, err := projections.ReadCandidate(c.Request().Context(), a.deps.ReadModels, candidate.ID)
	if err != nil {
		return err
	}
	// The list catches up a moment later; the answer already shows the decision.
	row.Status = domain.CandidateStatus(in.Status)
	return c.JSON(http.StatusOK, map[string]any{"candidate": row})
}

func (a *api) renewInvite(c echo.Context) error {
	candidate, err := a.candidateOf(c)
	if err != nil {
		return err
	}
	if candidate.InterviewID != nil {
		return NewError(http.StatusConflict, "interview_started", "this candidate has started their interview; their invite cannot be renewed")
	}
	token, hash := identity.NewToken(identity.InviteTokenPrefix)
	renewed, err := a.deps.Directory.RenewInvite(c.Request().Context(), candidate.ID, hash, a.now().Add(a.deps.InviteTTL))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{
		"candidate": candidateJSON(renewed, domain.CandidateInvited), "inviteToken": token,
		"inviteUrl": a.inviteURL(token), "expiresAt": renewed.InviteExpiresAt.UTC(),
	})
}

func (a *api) revokeInvite(c echo.Context) error {
	candidate, err := a.candidateOf(c)
	if err != nil {
		return err
	}
	if _, err := a.deps.Directory.RevokeInvite(c.Request().Context(), candidate.ID); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (a *api) startInterview(c echo.Context) error {
	started, err := a.deps.StartInterview.Handle(c.Request().Context(), commands.StartInterview{InviteToken: c.Param("token")})
	if errors.Is(err, directory.ErrNotFound) {
		return NewError(http.StatusNotFound, "invite_not_found", "this invite link is not valid")
	}
	if err != nil {
		return err
	}
	status := http.StatusCreated
	if started.Resumed {
		status = http.StatusOK
	}
	s := started.Assessment
	return c.JSON(status, map[string]any{
		"interviewId": started.Interview.ID,
		"token":       started.Token,
		"expiresAt":   started.Interview.Deadline.UTC(),
		"resumed":     started.Resumed,
		"assessment": map[string]any{
			"id": s.ID, "title": s.Title, "description": s.Description, "durationMinutes": s.DurationMinutes,
			"language": s.Language, "questionCount": s.QuestionCount, "enableCoding": s.EnableCoding,
			"enableTerminal": s.EnableTerminal, "enableAI": s.EnableAI,
		},
	})
}
