package domain

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
)

// Event is the payload of one entry in the log: a Go struct with a stable type name and the
// schema version its shape corresponds to.
type Event interface {
	EventType() string
	SchemaVersion() int
}

// ClientEvent is an event a client may send: its payload is untrusted, so it has rules.
type ClientEvent interface {
	Event
	// Validate returns a *ValidationError naming the first field that breaks a rule.
	Validate() error
}

// Source says who may write an event type.
type Source string

const (
	// SourceClient types are sent by the candidate's browser through POST /events.
	SourceClient Source = "client"
	// SourceServer types are written only by the server's own commands; a client that sends
	// one is refused, so that nobody can forge a test result, an AI turn or a score.
	SourceServer Source = "server"
)

// EventSpec describes one event type of the catalogue.
type EventSpec struct {
	// Name is the type as stored in the log. It never changes once events of it exist.
	Name string
	// Version is the current schema version; older stored versions are upcast to it on read.
	Version int
	Source  Source
	// New returns a pointer to a zero value of the type's struct, ready to be decoded into.
	New func() Event
}

// Event type names, as stored in the log and sent by clients.
const (
	TypeKeystroke    = "keystroke"
	TypeCodeSnapshot = "code_snapshot"
	TypeFileCreated  = "file_created"
	TypeFileDeleted  = "file_deleted"
	TypeFileRenamed  = "file_renamed"
	TypeFocusChange  = "focus_change"
	TypeIdleStart    = "idle_start"
	TypeIdleEnd      = "idle_end"
	TypePaste        = "paste"
	TypeCopy         = "copy"
	TypeCursor       = "cursor"

	TypeInterviewStarted    = "interview_started"
	TypeInterviewResumed    = "interview_resumed"
	TypeQuestionServed      = "question_served"
	TypeQuestionStarted     = "question_started"
	TypeQuestionCompleted   = "question_completed"
	TypeTestRun             = "test_run"
	TypeTerminalInput       = "terminal_input"
	TypeTerminalOutput      = "terminal_output"
	TypeTerminalExit        = "terminal_exit"
	TypeFileWritten         = "file_written"
	TypeAIMessage           = "ai_message"
	TypeAIResponse          = "ai_response"
	TypeInterviewSubmitted  = "interview_submitted"
	TypeEvaluationCompleted = "evaluation_completed"
	TypeCandidateDecided    = "candidate_decided"
	TypeSessionArchived     = "session_archived"
)

// catalogue is every event type of the product. To change the shape of a type: change its
// struct, raise its version here and in its SchemaVersion method, and register an upcaster
// from the old version in DefaultUpcasters.
var catalogue = []EventSpec{
	// The candidate's editor and browser.
	client[Keystroke](TypeKeystroke, 1),
	client[CodeSnapshot](TypeCodeSnapshot, 1),
	client[FileCreated](TypeFileCreated, 1),
	client[FileDeleted](TypeFileDeleted, 1),
	client[FileRenamed](TypeFileRenamed, 1),
	client[FocusChange](TypeFocusChange, 1),
	client[IdleStart](TypeIdleStart, 1),
	client[IdleEnd](TypeIdleEnd, 1),
	client[Paste](TypePaste, 1),
	client[Copy](TypeCopy, 1),
	client[Cursor](TypeCursor, 1),

	// The interview's life.
	server[InterviewStarted](TypeInterviewStarted, 1),
	server[InterviewResumed](TypeInterviewResumed, 1),
	server[QuestionServed](TypeQuestionServed, 1),
	server[QuestionStarted](TypeQuestionStarted, 1),
	server[QuestionCompleted](TypeQuestionCompleted, 1),
	server[InterviewSubmitted](TypeInterviewSubmitted, 1),

	// The sandbox: tests, terminal and files written through the API.
	server[TestRun](TypeTestRun, 1),
	server[TerminalInput](TypeTerminalInput, 1),
	server[TerminalOutput](TypeTerminalOutput, 1),
	server[TerminalExit](TypeTerminalExit, 1),
	server[FileWritten](TypeFileWritten, 1),

	// The AI assistant.
	server[AIMessage](TypeAIMessage, 1),
	server[AIResponse](TypeAIResponse, 1),

	// The hiring team's side, after submission.
	server[EvaluationCompleted](TypeEvaluationCompleted, 1),
	server[CandidateDecided](TypeCandidateDecided, 1),
	server[SessionArchived](TypeSessionArchived, 1),
}

