package commands

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/google/uuid"

	"github.com/interviewlm/interviewlm/domain"
)

// CheckedAppender appends a batch after a check that runs with the stream locked
// (adapters/eventstore.Store).
type CheckedAppender interface {
	AppendChecked(ctx context.Context, stream uuid.UUID, expected int64,
		check func(ctx context.Context, version int64, tail domain.StreamTail, fresh []domain.NewEvent) error,
		events ...domain.NewEvent) (domain.AppendResult, error)
}

// FilesLoader returns an interview's files after its last event, and that event's version
// (the replay read model with the log's tail).
type FilesLoader interface {
	LatestFiles(ctx context.Context, interview uuid.UUID) (version int64, files domain.Files, submitted bool, err error)
}

// ClientEvent is one event a candidate's browser sent, decoded.
type ClientEvent struct {
	Event domain.NewEvent
	Data  domain.Event
}

// RecordEvents records a batch of the candidate's events.
type RecordEvents struct {
	Interview uuid.UUID
	Events    []ClientEvent
}

// EditMisfitError refuses a batch whose edit at Index does not fit the file as the events before
// it left it: most often a batch sent before an earlier one has landed. The client resends once
// the earlier batch is in; nothing of this one was written.
type EditMisfitError struct {
	Index int
	Err   error
}

func (e *EditMisfitError) Error() string {
	return fmt.Sprintf("event %d: the edit does not fit the file as the events before it left it: %v", e.Index, e.Err)
}

func (e *EditMisfitError) Unwrap() error { return e.Err }

// RecordEventsHandler appends client events, refusing a batch whose edits do not fit the files
// as they are: every keystroke is kept, so every one must apply.
type RecordEventsHandler struct {
	events CheckedAppender
	files  FilesLoader

	// The files of recent interviews at a known version: a batch checks against them without
	// reading the log back. An entry is used only when its version is the stream's.
	mu    sync.Mutex
	cache map[uuid.UUID]cachedFiles
}

type cachedFiles struct {
	version   int64
	files     domain.Files
	submitted bool
}

const filesCacheLimit = 50_000

// NewRecordEventsHandler returns the handler; every dependency is required.
func NewRecordEventsHandler(events CheckedAppender, files FilesLoader) (*RecordEventsHandler, error) {
	if events == nil || files == nil {
		return nil, errors.New("commands: RecordEventsHandler needs every dependency")
	}
	return &RecordEventsHandler{events: events, files: files, cache: map[uuid.UUID]cachedFiles{}}, nil
}

// errStale means the files a check started from are no longer the stream's: another append
// (from another API server) came first.
var errStale = errors.New("commands: files changed meanwhile")

// Handle runs the command. An *EditMisfitError names the first event that does not fit, by its
// index in the batch; nothing of the batch is written then.
//
// The files are read before the append transaction, never through the pool inside it: a check
// holding a transaction's connection while waiting for another could starve the pool under
// load. When others appended meanwhile, the check catches up through its own transaction.
func (h *RecordEventsHandler) Handle(ctx context.Context, cmd RecordEvents) (domain.AppendResult, error) {
	batch := make([]domain.NewEvent, len(cmd.Events))
	index := make(map[uuid.UUID]int, len(cmd.Events))
	for i, e := range cmd.Events {
		batch[i] = e.Event
		if _, seen := index[e.Event.ID]; !seen {
			index[e.Event.ID] = i
		}
	}
	const anyVersion, attempts = -1, 5
	for attempt := 1; ; attempt++ {
		base, err := h.current(ctx, cmd.Interview)
		if err != nil {
			return domain.AppendResult{}, err
		}
		var after cachedFiles
		check := func(ctx context.Context, version int64, tail domain.StreamTail, fresh []domain.NewEvent) error {
			files, submitted := base.files.Clone(), base.submitted
			if version != base.version {
				if version < base.version {
					return errStale // what we hold is ahead of the log: read it again
				}
				// Others appended since (another tab, telemetry, another server): catch up
				// through this transaction rather than retry.
				missed, err := tail(ctx, base.version)
				if err != nil {
					return err
				}
				for _, e := range missed {
					if e.Type == domain.TypeInterviewSubmitted {
						submitted = true
					}
					if !domain.ChangesFiles(e.Type) {
						continue
					}
					data, err := domain.DecodeRecorded(e)
					if err != nil {
						return err
					}
					_ = files.Apply(data) // as the replay does: an edit that does not fit changes nothing
				}
			}
			// Checked here, with the stream locked, so that no batch lands after the submission
			// however its request raced it.
			if submitted {
				return domain.ErrInterviewSubmitted
			}
			if !anyChangesFiles(fresh) {
				after = cachedFiles{version: version + int64(len(fresh)), files: files}
				return nil
			}
			for _, e := range fresh {
				i := index[e.ID]
				if !domain.ChangesFiles(e.Type) {
					continue
				}
				if err := files.Apply(cmd.Events[i].Data); err != nil {
					return &EditMisfitError{Index: i, Err: err}
				}
			}
			after = cachedFiles{version: version + int64(len(fresh)), files: files}
			return nil
		}
		res, err := h.events.AppendChecked(ctx, cmd.Interview, anyVersion, check, batch...)
		if errors.Is(err, errStale) && attempt < attempts {
			h.forget(cmd.Interview)
			continue
		}
		if err != nil {
			return res, err
		}
		if res.Appended > 0 {
			h.remember(cmd.Interview, after)
		}
		return res, nil
	}
}

func anyChangesFiles(events []domain.NewEvent) bool {
	for _, e := range events {
		if domain.ChangesFiles(e.Type) {
			return true
		}
	}
	return false
}

// current returns the interview's latest files, from the cache when it has them.
func (h *RecordEventsHandler) current(ctx context.Context, interview uuid.UUID) (cachedFiles, error) {
	h.mu.Lock()
	c, ok := h.cache[interview]
	h.mu.Unlock()
	if ok {
		return c, nil
	}
	version, files, submitted, err := h.files.LatestFiles(ctx, interview)
	if err != nil {
		return cachedFiles{}, err
	}
	return cachedFiles{version: version, files: files, submitted: submitted}, nil
}

func (h *RecordEventsHandler) forget(interview uuid.UUID) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.cache, interview)
}

// remember caches the files after a committed append, unless a newer state is cached already.
func (h *RecordEventsHandler) remember(interview uuid.UUID, c cachedFiles) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if old, ok := h.cache[interview]; ok && old.version >= c.version {
		return
	}
	if len(h.cache) >= filesCacheLimit {
		clear(h.cache)
	}
	h.cache[interview] = c
}
