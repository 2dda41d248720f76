/*
 * web/negotiate.c - the parts of HTTP the file server decides on from
 * request headers: which precompressed variant an Accept-Encoding value
 * takes (RFC 9110 §12.5.3, with q-values) and whether If-None-Match names
 * the current ETag (weak comparison, RFC 9110 §13.1.2).
 */
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "util/str.h"
#include "web/internal.h"

/* Parses a q-value "q=0.5" tail after ';' (whitespace allowed); returns
 * the value in thousandths, 1000 when absent or malformed. */
static int parse_q(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t' || *p == ';'))
        p++;
    if (end - p < 2 || (p[0] != 'q' && p[0] != 'Q') || p[1] != '=')
        return 1000;
    p += 2;
    if (p < end && *p == '1')
        return 1000;
    if (p >= end || *p != '0')
        return 1000;
    p++;
    int q = 0, scale = 100;
    if (p < end && *p == '.') {
        p++;
        while (p < end && *p >= '0' && *p <= '9' && scale > 0) {
            q += (*p - '0') * scale;
            scale /= 10;
            p++;
        }
    }
    return q;
}

/* The q-value the header gives the coding `name` (thousandths): its own
 * entry, else "*", else 0 (identity: 1000 unless refused). */
static int coding_q(const char *header, const char *name)
{
    int star = -1, own = -1;
    const char *p = header;
    size_t nlen = strlen(name);
    while (*p != '\0') {
        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        const char *tok = p;
        while (*p != '\0' && *p != ',' && *p != ';' && *p != ' ' && *p != '\t')
            p++;
        size_t tlen = (size_t)(p - tok);
        const char *params = p;
        while (*p != '\0' && *p != ',')
            p++;
        if (tlen == 0)
            continue;
        int q = parse_q(params, p);
        if (tlen == nlen && strncasecmp(tok, name, nlen) == 0)
            own = q;
        else if (tlen == 1 && tok[0] == '*')
            star = q;
    }
    if (own >= 0)
        return own;
    if (star >= 0)
        return star;
    return strcmp(name, "identity") == 0 ? 1000 : 0;
}

/* Brotli first (smaller), then gzip, then the file as it is.  A client
 * that sends no Accept-Encoding gets identity. */
enum hk_web_enc hk_web_pick_encoding(const struct hk_web_file *f,
                                     const char *accept_encoding)
{
    if (accept_encoding == NULL || accept_encoding[0] == '\0')
        return HK_WEB_ID;
    int br = f->body[HK_WEB_BR].data ? coding_q(accept_encoding, "br") : 0;
    int gz = f->body[HK_WEB_GZIP].data ? coding_q(accept_encoding, "gzip") : 0;
    if (br > 0 && br >= gz)
        return HK_WEB_BR;
    if (gz > 0)
        return HK_WEB_GZIP;
    return HK_WEB_ID;
}

/* True when the list names etag (W/ prefixes ignored) or is "*". */
bool hk_web_etag_match(const char *if_none_match, const char *etag)
{
    if (if_none_match == NULL)
        return false;
    size_t elen = strlen(etag);
    const char *p = if_none_match;
    while (*p != '\0') {
        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        if (*p == '*')
            return true;
        if (p[0] == 'W' && p[1] == '/')
            p += 2;
        const char *tok = p;
        if (*p == '"') {
            p++;
            while (*p != '\0' && *p != '"')
                p++;
            if (*p == '"')
                p++;
        } else {
            while (*p != '\0' && *p != ',')
                p++;
        }
        if ((size_t)(p - tok) == elen && memcmp(tok, etag, elen) == 0)
            return true;
        while (*p != '\0' && *p != ',')
            p++;
    }
    return false;
}
