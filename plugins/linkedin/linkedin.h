/*
 * plugins/linkedin/linkedin.h - internals of the LinkedIn job board
 * plugin shared by its files.  Nothing here is exported: the version
 * script keeps every symbol but hawk_plugin_v1 local.
 */
#ifndef LI_LINKEDIN_H
#define LI_LINKEDIN_H

#include <libxml/tree.h>
#include <libxml/xpath.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hawk/plugin.h"

/* ---- li_util.c ----------------------------------------------------------- */

/* Abort on OOM like the host; sizes from outside are bounded by li_buf. */
void *li_xmalloc(size_t n);
void *li_xcalloc(size_t n, size_t size);
void *li_xrealloc(void *p, size_t n);
char *li_xstrdup(const char *s);
char *li_xstrndup(const char *s, size_t n);
char *li_xasprintf(const char *fmt, ...) HAWK_PRINTF(1, 2);

/* Growable text buffer with a hard cap (HAWK_ETOOBIG past it). */
struct li_buf {
    char *data;
    size_t len, cap, max;
};
void li_buf_init(struct li_buf *b, size_t max); /* max 0: 64 MiB */
void li_buf_free(struct li_buf *b);
void li_buf_reset(struct li_buf *b);
int li_buf_add(struct li_buf *b, const char *s, size_t n);
int li_buf_puts(struct li_buf *b, const char *s);
int li_buf_printf(struct li_buf *b, const char *fmt, ...) HAWK_PRINTF(2, 3);
const char *li_buf_str(const struct li_buf *b);
int li_buf_json_str(struct li_buf *b, const char *s);
int li_buf_urlenc(struct li_buf *b, const char *s);

char *li_squash(char *s);
void li_lower(const char *s, char *out, size_t outlen);
bool li_icontains(const char *haystack, const char *needle);
int li_parse_int(const char *s, long long min, long long max, long long *out);
size_t li_distance(const char *a, const char *b);
/* A question's key as the host normalizes it: lower-case words of
 * letters and digits joined by one space.  Caller frees. */
char *li_question_key(const char *text);
/* A label LinkedIn repeats for screen readers ("Email Email") said once;
 * in place. */
void li_undouble(char *s);
/* s as an XPath 1.0 string literal appended to out (concat() when it
 * holds both quote kinds).  0 or HAWK_ETOOBIG. */
int li_xpath_literal(const char *s, struct li_buf *out);

/* ---- li_sel.c: the selectors file ----------------------------------------- */

struct li_sel {
    char *name;   /* "search.card.title" */
    char *source; /* as written (CSS or XPath), for messages */
    char *xpath;  /* compiled XPath text (relative) */
    xmlXPathCompExprPtr comp;
    char *within; /* parent selector's name, or NULL */
    int parent;   /* index of the parent, -1 */
    char *attr;   /* attribute to read, NULL: the text */
    char page[16];
    bool required;
    int version;
    char *help;
};

struct li_selectors {
    int version;
    char *updated;
    char *origin; /* file path, for messages */
    struct li_sel *v;
    size_t n;
};

/* Every selector name the plugin uses (li_sel_names.c); the file must
 * define them all. */
extern const char *const li_selector_names[];

/* Compiles a CSS subset selector to a relative XPath 1.0 expression
 * appended to out.  0, or HAWK_EINVAL with err naming the problem. */
int li_css_to_xpath(const char *css, struct li_buf *out, char *err,
                    size_t errlen);

/* Parses a selectors document (origin names it in messages).  On
 * success *out (free with li_selectors_free).  HAWK_EINVAL with err
 * "FILE: selector 'x': ..." otherwise. */
int li_selectors_parse(const char *text, size_t len, const char *origin,
                       struct li_selectors **out, char *err, size_t errlen);
/* Reads and parses a file: 0 or HAWK_ECONFIG with err. */
int li_selectors_load(const char *path, struct li_selectors **out, char *err,
                      size_t errlen);
void li_selectors_free(struct li_selectors *S);
/* By name, NULL when absent / aborts when absent (for names the plugin
 * declared). */
const struct li_sel *li_sel_find(const struct li_selectors *S,
                                 const char *name);
const struct li_sel *li_sel(const struct li_selectors *S, const char *name);

/* ---- li_html.c: libxml2 documents ----------------------------------------- */

struct li_doc {
    xmlDocPtr doc;
    xmlXPathContextPtr ctx;
};

/* Parses HTML (UTF-8) of len bytes: 0, HAWK_EPROTO, HAWK_ETOOBIG.
 * Release with li_doc_free() in every case. */
int li_doc_parse(const char *html, size_t len, struct li_doc *d);
void li_doc_free(struct li_doc *d);
/* Node set of s evaluated at `at` (NULL: the document); caller frees
 * with xmlXPathFreeObject; NULL when the expression yields no node set. */
xmlXPathObjectPtr li_doc_eval(struct li_doc *d, xmlNodePtr at,
                              const struct li_sel *s);
/* The same, but with at NULL a selector with a parent is evaluated inside
 * the parent's first match. */
xmlXPathObjectPtr li_doc_select(struct li_doc *d, const struct li_selectors *S,
                                xmlNodePtr at, const struct li_sel *s);
int li_doc_count(struct li_doc *d, const struct li_selectors *S, xmlNodePtr at,
                 const struct li_sel *s);
/* Text (white space squashed) or attribute of a node; NULL when empty.
 * Caller frees. */
char *li_node_value(xmlNodePtr n, const char *attr);
/* The value of the first match of s with a non-empty value; NULL when
 * none.  Caller frees. */
