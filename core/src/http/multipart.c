/*
 * http/multipart.c - multipart/form-data parser.
 *
 * Strict on the framing (CRLF line ends, delimiter followed by "--" or
 * optional padding and CRLF, closing delimiter required) because a lenient
 * parser is where request smuggling and truncated uploads slip through;
 * lenient on header names (case-insensitive) and parameter order.
 */
#include "http/multipart.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "hawk/plugin.h"
#include "util/str.h"

static void set_err(char *err, size_t errlen, const char *msg)
{
    if (err != NULL && errlen > 0)
        hk_strlcpy(err, msg, errlen);
}

static bool is_tspecial(char c)
{
    return strchr("()<>@,;:\\\"/[]?= \t", c) != NULL;
}

static bool is_token_char(char c)
{
    return c > 32 && c < 127 && !is_tspecial(c);
}

/* RFC 2046 bchars: DIGIT / ALPHA / "'()+_,-./:=?" and space (not last). */
static bool is_bchar(char c)
{
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
        (c >= 'A' && c <= 'Z'))
        return true;
    return strchr("'()+_,-./:=? ", c) != NULL;
}

static const char *skip_ws(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t'))
        p++;
    return p;
}

/* Reads a token or quoted-string at *pp (bounded by end) into out.
 * Returns 0 or HAWK_EINVAL (unterminated quote, empty token, too long). */
static int read_value(const char **pp, const char *end, char *out,
                      size_t outlen)
{
    const char *p = *pp;
    size_t n = 0;
    if (p < end && *p == '"') {
        p++;
        while (p < end && *p != '"') {
            if (*p == '\\' && p + 1 < end)
                p++;
            if (*p == '\r' || *p == '\n' || *p == '\0')
                return HAWK_EINVAL;
            if (n + 1 >= outlen)
                return HAWK_EINVAL;
            out[n++] = *p++;
        }
        if (p >= end)
            return HAWK_EINVAL;
        p++; /* closing quote */
    } else {
        while (p < end && is_token_char(*p)) {
            if (n + 1 >= outlen)
                return HAWK_EINVAL;
            out[n++] = *p++;
        }
        if (n == 0)
            return HAWK_EINVAL;
    }
    out[n] = '\0';
    *pp = p;
    return 0;
}

/* Reads an attribute name (token) into out, lower-cased. */
static int read_attr(const char **pp, const char *end, char *out, size_t outlen)
{
    const char *p = *pp;
    size_t n = 0;
    while (p < end && is_token_char(*p) && *p != '*') {
        if (n + 1 >= outlen)
            return HAWK_EINVAL;
        char c = *p++;
        out[n++] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
    }
    if (p < end && *p == '*') { /* RFC 5987 form: accepted, ignored */
        if (n + 1 >= outlen)
            return HAWK_EINVAL;
        out[n++] = '*';
        p++;
    }
    if (n == 0)
        return HAWK_EINVAL;
    out[n] = '\0';
    *pp = p;
    return 0;
}

/* Reads the next "; attr=value" parameter of a header value at *pp.
 * Returns 1 with attr and val filled and *pp moved past it, 0 at the end
 * of the value, or HAWK_EINVAL when the parameter is malformed. */
static int next_param(const char **pp, const char *end, char *attr,
                      size_t attrlen, char *val, size_t vallen)
{
    const char *p = skip_ws(*pp, end);
    if (p >= end)
        return 0;
    if (*p != ';')
        return HAWK_EINVAL;
    p = skip_ws(p + 1, end);
    if (p >= end)
        return 0;
    if (read_attr(&p, end, attr, attrlen) < 0)
        return HAWK_EINVAL;
    p = skip_ws(p, end);
    if (p >= end || *p != '=')
        return HAWK_EINVAL;
    p = skip_ws(p + 1, end);
    if (read_value(&p, end, val, vallen) < 0)
        return HAWK_EINVAL;
    *pp = p;
    return 1;
}

