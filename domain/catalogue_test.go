package domain

import (
	"encoding/json"
	"errors"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
)

func TestCatalogueIsConsistent(t *testing.T) {
	snakeCase := regexp.MustCompile(`^[a-z]+(_[a-z]+)*$`)
	for _, s := range Catalogue() {
		t.Run(s.Name, func(t *testing.T) {
			if !snakeCase.MatchString(s.Name) {
				t.Errorf("name %q is not snake_case", s.Name)
			}
			if s.Version < 1 {
				t.Errorf("version %d, want at least 1", s.Version)
			}
			e := s.New()
			if reflect.TypeOf(e).Kind() != reflect.Pointer {
				t.Fatalf("New returns %T, want a pointer to decode into", e)
			}
			if e.EventType() != s.Name {
				t.Errorf("EventType() = %q, catalogue says %q", e.EventType(), s.Name)
			}
			if e.SchemaVersion() != s.Version {
				t.Errorf("SchemaVersion() = %d, catalogue says %d", e.SchemaVersion(), s.Version)
			}
			_, isClient := e.(ClientEvent)
			switch s.Source {
			case SourceClient:
				if !isClient {
					t.Errorf("client type %T has no Validate", e)
				}
			case SourceServer:
			default:
				t.Errorf("source %q", s.Source)
			}
			if got, ok := Lookup(s.Name); !ok || got.Name != s.Name {
				t.Errorf("Lookup(%q) = %v, %v", s.Name, got, ok)
			}
		})
	}
}

// The API promises clients exactly these types; anything else they send is refused.
func TestClientTypesAreThoseOfTheAPI(t *testing.T) {
	want := []string{"code_snapshot", "copy", "cursor", "file_created", "file_deleted", "file_renamed",
		"focus_change", "idle_end", "idle_start", "keystroke", "paste"}
	var got []string
	for _, s := range Catalogue() {
		if s.Source == SourceClient {
			got = append(got, s.Name)
		}
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("client types %v, want %v", got, want)
	}
}

func TestLookupUnknown(t *testing.T) {
	if _, ok := Lookup("no_such_event"); ok {
		t.Error("Lookup found an unknown type")
	}
}

func TestCatalogueReturnsACopy(t *testing.T) {
	c := Catalogue()
	c[0].Name = "changed"
	if Catalogue()[0].Name == "changed" {
		t.Error("Catalogue exposes the table itself")
	}
}

func TestDecodeClientRefusesServerTypes(t *testing.T) {
	for _, s := range Catalogue() {
		if s.Source != SourceServer {
			continue
		}
		_, err := DecodeClient(s.Name, json.RawMessage(`{}`))
		if !errors.Is(err, ErrServerEventType) {
			t.Errorf("DecodeClient(%q) error = %v, want ErrServerEventType", s.Name, err)
		}
	}
}

func TestDecodeClientRefusesUnknownTypes(t *testing.T) {
	for _, name := range []string{"", "Keystroke", "keystrokes", "snapshot", "interview_started "} {
		_, err := DecodeClient(name, json.RawMessage(`{}`))
		if !errors.Is(err, ErrUnknownEventType) {
			t.Errorf("DecodeClient(%q) error = %v, want ErrUnknownEventType", name, err)
		}
	}
}

