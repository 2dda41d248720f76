/*
 * lua/pool.c - hawk's side of the sandbox processes: starting them,
 * handing out a free one, carrying a run's messages, the wall-clock
 * watchdog, and turning a dead process into a failed run.
 */
#include "lua/pool.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config/config.h"
#include "hawk/plugin.h"
#include "log/log.h"
#include "lua/sandbox_proc.h"
#include "lua/wire.h"
#include "plugin/metrics.h"
#include "util/alloc.h"
#include "util/time.h"

extern char **environ;

/* How long a new process may take to confine itself and say ready. */
#define READY_TIMEOUT_MS 10000

/* How often a waiting run looks at its cancel flag. */
#define CANCEL_POLL_MS 50

/* Environment variables a sandbox process gets (sanitizer settings only:
 * hawk's environment may hold secrets). */
static const char *const kept_env[] = {"ASAN_OPTIONS", "LSAN_OPTIONS",
                                       "UBSAN_OPTIONS", "TZ"};

struct proc {
    pid_t pid;
    int fd;
    int runs;
    bool reaped; /* killed and waited for: pid and fd are gone */
    bool killed; /* SIGKILLed by hawk, socket closed, not waited for */
    struct proc *next;
};

struct hk_lua_pool {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct proc *idle;
    struct proc *dead; /* killed, to be waited for (reap_dead) */
    int live;          /* idle + busy */
    int busy;
    struct hk_lua_pool_opts o;
    char *path;
    int64_t started;
    int64_t replaced;
    /* pids of busy processes, for tests */
    pid_t *busy_pids;
};

static void reap_dead(struct hk_lua_pool *p, bool block);

/* ------------------------------------------------------------------------
 * Options
 * --------------------------------------------------------------------- */

/* See lua/pool.h. */
void hk_lua_pool_opts_from_config(const struct hk_config *cfg,
                                  struct hk_lua_pool_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->processes = 4;
    o->max_runs = 100;
    o->address_space = 1024LL * 1024 * 1024;
    if (cfg != NULL) {
        o->processes = (int)cfg->settings.lua.sandbox_processes;
        o->max_runs = (int)cfg->settings.lua.sandbox_max_runs;
        o->address_space = cfg->settings.lua.sandbox_address_space;
        o->path = cfg->settings.lua.sandbox_path;
    }
    o->prefork = o->processes < 2 ? o->processes : 2;
    const char *th = getenv("HAWK_LUA_TEST_HOOKS");
    o->test_hooks = th != NULL && strcmp(th, "1") == 0;
}

/* The executable: configured, $HAWK_LUA_SANDBOX, beside this one, or in
 * ../libexec/hawk/ from there.  Caller frees. */
static char *find_exe(const char *configured, char *err, size_t errlen)
{
    if (configured != NULL && configured[0] != '\0')
        return hk_strdup(configured);
    const char *env = getenv("HAWK_LUA_SANDBOX");
    if (env != NULL && env[0] != '\0')
        return hk_strdup(env);
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (n <= 0) {
        snprintf(err, errlen,
                 "cannot find hawk-sandbox: /proc/self/exe is unreadable; "
                 "set lua.sandbox_path");
        return NULL;
    }
    self[n] = '\0';
    char *slash = strrchr(self, '/');
    if (slash != NULL)
        *slash = '\0';
    char *a = hk_asprintf("%s/hawk-sandbox", self);
    if (access(a, X_OK) == 0)
        return a;
    char *b = hk_asprintf("%s/../libexec/hawk/hawk-sandbox", self);
    if (access(b, X_OK) == 0) {
        hk_free(a);
        return b;
    }
    snprintf(err, errlen,
             "cannot find hawk-sandbox (looked for %s and %s); install it "
             "beside hawk or set lua.sandbox_path",
             a, b);
    hk_free(a);
    hk_free(b);
    return NULL;
}

/* ------------------------------------------------------------------------
 * Processes
 * --------------------------------------------------------------------- */

