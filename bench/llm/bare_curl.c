/*
 * bench/llm/bare_curl.c - the reference for bench_llm: the same chat
 * completion request, POSTed with plain libcurl by N threads (one reused
 * easy handle each, like hawk's host), nothing parsed.  Prints one JSON
 * line with calls/s and latency percentiles.
 *
 *   bare_curl URL KEY BODY_FILE WORKERS CALLS
 */
#include <curl/curl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct shared {
    const char *url;
    const char *auth;
    const char *body;
    size_t body_len;
    int calls;
    int next;
    int failures;
    double *lat_ms;
    pthread_mutex_t mu;
};

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static size_t sink(char *p, size_t size, size_t n, void *opaque)
{
    (void)p;
    *(size_t *)opaque += size * n;
    return size * n;
}

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
    CURL *e = curl_easy_init();
    struct curl_slist *h = NULL;
    h = curl_slist_append(h, s->auth);
    h = curl_slist_append(h, "Content-Type: application/json");
    h = curl_slist_append(h, "Accept: application/json");
    h = curl_slist_append(h, "Expect:");
    for (int i = take(s); i >= 0; i = take(s)) {
        size_t got = 0;
        long status = 0;
        curl_easy_reset(e);
        curl_easy_setopt(e, CURLOPT_URL, s->url);
        curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, s->body);
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
                         (curl_off_t)s->body_len);
        curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, sink);
        curl_easy_setopt(e, CURLOPT_WRITEDATA, &got);
        curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
        double t0 = now_ms();
        CURLcode cc = curl_easy_perform(e);
        s->lat_ms[i] = now_ms() - t0;
        curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
        if (cc != CURLE_OK || status != 200 || got == 0) {
            pthread_mutex_lock(&s->mu);
            s->failures++;
            pthread_mutex_unlock(&s->mu);
        }
    }
    curl_slist_free_all(h);
    curl_easy_cleanup(e);
    return NULL;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *p = malloc((size_t)n + 1);
    if (p == NULL || fread(p, 1, (size_t)n, f) != (size_t)n) {
        fclose(f);
        free(p);
        return NULL;
    }
    fclose(f);
    p[n] = '\0';
    *len = (size_t)n;
    return p;
}

int main(int argc, char **argv)
{
    if (argc != 6) {
        fprintf(stderr, "usage: bare_curl URL KEY BODY_FILE WORKERS CALLS\n");
        return 2;
    }
    struct shared s;
    memset(&s, 0, sizeof(s));
    s.url = argv[1];
    char auth[512];
    snprintf(auth, sizeof(auth), "Authorization: Bearer %s", argv[2]);
    s.auth = auth;
    s.body = slurp(argv[3], &s.body_len);
    int workers = (int)strtol(argv[4], NULL, 10);
    s.calls = (int)strtol(argv[5], NULL, 10);
    if (s.body == NULL || workers < 1 || workers > 64 || s.calls < 1) {
        fprintf(stderr, "bare_curl: bad arguments\n");
        return 2;
    }
    s.lat_ms = calloc((size_t)s.calls, sizeof(double));
    pthread_mutex_init(&s.mu, NULL);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    pthread_t th[64];
    double t0 = now_ms();
    for (int i = 0; i < workers; i++)
        pthread_create(&th[i], NULL, worker, &s);
    for (int i = 0; i < workers; i++)
        pthread_join(th[i], NULL);
    double secs = (now_ms() - t0) / 1e3;
    qsort(s.lat_ms, (size_t)s.calls, sizeof(double), cmp);
    double sum = 0;
    for (int i = 0; i < s.calls; i++)
        sum += s.lat_ms[i];
    printf("{\"name\":\"bare libcurl\",\"calls\":%d,\"failures\":%d,"
           "\"seconds\":%.3f,\"calls_per_s\":%.1f,\"mean_ms\":%.3f,"
           "\"p50_ms\":%.3f,\"p99_ms\":%.3f}\n",
           s.calls, s.failures, secs, s.calls / secs, sum / s.calls,
           s.lat_ms[s.calls / 2], s.lat_ms[(s.calls * 99) / 100]);
    curl_global_cleanup();
    free(s.lat_ms);
    free((void *)s.body);
    return s.failures == 0 ? 0 : 1;
}
