-- +goose Up

-- users are the hiring team's accounts. email is stored normalised (trimmed, lower-cased) by
-- the application, so a plain unique constraint refuses duplicates in any letter case.
CREATE TABLE users (
    id             uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    name           text        NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
    email          text        NOT NULL CHECK (email <> '' AND email = btrim(email)),
    -- NULL for an account that signs in only through an OAuth provider.
    password_hash  text,
    email_verified boolean     NOT NULL DEFAULT false,
    created_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT users_email_key UNIQUE (email)
);

-- user_sessions holds the SHA-256 of each session token, never the token itself, so a copy of
-- the table grants nothing.
CREATE TABLE user_sessions (
    token_hash bytea       PRIMARY KEY CHECK (octet_length(token_hash) = 32),
    user_id    uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    revoked_at timestamptz,
    -- text, not inet: whatever the HTTP layer reports is kept, and is never a reason to fail.
    client_ip  text        NOT NULL DEFAULT '',
    user_agent text        NOT NULL DEFAULT ''
);
CREATE INDEX user_sessions_user_id_idx ON user_sessions (user_id);
CREATE INDEX user_sessions_expires_at_idx ON user_sessions (expires_at);

-- oauth_accounts links a provider's account to a user; one user may have several.
CREATE TABLE oauth_accounts (
    provider         text        NOT NULL,
    provider_user_id text        NOT NULL,
    user_id          uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    email            text        NOT NULL DEFAULT '',
    created_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (provider, provider_user_id)
);
CREATE INDEX oauth_accounts_user_id_idx ON oauth_accounts (user_id);

-- oauth_states are sign-ins in flight between the redirect to the provider and its callback.
-- A row is deleted by the callback that uses it, so a state works once.
CREATE TABLE oauth_states (
    state_hash    bytea       PRIMARY KEY CHECK (octet_length(state_hash) = 32),
    provider      text        NOT NULL,
    -- The PKCE verifier must be sent in plain to the token endpoint, so it is kept as is; it
    -- lives at most minutes and is useless without the authorization code.
    code_verifier text        NOT NULL,
    redirect_to   text        NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz NOT NULL
);
CREATE INDEX oauth_states_expires_at_idx ON oauth_states (expires_at);

-- rate_limits are fixed-window counters shared by every API server. expires_at (the window's
-- end) lets old windows be removed without knowing each key's window length.
CREATE TABLE rate_limits (
    key          text        NOT NULL,
    window_start timestamptz NOT NULL,
    hits         integer     NOT NULL,
    expires_at   timestamptz NOT NULL,
    PRIMARY KEY (key, window_start)
);
CREATE INDEX rate_limits_expires_at_idx ON rate_limits (expires_at);

-- +goose Down
DROP TABLE rate_limits;
DROP TABLE oauth_states;
DROP TABLE oauth_accounts;
DROP TABLE user_sessions;
DROP TABLE users;
