/*
 * lua/sandbox_proc.c - the inside of a sandbox process: confinement
 * (rlimits, no new privileges, seccomp) and the loop that runs one job
 * after another, answering host calls through the socket.
 *
 * This code runs in the hawk-sandbox executable (lua/sandbox_exe.c),
 * started by lua/pool.c with its socket as descriptor 3 and nothing else
 * of hawk's: no configuration, no secrets, no database.
 */
#include "lua/sandbox_proc.h"

#include <errno.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "hawk/plugin.h"
#include "lua/api.h"
#include "lua/wire.h"
#include "util/alloc.h"
#include "util/time.h"

/* ------------------------------------------------------------------------
 * Confinement
 * --------------------------------------------------------------------- */

static int set_limit(int res, rlim_t v)
{
    struct rlimit rl = {.rlim_cur = v, .rlim_max = v};
    return setrlimit(res, &rl);
}

/* The system calls the interpreter, the allocator, json-c and the socket
 * need; everything else (open, socket, connect, execve, fork, ptrace,
 * kill, ...) fails with EPERM. */
static const int allowed_syscalls[] = {
    SCMP_SYS(read),         SCMP_SYS(write),
    SCMP_SYS(readv),        SCMP_SYS(writev),
    SCMP_SYS(recvfrom),     SCMP_SYS(sendto),
    SCMP_SYS(recvmsg),      SCMP_SYS(sendmsg),
    SCMP_SYS(poll),         SCMP_SYS(ppoll),
    SCMP_SYS(close),        SCMP_SYS(fstat),
    SCMP_SYS(newfstatat),   SCMP_SYS(lseek),
    SCMP_SYS(mmap),         SCMP_SYS(munmap),
    SCMP_SYS(mremap),       SCMP_SYS(brk),
    SCMP_SYS(madvise),      SCMP_SYS(mprotect),
    SCMP_SYS(futex),        SCMP_SYS(clock_gettime),
    SCMP_SYS(clock_getres), SCMP_SYS(gettimeofday),
    SCMP_SYS(nanosleep),    SCMP_SYS(clock_nanosleep),
    SCMP_SYS(getrandom),    SCMP_SYS(getrusage),
    SCMP_SYS(getrlimit),    SCMP_SYS(setrlimit),
    SCMP_SYS(prlimit64),    SCMP_SYS(getpid),
    SCMP_SYS(gettid),       SCMP_SYS(tgkill),
    SCMP_SYS(rt_sigreturn), SCMP_SYS(rt_sigprocmask),
    SCMP_SYS(rt_sigaction), SCMP_SYS(sigaltstack),
    SCMP_SYS(sched_yield),  SCMP_SYS(restart_syscall),
    SCMP_SYS(exit),         SCMP_SYS(exit_group),
};

static int install_seccomp(char *err, size_t errlen)
{
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ERRNO(EPERM));
    if (ctx == NULL) {
        snprintf(err, errlen, "seccomp_init failed");
        return HAWK_EINTERNAL;
    }
    int rc = 0;
    size_t n = sizeof(allowed_syscalls) / sizeof(allowed_syscalls[0]);
    for (size_t i = 0; i < n && rc == 0; i++) {
        /* A call this architecture lacks resolves to a negative number. */
        if (allowed_syscalls[i] < 0)
            continue;
        rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, allowed_syscalls[i], 0);
    }
    if (rc == 0)
        rc = seccomp_load(ctx);
    seccomp_release(ctx);
    if (rc < 0) {
        snprintf(err, errlen, "cannot install the seccomp filter: %s",
                 strerror(-rc));
        return HAWK_EINTERNAL;
    }
    return 0;
}

/* See lua/sandbox_proc.h. */
int hk_lua_sandbox_confine(const struct hk_lua_sandbox_opts *o, char *err,
                           size_t errlen)
{
    /* No PR_SET_PDEATHSIG: it fires when the hawk *thread* that started
     * this process ends, not hawk itself.  When hawk is gone the socket
     * reads end of file: an idle process exits at once, a busy one when
     * its run ends (within the run's wall-clock limit). */
    /* Things that need files, done while files can still be opened: the
     * time zone for os.date. */
    tzset();
    if (o->address_space > 0 &&
        set_limit(RLIMIT_AS, (rlim_t)o->address_space)) {
        snprintf(err, errlen, "setrlimit(RLIMIT_AS): %s", strerror(errno));
        return HAWK_EINTERNAL;
    }
    /* Descriptors 0-3 exist; no new ones can be opened. */
    if (set_limit(RLIMIT_NOFILE, 4) || set_limit(RLIMIT_FSIZE, 0) ||
        set_limit(RLIMIT_CORE, 0) || set_limit(RLIMIT_NPROC, 0)) {
        snprintf(err, errlen, "setrlimit: %s", strerror(errno));
        return HAWK_EINTERNAL;
    }
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
        snprintf(err, errlen, "PR_SET_NO_NEW_PRIVS: %s", strerror(errno));
        return HAWK_EINTERNAL;
    }
    /* Other processes of the same user cannot attach to this one. */
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    return install_seccomp(err, errlen);
}

