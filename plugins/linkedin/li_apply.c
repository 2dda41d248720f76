/*
 * plugins/linkedin/li_apply.c - Easy Apply through a browser session the
 * host lends the call.
 *
 * The page is read with libxml2 through the selectors file (what kind of
 * page it is, what each question asks and which field it has) and acted
 * on with WebDriver through the same selectors' XPath.  The run stops,
 * loudly and without submitting, at anything it does not understand: a
 * security check, the sign-in wall, a field type it does not know, a
 * question it cannot answer in the field's type, an inline error after
 * Next, a dialog that never ends.  Each stop keeps a capture (screenshot
 * and HTML) with the application and discards the draft.  Once Submit
 * was clicked nothing is retried, whatever follows.
 *
 * The result (see hawk_jobboard_ops.apply) is
 *   {"status": "submitted|already_applied|dry_run|needs_attention|...",
 *    "reason": "checkpoint|signed_out|unknown_field|...",
 *    "message": "...", "questions": [{"question","type","answer",
 *    "source"}, ...]}
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <json-c/json.h>

#include "li_apply.h"

#define GROUPS_MAX 40
#define OPTIONS_MAX 50
#define SUGGESTIONS_MAX 10
#define POLL_MS 100

struct run {
    struct hawk_instance *in;
    struct hawk_call *call;
    const struct hawk_apply_req *req;
    struct hawk_error *err;
    struct li_wd w;
    json_object *answers; /* the host's answers_json, or NULL */
    struct li_buf qs;     /* the questions array's items */
    int nq;
    const char *status; /* static */
    const char *reason; /* static, or NULL */
    char msg[400];
    bool stop;      /* a reason to stop was found */
    bool submitted; /* Submit was clicked: never retry */
};

/* ------------------------------------------------------------------------
 * Small helpers
 * --------------------------------------------------------------------- */

/* Ends the run with a status to report (the first reason wins). */
static void stop(struct run *r, const char *status, const char *reason,
                 const char *fmt, ...) HAWK_PRINTF(4, 5);

static void stop(struct run *r, const char *status, const char *reason,
                 const char *fmt, ...)
{
    if (r->stop)
        return;
    r->stop = true;
    r->status = status;
    r->reason = reason;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->msg, sizeof(r->msg), fmt, ap);
    va_end(ap);
}

static void record(struct run *r, const char *q, const char *type,
                   const char *answer, const char *source)
{
    if (r->nq >= 200)
        return;
    (void)li_buf_puts(&r->qs, r->nq++ ? ",{\"question\":" : "{\"question\":");
    (void)li_buf_json_str(&r->qs, q);
    (void)li_buf_puts(&r->qs, ",\"type\":");
    (void)li_buf_json_str(&r->qs, type);
    if (answer != NULL) {
        (void)li_buf_puts(&r->qs, ",\"answer\":");
        (void)li_buf_json_str(&r->qs, answer);
    }
    (void)li_buf_puts(&r->qs, ",\"source\":");
    (void)li_buf_json_str(&r->qs, source);
    (void)li_buf_puts(&r->qs, "}");
}

static int pause_action(struct run *r)
{
    return li_pause(r->in, r->call, r->in->action_delay_min_ms,
                    r->in->action_delay_max_ms);
}

/* Real waits between polls (never the human-like ones). */
static int poll_wait(struct run *r)
{
    return r->in->api->sleep_ms(r->call, POLL_MS);
}

/* Keeps a capture with the application; a host that keeps none is not a
 * failure. */
static void capture(struct run *r, const char *reason)
{
    struct hawk_error e = HAWK_ERROR_INIT;
    if (HAWK_API_HAS(r->in->api, browser_capture) &&
        r->in->api->browser_capture(r->w.b, reason, &e) < 0 &&
        e.code != HAWK_EUNSUPPORTED)
        r->in->api->log(r->in->host, HAWK_LOG_WARN,
                        "linkedin: cannot keep the %s capture: %s", reason,
                        e.msg);
}

/* ------------------------------------------------------------------------
 * Reading the page (libxml2)
 * --------------------------------------------------------------------- */

/* Parses the current page into d.  0 or an error with r->err. */
static int page_doc(struct run *r, struct li_doc *d)
{
    char *html = NULL;
    int rc = li_wd_html(&r->w, &html);
    if (rc == 0 && li_doc_parse(html, strlen(html), d) < 0) {
        HAWK_ERR_SET(r->err, HAWK_EPROTO, true, 0,
                     "the page could not be parsed");
        rc = HAWK_EPROTO;
    }
    free(html);
    return rc;
}

static bool has(struct run *r, struct li_doc *d, const char *name)
{
    return li_doc_count(d, r->in->sel, NULL, li_sel(r->in->sel, name)) > 0;
}

/* What the job page shows: "checkpoint", "too_many", "signed_out",
 * "applied", "closed", "easy_apply", "offsite", "no_button", "not_found"
 * or "unknown". */
static const char *page_kind(struct run *r, struct li_doc *d)
{
    if (has(r, d, "state.checkpoint"))
        return "checkpoint";
    if (has(r, d, "state.too_many"))
        return "too_many";
    if (has(r, d, "state.signed_out"))
        return "signed_out";
    if (has(r, d, "job.applied"))
        return "applied";
    if (has(r, d, "job.closed"))
        return "closed";
    if (has(r, d, "job.easy_apply"))
        return "easy_apply";
    if (has(r, d, "job.offsite_apply"))
        return "offsite";
    if (has(r, d, "job.title"))
        return "no_button";
    if (has(r, d, "state.signed_in"))
        return "not_found";
    return "unknown";
}

