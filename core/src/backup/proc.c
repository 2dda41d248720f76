/*
 * backup/proc.c - running pg_dump, pg_restore and psql.
 *
 * Children are started with fork+exec and explicit argument vectors (no
 * shell).  The password never appears in an argument (where `ps` would
 * show it): it is taken out of the conninfo and handed over in the
 * child's PGPASSWORD.  stderr is kept, bounded, for error messages.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libpq-fe.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "backup/backup_int.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/str.h"

extern char **environ;

static void bk_close(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

int bk_proc_start(struct bk_proc *p, char *const argv[], const char *const *env,
                  int stdin_fd, int stdout_fd, struct hk_err *err)
{
    int in[2] = {-1, -1}, out[2] = {-1, -1}, er[2] = {-1, -1};
    memset(p, 0, sizeof(*p));
    p->pid = -1;
    p->in_fd = p->out_fd = p->err_fd = -1;
    if ((stdin_fd == -1 && pipe2(in, O_CLOEXEC) < 0) ||
        (stdout_fd == -1 && pipe2(out, O_CLOEXEC) < 0) ||
        pipe2(er, O_CLOEXEC) < 0) {
        int e = errno;
        bk_close(&in[0]);
        bk_close(&in[1]);
        bk_close(&out[0]);
        bk_close(&out[1]);
        return hk_err_set(err, HAWK_EIO, NULL, NULL, "cannot create pipes: %s",
                          strerror(e));
    }
    /* Build the environment before forking (no allocation after fork). */
    size_t ne = 0, na = 0;
    while (environ[ne] != NULL)
        ne++;
    while (env != NULL && env[na] != NULL)
        na++;
    char **envp = hk_calloc(ne + na + 1, sizeof(char *));
    size_t k = 0;
    for (size_t i = 0; i < ne; i++) {
        /* Our own PGPASSWORD-style settings win over inherited ones. */
        bool shadowed = false;
        for (size_t j = 0; j < na; j++) {
            const char *eq = strchr(env[j], '=');
            size_t kl = eq != NULL ? (size_t)(eq - env[j]) : strlen(env[j]);
            if (strncmp(environ[i], env[j], kl) == 0 && environ[i][kl] == '=')
                shadowed = true;
        }
        if (!shadowed)
            envp[k++] = environ[i];
    }
    for (size_t j = 0; j < na; j++)
        envp[k++] = (char *)env[j];
    envp[k] = NULL;

    pid_t pid = fork();
    if (pid == 0) {
        int devnull = open("/dev/null", O_RDWR);
        int i_fd = stdin_fd == -1 ? in[0] : stdin_fd == -2 ? devnull : stdin_fd;
        int o_fd = stdout_fd == -1   ? out[1]
                   : stdout_fd == -2 ? devnull
                                     : stdout_fd;
        if (dup2(i_fd, 0) < 0 || dup2(o_fd, 1) < 0 || dup2(er[1], 2) < 0)
            _exit(126);
        signal(SIGPIPE, SIG_DFL);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        execve(argv[0], argv, envp);
        _exit(127);
    }
    int e = errno;
    hk_free(envp);
    bk_close(&in[0]);
    bk_close(&out[1]);
    bk_close(&er[1]);
    if (pid < 0) {
        bk_close(&in[1]);
        bk_close(&out[0]);
        bk_close(&er[0]);
        return hk_err_set(err, HAWK_EIO, NULL, NULL, "cannot start %s: %s",
                          argv[0], strerror(e));
    }
    p->pid = pid;
    p->in_fd = in[1];
    p->out_fd = out[0];
    p->err_fd = er[0];
    fcntl(p->err_fd, F_SETFL, fcntl(p->err_fd, F_GETFL) | O_NONBLOCK);
    return 0;
}

void bk_proc_drain_err(struct bk_proc *p)
{
    char buf[4096];
    if (p->err_fd < 0)
        return;
    for (;;) {
        ssize_t n = read(p->err_fd, buf, sizeof(buf));
        if (n <= 0)
            return;
        /* Keep the tail: the last lines say what went wrong. */
        size_t cap = sizeof(p->err_tail) - 1;
        size_t add = (size_t)n;
        if (add >= cap) {
            memcpy(p->err_tail, buf + add - cap, cap);
            p->err_len = cap;
        } else {
            if (p->err_len + add > cap) {
                size_t drop = p->err_len + add - cap;
                memmove(p->err_tail, p->err_tail + drop, p->err_len - drop);
                p->err_len -= drop;
            }
            memcpy(p->err_tail + p->err_len, buf, add);
            p->err_len += add;
        }
        p->err_tail[p->err_len] = '\0';
    }
}

