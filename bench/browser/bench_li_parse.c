/*
 * bench/browser/bench_li_parse.c - search result cards per second through
 * the linkedin plugin's own parser (libxml2's HTML parser, the selectors
 * file's XPath, every card normalized: id, title, company, location,
 * salary, date, URL), over saved search pages, in one process.  Run by
 * bench/browser/run.sh beside xmllint over the same pages.
 *
 *     bench_li_parse SELECTORS_FILE ROUNDS PAGE...
 * prints "cards=<n> seconds=<best round> cards_per_s=<n>".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libxml/parser.h>

#include "linkedin.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Reads a whole file; caller frees.  NULL when it cannot be read. */
static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    struct li_buf b;
    li_buf_init(&b, 0);
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        if (li_buf_add(&b, chunk, n) < 0)
            break;
    fclose(f);
    *len = b.len;
    char *out = li_xstrndup(li_buf_str(&b), b.len);
    li_buf_free(&b);
    return out;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: bench_li_parse SELECTORS ROUNDS PAGE...\n");
        return 2;
    }
    xmlInitParser();
    char err[600];
    struct li_selectors *S = NULL;
    if (li_selectors_load(argv[1], &S, err, sizeof(err)) < 0) {
        fprintf(stderr, "bench_li_parse: %s\n", err);
        return 1;
    }
    char *end = NULL;
    long rounds = strtol(argv[2], &end, 10);
    if (end == argv[2] || *end != '\0' || rounds < 1 || rounds > 1000000) {
        fprintf(stderr, "bench_li_parse: ROUNDS must be 1-1000000\n");
        return 2;
    }
    int n = argc - 3;
    char **pages = li_xcalloc((size_t)n, sizeof(*pages));
    size_t *lens = li_xcalloc((size_t)n, sizeof(*lens));
    for (int i = 0; i < n; i++) {
        pages[i] = slurp(argv[3 + i], &lens[i]);
        if (pages[i] == NULL) {
            fprintf(stderr, "bench_li_parse: cannot read %s\n", argv[3 + i]);
            return 1;
        }
    }
    double best = 0;
    long cards = 0;
    for (long r = 0; r < rounds; r++) {
        long got = 0;
        double t0 = now_s();
        for (int i = 0; i < n; i++) {
            struct li_cards c;
            struct li_outdated o;
            if (li_parse_search(S, pages[i], lens[i], &c, &o) < 0) {
                fprintf(stderr,
                        "bench_li_parse: %s: selector %s matched "
                        "nothing\n",
                        argv[3 + i], o.name);
                return 1;
            }
            got += (long)c.n;
            li_cards_free(&c);
        }
        double dt = now_s() - t0;
        if (r == 0 || dt < best)
            best = dt;
        cards = got;
    }
    printf("cards=%ld seconds=%.6f cards_per_s=%.0f\n", cards, best,
           best > 0 ? (double)cards / best : 0.0);
    for (int i = 0; i < n; i++)
        free(pages[i]);
    free(pages);
    free(lens);
    li_selectors_free(S);
    xmlCleanupParser();
    return 0;
}