// serverSamples holds one filled-in payload of every server type.
func serverSamples() []Event {
	id := uuid.MustParse("5f0c2a52-8c1e-4d0b-9d55-9a1f3c7e2b10")
	deadline := time.Date(2025, 3, 4, 15, 30, 0, 0, time.UTC)
	return []Event{
		&InterviewStarted{CandidateID: id, AssessmentID: id, OrganizationID: id, CandidateName: "Ada",
			CandidateEmail: "ada@example.com", TimeLimitMinutes: 60, Deadline: deadline,
			Settings: AssessmentSettings{Language: "go", Seniority: "SENIOR", QuestionCount: 3,
				EnableCoding: true, EnableTerminal: true, EnableAI: true}},
		&InterviewResumed{},
		&QuestionServed{QuestionID: id, Index: 1, Difficulty: DifficultyHard, Title: "Two sum",
			Description: "Find <two> & more", Language: "python", StarterCode: "def f(a):\n    pass\n",
			Mode: TestModeFunction, Entrypoint: "f", Source: QuestionFromBank, ProblemID: "two-sum", EstimatedMinutes: 20,
			TestCases: []TestCase{{Name: "basic", Input: "[1,2]", ExpectedOutput: "3"}, {Name: "big", Hidden: true}}},
		&QuestionStarted{QuestionID: id, Index: 1},
		&QuestionCompleted{QuestionID: id, Score: 87.5, TestsPassed: 4, TestsTotal: 5, TimeSpentSeconds: 900},
		&TestRun{RunID: id, Language: "go", FileName: "main.go", Code: "package main", CodeHash: "abc",
			Passed: 1, Failed: 1, Total: 2, ExecutionTimeMs: 120, Results: []TestResult{
				{Name: "a", Passed: true, Verdict: VerdictPassed, DurationMs: 3},
				{Name: "b", Verdict: VerdictTimeout, DurationMs: 2000, Hidden: true, ActualOutput: "x", ExpectedOutput: "y", Error: "killed"},
			}},
		&TerminalInput{CommandID: id, Kind: TerminalCommand, Data: "ls -la"},
		&TerminalOutput{CommandID: id, Stream: Stderr, Data: "no such file\n"},
		&TerminalExit{CommandID: id, ExitCode: 2, DurationMs: 15, OutputTruncated: true},
		&FileWritten{Path: "src/main.go", Content: "package main\n"},
		&AIMessage{TurnID: id, Message: "Why does this loop?", CodeContext: &CodeContext{FileName: "a.js", Content: "for(;;){}", Language: "javascript"},
			PromptQuality: 4, QualityReasons: []string{"specific", "includes code"}},
		&AIResponse{TurnID: id, Text: "Because…", Model: "gpt-4o-mini", InputTokens: 120, OutputTokens: 80, LatencyMs: 900, FinishReason: "stop"},
		&InterviewSubmitted{FinalFiles: map[string]string{"main.go": "package main\n"}, Notes: "done", Automatic: true, Reason: "time_expired"},
		&EvaluationCompleted{ScoringVersion: "2025-03", OverallScore: 78, Breakdown: ScoreBreakdown{80, 70, 75, 90},
			Recommendation: RecommendYes, Confidence: 0.8, PercentileRank: 64.5, CohortSize: 12,
			RedFlags:   []Flag{{Code: "large_paste", Message: "Pasted 400 lines", Evidence: []int64{17, 42}}},
			GreenFlags: []Flag{{Code: "tests_first", Message: "Ran tests early", Evidence: []int64{3}}}},
		&CandidateDecided{Status: DecisionHired, DecidedBy: id},
		&SessionArchived{Key: "sessions/2025/03/04/x/events.json.gz", SizeBytes: 1 << 20, CompressedBytes: 1 << 16, EventCount: 5000, LastVersion: 5000},
	}
}

func clientSamples() []Event {
	focused := false
	return []Event{
		&Keystroke{FileID: "f1", Changes: []Change{{Offset: 3, DeleteCount: 1, Text: "😀"}, {Offset: 0, Text: "a"}}},
		&CodeSnapshot{FileID: "f1", FileName: "src/main.go", Content: "package main\n", Language: "go"},
		&FileCreated{FileID: "f2", FileName: "util.go"},
		&FileDeleted{FileID: "f2"},
		&FileRenamed{FileID: "f1", OldName: "a.go", NewName: "b.go"},
		&FocusChange{Focused: &focused},
		&IdleStart{},
		&IdleEnd{DurationMs: 30000},
		&Paste{FileID: "f1", Offset: 10, Text: "x := 1"},
		&Copy{Text: "question text"},
		&Cursor{FileID: "f1", Line: 3, Column: 7, SelectionLength: 2},
	}
}

