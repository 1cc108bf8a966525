-- +goose Up

-- Hiring teams. Identity and organization data are ordinary tables; what happens inside an
-- interview is events.
CREATE TABLE organizations (
    id         uuid        PRIMARY KEY,
    name       text        NOT NULL,
    slug       text        NOT NULL UNIQUE,
    plan       text        NOT NULL CHECK (plan IN ('FREE', 'STARTUP', 'GROWTH', 'ENTERPRISE')),
    created_by uuid        NOT NULL REFERENCES users (id),
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE organization_members (
    organization_id uuid        NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    user_id         uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role            text        NOT NULL CHECK (role IN ('OWNER', 'ADMIN', 'MEMBER')),
    added_by        uuid        REFERENCES users (id),
    joined_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (organization_id, user_id)
);
CREATE INDEX organization_members_user_idx ON organization_members (user_id);

CREATE TABLE assessments (
    id                        uuid        PRIMARY KEY,
    organization_id           uuid        NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    title                     text        NOT NULL,
    description               text        NOT NULL,
    seniority                 text        NOT NULL,
    duration_minutes          integer     NOT NULL,
    language                  text        NOT NULL,
    question_count            integer     NOT NULL,
    enable_coding             boolean     NOT NULL,
    enable_terminal           boolean     NOT NULL,
    enable_ai                 boolean     NOT NULL,
    show_results_to_candidate boolean     NOT NULL,
    problem_ids               text[]      NOT NULL DEFAULT '{}',
    status                    text        NOT NULL CHECK (status IN ('DRAFT', 'PUBLISHED', 'ARCHIVED')),
    created_by                uuid        NOT NULL REFERENCES users (id),
    created_at                timestamptz NOT NULL DEFAULT now(),
    updated_at                timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX assessments_organization_idx ON assessments (organization_id, created_at DESC);

-- A candidate is invited to one assessment and takes at most one interview. The invite token is
-- stored only as a hash.
CREATE TABLE candidates (
    id                uuid        PRIMARY KEY,
    organization_id   uuid        NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    assessment_id     uuid        NOT NULL REFERENCES assessments (id) ON DELETE CASCADE,
    name              text        NOT NULL,
    email             text        NOT NULL,
    invite_hash       bytea       NOT NULL UNIQUE,
    invite_expires_at timestamptz NOT NULL,
    invite_revoked_at timestamptz,
    invited_by        uuid        NOT NULL REFERENCES users (id),
    invited_at        timestamptz NOT NULL DEFAULT now(),
    UNIQUE (assessment_id, email)
);

-- interviews is the write side's own index of the interview streams, written in the same
-- transaction as their interview_started event: who the interview belongs to and until when it
-- may be written, which every interview route checks before anything else.
CREATE TABLE interviews (
    id              uuid        PRIMARY KEY,
    candidate_id    uuid        NOT NULL UNIQUE REFERENCES candidates (id) ON DELETE CASCADE,
    organization_id uuid        NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    assessment_id   uuid        NOT NULL REFERENCES assessments (id) ON DELETE CASCADE,
    started_at      timestamptz NOT NULL,
    deadline        timestamptz NOT NULL,
    submitted_at    timestamptz
);
CREATE INDEX interviews_organization_idx ON interviews (organization_id);

-- Candidate credentials: each is valid for one interview only, stored as a hash.
CREATE TABLE candidate_tokens (
    token_hash   bytea       PRIMARY KEY,
    interview_id uuid        NOT NULL REFERENCES interviews (id) ON DELETE CASCADE,
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL
);
CREATE INDEX candidate_tokens_interview_idx ON candidate_tokens (interview_id);

-- +goose Down
DROP TABLE candidate_tokens;
DROP TABLE interviews;
DROP TABLE candidates;
DROP TABLE assessments;
DROP TABLE organization_members;
DROP TABLE organizations;
