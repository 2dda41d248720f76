/*
 * browser/proc.c - the chromedriver process: finding the program,
 * starting it in a process group of its own, learning its port, ending
 * the whole group, and killing what a dead hawk left behind.
 *
 * chromedriver is started with --port=0 and prints "ChromeDriver was
 * started successfully on port N." on its standard output (a file in the
 * session's run directory), so no port is ever guessed.  Chromium and
 * its helpers are chromedriver's descendants and stay in its process
 * group, so one kill(-pgid) ends them all, also after chromedriver itself
 * died.  PR_SET_PDEATHSIG makes chromedriver die with the thread that
 * started it if hawk is killed outright; what Chromium leaves then is
 * swept at the next start (sweep.c).
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "browser/browser_int.h"
#include "log/log.h"
#include "util/alloc.h"
#include "util/str.h"
#include "util/time.h"

extern char **environ;

#define PORT_LINE "started successfully on port "

/* ---- finding programs ---------------------------------------------------- */

static bool is_exec(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
           access(path, X_OK) == 0;
}

/* See browser_int.h. */
int hk_bproc_find(const char *name, const char *const *fallback_dirs, char *out,
                  size_t outlen)
{
    char cand[PATH_MAX];
    if (name == NULL || name[0] == '\0')
        return HAWK_ENOTFOUND;
    if (strchr(name, '/') != NULL) {
        if (!is_exec(name))
            return HAWK_ENOTFOUND;
        if (realpath(name, cand) == NULL)
            return HAWK_ENOTFOUND;
        return hk_strlcpy(out, cand, outlen) < outlen ? 0 : HAWK_ENOTFOUND;
    }
    const char *path = getenv("PATH");
    while (path != NULL && *path != '\0') {
        size_t n = strcspn(path, ":");
        if (n > 0 && n + strlen(name) + 2 < sizeof(cand)) {
            snprintf(cand, sizeof(cand), "%.*s/%s", (int)n, path, name);
            if (is_exec(cand))
                return hk_strlcpy(out, cand, outlen) < outlen ? 0
                                                              : HAWK_ENOTFOUND;
        }
        path += n;
        if (*path == ':')
            path++;
    }
    for (size_t i = 0; fallback_dirs != NULL && fallback_dirs[i] != NULL; i++) {
        snprintf(cand, sizeof(cand), "%s/%s", fallback_dirs[i], name);
        if (is_exec(cand))
            return hk_strlcpy(out, cand, outlen) < outlen ? 0 : HAWK_ENOTFOUND;
    }
    return HAWK_ENOTFOUND;
}

/* ---- process state ------------------------------------------------------- */

/* See browser_int.h. */
bool hk_bproc_alive(struct hk_bproc *p)
{
    if (p->pid <= 0 || p->reaped)
        return false;
    int st = 0;
    pid_t r = waitpid(p->pid, &st, WNOHANG);
    if (r == p->pid || (r < 0 && errno == ECHILD)) {
        p->reaped = true;
        p->exit_status = st;
        return false;
    }
    return true;
}

/* See browser_int.h. */
void hk_bproc_describe(const struct hk_bproc *p, char *out, size_t outlen)
{
    if (!p->reaped)
        snprintf(out, outlen, "running");
    else if (WIFEXITED(p->exit_status))
        snprintf(out, outlen, "exited with status %d",
                 WEXITSTATUS(p->exit_status));
    else if (WIFSIGNALED(p->exit_status))
        snprintf(out, outlen, "killed by signal %d", WTERMSIG(p->exit_status));
    else
        snprintf(out, outlen, "ended");
}

