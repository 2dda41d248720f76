/*
 * config/value.c - converting libconfig settings and text into typed,
 * range-checked values with messages that say how to fix them.
 */
#include "config/value.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hawk/plugin.h"
#include "util/alloc.h"
#include "util/str.h"
#include "util/time.h"

/* See value.h.  Returns a static string. */
const char *hk_cfg_type_phrase(enum hk_cfg_type type)
{
    switch (type) {
    case HK_CFG_STR:
        return "a string";
    case HK_CFG_SECRET:
        return "a string";
    case HK_CFG_INT:
        return "an integer";
    case HK_CFG_BOOL:
        return "true or false";
    case HK_CFG_DOUBLE:
        return "a number";
    case HK_CFG_DURATION:
        return "a duration like \"30s\", \"15m\", \"1500ms\" or a number "
               "of seconds";
    case HK_CFG_SIZE:
        return "a size like \"10MiB\", \"512KiB\" or a number of bytes";
    case HK_CFG_STR_LIST:
        return "a list of strings like [\"a\", \"b\"]";
    case HK_CFG_GROUP_LIST:
        return "a list of groups like ( { ... }, { ... } )";
    }
    return "a value";
}

/* See value.h. */
void hk_cfg_format_duration(int64_t ms, char *out, size_t outlen)
{
    static const struct {
        int64_t mult;
        const char *unit;
    } units[] = {{86400000, "d"}, {3600000, "h"}, {60000, "m"}, {1000, "s"}};
    if (ms != 0) {
        for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
            if (ms % units[i].mult == 0) {
                snprintf(out, outlen, "%" PRId64 "%s", ms / units[i].mult,
                         units[i].unit);
                return;
            }
        }
    }
    snprintf(out, outlen, "%" PRId64 "ms", ms);
}

/* See value.h. */
void hk_cfg_format_size(int64_t bytes, char *out, size_t outlen)
{
    static const struct {
        int64_t mult;
        const char *unit;
    } units[] = {{INT64_C(1) << 30, "GiB"}, {1 << 20, "MiB"}, {1 << 10, "KiB"}};
    if (bytes != 0) {
        for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
            if (bytes % units[i].mult == 0) {
                snprintf(out, outlen, "%" PRId64 "%s", bytes / units[i].mult,
                         units[i].unit);
                return;
            }
        }
    }
    snprintf(out, outlen, "%" PRId64, bytes);
}

/* See value.h. */
void hk_cfg_value_clear(struct hk_cfg_value *v)
{
    if (v->type == HK_CFG_SECRET)
        hk_free_secret(v->s);
    else
        hk_free(v->s);
    for (size_t i = 0; i < v->n_items; i++)
        hk_free(v->items[i]);
    hk_free(v->items);
    hk_free(v->origin);
    memset(v, 0, sizeof(*v));
}

/* See value.h. */
void hk_cfg_value_set_origin(struct hk_cfg_value *v, const char *origin)
{
    hk_free(v->origin);
    v->origin = hk_strdup(origin);
}

static int type_error(enum hk_cfg_type type, const char *what, char *msg,
                      size_t msglen)
{
    snprintf(msg, msglen, "%s must be %s", what, hk_cfg_type_phrase(type));
    return HAWK_ECONFIG;
}

/* Range check for INT/DURATION/SIZE; both bounds 0 means unchecked. */
static int check_range(enum hk_cfg_type type, int64_t val, int64_t min,
                       int64_t max, const char *what, char *msg, size_t msglen)
{
    if ((min == 0 && max == 0) || (val >= min && val <= max))
        return 0;
    char lo[32], hi[32];
    if (type == HK_CFG_DURATION) {
        hk_cfg_format_duration(min, lo, sizeof(lo));
        hk_cfg_format_duration(max, hi, sizeof(hi));
    } else if (type == HK_CFG_SIZE) {
        hk_cfg_format_size(min, lo, sizeof(lo));
        hk_cfg_format_size(max, hi, sizeof(hi));
    } else {
        snprintf(lo, sizeof(lo), "%" PRId64, min);
        snprintf(hi, sizeof(hi), "%" PRId64, max);
    }
    snprintf(msg, msglen, "%s must be between %s and %s", what, lo, hi);
    return HAWK_ECONFIG;
}