/* See multipart.h. */
int hk_mp_boundary(const char *content_type, char *out, size_t outlen,
                   char *err, size_t errlen)
{
    static const char want[] = "multipart/form-data";
    if (content_type == NULL) {
        set_err(err, errlen, "missing Content-Type; send multipart/form-data");
        return HAWK_EINVAL;
    }
    const char *end = content_type + strlen(content_type);
    const char *p = skip_ws(content_type, end);
    if ((size_t)(end - p) < sizeof(want) - 1 ||
        strncasecmp(p, want, sizeof(want) - 1) != 0) {
        set_err(err, errlen,
                "Content-Type must be multipart/form-data with a boundary");
        return HAWK_EINVAL;
    }
    p += sizeof(want) - 1;
    char attr[32];
    char val[HK_MP_MAX_BOUNDARY + 2];
    bool found = false;
    for (;;) {
        int more = next_param(&p, end, attr, sizeof(attr), val, sizeof(val));
        if (more == 0)
            break;
        if (more < 0)
            goto bad;
        if (strcmp(attr, "boundary") == 0) {
            if (found)
                goto bad;
            found = true;
            size_t n = strlen(val);
            if (n == 0 || n > HK_MP_MAX_BOUNDARY || val[n - 1] == ' ')
                goto bad;
            for (size_t i = 0; i < n; i++)
                if (!is_bchar(val[i]))
                    goto bad;
            if (hk_strlcpy(out, val, outlen) >= outlen)
                goto bad;
        }
    }
    if (!found) {
        set_err(err, errlen, "multipart Content-Type has no boundary");
        return HAWK_EINVAL;
    }
    return 0;
bad:
    set_err(err, errlen, "malformed multipart boundary in Content-Type");
    return HAWK_EINVAL;
}

/* Parses the Content-Disposition value (after "Content-Disposition:"). */
static int parse_disposition(const char *p, const char *end,
                             struct hk_mp_part *part, char *err, size_t errlen)
{
    static const char fd[] = "form-data";
    p = skip_ws(p, end);
    if ((size_t)(end - p) < sizeof(fd) - 1 ||
        strncasecmp(p, fd, sizeof(fd) - 1) != 0 ||
        ((size_t)(end - p) > sizeof(fd) - 1 &&
         is_token_char(p[sizeof(fd) - 1]))) {
        set_err(err, errlen, "part Content-Disposition must be form-data");
        return HAWK_EINVAL;
    }
    p += sizeof(fd) - 1;
    bool have_name = false;
    char attr[32];
    char val[256];
    for (;;) {
        int more = next_param(&p, end, attr, sizeof(attr), val, sizeof(val));
        if (more == 0)
            break;
        if (more < 0)
            goto bad;
        if (strcmp(attr, "name") == 0) {
            if (have_name || val[0] == '\0' ||
                hk_strlcpy(part->name, val, sizeof(part->name)) >=
                    sizeof(part->name))
                goto bad;
            have_name = true;
        } else if (strcmp(attr, "filename") == 0) {
            if (part->has_filename)
                goto bad;
            /* Old browsers send a full client path: keep the base name. */
            const char *base = val;
            for (const char *q = val; *q; q++)
                if (*q == '/' || *q == '\\')
                    base = q + 1;
            hk_strlcpy(part->filename, base, sizeof(part->filename));
            part->has_filename = true;
        }
    }
    if (!have_name) {
        set_err(err, errlen, "part Content-Disposition has no name");
        return HAWK_EINVAL;
    }
    return 0;
bad:
    set_err(err, errlen, "malformed part Content-Disposition header");
    return HAWK_EINVAL;
}

/* Parses the header block [p, end) of one part (lines separated by CRLF,
 * no trailing empty line). */
static int parse_headers(const char *p, const char *end,
                         struct hk_mp_part *part, char *err, size_t errlen)
{
    bool have_cd = false;
    while (p < end) {
        const char *eol = memmem(p, (size_t)(end - p), "\r\n", 2);
        if (eol == NULL)
            eol = end;
        const char *colon = memchr(p, ':', (size_t)(eol - p));
        if (colon == NULL || colon == p) {
            set_err(err, errlen, "malformed part header line");
            return HAWK_EINVAL;
        }
        for (const char *q = p; q < colon; q++) {
            if (!is_token_char(*q)) {
                set_err(err, errlen, "malformed part header name");
                return HAWK_EINVAL;
            }
        }
        for (const char *q = colon + 1; q < eol; q++) {
            if (*q == '\0' || *q == '\r' || *q == '\n') {
                set_err(err, errlen, "malformed part header value");
                return HAWK_EINVAL;
            }
        }
        size_t nlen = (size_t)(colon - p);
        if (nlen == 19 && strncasecmp(p, "content-disposition", 19) == 0) {
            if (have_cd) {
                set_err(err, errlen, "duplicate Content-Disposition header");
                return HAWK_EINVAL;
            }
            have_cd = true;
            int rc = parse_disposition(colon + 1, eol, part, err, errlen);
            if (rc < 0)
                return rc;
        } else if (nlen == 12 && strncasecmp(p, "content-type", 12) == 0) {
            const char *v = skip_ws(colon + 1, eol);
            const char *ve = eol;
            while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
                ve--;
            size_t vl = (size_t)(ve - v);
            if (vl >= sizeof(part->content_type)) {
                set_err(err, errlen, "part Content-Type header is too long");
                return HAWK_EINVAL;
            }
            memcpy(part->content_type, v, vl);
            part->content_type[vl] = '\0';
        }
        p = eol == end ? end : eol + 2;
    }
    if (!have_cd) {
        set_err(err, errlen, "part has no Content-Disposition header");
        return HAWK_EINVAL;
    }
    return 0;
}

