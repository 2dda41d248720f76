/*
 * plugins/linkedin/li_sel.c - the selectors file: every element the
 * plugin reads or clicks, by name, with the page it is on, a version, and
 * a CSS selector (or an XPath expression) that an admin can change
 * without touching C.
 *
 * CSS selectors are compiled to XPath 1.0 here, so the same expression
 * runs in libxml2 (the guest pages) and in Chromium through WebDriver
 * (the Easy Apply pages).  The subset: type or *, .class (a class token,
 * not a substring), #id, [attr], [attr=v], [attr~=v], [attr^=v],
 * [attr*=v], [attr$=v], :text("v") (normalized text contains v),
 * :itext("v") (the same, ASCII case-insensitive), descendant and child
 * (>) combinators, and comma lists.  Every expression is relative (.//),
 * so it can be evaluated inside another match (`within`).
 */
#include <errno.h>
#include <json-c/json.h>
#include <libxml/xmlerror.h>
#include <libxml/globals.h>
#include <libxml/xpath.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "linkedin.h"

#define SEL_FILE_MAX (1024 * 1024)
#define SEL_MAX 400

static const char *const pages[] = {"search", "posting", "job",
                                    "apply",  "state",   NULL};

/* ---- CSS to XPath -------------------------------------------------------- */

struct css {
    const char *s;
    size_t i;
    struct li_buf *out;
    char *err;
    size_t errlen;
};

static bool is_ident(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '-' || c == '_';
}

static int css_fail(struct css *c, const char *what)
{
    snprintf(c->err, c->errlen, "%s at offset %zu of \"%.80s\"", what, c->i,
             c->s);
    return HAWK_EINVAL;
}

static void skip_ws(struct css *c)
{
    while (c->s[c->i] == ' ' || c->s[c->i] == '\t' || c->s[c->i] == '\n')
        c->i++;
}

/* An identifier into out (at most outlen-1 bytes). */
static int ident(struct css *c, char *out, size_t outlen)
{
    size_t n = 0;
    while (is_ident(c->s[c->i])) {
        if (n + 1 >= outlen)
            return css_fail(c, "name too long");
        out[n++] = c->s[c->i++];
    }
    out[n] = '\0';
    return n > 0 ? 0 : css_fail(c, "name expected");
}

/* A quoted string or an identifier. */
static int value(struct css *c, char *out, size_t outlen)
{
    char q = c->s[c->i];
    if (q != '"' && q != '\'')
        return ident(c, out, outlen);
    c->i++;
    size_t n = 0;
    while (c->s[c->i] != '\0' && c->s[c->i] != q) {
        if (n + 1 >= outlen)
            return css_fail(c, "string too long");
        out[n++] = c->s[c->i++];
    }
    if (c->s[c->i] != q)
        return css_fail(c, "unterminated string");
    c->i++;
    out[n] = '\0';
    return 0;
}

/* An XPath string literal for v. */
static int literal(struct css *c, const char *v)
{
    if (strchr(v, '\'') == NULL)
        return li_buf_printf(c->out, "'%s'", v);
    if (strchr(v, '"') == NULL)
        return li_buf_printf(c->out, "\"%s\"", v);
    return css_fail(c, "a value may not hold both quote kinds");
}