static void proc_end(struct proc *pr, bool kill_it)
{
    if (pr == NULL)
        return;
    if (!pr->reaped) {
        if (kill_it)
            kill(pr->pid, SIGKILL);
        close(pr->fd);
        int st = 0;
        while (waitpid(pr->pid, &st, 0) < 0 && errno == EINTR)
            ;
    }
    hk_free(pr);
}

/* Starts one process and waits for its "ready".  Returns NULL with err
 * set on failure.  Caller ends it with proc_end(). */
static struct proc *proc_start(struct hk_lua_pool *p, char *err, size_t errlen)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
        snprintf(err, errlen, "socketpair: %s", strerror(errno));
        return NULL;
    }
    /* dup2(fd, 3) keeps close-on-exec when fd is 3 already. */
    if (sv[1] <= HK_LUA_SANDBOX_FD) {
        int fd = fcntl(sv[1], F_DUPFD_CLOEXEC, HK_LUA_SANDBOX_FD + 1);
        close(sv[1]);
        sv[1] = fd;
        if (fd < 0) {
            close(sv[0]);
            snprintf(err, errlen, "fcntl: %s", strerror(errno));
            return NULL;
        }
    }
    char as[32];
    snprintf(as, sizeof(as), "%lld", (long long)p->o.address_space);
    char *argv[6];
    int ac = 0;
    argv[ac++] = p->path;
#ifndef __SANITIZE_ADDRESS__
    /* AddressSanitizer reserves terabytes of address space up front, so
     * its builds run without RLIMIT_AS (the memory cap still holds). */
    if (p->o.address_space > 0) {
        argv[ac++] = (char *)"--address-space";
        argv[ac++] = as;
    }
#endif
    if (p->o.test_hooks)
        argv[ac++] = (char *)"--test-hooks";
    argv[ac] = NULL;
    char *envp[sizeof(kept_env) / sizeof(kept_env[0]) + 1];
    char *envbuf[sizeof(kept_env) / sizeof(kept_env[0])];
    int ec = 0;
    for (size_t i = 0; i < sizeof(kept_env) / sizeof(kept_env[0]); i++) {
        const char *v = getenv(kept_env[i]);
        if (v != NULL) {
            envbuf[ec] = hk_asprintf("%s=%s", kept_env[i], v);
            envp[ec] = envbuf[ec];
            ec++;
        }
    }
    envp[ec] = NULL;

    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, sv[1], HK_LUA_SANDBOX_FD);
    posix_spawnattr_init(&attr);
    /* hawk blocks SIGINT/SIGTERM in its threads; the sandbox starts with
     * nothing blocked and default handlers. */
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &all);
    posix_spawnattr_setflags(&attr,
                             POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    pid_t pid = 0;
    int rc = posix_spawn(&pid, p->path, &fa, &attr, argv, envp);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    for (int i = 0; i < ec; i++)
        hk_free(envbuf[i]);
    close(sv[1]);
    if (rc != 0) {
        close(sv[0]);
        snprintf(err, errlen, "cannot start the sandbox process %s: %s",
                 p->path, strerror(rc));
        return NULL;
    }
    struct proc *pr = hk_calloc(1, sizeof(*pr));
    pr->pid = pid;
    pr->fd = sv[0];
    json_object *m = NULL;
    rc = hk_lua_wire_recv(pr->fd, hk_mono_ms() + READY_TIMEOUT_MS, &m);
    const char *t = m != NULL ? hk_lua_wire_str(m, "t") : NULL;
    bool ready = rc == 0 && t != NULL && strcmp(t, "ready") == 0;
    json_object_put(m);
    if (!ready) {
        snprintf(err, errlen,
                 "the sandbox process %s did not start (%s); its error is "
                 "on hawk's standard error",
                 p->path, rc < 0 ? hawk_strerror(rc) : "unexpected message");
        proc_end(pr, true);
        return NULL;
    }
    return pr;
}

