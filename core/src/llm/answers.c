/*
 * llm/answers.c - answers to application questions.
 *
 * The question is first classified into a typed slot (qrules.h).  Then,
 * for one question of one user:
 *   1. the user's override (PUT /api/v1/answers) - always wins;
 *   2. for a slot that is a profile fact, the answer computed from the
 *      profile (recomputed every time, so it follows the resume), or
 *      "needs_review" when the resume lacks the fact: never a guess;
 *   3. an answer the LLM gave before (cached by normalized question, so
 *      the same question is never paid for twice);
 *   4. the LLM, with the profile's facts in its context.  It must say
 *      whether the profile supports its answer and cite the facts used;
 *      unsupported (or a yes/no, number or date citing nothing) is
 *      "needs_review".  The answer must fit the input type (a number,
 *      exactly one of the options...) and must not contradict the facts,
 *      else it is asked once more.
 * Answers from 2 and 4 are stored; "needs_review" and an override are
 * never overwritten by a guess.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app/app.h"
#include "db/db.h"
#include "llm/llm.h"
#include "llm/llm_int.h"
#include "llm/qrules.h"
#include "log/log.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/str.h"
#include "util/time.h"

#define Q_MAX_TEXT 2000
#define Q_MAX_OPTIONS 100
#define Q_MAX_OPTION 500

static const char *const types[] = {
    "text",   "textarea", "number", "single_choice", "multiple_choice",
    "yes_no", "date",     NULL};

/* The user's own answer for the question, the most specific scope that
 * applies first ($3 the job's company, $4 the job id; NULL without a
 * job). */
static const char sql_override[] =
    "SELECT answer::text FROM llm_answers"
    " WHERE user_id = $1::bigint AND question_key = $2 AND source = 'user'"
    " AND (scope = 'global'"
    " OR (scope = 'company' AND scope_key = lower(btrim($3::text)))"
    " OR (scope = 'job' AND scope_key = $4::text))"
    " ORDER BY (scope = 'job') DESC, (scope = 'company') DESC LIMIT 1";

/* A cached llm answer for exactly this scope and these options. */
static const char sql_cached[] =
    "SELECT id, answer::text FROM llm_answers"
    " WHERE user_id = $1::bigint AND question_key = $2 AND source = 'llm'"
    " AND scope = $3 AND scope_key = lower(btrim($4::text))"
    " AND options_key = coalesce(md5($5::jsonb::text), '')";

static const char sql_hit[] =
    "UPDATE llm_answers SET hits = hits + 1 WHERE id = $1::bigint";

static const char sql_store[] =
    "INSERT INTO llm_answers (user_id, question_key, question, input_type,"
    " options, answer, source, scope, scope_key, options_key, slot)"
    " VALUES ($1::bigint, $2, $3, $4, $5::jsonb, $6::jsonb, $7, $8,"
    " lower(btrim($9::text)), coalesce(md5($5::jsonb::text), ''), $10)"
    " ON CONFLICT (user_id, question_key, scope, scope_key, options_key)"
    " DO UPDATE SET question = EXCLUDED.question,"
    " input_type = EXCLUDED.input_type, options = EXCLUDED.options,"
    " answer = EXCLUDED.answer, source = EXCLUDED.source,"
    " slot = EXCLUDED.slot, updated_at = now()"
    " WHERE llm_answers.source <> 'user'";

/* Where an answer may be reused: name is "global", "company" or "job";
 * key the company name or the job id ("" for global).  name is NULL
 * when the slot needs a company or job the question did not come with:
 * such an answer is not cached at all. */
struct scope {
    const char *name;
    char key[300];
};

/* ---- questions ------------------------------------------------------------ */

/* See llm.h. */
char *hk_llm_question_key(const char *text)
{
    struct hk_buf b;
    bool space = false;

    hk_buf_init(&b, 0);
    for (const char *p = text; p != NULL && *p != '\0'; p++) {
        unsigned char c = (unsigned char)*p;
        bool word = c >= 0x80 || isalnum(c);
        if (!word) {
            space = b.len > 0;
            continue;
        }
        if (space)
            (void)hk_buf_putc(&b, ' ');
        space = false;
        (void)hk_buf_putc(&b, (char)(c < 0x80 ? tolower(c) : c));
    }
    char *out = hk_buf_steal(&b, NULL);
    return out != NULL ? out : hk_strdup("");
}

