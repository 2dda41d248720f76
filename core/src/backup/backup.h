/*
 * backup/backup.h - database backups: create, list, download, verify,
 * prune and restore, by hand (`hawk backup ...`) and on a daily schedule.
 *
 * A backup is `pg_dump --format=custom` streamed through zstd, optionally
 * encrypted (libsodium secretstream, key from the environment), hashed
 * with SHA-256 as it is written, and stored in the local backup directory
 * and/or through a storage plugin.  Beside each data object lies a small
 * JSON manifest (name, hawk version, schema migration level, database
 * size, byte counts, checksum, start and end time); a backup exists only
 * once its manifest is written, so an interrupted run never looks like a
 * good backup.  Runs are also recorded in the backup_runs table, which
 * feeds /health/detailed and the hawk_backup_* metrics of every process.
 *
 * Names carry their UTC start time: hawk-20261203T091500Z.
 */
#ifndef HK_BACKUP_H
#define HK_BACKUP_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

struct hk_config;
struct hk_db;
struct hk_plugins;
struct hk_buf;

#define HK_BACKUP_NAME_MAX 64

/* The module's configuration (backup.* in hawk.cfg). */
struct hk_backup_cfg {
    char dir[4096];       /* local backup directory (absolute) */
    bool local;           /* keep a copy in dir */
    char storage[64];     /* storage plugin instance; "" for none */
    int level;            /* zstd level 1-19 */
    int threads;          /* zstd worker threads; 0: none */
    char key_env[128];    /* env var with the encryption key; "" for none */
    char pg_bindir[4096]; /* pg_dump/pg_restore/psql; "" to search */
    int keep_last, keep_daily, keep_weekly, keep_monthly;
    bool schedule;      /* daily backup through the scheduler */
    char time[8];       /* "HH:MM" */
    char tz[64];        /* IANA zone */
    int64_t max_age_ms; /* older last success: health degraded */
    char alert_email[256];
    int64_t restore_wait_ms; /* how long restore waits for running jobs */
    char hawk_version[32];   /* recorded in manifests (set by the caller) */
};

/* Reads backup.* from cfg (data_dir fills the default directory).
 * HAWK_ECONFIG with err naming the key on a bad value. */
int hk_backup_cfg_load(const struct hk_config *cfg, struct hk_backup_cfg *out,
                       struct hk_err *err);

struct hk_backup;

/* Creates the module.  db: the pool (borrowed; may be NULL for commands
 * that need no catalogue); db_url: conninfo for pg_dump/pg_restore/psql
 * (copied); plugins: the registry the storage instance is looked up in
 * (borrowed; may be NULL when cfg->storage is empty).  HAWK_ECONFIG when
 * the configured storage instance is not loaded or the key is bad.
 * Caller frees with hk_backup_free(). */
int hk_backup_new(const struct hk_backup_cfg *cfg, struct hk_db *db,
                  const char *db_url, struct hk_plugins *plugins,
                  struct hk_backup **out, struct hk_err *err);
void hk_backup_free(struct hk_backup *b);

/* Progress reports (create, download, restore).  total is -1 when
 * unknown.  Called at most every 200 ms and once at the end. */
struct hk_backup_progress {
    void (*report)(void *opaque, const char *phase, int64_t done, int64_t total,
                   bool final);
    void *opaque;
};

/* What a backup is: its manifest. */
struct hk_backup_info {
    char name[HK_BACKUP_NAME_MAX + 1];
    char file[HK_BACKUP_NAME_MAX + 32]; /* data object name */
    char hawk_version[32];
    int schema_version;     /* highest applied migration */
    int64_t database_bytes; /* pg_database_size at start */
    int64_t dump_bytes;     /* pg_dump output */
    int64_t stored_bytes;   /* the data object */
    char sha256[65];        /* of the data object */
    char compression[16];   /* "zstd" */
    int level;
    char encryption[48]; /* "none" or "secretstream-xchacha20poly1305" */
    int64_t started_ms, finished_ms; /* epoch ms */
    bool local, remote;              /* where it is */
};

/* Runs one backup.  cancel may be NULL.  On success *info (may be NULL)
 * describes it.  Nothing is left behind on failure: no partial local
 * file, no manifest, the multipart upload aborted, the run recorded as
 * failed.  Returns 0 or an error with err filled. */
