/*
 * llm/render.c - a small subset of mustache for the resume HTML template:
 * variables (escaped and raw), sections over arrays/objects/flags,
 * inverted sections, {{.}} and comments, plus one extension: a section
 * whose name ends in '?' ({{#skills?}} ... {{/skills?}}) is a plain
 * condition, rendered once when the value is non-empty, without
 * iterating or changing the context (for headings above a list).  No partials, no delimiter
 * changes, no lambdas: the template is admin-editable data, and the
 * values are the user's resume, so every value is HTML-escaped unless the
 * template asks for {{{raw}}} on purpose.
 */
#include <stdio.h>
#include <string.h>

#include "llm/llm_int.h"
#include "util/buf.h"
#include "util/str.h"

#define TPL_MAX_DEPTH 16
#define TPL_MAX_NAME 96

enum tag_kind {
    TAG_VAR,
    TAG_RAW,
    TAG_SECTION,
    TAG_INVERTED,
    TAG_CLOSE,
    TAG_COMMENT
};

struct tag {
    enum tag_kind kind;
    const char *start; /* at "{{" */
    const char *end;   /* after the closing braces */
    char name[TPL_MAX_NAME];
};

static int tpl_line(const char *tpl, const char *at)
{
    int line = 1;
    for (const char *p = tpl; p < at; p++)
        line += *p == '\n';
    return line;
}

static bool name_ok(const char *s, size_t n)
{
    if (n == 0 || n >= TPL_MAX_NAME)
        return false;
    if (n == 1 && s[0] == '.')
        return true;
    if (n > 1 && s[n - 1] == '?')
        n--;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-'))
            return false;
    }
    return true;
}

/* Reads the tag starting at p ("{{").  0 or HAWK_EINVAL with why. */
static int read_tag(const char *tpl, const char *p, struct tag *t, char *why,
                    size_t why_size)
{
    const char *q = p + 2;
    const char *close = NULL;

    memset(t, 0, sizeof(*t));
    t->start = p;
    t->kind = TAG_VAR;
    if (*q == '{') {
        t->kind = TAG_RAW;
        q++;
        close = strstr(q, "}}}");
    } else {
        if (*q == '#')
            t->kind = TAG_SECTION;
        else if (*q == '^')
            t->kind = TAG_INVERTED;
        else if (*q == '/')
            t->kind = TAG_CLOSE;
        else if (*q == '!')
            t->kind = TAG_COMMENT;
        if (t->kind != TAG_VAR)
            q++;
        close = strstr(q, "}}");
    }
    if (close == NULL) {
        snprintf(why, why_size, "line %d: unterminated tag", tpl_line(tpl, p));
        return HAWK_EINVAL;
    }
    t->end = close + (t->kind == TAG_RAW ? 3 : 2);
    if (t->kind == TAG_COMMENT) {
        /* A comment ends at the first "}}": a "{{" inside it would end it
         * early and put the rest of the comment into every resume. */
        const char *inner = strstr(q, "{{");
        if (inner != NULL && inner < close) {
            snprintf(why, why_size,
                     "line %d: a comment may not contain '{{' (it would end "
                     "at the first '}}' and the rest would be printed)",
                     tpl_line(tpl, p));
            return HAWK_EINVAL;
        }
        return 0;
    }
    const char *a = q, *b = close;
    while (a < b && (*a == ' ' || *a == '\t'))
        a++;
    while (b > a && (b[-1] == ' ' || b[-1] == '\t'))
        b--;
    if (!name_ok(a, (size_t)(b - a))) {
        snprintf(why, why_size, "line %d: malformed tag name",
                 tpl_line(tpl, p));
        return HAWK_EINVAL;
    }
    memcpy(t->name, a, (size_t)(b - a));
    t->name[b - a] = '\0';
    return 0;
}