static bool is_choice(const char *type)
{
    return strcmp(type, "single_choice") == 0 ||
           strcmp(type, "multiple_choice") == 0;
}

/* See llm_int.h. */
int hk_llm_question_check(const struct hk_llm_question *q,
                          struct hawk_error *err)
{
    size_t n = q->text != NULL ? strlen(q->text) : 0;
    char *key = hk_llm_question_key(q->text);
    bool empty = key[0] == '\0';
    hk_free(key);
    if (n == 0 || empty) {
        HAWK_ERR_SET(err, HAWK_EINVAL, false, 0, "question must contain words");
        return HAWK_EINVAL;
    }
    if (n > Q_MAX_TEXT || !hk_utf8_valid(q->text, n)) {
        HAWK_ERR_SET(err, HAWK_EINVAL, false, 0,
                     "question must be at most %d bytes of text", Q_MAX_TEXT);
        return HAWK_EINVAL;
    }
    size_t t = 0;
    while (types[t] != NULL && (q->type == NULL || strcmp(types[t], q->type)))
        t++;
    if (types[t] == NULL) {
        HAWK_ERR_SET(err, HAWK_EINVAL, false, 0,
                     "type must be one of text, textarea, number, "
                     "single_choice, multiple_choice, yes_no, date");
        return HAWK_EINVAL;
    }
    if (!is_choice(q->type)) {
        if (q->n_options > 0) {
            HAWK_ERR_SET(err, HAWK_EINVAL, false, 0,
                         "options are only allowed for single_choice and "
                         "multiple_choice questions");
            return HAWK_EINVAL;
        }
        return 0;
    }
    if (q->n_options == 0 || q->options == NULL) {
        HAWK_ERR_SET(err, HAWK_EINVAL, false, 0,
                     "a %s question needs at least one option", q->type);
        return HAWK_EINVAL;
    }
    if (q->n_options > Q_MAX_OPTIONS) {
        HAWK_ERR_SET(err, HAWK_EINVAL, false, 0,
                     "a question may have at most %d options", Q_MAX_OPTIONS);
        return HAWK_EINVAL;
    }
    for (size_t i = 0; i < q->n_options; i++) {
        const char *o = q->options[i];
        size_t on = o != NULL ? strlen(o) : 0;
        if (on == 0 || on > Q_MAX_OPTION || !hk_utf8_valid(o, on)) {
            HAWK_ERR_SET(err, HAWK_EINVAL, false, 0,
                         "option %zu must be 1-%d bytes of text", i + 1,
                         Q_MAX_OPTION);
            return HAWK_EINVAL;
        }
        for (size_t j = 0; j < i; j++) {
            if (strcasecmp(o, q->options[j]) == 0) {
                HAWK_ERR_SET(err, HAWK_EINVAL, false, 0,
                             "option '%.60s' is listed twice", o);
                return HAWK_EINVAL;
            }
        }
    }
    return 0;
}

/* ---- fitting an answer to the type ------------------------------------------ */

static void trim_copy(const char *s, char *out, size_t n)
{
    while (isspace((unsigned char)*s))
        s++;
    hk_strlcpy(out, s, n);
    size_t len = strlen(out);
    while (len > 0 && isspace((unsigned char)out[len - 1]))
        out[--len] = '\0';
}

static const char *match_option(const struct hk_llm_question *q, const char *s)
{
    char t[Q_MAX_OPTION + 1];
    trim_copy(s, t, sizeof(t));
    for (size_t i = 0; i < q->n_options; i++) {
        if (strcasecmp(q->options[i], t) == 0)
            return q->options[i];
    }
    return NULL;
}

static bool valid_date(const char *s)
{
    int y = 0, m = 0, d = 0;
    char tail = 0;
    if (strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3)
        return false;
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    tm.tm_year = y - 1900;
    tm.tm_mon = m - 1;
    tm.tm_mday = d;
    time_t t = timegm(&tm);
    struct tm back;
    gmtime_r(&t, &back);
    return y >= 1900 && back.tm_year == y - 1900 && back.tm_mon == m - 1 &&
           back.tm_mday == d;
}

