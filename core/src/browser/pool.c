/*
 * browser/pool.c - the session pool: creating the service, handing out
 * sessions under the global and per-user limits, reuse, and the reaper
 * thread that ends idle, expired and crashed sessions.
 *
 * Locking: b->lock guards the session list, every session's state and
 * the counters.  Starting and ending processes happens outside the lock
 * (it takes up to seconds); a session in STARTING or CLOSING state holds
 * its slot meanwhile, so the limits count processes, not intentions.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "browser/browser_int.h"
#include "log/log.h"
#include "util/alloc.h"
#include "util/str.h"
#include "util/time.h"

static const char *const program_dirs[] = {"/usr/bin", "/usr/lib/chromium",
                                           "/usr/local/bin", NULL};

static int64_t or_default(int64_t v, int64_t def)
{
    return v > 0 ? v : def;
}

/* See browser.h. */
int hk_browser_new(const struct hk_browser_cfg *cfg,
                   const struct hk_browser_limits *limits,
                   struct hk_browser **out, struct hk_err *err)
{
    *out = NULL;
    if (cfg == NULL || cfg->data_dir == NULL || cfg->data_dir[0] == '\0')
        return hk_err_set(err, HAWK_EINVAL, NULL, "data_dir",
                          "the browser service needs a data directory");
    if (strlen(cfg->data_dir) > PATH_MAX / 4)
        return hk_err_set(err, HAWK_EINVAL, NULL, "data_dir",
                          "data_dir is too long a path for browser profiles");
    struct hk_browser *b = hk_calloc(1, sizeof(*b));
    b->chromedriver =
        hk_strdup(cfg->chromedriver != NULL && cfg->chromedriver[0] != '\0'
                      ? cfg->chromedriver
                      : "chromedriver");
    b->chromium = hk_strdup(cfg->chromium != NULL && cfg->chromium[0] != '\0'
                                ? cfg->chromium
                                : "chromium");
    b->root = hk_asprintf("%s/browser", cfg->data_dir);
    b->run_root = hk_asprintf("%s/run", b->root);
    b->profiles_dir = hk_asprintf("%s/profiles", b->root);
    b->max_sessions = cfg->max_sessions > 0 ? cfg->max_sessions : 4;
    b->acquire_timeout_ms = or_default(cfg->acquire_timeout_ms, 60000);
    b->start_timeout_ms = or_default(cfg->start_timeout_ms, 30000);
    b->command_timeout_ms = or_default(cfg->command_timeout_ms, 30000);
    b->page_load_timeout_ms = or_default(cfg->page_load_timeout_ms, 30000);
    b->idle_timeout_ms = cfg->idle_timeout_ms > 0 ? cfg->idle_timeout_ms : 0;
    b->max_lifetime_ms = or_default(cfg->max_lifetime_ms, 3600 * 1000);
    b->window_width = cfg->window_width > 0 ? cfg->window_width : 1280;
    b->window_height = cfg->window_height > 0 ? cfg->window_height : 900;
    b->max_response_bytes = cfg->max_response_bytes > 0
                                ? cfg->max_response_bytes
                                : (size_t)32 << 20;
    if (cfg->n_extra_args > 0) {
        b->extra_args = hk_calloc(cfg->n_extra_args, sizeof(char *));
        for (size_t i = 0; i < cfg->n_extra_args; i++)
            b->extra_args[i] = hk_strdup(cfg->extra_args[i]);
        b->n_extra_args = cfg->n_extra_args;
    }
    if (limits != NULL)
        b->limits = *limits;
    pthread_mutex_init(&b->lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&b->changed, &ca);
    pthread_cond_init(&b->reaper_wake, &ca);
    pthread_condattr_destroy(&ca);
    *out = b;
    return 0;
}

/* Waits on cv until the monotonic deadline (ms); false on timeout. */
static bool wait_until(pthread_cond_t *cv, pthread_mutex_t *m, int64_t at_ms)
{
    struct timespec ts = {.tv_sec = at_ms / 1000,
                          .tv_nsec = (at_ms % 1000) * 1000000};
    return pthread_cond_timedwait(cv, m, &ts) != ETIMEDOUT;
}

