/*
 * bench_plugin - what the one door into plugin ops costs: the same op
 * called N times directly through its ops table pointer (the reference:
 * what a call site did before plugin/calls.c) and through the typed
 * wrapper (checks, lock, timing, counters, histogram, log decision, error
 * normalisation, the record gate).  Best of 5 rounds each, in one run.
 *
 *   bench_plugin PLUGIN_DIR [N]
 *
 * PLUGIN_DIR holds the abi10_llm (thread-safe: no lock) and abi10_board
 * (not thread-safe: the wrapper takes its lock) fixtures.  Prints ns per
 * call and the ratio wrapper / direct.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/config.h"
#include "log/log.h"
#include "plugin/calls.h"
#include "plugin/internal.h"
#include "plugin/metrics.h"
#include "plugin/plugins.h"
#include "util/time.h"

#define ROUNDS 5

static int count_write(struct hawk_text_sink *s, const char *d, size_t n)
{
    (void)d;
    *(size_t *)s->opaque += n;
    return 0;
}

static int count_emit(struct hawk_job_sink *s, const struct hawk_job *j)
{
    (void)j;
    (*(size_t *)s->opaque)++;
    return 0;
}

struct bench {
    const struct hk_plugin_entry *llm, *board;
    struct hawk_llm_message msgs[2];
    struct hawk_llm_req req;
    struct hawk_llm_usage usage;
    struct hawk_llm_result res;
    struct hawk_text_sink text;
    struct hawk_job_sink jobs;
    size_t n_out;
    struct hawk_call call;
};

typedef int (*one_fn)(struct bench *b);

static int chat_direct(struct bench *b)
{
    const struct hawk_llm_ops *ops = b->llm->desc->ops;
    struct hawk_error err = HAWK_ERROR_INIT;
    return ops->chat(b->llm->instance, &b->call, &b->req, &b->text, &b->res,
                     &err);
}

static int chat_wrapped(struct bench *b)
{
    struct hawk_error err;
    return hk_plugin_llm_chat(b->llm, &b->call, &b->req, &b->text, &b->res,
                              &err);
}

static int fetch_direct(struct bench *b)
{
    const struct hawk_jobboard_ops *ops = b->board->desc->ops;
    struct hawk_error err = HAWK_ERROR_INIT;
    return ops->fetch(b->board->instance, &b->call, "abi10-1", &b->jobs, &err);
}

static int fetch_wrapped(struct bench *b)
{
    struct hawk_error err;
    return hk_plugin_jobboard_fetch(b->board, &b->call, "abi10-1", &b->jobs,
                                    &err);
}

/* Best ns per call over ROUNDS rounds of n calls. */
static double best_ns(struct bench *b, one_fn f, long n)
{
    double best = 0;
    for (int r = 0; r < ROUNDS; r++) {
        int64_t t0 = hk_mono_us();
        for (long i = 0; i < n; i++) {
            if (f(b) != 0) {
                fprintf(stderr, "bench_plugin: a call failed\n");
                exit(1);
            }
        }
        double ns = (double)(hk_mono_us() - t0) * 1000.0 / (double)n;
        if (r == 0 || ns < best)
            best = ns;
    }
    return best;
}

static void row(const char *what, double direct, double wrapped)
{
    printf("%-28s direct %8.1f ns  wrapper %8.1f ns  ratio %5.2f  (+%.1f ns)\n",
           what, direct, wrapped, wrapped / direct, wrapped - direct);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_plugin PLUGIN_DIR [N]\n");
        return 2;
    }
    long n = argc > 2 ? strtol(argv[2], NULL, 10) : 200000;
    if (n <= 0)
        n = 200000;
    hk_log_set_level(HAWK_LOG_INFO); /* as in production: no debug lines */
    char cfgpath[] = "/tmp/hawk-bench-plugin-XXXXXX";
    int fd = mkstemp(cfgpath);
    if (fd < 0)
        return 1;
    FILE *f = fdopen(fd, "w");
    fprintf(f,
            "plugins = (\n"
            "  { name = \"llm\"; path = \"%s/abi10_llm.so\"; enabled = true;"
            " required = true; },\n"
            "  { name = \"board\"; path = \"%s/abi10_board.so\";"
            " enabled = true; required = true; }\n);\n",
            argv[1], argv[1]);
    fclose(f);
    struct hk_config cfg;
    char err[1024];
    int rc = hk_config_load(cfgpath, &cfg, err, sizeof(err));
    unlink(cfgpath);
    if (rc < 0) {
        fprintf(stderr, "bench_plugin: %s\n", err);
        return 1;
    }
    struct hk_plugins *p = NULL;
    if (hk_plugins_load(&cfg, NULL, true, &p, err, sizeof(err)) < 0) {
        fprintf(stderr, "bench_plugin: %s\n", err);
        hk_config_release(&cfg);
        return 1;
    }
    struct bench b;
    memset(&b, 0, sizeof(b));
    b.llm = hk_plugins_find(p, HAWK_KIND_LLM, "llm");
    b.board = hk_plugins_find(p, HAWK_KIND_JOBBOARD, "board");
    b.msgs[0] = (struct hawk_llm_message){"system", "be brief"};
    b.msgs[1] = (struct hawk_llm_message){"user", "hello"};
    b.req = (struct hawk_llm_req){.struct_size = sizeof(b.req),
                                  .messages = b.msgs,
                                  .n_messages = 2,
                                  .message_size = sizeof(b.msgs[0])};
    b.usage.struct_size = sizeof(b.usage);
    b.res.struct_size = sizeof(b.res);
    b.res.usage = &b.usage;
    b.text = (struct hawk_text_sink){&b.n_out, count_write};
    b.jobs = (struct hawk_job_sink){&b.n_out, count_emit};
    hk_call_init(&b.call, 0, "bench", 0, NULL);

    printf("bench/plugin: %ld calls per round, best of %d\n", n, ROUNDS);
    row("llm chat (thread-safe)", best_ns(&b, chat_direct, n),
        best_ns(&b, chat_wrapped, n));
    row("jobboard fetch (locked)", best_ns(&b, fetch_direct, n),
        best_ns(&b, fetch_wrapped, n));
    hk_plugins_unload(p);
    hk_config_release(&cfg);
    hk_metrics_reset();
    return 0;
}
