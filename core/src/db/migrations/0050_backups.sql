-- Backup runs (backup/): one row per `hawk backup create` or scheduled
-- run, so every process (health, metrics) sees when the last good backup
-- was taken.  The backups themselves live in files and object storage;
-- their manifests, not this table, say what a backup holds.
CREATE TABLE backup_runs (
    id            bigserial PRIMARY KEY,
    name          text NOT NULL,
    status        text NOT NULL DEFAULT 'running'
                  CHECK (status IN ('running', 'ok', 'failed')),
    started_at    timestamptz NOT NULL,
    finished_at   timestamptz,
    stored_bytes  bigint,
    dump_bytes    bigint,
    sha256        text,
    location      text,
    error         text
);
CREATE INDEX backup_runs_status_started ON backup_runs (status, started_at DESC);