/* Unlinks s from the list and frees it (lock held). */
static void unlink_free(struct hk_browser *b, struct hk_browser_session *s)
{
    for (struct hk_browser_session **pp = &b->sessions; *pp != NULL;
         pp = &(*pp)->next) {
        if (*pp == s) {
            *pp = s->next;
            b->n_sessions--;
            break;
        }
    }
    hk_free(s);
    pthread_cond_broadcast(&b->changed);
}

/* Ends a session in CLOSING state: processes outside the lock, then the
 * slot.  Called with the lock held; returns with it held. */
static void close_locked(struct hk_browser *b, struct hk_browser_session *s)
{
    pthread_mutex_unlock(&b->lock);
    hk_bsess_close(s);
    pthread_mutex_lock(&b->lock);
    unlink_free(b, s);
}

/* ---- the reaper ---------------------------------------------------------- */

/* Why an idle session should end now, or NULL. */
static const char *idle_verdict(const struct hk_browser *b,
                                struct hk_browser_session *s, int64_t now)
{
    if (b->stopping)
        return "shutdown";
    if (now - s->last_used_ms >= b->idle_timeout_ms)
        return "idle";
    if (now - s->created_ms >= b->max_lifetime_ms)
        return "age";
    if (!hk_bproc_alive(&s->proc))
        return "crashed";
    return NULL;
}

static void *reaper_main(void *arg)
{
    struct hk_browser *b = arg;
    pthread_mutex_lock(&b->lock);
    while (!b->stopping) {
        int64_t now = hk_mono_ms();
        struct hk_browser_session *victim = NULL;
        const char *why = NULL;
        bool again = false;
        for (struct hk_browser_session *s = b->sessions; s != NULL;
             s = s->next) {
            if (s->state == HK_BSESS_IDLE) {
                why = idle_verdict(b, s, now);
                if (why != NULL) {
                    victim = s;
                    break;
                }
            } else if (s->state == HK_BSESS_BUSY && !atomic_load(&s->killing) &&
                       now > s->lease_until_ms) {
                /* The holder overran its lease (its job timed out and
                 * did not stop): end the processes now.  The holder's
                 * next command fails; its release frees the slot.  A
                 * browser that crashed under its holder is found by the
                 * holder's next command instead. */
                atomic_store(&s->killing, true);
                pthread_mutex_unlock(&b->lock);
                hk_log(HAWK_LOG_WARN,
                       "browser: ending the session of user %lld: it was "
                       "held past its lease",
                       (long long)s->user_id);
                hk_bsess_close(s);
                pthread_mutex_lock(&b->lock);
                b->stats.killed++;
                s->killed_done = true;
                if (s->orphaned)
                    unlink_free(b, s);
                again = true;
                break; /* the list may have changed: look again */
            }
        }
        if (victim != NULL) {
            victim->state = HK_BSESS_CLOSING;
            if (strcmp(why, "idle") != 0)
                b->stats.killed++;
            hk_log(HAWK_LOG_DEBUG,
                   "browser: closing a session of user %lld (%s)",
                   (long long)victim->user_id, why);
            close_locked(b, victim);
            continue; /* look again at once */
        }
        if (again)
            continue;
        (void)wait_until(&b->reaper_wake, &b->lock, hk_mono_ms() + 500);
    }
    pthread_mutex_unlock(&b->lock);
    return NULL;
}

/* See browser.h. */
int hk_browser_start(struct hk_browser *b, struct hk_err *err)
{
    pthread_mutex_lock(&b->lock);
    if (b->started) {
        pthread_mutex_unlock(&b->lock);
        return 0;
    }
    int rc = hk_browser_sweep(b, err);
    if (rc == 0) {
        if (pthread_create(&b->reaper, NULL, reaper_main, b) != 0)
            rc = hk_err_set(err, HAWK_EIO, NULL, NULL,
                            "cannot start the browser reaper thread");
        else
            b->reaper_running = true;
    }
    if (rc == 0)
        b->started = true;
    pthread_mutex_unlock(&b->lock);
    return rc;
}

