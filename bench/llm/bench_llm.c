/*
 * bench/llm/bench_llm.c - job scoring calls through hawk: the config and
 * plugin loader, the real openai.so, the host's libcurl client, the
 * scoring prompts and schema, schema validation of every reply, usage and
 * metrics accounting, logging - everything hk_llm_score_job does except
 * the database reads and writes (the resume is parsed from text on every
 * call, as it is when read from the database).  N threads share CALLS
 * calls.  Prints one JSON
 * line with calls/s and latency percentiles.
 *
 *   bench_llm CONFIG WORKERS CALLS
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "config/config.h"
#include "llm/llm.h"
#include "llm/llm_int.h"
#include "log/log.h"
#include "plugin/http_client.h"
#include "plugin/plugins.h"
#include "util/alloc.h"
#include "util/time.h"

static const char resume_json[] =
    "{\"personal_information\":{\"name\":\"Ada\",\"surname\":\"Lovelace\","
    "\"city\":\"London\",\"email\":\"ada@example.test\"},"
    "\"experience_details\":[{\"position\":\"Backend Engineer\","
    "\"company\":\"Acme Corp\",\"employment_period\":\"01/2020 - Present\","
    "\"key_responsibilities\":[\"Built Python services on PostgreSQL\","
    "\"Ran the on-call rotation\"],\"skills_acquired\":[\"Python\","
    "\"PostgreSQL\",\"Kubernetes\"]},{\"position\":\"Developer\","
    "\"company\":\"Initech\",\"employment_period\":\"2016 - 2019\","
    "\"key_responsibilities\":[\"Maintained C code\"]}],"
    "\"education_details\":[{\"institution\":\"University of London\","
    "\"education_level\":\"BSc\",\"field_of_study\":\"Mathematics\"}],"
    "\"skills\":[\"Python\",\"C\",\"SQL\",\"Linux\"]}";

struct shared {
    struct hk_app *app;
    struct hk_llm_job job;
    int calls;
    int next;
    int failures;
    double *lat_ms;
    pthread_mutex_t mu;
};

static int take(struct shared *s)
{
    pthread_mutex_lock(&s->mu);
    int i = s->next < s->calls ? s->next++ : -1;
    pthread_mutex_unlock(&s->mu);
    return i;
}

static void *worker(void *arg)
{
    struct shared *s = arg;
    for (int i = take(s); i >= 0; i = take(s)) {
        struct hk_llm_out out;
        struct hawk_error err;
        int64_t t0 = hk_mono_us();
        /* json-c objects are not shared between threads (serialising one
         * writes into it), so each call parses its own resume. */
        json_object *resume = json_tokener_parse(resume_json);
        int rc = hk_llm_score_ask(s->app, 0, &s->job, resume, NULL, &out, &err);
        json_object_put(resume);
        json_object *doc = rc == 0 ? json_tokener_parse(out.content) : NULL;
        s->lat_ms[i] = (double)(hk_mono_us() - t0) / 1000.0;
        if (doc == NULL) {
            pthread_mutex_lock(&s->mu);
            if (s->failures++ == 0)
                fprintf(stderr, "bench_llm: call failed: %s\n", err.msg);
            pthread_mutex_unlock(&s->mu);
        }
        json_object_put(doc);
        if (rc == 0)
            hk_llm_out_release(&out);
    }
    return NULL;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static int run(struct hk_app *app, int workers, int calls)
{
    struct shared s;
    memset(&s, 0, sizeof(s));
    s.app = app;
    s.calls = calls;
    s.job.title = "Senior Python Engineer";
    s.job.company = "Globex";
    s.job.location = "Remote";
    s.job.description =
        "We are looking for a senior Python engineer with PostgreSQL and "
        "Kubernetes experience to build our data platform. You will own "
        "services end to end, mentor engineers and work with product.";
    s.lat_ms = hk_calloc((size_t)calls, sizeof(double));
    pthread_mutex_init(&s.mu, NULL);
    pthread_t th[64];
    int64_t t0 = hk_mono_us();
    for (int i = 0; i < workers; i++)
        pthread_create(&th[i], NULL, worker, &s);
    for (int i = 0; i < workers; i++)
        pthread_join(th[i], NULL);
    double secs = (double)(hk_mono_us() - t0) / 1e6;
    qsort(s.lat_ms, (size_t)calls, sizeof(double), cmp);
    double sum = 0;
    for (int i = 0; i < calls; i++)
        sum += s.lat_ms[i];
    printf("{\"name\":\"hawk scoring\",\"calls\":%d,\"failures\":%d,"
           "\"seconds\":%.3f,\"calls_per_s\":%.1f,\"mean_ms\":%.3f,"
           "\"p50_ms\":%.3f,\"p99_ms\":%.3f}\n",
           calls, s.failures, secs, calls / secs, sum / calls,
           s.lat_ms[calls / 2], s.lat_ms[(calls * 99) / 100]);
    fflush(stdout);
    pthread_mutex_destroy(&s.mu);
    hk_free(s.lat_ms);
    return s.failures == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
    struct hk_config cfg;
    struct hk_app app;
    char err[1024];

    if (argc != 4) {
        fprintf(stderr, "usage: bench_llm CONFIG WORKERS CALLS\n");
        return 2;
    }
    int workers = (int)strtol(argv[2], NULL, 10);
    int calls = (int)strtol(argv[3], NULL, 10);
    if (workers < 1 || workers > 64 || calls < 1) {
        fprintf(stderr, "bench_llm: bad arguments\n");
        return 2;
    }
    if (hk_config_load(argv[1], &cfg, err, sizeof(err)) < 0) {
        fprintf(stderr, "bench_llm: %s\n", err);
        return 1;
    }
    /* Log lines are formatted as in production, then discarded. */
    struct hk_log_opts lo = {
        .level = HAWK_LOG_INFO, .to_stdout = false, .file = NULL};
    hk_log_init(&lo);
    memset(&app, 0, sizeof(app));
    app.cfg = &cfg;
    hk_http_client_global_init();
    int rc = hk_plugins_load(&cfg, &app, HK_PLUGINS_START, &app.plugins, err,
                             sizeof(err));
    if (rc == 0)
        rc = hk_llm_init(&app, err, sizeof(err));
    if (rc < 0) {
        fprintf(stderr, "bench_llm: %s\n", err);
    } else {
        rc = run(&app, workers, calls);
    }
    hk_llm_shutdown();
    hk_plugins_unload(app.plugins);
    hk_http_client_global_cleanup();
    hk_config_release(&cfg);
    hk_log_shutdown();
    return rc == 0 ? 0 : 1;
}
