package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// healthTimeout bounds each dependency check, so that a hung database makes the health check
// answer "unhealthy" quickly instead of hanging the load balancer's probe.
const healthTimeout = 2 * time.Second

type healthResponse struct {
	Status      string                      `json:"status"`
	Timestamp   string                      `json:"timestamp"`
	Database    string                      `json:"database"`
	Version     string                      `json:"version"`
	Projections map[string]projectionHealth `json:"projections,omitempty"`
	// Error is set on the 503 answer so that it also has the shape of every other error.
	Error *errorPayload `json:"error,omitempty"`
}

type projectionHealth struct {
	Checkpoint int64 `json:"checkpoint"`
	Lag        int64 `json:"lag"`
}

// health answers GET /api/health: 200 when the database answers a ping, 503 otherwise.
func (s *Server) health(c echo.Context) error {
	ctx := c.Request().Context()
	c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
	answer := healthResponse{
		Status:    "healthy",
		Timestamp: time.Now().UTC().Format(time.RFC3339),
		Database:  "connected",
		Version:   s.cfg.Version,
	}

	if err := s.ping(ctx); err != nil {
		s.loggerFor(ctx).WarnContext(ctx, "health: database ping failed", "err", err)
		answer.Status, answer.Database = "unhealthy", "disconnected"
		payload := payloadOf(ServiceUnavailable("database_unavailable", "the database is not reachable"))
		answer.Error = &payload
		return c.JSON(http.StatusServiceUnavailable, answer)
	}

	if s.deps.Projections != nil {
		projections, err := s.projections(ctx)
		if err != nil {
			// Projection progress is informative; the service still serves without it.
			s.loggerFor(ctx).WarnContext(ctx, "health: reading projection status failed", "err", err)
		} else {
			answer.Projections = projections
		}
	}
	return c.JSON(http.StatusOK, answer)
}

func (s *Server) ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, healthTimeout)
	defer cancel()
	return s.deps.DB.Ping(ctx)
}

func (s *Server) projections(ctx context.Context) (map[string]projectionHealth, error) {
	ctx, cancel := context.WithTimeout(ctx, healthTimeout)
	defer cancel()
	statuses, err := s.deps.Projections.ProjectionStatus(ctx)
	if err != nil {
		return nil, err
	}
	projections := make(map[string]projectionHealth, len(statuses))
	for _, st := range statuses {
		projections[st.Name] = projectionHealth{Checkpoint: st.Checkpoint, Lag: st.Lag}
	}
	return projections, nil
}

// metricsHandler answers GET /metrics in the Prometheus text format.
func (s *Server) metricsHandler() echo.HandlerFunc {
	return echo.WrapHandler(promhttp.HandlerFor(s.deps.Metrics, promhttp.HandlerOpts{
		ErrorLog: slog.NewLogLogger(s.log.Handler(), slog.LevelError),
		// A broken collector should cost its own series, not the whole scrape.
		ErrorHandling: promhttp.ContinueOnError,
		Registry:      s.deps.Registerer,
	}))
}
