package httpapi

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// startEventStream commits a 200 response as a server-sent event stream. Every streaming route
// (chat, terminal, replay) starts through it, so they all carry the same headers.
func startEventStream(res *echo.Response) {
	h := res.Header()
	h.Set(echo.HeaderContentType, "text/event-stream")
	h.Set(echo.HeaderCacheControl, "no-cache")
	// nginx buffers responses by default, which would hold frames back.
	h.Set("X-Accel-Buffering", "no")
	res.WriteHeader(http.StatusOK)
}