static json_object *fit_number(json_object *a, char *why, size_t n)
{
    if (json_object_is_type(a, json_type_int))
        return json_object_get(a);
    double v = 0;
    if (json_object_is_type(a, json_type_double)) {
        v = json_object_get_double(a);
    } else if (json_object_is_type(a, json_type_string)) {
        char t[64], *end = NULL;
        trim_copy(json_object_get_string(a), t, sizeof(t));
        v = strtod(t, &end);
        if (end == t || *end != '\0') {
            snprintf(why, n, "'%.40s' is not a number", t);
            return NULL;
        }
    } else {
        snprintf(why, n, "a number is needed");
        return NULL;
    }
    if (v == (double)(int64_t)v && v > -1e15 && v < 1e15)
        return json_object_new_int64((int64_t)v);
    return json_object_new_double(v);
}

static json_object *fit_multi(const struct hk_llm_question *q, json_object *a,
                              char *why, size_t n)
{
    json_object *out = json_object_new_array();
    if (json_object_is_type(a, json_type_string)) {
        const char *m = match_option(q, json_object_get_string(a));
        if (m != NULL)
            json_object_array_add(out, json_object_new_string(m));
    } else if (json_object_is_type(a, json_type_array)) {
        for (size_t i = 0; i < json_object_array_length(a); i++) {
            json_object *e = json_object_array_get_idx(a, i);
            const char *m = json_object_is_type(e, json_type_string)
                                ? match_option(q, json_object_get_string(e))
                                : NULL;
            if (m == NULL) {
                json_object_put(out);
                snprintf(why, n, "'%.60s' is not one of the options",
                         json_object_get_string(e));
                return NULL;
            }
            bool dup = false;
            for (size_t j = 0; j < json_object_array_length(out); j++)
                dup = dup || strcmp(json_object_get_string(
                                        json_object_array_get_idx(out, j)),
                                    m) == 0;
            if (!dup)
                json_object_array_add(out, json_object_new_string(m));
        }
    }
    if (json_object_array_length(out) == 0) {
        json_object_put(out);
        snprintf(why, n, "pick at least one of the options");
        return NULL;
    }
    return out;
}

/* See llm_int.h. */
json_object *hk_llm_answer_fit(const struct hk_llm_question *q, json_object *a,
                               char *why, size_t n)
{
    const char *type = q->type;
    const char *s = json_object_is_type(a, json_type_string)
                        ? json_object_get_string(a)
                        : NULL;
    if (a == NULL || json_object_is_type(a, json_type_null)) {
        snprintf(why, n, "the answer is empty");
        return NULL;
    }
    if (strcmp(type, "number") == 0)
        return fit_number(a, why, n);
    if (strcmp(type, "multiple_choice") == 0)
        return fit_multi(q, a, why, n);
    if (strcmp(type, "yes_no") == 0) {
        if (json_object_is_type(a, json_type_boolean))
            return json_object_new_string(json_object_get_boolean(a) ? "Yes"
                                                                     : "No");
        char t[16];
        trim_copy(s != NULL ? s : "", t, sizeof(t));
        if (strcasecmp(t, "yes") == 0 || strcasecmp(t, "true") == 0 ||
            strcasecmp(t, "y") == 0)
            return json_object_new_string("Yes");
        if (strcasecmp(t, "no") == 0 || strcasecmp(t, "false") == 0 ||
            strcasecmp(t, "n") == 0)
            return json_object_new_string("No");
        snprintf(why, n, "the answer must be Yes or No");
        return NULL;
    }
    if (s == NULL && (json_object_is_type(a, json_type_int) ||
                      json_object_is_type(a, json_type_double)))
        s = json_object_get_string(a);
    if (s == NULL) {
        snprintf(why, n, "a text answer is needed");
        return NULL;
    }
    char t[64];
    if (strcmp(type, "single_choice") == 0) {
        const char *m = match_option(q, s);
        if (m == NULL) {
            snprintf(why, n, "'%.60s' is not one of the options", s);
            return NULL;
        }
        return json_object_new_string(m);
    }
    if (strcmp(type, "date") == 0) {
        trim_copy(s, t, sizeof(t));
        if (!valid_date(t)) {
            snprintf(why, n, "'%.40s' is not a date (YYYY-MM-DD)", t);
            return NULL;
        }
        return json_object_new_string(t);
    }
    size_t max = strcmp(type, "text") == 0 ? 1000 : 10000;
    size_t len = strlen(s);
    const char *p = s;
    while (isspace((unsigned char)*p))
        p++;
    if (*p == '\0' || len > max || !hk_utf8_valid(s, len)) {
        snprintf(why, n, "the answer must be 1-%zu bytes of text", max);
        return NULL;
    }
    return json_object_new_string(s);
}

