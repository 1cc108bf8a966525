package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/interviewlm/interviewlm/commands"
	"github.com/interviewlm/interviewlm/domain"
	"github.com/interviewlm/interviewlm/projections"
)

func (a *api) getInterview(c echo.Context) error {
	interview := currentInterview(c)
	assessment, err := a.deps.Directory.Assessment(c.Request().Context(), interview.AssessmentID)
	if err != nil {
		return err
	}
	settings, err := a.settingsOf(c.Request().Context(), interview.ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{
		"interview": interview,
		"settings":  settings, // as the interview started, whatever the assessment became since
		"title":     assessment.Title,
	})
}

// MaxEventsPerBatch caps one POST /events.
const MaxEventsPerBatch = 1000

// clientEvent is one event as the browser sends it.
type clientEvent struct {
	// ID and Timestamp are strings here so that a malformed one is answered with its field.
	ID         *string         `json:"id"`
	Type       string          `json:"type"`
	Data       json.RawMessage `json:"data"`
	Timestamp  *string         `json:"timestamp"`
	FileID     string          `json:"fileId"`
	Checkpoint bool            `json:"checkpoint"`
}

// empty reports whether none of the single-event fields were sent.
func (e clientEvent) empty() bool {
	return e.ID == nil && e.Type == "" && e.Data == nil && e.Timestamp == nil && e.FileID == "" && !e.Checkpoint
}

// eventBatchBody is either one event or {"events": [...]}.
type eventBatchBody struct {
	Events []clientEvent `json:"events"`
	clientEvent
}

// decodeEventBatch reads one event or {"events": [...]}; batched says which.
func decodeEventBatch(c echo.Context) (events []clientEvent, batched bool, err error) {
	body, err := Bind[eventBatchBody](c)
	if err != nil {
		return nil, false, err
	}
	events = body.Events
	if events == nil {
		if body.Type == "" {
			return nil, false, ValidationFailed("type", `send one event with its "type", or {"events": [...]}`)
		}
		events = []clientEvent{body.clientEvent}
	} else if !body.clientEvent.empty() {
		return nil, false, ValidationFailed("events", `send either one event or {"events": [...]}, not both`)
	}
	if len(events) == 0 {
		return nil, false, ValidationFailed("events", "send at least one event")
	}
	if len(events) > MaxEventsPerBatch {
		return nil, false, NewError(http.StatusRequestEntityTooLarge, "batch_too_large",
			fmt.Sprintf("at most %d events per request, got %d; send them in several batches", MaxEventsPerBatch, len(events))).
			WithDetail("maxEvents", MaxEventsPerBatch)
	}
	return events, body.Events != nil, nil
}

// postEvents records client events. The whole batch is validated first and appended in one
// transaction: a bad event refuses the batch, naming it, and nothing is half-written.
func (a *api) postEvents(c echo.Context) error {
	events, batched, err := decodeEventBatch(c)
	if err != nil {
		return err
	}
	interview := currentInterview(c)
	now := a.now()
	batch := make([]commands.ClientEvent, len(events))
	for i, ce := range events {
		field := func(name string) string {
			if !batched {
				return name
			}
			return fmt.Sprintf("events[%d].%s", i, name)
		}
		decoded, err := domain.DecodeClient(ce.Type, ce.Data)
		if err != nil {
			var ve *domain.ValidationError
			if errors.As(err, &ve) {
				return ValidationFailed(field("data."+ve.Field), ve.Message)
			}
			return eventError(err, field("type"), field("data"))
		}
		id := uuid.New()
		if ce.ID != nil {
			parsed, err := uuid.Parse(*ce.ID)
			if err != nil || parsed == uuid.Nil {
				return ValidationFailed(field("id"), "must be a UUID (not the nil one), such as crypto.randomUUID() makes")
			}
			id = parsed
		}
		occurred := now
		var clientTime *time.Time
		if ce.Timestamp != nil {
			t, err := time.Parse(time.RFC3339Nano, *ce.Timestamp)
			if err != nil {
				return ValidationFailed(field("timestamp"), "must be an RFC 3339 time such as 2026-11-26T09:00:00.123Z")
			}
			occurred, clientTime = t.UTC(), &t
		}
		if len(ce.FileID) > domain.MaxFileIDBytes || strings.ContainsRune(ce.FileID, 0) {
			return ValidationFailed(field("fileId"), fmt.Sprintf("must be at most %d bytes, without NUL", domain.MaxFileIDBytes))
		}
		md := interview.CandidateMetadata()
		md.CorrelationID, md.ClientTime = RequestID(c.Request().Context()), clientTime
		md.FileID, md.Checkpoint = ce.FileID, ce.Checkpoint
		e, err := domain.NewEventFrom(id, decoded, md, occurred)
		if err != nil {
			return eventError(err, field("type"), field("data"))
		}
		batch[i] = commands.ClientEvent{Event: e, Data: decoded}
	}
	res, err := a.deps.RecordEvents.Handle(c.Request().Context(), commands.RecordEvents{Interview: interview.ID, Events: batch})
	var misfit *commands.EditMisfitError
	if errors.As(err, &misfit) {
		field := fmt.Sprintf("events[%d].data", misfit.Index)
		if !batched {
			field = "data"
		}
		return NewError(http.StatusConflict, "edit_does_not_fit",
			"an edit does not fit the file as the events before it left it; send the batches in order and resend this one after the earlier ones are accepted").
			WithDetail("field", field).WithDetail("index", misfit.Index).WithDetail("reason", misfit.Err.Error()).WithCause(err)
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, map[string]any{"accepted": res.Appended, "duplicates": res.Duplicates, "lastPosition": res.LastPosition})
}

// eventError answers the catalogue's errors about one event of a batch.
func eventError(err error, typeField, dataField string) error {
	switch {
	case errors.Is(err, domain.ErrUnknownEventType):
		return ValidationFailed(typeField, "unknown event type").WithCause(err)
	case errors.Is(err, domain.ErrServerEventType):
		return ValidationFailed(typeField, "this event type is written by the server, not sent by clients").WithCause(err)
	case errors.Is(err, domain.ErrMalformedEvent):
		return NewError(http.StatusBadRequest, "malformed_event", "the event's data is not a JSON object").
			WithDetail("field", dataField).WithCause(err)
	case errors.Is(err, domain.ErrNULCharacter):
		return ValidationFailed(dataField, "text must not contain the NUL character").WithCause(err)
	}
	return err
}

func (a *api) getStats(c echo.Context) error {
	interview := currentInterview(c)
	stats, err := projections.ReadSessionStats(c.Request().Context(), a.deps.ReadModels, interview.ID)
	if errors.Is(err, projections.ErrNotFound) {
		err = nil // no event applied yet: all zero
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, stats)
}
