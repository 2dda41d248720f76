/*
 * plugin/health.c - every instance's status as members of a JSON object,
 * for /health/detailed.
 */
#include <json-c/json.h>
#include <string.h>

#include "plugin/calls.h"
#include "plugin/internal.h"
#include "util/buf.h"

#define HEALTH_TIMEOUT_MS 2000
#define HEALTH_DETAIL_MAX (64 * 1024)

static int sink_write(struct hawk_text_sink *s, const char *data, size_t len)
{
    return hk_buf_append(s->opaque, data, len);
}

/* Appends the detail text if it is one JSON object; returns whether it
 * was. */
static bool put_detail(struct hk_buf *out, const struct hk_buf *detail)
{
    if (detail->len == 0)
        return false;
    struct json_tokener *tok = json_tokener_new();
    struct json_object *o =
        json_tokener_parse_ex(tok, hk_buf_str(detail), (int)detail->len);
    bool ok = o != NULL && json_object_is_type(o, json_type_object) &&
              json_tokener_get_error(tok) == json_tokener_success &&
              json_tokener_get_parse_end(tok) == detail->len;
    if (ok) {
        const char *txt = json_object_to_json_string_ext(
            o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
        hk_buf_puts(out, ",\"detail\":");
        hk_buf_puts(out, txt);
    }
    json_object_put(o);
    json_tokener_free(tok);
    return ok;
}

static void put_str(struct hk_buf *out, const char *key, const char *val)
{
    hk_buf_printf(out, ",\"%s\":", key);
    hk_buf_json_str(out, val, strlen(val));
}

static void health_of(const struct hk_plugin_entry *e, struct hk_buf *out)
{
    const struct hawk_plugin *d = e->desc;
    struct hk_buf detail;
    hk_buf_init(&detail, HEALTH_DETAIL_MAX);
    struct hawk_error herr = HAWK_ERROR_INIT;
    int rc = 0;
    if (hk_plugin_has_op(e, HK_OP_HEALTH)) {
        struct hawk_call call;
        hk_call_init(&call, 0, NULL, HEALTH_TIMEOUT_MS, NULL);
        struct hawk_text_sink sink = {.opaque = &detail, .write = sink_write};
        rc = hk_plugin_health_call(e, &call, &sink, &herr);
    }
    hk_buf_printf(out, "{\"status\":\"%s\"", rc == 0 ? "ok" : "error");
    put_str(out, "kind", hk_plugin_kind_name(d->kind));
    put_str(out, "version", d->version);
    if (rc == 0) {
        put_detail(out, &detail);
    } else {
        /* calls.c already cut, filled and redacted the message. */
        put_str(out, "error", herr.msg);
    }
    hk_buf_putc(out, '}');
    hk_buf_release(&detail);
}

/* See plugins.h. */
void hk_plugins_health_json(const struct hk_plugins *p, struct hk_buf *buf)
{
    for (size_t i = 0; p != NULL && i < p->n; i++) {
        const struct hk_plugin_entry *e = &p->v[i];
        if (i > 0)
            hk_buf_putc(buf, ',');
        hk_buf_json_str(buf, e->name, strlen(e->name));
        hk_buf_putc(buf, ':');
        switch (e->status) {
        case HK_PLUGIN_LOADED:
            health_of(e, buf);
            break;
        case HK_PLUGIN_DISABLED:
            hk_buf_puts(buf, "{\"status\":\"disabled\"}");
            break;
        case HK_PLUGIN_FAILED:
            hk_buf_puts(buf, "{\"status\":\"failed\"");
            put_str(buf, "error", e->reason);
            hk_buf_putc(buf, '}');
            break;
        }
    }
}
