/*
 * llm/cover_letter.c - a cover letter for a job, in the tone, length and
 * language asked for (by default the language the posting is written
 * in), stored as a generated document on the user's application.
 *
 * The letter is written first and stored afterwards in one transaction
 * (with the application when there was none), so a failed generation
 * leaves nothing behind.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "app/app.h"
#include "db/db.h"
#include "llm/llm.h"
#include "llm/llm_int.h"
#include "platform/platform.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/str.h"
#include "util/time.h"

#define LETTER_DEFAULT_WORDS 250

static bool short_text_ok(const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n == 0 || n > max || !hk_utf8_valid(s, n))
        return false;
    for (; *s != '\0'; s++) {
        if ((unsigned char)*s < 32)
            return false;
    }
    return true;
}

/* See llm.h. */
int hk_llm_letter_opts_check(const struct hk_llm_letter_opts *o,
                             struct hawk_error *err)
{
    if (o == NULL)
        return 0;
    if (o->tone != NULL && !short_text_ok(o->tone, 40)) {
        HAWK_ERR_SET(err, HAWK_EINVAL, false, 0,
                     "tone must be 1-40 characters of text");
        return HAWK_EINVAL;
    }
    if (o->language != NULL && !short_text_ok(o->language, 40)) {
        HAWK_ERR_SET(err, HAWK_EINVAL, false, 0,
                     "language must be 1-40 characters, e.g. German");
        return HAWK_EINVAL;
    }
    if (o->max_words != 0 && (o->max_words < 50 || o->max_words > 1000)) {
        HAWK_ERR_SET(err, HAWK_EINVAL, false, 0,
                     "max_words must be between 50 and 1000");
        return HAWK_EINVAL;
    }
    if (o->extra != NULL && (strlen(o->extra) > 1000 ||
                             !hk_utf8_valid(o->extra, strlen(o->extra)))) {
        HAWK_ERR_SET(err, HAWK_EINVAL, false, 0,
                     "extra must be at most 1000 bytes of text");
        return HAWK_EINVAL;
    }
    return 0;
}

static bool blank(const char *s)
{
    for (; *s != '\0'; s++) {
        if (!isspace((unsigned char)*s))
            return false;
    }
    return true;
}

/* Before paying for a letter: the application it will belong to exists,
 * or a new one would be within the daily limit. */
static int precheck_application(struct hk_platform *pf, struct hk_dbconn *c,
                                int64_t user_id, int64_t job_id, int64_t wanted,
                                struct hawk_error *err)
{
    int64_t app_id = 0;
    struct hawk_error tmp;
    int rc = hk_llm_application_for(pf, c, user_id, job_id, wanted, false,
                                    &app_id, &tmp);
    if (rc == 0)
        return 0;
    if (rc != HAWK_ENOTFOUND || wanted > 0) {
        *err = tmp;
        return rc;
    }
    struct hk_plans_limit lim;
    rc = hk_plans_check(pf->plans, c, user_id, HK_PLANS_APPLICATIONS_PER_DAY, 1,
                        &lim, NULL);
    if (rc == HAWK_EQUOTA)
        HAWK_ERR_SET(err, rc, false, 0,
                     "daily application limit reached (%.0f of %.0f on plan "
                     "'%.60s'); a cover letter needs an application; try "
                     "again tomorrow or upgrade your plan",
                     lim.used, lim.value, lim.plan);
    else if (rc < 0)
        hk_llm_db_error(err, rc, "check the plan");
    return rc;
}

/* Stores the letter (and the application when needed) atomically. */
static int store(struct hk_app *app, int64_t user_id, int64_t job_id,
                 int64_t wanted, const char *letter, int64_t *app_id,
                 int64_t *doc_id, struct hawk_error *err)
{
    struct hk_dbconn *c = NULL;
    int rc = hk_db_acquire(app->db, &c);
    if (rc < 0) {
        hk_llm_db_error(err, rc, "store the cover letter");
        return rc;
    }
    rc = hk_db_begin(c);
    if (rc < 0)
        hk_llm_db_error(err, rc, "store the cover letter");
    if (rc == 0)
        rc = hk_llm_application_for(app->platform, c, user_id, job_id, wanted,
                                    true, app_id, err);
    if (rc == 0) {
        rc = hk_applications_add_document(app->platform->applications, c,
                                          user_id, *app_id, "cover_letter",
                                          letter, "text", doc_id, NULL);
        if (rc < 0)
            hk_llm_db_error(err, rc, "store the cover letter");
    }
    if (rc == 0) {
        rc = hk_db_commit(c);
        if (rc < 0)
            hk_llm_db_error(err, rc, "store the cover letter");
    }
    if (rc < 0)
        (void)hk_db_rollback(c);
    hk_db_release(app->db, c);
    return rc;
}

/* Writes the letter and checks it (letter_check.c); a letter with
 * violations is rewritten once with them named, then refused (nothing
 * is stored; err lists what was wrong). */
static int write_letter(struct hk_app *app, int64_t user_id,
                        const struct hk_llm_job *job, json_object *resume,
                        const struct hk_llm_letter_opts *o,
                        const char *language, const atomic_bool *cancel,
                        struct hk_llm_out *out, struct hawk_error *err)
{
    char words[16];
    struct hk_llm_job_text jt;
    struct hk_prompt_var vars[9];
    int max_words = o->max_words > 0 ? o->max_words : LETTER_DEFAULT_WORDS;