static int attr_pred(struct css *c)
{
    char name[64], op[3] = "", v[256];
    c->i++; /* [ */
    skip_ws(c);
    int rc = ident(c, name, sizeof(name));
    if (rc < 0)
        return rc;
    skip_ws(c);
    if (c->s[c->i] != ']') {
        /* strchr() finds the terminator too: test for it first. */
        if (c->s[c->i] != '\0' && strchr("~^$*", c->s[c->i]) != NULL &&
            c->s[c->i + 1] == '=') {
            op[0] = c->s[c->i];
            op[1] = '=';
            c->i += 2;
        } else if (c->s[c->i] == '=') {
            op[0] = '=';
            c->i++;
        } else {
            return css_fail(c, "attribute operator expected");
        }
        skip_ws(c);
        rc = value(c, v, sizeof(v));
        if (rc < 0)
            return rc;
        skip_ws(c);
    }
    if (c->s[c->i] != ']')
        return css_fail(c, "']' expected");
    c->i++;
    (void)li_buf_puts(c->out, "[");
    if (op[0] == '\0') {
        rc = li_buf_printf(c->out, "@%s", name);
    } else if (op[0] == '=') {
        rc = li_buf_printf(c->out, "@%s=", name);
        rc = rc == 0 ? literal(c, v) : rc;
    } else if (op[0] == '~') {
        rc = li_buf_printf(
            c->out, "contains(concat(' ',normalize-space(@%s),' '),", name);
        char tok[260];
        snprintf(tok, sizeof(tok), " %s ", v);
        rc = rc == 0 ? literal(c, tok) : rc;
        rc = rc == 0 ? li_buf_puts(c->out, ")") : rc;
    } else if (op[0] == '^') {
        rc = li_buf_printf(c->out, "starts-with(@%s,", name);
        rc = rc == 0 ? literal(c, v) : rc;
        rc = rc == 0 ? li_buf_puts(c->out, ")") : rc;
    } else if (op[0] == '*') {
        rc = li_buf_printf(c->out, "contains(@%s,", name);
        rc = rc == 0 ? literal(c, v) : rc;
        rc = rc == 0 ? li_buf_puts(c->out, ")") : rc;
    } else {
        rc = li_buf_printf(c->out,
                           "substring(@%s,string-length(@%s)-string-length(",
                           name, name);
        rc = rc == 0 ? literal(c, v) : rc;
        rc = rc == 0 ? li_buf_puts(c->out, ")+1)=") : rc;
        rc = rc == 0 ? literal(c, v) : rc;
    }
    return rc == 0 ? li_buf_puts(c->out, "]") : rc;
}

static int pseudo(struct css *c)
{
    char name[16], v[256];
    c->i++; /* : */
    int rc = ident(c, name, sizeof(name));
    if (rc < 0)
        return rc;
    bool ci = strcmp(name, "itext") == 0;
    if (strcmp(name, "text") != 0 && !ci)
        return css_fail(c, "unknown pseudo-class (use :text or :itext)");
    if (c->s[c->i] != '(')
        return css_fail(c, "'(' expected");
    c->i++;
    skip_ws(c);
    rc = value(c, v, sizeof(v));
    if (rc < 0)
        return rc;
    skip_ws(c);
    if (c->s[c->i] != ')')
        return css_fail(c, "')' expected");
    c->i++;
    if (ci) {
        char low[256];
        li_lower(v, low, sizeof(low));
        rc = li_buf_puts(c->out, "[contains(translate(normalize-space(.),"
                                 "'ABCDEFGHIJKLMNOPQRSTUVWXYZ',"
                                 "'abcdefghijklmnopqrstuvwxyz'),");
        rc = rc == 0 ? literal(c, low) : rc;
    } else {
        rc = li_buf_puts(c->out, "[contains(normalize-space(.),");
        rc = rc == 0 ? literal(c, v) : rc;
    }
    return rc == 0 ? li_buf_puts(c->out, ")]") : rc;
}

/* One compound selector (a step). */
static int compound(struct css *c)
{
    char name[64];
    size_t start = c->i;
    int rc;
    if (c->s[c->i] == '*') {
        c->i++;
        rc = li_buf_puts(c->out, "*");
    } else if (is_ident(c->s[c->i])) {
        rc = ident(c, name, sizeof(name));
        if (rc == 0)
            rc = li_buf_puts(c->out, name);
    } else {
        rc = li_buf_puts(c->out, "*");
    }
    while (rc == 0) {
        char ch = c->s[c->i];
        if (ch == '.') {
            c->i++;
            rc = ident(c, name, sizeof(name));
            if (rc == 0)
                rc = li_buf_printf(c->out,
                                   "[contains(concat(' ',normalize-space("
                                   "@class),' '),' %s ')]",
                                   name);
        } else if (ch == '#') {
            c->i++;
            rc = ident(c, name, sizeof(name));
            if (rc == 0)
                rc = li_buf_printf(c->out, "[@id='%s']", name);
        } else if (ch == '[') {
            rc = attr_pred(c);
        } else if (ch == ':') {
            rc = pseudo(c);
        } else {
            break;
        }
    }
    if (rc == 0 && c->i == start)
        return css_fail(c, "selector expected");
    return rc;
}

