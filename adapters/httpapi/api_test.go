package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/interviewlm/interviewlm/adapters/background"
	"github.com/interviewlm/interviewlm/adapters/blobstore"
	"github.com/interviewlm/interviewlm/adapters/directory"
	"github.com/interviewlm/interviewlm/adapters/eventstore"
	"github.com/interviewlm/interviewlm/adapters/httpapi"
	"github.com/interviewlm/interviewlm/adapters/identity"
	"github.com/interviewlm/interviewlm/adapters/postgres/pgtest"
	"github.com/interviewlm/interviewlm/adapters/web"
	"github.com/interviewlm/interviewlm/adapters/webhook"
	"github.com/interviewlm/interviewlm/commands"
	"github.com/interviewlm/interviewlm/projections"
)

// clock is a time the test moves; every part of the stack reads it.
type clock struct {
	mu     sync.Mutex
	offset time.Duration
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset += d
}

// stack is the whole service on a real database, served over a real listener.
type stack struct {
	t      *testing.T
	url    string
	db     *pgtest.DB
	clock  *clock
	engine *projections.Engine
	srv    *httpapi.Server
	// archives is the local archive store; hooks the webhook queue; worker the background
	// work (jobs, deliveries, auto-submission), running.
	archives *blobstore.Local
	hooks    *webhook.Queue
	worker   *background.Worker
}

func newStack(t *testing.T, oauth map[string]identity.OAuthProvider) *stack {
	t.Helper()
	return newStackWith(t, oauth, nil)
}

// newStackWith builds the stack; withDeps, when set, adds to the API's dependencies (the
// sandbox) before the routes are mounted.
func newStackWith(t *testing.T, oauth map[string]identity.OAuthProvider, withDeps func(deps *httpapi.AppDeps, store *eventstore.Store, db *pgtest.DB, now func() time.Time)) *stack {
	t.Helper()
	db := pgtest.New(t, 12)
	clk := &clock{}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	base := "http://" + ln.Addr().String()
	for name, p := range oauth {
		p.RedirectURL = base + "/api/auth/oauth/" + name + "/callback"
		oauth[name] = p
	}
	store, err := eventstore.New(db.Pool, eventstore.Options{})
	must(t, err)
	engine, err := projections.NewEngine(db.Pool, store, projections.All(), projections.Options{BatchSize: 200, IdlePoll: time.Second})
	must(t, err)
	ids, err := identity.New(db.Pool, identity.Config{
		HashParams: identity.HashParams{Memory: 8 * 1024, Time: 1, Threads: 1},
		LoginLimit: identity.LoginLimit{PerEmail: 5, PerAddress: 1000, Window: 15 * time.Minute},
		OAuth:      oauth, Now: clk.now,
	})
	must(t, err)
	dir, err := directory.New(db.Pool)
	must(t, err)
	issue := func(prefix string) commands.TokenIssuer {
		return func() (string, []byte) { return identity.NewToken(prefix) }
	}
	start, err := commands.NewStartInterviewHandler(dir, issue(identity.CandidateTokenPrefix), identity.HashToken, clk.now)
	must(t, err)
	invite, err := commands.NewInviteCandidateHandler(dir, issue(identity.InviteTokenPrefix), 7*24*time.Hour, clk.now)
	must(t, err)
	decide, err := commands.NewDecideCandidateHandler(dir, store, clk.now)
	must(t, err)
	record, err := commands.NewRecordEventsHandler(store, projections.FilesReader{DB: db.Pool})
	must(t, err)

	reg := prometheus.NewRegistry()
	srv, err := httpapi.New(httpapi.Config{
		Addr: "127.0.0.1:0", BodyLimit: 1 << 20, Version: "test", ShutdownTimeout: 5 * time.Second,
		Logger: slog.New(slog.DiscardHandler),
	}, httpapi.Deps{DB: db.Pool, Metrics: reg, Registerer: reg})
	must(t, err)
	archives, err := blobstore.NewLocal(t.TempDir(), []byte("a test secret of at least 32 bytes!"), base+"/api/archives")
	must(t, err)
	hooks := webhook.NewQueue(db.Pool, webhook.NewSender(webhook.SenderOptions{AllowPrivate: true}), webhook.Options{
		Logger: slog.New(slog.DiscardHandler)})
	questions := projections.QuestionsReader{DB: db.Pool}
	submit, err := commands.NewSubmitInterviewHandler(dir, questions, questions, projections.FilesReader{DB: db.Pool}, nil, clk.now)
	must(t, err)
	deps := httpapi.AppDeps{
		Identity: ids, Directory: dir, Events: store, ReadModels: db.Pool,
		StartInterview: start, InviteCandidate: invite, DecideCandidate: decide, RecordEvents: record,
		Files: projections.FilesReader{DB: db.Pool}, OrgProblems: dir, AppBaseURL: base, InviteTTL: 7 * 24 * time.Hour, Now: clk.now,
		Submit: submit, WaitFor: engine.WaitFor, Archives: archives, ArchiveFiles: archives,
		Webhooks: hooks,
	}
	deps.Web, err = web.New()
	must(t, err)
	if withDeps != nil {
		withDeps(&deps, store, db, clk.now)
	}
	must(t, srv.MountAPI(deps))
	must(t, engine.CreateMissing(context.Background()))
	worker, err := background.New(background.Deps{Pool: db.Pool, Store: store, Directory: dir, Archives: archives,
		Webhooks: hooks, Submit: deps.Submit, PublicURL: base, Logger: slog.New(slog.DiscardHandler), Now: clk.now,
		JobsInterval: 50 * time.Millisecond, WebhookInterval: 50 * time.Millisecond, AutoSubmitInterval: time.Hour})
	must(t, err)

	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { _ = srv.Serve(ctx, ln) })
	wg.Go(func() { _ = engine.Run(ctx) })
	wg.Go(func() { worker.Run(ctx) })
	t.Cleanup(func() { cancel(); wg.Wait() })
	return &stack{t: t, url: base, db: db, clock: clk, engine: engine, srv: srv, archives: archives, hooks: hooks, worker: worker}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// reply is a decoded answer.
