/*
 * llm/tailor.c - the structured resume rewritten for one job: sections
 * reordered and rephrased, never invented.
 *
 * The model returns only the parts it may rewrite (summary, experience,
 * education, skills); everything else is kept from the original.  Before
 * anything is stored, every employer, institution, degree and date in the
 * reply must exist in the original resume (and every year mentioned in
 * the text must appear in it); a reply that invents one is sent back once
 * with the reason, and a second one fails the task.  The result is kept
 * as JSON and rendered to HTML with etc/templates/resume.html, both
 * stored on the application in one transaction.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "app/app.h"
#include "db/db.h"
#include "llm/llm.h"
#include "llm/llm_int.h"
#include "log/log.h"
#include "platform/platform.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/str.h"

#define TAILOR_MAX_HTML ((size_t)1 << 20)

/* ---- normalisation and value sets ------------------------------------- */

/* Lower-case, collapsed white space, no surrounding punctuation. */
static char *norm(const char *s)
{
    struct hk_buf b;
    bool space = false;

    hk_buf_init(&b, 0);
    for (; s != NULL && *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;
        if (isspace(c)) {
            space = b.len > 0;
            continue;
        }
        if (space)
            (void)hk_buf_putc(&b, ' ');
        space = false;
        (void)hk_buf_putc(&b, (char)(c < 0x80 ? tolower(c) : c));
    }
    char *out = hk_buf_steal(&b, NULL);
    if (out == NULL)
        return hk_strdup("");
    size_t n = strlen(out);
    while (n > 0 && strchr(".,;:", out[n - 1]) != NULL)
        out[--n] = '\0';
    return out;
}

static const char *member_str(json_object *o, const char *key)
{
    json_object *v = NULL;
    if (json_object_object_get_ex(o, key, &v) &&
        json_object_is_type(v, json_type_string))
        return json_object_get_string(v);
    return "";
}

/* True when `value` (normalised) is the `key` of some entry of the
 * input's `section` list; empty values always pass. */
static bool in_section(json_object *input, const char *section, const char *key,
                       const char *value)
{
    json_object *list = NULL;
    char *want = norm(value);
    bool found = want[0] == '\0';

    if (!found && json_object_object_get_ex(input, section, &list) &&
        json_object_is_type(list, json_type_array)) {
        for (size_t i = 0; !found && i < json_object_array_length(list); i++) {
            char *have =
                norm(member_str(json_object_array_get_idx(list, i), key));
            found = strcmp(have, want) == 0;
            hk_free(have);
        }
    }
    hk_free(want);
    return found;
}

/* Appends every year (1900-2099) in s to out as "YYYY," once. */
static void collect_years(const char *s, struct hk_buf *out)
{
    for (const char *p = s; *p != '\0'; p++) {
        if ((p[0] != '1' || p[1] != '9') && (p[0] != '2' || p[1] != '0'))
            continue;
        if (!isdigit((unsigned char)p[2]) || !isdigit((unsigned char)p[3]))
            continue;
        if ((p > s && isdigit((unsigned char)p[-1])) ||
            isdigit((unsigned char)p[4]))
            continue;
        char y[6] = {p[0], p[1], p[2], p[3], ',', '\0'};
        if (strstr(hk_buf_str(out), y) == NULL)
            (void)hk_buf_puts(out, y);
        p += 3;
    }
}

/* ---- the check ---------------------------------------------------------- */

