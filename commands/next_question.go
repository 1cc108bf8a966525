package commands

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"

	"github.com/interviewlm/interviewlm/domain"
)

// ProblemPicker chooses a question from the problem bank: one of difficulty in language, not
// among the problems already served (adapters/problembank).
type ProblemPicker interface {
	Pick(ctx context.Context, difficulty domain.Difficulty, language string, exclude []string) (domain.QuestionServed, error)
	// Fixed returns the problem with id, from the bank or the organization's own, in language.
	Fixed(ctx context.Context, organization uuid.UUID, id, language string) (domain.QuestionServed, error)
}

// QuestionGenerator asks the AI for a new question of difficulty and verifies it (its reference
// solution must pass its own tests in the sandbox); an error means "use the bank".
type QuestionGenerator interface {
	Generate(ctx context.Context, difficulty domain.Difficulty, language string) (domain.QuestionServed, error)
}

// QuestionHistory returns the questions served in an interview, in order, and which of them
// were completed (the interview's events).
type QuestionHistory interface {
	Served(ctx context.Context, interview uuid.UUID) ([]domain.QuestionServed, map[uuid.UUID]bool, error)
}

// ErrNoMoreQuestions means every question of the assessment has been served.
var ErrNoMoreQuestions = errors.New("every question of this interview has been served")

// NextQuestion is the candidate asking for their next question, with how the last one went.
type NextQuestion struct {
	Interview domain.Interview
	Settings  domain.AssessmentSettings
	// Previous is how the candidate did on the question they finish (nil for the first).
	Previous   *domain.Performance
	PreviousID uuid.UUID
}

// NextQuestionHandler serves questions: the difficulty follows the adaptive rule; a generated
// question is used when the AI is configured and its question passes verification, otherwise
// a bank problem not yet served. The difficulty served is the one decided, whatever a model
// says.
type NextQuestionHandler struct {
	bank      ProblemPicker
	generator QuestionGenerator // nil when no AI is configured
	history   QuestionHistory
	events    ServerAppender
	now       Clock
}

// NewNextQuestionHandler returns the handler; generator may be nil.
func NewNextQuestionHandler(bank ProblemPicker, generator QuestionGenerator, history QuestionHistory, events ServerAppender, now Clock) (*NextQuestionHandler, error) {
	if bank == nil || history == nil || events == nil || now == nil {
		return nil, errors.New("commands: NextQuestionHandler needs a bank, a history, an event store and a clock")
	}
	return &NextQuestionHandler{bank: bank, generator: generator, history: history, events: events, now: now}, nil
}

// Handle runs the command and returns the question served and its number (from 1).
func (h *NextQuestionHandler) Handle(ctx context.Context, cmd NextQuestion) (domain.QuestionServed, int, error) {
	if cmd.Previous != nil {
		if err := cmd.Previous.Validate(); err != nil {
			return domain.QuestionServed{}, 0, err
		}
	}
	served, completed, err := h.history.Served(ctx, cmd.Interview.ID)
	if err != nil {
		return domain.QuestionServed{}, 0, err
	}
	if len(served) >= max(cmd.Settings.QuestionCount, 1) {
		return domain.QuestionServed{}, 0, ErrNoMoreQuestions
	}
	difficulty := domain.NextDifficulty(cmd.Previous)
	var q domain.QuestionServed
	fixed := false
	if i := len(served); i < len(cmd.Settings.ProblemIDs) {
		// The team chose this one: it is served as it is, at its own difficulty. A problem that
		// has gone (or is not in this language) gives way to the adaptive choice.
		q, err = h.bank.Fixed(ctx, cmd.Interview.OrganizationID, cmd.Settings.ProblemIDs[i], cmd.Settings.Language)
		if fixed = err == nil; fixed {
			difficulty = q.Difficulty
		}
	}
	if !fixed && h.generator != nil {
		q, err = h.generator.Generate(ctx, difficulty, cmd.Settings.Language)
	}
	if !fixed && (h.generator == nil || err != nil) {
		exclude := make([]string, 0, len(served))
		for _, s := range served {
			if s.ProblemID != "" {
				exclude = append(exclude, s.ProblemID)
			}
		}
		if q, err = h.bank.Pick(ctx, difficulty, cmd.Settings.Language, exclude); err != nil {
			return domain.QuestionServed{}, 0, err
		}
	}
	q.QuestionID, q.Index, q.Difficulty = uuid.New(), len(served), difficulty

	md := cmd.Interview.CandidateMetadata()
	now := h.now()
	var events []domain.Event
	if n := len(served); n > 0 && !completed[served[n-1].QuestionID] {
		prev := served[n-1]
		done := domain.QuestionCompleted{QuestionID: prev.QuestionID}
		if cmd.Previous != nil {
			done.Score = cmd.Previous.Score
			done.TimeSpentSeconds = int64(cmd.Previous.TimeSpentMinutes * float64(time.Minute/time.Second))
			done.TestsTotal = len(prev.TestCases)
			done.TestsPassed = int(cmd.Previous.TestsPassedRatio*float64(done.TestsTotal) + 0.5)
		}
		events = append(events, done)
	}
	events = append(events, q, domain.QuestionStarted{QuestionID: q.QuestionID, Index: q.Index})
	batch := make([]domain.NewEvent, len(events))
	for i, e := range events {
		if batch[i], err = domain.NewEventFrom(uuid.New(), e, md, now); err != nil {
			return domain.QuestionServed{}, 0, err
		}
	}
	if _, err := h.events.AppendEvents(ctx, cmd.Interview.ID, -1, batch...); err != nil {
		return domain.QuestionServed{}, 0, err
	}
	return q, q.Index + 1, nil
}