static int check_len(const char *s, const char *what, char *msg, size_t msglen)
{
    size_t n = strlen(s);
    if (n <= HK_CFG_MAX_STR)
        return 0;
    snprintf(msg, msglen, "%s is too long (%zu bytes; at most %d)", what, n,
             HK_CFG_MAX_STR);
    return HAWK_ECONFIG;
}

/*
 * libconfig 1.5 stores a plain integer literal in 32 bits and silently
 * wraps larger ones (4294967296 reads as 0).  Re-read the literal from the
 * source line so such a value is refused instead of misread.  Returns
 * true when the text shows a different number than libconfig kept.
 */
static bool int_was_truncated(const config_setting_t *s, long long kept)
{
    const char *file = config_setting_source_file(s);
    const char *name = config_setting_name(s);
    unsigned line = config_setting_source_line(s);
    if (file == NULL || name == NULL || line == 0)
        return false;
    FILE *f = fopen(file, "r");
    if (f == NULL)
        return false;
    char buf[4096];
    bool found = false;
    for (unsigned n = 1; fgets(buf, sizeof(buf), f) != NULL; n++) {
        if (n == line) {
            found = true;
            break;
        }
    }
    fclose(f);
    if (!found)
        return false;
    size_t nl = strlen(name);
    for (const char *p = strstr(buf, name); p != NULL;
         p = strstr(p + 1, name)) {
        if (p > buf &&
            (isalnum((unsigned char)p[-1]) || p[-1] == '_' || p[-1] == '-'))
            continue;
        const char *q = p + nl;
        while (*q == ' ' || *q == '\t')
            q++;
        if (*q != '=' && *q != ':')
            continue;
        q++;
        while (*q == ' ' || *q == '\t')
            q++;
        errno = 0;
        char *end = NULL;
        long long text = strtoll(q, &end, 0);
        if (end == q)
            return false;
        return errno == ERANGE || text != kept;
    }
    return false;
}

/* Reads an integral setting (INT or INT64) into *out. */
static int setting_int(const config_setting_t *s, int64_t *out)
{
    int t = config_setting_type(s);
    if (t == CONFIG_TYPE_INT64) {
        *out = config_setting_get_int64(s);
        return 0;
    }
    if (t != CONFIG_TYPE_INT)
        return HAWK_EINVAL;
    long long v = config_setting_get_int64(s);
    if (int_was_truncated(s, v))
        return HAWK_ETOOBIG;
    *out = v;
    return 0;
}

static int too_big(const char *what, char *msg, size_t msglen)
{
    snprintf(msg, msglen,
             "%s is too large for a 32-bit number: add an L suffix "
             "(e.g. 4294967296L) or write it with a unit as a string",
             what);
    return HAWK_ECONFIG;
}

/* Expands and length-checks a string setting into a new string. */
static char *expanded_string(const config_setting_t *s, const char *what,
                             char *msg, size_t msglen)
{
    char xerr[256];
    char *x =
        hk_config_expand(config_setting_get_string(s), xerr, sizeof(xerr));
    if (x == NULL) {
        snprintf(msg, msglen, "%s: %s", what, xerr);
        return NULL;
    }
    if (check_len(x, what, msg, msglen) < 0) {
        hk_free_secret(x);
        return NULL;
    }
    return x;
}

