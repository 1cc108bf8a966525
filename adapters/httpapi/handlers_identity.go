package httpapi

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/interviewlm/interviewlm/adapters/identity"
)

type userJSON struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Email string `json:"email"`
}

func userOf(u identity.User) userJSON {
	return userJSON{ID: u.ID.String(), Name: u.Name, Email: u.Email}
}

func (a *api) register(c echo.Context) error {
	in, err := Bind[struct {
		Name     string `json:"name"`
		Email    string `json:"email"`
		Password string `json:"password"`
	}](c)
	if err != nil {
		return err
	}
	user, err := a.deps.Identity.Register(c.Request().Context(), in.Name, in.Email, in.Password)
	var invalid *identity.ValidationError
	if errors.As(err, &invalid) {
		// The contract answers a malformed email or a short password with 400.
		return NewError(http.StatusBadRequest, "validation_failed", invalid.Message).WithDetail("field", invalid.Field)
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, map[string]any{"user": userOf(user)})
}

func (a *api) login(c echo.Context) error {
	in, err := Bind[struct {
		Email    string `json:"email"`
		Password string `json:"password"`
	}](c)
	if err != nil {
		return err
	}
	session, err := a.deps.Identity.Login(c.Request().Context(), in.Email, in.Password, c.RealIP(), c.Request().UserAgent())
	if err != nil {
		return withRetryAfter(c, err)
	}
	setSessionCookie(c, session.Token, session.ExpiresAt)
	return c.JSON(http.StatusOK, map[string]any{
		"token": session.Token, "expiresAt": session.ExpiresAt.UTC(), "user": userOf(session.User),
	})
}

// withRetryAfter sets Retry-After on a rate-limited answer; the error table gives the 429.
func withRetryAfter(c echo.Context, err error) error {
	var limited *identity.RateLimitedError
	if errors.As(err, &limited) {
		secs := int((limited.RetryAfter + time.Second - 1) / time.Second)
		c.Response().Header().Set("Retry-After", strconv.Itoa(max(secs, 1)))
	}
	return err
}

func (a *api) logout(c echo.Context) error {
	p, _ := CurrentPrincipal(c)
	if err := a.deps.Identity.Logout(c.Request().Context(), p.Token); err != nil {
		return err
	}
	clearSessionCookie(c)
	return c.NoContent(http.StatusNoContent)
}

func (a *api) me(c echo.Context) error {
	p, _ := CurrentPrincipal(c)
	memberships, err := a.deps.Directory.Memberships(c.Request().Context(), p.User.ID)
	if err != nil {
		return err
	}
	orgs := make([]map[string]any, len(memberships))
	for i, m := range memberships {
		orgs[i] = map[string]any{"id": m.ID, "name": m.Name, "slug": m.Slug, "plan": m.Plan, "role": m.Role}
	}
	return c.JSON(http.StatusOK, map[string]any{"user": userOf(p.User), "organizations": orgs})
}

// oauthStateCookie ties a sign-in's state to the browser that started it. Without it, anyone
// could start a sign-in with their own provider account and send the callback link to a victim,
// whose browser would then be signed in as the attacker (login CSRF).
const oauthStateCookie = "ilm_oauth_state"

// authProviders lists the sign-in providers configured, so that a sign-in page offers only
// those that work.
func (a *api) authProviders(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]any{"providers": a.deps.Identity.OAuthProviders()})
}

func (a *api) oauthStart(c echo.Context) error {
	authURL, err := a.deps.Identity.OAuthStart(c.Request().Context(), c.Param("provider"), c.QueryParam("redirect"))
	if err != nil {
		return err
	}
	u, err := url.Parse(authURL)
	if err != nil || u.Query().Get("state") == "" {
		return fmt.Errorf("oauth start: the authorization URL carries no state: %w", err)
	}
	c.SetCookie(&http.Cookie{
		Name: oauthStateCookie, Value: u.Query().Get("state"), Path: "/api/auth/oauth/",
		MaxAge: int(identity.OAuthStateTTL / time.Second), HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: c.Scheme() == "https",
	})
	return c.Redirect(http.StatusFound, authURL)
}

// oauthCallback finishes a provider sign-in. It is a browser's page load, so failures go back
// to the app's sign-in page with the error's code rather than as a JSON body.
func (a *api) oauthCallback(c echo.Context) error {
	if c.QueryParam("error") != "" {
		return c.Redirect(http.StatusFound, a.deps.AppBaseURL+"/login?error=oauth_denied")
	}
	cookie, err := c.Cookie(oauthStateCookie)
	c.SetCookie(&http.Cookie{Name: oauthStateCookie, Value: "", Path: "/api/auth/oauth/", MaxAge: -1,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: c.Scheme() == "https"})
	if err != nil || cookie.Value == "" || subtle.ConstantTimeCompare([]byte(cookie.Value), []byte(c.QueryParam("state"))) != 1 {
		// Not the browser that started this sign-in.
		return c.Redirect(http.StatusFound, a.deps.AppBaseURL+"/login?error=invalid_oauth_state")
	}
	session, redirectTo, err := a.deps.Identity.OAuthCallback(c.Request().Context(), c.Param("provider"),
		c.QueryParam("state"), c.QueryParam("code"), c.RealIP(), c.Request().UserAgent())
	if err != nil {
		answer := classifyForRedirect(err)
		if answer.Status >= 500 {
			Logger(c.Request().Context()).ErrorContext(c.Request().Context(), "oauth callback failed", "err", err)
		}
		return c.Redirect(http.StatusFound, a.deps.AppBaseURL+"/login?error="+answer.Code)
	}
	setSessionCookie(c, session.Token, session.ExpiresAt)
	return c.Redirect(http.StatusFound, a.deps.AppBaseURL+redirectTo)
}

// classifyForRedirect finds the answer the error table gives err, for a redirect to carry.
func classifyForRedirect(err error) *Error {
	for _, rule := range errorRules {
		if answer, ok := rule(err); ok {
			return answer
		}
	}
	return internalError()
}