/* See linkedin.h. */
int li_css_to_xpath(const char *css, struct li_buf *out, char *err,
                    size_t errlen)
{
    struct css c = {.s = css, .i = 0, .out = out, .err = err, .errlen = errlen};
    int rc = 0;
    skip_ws(&c);
    if (css[c.i] == '\0')
        return css_fail(&c, "empty selector");
    rc = li_buf_puts(out, ".//");
    while (rc == 0) {
        rc = compound(&c);
        if (rc < 0)
            break;
        size_t before = c.i;
        skip_ws(&c);
        char ch = css[c.i];
        if (ch == '\0')
            break;
        if (ch == ',') {
            c.i++;
            skip_ws(&c);
            if (css[c.i] == '\0')
                return css_fail(&c, "selector expected after ','");
            rc = li_buf_puts(out, " | .//");
        } else if (ch == '>') {
            c.i++;
            skip_ws(&c);
            rc = li_buf_puts(out, "/");
        } else if (c.i > before) {
            rc = li_buf_puts(out, "//");
        } else {
            return css_fail(&c, "unexpected character");
        }
    }
    return rc;
}

/* ---- the file ------------------------------------------------------------ */

static void silent(void *ctx, xmlErrorPtr e)
{
    (void)ctx;
    (void)e;
}

/* xmlXPathCompile without libxml2 printing its complaint on stderr (the
 * caller reports the error itself).  Error handlers are per thread. */
static xmlXPathCompExprPtr li_xpath_compile(const char *expr)
{
    xmlStructuredErrorFunc prev = xmlStructuredError;
    void *prev_ctx = xmlStructuredErrorContext;
    xmlSetStructuredErrorFunc(NULL, silent);
    xmlXPathCompExprPtr comp = xmlXPathCompile(BAD_CAST expr);
    xmlSetStructuredErrorFunc(prev_ctx, prev);
    return comp;
}

static const char *const entry_keys[] = {"css",     "xpath", "within",
                                         "attr",    "page",  "required",
                                         "version", "help",  NULL};

/* Line and column of a byte offset, for JSON syntax errors. */
static void line_col(const char *text, size_t off, int *line, int *col)
{
    *line = 1;
    *col = 1;
    for (size_t i = 0; i < off && text[i] != '\0'; i++) {
        if (text[i] == '\n') {
            (*line)++;
            *col = 1;
        } else {
            (*col)++;
        }
    }
}

static const char *closest_key(const char *k)
{
    const char *best = NULL;
    size_t best_d = 3;
    for (size_t i = 0; entry_keys[i] != NULL; i++) {
        size_t d = li_distance(k, entry_keys[i]);
        if (d < best_d) {
            best_d = d;
            best = entry_keys[i];
        }
    }
    return best;
}

static const char *str_member(json_object *o, const char *k)
{
    json_object *v = NULL;
    if (json_object_object_get_ex(o, k, &v) &&
        json_object_is_type(v, json_type_string))
        return json_object_get_string(v);
    return NULL;
}