/* ---- storage ---------------------------------------------------------------- */

static json_object *options_json(const struct hk_llm_question *q)
{
    if (q->n_options == 0)
        return NULL;
    json_object *a = json_object_new_array();
    for (size_t i = 0; i < q->n_options; i++)
        json_object_array_add(a, json_object_new_string(q->options[i]));
    return a;
}

static int store(struct hk_dbconn *c, int64_t user_id, const char *key,
                 const struct hk_llm_question *q, const struct hk_qslot *slot,
                 const struct scope *sc, json_object *answer,
                 const char *source)
{
    char uid[24];
    json_object *opts = options_json(q);
    char *opts_text = opts != NULL ? hk_strdup(hk_llm_json(opts)) : NULL;
    char *answer_text = hk_strdup(hk_llm_json(answer));
    snprintf(uid, sizeof(uid), "%lld", (long long)user_id);
    const char *params[] = {
        uid,         key,    q->text,  q->type, opts_text,
        answer_text, source, sc->name, sc->key, hk_qslot_name(slot->slot)};
    int rc = hk_db_query(c, sql_store, 10, params, NULL);
    json_object_put(opts);
    hk_free(opts_text);
    hk_free(answer_text);
    return rc;
}

/* The user's override (*answer, caller puts) or ENOTFOUND. */
static int lookup_override(struct hk_dbconn *c, int64_t user_id,
                           const char *key, const struct hk_llm_job *job,
                           json_object **answer)
{
    char uid[24], jid[24];
    PGresult *r = NULL;
    snprintf(uid, sizeof(uid), "%lld", (long long)user_id);
    snprintf(jid, sizeof(jid), "%lld", (long long)(job ? job->id : 0));
    const char *params[] = {uid, key, job ? job->company : NULL,
                            job ? jid : NULL};
    *answer = NULL;
    int rc = hk_db_query(c, sql_override, 4, params, &r);
    if (rc < 0)
        return rc;
    if (PQntuples(r) == 1)
        *answer = json_tokener_parse(PQgetvalue(r, 0, 0));
    PQclear(r);
    return *answer != NULL ? 0 : HAWK_ENOTFOUND;
}

/* A cached llm answer for the scope and q's options (*answer, caller
 * puts; its hit counted) or ENOTFOUND. */
static int lookup_cached(struct hk_dbconn *c, int64_t user_id, const char *key,
                         const struct hk_llm_question *q,
                         const struct scope *sc, json_object **answer)
{
    char uid[24];
    PGresult *r = NULL;
    *answer = NULL;
    if (sc->name == NULL)
        return HAWK_ENOTFOUND;
    json_object *opts = options_json(q);
    char *opts_text = opts != NULL ? hk_strdup(hk_llm_json(opts)) : NULL;
    snprintf(uid, sizeof(uid), "%lld", (long long)user_id);
    const char *params[] = {uid, key, sc->name, sc->key, opts_text};
    int rc = hk_db_query(c, sql_cached, 5, params, &r);
    json_object_put(opts);
    hk_free(opts_text);
    if (rc < 0)
        return rc;
    if (PQntuples(r) == 1) {
        *answer = json_tokener_parse(PQgetvalue(r, 0, 1));
        const char *hp[] = {PQgetvalue(r, 0, 0)};
        if (*answer != NULL)
            (void)hk_db_query(c, sql_hit, 1, hp, NULL);
    }
    PQclear(r);
    return *answer != NULL ? 0 : HAWK_ENOTFOUND;
}

