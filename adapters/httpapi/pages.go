package httpapi

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/interviewlm/interviewlm/adapters/web"
)

// mountWeb serves the hiring team's pages beside the API. The pages only call the API, which
// authorizes every read; the shells under /app are still kept from anyone who is not signed in
// to a hiring-team account, so that a candidate's browser never even loads them.
func (a *api) mountWeb(e *echo.Echo, site *web.Site) {
	e.GET("/", func(c echo.Context) error { return c.Redirect(http.StatusFound, "/app") })
	e.GET("/login", func(c echo.Context) error {
		site.ServePage(c.Response(), c.Request(), "login")
		return nil
	})
	team := func(page string) echo.HandlerFunc {
		return func(c echo.Context) error {
			if p, err := a.resolve(c, false); err != nil || p.Kind != PrincipalUser {
				next := c.Request().URL.RequestURI()
				return c.Redirect(http.StatusFound, "/login?next="+url.QueryEscape(next))
			}
			site.ServePage(c.Response(), c.Request(), page)
			return nil
		}
	}
	e.GET("/app", team("app"))
	e.GET("/app/", team("app"))
	e.GET("/app/interviews/:id", team("interview"))
	e.GET("/static/*", func(c echo.Context) error {
		site.ServeStatic(c.Response(), c.Request(), strings.TrimPrefix(c.Param("*"), "/"))
		return nil
	})
	e.GET("/robots.txt", func(c echo.Context) error {
		site.ServeStatic(c.Response(), c.Request(), "robots.txt")
		return nil
	})
}
