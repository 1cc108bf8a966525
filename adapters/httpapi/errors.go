package httpapi

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/interviewlm/interviewlm/adapters/directory"
	"github.com/interviewlm/interviewlm/adapters/eventstore"
	"github.com/interviewlm/interviewlm/adapters/identity"
	"github.com/interviewlm/interviewlm/adapters/llm"
	"github.com/interviewlm/interviewlm/adapters/sandbox"
	"github.com/interviewlm/interviewlm/commands"
	"github.com/interviewlm/interviewlm/domain"
	"github.com/interviewlm/interviewlm/projections"
)

// Error is a failed request's answer, rendered as
// {"error":{"code":"…","message":"…","details":{…}}} with Status as the HTTP status.
// Handlers return it (or a domain error the errorRules table knows) instead of writing errors
// themselves. Message and Details are shown to the client, so they must not carry internals;
// the cause, if any, goes only to the logs.
type Error struct {
	Status  int
	Code    string
	Message string
	Details map[string]any
	cause   error
}

// NewError returns an error answer with a specific code, for cases the shorthand constructors
// do not name (NewError(http.StatusConflict, "email_taken", "…")).
func NewError(status int, code, message string) *Error {
	return &Error{Status: status, Code: code, Message: message}
}

// BadRequest is a 400 bad_request.
func BadRequest(message string) *Error {
	return NewError(http.StatusBadRequest, "bad_request", message)
}

// Unauthorized is a 401 unauthorized: no valid credential came with the request.
func Unauthorized(message string) *Error {
	return NewError(http.StatusUnauthorized, "unauthorized", message)
}

// Forbidden is a 403 forbidden: the caller is known but not allowed.
func Forbidden(message string) *Error {
	return NewError(http.StatusForbidden, "forbidden", message)
}

// NotFound is a 404 not_found. It is also the answer for resources of another organization,
// so that their existence is not revealed.
func NotFound(message string) *Error {
	return NewError(http.StatusNotFound, "not_found", message)
}

// Conflict is a 409 conflict.
func Conflict(message string) *Error {
	return NewError(http.StatusConflict, "conflict", message)
}

// Gone is a 410 gone.
func Gone(message string) *Error {
	return NewError(http.StatusGone, "gone", message)
}

// BodyTooLarge is a 413 body_too_large that names the limit, so clients know how to split.
func BodyTooLarge(limit int64) *Error {
	return NewError(http.StatusRequestEntityTooLarge, "body_too_large",
		fmt.Sprintf("request body is larger than the limit of %d bytes", limit)).
		WithDetail("limitBytes", limit)
}

// UnsupportedMediaType is a 415 unsupported_media_type.
func UnsupportedMediaType(message string) *Error {
	return NewError(http.StatusUnsupportedMediaType, "unsupported_media_type", message)
}

// ValidationFailed is a 422 validation_failed for a well-formed request whose field value is
// not acceptable.
func ValidationFailed(field, message string) *Error {
	return NewError(http.StatusUnprocessableEntity, "validation_failed", message).WithDetail("field", field)
}

// ServiceUnavailable is a 503 with a specific code, for a dependency that is not configured or
// not answering (ai_unavailable).
func ServiceUnavailable(code, message string) *Error {
	return NewError(http.StatusServiceUnavailable, code, message)
}

// internalError is the answer for every error nobody mapped. Its message is generic on
// purpose: the error text may contain SQL, paths or secrets.
func internalError() *Error {
	return NewError(http.StatusInternalServerError, "internal", "internal server error")
}

// Error describes the answer and its cause for logs.
func (e *Error) Error() string {
	if e.cause != nil {
		return fmt.Sprintf("%d %s: %s: %v", e.Status, e.Code, e.Message, e.cause)
	}
	return fmt.Sprintf("%d %s: %s", e.Status, e.Code, e.Message)
}

// Unwrap returns the cause recorded with WithCause.
func (e *Error) Unwrap() error { return e.cause }

// WithDetail returns a copy of e with details[key] = value. It copies so that answers kept in
// package variables or in errorRules are never changed by one request.
func (e *Error) WithDetail(key string, value any) *Error {
	c := *e
	c.Details = maps.Clone(e.Details)
	if c.Details == nil {
		c.Details = map[string]any{}
	}
	c.Details[key] = value
	return &c
}

// WithCause returns a copy of e that records cause for the logs; the client never sees it.
func (e *Error) WithCause(cause error) *Error {
	c := *e
	c.cause = cause
	return &c
}

// statusClientClosedRequest is nginx's status for a request the client abandoned; there is no
// standard one, and any 4xx or 5xx we chose instead would blame the wrong side.
const statusClientClosedRequest = 499

// errorRule answers one family of errors; ok is false when err is not of that family.
type errorRule func(err error) (answer *Error, ok bool)

