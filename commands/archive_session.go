package commands

import (
	"bufio"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/google/uuid"

	"github.com/interviewlm/interviewlm/domain"
)

// BlobPutter stores archives (adapters/blobstore.Store).
type BlobPutter interface {
	Put(ctx context.Context, key string, body io.Reader, size int64, contentType string) error
}

// StreamReader reads an interview's events in order (adapters/eventstore.Store).
type StreamReader interface {
	ReadStream(ctx context.Context, stream uuid.UUID, afterVersion int64, limit int) ([]domain.RecordedEvent, error)
}

// ArchiveFormat names the archive's layout; ArchiveFormatVersion changes with it.
const (
	ArchiveFormat        = "interviewlm-session"
	ArchiveFormatVersion = 1
)

// ArchivedEvent is one event in an archive: the whole envelope but its log position and the
// time it was recorded, which belong to the deployment that wrote it. Leaving them out makes an
// archive imported elsewhere and archived again byte for byte the same.
type ArchivedEvent struct {
	ID            uuid.UUID       `json:"id"`
	Version       int64           `json:"version"`
	Type          string          `json:"type"`
	SchemaVersion int             `json:"schemaVersion"`
	Data          json.RawMessage `json:"data"`
	Metadata      domain.Metadata `json:"metadata"`
	OccurredAt    time.Time       `json:"occurredAt"`
}

// archiveHeader is the archive's first fields; the events follow it in the same object.
type archiveHeader struct {
	Format        string    `json:"format"`
	FormatVersion int       `json:"formatVersion"`
	InterviewID   uuid.UUID `json:"interviewId"`
}

// ArchiveKey is where an interview's archive lives: under the day it started, so that a
// lifecycle rule of the bucket can expire old sessions by prefix.
func ArchiveKey(interview uuid.UUID, started time.Time, name string) string {
	return fmt.Sprintf("sessions/%s/%s/%s", started.UTC().Format("2006/01/02"), interview, name)
}

// ArchiveSessionHandler writes an interview's events to the blob store as gzip JSON, with its
// code snapshots alongside, and records the archive as a session_archived event.
type ArchiveSessionHandler struct {
	events StreamReader
	append EventAppender
	blobs  BlobPutter
	now    Clock
	lock   StreamLocker
}

// StreamLocker takes an exclusive lock on work on a stream, across processes
// (adapters/eventstore.Store.Lock).
type StreamLocker func(ctx context.Context, purpose string, stream uuid.UUID) (release func(), err error)

// NewArchiveSessionHandler returns the handler; every dependency is required but lock. With
// lock, the archivers of one interview run one at a time; without it (a single archiver),
// concurrent ones stay correct in the log but may overwrite a newer archive with an older one.
func NewArchiveSessionHandler(events StreamReader, append EventAppender, blobs BlobPutter, lock StreamLocker, now Clock) (*ArchiveSessionHandler, error) {
	if events == nil || append == nil || blobs == nil || now == nil {
		return nil, errors.New("commands: ArchiveSessionHandler needs every dependency")
	}
	return &ArchiveSessionHandler{events: events, append: append, blobs: blobs, lock: lock, now: now}, nil
}

// Handle archives interview up to its current version. It is idempotent: when the last archive
// already covers every event, it returns that archive and writes nothing.
//
// The record is appended at the version the stream was read at, so that archivers running at
// once (the job worker and the archive command) leave one record, not one each: the losers
// run again, find the winner's record covering every event, and return it.
func (h *ArchiveSessionHandler) Handle(ctx context.Context, interview uuid.UUID) (domain.SessionArchived, error) {
	if h.lock != nil {
		// One archiver of an interview at a time: two writing the same key at once could
		// leave the older archive in the store while the log names the newer.
		release, err := h.lock(ctx, "archive", interview)
		if err != nil {
			return domain.SessionArchived{}, err
		}
		defer release()
	}
	for attempt := 1; ; attempt++ {
		rec, err := h.archive(ctx, interview)
		var failed *recordAppendError
		if !errors.As(err, &failed) || attempt == 3 || ctx.Err() != nil {
			return rec, err
		}
	}
}

// recordAppendError is the failure to append the session_archived record, which Handle retries
// in case another archiver or a new event got there first.
type recordAppendError struct{ err error }

func (e *recordAppendError) Error() string { return "archive: record: " + e.err.Error() }
func (e *recordAppendError) Unwrap() error { return e.err }

