-- 0001_accounts: users, refresh tokens, login throttling.

CREATE TABLE users (
    id                   bigserial PRIMARY KEY,
    -- stored normalized (lower-case) so the unique constraint is the
    -- whole duplicate check: no check-then-insert race
    email                text NOT NULL,
    username             text,
    password_hash        text NOT NULL,
    first_name           text,
    last_name            text,
    is_admin             boolean NOT NULL DEFAULT false,
    is_active            boolean NOT NULL DEFAULT true,
    review_before_submit boolean NOT NULL DEFAULT false,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT users_email_uniq UNIQUE (email),
    CONSTRAINT users_email_lower CHECK (email = lower(email)),
    CONSTRAINT users_email_len CHECK (length(email) BETWEEN 3 AND 254),
    CONSTRAINT users_username_chars
        CHECK (username ~ '^[A-Za-z0-9_.-]{3,32}$')
);

-- "Alice" and "alice" are the same name to the people reading it.
CREATE UNIQUE INDEX users_username_uniq ON users (lower(username));

-- Refresh tokens are opaque random strings handed out once; only their
-- SHA-256 is kept.  Every exchange marks the presented token rotated and
-- issues a successor in the same family, so presenting a rotated token
-- again reveals a copy and revokes the family.
CREATE TABLE refresh_tokens (
    id          bigserial PRIMARY KEY,
    user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    family_id   uuid NOT NULL,
    token_hash  bytea NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    rotated_at  timestamptz,
    revoked_at  timestamptz,
    user_agent  text,
    ip          text,
    CONSTRAINT refresh_tokens_hash_uniq UNIQUE (token_hash),
    CONSTRAINT refresh_tokens_hash_len CHECK (length(token_hash) = 32)
);

CREATE INDEX refresh_tokens_user_idx ON refresh_tokens (user_id);
CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family_id);

-- Failed logins per (email, ip) inside the throttling window.
CREATE TABLE login_attempts (
    email        text NOT NULL,
    ip           text NOT NULL,
    attempted_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX login_attempts_lookup_idx
    ON login_attempts (email, ip, attempted_at);

-- Lets the periodic prune of expired attempts skip a full scan.
CREATE INDEX login_attempts_time_idx ON login_attempts (attempted_at);