/* The last non-empty line of a small file, for error messages. */
static void last_line(const char *path, char *out, size_t outlen)
{
    char buf[4096];
    out[0] = '\0';
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    off_t size = lseek(fd, 0, SEEK_END);
    off_t from =
        size > (off_t)sizeof(buf) - 1 ? size - (off_t)sizeof(buf) + 1 : 0;
    ssize_t n = pread(fd, buf, sizeof(buf) - 1, from);
    close(fd);
    if (n <= 0)
        return;
    buf[n] = '\0';
    while (n > 0 &&
           (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' '))
        buf[--n] = '\0';
    char *start = strrchr(buf, '\n');
    start = start != NULL ? start + 1 : buf;
    /* Only printable ASCII reaches a message. */
    size_t j = 0;
    for (char *c = start; *c != '\0' && j + 1 < outlen; c++)
        out[j++] = isprint((unsigned char)*c) ? *c : ' ';
    out[j] = '\0';
}

/* The port from chromedriver's start line, 0 while it is not there. */
static int read_port(const char *out_path)
{
    char buf[2048];
    int fd = open(out_path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0)
        return 0;
    buf[n] = '\0';
    const char *at = strstr(buf, PORT_LINE);
    if (at == NULL)
        return 0;
    at += strlen(PORT_LINE);
    char num[8];
    size_t k = 0;
    while (k + 1 < sizeof(num) && isdigit((unsigned char)at[k])) {
        num[k] = at[k];
        k++;
    }
    num[k] = '\0';
    /* The line must be complete, so a half-written number is not read. */
    if (k == 0 || at[k] != '.')
        return 0;
    int64_t port = 0;
    if (hk_parse_i64(num, 1, 65535, &port) < 0)
        return 0;
    return (int)port;
}

/* ---- start and stop ------------------------------------------------------ */

/* The child between fork and exec: only async-signal-safe calls. */
static void child_exec(char *const argv[], int outfd, int devnull, int errfd,
                       pid_t parent)
{
    int e;
    (void)setpgid(0, 0);
    /* Dies with the thread that started it if hawk is killed. */
    (void)prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent)
        _exit(127);
    if (dup2(devnull, 0) < 0 || dup2(outfd, 1) < 0 || dup2(outfd, 2) < 0)
        goto fail;
    /* Nothing of hawk's (database sockets, listeners) leaks into the
     * browser: every other descriptor closes at exec, the error pipe too. */
    if (syscall(SYS_close_range, 3u, ~0u, 4u /* CLOSE_RANGE_CLOEXEC */) < 0) {
        for (int fd = 3; fd < 4096; fd++)
            if (fd != errfd)
                (void)fcntl(fd, F_SETFD, FD_CLOEXEC);
    }
    sigset_t none;
    sigemptyset(&none);
    (void)sigprocmask(SIG_SETMASK, &none, NULL);
    execve(argv[0], argv, environ);
fail:
    e = errno;
    ssize_t w = write(errfd, &e, sizeof(e));
    (void)w;
    _exit(127);
}

/* Waits for the exec to succeed (the pipe closes) or fail (errno). */
static int wait_exec(int rfd, int *child_errno)
{
    int e = 0;
    ssize_t n;
    do {
        n = read(rfd, &e, sizeof(e));
    } while (n < 0 && errno == EINTR);
    if (n == (ssize_t)sizeof(e)) {
        *child_errno = e;
        return -1;
    }
    return 0;
}

/* Ends what was started and fills err with what happened and the last
 * line chromedriver wrote. */
static int start_fail(struct hk_bproc *p, struct hk_err *err, int code,
                      const char *what)
{
    char tail[300];
    char how[64];
    if (p->pid > 0) {
        hk_bproc_stop(p, 200);
        hk_bproc_describe(p, how, sizeof(how));
    } else {
        snprintf(how, sizeof(how), "not started");
    }
    last_line(p->log, tail, sizeof(tail));
    if (tail[0] == '\0') {
        char outp[PATH_MAX + 16];
        snprintf(outp, sizeof(outp), "%s/stdout.log", p->dir);
        last_line(outp, tail, sizeof(tail));
    }
    return hk_err_set(err, code, "browser_unavailable", NULL,
                      "chromedriver %s (%s): %s", what, how,
                      tail[0] != '\0' ? tail : "no output");
}

/* See browser_int.h. */
int hk_bproc_start(const char *path, const char *dir, int64_t timeout_ms,
                   struct hk_bproc *p, struct hk_err *err)
{
    char outp[PATH_MAX + 16];
    char logarg[PATH_MAX + 16];
    int ep[2] = {-1, -1};
    int outfd = -1, devnull = -1;

