/*
 * llm/data.c - what the llm features read from the platform's tables: a
 * job the user can see, the user's structured resume (with the private
 * fields an LLM does not need removed), the application a generated
 * document belongs to.  Every query is scoped by user_id.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/db.h"
#include "llm/llm_int.h"
#include "platform/platform.h"
#include "util/alloc.h"
#include "util/str.h"

static const char sql_job[] =
    "SELECT j.id, j.title, j.company, j.location, j.description, j.url"
    " FROM jobs j WHERE j.id = $2::bigint AND ("
    " EXISTS (SELECT 1 FROM user_jobs uj WHERE uj.user_id = $1::bigint"
    " AND uj.job_id = j.id) OR"
    " EXISTS (SELECT 1 FROM applications a WHERE a.user_id = $1::bigint"
    " AND a.job_id = j.id))";

static const char sql_app_any[] =
    "SELECT id FROM applications WHERE user_id = $1::bigint"
    " AND job_id = $2::bigint";

static const char sql_app_one[] =
    "SELECT id FROM applications WHERE user_id = $1::bigint"
    " AND job_id = $2::bigint AND id = $3::bigint";

static char *dup_col(const PGresult *r, int col)
{
    if (PQgetisnull(r, 0, col))
        return NULL;
    return hk_strdup(PQgetvalue(r, 0, col));
}

/* See llm_int.h. */
void hk_llm_db_error(struct hawk_error *err, int rc, const char *what)
{
    HAWK_ERR_SET(err, rc, rc == HAWK_EUNAVAIL || rc == HAWK_ETIMEDOUT, 0,
                 "cannot %s: the database is %s", what,
                 rc == HAWK_EUNAVAIL || rc == HAWK_ETIMEDOUT
                     ? "unavailable; try again later"
                     : "reporting an error");
}

/* See llm_int.h. */
int hk_llm_job_load(struct hk_dbconn *c, int64_t user_id, int64_t job_id,
                    struct hk_llm_job *out)
{
    char uid[24], jid[24];
    PGresult *r = NULL;

    memset(out, 0, sizeof(*out));
    snprintf(uid, sizeof(uid), "%lld", (long long)user_id);
    snprintf(jid, sizeof(jid), "%lld", (long long)job_id);
    const char *params[] = {uid, jid};
    int rc = hk_db_query(c, sql_job, 2, params, &r);
    if (rc < 0)
        return rc;
    if (PQntuples(r) != 1) {
        PQclear(r);
        return HAWK_ENOTFOUND;
    }
    out->id = job_id;
    out->title = dup_col(r, 1);
    out->company = dup_col(r, 2);
    out->location = dup_col(r, 3);
    out->description = dup_col(r, 4);
    out->url = dup_col(r, 5);
    PQclear(r);
    /* A description of white space only is no description. */
    if (out->description != NULL) {
        const char *p = out->description;
        while (*p != '\0' && isspace((unsigned char)*p))
            p++;
        if (*p == '\0') {
            hk_free(out->description);
            out->description = NULL;
        }
    }
    return 0;
}

/* See llm_int.h. */
void hk_llm_job_release(struct hk_llm_job *j)
{
    if (j == NULL)
        return;
    hk_free(j->title);
    hk_free(j->company);
    hk_free(j->location);
    hk_free(j->description);
    hk_free(j->url);
    memset(j, 0, sizeof(*j));
}

static bool section_has_content(json_object *resume, const char *name)
{
    json_object *v = NULL;
    if (!json_object_object_get_ex(resume, name, &v))
        return false;
    if (json_object_is_type(v, json_type_array))
        return json_object_array_length(v) > 0;
    if (json_object_is_type(v, json_type_object))
        return json_object_object_length(v) > 0;
    if (json_object_is_type(v, json_type_string))
        return json_object_get_string_len(v) > 0;
    return false;
}

/* See llm_int.h. */
int hk_llm_resume_load(struct hk_platform *pf, struct hk_dbconn *c,
                       int64_t user_id, json_object **out,
                       struct hawk_error *err)
{
    char *text = NULL;