/* The scope answers to slot are reused in, for this question's job. */
static void scope_for(const struct hk_qslot *slot, const struct hk_llm_job *job,
                      struct scope *sc)
{
    sc->key[0] = '\0';
    switch (hk_qslot_scope(slot->slot)) {
    case HK_QSCOPE_GLOBAL:
        sc->name = "global";
        break;
    case HK_QSCOPE_COMPANY:
        sc->name = job != NULL && job->company != NULL && job->company[0]
                       ? "company"
                       : NULL;
        if (sc->name != NULL)
            hk_strlcpy(sc->key, job->company, sizeof(sc->key));
        break;
    case HK_QSCOPE_JOB:
        sc->name = job != NULL ? "job" : NULL;
        if (job != NULL)
            snprintf(sc->key, sizeof(sc->key), "%lld", (long long)job->id);
        break;
    }
}

static char *result_json(const struct hk_llm_question *q, const char *key,
                         const struct hk_qslot *slot, json_object *answer,
                         json_object *facts, const char *source,
                         const char *reason)
{
    json_object *r = json_object_new_object();
    json_object_object_add(r, "question", json_object_new_string(q->text));
    json_object_object_add(r, "key", json_object_new_string(key));
    json_object_object_add(r, "type", json_object_new_string(q->type));
    json_object_object_add(r, "slot",
                           json_object_new_string(hk_qslot_name(slot->slot)));
    json_object_object_add(
        r, "scope",
        json_object_new_string(
            hk_qslot_scope(slot->slot) == HK_QSCOPE_GLOBAL    ? "global"
            : hk_qslot_scope(slot->slot) == HK_QSCOPE_COMPANY ? "company"
                                                              : "job"));
    json_object_object_add(r, "answer", json_object_get(answer));
    json_object_object_add(r, "source", json_object_new_string(source));
    if (reason != NULL && reason[0] != '\0')
        json_object_object_add(r, "reason", json_object_new_string(reason));
    if (facts != NULL)
        json_object_object_add(r, "facts_used", json_object_get(facts));
    char *out = hk_strdup(hk_llm_json(r));
    json_object_put(r);
    return out;
}

/* ---- the llm ------------------------------------------------------------------- */

static json_object *answer_schema(const struct hk_llm_question *q)
{
    json_object *a = json_object_new_object();
    const char *t = q->type;
    if (strcmp(t, "number") == 0) {
        json_object_object_add(a, "type", json_object_new_string("number"));
    } else if (strcmp(t, "multiple_choice") == 0) {
        json_object *item = json_object_new_object();
        json_object_object_add(item, "type", json_object_new_string("string"));
        json_object_object_add(item, "enum", options_json(q));
        json_object_object_add(a, "type", json_object_new_string("array"));
        json_object_object_add(a, "minItems", json_object_new_int(1));
        json_object_object_add(a, "items", item);
    } else {
        json_object_object_add(a, "type", json_object_new_string("string"));
        if (strcmp(t, "single_choice") == 0) {
            json_object_object_add(a, "enum", options_json(q));
        } else if (strcmp(t, "yes_no") == 0) {
            json_object *e = json_object_new_array();
            json_object_array_add(e, json_object_new_string("Yes"));
            json_object_array_add(e, json_object_new_string("No"));
            json_object_object_add(a, "enum", e);
        } else {
            json_object_object_add(
                a, "maxLength",
                json_object_new_int(strcmp(t, "textarea") == 0 ? 4000
                                    : strcmp(t, "date") == 0   ? 10
                                                               : 300));
        }
    }
    json_object *props = json_object_new_object();
    json_object_object_add(props, "answer", a);
    /* No guessing: the model says whether the profile supports the
     * answer and which facts it used (see ask_llm). */
    json_object *sup = json_object_new_object();
    json_object_object_add(sup, "type", json_object_new_string("boolean"));
    json_object_object_add(props, "supported", sup);
    json_object *item = json_object_new_object();
    json_object_object_add(item, "type", json_object_new_string("string"));
    json_object_object_add(item, "maxLength", json_object_new_int(300));
    json_object *facts = json_object_new_object();
    json_object_object_add(facts, "type", json_object_new_string("array"));
    json_object_object_add(facts, "maxItems", json_object_new_int(10));
    json_object_object_add(facts, "items", item);
    json_object_object_add(props, "facts_used", facts);
    json_object *req = json_object_new_array();
    json_object_array_add(req, json_object_new_string("answer"));
    json_object_array_add(req, json_object_new_string("supported"));
    json_object_array_add(req, json_object_new_string("facts_used"));
    json_object *s = json_object_new_object();
    json_object_object_add(s, "type", json_object_new_string("object"));
    json_object_object_add(s, "additionalProperties",
                           json_object_new_boolean(0));
    json_object_object_add(s, "required", req);
    json_object_object_add(s, "properties", props);
    return s;
}

