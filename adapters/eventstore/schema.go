package eventstore

import (
	stdsql "database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	wsql "github.com/ThreeDotsLabs/watermill-sql/v4/pkg/sql"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/google/uuid"

	"github.com/interviewlm/interviewlm/domain"
)

// Topic is the watermill topic of the event log. Its table is the events table itself.
const Topic = "events"

// Watermill metadata keys that carry the envelope's columns. Publishing sets them on each
// message; subscribing fills them from the row.
const (
	KeyStreamID      = "stream_id"
	KeyVersion       = "version"
	KeyType          = "event_type"
	KeySchemaVersion = "schema_version"
	KeyMetadata      = "metadata"
	KeyOccurredAt    = "occurred_at"
	KeyRecordedAt    = "recorded_at"
	KeyPosition      = "position"
	KeyTxID          = "transaction_id"
)

// Schema is the watermill-sql schema adapter that makes the events table the topic table:
// publishing a message inserts an event row with its stream columns, and subscribers read rows
// with the same transaction-id visibility rule as watermill's default PostgreSQL schema.
// The table itself is created by the migrations in schema/, never by watermill.
type Schema struct {
	// SubscribeBatchSize is how many rows a watermill subscriber reads per query (default 100).
	SubscribeBatchSize int
}

var _ wsql.SchemaAdapter = Schema{}

// insertEvents inserts a whole batch with one fixed statement whatever its size: the arrays
// travel in pgx's binary format and the plan is prepared once per connection.
const insertEvents = `
INSERT INTO events (id, stream_id, version, type, schema_version, payload, metadata, occurred_at)
SELECT id, stream_id, version, type, schema_version, payload, metadata, coalesce(occurred_at, now())
FROM unnest($1::uuid[], $2::uuid[], $3::int8[], $4::text[], $5::int2[], $6::jsonb[], $7::jsonb[], $8::timestamptz[])
    AS t(id, stream_id, version, type, schema_version, payload, metadata, occurred_at)
RETURNING position, transaction_id::text`

// InsertQuery turns messages built by toMessages back into one INSERT.
func (Schema) InsertQuery(params wsql.InsertQueryParams) (wsql.Query, error) {
	if params.Topic != Topic {
		return wsql.Query{}, fmt.Errorf("eventstore: unknown topic %q", params.Topic)
	}
	n := len(params.Msgs)
	var (
		ids, streams   = make([]uuid.UUID, n), make([]uuid.UUID, n)
		versions       = make([]int64, n)
		types          = make([]string, n)
		schemaVersions = make([]int16, n)
		payloads       = make([]json.RawMessage, n)
		metadata       = make([]json.RawMessage, n)
		occurred       = make([]*time.Time, n)
	)
	for i, msg := range params.Msgs {
		var err error
		if ids[i], err = uuid.Parse(msg.UUID); err != nil {
			return wsql.Query{}, fmt.Errorf("event id %q: %w", msg.UUID, err)
		}
		if streams[i], err = uuid.Parse(msg.Metadata.Get(KeyStreamID)); err != nil {
			return wsql.Query{}, fmt.Errorf("event %s: stream id: %w", msg.UUID, err)
		}
		if versions[i], err = strconv.ParseInt(msg.Metadata.Get(KeyVersion), 10, 64); err != nil {
			return wsql.Query{}, fmt.Errorf("event %s: version: %w", msg.UUID, err)
		}
		sv, err := strconv.ParseInt(msg.Metadata.Get(KeySchemaVersion), 10, 16)
		if err != nil {
			return wsql.Query{}, fmt.Errorf("event %s: schema version: %w", msg.UUID, err)
		}
		schemaVersions[i] = int16(sv)
		types[i] = msg.Metadata.Get(KeyType)
		payloads[i] = json.RawMessage(msg.Payload)
		metadata[i] = json.RawMessage(msg.Metadata.Get(KeyMetadata))
		if at := msg.Metadata.Get(KeyOccurredAt); at != "" {
			t, err := time.Parse(time.RFC3339Nano, at)
			if err != nil {
				return wsql.Query{}, fmt.Errorf("event %s: occurred at: %w", msg.UUID, err)
			}
			occurred[i] = &t
		}
	}
	return wsql.Query{
		Query: insertEvents,
		Args:  []any{ids, streams, versions, types, schemaVersions, payloads, metadata, occurred},
	}, nil
}

// SelectQuery reads the next rows for a watermill consumer group, in (transaction id, position)
// order, only from transactions older than every one still running.
func (s Schema) SelectQuery(params wsql.SelectQueryParams) (wsql.Query, error) {
	next, err := params.OffsetsAdapter.NextOffsetQuery(wsql.NextOffsetQueryParams{
		Topic:         params.Topic,
		ConsumerGroup: params.ConsumerGroup,
	})
	if err != nil {
		return wsql.Query{}, err
	}
	batch := s.SubscribeBatchSize
	if batch <= 0 {
		batch = 100
	}
	query := `
	SELECT * FROM (
		WITH last_processed AS (` + next.Query + `)
		SELECT position, transaction_id, id, payload, ` + watermillMetadata + `
		FROM events
		WHERE (transaction_id, position) > (
				(SELECT last_processed_transaction_id FROM last_processed),
				(SELECT offset_acked FROM last_processed))
			AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())
	) AS messages
	ORDER BY transaction_id, position
	LIMIT ` + strconv.Itoa(batch)
	return wsql.Query{Query: query, Args: next.Args}, nil
}