    *out = NULL;
    int rc =
        hk_resumes_default_structured(pf->resumes, c, user_id, &text, NULL);
    if (rc == HAWK_ENOTFOUND) {
        HAWK_ERR_SET(err, HAWK_ENOTFOUND, false, 0,
                     "no structured resume: add one (POST /api/v1/resumes) "
                     "and make it the default");
        return rc;
    }
    if (rc < 0) {
        hk_llm_db_error(err, rc, "read the resume");
        return rc;
    }
    json_object *r = json_tokener_parse(text);
    hk_free(text);
    if (r == NULL || !json_object_is_type(r, json_type_object)) {
        json_object_put(r);
        HAWK_ERR_SET(err, HAWK_EINVAL, false, 0,
                     "the default resume's structured data is not a JSON "
                     "object; upload it again");
        return HAWK_EINVAL;
    }
    json_object *pi = NULL, *summary = NULL;
    bool has_summary =
        json_object_object_get_ex(r, "personal_information", &pi) &&
        json_object_object_get_ex(pi, "summary", &summary) &&
        json_object_get_string_len(summary) > 0;
    if (!section_has_content(r, "experience_details") &&
        !section_has_content(r, "education_details") &&
        !section_has_content(r, "skills") &&
        !section_has_content(r, "projects") && !has_summary) {
        json_object_put(r);
        HAWK_ERR_SET(err, HAWK_EINVAL, false, 0,
                     "the default resume is empty: add experience, "
                     "education, skills or a summary");
        return HAWK_EINVAL;
    }
    *out = r;
    return 0;
}

/* See llm_int.h. */
int hk_llm_application_for(struct hk_platform *pf, struct hk_dbconn *c,
                           int64_t user_id, int64_t job_id, int64_t wanted,
                           bool create, int64_t *app_id, struct hawk_error *err)
{
    char uid[24], jid[24], aid[24], actor[32];
    PGresult *r = NULL;

    *app_id = 0;
    snprintf(uid, sizeof(uid), "%lld", (long long)user_id);
    snprintf(jid, sizeof(jid), "%lld", (long long)job_id);
    snprintf(aid, sizeof(aid), "%lld", (long long)wanted);
    const char *params[] = {uid, jid, aid};
    int rc = wanted > 0 ? hk_db_query(c, sql_app_one, 3, params, &r)
                        : hk_db_query(c, sql_app_any, 2, params, &r);
    if (rc < 0) {
        hk_llm_db_error(err, rc, "look up the application");
        return rc;
    }
    if (PQntuples(r) == 1) {
        *app_id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
        PQclear(r);
        return 0;
    }
    PQclear(r);
    if (wanted > 0) {
        HAWK_ERR_SET(err, HAWK_ENOTFOUND, false, 0,
                     "application %lld is not an application to job %lld",
                     (long long)wanted, (long long)job_id);
        return HAWK_ENOTFOUND;
    }
    if (!create) {
        HAWK_ERR_SET(err, HAWK_ENOTFOUND, false, 0,
                     "no application to job %lld", (long long)job_id);
        return HAWK_ENOTFOUND;
    }
    struct hk_plans_limit lim;
    bool created = false;
    snprintf(actor, sizeof(actor), "user:%lld", (long long)user_id);
    rc = hk_applications_record(pf->applications, c, user_id, job_id,
                                "awaiting_review", NULL, actor, app_id,
                                &created, &lim, NULL);
    if (rc == HAWK_EQUOTA) {
        HAWK_ERR_SET(err, HAWK_EQUOTA, false, 0,
                     "daily application limit reached (%.0f of %.0f on plan "
                     "'%.60s'); try again tomorrow or upgrade your plan",
                     lim.used, lim.value, lim.plan);
    } else if (rc == HAWK_ENOTFOUND) {
        HAWK_ERR_SET(err, HAWK_ENOTFOUND, false, 0, "job %lld not found",
                     (long long)job_id);
    } else if (rc < 0) {
        hk_llm_db_error(err, rc, "record the application");
    }
    return rc;
}