struct ask_ctx {
    struct hk_app *app;
    int64_t user_id;
    const struct hk_llm_question *q;
    const char *key;
    const struct hk_qslot *slot;
    json_object *resume;
    const struct hk_llm_job *job; /* may be NULL */
    const atomic_bool *cancel;
    int64_t now_s;
};

static int render_prompts(const struct ask_ctx *a, char **system, char **user)
{
    struct hk_prompt_var vars[10];
    static const struct hk_llm_job nojob;
    struct hk_llm_job_text jt;
    struct hk_buf opts;
    char *facts = hk_llm_profile_facts(a->resume, a->slot, a->now_s);
    char *resume_text = hk_llm_resume_prompt_text(a->resume);

    hk_buf_init(&opts, 0);
    for (size_t i = 0; i < a->q->n_options; i++)
        (void)hk_buf_printf(&opts, "- %s\n", a->q->options[i]);
    hk_llm_job_vars(a->job != NULL ? a->job : &nojob, resume_text, &jt, vars);
    vars[5] = (struct hk_prompt_var){"question", a->q->text};
    vars[6] = (struct hk_prompt_var){"input_type", a->q->type};
    vars[7] = (struct hk_prompt_var){"options", hk_buf_str(&opts)};
    vars[8] = (struct hk_prompt_var){"facts", facts};
    *system = hk_prompt_render(HK_PROMPT_ANSWER_SYSTEM, vars, 9);
    *user = hk_prompt_render(HK_PROMPT_ANSWER_USER, vars, 9);
    hk_buf_release(&opts);
    hk_llm_job_text_release(&jt);
    hk_free(facts);
    hk_free(resume_text);
    return *system != NULL && *user != NULL ? 0 : HAWK_EINTERNAL;
}

/* The model's verdict on one reply. */
struct verdict {
    json_object *answer; /* canonical answer, or NULL */
    json_object *facts;  /* the facts_used array (a reference), or NULL */
    bool unsupported;    /* the profile does not support an answer */
};

/* Reads one reply: 0 with v filled (an answer, or unsupported with why
 * saying so), or -1 with why naming what to fix. */
static int read_reply(const struct ask_ctx *a, const char *content,
                      struct verdict *v, char *why, size_t n)
{
    json_object *doc = json_tokener_parse(content), *ans = NULL, *sup = NULL,
                *facts = NULL;
    int rc = -1;
    memset(v, 0, sizeof(*v));
    if (doc == NULL || !json_object_object_get_ex(doc, "answer", &ans)) {
        snprintf(why, n, "the reply has no answer");
    } else if (!json_object_object_get_ex(doc, "supported", &sup) ||
               !json_object_is_type(sup, json_type_boolean)) {
        snprintf(why, n,
                 "the reply must say in 'supported' (true or false) whether "
                 "the profile supports the answer");
    } else if (!json_object_object_get_ex(doc, "facts_used", &facts) ||
               !json_object_is_type(facts, json_type_array)) {
        snprintf(why, n,
                 "the reply must list the profile facts it used in "
                 "'facts_used'");
    } else if (!json_object_get_boolean(sup)) {
        v->unsupported = true;
        snprintf(why, n,
                 "the profile does not hold the facts this question "
                 "needs");
        rc = 0;
    } else if (!is_choice(a->q->type) && strcmp(a->q->type, "text") != 0 &&
               strcmp(a->q->type, "textarea") != 0 &&
               json_object_array_length(facts) == 0) {
        /* A yes/no, number or date needs a fact behind it; "supported"
         * with none cited is a guess. */
        v->unsupported = true;
        snprintf(why, n, "the model cited no profile fact for this answer");
        rc = 0;
    } else {
        v->answer = hk_llm_answer_fit(a->q, ans, why, n);
        if (v->answer != NULL &&
            hk_llm_profile_contradiction(a->resume, a->q, a->slot, v->answer,
                                         a->now_s, why, n) < 0) {
            json_object_put(v->answer);
            v->answer = NULL;
        }
        if (v->answer != NULL) {
            v->facts = json_object_get(facts);
            rc = 0;
        }
    }
    json_object_put(doc);
    return rc;
}