/* One question as the group's HTML tells it. */
struct field {
    char kind[16]; /* file radio checkbox select typeahead date textarea
                      numeric text unknown none */
    char *label;
    char *options[OPTIONS_MAX];
    int n_options;
};

static void field_free(struct field *f)
{
    free(f->label);
    for (int i = 0; i < f->n_options; i++)
        free(f->options[i]);
    memset(f, 0, sizeof(*f));
}

/* Option texts of the nodes s matches (a select's <option>s, a radio's
 * labels). */
static void read_options(struct li_doc *d, const char *xpath, struct field *f)
{
    xmlXPathObjectPtr o =
        xmlXPathEvalExpression((const xmlChar *)xpath, d->ctx);
    if (o == NULL)
        return;
    for (int i = 0; o->nodesetval != NULL && i < o->nodesetval->nodeNr &&
                    f->n_options < OPTIONS_MAX;
         i++) {
        char *v = li_node_value(o->nodesetval->nodeTab[i], NULL);
        if (v != NULL)
            f->options[f->n_options++] = v;
    }
    xmlXPathFreeObject(o);
}

static const char *const field_kinds[][2] = {
    {"apply.field.file", "file"},           {"apply.field.radio", "radio"},
    {"apply.field.checkbox", "checkbox"},   {"apply.field.select", "select"},
    {"apply.field.typeahead", "typeahead"}, {"apply.field.date", "date"},
    {"apply.field.textarea", "textarea"},   {"apply.field.numeric", "numeric"},
    {"apply.field.text", "text"},
};

/* Reads one group (its outerHTML) into f.  0 or an error. */
static int read_group(struct run *r, const char *group, struct field *f)
{
    const struct li_selectors *S = r->in->sel;
    memset(f, 0, sizeof(*f));
    int rc = li_wd_exec(&r->w, "return arguments[0].outerHTML;", group);
    if (rc < 0)
        return rc;
    json_object *o = json_tokener_parse(li_buf_str(&r->w.val));
    const char *html = o != NULL && json_object_is_type(o, json_type_string)
                           ? json_object_get_string(o)
                           : "";
    struct li_doc d;
    if (li_doc_parse(html, strlen(html), &d) < 0) {
        json_object_put(o);
        li_doc_free(&d);
        snprintf(f->kind, sizeof(f->kind), "none");
        return 0;
    }
    json_object_put(o);
    /* Evaluated inside the fragment's root: the selectors' parents
     * (apply.group in apply.content) are not part of it. */
    xmlNodePtr root = xmlDocGetRootElement(d.doc);
    f->label = li_doc_value(&d, S, root, li_sel(S, "apply.group.label"));
    if (f->label != NULL)
        li_undouble(f->label);
    snprintf(f->kind, sizeof(f->kind), "none");
    for (size_t i = 0; i < sizeof(field_kinds) / sizeof(field_kinds[0]); i++)
        if (li_doc_count(&d, S, root, li_sel(S, field_kinds[i][0])) > 0) {
            snprintf(f->kind, sizeof(f->kind), "%s", field_kinds[i][1]);
            break;
        }
    if (strcmp(f->kind, "none") == 0 &&
        li_doc_count(&d, S, root, li_sel(S, "apply.field.any")) > 0)
        snprintf(f->kind, sizeof(f->kind), "unknown");
    if (strcmp(f->kind, "select") == 0)
        read_options(&d, "//select//option", f);
    else if (strcmp(f->kind, "radio") == 0 || strcmp(f->kind, "checkbox") == 0)
        read_options(&d, "//fieldset//label", f);
    li_doc_free(&d);
    return 0;
}

/* ------------------------------------------------------------------------
 * Answers
 * --------------------------------------------------------------------- */

static bool placeholder_option(const char *o)
{
    return li_icontains(o, "select an option") || o[0] == '\0';
}

/* The offered option equal to a (case and space insensitive), or NULL. */
static const char *match_option(const struct field *f, const char *a)
{
    char *ka = li_question_key(a);
    const char *hit = NULL;
    for (int i = 0; i < f->n_options && hit == NULL; i++) {
        char *ko = li_question_key(f->options[i]);
        if (!placeholder_option(f->options[i]) && strcmp(ka, ko) == 0)
            hit = f->options[i];
        free(ko);
    }
    free(ka);
    return hit;
}

/* An answer value from JSON as text (strings as they are, numbers and
 * booleans printed, the first item of an array). */
static char *json_text(json_object *v)
{
    if (v == NULL)
        return NULL;
    if (json_object_is_type(v, json_type_array))
        v = json_object_array_length(v) > 0 ? json_object_array_get_idx(v, 0)
                                            : NULL;
    if (v == NULL || json_object_is_type(v, json_type_null) ||
        json_object_is_type(v, json_type_object))
        return NULL;
    if (json_object_is_type(v, json_type_boolean))
        return li_xstrdup(json_object_get_boolean(v) ? "Yes" : "No");
    return li_xstrdup(json_object_get_string(v));
}

