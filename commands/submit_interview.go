package commands

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"path"
	"slices"
	"time"

	"github.com/google/uuid"
	"golang.org/x/sync/errgroup"

	"github.com/interviewlm/interviewlm/domain"
)

// InterviewSubmitter marks an interview submitted and appends its closing events in one
// transaction, refusing with domain.ErrInterviewSubmitted a second time (adapters/directory.Store).
type InterviewSubmitter interface {
	SubmitInterview(ctx context.Context, id uuid.UUID, at time.Time, events []domain.NewEvent) (domain.AppendResult, error)
}

// ServedQuestions lists the questions an interview was served (projections.QuestionsReader).
type ServedQuestions interface {
	Served(ctx context.Context, interview uuid.UUID) ([]domain.QuestionServed, map[uuid.UUID]bool, error)
}

// LastRuns returns each question's last test run by the candidate (projections.QuestionsReader).
type LastRuns interface {
	LastCandidateRuns(ctx context.Context, interview uuid.UUID) (map[uuid.UUID]domain.TestRun, error)
}

// SubmitInterview ends an interview.
type SubmitInterview struct {
	Interview domain.Interview
	// FinalFiles are the files as the candidate's editor holds them; nil submits what was last
	// saved (an automatic submission).
	FinalFiles map[string]string
	Notes      string
	// Reason, when set, makes the submission automatic: the server ends the interview on the
	// candidate's behalf, such as "time_expired".
	Reason string
}

// Submitted is what a submission wrote.
type Submitted struct {
	// Position is where the interview_submitted event stands in the log: the scoring read model
	// has evaluated the interview once it has applied the log up to there.
	Position domain.LogPosition
}

// Limits of a submission.
const (
	MaxFinalFiles = 100
	MaxNotesBytes = 10_000
	// SubmitGrace is how long after the deadline the candidate's own submission still carries
	// their final files, for the request that left just before time ran out.
	SubmitGrace = 2 * time.Minute
)

// SubmitInterviewHandler records the final files, runs every test of every served question
// (hidden ones included) in the sandbox, and appends interview_submitted, all in one commit.
type SubmitInterviewHandler struct {
	submitter InterviewSubmitter
	questions ServedQuestions
	runs      LastRuns
	files     FilesLoader
	exec      TestExecutor // nil without a sandbox: the candidate's last runs are the final ones
	now       Clock
}

// NewSubmitInterviewHandler returns the handler; exec may be nil, every other dependency is
// required.
func NewSubmitInterviewHandler(submitter InterviewSubmitter, questions ServedQuestions, runs LastRuns, files FilesLoader, exec TestExecutor, now Clock) (*SubmitInterviewHandler, error) {
	if submitter == nil || questions == nil || runs == nil || files == nil || now == nil {
		return nil, errors.New("commands: SubmitInterviewHandler needs every dependency but the executor")
	}
	return &SubmitInterviewHandler{submitter: submitter, questions: questions, runs: runs, files: files, exec: exec, now: now}, nil
}

