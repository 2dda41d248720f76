/*
 * plugins/linkedin/li_wd.c - W3C WebDriver commands on a browser session
 * the host lent the call (host API 1.1 browser_*): find elements by the
 * selectors file's XPath, click, type, read text and properties, run a
 * script, navigate.  Answers are JSON texts parsed with json-c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "li_apply.h"

#define ELEMENT_KEY "element-6066-11e4-a52e-4f735466cecf"
/* Largest answer kept from one command (page sources are the big ones). */
#define VALUE_MAX ((size_t)16 << 20)

static int sink_write(struct hawk_text_sink *s, const char *d, size_t n)
{
    return li_buf_add(s->opaque, d, n);
}

/* See li_apply.h. */
void li_wd_init(struct li_wd *w, const struct hawk_host_api *api,
                struct hawk_host *host, struct hawk_browser *b,
                struct hawk_error *err)
{
    memset(w, 0, sizeof(*w));
    w->api = api;
    w->host = host;
    w->b = b;
    w->err = err;
    li_buf_init(&w->val, VALUE_MAX);
}

/* See li_apply.h. */
void li_wd_release(struct li_wd *w)
{
    li_buf_free(&w->val);
}

/* See li_apply.h. */
int li_wd_cmd(struct li_wd *w, const char *method, const char *path,
              const char *body)
{
    li_buf_reset(&w->val);
    struct hawk_text_sink s = {.opaque = &w->val, .write = sink_write};
    int64_t t0 = w->api->now_ms(w->host);
    int rc = w->api->browser_cmd(w->b, method, path, body, &s, w->err);
    w->cmd_ms += w->api->now_ms(w->host) - t0;
    w->cmds++;
    return rc;
}

/* The answer as a json-c object; NULL (with err) when it is not JSON. */
static json_object *value_json(struct li_wd *w)
{
    json_object *o = json_tokener_parse(li_buf_str(&w->val));
    if (o == NULL)
        HAWK_ERR_SET(w->err, HAWK_EPROTO, true, 0,
                     "webdriver answered something that is not JSON");
    return o;
}

/* An element's reference from {"element-6066-...": "ref"}. */
static bool elem_ref(json_object *o, char *ref)
{
    json_object *v = NULL;
    if (!json_object_is_type(o, json_type_object) ||
        !json_object_object_get_ex(o, ELEMENT_KEY, &v) ||
        !json_object_is_type(v, json_type_string) ||
        json_object_get_string_len(v) >= LI_REF_MAX)
        return false;
    snprintf(ref, LI_REF_MAX, "%s", json_object_get_string(v));
    return true;
}

/* See li_apply.h. */
int li_wd_find(struct li_wd *w, const char *scope, const char *xpath,
               char (*refs)[LI_REF_MAX], int max)
{
    struct li_buf body, path;
    li_buf_init(&body, 0);
    li_buf_init(&path, 0);
    (void)li_buf_puts(&body, "{\"using\":\"xpath\",\"value\":");
    (void)li_buf_json_str(&body, xpath);
    (void)li_buf_puts(&body, "}");
    if (scope != NULL)
        (void)li_buf_printf(&path, "/element/%s/elements", scope);
    else
        (void)li_buf_puts(&path, "/elements");
    int rc = li_wd_cmd(w, "POST", li_buf_str(&path), li_buf_str(&body));
    li_buf_free(&body);
    li_buf_free(&path);
    if (rc < 0)
        return rc;
    json_object *a = value_json(w);
    if (a == NULL)
        return HAWK_EPROTO;
    int n = 0;
    if (json_object_is_type(a, json_type_array)) {
        size_t k = json_object_array_length(a);
        for (size_t i = 0; i < k && n < max; i++)
            if (elem_ref(json_object_array_get_idx(a, i), refs[n]))
                n++;
    }
    json_object_put(a);
    return n;
}

/* See li_apply.h. */
int li_wd_first(struct li_wd *w, const char *scope, const char *xpath,
                char *ref)
{
    char refs[1][LI_REF_MAX];
    int n = li_wd_find(w, scope, xpath, refs, 1);
    if (n > 0)
        memcpy(ref, refs[0], LI_REF_MAX);
    return n;
}

/* See li_apply.h. */
int li_wd_sel_first(struct li_wd *w, const struct li_selectors *S,
                    const char *scope, const char *name, char *ref)
{
    return li_wd_first(w, scope, li_sel(S, name)->xpath, ref);
}

