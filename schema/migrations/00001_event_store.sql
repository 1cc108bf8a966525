-- +goose Up

-- events is the log: every candidate and server action, append-only. It is also the topic table
-- watermill-sql publishes to and subscribes from (adapters/eventstore.Schema), so an event is
-- written once and published in the same commit.
CREATE TABLE events (
    position       bigint GENERATED ALWAYS AS IDENTITY,
    -- The writing transaction's id. Readers only read transactions older than the oldest one
    -- still running (pg_snapshot_xmin), so an event that commits late is never skipped.
    transaction_id xid8        NOT NULL DEFAULT pg_current_xact_id(),
    id             uuid        NOT NULL,
    stream_id      uuid        NOT NULL,
    version        bigint      NOT NULL CHECK (version > 0),
    type           text        NOT NULL,
    schema_version smallint    NOT NULL CHECK (schema_version > 0),
    payload        jsonb       NOT NULL,
    metadata       jsonb       NOT NULL,
    occurred_at    timestamptz NOT NULL,
    recorded_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (transaction_id, position),
    CONSTRAINT events_id_key UNIQUE (id),
    CONSTRAINT events_stream_version_key UNIQUE (stream_id, version)
);

-- Corrections are new events: the database refuses to change or remove one.
-- +goose StatementBegin
CREATE FUNCTION events_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'events are immutable: % on events refused', TG_OP
        USING ERRCODE = 'restrict_violation',
              HINT = 'append a correcting event instead';
END;
$$;
-- +goose StatementEnd

CREATE TRIGGER events_immutable_rows BEFORE UPDATE OR DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION events_refuse_change();
CREATE TRIGGER events_immutable_truncate BEFORE TRUNCATE ON events
    FOR EACH STATEMENT EXECUTE FUNCTION events_refuse_change();

-- Wake projection workers on commit instead of having them poll. Once per statement: a batch
-- of a thousand events is one notification, and Postgres folds repeats within a transaction.
-- +goose StatementBegin
CREATE FUNCTION events_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('events_appended', '');
    RETURN NULL;
END;
$$;
-- +goose StatementEnd

CREATE TRIGGER events_appended AFTER INSERT ON events
    FOR EACH STATEMENT EXECUTE FUNCTION events_notify();

-- Offsets of watermill-sql consumer groups subscribed to the events topic (integrations).
CREATE TABLE watermill_offsets_events (
    consumer_group                varchar(255) NOT NULL PRIMARY KEY,
    offset_acked                  bigint,
    last_processed_transaction_id xid8 NOT NULL
);

-- One row per projection (and per projection being rebuilt): where in the log it stands.
-- It is advanced in the same transaction as the projection's read-model writes.
CREATE TABLE projection_checkpoints (
    name           text        PRIMARY KEY,
    version        integer     NOT NULL,
    transaction_id xid8        NOT NULL DEFAULT '0',
    position       bigint      NOT NULL DEFAULT 0,
    events_applied bigint      NOT NULL DEFAULT 0,
    updated_at     timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE projection_checkpoints;
DROP TABLE watermill_offsets_events;
DROP TABLE events;
DROP FUNCTION events_notify();
DROP FUNCTION events_refuse_change();
