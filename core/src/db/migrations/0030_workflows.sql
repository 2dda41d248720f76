-- 0030_workflows: Lua workflows, their runs (with the log lines the
-- script wrote) and the small per-user key/value state scripts keep.

CREATE TABLE workflows (
    id            bigserial PRIMARY KEY,
    user_id       bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name          text NOT NULL,
    source        text NOT NULL,
    enabled       boolean NOT NULL DEFAULT true,
    -- the validated `schedule` table (plus next_run_function), as stored
    -- by the API after compiling the script
    schedule      jsonb NOT NULL DEFAULT '{}',
    -- the queue job holding the next scheduled run; a job that finds
    -- another id here is stale and does nothing
    next_job_id   bigint,
    next_run_at   timestamptz,
    last_run_at   timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT workflows_name_len CHECK (length(name) BETWEEN 1 AND 100),
    CONSTRAINT workflows_source_len CHECK (length(source) BETWEEN 1 AND 1048576)
);
CREATE UNIQUE INDEX workflows_user_name_uniq ON workflows (user_id, lower(name));
CREATE INDEX workflows_user_idx ON workflows (user_id, id);

CREATE TABLE workflow_runs (
    id            bigserial PRIMARY KEY,
    workflow_id   bigint NOT NULL REFERENCES workflows (id) ON DELETE CASCADE,
    user_id       bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    trigger       text NOT NULL,
    dry_run       boolean NOT NULL DEFAULT false,
    status        text NOT NULL DEFAULT 'queued',
    queue_job_id  bigint,
    searched      integer NOT NULL DEFAULT 0,
    skipped       integer NOT NULL DEFAULT 0,
    scored        integer NOT NULL DEFAULT 0,
    applied       integer NOT NULL DEFAULT 0,
    instructions  bigint NOT NULL DEFAULT 0,
    memory_peak   bigint NOT NULL DEFAULT 0,
    host_calls    integer NOT NULL DEFAULT 0,
    error         text,
    error_line    integer,
    traceback     text,
    limit_hit     text,
    log           jsonb NOT NULL DEFAULT '[]',
    created_at    timestamptz NOT NULL DEFAULT now(),
    started_at    timestamptz,
    finished_at   timestamptz,
    duration_ms   bigint,
    CONSTRAINT workflow_runs_trigger CHECK (trigger IN ('manual', 'schedule')),
    CONSTRAINT workflow_runs_status CHECK
        (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled'))
);
CREATE INDEX workflow_runs_workflow_idx ON workflow_runs (workflow_id, id DESC);
-- the script's own max_per_day counts applications of today's runs
CREATE INDEX workflow_runs_user_created_idx ON workflow_runs (user_id, created_at);

CREATE TABLE workflow_state (
    user_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    key        text NOT NULL,
    value      jsonb NOT NULL,
    -- bytes counted against lua.state_max: key plus value text
    size       integer NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, key),
    CONSTRAINT workflow_state_key_len CHECK (length(key) BETWEEN 1 AND 128)
);