func (h *ArchiveSessionHandler) archive(ctx context.Context, interview uuid.UUID) (domain.SessionArchived, error) {
	tmp, err := os.CreateTemp("", "interviewlm-archive-*.json.gz")
	if err != nil {
		return domain.SessionArchived{}, err
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()

	var (
		last      domain.SessionArchived
		lastFound bool
		content   int64 // the last version that is not the record of an earlier archive
		version   int64 // the last version read
		started   time.Time
		snapshots []ArchivedEvent
	)
	counter := &countingWriter{}
	gz, _ := gzip.NewWriterLevel(tmp, gzip.BestCompression)
	w := bufio.NewWriterSize(io.MultiWriter(gz, counter), 64<<10)
	enc := json.NewEncoder(w)
	head, _ := json.Marshal(archiveHeader{Format: ArchiveFormat, FormatVersion: ArchiveFormatVersion, InterviewID: interview})
	w.Write(head[:len(head)-1])
	w.WriteString(`,"events":[`)
	count := int64(0)
	for after := int64(0); ; {
		page, err := h.events.ReadStream(ctx, interview, after, 5000)
		if err != nil {
			return domain.SessionArchived{}, err
		}
		for _, e := range page {
			if e.Version == 1 {
				started = e.OccurredAt
			}
			version = e.Version
			if e.Type == domain.TypeSessionArchived {
				if err := json.Unmarshal(e.Data, &last); err != nil {
					return domain.SessionArchived{}, err
				}
				lastFound = true
			} else {
				content = e.Version
			}
			a := ArchivedEvent{ID: e.ID, Version: e.Version, Type: e.Type, SchemaVersion: e.SchemaVersion, Data: e.Data,
				Metadata: e.Metadata, OccurredAt: e.OccurredAt.UTC()}
			if count > 0 {
				w.WriteByte(',')
			}
			if err := enc.Encode(a); err != nil {
				return domain.SessionArchived{}, err
			}
			count++
			if e.Type == domain.TypeCodeSnapshot {
				snapshots = append(snapshots, a)
			}
		}
		if len(page) < 5000 {
			break
		}
		after = page[len(page)-1].Version
	}
	if count == 0 {
		return domain.SessionArchived{}, domain.ErrNotFound
	}
	if lastFound && last.LastVersion >= content {
		return last, nil
	}
	w.WriteString("]}\n")
	if err := w.Flush(); err != nil {
		return domain.SessionArchived{}, err
	}
	if err := gz.Close(); err != nil {
		return domain.SessionArchived{}, err
	}
	compressed, err := tmp.Seek(0, io.SeekCurrent)
	if err != nil {
		return domain.SessionArchived{}, err
	}
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		return domain.SessionArchived{}, err
	}
	key := ArchiveKey(interview, started, "events.json.gz")
	if err := h.blobs.Put(ctx, key, tmp, compressed, "application/gzip"); err != nil {
		return domain.SessionArchived{}, fmt.Errorf("archive %s: %w", interview, err)
	}
	if err := h.putSnapshots(ctx, interview, started, snapshots); err != nil {
		return domain.SessionArchived{}, err
	}
	rec := domain.SessionArchived{Key: key, SizeBytes: counter.n, CompressedBytes: compressed, EventCount: count, LastVersion: content}
	md := domain.Metadata{Actor: domain.Actor{Kind: domain.ActorSystem, ID: "archiver"}}
	e, err := domain.NewEventFrom(uuid.New(), &rec, md, h.now())
	if err != nil {
		return domain.SessionArchived{}, err
	}
	if _, err := h.append.AppendEvents(ctx, interview, version, e); err != nil {
		return domain.SessionArchived{}, &recordAppendError{err}
	}
	return rec, nil
}

// putSnapshots writes the code snapshots on their own, for a reader who wants the code
// without the keystrokes.
func (h *ArchiveSessionHandler) putSnapshots(ctx context.Context, interview uuid.UUID, started time.Time, snapshots []ArchivedEvent) error {
	if snapshots == nil {
		snapshots = []ArchivedEvent{}
	}
	tmp, err := os.CreateTemp("", "interviewlm-snapshots-*.json.gz")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	gz, _ := gzip.NewWriterLevel(tmp, gzip.BestCompression)
	if err := json.NewEncoder(gz).Encode(map[string]any{"format": ArchiveFormat + "-snapshots", "formatVersion": ArchiveFormatVersion,
		"interviewId": interview, "snapshots": snapshots}); err != nil {
		return err
	}
	if err := gz.Close(); err != nil {
		return err
	}
	size, err := tmp.Seek(0, io.SeekCurrent)
	if err != nil {
		return err
	}
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		return err
	}
	return h.blobs.Put(ctx, ArchiveKey(interview, started, "snapshots.json.gz"), tmp, size, "application/gzip")
}

type countingWriter struct{ n int64 }

