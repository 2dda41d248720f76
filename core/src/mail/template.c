/*
 * mail/template.c - the mail templates: <name>.txt ("Subject: ..." line,
 * blank line, plain body) and an optional <name>.html, with {{var}}
 * markers filled from a JSON object.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "mail/mail_int.h"
#include "util/alloc.h"
#include "util/str.h"

#define TMPL_MAX ((size_t)256 << 10)
#define TMPL_COUNT_MAX 128
#define VAR_MAX 64

/* Reads a whole small file; caller frees.  NULL with errno set. */
static char *read_small(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    struct hk_buf b;
    char chunk[4096];
    size_t n;
    int rc = 0;
    hk_buf_init(&b, TMPL_MAX);
    while (rc == 0 && (n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        rc = hk_buf_append(&b, chunk, n);
    fclose(f);
    if (rc < 0) {
        hk_buf_release(&b);
        errno = EFBIG;
        return NULL;
    }
    if (b.data == NULL)
        (void)hk_buf_append(&b, "", 0);
    return hk_buf_steal(&b, len);
}

static bool var_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

/* Finds the marker starting at p ("{{"): on success sets name/len and
 * returns the position after "}}"; NULL when malformed. */
static const char *marker(const char *p, const char **name, size_t *len)
{
    const char *q = p + 2;
    while (*q == ' ')
        q++;
    const char *start = q;
    while (var_char(*q))
        q++;
    size_t n = (size_t)(q - start);
    while (*q == ' ')
        q++;
    if (n == 0 || n > VAR_MAX || q[0] != '}' || q[1] != '}')
        return NULL;
    *name = start;
    *len = n;
    return q + 2;
}

static int line_of(const char *text, const char *at)
{
    int line = 1;
    for (const char *p = text; p < at; p++)
        line += *p == '\n';
    return line;
}

/* See mail_int.h. */
int hk_mail_template_check(const char *text, const char *file,
                           struct hk_err *err)
{
    for (const char *p = strstr(text, "{{"); p != NULL;
         p = strstr(p + 2, "{{")) {
        const char *name = NULL;
        size_t n = 0;
        if (marker(p, &name, &n) == NULL)
            return hk_err_set(err, HAWK_ECONFIG, "mail_template", NULL,
                              "%s:%d: a {{ marker must be {{name}} with a "
                              "name of a-z, 0-9 and _",
                              file, line_of(text, p));
    }
    return 0;
}

/* See mail_int.h. */
int hk_mail_expand(const char *tmpl_name, const char *text, json_object *vars,
                   bool html, bool one_line, struct hk_buf *out,
                   struct hk_err *err)
{
    const char *p = text;
    int rc = 0;

    while (rc == 0 && *p != '\0') {
        const char *m = strstr(p, "{{");
        if (m == NULL) {
            rc = hk_buf_puts(out, p);
            break;
        }
        rc = hk_buf_append(out, p, (size_t)(m - p));
        const char *name = NULL;
        size_t n = 0;
        const char *after = marker(m, &name, &n);
        if (rc < 0 || after == NULL) {
            if (rc == 0)
                rc = hk_err_set(err, HAWK_EINVAL, NULL, NULL,
                                "mail template %s: malformed {{ marker",
                                tmpl_name);
            break;
        }
        char key[VAR_MAX + 1];
        memcpy(key, name, n);
        key[n] = '\0';
        json_object *v = NULL;
        if (vars == NULL || !json_object_object_get_ex(vars, key, &v) ||
            v == NULL || json_object_is_type(v, json_type_object) ||
            json_object_is_type(v, json_type_array)) {
            rc = hk_err_set(err, HAWK_EINVAL, "mail_variable", key,
                            "mail template %s: {{%s}} has no value", tmpl_name,
                            key);
            break;
        }
        const char *s = json_object_get_string(v);
        for (; rc == 0 && *s != '\0'; s++) {
            char c = *s;
            if (one_line && (c == '\r' || c == '\n'))
                continue;
            if (html && c == '&')
                rc = hk_buf_puts(out, "&amp;");
            else if (html && c == '<')
                rc = hk_buf_puts(out, "&lt;");
            else if (html && c == '>')
                rc = hk_buf_puts(out, "&gt;");
            else if (html && c == '"')
                rc = hk_buf_puts(out, "&quot;");
            else if (html && c == '\'')
                rc = hk_buf_puts(out, "&#39;");
            else
                rc = hk_buf_putc(out, c);
        }
        p = after;
    }
    if (rc < 0 && err != NULL && err->code == 0)
        hk_err_set(err, rc, NULL, NULL, "mail template %s: result too big",
                   tmpl_name);
    return rc;
}

/* Splits "Subject: ...\n\nbody" into its two parts (owned copies). */
static int split_subject(const char *text, const char *file, char **subject,
                         char **body, struct hk_err *err)
{
    if (strncmp(text, "Subject:", 8) != 0)
        return hk_err_set(err, HAWK_ECONFIG, "mail_template", NULL,
                          "%s:1: the first line must be \"Subject: ...\"",
                          file);
    const char *s = text + 8;
    while (*s == ' ')
        s++;
    const char *eol = strchr(s, '\n');
    if (eol == NULL)
        return hk_err_set(err, HAWK_ECONFIG, "mail_template", NULL,
                          "%s:1: the subject line needs a body after it", file);
    size_t sl = (size_t)(eol - s);
    while (sl > 0 && (s[sl - 1] == '\r' || s[sl - 1] == ' '))
        sl--;
    const char *b = eol + 1;
    if (*b == '\r')
        b++;
    if (*b != '\n')
        return hk_err_set(err, HAWK_ECONFIG, "mail_template", NULL,
                          "%s:2: a blank line must follow the subject", file);
    if (sl == 0)
        return hk_err_set(err, HAWK_ECONFIG, "mail_template", NULL,
                          "%s:1: the subject is empty", file);
    *subject = hk_strndup(s, sl);
    *body = hk_strdup(b + 1);
    return 0;
}

static bool name_ok(const char *s, size_t n)
{
    if (n == 0 || n > 64)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (!var_char(s[i]) && s[i] != '-')
            return false;
    }
    return true;
}

/* Loads one template from dir/<name>.txt and dir/<name>.html. */
static int load_one(struct hk_mail *m, const char *dir, const char *name,
                    struct hk_err *err)
{
    char path[1200], hpath[1200];
    size_t len = 0;
    snprintf(path, sizeof(path), "%s/%s.txt", dir, name);
    snprintf(hpath, sizeof(hpath), "%s/%s.html", dir, name);
    char *text = read_small(path, &len);
    if (text == NULL)
        return hk_err_set(err, HAWK_ECONFIG, "mail_template", NULL,
                          "%s: cannot read: %s", path, strerror(errno));
    struct hk_mail_tmpl t = {0};
    int rc = 0;
    if (!hk_utf8_valid(text, len))
        rc = hk_err_set(err, HAWK_ECONFIG, "mail_template", NULL,
                        "%s: not valid UTF-8", path);
    if (rc == 0)
        rc = split_subject(text, path, &t.subject, &t.text, err);
    if (rc == 0)
        rc = hk_mail_template_check(text, path, err);
    hk_free(text);
    struct stat st;
    if (rc == 0 && stat(hpath, &st) == 0) {
        t.html = read_small(hpath, &len);
        if (t.html == NULL)
            rc = hk_err_set(err, HAWK_ECONFIG, "mail_template", NULL,
                            "%s: cannot read: %s", hpath, strerror(errno));
        else if (!hk_utf8_valid(t.html, len))
            rc = hk_err_set(err, HAWK_ECONFIG, "mail_template", NULL,
                            "%s: not valid UTF-8", hpath);
        else
            rc = hk_mail_template_check(t.html, hpath, err);
    }
    if (rc < 0) {
        hk_free(t.subject);
        hk_free(t.text);
        hk_free(t.html);
        return rc;
    }
    t.name = hk_strdup(name);
    m->tmpl = hk_realloc(m->tmpl, (m->n_tmpl + 1) * sizeof(*m->tmpl));
    m->tmpl[m->n_tmpl++] = t;
    return 0;
}

/* See mail_int.h. */
int hk_mail_templates_load(struct hk_mail *m, const char *dir,
                           struct hk_err *err)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return hk_err_set(err, HAWK_ECONFIG, "mail_template", NULL,
                          "mail templates directory %s: %s (set "
                          "mail.templates_dir)",
                          dir, strerror(errno));
    int rc = 0;
    struct dirent *e;
    while (rc == 0 && (e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        if (n < 5 || strcmp(e->d_name + n - 4, ".txt") != 0)
            continue;
        if (!name_ok(e->d_name, n - 4)) {
            rc = hk_err_set(err, HAWK_ECONFIG, "mail_template", NULL,
                            "%s/%s: template names are a-z, 0-9, _ and -", dir,
                            e->d_name);
            break;
        }
        if (m->n_tmpl == TMPL_COUNT_MAX) {
            rc = hk_err_set(err, HAWK_ECONFIG, "mail_template", NULL,
                            "%s: more than %d templates", dir, TMPL_COUNT_MAX);
            break;
        }
        char name[80];
        snprintf(name, sizeof(name), "%.*s", (int)(n - 4), e->d_name);
        rc = load_one(m, dir, name, err);
    }
    closedir(d);
    return rc;
}

/* See mail_int.h. */
void hk_mail_templates_free(struct hk_mail *m)
{
    for (size_t i = 0; i < m->n_tmpl; i++) {
        hk_free(m->tmpl[i].name);
        hk_free(m->tmpl[i].subject);
        hk_free(m->tmpl[i].text);
        hk_free(m->tmpl[i].html);
    }
    hk_free(m->tmpl);
    m->tmpl = NULL;
    m->n_tmpl = 0;
}

static const struct hk_mail_tmpl *find(const struct hk_mail *m,
                                       const char *name)
{
    for (size_t i = 0; i < m->n_tmpl; i++) {
        if (strcmp(m->tmpl[i].name, name) == 0)
            return &m->tmpl[i];
    }
    return NULL;
}

/* See mail.h. */
bool hk_mail_has_template(const struct hk_mail *m, const char *name)
{
    return m != NULL && name != NULL && find(m, name) != NULL;
}

/* See mail.h. */
int hk_mail_render(const struct hk_mail *m, const char *name, json_object *vars,
                   char **subject, char **text, char **html, struct hk_err *err)
{
    struct hk_buf s, t, h;
    *subject = *text = *html = NULL;
    const struct hk_mail_tmpl *tp = name != NULL ? find(m, name) : NULL;
    if (tp == NULL)
        return hk_err_set(err, HAWK_ENOTFOUND, "mail_template", NULL,
                          "no mail template '%s' in %s",
                          name != NULL ? name : "", m->templates_dir);
    hk_buf_init(&s, 4096);
    hk_buf_init(&t, TMPL_MAX * 2);
    hk_buf_init(&h, TMPL_MAX * 4);
    int rc = hk_mail_expand(name, tp->subject, vars, false, true, &s, err);
    if (rc == 0)
        rc = hk_mail_expand(name, tp->text, vars, false, false, &t, err);
    if (rc == 0 && tp->html != NULL)
        rc = hk_mail_expand(name, tp->html, vars, true, false, &h, err);
    if (rc < 0) {
        hk_buf_release(&s);
        hk_buf_release(&t);
        hk_buf_release(&h);
        return rc;
    }
    if (s.data == NULL)
        (void)hk_buf_append(&s, "", 0);
    if (t.data == NULL)
        (void)hk_buf_append(&t, "", 0);
    if (h.data == NULL && tp->html != NULL)
        (void)hk_buf_append(&h, "", 0);
    *subject = hk_buf_steal(&s, NULL);
    *text = hk_buf_steal(&t, NULL);
    *html = tp->html != NULL ? hk_buf_steal(&h, NULL) : NULL;
    hk_buf_release(&h);
    return 0;
}
