package httpapi

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/interviewlm/interviewlm/adapters/directory"
	"github.com/interviewlm/interviewlm/adapters/identity"
	"github.com/interviewlm/interviewlm/domain"
)

// SessionCookie carries a user's session token for browsers.
const SessionCookie = "ilm_session"

// PrincipalKind says what kind of caller a request comes from.
type PrincipalKind int

const (
	// PrincipalUser is a member of a hiring team.
	PrincipalUser PrincipalKind = iota + 1
	// PrincipalCandidate is a candidate, whose token opens one interview only.
	PrincipalCandidate
)

// Principal is the authenticated caller of a request.
type Principal struct {
	Kind PrincipalKind
	// User is set for PrincipalUser.
	User identity.User
	// Interview is the one interview a PrincipalCandidate may use.
	Interview domain.Interview
	// Token is the credential presented, so that logout can revoke it.
	Token string
}

// CurrentPrincipal returns the caller of an authenticated route.
func CurrentPrincipal(c echo.Context) (Principal, bool) {
	p, ok := c.Get("principal").(Principal)
	return p, ok
}

// credential reads the token from the Authorization header (Bearer) or the session cookie.
func credential(c echo.Context) string {
	if h := c.Request().Header.Get(echo.HeaderAuthorization); h != "" {
		scheme, token, ok := strings.Cut(h, " ")
		if ok && strings.EqualFold(scheme, "Bearer") {
			return strings.TrimSpace(token)
		}
		return ""
	}
	if cookie, err := c.Cookie(SessionCookie); err == nil {
		return cookie.Value
	}
	return ""
}

// errUnauthenticated is the answer for a missing, unknown, expired or revoked credential.
var errUnauthenticated = Unauthorized("sign in first: send a valid token as 'Authorization: Bearer <token>' or the ilm_session cookie")

// resolve finds the principal of a request, or an error when the credential is absent or bad.
func (a *api) resolve(c echo.Context, hot bool) (Principal, error) {
	token := credential(c)
	ctx := c.Request().Context()
	switch {
	case strings.HasPrefix(token, identity.UserSessionPrefix):
		user, err := a.deps.Identity.Authenticate(ctx, token)
		if err != nil {
			if errors.Is(err, identity.ErrUnauthenticated) {
				return Principal{}, errUnauthenticated
			}
			return Principal{}, err
		}
		return Principal{Kind: PrincipalUser, User: user, Token: token}, nil
	case strings.HasPrefix(token, identity.CandidateTokenPrefix):
		lookup := a.deps.Directory.AuthenticateCandidate
		if hot {
			lookup = func(ctx context.Context, hash []byte, now time.Time) (domain.Interview, error) {
				return a.candidates.authenticate(ctx, hash, now, a.deps.Directory.AuthenticateCandidate)
			}
		}
		interview, err := lookup(ctx, identity.HashToken(token), a.now())
		if err != nil {
			if errors.Is(err, directory.ErrNotFound) {
				return Principal{}, errUnauthenticated
			}
			return Principal{}, err
		}
		return Principal{Kind: PrincipalCandidate, Interview: interview, Token: token}, nil
	}
	return Principal{}, errUnauthenticated
}

// policy decides whether the principal may use the route; it runs after authentication.
type policy func(a *api, c echo.Context, p Principal) error

// public routes need no credential.
func public(*api, echo.Context, Principal) error { return nil }

// teamOnly routes are for hiring-team users; a candidate's token opens nothing but its interview.
func teamOnly(_ *api, _ echo.Context, p Principal) error {
	if p.Kind != PrincipalUser {
		return Forbidden("this route is for hiring-team accounts")
	}
	return nil
}

// guard wraps a handler with authentication and its policy.
func (a *api) guard(pol policy, hot bool, h echo.HandlerFunc) echo.HandlerFunc {
	isPublic := pol == nil
	return func(c echo.Context) error {
		if isPublic {
			return h(c)
		}
		p, err := a.resolve(c, hot)
		if err != nil {
			return err
		}
		c.Set("principal", p)
		if err := pol(a, c, p); err != nil {
			return err
		}
		return h(c)
	}
}

