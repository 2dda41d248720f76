/*
 * db/embedded_owner.c - which hawk process owns the embedded cluster.
 *
 * <data_dir>/pg/hawk.owner holds "<pid> <start time>\n" of the process
 * that started the cluster (or took it over after that process died).
 * Only that process stops the cluster; every other command that finds it
 * running uses it and leaves it running.  The start time (field 22 of
 * /proc/<pid>/stat, in clock ticks since boot) tells a live owner from an
 * unrelated process that got the same pid after a crash or a reboot.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "db/embedded_int.h"
#include "hawk/plugin.h"
#include "log/log.h"
#include "util/alloc.h"
#include "util/str.h"

/* Start time of pid in clock ticks since boot, or 0 when it is not
 * running (or is a zombie: a dead process nobody reaped). */
static unsigned long long start_time(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
    FILE *f = fopen(path, "re");
    if (f == NULL)
        return 0;
    char line[1024];
    bool got = fgets(line, sizeof(line), f) != NULL;
    fclose(f);
    if (!got)
        return 0;
    /* "pid (comm) S ppid ...": comm may hold spaces and ')', so fields
     * are counted from the last ')'. */
    const char *p = strrchr(line, ')');
    if (p == NULL || p[1] != ' ' || p[2] == 'Z')
        return 0;
    p += 2; /* field 3, the state */
    for (int field = 3; field < 22; field++) {
        p = strchr(p, ' ');
        if (p == NULL)
            return 0;
        p++;
    }
    unsigned long long t = 0;
    if (sscanf(p, "%llu", &t) != 1)
        return 0;
    return t;
}

/* See embedded_int.h. */
pid_t hk_pgowner_get(const char *path)
{
    FILE *f = fopen(path, "re");
    if (f == NULL)
        return 0;
    long long pid = 0;
    unsigned long long t = 0;
    int n = fscanf(f, "%lld %llu", &pid, &t);
    fclose(f);
    if (n != 2 || pid <= 0 || pid > INT32_MAX || t == 0)
        return 0;
    if (start_time((pid_t)pid) != t)
        return 0; /* gone, or the pid now belongs to another process */
    return (pid_t)pid;
}

/* See embedded_int.h. */
int hk_pgowner_claim(const char *path)
{
    unsigned long long t = start_time(getpid());
    if (t == 0)
        return HAWK_EIO;
    char *tmp = hk_asprintf("%s.%ld", path, (long)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    int rc = 0;
    if (fd < 0) {
        rc = HAWK_EIO;
    } else {
        char line[64];
        int n = snprintf(line, sizeof(line), "%ld %llu\n", (long)getpid(), t);
        if (write(fd, line, (size_t)n) != n)
            rc = HAWK_EIO;
        if (close(fd) < 0)
            rc = HAWK_EIO;
    }
    /* rename: a reader sees the old owner or the new one, never half */
    if (rc == 0 && rename(tmp, path) < 0)
        rc = HAWK_EIO;
    if (rc < 0) {
        hk_warn("cannot record the owner of the embedded PostgreSQL in %s: %s",
                path, strerror(errno));
        unlink(tmp);
    }
    hk_free(tmp);
    return rc;
}

/* See embedded_int.h. */
void hk_pgowner_release(const char *path)
{
    if (hk_pgowner_get(path) == getpid() && unlink(path) < 0 && errno != ENOENT)
        hk_warn("cannot remove %s: %s", path, strerror(errno));
}
