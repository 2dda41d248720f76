/*
 * health/sysinfo.h - process and machine figures read from /proc and
 * statvfs for /health/detailed and /metrics.
 */
#ifndef HK_HEALTH_SYSINFO_H
#define HK_HEALTH_SYSINFO_H

#include <stdint.h>

struct hk_sysinfo {
    double cpu_user_s; /* this process */
    double cpu_system_s;
    int64_t rss_bytes; /* this process */
    double load1;      /* machine */
    int64_t mem_total_bytes;
    int64_t mem_available_bytes;
    int64_t disk_total_bytes; /* file system holding the data dir */
    int64_t disk_free_bytes;
    int ncpu;
};

/* Fills what can be read; unreadable figures stay 0.  data_dir may be
 * NULL (disk figures then stay 0). */
void hk_sysinfo_read(const char *data_dir, struct hk_sysinfo *out);

#endif
