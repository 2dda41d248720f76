/*
 * http/json_syntax.c - a strict RFC 8259 syntax check for request bodies.
 *
 * json-c's strict mode still accepts single-quoted strings and NaN, and
 * its messages do not say where the problem is.  This checker builds
 * nothing: it walks the text once, bounded by the nesting limit, and says
 * what is wrong and at which byte offset.  json-c then builds the objects
 * from text known to be plain JSON.
 */
#include <stdio.h>
#include <string.h>

#include "hawk/plugin.h"
#include "http/http_int.h"

struct scan {
    const char *s;
    size_t n, i;
    int depth, max_depth;
    char *err;
    size_t errlen;
};

static bool fail(struct scan *sc, const char *what)
{
    if (sc->i >= sc->n)
        snprintf(sc->err, sc->errlen, "it ends before the value is complete");
    else
        snprintf(sc->err, sc->errlen, "%s at offset %zu", what, sc->i);
    return false;
}

static void skip_ws(struct scan *sc)
{
    while (sc->i < sc->n && strchr(" \t\r\n", sc->s[sc->i]) != NULL &&
           sc->s[sc->i] != '\0')
        sc->i++;
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_hex(char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static bool scan_value(struct scan *sc);

static bool scan_string(struct scan *sc)
{
    if (sc->i >= sc->n || sc->s[sc->i] != '"')
        return fail(sc, "expected a string");
    sc->i++;
    while (sc->i < sc->n) {
        unsigned char c = (unsigned char)sc->s[sc->i];
        if (c == '"') {
            sc->i++;
            return true;
        }
        if (c < 0x20)
            return fail(sc, "control character in a string");
        if (c == '\\') {
            sc->i++;
            if (sc->i >= sc->n)
                break;
            char e = sc->s[sc->i];
            if (e == 'u') {
                for (int k = 1; k <= 4; k++)
                    if (sc->i + (size_t)k >= sc->n ||
                        !is_hex(sc->s[sc->i + (size_t)k]))
                        return fail(sc, "invalid \\u escape");
                sc->i += 4;
            } else if (strchr("\"\\/bfnrt", e) == NULL || e == '\0') {
                return fail(sc, "invalid escape in a string");
            }
        }
        sc->i++;
    }
    return fail(sc, "unterminated string");
}

static bool scan_number(struct scan *sc)
{
    size_t start = sc->i;
    if (sc->s[sc->i] == '-')
        sc->i++;
    if (sc->i < sc->n && sc->s[sc->i] == '0') {
        sc->i++;
    } else if (sc->i < sc->n && is_digit(sc->s[sc->i])) {
        while (sc->i < sc->n && is_digit(sc->s[sc->i]))
            sc->i++;
    } else {
        sc->i = start;
        return fail(sc, "invalid number");
    }
    if (sc->i < sc->n && sc->s[sc->i] == '.') {
        sc->i++;
        if (sc->i >= sc->n || !is_digit(sc->s[sc->i]))
            return fail(sc, "invalid number");
        while (sc->i < sc->n && is_digit(sc->s[sc->i]))
            sc->i++;
    }
    if (sc->i < sc->n && (sc->s[sc->i] == 'e' || sc->s[sc->i] == 'E')) {
        sc->i++;
        if (sc->i < sc->n && (sc->s[sc->i] == '+' || sc->s[sc->i] == '-'))
            sc->i++;
        if (sc->i >= sc->n || !is_digit(sc->s[sc->i]))
            return fail(sc, "invalid number");
        while (sc->i < sc->n && is_digit(sc->s[sc->i]))
            sc->i++;
    }
    if (sc->i < sc->n && is_digit(sc->s[sc->i]))
        return fail(sc, "invalid number (leading zero)");
    return true;
}

static bool scan_word(struct scan *sc, const char *w)
{
    size_t n = strlen(w);
    if (sc->n - sc->i < n || memcmp(sc->s + sc->i, w, n) != 0)
        return fail(sc, "unexpected character");
    sc->i += n;
    return true;
}

static bool enter(struct scan *sc)
{
    if (++sc->depth > sc->max_depth) {
        snprintf(sc->err, sc->errlen,
                 "nesting deeper than %d levels at "
                 "offset %zu",
                 sc->max_depth, sc->i);
        return false;
    }
    sc->i++;
    return true;
}

static bool scan_object(struct scan *sc)
{
    if (!enter(sc))
        return false;
    skip_ws(sc);
    if (sc->i < sc->n && sc->s[sc->i] == '}') {
        sc->i++;
        sc->depth--;
        return true;
    }
    for (;;) {
        skip_ws(sc);
        if (!scan_string(sc))
            return false;
        skip_ws(sc);
        if (sc->i >= sc->n || sc->s[sc->i] != ':')
            return fail(sc, "expected ':'");
        sc->i++;
        if (!scan_value(sc))
            return false;
        if (sc->i < sc->n && sc->s[sc->i] == ',') {
            sc->i++;
            continue;
        }
        if (sc->i < sc->n && sc->s[sc->i] == '}') {
            sc->i++;
            sc->depth--;
            return true;
        }
        return fail(sc, "expected ',' or '}'");
    }
}

static bool scan_array(struct scan *sc)
{
    if (!enter(sc))
        return false;
    skip_ws(sc);
    if (sc->i < sc->n && sc->s[sc->i] == ']') {
        sc->i++;
        sc->depth--;
        return true;
    }
    for (;;) {
        if (!scan_value(sc))
            return false;
        if (sc->i < sc->n && sc->s[sc->i] == ',') {
            sc->i++;
            continue;
        }
        if (sc->i < sc->n && sc->s[sc->i] == ']') {
            sc->i++;
            sc->depth--;
            return true;
        }
        return fail(sc, "expected ',' or ']'");
    }
}

/* A value with the whitespace around it. */
static bool scan_value(struct scan *sc)
{
    skip_ws(sc);
    if (sc->i >= sc->n)
        return fail(sc, "expected a value");
    bool ok;
    switch (sc->s[sc->i]) {
    case '{':
        ok = scan_object(sc);
        break;
    case '[':
        ok = scan_array(sc);
        break;
    case '"':
        ok = scan_string(sc);
        break;
    case 't':
        ok = scan_word(sc, "true");
        break;
    case 'f':
        ok = scan_word(sc, "false");
        break;
    case 'n':
        ok = scan_word(sc, "null");
        break;
    default:
        if (sc->s[sc->i] == '-' || is_digit(sc->s[sc->i]))
            ok = scan_number(sc);
        else
            ok = fail(sc, "unexpected character");
    }
    if (ok)
        skip_ws(sc);
    return ok;
}

/* Checks that s (n bytes) is exactly one JSON value, nested at most
 * max_depth deep.  Returns 0, or HAWK_EINVAL with a lower-case reason and
 * byte offset written to err (errlen bytes). */
int hk_http_json_syntax(const char *s, size_t n, int max_depth, char *err,
                        size_t errlen)
{
    struct scan sc = {s, n, 0, 0, max_depth, err, errlen};
    if (!scan_value(&sc))
        return HAWK_EINVAL;
    if (sc.i < n) {
        snprintf(err, errlen, "unexpected data after the value at offset %zu",
                 sc.i);
        return HAWK_EINVAL;
    }
    return 0;
}