// is answers with answer for any error that wraps target (errors.Is). The client sees
// answer's message, not the error text, because wrapping adds internal context.
func is(target error, answer *Error) errorRule {
	return func(err error) (*Error, bool) {
		if errors.Is(err, target) {
			return answer.WithCause(err), true
		}
		return nil, false
	}
}

// as answers any error with a T in its chain (errors.As), building the answer from that T so
// that typed errors can put their fields into the message and details.
func as[T error](answer func(T) *Error) errorRule {
	return func(err error) (*Error, bool) {
		var target T
		if errors.As(err, &target) {
			return answer(target).WithCause(err), true
		}
		return nil, false
	}
}

// errorRules is the one table from domain, command and adapter errors to HTTP answers. Add a
// row here when a package gains an error that clients should see as something other than 500.
// Rules are tried in order and the first match wins, so specific errors go before general ones.
// An *Error returned by a handler is answered as is, before this table is consulted.
var errorRules = []errorRule{
	as(func(err *http.MaxBytesError) *Error { return BodyTooLarge(err.Limit) }),
	// The client went away; nobody reads the answer, but the access log and metrics should
	// not count it as a server failure.
	is(context.Canceled, NewError(statusClientClosedRequest, "client_closed_request", "the client closed the request")),
	is(context.DeadlineExceeded, ServiceUnavailable("timeout", "the request took too long; try again")),

	// Validation (identity's ValidationError is the domain's).
	as(func(err *domain.ValidationError) *Error { return ValidationFailed(err.Field, err.Message) }),

	// Accounts and sessions.
	is(identity.ErrEmailTaken, NewError(http.StatusConflict, "email_taken", "an account with this email already exists")),
	is(identity.ErrInvalidCredentials, NewError(http.StatusUnauthorized, "invalid_credentials", "wrong email or password")),
	is(identity.ErrUnauthenticated, Unauthorized("sign in first")),
	is(identity.ErrRateLimited, NewError(http.StatusTooManyRequests, "rate_limited", "too many attempts; wait before trying again (see Retry-After)")),
	is(identity.ErrUnknownProvider, NewError(http.StatusNotFound, "unknown_provider", "this sign-in provider is not configured")),
	is(identity.ErrOAuthState, NewError(http.StatusBadRequest, "invalid_oauth_state", "the sign-in attempt expired or was not started here; start again")),
	is(identity.ErrOAuthEmailUnverified, NewError(http.StatusForbidden, "email_unverified", "the provider has not verified your email address")),
	is(identity.ErrOAuthFailed, NewError(http.StatusBadGateway, "oauth_failed", "the sign-in provider did not answer as expected; try again")),

	// Organizations, assessments, candidates.
	is(directory.ErrNotFound, NotFound("not found")),
	is(directory.ErrSlugTaken, NewError(http.StatusConflict, "slug_taken", "an organization with this slug already exists").WithDetail("field", "slug")),
	is(directory.ErrAlreadyMember, NewError(http.StatusConflict, "already_member", "this user is already a member")),
	is(directory.ErrCandidateExists, NewError(http.StatusConflict, "candidate_exists", "this email was already invited to this assessment")),
	is(domain.ErrForbiddenRole, NewError(http.StatusForbidden, "forbidden_role", "your role in this organization does not allow this")),
	is(domain.ErrNotPublished, NewError(http.StatusConflict, "assessment_not_published", "candidates can only be invited to a PUBLISHED assessment")),
	is(domain.ErrInvalidTransition, NewError(http.StatusConflict, "invalid_status_change", "candidates were invited to this assessment, so it cannot become a DRAFT again")),
	is(domain.ErrInviteExpired, NewError(http.StatusGone, "invite_expired", "this invite has expired; ask the hiring team for a new one")),
	is(domain.ErrInviteRevoked, NewError(http.StatusGone, "invite_revoked", "this invite was withdrawn")),
	is(domain.ErrNotDecidable, NewError(http.StatusConflict, "interview_not_submitted", "a candidate can be hired or rejected once their interview is submitted")),

	// The interview.
	is(domain.ErrInterviewSubmitted, NewError(http.StatusConflict, "interview_submitted", "this interview has been submitted; it can no longer change")),
	is(domain.ErrTimeExpired, NewError(http.StatusForbidden, "time_expired", "the time limit of this interview has passed")),
	is(eventstore.ErrEventIDConflict, NewError(http.StatusConflict, "event_id_conflict", "an event id was already used elsewhere; use fresh UUIDs")),
	is(projections.ErrNoQuestion, NewError(http.StatusUnprocessableEntity, "no_question", "no question has been served in this interview; send testCases").WithDetail("field", "testCases")),
	is(sandbox.ErrUnavailable, ServiceUnavailable("sandbox_unavailable", "code execution is unavailable right now; try again later")),
	is(commands.ErrAIDisabled, NewError(http.StatusForbidden, "ai_disabled", "this assessment has no AI assistant")),
	is(llm.ErrUnavailable, ServiceUnavailable("ai_unavailable", "the AI assistant is not configured on this server")),
	is(commands.ErrNoMoreQuestions, NewError(http.StatusConflict, "no_more_questions", "every question of this interview has been served")),
	is(commands.ErrCommandRunning, NewError(http.StatusConflict, "command_running", "a command is still running; interrupt it or wait for it to end")),
	is(commands.ErrNothingToInterrupt, NewError(http.StatusConflict, "nothing_running", "no command is running")),
	is(eventstore.ErrConcurrency, NewError(http.StatusConflict, "concurrent_write", "the interview changed meanwhile; retry")),
}

