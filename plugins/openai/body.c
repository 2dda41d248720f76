/*
 * plugins/openai/body.c - the Chat Completions request body, written
 * straight into a buffer (no intermediate JSON tree: this runs on every
 * call), and the cache of parsed schemas (a host asks with the same few
 * schemas over and over; parsing and checking one costs more than
 * building the whole request).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "openai.h"

#define OAI_MAX_BODY ((size_t)64 << 20)
#define OAI_CORRECTION_ECHO 8192

/* ---- JSON text ---------------------------------------------------------- */

/* Appends s as a JSON string literal.  Bytes >= 0x80 pass through (the
 * host hands over UTF-8). */
static void put_str(struct oai_buf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    size_t start = 0;

    (void)oai_buf_add(b, "\"", 1);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        const char *esc = NULL;
        char u[7];
        if (c == '"')
            esc = "\\\"";
        else if (c == '\\')
            esc = "\\\\";
        else if (c == '\n')
            esc = "\\n";
        else if (c == '\r')
            esc = "\\r";
        else if (c == '\t')
            esc = "\\t";
        else if (c < 0x20 || c == 0x7f) {
            u[0] = '\\';
            u[1] = 'u';
            u[2] = '0';
            u[3] = '0';
            u[4] = hex[c >> 4];
            u[5] = hex[c & 15];
            u[6] = '\0';
            esc = u;
        }
        if (esc == NULL)
            continue;
        (void)oai_buf_add(b, s + start, i - start);
        (void)oai_buf_add(b, esc, strlen(esc));
        start = i + 1;
    }
    (void)oai_buf_add(b, s + start, n - start);
    (void)oai_buf_add(b, "\"", 1);
}

static void put(struct oai_buf *b, const char *s)
{
    (void)oai_buf_add(b, s, strlen(s));
}

static void put_msg(struct oai_buf *b, bool *first, const char *role,
                    const char *a, size_t alen, const char *c, size_t clen)
{
    put(b, *first ? "{\"role\":" : ",{\"role\":");
    *first = false;
    put_str(b, role, strlen(role));
    put(b, ",\"content\":");
    if (c == NULL) {
        put_str(b, a, alen);
    } else {
        /* Two parts joined by a blank line, escaped as one string. */
        char *joined = oai_xmalloc(alen + clen + 3);
        memcpy(joined, a, alen);
        memcpy(joined + alen, "\n\n", 2);
        memcpy(joined + alen + 2, c, clen);
        put_str(b, joined, alen + clen + 2);
        free(joined);
    }
    put(b, "}");
}

static void put_messages(struct oai_buf *b, const struct hawk_instance *in,
                         const struct hawk_llm_req *req,
                         const struct oai_schema *schema, const char *bad_reply,
                         const char *why)
{
    const char *instr = NULL;
    size_t ilen = 0;
    bool first = true, merged = false;

    if (schema != NULL && in->mode != OAI_MODE_JSON_SCHEMA) {
        instr = schema->instruction;
        ilen = strlen(instr);
    }
    put(b, "[");
    if (instr != NULL &&
        strcmp(HAWK_AT(hawk_llm_message, req->messages, req->message_size, 0)
                   ->role,
               "system") != 0) {
        put_msg(b, &first, "system", instr, ilen, NULL, 0);
        merged = true;
    }
    for (size_t i = 0; i < req->n_messages; i++) {
        const struct hawk_llm_message *m =
            HAWK_AT(hawk_llm_message, req->messages, req->message_size, i);
        size_t n = strlen(m->content);
        if (instr != NULL && !merged && strcmp(m->role, "system") == 0) {
            put_msg(b, &first, m->role, m->content, n, instr, ilen);
            merged = true;
        } else {
            put_msg(b, &first, m->role, m->content, n, NULL, 0);
        }
    }
    if (bad_reply != NULL) {
        size_t n = strnlen(bad_reply, OAI_CORRECTION_ECHO);
        put_msg(b, &first, "assistant", bad_reply, n, NULL, 0);
        char *fix = oai_xasprintf("That reply is not valid: %s. Reply again "
                                  "with only the corrected JSON document.",
                                  why);
        put_msg(b, &first, "user", fix, strlen(fix), NULL, 0);
        free(fix);
    }
    put(b, "]");
}