/* Reads one entry; err gets "selector 'x': ..." on failure. */
static int read_entry(const char *name, json_object *e, struct li_sel *s,
                      char *err, size_t errlen)
{
    char why[300];
    memset(s, 0, sizeof(*s));
    s->parent = -1;
    if (!json_object_is_type(e, json_type_object)) {
        snprintf(err, errlen, "selector '%s' must be an object", name);
        return HAWK_EINVAL;
    }
    json_object_object_foreach(e, k, v)
    {
        (void)v;
        size_t i = 0;
        while (entry_keys[i] != NULL && strcmp(entry_keys[i], k) != 0)
            i++;
        if (entry_keys[i] == NULL) {
            const char *near = closest_key(k);
            snprintf(err, errlen, "selector '%s': unknown key '%.40s'%s%s%s",
                     name, k, near ? " (did you mean '" : "", near ? near : "",
                     near ? "'?)" : "");
            return HAWK_EINVAL;
        }
    }
    const char *css = str_member(e, "css");
    const char *xp = str_member(e, "xpath");
    if ((css == NULL) == (xp == NULL)) {
        snprintf(err, errlen,
                 "selector '%s' needs exactly one of css and xpath", name);
        return HAWK_EINVAL;
    }
    const char *page = str_member(e, "page");
    size_t p = 0;
    while (page != NULL && pages[p] != NULL && strcmp(pages[p], page) != 0)
        p++;
    if (page == NULL || pages[p] == NULL) {
        snprintf(err, errlen,
                 "selector '%s': page must be one of search, posting, job, "
                 "apply, state",
                 name);
        return HAWK_EINVAL;
    }
    json_object *ver = NULL, *req = NULL;
    if (!json_object_object_get_ex(e, "version", &ver) ||
        !json_object_is_type(ver, json_type_int) ||
        json_object_get_int64(ver) < 1 ||
        json_object_get_int64(ver) > 1000000) {
        snprintf(err, errlen,
                 "selector '%s': version must be a positive integer (raise it "
                 "whenever you change the selector)",
                 name);
        return HAWK_EINVAL;
    }
    if (json_object_object_get_ex(e, "required", &req) &&
        !json_object_is_type(req, json_type_boolean)) {
        snprintf(err, errlen, "selector '%s': required must be true or false",
                 name);
        return HAWK_EINVAL;
    }
    struct li_buf x;
    li_buf_init(&x, 8192);
    if (css != NULL) {
        if (li_css_to_xpath(css, &x, why, sizeof(why)) < 0) {
            li_buf_free(&x);
            snprintf(err, errlen, "selector '%s': %s", name, why);
            return HAWK_EINVAL;
        }
    } else if (li_buf_puts(&x, xp) < 0) {
        li_buf_free(&x);
        snprintf(err, errlen, "selector '%s': xpath too long", name);
        return HAWK_EINVAL;
    }
    /* Compiled once: evaluation of a compiled expression does not change
     * it, so searches on several threads share it. */
    xmlXPathCompExprPtr comp = li_xpath_compile(li_buf_str(&x));
    if (comp == NULL) {
        snprintf(err, errlen, "selector '%s': not a valid XPath expression: %s",
                 name, li_buf_str(&x));
        li_buf_free(&x);
        return HAWK_EINVAL;
    }
    s->comp = comp;
    s->name = li_xstrdup(name);
    s->source = li_xstrdup(css != NULL ? css : xp);
    s->xpath = li_xstrdup(li_buf_str(&x));
    li_buf_free(&x);
    s->within = li_xstrdup(str_member(e, "within"));
    s->attr = li_xstrdup(str_member(e, "attr"));
    snprintf(s->page, sizeof(s->page), "%s", page);
    s->required = req != NULL && json_object_get_boolean(req);
    s->version = (int)json_object_get_int64(ver);
    s->help = li_xstrdup(str_member(e, "help"));
    return 0;
}

static void sel_release(struct li_sel *s)
{
    if (s->comp != NULL)
        xmlXPathFreeCompExpr(s->comp);
    free(s->name);
    free(s->source);
    free(s->xpath);
    free(s->within);
    free(s->attr);
    free(s->help);
}

/* See linkedin.h. */
void li_selectors_free(struct li_selectors *S)
{
    if (S == NULL)
        return;
    for (size_t i = 0; i < S->n; i++)
        sel_release(&S->v[i]);
    free(S->v);
    free(S->origin);
    free(S->updated);
    free(S);
}