static int text_sink(struct hawk_text_sink *s, const char *d, size_t n)
{
    return li_buf_add(s->opaque, d, n);
}

/* The host's type for a field. */
static const char *answer_type(const struct field *f)
{
    if (strcmp(f->kind, "numeric") == 0)
        return "number";
    if (strcmp(f->kind, "select") == 0 || strcmp(f->kind, "radio") == 0)
        return "single_choice";
    if (strcmp(f->kind, "checkbox") == 0)
        return "multiple_choice";
    if (strcmp(f->kind, "textarea") == 0)
        return "textarea";
    if (strcmp(f->kind, "date") == 0)
        return "date";
    return "text";
}

/* Finds the answer to f: the application's and the user's own answers
 * the host sent, then the host's answer service.  *out (caller frees)
 * and *source (static) set; NULL with the run stopped when there is
 * none. */
static char *find_answer(struct run *r, const struct field *f,
                         const char **source)
{
    char *key = li_question_key(f->label);
    json_object *v = NULL;
    char *a = NULL;
    *source = "bank";
    if (r->answers != NULL && json_object_object_get_ex(r->answers, key, &v))
        a = json_text(v);
    free(key);
    if (a != NULL && a[0] != '\0')
        return a;
    free(a);
    a = NULL;
    const struct hawk_host_api *api = r->in->api;
    if (!HAWK_API_HAS(api, answer)) {
        stop(r, "needs_attention", "unanswered_question",
             "no answer for '%.200s' (this hawk has no answer service)",
             f->label);
        return NULL;
    }
    struct li_buf opts, out;
    li_buf_init(&opts, 0);
    li_buf_init(&out, 1 << 20);
    bool choice = strcmp(answer_type(f), "single_choice") == 0 ||
                  strcmp(answer_type(f), "multiple_choice") == 0;
    if (choice) {
        (void)li_buf_puts(&opts, "[");
        int n = 0;
        for (int i = 0; i < f->n_options; i++) {
            if (placeholder_option(f->options[i]))
                continue;
            (void)li_buf_puts(&opts, n++ ? "," : "");
            (void)li_buf_json_str(&opts, f->options[i]);
        }
        (void)li_buf_puts(&opts, "]");
    }
    struct hawk_text_sink s = {.opaque = &out, .write = text_sink};
    struct hawk_error e = HAWK_ERROR_INIT;
    int rc = api->answer(r->call, f->label, answer_type(f),
                         choice ? li_buf_str(&opts) : NULL, &s, &e);
    json_object *o = rc == 0 ? json_tokener_parse(li_buf_str(&out)) : NULL;
    if (o != NULL && json_object_object_get_ex(o, "answer", &v))
        a = json_text(v);
    /* "needs_review": the profile lacks the fact and nothing is guessed;
     * the reason names the fact. */
    if (o != NULL && a == NULL && json_object_object_get_ex(o, "reason", &v) &&
        json_object_is_type(v, json_type_string))
        snprintf(e.msg, sizeof(e.msg), "%.200s", json_object_get_string(v));
    if (o != NULL && json_object_object_get_ex(o, "source", &v) &&
        json_object_is_type(v, json_type_string)) {
        const char *src = json_object_get_string(v);
        *source = strcmp(src, "profile") == 0    ? "profile"
                  : strcmp(src, "override") == 0 ? "bank"
                  : strcmp(src, "cache") == 0    ? "cache"
                                                 : "llm";
    }
    json_object_put(o);
    li_buf_free(&opts);
    li_buf_free(&out);
    if (a == NULL || a[0] == '\0') {
        free(a);
        stop(r, "needs_attention", "unanswered_question",
             "no answer for '%.200s'%s%.150s", f->label,
             e.msg[0] != '\0' ? ": " : "", e.msg);
        return NULL;
    }
    return a;
}

/* ------------------------------------------------------------------------
 * Filling one question
 * --------------------------------------------------------------------- */

/* The field element of the group (the selector of its kind). */
static int field_ref(struct run *r, const char *group, const struct field *f,
                     char *ref)
{
    char name[48];
    snprintf(name, sizeof(name), "apply.field.%s", f->kind);
    int n = li_wd_sel_first(&r->w, r->in->sel, group, name, ref);
    if (n == 0) {
        stop(r, "board_outdated", "board_outdated",
             "selector '%s' matched in the page but not in the browser", name);
        return HAWK_EPROTO;
    }
    return n < 0 ? n : 0;
}

/* A value already there (LinkedIn fills contact fields from the
 * profile): kept as it is. */
static bool prefilled(struct run *r, const char *ref, char **value)
{
    *value = NULL;
    if (li_wd_prop(&r->w, ref, "value", value) < 0)
        return false;
    if ((*value)[0] == '\0' || placeholder_option(*value)) {
        free(*value);
        *value = NULL;
        return false;
    }
    return true;
}