// client lists a type clients may send; its constraint makes a client type without rules
// fail to compile.
func client[T any, P interface {
	*T
	ClientEvent
}](name string, version int) EventSpec {
	return EventSpec{Name: name, Version: version, Source: SourceClient, New: func() Event { return P(new(T)) }}
}

// server lists a type only the server writes.
func server[T any, P interface {
	*T
	Event
}](name string, version int) EventSpec {
	return EventSpec{Name: name, Version: version, Source: SourceServer, New: func() Event { return P(new(T)) }}
}

var specsByName = indexCatalogue(catalogue)

func indexCatalogue(specs []EventSpec) map[string]EventSpec {
	byName := make(map[string]EventSpec, len(specs))
	for _, s := range specs {
		if _, dup := byName[s.Name]; dup {
			panic("domain: event type " + s.Name + " is listed twice in the catalogue")
		}
		byName[s.Name] = s
	}
	return byName
}

// Lookup returns the catalogue entry of the event type name.
func Lookup(name string) (EventSpec, bool) {
	s, ok := specsByName[name]
	return s, ok
}

// Catalogue returns every event type in the order of the catalogue, for documentation and
// tooling. The slice is a copy.
func Catalogue() []EventSpec {
	return append([]EventSpec(nil), catalogue...)
}

var (
	// ErrUnknownEventType means the type is not in the catalogue.
	ErrUnknownEventType = errors.New("unknown event type")
	// ErrServerEventType means a client sent a type that only the server writes.
	ErrServerEventType = errors.New("event type is written by the server only")
	// ErrMalformedEvent means the payload is not one JSON object: a syntax error, trailing
	// data after the object, or another kind of JSON value.
	ErrMalformedEvent = errors.New("malformed event data")
	// ErrSchemaVersion means a stored payload is at a version this build cannot bring to the
	// catalogue's current version: newer than the catalogue, or missing an upcaster.
	ErrSchemaVersion = errors.New("unsupported event schema version")
	// ErrNULCharacter means a payload holds U+0000, which the log (Postgres jsonb) cannot
	// store. Client text with it is refused by validation; process output must have it
	// replaced before it is recorded.
	ErrNULCharacter = errors.New("event payload contains U+0000")
	// ErrNilEventID means an event was built without an id. Ids are chosen by the caller
	// because a retried append is recognised by them.
	ErrNilEventID = errors.New("event id is nil")
)

// ValidationError reports one field of an event's payload that breaks a rule. Field is the
// JSON path inside the payload, such as "fileId" or "changes[2].offset".
type ValidationError struct {
	Field   string
	Message string
}

func (e *ValidationError) Error() string {
	if e.Field == "" {
		return e.Message
	}
	return e.Field + ": " + e.Message
}

// DecodeClient decodes and validates the payload of an event sent by a client. It refuses
// types that are unknown or written only by the server, fields that are not in the type's
// struct, and anything after the JSON object. An absent or null payload reads as {}.
//
// Errors: ErrUnknownEventType and ErrServerEventType (wrapped), ErrMalformedEvent (wrapped)
// for a payload that is not one JSON object, and *ValidationError for a payload that is an
// object but has an unknown field, a value of the wrong JSON type, or breaks a rule.
func DecodeClient(name string, data json.RawMessage) (Event, error) {
	s, ok := Lookup(name)
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrUnknownEventType, name)
	}
	if s.Source != SourceClient {
		return nil, fmt.Errorf("%w: %q", ErrServerEventType, name)
	}
	e := s.New()
	dec := json.NewDecoder(bytes.NewReader(payloadOrEmpty(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(e); err != nil {
		return nil, decodeError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("%w: data after the JSON object", ErrMalformedEvent)
	}
	// client[] in the catalogue guarantees that every client type is a ClientEvent.
	if err := e.(ClientEvent).Validate(); err != nil {
		return nil, err
	}
	return e, nil
}

// Decode decodes the payload of any type in the catalogue, as stored in the log at the
// type's current version. It does not validate and ignores unknown fields: the log is the
// truth, and rules may have tightened since an event was written.
func Decode(name string, data json.RawMessage) (Event, error) {
	s, ok := Lookup(name)
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrUnknownEventType, name)
	}
	e := s.New()
	if err := json.Unmarshal(payloadOrEmpty(data), e); err != nil {
		return nil, fmt.Errorf("%s: %w", name, decodeError(err))
	}
	return e, nil
}

// DecodeRecorded upcasts a stored event with DefaultUpcasters and decodes it. It fails with
// ErrSchemaVersion when the event cannot be brought to the catalogue's current version.
func DecodeRecorded(e RecordedEvent) (Event, error) {
	return decodeRecorded(productUpcasters, e)
}