static int list_from_setting(struct hk_cfg_value *v, const config_setting_t *s,
                             const char *what, char *msg, size_t msglen)
{
    if (!config_setting_is_array(s) && !config_setting_is_list(s))
        return type_error(HK_CFG_STR_LIST, what, msg, msglen);
    int n = config_setting_length(s);
    if (n > HK_CFG_MAX_LIST) {
        snprintf(msg, msglen, "%s has too many items (%d; at most %d)", what, n,
                 HK_CFG_MAX_LIST);
        return HAWK_ECONFIG;
    }
    v->items = hk_calloc((size_t)n + 1, sizeof(char *));
    for (int i = 0; i < n; i++) {
        const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
        if (config_setting_type(e) != CONFIG_TYPE_STRING) {
            hk_cfg_value_clear(v);
            return type_error(HK_CFG_STR_LIST, what, msg, msglen);
        }
        char *x = expanded_string(e, what, msg, msglen);
        if (x == NULL) {
            hk_cfg_value_clear(v);
            return HAWK_ECONFIG;
        }
        v->items[v->n_items++] = x;
    }
    return 0;
}

/* See value.h. */
int hk_cfg_value_from_setting(struct hk_cfg_value *v, const config_setting_t *s,
                              enum hk_cfg_type type, int64_t min, int64_t max,
                              const char *what, char *msg, size_t msglen)
{
    int t = config_setting_type(s);
    int rc;
    v->type = type;
    switch (type) {
    case HK_CFG_STR:
    case HK_CFG_SECRET:
        if (t != CONFIG_TYPE_STRING)
            return type_error(type, what, msg, msglen);
        v->s = expanded_string(s, what, msg, msglen);
        if (v->s == NULL)
            return HAWK_ECONFIG;
        break;
    case HK_CFG_INT:
        rc = setting_int(s, &v->i);
        if (rc == HAWK_ETOOBIG)
            return too_big(what, msg, msglen);
        if (rc < 0)
            return type_error(type, what, msg, msglen);
        if (check_range(type, v->i, min, max, what, msg, msglen) < 0)
            return HAWK_ECONFIG;
        break;
    case HK_CFG_BOOL:
        if (t != CONFIG_TYPE_BOOL)
            return type_error(type, what, msg, msglen);
        v->b = config_setting_get_bool(s) != 0;
        v->i = v->b;
        break;
    case HK_CFG_DOUBLE:
        if (t == CONFIG_TYPE_FLOAT) {
            v->d = config_setting_get_float(s);
        } else {
            int64_t iv;
            rc = setting_int(s, &iv);
            if (rc == HAWK_ETOOBIG)
                return too_big(what, msg, msglen);
            if (rc < 0)
                return type_error(type, what, msg, msglen);
            v->d = (double)iv;
        }
        break;
    case HK_CFG_DURATION:
    case HK_CFG_SIZE:
        if (t == CONFIG_TYPE_STRING) {
            char *x = expanded_string(s, what, msg, msglen);
            if (x == NULL)
                return HAWK_ECONFIG;
            rc = type == HK_CFG_DURATION ? hk_parse_duration_ms(x, &v->i)
                                         : hk_parse_size(x, &v->i);
            hk_free(x);
            if (rc < 0)
                return type_error(type, what, msg, msglen);
        } else {
            int64_t iv;
            rc = setting_int(s, &iv);
            if (rc == HAWK_ETOOBIG)
                return too_big(what, msg, msglen);
            if (rc < 0 || iv < 0)
                return type_error(type, what, msg, msglen);
            if (type == HK_CFG_DURATION) {
                if (iv > INT64_MAX / 1000)
                    return type_error(type, what, msg, msglen);
                iv *= 1000; /* a bare number is seconds */
            }
            v->i = iv;
        }
        if (check_range(type, v->i, min, max, what, msg, msglen) < 0)
            return HAWK_ECONFIG;
        break;
    case HK_CFG_STR_LIST:
        if (list_from_setting(v, s, what, msg, msglen) < 0)
            return HAWK_ECONFIG;
        break;
    case HK_CFG_GROUP_LIST:
        if (t != CONFIG_TYPE_LIST)
            return type_error(type, what, msg, msglen);
        for (int i = 0; i < config_setting_length(s); i++) {
            if (!config_setting_is_group(
                    config_setting_get_elem(s, (unsigned)i)))
                return type_error(type, what, msg, msglen);
        }
        v->raw = s;
        break;
    default:
        snprintf(msg, msglen, "%s has an unknown type", what);
        return HAWK_EINTERNAL;
    }
    v->set = true;
    return 0;
}

