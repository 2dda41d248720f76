/*
 * http/router.c - method + path pattern routing.
 *
 * Routes are kept as lists of segments, each a literal or a {param}.  A
 * request path is split and percent-decoded once, then compared with the
 * routes of the same segment count.  When several patterns match, the one
 * whose first differing segment is literal wins, so "/items/stats" beats
 * "/items/{id}" whatever the registration order; that ordering is a bit
 * mask (bit 63 - i set when segment i is literal) compared as a number.
 * Precedence is decided among the routes that accept the request method,
 * so a method registered only on "/items/{id}" still reaches it for the
 * path "/items/stats".
 */
#include <stdio.h>
#include <string.h>

#include "hawk/plugin.h"
#include "http/http.h"
#include "http/http_int.h"
#include "log/log.h"
#include "util/alloc.h"
#include "util/str.h"

#define MAX_METHOD 16
#define MAX_PARAM_NAME 32
#define MAX_ALLOW 16 /* distinct methods listed in Allow */

struct seg {
    char *text; /* the literal, or the parameter name without braces */
    bool param;
};

struct route {
    char *method;
    char *pattern;
    hk_handler_fn fn;
    struct hk_route_opts opts;
    struct seg *segs;
    size_t n_segs;
    uint64_t lit_mask;
};

struct hk_router {
    struct route *routes;
    size_t n, cap;
};

/* A path split into decoded segments that point into `buf`. */
struct split_path {
    char buf[HK_HTTP_MAX_PATH + HK_HTTP_MAX_SEGS + 1];
    const char *segs[HK_HTTP_MAX_SEGS];
    size_t n;
};

/* An empty router.  Caller frees with hk_router_free(). */
struct hk_router *hk_router_new(void)
{
    return hk_calloc(1, sizeof(struct hk_router));
}

static void route_release(struct route *rt)
{
    for (size_t i = 0; i < rt->n_segs; i++)
        hk_free(rt->segs[i].text);
    hk_free(rt->segs);
    hk_free(rt->method);
    hk_free(rt->pattern);
}

/* Frees the router and every route; NULL is ignored.  No server may be
 * using it any more. */
void hk_router_free(struct hk_router *r)
{
    if (r == NULL)
        return;
    for (size_t i = 0; i < r->n; i++)
        route_release(&r->routes[i]);
    hk_free(r->routes);
    hk_free(r);
}

static bool method_valid(const char *m)
{
    size_t n = strlen(m);
    if (n == 0 || n > MAX_METHOD)
        return false;
    for (size_t i = 0; i < n; i++)
        if (m[i] < 'A' || m[i] > 'Z')
            return false;
    return true;
}

static bool param_name_valid(const char *s, size_t n)
{
    if (n == 0 || n > MAX_PARAM_NAME)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        bool alpha =
            (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
        bool digit = c >= '0' && c <= '9';
        if (!alpha && !(digit && i > 0))
            return false;
    }
    return true;
}

static bool literal_valid(const char *s, size_t n)
{
    if ((n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.'))
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c <= 0x20 || c >= 0x7f || strchr("%{}?#", c) != NULL)
            return false;
    }
    return true;
}

/* Parses a pattern into rt->segs.  Returns 0 or HAWK_EINVAL. */
static int parse_pattern(const char *pattern, struct route *rt)
{
    size_t len = strlen(pattern);
    if (len == 0 || len > HK_HTTP_MAX_PATH || pattern[0] != '/')
        return HAWK_EINVAL;
    if (len > 1 && pattern[len - 1] == '/')
        return HAWK_EINVAL;
    rt->segs = hk_calloc(HK_HTTP_MAX_SEGS, sizeof(struct seg));
    rt->n_segs = 0;
    rt->lit_mask = 0;
    size_t n_params = 0;
    const char *p = pattern + 1;
    while (len > 1 && *p != '\0') {
        const char *end = strchr(p, '/');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if (n == 0 || rt->n_segs == HK_HTTP_MAX_SEGS)
            return HAWK_EINVAL;
        struct seg *sg = &rt->segs[rt->n_segs];
        if (p[0] == '{') {
            if (n < 3 || p[n - 1] != '}' || !param_name_valid(p + 1, n - 2))
                return HAWK_EINVAL;
            if (n_params == HK_MAX_PATH_PARAMS)
                return HAWK_EINVAL;
            for (size_t i = 0; i < rt->n_segs; i++)
                if (rt->segs[i].param && strlen(rt->segs[i].text) == n - 2 &&
                    memcmp(rt->segs[i].text, p + 1, n - 2) == 0)
                    return HAWK_EINVAL;
            sg->param = true;
            sg->text = hk_strndup(p + 1, n - 2);
            n_params++;
        } else {
            if (!literal_valid(p, n))
                return HAWK_EINVAL;
            sg->text = hk_strndup(p, n);
            rt->lit_mask |= (uint64_t)1 << (63 - rt->n_segs);
        }
        rt->n_segs++;
        p += n;
        if (*p == '/')
            p++;
    }
    return 0;
}

