/*
 * mail/mail_int.h - shared between the files of the mail module only.
 */
#ifndef HK_MAIL_INT_H
#define HK_MAIL_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "mail/mail.h"
#include "util/buf.h"

/* One template: the three parts as read from disk (owned). */
struct hk_mail_tmpl {
    char *name;
    char *subject;
    char *text;
    char *html; /* NULL without a .html file */
};

struct hk_mail {
    /* Copies of the configuration strings (owned; password a secret). */
    char *smtp_url;
    char *username;
    char *password;
    int tls;
    char *ca_file;
    char *from_address;
    char *from_name;
    char *reply_to;
    int64_t timeout_ms;
    char *templates_dir;
    char *spool_dir;
    int max_attempts;
    char domain[256]; /* of from_address: the Message-ID right side */
    struct hk_mail_tmpl *tmpl;
    size_t n_tmpl;
};

/* ---- template.c ---- */
/* Loads every <name>.txt (+ <name>.html) of dir into m.  HAWK_ECONFIG
 * with "file:line: why" in err. */
int hk_mail_templates_load(struct hk_mail *m, const char *dir,
                           struct hk_err *err);
void hk_mail_templates_free(struct hk_mail *m);
/* Checks the {{name}} markers of one template text; 0 or HAWK_ECONFIG
 * with "<file>:<line>: ..." in err. */
int hk_mail_template_check(const char *text, const char *file,
                           struct hk_err *err);
/* Appends text with every {{name}} replaced by its value from vars
 * (escaped for HTML when html, CR/LF dropped when one_line). */
int hk_mail_expand(const char *tmpl_name, const char *text, json_object *vars,
                   bool html, bool one_line, struct hk_buf *out,
                   struct hk_err *err);

/* ---- mime.c ---- */
/* RFC 5322 date of epoch ms in UTC: "Tue, 03 Dec 2024 14:16:00 +0000". */
void hk_mail_date(int64_t epoch_ms, char *out, size_t n);
/* Appends an unstructured header value as RFC 2047 encoded words when it
 * is not plain ASCII (folded into lines of at most 76 characters). */
int hk_mail_encode_words(struct hk_buf *b, const char *s, size_t first_used);
/* Appends s quoted-printable (RFC 2045), lines <= 76, CRLF ends. */
int hk_mail_qp(struct hk_buf *b, const char *s);

/* ---- smtp.c / spool.c ---- */
int hk_mail_smtp_send(struct hk_mail *m, const char *to, const char *data,
                      size_t len, bool *retryable, struct hk_err *err);
int hk_mail_spool_write(struct hk_mail *m, const char *message_id,
                        const char *data, size_t len, char *path,
                        size_t pathlen, struct hk_err *err);

#endif