int bk_proc_wait(struct bk_proc *p, bool kill_first)
{
    int status = 0;
    bk_close(&p->in_fd);
    bk_close(&p->out_fd);
    if (p->pid <= 0) {
        bk_close(&p->err_fd);
        return -1;
    }
    if (kill_first)
        kill(p->pid, SIGTERM);
    if (p->err_fd >= 0)
        fcntl(p->err_fd, F_SETFL, fcntl(p->err_fd, F_GETFL) & ~O_NONBLOCK);
    bk_proc_drain_err(p);
    bk_close(&p->err_fd);
    while (waitpid(p->pid, &status, 0) < 0 && errno == EINTR)
        ;
    p->pid = -1;
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    return -1;
}

const char *bk_proc_err_line(struct bk_proc *p, char *buf, size_t n)
{
    size_t len = p->err_len;
    while (len > 0 &&
           (p->err_tail[len - 1] == '\n' || p->err_tail[len - 1] == '\r'))
        len--;
    size_t start = len;
    while (start > 0 && p->err_tail[start - 1] != '\n')
        start--;
    size_t l = len - start;
    if (l >= n)
        l = n - 1;
    memcpy(buf, p->err_tail + start, l);
    buf[l] = '\0';
    return buf;
}

static bool bk_exec_ok(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
           access(path, X_OK) == 0;
}

int bk_pg_program(const struct hk_backup_cfg *cfg, const char *prog, char *out,
                  size_t n, struct hk_err *err)
{
    if (cfg->pg_bindir[0] != '\0') {
        snprintf(out, n, "%s/%s", cfg->pg_bindir, prog);
        if (bk_exec_ok(out))
            return 0;
        return hk_err_set(err, HAWK_ENOTFOUND, NULL, "backup.pg_bindir",
                          "%s not found in backup.pg_bindir %s", prog,
                          cfg->pg_bindir);
    }
    /* Debian keeps each major version's tools apart; the newest one can
     * dump every older server. */
    int best = -1;
    DIR *d = opendir("/usr/lib/postgresql");
    if (d != NULL) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            int64_t v;
            char path[512];
            if (hk_parse_i64(e->d_name, 1, 1000, &v) < 0 || (int)v <= best)
                continue;
            snprintf(path, sizeof(path), "/usr/lib/postgresql/%s/bin/%s",
                     e->d_name, prog);
            if (bk_exec_ok(path))
                best = (int)v;
        }
        closedir(d);
    }
    if (best > 0) {
        snprintf(out, n, "/usr/lib/postgresql/%d/bin/%s", best, prog);
        return 0;
    }
    const char *path = getenv("PATH");
    char *copy = hk_strdup(path != NULL ? path : "/usr/bin:/bin");
    char *save = NULL;
    for (char *dir = strtok_r(copy, ":", &save); dir != NULL;
         dir = strtok_r(NULL, ":", &save)) {
        snprintf(out, n, "%s/%s", dir, prog);
        if (bk_exec_ok(out)) {
            hk_free(copy);
            return 0;
        }
    }
    hk_free(copy);
    return hk_err_set(err, HAWK_ENOTFOUND, NULL, "backup.pg_bindir",
                      "%s not found: install postgresql-client or set "
                      "backup.pg_bindir",
                      prog);
}

int bk_pg_conn(const char *db_url, char **conninfo, char **pgpassword,
               struct hk_err *err)
{
    char *perr = NULL;
    *conninfo = NULL;
    *pgpassword = NULL;
    PQconninfoOption *opts = PQconninfoParse(db_url, &perr);
    if (opts == NULL) {
        hk_err_set(err, HAWK_ECONFIG, NULL, "database.url",
                   "cannot parse the database url: %s",
                   perr != NULL ? perr : "out of memory");
        PQfreemem(perr);
        return HAWK_ECONFIG;
    }
    struct hk_buf b;
    hk_buf_init(&b, 16384);
    for (PQconninfoOption *o = opts; o->keyword != NULL; o++) {
        if (o->val == NULL || o->val[0] == '\0')
            continue;
        if (strcmp(o->keyword, "password") == 0) {
            *pgpassword = hk_asprintf("PGPASSWORD=%s", o->val);
            continue;
        }
        if (b.len > 0)
            hk_buf_putc(&b, ' ');
        hk_buf_printf(&b, "%s='", o->keyword);
        for (const char *c = o->val; *c != '\0'; c++) {
            if (*c == '\'' || *c == '\\')
                hk_buf_putc(&b, '\\');
            hk_buf_putc(&b, *c);
        }
        hk_buf_putc(&b, '\'');
    }
    PQconninfoFree(opts);
    *conninfo = hk_buf_steal(&b, NULL);
    return 0;
}