static int fill_file(struct run *r, const char *group, const struct field *f)
{
    bool cover = li_icontains(f->label, "cover");
    const char *path = cover ? r->req->cover_letter_path : r->req->resume_path;
    if (path == NULL) {
        record(r, f->label, "file", NULL, "none");
        return 0;
    }
    char ref[LI_REF_MAX];
    int rc = field_ref(r, group, f, ref);
    if (rc < 0)
        return rc;
    /* LinkedIn hides the input behind its button; WebDriver types only
     * into visible ones. */
    rc = li_wd_exec(&r->w,
                    "arguments[0].classList.remove('hidden');"
                    "arguments[0].style.display='block'; return true;",
                    ref);
    if (rc == 0)
        rc = li_wd_type(&r->w, ref, path);
    const char *base = strrchr(path, '/');
    record(r, f->label, "file", base != NULL ? base + 1 : path,
           cover ? "cover_letter" : "resume");
    return rc;
}

static int fill_choice_labels(struct run *r, const char *group,
                              const char *answer)
{
    struct li_buf x;
    li_buf_init(&x, 0);
    (void)li_buf_puts(&x, ".//label[normalize-space(.)=");
    (void)li_xpath_literal(answer, &x);
    (void)li_buf_puts(&x, "]");
    char ref[LI_REF_MAX];
    int n = li_wd_first(&r->w, group, li_buf_str(&x), ref);
    li_buf_free(&x);
    if (n < 0)
        return n;
    if (n == 0) {
        stop(r, "needs_attention", "unanswered_question",
             "the option '%.150s' is not on the page", answer);
        return HAWK_ENOTFOUND;
    }
    return li_wd_click(&r->w, ref);
}

static int fill_select(struct run *r, const char *group, const struct field *f,
                       const char *answer)
{
    char ref[LI_REF_MAX];
    int rc = field_ref(r, group, f, ref);
    if (rc < 0)
        return rc;
    struct li_buf x;
    li_buf_init(&x, 0);
    (void)li_buf_puts(&x, ".//option[normalize-space(.)=");
    (void)li_xpath_literal(answer, &x);
    (void)li_buf_puts(&x, "]");
    char opt[LI_REF_MAX];
    int n = li_wd_first(&r->w, ref, li_buf_str(&x), opt);
    li_buf_free(&x);
    if (n <= 0)
        return n < 0 ? n : HAWK_ENOTFOUND;
    return li_wd_click(&r->w, opt);
}

/* Types the answer and picks the suggestion that starts with it (else
 * the first), waiting up to typeahead_wait for them. */
static int fill_typeahead(struct run *r, const char *group,
                          const struct field *f, const char *answer)
{
    char ref[LI_REF_MAX], modal[LI_REF_MAX];
    int rc = field_ref(r, group, f, ref);
    if (rc == 0)
        rc = li_wd_clear(&r->w, ref);
    if (rc == 0)
        rc = li_wd_type(&r->w, ref, answer);
    if (rc < 0)
        return rc;
    int n = li_wd_sel_first(&r->w, r->in->sel, NULL, "apply.modal", modal);
    if (n <= 0)
        return n < 0 ? n : HAWK_ENOTFOUND;
    const char *xp = li_sel(r->in->sel, "apply.typeahead.option")->xpath;
    char refs[SUGGESTIONS_MAX][LI_REF_MAX];
    int64_t waited = 0;
    for (;;) {
        n = li_wd_find(&r->w, modal, xp, refs, SUGGESTIONS_MAX);
        if (n != 0 || waited >= r->in->typeahead_wait_ms)
            break;
        rc = poll_wait(r);
        if (rc < 0)
            return rc;
        waited += POLL_MS;
    }
    if (n < 0)
        return n;
    if (n == 0) {
        stop(r, "needs_attention", "unanswered_question",
             "'%.150s' offered no suggestion for '%.100s'", f->label, answer);
        return HAWK_ENOTFOUND;
    }
    int pick = 0;
    for (int i = 0; i < n; i++) {
        char *t = NULL;
        if (li_wd_text(&r->w, refs[i], &t) == 0 &&
            strncasecmp(t, answer, strlen(answer)) == 0) {
            free(t);
            pick = i;
            break;
        }
        free(t);
    }
    return li_wd_click(&r->w, refs[pick]);
}

/* YYYY-MM-DD (or MM/DD/YYYY already) as LinkedIn's MM/DD/YYYY; false
 * when it is no date. */
static bool us_date(const char *a, char *out, size_t outlen)
{
    int y, m, d;
    char tail;
    if (sscanf(a, "%4d-%2d-%2d%c", &y, &m, &d, &tail) == 3 ||
        sscanf(a, "%2d/%2d/%4d%c", &m, &d, &y, &tail) == 3) {
        if (m < 1 || m > 12 || d < 1 || d > 31 || y < 1900 || y > 2200)
            return false;
        snprintf(out, outlen, "%02d/%02d/%04d", m, d, y);
        return true;
    }
    return false;
}

static bool whole_number(const char *a)
{
    long long v;
    return li_parse_int(a, -1000000000LL, 1000000000LL, &v) == 0;
}

