-- 0020_queue: the durable job queue, paused queues, and schedules.

-- One row per job.  A job is `queued` (waiting, possibly until run_at for
-- a retry), `running` (claimed by `worker`, alive while heartbeat_at is
-- fresh), or finished: `done`, `dead` (out of attempts or a permanent
-- error, kept for inspection) or `cancelled`.
CREATE TABLE queue_jobs (
    id               bigserial PRIMARY KEY,
    queue            text NOT NULL,
    kind             text NOT NULL,
    user_id          bigint REFERENCES users (id) ON DELETE CASCADE,
    payload          jsonb NOT NULL DEFAULT '{}',
    priority         integer NOT NULL DEFAULT 0,
    state            text NOT NULL DEFAULT 'queued',
    attempts         integer NOT NULL DEFAULT 0,
    max_attempts     integer NOT NULL DEFAULT 5,
    timeout_ms       bigint NOT NULL DEFAULT 0,
    unique_key       text,
    run_at           timestamptz NOT NULL,
    created_at       timestamptz NOT NULL,
    started_at       timestamptz,
    finished_at      timestamptz,
    heartbeat_at     timestamptz,
    worker           text,
    cancel_requested boolean NOT NULL DEFAULT false,
    progress         smallint NOT NULL DEFAULT 0,
    progress_message text,
    result           jsonb,
    last_error       text,
    CONSTRAINT queue_jobs_state CHECK
        (state IN ('queued', 'running', 'done', 'dead', 'cancelled')),
    CONSTRAINT queue_jobs_queue_name CHECK (queue ~ '^[a-z0-9_-]{1,64}$'),
    CONSTRAINT queue_jobs_kind_name CHECK (kind ~ '^[a-z0-9_.]{1,64}$'),
    CONSTRAINT queue_jobs_payload_object
        CHECK (jsonb_typeof(payload) = 'object'),
    CONSTRAINT queue_jobs_attempts CHECK
        (attempts >= 0 AND max_attempts BETWEEN 1 AND 1000),
    CONSTRAINT queue_jobs_progress CHECK (progress BETWEEN 0 AND 100),
    CONSTRAINT queue_jobs_unique_key_len CHECK (length(unique_key) <= 256),
    CONSTRAINT queue_jobs_running_owner CHECK
        (state <> 'running'
         OR (worker IS NOT NULL AND heartbeat_at IS NOT NULL))
);

-- The claim scan: waiting jobs in the order they are taken.
CREATE INDEX queue_jobs_ready_idx
    ON queue_jobs (priority DESC, run_at, id) WHERE state = 'queued';

-- An enqueue whose key is already queued or running returns that job;
-- the index is the whole check, so concurrent enqueues cannot both win.
CREATE UNIQUE INDEX queue_jobs_unique_idx
    ON queue_jobs (unique_key)
    WHERE unique_key IS NOT NULL AND state IN ('queued', 'running');

-- Running jobs are few: heartbeats, rescue and the concurrency counts
-- read only this small index.
CREATE INDEX queue_jobs_running_idx
    ON queue_jobs (heartbeat_at) WHERE state = 'running';

-- A user's tasks, newest first.
CREATE INDEX queue_jobs_user_idx
    ON queue_jobs (user_id, id DESC) WHERE user_id IS NOT NULL;

-- Pruning finished jobs by age.
CREATE INDEX queue_jobs_finished_idx
    ON queue_jobs (finished_at)
    WHERE state IN ('done', 'dead', 'cancelled');

-- Queues an admin paused: workers take nothing from them until resumed.
CREATE TABLE queue_paused (
    queue      text PRIMARY KEY,
    paused_at  timestamptz NOT NULL DEFAULT now(),
    paused_by  bigint REFERENCES users (id) ON DELETE SET NULL,
    CONSTRAINT queue_paused_name CHECK (queue ~ '^[a-z0-9_-]{1,64}$')
);

-- Schedules: built-in ones (user_id NULL, from the config) and users'
-- own (written by the workflow module).  next_run_at is the next due time
-- not yet fired; the scheduler claims a due time by moving it forward
-- with a compare-and-set, so a due time fires once across all nodes.
CREATE TABLE schedules (
    id          bigserial PRIMARY KEY,
    user_id     bigint REFERENCES users (id) ON DELETE CASCADE,
    name        text NOT NULL,
    cron        text NOT NULL,
    tz          text NOT NULL DEFAULT 'UTC',
    jitter_s    integer NOT NULL DEFAULT 0,
    kind        text NOT NULL,
    payload     jsonb NOT NULL DEFAULT '{}',
    enabled     boolean NOT NULL DEFAULT true,
    next_run_at timestamptz,
    last_run_at timestamptz,
    last_job_id bigint,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT schedules_name_len CHECK (length(name) BETWEEN 1 AND 128),
    CONSTRAINT schedules_cron_len CHECK (length(cron) BETWEEN 1 AND 256),
    CONSTRAINT schedules_tz_len CHECK (length(tz) BETWEEN 1 AND 64),
    CONSTRAINT schedules_jitter CHECK (jitter_s BETWEEN 0 AND 86400),
    CONSTRAINT schedules_kind_name CHECK (kind ~ '^[a-z0-9_.]{1,64}$'),
    CONSTRAINT schedules_payload_object
        CHECK (jsonb_typeof(payload) = 'object')
);

CREATE UNIQUE INDEX schedules_user_name_idx
    ON schedules (user_id, name) WHERE user_id IS NOT NULL;
CREATE UNIQUE INDEX schedules_builtin_name_idx
    ON schedules (name) WHERE user_id IS NULL;

-- The scheduler reads only the due rows: idle schedules cost nothing.
CREATE INDEX schedules_due_idx ON schedules (next_run_at) WHERE enabled;
