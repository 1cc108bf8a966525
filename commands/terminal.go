package commands

import (
	"context"
	"errors"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/interviewlm/interviewlm/domain"
)

// ShellResult is what a command in the sandbox did.
type ShellResult struct {
	Stdout, Stderr []byte
	ExitCode       int
	TimedOut       bool
	Truncated      bool
	Duration       time.Duration
}

// Shell runs command with /bin/sh in the sandbox, in the workspace directory dir, until it ends
// or ctx is cancelled (an interrupt). onOutput sees the output as it arrives.
type Shell func(ctx context.Context, dir, command string, onOutput func(stderr bool, chunk []byte)) (ShellResult, error)

// WorkspaceSyncer makes an interview's workspace directory hold its files and returns the
// directory (adapters/workspace.Store).
type WorkspaceSyncer interface {
	Sync(interview uuid.UUID, files domain.Files) (string, error)
}

// ServerAppender appends events the server writes (adapters/eventstore.Store).
type ServerAppender interface {
	AppendEvents(ctx context.Context, stream uuid.UUID, expected int64, events ...domain.NewEvent) (domain.LogPosition, error)
}

// ErrCommandRunning means the terminal is busy: one command runs at a time, until it ends or is
// interrupted.
var ErrCommandRunning = errors.New("a command is still running; interrupt it or wait for it to end")

// ErrNothingToInterrupt means an interrupt came while no command ran.
var ErrNothingToInterrupt = errors.New("no command is running")

// outputChunk bounds one terminal_output event, so that a flood of output is many small events
// a replay can stream, not one huge one.
const outputChunk = 16 << 10

// Terminal runs the candidate's terminal commands in the sandbox, in their workspace, and
// records each command, its output and its exit as events: the terminal a viewer sees is the
// log's terminal, on any server.
type Terminal struct {
	files  FilesLoader
	ws     WorkspaceSyncer
	shell  Shell
	events ServerAppender
	now    Clock
	// bg outlives requests: a command goes on after the request that started it has answered.
	bg context.Context

	mu      sync.Mutex
	running map[uuid.UUID]runningCommand
	wg      sync.WaitGroup
}

type runningCommand struct {
	command uuid.UUID
	cancel  context.CancelFunc
}

// NewTerminal returns the terminal; commands run under bg, which ends them at shutdown.
func NewTerminal(bg context.Context, files FilesLoader, ws WorkspaceSyncer, shell Shell, events ServerAppender, now Clock) (*Terminal, error) {
	if bg == nil || files == nil || ws == nil || shell == nil || events == nil || now == nil {
		return nil, errors.New("commands: Terminal needs every dependency")
	}
	return &Terminal{files: files, ws: ws, shell: shell, events: events, now: now, bg: bg, running: map[uuid.UUID]runningCommand{}}, nil
}

// TerminalInput is a line the candidate typed, or an interrupt.
type TerminalInput struct {
	Interview domain.Interview
	Kind      domain.TerminalInputKind
	Data      string
}

// Input runs a command (in the background; its output and exit arrive as events) or interrupts
// the running one. It returns the command's id.
func (t *Terminal) Input(ctx context.Context, in TerminalInput) (uuid.UUID, error) {
	id := in.Interview.ID
	md := in.Interview.CandidateMetadata()
	switch in.Kind {
	case domain.TerminalInterrupt:
		t.mu.Lock()
		running, ok := t.running[id]
		t.mu.Unlock()
		if !ok {
			return uuid.Nil, ErrNothingToInterrupt
		}
		if e, err := domain.NewEventFrom(uuid.New(), domain.TerminalInput{CommandID: running.command, Kind: domain.TerminalInterrupt}, md, t.now()); err == nil {
			_, _ = t.events.AppendEvents(ctx, id, -1, e)
		}
		running.cancel()
		return running.command, nil
	case domain.TerminalCommand:
	default:
		return uuid.Nil, &domain.ValidationError{Field: "type", Message: "must be input or interrupt"}
	}
	command := strings.TrimRight(in.Data, "\r\n")
	if strings.TrimSpace(command) == "" || len(command) > 8<<10 || strings.ContainsRune(command, 0) {
		return uuid.Nil, &domain.ValidationError{Field: "data", Message: "must be a command of 1 to 8192 bytes, without NUL"}
	}

	runCtx, cancel := context.WithCancel(t.bg)
	commandID := uuid.New()
	t.mu.Lock()
	if _, busy := t.running[id]; busy {
		t.mu.Unlock()
		cancel()
		return uuid.Nil, ErrCommandRunning
	}
	t.running[id] = runningCommand{command: commandID, cancel: cancel}
	t.mu.Unlock()

	started, err := domain.NewEventFrom(uuid.New(), domain.TerminalInput{CommandID: commandID, Kind: domain.TerminalCommand, Data: command}, md, t.now())
	if err == nil {
		_, err = t.events.AppendEvents(ctx, id, -1, started)
	}
	if err != nil {
		t.finish(id, cancel)
		return uuid.Nil, err
	}
	t.wg.Go(func() {
		defer t.finish(id, cancel)
		t.run(runCtx, in.Interview, commandID, command, md)
	})
	return commandID, nil
}

func (t *Terminal) finish(interview uuid.UUID, cancel context.CancelFunc) {
	cancel()
	t.mu.Lock()
	delete(t.running, interview)
	t.mu.Unlock()
}

// outputFlush is how often a running command's new output is recorded: viewers see it that
// soon, and a chatty command makes a few events a second, not one per write.
const outputFlush = 100 * time.Millisecond

