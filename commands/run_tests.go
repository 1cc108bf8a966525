package commands

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/google/uuid"

	"github.com/interviewlm/interviewlm/domain"
)

// TestSubmission is code to run against test cases.
type TestSubmission struct {
	Language   string
	Code       string
	FileName   string
	Mode       domain.TestMode
	Entrypoint string
	Tests      []domain.TestCase
}

// TestReport is what a test run found.
type TestReport struct {
	Passed, Failed, Total int
	Results               []domain.TestResult
	ExecutionTimeMs       int64
}

// TestExecutor runs a submission's tests in the sandbox (adapters/sandbox.RunTests).
type TestExecutor func(ctx context.Context, sub TestSubmission) (TestReport, error)

// QuestionFinder returns the question served in an interview: the one with id, or the latest
// when id is nil (the interview's events).
type QuestionFinder interface {
	ServedQuestion(ctx context.Context, interview uuid.UUID, id uuid.UUID) (domain.QuestionServed, error)
}

// Limits of one test run.
const (
	MaxTestCases = 50
	MaxCodeBytes = 1 << 20
)

// RunTests is the candidate running their code against test cases.
type RunTests struct {
	Interview domain.Interview
	Language  string
	Code      string
	FileName  string
	// QuestionID picks a served question's tests when Tests is nil (the latest question when
	// it is nil too).
	QuestionID uuid.UUID
	// Tests, when set, are the candidate's own cases, run in stdio mode.
	Tests []domain.TestCase
}

// RunTestsHandler runs tests in the sandbox and records the run: a snapshot of the code that
// ran, then a test_run event with every result (hidden ones included: the team sees them).
type RunTestsHandler struct {
	exec      TestExecutor
	questions QuestionFinder
	record    *RecordEventsHandler
	files     FilesLoader
	now       Clock
}

// NewRunTestsHandler returns the handler; every dependency is required.
func NewRunTestsHandler(exec TestExecutor, questions QuestionFinder, record *RecordEventsHandler, files FilesLoader, now Clock) (*RunTestsHandler, error) {
	if exec == nil || questions == nil || record == nil || files == nil || now == nil {
		return nil, errors.New("commands: RunTestsHandler needs every dependency")
	}
	return &RunTestsHandler{exec: exec, questions: questions, record: record, files: files, now: now}, nil
}

// Handle runs the command.
func (h *RunTestsHandler) Handle(ctx context.Context, cmd RunTests) (domain.TestRun, error) {
	if !domain.ValidLanguage(cmd.Language) {
		return domain.TestRun{}, &domain.ValidationError{Field: "language", Message: "must be javascript, typescript, python or go"}
	}
	if len(cmd.Code) > MaxCodeBytes {
		return domain.TestRun{}, &domain.ValidationError{Field: "code", Message: fmt.Sprintf("at most %d bytes", MaxCodeBytes)}
	}
	if cmd.FileName == "" {
		cmd.FileName = domain.DefaultFileName(cmd.Language)
	}
	if err := domain.ValidateFileName("fileName", cmd.FileName); err != nil {
		return domain.TestRun{}, err
	}
	sub := TestSubmission{Language: cmd.Language, Code: cmd.Code, FileName: cmd.FileName, Mode: domain.TestModeStdio, Tests: cmd.Tests}
	var questionID uuid.UUID
	if cmd.Tests == nil {
		q, err := h.questions.ServedQuestion(ctx, cmd.Interview.ID, cmd.QuestionID)
		if err != nil {
			return domain.TestRun{}, err
		}
		questionID, sub.Tests, sub.Mode, sub.Entrypoint = q.QuestionID, q.TestCases, q.Mode, q.Entrypoint
	}
	if len(sub.Tests) == 0 || len(sub.Tests) > MaxTestCases {
		return domain.TestRun{}, &domain.ValidationError{Field: "testCases", Message: fmt.Sprintf("send 1 to %d test cases", MaxTestCases)}
	}
	report, err := h.exec(ctx, sub)
	if err != nil {
		return domain.TestRun{}, err
	}
	run := newTestRun(questionID, sub, report)

	// The snapshot names the file the way the editor does.
	_, files, _, err := h.files.LatestFiles(ctx, cmd.Interview.ID)
	if err != nil {
		return domain.TestRun{}, err
	}
	md := cmd.Interview.CandidateMetadata()
	snapshot := &domain.CodeSnapshot{FileID: files.IDFor(cmd.FileName), FileName: cmd.FileName, Content: cmd.Code, Language: cmd.Language}
	var events []ClientEvent
	for _, data := range []domain.Event{snapshot, &run} {
		e, err := domain.NewEventFrom(uuid.New(), data, md, h.now())
		if err != nil {
			return domain.TestRun{}, err
		}
		events = append(events, ClientEvent{Event: e, Data: data})
	}
	if _, err := h.record.Handle(ctx, RecordEvents{Interview: cmd.Interview.ID, Events: events}); err != nil {
		return domain.TestRun{}, err
	}
	return run, nil
}

// newTestRun records what a run of sub's tests found.
func newTestRun(questionID uuid.UUID, sub TestSubmission, report TestReport) domain.TestRun {
	sum := sha256.Sum256([]byte(sub.Code))
	return domain.TestRun{
		RunID: uuid.New(), QuestionID: questionID, Language: sub.Language, FileName: sub.FileName, Code: sub.Code,
		CodeHash: hex.EncodeToString(sum[:]), Passed: report.Passed, Failed: report.Failed, Total: report.Total,
		ExecutionTimeMs: report.ExecutionTimeMs, Results: report.Results,
	}
}
