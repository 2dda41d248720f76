/*
 * plugins/openai/sse.c - parser for a streamed chat completion
 * (`stream: true`, text/event-stream).  Events are separated by a blank
 * line; each carries `data: {chat.completion.chunk}`; the stream ends
 * with `data: [DONE]`.  With stream_options.include_usage the last chunk
 * before [DONE] has empty choices and the usage.  A chunk holding an
 * `error` member stops the transfer.  Bytes arrive in arbitrary pieces,
 * so lines are reassembled here.
 */
#include <stdio.h>
#include <string.h>

#include "openai.h"

#define OAI_SSE_MAX_LINE ((size_t)1 << 20)

static void oai_copy_str(json_object *o, const char *key, char *dst, size_t n)
{
    json_object *v = NULL;
    if (json_object_object_get_ex(o, key, &v) &&
        json_object_is_type(v, json_type_string))
        snprintf(dst, n, "%s", json_object_get_string(v));
}

static int64_t oai_get_i64(json_object *o, const char *key)
{
    json_object *v = NULL;
    if (json_object_object_get_ex(o, key, &v) &&
        json_object_is_type(v, json_type_int))
        return json_object_get_int64(v);
    return 0;
}

static int oai_sse_choice(struct oai_sse *s, json_object *choice)
{
    json_object *delta = NULL, *v = NULL;

    if (json_object_object_get_ex(choice, "finish_reason", &v) &&
        json_object_is_type(v, json_type_string))
        snprintf(s->finish_reason, sizeof(s->finish_reason), "%s",
                 json_object_get_string(v));
    if (!json_object_object_get_ex(choice, "delta", &delta) ||
        !json_object_is_type(delta, json_type_object))
        return 0;
    if (json_object_object_get_ex(delta, "refusal", &v) &&
        json_object_is_type(v, json_type_string)) {
        size_t n = strlen(s->refusal);
        snprintf(s->refusal + n, sizeof(s->refusal) - n, "%s",
                 json_object_get_string(v));
    }
    if (!json_object_object_get_ex(delta, "content", &v) ||
        !json_object_is_type(v, json_type_string))
        return 0;
    const char *text = json_object_get_string(v);
    size_t len = (size_t)json_object_get_string_len(v);
    if (len == 0)
        return 0;
    int rc = oai_buf_add(&s->content, text, len);
    if (rc < 0) {
        snprintf(s->error, sizeof(s->error), "streamed reply is too long");
        return rc;
    }
    if (s->forward != NULL) {
        s->started = true;
        rc = s->forward->write(s->forward, text, len);
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* Handles one event's data. */
static int oai_sse_event(struct oai_sse *s, const char *data, size_t len)
{
    json_object *root = NULL, *v = NULL;

    if (len == 6 && memcmp(data, "[DONE]", 6) == 0) {
        s->done = true;
        return 0;
    }
    if (s->done)
        return 0;
    struct json_tokener *tok = json_tokener_new();
    root = json_tokener_parse_ex(tok, data, (int)len);
    bool complete = json_tokener_get_error(tok) == json_tokener_success;
    json_tokener_free(tok);
    if (root == NULL || !complete ||
        !json_object_is_type(root, json_type_object)) {
        json_object_put(root);
        snprintf(s->error, sizeof(s->error), "stream event is not JSON");
        return HAWK_EPROTO;
    }
    if (json_object_object_get_ex(root, "error", &v)) {
        json_object *m = NULL;
        if (json_object_is_type(v, json_type_object) &&
            json_object_object_get_ex(v, "message", &m))
            snprintf(s->error, sizeof(s->error), "%s",
                     json_object_get_string(m));
        else
            snprintf(s->error, sizeof(s->error), "%s",
                     json_object_get_string(v));
        json_object_put(root);
        return HAWK_EPROTO;
    }
    if (s->id[0] == '\0')
        oai_copy_str(root, "id", s->id, sizeof(s->id));
    if (s->model[0] == '\0')
        oai_copy_str(root, "model", s->model, sizeof(s->model));
    if (json_object_object_get_ex(root, "usage", &v) &&
        json_object_is_type(v, json_type_object)) {
        s->have_usage = true;
        s->prompt_tokens = oai_get_i64(v, "prompt_tokens");
        s->completion_tokens = oai_get_i64(v, "completion_tokens");
        s->total_tokens = oai_get_i64(v, "total_tokens");
    }
    int rc = 0;
    if (json_object_object_get_ex(root, "choices", &v) &&
        json_object_is_type(v, json_type_array) &&
        json_object_array_length(v) > 0)
        rc = oai_sse_choice(s, json_object_array_get_idx(v, 0));
    json_object_put(root);
    return rc;
}

static int oai_sse_line(struct oai_sse *s, const char *line, size_t len)
{
    if (len > 0 && line[len - 1] == '\r')
        len--;
    if (len == 0) {
        if (s->data.len == 0)
            return 0;
        int rc = oai_sse_event(s, oai_buf_str(&s->data), s->data.len);
        s->data.len = 0;
        return rc;
    }
    if (line[0] == ':' || len < 5 || memcmp(line, "data:", 5) != 0)
        return 0; /* comments, event:, id:, retry: */
    const char *v = line + 5;
    size_t vlen = len - 5;
    if (vlen > 0 && *v == ' ') {
        v++;
        vlen--;
    }
    if (s->data.len > 0 && oai_buf_add(&s->data, "\n", 1) < 0)
        return HAWK_ETOOBIG;
    int rc = oai_buf_add(&s->data, v, vlen);
    if (rc < 0)
        snprintf(s->error, sizeof(s->error), "stream event too long");
    return rc;
}

static int oai_sse_write(struct hawk_text_sink *sink, const char *data,
                         size_t len)
{
    struct oai_sse *s = (struct oai_sse *)sink; /* sink is the first member */

    while (len > 0) {
        const char *nl = memchr(data, '\n', len);
        size_t take = nl != NULL ? (size_t)(nl - data) : len;
        int rc = oai_buf_add(&s->line, data, take);
        if (rc < 0) {
            snprintf(s->error, sizeof(s->error), "stream line too long");
            return rc;
        }
        if (nl == NULL)
            return 0;
        rc = oai_sse_line(s, oai_buf_str(&s->line), s->line.len);
        s->line.len = 0;
        if (rc < 0)
            return rc;
        data += take + 1;
        len -= take + 1;
    }
    return 0;
}

/* forward: where content deltas go as they arrive (NULL: accumulate
 * only).  max_content bounds the accumulated reply. */
void oai_sse_init(struct oai_sse *s, struct hawk_text_sink *forward,
                  size_t max_content)
{
    memset(s, 0, sizeof(*s));
    s->sink.opaque = s;
    s->sink.write = oai_sse_write;
    s->forward = forward;
    oai_buf_init(&s->line, OAI_SSE_MAX_LINE);
    oai_buf_init(&s->data, OAI_SSE_MAX_LINE);
    oai_buf_init(&s->content, max_content);
}

/* Forgets a failed attempt's partial state (before a retry). */
void oai_sse_reset(struct oai_sse *s)
{
    s->line.len = 0;
    s->data.len = 0;
    s->content.len = 0;
    if (s->content.data != NULL)
        s->content.data[0] = '\0';
    s->done = false;
    s->have_usage = false;
    s->prompt_tokens = s->completion_tokens = s->total_tokens = 0;
    s->id[0] = s->model[0] = s->finish_reason[0] = '\0';
    s->refusal[0] = s->error[0] = '\0';
}

/* Frees the buffers. */
void oai_sse_free(struct oai_sse *s)
{
    oai_buf_free(&s->line);
    oai_buf_free(&s->data);
    oai_buf_free(&s->content);
}