static bool same_shape(const struct route *a, const struct route *b)
{
    if (a->n_segs != b->n_segs || a->lit_mask != b->lit_mask)
        return false;
    for (size_t i = 0; i < a->n_segs; i++)
        if (!a->segs[i].param && strcmp(a->segs[i].text, b->segs[i].text))
            return false;
    return true;
}

/*
 * Registers fn for method + pattern with options o (NULL: defaults).  The
 * strings are copied.  Call before the server starts: the router is read
 * without locks while serving.  Returns 0, HAWK_EINVAL for a malformed
 * method or pattern (logged, as callers are registration lists), or
 * HAWK_EEXIST when the same method is already registered for a pattern
 * of the same shape ("/a/{id}" and "/a/{name}" are the same shape).
 */
int hk_router_add_opts(struct hk_router *r, const char *method,
                       const char *pattern, hk_handler_fn fn,
                       const struct hk_route_opts *o)
{
    if (r == NULL || method == NULL || pattern == NULL || fn == NULL)
        return HAWK_EINVAL;
    struct route rt = {0};
    int rc = HAWK_EINVAL;
    if (!method_valid(method))
        goto fail;
    rc = parse_pattern(pattern, &rt);
    if (rc < 0)
        goto fail;
    for (size_t i = 0; i < r->n; i++) {
        if (strcmp(r->routes[i].method, method) == 0 &&
            same_shape(&r->routes[i], &rt)) {
            rc = HAWK_EEXIST;
            hk_log(HAWK_LOG_ERROR,
                   "cannot add route %s %s: %s %s is "
                   "already registered",
                   method, pattern, method, r->routes[i].pattern);
            route_release(&rt);
            return rc;
        }
    }
    rt.method = hk_strdup(method);
    rt.pattern = hk_strdup(pattern);
    rt.fn = fn;
    if (o != NULL)
        rt.opts = *o;
    if (rt.opts.flags & HK_ROUTE_ADMIN)
        rt.opts.flags |= HK_ROUTE_AUTH;
    if (r->n == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 32;
        r->routes = hk_realloc(r->routes, r->cap * sizeof(struct route));
    }
    r->routes[r->n++] = rt;
    return 0;
fail:
    hk_log(HAWK_LOG_ERROR,
           "cannot add route %s %s: malformed method or "
           "pattern",
           method, pattern);
    route_release(&rt);
    return rc;
}

/* See http.h. */
void hk_router_add_all(struct hk_router *r, const struct hk_route_def *defs,
                       size_t n, void *ctx)
{
    for (size_t i = 0; i < n; i++) {
        struct hk_route_opts o = {
            .flags = defs[i].flags, .max_body = defs[i].max_body, .ctx = ctx};
        int rc = hk_router_add_opts(r, defs[i].method, defs[i].pattern,
                                    defs[i].fn, &o);
        if (rc < 0)
            hk_log(HAWK_LOG_ERROR, "cannot register route %s %s: %s",
                   defs[i].method, defs[i].pattern, hawk_strerror(rc));
    }
}

/* Same as hk_router_add_opts() with only flags and the default body
 * limit.  Returns 0, HAWK_EINVAL or HAWK_EEXIST. */
int hk_router_add(struct hk_router *r, const char *method, const char *pattern,
                  hk_handler_fn fn, unsigned flags)
{
    struct hk_route_opts o = {.flags = flags, .max_body = 0};
    return hk_router_add_opts(r, method, pattern, fn, &o);
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decodes n bytes of src into dst (at least n + 1 bytes).  Returns the
 * decoded length, or -1 for an invalid escape, %00, a result that is not
 * UTF-8, or a dot segment. */
static long decode_segment(const char *src, size_t n, char *dst)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (src[i] != '%') {
            dst[o++] = src[i];
            continue;
        }
        if (i + 2 >= n)
            return -1;
        int hi = hexval(src[i + 1]);
        int lo = hexval(src[i + 2]);
        if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
            return -1;
        dst[o++] = (char)(hi << 4 | lo);
        i += 2;
    }
    dst[o] = '\0';
    if (!hk_utf8_valid(dst, o))
        return -1;
    if ((o == 1 && dst[0] == '.') || (o == 2 && dst[0] == '.' && dst[1] == '.'))
        return -1;
    return (long)o;
}

/* Splits path (up to '?' or the end) into decoded segments.  A single
 * trailing slash is ignored; empty segments are not.  Returns false when
 * the path cannot name any route. */
static bool split_path(const char *path, struct split_path *sp)
{
    size_t len = strcspn(path, "?");
    sp->n = 0;
    if (len == 0 || len > HK_HTTP_MAX_PATH || path[0] != '/')
        return false;
    if (len > 1 && path[len - 1] == '/') {
        if (path[len - 2] == '/')
            return false; /* "//" at the end: an empty segment */
        len--;
    }
    size_t i = 1, o = 0;
    while (i < len) {
        size_t start = i;
        while (i < len && path[i] != '/')
            i++;
        size_t n = i - start;
        if (n == 0 || sp->n == HK_HTTP_MAX_SEGS)
            return false;
        long d = decode_segment(path + start, n, sp->buf + o);
        if (d < 0)
            return false;
        sp->segs[sp->n++] = sp->buf + o;
        o += (size_t)d + 1;
        i++; /* the '/' */
    }
    return true;
}

