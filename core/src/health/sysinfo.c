/*
 * health/sysinfo.c - /proc and statvfs readers.
 */
#include "health/sysinfo.h"

#include <stdio.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>

/* Reads "Key:   123 kB" from a /proc file; returns bytes or 0. */
static int64_t proc_kb_field(const char *path, const char *key)
{
    FILE *f = fopen(path, "re");
    if (f == NULL)
        return 0;
    char line[256];
    size_t klen = strlen(key);
    int64_t v = 0;
    while (fgets(line, sizeof(line), f) != NULL) {
        if (strncmp(line, key, klen) == 0 && line[klen] == ':') {
            long long kb = 0;
            if (sscanf(line + klen + 1, "%lld", &kb) == 1)
                v = (int64_t)kb * 1024;
            break;
        }
    }
    fclose(f);
    return v;
}

static void read_cpu(struct hk_sysinfo *out)
{
    FILE *f = fopen("/proc/self/stat", "re");
    if (f == NULL)
        return;
    char buf[1024];
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    /* The command name may hold spaces: fields resume after the last ')'. */
    char *p = strrchr(buf, ')');
    if (p == NULL)
        return;
    unsigned long long utime = 0, stime = 0;
    /* After ") ": state(3) ... utime is field 14, stime 15. */
    if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
               &utime, &stime) == 2) {
        long hz = sysconf(_SC_CLK_TCK);
        if (hz <= 0)
            hz = 100;
        out->cpu_user_s = (double)utime / (double)hz;
        out->cpu_system_s = (double)stime / (double)hz;
    }
}

void hk_sysinfo_read(const char *data_dir, struct hk_sysinfo *out)
{
    memset(out, 0, sizeof(*out));
    read_cpu(out);
    out->rss_bytes = proc_kb_field("/proc/self/status", "VmRSS");
    out->mem_total_bytes = proc_kb_field("/proc/meminfo", "MemTotal");
    out->mem_available_bytes = proc_kb_field("/proc/meminfo", "MemAvailable");
    out->ncpu = (int)sysconf(_SC_NPROCESSORS_ONLN);
    FILE *f = fopen("/proc/loadavg", "re");
    if (f != NULL) {
        if (fscanf(f, "%lf", &out->load1) != 1)
            out->load1 = 0;
        fclose(f);
    }
    struct statvfs sv;
    if (data_dir != NULL && statvfs(data_dir, &sv) == 0) {
        out->disk_total_bytes = (int64_t)sv.f_blocks * (int64_t)sv.f_frsize;
        out->disk_free_bytes = (int64_t)sv.f_bavail * (int64_t)sv.f_frsize;
    }
}