    memset(p, 0, sizeof(*p));
    p->pid = -1;
    hk_strlcpy(p->dir, dir, sizeof(p->dir));
    snprintf(p->log, sizeof(p->log), "%s/chromedriver.log", dir);
    snprintf(outp, sizeof(outp), "%s/stdout.log", dir);
    snprintf(logarg, sizeof(logarg), "--log-path=%s", p->log);

    /* WARNING keeps commands (typed text, cookies) out of the log. */
    char *const argv[] = {
        (char *)path,          "--port=0", "--allowed-ips=127.0.0.1",
        "--log-level=WARNING", logarg,     NULL};
    outfd = open(outp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (outfd < 0 || devnull < 0 || pipe2(ep, O_CLOEXEC) < 0) {
        int e = errno;
        if (outfd >= 0)
            close(outfd);
        if (devnull >= 0)
            close(devnull);
        return hk_err_set(err, HAWK_EIO, "browser_unavailable", NULL,
                          "cannot prepare chromedriver's files in %s: %s", dir,
                          strerror(e));
    }
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid == 0)
        child_exec(argv, outfd, devnull, ep[1], parent);
    int fork_errno = errno;
    close(ep[1]);
    close(outfd);
    close(devnull);
    if (pid < 0) {
        close(ep[0]);
        return hk_err_set(err, HAWK_EUNAVAIL, "browser_unavailable", NULL,
                          "cannot start chromedriver: fork: %s",
                          strerror(fork_errno));
    }
    /* Both sides set the group, so a kill right after fork hits it. */
    (void)setpgid(pid, pid);
    p->pid = pid;
    int child_errno = 0;
    int rc = wait_exec(ep[0], &child_errno);
    close(ep[0]);
    if (rc < 0) {
        int st = 0;
        (void)waitpid(pid, &st, 0);
        p->reaped = true;
        p->exit_status = st;
        p->pid = -1;
        return hk_err_set(err, HAWK_EUNAVAIL, "browser_unavailable", NULL,
                          "cannot run %s: %s (install the Debian package "
                          "chromium-driver)",
                          path, strerror(child_errno));
    }

    int64_t deadline = hk_mono_ms() + (timeout_ms > 0 ? timeout_ms : 30000);
    int64_t nap = 5;
    while (p->port == 0) {
        p->port = read_port(outp);
        if (p->port != 0)
            break;
        if (!hk_bproc_alive(p))
            return start_fail(p, err, HAWK_EUNAVAIL,
                              "ended before it listened");
        if (hk_mono_ms() > deadline)
            return start_fail(p, err, HAWK_ETIMEDOUT, "did not listen in time");
        hk_sleep_ms(nap);
        nap = nap < 50 ? nap * 2 : 50;
    }
    return 0;
}

/* See browser_int.h. */
void hk_bproc_stop(struct hk_bproc *p, int64_t grace_ms)
{
    if (p->pid <= 0)
        return;
    if (!p->reaped) {
        (void)kill(-p->pid, SIGTERM);
        int64_t until = hk_mono_ms() + grace_ms;
        while (hk_bproc_alive(p) && hk_mono_ms() < until)
            hk_sleep_ms(10);
    }
    /* Chromium's helpers may outlive chromedriver: end the whole group.
     * The group id cannot have been reused while the group still had
     * members; when it is empty this is ESRCH. */
    (void)kill(-p->pid, SIGKILL);
    if (!p->reaped) {
        int st = 0;
        pid_t r;
        do {
            r = waitpid(p->pid, &st, 0);
        } while (r < 0 && errno == EINTR);
        p->reaped = true;
        p->exit_status = st;
    }
    /* SIGKILL is delivered asynchronously: wait (briefly) until the
     * group is empty, so a released session has no process left. */
    int64_t until = hk_mono_ms() + 2000;
    while (kill(-p->pid, 0) == 0 && hk_mono_ms() < until)
        hk_sleep_ms(5);
}