func TestEveryTypeRoundTripsThroughTheLog(t *testing.T) {
	samples := append(clientSamples(), serverSamples()...)
	covered := map[string]bool{}
	md := Metadata{Actor: Actor{Kind: ActorSystem}}
	for _, e := range samples {
		t.Run(e.EventType(), func(t *testing.T) {
			covered[e.EventType()] = true
			id := uuid.New()
			ne, err := NewEventFrom(id, e, md, time.Time{})
			if err != nil {
				t.Fatal(err)
			}
			if ne.ID != id || ne.Type != e.EventType() || ne.SchemaVersion != e.SchemaVersion() || ne.Metadata != md {
				t.Errorf("envelope %+v", ne)
			}
			got, err := Decode(ne.Type, ne.Data)
			if err != nil {
				t.Fatalf("Decode(%s): %v", ne.Data, err)
			}
			if !reflect.DeepEqual(got, e) {
				t.Errorf("round trip\n got %#v\nwant %#v\njson %s", got, e, ne.Data)
			}
			recorded, err := DecodeRecorded(RecordedEvent{ID: id, Type: ne.Type, SchemaVersion: ne.SchemaVersion, Data: ne.Data})
			if err != nil || !reflect.DeepEqual(recorded, e) {
				t.Errorf("DecodeRecorded = %#v, %v", recorded, err)
			}
			if s, _ := Lookup(ne.Type); s.Source == SourceClient {
				again, err := DecodeClient(ne.Type, ne.Data)
				if err != nil || !reflect.DeepEqual(again, e) {
					t.Errorf("DecodeClient of its own output = %#v, %v", again, err)
				}
			}
		})
	}
	for _, s := range Catalogue() {
		if !covered[s.Name] {
			t.Errorf("no sample of %s", s.Name)
		}
	}
}