int hk_backup_create(struct hk_backup *b, const struct hk_backup_progress *pr,
                     const atomic_bool *cancel, struct hk_backup_info *info,
                     struct hk_err *err);

/* Every backup, local and remote merged by name, newest first.  *out is
 * an array of *n entries; caller frees with hk_free(). */
int hk_backup_list(struct hk_backup *b, struct hk_backup_info **out, size_t *n,
                   struct hk_err *err);

/* Copies a remote backup into the local directory, checking its SHA-256
 * while it streams; a mismatch leaves nothing behind (HAWK_EPROTO). */
int hk_backup_download(struct hk_backup *b, const char *name,
                       const struct hk_backup_progress *pr, struct hk_err *err);

/* Re-reads a backup (local copy, else remote), checks its SHA-256 and
 * that pg_restore --list accepts it.  0 or HAWK_EPROTO with err. */
int hk_backup_verify(struct hk_backup *b, const char *name,
                     const struct hk_backup_progress *pr, struct hk_err *err);

/* Retention: which of the names (any order) to keep under the policy at
 * now_ms.  keep[i] is set for names[i].  Pure function (prune.c). */
void hk_backup_policy(const char *const *names, size_t n, int64_t now_ms,
                      int keep_last, int keep_daily, int keep_weekly,
                      int keep_monthly, bool *keep);

/* Applies the retention policy at now_ms (0: the clock).  dry_run only
 * reports.  removed (may be NULL) receives the names deleted, one per
 * line. */
int hk_backup_prune(struct hk_backup *b, int64_t now_ms, bool dry_run,
                    struct hk_buf *removed, struct hk_err *err);

/* What restore will overwrite (for the confirmation prompt). */
struct hk_backup_target {
    char database[128];
    char where[256]; /* host or socket directory */
    int64_t bytes;
    int tables;
    int schema_version; /* -1 when there is no hawk schema */
};
int hk_backup_target(struct hk_backup *b, struct hk_backup_target *t,
                     struct hk_err *err);

/* Restores a backup into the configured database: verifies the copy
 * (downloading it first when it is only remote), refuses a backup whose
 * schema is newer than this hawk, pauses the queues and waits for running
 * jobs, then replaces every schema in one transaction (all or nothing)
 * and applies newer migrations.  The caller asked for confirmation. */
int hk_backup_restore(struct hk_backup *b, const char *name,
                      const struct hk_backup_progress *pr, struct hk_err *err);

/* `hawk backup <create|list|download|verify|prune|restore> ...`: parses
 * argv, prints for a terminal (progress on stderr), --quiet and --json
 * for scripts.  Returns the process exit code. */
int hk_backup_cli(struct hk_backup *b, int argc, char **argv);

/* ---- the daily backup (job.c) ---- */

#define HK_BACKUP_KIND "backup.daily"
struct hk_mail;
struct hk_sched_spec;

/* Registers the backup.daily job kind (create, then prune) bound to b,
 * which must outlive the workers.  mail (may be NULL) queues the failure
 * mail to backup.alert_email.  0 or a negative code. */
int hk_backup_register_kinds(struct hk_backup *b, struct hk_mail *mail);

/* With backup.schedule.enabled, fills *spec with the built-in schedule
 * "backup.daily" at backup.schedule.time in backup.schedule.tz (cron
 * text written to cron; spec borrows from b and cron) and returns true;
 * false when the daily backup is off (or b is NULL). */
bool hk_backup_schedule_spec(const struct hk_backup *b,
                             struct hk_sched_spec *spec, char *cron,
                             size_t cronlen);

/* The module's configuration (borrowed). */
const struct hk_backup_cfg *hk_backup_config(const struct hk_backup *b);

/* Status for /health/detailed: appends a JSON object text
 * {"last_success":..., "age_seconds":..., "last_failure":..., ...} and
 * sets *stale when the last success is older than max_age (or there is
 * none while scheduled). */
int hk_backup_status_json(struct hk_db *db, const struct hk_backup_cfg *cfg,
                          struct hk_buf *out, bool *stale);
/* hawk_backup_* series in Prometheus text for /metrics. */
void hk_backup_metrics(struct hk_db *db, struct hk_buf *out);

#endif
