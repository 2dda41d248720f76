/*
 * util/err.c - the core's error value (see err.h).
 */
#include "util/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util/str.h"

void hk_err_clear(struct hk_err *e)
{
    if (e == NULL)
        return;
    e->code = 0;
    e->reason = NULL;
    e->field[0] = '\0';
    e->msg[0] = '\0';
    e->detail[0] = '\0';
}

int hk_err_set(struct hk_err *e, int code, const char *reason,
               const char *field, const char *fmt, ...)
{
    if (e == NULL)
        return code;
    e->code = code;
    e->reason = reason;
    hk_strlcpy(e->field, field != NULL ? field : "", sizeof(e->field));
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
    va_end(ap);
    e->detail[0] = '\0';
    return code;
}

void hk_err_prefix(struct hk_err *e, const char *fmt, ...)
{
    if (e == NULL || e->code == 0)
        return;
    char old[sizeof(e->msg)];
    memcpy(old, e->msg, sizeof(old));
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof(e->msg) - 2)
        return;
    size_t off = (size_t)n;
    memcpy(e->msg + off, ": ", 2);
    hk_strlcpy(e->msg + off + 2, old, sizeof(e->msg) - off - 2);
}

const char *hk_err_reason(const struct hk_err *e)
{
    if (e == NULL)
        return "internal";
    if (e->reason != NULL)
        return e->reason;
    switch (e->code) {
    case HAWK_EINVAL:
        return e->field[0] != '\0' ? "invalid_field" : "invalid_request";
    case HAWK_ENOTFOUND:
        return "not_found";
    case HAWK_EEXIST:
    case HAWK_ECONFLICT:
        return "conflict";
    case HAWK_EUNAVAIL:
        return "unavailable";
    case HAWK_EPERM:
        return "forbidden";
    case HAWK_EAUTH:
        return "unauthorized";
    case HAWK_ETOOBIG:
        return "payload_too_large";
    case HAWK_ERATELIMIT:
        return "rate_limited";
    case HAWK_EQUOTA:
        return "quota_exceeded";
    case HAWK_ETIMEDOUT:
        return "timeout";
    case HAWK_EUNSUPPORTED:
        return "not_supported";
    default:
        return "internal";
    }
}

int hk_err_from_plugin(struct hk_err *e, const struct hawk_error *pe,
                       const char *plugin)
{
    int code = pe != NULL && pe->code < 0 && pe->code > HAWK_E_LAST_
                   ? pe->code
                   : HAWK_EINTERNAL;
    const char *msg =
        pe != NULL && pe->msg[0] != '\0' ? pe->msg : hawk_strerror(code);
    return hk_err_set(e, code, NULL, NULL, "%s: %s",
                      plugin != NULL ? plugin : "plugin", msg);
}