/* See llm_int.h. */
int hk_llm_tailor_check(json_object *input, json_object *reply, char *why,
                        size_t why_size)
{
    json_object *list = NULL;

    if (json_object_object_get_ex(reply, "experience_details", &list)) {
        for (size_t i = 0; i < json_object_array_length(list); i++) {
            json_object *e = json_object_array_get_idx(list, i);
            const char *company = member_str(e, "company");
            const char *period = member_str(e, "employment_period");
            if (company[0] == '\0' ||
                !in_section(input, "experience_details", "company", company)) {
                snprintf(why, why_size,
                         "employer '%.80s' is not in the original resume",
                         company);
                return HAWK_EINVAL;
            }
            if (!in_section(input, "experience_details", "employment_period",
                            period)) {
                snprintf(why, why_size,
                         "dates '%.60s' at '%.60s' are not in the original "
                         "resume",
                         period, company);
                return HAWK_EINVAL;
            }
        }
    }
    if (json_object_object_get_ex(reply, "education_details", &list)) {
        static const char *const keys[] = {"education_level", "field_of_study",
                                           "start_date", "year_of_completion",
                                           NULL};
        for (size_t i = 0; i < json_object_array_length(list); i++) {
            json_object *e = json_object_array_get_idx(list, i);
            const char *inst = member_str(e, "institution");
            if (inst[0] == '\0' ||
                !in_section(input, "education_details", "institution", inst)) {
                snprintf(why, why_size,
                         "institution '%.80s' is not in the original resume",
                         inst);
                return HAWK_EINVAL;
            }
            for (size_t k = 0; keys[k] != NULL; k++) {
                const char *v = member_str(e, keys[k]);
                if (!in_section(input, "education_details", keys[k], v)) {
                    snprintf(why, why_size,
                             "%s '%.60s' at '%.60s' is not in the original "
                             "resume",
                             k < 2 ? "degree" : "date", v, inst);
                    return HAWK_EINVAL;
                }
            }
        }
    }
    /* Years anywhere in the reply's text must come from the resume. */
    struct hk_buf have, got;
    hk_buf_init(&have, 0);
    hk_buf_init(&got, 0);
    collect_years(hk_llm_json(input), &have);
    collect_years(hk_llm_json(reply), &got);
    int rc = 0;
    for (const char *p = hk_buf_str(&got); *p != '\0'; p += 5) {
        char y[6];
        memcpy(y, p, 5);
        y[5] = '\0';
        if (strstr(hk_buf_str(&have), y) == NULL) {
            snprintf(why, why_size,
                     "the year %.4s does not appear in the original resume", y);
            rc = HAWK_EINVAL;
            break;
        }
    }
    hk_buf_release(&have);
    hk_buf_release(&got);
    return rc;
}

/* ---- schema --------------------------------------------------------------- */

static const char tailor_schema[] =
    "{\"type\":\"object\",\"additionalProperties\":false,"
    "\"required\":[\"summary\",\"experience_details\",\"education_details\","
    "\"skills\"],"
    "\"properties\":{"
    "\"summary\":{\"type\":\"string\",\"maxLength\":2000},"
    "\"experience_details\":{\"type\":\"array\",\"maxItems\":50,\"items\":{"
    "\"type\":\"object\",\"additionalProperties\":false,"
    "\"required\":[\"company\",\"position\",\"employment_period\","
    "\"location\",\"key_responsibilities\",\"skills_acquired\"],"
    "\"properties\":{"
    "\"company\":{\"type\":\"string\",\"maxLength\":200},"
    "\"position\":{\"type\":\"string\",\"maxLength\":200},"
    "\"employment_period\":{\"type\":\"string\",\"maxLength\":100},"
    "\"location\":{\"type\":\"string\",\"maxLength\":200},"
    "\"key_responsibilities\":{\"type\":\"array\",\"maxItems\":15,"
    "\"items\":{\"type\":\"string\",\"maxLength\":800}},"
    "\"skills_acquired\":{\"type\":\"array\",\"maxItems\":40,"
    "\"items\":{\"type\":\"string\",\"maxLength\":100}}}}},"
    "\"education_details\":{\"type\":\"array\",\"maxItems\":20,\"items\":{"
    "\"type\":\"object\",\"additionalProperties\":false,"
    "\"required\":[\"institution\",\"education_level\",\"field_of_study\","
    "\"start_date\",\"year_of_completion\"],"
    "\"properties\":{"
    "\"institution\":{\"type\":\"string\",\"maxLength\":200},"
    "\"education_level\":{\"type\":\"string\",\"maxLength\":200},"
    "\"field_of_study\":{\"type\":\"string\",\"maxLength\":200},"
    "\"start_date\":{\"type\":\"string\",\"maxLength\":50},"
    "\"year_of_completion\":{\"type\":\"string\",\"maxLength\":50}}}},"
    "\"skills\":{\"type\":\"array\",\"maxItems\":80,"
    "\"items\":{\"type\":\"string\",\"maxLength\":100}}}}";

/* ---- merge and render ----------------------------------------------------- */