/* See li_apply.h. */
int li_wd_exec(struct li_wd *w, const char *script, const char *ref)
{
    struct li_buf body;
    li_buf_init(&body, 0);
    (void)li_buf_puts(&body, "{\"script\":");
    (void)li_buf_json_str(&body, script);
    if (ref != NULL)
        (void)li_buf_printf(&body, ",\"args\":[{\"" ELEMENT_KEY "\":\"%s\"}]}",
                            ref);
    else
        (void)li_buf_puts(&body, ",\"args\":[]}");
    int rc = li_wd_cmd(w, "POST", "/execute/sync", li_buf_str(&body));
    li_buf_free(&body);
    return rc;
}

/* See li_apply.h. */
int li_wd_click(struct li_wd *w, const char *ref)
{
    char path[LI_REF_MAX + 32];
    snprintf(path, sizeof(path), "/element/%s/click", ref);
    int rc = li_wd_cmd(w, "POST", path, "{}");
    if (rc == HAWK_ECONFLICT) {
        /* Covered by a sticky footer or an overlay: a script click is
         * what a user's click does to the element itself. */
        rc = li_wd_exec(w, "arguments[0].click(); return true;", ref);
    }
    return rc;
}

/* See li_apply.h. */
int li_wd_type(struct li_wd *w, const char *ref, const char *text)
{
    char path[LI_REF_MAX + 32];
    struct li_buf body;
    li_buf_init(&body, 0);
    (void)li_buf_puts(&body, "{\"text\":");
    (void)li_buf_json_str(&body, text);
    (void)li_buf_puts(&body, "}");
    snprintf(path, sizeof(path), "/element/%s/value", ref);
    int rc = li_wd_cmd(w, "POST", path, li_buf_str(&body));
    li_buf_free(&body);
    return rc;
}

/* See li_apply.h. */
int li_wd_clear(struct li_wd *w, const char *ref)
{
    char path[LI_REF_MAX + 32];
    snprintf(path, sizeof(path), "/element/%s/clear", ref);
    return li_wd_cmd(w, "POST", path, "{}");
}

/* The answer's value as text: a string's content, "true"/"false", a
 * number, "" for null. */
static int value_text(struct li_wd *w, char **out)
{
    json_object *o = value_json(w);
    if (o == NULL && strcmp(li_buf_str(&w->val), "null") != 0)
        return HAWK_EPROTO;
    const char *s = o == NULL ? "" : json_object_get_string(o);
    *out = li_xstrdup(s != NULL ? s : "");
    json_object_put(o);
    return 0;
}

/* See li_apply.h. */
int li_wd_text(struct li_wd *w, const char *ref, char **out)
{
    char path[LI_REF_MAX + 32];
    *out = NULL;
    snprintf(path, sizeof(path), "/element/%s/text", ref);
    int rc = li_wd_cmd(w, "GET", path, NULL);
    return rc < 0 ? rc : value_text(w, out);
}

/* See li_apply.h. */
int li_wd_prop(struct li_wd *w, const char *ref, const char *name, char **out)
{
    char path[LI_REF_MAX + 96];
    *out = NULL;
    snprintf(path, sizeof(path), "/element/%s/property/%.60s", ref, name);
    int rc = li_wd_cmd(w, "GET", path, NULL);
    return rc < 0 ? rc : value_text(w, out);
}

/* See li_apply.h. */
int li_wd_navigate(struct li_wd *w, const char *url)
{
    struct li_buf body;
    li_buf_init(&body, 0);
    (void)li_buf_puts(&body, "{\"url\":");
    (void)li_buf_json_str(&body, url);
    (void)li_buf_puts(&body, "}");
    int rc = li_wd_cmd(w, "POST", "/url", li_buf_str(&body));
    li_buf_free(&body);
    return rc;
}

/* See li_apply.h. */
int li_wd_url(struct li_wd *w, char **out)
{
    *out = NULL;
    int rc = li_wd_cmd(w, "GET", "/url", NULL);
    return rc < 0 ? rc : value_text(w, out);
}

/* See li_apply.h. */
int li_wd_html(struct li_wd *w, char **out)
{
    *out = NULL;
    int rc = li_wd_exec(w, "return document.documentElement.outerHTML;", NULL);
    return rc < 0 ? rc : value_text(w, out);
}
