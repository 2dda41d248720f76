/*
 * mail/mail.h - transactional mail: templates (plain text and HTML),
 * MIME messages (multipart/alternative, UTF-8 subjects as RFC 2047
 * encoded words, Date, Message-ID), SMTP through libcurl (smtp://,
 * smtps://, STARTTLS, AUTH), sent from the queue and retried with
 * back-off.  With no SMTP server configured every mail is written to a
 * folder under the data directory and logged, so a development setup
 * works without one.
 *
 * Mails are never sent inside an HTTP request: producers enqueue a
 * `mail.send` job in their own transaction (hk_mail_enqueue), or run
 * their own job kind that renders and sends (hk_mail_send_template), so
 * a slow or failing server only delays the job.
 *
 * Templates live in one directory: <name>.txt (required) starts with a
 * "Subject: ..." line and a blank line, then the plain-text body;
 * <name>.html (optional) is the HTML body.  {{var}} is replaced by the
 * value of `var` (HTML-escaped in the HTML part); a name with no value is
 * an error, not an empty string.
 */
#ifndef HK_MAIL_H
#define HK_MAIL_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

struct hk_dbconn;
struct hk_config;

#define HK_MAIL_KIND "mail.send"
#define HK_MAIL_ADDR_MAX 254

enum {
    HK_MAIL_TLS_AUTO = 0, /* smtp://: STARTTLS when the server offers it */
    HK_MAIL_TLS_REQUIRE,  /* smtp://: fail unless STARTTLS succeeds */
    HK_MAIL_TLS_OFF       /* smtp://: plain text (local relays, tests) */
};

/* What the module needs, filled by the composition root (all strings
 * borrowed for the life of the module). */
struct hk_mail_cfg {
    const char *smtp_url;      /* "smtp://host:587", "smtps://host:465";
                                  NULL or "": write mails to spool_dir */
    const char *username;      /* AUTH user; NULL or "": no AUTH */
    const char *password;      /* secret: never logged */
    int tls;                   /* HK_MAIL_TLS_* */
    const char *ca_file;       /* PEM CA bundle; NULL or "": the system's */
    const char *from_address;  /* "noreply@example.com" */
    const char *from_name;     /* display name, may be UTF-8 */
    const char *reply_to;      /* NULL or "": none */
    int64_t timeout_ms;        /* one delivery attempt */
    const char *templates_dir; /* directory of the templates */
    const char *spool_dir;     /* where mails go without SMTP */
    int max_attempts;          /* of a mail.send job */
};

struct hk_mail;

/* Checks the configuration and loads every template in templates_dir
 * (file:line errors for a template that does not parse).  Caller frees
 * with hk_mail_free().  0, or HAWK_ECONFIG with err. */
int hk_mail_new(const struct hk_mail_cfg *cfg, struct hk_mail **out,
                struct hk_err *err);
void hk_mail_free(struct hk_mail *m);

/* Reads mail.* and public_url from a loaded config into cfg (strings
 * borrowed from the config; dirs written into the caller's buffers:
 * templates_dir gets mail.templates_dir, else <config dir>/templates/mail,
 * else the source tree's etc/templates/mail; spool_dir mail.spool_dir,
 * else <data_dir>/mail).  0 or HAWK_ECONFIG with err. */
int hk_mail_cfg_from_config(const struct hk_config *c, struct hk_mail_cfg *cfg,
                            char *templates_dir, size_t tlen, char *spool_dir,
                            size_t slen, struct hk_err *err);

/* true when a template of that name was loaded. */
bool hk_mail_has_template(const struct hk_mail *m, const char *name);
/* true when mails go to an SMTP server, false when to the spool. */
bool hk_mail_uses_smtp(const struct hk_mail *m);

/* One message, strings borrowed. */
struct hk_mail_msg {
    const char *to;       /* one address */
    const char *subject;  /* UTF-8, one line */
    const char *text;     /* plain-text body (required) */
    const char *html;     /* HTML body or NULL */
    const char *template; /* for logs ("welcome"), may be NULL */
};

/* Renders template `name` with vars (a JSON object of strings and
 * numbers; borrowed) into *subject, *text and *html (caller frees each
 * with hk_free; *html NULL without an HTML part).  HAWK_ENOTFOUND for an
 * unknown template, HAWK_EINVAL naming a variable that has no value. */
int hk_mail_render(const struct hk_mail *m, const char *name, json_object *vars,
                   char **subject, char **text, char **html,
                   struct hk_err *err);

/* Builds the RFC 5322 message (CRLF line ends) for msg into *out
 * (caller frees with hk_free; *len its length); *message_id gets the
 * Message-ID without brackets (caller frees).  now_ms dates it. */
int hk_mail_build(const struct hk_mail *m, const struct hk_mail_msg *msg,
                  int64_t now_ms, char **out, size_t *len, char **message_id,
                  struct hk_err *err);

/* Delivers one message now: over SMTP, or into the spool (logged).  For
 * job handlers, never for request handlers.  On failure err->code says
 * what kind: HAWK_EUNAVAIL/ETIMEDOUT/EIO (retry later), HAWK_EAUTH
 * (login refused), HAWK_EINVAL (recipient refused), HAWK_ECONFIG (TLS
 * required but not offered).  *retryable (may be NULL) says whether a
 * later attempt may succeed. */
int hk_mail_send(struct hk_mail *m, const struct hk_mail_msg *msg,
                 bool *retryable, struct hk_err *err);

/* Renders and sends in one step (a job handler's usual call). */
int hk_mail_send_template(struct hk_mail *m, const char *to, const char *name,
                          json_object *vars, bool *retryable,
                          struct hk_err *err);

/* Adds a mail.send job {to, template, vars} inside the caller's
 * transaction on c, so the mail goes out exactly when the change that
 * caused it commits.  user_id 0 for system mail.  The variables are
 * stored in the job row: never put a secret in them (mails that carry a
 * token make it in their own job, see auth/).  0, HAWK_EINVAL (bad
 * address or template name) or a database error. */
int hk_mail_enqueue(struct hk_dbconn *c, const char *to, const char *name,
                    json_object *vars, int64_t user_id, struct hk_err *err);

/* Registers the mail.send job kind with the queue, bound to m (which
 * must outlive the workers).  0 or a negative code. */
int hk_mail_register_kinds(struct hk_mail *m);

/* `hawk mail test ...` (mail/cli.c): argv[0] is "test".  Returns a
 * process exit code. */
int hk_mail_cli(struct hk_mail *m, int argc, char **argv);

/* true for one address local@domain that is safe in a header (no CR,
 * LF, '<', '>', ',' or spaces; at most HK_MAIL_ADDR_MAX bytes). */
bool hk_mail_addr_ok(const char *addr);

#endif
