/*
 * bench/queue/bench_queue.c - the queue's throughput and latency, driven
 * through the real worker pool against a real PostgreSQL.
 *
 *   bench_queue --db CONNINFO [--jobs 20000] [--latency-jobs 500]
 *               [--batch 16] [--workers 4,16] [--repeat 3]
 *
 * 1. enqueues --jobs no-op jobs (1000 per transaction) and reports the
 *    enqueue rate;
 * 2. for each worker count, drains them with a fresh pool and reports
 *    jobs/s from pool start until every outcome is committed (best and
 *    median of --repeat runs: the machine is shared and short runs are
 *    noisy);
 * 3. enqueues --latency-jobs jobs one by one, 5 ms apart, into an idle
 *    4-worker pool and reports enqueue-to-start latency p50/p99
 *    (--latency-jobs 0 skips it).
 *
 * The job kind is bench_noop: the built-in noop's behaviour (nothing)
 * plus a counter and a start timestamp, so the driver knows when the
 * handlers ran without polling the table.
 */
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "db/db.h"
#include "hawk/plugin.h"
#include "log/log.h"
#include "queue/queue.h"
#include "util/alloc.h"
#include "util/str.h"
#include "util/time.h"

#define MAX_LAT 100000

static atomic_long ran;
static _Atomic int64_t start_us[MAX_LAT];

static int bench_run(struct hk_job_ctx *ctx, const char *payload,
                     struct hk_buf *result, struct hawk_error *err)
{
    (void)ctx;
    (void)result;
    (void)err;
    /* payload "{}" or {"i":N}: record when job N started */
    const char *p = strstr(payload, "\"i\":");
    if (p != NULL) {
        long i = strtol(p + 4, NULL, 10);
        if (i >= 0 && i < MAX_LAT)
            atomic_store(&start_us[i], hk_mono_us());
    }
    atomic_fetch_add(&ran, 1);
    return 0;
}

static int exec_sql(struct hk_db *db, const char *sql)
{
    struct hk_dbconn *c = NULL;
    int rc = hk_db_acquire(db, &c);
    if (rc == 0)
        rc = hk_db_exec(c, sql);
    hk_db_release(db, c);
    return rc;
}

