/*
 * mail/mail.c - the mail module object: configuration, templates, and
 * delivery of one message (SMTP, or the spool folder when no server is
 * configured).
 */
#include <stdio.h>
#include <string.h>

#include "log/log.h"
#include "mail/mail_int.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/str.h"
#include "util/time.h"

/* See mail.h. */
bool hk_mail_addr_ok(const char *addr)
{
    if (addr == NULL)
        return false;
    size_t n = strlen(addr);
    const char *at = strrchr(addr, '@');
    if (n < 3 || n > HK_MAIL_ADDR_MAX || at == NULL || at == addr ||
        at[1] == '\0' || strchr(addr, '@') != at)
        return false;
    for (const unsigned char *p = (const unsigned char *)addr; *p; p++) {
        if (*p <= 32 || *p == 127 || *p == '<' || *p == '>' || *p == ',' ||
            *p == ';' || *p == '"' || *p == '\\' || *p == '(' || *p == ')')
            return false;
    }
    return true;
}

static char *dup_or_null(const char *s)
{
    return s != NULL && s[0] != '\0' ? hk_strdup(s) : NULL;
}

static int check_cfg(const struct hk_mail_cfg *c, struct hk_err *err)
{
    if (c->smtp_url != NULL && c->smtp_url[0] != '\0' &&
        !hk_str_has_prefix(c->smtp_url, "smtp://") &&
        !hk_str_has_prefix(c->smtp_url, "smtps://"))
        return hk_err_set(err, HAWK_ECONFIG, NULL, "mail.smtp_url",
                          "mail.smtp_url must start with smtp:// or smtps:// "
                          "(or be empty to write mails to a folder)");
    if (!hk_mail_addr_ok(c->from_address))
        return hk_err_set(err, HAWK_ECONFIG, NULL, "mail.from",
                          "mail.from must be one address such as "
                          "noreply@example.com");
    if (c->reply_to != NULL && c->reply_to[0] != '\0' &&
        !hk_mail_addr_ok(c->reply_to))
        return hk_err_set(err, HAWK_ECONFIG, NULL, "mail.reply_to",
                          "mail.reply_to must be one address");
    if (c->from_name != NULL && strpbrk(c->from_name, "\r\n") != NULL)
        return hk_err_set(err, HAWK_ECONFIG, NULL, "mail.from_name",
                          "mail.from_name must be one line");
    if (c->tls < HK_MAIL_TLS_AUTO || c->tls > HK_MAIL_TLS_OFF)
        return hk_err_set(err, HAWK_ECONFIG, NULL, "mail.starttls",
                          "mail.starttls must be auto, require or off");
    if (c->templates_dir == NULL || c->spool_dir == NULL)
        return hk_err_set(err, HAWK_ECONFIG, NULL, NULL,
                          "mail needs a templates and a spool directory");
    return 0;
}

/* See mail.h. */
int hk_mail_new(const struct hk_mail_cfg *cfg, struct hk_mail **out,
                struct hk_err *err)
{
    *out = NULL;
    int rc = check_cfg(cfg, err);
    if (rc < 0)
        return rc;
    struct hk_mail *m = hk_calloc(1, sizeof(*m));
    m->smtp_url = dup_or_null(cfg->smtp_url);
    m->username = dup_or_null(cfg->username);
    m->password = dup_or_null(cfg->password);
    m->tls = cfg->tls;
    m->ca_file = dup_or_null(cfg->ca_file);
    m->from_address = hk_strdup(cfg->from_address);
    m->from_name = dup_or_null(cfg->from_name);
    m->reply_to = dup_or_null(cfg->reply_to);
    m->timeout_ms = cfg->timeout_ms > 0 ? cfg->timeout_ms : 30000;
    m->templates_dir = hk_strdup(cfg->templates_dir);
    m->spool_dir = hk_strdup(cfg->spool_dir);
    m->max_attempts = cfg->max_attempts > 0 ? cfg->max_attempts : 8;
    hk_strlcpy(m->domain, strrchr(m->from_address, '@') + 1, sizeof(m->domain));
    rc = hk_mail_templates_load(m, m->templates_dir, err);
    if (rc < 0) {
        hk_mail_free(m);
        return rc;
    }
    if (m->smtp_url == NULL)
        hk_info("mail: no SMTP server configured (mail.smtp_url): mails are "
                "written to %s",
                m->spool_dir);
    *out = m;
    return 0;
}