/* See llm_int.h. */
int hk_tpl_check(const char *tpl, char *why, size_t why_size)
{
    char open[TPL_MAX_DEPTH][TPL_MAX_NAME];
    int open_line[TPL_MAX_DEPTH];
    int depth = 0;
    struct tag t;

    for (const char *p = strstr(tpl, "{{"); p != NULL; p = strstr(p, "{{")) {
        int rc = read_tag(tpl, p, &t, why, why_size);
        if (rc < 0)
            return rc;
        if (t.kind == TAG_SECTION || t.kind == TAG_INVERTED) {
            if (depth == TPL_MAX_DEPTH) {
                snprintf(why, why_size, "line %d: sections nested too deeply",
                         tpl_line(tpl, p));
                return HAWK_EINVAL;
            }
            hk_strlcpy(open[depth], t.name, TPL_MAX_NAME);
            open_line[depth++] = tpl_line(tpl, p);
        } else if (t.kind == TAG_CLOSE) {
            if (depth == 0 || strcmp(open[depth - 1], t.name) != 0) {
                snprintf(why, why_size,
                         "line %d: {{/%s}} closes no open section",
                         tpl_line(tpl, p), t.name);
                return HAWK_EINVAL;
            }
            depth--;
        }
        p = t.end;
    }
    if (depth > 0) {
        snprintf(why, why_size, "line %d: section {{#%s}} is never closed",
                 open_line[depth - 1], open[depth - 1]);
        return HAWK_EINVAL;
    }
    return 0;
}

/* ---- rendering ---------------------------------------------------------- */

struct ctx {
    json_object *stack[TPL_MAX_DEPTH + 1];
    int n;
    struct hk_buf *out;
    const char *tpl;
};

static json_object *lookup(const struct ctx *c, const char *name)
{
    char first[TPL_MAX_NAME];
    const char *dot = strchr(name, '.');

    if (strcmp(name, ".") == 0)
        return c->stack[c->n - 1];
    size_t n = dot != NULL ? (size_t)(dot - name) : strlen(name);
    memcpy(first, name, n);
    first[n] = '\0';
    json_object *v = NULL;
    for (int i = c->n - 1; i >= 0; i--) {
        if (json_object_is_type(c->stack[i], json_type_object) &&
            json_object_object_get_ex(c->stack[i], first, &v))
            break;
        v = NULL;
    }
    while (v != NULL && dot != NULL) {
        const char *seg = dot + 1;
        dot = strchr(seg, '.');
        n = dot != NULL ? (size_t)(dot - seg) : strlen(seg);
        memcpy(first, seg, n);
        first[n] = '\0';
        json_object *next = NULL;
        if (!json_object_is_type(v, json_type_object) ||
            !json_object_object_get_ex(v, first, &next))
            return NULL;
        v = next;
    }
    return v;
}

static bool truthy(json_object *v)
{
    switch (json_object_get_type(v)) {
    case json_type_null:
        return false;
    case json_type_boolean:
        return json_object_get_boolean(v);
    case json_type_string:
        return json_object_get_string_len(v) > 0;
    case json_type_array:
        return json_object_array_length(v) > 0;
    case json_type_object:
        return json_object_object_length(v) > 0;
    default:
        return true;
    }
}

static int put_escaped(struct hk_buf *b, const char *s)
{
    int rc = 0;
    for (; *s != '\0' && rc == 0; s++) {
        switch (*s) {
        case '&':
            rc = hk_buf_puts(b, "&amp;");
            break;
        case '<':
            rc = hk_buf_puts(b, "&lt;");
            break;
        case '>':
            rc = hk_buf_puts(b, "&gt;");
            break;
        case '"':
            rc = hk_buf_puts(b, "&quot;");
            break;
        case '\'':
            rc = hk_buf_puts(b, "&#39;");
            break;
        default:
            rc = hk_buf_putc(b, *s);
        }
    }
    return rc;
}

static int put_value(struct hk_buf *b, json_object *v, bool raw)
{
    const char *s = "";
    enum json_type t = json_object_get_type(v);
    if (t == json_type_null || t == json_type_object || t == json_type_array)
        return 0;
    s = json_object_get_string(v);
    return raw ? hk_buf_puts(b, s) : put_escaped(b, s);
}

static int render_span(struct ctx *c, const char *p, const char *end, char *why,
                       size_t why_size);

