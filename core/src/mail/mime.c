/*
 * mail/mime.c - the message itself: RFC 5322 headers (Date, Message-ID,
 * From with a display name, To, Subject), RFC 2047 encoded words for
 * UTF-8 header text, and an RFC 2046 multipart/alternative body with a
 * quoted-printable text/plain part and, when the template has one, a
 * text/html part.  Every line ends in CRLF and stays under 78
 * characters, so no relay has to rewrap anything.
 *
 * Transactional style: no List-Unsubscribe (these mails answer the
 * user's own action), Auto-Submitted: auto-generated so vacation
 * responders stay quiet.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "mail/mail_int.h"
#include "util/alloc.h"
#include "util/str.h"

#define QP_LINE 76
/* Bytes of UTF-8 per encoded word: 45 bytes -> 60 base64 characters,
 * plus "=?UTF-8?B?" and "?=" = 72, under the 75 RFC 2047 allows. */
#define WORD_BYTES 45

/* See mail_int.h.  Day and month names are spelled here, not by the C
 * locale, which could translate them. */
void hk_mail_date(int64_t epoch_ms, char *out, size_t n)
{
    static const char *const days[] = {"Sun", "Mon", "Tue", "Wed",
                                       "Thu", "Fri", "Sat"};
    static const char *const months[] = {"Jan", "Feb", "Mar", "Apr",
                                         "May", "Jun", "Jul", "Aug",
                                         "Sep", "Oct", "Nov", "Dec"};
    time_t t = (time_t)(epoch_ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    snprintf(out, n, "%s, %02d %s %04d %02d:%02d:%02d +0000", days[tm.tm_wday],
             tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour,
             tm.tm_min, tm.tm_sec);
}

static bool plain_ascii(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p < 32 || *p > 126)
            return false;
    }
    return true;
}

static int b64(struct hk_buf *b, const unsigned char *in, size_t n)
{
    static const char tbl[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < n; i += 3) {
        unsigned v = (unsigned)in[i] << 16;
        if (i + 1 < n)
            v |= (unsigned)in[i + 1] << 8;
        if (i + 2 < n)
            v |= in[i + 2];
        char q[4] = {tbl[(v >> 18) & 63], tbl[(v >> 12) & 63],
                     i + 1 < n ? tbl[(v >> 6) & 63] : '=',
                     i + 2 < n ? tbl[v & 63] : '='};
        rc = hk_buf_append(b, q, 4);
    }
    return rc;
}

/* Length of the UTF-8 sequence starting with byte c (1 for junk). */
static size_t utf8_len(unsigned char c)
{
    if (c >= 0xF0)
        return 4;
    if (c >= 0xE0)
        return 3;
    if (c >= 0xC0)
        return 2;
    return 1;
}

/* See mail_int.h.  first_used: characters already on the line (the
 * header name), so a short ASCII value stays on one line. */
int hk_mail_encode_words(struct hk_buf *b, const char *s, size_t first_used)
{
    size_t n = strlen(s);
    if (plain_ascii(s) && first_used + n <= 76)
        return hk_buf_puts(b, s);
    int rc = 0;
    size_t i = 0;
    bool first = true;
    while (rc == 0 && i < n) {
        /* Whole characters only: a word must decode on its own. */
        size_t take = 0;
        while (i + take < n) {
            size_t cl = utf8_len((unsigned char)s[i + take]);
            if (take + cl > WORD_BYTES)
                break;
            take += cl;
        }
        if (take == 0)
            take = n - i < WORD_BYTES ? n - i : WORD_BYTES;
        if (i + take > n)
            take = n - i;
        if (!first)
            rc = hk_buf_puts(b, "\r\n ");
        if (rc == 0)
            rc = hk_buf_puts(b, "=?UTF-8?B?");
        if (rc == 0)
            rc = b64(b, (const unsigned char *)s + i, take);
        if (rc == 0)
            rc = hk_buf_puts(b, "?=");
        i += take;
        first = false;
    }
    return rc;
}

/* Appends one encoded unit, breaking the line first when it would pass
 * the limit (soft line break "=" CRLF). */
static int qp_put(struct hk_buf *b, size_t *col, const char *unit, size_t n)
{
    int rc = 0;
    if (*col + n > QP_LINE - 1) {
        rc = hk_buf_puts(b, "=\r\n");
        *col = 0;
    }
    if (rc == 0)
        rc = hk_buf_append(b, unit, n);
    *col += n;
    return rc;
}

/* See mail_int.h. */
int hk_mail_qp(struct hk_buf *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t col = 0;
    int rc = 0;
    for (const unsigned char *p = (const unsigned char *)s; rc == 0 && *p;
         p++) {
        unsigned char c = *p;
        if (c == '\r' && p[1] == '\n')
            continue;
        if (c == '\n') {
            rc = hk_buf_puts(b, "\r\n");
            col = 0;
            continue;
        }
        bool at_eol =
            p[1] == '\0' || p[1] == '\n' || (p[1] == '\r' && p[2] == '\n');
        /* A '.' opening a line is encoded too, so no relay's dot
         * handling can ever touch the body. */
        bool literal =
            (c >= 33 && c <= 126 && c != '=' && !(c == '.' && col == 0)) ||
            ((c == ' ' || c == '\t') && !at_eol);
        if (literal) {
            char one = (char)c;
            rc = qp_put(b, &col, &one, 1);
        } else {
            char enc[3] = {'=', hex[c >> 4], hex[c & 15]};
            rc = qp_put(b, &col, enc, 3);
        }
    }
    if (rc == 0 && col > 0)
        rc = hk_buf_puts(b, "\r\n");
    return rc;
}

