package commands

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/interviewlm/interviewlm/domain"
)

// ChatMessage is one message of a conversation with the model.
type ChatMessage struct {
	Role    string // "system", "user" or "assistant"
	Content string
}

// ChatCompletion is what the model answered.
type ChatCompletion struct {
	Text                      string
	Model                     string
	InputTokens, OutputTokens int
	Latency                   time.Duration
	FinishReason              string
}

// ChatStreamer streams the model's answer to messages, calling onChunk with each piece of text
// (adapters/llm.Client).
type ChatStreamer func(ctx context.Context, messages []ChatMessage, onChunk func(text string) error) (ChatCompletion, error)

// ChatContext is what the assistant is told about the interview (the interview's events).
type ChatContext interface {
	// Conversation returns the earlier turns, oldest first.
	Conversation(ctx context.Context, interview uuid.UUID) ([]domain.Turn, error)
	// LatestTestRun returns the last test run and whether it came after the last answer.
	LatestTestRun(ctx context.Context, interview uuid.UUID) (*domain.TestRun, bool, error)
}

// ErrAIDisabled means the assessment has no assistant.
var ErrAIDisabled = errors.New("this assessment has no AI assistant")

// Chat is a candidate's message to the assistant.
type Chat struct {
	Interview domain.Interview
	Message   string
	// CodeContext is the code the candidate showed with the message (may be nil).
	CodeContext *domain.CodeContext
}

// ChatTurn is how a turn went: the rating of the prompt, and the answer.
type ChatTurn struct {
	TurnID     uuid.UUID
	Rating     domain.PromptRating
	Completion ChatCompletion
}

// ChatHandler talks to the assistant for the candidate and records every turn: the message
// with its prompt-quality rating, then the answer with its tokens, latency and model.
type ChatHandler struct {
	model     ChatStreamer
	context   ChatContext
	questions QuestionFinder
	events    ServerAppender
	now       Clock
	// historyBudget bounds the earlier conversation sent with a message, in characters (about
	// four per token).
	historyBudget int
	// Prices price each answer's tokens when it is recorded (DefaultModelPrice for models it
	// does not name).
	Prices domain.Prices
}

// NewChatHandler returns the handler; every dependency is required.
func NewChatHandler(model ChatStreamer, context ChatContext, questions QuestionFinder, events ServerAppender, now Clock) (*ChatHandler, error) {
	if model == nil || context == nil || questions == nil || events == nil || now == nil {
		return nil, errors.New("commands: ChatHandler needs every dependency")
	}
	return &ChatHandler{model: model, context: context, questions: questions, events: events, now: now, historyBudget: 24_000}, nil
}

// MaxChatMessage bounds one message to the assistant.
const MaxChatMessage = 16 << 10

// Handle runs one turn. onChunk receives the answer as it streams; an error before the first
// chunk means nothing reached the candidate (the caller may answer with an error status).
func (h *ChatHandler) Handle(ctx context.Context, cmd Chat, settings domain.AssessmentSettings, onChunk func(string) error) (ChatTurn, error) {
	if !settings.EnableAI {
		return ChatTurn{}, ErrAIDisabled
	}
	message := strings.TrimSpace(cmd.Message)
	if message == "" || len(message) > MaxChatMessage || strings.ContainsRune(message, 0) {
		return ChatTurn{}, &domain.ValidationError{Field: "message", Message: fmt.Sprintf("must be 1 to %d bytes of text", MaxChatMessage)}
	}
	previous, err := h.context.Conversation(ctx, cmd.Interview.ID)
	if err != nil {
		return ChatTurn{}, err
	}
	run, ranSince, err := h.context.LatestTestRun(ctx, cmd.Interview.ID)
	if err != nil {
		return ChatTurn{}, err
	}
	question, err := h.questions.ServedQuestion(ctx, cmd.Interview.ID, uuid.Nil)
	hasQuestion := err == nil
	turn := ChatTurn{TurnID: uuid.New(), Rating: domain.RatePrompt(domain.PromptContext{
		Message: message, CodeContext: cmd.CodeContext != nil && cmd.CodeContext.Content != "",
		Previous: previous, RecentTestRun: ranSince,
	})}

	md := cmd.Interview.CandidateMetadata()
	asked, err := domain.NewEventFrom(uuid.New(), domain.AIMessage{TurnID: turn.TurnID, Message: message, CodeContext: cmd.CodeContext,
		PromptQuality: turn.Rating.Score, QualityReasons: turn.Rating.Reasons}, md, h.now())
	if err != nil {
		return ChatTurn{}, err
	}
	if _, err := h.events.AppendEvents(ctx, cmd.Interview.ID, -1, asked); err != nil {
		return ChatTurn{}, err
	}

	var q *domain.QuestionServed
	if hasQuestion {
		q = &question
	}
	messages := []ChatMessage{{Role: "system", Content: systemPrompt(q, settings.Language, cmd.CodeContext, run)}}
	messages = append(messages, h.history(previous)...)
	messages = append(messages, ChatMessage{Role: "user", Content: message})
	completion, streamErr := h.model(ctx, messages, onChunk)
	turn.Completion = completion

	// The answer is recorded even when the candidate left or the model failed half-way: what
	// they saw is part of the interview.
	answer := domain.AIResponse{TurnID: turn.TurnID, Text: completion.Text, Model: completion.Model,
		InputTokens: completion.InputTokens, OutputTokens: completion.OutputTokens, LatencyMs: completion.Latency.Milliseconds(),
		FinishReason: completion.FinishReason}
	answer.CostUSD = h.Prices.Of(completion.Model).Cost(completion.InputTokens, completion.OutputTokens)
	if streamErr != nil {
		answer.Error = streamErr.Error()
	}
	if e, err := domain.NewEventFrom(uuid.New(), answer, md, h.now()); err == nil {
		_, _ = h.events.AppendEvents(context.WithoutCancel(ctx), cmd.Interview.ID, -1, e)
	}
	return turn, streamErr
}