/* See browser.h. */
void hk_browser_free(struct hk_browser *b)
{
    if (b == NULL)
        return;
    pthread_mutex_lock(&b->lock);
    b->stopping = true;
    pthread_cond_broadcast(&b->reaper_wake);
    pthread_cond_broadcast(&b->changed);
    pthread_mutex_unlock(&b->lock);
    if (b->reaper_running)
        pthread_join(b->reaper, NULL);
    /* Nobody uses the service any more: end every session, busy ones
     * too, and wait for sessions still starting. */
    pthread_mutex_lock(&b->lock);
    while (b->sessions != NULL) {
        struct hk_browser_session *s = b->sessions;
        while (s != NULL &&
               (s->state == HK_BSESS_STARTING || s->state == HK_BSESS_CLOSING))
            s = s->next;
        if (s == NULL) {
            (void)wait_until(&b->changed, &b->lock, hk_mono_ms() + 100);
            continue;
        }
        s->state = HK_BSESS_CLOSING;
        close_locked(b, s);
    }
    pthread_mutex_unlock(&b->lock);
    if (b->run_dir != NULL)
        hk_browser_rmtree(b->run_dir);
    pthread_mutex_destroy(&b->lock);
    pthread_cond_destroy(&b->changed);
    pthread_cond_destroy(&b->reaper_wake);
    for (size_t i = 0; i < b->n_extra_args; i++)
        hk_free(b->extra_args[i]);
    hk_free(b->extra_args);
    hk_free(b->chromedriver);
    hk_free(b->chromium);
    hk_free(b->root);
    hk_free(b->run_root);
    hk_free(b->profiles_dir);
    hk_free(b->run_dir);
    hk_free(b);
}

/* Resolves both programs; err names what is missing and its package. */
static int find_programs(const struct hk_browser *b, char *driver,
                         char *chromium, struct hk_err *err)
{
    if (hk_bproc_find(b->chromedriver, program_dirs, driver, PATH_MAX) < 0)
        return hk_err_set(err, HAWK_EUNAVAIL, "browser_missing", NULL,
                          "chromedriver not found (browser.chromedriver = "
                          "\"%.200s\"): install the Debian package "
                          "chromium-driver (apt-get install chromium-driver)",
                          b->chromedriver);
    if (hk_bproc_find(b->chromium, program_dirs, chromium, PATH_MAX) < 0 &&
        hk_bproc_find("chromium-browser", program_dirs, chromium, PATH_MAX) < 0)
        return hk_err_set(err, HAWK_EUNAVAIL, "browser_missing", NULL,
                          "chromium not found (browser.chromium = "
                          "\"%.200s\"): install the Debian package chromium "
                          "(apt-get install chromium)",
                          b->chromium);
    return 0;
}

/* See browser.h. */
int hk_browser_check_programs(const struct hk_browser *b, struct hk_err *err)
{
    char d[PATH_MAX], c[PATH_MAX];
    return find_programs(b, d, c, err);
}

/* ---- acquire and release ----------------------------------------------- */

static bool profile_ok(const char *p)
{
    size_t n = strlen(p);
    if (n == 0 || n > HK_BROWSER_PROFILE_MAX)
        return false;
    for (; *p != '\0'; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
              *p == '-' || *p == '_'))
            return false;
    return true;
}

/* What the lease wants matches session s. */
static bool same_owner(const struct hk_browser_session *s, int64_t user,
                       const char *profile)
{
    return s->user_id == user && s->profile[0] != '\0' &&
           strcmp(s->profile, profile) == 0;
}

/* The idle session to end to make room: the user's own idle ones first
 * when the user is at its limit, else the least recently used of all. */
static struct hk_browser_session *evictable(struct hk_browser *b, int64_t user,
                                            bool own_only)
{
    struct hk_browser_session *best = NULL;
    for (struct hk_browser_session *s = b->sessions; s != NULL; s = s->next) {
        if (s->state != HK_BSESS_IDLE || (own_only && s->user_id != user))
            continue;
        if (best == NULL || s->last_used_ms < best->last_used_ms)
            best = s;
    }
    return best;
}