static int header(struct hk_buf *b, const char *name, const char *value)
{
    int rc = hk_buf_printf(b, "%s: ", name);
    if (rc == 0)
        rc = hk_mail_encode_words(b, value, strlen(name) + 2);
    if (rc == 0)
        rc = hk_buf_puts(b, "\r\n");
    return rc;
}

/* From: "Name" <addr>, the name quoted or encoded as it needs. */
static int from_header(struct hk_buf *b, const struct hk_mail *m)
{
    const char *name = m->from_name != NULL ? m->from_name : "";
    int rc = hk_buf_puts(b, "From: ");
    if (rc == 0 && name[0] != '\0') {
        if (plain_ascii(name) && strlen(name) < 60) {
            rc = hk_buf_putc(b, '"');
            for (const char *p = name; rc == 0 && *p; p++) {
                if (*p == '"' || *p == '\\')
                    rc = hk_buf_putc(b, '\\');
                if (rc == 0)
                    rc = hk_buf_putc(b, *p);
            }
            if (rc == 0)
                rc = hk_buf_putc(b, '"');
        } else {
            rc = hk_mail_encode_words(b, name, 76);
        }
        if (rc == 0)
            rc = hk_buf_putc(b, ' ');
    }
    if (rc == 0)
        rc = hk_buf_printf(b, "<%s>\r\n", m->from_address);
    return rc;
}

static int part(struct hk_buf *b, const char *boundary, const char *type,
                const char *body)
{
    int rc = hk_buf_printf(b,
                           "--%s\r\n"
                           "Content-Type: %s; charset=UTF-8\r\n"
                           "Content-Transfer-Encoding: quoted-printable\r\n"
                           "\r\n",
                           boundary, type);
    if (rc == 0)
        rc = hk_mail_qp(b, body);
    return rc;
}

/* See mail.h. */
int hk_mail_build(const struct hk_mail *m, const struct hk_mail_msg *msg,
                  int64_t now_ms, char **out, size_t *len, char **message_id,
                  struct hk_err *err)
{
    unsigned char rnd[16];
    char hex[33], date[64], boundary[64];
    struct hk_buf b;

    *out = NULL;
    *message_id = NULL;
    if (msg == NULL || !hk_mail_addr_ok(msg->to))
        return hk_err_set(err, HAWK_EINVAL, "invalid_address", "to",
                          "not one valid mail address");
    if (msg->subject == NULL || msg->text == NULL ||
        strpbrk(msg->subject, "\r\n") != NULL)
        return hk_err_set(err, HAWK_EINVAL, NULL, "subject",
                          "a mail needs a one-line subject and a text body");
    if (hk_random_bytes(rnd, sizeof(rnd)) < 0)
        return hk_err_set(err, HAWK_EIO, NULL, NULL, "no randomness");
    hk_hex_encode(rnd, sizeof(rnd), hex);
    hk_mail_date(now_ms, date, sizeof(date));
    /* "=_" never occurs in quoted-printable text, so the boundary cannot
     * collide with a body line. */
    snprintf(boundary, sizeof(boundary), "=_hawk_%.24s", hex);
    char *mid =
        hk_asprintf("%.20s.%lld@%s", hex + 12, (long long)now_ms, m->domain);

    hk_buf_init(&b, (size_t)4 << 20);
    int rc = hk_buf_printf(&b, "Date: %s\r\nMessage-ID: <%s>\r\n", date, mid);
    if (rc == 0)
        rc = from_header(&b, m);
    if (rc == 0)
        rc = hk_buf_printf(&b, "To: <%s>\r\n", msg->to);
    if (rc == 0 && m->reply_to != NULL && m->reply_to[0] != '\0')
        rc = hk_buf_printf(&b, "Reply-To: <%s>\r\n", m->reply_to);
    if (rc == 0)
        rc = header(&b, "Subject", msg->subject);
    if (rc == 0)
        rc = hk_buf_puts(&b, "MIME-Version: 1.0\r\n"
                             "Auto-Submitted: auto-generated\r\n");
    if (rc == 0 && msg->html != NULL) {
        rc = hk_buf_printf(&b,
                           "Content-Type: multipart/alternative;\r\n"
                           " boundary=\"%s\"\r\n\r\n"
                           "This is a multi-part message in MIME format.\r\n",
                           boundary);
        if (rc == 0)
            rc = part(&b, boundary, "text/plain", msg->text);
        if (rc == 0)
            rc = part(&b, boundary, "text/html", msg->html);
        if (rc == 0)
            rc = hk_buf_printf(&b, "--%s--\r\n", boundary);
    } else if (rc == 0) {
        rc = hk_buf_puts(&b, "Content-Type: text/plain; charset=UTF-8\r\n"
                             "Content-Transfer-Encoding: quoted-printable\r\n"
                             "\r\n");
        if (rc == 0)
            rc = hk_mail_qp(&b, msg->text);
    }
    if (rc < 0) {
        hk_buf_release(&b);
        hk_free(mid);
        return hk_err_set(err, rc, NULL, NULL, "mail too big");
    }
    *out = hk_buf_steal(&b, len);
    *message_id = mid;
    return 0;
}
