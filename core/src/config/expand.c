/*
 * config/expand.c - ${VAR} and ${VAR:-default} in configuration strings.
 *
 * Rules (also in etc/hawk.cfg.example):
 *   ${NAME}          the value of environment variable NAME; an error when
 *                    NAME is unset (set but empty gives "")
 *   ${NAME:-text}    NAME's value when set and non-empty, else `text`
 *                    (taken literally, up to the first '}')
 *   $$               one literal '$' (so "$${X}" gives "${X}")
 *   $ + anything else, or a trailing $, stays a literal '$'
 * NAME is [A-Za-z_][A-Za-z0-9_]*.  Expansion is single-pass: a variable's
 * value is never expanded again.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "hawk/plugin.h"
#include "util/alloc.h"
#include "util/buf.h"

/* Expanded strings are bounded well above the per-value limit so the
 * caller can report the real length. */
#define EXPAND_MAX (256 * 1024)

static bool name_start(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

static bool name_char(char c)
{
    return name_start(c) || (c >= '0' && c <= '9');
}

/* Handles one "${...}" starting at p (pointing at '$'); appends the
 * result and returns the number of bytes consumed, or -1 with err set. */
static long expand_ref(const char *p, struct hk_buf *out, char *err,
                       size_t errlen)
{
    const char *start = p + 2;
    const char *q = start;
    if (!name_start(*q)) {
        snprintf(err, errlen,
                 "invalid variable reference: '${' must be followed by a "
                 "name like ${HOME} (write $$ for a literal $)");
        return -1;
    }
    while (name_char(*q))
        q++;
    size_t name_len = (size_t)(q - start);
    const char *def = NULL;
    size_t def_len = 0;
    if (q[0] == ':' && q[1] == '-') {
        def = q + 2;
        const char *close = strchr(def, '}');
        if (close == NULL)
            goto unterminated;
        def_len = (size_t)(close - def);
        q = close;
    }
    if (*q != '}') {
        if (*q == '\0')
            goto unterminated;
        snprintf(err, errlen,
                 "invalid variable reference near '%.*s': use ${NAME} or "
                 "${NAME:-default}",
                 (int)(q - p + 1 > 40 ? 40 : q - p + 1), p);
        return -1;
    }
    char name[256];
    if (name_len >= sizeof(name)) {
        snprintf(err, errlen, "variable name too long in '${...}'");
        return -1;
    }
    memcpy(name, start, name_len);
    name[name_len] = '\0';
    const char *val = getenv(name);
    int rc;
    if (def != NULL && (val == NULL || val[0] == '\0')) {
        rc = hk_buf_append(out, def, def_len);
    } else if (val == NULL) {
        snprintf(err, errlen,
                 "environment variable '%s' is not set (export it, or "
                 "write ${%s:-default})",
                 name, name);
        return -1;
    } else {
        rc = hk_buf_puts(out, val);
    }
    if (rc < 0) {
        snprintf(err, errlen, "value is too long after expansion");
        return -1;
    }
    return (long)(q - p + 1);

unterminated:
    snprintf(err, errlen,
             "unterminated '${' (close it with '}', or write $$ for a "
             "literal $)");
    return -1;
}

/* See config.h. */
char *hk_config_expand(const char *s, char *err, size_t errlen)
{
    struct hk_buf out;
    hk_buf_init(&out, EXPAND_MAX);
    int rc = 0;
    const char *p = s;
    while (*p != '\0' && rc == 0) {
        const char *dollar = strchr(p, '$');
        if (dollar == NULL) {
            rc = hk_buf_puts(&out, p);
            break;
        }
        rc = hk_buf_append(&out, p, (size_t)(dollar - p));
        if (rc < 0)
            break;
        if (dollar[1] == '$') {
            rc = hk_buf_putc(&out, '$');
            p = dollar + 2;
        } else if (dollar[1] == '{') {
            long used = expand_ref(dollar, &out, err, errlen);
            if (used < 0) {
                hk_buf_release(&out);
                return NULL;
            }
            p = dollar + used;
        } else {
            rc = hk_buf_putc(&out, '$');
            p = dollar + 1;
        }
    }
    if (rc < 0) {
        snprintf(err, errlen, "value is too long after expansion");
        hk_buf_release(&out);
        return NULL;
    }
    if (out.data == NULL)
        return hk_strdup("");
    return hk_buf_steal(&out, NULL);
}