/* Asks the llm, checks shape, support and facts, once more on a bad
 * reply.  0 with v filled: an answer (v->answer, v->facts: caller puts)
 * or unsupported (reason says why: the question needs the user).  Else
 * an error. */
static int ask_llm(const struct ask_ctx *a, struct verdict *v, char *reason,
                   size_t reason_size, struct hawk_error *err)
{
    char *system = NULL, *user = NULL, *bad = NULL, *fix = NULL;
    char why[200] = "";
    memset(v, 0, sizeof(*v));
    int rc = render_prompts(a, &system, &user);
    if (rc < 0) {
        hk_free(system);
        hk_free(user);
        HAWK_ERR_SET(err, rc, false, 0, "prompt templates are not loaded");
        return rc;
    }
    json_object *schema = answer_schema(a->q);
    char *schema_text = hk_strdup(hk_llm_json(schema));
    json_object_put(schema);
    struct hawk_llm_message msgs[4] = {{"system", system}, {"user", user}};
    for (int round = 0; round < 2; round++) {
        struct hk_llm_call c;
        struct hk_llm_out o;
        memset(&c, 0, sizeof(c));
        c.purpose = "answer";
        c.messages = msgs;
        c.n_messages = round == 0 ? 2 : 4;
        c.json_schema = schema_text;
        c.schema_name = "answer";
        c.temperature = 0.2;
        c.max_tokens = strcmp(a->q->type, "textarea") == 0 ? 1500 : 400;
        c.timeout_ms = hk_llm_timeout_ms(a->app);
        c.cancel = a->cancel;
        rc = hk_llm_chat(a->app, a->user_id, &c, &o, err);
        if (rc < 0)
            break;
        if (read_reply(a, o.content, v, why, sizeof(why)) == 0) {
            if (v->unsupported)
                hk_strlcpy(reason, why, reason_size);
            hk_llm_out_release(&o);
            rc = 0;
            break;
        }
        hk_log(HAWK_LOG_WARN, "llm answer rejected: %s", why);
        hk_free(bad);
        hk_free(fix);
        bad = hk_strdup(o.content);
        hk_llm_out_release(&o);
        fix = hk_asprintf("That answer is not acceptable: %s. Answer again.",
                          why);
        msgs[2] = (struct hawk_llm_message){"assistant", bad};
        msgs[3] = (struct hawk_llm_message){"user", fix};
        rc = HAWK_EPROTO;
        HAWK_ERR_SET(err, HAWK_EPROTO, false, 0,
                     "the llm's answer was rejected twice: %.200s", why);
    }
    hk_free(bad);
    hk_free(fix);
    hk_free(schema_text);
    hk_free(system);
    hk_free(user);
    return rc;
}

/* ---- the entry point -------------------------------------------------------- */

static int db_step(int rc, struct hawk_error *err, const char *what)
{
    if (rc < 0)
        hk_llm_db_error(err, rc, what);
    return rc;
}

/* Answers from the override, the profile or the cache; 1 when answered
 * (*answer, *source set; a profile fact the resume lacks is source
 * "needs_review" with no answer and reason filled), 0 when the llm is
 * needed.  job (may be NULL) scopes overrides and the cache.  Leaves
 * *resume loaded (or NULL) for the llm step. */
