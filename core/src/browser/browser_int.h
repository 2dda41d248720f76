/*
 * browser/browser_int.h - private to core/src/browser: the pool, the
 * sessions and the chromedriver processes.
 */
#ifndef HK_BROWSER_INT_H
#define HK_BROWSER_INT_H

#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "browser/browser.h"

#define HK_BROWSER_PROFILE_MAX 32

/* One chromedriver process (and, through its process group, the
 * Chromium it starts). */
struct hk_bproc {
    pid_t pid;          /* chromedriver; also the process group id */
    int port;           /* where it listens on 127.0.0.1 */
    char dir[PATH_MAX]; /* its run directory: log, pid file */
    char log[PATH_MAX]; /* <dir>/chromedriver.log (also its marker) */
    bool reaped;        /* waitpid() collected it */
    int exit_status;    /* wait status once reaped */
};

enum hk_bsess_state {
    HK_BSESS_STARTING = 1, /* slot reserved, processes starting */
    HK_BSESS_BUSY,         /* acquired by a caller */
    HK_BSESS_IDLE,         /* released, kept for reuse */
    HK_BSESS_CLOSING       /* being ended; not handed out */
};

struct hk_browser_session {
    struct hk_browser *pool;
    struct hk_browser_session *next;
    enum hk_bsess_state state;
    int64_t user_id;
    char profile[HK_BROWSER_PROFILE_MAX + 1]; /* "" for throw-away */
    char id[128];                             /* WebDriver session id */
    char base[64];                            /* http://127.0.0.1:PORT */
    char version[48];                         /* browserVersion */
    char profile_dir[PATH_MAX];
    bool temp_profile; /* profile_dir is removed when the session ends */
    int lock_fd;       /* flock on the profile, -1 when none */
    struct hk_bproc proc;
    int64_t created_ms;     /* monotonic */
    int64_t last_used_ms;   /* monotonic, at release */
    int64_t lease_until_ms; /* monotonic, while BUSY */
    atomic_bool dead;       /* processes gone or killed */
    atomic_bool killing;    /* the reaper is ending it under its holder */
    bool killed_done;       /* ... and has finished (b->lock) */
    bool orphaned;          /* released while being killed (b->lock) */
};

struct hk_browser {
    /* configuration (strings owned) */
    char *chromedriver;
    char *chromium;
    char *root;         /* <data_dir>/browser */
    char *run_root;     /* <root>/run */
    char *profiles_dir; /* <root>/profiles */
    char *run_dir;      /* <run_root>/<pid>-<start time>: this process's */
    int max_sessions;
    int64_t acquire_timeout_ms;
    int64_t start_timeout_ms;
    int64_t command_timeout_ms;
    int64_t page_load_timeout_ms;
    int64_t idle_timeout_ms;
    int64_t max_lifetime_ms;
    int window_width, window_height;
    char **extra_args;
    size_t n_extra_args;
    size_t max_response_bytes;
    struct hk_browser_limits limits;

    /* state */
    pthread_mutex_t lock;
    pthread_cond_t changed; /* a slot or a session came free */
    struct hk_browser_session *sessions;
    int n_sessions; /* every state */
    bool started;
    bool stopping;
    pthread_t reaper;
    bool reaper_running;
    pthread_cond_t reaper_wake;
    uint64_t seq; /* names run sub-directories */
    struct hk_browser_stats stats;
};

/* ---- proc.c ---- */

/* Finds an executable: a name with a slash is checked as is; a bare name
 * is looked up on PATH, then in each of the fallback directories.  Writes
 * the absolute path to out.  0 or HAWK_ENOTFOUND. */
int hk_bproc_find(const char *name, const char *const *fallback_dirs, char *out,
                  size_t outlen);

/* Starts chromedriver (path) on a loopback port of its choosing in a new
 * process group, logging to <dir>/chromedriver.log; waits for it to
 * answer GET /status ready, up to timeout_ms.  dir must exist.  On
 * failure everything started is killed and err says what happened (with
 * the log's last line when it exited). */
int hk_bproc_start(const char *path, const char *dir, int64_t timeout_ms,
                   struct hk_bproc *p, struct hk_err *err);

/* Ends the process group: SIGTERM, up to grace_ms for chromedriver to
 * exit, then SIGKILL to the whole group, and reaps chromedriver.  Safe
 * to call twice. */
void hk_bproc_stop(struct hk_bproc *p, int64_t grace_ms);

/* Whether chromedriver is still running (reaps it when it exited). */
bool hk_bproc_alive(struct hk_bproc *p);

/* "exited with status 1" / "killed by signal 9" / "running" into out. */
void hk_bproc_describe(const struct hk_bproc *p, char *out, size_t outlen);

/* ---- sweep.c ---- */

/* Removes run directories of processes that no longer exist, killing what
 * they left running; creates this process's run directory (b->run_dir).
 * 0 or HAWK_EIO. */
int hk_browser_sweep(struct hk_browser *b, struct hk_err *err);

/* Removes a directory tree (no symlinks followed).  Best effort. */
void hk_browser_rmtree(const char *path);

/* ---- wd.c ---- */

/* A WebDriver request to base+path (not session-relative) with the
 * service's response limit; value_json gets the "value" member. */
int hk_wd_request(struct hk_browser *b, const char *base, const char *method,
                  const char *path, const char *body, struct hk_buf *value_json,
                  int64_t timeout_ms, const atomic_bool *cancel,
                  struct hk_err *err);

/* ---- session.c ---- */

/* Starts the processes (driver, chromium: resolved paths) and the
 * WebDriver session of s (state STARTING, user and profile set).  0 or an
 * error; on error nothing is left. */
int hk_bsess_open(struct hk_browser *b, struct hk_browser_session *s,
                  const char *driver, const char *chromium, struct hk_err *err);

/* Ends the WebDriver session (briefly, so the profile is flushed) and
 * the processes, releases the profile lock and removes the session's run
 * directory and a throw-away profile. */
void hk_bsess_close(struct hk_browser_session *s);

/* A cheap liveness probe: GET /url with a short timeout. */
bool hk_bsess_responds(struct hk_browser_session *s);

#endif
