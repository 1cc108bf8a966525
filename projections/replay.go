package projections

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/interviewlm/interviewlm/domain"
)

// Replay keeps keyframes of every interview — the full file set at every snapshot, test run and
// submission, and otherwise every KeyframeEvery file changes or KeyframeInterval of typing — so
// that restoring any moment costs at most the events since one keyframe. It also records each
// code snapshot with its SHA-256, its diff from the previous snapshot of the file, and the
// lines added and deleted.
type Replay struct {
	every    int
	interval time.Duration

	// The state of each interview after the last event applied, so a batch continues where the
	// last one stopped without reading anything back. An entry is trusted only when the next
	// event's version follows it; otherwise (a rolled-back batch, a restart) it is reloaded
	// from the last keyframe, which the database holds.
	mu    sync.Mutex
	cache map[replayKey]*replayState
}

// Keyframe spacing. A seek replays at most KeyframeEvery file changes.
const (
	KeyframeEvery    = 100
	KeyframeInterval = 30 * time.Second
	replayCacheLimit = 20_000
)

// NewReplay returns the replay projection.
func NewReplay() *Replay {
	return &Replay{every: KeyframeEvery, interval: KeyframeInterval, cache: map[replayKey]*replayState{}}
}

type replayKey struct {
	table     string
	interview uuid.UUID
}

type replayState struct {
	version       int64
	files         domain.Files
	sinceKeyframe int
	keyframeAt    time.Time
	// snapshots holds each file's last snapshot content, for the next snapshot's diff; a file
	// missing here is looked up in the log.
	snapshots map[string]string
}

// Name implements Projection.
func (*Replay) Name() string { return "replay" }

// Version implements Projection.
func (*Replay) Version() int { return 3 }

// Tables implements Projection.
func (*Replay) Tables() []Table {
	return []Table{
		{Name: "replay_keyframes", Create: func(name string) string {
			return fmt.Sprintf(`CREATE TABLE %[1]s (
				interview_id uuid        NOT NULL,
				version      bigint      NOT NULL,
				position     bigint      NOT NULL,
				occurred_at  timestamptz NOT NULL,
				kind         text        NOT NULL,
				files        jsonb       NOT NULL,
				CONSTRAINT %[2]s PRIMARY KEY (interview_id, version));
				CREATE INDEX %[3]s ON %[1]s (interview_id, position)`,
				pgx.Identifier{name}.Sanitize(), pgx.Identifier{name + "_pkey"}.Sanitize(), pgx.Identifier{name + "_position_idx"}.Sanitize())
		}},
		{Name: "code_snapshots", Create: func(name string) string {
			return fmt.Sprintf(`CREATE TABLE %[1]s (
				interview_id  uuid        NOT NULL,
				version       bigint      NOT NULL,
				position      bigint      NOT NULL,
				occurred_at   timestamptz NOT NULL,
				file_id       text        NOT NULL,
				file_name     text        NOT NULL,
				sha256        text        NOT NULL,
				bytes         integer     NOT NULL,
				lines_added   integer     NOT NULL,
				lines_deleted integer     NOT NULL,
				diff          text        NOT NULL,
				CONSTRAINT %[2]s PRIMARY KEY (interview_id, version))`,
				pgx.Identifier{name}.Sanitize(), pgx.Identifier{name + "_pkey"}.Sanitize())
		}},
	}
}

// Keyframe kinds.
const (
	KeyframeSnapshot   = "snapshot"
	KeyframeTestRun    = "test_run"
	KeyframeSubmission = "submission"
	KeyframePeriodic   = "periodic"
	// KeyframeMarked is a moment the client marked as a checkpoint.
	KeyframeMarked = "marked"
)

func keyframeKind(eventType string) string {
	switch eventType {
	case domain.TypeCodeSnapshot:
		return KeyframeSnapshot
	case domain.TypeTestRun:
		return KeyframeTestRun
	case domain.TypeInterviewSubmitted:
		return KeyframeSubmission
	}
	return ""
}