/* ------------------------------------------------------------------------
 * Pool
 * --------------------------------------------------------------------- */

/* See lua/pool.h. */
int hk_lua_pool_new(const struct hk_lua_pool_opts *o, struct hk_lua_pool **out,
                    char *err, size_t errlen)
{
    *out = NULL;
    char *path = find_exe(o->path, err, errlen);
    if (path == NULL)
        return HAWK_ECONFIG;
    if (access(path, X_OK) != 0) {
        snprintf(err, errlen, "the sandbox executable %s: %s", path,
                 strerror(errno));
        hk_free(path);
        return HAWK_ECONFIG;
    }
    struct hk_lua_pool *p = hk_calloc(1, sizeof(*p));
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    p->o = *o;
    p->o.path = NULL;
    if (p->o.processes < 1)
        p->o.processes = 1;
    if (p->o.max_runs < 1)
        p->o.max_runs = 1;
    p->path = path;
    p->busy_pids = hk_calloc((size_t)p->o.processes, sizeof(pid_t));
    for (int i = 0; i < o->prefork && i < p->o.processes; i++) {
        struct proc *pr = proc_start(p, err, errlen);
        if (pr == NULL) {
            hk_lua_pool_free(p);
            return HAWK_EUNAVAIL;
        }
        pr->next = p->idle;
        p->idle = pr;
        p->live++;
        p->started++;
        hk_metrics_add("hawk_lua_sandbox_started_total", NULL, 1);
    }
    *out = p;
    return 0;
}

/* See lua/pool.h. */
void hk_lua_pool_free(struct hk_lua_pool *p)
{
    if (p == NULL)
        return;
    while (p->idle != NULL) {
        struct proc *pr = p->idle;
        p->idle = pr->next;
        /* Closing the socket ends an idle process by itself. */
        proc_end(pr, false);
    }
    reap_dead(p, true);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv);
    hk_free(p->busy_pids);
    hk_free(p->path);
    hk_free(p);
}

static void busy_set(struct hk_lua_pool *p, pid_t old, pid_t now)
{
    for (int i = 0; i < p->o.processes; i++) {
        if (p->busy_pids[i] == old) {
            p->busy_pids[i] = now;
            return;
        }
    }
}

/* An idle process has nothing to say: a readable or hung-up socket means
 * it is gone. */
static bool idle_alive(struct proc *pr)
{
    struct pollfd pfd = {.fd = pr->fd, .events = POLLIN};
    return poll(&pfd, 1, 0) == 0;
}

/* Takes a free process, starting one when fewer than `processes` live,
 * or waits for one until deadline_ms.  NULL with err set on failure. */
static struct proc *acquire(struct hk_lua_pool *p, int64_t deadline_ms,
                            char *err, size_t errlen)
{
    pthread_mutex_lock(&p->mu);
    for (;;) {
        if (p->idle != NULL) {
            struct proc *pr = p->idle;
            p->idle = pr->next;
            if (!idle_alive(pr)) {
                /* Killed while idle (an operator, the OOM killer): replace
                 * it instead of failing the run handed to it. */
                p->live--;
                p->replaced++;
                pthread_mutex_unlock(&p->mu);
                proc_end(pr, true);
                pthread_mutex_lock(&p->mu);
                continue;
            }
            p->busy++;
            busy_set(p, 0, pr->pid);
            hk_metrics_set("hawk_lua_sandbox_busy", NULL, p->busy);
            pthread_mutex_unlock(&p->mu);
            return pr;
        }
        if (p->live < p->o.processes) {
            p->live++;
            p->busy++;
            pthread_mutex_unlock(&p->mu);
            struct proc *pr = proc_start(p, err, errlen);
            pthread_mutex_lock(&p->mu);
            if (pr == NULL) {
                p->live--;
                p->busy--;
                pthread_cond_signal(&p->cv);
                pthread_mutex_unlock(&p->mu);
                return NULL;
            }
            p->started++;
            hk_metrics_add("hawk_lua_sandbox_started_total", NULL, 1);
            busy_set(p, 0, pr->pid);
            hk_metrics_set("hawk_lua_sandbox_busy", NULL, p->busy);
            pthread_mutex_unlock(&p->mu);
            return pr;
        }
        int64_t left = deadline_ms - hk_mono_ms();
        if (left <= 0) {
            pthread_mutex_unlock(&p->mu);
            snprintf(err, errlen,
                     "no sandbox process became free in time (all %d are "
                     "busy; lua.sandbox_processes)",
                     p->o.processes);
            return NULL;
        }
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        int64_t wait = left < 1000 ? left : 1000;
        ts.tv_sec += wait / 1000;
        ts.tv_nsec += (wait % 1000) * 1000000;
        if (ts.tv_nsec >= 1000000000) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000;
        }
        pthread_cond_timedwait(&p->cv, &p->mu, &ts);
    }
}