/* See multipart.h. */
int hk_mp_parse(const char *body, size_t len, const char *boundary,
                struct hk_mp *mp, char *err, size_t errlen)
{
    char delim[HK_MP_MAX_BOUNDARY + 5]; /* CRLF "--" boundary NUL */
    size_t blen = strlen(boundary);
    memset(mp, 0, sizeof(*mp));
    if (blen == 0 || blen > HK_MP_MAX_BOUNDARY) {
        set_err(err, errlen, "invalid multipart boundary");
        return HAWK_EINVAL;
    }
    snprintf(delim, sizeof(delim), "\r\n--%s", boundary);
    size_t dlen = blen + 4;
    const char *end = body + len;
    const char *p;

    /* The first delimiter may start the body (no preceding CRLF). */
    if (len >= dlen - 2 && memcmp(body, delim + 2, dlen - 2) == 0) {
        p = body + dlen - 2;
    } else {
        p = memmem(body, len, delim, dlen);
        if (p == NULL) {
            set_err(err, errlen,
                    "multipart body has no boundary line; the body is empty "
                    "or uses another boundary than its Content-Type");
            return HAWK_EINVAL;
        }
        p += dlen;
    }

    for (;;) {
        /* p points just after a delimiter. */
        if (end - p >= 2 && p[0] == '-' && p[1] == '-')
            return 0; /* closing delimiter; the epilogue is ignored */
        p = skip_ws(p, end);
        if (end - p < 2) {
            set_err(err, errlen,
                    "multipart body is truncated: closing boundary missing");
            return HAWK_EINVAL;
        }
        if (p[0] != '\r' || p[1] != '\n') {
            set_err(err, errlen, "malformed multipart boundary line");
            return HAWK_EINVAL;
        }
        p += 2;
        if (mp->n >= HK_MP_MAX_PARTS) {
            set_err(err, errlen, "too many parts in multipart body");
            return HAWK_ETOOBIG;
        }
        struct hk_mp_part *part = &mp->parts[mp->n];

        /* Header block ends at the first empty line. */
        const char *hend;
        const char *content;
        if (end - p >= 2 && p[0] == '\r' && p[1] == '\n') {
            hend = p;
            content = p + 2;
        } else {
            size_t avail = (size_t)(end - p);
            size_t lim =
                avail < HK_MP_MAX_HEADERS + 4 ? avail : HK_MP_MAX_HEADERS + 4;
            hend = memmem(p, lim, "\r\n\r\n", 4);
            if (hend == NULL) {
                if (lim < avail) {
                    set_err(err, errlen, "part headers are too large");
                    return HAWK_ETOOBIG;
                }
                set_err(err, errlen,
                        "multipart body is truncated inside part headers");
                return HAWK_EINVAL;
            }
            content = hend + 4;
        }
        int rc = parse_headers(p, hend, part, err, errlen);
        if (rc < 0)
            return rc;

        const char *next =
            memmem(content, (size_t)(end - content), delim, dlen);
        if (next == NULL) {
            set_err(err, errlen,
                    "multipart body is truncated: closing boundary missing");
            return HAWK_EINVAL;
        }
        part->data = content;
        part->len = (size_t)(next - content);
        mp->n++;
        p = next + dlen;
    }
}

/* See multipart.h. */
const struct hk_mp_part *hk_mp_get(const struct hk_mp *mp, const char *name)
{
    for (size_t i = 0; i < mp->n; i++)
        if (strcmp(mp->parts[i].name, name) == 0)
            return &mp->parts[i];
    return NULL;
}