    snprintf(words, sizeof(words), "%d", max_words);
    char *resume_text = hk_llm_resume_prompt_text(resume);
    hk_llm_job_vars(job, resume_text, &jt, vars);
    vars[5] =
        (struct hk_prompt_var){"tone", o->tone ? o->tone : "professional"};
    vars[6] = (struct hk_prompt_var){"language", language};
    vars[7] = (struct hk_prompt_var){"max_words", words};
    vars[8] = (struct hk_prompt_var){"extra", o->extra ? o->extra : ""};
    char *system = hk_prompt_render(HK_PROMPT_LETTER_SYSTEM, vars, 9);
    char *user = hk_prompt_render(HK_PROMPT_LETTER_USER, vars, 9);
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
    struct hk_buf v;
    int rc = 0;
    hk_buf_init(&v, 0);
    memset(out, 0, sizeof(*out));
    for (int round = 0; round < 2; round++) {
        struct hk_llm_call c;
        memset(&c, 0, sizeof(c));
        c.purpose = "cover_letter";
        c.messages = msgs;
        c.n_messages = round == 0 ? 2 : 4;
        c.temperature = 0.7;
        c.max_tokens = max_words * 3 + 200;
        c.timeout_ms = hk_llm_timeout_ms(app);
        c.cancel = cancel;
        rc = hk_llm_chat(app, user_id, &c, out, err);
        if (rc < 0)
            break;
        if (blank(out->content)) {
            hk_llm_out_release(out);
            HAWK_ERR_SET(err, HAWK_EPROTO, true, 0,
                         "the llm returned an empty cover letter");
            rc = HAWK_EPROTO;
            break;
        }
        hk_buf_reset(&v);
        if (hk_llm_letter_check(resume, job, out->content, language,
                                hk_wall_ms() / 1000, &v) == 0)
            break;
        hk_free(bad);
        hk_free(fix);
        bad = hk_strdup(out->content);
        hk_llm_out_release(out);
        fix = hk_asprintf("The letter cannot be sent as written:\n%sRewrite "
                          "it without these problems, using only facts "
                          "from the resume and the posting.",
                          hk_buf_str(&v));
        msgs[2] = (struct hawk_llm_message){"assistant", bad};
        msgs[3] = (struct hawk_llm_message){"user", fix};
        rc = HAWK_EPROTO;
        HAWK_ERR_SET(err, HAWK_EPROTO, false, 0,
                     "the cover letter was refused twice: %.200s",
                     hk_buf_str(&v));
    }
    hk_buf_release(&v);
    hk_free(bad);
    hk_free(fix);
    hk_free(system);
    hk_free(user);
    return rc;
}

/* See llm.h. */
int hk_llm_cover_letter(struct hk_app *app, int64_t user_id, int64_t job_id,
                        const struct hk_llm_letter_opts *opts,
                        const atomic_bool *cancel, char **result_json,
                        struct hawk_error *err)
{
    static const struct hk_llm_letter_opts none;
    const struct hk_llm_letter_opts *o = opts != NULL ? opts : &none;
    struct hk_dbconn *c = NULL;
    struct hk_llm_job job;
    json_object *resume = NULL;
    struct hk_llm_out out;

    if (result_json != NULL)
        *result_json = NULL;
    int rc = hk_llm_letter_opts_check(o, err);
    if (rc < 0)
        return rc;
    rc = hk_db_acquire(app->db, &c);
    if (rc < 0) {
        hk_llm_db_error(err, rc, "write the cover letter");
        return rc;
    }
    rc = hk_llm_inputs_load(app->platform, c, user_id, job_id, &job, &resume,
                            err);
    if (rc == 0) {
        rc = precheck_application(app->platform, c, user_id, job_id,
                                  o->application_id, err);
        if (rc < 0) {
            hk_llm_job_release(&job);
            json_object_put(resume);
        }
    }
    hk_db_release(app->db, c);
    if (rc < 0)
        return rc;

    char language[48];
    hk_strlcpy(language,
               o->language ? o->language
                           : hk_llm_detect_language(job.description),
               sizeof(language));
    rc = write_letter(app, user_id, &job, resume, o, language, cancel, &out,
                      err);
    hk_llm_job_release(&job);
    json_object_put(resume);
    if (rc < 0)
        return rc;

    int64_t app_id = 0, doc_id = 0;
    rc = store(app, user_id, job_id, o->application_id, out.content, &app_id,
               &doc_id, err);
    if (rc == 0 && result_json != NULL) {
        json_object *r = json_object_new_object();
        json_object_object_add(r, "job_id", json_object_new_int64(job_id));
        json_object_object_add(r, "application_id",
                               json_object_new_int64(app_id));
        json_object_object_add(r, "document_id", json_object_new_int64(doc_id));
        json_object_object_add(r, "language", json_object_new_string(language));
        json_object_object_add(r, "content",
                               json_object_new_string(out.content));
        *result_json = hk_strdup(hk_llm_json(r));
        json_object_put(r);
    }
    hk_llm_out_release(&out);
    return rc;
}