// Handle runs the command: domain.ErrInterviewSubmitted when the interview already was.
func (h *SubmitInterviewHandler) Handle(ctx context.Context, cmd SubmitInterview) (Submitted, error) {
	if cmd.Interview.SubmittedAt != nil {
		return Submitted{}, domain.ErrInterviewSubmitted
	}
	if err := validateFinalFiles(cmd.FinalFiles, cmd.Notes); err != nil {
		return Submitted{}, err
	}
	now := h.now()
	if cmd.Reason == "" && now.After(cmd.Interview.Deadline.Add(SubmitGrace)) {
		// Too late for the editor's files: what was saved before time ran out is the answer.
		cmd.FinalFiles, cmd.Reason = nil, "time_expired"
	}
	_, saved, submitted, err := h.files.LatestFiles(ctx, cmd.Interview.ID)
	if err != nil {
		return Submitted{}, err
	}
	if submitted {
		return Submitted{}, domain.ErrInterviewSubmitted
	}
	final := cmd.FinalFiles
	if final == nil {
		final = saved.ByName()
	}

	served, _, err := h.questions.Served(ctx, cmd.Interview.ID)
	if err != nil {
		return Submitted{}, err
	}
	last, err := h.runs.LastCandidateRuns(ctx, cmd.Interview.ID)
	if err != nil {
		return Submitted{}, err
	}
	runs, err := h.runFinalTests(ctx, served, last, final)
	if err != nil {
		return Submitted{}, err
	}

	candidate := cmd.Interview.CandidateMetadata()
	system := domain.Metadata{Actor: domain.Actor{Kind: domain.ActorSystem, ID: "submission"}, OrganizationID: cmd.Interview.OrganizationID.String()}
	var events []domain.NewEvent
	add := func(data domain.Event, md domain.Metadata) error {
		e, err := domain.NewEventFrom(uuid.New(), data, md, now)
		events = append(events, e)
		return err
	}
	if cmd.FinalFiles != nil {
		for _, name := range slices.Sorted(maps.Keys(cmd.FinalFiles)) {
			if err := add(&domain.CodeSnapshot{FileID: saved.IDFor(name), FileName: name, Content: cmd.FinalFiles[name], Language: domain.LanguageOf(name)}, candidate); err != nil {
				return Submitted{}, err
			}
		}
	}
	for i := range runs {
		if err := add(&runs[i], system); err != nil {
			return Submitted{}, err
		}
	}
	submittedBy := candidate
	if cmd.Reason != "" {
		submittedBy = system
	}
	if err := add(&domain.InterviewSubmitted{FinalFiles: final, Notes: cmd.Notes, Automatic: cmd.Reason != "", Reason: cmd.Reason}, submittedBy); err != nil {
		return Submitted{}, err
	}
	res, err := h.submitter.SubmitInterview(ctx, cmd.Interview.ID, now, events)
	if err != nil {
		return Submitted{}, err
	}
	return Submitted{Position: domain.LogPosition{TxID: res.TxID, Position: res.LastPosition}}, nil
}

// runFinalTests runs each served question's tests, hidden ones included, against the code
// that answers it: the final files for the question being worked on, and for earlier ones the
// code of the candidate's last run of their tests (the editor moved on from it). A question
// without code to run gets no final run.
func (h *SubmitInterviewHandler) runFinalTests(ctx context.Context, served []domain.QuestionServed, last map[uuid.UUID]domain.TestRun, final map[string]string) ([]domain.TestRun, error) {
	if h.exec == nil || len(served) == 0 {
		return nil, nil
	}
	runs := make([]*domain.TestRun, len(served))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(4)
	for i, q := range served {
		name, code := "", ""
		if i == len(served)-1 {
			name, code = finalFileFor(q.Language, final)
		}
		if prev, ok := last[q.QuestionID]; ok && code == "" {
			name, code = prev.FileName, prev.Code
		}
		if code == "" || len(q.TestCases) == 0 {
			continue
		}
		g.Go(func() error {
			sub := TestSubmission{Language: q.Language, Code: code, FileName: name, Mode: q.Mode, Entrypoint: q.Entrypoint, Tests: q.TestCases}
			report, err := h.exec(gctx, sub)
			if err != nil {
				return fmt.Errorf("final tests of question %d: %w", q.Index+1, err)
			}
			run := newTestRun(q.QuestionID, sub, report)
			runs[i] = &run
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	var out []domain.TestRun
	for _, r := range runs {
		if r != nil {
			out = append(out, *r)
		}
	}
	return out, nil
}

// finalFileFor picks the file that answers a question in language: the editor's default file
// for it, else the first file with its extension.
func finalFileFor(language string, files map[string]string) (string, string) {
	want := domain.DefaultFileName(language)
	if code, ok := files[want]; ok {
		return want, code
	}
	for _, name := range slices.Sorted(maps.Keys(files)) {
		if path.Ext(name) == path.Ext(want) {
			return name, files[name]
		}
	}
	return "", ""
}

func validateFinalFiles(files map[string]string, notes string) error {
	if len(files) > MaxFinalFiles {
		return &domain.ValidationError{Field: "finalCode", Message: fmt.Sprintf("at most %d files", MaxFinalFiles)}
	}
	for _, name := range slices.Sorted(maps.Keys(files)) {
		if err := domain.ValidateFileName("finalCode", name); err != nil {
			return err
		}
		if len(files[name]) > domain.MaxTextBytes {
			return &domain.ValidationError{Field: "finalCode." + name, Message: fmt.Sprintf("at most %d bytes", domain.MaxTextBytes)}
		}
	}
	if len(notes) > MaxNotesBytes {
		return &domain.ValidationError{Field: "notes", Message: fmt.Sprintf("at most %d bytes", MaxNotesBytes)}
	}
	return nil
}
