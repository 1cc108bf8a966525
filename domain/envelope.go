package domain

import (
	"context"
	"encoding/json"
	"time"

	"github.com/google/uuid"
)

// ActorKind says who caused an event.
type ActorKind string

const (
	ActorCandidate ActorKind = "candidate"
	ActorUser      ActorKind = "user"
	ActorSystem    ActorKind = "system"
)

// Actor identifies the principal on whose behalf an event was written.
type Actor struct {
	Kind ActorKind `json:"kind"`
	ID   string    `json:"id,omitempty"`
}

// Metadata travels with every event. It says who did it, for which organization, and how the
// event relates to the request and the event that caused it.
type Metadata struct {
	Actor          Actor      `json:"actor"`
	OrganizationID string     `json:"organizationId,omitempty"`
	CorrelationID  string     `json:"correlationId,omitempty"`
	CausationID    string     `json:"causationId,omitempty"`
	ClientTime     *time.Time `json:"clientTime,omitempty"`
	// FileID and Checkpoint are what a client said about an event besides its data: the file it
	// concerns and whether it marks a moment worth seeking to.
	FileID     string `json:"fileId,omitempty"`
	Checkpoint bool   `json:"checkpoint,omitempty"`
}

// NewEvent is an event about to be appended to a stream. Data is the JSON payload in the
// shape of the catalogue's type at SchemaVersion.
type NewEvent struct {
	ID            uuid.UUID
	Type          string
	SchemaVersion int
	Data          json.RawMessage
	Metadata      Metadata
	// OccurredAt is when the event happened as far as the writer knows (the client's time for
	// client events). Zero means "when it is recorded".
	OccurredAt time.Time
}

// RecordedEvent is an event as it stands in the log.
type RecordedEvent struct {
	ID            uuid.UUID
	StreamID      uuid.UUID
	Version       int64
	Position      int64
	TxID          uint64
	Type          string
	SchemaVersion int
	Data          json.RawMessage
	Metadata      Metadata
	OccurredAt    time.Time
	RecordedAt    time.Time
}

// LogPosition is a place in the global log. The log is ordered by the id of the transaction
// that wrote an event, then by its position: a reader that only reads transactions older than
// every transaction still running can never skip an event that commits late.
type LogPosition struct {
	TxID     uint64 `json:"txId"`
	Position int64  `json:"position"`
}

// Start is the position before the first event of the log.
var Start = LogPosition{}

// After reports whether p is strictly later in the log than q.
func (p LogPosition) After(q LogPosition) bool {
	if p.TxID != q.TxID {
		return p.TxID > q.TxID
	}
	return p.Position > q.Position
}

// LogPosition returns where e stands in the global log.
func (e RecordedEvent) LogPosition() LogPosition {
	return LogPosition{TxID: e.TxID, Position: e.Position}
}

// AppendResult tells what appending a batch to a stream did.
type AppendResult struct {
	// Appended is the number of new events; Duplicates the number whose id was already stored
	// in the stream (a retried request) and were skipped.
	Appended   int
	Duplicates int
	// Version is the stream's version after the append.
	Version int64
	// FirstPosition and LastPosition bound the positions of the events appended; when every
	// event was a duplicate, of the events already stored.
	FirstPosition int64
	LastPosition  int64
	// TxID is the id of the transaction that wrote them: with LastPosition, the log position a
	// reader must reach to have seen this append.
	TxID uint64
}

// End is where the last appended event stands in the global log (Start when none was).
func (r AppendResult) End() LogPosition {
	if r.Appended == 0 {
		return Start
	}
	return LogPosition{TxID: r.TxID, Position: r.LastPosition}
}

// StreamTail reads the events of the stream being appended to with a version greater than
// afterVersion, inside the append's own transaction.
type StreamTail func(ctx context.Context, afterVersion int64) ([]RecordedEvent, error)