/* See openai.h. */
char *oai_request_body(const struct hawk_instance *in,
                       const struct hawk_llm_req *req,
                       const struct oai_schema *schema, const char *bad_reply,
                       const char *why, size_t *len)
{
    struct oai_buf b;
    char num[64];
    const char *model = req->model != NULL ? req->model : in->model;

    oai_buf_init(&b, OAI_MAX_BODY);
    put(&b, "{\"model\":");
    put_str(&b, model, strlen(model));
    put(&b, ",\"messages\":");
    put_messages(&b, in, req, schema, bad_reply, why);
    if (req->temperature >= 0) {
        snprintf(num, sizeof(num), ",\"temperature\":%.6g", req->temperature);
        put(&b, num);
    }
    if (req->max_tokens > 0) {
        snprintf(num, sizeof(num), ",\"%s\":%d", in->max_tokens_field,
                 req->max_tokens);
        put(&b, num);
    }
    if (schema != NULL && in->mode == OAI_MODE_JSON_SCHEMA) {
        const char *name = req->schema_name ? req->schema_name : "result";
        put(&b, ",\"response_format\":{\"type\":\"json_schema\","
                "\"json_schema\":{\"name\":");
        put_str(&b, name, strlen(name));
        put(&b, schema->strict ? ",\"strict\":true,\"schema\":"
                               : ",\"strict\":false,\"schema\":");
        put(&b, schema->compact);
        put(&b, "}}");
    } else if (schema != NULL && in->mode == OAI_MODE_JSON_OBJECT) {
        put(&b, ",\"response_format\":{\"type\":\"json_object\"}");
    }
    if (in->stream)
        put(&b, ",\"stream\":true,\"stream_options\":{\"include_usage\":true}");
    put(&b, "}");
    *len = b.len;
    if (b.data == NULL)
        return oai_xstrdup("");
    return b.data;
}

/* ---- schema cache ----------------------------------------------------------- */

static void schema_free(struct oai_schema *s)
{
    if (s == NULL)
        return;
    free(s->text);
    free(s->compact);
    free(s->instruction);
    json_object_put(s->doc);
    free(s);
}

/* See openai.h. */
int oai_schema_get(struct hawk_instance *in, const char *text,
                   struct oai_schema **out, struct hawk_error *err)
{
    char why[200];

    *out = NULL;
    pthread_mutex_lock(&in->schema_lock);
    for (size_t i = 0; i < in->n_schemas; i++) {
        if (strcmp(in->schemas[i]->text, text) == 0) {
            *out = in->schemas[i];
            break;
        }
    }
    pthread_mutex_unlock(&in->schema_lock);
    if (*out != NULL)
        return 0;

    json_object *doc = json_tokener_parse(text);
    if (doc == NULL || !json_object_is_type(doc, json_type_object)) {
        json_object_put(doc);
        HAWK_ERR_SET(err, HAWK_EINVAL, false, 0,
                     "json_schema is not a JSON object");
        return HAWK_EINVAL;
    }
    if (oai_schema_check(doc, why, sizeof(why)) < 0) {
        json_object_put(doc);
        HAWK_ERR_SET(err, HAWK_EINVAL, false, 0, "%s", why);
        return HAWK_EINVAL;
    }
    struct oai_schema *s = oai_xcalloc(1, sizeof(*s));
    s->text = oai_xstrdup(text);
    s->doc = doc;
    s->strict = oai_schema_strict_ok(doc);
    s->compact = oai_xstrdup(json_object_to_json_string_ext(
        doc, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
    s->instruction = oai_xasprintf(
        "Reply with only a JSON document, without any other text or code "
        "fences, that is valid for this JSON schema:\n%s",
        s->compact);

    /* Entries are never removed before fini, so a pointer handed out
     * above stays valid for the whole call. */
    pthread_mutex_lock(&in->schema_lock);
    for (size_t i = 0; i < in->n_schemas; i++) {
        if (strcmp(in->schemas[i]->text, text) == 0) {
            *out = in->schemas[i];
            break;
        }
    }
    if (*out == NULL && in->n_schemas < OAI_SCHEMA_CACHE) {
        in->schemas[in->n_schemas++] = s;
        *out = s;
        s = NULL;
    }
    pthread_mutex_unlock(&in->schema_lock);
    if (*out == NULL) {
        s->temporary = true;
        *out = s;
        s = NULL;
    }
    schema_free(s);
    return 0;
}

/* See openai.h. */
void oai_schema_release(struct oai_schema *s)
{
    if (s != NULL && s->temporary)
        schema_free(s);
}

/* See openai.h. */
void oai_schema_cache_free(struct hawk_instance *in)
{
    for (size_t i = 0; i < in->n_schemas; i++)
        schema_free(in->schemas[i]);
    in->n_schemas = 0;
}