// run executes one command and records its output as it comes, then its exit. Recording uses a
// context of its own: an interrupted command's output and exit are still written.
func (t *Terminal) run(ctx context.Context, interview domain.Interview, commandID uuid.UUID, command string, md domain.Metadata) {
	record := context.WithoutCancel(ctx)
	out := &outputRecorder{command: commandID}
	appendOutput := func() {
		var events []domain.NewEvent
		for _, o := range out.take(false) {
			if ne, err := domain.NewEventFrom(uuid.New(), o, md, t.now()); err == nil {
				events = append(events, ne)
			}
		}
		if len(events) > 0 {
			_, _ = t.events.AppendEvents(record, interview.ID, -1, events...)
		}
	}
	flushing := make(chan struct{})
	stopFlush := make(chan struct{})
	go func() {
		defer close(flushing)
		tick := time.NewTicker(outputFlush)
		defer tick.Stop()
		for {
			select {
			case <-stopFlush:
				return
			case <-tick.C:
				appendOutput()
			}
		}
	}()
	res, err := func() (ShellResult, error) {
		_, files, _, err := t.files.LatestFiles(ctx, interview.ID)
		if err != nil {
			return ShellResult{}, err
		}
		dir, err := t.ws.Sync(interview.ID, files)
		if err != nil {
			return ShellResult{}, err
		}
		return t.shell(ctx, dir, command, out.add)
	}()
	close(stopFlush)
	<-flushing
	interrupted := ctx.Err() != nil && t.bg.Err() == nil
	if err != nil && !interrupted {
		// The error names server paths, which are not for the candidate's screen.
		res.Stderr, res.ExitCode = []byte("the sandbox could not run this command; try again\n"), 126
	}
	if interrupted {
		res.ExitCode = 130 // what a shell reports for Ctrl-C
	}
	if err != nil && !interrupted {
		out.add(true, res.Stderr)
	}
	var events []domain.NewEvent
	add := func(e domain.Event) {
		if ne, err := domain.NewEventFrom(uuid.New(), e, md, t.now()); err == nil {
			events = append(events, ne)
		}
	}
	for _, o := range out.take(true) {
		add(o)
	}
	add(domain.TerminalExit{CommandID: commandID, ExitCode: res.ExitCode, DurationMs: res.Duration.Milliseconds(),
		TimedOut: res.TimedOut, OutputTruncated: res.Truncated})
	_, _ = t.events.AppendEvents(record, interview.ID, -1, events...)
}

// Wait waits for the commands still running (at shutdown, after bg is cancelled).
func (t *Terminal) Wait() { t.wg.Wait() }

// outputRecorder collects a command's output between flushes, keeping stdout and stderr in
// the order they arrived. An incomplete UTF-8 character at the end of a stream waits for the
// rest, so that no character is cut in two across events.
type outputRecorder struct {
	command uuid.UUID
	mu      sync.Mutex
	pending []pendingOutput
	carry   [2][]byte // per stream: the start of a character whose end has not come yet
}

type pendingOutput struct {
	stderr bool
	data   []byte
}

func (o *outputRecorder) add(stderr bool, chunk []byte) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if n := len(o.pending); n > 0 && o.pending[n-1].stderr == stderr {
		o.pending[n-1].data = append(o.pending[n-1].data, chunk...)
		return
	}
	o.pending = append(o.pending, pendingOutput{stderr: stderr, data: append([]byte(nil), chunk...)})
}

// take returns the output collected so far as events; final releases what the carry holds.
func (o *outputRecorder) take(final bool) []domain.TerminalOutput {
	o.mu.Lock()
	pending := o.pending
	o.pending = nil
	o.mu.Unlock()
	var out []domain.TerminalOutput
	emit := func(stderr bool, data []byte) {
		stream := domain.Stdout
		if stderr {
			stream = domain.Stderr
		}
		for _, chunk := range chunks(printable(data), outputChunk) {
			out = append(out, domain.TerminalOutput{CommandID: o.command, Stream: stream, Data: chunk})
		}
	}
	for _, p := range pending {
		i := 0
		if p.stderr {
			i = 1
		}
		data := append(o.carry[i], p.data...)
		o.carry[i] = nil
		if !final {
			cut := len(data)
			for back := 1; back <= 3 && back <= len(data); back++ {
				if utf8.RuneStart(data[len(data)-back]) {
					if !utf8.FullRune(data[len(data)-back:]) {
						cut = len(data) - back
					}
					break
				}
			}
			data, o.carry[i] = data[:cut], append([]byte(nil), data[cut:]...)
		}
		if len(data) > 0 {
			emit(p.stderr, data)
		}
	}
	if final {
		for i, rest := range o.carry {
			if len(rest) > 0 {
				emit(i == 1, rest)
			}
			o.carry[i] = nil
		}
	}
	return out
}

// printable makes process output storable: the log keeps text, so invalid UTF-8 and NUL
// become U+FFFD.
func printable(b []byte) string {
	s := strings.ToValidUTF8(string(b), "\uFFFD")
	return strings.ReplaceAll(s, "\x00", "\uFFFD")
}

// chunks cuts s into pieces of at most n bytes, never inside a character.
func chunks(s string, n int) []string {
	var out []string
	for len(s) > n {
		cut := n
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		if cut == 0 { // n is smaller than the first character: take it whole
			_, cut = utf8.DecodeRuneInString(s)
		}
		out, s = append(out, s[:cut]), s[cut:]
	}
	if s != "" {
		out = append(out, s)
	}
	return out
}