// classify turns any error a handler returned into the answer the client gets.
func classify(err error, rules []errorRule, c echo.Context, bodyLimit int64) *Error {
	if answer, ok := errors.AsType[*Error](err); ok {
		return answer
	}
	for _, rule := range rules {
		if answer, ok := rule(err); ok {
			return answer
		}
	}
	if he, ok := errors.AsType[*echo.HTTPError](err); ok {
		return fromEcho(he, c, bodyLimit).WithCause(err)
	}
	return internalError().WithCause(err)
}

// fromEcho answers the errors Echo itself produces (unknown route, wrong method, its body
// limit and binder) in our shape.
func fromEcho(he *echo.HTTPError, c echo.Context, bodyLimit int64) *Error {
	req := c.Request()
	switch he.Code {
	case http.StatusNotFound:
		if c.Path() == "" {
			return NotFound(fmt.Sprintf("no route for %s %s", req.Method, req.URL.Path))
		}
		return NotFound("not found")
	case http.StatusMethodNotAllowed:
		answer := NewError(http.StatusMethodNotAllowed, "method_not_allowed",
			fmt.Sprintf("method %s is not allowed on %s", req.Method, req.URL.Path))
		if allow := c.Response().Header().Get(echo.HeaderAllow); allow != "" {
			answer = answer.WithDetail("allow", strings.Split(allow, ", "))
		}
		return answer
	case http.StatusRequestEntityTooLarge:
		return BodyTooLarge(bodyLimit)
	}
	if he.Code >= 500 || he.Code < 400 {
		return internalError()
	}
	message, ok := he.Message.(string)
	if !ok || message == "" {
		message = http.StatusText(he.Code)
	}
	return NewError(he.Code, codeForStatus(he.Code), message)
}

// codeForStatus names a status for errors that come without a code of ours.
func codeForStatus(status int) string {
	switch status {
	case http.StatusRequestEntityTooLarge:
		return "body_too_large"
	case http.StatusUnprocessableEntity:
		return "validation_failed"
	case http.StatusInternalServerError:
		return "internal"
	}
	text := strings.ToLower(http.StatusText(status))
	if text == "" {
		return "error"
	}
	var b strings.Builder
	for _, r := range text {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == ' ' || r == '-':
			b.WriteByte('_')
		}
	}
	return b.String()
}

// errorBody is the wire shape of an error answer.
type errorBody struct {
	Error errorPayload `json:"error"`
}

type errorPayload struct {
	Code    string         `json:"code"`
	Message string         `json:"message"`
	Details map[string]any `json:"details"`
}

func payloadOf(e *Error) errorPayload {
	details := e.Details
	if details == nil {
		// Always an object, so clients can read details.x without a null check.
		details = map[string]any{}
	}
	return errorPayload{Code: e.Code, Message: e.Message, Details: details}
}

// renderError writes err as the client's answer and logs the cause of server-side failures
// with the request id, which is the only link between the generic 500 message and the cause.
func (s *Server) renderError(c echo.Context, err error) {
	ctx := c.Request().Context()
	log := s.loggerFor(ctx)
	answer := classify(err, errorRules, c, s.cfg.BodyLimit)
	if answer.Status >= 500 {
		log.ErrorContext(ctx, "request failed", "status", answer.Status, "code", answer.Code, "err", err)
		if answer.Code == "internal" {
			if id := RequestID(ctx); id != "" {
				answer = answer.WithDetail("requestId", id)
			}
		}
	}
	if c.Response().Committed {
		// Headers are gone (a stream failed midway); all that is left is to record it.
		log.WarnContext(ctx, "error after the response was committed", "err", err)
		return
	}
	if c.Request().Method == http.MethodHead {
		err = c.NoContent(answer.Status)
	} else {
		err = c.JSON(answer.Status, errorBody{Error: payloadOf(answer)})
	}
	if err != nil {
		log.WarnContext(ctx, "writing the error answer failed", "err", err)
	}
}