static json_object *find_by(json_object *input, const char *section,
                            const char *key, const char *value)
{
    json_object *list = NULL;
    char *want = norm(value);
    json_object *hit = NULL;
    if (json_object_object_get_ex(input, section, &list) &&
        json_object_is_type(list, json_type_array)) {
        for (size_t i = 0; hit == NULL && i < json_object_array_length(list);
             i++) {
            json_object *e = json_object_array_get_idx(list, i);
            char *have = norm(member_str(e, key));
            if (strcmp(have, want) == 0)
                hit = e;
            hk_free(have);
        }
    }
    hk_free(want);
    return hit;
}

/* Copies members of `from` missing in `to` (fields the model never sees,
 * such as industry or grades). */
static void keep_missing(json_object *to, json_object *from)
{
    if (from == NULL)
        return;
    json_object_object_foreach(from, k, v)
    {
        if (!json_object_object_get_ex(to, k, NULL))
            json_object_object_add(to, k, json_object_get(v));
    }
}

/* The original resume with the rewritten parts in place.  Caller puts. */
static json_object *merge(json_object *input, json_object *reply)
{
    json_object *out = NULL, *v = NULL, *pi = NULL;
    if (json_object_deep_copy(input, &out, NULL) != 0 || out == NULL)
        return NULL;
    if (!json_object_object_get_ex(out, "personal_information", &pi)) {
        pi = json_object_new_object();
        json_object_object_add(out, "personal_information", pi);
    }
    if (json_object_object_get_ex(reply, "summary", &v) &&
        json_object_get_string_len(v) > 0)
        json_object_object_add(pi, "summary", json_object_get(v));
    static const struct {
        const char *section, *key;
    } lists[] = {{"experience_details", "company"},
                 {"education_details", "institution"}};
    for (size_t s = 0; s < 2; s++) {
        json_object *list = NULL;
        if (!json_object_object_get_ex(reply, lists[s].section, &list))
            continue;
        for (size_t i = 0; i < json_object_array_length(list); i++) {
            json_object *e = json_object_array_get_idx(list, i);
            keep_missing(e, find_by(input, lists[s].section, lists[s].key,
                                    member_str(e, lists[s].key)));
        }
        json_object_object_add(out, lists[s].section, json_object_get(list));
    }
    if (json_object_object_get_ex(reply, "skills", &v))
        json_object_object_add(out, "skills", json_object_get(v));
    return out;
}

static int render_html(json_object *tailored, const struct hk_llm_job *job,
                       char **html, struct hawk_error *err)
{
    const char *tpl = hk_llm_resume_template();
    char why[200];
    struct hk_buf b;

    if (tpl == NULL) {
        HAWK_ERR_SET(err, HAWK_EINTERNAL, false, 0,
                     "the resume template is not loaded");
        return HAWK_EINTERNAL;
    }
    json_object *data = json_object_get(tailored);
    json_object *pi = NULL;
    if (json_object_object_get_ex(data, "personal_information", &pi)) {
        char *full = hk_asprintf("%s %s", member_str(pi, "name"),
                                 member_str(pi, "surname"));
        json_object_object_add(data, "full_name", json_object_new_string(full));
        hk_free(full);
    }
    json_object *j = json_object_new_object();
    json_object_object_add(
        j, "title", json_object_new_string(job->title ? job->title : ""));
    json_object_object_add(
        j, "company", json_object_new_string(job->company ? job->company : ""));
    json_object_object_add(data, "job", j);
    hk_buf_init(&b, TAILOR_MAX_HTML);
    int rc = hk_tpl_render(tpl, data, &b, why, sizeof(why));
    json_object_object_del(data, "job");
    json_object_object_del(data, "full_name");
    json_object_put(data);
    if (rc < 0) {
        hk_buf_release(&b);
        HAWK_ERR_SET(err, rc, false, 0, "cannot render the resume: %s", why);
        return rc;
    }
    *html = hk_buf_steal(&b, NULL);
    if (*html == NULL)
        *html = hk_strdup("");
    return 0;
}

/* ---- the llm exchange ------------------------------------------------------ */

static int ask(struct hk_app *app, int64_t user_id,
               const struct hawk_llm_message *msgs, size_t n,
               const atomic_bool *cancel, struct hk_llm_out *out,
               struct hawk_error *err)
{
    struct hk_llm_call c;
    memset(&c, 0, sizeof(c));
    c.purpose = "tailor";
    c.messages = msgs;
    c.n_messages = n;
    c.json_schema = tailor_schema;
    c.schema_name = "tailored_resume";
    c.temperature = 0.3;
    c.max_tokens = 4000;
    c.timeout_ms = hk_llm_timeout_ms(app);
    c.cancel = cancel;
    return hk_llm_chat(app, user_id, &c, out, err);
}