type reply struct {
	status int
	header http.Header
	body   map[string]any
	raw    string
}

func (r reply) str(path ...string) string {
	var v any = r.body
	for _, p := range path {
		m, _ := v.(map[string]any)
		v = m[p]
	}
	s, _ := v.(string)
	return s
}

func (r reply) code() string { return r.str("error", "code") }

func (s *stack) call(method, path, token string, body any) reply {
	s.t.Helper()
	return s.callWith(http.DefaultClient, method, path, token, body)
}

func (s *stack) callWith(client *http.Client, method, path, token string, body any) reply {
	s.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		must(s.t, err)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, s.url+path, rd)
	must(s.t, err)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := client.Do(req)
	must(s.t, err)
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	r := reply{status: resp.StatusCode, header: resp.Header, raw: string(raw)}
	_ = json.Unmarshal(raw, &r.body)
	return r
}

func (s *stack) expect(r reply, status int, code string) reply {
	s.t.Helper()
	if r.status != status || (code != "" && r.code() != code) {
		s.t.Fatalf("got %d %s, want %d %s", r.status, r.raw, status, code)
	}
	return r
}

// signUp registers and logs in a user, returning their token.
func (s *stack) signUp(name string) string {
	s.t.Helper()
	email := strings.ToLower(name) + "-" + uuid.NewString()[:8] + "@example.com"
	s.expect(s.call("POST", "/api/auth/register", "", map[string]any{"name": name, "email": email, "password": "correct horse"}), 201, "")
	r := s.expect(s.call("POST", "/api/auth/login", "", map[string]any{"email": email, "password": "correct horse"}), 200, "")
	return r.str("token")
}

func (s *stack) email(token string) string {
	return s.expect(s.call("GET", "/api/auth/me", token, nil), 200, "").str("user", "email")
}

// team is an organization with a published assessment.
type team struct {
	owner, org, assessment string
}

