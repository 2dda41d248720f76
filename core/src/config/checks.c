/*
 * config/checks.c - semantic checks of string values and small helpers
 * shared by the config files (names, suggestions, file:line).
 */
#include <libpq-fe.h>
#include <stdio.h>
#include <string.h>

#include "config/internal.h"
#include "hawk/plugin.h"
#include "log/log.h"
#include "util/str.h"

/* See config.h. */
int hk_config_parse_listen(const char *s, char *host, size_t hostlen, int *port)
{
    const char *colon;
    const char *h = s;
    size_t hlen;
    if (s[0] == '[') {
        const char *close = strchr(s, ']');
        if (close == NULL || close[1] != ':')
            return HAWK_EINVAL;
        h = s + 1;
        hlen = (size_t)(close - h);
        colon = close + 1;
        for (size_t i = 0; i < hlen; i++) {
            char c = h[i];
            bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
                      (c >= 'A' && c <= 'F') || c == ':' || c == '.';
            if (!ok)
                return HAWK_EINVAL;
        }
    } else {
        colon = strrchr(s, ':');
        if (colon == NULL)
            return HAWK_EINVAL;
        hlen = (size_t)(colon - s);
        for (size_t i = 0; i < hlen; i++) {
            char c = s[i];
            bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
                      (c >= 'A' && c <= 'Z') || c == '.' || c == '-' ||
                      c == '_' || c == '*';
            if (!ok)
                return HAWK_EINVAL;
        }
    }
    if (hlen == 0 || hlen >= hostlen || hlen > 253)
        return HAWK_EINVAL;
    int64_t p;
    if (hk_parse_i64(colon + 1, 1, 65535, &p) < 0)
        return HAWK_EINVAL;
    memcpy(host, h, hlen);
    host[hlen] = '\0';
    *port = (int)p;
    return 0;
}

/* See internal.h: server.listen must parse as host:port. */
int hk_cfg_check_listen(const char *what, const char *value, char *msg,
                        size_t msglen)
{
    char host[256];
    int port;
    if (hk_config_parse_listen(value, host, sizeof(host), &port) == 0)
        return 0;
    snprintf(msg, msglen,
             "%s must be host:port with a port from 1 to 65535, like "
             "\"127.0.0.1:8080\" or \"[::1]:8080\" (got \"%.64s\")",
             what, value);
    return HAWK_ECONFIG;
}

/* See internal.h: log.level must name a level. */
int hk_cfg_check_log_level(const char *what, const char *value, char *msg,
                           size_t msglen)
{
    if (hk_log_level_parse(value) >= 0)
        return 0;
    snprintf(msg, msglen,
             "%s must be one of debug, info, warn, error, crit (got "
             "\"%.32s\")",
             what, value);
    return HAWK_ECONFIG;
}

/* Copies libpq's message, replacing quoted parts that could hold
 * credentials (long ones, or ones with '@') by <redacted>; libpq quotes
 * the whole URI in some messages. */
static void redact_quoted(const char *in, char *out, size_t outlen)
{
    size_t n = 0;
    const char *p = in;
    while (*p != '\0' && n + 1 < outlen) {
        const char *close = p[0] == '"' ? strchr(p + 1, '"') : NULL;
        if (close != NULL) {
            size_t len = (size_t)(close - p - 1);
            bool risky = len > 24 || memchr(p + 1, '@', len) != NULL;
            const char *put = risky ? "\"<redacted>\"" : NULL;
            size_t put_len = risky ? strlen(put) : len + 2;
            if (n + put_len >= outlen)
                break;
            memcpy(out + n, risky ? put : p, put_len);
            n += put_len;
            p = close + 1;
            continue;
        }
        out[n++] = *p++;
    }
    while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == ' '))
        n--;
    out[n] = '\0';
}

/* See internal.h: database.url is empty or a connection string libpq
 * accepts; its text never reaches the message. */
int hk_cfg_check_db_url(const char *what, const char *value, char *msg,
                        size_t msglen)
{
    if (value[0] == '\0')
        return 0;
    char *perr = NULL;
    PQconninfoOption *opts = PQconninfoParse(value, &perr);
    if (opts != NULL) {
        PQconninfoFree(opts);
        return 0;
    }
    /* libpq's message names the faulty part; the value itself may hold a
     * password, so it is never echoed. */
    char detail[200] = "not a connection string";
    if (perr != NULL) {
        redact_quoted(perr, detail, sizeof(detail));
        PQfreemem(perr);
    }
    snprintf(msg, msglen,
             "%s must be a libpq connection string like "
             "\"postgresql://user@host:5432/hawk\" or empty for the embedded "
             "database: %s",
             what, detail);
    return HAWK_ECONFIG;
}

/* See internal.h: a configured JWT secret must be long enough; empty
 * selects the generated file. */
int hk_cfg_check_jwt_secret(const char *what, const char *value, char *msg,
                            size_t msglen)
{
    size_t n = strlen(value);
    if (n == 0 || n >= HK_JWT_SECRET_MIN)
        return 0;
    snprintf(msg, msglen,
             "%s is too short (%zu bytes; at least %d): use a random value "
             "such as the output of 'openssl rand -base64 48', or leave it "
             "empty to use a generated <data_dir>/jwt.secret",
             what, n, HK_JWT_SECRET_MIN);
    return HAWK_ECONFIG;
}

/* See internal.h. */
int hk_cfg_check_nonempty(const char *what, const char *value, char *msg,
                          size_t msglen)
{
    if (value[0] != '\0')
        return 0;
    snprintf(msg, msglen, "%s must not be empty", what);
    return HAWK_ECONFIG;
}

/* See internal.h. */
bool hk_config_valid_name(const char *s)
{
    size_t n = 0;
    for (; s[n] != '\0'; n++) {
        char c = s[n];
        bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                  c == '_' || c == '-';
        if (!ok || n >= 32)
            return false;
    }
    return n > 0;
}

/* See internal.h. */
const char *hk_config_suggest(const char *word, const char *const *cands,
                              size_t n)
{
    const char *best = NULL;
    unsigned best_d = 255;
    for (size_t i = 0; i < n; i++) {
        unsigned d = hk_str_distance(word, cands[i]);
        if (d < best_d) {
            best_d = d;
            best = cands[i];
        }
    }
    /* Close enough to be a typo: a couple of edits, or a third of the
     * word for long names. */
    size_t len = strlen(word);
    unsigned limit = len / 3 > 2 ? (unsigned)(len / 3) : 2;
    if (best == NULL || best_d == 0 || best_d > limit)
        return NULL;
    return best;
}

/* See internal.h. */
void hk_config_where(const config_setting_t *s, const char *path, char *out,
                     size_t outlen)
{
    const char *file = config_setting_source_file(s);
    snprintf(out, outlen, "%s:%u", file != NULL ? file : path,
             config_setting_source_line(s));
}