// watermillMetadata renders a row's envelope columns as the JSON object of watermill metadata.
const watermillMetadata = `json_build_object(
	'stream_id', stream_id::text,
	'version', version::text,
	'event_type', type,
	'schema_version', schema_version::text,
	'metadata', metadata::text,
	'occurred_at', to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
	'recorded_at', to_char(recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
	'position', position::text,
	'transaction_id', transaction_id::text)`

// UnmarshalMessage turns a row of SelectQuery into a watermill message.
func (Schema) UnmarshalMessage(params wsql.UnmarshalMessageParams) (wsql.Row, error) {
	var (
		r    wsql.Row
		txID wsql.XID8
		id   uuid.UUID
	)
	if err := params.Row.Scan(&r.Offset, &txID, &id, &r.Payload, &r.Metadata); err != nil {
		return wsql.Row{}, fmt.Errorf("scan event row: %w", err)
	}
	r.UUID = []byte(id.String())
	msg := message.NewMessage(id.String(), r.Payload)
	if err := json.Unmarshal(r.Metadata, &msg.Metadata); err != nil {
		return wsql.Row{}, fmt.Errorf("event %s: metadata: %w", id, err)
	}
	r.Msg = msg
	r.ExtraData = map[string]any{"transaction_id": txID}
	return r, nil
}

// SchemaInitializingQueries returns nothing: the migrations own the schema.
func (Schema) SchemaInitializingQueries(wsql.SchemaInitializingQueriesParams) ([]wsql.Query, error) {
	return nil, nil
}

// SubscribeIsolationLevel is repeatable read, as for watermill's own PostgreSQL schema.
func (Schema) SubscribeIsolationLevel() stdsql.IsolationLevel { return stdsql.LevelRepeatableRead }

// OffsetsAdapter stores watermill consumer-group offsets in watermill_offsets_events.
func OffsetsAdapter() wsql.OffsetsAdapter {
	return wsql.DefaultPostgreSQLOffsetsAdapter{
		GenerateMessagesOffsetsTableName: func(string) string { return "watermill_offsets_events" },
	}
}

// toMessages turns events about to be appended into watermill messages.
func toMessages(stream uuid.UUID, firstVersion int64, events []domain.NewEvent) (message.Messages, error) {
	msgs := make(message.Messages, len(events))
	for i, e := range events {
		md, err := json.Marshal(e.Metadata)
		if err != nil {
			return nil, fmt.Errorf("event %s: metadata: %w", e.ID, err)
		}
		msg := message.NewMessage(e.ID.String(), message.Payload(e.Data))
		msg.Metadata = message.Metadata{
			KeyStreamID:      stream.String(),
			KeyVersion:       strconv.FormatInt(firstVersion+int64(i), 10),
			KeyType:          e.Type,
			KeySchemaVersion: strconv.Itoa(e.SchemaVersion),
			KeyMetadata:      string(md),
		}
		if !e.OccurredAt.IsZero() {
			msg.Metadata[KeyOccurredAt] = e.OccurredAt.UTC().Format(time.RFC3339Nano)
		}
		msgs[i] = msg
	}
	return msgs, nil
}

// FromMessage turns a message delivered by a watermill subscriber of Topic back into the
// recorded event, upcast to the current schema of its type.
func (s *Store) FromMessage(msg *message.Message) (domain.RecordedEvent, error) {
	var (
		e   domain.RecordedEvent
		err error
	)
	md := msg.Metadata
	if e.ID, err = uuid.Parse(msg.UUID); err != nil {
		return e, err
	}
	if e.StreamID, err = uuid.Parse(md.Get(KeyStreamID)); err != nil {
		return e, fmt.Errorf("stream id: %w", err)
	}
	ints := []struct {
		key string
		dst *int64
	}{{KeyVersion, &e.Version}, {KeyPosition, &e.Position}}
	for _, f := range ints {
		if *f.dst, err = strconv.ParseInt(md.Get(f.key), 10, 64); err != nil {
			return e, fmt.Errorf("%s: %w", f.key, err)
		}
	}
	if e.TxID, err = strconv.ParseUint(md.Get(KeyTxID), 10, 64); err != nil {
		return e, fmt.Errorf("transaction id: %w", err)
	}
	if e.SchemaVersion, err = strconv.Atoi(md.Get(KeySchemaVersion)); err != nil {
		return e, fmt.Errorf("schema version: %w", err)
	}
	if e.OccurredAt, err = time.Parse(time.RFC3339Nano, md.Get(KeyOccurredAt)); err != nil {
		return e, fmt.Errorf("occurred at: %w", err)
	}
	if e.RecordedAt, err = time.Parse(time.RFC3339Nano, md.Get(KeyRecordedAt)); err != nil {
		return e, fmt.Errorf("recorded at: %w", err)
	}
	if err = json.Unmarshal([]byte(md.Get(KeyMetadata)), &e.Metadata); err != nil {
		return e, fmt.Errorf("metadata: %w", err)
	}
	e.Type = md.Get(KeyType)
	e.Data = json.RawMessage(msg.Payload)
	if e.Type == "" {
		return e, errors.New("message has no event type")
	}
	return e, s.upcast(&e)
}
