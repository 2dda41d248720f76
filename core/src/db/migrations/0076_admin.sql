-- 0076_admin: what administrators change, and what the business metrics
-- read by month.

-- One row per change an administrator makes (admin/): who, what, to
-- whom, when, and the state before and after.  Rows outlive the users
-- they name (no foreign keys), so a deleted account's history stays.
CREATE TABLE admin_audit (
    id             bigserial PRIMARY KEY,
    at             timestamptz NOT NULL DEFAULT now(),
    admin_id       bigint NOT NULL,
    admin_email    text NOT NULL,
    action         text NOT NULL,
    target_user_id bigint,
    before         jsonb,
    after          jsonb,
    request_id     text
);

CREATE INDEX admin_audit_at_idx ON admin_audit (at DESC, id DESC);
CREATE INDEX admin_audit_target_idx ON admin_audit (target_user_id, at DESC);

-- Signups per month, and the users list newest first.
CREATE INDEX users_created_idx ON users (created_at DESC, id DESC);