/* Finds the {{/name}} that closes the section opened before `from`. */
static const char *find_close(const char *tpl, const char *from,
                              const char *end, const char *name,
                              const char **after, char *why, size_t why_size)
{
    int depth = 1;
    struct tag t;
    for (const char *p = strstr(from, "{{"); p != NULL && p < end;
         p = strstr(p, "{{")) {
        if (read_tag(tpl, p, &t, why, why_size) < 0)
            return NULL;
        if (t.kind == TAG_SECTION || t.kind == TAG_INVERTED)
            depth++;
        else if (t.kind == TAG_CLOSE && --depth == 0) {
            if (strcmp(t.name, name) != 0)
                break;
            *after = t.end;
            return p;
        }
        p = t.end;
    }
    snprintf(why, why_size, "section {{#%s}} is never closed", name);
    return NULL;
}

static int render_section(struct ctx *c, const struct tag *t, const char *body,
                          const char *body_end, char *why, size_t why_size)
{
    char name[TPL_MAX_NAME];
    size_t n = strlen(t->name);
    bool cond = n > 1 && t->name[n - 1] == '?';

    hk_strlcpy(name, t->name, sizeof(name));
    if (cond)
        name[n - 1] = '\0';
    json_object *v = lookup(c, name);
    bool on = truthy(v);

    if (t->kind == TAG_INVERTED)
        return on ? 0 : render_span(c, body, body_end, why, why_size);
    if (!on)
        return 0;
    if (cond)
        return render_span(c, body, body_end, why, why_size);
    if (c->n >= TPL_MAX_DEPTH) {
        snprintf(why, why_size, "sections nested too deeply");
        return HAWK_EINVAL;
    }
    if (json_object_is_type(v, json_type_array)) {
        for (size_t i = 0; i < json_object_array_length(v); i++) {
            c->stack[c->n++] = json_object_array_get_idx(v, i);
            int rc = render_span(c, body, body_end, why, why_size);
            c->n--;
            if (rc < 0)
                return rc;
        }
        return 0;
    }
    c->stack[c->n++] = v;
    int rc = render_span(c, body, body_end, why, why_size);
    c->n--;
    return rc;
}

static int render_span(struct ctx *c, const char *p, const char *end, char *why,
                       size_t why_size)
{
    struct tag t;
    while (p < end) {
        const char *o = strstr(p, "{{");
        if (o == NULL || o >= end)
            return hk_buf_append(c->out, p, (size_t)(end - p));
        int rc = hk_buf_append(c->out, p, (size_t)(o - p));
        if (rc == 0)
            rc = read_tag(c->tpl, o, &t, why, why_size);
        if (rc < 0)
            return rc;
        switch (t.kind) {
        case TAG_COMMENT:
            break;
        case TAG_VAR:
        case TAG_RAW:
            rc = put_value(c->out, lookup(c, t.name), t.kind == TAG_RAW);
            break;
        case TAG_CLOSE:
            snprintf(why, why_size, "{{/%s}} closes no open section", t.name);
            return HAWK_EINVAL;
        case TAG_SECTION:
        case TAG_INVERTED: {
            const char *after = NULL;
            const char *close =
                find_close(c->tpl, t.end, end, t.name, &after, why, why_size);
            if (close == NULL)
                return HAWK_EINVAL;
            rc = render_section(c, &t, t.end, close, why, why_size);
            t.end = after;
            break;
        }
        }
        if (rc < 0)
            return rc;
        p = t.end;
    }
    return 0;
}

/* See llm_int.h. */
int hk_tpl_render(const char *tpl, json_object *data, struct hk_buf *out,
                  char *why, size_t why_size)
{
    struct ctx c;
    memset(&c, 0, sizeof(c));
    c.stack[0] = data;
    c.n = 1;
    c.out = out;
    c.tpl = tpl;
    int rc = render_span(&c, tpl, tpl + strlen(tpl), why, why_size);
    if (rc == HAWK_ETOOBIG)
        snprintf(why, why_size, "the rendered document is too large");
    return rc;
}
