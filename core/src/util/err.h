/*
 * util/err.h - the one error value of the core.
 *
 * Below the edges (HTTP routes, CLI commands, the Lua host API) every
 * operation that can fail returns 0 or a negative HAWK_E* code and, when
 * it fails, fills a caller-owned struct hk_err.  Each edge maps the value
 * to its own form in exactly one function; domain code never builds an
 * HTTP response, prints to a terminal or raises a Lua error itself.
 *
 *     struct hk_err err = HK_ERR_INIT;
 *     rc = hk_resume_get(rs, user_id, id, &out, &err);
 *     if (rc < 0)
 *         goto out;
 *
 * Callees set the error once, where the failure is understood; callers
 * pass it up unchanged (or add context with hk_err_prefix()).
 */
#ifndef HK_UTIL_ERR_H
#define HK_UTIL_ERR_H

#include <stddef.h>

#include "hawk/plugin.h"

struct hk_err {
    int code;           /* HAWK_E*; 0 while nothing failed */
    const char *reason; /* static machine word for clients ("plan_limit",
                           "resume_missing"); NULL: derived from code */
    char field[128];    /* the input field at fault ("" when none), as the
                           client named it: "experience[2].company" (paths
                           into nested resumes pass 64 bytes) */
    char msg[512];      /* for the reader: lower-case, no trailing period,
                           says what failed and what to do; never a secret
                           (a plan limit quotes a plan name of up to 400
                           bytes) */
    char detail[1024];  /* optional JSON object members without braces
                           ("\"limit\":\"max_resumes\",\"value\":3") that
                           edges add to their answer; "" when none */
};

#define HK_ERR_INIT                                                            \
    {                                                                          \
        0, NULL, "", "", ""                                                    \
    }

/* Resets e to "nothing failed".  e may be NULL. */
void hk_err_clear(struct hk_err *e);

/* Fills e (when not NULL) and returns code, so a callee can write
 * `return hk_err_set(err, HAWK_EINVAL, NULL, "email", "...");`.
 * reason: static string or NULL; field: NULL or "" for none; the message
 * is formatted and truncated to fit.  code must be negative. */
int hk_err_set(struct hk_err *e, int code, const char *reason,
               const char *field, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* Prepends "<text>: " to e->msg (truncating the end); a no-op for NULL or
 * an unset error.  For callers that add where the failure happened. */
void hk_err_prefix(struct hk_err *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* e->reason, else the default word for e->code: "invalid_field" (with a
 * field) or "invalid_request", "not_found", "conflict", "unavailable",
 * "forbidden", "unauthorized", "payload_too_large", "rate_limited",
 * "quota_exceeded", "timeout", "not_supported", "internal".  Static. */
const char *hk_err_reason(const struct hk_err *e);

/* Copies a plugin's error (ABI struct) into e, prefixing the message with
 * "<plugin>: ".  The code is kept when it is a HAWK_E*, else EINTERNAL. */
int hk_err_from_plugin(struct hk_err *e, const struct hawk_error *pe,
                       const char *plugin);

#endif