/* Answers and fills one question group. */
static int fill_group(struct run *r, const char *group)
{
    struct field f;
    int rc = read_group(r, group, &f);
    if (rc < 0)
        return rc;
    if (strcmp(f.kind, "none") == 0) {
        field_free(&f);
        return 0;
    }
    if (f.label == NULL)
        f.label = li_xstrdup("(a question without a label)");
    if (strcmp(f.kind, "unknown") == 0) {
        stop(r, "needs_attention", "unknown_field",
             "'%.200s' has a field type the plugin does not know; nothing "
             "was submitted",
             f.label);
        record(r, f.label, "unknown", NULL, "none");
        field_free(&f);
        return 0;
    }
    if (strcmp(f.kind, "file") == 0) {
        rc = fill_file(r, group, &f);
        field_free(&f);
        return rc;
    }
    if (strcmp(f.kind, "checkbox") == 0 &&
        (li_icontains(f.label, "terms") || li_icontains(f.label, "privacy") ||
         li_icontains(f.label, "agree")) &&
        f.n_options == 1) {
        /* Terms and consents: ticked, as a person applying does. */
        char ref[LI_REF_MAX];
        int n = li_wd_first(&r->w, group, ".//input[@type='checkbox']", ref);
        char *checked = NULL;
        if (n > 0 && li_wd_prop(&r->w, ref, "checked", &checked) == 0 &&
            strcmp(checked, "true") != 0)
            rc = fill_choice_labels(r, group, f.options[0]);
        free(checked);
        record(r, f.label, "checkbox", f.options[0], "terms");
        field_free(&f);
        return n < 0 ? n : rc;
    }
    char ref[LI_REF_MAX];
    char *value = NULL;
    bool text_like =
        strcmp(f.kind, "text") == 0 || strcmp(f.kind, "numeric") == 0 ||
        strcmp(f.kind, "textarea") == 0 || strcmp(f.kind, "select") == 0;
    if (text_like) {
        rc = field_ref(r, group, &f, ref);
        if (rc < 0) {
            field_free(&f);
            return rc;
        }
        if (prefilled(r, ref, &value)) {
            record(r, f.label, answer_type(&f), value, "prefilled");
            free(value);
            field_free(&f);
            return 0;
        }
    }
    const char *source = NULL;
    char *answer = find_answer(r, &f, &source);
    if (answer == NULL) {
        field_free(&f);
        return 0;
    }
    /* Typed to the field: a whole number in a numeric field, one of the
     * offered options in a choice, a date in a date field. */
    const char *choice = NULL;
    char date[16];
    if (strcmp(f.kind, "numeric") == 0 && !whole_number(answer))
        stop(r, "needs_attention", "unanswerable",
             "'%.200s' needs a whole number; the answer was '%.60s'", f.label,
             answer);
    else if ((strcmp(f.kind, "select") == 0 || strcmp(f.kind, "radio") == 0 ||
              strcmp(f.kind, "checkbox") == 0) &&
             (choice = match_option(&f, answer)) == NULL)
        stop(r, "needs_attention", "unanswerable",
             "'%.200s' offers none of '%.60s'", f.label, answer);
    else if (strcmp(f.kind, "date") == 0 &&
             !us_date(answer, date, sizeof(date)))
        stop(r, "needs_attention", "unanswerable",
             "'%.200s' needs a date; the answer was '%.60s'", f.label, answer);
    if (r->stop) {
        record(r, f.label, answer_type(&f), answer, source);
        free(answer);
        field_free(&f);
        return 0;
    }
    if (strcmp(f.kind, "select") == 0) {
        rc = fill_select(r, group, &f, choice);
    } else if (strcmp(f.kind, "radio") == 0 ||
               strcmp(f.kind, "checkbox") == 0) {
        rc = fill_choice_labels(r, group, choice);
    } else if (strcmp(f.kind, "typeahead") == 0) {
        rc = fill_typeahead(r, group, &f, answer);
    } else {
        if (strcmp(f.kind, "date") == 0)
            rc = field_ref(r, group, &f, ref);
        if (rc == 0)
            rc = li_wd_clear(&r->w, ref);
        if (rc == 0)
            rc = li_wd_type(&r->w, ref,
                            strcmp(f.kind, "date") == 0 ? date : answer);
    }
    record(r, f.label, answer_type(&f), choice != NULL ? choice : answer,
           source);
    free(answer);
    field_free(&f);
    if (rc == 0)
        rc = pause_action(r);
    /* A choice that is not on the page stopped the run: not an error. */
    return r->stop && rc == HAWK_ENOTFOUND ? 0 : rc;
}

/* ------------------------------------------------------------------------
 * The dialog
 * --------------------------------------------------------------------- */

/* Closes the dialog and discards the draft (best effort). */
static void discard(struct run *r)
{
    char ref[LI_REF_MAX];
    if (li_wd_sel_first(&r->w, r->in->sel, NULL, "apply.dismiss", ref) <= 0 ||
        li_wd_click(&r->w, ref) < 0)
        return;
    for (int i = 0; i < 20; i++) {
        if (li_wd_sel_first(&r->w, r->in->sel, NULL, "apply.discard", ref) >
            0) {
            (void)li_wd_click(&r->w, ref);
            return;
        }
        if (poll_wait(r) < 0)
            return;
    }
}

/* Waits up to ms for the named selector; 1 found, 0 not, or an error. */
static int wait_for(struct run *r, const char *scope, const char *name,
                    int64_t ms, char *ref)
{
    for (int64_t waited = 0;; waited += POLL_MS) {
        int n = li_wd_sel_first(&r->w, r->in->sel, scope, name, ref);
        if (n != 0 || waited >= ms)
            return n;
        int rc = poll_wait(r);
        if (rc < 0)
            return rc;
    }
}