func (s *stack) newTeam(name string) team {
	s.t.Helper()
	owner := s.signUp(name)
	org := s.expect(s.call("POST", "/api/orgs", owner, map[string]any{"name": name + " Inc"}), 201, "").str("organization", "id")
	a := s.expect(s.call("POST", "/api/orgs/"+org+"/assessments", owner, map[string]any{
		"title": "Backend engineer", "description": "APIs", "seniority": "SENIOR", "durationMinutes": 60,
		"language": "go", "questionCount": 2, "enableCoding": true, "enableTerminal": true, "enableAI": true,
	}), 201, "")
	if a.str("assessment", "status") != "DRAFT" {
		s.t.Fatalf("new assessment status = %q", a.str("assessment", "status"))
	}
	id := a.str("assessment", "id")
	s.expect(s.call("PATCH", "/api/assessments/"+id, owner, map[string]any{"status": "PUBLISHED"}), 200, "")
	return team{owner: owner, org: org, assessment: id}
}

// invite invites a candidate and returns the candidate id and invite token.
func (s *stack) invite(tm team, name string) (string, string) {
	s.t.Helper()
	r := s.expect(s.call("POST", "/api/assessments/"+tm.assessment+"/candidates", tm.owner,
		map[string]any{"name": name, "email": strings.ToLower(name) + "@candidates.example"}), 201, "")
	if r.str("candidate", "status") != "INVITED" || !strings.HasSuffix(r.str("inviteUrl"), r.str("inviteToken")) || r.str("expiresAt") == "" {
		s.t.Fatalf("invite answer = %s", r.raw)
	}
	return r.str("candidate", "id"), r.str("inviteToken")
}

// start opens an invite; it returns the interview id and the candidate token.
func (s *stack) start(invite string, status int) (string, string) {
	s.t.Helper()
	r := s.expect(s.call("POST", "/api/invites/"+invite+"/start", "", nil), status, "")
	return r.str("interviewId"), r.str("token")
}

func TestEveryRouteRefusesACallerWithoutCredentials(t *testing.T) {
	t.Parallel()
	s := newStack(t, nil)
	public := httpapi.PublicRoutes()
	checked := 0
	for _, r := range s.srv.Echo().Routes() {
		key := r.Method + " " + r.Path
		if public[key] || !strings.HasPrefix(r.Path, "/api/") || strings.HasSuffix(r.Path, "*") || r.Method == "echo_route_any" {
			continue
		}
		path := r.Path
		for _, p := range []string{":orgId", ":id", ":provider", ":token"} {
			path = strings.ReplaceAll(path, p, uuid.NewString())
		}
		for _, token := range []string{"", "ilmu_not-a-real-token", "ilmc_not-a-real-token", "garbage"} {
			got := s.call(r.Method, path, token, map[string]any{})
			if got.status != http.StatusUnauthorized || got.code() != "unauthorized" {
				t.Errorf("%s with token %q: %d %s, want 401 unauthorized", key, token, got.status, got.raw)
			}
		}
		checked++
	}
	if checked < 15 {
		t.Fatalf("only %d routes checked; the route table is not what this test expects", checked)
	}
	for _, key := range []string{"POST /api/auth/register", "POST /api/auth/login", "GET /api/auth/oauth/:provider/start",
		"GET /api/auth/oauth/:provider/callback", "POST /api/invites/:token/start", "GET /api/health", "GET /metrics",
		"GET /api/archives/*", "HEAD /api/archives/*", "GET /api/auth/providers"} {
		if !public[key] {
			t.Errorf("%s should be public", key)
		}
	}
	// The archives' links are public: each carries its own expiring signature. The providers
	// are what a sign-in page shows before anyone is signed in.
	if len(public) != 10 {
		t.Errorf("public routes = %v; a new public route needs a reason and this test updated", public)
	}
}

