package httpapi

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/interviewlm/interviewlm/adapters/directory"
	"github.com/interviewlm/interviewlm/adapters/eventstore"
	"github.com/interviewlm/interviewlm/adapters/identity"
	"github.com/interviewlm/interviewlm/adapters/web"
	"github.com/interviewlm/interviewlm/commands"
	"github.com/interviewlm/interviewlm/domain"
	"github.com/interviewlm/interviewlm/projections"
)

// IdentityService is what the API needs of accounts and sessions (adapters/identity.Service).
type IdentityService interface {
	Register(ctx context.Context, name, email, password string) (identity.User, error)
	Login(ctx context.Context, email, password, clientIP, userAgent string) (identity.Session, error)
	Logout(ctx context.Context, token string) error
	Authenticate(ctx context.Context, token string) (identity.User, error)
	OAuthStart(ctx context.Context, provider, redirectTo string) (string, error)
	OAuthCallback(ctx context.Context, provider, state, code, clientIP, userAgent string) (identity.Session, string, error)
	OAuthProviders() []string
}

// Directory is what the API needs of organizations, assessments, candidates and interviews
// (adapters/directory.Store).
type Directory interface {
	CreateOrganization(ctx context.Context, org directory.Organization, owner uuid.UUID) (directory.Organization, error)
	Memberships(ctx context.Context, userID uuid.UUID) ([]directory.Membership, error)
	Role(ctx context.Context, orgID, userID uuid.UUID) (domain.Role, error)
	Members(ctx context.Context, orgID uuid.UUID) ([]directory.Member, error)
	AddMember(ctx context.Context, orgID uuid.UUID, email string, role domain.Role, addedBy uuid.UUID) (directory.Member, error)
	CreateAssessment(ctx context.Context, a domain.Assessment) (domain.Assessment, error)
	Assessment(ctx context.Context, id uuid.UUID) (domain.Assessment, error)
	Assessments(ctx context.Context, orgID uuid.UUID) ([]domain.Assessment, error)
	UpdateAssessment(ctx context.Context, id uuid.UUID, update func(a *domain.Assessment, hasCandidates bool) error) (domain.Assessment, error)
	Candidate(ctx context.Context, id uuid.UUID) (domain.Candidate, error)
	RevokeInvite(ctx context.Context, id uuid.UUID) (domain.Candidate, error)
	RenewInvite(ctx context.Context, id uuid.UUID, inviteHash []byte, expiresAt time.Time) (domain.Candidate, error)
	Interview(ctx context.Context, id uuid.UUID) (domain.Interview, error)
	AuthenticateCandidate(ctx context.Context, tokenHash []byte, now time.Time) (domain.Interview, error)
}

// EventLog is what the interview routes need of the event store.
type EventLog interface {
	Append(ctx context.Context, stream uuid.UUID, expected int64, events ...domain.NewEvent) (eventstore.AppendResult, error)
	// QueryStream returns the events of one interview that q selects, upcast, in log order.
	QueryStream(ctx context.Context, stream uuid.UUID, q eventstore.StreamQuery) ([]domain.RecordedEvent, error)
	// StreamVersion returns the interview's current version.
	StreamVersion(ctx context.Context, stream uuid.UUID) (int64, error)
}

// AppDeps are the services behind the API routes. Every field is required.
type AppDeps struct {
	Identity        IdentityService
	Directory       Directory
	Events          EventLog
	ReadModels      projections.Querier
	StartInterview  commands.StartInterviewHandler
	InviteCandidate commands.InviteCandidateHandler
	DecideCandidate commands.DecideCandidateHandler
	RecordEvents    *commands.RecordEventsHandler
	// Files reads an interview's current files (projections.FilesReader).
	Files commands.FilesLoader
	// Terminal and Workspaces need the sandbox; without them the terminal and files routes
	// answer 503 sandbox_unavailable.
	Terminal   *commands.Terminal
	Workspaces Workspaces
	RunTests   *commands.RunTestsHandler
	// NextQuestion serves questions (the problem bank, and the AI when configured).
	NextQuestion *commands.NextQuestionHandler
	// Chat talks to the AI assistant; nil when no AI is configured (POST /chat answers 503).
	Chat *commands.ChatHandler
	// Problems are the bank and the check of organizations' own problems; OrgProblems stores
	// those (adapters/directory.Store).
	Problems    Problems
	OrgProblems interface {
		CreateProblem(ctx context.Context, p directory.OrganizationProblem, createdBy uuid.UUID) error
		ProblemsOf(ctx context.Context, userID uuid.UUID) ([]directory.OrganizationProblem, error)
	}
	// AppBaseURL is where the web app lives; invite links and OAuth redirects point there.
	AppBaseURL string
	// InviteTTL is how long a renewed invite lasts.
	InviteTTL time.Duration
	// Now is the clock (time.Now when nil).
	Now func() time.Time
	// Submit ends interviews; WaitFor waits for a projection to reach a log position (the
	// projection engine), so that POST /submit answers with its own evaluation.
	Submit  *commands.SubmitInterviewHandler
	WaitFor func(ctx context.Context, projection string, position domain.LogPosition) error
	// Archives makes download links for archived sessions (adapters/blobstore); ArchiveFiles
	// serves the local store's signed links under /api/archives (nil for S3).
	Archives interface {
		URL(ctx context.Context, key string, ttl time.Duration) (string, time.Time, error)
	}
	ArchiveFiles http.Handler
	// Webhooks are the organizations' webhooks (adapters/webhook); nil turns the routes off.
	// The queue checks a webhook's URL against its own sender's rules.
	Webhooks Webhooks
	// Web is the hiring team's pages (adapters/web); nil serves the API only.
	Web *web.Site
	// ReplayHeartbeat is the longest a replay stream stays silent before it sends a heartbeat
	// comment (DefaultReplayHeartbeat when zero); lower it behind proxies that close idle
	// connections sooner.
	ReplayHeartbeat time.Duration
}

