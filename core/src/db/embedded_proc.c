/*
 * db/embedded_proc.c - running the PostgreSQL programs (initdb, pg_ctl,
 * postgres -V, useradd) as another user without a shell, and the file
 * walks the embedded cluster needs.
 *
 * hawk may have threads by the time it forks, so the child does only
 * async-signal-safe work: the user's groups and the environment are
 * computed before fork().
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "db/embedded_int.h"
#include "hawk/plugin.h"
#include "log/log.h"
#include "util/alloc.h"
#include "util/str.h"
#include "util/time.h"

extern char **environ;

/* ---- users ---- */

static bool valid_user_name(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 31)
        return false;
    if (!((s[0] >= 'a' && s[0] <= 'z') || s[0] == '_'))
        return false;
    for (size_t i = 1; i < n; i++) {
        char ch = s[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
              ch == '_' || ch == '-'))
            return false;
    }
    return true;
}

/* Looks name up; 0 (found, u filled), HAWK_ENOTFOUND or HAWK_EIO. */
static int lookup_user(const char *name, struct hk_pg_user *u)
{
    struct passwd pw, *res = NULL;
    char buf[4096];
    int e = getpwnam_r(name, &pw, buf, sizeof(buf), &res);
    if (e != 0)
        return HAWK_EIO;
    if (res == NULL)
        return HAWK_ENOTFOUND;
    u->uid = pw.pw_uid;
    u->gid = pw.pw_gid;
    hk_strlcpy(u->name, name, sizeof(u->name));
    int n = HK_PG_MAX_GROUPS;
    if (getgrouplist(name, pw.pw_gid, u->groups, &n) < 0) {
        u->groups[0] = pw.pw_gid; /* more groups than we keep: primary only */
        n = 1;
    }
    u->ngroups = n;
    return 0;
}

static int create_system_user(const char *name, char *err, size_t errlen)
{
    char *useradd = NULL;
    if (access("/usr/sbin/useradd", X_OK) == 0)
        useradd = hk_strdup("/usr/sbin/useradd");
    else
        useradd = hk_pgproc_which("useradd");
    if (useradd == NULL) {
        snprintf(err, errlen,
                 "user '%s' does not exist and useradd is not "
                 "installed: create the user or set database.embedded."
                 "run_as to an existing one",
                 name);
        return HAWK_EIO;
    }
    const char *shell = access("/usr/sbin/nologin", X_OK) == 0
                            ? "/usr/sbin/nologin"
                            : "/bin/false";
    const char *const argv[] = {
        useradd,   "--system", "--user-group", "--no-create-home",
        "--shell", shell,      name,           NULL};
    struct hk_pg_user root = {.drop = false};
    struct hk_buf out;
    hk_buf_init(&out, 4096);
    int code = -1;
    int rc = 0;
    for (int attempt = 0; attempt < 3; attempt++) {
        hk_buf_reset(&out);
        rc = hk_pgproc_run(&root, "/", argv, &out, 60000, &code);
        if (rc == 0 && code == 0) {
            hk_info("created system user '%s' to run the embedded "
                    "PostgreSQL",
                    name);
            break;
        }
        /* Another hawk may be creating it at the same moment (useradd
         * then fails on the user, or on the lock of /etc/passwd). */
        struct hk_pg_user tmp;
        if (lookup_user(name, &tmp) == 0) {
            rc = 0;
            code = 0;
            break;
        }
        hk_sleep_ms(500);
    }
    hk_free(useradd);
    if (rc < 0 || code != 0) {
        char out_line[200];
        hk_strlcpy(out_line, hk_buf_str(&out), sizeof(out_line));
        out_line[strcspn(out_line, "\r\n")] = '\0';
        snprintf(err, errlen,
                 "cannot create user '%s' (useradd exit %d: "
                 "%s): create it or set database.embedded.run_as to an "
                 "existing user",
                 name, code, out_line);
        hk_buf_release(&out);
        return HAWK_EIO;
    }
    hk_buf_release(&out);
    return 0;
}