var productUpcasters = DefaultUpcasters()

func decodeRecorded(u *Upcasters, e RecordedEvent) (Event, error) {
	s, ok := Lookup(e.Type)
	if !ok {
		return nil, fmt.Errorf("event %s: %w: %q", e.ID, ErrUnknownEventType, e.Type)
	}
	data, version, err := u.Upcast(e.Type, e.SchemaVersion, e.Data)
	if err != nil {
		return nil, fmt.Errorf("event %s: %w", e.ID, err)
	}
	if version != s.Version {
		return nil, fmt.Errorf("event %s: %w: %s v%d, current is v%d", e.ID, ErrSchemaVersion, e.Type, version, s.Version)
	}
	return Decode(e.Type, data)
}

// NewEventFrom builds the event to append from a payload: it marshals e and fills the type
// and schema version from the catalogue. It does not validate e; client payloads are
// validated by DecodeClient, and server payloads are built by code.
func NewEventFrom(id uuid.UUID, e Event, md Metadata, occurredAt time.Time) (NewEvent, error) {
	if id == uuid.Nil {
		return NewEvent{}, ErrNilEventID
	}
	if e == nil {
		return NewEvent{}, errors.New("domain: nil event payload")
	}
	s, ok := Lookup(e.EventType())
	if !ok {
		return NewEvent{}, fmt.Errorf("%w: %q", ErrUnknownEventType, e.EventType())
	}
	if e.SchemaVersion() != s.Version {
		return NewEvent{}, fmt.Errorf("%w: %s payload is v%d, catalogue is at v%d", ErrSchemaVersion, s.Name, e.SchemaVersion(), s.Version)
	}
	data, err := marshalPayload(e)
	if err != nil {
		return NewEvent{}, fmt.Errorf("marshal %s: %w", s.Name, err)
	}
	if containsNUL(data) {
		return NewEvent{}, fmt.Errorf("%s: %w", s.Name, ErrNULCharacter)
	}
	return NewEvent{
		ID:            id,
		Type:          s.Name,
		SchemaVersion: s.Version,
		Data:          data,
		Metadata:      md,
		OccurredAt:    occurredAt,
	}, nil
}

// marshalPayload leaves <, > and & unescaped: payloads are mostly source code, where they are
// frequent, and the log is never embedded in HTML.
func marshalPayload(e Event) (json.RawMessage, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(e); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// containsNUL reports whether marshalled JSON holds an escaped U+0000, telling it apart from
// the text `\u0000` written with an escaped backslash.
func containsNUL(data []byte) bool {
	const escape = `\u0000`
	for from := 0; ; {
		i := bytes.Index(data[from:], []byte(escape))
		if i < 0 {
			return false
		}
		i += from
		backslashes := 0
		for j := i - 1; j >= 0 && data[j] == '\\'; j-- {
			backslashes++
		}
		if backslashes%2 == 0 {
			return true
		}
		from = i + len(escape)
	}
}

// payloadOrEmpty lets a client omit the payload of types that carry nothing, such as
// idle_start.
func payloadOrEmpty(data json.RawMessage) []byte {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 || bytes.Equal(trimmed, []byte("null")) {
		return []byte("{}")
	}
	return data
}

// decodeError sorts encoding/json's errors into a malformed payload (400) and a wrong field
// (422, with the field's path).
func decodeError(err error) error {
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		if typeErr.Field == "" {
			return fmt.Errorf("%w: data must be a JSON object, not %s", ErrMalformedEvent, typeErr.Value)
		}
		return &ValidationError{Field: typeErr.Field, Message: "must be " + JSONKind(typeErr.Type)}
	}
	// encoding/json reports an unknown field only in its message.
	const unknownField = "json: unknown field "
	if msg := err.Error(); strings.HasPrefix(msg, unknownField) {
		field, unquoteErr := strconv.Unquote(strings.TrimPrefix(msg, unknownField))
		if unquoteErr != nil {
			field = strings.TrimPrefix(msg, unknownField)
		}
		return &ValidationError{Field: field, Message: "unknown field"}
	}
	return fmt.Errorf("%w: %w", ErrMalformedEvent, err)
}

// JSONKind names a Go type the way a JSON client thinks of it ("a string", "an object"), for
// error messages about a value of the wrong type.
func JSONKind(t reflect.Type) string {
	if t == nil {
		return "another type"
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Map, reflect.Struct:
		return "an object"
	case reflect.Pointer:
		return JSONKind(t.Elem())
	}
	return "another type"
}