/* Asks for the rewrite and checks it, once more with the reason when it
 * invents something.  *reply is the accepted document (caller puts). */
static int tailor_exchange(struct hk_app *app, int64_t user_id,
                           const struct hk_llm_job *job, json_object *resume,
                           const atomic_bool *cancel, json_object **reply,
                           struct hawk_error *err)
{
    struct hk_prompt_var vars[5];
    char why[240] = "";
    struct hk_llm_job_text jt;
    char *resume_text = hk_llm_resume_prompt_text(resume);
    hk_llm_job_vars(job, resume_text, &jt, vars);
    char *system = hk_prompt_render(HK_PROMPT_TAILOR_SYSTEM, vars, 5);
    char *user = hk_prompt_render(HK_PROMPT_TAILOR_USER, vars, 5);
    hk_llm_job_text_release(&jt);
    hk_free(resume_text);
    if (system == NULL || user == NULL) {
        hk_free(system);
        hk_free(user);
        HAWK_ERR_SET(err, HAWK_EINTERNAL, false, 0,
                     "prompt templates are not loaded");
        return HAWK_EINTERNAL;
    }
    struct hawk_llm_message msgs[4] = {{"system", system}, {"user", user}};
    char *bad = NULL, *fix = NULL;
    int rc = 0;
    *reply = NULL;
    for (int round = 0; round < 2; round++) {
        struct hk_llm_out out;
        rc = ask(app, user_id, msgs, round == 0 ? 2 : 4, cancel, &out, err);
        if (rc < 0)
            break;
        json_object *doc = json_tokener_parse(out.content);
        if (doc != NULL &&
            hk_llm_tailor_check(resume, doc, why, sizeof(why)) == 0) {
            hk_llm_out_release(&out);
            *reply = doc;
            break;
        }
        json_object_put(doc);
        hk_log(HAWK_LOG_WARN, "tailored resume rejected: %s",
               why[0] ? why : "not a JSON document");
        hk_free(bad);
        hk_free(fix);
        bad = hk_strdup(out.content);
        hk_llm_out_release(&out);
        fix = hk_asprintf("That resume is not acceptable: %s. Use only the "
                          "employers, institutions, degrees and dates of the "
                          "original resume and reply with the corrected JSON.",
                          why[0] ? why : "it is not valid");
        msgs[2] = (struct hawk_llm_message){"assistant", bad};
        msgs[3] = (struct hawk_llm_message){"user", fix};
        rc = HAWK_EPROTO;
        HAWK_ERR_SET(err, HAWK_EPROTO, false, 0,
                     "the tailored resume was rejected twice (%.180s); "
                     "nothing was stored",
                     why);
    }
    hk_free(bad);
    hk_free(fix);
    hk_free(system);
    hk_free(user);
    return rc;
}

/* ---- storage -------------------------------------------------------------- */

static int store(struct hk_app *app, int64_t user_id, int64_t job_id,
                 int64_t wanted, const char *json_text, const char *html,
                 int64_t *app_id, int64_t *doc_id, int64_t *html_id,
                 struct hawk_error *err)
{
    struct hk_dbconn *c = NULL;
    int rc = hk_db_acquire(app->db, &c);
    if (rc < 0) {
        hk_llm_db_error(err, rc, "store the tailored resume");
        return rc;
    }
    rc = hk_db_begin(c);
    if (rc < 0)
        hk_llm_db_error(err, rc, "store the tailored resume");
    if (rc == 0)
        rc = hk_llm_application_for(app->platform, c, user_id, job_id, wanted,
                                    true, app_id, err);
    if (rc == 0)
        rc = hk_applications_add_document(app->platform->applications, c,
                                          user_id, *app_id, "tailored_resume",
                                          json_text, "json", doc_id, NULL);
    if (rc == 0)
        rc = hk_applications_add_document(app->platform->applications, c,
                                          user_id, *app_id, "tailored_resume",
                                          html, "html", html_id, NULL);
    if (rc == 0)
        rc = hk_db_commit(c);
    if (rc < 0) {
        if (err->code == 0)
            hk_llm_db_error(err, rc, "store the tailored resume");
        (void)hk_db_rollback(c);
    }
    hk_db_release(app->db, c);
    return rc;
}

