-- +goose Up

-- Work that follows from the log and reaches outside the database: recording an evaluation,
-- archiving a session. Projections enqueue jobs in the transaction that advances their
-- checkpoint, so a job is enqueued exactly once however often a projection is rebuilt: the
-- table is not a projection's, and (kind, key) makes a second enqueue a no-op.
CREATE TABLE jobs (
    id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind        text        NOT NULL,
    key         text        NOT NULL,
    payload     jsonb       NOT NULL DEFAULT '{}',
    status      text        NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'failed')),
    attempts    integer     NOT NULL DEFAULT 0,
    run_at      timestamptz NOT NULL DEFAULT now(),
    last_error  text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    done_at     timestamptz,
    CONSTRAINT jobs_kind_key_key UNIQUE (kind, key)
);
CREATE INDEX jobs_due_idx ON jobs (run_at) WHERE status = 'pending';

-- How an assessment's interviews are scored (domain.ScoringConfig); NULL is the default.
ALTER TABLE assessments ADD COLUMN scoring jsonb;

-- The worker that submits interviews whose time is up looks for them here.
CREATE INDEX interviews_open_deadline_idx ON interviews (deadline) WHERE submitted_at IS NULL;

-- +goose Down
DROP INDEX interviews_open_deadline_idx;
ALTER TABLE assessments DROP COLUMN scoring;
DROP TABLE jobs;