/* Collects the inline errors' texts into r->msg and stops. */
static int inline_errors(struct run *r, const char *modal)
{
    const char *xp = li_sel(r->in->sel, "apply.error")->xpath;
    char refs[8][LI_REF_MAX];
    int n = li_wd_find(&r->w, modal, xp, refs, 8);
    if (n <= 0)
        return n;
    struct li_buf b;
    li_buf_init(&b, 300);
    for (int i = 0; i < n; i++) {
        char *t = NULL;
        if (li_wd_text(&r->w, refs[i], &t) == 0 && t[0] != '\0') {
            (void)li_buf_puts(&b, b.len ? "; " : "");
            (void)li_buf_puts(&b, t);
        }
        free(t);
    }
    stop(r, "needs_attention", "form_error",
         "LinkedIn refused the answers: %.300s", li_buf_str(&b));
    li_buf_free(&b);
    return n;
}

/* Unticks "follow the company" when it is ticked. */
static int untick_follow(struct run *r, const char *modal)
{
    char ref[LI_REF_MAX];
    char *checked = NULL;
    int n = li_wd_sel_first(&r->w, r->in->sel, modal, "apply.follow", ref);
    if (n <= 0)
        return n;
    int rc = li_wd_prop(&r->w, ref, "checked", &checked);
    if (rc == 0 && strcmp(checked, "true") == 0) {
        char label[LI_REF_MAX];
        n = li_wd_sel_first(&r->w, r->in->sel, modal, "apply.follow_label",
                            label);
        rc = n > 0 ? li_wd_click(&r->w, label) : li_wd_click(&r->w, ref);
    }
    free(checked);
    return rc;
}

/* Clicks Submit; from here on nothing is retried. */
static int submit(struct run *r, const char *modal, const char *button)
{
    int rc = untick_follow(r, modal);
    if (rc < 0)
        return rc;
    if (r->req->dry_run) {
        stop(r, "dry_run", NULL,
             "every step was filled; a dry run does not submit");
        discard(r);
        return 0;
    }
    r->submitted = true;
    rc = li_wd_click(&r->w, button);
    char ref[LI_REF_MAX];
    int n = rc == 0 ? wait_for(r, NULL, "apply.sent", 10000, ref) : rc;
    if (n > 0) {
        r->status = "submitted";
        r->stop = true;
        return 0;
    }
    capture(r, "unconfirmed");
    stop(r, "unconfirmed", "unconfirmed",
         "Submit was clicked but LinkedIn showed no confirmation; check the "
         "application on LinkedIn (it is not sent again)");
    return 0;
}

/* Walks the dialog's steps from the open dialog. */
static int walk(struct run *r)
{
    const struct li_selectors *S = r->in->sel;
    char modal[LI_REF_MAX], content[LI_REF_MAX], btn[LI_REF_MAX];
    char groups[GROUPS_MAX][LI_REF_MAX];
    for (int step = 0; step < r->in->max_steps; step++) {
        int n = wait_for(r, NULL, "apply.modal", 5000, modal);
        if (n == 0) {
            capture(r, "board_outdated");
            stop(r, "board_outdated", "board_outdated",
                 "selector 'apply.modal' (version %d) matched nothing after "
                 "Easy Apply was clicked",
                 li_sel(S, "apply.modal")->version);
        }
        if (n <= 0)
            return n;
        n = li_wd_sel_first(&r->w, S, modal, "apply.content", content);
        if (n <= 0)
            return n;
        n = li_wd_find(&r->w, content, li_sel(S, "apply.group")->xpath, groups,
                       GROUPS_MAX);
        for (int i = 0; i < n && !r->stop; i++) {
            int rc = fill_group(r, groups[i]);
            if (rc < 0)
                return rc;
        }
        if (n < 0)
            return n;
        if (r->stop) {
            capture(r, r->reason != NULL ? r->reason : "stopped");
            discard(r);
            return 0;
        }
        n = li_wd_sel_first(&r->w, S, modal, "apply.button.submit", btn);
        if (n < 0)
            return n;
        if (n > 0)
            return submit(r, modal, btn);
        n = li_wd_sel_first(&r->w, S, modal, "apply.button.review", btn);
        if (n == 0)
            n = li_wd_sel_first(&r->w, S, modal, "apply.button.next", btn);
        if (n == 0)
            n = li_wd_sel_first(&r->w, S, modal, "apply.button.primary", btn);
        if (n == 0) {
            capture(r, "board_outdated");
            stop(r, "board_outdated", "board_outdated",
                 "selector 'apply.button.primary' (version %d) matched "
                 "nothing in the dialog",
                 li_sel(S, "apply.button.primary")->version);
            discard(r);
            return 0;
        }
        int rc = n < 0 ? n : li_wd_click(&r->w, btn);
        if (rc == 0)
            rc = pause_action(r);
        if (rc == 0)
            rc = poll_wait(r);
        if (rc < 0)
            return rc;
        n = inline_errors(r, modal);
        if (n < 0)
            return n;
        if (r->stop) {
            capture(r, "form_error");
            discard(r);
            return 0;
        }
    }
    capture(r, "too_many_steps");
    stop(r, "needs_attention", "too_many_steps",
         "the dialog did not end after %d steps", r->in->max_steps);
    discard(r);
    return 0;
}

/* ------------------------------------------------------------------------
 * The job page
 * --------------------------------------------------------------------- */