// api holds the routes' dependencies.
type api struct {
	deps       AppDeps
	now        func() time.Time
	candidates candidateCache
	// shuttingDown is the server's ShuttingDown: event streams end when it closes.
	shuttingDown <-chan struct{}
	heartbeat    time.Duration
}

// route is one line of the route table: the table of contents of the HTTP API.
type route struct {
	method, path string
	// policy is nil for public routes.
	policy  policy
	handler func(a *api, c echo.Context) error
	// hot routes are called every second by every candidate: they may reuse a candidate
	// token's look-up for a few seconds (their writes check the interview's state themselves).
	hot bool
}

func routeTable() []route {
	return []route{
		// Identity.
		{http.MethodPost, "/auth/register", nil, (*api).register, false},
		{http.MethodPost, "/auth/login", nil, (*api).login, false},
		{http.MethodPost, "/auth/logout", teamOnly, (*api).logout, false},
		{http.MethodGet, "/auth/me", teamOnly, (*api).me, false},
		{http.MethodGet, "/auth/providers", nil, (*api).authProviders, false},
		{http.MethodGet, "/auth/oauth/:provider/start", nil, (*api).oauthStart, false},
		{http.MethodGet, "/auth/oauth/:provider/callback", nil, (*api).oauthCallback, false},

		// Organizations, assessments and candidates (hiring team).
		{http.MethodPost, "/orgs", teamOnly, (*api).createOrganization, false},
		{http.MethodGet, "/orgs/:orgId/members", teamOnly, (*api).listMembers, false},
		{http.MethodPost, "/orgs/:orgId/members", teamOnly, (*api).addMember, false},
		{http.MethodPost, "/orgs/:orgId/assessments", teamOnly, (*api).createAssessment, false},
		{http.MethodGet, "/problems", teamOnly, (*api).getProblems, false},
		{http.MethodPost, "/orgs/:orgId/problems", teamOnly, (*api).postProblem, false},
		{http.MethodGet, "/orgs/:orgId/assessments", teamOnly, (*api).listAssessments, false},
		{http.MethodGet, "/assessments/:id", teamOnly, (*api).getAssessment, false},
		{http.MethodPatch, "/assessments/:id", teamOnly, (*api).updateAssessment, false},
		{http.MethodPost, "/assessments/:id/candidates", teamOnly, (*api).inviteCandidate, false},
		{http.MethodGet, "/assessments/:id/candidates", teamOnly, (*api).listCandidates, false},
		{http.MethodGet, "/candidates/:id", teamOnly, (*api).getCandidate, false},
		{http.MethodPatch, "/candidates/:id", teamOnly, (*api).decideCandidate, false},
		{http.MethodPost, "/candidates/:id/invite", teamOnly, (*api).renewInvite, false},
		{http.MethodDelete, "/candidates/:id/invite", teamOnly, (*api).revokeInvite, false},

		// The candidate's way in.
		{http.MethodPost, "/invites/:token/start", nil, (*api).startInterview, false},

		// The interview.
		{http.MethodGet, "/interview/:id", interviewAccess(false), (*api).getInterview, false},
		{http.MethodPost, "/interview/:id/events", interviewAccess(true), (*api).postEvents, true},
		{http.MethodGet, "/interview/:id/stats", interviewAccess(false), (*api).getStats, false},
		{http.MethodGet, "/interview/:id/events", interviewAccess(false), (*api).getEvents, false},
		{http.MethodGet, "/interview/:id/state", interviewAccess(false), (*api).getState, false},
		{http.MethodGet, "/interview/:id/checkpoints", interviewAccess(false), (*api).getCheckpoints, false},
		{http.MethodGet, "/interview/:id/snapshots", interviewAccess(false), (*api).getSnapshots, false},
		{http.MethodGet, "/interview/:id/replay", interviewAccess(false), (*api).getReplay, false},
		{http.MethodPost, "/interview/:id/chat", interviewAccess(true), (*api).postChat, false},
		{http.MethodGet, "/interview/:id/questions", interviewAccess(false), needsQuestions((*api).getQuestions), false},
		{http.MethodPost, "/interview/:id/questions", interviewAccess(true), needsQuestions((*api).postQuestions), false},
		{http.MethodPost, "/interview/:id/run-tests", interviewAccess(true), needsSandbox((*api).postRunTests), false},
		{http.MethodPost, "/interview/:id/submit", submitAccess, (*api).postSubmit, false},
		{http.MethodGet, "/interview/:id/evaluation", teamInterviewAccess, (*api).getEvaluation, false},
		{http.MethodGet, "/interview/:id/recording", teamInterviewAccess, (*api).getRecording, false},
		{http.MethodGet, "/archives/*", nil, (*api).serveArchive, false},
		{http.MethodHead, "/archives/*", nil, (*api).serveArchive, false},

		// Organization webhooks.
		{http.MethodGet, "/orgs/:orgId/webhook", teamOnly, needsWebhooks((*api).getWebhook), false},
		{http.MethodPut, "/orgs/:orgId/webhook", teamOnly, needsWebhooks((*api).putWebhook), false},
		{http.MethodDelete, "/orgs/:orgId/webhook", teamOnly, needsWebhooks((*api).deleteWebhook), false},
		{http.MethodGet, "/orgs/:orgId/webhook/deliveries", teamOnly, needsWebhooks((*api).listDeliveries), false},
		{http.MethodPost, "/orgs/:orgId/webhook/deliveries/:deliveryId/redeliver", teamOnly, needsWebhooks((*api).redeliver), false},
		{http.MethodPost, "/interview/:id/terminal/input", interviewAccess(true), needsWorkspace((*api).postTerminalInput), false},
		{http.MethodGet, "/interview/:id/terminal", interviewAccess(false), needsWorkspace((*api).getTerminal), false},
		{http.MethodGet, "/interview/:id/files", interviewAccess(false), needsWorkspace((*api).getFiles), false},
		{http.MethodGet, "/interview/:id/files/*", interviewAccess(false), needsWorkspace((*api).getFile), false},
		{http.MethodPut, "/interview/:id/files/*", interviewAccess(true), needsWorkspace((*api).putFile), false},
	}
}