// Apply implements Projection.
func (r *Replay) Apply(ctx context.Context, tx pgx.Tx, tables Tables, events []domain.RecordedEvent) error {
	keyframes, snapshots := tables.Of("replay_keyframes"), tables.Of("code_snapshots")
	batch := &pgx.Batch{}
	for _, e := range events {
		st, err := r.stateBefore(ctx, tx, keyframes, e)
		if err != nil {
			return err
		}
		kind := keyframeKind(e.Type)
		if kind == "" && e.Metadata.Checkpoint {
			kind = KeyframeMarked
		}
		if domain.ChangesFiles(e.Type) {
			data, err := domain.Decode(e.Type, e.Data)
			if err != nil {
				return fmt.Errorf("event %s: %w", e.ID, err)
			}
			files := st.files.Clone()
			// Ingestion refuses edits that do not fit; one that got into the log anyway
			// changes nothing here rather than stopping the projection for good.
			if err := files.Apply(data); err == nil {
				st.files = files
			}
			if snap, ok := data.(*domain.CodeSnapshot); ok {
				previous, err := r.previousSnapshot(ctx, tx, st, e, snap.FileID)
				if err != nil {
					return err
				}
				d := domain.DiffSnapshots(snap.FileName, previous, snap.Content)
				st.snapshots[snap.FileID] = snap.Content
				batch.Queue(`INSERT INTO `+snapshots+` (interview_id, version, position, occurred_at, file_id, file_name,
					sha256, bytes, lines_added, lines_deleted, diff) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
					e.StreamID, e.Version, e.Position, e.OccurredAt, snap.FileID, snap.FileName, d.SHA256, len(snap.Content),
					d.LinesAdded, d.LinesDeleted, d.Unified)
			}
			st.sinceKeyframe++
		}
		st.version = e.Version
		periodic := st.sinceKeyframe >= r.every || (st.sinceKeyframe > 0 && e.OccurredAt.Sub(st.keyframeAt) >= r.interval)
		if kind != "" || periodic {
			if kind == "" {
				kind = KeyframePeriodic
			}
			files, err := json.Marshal(st.files)
			if err != nil {
				return err
			}
			batch.Queue(`INSERT INTO `+keyframes+` (interview_id, version, position, occurred_at, kind, files)
				VALUES ($1, $2, $3, $4, $5, $6)`, e.StreamID, e.Version, e.Position, e.OccurredAt, kind, files)
			st.sinceKeyframe, st.keyframeAt = 0, e.OccurredAt
		}
	}
	if batch.Len() == 0 {
		return nil
	}
	return tx.SendBatch(ctx, batch).Close()
}

// stateBefore returns the interview's state just before e: the cached one when it ends at the
// version before e's, else the one rebuilt from the last keyframe before e and the events since.
func (r *Replay) stateBefore(ctx context.Context, tx pgx.Tx, keyframes string, e domain.RecordedEvent) (*replayState, error) {
	key := replayKey{keyframes, e.StreamID}
	r.mu.Lock()
	st, ok := r.cache[key]
	r.mu.Unlock()
	if ok && st.version == e.Version-1 {
		return st, nil
	}
	if e.Version == 1 {
		st = &replayState{keyframeAt: e.OccurredAt, snapshots: map[string]string{}}
	} else {
		var err error
		if st, err = loadReplayState(ctx, tx, keyframes, e.StreamID, e.Version); err != nil {
			return nil, err
		}
	}
	r.mu.Lock()
	if len(r.cache) >= replayCacheLimit {
		clear(r.cache) // finished interviews pile up; the live ones reload from a keyframe once
	}
	r.cache[key] = st
	r.mu.Unlock()
	return st, nil
}

// loadReplayState rebuilds an interview's state before version from its last keyframe and the
// events after it.
func loadReplayState(ctx context.Context, q Querier, keyframes string, interview uuid.UUID, before int64) (*replayState, error) {
	st := &replayState{snapshots: map[string]string{}}
	var files []byte
	err := q.QueryRow(ctx, `SELECT version, occurred_at, files FROM `+keyframes+`
		WHERE interview_id = $1 AND version < $2 ORDER BY version DESC LIMIT 1`, interview, before).
		Scan(&st.version, &st.keyframeAt, &files)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		st.version = 0
	case err != nil:
		return nil, err
	default:
		if err := json.Unmarshal(files, &st.files); err != nil {
			return nil, fmt.Errorf("keyframe of %s at v%d: %w", interview, st.version, err)
		}
	}
	fromKeyframe := st.version > 0
	err = foldStream(ctx, q, interview, st.version, before, func(e domain.RecordedEvent, data domain.Event) {
		if !fromKeyframe && e.Version == 1 {
			st.keyframeAt = e.OccurredAt
		}
		if data != nil {
			_ = st.files.Apply(data)
			st.sinceKeyframe++
		}
		st.version = e.Version
	})
	return st, err
}

// foldStream calls fold for each event of interview with afterVersion < version < beforeVersion,
// in order, with its decoded payload when it changes files (nil otherwise).
func foldStream(ctx context.Context, q Querier, interview uuid.UUID, afterVersion, beforeVersion int64,
	fold func(e domain.RecordedEvent, data domain.Event)) error {
	rows, err := q.Query(ctx, `SELECT version, position, type, schema_version, payload, occurred_at FROM events
		WHERE stream_id = $1 AND version > $2 AND version < $3 ORDER BY version`, interview, afterVersion, beforeVersion)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			e  domain.RecordedEvent
			sv int16
		)
		if err := rows.Scan(&e.Version, &e.Position, &e.Type, &sv, &e.Data, &e.OccurredAt); err != nil {
			return err
		}
		e.StreamID, e.SchemaVersion = interview, int(sv)
		var data domain.Event
		if domain.ChangesFiles(e.Type) {
			if data, err = domain.DecodeRecorded(e); err != nil {
				return fmt.Errorf("event v%d of %s: %w", e.Version, interview, err)
			}
		}
		fold(e, data)
	}
	return rows.Err()
}

// previousSnapshot is the content of the last snapshot of a file before e.
func (r *Replay) previousSnapshot(ctx context.Context, tx pgx.Tx, st *replayState, e domain.RecordedEvent, fileID string) (string, error) {
	if content, ok := st.snapshots[fileID]; ok {
		return content, nil
	}
	var (
		prev domain.RecordedEvent
		sv   int16
	)
	err := tx.QueryRow(ctx, `SELECT type, schema_version, payload FROM events
		WHERE stream_id = $1 AND type = $2 AND version < $3 AND payload->>'fileId' = $4
		ORDER BY version DESC LIMIT 1`, e.StreamID, domain.TypeCodeSnapshot, e.Version, fileID).Scan(&prev.Type, &sv, &prev.Data)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	prev.SchemaVersion = int(sv)
	data, err := domain.DecodeRecorded(prev)
	if err != nil {
		return "", err
	}
	snap, _ := data.(*domain.CodeSnapshot)
	if snap == nil {
		return "", nil
	}
	return snap.Content, nil
}

// FileState is the files of an interview at one moment of its log.
type FileState struct {
	// Position is the log position of the last event included (0 before the first).
	Position int64 `json:"position"`
	// Version is that event's version in the interview's stream.
	Version int64        `json:"version"`
	Files   domain.Files `json:"-"`
	// Submitted is whether the interview had been submitted by then.
	Submitted bool `json:"-"`
}

// StateAt returns the files of an interview after its last event at or before position
// (every event when position is 0 or beyond the end). It starts from the nearest keyframe
// before, so it reads at most the events since one keyframe — and it is exact even when the
// replay projection lags, because what the keyframes do not cover is read from the log.
func StateAt(ctx context.Context, q Querier, interview uuid.UUID, position int64) (FileState, error) {
	if position <= 0 {
		position = 1<<63 - 1
	}
	st := FileState{}
	var (
		files []byte
		kind  string
	)
	err := q.QueryRow(ctx, `SELECT version, position, files, kind FROM replay_keyframes
		WHERE interview_id = $1 AND position <= $2 ORDER BY position DESC LIMIT 1`, interview, position).
		Scan(&st.Version, &st.Position, &files, &kind)
	st.Submitted = kind == KeyframeSubmission
	switch {
	case errors.Is(err, pgx.ErrNoRows):
	case err != nil:
		return st, err
	default:
		if err := json.Unmarshal(files, &st.Files); err != nil {
			return st, err
		}
	}
	// The next keyframe bounds the scan, so that it reads only the events between the two.
	var next *int64
	if err := q.QueryRow(ctx, `SELECT min(version) FROM replay_keyframes WHERE interview_id = $1 AND position > $2`,
		interview, position).Scan(&next); err != nil {
		return st, err
	}
	until := int64(1<<63 - 1)
	if next != nil {
		until = *next
	}
	rows, err := q.Query(ctx, `SELECT version, position, type, schema_version, payload FROM events
		WHERE stream_id = $1 AND version > $2 AND version < $3 AND position <= $4 ORDER BY version`,
		interview, st.Version, until, position)
	if err != nil {
		return st, err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			e  domain.RecordedEvent
			sv int16
		)
		if err := rows.Scan(&e.Version, &e.Position, &e.Type, &sv, &e.Data); err != nil {
			return st, err
		}
		e.SchemaVersion = int(sv)
		st.Version, st.Position = e.Version, e.Position
		if e.Type == domain.TypeInterviewSubmitted {
			st.Submitted = true
		}
		if !domain.ChangesFiles(e.Type) {
			continue
		}
		data, err := domain.DecodeRecorded(e)
		if err != nil {
			return st, err
		}
		_ = st.Files.Apply(data) // as in Apply: an edit that does not fit changes nothing
	}
	return st, rows.Err()
}

// PositionAt returns the position of the interview's last event that happened at or before t,
// in log order: the moment a time stands for. 0 means before the first event.
func PositionAt(ctx context.Context, q Querier, interview uuid.UUID, t time.Time) (int64, error) {
	var position *int64
	err := q.QueryRow(ctx, `SELECT max(position) FROM events WHERE stream_id = $1 AND occurred_at <= $2`, interview, t).Scan(&position)
	if err != nil || position == nil {
		return 0, err
	}
	return *position, nil
}

// Checkpoint is a keyframe as the replay viewer lists it.
type Checkpoint struct {
	ID         string    `json:"id"`
	Position   int64     `json:"position"`
	Version    int64     `json:"version"`
	OccurredAt time.Time `json:"timestamp"`
	Kind       string    `json:"kind"`
}

// Checkpoints lists an interview's keyframes in order.
func Checkpoints(ctx context.Context, q Querier, interview uuid.UUID) ([]Checkpoint, error) {
	rows, err := q.Query(ctx, `SELECT version, position, occurred_at, kind FROM replay_keyframes
		WHERE interview_id = $1 ORDER BY version`, interview)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (Checkpoint, error) {
		var c Checkpoint
		err := row.Scan(&c.Version, &c.Position, &c.OccurredAt, &c.Kind)
		c.ID = fmt.Sprintf("cp-%d", c.Version)
		return c, err
	})
}

// CheckpointPosition resolves a checkpoint id from Checkpoints to its position.
func CheckpointPosition(ctx context.Context, q Querier, interview uuid.UUID, id string) (int64, error) {
	var version int64
	if _, err := fmt.Sscanf(id, "cp-%d", &version); err != nil {
		return 0, ErrNotFound
	}
	var position int64
	err := q.QueryRow(ctx, `SELECT position FROM replay_keyframes WHERE interview_id = $1 AND version = $2`, interview, version).Scan(&position)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, ErrNotFound
	}
	return position, err
}

// Snapshot is a code snapshot with how it changed the file.
type Snapshot struct {
	Position     int64     `json:"position"`
	Version      int64     `json:"version"`
	OccurredAt   time.Time `json:"timestamp"`
	FileID       string    `json:"fileId"`
	FileName     string    `json:"fileName"`
	SHA256       string    `json:"sha256"`
	Bytes        int       `json:"bytes"`
	LinesAdded   int       `json:"linesAdded"`
	LinesDeleted int       `json:"linesDeleted"`
	Diff         string    `json:"diff"`
}

// Snapshots lists an interview's code snapshots in order.
func Snapshots(ctx context.Context, q Querier, interview uuid.UUID) ([]Snapshot, error) {
	rows, err := q.Query(ctx, `SELECT position, version, occurred_at, file_id, file_name, sha256, bytes, lines_added,
		lines_deleted, diff FROM code_snapshots WHERE interview_id = $1 ORDER BY version`, interview)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (Snapshot, error) {
		var s Snapshot
		err := row.Scan(&s.Position, &s.Version, &s.OccurredAt, &s.FileID, &s.FileName, &s.SHA256, &s.Bytes,
			&s.LinesAdded, &s.LinesDeleted, &s.Diff)
		return s, err
	})
}

// FilesReader reads interviews' current files for the write side (commands.FilesLoader).
type FilesReader struct{ DB Querier }

// LatestFiles returns an interview's files after its last event, that event's version, and
// whether the interview has been submitted.
func (r FilesReader) LatestFiles(ctx context.Context, interview uuid.UUID) (int64, domain.Files, bool, error) {
	st, err := StateAt(ctx, r.DB, interview, 0)
	if err != nil || st.Submitted {
		return st.Version, st.Files, st.Submitted, err
	}
	// A keyframe of another kind could stand after the submission's: look for that one too.
	err = r.DB.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM replay_keyframes WHERE interview_id = $1 AND kind = $2)`,
		interview, KeyframeSubmission).Scan(&st.Submitted)
	return st.Version, st.Files, st.Submitted, err
}
