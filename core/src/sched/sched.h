/*
 * sched/sched.h - schedules that enqueue jobs at cron times.
 *
 * Schedules live in the `schedules` table: built-in ones (user_id NULL,
 * from the config's `schedules` list) and users' own (written by the
 * workflow module through hk_sched_upsert()).  next_run_at holds the next
 * due time not yet fired.
 *
 * Exactly one node runs the scheduler loop at a time: the holder of a
 * session-level PostgreSQL advisory lock (scheduler.lock_id) on a
 * dedicated connection.  When that node dies its connection closes, the
 * lock is freed, and another node takes it within a second or two.
 *
 * Firing is safe even if two nodes ever scan at once: a due time is
 * claimed by moving next_run_at forward with a compare-and-set
 * (UPDATE ... WHERE id = $1 AND next_run_at = $due) in the same
 * transaction that enqueues the job, whose unique key is
 * "sched:<id>:<due epoch>".  A due time therefore fires once, and never
 * not at all: after downtime, due times within scheduler.catch_up still
 * fire (each once); older ones are skipped with a log line.
 *
 * Cost: the loop reads only rows with next_run_at <= now through a
 * partial index, so idle schedules cost nothing.
 */
#ifndef HK_SCHED_H
#define HK_SCHED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct hk_config;
struct hk_db;
struct hk_dbconn;

#define HK_SCHED_NAME_MAX 128
#define HK_SCHED_JITTER_MAX 86400

struct hk_sched_spec {
    int64_t user_id;     /* 0: a built-in schedule */
    const char *name;    /* 1-128 characters, unique per user */
    const char *cron;    /* 5-field expression or @macro (sched/cron.h) */
    const char *tz;      /* IANA zone; NULL or "": UTC */
    int jitter_s;        /* each run is delayed by 0..jitter_s seconds */
    const char *kind;    /* job kind to enqueue */
    const char *payload; /* JSON object text; NULL: "{}" */
    bool enabled;
};

/* Creates or updates the schedule (user_id, name) inside the caller's
 * transaction if c is in one.  next_run_at is recomputed when the
 * schedule is new, re-enabled, or its cron or tz changed; otherwise kept,
 * so an update never skips or repeats a due time.  *id may be NULL.
 * Returns 0, or HAWK_EINVAL with err naming what is wrong ("minute field
 * '61' out of range 0-59", "unknown time zone 'X'", "name must be 1 to
 * 128 characters"), or a database error. */
int hk_sched_upsert(struct hk_dbconn *c, const struct hk_sched_spec *s,
                    int64_t *id, char *err, size_t errlen);

/* Deletes the schedule (user_id, name); user_id 0 means a built-in one.
 * 0 or HAWK_ENOTFOUND. */
int hk_sched_delete(struct hk_dbconn *c, int64_t user_id, const char *name);

/* One scheduling pass at now_ms (epoch ms): fires every schedule due at
 * or before now (at most max of them), each due time once.  Due times
 * older than catch_up_ms are skipped.  *fired (may be NULL) counts jobs
 * enqueued.  Safe to run concurrently from several nodes. */
int hk_sched_run_due(struct hk_dbconn *c, int64_t now_ms, int64_t catch_up_ms,
                     int max, int *fired);

/* Makes the built-in schedules in the table match specs (user_id 0):
 * upserts each and deletes built-ins not listed. */
int hk_sched_sync_builtins(struct hk_dbconn *c,
                           const struct hk_sched_spec *specs, size_t n,
                           char *err, size_t errlen);

/* ---- the scheduler loop (sched/scheduler.c) ---- */

struct hk_sched;

struct hk_sched_opts {
    int64_t lock_id; /* advisory lock key electing the leader */
    int64_t catch_up_ms;
    int64_t tick_ms; /* how often the leader looks for due rows (1000) */
    const struct hk_sched_spec *builtins; /* copied */
    size_t n_builtins;
    /* Private to hk_sched_opts_from_config()/_release(). */
    struct hk_sched_spec *configured_;
    size_t n_configured_;
};

/* Fills o from scheduler.* and the `schedules` list of cfg, with the
 * built-in schedules of other modules (the daily backup) after the
 * configured ones (copied).  *enabled is scheduler.enabled.  Release o
 * with hk_sched_opts_release().  0, or HAWK_ECONFIG (logged, naming
 * file:line and the entry) for an invalid entry or one that takes the
 * name of a built-in. */
int hk_sched_opts_from_config(const struct hk_config *cfg,
                              const struct hk_sched_spec *extra, size_t n_extra,
                              struct hk_sched_opts *o, bool *enabled);
/* Frees what hk_sched_opts_from_config() allocated.  Accepts a zeroed o. */
void hk_sched_opts_release(struct hk_sched_opts *o);

/* Starts the loop thread, which competes for leadership on its own
 * connection opened from db_url and fires due schedules through db (both
 * borrowed, must outlive the loop).  o is copied.  Stop with
 * hk_sched_stop().  0, HAWK_EINVAL or HAWK_EINTERNAL. */
int hk_sched_start(struct hk_db *db, const char *db_url,
                   const struct hk_sched_opts *o, struct hk_sched **out);
/* Stops the loop, releases leadership, frees.  Accepts NULL. */
void hk_sched_stop(struct hk_sched *s);
/* Whether this node currently holds the scheduler lock. */
bool hk_sched_is_leader(struct hk_sched *s);

/* Parses the config's `schedules` list (or the default nightly prune
 * schedule when it is absent) into *specs (caller frees with
 * hk_sched_specs_free).  HAWK_ECONFIG with err ("etc/hawk.cfg:40:
 * schedules[1].cron: minute field '61' out of range 0-59"). */
int hk_sched_specs_from_config(const struct hk_config *cfg,
                               struct hk_sched_spec **specs, size_t *n,
                               char *err, size_t errlen);
void hk_sched_specs_free(struct hk_sched_spec *specs, size_t n);

/* ---- leader election (sched/leader.c) ---- */

struct hk_leader;

/* A competitor for the advisory lock `lock_id` on its own connection to
 * url.  Caller frees with hk_leader_free() (which gives the lock up). */
struct hk_leader *hk_leader_new(const char *url, int64_t lock_id);
void hk_leader_free(struct hk_leader *l);
/* Connects if needed, checks a held lock is still held (the connection
 * is alive) or tries to take it.  Returns true while this node leads.
 * Call about once a second. */
bool hk_leader_tick(struct hk_leader *l);

#endif