// history keeps the most recent turns that fit the budget, oldest first.
func (h *ChatHandler) history(turns []domain.Turn) []ChatMessage {
	var kept []ChatMessage
	used := 0
	for i := len(turns) - 1; i >= 0; i-- {
		t := turns[i]
		if t.Answer == "" {
			continue // a failed turn: nothing was said to build on
		}
		if used += len(t.Message) + len(t.Answer); used > h.historyBudget {
			break
		}
		kept = append([]ChatMessage{{Role: "user", Content: t.Message}, {Role: "assistant", Content: t.Answer}}, kept...)
	}
	return kept
}

// systemPrompt tells the assistant its part: a mentor in a timed interview who guides and
// does not hand over the solution, with the problem, the candidate's code and their last tests.
func systemPrompt(q *domain.QuestionServed, language string, code *domain.CodeContext, run *domain.TestRun) string {
	var b strings.Builder
	b.WriteString(`You are the AI assistant in a timed technical interview. The candidate may ask you anything, and the hiring team will read the conversation.
Rules:
- Guide, do not hand over the solution: explain concepts, point to the problem in their code, give hints and small illustrative snippets, never a complete solution to the task.
- Ask a clarifying question when the request is ambiguous.
- Encourage writing and running tests; point out edge cases they may have missed (empty input, duplicates, negative numbers, large input).
- Be concise and concrete; refer to their code by line or identifier.
`)
	if q != nil {
		fmt.Fprintf(&b, "\n## The problem: %s (%s, %s)\n%s\n", q.Title, q.Difficulty, q.Language, q.Description)
		if q.StarterCode != "" {
			fmt.Fprintf(&b, "\nStarter code:\n```%s\n%s\n```\n", q.Language, q.StarterCode)
		}
	} else {
		fmt.Fprintf(&b, "\nThe interview's language is %s.\n", language)
	}
	if code != nil && code.Content != "" {
		fmt.Fprintf(&b, "\n## The candidate's current code (%s)\n```%s\n%s\n```\n", code.FileName, code.Language, code.Content)
	}
	if run != nil {
		fmt.Fprintf(&b, "\n## Their latest test run: %d of %d passed\n", run.Passed, run.Total)
		for _, r := range run.Results {
			if r.Hidden {
				// The assistant never learns a hidden test's content, so it cannot leak it.
				fmt.Fprintf(&b, "- %s (hidden): %s\n", r.Name, r.Verdict)
				continue
			}
			fmt.Fprintf(&b, "- %s: %s", r.Name, r.Verdict)
			if !r.Passed && r.ExpectedOutput != "" {
				fmt.Fprintf(&b, " (expected %q, got %q)", clipText(r.ExpectedOutput, 200), clipText(r.ActualOutput, 200))
			}
			if r.Error != "" {
				fmt.Fprintf(&b, " error: %s", clipText(r.Error, 300))
			}
			b.WriteString("\n")
		}
	}
	return b.String()
}

func clipText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && s[cut]&0xC0 == 0x80 {
		cut--
	}
	return s[:cut] + "…"
}