/* See linkedin.h. */
int li_selectors_parse(const char *text, size_t len, const char *origin,
                       struct li_selectors **out, char *err, size_t errlen)
{
    char why[400];
    *out = NULL;
    json_tokener *tok = json_tokener_new_ex(32);
    json_object *doc = json_tokener_parse_ex(tok, text, (int)len);
    enum json_tokener_error je = json_tokener_get_error(tok);
    size_t off = json_tokener_get_parse_end(tok);
    json_tokener_free(tok);
    if (je != json_tokener_success || doc == NULL) {
        int line, col;
        line_col(text, off, &line, &col);
        snprintf(err, errlen, "%s:%d:%d: not valid JSON: %s", origin, line, col,
                 je == json_tokener_success ? "unexpected end"
                                            : json_tokener_error_desc(je));
        json_object_put(doc);
        return HAWK_EINVAL;
    }
    json_object *ver = NULL, *sels = NULL;
    int rc = 0;
    struct li_selectors *S = li_xcalloc(1, sizeof(*S));
    S->origin = li_xstrdup(origin);
    if (!json_object_is_type(doc, json_type_object) ||
        !json_object_object_get_ex(doc, "version", &ver) ||
        !json_object_is_type(ver, json_type_int) ||
        !json_object_object_get_ex(doc, "selectors", &sels) ||
        !json_object_is_type(sels, json_type_object)) {
        snprintf(err, errlen,
                 "%s: must be an object with \"version\" (an integer) and "
                 "\"selectors\" (an object of named selectors)",
                 origin);
        rc = HAWK_EINVAL;
        goto out;
    }
    S->version = (int)json_object_get_int64(ver);
    S->updated = li_xstrdup(str_member(doc, "updated"));
    size_t n = (size_t)json_object_object_length(sels);
    if (n == 0 || n > SEL_MAX) {
        snprintf(err, errlen, "%s: between 1 and %d selectors expected", origin,
                 SEL_MAX);
        rc = HAWK_EINVAL;
        goto out;
    }
    S->v = li_xcalloc(n, sizeof(*S->v));
    json_object_object_foreach(sels, name, e)
    {
        rc = read_entry(name, e, &S->v[S->n], why, sizeof(why));
        if (rc < 0) {
            snprintf(err, errlen, "%s: %s", origin, why);
            goto out;
        }
        S->n++;
    }
    /* Parents exist, on the same page, without cycles. */
    for (size_t i = 0; i < S->n; i++) {
        struct li_sel *s = &S->v[i];
        if (s->within == NULL)
            continue;
        for (size_t j = 0; j < S->n; j++)
            if (strcmp(S->v[j].name, s->within) == 0)
                s->parent = (int)j;
        if (s->parent < 0) {
            snprintf(err, errlen,
                     "%s: selector '%s' is within '%s', which is not defined",
                     origin, s->name, s->within);
            rc = HAWK_EINVAL;
            goto out;
        }
    }
    for (size_t i = 0; i < S->n; i++) {
        int p = S->v[i].parent, depth = 0;
        while (p >= 0 && depth <= (int)S->n) {
            p = S->v[p].parent;
            depth++;
        }
        if (p >= 0) {
            snprintf(err, errlen, "%s: selector '%s' is within itself", origin,
                     S->v[i].name);
            rc = HAWK_EINVAL;
            goto out;
        }
    }
    /* Every selector the plugin uses is there. */
    for (size_t i = 0; li_selector_names[i] != NULL; i++) {
        if (li_sel_find(S, li_selector_names[i]) == NULL) {
            snprintf(err, errlen,
                     "%s: selector '%s' is missing (the plugin needs it)",
                     origin, li_selector_names[i]);
            rc = HAWK_EINVAL;
            goto out;
        }
    }
out:
    json_object_put(doc);
    if (rc < 0)
        li_selectors_free(S);
    else
        *out = S;
    return rc;
}

/* See linkedin.h. */
int li_selectors_load(const char *path, struct li_selectors **out, char *err,
                      size_t errlen)
{
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        snprintf(err, errlen, "cannot open the selectors file %s: %s", path,
                 strerror(errno));
        return HAWK_ECONFIG;
    }
    struct li_buf b;
    li_buf_init(&b, SEL_FILE_MAX);
    char chunk[8192];
    size_t n;
    int rc = 0;
    while (rc == 0 && (n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        rc = li_buf_add(&b, chunk, n);
    bool bad = ferror(f) != 0;
    fclose(f);
    if (rc < 0 || bad) {
        snprintf(err, errlen, "%s: %s", path,
                 bad ? "read error" : "larger than 1 MiB");
        li_buf_free(&b);
        return HAWK_ECONFIG;
    }
    rc = li_selectors_parse(li_buf_str(&b), b.len, path, out, err, errlen);
    li_buf_free(&b);
    return rc < 0 ? HAWK_ECONFIG : 0;
}

/* See linkedin.h. */
const struct li_sel *li_sel_find(const struct li_selectors *S, const char *name)
{
    for (size_t i = 0; S != NULL && i < S->n; i++)
        if (strcmp(S->v[i].name, name) == 0)
            return &S->v[i];
    return NULL;
}

/* See linkedin.h. */
const struct li_sel *li_sel(const struct li_selectors *S, const char *name)
{
    const struct li_sel *s = li_sel_find(S, name);
    if (s == NULL) {
        /* li_selectors_parse() checked every name in li_selector_names:
         * a name missing from that list is a bug. */
        fprintf(stderr, "linkedin plugin: selector '%s' not declared\n", name);
        abort();
    }
    return s;
}