/* See embedded_int.h. */
int hk_pgproc_resolve_user(const char *run_as, struct hk_pg_user *u, char *err,
                           size_t errlen)
{
    memset(u, 0, sizeof(*u));
    if (geteuid() != 0) {
        u->drop = false;
        u->uid = geteuid();
        u->gid = getegid();
        struct passwd pw, *res = NULL;
        char buf[4096];
        if (getpwuid_r(u->uid, &pw, buf, sizeof(buf), &res) == 0 && res != NULL)
            hk_strlcpy(u->name, pw.pw_name, sizeof(u->name));
        else
            snprintf(u->name, sizeof(u->name), "%lu", (unsigned long)u->uid);
        return 0;
    }
    const char *name = run_as != NULL && run_as[0] != '\0' ? run_as : "hawk";
    if (!valid_user_name(name)) {
        snprintf(err, errlen,
                 "database.embedded.run_as '%.64s' is not a "
                 "valid user name: use lower-case letters, digits, '_' "
                 "and '-'",
                 name);
        return HAWK_EINVAL;
    }
    int rc = lookup_user(name, u);
    if (rc == HAWK_ENOTFOUND) {
        rc = create_system_user(name, err, errlen);
        if (rc < 0)
            return rc;
        rc = lookup_user(name, u);
    }
    if (rc < 0) {
        snprintf(err, errlen, "cannot look up user '%s'", name);
        return HAWK_EIO;
    }
    if (u->uid == 0) {
        snprintf(err, errlen,
                 "database.embedded.run_as '%s' is root, which "
                 "PostgreSQL refuses: name an unprivileged user",
                 name);
        return HAWK_EINVAL;
    }
    u->drop = true;
    return 0;
}

/* ---- running programs ---- */

/* In the child: only async-signal-safe calls from here to exec. */
static void child_exec(const struct hk_pg_user *u, const char *cwd,
                       char *const argv[], char *const envp[], int outfd)
{
    int devnull = open("/dev/null", O_RDONLY);
    if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(outfd, 1) < 0 ||
        dup2(outfd, 2) < 0)
        _exit(126);
    if (close_range(3, ~0U, 0) < 0) {
        for (int fd = 3; fd < 4096; fd++)
            close(fd);
    }
    if (u->drop) {
        if (setgroups((size_t)u->ngroups, u->groups) < 0 ||
            setgid(u->gid) < 0 || setuid(u->uid) < 0)
            _exit(126);
        if (setuid(0) == 0)
            _exit(126); /* privileges not really dropped */
    }
    if (cwd != NULL && chdir(cwd) < 0)
        _exit(126);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    signal(SIGPIPE, SIG_DFL);
    execve(argv[0], argv, envp);
    _exit(127);
}

/* A NULL-terminated copy of a string vector, writable as execve wants
 * it.  Free with free_vec(). */
static char **copy_vec(const char *const v[])
{
    size_t n = 0;
    while (v[n] != NULL)
        n++;
    char **out = hk_calloc(n + 1, sizeof(*out));
    for (size_t i = 0; i < n; i++)
        out[i] = hk_strdup(v[i]);
    return out;
}

static void free_vec(char **v)
{
    for (size_t i = 0; v[i] != NULL; i++)
        hk_free(v[i]);
    hk_free(v);
}

/* PATH, LC_ALL=C (so log lines hawk looks for are in English) and TZ
 * (initdb records the time zone).  Free with free_vec(). */
static char **child_env(void)
{
    char **env = hk_calloc(4, sizeof(*env));
    int n = 0;
    env[n++] = hk_strdup("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:"
                         "/usr/bin:/sbin:/bin");
    env[n++] = hk_strdup("LC_ALL=C");
    const char *tz = getenv("TZ");
    if (tz != NULL)
        env[n++] = hk_asprintf("TZ=%s", tz);
    env[n] = NULL;
    return env;
}

static void read_output(int fd, struct hk_buf *out, pid_t pid, int64_t deadline,
                        bool *timed_out)
{
    char chunk[4096];
    for (;;) {
        int64_t left = deadline - hk_mono_ms();
        if (left <= 0) {
            *timed_out = true;
            kill(pid, SIGKILL);
            return;
        }
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int r = poll(&p, 1, left > 1000 ? 1000 : (int)left);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return;
        if (r == 0)
            continue;
        ssize_t n = read(fd, chunk, sizeof(chunk));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return; /* EOF: every writer is gone */
        if (out != NULL)
            (void)hk_buf_append(out, chunk, (size_t)n); /* full: keep head */
    }
}

/* See embedded_int.h. */
int hk_pgproc_run(const struct hk_pg_user *u, const char *cwd,
                  const char *const argv[], struct hk_buf *out,
                  int64_t timeout_ms, int *exit_code)
{
    *exit_code = -1;
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) < 0)
        return HAWK_EIO;
    char **env = child_env();
    char **args = copy_vec(argv);
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        free_vec(env);
        free_vec(args);
        return HAWK_EIO;
    }
    if (pid == 0)
        child_exec(u, cwd, args, env, fds[1]);
    close(fds[1]);
    free_vec(env);
    free_vec(args);

    bool timed_out = false;
    read_output(fds[0], out, pid, hk_mono_ms() + timeout_ms, &timed_out);
    close(fds[0]);

    int status = 0;
    pid_t w;
    do {
        w = waitpid(pid, &status, 0);
    } while (w < 0 && errno == EINTR);
    if (w < 0)
        return HAWK_EIO;
    if (timed_out) {
        hk_warn("%s did not finish within %lld ms and was killed", argv[0],
                (long long)timeout_ms);
        return HAWK_ETIMEDOUT;
    }
    if (WIFEXITED(status))
        *exit_code = WEXITSTATUS(status);
    else if (WIFSIGNALED(status))
        *exit_code = 128 + WTERMSIG(status);
    if (*exit_code == 126 || *exit_code == 127) {
        hk_warn("cannot run %s as user '%s' (exit %d)", argv[0], u->name,
                *exit_code);
    }
    return 0;
}