func TestAccountsSessionsAndLogout(t *testing.T) {
	t.Parallel()
	s := newStack(t, nil)
	s.expect(s.call("POST", "/api/auth/register", "", map[string]any{"name": "Ada", "email": "  Ada@Example.COM ", "password": "longenough"}), 201, "")
	s.expect(s.call("POST", "/api/auth/register", "", map[string]any{"name": "Ada 2", "email": "ada@example.com", "password": "longenough"}), 409, "email_taken")
	r := s.expect(s.call("POST", "/api/auth/register", "", map[string]any{"name": "Bob", "email": "not-an-email", "password": "longenough"}), 400, "validation_failed")
	if r.str("error", "details", "field") != "email" {
		t.Errorf("bad email names field %q", r.str("error", "details", "field"))
	}
	r = s.expect(s.call("POST", "/api/auth/register", "", map[string]any{"name": "Bob", "email": "bob@example.com", "password": "short"}), 400, "validation_failed")
	if r.str("error", "details", "field") != "password" {
		t.Errorf("short password names field %q", r.str("error", "details", "field"))
	}

	wrong := s.expect(s.call("POST", "/api/auth/login", "", map[string]any{"email": "ada@example.com", "password": "wrong password"}), 401, "invalid_credentials")
	unknown := s.expect(s.call("POST", "/api/auth/login", "", map[string]any{"email": "nobody@example.com", "password": "wrong password"}), 401, "invalid_credentials")
	if wrong.str("error", "message") != unknown.str("error", "message") {
		t.Errorf("unknown email and wrong password answer differently: %q vs %q", wrong.raw, unknown.raw)
	}
	login := s.expect(s.call("POST", "/api/auth/login", "", map[string]any{"email": "ADA@example.com", "password": "longenough"}), 200, "")
	token := login.str("token")
	cookie := login.header.Get("Set-Cookie")
	for _, want := range []string{"ilm_session=" + token, "HttpOnly", "SameSite=Lax", "Path=/"} {
		if !strings.Contains(cookie, want) {
			t.Errorf("Set-Cookie %q lacks %q", cookie, want)
		}
	}
	if s.email(token) != "ada@example.com" {
		t.Errorf("me = %q", s.email(token))
	}

	// The cookie alone authenticates a browser.
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar}
	s.expect(s.callWith(browser, "POST", "/api/auth/login", "", map[string]any{"email": "ada@example.com", "password": "longenough"}), 200, "")
	s.expect(s.callWith(browser, "GET", "/api/auth/me", "", nil), 200, "")

	s.expect(s.call("POST", "/api/auth/logout", token, nil), 204, "")
	s.expect(s.call("GET", "/api/auth/me", token, nil), 401, "unauthorized")

	// Five wrong attempts per email per window, then 429 with Retry-After; the right password
	// does not get through either until the window passes.
	for range 5 {
		s.call("POST", "/api/auth/login", "", map[string]any{"email": "ada@example.com", "password": "guess"})
	}
	limited := s.expect(s.call("POST", "/api/auth/login", "", map[string]any{"email": "ada@example.com", "password": "longenough"}), 429, "rate_limited")
	if limited.header.Get("Retry-After") == "" {
		t.Error("429 without Retry-After")
	}
	s.clock.advance(16 * time.Minute)
	s.expect(s.call("POST", "/api/auth/login", "", map[string]any{"email": "ada@example.com", "password": "longenough"}), 200, "")
}