// uuidParam reads a path parameter that must be a UUID; a malformed one names nothing, so it
// answers 404 like an id that does not exist.
func uuidParam(c echo.Context, name string) (uuid.UUID, error) {
	id, err := uuid.Parse(c.Param(name))
	if err != nil {
		return uuid.Nil, NotFound("not found")
	}
	return id, nil
}

// member returns the user's role in org, answering 404 when they are not a member so that
// other organizations' resources look absent.
func (a *api) member(c echo.Context, orgID uuid.UUID) (domain.Role, error) {
	p, _ := CurrentPrincipal(c)
	role, err := a.deps.Directory.Role(c.Request().Context(), orgID, p.User.ID)
	if err != nil {
		if errors.Is(err, directory.ErrNotFound) {
			return "", NotFound("not found")
		}
		return "", err
	}
	return role, nil
}

// interviewAccess is the policy of /api/interview/:id routes: the candidate of that interview
// while it is open (writes and reads), or a member of its organization (reads only).
func interviewAccess(write bool) policy {
	return func(a *api, c echo.Context, p Principal) error {
		id, err := uuidParam(c, "id")
		if err != nil {
			return err
		}
		switch p.Kind {
		case PrincipalCandidate:
			if err := ownInterview(c, p, id); err != nil {
				return err
			}
			return p.Interview.CandidateMayAct(a.now())
		case PrincipalUser:
			interview, err := a.deps.Directory.Interview(c.Request().Context(), id)
			if err != nil {
				if errors.Is(err, directory.ErrNotFound) {
					return NotFound("not found")
				}
				return err
			}
			if _, err := a.member(c, interview.OrganizationID); err != nil {
				return err
			}
			if write {
				return Forbidden("only the candidate writes to an interview")
			}
			c.Set("interview", interview)
			return nil
		}
		return errUnauthenticated
	}
}

// ownInterview lets a candidate through to interview id only if it is theirs: the token's
// look-up already brought the interview, so no second query.
func ownInterview(c echo.Context, p Principal, id uuid.UUID) error {
	if p.Interview.ID != id {
		return NotFound("not found")
	}
	c.Set("interview", p.Interview)
	return nil
}

// currentInterview is the interview the route's policy checked.
func currentInterview(c echo.Context) domain.Interview {
	i, _ := c.Get("interview").(domain.Interview)
	return i
}

// setSessionCookie hands a browser its session; Secure whenever the request came over TLS.
func setSessionCookie(c echo.Context, token string, expires time.Time) {
	c.SetCookie(&http.Cookie{
		Name: SessionCookie, Value: token, Path: "/", Expires: expires,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: c.Scheme() == "https",
	})
}

func clearSessionCookie(c echo.Context) {
	c.SetCookie(&http.Cookie{
		Name: SessionCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: c.Scheme() == "https",
	})
}

// candidateCacheTTL bounds how long a candidate token's interview is reused without asking the
// database. A candidate's browser sends a batch every second; the index entry only changes at
// submission, which the append path checks for itself.
const candidateCacheTTL = 5 * time.Second

// candidateCache remembers recent candidate tokens' interviews.
type candidateCache struct {
	mu      sync.Mutex
	entries map[string]cachedCandidate
}

type cachedCandidate struct {
	interview domain.Interview
	expires   time.Time
}

func (cc *candidateCache) authenticate(ctx context.Context, tokenHash []byte, now time.Time,
	lookup func(ctx context.Context, tokenHash []byte, now time.Time) (domain.Interview, error)) (domain.Interview, error) {
	key := string(tokenHash)
	cc.mu.Lock()
	e, ok := cc.entries[key]
	cc.mu.Unlock()
	if ok && now.Before(e.expires) {
		return e.interview, nil
	}
	interview, err := lookup(ctx, []byte(key), now)
	if err != nil {
		return interview, err
	}
	cc.mu.Lock()
	if cc.entries == nil || len(cc.entries) > 100_000 {
		cc.entries = map[string]cachedCandidate{}
	}
	cc.entries[key] = cachedCandidate{interview: interview, expires: now.Add(candidateCacheTTL)}
	cc.mu.Unlock()
	return interview, nil
}