/* See embedded_int.h. */
char *hk_pgproc_which(const char *file)
{
    const char *path = getenv("PATH");
    if (path == NULL || file[0] == '\0' || strchr(file, '/') != NULL)
        return NULL;
    const char *p = path;
    while (*p != '\0') {
        const char *colon = strchr(p, ':');
        size_t n = colon != NULL ? (size_t)(colon - p) : strlen(p);
        if (n > 0 && n < PATH_MAX) {
            char *cand = hk_asprintf("%.*s/%s", (int)n, p, file);
            if (access(cand, X_OK) == 0)
                return cand;
            hk_free(cand);
        }
        if (colon == NULL)
            break;
        p = colon + 1;
    }
    return NULL;
}

/* ---- file walks ---- */

static bool in_groups(const struct hk_pg_user *u, gid_t g)
{
    if (g == u->gid)
        return true;
    for (int i = 0; i < u->ngroups; i++) {
        if (u->groups[i] == g)
            return true;
    }
    return false;
}

static bool can_search(const struct hk_pg_user *u, const struct stat *st)
{
    if (u->uid == 0)
        return true;
    if (st->st_uid == u->uid)
        return (st->st_mode & S_IXUSR) != 0;
    if (in_groups(u, st->st_gid))
        return (st->st_mode & S_IXGRP) != 0;
    return (st->st_mode & S_IXOTH) != 0;
}

static int check_dir(const struct hk_pg_user *u, const char *dir, char *err,
                     size_t errlen)
{
    struct stat st;
    if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode) || can_search(u, &st))
        return 0; /* missing ones are created later with a mode that fits */
    snprintf(err, errlen,
             "directory '%s' is not searchable by user '%s', "
             "which runs the embedded PostgreSQL: run 'chmod o+x %s' or set "
             "data_dir to a directory outside it",
             dir, u->name, dir);
    return HAWK_EPERM;
}

/* See embedded_int.h.  Mode bits only (ACLs are not consulted). */
int hk_pgproc_check_traverse(const struct hk_pg_user *u, const char *dir,
                             char *err, size_t errlen)
{
    int rc = check_dir(u, "/", err, errlen);
    char *p = hk_strdup(dir);
    size_t n = strlen(p);
    for (size_t i = 1; i <= n && rc == 0; i++) {
        if (i < n && p[i] != '/')
            continue;
        char save = p[i];
        p[i] = '\0';
        rc = check_dir(u, p, err, errlen);
        p[i] = save;
    }
    hk_free(p);
    return rc;
}

/* nftw keeps no user pointer, so the walk's target lives here; the
 * embedded cluster is set up by one thread at start-up. */
static uid_t walk_uid;
static gid_t walk_gid;

static int chown_one(const char *path, const struct stat *st, int flag,
                     struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return lchown(path, walk_uid, walk_gid) < 0 ? -1 : 0;
}

/* See embedded_int.h. */
int hk_pgproc_chown_tree(const char *path, uid_t uid, gid_t gid)
{
    walk_uid = uid;
    walk_gid = gid;
    if (nftw(path, chown_one, 32, FTW_PHYS) != 0) {
        hk_warn("cannot change the owner of '%s': %s", path, strerror(errno));
        return HAWK_EIO;
    }
    return 0;
}

static int remove_one(const char *path, const struct stat *st, int flag,
                      struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    int r = (flag == FTW_DP) ? rmdir(path) : unlink(path);
    return (r < 0 && errno != ENOENT) ? -1 : 0;
}

/* See embedded_int.h. */
int hk_pgproc_remove_tree(const char *path)
{
    struct stat st;
    if (lstat(path, &st) < 0 && errno == ENOENT)
        return 0;
    if (nftw(path, remove_one, 32, FTW_DEPTH | FTW_PHYS) != 0) {
        hk_warn("cannot remove '%s': %s", path, strerror(errno));
        return HAWK_EIO;
    }
    return 0;
}