func TestNewEventFrom(t *testing.T) {
	id := uuid.New()
	t.Run("nil id", func(t *testing.T) {
		if _, err := NewEventFrom(uuid.Nil, &IdleStart{}, Metadata{}, time.Time{}); !errors.Is(err, ErrNilEventID) {
			t.Errorf("error = %v, want ErrNilEventID", err)
		}
	})
	t.Run("nil payload", func(t *testing.T) {
		if _, err := NewEventFrom(id, nil, Metadata{}, time.Time{}); err == nil {
			t.Error("no error")
		}
	})
	t.Run("value as well as pointer", func(t *testing.T) {
		ne, err := NewEventFrom(id, IdleEnd{DurationMs: 5}, Metadata{}, time.Time{})
		if err != nil || string(ne.Data) != `{"durationMs":5}` {
			t.Errorf("got %s, %v", ne.Data, err)
		}
	})
	t.Run("code is not HTML-escaped", func(t *testing.T) {
		ne, err := NewEventFrom(id, &FileWritten{Path: "a.js", Content: "if (a < b && c > d) {}"}, Metadata{}, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		if want := `{"path":"a.js","content":"if (a < b && c > d) {}"}`; string(ne.Data) != want {
			t.Errorf("data %s, want %s", ne.Data, want)
		}
	})
	t.Run("occurredAt and metadata travel", func(t *testing.T) {
		at := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
		md := Metadata{Actor: Actor{Kind: ActorCandidate, ID: "c"}, CorrelationID: "r"}
		ne, err := NewEventFrom(id, &IdleStart{}, md, at)
		if err != nil || !ne.OccurredAt.Equal(at) || ne.Metadata != md || string(ne.Data) != `{}` {
			t.Errorf("got %+v, %v", ne, err)
		}
	})
	for _, tc := range []struct {
		name    string
		data    string
		wantNUL bool
	}{
		{"NUL", "a\x00b", true},
		{"NUL after an escaped backslash", `a\` + "\x00", true},
		{"the text \\u0000", `print("\u0000")`, false},
		{"the text \\\\u0000", `\\u0000`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewEventFrom(id, &TerminalOutput{CommandID: id, Stream: Stdout, Data: tc.data}, Metadata{}, time.Time{})
			if got := errors.Is(err, ErrNULCharacter); got != tc.wantNUL {
				t.Errorf("error = %v, want ErrNULCharacter: %v", err, tc.wantNUL)
			}
		})
	}
}

func TestDecodeIsLenientAboutUnknownFields(t *testing.T) {
	e, err := Decode(TypeIdleEnd, json.RawMessage(`{"durationMs":5,"addedLater":true}`))
	if err != nil {
		t.Fatal(err)
	}
	if got := e.(*IdleEnd).DurationMs; got != 5 {
		t.Errorf("durationMs = %d", got)
	}
	if _, err := Decode("nope", nil); !errors.Is(err, ErrUnknownEventType) {
		t.Errorf("unknown type: %v", err)
	}
	if _, err := Decode(TypeIdleEnd, json.RawMessage(`{"durationMs":`)); !errors.Is(err, ErrMalformedEvent) {
		t.Errorf("malformed: %v", err)
	}
	if e, err := Decode(TypeIdleStart, nil); err != nil || e.EventType() != TypeIdleStart {
		t.Errorf("empty payload: %v, %v", e, err)
	}
}

func TestDecodeRecordedVersions(t *testing.T) {
	id := uuid.New()
	t.Run("newer than the catalogue", func(t *testing.T) {
		_, err := DecodeRecorded(RecordedEvent{ID: id, Type: TypeIdleEnd, SchemaVersion: 2, Data: json.RawMessage(`{}`)})
		if !errors.Is(err, ErrSchemaVersion) || !strings.Contains(err.Error(), id.String()) {
			t.Errorf("error = %v, want ErrSchemaVersion naming the event", err)
		}
	})
	t.Run("unknown type", func(t *testing.T) {
		_, err := DecodeRecorded(RecordedEvent{ID: id, Type: "gone", SchemaVersion: 1, Data: json.RawMessage(`{}`)})
		if !errors.Is(err, ErrUnknownEventType) {
			t.Errorf("error = %v", err)
		}
	})
	t.Run("chain that overshoots the catalogue", func(t *testing.T) {
		u := NewUpcasters()
		u.Register(TypeIdleEnd, 1, func(d json.RawMessage) (json.RawMessage, error) { return d, nil })
		_, err := decodeRecorded(u, RecordedEvent{ID: id, Type: TypeIdleEnd, SchemaVersion: 1, Data: json.RawMessage(`{}`)})
		if !errors.Is(err, ErrSchemaVersion) {
			t.Errorf("error = %v, want ErrSchemaVersion", err)
		}
	})
	t.Run("failing upcaster", func(t *testing.T) {
		u := NewUpcasters()
		boom := errors.New("boom")
		u.Register(TypeIdleEnd, 1, func(json.RawMessage) (json.RawMessage, error) { return nil, boom })
		_, err := decodeRecorded(u, RecordedEvent{ID: id, Type: TypeIdleEnd, SchemaVersion: 1, Data: json.RawMessage(`{}`)})
		if !errors.Is(err, boom) {
			t.Errorf("error = %v, want boom", err)
		}
	})
}

func TestValidationErrorMessage(t *testing.T) {
	if got := (&ValidationError{Field: "changes[0].offset", Message: "must not be negative"}).Error(); got != "changes[0].offset: must not be negative" {
		t.Errorf("Error() = %q", got)
	}
	if got := (&ValidationError{Message: "bad"}).Error(); got != "bad" {
		t.Errorf("Error() = %q", got)
	}
}