static int bool_from_text(const char *t, bool *out)
{
    static const char *const yes[] = {"true", "yes", "on", "1"};
    static const char *const no[] = {"false", "no", "off", "0"};
    for (size_t i = 0; i < 4; i++) {
        if (hk_str_ieq(t, yes[i])) {
            *out = true;
            return 0;
        }
        if (hk_str_ieq(t, no[i])) {
            *out = false;
            return 0;
        }
    }
    return HAWK_EINVAL;
}

static int list_from_text(struct hk_cfg_value *v, const char *text,
                          const char *what, char *msg, size_t msglen)
{
    size_t cap = 1;
    for (const char *p = text; *p != '\0'; p++)
        cap += *p == ',';
    if (cap > HK_CFG_MAX_LIST) {
        snprintf(msg, msglen, "%s has too many items (%zu; at most %d)", what,
                 cap, HK_CFG_MAX_LIST);
        return HAWK_ECONFIG;
    }
    v->items = hk_calloc(cap + 1, sizeof(char *));
    const char *p = text;
    while (*p != '\0') {
        const char *comma = strchr(p, ',');
        size_t n = comma != NULL ? (size_t)(comma - p) : strlen(p);
        while (n > 0 && (*p == ' ' || *p == '\t')) {
            p++;
            n--;
        }
        while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
            n--;
        if (n > 0)
            v->items[v->n_items++] = hk_strndup(p, n);
        if (comma == NULL)
            break;
        p = comma + 1;
    }
    return 0;
}

/* See value.h. */
int hk_cfg_value_from_text(struct hk_cfg_value *v, const char *text,
                           enum hk_cfg_type type, int64_t min, int64_t max,
                           const char *what, char *msg, size_t msglen)
{
    int rc;
    v->type = type;
    switch (type) {
    case HK_CFG_STR:
    case HK_CFG_SECRET:
        if (check_len(text, what, msg, msglen) < 0)
            return HAWK_ECONFIG;
        v->s = hk_strdup(text);
        break;
    case HK_CFG_INT:
        if (hk_parse_i64(text, INT64_MIN, INT64_MAX, &v->i) < 0)
            return type_error(type, what, msg, msglen);
        if (check_range(type, v->i, min, max, what, msg, msglen) < 0)
            return HAWK_ECONFIG;
        break;
    case HK_CFG_BOOL:
        if (bool_from_text(text, &v->b) < 0)
            return type_error(type, what, msg, msglen);
        v->i = v->b;
        break;
    case HK_CFG_DOUBLE: {
        char *end = NULL;
        errno = 0;
        v->d = strtod(text, &end);
        if (errno != 0 || end == text || *end != '\0')
            return type_error(type, what, msg, msglen);
        break;
    }
    case HK_CFG_DURATION:
        rc = hk_parse_duration_ms(text, &v->i);
        if (rc < 0)
            return type_error(type, what, msg, msglen);
        if (check_range(type, v->i, min, max, what, msg, msglen) < 0)
            return HAWK_ECONFIG;
        break;
    case HK_CFG_SIZE:
        rc = hk_parse_size(text, &v->i);
        if (rc < 0)
            return type_error(type, what, msg, msglen);
        if (check_range(type, v->i, min, max, what, msg, msglen) < 0)
            return HAWK_ECONFIG;
        break;
    case HK_CFG_STR_LIST:
        if (list_from_text(v, text, what, msg, msglen) < 0)
            return HAWK_ECONFIG;
        break;
    case HK_CFG_GROUP_LIST:
    default:
        snprintf(msg, msglen, "%s cannot be given as text", what);
        return HAWK_ECONFIG;
    }
    v->set = true;
    return 0;
}