/* Puts the configured li_at cookie into the session (on LinkedIn's
 * domain first, as WebDriver requires). */
static int sign_in(struct run *r)
{
    const char *cookie = r->in->session_cookie;
    if (cookie == NULL || cookie[0] == '\0')
        return 0;
    char *url = li_xasprintf("%s/robots.txt", r->in->base_url);
    int rc = li_wd_navigate(&r->w, url);
    free(url);
    if (rc < 0)
        return rc;
    struct li_buf b;
    li_buf_init(&b, 0);
    (void)li_buf_puts(&b, "{\"cookie\":{\"name\":\"li_at\",\"value\":");
    (void)li_buf_json_str(&b, cookie);
    /* Secure cookies are not sent over plain http (the local stand-in). */
    (void)li_buf_printf(&b, ",\"path\":\"/\",\"httpOnly\":true,\"secure\":%s}}",
                        strncmp(r->in->base_url, "https://", 8) == 0 ? "true"
                                                                     : "false");
    rc = li_wd_cmd(&r->w, "POST", "/cookie", li_buf_str(&b));
    li_buf_free(&b);
    return rc;
}

/* Opens the job and the dialog, then walks it. */
static int apply_job(struct run *r, const char *job_id)
{
    char *url = li_xasprintf("%s/jobs/view/%s/", r->in->base_url, job_id);
    int rc = sign_in(r);
    if (rc == 0)
        rc = li_wd_navigate(&r->w, url);
    free(url);
    if (rc == 0)
        rc = pause_action(r);
    if (rc < 0)
        return rc;
    struct li_doc d;
    rc = page_doc(r, &d);
    const char *kind = rc == 0 ? page_kind(r, &d) : "unknown";
    li_doc_free(&d);
    if (rc < 0)
        return rc;
    if (strcmp(kind, "checkpoint") == 0) {
        capture(r, "checkpoint");
        stop(r, "needs_attention", "checkpoint",
             "LinkedIn asks for a security check (CAPTCHA); sign in on "
             "LinkedIn, pass it, then approve the application again");
        return 0;
    }
    if (strcmp(kind, "signed_out") == 0) {
        capture(r, "signed_out");
        stop(r, "needs_attention", "signed_out",
             "LinkedIn shows the sign-in page: the li_at session is missing "
             "or expired; give hawk a fresh one");
        return 0;
    }
    if (strcmp(kind, "too_many") == 0) {
        capture(r, "too_many_requests");
        HAWK_ERR_SET(r->err, HAWK_ERATELIMIT, true, 429,
                     "LinkedIn answered 'too many requests'; the account "
                     "rests before the next try");
        return HAWK_ERATELIMIT;
    }
    if (strcmp(kind, "applied") == 0) {
        stop(r, "already_applied", NULL,
             "LinkedIn shows this account applied already");
        return 0;
    }
    if (strcmp(kind, "closed") == 0) {
        stop(r, "job_closed", "job_closed",
             "the job no longer accepts applications");
        return 0;
    }
    if (strcmp(kind, "not_found") == 0) {
        stop(r, "job_not_found", "job_not_found",
             "the job %s no longer exists on LinkedIn", job_id);
        return 0;
    }
    if (strcmp(kind, "offsite") == 0 || strcmp(kind, "no_button") == 0) {
        stop(r, "needs_attention", "offsite",
             "this job is not an Easy Apply job; apply on the company's "
             "site");
        return 0;
    }
    if (strcmp(kind, "unknown") == 0) {
        capture(r, "board_outdated");
        stop(r, "board_outdated", "board_outdated",
             "the job page matched none of the job.* and state.* selectors "
             "(%s); update the selectors file",
             r->in->sel->origin);
        return 0;
    }
    char ref[LI_REF_MAX];
    int n = li_wd_sel_first(&r->w, r->in->sel, NULL, "job.easy_apply", ref);
    rc = n > 0 ? li_wd_click(&r->w, ref) : n < 0 ? n : HAWK_ENOTFOUND;
    if (rc == 0)
        rc = pause_action(r);
    if (rc < 0)
        return rc;
    /* The "Job search safety reminder" comes before the dialog on some
     * jobs. */
    n = li_wd_sel_first(&r->w, r->in->sel, NULL, "apply.modal", ref);
    if (n == 0 && li_wd_sel_first(&r->w, r->in->sel, NULL,
                                  "job.safety_continue", ref) > 0) {
        rc = li_wd_click(&r->w, ref);
        if (rc < 0)
            return rc;
    }
    return walk(r);
}

/* ------------------------------------------------------------------------
 * The op
 * --------------------------------------------------------------------- */

/* "3.1 MiB", "900 KiB", "512 bytes". */
static void li_size_text(int64_t n, char *out, size_t outlen)
{
    if (n >= 1048576)
        snprintf(out, outlen, "%.1f MiB", (double)n / 1048576.0);
    else if (n >= 1024)
        snprintf(out, outlen, "%.0f KiB", (double)n / 1024.0);
    else
        snprintf(out, outlen, "%lld bytes", (long long)n);
}

