/*
 * plugins/linkedin/li_apply.h - Easy Apply through the host's browser:
 * the WebDriver helpers (li_wd.c) and the application itself
 * (li_apply.c, li_fill.c).
 */
#ifndef LI_APPLY_H
#define LI_APPLY_H

#include "li_instance.h"

/* chromedriver's element references are about 60 bytes. */
#define LI_REF_MAX 128

/* ---- li_wd.c ---- */

/* A session lent by the host, with the last command's answer. */
struct li_wd {
    const struct hawk_host_api *api;
    struct hawk_browser *b; /* borrowed; closed by the caller */
    struct hawk_error *err; /* where failures are described */
    struct li_buf val;      /* the last answer's "value" JSON text */
    struct hawk_host *host; /* for the clock */
    int64_t cmd_ms;         /* time spent waiting on WebDriver */
    int cmds;               /* commands sent */
};

void li_wd_init(struct li_wd *w, const struct hawk_host_api *api,
                struct hawk_host *host, struct hawk_browser *b,
                struct hawk_error *err);
void li_wd_release(struct li_wd *w);
/* One command; its value in w->val.  0 or the host's error. */
int li_wd_cmd(struct li_wd *w, const char *method, const char *path,
              const char *body);
/* Elements matching xpath (relative ".//...") in scope (an element
 * reference, NULL: the document): their references into refs, at most
 * max.  The count (0: none), or a negative error. */
int li_wd_find(struct li_wd *w, const char *scope, const char *xpath,
               char (*refs)[LI_REF_MAX], int max);
/* The first match into ref: 1, 0 when none, or a negative error. */
int li_wd_first(struct li_wd *w, const char *scope, const char *xpath,
                char *ref);
/* The same for a named selector. */
int li_wd_sel_first(struct li_wd *w, const struct li_selectors *S,
                    const char *scope, const char *name, char *ref);
/* Runs a script (arguments[0] is the element ref when not NULL). */
int li_wd_exec(struct li_wd *w, const char *script, const char *ref);
/* Clicks; an element covered by an overlay is clicked by script. */
int li_wd_click(struct li_wd *w, const char *ref);
int li_wd_type(struct li_wd *w, const char *ref, const char *text);
int li_wd_clear(struct li_wd *w, const char *ref);
/* Rendered text / a DOM property as text ("" for null).  *out: caller
 * frees. */
int li_wd_text(struct li_wd *w, const char *ref, char **out);
int li_wd_prop(struct li_wd *w, const char *ref, const char *name, char **out);
int li_wd_navigate(struct li_wd *w, const char *url);
int li_wd_url(struct li_wd *w, char **out);
/* The page's HTML as scripts left it.  *out: caller frees. */
int li_wd_html(struct li_wd *w, char **out);

/* ---- li_apply.c ---- */

int li_op_apply(struct hawk_instance *in, struct hawk_call *call,
                const struct hawk_apply_req *req,
                struct hawk_text_sink *result_json, struct hawk_error *err);

#endif
