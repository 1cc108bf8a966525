// Package httpapi is the HTTP door of the service: an Echo server with the middleware every
// route shares (request ids, body limits, access log, metrics, panic recovery), the JSON error
// model of the API contract, and the health and metrics endpoints. Handlers for the rest of the
// contract register themselves on the server's Echo instance or its /api group.
package httpapi

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"reflect"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
)

// Config holds the server's settings.
type Config struct {
	// Addr is the TCP address ListenAndServe binds, such as ":8080".
	Addr string
	// BodyLimit caps every request body, in bytes.
	BodyLimit int64
	// Version is reported by the health endpoint.
	Version string
	Logger  *slog.Logger
	// ShutdownTimeout bounds how long in-flight requests may run once shutdown begins.
	ShutdownTimeout time.Duration
	// TrustProxy takes the client's address from X-Forwarded-For, for a service behind a
	// reverse proxy; otherwise it is the connection's, which clients cannot forge.
	TrustProxy bool
}

// Pinger reports whether the database answers.
type Pinger interface {
	Ping(ctx context.Context) error
}

// ProjectionStatus is where one projection stands: the last log position it applied and how
// many events it is behind the head of the log.
type ProjectionStatus struct {
	Name       string
	Checkpoint int64
	Lag        int64
}

// ProjectionStatuser lists the projections and their progress.
type ProjectionStatuser interface {
	ProjectionStatus(ctx context.Context) ([]ProjectionStatus, error)
}

// Deps are the collaborators the server needs.
type Deps struct {
	DB Pinger
	// Projections may be nil; the health answer then has no projections section.
	Projections ProjectionStatuser
	// Metrics is what GET /metrics exposes.
	Metrics prometheus.Gatherer
	// Registerer receives the HTTP metrics; usually the same registry as Metrics.
	Registerer prometheus.Registerer
}

// readHeaderTimeout bounds how long a client may take to send its headers, so that slow or
// stalled clients cannot hold connections open. There is deliberately no write timeout: the
// interview streams (chat, terminal, replay) are long-lived responses.
const readHeaderTimeout = 10 * time.Second

// Server is the HTTP API server.
type Server struct {
	cfg     Config
	deps    Deps
	log     *slog.Logger
	echo    *echo.Echo
	api     *echo.Group
	metrics *httpMetrics

	shutdownOnce sync.Once
	shuttingDown chan struct{}
}

// New builds a server with the shared middleware and the health and metrics routes. It refuses
// missing dependencies and settings rather than failing on the first request.
func New(cfg Config, deps Deps) (*Server, error) {
	switch {
	case isNil(cfg.Logger):
		return nil, errors.New("httpapi: Config.Logger is nil")
	case cfg.BodyLimit <= 0:
		return nil, fmt.Errorf("httpapi: Config.BodyLimit must be positive, got %d", cfg.BodyLimit)
	case cfg.ShutdownTimeout <= 0:
		return nil, fmt.Errorf("httpapi: Config.ShutdownTimeout must be positive, got %s", cfg.ShutdownTimeout)
	case cfg.Version == "":
		return nil, errors.New("httpapi: Config.Version is empty")
	case isNil(deps.DB):
		return nil, errors.New("httpapi: Deps.DB is nil")
	case isNil(deps.Metrics):
		return nil, errors.New("httpapi: Deps.Metrics is nil")
	case isNil(deps.Registerer):
		return nil, errors.New("httpapi: Deps.Registerer is nil")
	}
	if isNil(deps.Projections) {
		deps.Projections = nil
	}

	metrics, err := newHTTPMetrics(deps.Registerer)
	if err != nil {
		return nil, err
	}

	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	// Without an extractor Echo trusts X-Forwarded-For from any client, which would let anyone
	// forge the address in our logs. Deployments behind a proxy set their own via Echo().
	e.IPExtractor = echo.ExtractIPDirect()
	if cfg.TrustProxy {
		e.IPExtractor = echo.ExtractIPFromXFFHeader()
	}

	s := &Server{
		cfg:          cfg,
		deps:         deps,
		log:          cfg.Logger,
		echo:         e,
		metrics:      metrics,
		shuttingDown: make(chan struct{}),
	}
	// Errors are rendered inside the middleware chain (see handleErrors) so that the access log
	// and the metrics see the final status; this handler only catches what escapes the chain.
	e.HTTPErrorHandler = func(err error, c echo.Context) { s.renderError(c, err) }
	e.Use(s.requestID, s.instrument, s.accessLog, s.handleErrors, s.limitBody)

	s.api = e.Group("/api")
	s.api.GET("/health", s.health)
	e.GET("/metrics", s.metricsHandler())
	return s, nil
}

// Echo returns the underlying Echo instance, for registering routes outside /api and for
// deployment-specific settings such as the IP extractor.
func (s *Server) Echo() *echo.Echo { return s.echo }

// API returns the /api route group, where the handlers of the API contract belong.
func (s *Server) API() *echo.Group { return s.api }

// ShuttingDown is closed when graceful shutdown begins. Long-lived responses (event streams)
// select on it to end themselves, because shutdown waits for every in-flight request.
func (s *Server) ShuttingDown() <-chan struct{} { return s.shuttingDown }

// ListenAndServe binds cfg.Addr and serves until ctx is cancelled; see Serve.
func (s *Server) ListenAndServe(ctx context.Context) error {
	if s.cfg.Addr == "" {
		return errors.New("httpapi: Config.Addr is empty")
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("httpapi: listen on %s: %w", s.cfg.Addr, err)
	}
	return s.Serve(ctx, ln)
}

// Serve answers requests on ln until ctx is cancelled, then shuts down gracefully: it stops
// accepting connections and waits up to cfg.ShutdownTimeout for in-flight requests to finish.
// It returns nil after a clean shutdown. Serve closes ln. Call it once per Server: ShuttingDown
// stays closed after the first shutdown.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           s.echo,
		ReadHeaderTimeout: readHeaderTimeout,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	srv.RegisterOnShutdown(func() { s.shutdownOnce.Do(func() { close(s.shuttingDown) }) })

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	s.log.Info("http server listening", "url", "http://"+ln.Addr().String())

	select {
	case err := <-served:
		return fmt.Errorf("httpapi: serve: %w", err)
	case <-ctx.Done():
	}

	s.log.Info("http server shutting down", "timeout", s.cfg.ShutdownTimeout)
	// The parent ctx is already cancelled, so the shutdown deadline must not derive from it.
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.cfg.ShutdownTimeout)
	defer cancel()
	err := srv.Shutdown(shutdownCtx)
	<-served
	if err != nil {
		closeErr := srv.Close()
		return fmt.Errorf("httpapi: graceful shutdown: %w", errors.Join(err, closeErr))
	}
	s.log.Info("http server stopped")
	return nil
}

// isNil reports whether v is nil or an interface holding a nil pointer, which a plain == nil
// check misses (a nil *pgxpool.Pool passed as a Pinger).
func isNil(v any) bool {
	if v == nil {
		return true
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Slice, reflect.Func, reflect.Interface, reflect.Chan:
		return rv.IsNil()
	}
	return false
}
