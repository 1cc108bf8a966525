package httpapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/labstack/echo/v4"
)

// quotaError is a typed error, standing in for a domain error that carries fields.
type quotaError struct{ Limit int }

func (e *quotaError) Error() string { return fmt.Sprintf("quota of %d exceeded", e.Limit) }

func TestClassify(t *testing.T) {
	rules := []errorRule{
		is(errTestSentinel, NewError(http.StatusConflict, "email_taken", "an account with this email exists")),
		as(func(err *quotaError) *Error {
			return NewError(http.StatusTooManyRequests, "quota_exceeded", err.Error()).WithDetail("limit", err.Limit)
		}),
	}
	rules = append(rules, errorRules...)

	tests := []struct {
		name        string
		err         error
		status      int
		code        string
		message     string
		wantCauseIs error
	}{
		{"handler's own answer", NotFound("no such interview"), 404, "not_found", "no such interview", nil},
		{"wrapped answer", fmt.Errorf("load: %w", Forbidden("not yours")), 403, "forbidden", "not yours", nil},
		{"sentinel, wrapped", fmt.Errorf("register user 42: %w", errTestSentinel), 409, "email_taken", "an account with this email exists", errTestSentinel},
		{"typed error", fmt.Errorf("append: %w", &quotaError{Limit: 5}), 429, "quota_exceeded", "quota of 5 exceeded", nil},
		{"body over the limit", fmt.Errorf("read: %w", &http.MaxBytesError{Limit: 10}), 413, "body_too_large", "request body is larger than the limit of 10 bytes", nil},
		{"client went away", fmt.Errorf("query: %w", context.Canceled), 499, "client_closed_request", "the client closed the request", context.Canceled},
		{"timeout", fmt.Errorf("query: %w", context.DeadlineExceeded), 503, "timeout", "the request took too long; try again", nil},
		{"echo 400", echo.NewHTTPError(http.StatusBadRequest, "bad query parameter"), 400, "bad_request", "bad query parameter", nil},
		{"echo 415", echo.ErrUnsupportedMediaType, 415, "unsupported_media_type", "Unsupported Media Type", nil},
		{"echo 413", echo.ErrStatusRequestEntityTooLarge, 413, "body_too_large", "request body is larger than the limit of 1024 bytes", nil},
		{"echo 429", echo.ErrTooManyRequests, 429, "too_many_requests", "Too Many Requests", nil},
		{"echo 502 hides its text", echo.NewHTTPError(http.StatusBadGateway, "upstream 10.0.0.7 said no"), 500, "internal", "internal server error", nil},
		{"unknown", errors.New("pq: relation users does not exist"), 500, "internal", "internal server error", nil},
	}
	e := echo.New()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := e.NewContext(httptest.NewRequest(http.MethodGet, "/x", nil), httptest.NewRecorder())
			got := classify(tt.err, rules, c, 1024)
			if got.Status != tt.status || got.Code != tt.code || got.Message != tt.message {
				t.Fatalf("classify = %d %q %q, want %d %q %q", got.Status, got.Code, got.Message, tt.status, tt.code, tt.message)
			}
			if tt.wantCauseIs != nil && !errors.Is(got, tt.wantCauseIs) {
				t.Errorf("the answer lost its cause %v", tt.wantCauseIs)
			}
		})
	}
}

func TestWithDetailDoesNotChangeTheOriginal(t *testing.T) {
	base := NewError(http.StatusConflict, "conflict", "x").WithDetail("a", 1)
	derived := base.WithDetail("b", 2)
	if _, ok := base.Details["b"]; ok {
		t.Fatal("WithDetail changed the error it was called on")
	}
	if derived.Details["a"] != 1 || derived.Details["b"] != 2 {
		t.Fatalf("derived details = %v", derived.Details)
	}
}

func TestHandlerErrorsAreRenderedInOurShape(t *testing.T) {
	s := newTestServer(t, nil)
	s.API().GET("/invalid", func(echo.Context) error { return ValidationFailed("email", "is not an email address") })
	s.API().GET("/gone", func(echo.Context) error { return fmt.Errorf("start: %w", Gone("the invite expired")) })

	got := expectError(t, s.do(httptest.NewRequest(http.MethodGet, "/api/invalid", nil)), http.StatusUnprocessableEntity, "validation_failed")
	if got.Error.Details["field"] != "email" {
		t.Errorf("details = %v, want field email", got.Error.Details)
	}
	expectError(t, s.do(httptest.NewRequest(http.MethodGet, "/api/gone", nil)), http.StatusGone, "gone")
}