/* See mail.h. */
void hk_mail_free(struct hk_mail *m)
{
    if (m == NULL)
        return;
    hk_mail_templates_free(m);
    hk_free(m->smtp_url);
    hk_free(m->ca_file);
    hk_free(m->username);
    hk_free_secret(m->password);
    hk_free(m->from_address);
    hk_free(m->from_name);
    hk_free(m->reply_to);
    hk_free(m->templates_dir);
    hk_free(m->spool_dir);
    hk_free(m);
}

/* See mail.h. */
bool hk_mail_uses_smtp(const struct hk_mail *m)
{
    return m != NULL && m->smtp_url != NULL;
}

/* One log line per delivered mail: who, what, where (never the body,
 * which may hold a link that signs a user in). */
static void log_sent(const struct hk_mail_msg *msg, const char *mid,
                     const char *path, int64_t ms)
{
    struct hk_buf f;
    hk_buf_init(&f, 2048);
    (void)hk_buf_puts(&f, "{\"to\":");
    (void)hk_buf_json_str(&f, msg->to, strlen(msg->to));
    (void)hk_buf_puts(&f, ",\"subject\":");
    (void)hk_buf_json_str(&f, msg->subject, strlen(msg->subject));
    if (msg->template != NULL) {
        (void)hk_buf_puts(&f, ",\"template\":");
        (void)hk_buf_json_str(&f, msg->template, strlen(msg->template));
    }
    (void)hk_buf_puts(&f, ",\"message_id\":");
    (void)hk_buf_json_str(&f, mid, strlen(mid));
    if (path != NULL) {
        (void)hk_buf_puts(&f, ",\"path\":");
        (void)hk_buf_json_str(&f, path, strlen(path));
    }
    (void)hk_buf_printf(&f, ",\"ms\":%lld}", (long long)ms);
    hk_log_fields(HAWK_LOG_INFO,
                  path != NULL ? "mail written to the spool folder (no SMTP "
                                 "server configured)"
                               : "mail sent",
                  hk_buf_str(&f));
    hk_buf_release(&f);
}

/* See mail.h. */
int hk_mail_send(struct hk_mail *m, const struct hk_mail_msg *msg,
                 bool *retryable, struct hk_err *err)
{
    char *data = NULL, *mid = NULL;
    size_t len = 0;
    bool retry = false;
    int64_t t0 = hk_mono_ms();

    int rc = hk_mail_build(m, msg, hk_wall_ms(), &data, &len, &mid, err);
    if (rc == 0 && m->smtp_url != NULL) {
        rc = hk_mail_smtp_send(m, msg->to, data, len, &retry, err);
        if (rc == 0)
            log_sent(msg, mid, NULL, hk_mono_ms() - t0);
    } else if (rc == 0) {
        char path[1400];
        rc = hk_mail_spool_write(m, mid, data, len, path, sizeof(path), err);
        retry = rc < 0;
        if (rc == 0)
            log_sent(msg, mid, path, hk_mono_ms() - t0);
    }
    if (retryable != NULL)
        *retryable = retry;
    hk_free(data);
    hk_free(mid);
    return rc;
}

/* See mail.h. */
int hk_mail_send_template(struct hk_mail *m, const char *to, const char *name,
                          json_object *vars, bool *retryable,
                          struct hk_err *err)
{
    char *subject = NULL, *text = NULL, *html = NULL;
    if (retryable != NULL)
        *retryable = false;
    int rc = hk_mail_render(m, name, vars, &subject, &text, &html, err);
    if (rc == 0) {
        struct hk_mail_msg msg = {to, subject, text, html, name};
        rc = hk_mail_send(m, &msg, retryable, err);
    }
    hk_free(subject);
    hk_free(text);
    hk_free(html);
    return rc;
}
