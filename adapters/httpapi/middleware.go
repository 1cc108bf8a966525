package httpapi

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"
)

// HeaderRequestID carries the request id in both directions.
const HeaderRequestID = echo.HeaderXRequestID

// maxRequestIDLength bounds an incoming request id; longer ones are replaced, not truncated,
// so that a truncated id never collides with another request's.
const maxRequestIDLength = 128

type (
	requestIDKey struct{}
	loggerKey    struct{}
)

// RequestID returns the id of the request ctx belongs to, or "" outside a request.
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// Logger returns the logger of the request ctx belongs to, which adds the request id to every
// line, or slog.Default() outside a request.
func Logger(ctx context.Context) *slog.Logger {
	if log, ok := ctx.Value(loggerKey{}).(*slog.Logger); ok {
		return log
	}
	return slog.Default()
}

func (s *Server) loggerFor(ctx context.Context) *slog.Logger {
	if log, ok := ctx.Value(loggerKey{}).(*slog.Logger); ok {
		return log
	}
	return s.log
}

// requestID takes the caller's X-Request-ID when it is sane, so that a request can be traced
// across a proxy or a client's logs, and makes one otherwise. The id is echoed in the response
// and carried in the request context and its logger.
func (s *Server) requestID(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		id := req.Header.Get(HeaderRequestID)
		if !saneRequestID(id) {
			id = uuid.NewString()
		}
		c.Response().Header().Set(HeaderRequestID, id)
		ctx := context.WithValue(req.Context(), requestIDKey{}, id)
		ctx = context.WithValue(ctx, loggerKey{}, s.log.With("request_id", id))
		c.SetRequest(req.WithContext(ctx))
		return next(c)
	}
}

// saneRequestID accepts short ids of printable token characters. Anything else could forge
// log lines or bloat every log entry, so it is replaced.
func saneRequestID(id string) bool {
	if id == "" || len(id) > maxRequestIDLength {
		return false
	}
	for i := 0; i < len(id); i++ {
		b := id[i]
		switch {
		case b >= 'a' && b <= 'z', b >= 'A' && b <= 'Z', b >= '0' && b <= '9':
		case b == '-', b == '_', b == '.', b == ':', b == '/', b == '+', b == '=':
		default:
			return false
		}
	}
	return true
}

// accessLog writes one line per request once its answer is final; server failures are logged
// at error level so that they stand out.
func (s *Server) accessLog(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		err := next(c)
		req, res := c.Request(), c.Response()
		level := slog.LevelInfo
		if res.Status >= 500 {
			level = slog.LevelError
		}
		ctx := req.Context()
		s.loggerFor(ctx).LogAttrs(ctx, level, "http request",
			slog.String("method", req.Method),
			slog.String("path", req.URL.Path),
			slog.String("route", routeLabel(c)),
			slog.Int("status", res.Status),
			slog.Int64("bytes", res.Size),
			slog.Float64("duration_ms", float64(time.Since(start).Microseconds())/1000),
			slog.String("remote_ip", c.RealIP()),
		)
		return err
	}
}

// handleErrors turns a handler's error or panic into the JSON error answer here, inside the
// chain, rather than in Echo's error handler after it: the access log and the metrics around
// it then see the status the client really got.
func (s *Server) handleErrors(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) (err error) {
		defer func() {
			if r := recover(); r != nil {
				if r == http.ErrAbortHandler {
					// net/http's way to abort a response on purpose; let the server handle it.
					panic(r)
				}
				ctx := c.Request().Context()
				s.loggerFor(ctx).ErrorContext(ctx, "handler panicked", "panic", r, "stack", string(debug.Stack()))
				err = fmt.Errorf("handler panicked: %v", r)
			}
			if err != nil {
				s.renderError(c, err)
				err = nil
			}
		}()
		return next(c)
	}
}

// limitBody caps the request body at cfg.BodyLimit. A declared Content-Length over the limit is
// refused before reading; otherwise the body is wrapped so that reading past the limit fails,
// which also holds for chunked bodies and for a Content-Length that lies. That read error is an
// *http.MaxBytesError, which errorRules answers as 413.
func (s *Server) limitBody(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		if req.ContentLength > s.cfg.BodyLimit {
			return BodyTooLarge(s.cfg.BodyLimit)
		}
		// The underlying writer, not Echo's Response, so that net/http learns the limit was hit
		// and closes the connection instead of draining the rest of an oversized body.
		if req.Body != nil {
			req.Body = http.MaxBytesReader(c.Response().Writer, req.Body, s.cfg.BodyLimit)
		}
		return next(c)
	}
}