/* Gives pr back (healthy) or ends it. */
static void release(struct hk_lua_pool *p, struct proc *pr, bool healthy)
{
    bool keep = healthy && ++pr->runs < p->o.max_runs;
    pthread_mutex_lock(&p->mu);
    busy_set(p, pr->pid, 0);
    p->busy--;
    hk_metrics_set("hawk_lua_sandbox_busy", NULL, p->busy);
    if (keep) {
        pr->next = p->idle;
        p->idle = pr;
    } else {
        p->live--;
        if (!healthy)
            p->replaced++;
    }
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
    if (!keep && pr->killed) {
        pthread_mutex_lock(&p->mu);
        pr->next = p->dead;
        p->dead = pr;
        pthread_mutex_unlock(&p->mu);
    } else if (!keep) {
        proc_end(pr, !healthy);
    }
}

/* Waits for killed processes: those already gone (block false) or all
 * of them (block true, when the pool is freed). */
static void reap_dead(struct hk_lua_pool *p, bool block)
{
    pthread_mutex_lock(&p->mu);
    struct proc **pp = &p->dead;
    while (*pp != NULL) {
        struct proc *pr = *pp;
        int st = 0;
        pid_t w;
        do {
            w = waitpid(pr->pid, &st, block ? 0 : WNOHANG);
        } while (w < 0 && errno == EINTR);
        if (w == 0) {
            pp = &pr->next;
            continue;
        }
        *pp = pr->next;
        hk_free(pr);
    }
    pthread_mutex_unlock(&p->mu);
}

/* See lua/pool.h. */
void hk_lua_pool_stats(struct hk_lua_pool *p, struct hk_lua_pool_stats *st)
{
    pthread_mutex_lock(&p->mu);
    st->started = p->started;
    st->replaced = p->replaced;
    st->live = p->live;
    st->busy = p->busy;
    pthread_mutex_unlock(&p->mu);
}

/* See lua/pool.h. */
int hk_lua_pool_busy_pids(struct hk_lua_pool *p, int *pids, int n)
{
    int k = 0;
    pthread_mutex_lock(&p->mu);
    for (int i = 0; i < p->o.processes && k < n; i++) {
        if (p->busy_pids[i] != 0)
            pids[k++] = (int)p->busy_pids[i];
    }
    pthread_mutex_unlock(&p->mu);
    return k;
}

/* ------------------------------------------------------------------------
 * One run
 * --------------------------------------------------------------------- */

struct prun {
    struct hk_lua_pool *p;
    struct proc *pr;
    const struct hk_lua_job *job;
    const struct hk_lua_host *host;
    struct hk_lua_result *res;
    int64_t deadline_ms; /* the watchdog's: wall limit plus grace */
    int64_t n_log;
    int64_t log_bytes;
    int64_t host_calls;
};

/* Ends the run with a failure of the process (no result from it). */
static void fail_run(struct prun *r, enum hk_lua_kill why, const char *what)
{
    struct hk_lua_result *res = r->res;
    hk_free(res->error);
    hk_free(res->traceback);
    res->status = HK_LUA_ERR_LIMIT;
    res->limit = why;
    res->error = hk_asprintf("%s: %s", r->job->chunkname, what);
    res->traceback = hk_strdup(res->error);
    res->error_line = 0;
}