/* Before paying: the plan includes custom resumes and the application
 * exists or may be created. */
static int precheck(struct hk_platform *pf, struct hk_dbconn *c,
                    int64_t user_id, int64_t job_id, int64_t wanted,
                    struct hawk_error *err)
{
    struct hk_plans_limit lim;
    int rc = hk_plans_check(pf->plans, c, user_id, HK_PLANS_CUSTOM_RESUME, 0,
                            &lim, NULL);
    if (rc == HAWK_EQUOTA) {
        if (lim.trial_expired)
            HAWK_ERR_SET(err, rc, false, 0,
                         "your free trial has ended; choose a plan to "
                         "generate tailored resumes");
        else
            HAWK_ERR_SET(err, rc, false, 0,
                         "tailored resumes are not included in plan "
                         "'%.60s'; upgrade your plan to use them",
                         lim.plan);
        return rc;
    }
    if (rc < 0) {
        hk_llm_db_error(err, rc, "check the plan");
        return rc;
    }
    int64_t app_id = 0;
    struct hawk_error tmp;
    rc = hk_llm_application_for(pf, c, user_id, job_id, wanted, false, &app_id,
                                &tmp);
    if (rc == HAWK_ENOTFOUND && wanted == 0) {
        rc = hk_plans_check(pf->plans, c, user_id,
                            HK_PLANS_APPLICATIONS_PER_DAY, 1, &lim, NULL);
        if (rc == HAWK_EQUOTA)
            HAWK_ERR_SET(err, rc, false, 0,
                         "daily application limit reached (%.0f of %.0f on "
                         "plan '%.60s'); try again tomorrow or upgrade your "
                         "plan",
                         lim.used, lim.value, lim.plan);
        else if (rc < 0)
            hk_llm_db_error(err, rc, "check the plan");
        return rc;
    }
    if (rc < 0)
        *err = tmp;
    return rc;
}

/* See llm.h. */
int hk_llm_tailor_resume(struct hk_app *app, int64_t user_id, int64_t job_id,
                         int64_t application_id, const atomic_bool *cancel,
                         char **result_json, struct hawk_error *err)
{
    struct hk_dbconn *c = NULL;
    struct hk_llm_job job;
    json_object *resume = NULL, *reply = NULL;

    if (result_json != NULL)
        *result_json = NULL;
    int rc = hk_db_acquire(app->db, &c);
    if (rc < 0) {
        hk_llm_db_error(err, rc, "tailor the resume");
        return rc;
    }
    rc = precheck(app->platform, c, user_id, job_id, application_id, err);
    if (rc == 0)
        rc = hk_llm_inputs_load(app->platform, c, user_id, job_id, &job,
                                &resume, err);
    hk_db_release(app->db, c);
    if (rc < 0)
        return rc;

    rc = tailor_exchange(app, user_id, &job, resume, cancel, &reply, err);
    json_object *tailored = rc == 0 ? merge(resume, reply) : NULL;
    json_object_put(reply);
    json_object_put(resume);
    char *html = NULL;
    if (rc == 0 && tailored == NULL) {
        HAWK_ERR_SET(err, HAWK_ENOMEM, false, 0, "out of memory");
        rc = HAWK_ENOMEM;
    }
    if (rc == 0)
        rc = render_html(tailored, &job, &html, err);
    hk_llm_job_release(&job);
    int64_t app_id = 0, doc_id = 0, html_id = 0;
    if (rc == 0)
        rc = store(app, user_id, job_id, application_id, hk_llm_json(tailored),
                   html, &app_id, &doc_id, &html_id, err);
    if (rc == 0 && result_json != NULL) {
        json_object *r = json_object_new_object();
        json_object_object_add(r, "job_id", json_object_new_int64(job_id));
        json_object_object_add(r, "application_id",
                               json_object_new_int64(app_id));
        json_object_object_add(r, "document_id", json_object_new_int64(doc_id));
        json_object_object_add(r, "html_document_id",
                               json_object_new_int64(html_id));
        *result_json = hk_strdup(hk_llm_json(r));
        json_object_put(r);
    }
    hk_free(html);
    json_object_put(tailored);
    return rc;
}
