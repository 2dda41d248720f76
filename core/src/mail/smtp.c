/*
 * mail/smtp.c - one message to an SMTP server through libcurl: smtp://
 * with STARTTLS (tried, required or off), smtps:// (TLS from the first
 * byte), AUTH when a user is configured.  libcurl does the SMTP dialogue
 * and the dot-stuffing; this file maps its outcome to a code, whether a
 * later attempt may succeed, and a message that never holds the
 * password.
 */
#include <curl/curl.h>
#include <stdio.h>
#include <string.h>

#include "mail/mail_int.h"
#include "util/alloc.h"
#include "util/str.h"

struct upload {
    const char *data;
    size_t len;
    size_t off;
};

static size_t on_read(char *buf, size_t size, size_t nitems, void *opaque)
{
    struct upload *u = opaque;
    size_t room = size * nitems;
    size_t n = u->len - u->off < room ? u->len - u->off : room;
    memcpy(buf, u->data + u->off, n);
    u->off += n;
    return n;
}

/* The outcome of a failed transfer: code, retryable, message. */
static int map_error(const struct hk_mail *m, CURLcode cc, long smtp_code,
                     const char *detail, const char *to, bool *retryable,
                     struct hk_err *err)
{
    const char *url = m->smtp_url;
    *retryable = false;
    switch (cc) {
    case CURLE_LOGIN_DENIED:
        return hk_err_set(err, HAWK_EAUTH, "mail_auth", NULL,
                          "smtp server %s refused the login (%ld): check "
                          "mail.username and mail.password",
                          url, smtp_code);
    case CURLE_USE_SSL_FAILED:
        return hk_err_set(err, HAWK_ECONFIG, "mail_tls", NULL,
                          "smtp server %s does not offer STARTTLS; use "
                          "smtps:// or, for a trusted local relay only, "
                          "mail.starttls = \"off\"",
                          url);
    default:
        break;
    }
    /* The server answered with a reply code: 4xx is "try again later"
     * (greylisting, full queue), 5xx is final (no such mailbox). */
    if (smtp_code >= 400 && smtp_code < 500) {
        *retryable = true;
        return hk_err_set(err, HAWK_EUNAVAIL, "mail_deferred", NULL,
                          "smtp server %s deferred the mail to %s (%ld): "
                          "%.120s",
                          url, to, smtp_code, detail);
    }
    if (smtp_code >= 500)
        return hk_err_set(err, HAWK_EINVAL, "mail_rejected", NULL,
                          "smtp server %s rejected the mail to %s (%ld): "
                          "%.120s",
                          url, to, smtp_code, detail);
    switch (cc) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
        *retryable = true;
        return hk_err_set(err, HAWK_EUNAVAIL, "mail_unavailable", NULL,
                          "smtp server %s unreachable: %.120s", url, detail);
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
        *retryable = true;
        return hk_err_set(err, HAWK_EIO, "mail_tls", NULL,
                          "tls with smtp server %s failed: %.120s", url,
                          detail);
    default:
        break;
    }
    *retryable = true;
    return hk_err_set(err, HAWK_EIO, "mail_failed", NULL,
                      "sending to smtp server %s failed: %.120s", url, detail);
}

/* See mail_int.h.  Thread-safe (a handle per call). */
int hk_mail_smtp_send(struct hk_mail *m, const char *to, const char *data,
                      size_t len, bool *retryable, struct hk_err *err)
{
    char errbuf[CURL_ERROR_SIZE] = "";
    char from[HK_MAIL_ADDR_MAX + 3], rcpt[HK_MAIL_ADDR_MAX + 3];
    struct upload u = {data, len, 0};

    *retryable = false;
    CURL *e = curl_easy_init();
    if (e == NULL)
        return hk_err_set(err, HAWK_ENOMEM, NULL, NULL,
                          "cannot create a curl handle");
    snprintf(from, sizeof(from), "<%s>", m->from_address);
    snprintf(rcpt, sizeof(rcpt), "<%s>", to);
    struct curl_slist *rcpts = curl_slist_append(NULL, rcpt);
    curl_easy_setopt(e, CURLOPT_URL, m->smtp_url);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_MAIL_FROM, from);
    curl_easy_setopt(e, CURLOPT_MAIL_RCPT, rcpts);
    curl_easy_setopt(e, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(e, CURLOPT_READFUNCTION, on_read);
    curl_easy_setopt(e, CURLOPT_READDATA, &u);
    curl_easy_setopt(e, CURLOPT_INFILESIZE_LARGE, (curl_off_t)len);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)m->timeout_ms);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
                     (long)(m->timeout_ms < 10000 ? m->timeout_ms : 10000));
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
    if (m->ca_file != NULL)
        curl_easy_setopt(e, CURLOPT_CAINFO, m->ca_file);
    if (!hk_str_has_prefix(m->smtp_url, "smtps://"))
        curl_easy_setopt(e, CURLOPT_USE_SSL,
                         m->tls == HK_MAIL_TLS_REQUIRE ? (long)CURLUSESSL_ALL
                         : m->tls == HK_MAIL_TLS_OFF   ? (long)CURLUSESSL_NONE
                                                       : (long)CURLUSESSL_TRY);
    if (m->username != NULL && m->username[0] != '\0') {
        curl_easy_setopt(e, CURLOPT_USERNAME, m->username);
        curl_easy_setopt(e, CURLOPT_PASSWORD,
                         m->password != NULL ? m->password : "");
    }
    CURLcode cc = curl_easy_perform(e);
    long code = 0;
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &code);
    curl_slist_free_all(rcpts);
    curl_easy_cleanup(e);
    if (cc == CURLE_OK)
        return 0;
    return map_error(m, cc, code, errbuf[0] ? errbuf : curl_easy_strerror(cc),
                     to, retryable, err);
}