// needsSandbox answers 503 when the service runs without a sandbox.
func needsSandbox(h func(a *api, c echo.Context) error) func(a *api, c echo.Context) error {
	return func(a *api, c echo.Context) error {
		if a.deps.RunTests == nil {
			return ServiceUnavailable("sandbox_unavailable", "code execution is not configured on this server")
		}
		return h(a, c)
	}
}

// needsQuestions answers 503 when the service was started without a problem bank.
func needsQuestions(h func(a *api, c echo.Context) error) func(a *api, c echo.Context) error {
	return func(a *api, c echo.Context) error {
		if a.deps.NextQuestion == nil {
			return ServiceUnavailable("questions_unavailable", "this server serves no questions")
		}
		return h(a, c)
	}
}

// needsWorkspace answers 503 when the service has no local sandbox: the terminal and the
// workspace need one (Judge0 runs tests only).
func needsWorkspace(h func(a *api, c echo.Context) error) func(a *api, c echo.Context) error {
	return func(a *api, c echo.Context) error {
		if a.deps.Terminal == nil || a.deps.Workspaces == nil || a.deps.Files == nil {
			return ServiceUnavailable("sandbox_unavailable", "the terminal and the workspace need the local sandbox (SANDBOX_DRIVER=local)")
		}
		return h(a, c)
	}
}

// MountAPI registers the API routes with their authentication and policies.
func (s *Server) MountAPI(deps AppDeps) error {
	switch {
	case isNil(deps.Identity), isNil(deps.Directory), isNil(deps.Events), isNil(deps.ReadModels), deps.RecordEvents == nil:
		return errors.New("httpapi: AppDeps needs Identity, Directory, Events, ReadModels and RecordEvents")
	case isNil(deps.OrgProblems):
		return errors.New("httpapi: AppDeps needs OrgProblems")
	case deps.AppBaseURL == "" || deps.InviteTTL <= 0:
		return errors.New("httpapi: AppDeps needs AppBaseURL and a positive InviteTTL")
	case deps.Submit != nil && deps.WaitFor == nil:
		return errors.New("httpapi: AppDeps needs WaitFor with Submit")
	}
	a := &api{deps: deps, now: deps.Now, shuttingDown: s.ShuttingDown(), heartbeat: deps.ReplayHeartbeat}
	if a.now == nil {
		a.now = time.Now
	}
	if a.heartbeat <= 0 {
		a.heartbeat = DefaultReplayHeartbeat
	}
	for _, r := range routeTable() {
		handler := r.handler
		s.api.Add(r.method, r.path, a.guard(r.policy, r.hot, func(c echo.Context) error { return handler(a, c) }))
	}
	if deps.Web != nil {
		a.mountWeb(s.echo, deps.Web)
	}
	return nil
}

// PublicRoutes lists the routes that answer without a credential; every other route answers
// 401 without one.
func PublicRoutes() map[string]bool {
	out := map[string]bool{"GET /api/health": true, "GET /metrics": true}
	for _, r := range routeTable() {
		if r.policy == nil {
			out[r.method+" /api"+r.path] = true
		}
	}
	return out
}