/* See llm_int.h. */
const char *hk_llm_json(json_object *o)
{
    return json_object_to_json_string_ext(
        o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
}

/* ---- prompt material -------------------------------------------------- */

static bool listed(const char *const *list, const char *key)
{
    for (size_t i = 0; list[i] != NULL; i++) {
        if (strcmp(list[i], key) == 0)
            return true;
    }
    return false;
}

/* Appends obj's members but the dropped ones as a JSON object; the
 * member named `nested` is written the same way with nested_drop. */
static void put_filtered(struct hk_buf *b, json_object *obj,
                         const char *const *drop, const char *nested,
                         const char *const *nested_drop)
{
    bool first = true;
    (void)hk_buf_putc(b, '{');
    json_object_object_foreach(obj, k, v)
    {
        if (listed(drop, k))
            continue;
        if (!first)
            (void)hk_buf_putc(b, ',');
        first = false;
        (void)hk_buf_json_str(b, k, strlen(k));
        (void)hk_buf_putc(b, ':');
        if (nested != NULL && strcmp(k, nested) == 0 &&
            json_object_is_type(v, json_type_object))
            put_filtered(b, v, nested_drop, NULL, NULL);
        else
            (void)hk_buf_puts(b, hk_llm_json(v));
    }
    (void)hk_buf_putc(b, '}');
}

/* See llm_int.h. */
char *hk_llm_resume_prompt_text(json_object *resume)
{
    static const char *const private_personal[] = {
        "email",         "phone", "phone_prefix", "address", "zip_code",
        "date_of_birth", NULL};
    static const char *const private_sections[] = {"self_identification",
                                                   "legal_authorization",
                                                   "salary_expectations", NULL};
    struct hk_buf b;

    if (!json_object_is_type(resume, json_type_object))
        return hk_strdup("{}");
    /* Written member by member instead of copying and pruning the tree:
     * this runs for every llm call. */
    hk_buf_init(&b, 0);
    put_filtered(&b, resume, private_sections, "personal_information",
                 private_personal);
    char *out = hk_buf_steal(&b, NULL);
    return out != NULL ? out : hk_strdup("{}");
}

/* See llm_int.h. */
char *hk_llm_clip(const char *s, size_t max)
{
    size_t n = s != NULL ? strlen(s) : 0;
    if (n <= max)
        return hk_strdup(s != NULL ? s : "");
    /* Back up to the start of a UTF-8 sequence. */
    while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80)
        max--;
    return hk_strndup(s, max);
}

/* See llm_int.h. */
int hk_llm_inputs_load(struct hk_platform *pf, struct hk_dbconn *c,
                       int64_t user_id, int64_t job_id, struct hk_llm_job *job,
                       json_object **resume, struct hawk_error *err)
{
    *resume = NULL;
    int rc = hk_llm_job_load(c, user_id, job_id, job);
    if (rc == HAWK_ENOTFOUND) {
        HAWK_ERR_SET(err, rc, false, 0, "job %lld not found",
                     (long long)job_id);
        return rc;
    }
    if (rc < 0) {
        hk_llm_db_error(err, rc, "read the job");
        return rc;
    }
    if (job->description == NULL) {
        hk_llm_job_release(job);
        HAWK_ERR_SET(err, HAWK_EINVAL, false, 0,
                     "job %lld has no description; fetch the job's details "
                     "first",
                     (long long)job_id);
        return HAWK_EINVAL;
    }
    rc = hk_llm_resume_load(pf, c, user_id, resume, err);
    if (rc < 0)
        hk_llm_job_release(job);
    return rc;
}

/* See llm_int.h. */
void hk_llm_job_vars(const struct hk_llm_job *job, const char *resume_text,
                     struct hk_llm_job_text *t, struct hk_prompt_var vars[5])
{
    char id[17];
    hk_llm_fence_id(id);
    char *desc = hk_llm_clip(job->description, HK_LLM_MAX_JOB_TEXT);
    t->title = hk_llm_fence(id, "job title", job->title, false);
    t->company = hk_llm_fence(id, "company", job->company, false);
    t->location = hk_llm_fence(id, "job location", job->location, false);
    t->description = hk_llm_fence(id, "job posting", desc, true);
    hk_free(desc);
    vars[0] = (struct hk_prompt_var){"resume", resume_text};
    vars[1] = (struct hk_prompt_var){"job_title", t->title};
    vars[2] = (struct hk_prompt_var){"job_company", t->company};
    vars[3] = (struct hk_prompt_var){"job_location", t->location};
    vars[4] = (struct hk_prompt_var){"job_description", t->description};
}

/* See llm_int.h. */
void hk_llm_job_text_release(struct hk_llm_job_text *t)
{
    hk_free(t->title);
    hk_free(t->company);
    hk_free(t->location);
    hk_free(t->description);
    memset(t, 0, sizeof(*t));
}