char *li_doc_value(struct li_doc *d, const struct li_selectors *S,
                   xmlNodePtr at, const struct li_sel *s);

/* ---- li_parse.c: guest pages ------------------------------------------ */

/* A selector that stopped matching: the run ends with board_outdated. */
struct li_outdated {
    char name[64];
    int version;
    char page[16];
};

struct li_card {
    char *id; /* numeric job id */
    char *title;
    char *company;
    char *company_url;
    char *location;
    char *salary;
    char *benefits;
    char *url; /* job URL without query */
    char *logo;
    char *listed;      /* YYYY-MM-DD */
    int64_t posted_at; /* unix seconds at 00:00 UTC, 0 unknown */
    int workplace;     /* HAWK_WORKPLACE_* guessed from the location */
};

struct li_cards {
    struct li_card *v;
    size_t n;
    bool empty_page; /* LinkedIn's empty answer: no more results */
};

/* Parses a guest search result fragment.  0 with cards (release with
 * li_cards_free), or HAWK_EPROTO with *o naming the first required
 * selector that matched nothing on a page that is not empty. */
int li_parse_search(const struct li_selectors *S, const char *html, size_t len,
                    struct li_cards *out, struct li_outdated *o);
void li_cards_free(struct li_cards *c);

struct li_posting {
    char *title;
    char *company;
    char *location;
    char *description;
    char *posted;
    char *seniority;
    char *employment_type;
    char *job_function;
    char *industries;
    char *salary;
    char *apply_url; /* offsite application URL, or NULL */
    int applicants;  /* -1 unknown */
    bool easy_apply;
    bool offsite;
    bool closed;
};

/* Parses a guest job posting fragment: 0, or HAWK_EPROTO with *o. */
int li_parse_posting(const struct li_selectors *S, const char *html, size_t len,
                     struct li_posting *p, struct li_outdated *o);
void li_posting_free(struct li_posting *p);

/* The job id of a LinkedIn job URL (https://www.linkedin.com/jobs/view/
 * <slug>-<id>/, ...?currentJobId=<id>, /jobs/view/<id>) or of a bare id;
 * 0 with id (digits, at most 19) or HAWK_EINVAL. */
int li_job_id_from_url(const char *url, char *id, size_t idlen);

/* Parses the number of "37 applicants" / "Over 200 applicants": -1 when
 * none. */
int li_applicants(const char *s);

/* ---- li_pace.c: pacing per account ---------------------------------------- */

struct li_pace_cfg {
    int daily_cap;           /* submissions per account and UTC day */
    int64_t min_gap_ms;      /* shortest time between two submissions */
    int64_t backoff_base_ms; /* first block after a refusal; doubles */
    int64_t backoff_cap_ms;  /* longest block */
};

enum li_pace_result {
    LI_PACE_OK = 0,  /* go: the account is now held (call li_pace_end) */
    LI_PACE_BUSY,    /* another run holds the account's session */
    LI_PACE_PAUSED,  /* the user paused the account */
    LI_PACE_CAPPED,  /* the daily cap is reached; wait_ms to UTC midnight */
    LI_PACE_WAIT,    /* too soon after the last submission; wait_ms */
    LI_PACE_BACKOFF, /* LinkedIn refused the account lately; wait_ms */
};

struct li_pace_verdict {
    enum li_pace_result result;
    int64_t wait_ms; /* when it may go, for CAPPED, WAIT and BACKOFF */
    int used_today;  /* submissions counted today */
};

enum li_pace_outcome {
    LI_PACE_DONE = 0,  /* ended without submitting (nothing counted) */
    LI_PACE_SUBMITTED, /* an application went out: counts toward the cap */
    LI_PACE_REFUSED,   /* LinkedIn refused (429, too many requests) */
};

struct li_pace;
/* Thread-safe pacing state.  Caller frees with li_pace_free(). */
struct li_pace *li_pace_new(const struct li_pace_cfg *cfg);
void li_pace_free(struct li_pace *p);
/* Asks to start a run for account at now_ms (unix epoch ms).  0 when it
 * may go (the account is held until li_pace_end), else -1 with *v saying
 * why and how long to wait. */
int li_pace_begin(struct li_pace *p, int64_t account, int64_t now_ms,
                  struct li_pace_verdict *v);
/* Ends a run li_pace_begin admitted, with its outcome. */
void li_pace_end(struct li_pace *p, int64_t account, int64_t now_ms,
                 enum li_pace_outcome o);
/* The kill switch: a paused account starts no run until resumed. */
void li_pace_set_paused(struct li_pace *p, int64_t account, bool paused);
/* "ok", "busy", "paused", "daily_cap", "too_soon", "rate_limited". */
const char *li_pace_result_name(enum li_pace_result r);
/* A human-like pause in [lo, hi] from two random numbers (the mean of two
 * uniform draws: most pauses near the middle, none outside). */
int64_t li_human_delay(int64_t lo, int64_t hi, uint64_t r1, uint64_t r2);

/* ---- li_check.c: the selector self-check ---------------------------------- */

/* Which kind of page html is (search, posting, job, apply, state), by
 * how many of each kind's required selectors match; NULL when none. */
const char *li_page_kind(const struct li_selectors *S, struct li_doc *d);

/* Checks every selector of the page's kind (kind NULL: detected) on one
 * page, appending a JSON object {"source","kind","ok","checked",
 * "missing":[{"name","version","selector","help","required"}],
 * "matched":[names]} to report.  *ok tells whether every required
 * selector (and every optional one whose parent matched, when
 * strict) matched. */
int li_check_page(const struct li_selectors *S, const char *source,
                  const char *html, size_t len, const char *kind,
                  struct li_buf *report, bool *ok);

#endif
