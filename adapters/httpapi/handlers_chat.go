package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/interviewlm/interviewlm/adapters/llm"
	"github.com/interviewlm/interviewlm/commands"
	"github.com/interviewlm/interviewlm/domain"
)

// postChat streams the assistant's answer as server-sent events: chunk frames, then done (or
// error). Nothing is written until the first chunk, so a model that fails before it answers
// 502 as JSON; after it, a failure is an error frame.
func (a *api) postChat(c echo.Context) error {
	if a.deps.Chat == nil {
		return ServiceUnavailable("ai_unavailable", "the AI assistant is not configured on this server")
	}
	in, err := Bind[struct {
		Message     string `json:"message"`
		CodeContext *struct {
			FileName string `json:"fileName"`
			Content  string `json:"content"`
			Language string `json:"language"`
		} `json:"codeContext"`
	}](c)
	if err != nil {
		return err
	}
	ctx, interview := c.Request().Context(), currentInterview(c)
	settings, err := a.settingsOf(ctx, interview.ID)
	if err != nil {
		return err
	}
	cmd := commands.Chat{Interview: interview, Message: in.Message}
	if cc := in.CodeContext; cc != nil {
		if len(cc.Content) > commands.MaxCodeBytes {
			return ValidationFailed("codeContext.content", fmt.Sprintf("at most %d bytes", commands.MaxCodeBytes))
		}
		cmd.CodeContext = &domain.CodeContext{FileName: cc.FileName, Content: cc.Content, Language: cc.Language}
	}

	res := c.Response()
	started := false
	send := func(frame map[string]any) error {
		if !started {
			startEventStream(res)
			started = true
		}
		b, err := json.Marshal(frame)
		if err != nil {
			return err
		}
		if _, err := fmt.Fprintf(res, "data: %s\n\n", b); err != nil {
			return err
		}
		return http.NewResponseController(res.Writer).Flush()
	}
	turn, err := a.deps.Chat.Handle(ctx, cmd, settings, func(text string) error {
		return send(map[string]any{"type": "chunk", "text": text})
	})
	if err != nil {
		if !started {
			var up *llm.UpstreamError
			if errors.As(err, &up) {
				return NewError(http.StatusBadGateway, "ai_upstream_error", "the AI provider failed; try again").WithCause(err)
			}
			return err
		}
		if ctx.Err() != nil {
			return nil // the candidate left; the turn is recorded
		}
		Logger(ctx).WarnContext(ctx, "chat stream failed", "err", err)
		_ = send(map[string]any{"type": "error", "message": "the AI assistant stopped answering; try again"})
		return nil
	}
	return send(map[string]any{
		"type":          "done",
		"usage":         map[string]any{"inputTokens": turn.Completion.InputTokens, "outputTokens": turn.Completion.OutputTokens},
		"promptQuality": turn.Rating.Score, "promptQualityReasons": turn.Rating.Reasons,
		"latencyMs": turn.Completion.Latency.Milliseconds(), "turnId": turn.TurnID,
	})
}
