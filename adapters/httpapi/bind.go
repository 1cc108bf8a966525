package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/interviewlm/interviewlm/domain"
)

// Bind decodes the request's JSON body into a T. It is strict on purpose, so that a client's
// typo fails loudly instead of being ignored: the Content-Type must be application/json (415),
// and unknown fields, wrong types, malformed JSON and data after the value are 400 invalid_json
// with the offending field or byte offset in the details. A body over the limit is 413.
// The returned error is always an *Error.
func Bind[T any](c echo.Context) (T, error) {
	var v, zero T
	req := c.Request()
	mediaType, _, err := mime.ParseMediaType(req.Header.Get(echo.HeaderContentType))
	if err != nil || mediaType != echo.MIMEApplicationJSON {
		return zero, UnsupportedMediaType("the request body must be JSON with Content-Type: application/json")
	}
	if req.Body == nil {
		return zero, invalidJSON("the request body is empty")
	}

	body := &recordingReader{r: req.Body}
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil {
		return zero, decodeError(err, body.err)
	}
	// A second value, or garbage, after the first means the client sent something other than
	// what it thinks it sent.
	var extra json.RawMessage
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		if body.err != nil {
			return zero, decodeError(err, body.err)
		}
		return zero, invalidJSON("unexpected data after the JSON value").
			WithDetail("offset", dec.InputOffset()).WithCause(err)
	}
	return v, nil
}

func invalidJSON(message string) *Error {
	return NewError(http.StatusBadRequest, "invalid_json", message)
}

// recordingReader keeps the first read error, so that a failed read (the client hung up, the
// body is over the limit) can be told apart from a body that was read but is not valid JSON.
type recordingReader struct {
	r   io.Reader
	err error
}

func (r *recordingReader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if err != nil && err != io.EOF && r.err == nil {
		r.err = err
	}
	return n, err
}

// decodeError explains a json.Decoder failure to the client; readErr is the body's read error,
// if reading failed.
func decodeError(err, readErr error) *Error {
	if readErr != nil {
		if tooLarge, ok := errors.AsType[*http.MaxBytesError](readErr); ok {
			return BodyTooLarge(tooLarge.Limit).WithCause(err)
		}
		return BadRequest("the request body could not be read").WithCause(err)
	}
	if syntax, ok := errors.AsType[*json.SyntaxError](err); ok {
		return invalidJSON(fmt.Sprintf("malformed JSON at byte %d: %s", syntax.Offset, syntax.Error())).
			WithDetail("offset", syntax.Offset).WithCause(err)
	}
	if typ, ok := errors.AsType[*json.UnmarshalTypeError](err); ok {
		if typ.Field == "" {
			return invalidJSON(fmt.Sprintf("the body must be %s, not a JSON %s", domain.JSONKind(typ.Type), typ.Value)).
				WithDetail("offset", typ.Offset).WithCause(err)
		}
		return invalidJSON(fmt.Sprintf("field %q must be %s, not a JSON %s", typ.Field, domain.JSONKind(typ.Type), typ.Value)).
			WithDetail("field", typ.Field).WithDetail("offset", typ.Offset).WithCause(err)
	}
	if field, ok := unknownField(err); ok {
		return invalidJSON(fmt.Sprintf("unknown field %q", field)).WithDetail("field", field).WithCause(err)
	}
	switch {
	case errors.Is(err, io.EOF):
		return invalidJSON("the request body is empty").WithCause(err)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return invalidJSON("the request body ends in the middle of a JSON value").WithCause(err)
	}
	// What is left comes from a type's own UnmarshalJSON (a time, a UUID, a domain value)
	// refusing the client's value; its text describes that value.
	return invalidJSON("invalid value in the request body: " + err.Error()).WithCause(err)
}

// unknownField extracts the field name from encoding/json's unknown-field error, which has no
// type of its own.
func unknownField(err error) (string, bool) {
	const prefix = "json: unknown field "
	msg := err.Error()
	if !strings.HasPrefix(msg, prefix) {
		return "", false
	}
	field, uerr := strconv.Unquote(strings.TrimPrefix(msg, prefix))
	if uerr != nil {
		return "", false
	}
	return field, true
}
