/*
 * plugins/linkedin/li_check.c - the selector self-check behind `hawk
 * plugins check linkedin [--page FILE]`: which kind of page a saved page
 * is, and which of that kind's selectors no longer match it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "linkedin.h"

static const char *const kinds[] = {"search", "posting", "job", "apply", NULL};

/* Matches of s anywhere it may be: inside every match of its parent when
 * it has one (so a required field counts when any card has it). */
static int count_any(struct li_doc *d, const struct li_selectors *S,
                     const struct li_sel *s, int depth)
{
    if (s->parent < 0 || depth > 8)
        return li_doc_count(d, S, NULL, s);
    const struct li_sel *p = &S->v[s->parent];
    int total = 0;
    if (p->parent < 0) {
        xmlXPathObjectPtr pr = li_doc_eval(d, NULL, p);
        for (int i = 0; pr != NULL && pr->nodesetval != NULL &&
                        i < pr->nodesetval->nodeNr && total == 0;
             i++)
            total += li_doc_count(d, S, pr->nodesetval->nodeTab[i], s);
        if (pr != NULL)
            xmlXPathFreeObject(pr);
        return total;
    }
    /* Deeper chains: inside the parent's first match is enough. */
    return count_any(d, S, p, depth + 1) > 0 ? li_doc_count(d, S, NULL, s) : 0;
}

/* Structural hints for a page whose selectors all fail (a renamed class
 * must still be reported, not make the page unrecognisable). */
static const char *hint_kind(const char *html, size_t len)
{
    struct {
        const char *mark;
        const char *kind;
    } hints[] = {{"jobs-easy-apply", "apply"},
                 {"urn:li:jobPosting:", "search"},
                 {"public_jobs_topcard", "posting"},
                 {"top-card-layout", "posting"},
                 {"jobs-apply-button", "job"},
                 {"jobs-unified-top-card", "job"},
                 {NULL, NULL}};
    for (size_t i = 0; hints[i].mark != NULL; i++) {
        size_t m = strlen(hints[i].mark);
        for (size_t j = 0; j + m <= len; j++)
            if (memcmp(html + j, hints[i].mark, m) == 0)
                return hints[i].kind;
    }
    return NULL;
}

/* See linkedin.h. */
const char *li_page_kind(const struct li_selectors *S, struct li_doc *d)
{
    const char *best = NULL;
    double best_score = 0;
    for (size_t k = 0; kinds[k] != NULL; k++) {
        int req = 0, hit = 0;
        for (size_t i = 0; i < S->n; i++) {
            const struct li_sel *s = &S->v[i];
            if (!s->required || strcmp(s->page, kinds[k]) != 0)
                continue;
            req++;
            hit += count_any(d, S, s, 0) > 0;
        }
        double score = req > 0 ? (double)hit / req : 0;
        if (hit > 0 && score > best_score) {
            best_score = score;
            best = kinds[k];
        }
    }
    return best;
}

static void sel_json(struct li_buf *b, const struct li_sel *s, bool parent_miss)
{
    (void)li_buf_puts(b, "{\"name\":");
    (void)li_buf_json_str(b, s->name);
    (void)li_buf_printf(b, ",\"version\":%d,\"selector\":", s->version);
    (void)li_buf_json_str(b, s->source);
    (void)li_buf_puts(b, ",\"help\":");
    (void)li_buf_json_str(b, s->help != NULL ? s->help : "");
    (void)li_buf_printf(b, ",\"required\":%s", s->required ? "true" : "false");
    if (parent_miss) {
        (void)li_buf_puts(b, ",\"within\":");
        (void)li_buf_json_str(b, s->within);
    }
    (void)li_buf_puts(b, "}");
}

/* See linkedin.h. */
int li_check_page(const struct li_selectors *S, const char *source,
                  const char *html, size_t len, const char *kind,
                  struct li_buf *report, bool *ok)
{
    struct li_doc d;
    *ok = false;
    int rc = li_doc_parse(html, len, &d);
    if (rc < 0)
        return rc;
    if (kind == NULL)
        kind = li_page_kind(S, &d);
    if (kind == NULL)
        kind = hint_kind(html, len);
    (void)li_buf_puts(report, "{\"source\":");
    (void)li_buf_json_str(report, source);
    if (kind == NULL) {
        (void)li_buf_puts(report,
                          ",\"kind\":null,\"ok\":false,\"checked\":0,"
                          "\"error\":\"cannot tell which page this is: pass "
                          "--kind search|posting|job|apply\"}");
        li_doc_free(&d);
        return 0;
    }
    (void)li_buf_puts(report, ",\"kind\":");
    (void)li_buf_json_str(report, kind);

    int checked = 0;
    bool all = true;
    struct li_buf missing, absent, matched;
    li_buf_init(&missing, 0);
    li_buf_init(&absent, 0);
    li_buf_init(&matched, 0);
    bool *hit = li_xcalloc(S->n, sizeof(bool));
    for (size_t i = 0; i < S->n; i++) {
        const struct li_sel *s = &S->v[i];
        if (strcmp(s->page, kind) != 0)
            continue;
        checked++;
        hit[i] = count_any(&d, S, s, 0) > 0;
    }
    for (size_t i = 0; i < S->n; i++) {
        const struct li_sel *s = &S->v[i];
        if (strcmp(s->page, kind) != 0)
            continue;
        bool parent_miss = s->parent >= 0 && !hit[s->parent];
        if (hit[i]) {
            if (matched.len > 0)
                (void)li_buf_puts(&matched, ",");
            (void)li_buf_json_str(&matched, s->name);
        } else if (s->required) {
            all = false;
            if (missing.len > 0)
                (void)li_buf_puts(&missing, ",");
            sel_json(&missing, s, parent_miss);
        } else {
            if (absent.len > 0)
                (void)li_buf_puts(&absent, ",");
            (void)li_buf_json_str(&absent, s->name);
        }
    }
    /* What state the page shows (a checkpoint saved instead of a job). */
    struct li_buf state;
    li_buf_init(&state, 0);
    for (size_t i = 0; i < S->n; i++) {
        const struct li_sel *s = &S->v[i];
        if (strcmp(s->page, "state") != 0 || li_doc_count(&d, S, NULL, s) == 0)
            continue;
        if (state.len > 0)
            (void)li_buf_puts(&state, ",");
        (void)li_buf_json_str(&state, s->name);
    }
    (void)li_buf_printf(report,
                        ",\"ok\":%s,\"checked\":%d,\"missing\":[%s],"
                        "\"absent\":[%s],\"matched\":[%s],\"state\":[%s]}",
                        all ? "true" : "false", checked, li_buf_str(&missing),
                        li_buf_str(&absent), li_buf_str(&matched),
                        li_buf_str(&state));
    *ok = all;
    free(hit);
    li_buf_free(&missing);
    li_buf_free(&absent);
    li_buf_free(&matched);
    li_buf_free(&state);
    li_doc_free(&d);
    return 0;
}