func (c *countingWriter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

// SessionArchive is an archive read back.
type SessionArchive struct {
	InterviewID uuid.UUID
	Events      []ArchivedEvent
}

// ReadArchive decodes a gzip JSON archive, checking its format and that its events are the
// whole stream from version 1, in order.
func ReadArchive(r io.Reader) (SessionArchive, error) {
	gz, err := gzip.NewReader(r)
	if err != nil {
		return SessionArchive{}, fmt.Errorf("archive: not gzip: %w", err)
	}
	defer gz.Close()
	var doc struct {
		archiveHeader
		Events []ArchivedEvent `json:"events"`
	}
	dec := json.NewDecoder(gz)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		return SessionArchive{}, fmt.Errorf("archive: %w", err)
	}
	// Read to the end: only then does the gzip reader check its CRC and length, and nothing
	// may follow the document (such as a second archive appended to the file).
	if err := onlySpace(io.MultiReader(dec.Buffered(), gz)); err != nil {
		return SessionArchive{}, fmt.Errorf("archive: %w", err)
	}
	if doc.Format != ArchiveFormat || doc.FormatVersion != ArchiveFormatVersion {
		return SessionArchive{}, fmt.Errorf("archive: format %q v%d, want %q v%d", doc.Format, doc.FormatVersion, ArchiveFormat, ArchiveFormatVersion)
	}
	if len(doc.Events) == 0 || doc.Events[0].Type != domain.TypeInterviewStarted {
		return SessionArchive{}, errors.New("archive: the events do not start with interview_started")
	}
	for i, e := range doc.Events {
		if i > 0 && e.Version <= doc.Events[i-1].Version {
			return SessionArchive{}, fmt.Errorf("archive: event %d: versions out of order", i)
		}
		if e.Version != int64(i+1) {
			return SessionArchive{}, fmt.Errorf("archive: event %d has version %d, want %d: the archive is not the whole stream", i, e.Version, i+1)
		}
		if _, err := domain.DecodeRecorded(domain.RecordedEvent{Type: e.Type, SchemaVersion: e.SchemaVersion, Data: e.Data}); err != nil {
			return SessionArchive{}, fmt.Errorf("archive: event %d (%s): %w", i, e.Type, err)
		}
	}
	return SessionArchive{InterviewID: doc.InterviewID, Events: doc.Events}, nil
}

// onlySpace reads r to its end, failing on anything but JSON whitespace.
func onlySpace(r io.Reader) error {
	buf := make([]byte, 4096)
	for {
		n, err := r.Read(buf)
		for _, c := range buf[:n] {
			if c != ' ' && c != '\t' && c != '\r' && c != '\n' {
				return errors.New("data after the archive's JSON document")
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// SessionImporter writes an imported interview (adapters/directory.Store).
type SessionImporter interface {
	ImportInterview(ctx context.Context, importedBy uuid.UUID, started *domain.InterviewStarted,
		interview domain.Interview, events []domain.NewEvent) error
}

// ImportSession loads an archive into organization Org of this deployment.
type ImportSession struct {
	Archive    SessionArchive
	Org        uuid.UUID
	ImportedBy uuid.UUID
}

// ImportSessionHandler loads archives: the events keep their ids, versions, times and
// metadata, so the interview replays here as it did where it was recorded.
type ImportSessionHandler struct{ importer SessionImporter }

// NewImportSessionHandler returns the handler.
func NewImportSessionHandler(importer SessionImporter) (*ImportSessionHandler, error) {
	if importer == nil {
		return nil, errors.New("commands: ImportSessionHandler needs an importer")
	}
	return &ImportSessionHandler{importer: importer}, nil
}

// Handle runs the command and returns the interview imported.
func (h *ImportSessionHandler) Handle(ctx context.Context, cmd ImportSession) (domain.Interview, error) {
	a := cmd.Archive
	if len(a.Events) == 0 {
		return domain.Interview{}, errors.New("import: the archive holds no events")
	}
	first := a.Events[0]
	data, err := domain.DecodeRecorded(domain.RecordedEvent{Type: first.Type, SchemaVersion: first.SchemaVersion, Data: first.Data})
	if err != nil {
		return domain.Interview{}, err
	}
	started, ok := data.(*domain.InterviewStarted)
	if !ok {
		return domain.Interview{}, errors.New("import: the archive does not start with interview_started")
	}
	interview := domain.Interview{ID: a.InterviewID, CandidateID: started.CandidateID, OrganizationID: cmd.Org,
		AssessmentID: started.AssessmentID, StartedAt: first.OccurredAt, Deadline: started.Deadline}
	events := make([]domain.NewEvent, len(a.Events))
	for i, e := range a.Events {
		if e.Version != int64(i+1) {
			return domain.Interview{}, fmt.Errorf("import: event %d has version %d: the archive is not the whole stream", i, e.Version)
		}
		if e.Type == domain.TypeInterviewSubmitted && interview.SubmittedAt == nil {
			at := e.OccurredAt
			interview.SubmittedAt = &at
		}
		events[i] = domain.NewEvent{ID: e.ID, Type: e.Type, SchemaVersion: e.SchemaVersion, Data: e.Data,
			Metadata: e.Metadata, OccurredAt: e.OccurredAt}
	}
	if err := h.importer.ImportInterview(ctx, cmd.ImportedBy, started, interview, events); err != nil {
		return domain.Interview{}, err
	}
	return interview, nil
}