/* Describes how a process that stopped talking ended. */
static void describe_death(struct prun *r)
{
    int st = 0;
    pid_t pid = r->pr->pid;
    close(r->pr->fd);
    /* It closed its socket, or sent garbage: make sure it is gone. */
    kill(pid, SIGKILL);
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    r->pr->reaped = true;
    char what[160];
    enum hk_lua_kill why = HK_LUA_KILL_CRASHED;
    if (WIFSIGNALED(st) && WTERMSIG(st) == SIGXCPU) {
        why = HK_LUA_KILL_CPU;
        snprintf(what, sizeof(what),
                 "CPU-time limit exceeded (the sandbox process was stopped "
                 "after %lld s of CPU)",
                 (long long)(r->job->limits.max_wall_ms / 1000 + 2));
    } else if (WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL) {
        snprintf(what, sizeof(what),
                 "the sandbox process was killed (signal 9); the run was "
                 "stopped");
    } else if (WIFSIGNALED(st)) {
        snprintf(what, sizeof(what),
                 "the sandbox process crashed (signal %d: %s); the run was "
                 "stopped",
                 WTERMSIG(st), strsignal(WTERMSIG(st)));
    } else {
        snprintf(what, sizeof(what),
                 "the sandbox process ended unexpectedly (exit status %d); "
                 "the run was stopped",
                 WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    }
    fail_run(r, why, what);
    hk_metrics_add(
        "hawk_lua_sandbox_stopped_total",
        why == HK_LUA_KILL_CPU ? "reason=\"cpu\"" : "reason=\"died\"", 1);
}

/* Kills the process for a reason of hawk's (watchdog, cancel). */
static void kill_run(struct prun *r, enum hk_lua_kill why)
{
    int st = 0;
    /* Not waited for here: a process that held a lot of memory takes a
     * while to go, and the run's answer must not wait for that. */
    (void)st;
    kill(r->pr->pid, SIGKILL);
    close(r->pr->fd);
    r->pr->killed = true;
    char what[160];
    if (why == HK_LUA_KILL_CANCELLED) {
        snprintf(what, sizeof(what), "run cancelled");
    } else if (r->job->limits.max_wall_ms % 1000 == 0) {
        snprintf(what, sizeof(what),
                 "wall-clock limit of %lld s exceeded (the sandbox process "
                 "was stopped)",
                 (long long)(r->job->limits.max_wall_ms / 1000));
    } else {
        snprintf(what, sizeof(what),
                 "wall-clock limit of %lld ms exceeded (the sandbox process "
                 "was stopped)",
                 (long long)r->job->limits.max_wall_ms);
    }
    fail_run(r, why, what);
    hk_metrics_add("hawk_lua_sandbox_stopped_total",
                   why == HK_LUA_KILL_CANCELLED ? "reason=\"cancelled\""
                                                : "reason=\"wall_clock\"",
                   1);
}

/* A "log" message: bounded again here (the process is not trusted), kept
 * in res->log and streamed to the host. */
static void on_log(struct prun *r, json_object *m)
{
    const struct hk_lua_limits *lim = &r->job->limits;
    const char *level = hk_lua_wire_str(m, "level");
    const char *msg = hk_lua_wire_str(m, "msg");
    const char *ftext = hk_lua_wire_str(m, "fields");
    if (level == NULL || msg == NULL)
        return;
    if (strcmp(level, "info") != 0 && strcmp(level, "warn") != 0)
        level = "info";
    size_t bytes = strlen(msg) + (ftext != NULL ? strlen(ftext) : 0) + 64;
    if (r->n_log >= lim->max_log_lines ||
        r->log_bytes + (int64_t)bytes > lim->max_log_bytes) {
        r->res->log_dropped++;
        return;
    }
    json_object *fields = NULL;
    if (ftext != NULL) {
        fields = json_tokener_parse(ftext);
        if (!json_object_is_type(fields, json_type_object)) {
            json_object_put(fields);
            fields = NULL;
        }
    }
    r->n_log++;
    r->log_bytes += (int64_t)bytes;
    char tbuf[32];
    hk_time_rfc3339(hk_wall_ms(), tbuf, sizeof(tbuf));
    json_object *line = json_object_new_object();
    json_object_object_add(line, "time", json_object_new_string(tbuf));
    json_object_object_add(line, "level", json_object_new_string(level));
    json_object_object_add(line, "msg", json_object_new_string(msg));
    if (fields != NULL)
        json_object_object_add(line, "fields", fields);
    json_object_array_add(r->res->log, line);
    if (r->host != NULL && r->host->on_log != NULL)
        r->host->on_log(r->host->ctx, level, msg, ftext);
}

/* A "call" message: performed by the host, answered.  Returns 0 or the
 * send error. */
static int on_call(struct prun *r, json_object *m)
{
    const char *fn = hk_lua_wire_str(m, "fn");
    json_object *args = NULL;
    json_object_object_get_ex(m, "args", &args);
    struct hk_lua_hostcall hc = {.fn = fn, .args = args};
    int rc = 0;
    if (fn == NULL || !json_object_is_type(args, json_type_array)) {
        rc = HAWK_EPROTO;
        snprintf(hc.error, sizeof(hc.error), "malformed host call");
    } else if (++r->host_calls > r->job->limits.max_host_calls) {
        rc = HAWK_EQUOTA;
        snprintf(hc.error, sizeof(hc.error), "host call limit of %lld exceeded",
                 (long long)r->job->limits.max_host_calls);
    } else if (r->host == NULL || r->host->call == NULL) {
        rc = HAWK_EPERM;
        snprintf(hc.error, sizeof(hc.error),
                 "hawk.%s cannot be called while the script is being "
                 "loaded; call it from run()",
                 fn);
    } else {
        int64_t left = r->deadline_ms - HK_LUA_POOL_GRACE_MS - hk_mono_ms();
        int64_t want = hk_lua_wire_int(m, "timeout_ms", left);
        if (want > left)
            want = left;
        rc = r->host->call(r->host->ctx, &hc, want > 0 ? want : 0);
        if (rc < 0 && hc.error[0] == '\0')
            snprintf(hc.error, sizeof(hc.error), "hawk.%s failed: %s", fn,
                     hawk_strerror(rc));
    }
    json_object *a = json_object_new_object();
    json_object_object_add(a, "t", json_object_new_string("answer"));
    json_object_object_add(a, "rc", json_object_new_int(rc));
    if (rc < 0)
        json_object_object_add(a, "error", json_object_new_string(hc.error));
    else if (hc.result != NULL)
        json_object_object_add(a, "result", hc.result);
    if (rc < 0)
        json_object_put(hc.result);
    int src = hk_lua_wire_send(r->pr->fd, a);
    json_object_put(a);
    if (src == HAWK_ETOOBIG) {
        /* An answer too large for the wire: the script sees an error. */
        json_object *e = json_object_new_object();
        json_object_object_add(e, "t", json_object_new_string("answer"));
        json_object_object_add(e, "rc", json_object_new_int(HAWK_ETOOBIG));
        char msg[160];
        snprintf(msg, sizeof(msg), "hawk.%s: answer larger than %u bytes",
                 fn != NULL ? fn : "?", HK_LUA_WIRE_MAX);
        json_object_object_add(e, "error", json_object_new_string(msg));
        src = hk_lua_wire_send(r->pr->fd, e);
        json_object_put(e);
    }
    return src;
}

/* Carries messages until the result.  Returns true when the process is
 * still healthy afterwards. */
static bool carry(struct prun *r)
{
    const atomic_bool *cancel = r->job->cancel;
    for (;;) {
        int64_t now = hk_mono_ms();
        if (cancel != NULL && atomic_load(cancel)) {
            kill_run(r, HK_LUA_KILL_CANCELLED);
            return false;
        }
        if (now >= r->deadline_ms) {
            kill_run(r, HK_LUA_KILL_WALL);
            return false;
        }
        int64_t wait = r->deadline_ms - now;
        if (cancel != NULL && wait > CANCEL_POLL_MS)
            wait = CANCEL_POLL_MS;
        struct pollfd pfd = {.fd = r->pr->fd, .events = POLLIN};
        int pr = poll(&pfd, 1, (int)wait);
        if (pr < 0 && errno == EINTR)
            continue;
        if (pr == 0)
            continue;
        json_object *m = NULL;
        int rc =
            pr < 0 ? HAWK_EIO : hk_lua_wire_recv(r->pr->fd, r->deadline_ms, &m);
        if (rc == HAWK_ETIMEDOUT) {
            kill_run(r, HK_LUA_KILL_WALL);
            return false;
        }
        if (rc < 0) {
            describe_death(r);
            return false;
        }
        const char *t = hk_lua_wire_str(m, "t");
        if (t != NULL && strcmp(t, "log") == 0) {
            on_log(r, m);
        } else if (t != NULL && strcmp(t, "call") == 0) {
            rc = on_call(r, m);
            if (rc < 0) {
                json_object_put(m);
                describe_death(r);
                return false;
            }
        } else if (t != NULL && strcmp(t, "result") == 0) {
            rc = hk_lua_wire_result_parse(m, r->res);
            json_object_put(m);
            if (rc < 0) {
                describe_death(r);
                return false;
            }
            return true;
        } else {
            json_object_put(m);
            describe_death(r);
            return false;
        }
        json_object_put(m);
    }
}

/* See lua/pool.h. */
int hk_lua_pool_run(struct hk_lua_pool *p, const struct hk_lua_job *job,
                    const struct hk_lua_host *host, struct hk_lua_result *res)
{
    memset(res, 0, sizeof(*res));
    res->log = json_object_new_array();
    int64_t t0 = hk_mono_ms();
    char err[512];
    err[0] = '\0';
    reap_dead(p, false);
    struct proc *pr =
        acquire(p, t0 + job->limits.max_wall_ms, err, sizeof(err));
    if (pr == NULL) {
        hk_log(HAWK_LOG_ERROR, "workflow sandbox: %s", err);
        res->status = HK_LUA_ERR_RUNTIME;
        res->error =
            hk_asprintf("%s: the run could not start: %s", job->chunkname, err);
        res->traceback = hk_strdup(res->error);
        res->duration_ms = hk_mono_ms() - t0;
        return HAWK_EUNAVAIL;
    }
    struct prun r = {.p = p,
                     .pr = pr,
                     .job = job,
                     .host = host,
                     .res = res,
                     .deadline_ms = hk_mono_ms() + job->limits.max_wall_ms +
                                    HK_LUA_POOL_GRACE_MS};
    json_object *m = hk_lua_wire_job(job);
    if (p->o.test_hooks)
        json_object_object_add(m, "test_hooks", json_object_new_boolean(1));
    int rc = hk_lua_wire_send(pr->fd, m);
    json_object_put(m);
    bool healthy;
    if (rc < 0) {
        describe_death(&r);
        healthy = false;
    } else {
        healthy = carry(&r);
    }
    release(p, pr, healthy);
    res->host_calls = r.host_calls;
    hk_lua_result_log_summary(res, &job->limits);
    res->duration_ms = hk_mono_ms() - t0;
    return 0;
}

/* See lua/pool.h. */
int hk_lua_exec(struct hk_lua_pool *p, const struct hk_lua_job *job,
                const struct hk_lua_host *host, struct hk_lua_result *res)
{
    if (p == NULL)
        return hk_lua_run(job, host, res);
    return hk_lua_pool_run(p, job, host, res);
}
