/*
 * mail/job.c - the mail.send job kind: {to, template, vars} rendered and
 * delivered by a worker, retried with back-off while the server is away,
 * dead at once when the server refuses the mail for good.
 */
#include <stdio.h>
#include <string.h>

#include "mail/mail_int.h"
#include "queue/queue.h"
#include "util/alloc.h"

#define MAIL_QUEUE "mail"

static const char *member_str(json_object *o, const char *k)
{
    json_object *v = NULL;
    if (json_object_object_get_ex(o, k, &v) &&
        json_object_is_type(v, json_type_string))
        return json_object_get_string(v);
    return NULL;
}

static int run_mail(struct hk_job_ctx *ctx, const char *payload,
                    struct hk_buf *result, struct hawk_error *herr)
{
    struct hk_mail *m = ctx->kind_ctx;
    struct hk_err err = HK_ERR_INIT;
    bool retry = false;
    json_object *p = json_tokener_parse(payload);
    json_object *vars = NULL;
    int rc;

    const char *to = member_str(p, "to");
    const char *name = member_str(p, "template");
    json_object_object_get_ex(p, "vars", &vars);
    if (m == NULL) {
        rc = hk_err_set(&err, HAWK_EUNAVAIL, NULL, NULL,
                        "mail is not set up in this process");
        retry = true;
    } else if (to == NULL || name == NULL) {
        rc = hk_err_set(&err, HAWK_EINVAL, NULL, NULL,
                        "mail.send needs \"to\" and \"template\"");
    } else {
        rc = hk_mail_send_template(m, to, name, vars, &retry, &err);
    }
    if (rc == 0)
        rc = hk_buf_printf(result, "{\"delivered\":\"%s\"}",
                           hk_mail_uses_smtp(m) ? "smtp" : "spool");
    else
        HAWK_ERR_SET(herr, rc, retry, 0, "%.250s", err.msg);
    json_object_put(p);
    return rc;
}

/* See mail.h. */
int hk_mail_register_kinds(struct hk_mail *m)
{
    struct hk_job_kind k = {
        .name = HK_MAIL_KIND,
        .run = run_mail,
        .queue = MAIL_QUEUE,
        .timeout_ms = 2 * m->timeout_ms + 10000,
        .max_attempts = m->max_attempts,
        .backoff_base_ms = 30000,
        .backoff_cap_ms = 3600000,
        .ctx = m,
    };
    return hk_queue_register_kind(&k);
}

static bool template_name_ok(const char *s)
{
    size_t n = s != NULL ? strlen(s) : 0;
    if (n == 0 || n > 64)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
              c == '-'))
            return false;
    }
    return true;
}

/* See mail.h. */
int hk_mail_enqueue(struct hk_dbconn *c, const char *to, const char *name,
                    json_object *vars, int64_t user_id, struct hk_err *err)
{
    if (!hk_mail_addr_ok(to))
        return hk_err_set(err, HAWK_EINVAL, "invalid_address", "to",
                          "not one valid mail address");
    if (!template_name_ok(name))
        return hk_err_set(err, HAWK_EINVAL, NULL, "template",
                          "invalid mail template name");
    json_object *p = json_object_new_object();
    json_object_object_add(p, "to", json_object_new_string(to));
    json_object_object_add(p, "template", json_object_new_string(name));
    json_object_object_add(p, "vars",
                           vars != NULL ? json_object_get(vars)
                                        : json_object_new_object());
    struct hk_job_spec spec = {
        .kind = HK_MAIL_KIND,
        .payload = json_object_to_json_string_ext(p, JSON_C_TO_STRING_PLAIN),
        .user_id = user_id,
    };
    int rc = hk_queue_enqueue(c, &spec, NULL, NULL);
    json_object_put(p);
    if (rc < 0)
        return hk_err_set(err, rc, NULL, NULL, "cannot queue the mail: %s",
                          hawk_strerror(rc));
    return 0;
}