/* Starts a session for the reserved slot s (STARTING) with the resolved
 * programs; lock held on entry and exit.  On failure the slot is gone. */
static int open_reserved(struct hk_browser *b, struct hk_browser_session *s,
                         const char *driver, const char *chromium,
                         struct hk_err *err)
{
    pthread_mutex_unlock(&b->lock);
    int rc = hk_bsess_open(b, s, driver, chromium, err);
    pthread_mutex_lock(&b->lock);
    if (rc < 0) {
        b->stats.failures++;
        unlink_free(b, s);
        return rc;
    }
    b->stats.started++;
    return 0;
}

/* See browser.h. */
int hk_browser_acquire(struct hk_browser *b, const struct hk_browser_lease *l,
                       struct hk_browser_session **out, struct hk_err *err)
{
    char driver[PATH_MAX], chromium[PATH_MAX];
    const char *profile = l->profile != NULL ? l->profile : "";
    int user_max = b->max_sessions;
    int rc;

    *out = NULL;
    if (l->profile != NULL && !profile_ok(l->profile))
        return hk_err_set(err, HAWK_EINVAL, NULL, "profile",
                          "browser profile names are 1-32 of a-z, 0-9, - "
                          "and _");
    rc = hk_browser_start(b, err);
    if (rc < 0)
        return rc;
    rc = find_programs(b, driver, chromium, err);
    if (rc < 0)
        return rc;
    if (l->user_id > 0 && b->limits.user_max_sessions != NULL) {
        rc = b->limits.user_max_sessions(b->limits.opaque, l->user_id,
                                         &user_max, err);
        if (rc < 0)
            return rc;
        if (user_max <= 0)
            return hk_err_set(err, HAWK_EQUOTA, "plan_limit", NULL,
                              "your plan allows no browser sessions "
                              "(max_concurrent_sessions is 0)");
    }

    int64_t deadline = hk_mono_ms() + b->acquire_timeout_ms;
    int64_t lease = l->lease_ms > 0 ? l->lease_ms : b->max_lifetime_ms;
    pthread_mutex_lock(&b->lock);
    for (;;) {
        if (b->stopping) {
            rc = hk_err_set(err, HAWK_ECANCELED, NULL, NULL,
                            "the browser service is stopping");
            break;
        }
        if (l->cancel != NULL && atomic_load(l->cancel)) {
            rc = hk_err_set(err, HAWK_ECANCELED, NULL, NULL,
                            "cancelled while waiting for a browser session");
            break;
        }
        /* 1. The account's own session: reuse it, or wait for it. */
        struct hk_browser_session *mine = NULL;
        int user_live = 0;
        for (struct hk_browser_session *s = b->sessions; s != NULL;
             s = s->next) {
            if (l->user_id > 0 && s->user_id == l->user_id)
                user_live++;
            if (profile[0] != '\0' && same_owner(s, l->user_id, profile))
                mine = s;
        }
        if (mine != NULL && mine->state == HK_BSESS_IDLE) {
            mine->state = HK_BSESS_BUSY;
            mine->lease_until_ms = hk_mono_ms() + lease;
            pthread_mutex_unlock(&b->lock);
            bool ok = hk_bsess_responds(mine);
            pthread_mutex_lock(&b->lock);
            if (ok) {
                b->stats.reused++;
                *out = mine;
                rc = 0;
                break;
            }
            mine->state = HK_BSESS_CLOSING;
            close_locked(b, mine);
            continue;
        }
        bool must_wait = mine != NULL; /* one session per account */
        /* 2. The user's limit, then the global one; idle sessions make
         * room. */
        if (!must_wait && l->user_id > 0 && user_live >= user_max) {
            struct hk_browser_session *v = evictable(b, l->user_id, true);
            if (v != NULL) {
                v->state = HK_BSESS_CLOSING;
                close_locked(b, v);
                continue;
            }
            must_wait = true;
        }
        if (!must_wait && b->n_sessions >= b->max_sessions) {
            struct hk_browser_session *v = evictable(b, 0, false);
            if (v != NULL) {
                v->state = HK_BSESS_CLOSING;
                close_locked(b, v);
                continue;
            }
            must_wait = true;
        }
        if (!must_wait) {
            struct hk_browser_session *s = hk_calloc(1, sizeof(*s));
            s->pool = b;
            s->state = HK_BSESS_STARTING;
            s->user_id = l->user_id;
            s->lock_fd = -1;
            hk_strlcpy(s->profile, profile, sizeof(s->profile));
            s->next = b->sessions;
            b->sessions = s;
            b->n_sessions++;
            rc = open_reserved(b, s, driver, chromium, err);
            if (rc < 0)
                break;
            s->state = HK_BSESS_BUSY;
            s->lease_until_ms = hk_mono_ms() + lease;
            *out = s;
            break;
        }
        int64_t now = hk_mono_ms();
        if (now >= deadline) {
            if (mine != NULL)
                rc = hk_err_set(err, HAWK_EUNAVAIL, "browser_busy", NULL,
                                "the browser session of this account is "
                                "still in use (one at a time per account)");
            else if (l->user_id > 0 && user_live >= user_max)
                rc = hk_err_set(err, HAWK_EUNAVAIL, "browser_busy", NULL,
                                "your plan allows %d concurrent browser "
                                "session%s and all are in use",
                                user_max, user_max == 1 ? "" : "s");
            else
                rc = hk_err_set(err, HAWK_EUNAVAIL, "browser_busy", NULL,
                                "all %d browser sessions are in use "
                                "(browser.max_sessions); try again later",
                                b->max_sessions);
            break;
        }
        /* Short waits, so a cancel flag set by another thread is seen. */
        (void)wait_until(&b->changed, &b->lock,
                         now + 200 < deadline ? now + 200 : deadline);
    }
    pthread_mutex_unlock(&b->lock);
    return rc;
}