/* Sets the soft CPU-time limit to what this process used so far plus
 * one run's wall-clock limit (a run cannot use more CPU than wall time;
 * the limit catches a process the watchdog somehow missed). */
static void limit_cpu(int64_t wall_ms)
{
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) != 0)
        return;
    struct rlimit rl;
    if (getrlimit(RLIMIT_CPU, &rl) != 0)
        return;
    rlim_t used = (rlim_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) + 1;
    rlim_t want = used + (rlim_t)(wall_ms / 1000) + 2;
    if (rl.rlim_max != RLIM_INFINITY && want > rl.rlim_max)
        want = rl.rlim_max;
    rl.rlim_cur = want;
    setrlimit(RLIMIT_CPU, &rl);
}

/* ------------------------------------------------------------------------
 * The host side, seen from inside: messages to hawk
 * --------------------------------------------------------------------- */

struct proc {
    int fd;
    bool broken; /* hawk went away: finish quickly */
};

static int proc_call(void *ctx, struct hk_lua_hostcall *hc, int64_t timeout_ms)
{
    struct proc *p = ctx;
    if (p->broken) {
        snprintf(hc->error, sizeof(hc->error), "hawk is gone");
        return HAWK_EIO;
    }
    json_object *m = json_object_new_object();
    json_object_object_add(m, "t", json_object_new_string("call"));
    json_object_object_add(m, "fn", json_object_new_string(hc->fn));
    json_object_object_add(m, "args", json_object_get(hc->args));
    json_object_object_add(m, "timeout_ms", json_object_new_int64(timeout_ms));
    int rc = hk_lua_wire_send(p->fd, m);
    json_object_put(m);
    if (rc == HAWK_ETOOBIG) {
        snprintf(hc->error, sizeof(hc->error),
                 "hawk.%s: arguments larger than %u bytes", hc->fn,
                 HK_LUA_WIRE_MAX);
        return rc;
    }
    json_object *a = NULL;
    if (rc == 0)
        rc = hk_lua_wire_recv(p->fd, -1, &a);
    if (rc < 0) {
        p->broken = true;
        snprintf(hc->error, sizeof(hc->error), "hawk is gone");
        return HAWK_EIO;
    }
    rc = (int)hk_lua_wire_int(a, "rc", HAWK_EPROTO);
    if (rc < 0) {
        const char *e = hk_lua_wire_str(a, "error");
        snprintf(hc->error, sizeof(hc->error), "%s", e != NULL ? e : "");
    } else {
        json_object *r = NULL;
        if (json_object_object_get_ex(a, "result", &r) && r != NULL)
            hc->result = json_object_get(r);
    }
    json_object_put(a);
    return rc;
}

static void proc_log(void *ctx, const char *level, const char *msg,
                     const char *fields_json)
{
    struct proc *p = ctx;
    if (p->broken)
        return;
    json_object *m = json_object_new_object();
    json_object_object_add(m, "t", json_object_new_string("log"));
    json_object_object_add(m, "level", json_object_new_string(level));
    json_object_object_add(m, "msg", json_object_new_string(msg));
    if (fields_json != NULL)
        json_object_object_add(m, "fields",
                               json_object_new_string(fields_json));
    if (hk_lua_wire_send(p->fd, m) < 0)
        p->broken = true;
    json_object_put(m);
}

/* See lua/sandbox_proc.h. */
int hk_lua_sandbox_serve(int fd, const struct hk_lua_sandbox_opts *o)
{
    struct proc p = {.fd = fd};
    struct hk_lua_host host = {
        .ctx = &p, .call = proc_call, .on_log = proc_log};
    /* Confined and ready: hawk waits for this before the first job. */
    json_object *ready = json_object_new_object();
    json_object_object_add(ready, "t", json_object_new_string("ready"));
    int src = hk_lua_wire_send(fd, ready);
    json_object_put(ready);
    if (src < 0)
        return 0;
    for (;;) {
        json_object *msg = NULL;
        int rc = hk_lua_wire_recv(fd, -1, &msg);
        if (rc == HAWK_EIO)
            return 0; /* hawk closed the socket: done */
        if (rc < 0)
            return rc;
        struct hk_lua_job job;
        const char *t = hk_lua_wire_str(msg, "t");
        if (t == NULL || strcmp(t, "job") != 0 ||
            hk_lua_wire_job_parse(msg, &job) < 0) {
            json_object_put(msg);
            return HAWK_EPROTO;
        }
        job.stream_log = true;
        job.test_hooks = o->test_hooks && hk_lua_wire_int(msg, "test_hooks", 0);
        limit_cpu(job.limits.max_wall_ms);
        struct hk_lua_result res;
        rc = hk_lua_run(&job, &host, &res);
        json_object_put(msg);
        json_object *out = hk_lua_wire_result(&res);
        hk_lua_result_clear(&res);
        rc = p.broken ? HAWK_EIO : hk_lua_wire_send(fd, out);
        json_object_put(out);
        if (rc < 0)
            return 0;
    }
}
