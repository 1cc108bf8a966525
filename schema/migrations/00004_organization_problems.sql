-- +goose Up

-- Problems an organization wrote for its own assessments, validated and verified in the
-- sandbox like the bank's before they are stored.
CREATE TABLE organization_problems (
    id              text        PRIMARY KEY,
    organization_id uuid        NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    problem         jsonb       NOT NULL,
    created_by      uuid        NOT NULL REFERENCES users (id),
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX organization_problems_organization_idx ON organization_problems (organization_id, created_at);

-- +goose Down
DROP TABLE organization_problems;