/* A document over LinkedIn's limit: stops before anything is opened. */
static bool too_big(struct run *r, const char *path, const char *what)
{
    struct stat st;
    if (path == NULL || stat(path, &st) != 0 ||
        st.st_size <= r->in->max_upload_bytes)
        return false;
    char has[32], max[32];
    li_size_text(st.st_size, has, sizeof(has));
    li_size_text(r->in->max_upload_bytes, max, sizeof(max));
    stop(r, "needs_attention", "upload_too_big",
         "the %s is %s; LinkedIn accepts at most %s: upload a smaller file",
         what, has, max);
    return true;
}

static int write_result(struct run *r, struct hawk_text_sink *out)
{
    struct li_buf b;
    li_buf_init(&b, 0);
    (void)li_buf_puts(&b, "{\"status\":");
    (void)li_buf_json_str(&b, r->status != NULL ? r->status : "unknown");
    if (r->reason != NULL) {
        (void)li_buf_puts(&b, ",\"reason\":");
        (void)li_buf_json_str(&b, r->reason);
    }
    if (r->msg[0] != '\0') {
        (void)li_buf_puts(&b, ",\"message\":");
        (void)li_buf_json_str(&b, r->msg);
    }
    (void)li_buf_puts(&b, ",\"questions\":[");
    (void)li_buf_add(&b, r->qs.data != NULL ? r->qs.data : "", r->qs.len);
    (void)li_buf_puts(&b, "]}");
    int rc = out->write(out, li_buf_str(&b), b.len);
    li_buf_free(&b);
    return rc;
}

/* See li_apply.h. */
int li_op_apply(struct hawk_instance *in, struct hawk_call *call,
                const struct hawk_apply_req *req,
                struct hawk_text_sink *result_json, struct hawk_error *err)
{
    const struct hawk_host_api *api = in->api;
    char job_id[24];
    if (li_job_id_from_url(req->external_id, job_id, sizeof(job_id)) < 0 &&
        li_job_id_from_url(req->job_url, job_id, sizeof(job_id)) < 0) {
        HAWK_ERR_SET(err, HAWK_EINVAL, false, 0,
                     "'%.100s' is not a LinkedIn job id or URL (expected "
                     "https://www.linkedin.com/jobs/view/<id>/)",
                     req->job_url != NULL ? req->job_url : req->external_id);
        return HAWK_EINVAL;
    }
    if (!HAWK_API_HAS(api, browser_open)) {
        HAWK_ERR_SET(err, HAWK_EUNSUPPORTED, false, 0,
                     "Easy Apply needs a hawk with the browser service (host "
                     "API 1.1)");
        return HAWK_EUNSUPPORTED;
    }
    struct run r = {.in = in, .call = call, .req = req, .err = err};
    li_buf_init(&r.qs, 1 << 20);
    if (req->answers_json != NULL)
        r.answers = json_tokener_parse(req->answers_json);
    int rc = 0;
    if (too_big(&r, req->resume_path, "resume") ||
        too_big(&r, req->cover_letter_path, "cover letter"))
        goto result;

    int64_t account = api->call_user_id(call);
    struct li_pace_verdict v;
    if (li_pace_begin(in->pace, account, api->now_ms(in->host), &v) < 0) {
        rc = v.result == LI_PACE_CAPPED || v.result == LI_PACE_BACKOFF
                 ? HAWK_ERATELIMIT
                 : HAWK_EUNAVAIL;
        HAWK_ERR_SET(err, rc, true, 0,
                     "linkedin account paced (%s, %d applications today): "
                     "next try in %lld s",
                     li_pace_result_name(v.result), v.used_today,
                     (long long)(v.wait_ms / 1000));
        if (err != NULL)
            err->retry_after_ms =
                v.wait_ms > INT32_MAX ? INT32_MAX : (int)v.wait_ms;
        goto out;
    }
    struct hawk_browser *b = NULL;
    rc = api->browser_open(call, in->profile, &b, err);
    if (rc == 0) {
        int64_t t0 = api->now_ms(in->host);
        li_wd_init(&r.w, api, in->host, b, err);
        rc = apply_job(&r, job_id);
        /* What the run cost on each side, for bench/browser: the time
         * waiting on the browser and the plugin's own (pauses included). */
        api->log(in->host, HAWK_LOG_INFO,
                 "linkedin: job %s %s in %lld ms (%lld ms in %d browser "
                 "commands, %d questions)",
                 job_id,
                 rc < 0             ? "failed"
                 : r.status != NULL ? r.status
                                    : "ended",
                 (long long)(api->now_ms(in->host) - t0), (long long)r.w.cmd_ms,
                 r.w.cmds, r.nq);
        li_wd_release(&r.w);
        /* A session that failed mid-way may hold a half-filled page. */
        api->browser_close(b, rc == 0);
    }
    li_pace_end(in->pace, account, api->now_ms(in->host),
                r.submitted             ? LI_PACE_SUBMITTED
                : rc == HAWK_ERATELIMIT ? LI_PACE_REFUSED
                                        : LI_PACE_DONE);
    if (rc < 0 && r.submitted) {
        /* Never again once Submit was clicked. */
        r.stop = false;
        stop(&r, "unconfirmed", "unconfirmed",
             "Submit was clicked, then the browser failed (%.200s); check "
             "the application on LinkedIn (it is not sent again)",
             err != NULL ? err->msg : "");
        rc = 0;
    }
    if (rc < 0)
        goto out;
result:
    rc = write_result(&r, result_json);
out:
    json_object_put(r.answers);
    li_buf_free(&r.qs);
    return rc;
}