static bool route_matches(const struct route *rt, const struct split_path *sp)
{
    if (rt->n_segs != sp->n)
        return false;
    for (size_t i = 0; i < sp->n; i++)
        if (!rt->segs[i].param && strcmp(rt->segs[i].text, sp->segs[i]) != 0)
            return false;
    return true;
}

/* Writes the methods of the matching routes into allow, common methods
 * first in a fixed order, then the others in registration order. */
static void build_allow(const struct hk_router *r, const bool *hit, char *allow,
                        size_t allow_len)
{
    static const char *const order[] = {"GET",   "HEAD",   "POST",   "PUT",
                                        "PATCH", "DELETE", "OPTIONS"};
    const char *names[MAX_ALLOW];
    size_t n = 0;
    for (size_t k = 0; k < sizeof(order) / sizeof(order[0]); k++)
        for (size_t i = 0; i < r->n; i++)
            if (hit[i] && strcmp(r->routes[i].method, order[k]) == 0) {
                names[n++] = order[k];
                break;
            }
    for (size_t i = 0; i < r->n && n < MAX_ALLOW; i++) {
        if (!hit[i])
            continue;
        bool seen = false;
        for (size_t k = 0; k < n && !seen; k++)
            seen = strcmp(names[k], r->routes[i].method) == 0;
        if (!seen)
            names[n++] = r->routes[i].method;
    }
    size_t o = 0;
    allow[0] = '\0';
    for (size_t k = 0; k < n; k++) {
        size_t need = strlen(names[k]) + (k ? 2 : 0);
        if (o + need + 1 > allow_len)
            break;
        o += (size_t)snprintf(allow + o, allow_len - o, "%s%s", k ? ", " : "",
                              names[k]);
    }
}

/*
 * Finds the route for method + path (the raw request target; anything
 * from '?' on is ignored; segments are percent-decoded here).  On
 * HK_MATCH_OK, m holds the handler, options, pattern and decoded
 * parameters: release with hk_route_match_clear().  On
 * HK_MATCH_BAD_METHOD, m->allow lists the methods the path accepts.  Paths
 * with bad escapes, %00, invalid UTF-8, dot or empty segments, or past the
 * length/segment bounds are HK_MATCH_NOT_FOUND.  Thread-safe once routes
 * are no longer added.
 */
enum hk_match hk_router_match(const struct hk_router *r, const char *method,
                              const char *path, struct hk_route_match *m)
{
    memset(m, 0, sizeof(*m));
    struct split_path sp;
    if (r == NULL || method == NULL || path == NULL || !split_path(path, &sp))
        return HK_MATCH_NOT_FOUND;
    const struct route *best = NULL;
    bool any = false;
    for (size_t i = 0; i < r->n; i++) {
        const struct route *rt = &r->routes[i];
        if (!route_matches(rt, &sp))
            continue;
        any = true;
        if (strcmp(rt->method, method) != 0)
            continue;
        if (best == NULL || rt->lit_mask > best->lit_mask)
            best = rt;
    }
    if (best == NULL && !any)
        return HK_MATCH_NOT_FOUND;
    if (best == NULL) {
        bool *hit = hk_calloc(r->n, sizeof(bool));
        for (size_t i = 0; i < r->n; i++)
            hit[i] = route_matches(&r->routes[i], &sp);
        build_allow(r, hit, m->allow, sizeof(m->allow));
        hk_free(hit);
        return HK_MATCH_BAD_METHOD;
    }
    m->fn = best->fn;
    m->opts = best->opts;
    m->pattern = best->pattern;
    for (size_t i = 0; i < best->n_segs; i++) {
        if (!best->segs[i].param)
            continue;
        m->param_names[m->n_params] = best->segs[i].text;
        m->param_values[m->n_params] = hk_strdup(sp.segs[i]);
        m->n_params++;
    }
    return HK_MATCH_OK;
}

/* Frees the parameter values of a match and zeroes it; safe to call on a
 * zeroed or already cleared match. */
void hk_route_match_clear(struct hk_route_match *m)
{
    for (size_t i = 0; i < m->n_params; i++)
        hk_free(m->param_values[i]);
    memset(m, 0, sizeof(*m));
}

/* Number of registered routes (for docs and the API consistency test). */
size_t hk_router_count(const struct hk_router *r)
{
    return r ? r->n : 0;
}

/* The i-th route in registration order; strings are borrowed from the
 * router.  Out-pointers may be NULL.  i must be below hk_router_count(). */
void hk_router_at(const struct hk_router *r, size_t i, const char **method,
                  const char **pattern, unsigned *flags)
{
    const struct route *rt = &r->routes[i];
    if (method != NULL)
        *method = rt->method;
    if (pattern != NULL)
        *pattern = rt->pattern;
    if (flags != NULL)
        *flags = rt->opts.flags;
}