/* See browser.h. */
void hk_browser_release(struct hk_browser_session *s, bool reusable)
{
    if (s == NULL)
        return;
    struct hk_browser *b = s->pool;
    pthread_mutex_lock(&b->lock);
    if (atomic_load(&s->killing)) {
        /* The reaper ended it: free it now, or let the reaper do it when
         * it is done. */
        if (s->killed_done)
            unlink_free(b, s);
        else
            s->orphaned = true;
        pthread_mutex_unlock(&b->lock);
        return;
    }
    int64_t now = hk_mono_ms();
    bool keep = reusable && !b->stopping && b->idle_timeout_ms > 0 &&
                s->profile[0] != '\0' && !atomic_load(&s->dead) &&
                now - s->created_ms < b->max_lifetime_ms;
    if (keep) {
        s->state = HK_BSESS_IDLE;
        s->last_used_ms = now;
        pthread_cond_broadcast(&b->changed);
        pthread_cond_signal(&b->reaper_wake);
    } else {
        s->state = HK_BSESS_CLOSING;
        close_locked(b, s);
    }
    pthread_mutex_unlock(&b->lock);
}

/* See browser.h. */
bool hk_browser_session_dead(const struct hk_browser_session *s)
{
    return atomic_load(&s->dead) || atomic_load(&s->killing);
}

/* See browser.h. */
const char *hk_browser_session_version(const struct hk_browser_session *s)
{
    return s->version;
}

/* See browser.h. */
int hk_browser_session_pgid(const struct hk_browser_session *s)
{
    return (int)s->proc.pid;
}

/* See browser.h. */
void hk_browser_get_stats(struct hk_browser *b, struct hk_browser_stats *out)
{
    pthread_mutex_lock(&b->lock);
    *out = b->stats;
    out->sessions = 0;
    out->busy = 0;
    for (struct hk_browser_session *s = b->sessions; s != NULL; s = s->next) {
        out->sessions++;
        if (s->state == HK_BSESS_BUSY || s->state == HK_BSESS_STARTING)
            out->busy++;
    }
    pthread_mutex_unlock(&b->lock);
}
