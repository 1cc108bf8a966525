-- +goose Up

-- One optional webhook per organization, called when a candidate's evaluation is ready. The
-- secret is kept in clear because every delivery is signed with it; it is never returned by
-- the API after it was first shown.
CREATE TABLE organization_webhooks (
    organization_id uuid        PRIMARY KEY REFERENCES organizations (id) ON DELETE CASCADE,
    url             text        NOT NULL CHECK (char_length(url) BETWEEN 1 AND 2048),
    secret          text        NOT NULL CHECK (secret <> ''),
    enabled         boolean     NOT NULL DEFAULT true,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);

-- The outbox of webhook calls. A row is written in the same transaction as the fact it
-- announces, and the unique dedupe key makes announcing the same fact twice a no-op. Workers
-- claim due rows by moving next_attempt_at forward (a lease), so no transaction stays open
-- across an HTTP call.
CREATE TABLE webhook_deliveries (
    id               uuid        PRIMARY KEY,
    organization_id  uuid        NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    event            text        NOT NULL,
    dedupe_key       text        NOT NULL,
    payload          jsonb       NOT NULL,
    status           text        NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts         integer     NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL,
    last_status_code integer,
    last_error       text,
    last_attempt_at  timestamptz,
    delivered_at     timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now(),
    UNIQUE (organization_id, dedupe_key)
);
-- Partial, so the workers' scan stays as small as the backlog however long the history grows.
CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_organization_idx ON webhook_deliveries (organization_id, created_at DESC, id DESC);

-- The delivery log: one row per HTTP attempt, shown to the organization to debug its receiver.
CREATE TABLE webhook_attempts (
    delivery_id uuid        NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    attempt     integer     NOT NULL,
    at          timestamptz NOT NULL,
    -- NULL when no response arrived (network error, timeout, refused address).
    status_code integer,
    error       text,
    duration_ms integer     NOT NULL,
    PRIMARY KEY (delivery_id, attempt)
);

-- +goose Down
DROP TABLE webhook_attempts;
DROP TABLE webhook_deliveries;
DROP TABLE organization_webhooks;
