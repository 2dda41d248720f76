/*
 * browser/sweep.c - the browser service's directories, and what a hawk
 * process that died without cleaning up left behind.
 *
 *   <data_dir>/browser/            0700
 *     profiles/<profile>-u<user>/  persistent Chromium user data (0700)
 *     profiles/<...>.lock          flock()ed while a session uses it
 *     run/<pid>-<start>-<n>/       one per service instance n of a hawk
 *                                  process (pid and its start time in
 *                                  clock ticks, so a reused pid is not
 *                                  mistaken for the owner)
 *       s<n>/                      one per session: chromedriver's output,
 *                                  log, a throw-away profile
 *
 * A run directory whose owner no longer exists is swept: every process
 * whose command line names one of its session directories (chromedriver's
 * --log-path, Chromium's --hawk-session marker) is killed with its
 * process group, then the directory is removed.  Nothing is killed on a
 * guess: a process must carry the path of a dead owner's directory.
 */
#include <dirent.h>
#include <stdatomic.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "browser/browser_int.h"
#include "log/log.h"
#include "util/alloc.h"
#include "util/str.h"

static int rm_one(const char *path, const struct stat *st, int flag,
                  struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    if (flag == FTW_DP)
        (void)rmdir(path);
    else
        (void)unlink(path);
    return 0;
}

/* See browser_int.h. */
void hk_browser_rmtree(const char *path)
{
    if (path == NULL || path[0] == '\0')
        return;
    (void)nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Field 22 of /proc/<pid>/stat (start time in clock ticks); 0 when the
 * process does not exist. */
static unsigned long long proc_start_time(long pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0)
        return 0;
    buf[n] = '\0';
    /* The command name is in parentheses and may hold spaces: count the
     * fields from the last ')'. */
    char *p = strrchr(buf, ')');
    /* p + 1 is the space before field 3; each step moves one field on. */
    for (int field = 2; field < 22 && p != NULL; field++)
        p = strchr(p + 1, ' ');
    if (p == NULL)
        return 0;
    return strtoull(p + 1, NULL, 10);
}

/* Kills the processes marked with one session directory, and their
 * process groups. */
static int sweep_session(const char *sdir)
{
    DIR *d = opendir("/proc");
    if (d == NULL)
        return 0;
    char marker[PATH_MAX + 2];
    /* A trailing slash so "s1" does not match "s10". */
    snprintf(marker, sizeof(marker), "%s/", sdir);
    pid_t groups[64];
    size_t n_groups = 0;
    int killed = 0;
    char *cmd = hk_malloc(64 * 1024);
    char path[64];
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        int64_t pid = 0;
        if (hk_parse_i64(de->d_name, 1, INT32_MAX, &pid) < 0 ||
            (pid_t)pid == getpid())
            continue;
        snprintf(path, sizeof(path), "/proc/%lld/cmdline", (long long)pid);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            continue;
        ssize_t n = read(fd, cmd, 64 * 1024 - 1);
        close(fd);
        if (n <= 0)
            continue;
        for (ssize_t i = 0; i < n; i++)
            if (cmd[i] == '\0')
                cmd[i] = ' ';
        cmd[n] = '\0';
        if (strstr(cmd, marker) == NULL)
            continue;
        pid_t g = getpgid((pid_t)pid);
        if (g > 1 && g != getpgrp() && n_groups < 64)
            groups[n_groups++] = g;
        if (kill((pid_t)pid, SIGKILL) == 0)
            killed++;
    }
    closedir(d);
    hk_free(cmd);
    /* Chromium's helpers carry no marker but share the group. */
    for (size_t i = 0; i < n_groups; i++)
        (void)kill(-groups[i], SIGKILL);
    return killed;
}

/* Sweeps one dead owner's run directory. */
static void sweep_owner(const char *dir)
{
    DIR *d = opendir(dir);
    int killed = 0;
    if (d != NULL) {
        struct dirent *de;
        char sdir[PATH_MAX];
        while ((de = readdir(d)) != NULL) {
            if (de->d_name[0] != 's')
                continue;
            if ((size_t)snprintf(sdir, sizeof(sdir), "%s/%s", dir,
                                 de->d_name) >= sizeof(sdir))
                continue;
            killed += sweep_session(sdir);
        }
        closedir(d);
    }
    if (killed > 0)
        hk_log(HAWK_LOG_WARN,
               "browser: killed %d chromedriver/chromium process%s left by a "
               "hawk process that ended without cleaning up (%s)",
               killed, killed == 1 ? "" : "es", dir);
    hk_browser_rmtree(dir);
}

static int make_dir(const char *path, struct hk_err *err)
{
    if (mkdir(path, 0700) < 0 && errno != EEXIST)
        return hk_err_set(err, HAWK_EIO, NULL, NULL, "cannot create %s: %s",
                          path, strerror(errno));
    struct stat st;
    if (lstat(path, &st) < 0 || !S_ISDIR(st.st_mode))
        return hk_err_set(err, HAWK_EIO, NULL, NULL,
                          "%s exists and is not a directory", path);
    /* Profiles hold session cookies: nobody else may read them. */
    if ((st.st_mode & 077) != 0 && chmod(path, 0700) < 0)
        return hk_err_set(err, HAWK_EIO, NULL, NULL,
                          "cannot make %s private: %s", path, strerror(errno));
    return 0;
}

/* See browser_int.h. */
int hk_browser_sweep(struct hk_browser *b, struct hk_err *err)
{
    int rc = make_dir(b->root, err);
    if (rc == 0)
        rc = make_dir(b->run_root, err);
    if (rc == 0)
        rc = make_dir(b->profiles_dir, err);
    if (rc < 0)
        return rc;

    DIR *d = opendir(b->run_root);
    if (d == NULL)
        return hk_err_set(err, HAWK_EIO, NULL, NULL, "cannot read %s: %s",
                          b->run_root, strerror(errno));
    struct dirent *de;
    char dir[PATH_MAX];
    while ((de = readdir(d)) != NULL) {
        long pid = 0;
        unsigned long long start = 0;
        unsigned inst = 0;
        char tail = 0;
        if (sscanf(de->d_name, "%ld-%llu-%u%c", &pid, &start, &inst, &tail) !=
                3 ||
            pid <= 0)
            continue;
        if (proc_start_time(pid) == start)
            continue; /* its owner is alive (maybe another hawk process) */
        if ((size_t)snprintf(dir, sizeof(dir), "%s/%s", b->run_root,
                             de->d_name) >= sizeof(dir))
            continue;
        sweep_owner(dir);
    }
    closedir(d);

    static atomic_uint instances;
    unsigned long long self = proc_start_time((long)getpid());
    char *mine = hk_asprintf("%s/%ld-%llu-%u", b->run_root, (long)getpid(),
                             self, atomic_fetch_add(&instances, 1));
    rc = make_dir(mine, err);
    if (rc < 0) {
        hk_free(mine);
        return rc;
    }
    hk_free(b->run_dir);
    b->run_dir = mine;
    return 0;
}