static int enqueue_many(struct hk_db *db, long n, double *rate)
{
    int64_t t0 = hk_mono_us();
    struct hk_dbconn *c = NULL;
    int rc = hk_db_acquire(db, &c);
    struct hk_job_spec s = {.kind = "bench_noop", .payload = "{}"};
    for (long i = 0; rc == 0 && i < n; i++) {
        if (i % 1000 == 0)
            rc = hk_db_begin(c);
        if (rc == 0)
            rc = hk_queue_enqueue(c, &s, NULL, NULL);
        if (rc == 0 && (i % 1000 == 999 || i == n - 1))
            rc = hk_db_commit(c);
    }
    hk_db_release(db, c);
    *rate = (double)n * 1e6 / (double)(hk_mono_us() - t0);
    return rc;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void usage(void)
{
    fprintf(stderr, "usage: bench_queue --db CONNINFO [--jobs N] "
                    "[--latency-jobs N] [--batch N] [--workers A,B] "
                    "[--repeat N]\n");
}

int main(int argc, char **argv)
{
    const char *url = NULL;
    int64_t jobs = 20000, lat_jobs = 500, batch = 16, repeat = 3;
    const char *workers_list = "4,16";
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        int bad = v == NULL;
        if (!bad && strcmp(a, "--db") == 0)
            url = v;
        else if (!bad && strcmp(a, "--jobs") == 0)
            bad = hk_parse_i64(v, 1, 10000000, &jobs) < 0;
        else if (!bad && strcmp(a, "--latency-jobs") == 0)
            bad = hk_parse_i64(v, 0, MAX_LAT, &lat_jobs) < 0;
        else if (!bad && strcmp(a, "--repeat") == 0)
            bad = hk_parse_i64(v, 1, 100, &repeat) < 0;
        else if (!bad && strcmp(a, "--batch") == 0)
            bad = hk_parse_i64(v, 1, 1000, &batch) < 0;
        else if (!bad && strcmp(a, "--workers") == 0)
            workers_list = v;
        else
            bad = 1;
        if (bad) {
            usage();
            return 2;
        }
        i++;
    }
    if (url == NULL) {
        usage();
        return 2;
    }
    hk_log_set_level(HAWK_LOG_WARN);
    struct hk_db *db = NULL;
    struct hk_db_opts o = {
        .url = url, .pool_size = 8, .acquire_timeout_ms = 10000};
    if (hk_db_open(&o, &db) < 0 || hk_migrate_run(db, NULL) < 0) {
        fprintf(stderr, "bench_queue: cannot open or migrate %s\n", url);
        return 1;
    }
    struct hk_app app = {0};
    app.db = db;
    app.db_url = hk_strdup(url);
    struct hk_job_kind k = {.name = "bench_noop", .run = bench_run};
    hk_queue_register_kind(&k);

    /* throughput, once per worker count */
    char *wl = hk_strdup(workers_list);
    char *save = NULL;
    for (char *tok = strtok_r(wl, ",", &save); tok != NULL;
         tok = strtok_r(NULL, ",", &save)) {
        int64_t nw;
        if (hk_parse_i64(tok, 1, 1024, &nw) < 0)
            continue;
        double rates[100], best_enqueue = 0;
        for (int64_t r = 0; r < repeat; r++) {
            exec_sql(db, "TRUNCATE queue_jobs");
            double erate = 0;
            if (enqueue_many(db, jobs, &erate) < 0) {
                fprintf(stderr, "bench_queue: enqueue failed\n");
                return 1;
            }
            if (erate > best_enqueue)
                best_enqueue = erate;
            exec_sql(db, "VACUUM ANALYZE queue_jobs");
            atomic_store(&ran, 0);
            struct hk_workers_opts wo = {.n = (int)nw,
                                         .batch_size = (int)batch,
                                         .poll_interval_ms = 1000,
                                         .heartbeat_interval_ms = 5000,
                                         .rescue_after_ms = 30000};
            struct hk_workers *w = NULL;
            int64_t t0 = hk_mono_us();
            if (hk_workers_start_opts(&app, &wo, &w) < 0) {
                fprintf(stderr, "bench_queue: cannot start workers\n");
                return 1;
            }
            while (atomic_load(&ran) < jobs)
                hk_sleep_ms(2);
            hk_workers_stop(w, 10000); /* writes the last outcomes */
            rates[r] = (double)jobs * 1e6 / (double)(hk_mono_us() - t0);
        }
        qsort(rates, (size_t)repeat, sizeof(double), cmp_double);
        printf("enqueue %" PRId64 " noop jobs (1000 per transaction): "
               "%.0f jobs/s\n",
               jobs, best_enqueue);
        printf("drain %" PRId64 " jobs, %" PRId64 " workers, batch %" PRId64
               ": %.0f jobs/s (median %.0f of %" PRId64 " runs)\n",
               jobs, nw, batch, rates[repeat - 1], rates[repeat / 2], repeat);
        fflush(stdout);
    }
    hk_free(wl);

    if (lat_jobs == 0) {
        hk_free(app.db_url);
        hk_db_close(db);
        return 0;
    }
    /* latency into an idle pool */
    exec_sql(db, "TRUNCATE queue_jobs");
    struct hk_workers_opts wo = {
        .n = 4, .batch_size = (int)batch, .poll_interval_ms = 1000};
    struct hk_workers *w = NULL;
    if (hk_workers_start_opts(&app, &wo, &w) < 0)
        return 1;
    hk_sleep_ms(300);
    int64_t *enq_us = hk_calloc((size_t)lat_jobs, sizeof(int64_t));
    struct hk_dbconn *c = NULL;
    if (hk_db_acquire(db, &c) < 0)
        return 1;
    for (int64_t i = 0; i < lat_jobs; i++) {
        char payload[32];
        snprintf(payload, sizeof(payload), "{\"i\":%" PRId64 "}", i);
        struct hk_job_spec s = {.kind = "bench_noop", .payload = payload};
        atomic_store(&start_us[i], 0);
        enq_us[i] = hk_mono_us();
        if (hk_queue_enqueue(c, &s, NULL, NULL) < 0) {
            fprintf(stderr, "bench_queue: enqueue failed\n");
            return 1;
        }
        hk_sleep_ms(5);
    }
    hk_db_release(db, c);
    hk_sleep_ms(500);
    hk_workers_stop(w, 5000);
    int64_t *lat = hk_calloc((size_t)lat_jobs, sizeof(int64_t));
    int64_t n = 0;
    for (int64_t i = 0; i < lat_jobs; i++) {
        int64_t s = atomic_load(&start_us[i]);
        if (s > 0)
            lat[n++] = s - enq_us[i];
    }
    qsort(lat, (size_t)n, sizeof(int64_t), cmp_i64);
    if (n > 0)
        printf("latency enqueue->start, %" PRId64 " jobs 5 ms apart into an "
               "idle pool: p50 %.2f ms, p99 %.2f ms, max %.2f ms\n",
               n, (double)lat[n / 2] / 1000.0,
               (double)lat[(n * 99) / 100 < n ? (n * 99) / 100 : n - 1] /
                   1000.0,
               (double)lat[n - 1] / 1000.0);
    if (n < lat_jobs)
        printf("latency: %" PRId64 " of %" PRId64 " jobs did not start\n",
               lat_jobs - n, lat_jobs);
    hk_free(lat);
    hk_free(enq_us);
    hk_free(app.db_url);
    hk_db_close(db);
    return n == lat_jobs ? 0 : 1;
}
