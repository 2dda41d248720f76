/*
 * db/embedded_int.h - process and file helpers for the embedded cluster
 * (db/embedded_proc.c), used by db/embedded.c and the db tests.
 */
#ifndef HK_DB_EMBEDDED_INT_H
#define HK_DB_EMBEDDED_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "util/buf.h"

#define HK_PG_MAX_GROUPS 64

/* Who runs the PostgreSQL programs.  PostgreSQL refuses to run as root,
 * so a root hawk switches to `name` in the child before exec. */
struct hk_pg_user {
    bool drop; /* true: setgroups/setgid/setuid first */
    uid_t uid;
    gid_t gid;
    gid_t groups[HK_PG_MAX_GROUPS];
    int ngroups;
    char name[64];
};

/* Fills u: as root, the user run_as (NULL: "hawk"), created as a system
 * user when missing; otherwise the current user.  0, HAWK_EINVAL (bad
 * name) or HAWK_EIO (cannot create), with err filled. */
int hk_pgproc_resolve_user(const char *run_as, struct hk_pg_user *u, char *err,
                           size_t errlen);

/* Runs argv (argv[0] an absolute path) as u in cwd with stdin from
 * /dev/null, a minimal environment (PATH, LC_ALL=C, TZ) and no inherited
 * descriptors past stderr; stdout and stderr are captured into out
 * (bounded; may be NULL).  Kills the child after timeout_ms.  Returns 0
 * with *exit_code (the exit status, or 128+signal), HAWK_ETIMEDOUT, or
 * HAWK_EIO when it cannot be started. */
int hk_pgproc_run(const struct hk_pg_user *u, const char *cwd,
                  const char *const argv[], struct hk_buf *out,
                  int64_t timeout_ms, int *exit_code);

/* Checks that u can search every directory from "/" down to dir.  0, or
 * HAWK_EPERM with err naming the first directory that blocks and the
 * fix. */
int hk_pgproc_check_traverse(const struct hk_pg_user *u, const char *dir,
                             char *err, size_t errlen);

/* chown -R without following symlinks.  0 or HAWK_EIO. */
int hk_pgproc_chown_tree(const char *path, uid_t uid, gid_t gid);

/* rm -rf without following symlinks; a missing path is fine.  0 or
 * HAWK_EIO. */
int hk_pgproc_remove_tree(const char *path);

/* Full path of an executable named file in $PATH, or NULL.  Caller frees
 * with hk_free. */
char *hk_pgproc_which(const char *file);

/* ---- ownership (db/embedded_owner.c) ---- */

/* The pid of the live process named in the owner file at path, or 0 when
 * the file is missing or names a process that has exited (a reused pid
 * is told apart by its start time). */
pid_t hk_pgowner_get(const char *path);

/* Records this process as the owner (atomically replaces the file).  0 or
 * HAWK_EIO (logged). */
int hk_pgowner_claim(const char *path);

/* Removes the owner file when it names this process; else leaves it. */
void hk_pgowner_release(const char *path);

/* ---- the cluster (db/embedded.c), shared with db/embedded_watch.c ---- */

struct hk_pg_watch;

struct hk_pg_embedded {
    struct hk_pg_user user;
    char *bindir;
    char *pgdir;
    char *datadir;
    char *rundir;
    char *logfile;
    char *ownerfile;           /* <pgdir>/hawk.owner */
    bool owner;                /* this process stops the cluster at exit */
    struct hk_pg_watch *watch; /* the supervisor thread, or NULL */
};

/* The postmaster's pid from its postmaster.pid when that process is
 * alive (not a zombie), else 0. */
pid_t hk_pgemb_postmaster(struct hk_pg_embedded *pg);

/* pg_ctl start after the postmaster died, with the retries a crash needs.
 * *ours: this process started it (false: another hawk did meanwhile).
 * 0, or the error with err filled. */
int hk_pgemb_restart(struct hk_pg_embedded *pg, bool *ours, char *err,
                     size_t errlen);

/* Stops and frees the supervisor (joins its thread); NULL is fine. */
void hk_pgwatch_stop(struct hk_pg_watch *w);

#endif