func TestHiringFlowAndCandidateAccess(t *testing.T) {
	t.Parallel()
	s := newStack(t, nil)
	tm := s.newTeam("Acme")

	// Inviting needs a published assessment.
	draft := s.expect(s.call("POST", "/api/orgs/"+tm.org+"/assessments", tm.owner, map[string]any{"title": "Draft one"}), 201, "").str("assessment", "id")
	s.expect(s.call("POST", "/api/assessments/"+draft+"/candidates", tm.owner, map[string]any{"name": "Cy", "email": "cy@example.com"}), 409, "assessment_not_published")
	s.expect(s.call("POST", "/api/orgs/"+tm.org+"/assessments", tm.owner, map[string]any{"title": "x", "seniority": "WIZARD"}), 422, "validation_failed")

	candidate, invite := s.invite(tm, "Grace")
	s.expect(s.call("POST", "/api/assessments/"+tm.assessment+"/candidates", tm.owner, map[string]any{"name": "Grace", "email": "GRACE@candidates.example"}), 409, "candidate_exists")

	// Once candidates exist the assessment cannot go back to draft.
	s.expect(s.call("PATCH", "/api/assessments/"+tm.assessment, tm.owner, map[string]any{"status": "DRAFT"}), 409, "invalid_status_change")
	s.expect(s.call("PATCH", "/api/assessments/"+tm.assessment, tm.owner, map[string]any{"durationMinutes": 5}), 422, "validation_failed")

	interview, ctoken := s.start(invite, 201)
	again, ctoken2 := s.start(invite, 200)
	if again != interview || ctoken2 == ctoken || !strings.HasPrefix(ctoken, "ilmc_") {
		t.Fatalf("resume gave interview %s token %s; first %s %s", again, ctoken2, interview, ctoken)
	}
	s.expect(s.call("POST", "/api/invites/ilmi_nonsense/start", "", nil), 404, "invite_not_found")

	// The candidate uses their interview, and nothing else.
	s.expect(s.call("GET", "/api/interview/"+interview, ctoken, nil), 200, "")
	posted := s.expect(s.call("POST", "/api/interview/"+interview+"/events", ctoken2, map[string]any{
		"events": []map[string]any{
			{"id": uuid.NewString(), "type": "focus_change", "data": map[string]any{"focused": false}},
			{"type": "keystroke", "data": map[string]any{"fileId": "main.go", "changes": []map[string]any{{"offset": 0, "deleteCount": 0, "text": "package main"}}}},
		},
	}), 201, "")
	if posted.body["accepted"] != float64(2) {
		t.Errorf("events answer = %s", posted.raw)
	}
	s.expect(s.call("POST", "/api/interview/"+interview+"/events", ctoken, map[string]any{"type": "test_run", "data": map[string]any{}}), 422, "validation_failed")
	s.expect(s.call("GET", "/api/interview/"+uuid.NewString(), ctoken, nil), 404, "not_found")
	_, otherInvite := s.invite(tm, "Hopper")
	otherInterview, otherToken := s.start(otherInvite, 201)
	s.expect(s.call("GET", "/api/interview/"+otherInterview, ctoken, nil), 404, "not_found")
	s.expect(s.call("POST", "/api/interview/"+otherInterview+"/events", ctoken, map[string]any{"type": "idle_start"}), 404, "not_found")
	s.expect(s.call("GET", "/api/interview/"+interview+"/stats", otherToken, nil), 404, "not_found")
	s.expect(s.call("GET", "/api/assessments/"+tm.assessment, ctoken, nil), 403, "forbidden")
	s.expect(s.call("GET", "/api/auth/me", ctoken, nil), 403, "forbidden")

	// The team reads the interview but does not write to it.
	s.expect(s.call("GET", "/api/interview/"+interview+"/stats", tm.owner, nil), 200, "")
	s.expect(s.call("POST", "/api/interview/"+interview+"/events", tm.owner, map[string]any{"type": "idle_start", "data": map[string]any{}}), 403, "forbidden")

	// The candidate list is a projection of the interview's events.
	s.waitForStatus(tm, candidate, "IN_PROGRESS")

	// A decision needs a submitted interview.
	s.expect(s.call("PATCH", "/api/candidates/"+candidate, tm.owner, map[string]any{"status": "HIRED"}), 409, "interview_not_submitted")
	s.expect(s.call("POST", "/api/interview/"+interview+"/submit", ctoken, map[string]any{"finalCode": map[string]any{}}), 200, "")
	s.expect(s.call("GET", "/api/interview/"+interview, ctoken, nil), 409, "interview_submitted")
	s.expect(s.call("POST", "/api/invites/"+invite+"/start", "", nil), 409, "interview_submitted")
	s.expect(s.call("PATCH", "/api/candidates/"+candidate, tm.owner, map[string]any{"status": "MAYBE"}), 422, "validation_failed")
	s.expect(s.call("PATCH", "/api/candidates/"+candidate, tm.owner, map[string]any{"status": "HIRED"}), 200, "")
	s.waitForStatus(tm, candidate, "HIRED")
	got := s.expect(s.call("GET", "/api/candidates/"+candidate, tm.owner, nil), 200, "")
	if got.str("interviewId") != interview || got.str("candidate", "status") != "HIRED" {
		t.Errorf("candidate = %s", got.raw)
	}
}

