package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/interviewlm/interviewlm/adapters/eventstore"
	"github.com/interviewlm/interviewlm/adapters/workspace"
	"github.com/interviewlm/interviewlm/commands"
	"github.com/interviewlm/interviewlm/domain"
)

// Workspaces is what the API needs of the interviews' working directories
// (adapters/workspace.Store).
type Workspaces interface {
	Sync(interview uuid.UUID, files domain.Files) (string, error)
	Tree(interview uuid.UUID) ([]workspace.Entry, error)
	Read(interview uuid.UUID, name string) ([]byte, error)
}

// settingsOf returns the settings the interview started with (its first event), which later
// edits of the assessment do not change.
func (a *api) settingsOf(ctx context.Context, interview uuid.UUID) (domain.AssessmentSettings, error) {
	first, err := a.deps.Events.QueryStream(ctx, interview, eventstore.StreamQuery{Types: []string{domain.TypeInterviewStarted}, Limit: 1})
	if err != nil {
		return domain.AssessmentSettings{}, err
	}
	if len(first) == 0 {
		return domain.AssessmentSettings{}, domain.ErrNotFound
	}
	data, err := domain.DecodeRecorded(first[0])
	if err != nil {
		return domain.AssessmentSettings{}, err
	}
	return data.(*domain.InterviewStarted).Settings, nil
}

// requireTool refuses the request with 403 code when the settings the interview started with
// turn the tool off.
func (a *api) requireTool(c echo.Context, interview domain.Interview, on func(domain.AssessmentSettings) bool, code, message string) error {
	settings, err := a.settingsOf(c.Request().Context(), interview.ID)
	if err != nil {
		return err
	}
	if !on(settings) {
		return NewError(http.StatusForbidden, code, message)
	}
	return nil
}

func (a *api) postTerminalInput(c echo.Context) error {
	in, err := Bind[struct {
		Type domain.TerminalInputKind `json:"type"`
		Data string                   `json:"data"`
	}](c)
	if err != nil {
		return err
	}
	interview := currentInterview(c)
	if err := a.requireTool(c, interview, func(s domain.AssessmentSettings) bool { return s.EnableTerminal },
		"terminal_disabled", "this assessment has no terminal"); err != nil {
		return err
	}
	id, err := a.deps.Terminal.Input(c.Request().Context(), commands.TerminalInput{Interview: interview, Kind: in.Type, Data: in.Data})
	if err != nil {
		return err
	}
	if in.Type == domain.TerminalInterrupt {
		return c.JSON(http.StatusAccepted, map[string]any{"interrupted": true, "commandId": id})
	}
	return c.JSON(http.StatusAccepted, map[string]any{"commandId": id})
}

// terminalTypes are the events GET /terminal streams.
var terminalTypes = []string{domain.TypeTerminalInput, domain.TypeTerminalOutput, domain.TypeTerminalExit}

// terminalPoll is how often a terminal stream looks for new output.
const terminalPoll = 150 * time.Millisecond

// getTerminal streams the terminal as server-sent events, from the log: output written by a
// command on any server reaches every viewer. It starts at the current end (or after the
// position in Last-Event-ID, for a viewer that reconnects).
func (a *api) getTerminal(c echo.Context) error {
	ctx, interview := c.Request().Context(), currentInterview(c).ID
	cursor, err := a.deps.Events.StreamVersion(ctx, interview)
	if err != nil {
		return err
	}
	var afterPosition int64
	if last := c.Request().Header.Get("Last-Event-ID"); last != "" {
		p, err := strconv.ParseInt(last, 10, 64)
		if err != nil || p < 0 {
			return NewError(http.StatusBadRequest, "invalid_parameter", "Last-Event-ID must be a position").WithDetail("field", "Last-Event-ID")
		}
		afterPosition, cursor = p, 0
	}
	res := c.Response()
	startEventStream(res)
	flusher := http.NewResponseController(res.Writer)
	write := func(id int64, frame map[string]any) error {
		b, err := json.Marshal(frame)
		if err != nil {
			return err
		}
		if id > 0 {
			if _, err := fmt.Fprintf(res, "id: %d\n", id); err != nil {
				return err
			}
		}
		if _, err := fmt.Fprintf(res, "data: %s\n\n", b); err != nil {
			return err
		}
		return flusher.Flush()
	}
	if err := write(0, map[string]any{"type": "connected"}); err != nil {
		return nil
	}
	lastWrite := time.Now()
	for {
		head, err := a.deps.Events.StreamVersion(ctx, interview)
		if err != nil {
			return a.streamEnd(ctx, err)
		}
		if head > cursor {
			events, err := a.deps.Events.QueryStream(ctx, interview, eventstore.StreamQuery{
				AfterVersion: cursor, AfterPosition: afterPosition, Types: terminalTypes, Limit: eventstore.MaxQueryLimit})
			if err != nil {
				return a.streamEnd(ctx, err)
			}
			for _, e := range events {
				frame, ok := terminalFrame(e)
				if !ok {
					continue
				}
				if err := write(e.Position, frame); err != nil {
					return nil
				}
				lastWrite = time.Now()
				cursor = e.Version
			}
			if len(events) < eventstore.MaxQueryLimit {
				cursor = max(cursor, head)
			}
			afterPosition = 0
		}
		if time.Since(lastWrite) >= a.heartbeat {
			if _, err := io.WriteString(res, ": ping\n\n"); err != nil || flusher.Flush() != nil {
				return nil
			}
			lastWrite = time.Now()
		}
		select {
		case <-ctx.Done():
			return nil
		case <-a.shuttingDown:
			return nil
		case <-time.After(terminalPoll):
		}
	}
}