static int answer_local(struct hk_platform *pf, struct hk_dbconn *c,
                        int64_t user_id, const struct hk_llm_question *q,
                        const char *key, const struct hk_qslot *slot,
                        const struct hk_llm_job *job, int64_t now_s,
                        json_object **resume, json_object **answer,
                        const char **source, char *reason, size_t reason_size,
                        struct hawk_error *err)
{
    char why[200];
    json_object *stored = NULL;
    int rc = lookup_override(c, user_id, key, job, &stored);
    if (rc < 0 && rc != HAWK_ENOTFOUND)
        return db_step(rc, err, "read saved answers");
    if (stored != NULL) {
        *answer = hk_llm_answer_fit(q, stored, why, sizeof(why));
        json_object_put(stored);
        if (*answer == NULL) {
            HAWK_ERR_SET(err, HAWK_EINVAL, false, 0,
                         "your saved answer to this question does not fit "
                         "it (%.120s); change it with PUT /api/v1/answers",
                         why);
            return HAWK_EINVAL;
        }
        *source = "override";
        return 1;
    }
    rc = hk_llm_resume_load(pf, c, user_id, resume, err);
    if (rc < 0)
        return rc;
    enum hk_llm_slot_status st = hk_llm_slot_answer(
        *resume, q, slot, now_s, answer, reason, reason_size);
    if (st == HK_LLM_SLOT_ANSWER) {
        static const struct scope global = {"global", ""};
        *source = "profile";
        rc = store(c, user_id, key, q, slot, &global, *answer, "profile");
        return rc < 0 ? db_step(rc, err, "save the answer") : 1;
    }
    if (st == HK_LLM_SLOT_REVIEW) {
        /* Never guessed, never cached: the user answers it once. */
        *source = "needs_review";
        return 1;
    }
    struct scope sc;
    scope_for(slot, job, &sc);
    rc = lookup_cached(c, user_id, key, q, &sc, &stored);
    if (rc < 0 && rc != HAWK_ENOTFOUND)
        return db_step(rc, err, "read saved answers");
    if (stored != NULL) {
        *answer = hk_llm_answer_fit(q, stored, why, sizeof(why));
        json_object_put(stored);
        if (*answer != NULL) {
            *source = "cache";
            return 1;
        }
    }
    return 0;
}

/* See llm.h. */
int hk_llm_answer(struct hk_app *app, int64_t user_id,
                  const struct hk_llm_question *q, const atomic_bool *cancel,
                  char **answer_json, struct hawk_error *err)
{
    struct hk_dbconn *c = NULL;
    json_object *resume = NULL, *answer = NULL, *facts = NULL;
    const char *source = NULL;
    struct hk_llm_job job;
    bool have_job = false;
    int64_t now_s = hk_wall_ms() / 1000;
    struct hk_qslot slot;
    char reason[200] = "";

    *answer_json = NULL;
    int rc = hk_llm_question_check(q, err);
    if (rc < 0)
        return rc;
    hk_qrules_classify(hk_qrules_current(), q->text, q->type, &slot);
    char *key = hk_llm_question_key(q->text);
    rc = db_step(hk_db_acquire(app->db, &c), err, "answer the question");
    /* The job first: it scopes the user's answers and the cache. */
    if (rc == 0 && q->job_id > 0) {
        rc = hk_llm_job_load(c, user_id, q->job_id, &job);
        if (rc == HAWK_ENOTFOUND)
            HAWK_ERR_SET(err, rc, false, 0, "job %lld not found",
                         (long long)q->job_id);
        else if (rc < 0)
            hk_llm_db_error(err, rc, "read the job");
        have_job = rc == 0;
    }
    if (rc == 0)
        rc = answer_local(app->platform, c, user_id, q, key, &slot,
                          have_job ? &job : NULL, now_s, &resume, &answer,
                          &source, reason, sizeof(reason), err);
    if (c != NULL)
        hk_db_release(app->db, c);
    c = NULL;
    if (rc == 0) {
        struct ask_ctx a = {
            app,    user_id, q, key, &slot, resume, have_job ? &job : NULL,
            cancel, now_s};
        struct verdict v;
        struct scope sc;
        scope_for(&slot, have_job ? &job : NULL, &sc);
        rc = ask_llm(&a, &v, reason, sizeof(reason), err);
        answer = v.answer;
        facts = v.facts;
        source = v.unsupported ? "needs_review" : "llm";
        if (rc == 0 && answer != NULL && sc.name != NULL) {
            rc = db_step(hk_db_acquire(app->db, &c), err, "save the answer");
            if (rc == 0) {
                rc = db_step(
                    store(c, user_id, key, q, &slot, &sc, answer, "llm"), err,
                    "save the answer");
                hk_db_release(app->db, c);
            }
        }
    }
    if (rc >= 0 && (answer != NULL || source != NULL)) {
        *answer_json =
            result_json(q, key, &slot, answer, facts, source, reason);
        rc = 0;
    }
    json_object_put(facts);
    if (have_job)
        hk_llm_job_release(&job);
    json_object_put(answer);
    json_object_put(resume);
    hk_free(key);
    return rc;
}