func (s *stack) waitForStatus(tm team, candidate, status string) {
	s.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		r := s.expect(s.call("GET", "/api/assessments/"+tm.assessment+"/candidates", tm.owner, nil), 200, "")
		list, _ := r.body["candidates"].([]any)
		for _, c := range list {
			m := c.(map[string]any)
			if m["id"] == candidate && m["status"] == status {
				return
			}
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("candidate %s never reached %s: %s", candidate, status, r.raw)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestInvitesExpireAndCanBeRevoked(t *testing.T) {
	t.Parallel()
	s := newStack(t, nil)
	tm := s.newTeam("Initech")

	revoked, invite := s.invite(tm, "Rita")
	s.expect(s.call("DELETE", "/api/candidates/"+revoked+"/invite", tm.owner, nil), 204, "")
	s.expect(s.call("POST", "/api/invites/"+invite+"/start", "", nil), 410, "invite_revoked")
	renewed := s.expect(s.call("POST", "/api/candidates/"+revoked+"/invite", tm.owner, nil), 200, "")
	s.expect(s.call("POST", "/api/invites/"+invite+"/start", "", nil), 404, "invite_not_found") // the old token is gone
	s.start(renewed.str("inviteToken"), 201)

	_, late := s.invite(tm, "Lou")
	s.clock.advance(7*24*time.Hour + time.Minute)
	s.expect(s.call("POST", "/api/invites/"+late+"/start", "", nil), 410, "invite_expired")
}

func TestTheTimeLimitClosesTheInterviewToItsCandidate(t *testing.T) {
	t.Parallel()
	s := newStack(t, nil)
	tm := s.newTeam("Hooli")
	_, invite := s.invite(tm, "Tim")
	interview, ctoken := s.start(invite, 201)
	s.expect(s.call("POST", "/api/interview/"+interview+"/events", ctoken, map[string]any{"type": "idle_start"}), 201, "")
	s.clock.advance(61 * time.Minute)
	s.expect(s.call("POST", "/api/interview/"+interview+"/events", ctoken, map[string]any{"type": "idle_end"}), 403, "time_expired")
	s.expect(s.call("GET", "/api/interview/"+interview, ctoken, nil), 403, "time_expired")
	s.expect(s.call("GET", "/api/interview/"+interview, tm.owner, nil), 200, "") // the team still reads it
}

func TestOrganizationsCannotSeeEachOther(t *testing.T) {
	t.Parallel()
	s := newStack(t, nil)
	a, b := s.newTeam("Alpha"), s.newTeam("Beta")
	candidate, invite := s.invite(a, "Ann")
	interview, _ := s.start(invite, 201)

	for _, path := range []string{
		"/api/assessments/" + a.assessment, "/api/assessments/" + a.assessment + "/candidates",
		"/api/candidates/" + candidate, "/api/interview/" + interview, "/api/interview/" + interview + "/stats",
		"/api/orgs/" + a.org + "/assessments", "/api/orgs/" + a.org + "/members",
		"/api/assessments/not-a-uuid", "/api/orgs/" + uuid.NewString() + "/members",
	} {
		s.expect(s.call("GET", path, b.owner, nil), 404, "not_found")
	}
	s.expect(s.call("PATCH", "/api/assessments/"+a.assessment, b.owner, map[string]any{"status": "ARCHIVED"}), 404, "not_found")
	s.expect(s.call("POST", "/api/assessments/"+a.assessment+"/candidates", b.owner, map[string]any{"name": "X", "email": "x@example.com"}), 404, "not_found")
	s.expect(s.call("PATCH", "/api/candidates/"+candidate, b.owner, map[string]any{"status": "REJECTED"}), 404, "not_found")

	list := s.expect(s.call("GET", "/api/orgs/"+b.org+"/assessments", b.owner, nil), 200, "")
	if n := len(list.body["assessments"].([]any)); n != 1 {
		t.Errorf("Beta sees %d assessments, want its own 1", n)
	}
}

func TestRolesDecideWhoManagesMembers(t *testing.T) {
	t.Parallel()
	s := newStack(t, nil)
	tm := s.newTeam("Umbrella")
	admin, member, other := s.signUp("Adm"), s.signUp("Mem"), s.signUp("Oth")

	s.expect(s.call("POST", "/api/orgs/"+tm.org+"/members", tm.owner, map[string]any{"email": s.email(admin), "role": "ADMIN"}), 201, "")
	s.expect(s.call("POST", "/api/orgs/"+tm.org+"/members", admin, map[string]any{"email": s.email(member), "role": "MEMBER"}), 201, "")
	s.expect(s.call("POST", "/api/orgs/"+tm.org+"/members", admin, map[string]any{"email": s.email(other), "role": "OWNER"}), 403, "forbidden")
	s.expect(s.call("POST", "/api/orgs/"+tm.org+"/members", member, map[string]any{"email": s.email(other), "role": "MEMBER"}), 403, "forbidden_role")
	s.expect(s.call("POST", "/api/orgs/"+tm.org+"/members", tm.owner, map[string]any{"email": s.email(member), "role": "MEMBER"}), 409, "already_member")
	s.expect(s.call("POST", "/api/orgs/"+tm.org+"/members", tm.owner, map[string]any{"email": "ghost@example.com", "role": "MEMBER"}), 404, "not_found")
	s.expect(s.call("POST", "/api/orgs/"+tm.org+"/members", tm.owner, map[string]any{"email": s.email(other), "role": "KING"}), 422, "validation_failed")

	members := s.expect(s.call("GET", "/api/orgs/"+tm.org+"/members", member, nil), 200, "")
	if n := len(members.body["members"].([]any)); n != 3 {
		t.Errorf("members = %d, want 3", n)
	}
	// Every member works on assessments.
	s.expect(s.call("GET", "/api/assessments/"+tm.assessment+"/candidates", member, nil), 200, "")
	me := s.expect(s.call("GET", "/api/auth/me", member, nil), 200, "")
	orgs := me.body["organizations"].([]any)
	if len(orgs) != 1 || orgs[0].(map[string]any)["role"] != "MEMBER" {
		t.Errorf("me.organizations = %v", orgs)
	}
	s.expect(s.call("POST", "/api/orgs", member, map[string]any{"name": "Umbrella Inc"}), 409, "slug_taken")
}

var _ = fmt.Sprint

func TestEditsThatDoNotFitAreRefusedWhole(t *testing.T) {
	t.Parallel()
	s := newStack(t, nil)
	tm := s.newTeam("Fitco")
	_, invite := s.invite(tm, "Fay")
	interview, token := s.start(invite, 201)
	key := func(offset, del int, text string) map[string]any {
		return map[string]any{"id": uuid.NewString(), "type": "keystroke",
			"data": map[string]any{"fileId": "a.go", "changes": []map[string]any{{"offset": offset, "deleteCount": del, "text": text}}}}
	}
	s.expect(s.call("POST", "/api/interview/"+interview+"/events", token, map[string]any{"events": []any{key(0, 0, "hé😀")}}), 201, "")
	// "hé😀" is 4 UTF-16 units: offset 4 fits, 5 does not; deleting 1 at offset 3 would split the emoji.
	r := s.expect(s.call("POST", "/api/interview/"+interview+"/events", token, map[string]any{"events": []any{key(4, 0, "!"), key(6, 0, "?")}}), 409, "edit_does_not_fit")
	if r.str("error", "details", "field") != "events[1].data" {
		t.Errorf("misfit names %q", r.str("error", "details", "field"))
	}
	s.expect(s.call("POST", "/api/interview/"+interview+"/events", token, key(3, 1, "")), 409, "edit_does_not_fit")
	// Nothing of the refused batches was written: the first edit still fits where it did.
	ok := s.expect(s.call("POST", "/api/interview/"+interview+"/events", token, map[string]any{"events": []any{key(4, 0, "!")}}), 201, "")
	if ok.body["accepted"] != float64(1) {
		t.Errorf("answer = %s", ok.raw)
	}
	stats := s.waitForStats(interview, tm.owner, 2)
	if stats["keystrokes"] != float64(2) {
		t.Errorf("stats = %v", stats)
	}
}

// waitForStats polls the interview's stats until it counts events events.
func (s *stack) waitForStats(interview, token string, events float64) map[string]any {
	s.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		r := s.expect(s.call("GET", "/api/interview/"+interview+"/stats", token, nil), 200, "")
		if r.body["events"] == events+1 { // interview_started counts too
			return r.body
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("stats never reached %v events: %s", events, r.raw)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