func (a *api) streamEnd(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return nil
	}
	return err
}

func terminalFrame(e domain.RecordedEvent) (map[string]any, bool) {
	data, err := domain.DecodeRecorded(e)
	if err != nil {
		return nil, false
	}
	switch d := data.(type) {
	case *domain.TerminalInput:
		return map[string]any{"type": "input", "commandId": d.CommandID, "data": d.Data}, true
	case *domain.TerminalOutput:
		return map[string]any{"type": "output", "commandId": d.CommandID, "stream": d.Stream, "data": d.Data}, true
	case *domain.TerminalExit:
		return map[string]any{"type": "exit", "commandId": d.CommandID, "code": d.ExitCode, "durationMs": d.DurationMs,
			"timedOut": d.TimedOut, "outputTruncated": d.OutputTruncated}, true
	}
	return nil, false
}

// syncedWorkspace brings the interview's workspace up to its files and returns them.
func (a *api) syncedWorkspace(ctx context.Context, interview uuid.UUID) error {
	_, files, _, err := a.deps.Files.LatestFiles(ctx, interview)
	if err != nil {
		return err
	}
	_, err = a.deps.Workspaces.Sync(interview, files)
	return err
}

func (a *api) getFiles(c echo.Context) error {
	interview := currentInterview(c).ID
	if err := a.syncedWorkspace(c.Request().Context(), interview); err != nil {
		return err
	}
	tree, err := a.deps.Workspaces.Tree(interview)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"files": tree})
}

func (a *api) getFile(c echo.Context) error {
	interview := currentInterview(c).ID
	if err := a.syncedWorkspace(c.Request().Context(), interview); err != nil {
		return err
	}
	content, err := a.deps.Workspaces.Read(interview, c.Param("*"))
	if errors.Is(err, workspace.ErrNotFound) {
		return NotFound("no such file in the workspace")
	}
	if errors.Is(err, workspace.ErrTooLarge) {
		return NewError(http.StatusRequestEntityTooLarge, "file_too_large", fmt.Sprintf("the file is over %d bytes", workspace.MaxReadBytes))
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"path": c.Param("*"), "content": string(content)})
}

// putFile writes a file of the workspace: recorded as a file_written event (so the replay and
// the editor see it), then written to disk by the next sync.
func (a *api) putFile(c echo.Context) error {
	in, err := Bind[struct {
		Content *string `json:"content"`
	}](c)
	if err != nil {
		return err
	}
	if in.Content == nil {
		return ValidationFailed("content", "the file's new content is required")
	}
	name := c.Param("*")
	if err := domain.ValidateFileName("path", name); err != nil {
		return err
	}
	interview := currentInterview(c)
	md := interview.CandidateMetadata()
	md.CorrelationID = RequestID(c.Request().Context())
	data := &domain.FileWritten{Path: name, Content: *in.Content}
	e, err := domain.NewEventFrom(uuid.New(), data, md, a.now())
	if err != nil {
		return eventError(err, "path", "content")
	}
	res, err := a.deps.RecordEvents.Handle(c.Request().Context(), commands.RecordEvents{Interview: interview.ID,
		Events: []commands.ClientEvent{{Event: e, Data: data}}})
	if err != nil {
		return err
	}
	if err := a.syncedWorkspace(c.Request().Context(), interview.ID); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"path": name, "bytes": len(*in.Content), "position": res.LastPosition})
}
