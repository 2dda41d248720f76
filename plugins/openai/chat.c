/*
 * plugins/openai/chat.c - the llm kind's chat(): builds the Chat
 * Completions request, sends it through the transport (retries), reads
 * the reply (plain or streamed), enforces a JSON schema when one is
 * asked for, and reports usage and cost.
 *
 * Structured output: in json_schema mode the schema goes in
 * response_format (strict); in json_object and prompt modes it goes into
 * the system prompt.  In every mode the reply is parsed and validated
 * here, because not every server enforces the schema; an invalid reply
 * is sent back once with the validator's complaint, and a second invalid
 * reply fails the call.  The sink only ever sees a valid document.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "openai.h"

#define OAI_MAX_MESSAGES 256
#define OAI_MAX_CONTENT ((size_t)4 << 20)
#define OAI_MAX_RESPONSE ((size_t)8 << 20)

/* What one accepted reply said. */
struct oai_reply {
    const struct hawk_instance *in;
    struct oai_sse *sse; /* set when streaming */
    char *content;       /* owned; NULL when the reply had none */
    char refusal[200];
    char finish_reason[32];
    char id[128];
    char model[128];
    int64_t prompt_tokens, completion_tokens, total_tokens;
};

static void oai_reply_clear(struct oai_reply *r)
{
    free(r->content);
    r->content = NULL;
    r->refusal[0] = r->finish_reason[0] = r->id[0] = r->model[0] = '\0';
    r->prompt_tokens = r->completion_tokens = r->total_tokens = 0;
}

static void oai_str_member(json_object *o, const char *key, char *dst, size_t n)
{
    json_object *v = NULL;
    if (json_object_object_get_ex(o, key, &v) &&
        json_object_is_type(v, json_type_string))
        snprintf(dst, n, "%s", json_object_get_string(v));
}

static int64_t oai_i64_member(json_object *o, const char *key)
{
    json_object *v = NULL;
    if (json_object_object_get_ex(o, key, &v) &&
        json_object_is_type(v, json_type_int))
        return json_object_get_int64(v);
    return 0;
}

static int oai_unreadable(struct hawk_error *err, const char *what)
{
    HAWK_ERR_SET(err, HAWK_EPROTO, true, 200,
                 "llm server sent an unreadable reply: %s", what);
    return HAWK_EPROTO;
}

/* transport check for a plain reply: parse it into the oai_reply. */
static int oai_check_plain(void *opaque, const struct hawk_http_resp *resp,
                           struct hawk_error *err)
{
    struct oai_reply *r = opaque;
    json_object *root = NULL, *choices = NULL, *msg = NULL, *v = NULL;

    oai_reply_clear(r);
    struct json_tokener *tok = json_tokener_new();
    root = json_tokener_parse_ex(tok, resp->body, (int)resp->body_len);
    bool complete = json_tokener_get_error(tok) == json_tokener_success;
    json_tokener_free(tok);
    if (root == NULL || !complete ||
        !json_object_is_type(root, json_type_object)) {
        json_object_put(root);
        return oai_unreadable(err, "the body is not a JSON object");
    }
    if (!json_object_object_get_ex(root, "choices", &choices) ||
        !json_object_is_type(choices, json_type_array) ||
        json_object_array_length(choices) == 0) {
        json_object_put(root);
        return oai_unreadable(err, "no choices");
    }
    json_object *c0 = json_object_array_get_idx(choices, 0);
    if (!json_object_is_type(c0, json_type_object) ||
        !json_object_object_get_ex(c0, "message", &msg) ||
        !json_object_is_type(msg, json_type_object)) {
        json_object_put(root);
        return oai_unreadable(err, "choices[0] has no message");
    }
    if (json_object_object_get_ex(msg, "content", &v) &&
        json_object_is_type(v, json_type_string))
        r->content = oai_xstrndup(json_object_get_string(v),
                                  (size_t)json_object_get_string_len(v));
    oai_str_member(msg, "refusal", r->refusal, sizeof(r->refusal));
    oai_str_member(c0, "finish_reason", r->finish_reason,
                   sizeof(r->finish_reason));
    oai_str_member(root, "id", r->id, sizeof(r->id));
    oai_str_member(root, "model", r->model, sizeof(r->model));
    if (json_object_object_get_ex(root, "usage", &v) &&
        json_object_is_type(v, json_type_object)) {
        r->prompt_tokens = oai_i64_member(v, "prompt_tokens");
        r->completion_tokens = oai_i64_member(v, "completion_tokens");
        r->total_tokens = oai_i64_member(v, "total_tokens");
    }
    json_object_put(root);
    return 0;
}

/* transport check for a streamed reply: the stream must have ended with
 * [DONE]; otherwise the connection broke mid-reply. */
static int oai_check_stream(void *opaque, const struct hawk_http_resp *resp,
                            struct hawk_error *err)
{
    struct oai_reply *r = opaque;
    struct oai_sse *s = r->sse;

    (void)resp;
    oai_reply_clear(r);
    if (!s->done)
        return oai_unreadable(err, "the stream ended before [DONE]");
    if (s->content.len > 0 || s->refusal[0] == '\0')
        r->content = oai_xstrndup(oai_buf_str(&s->content), s->content.len);
    snprintf(r->refusal, sizeof(r->refusal), "%s", s->refusal);
    snprintf(r->finish_reason, sizeof(r->finish_reason), "%s",
             s->finish_reason);
    snprintf(r->id, sizeof(r->id), "%s", s->id);
    snprintf(r->model, sizeof(r->model), "%s", s->model);
    r->prompt_tokens = s->prompt_tokens;
    r->completion_tokens = s->completion_tokens;
    r->total_tokens = s->total_tokens;
    return 0;
}

/* ---- request ---------------------------------------------------------- */

static bool oai_role_ok(const char *r)
{
    return r != NULL &&
           (strcmp(r, "system") == 0 || strcmp(r, "user") == 0 ||
            strcmp(r, "assistant") == 0 || strcmp(r, "developer") == 0);
}

static bool oai_name_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 64)
        return false;
    for (; *s != '\0'; s++) {
        char c = *s;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '_' || c == '-'))
            return false;
    }
    return true;
}

static int oai_check_req(const struct hawk_llm_req *req, struct hawk_error *err)
{
    if (req == NULL || req->struct_size < HAWK_LLM_REQ_SIZE_1_0) {
        HAWK_ERR_SET(err, HAWK_EINVAL, false, 0, "invalid llm request");
        return HAWK_EINVAL;
    }
    if (req->n_messages > 0 && req->message_size < HAWK_LLM_MESSAGE_SIZE_1_0) {
        HAWK_ERR_SET(err, HAWK_EINVAL, false, 0,
                     "invalid llm request: message_size is %zu; set it to "
                     "sizeof(struct hawk_llm_message)",
                     req->message_size);
        return HAWK_EINVAL;
    }
    if (req->n_messages == 0 || req->messages == NULL ||
        req->n_messages > OAI_MAX_MESSAGES) {
        HAWK_ERR_SET(err, HAWK_EINVAL, false, 0,
                     "llm request needs 1 to %d messages", OAI_MAX_MESSAGES);
        return HAWK_EINVAL;
    }
    for (size_t i = 0; i < req->n_messages; i++) {
        const struct hawk_llm_message *m =
            HAWK_AT(hawk_llm_message, req->messages, req->message_size, i);
        if (!oai_role_ok(m->role)) {
            HAWK_ERR_SET(err, HAWK_EINVAL, false, 0,
                         "message %zu has an invalid role: use system, user "
                         "or assistant",
                         i);
            return HAWK_EINVAL;
        }
        if (m->content == NULL || strlen(m->content) > OAI_MAX_CONTENT) {
            HAWK_ERR_SET(err, HAWK_EINVAL, false, 0,
                         "message %zu has no content or is too long", i);
            return HAWK_EINVAL;
        }
    }
    if (req->schema_name != NULL && !oai_name_ok(req->schema_name)) {
        HAWK_ERR_SET(err, HAWK_EINVAL, false, 0,
                     "schema name must be 1-64 letters, digits, _ or -");
        return HAWK_EINVAL;
    }
    if (req->temperature > 2.0) {
        HAWK_ERR_SET(err, HAWK_EINVAL, false, 0,
                     "temperature must be between 0 and 2");
        return HAWK_EINVAL;
    }
    if (req->max_tokens < 0 || req->timeout_ms < 0) {
        HAWK_ERR_SET(err, HAWK_EINVAL, false, 0,
                     "max_tokens and timeout must not be negative");
        return HAWK_EINVAL;
    }
    return 0;
}

/* ---- reply checks ----------------------------------------------------- */

/* Models often wrap JSON in ```json fences despite instructions. */
static const char *oai_strip_fences(const char *s, size_t *len)
{
    const char *start = s;
    const char *end = s + strlen(s);

    while (start < end && (*start == ' ' || *start == '\n' || *start == '\r' ||
                           *start == '\t'))
        start++;
    while (end > start && (end[-1] == ' ' || end[-1] == '\n' ||
                           end[-1] == '\r' || end[-1] == '\t'))
        end--;
    if (end - start >= 6 && strncmp(start, "```", 3) == 0 &&
        strncmp(end - 3, "```", 3) == 0) {
        const char *nl = memchr(start, '\n', (size_t)(end - start));
        if (nl != NULL && nl < end - 3) {
            start = nl + 1;
            end -= 3;
        }
    }
    *len = (size_t)(end - start);
    return start;
}

/* Parses and validates a structured reply.  Returns 0 with the JSON
 * text's span in the content (*text, *len), or HAWK_EPROTO with the
 * reason in why. */
static int oai_structured(json_object *schema, const char *content,
                          const char **text, size_t *len, char *why,
                          size_t why_size)
{
    *text = oai_strip_fences(content, len);
    struct json_tokener *tok = json_tokener_new();
    json_object *doc = json_tokener_parse_ex(tok, *text, (int)*len);
    bool complete = json_tokener_get_error(tok) == json_tokener_success &&
                    json_tokener_get_parse_end(tok) == *len;
    json_tokener_free(tok);
    int rc = 0;
    if (doc == NULL || !complete) {
        snprintf(why, why_size, "the reply is not a JSON document");
        rc = HAWK_EPROTO;
    } else if (oai_schema_validate(schema, doc, why, why_size) < 0) {
        rc = HAWK_EPROTO;
    }
    json_object_put(doc);
    return rc;
}

static int oai_reply_status(const struct hawk_instance *in,
                            const struct oai_reply *r, struct hawk_error *err)
{
    char safe[200];

    if (r->refusal[0] != '\0') {
        oai_redact(r->refusal, in->api_key, safe, sizeof(safe));
        HAWK_ERR_SET(err, HAWK_EPROTO, false, 200, "the model refused: %s",
                     safe);
        return HAWK_EPROTO;
    }
    if (strcmp(r->finish_reason, "length") == 0) {
        HAWK_ERR_SET(err, HAWK_EPROTO, false, 200,
                     "the reply was cut off at the token limit; raise "
                     "max_tokens or shorten the prompt");
        return HAWK_EPROTO;
    }
    if (strcmp(r->finish_reason, "content_filter") == 0) {
        HAWK_ERR_SET(err, HAWK_EPERM, false, 200,
                     "the reply was blocked by the server's content filter");
        return HAWK_EPERM;
    }
    if (r->content == NULL) {
        HAWK_ERR_SET(err, HAWK_EPROTO, false, 200,
                     "the reply has no content (finish_reason '%s')",
                     r->finish_reason);
        return HAWK_EPROTO;
    }
    return 0;
}

static void oai_add_usage(const struct hawk_instance *in,
                          const struct hawk_llm_req *req,
                          const struct oai_reply *r,
                          struct hawk_llm_result *res)
{
    double cost = 0;
    const char *model = r->model[0] ? r->model : NULL;

    if (!oai_cost(in, model, r->prompt_tokens, r->completion_tokens, &cost))
        oai_cost(in, req->model != NULL ? req->model : in->model,
                 r->prompt_tokens, r->completion_tokens, &cost);
    res->usage->prompt_tokens += r->prompt_tokens;
    res->usage->completion_tokens += r->completion_tokens;
    res->usage->total_tokens += r->total_tokens > 0
                                    ? r->total_tokens
                                    : r->prompt_tokens + r->completion_tokens;
    res->usage->cost_usd += cost;
    snprintf(res->model, sizeof(res->model), "%s",
             r->model[0] ? r->model : (req->model ? req->model : in->model));
    snprintf(res->finish_reason, sizeof(res->finish_reason), "%s",
             r->finish_reason);
    snprintf(res->response_id, sizeof(res->response_id), "%s", r->id);
}

static int oai_emit(struct hawk_text_sink *sink, const char *text, size_t len,
                    struct hawk_error *err)
{
    int rc = sink->write(sink, text, len);
    if (rc < 0)
        HAWK_ERR_SET(err, rc, false, 0, "the reply could not be stored: %s",
                     hawk_strerror(rc));
    return rc;
}

/* A streamed reply that failed mid-way: name the stream's own error. */
static void oai_stream_error(const struct hawk_instance *in,
                             const struct oai_sse *s, struct hawk_error *err)
{
    char safe[200];
    if (s->error[0] == '\0')
        return;
    oai_redact(s->error, in->api_key, safe, sizeof(safe));
    HAWK_ERR_SET(err, HAWK_EPROTO, false, 200, "llm stream failed: %s", safe);
}

/* One round trip: body -> accepted reply in r. */
static int oai_round(struct hawk_instance *in, struct hawk_call *call,
                     const struct hawk_llm_req *req,
                     const struct oai_schema *schema, const char *bad,
                     const char *why, struct oai_reply *r,
                     struct hawk_llm_result *res, struct hawk_error *err)
{
    struct hawk_http_resp resp;
    struct oai_send s;
    size_t body_len = 0;
    char *body = oai_request_body(in, req, schema, bad, why, &body_len);

    memset(&s, 0, sizeof(s));
    s.method = "POST";
    s.url = in->chat_url;
    s.body = body;
    s.body_len = body_len;
    s.timeout_ms =
        (int)(req->timeout_ms > 0 ? req->timeout_ms : in->timeout_ms);
    s.sse = r->sse;
    s.check = r->sse != NULL ? oai_check_stream : oai_check_plain;
    s.opaque = r;
    memset(&resp, 0, sizeof(resp));
    int rc = oai_transport(in, call, &s, &resp, &res->attempts, err);
    free(body);
    if (rc < 0) {
        if (r->sse != NULL && rc == HAWK_EPROTO)
            oai_stream_error(in, r->sse, err);
        return rc;
    }
    in->api->http_response_free(&resp);
    oai_add_usage(in, req, r, res);
    return oai_reply_status(in, r, err);
}

/* See openai.h and struct hawk_llm_ops.chat. */
int oai_chat(struct hawk_instance *in, struct hawk_call *call,
             const struct hawk_llm_req *req, struct hawk_text_sink *content,
             struct hawk_llm_result *result, struct hawk_error *err)
{
    struct oai_schema *schema = NULL;
    struct oai_reply r;
    struct oai_sse sse;
    char why[200] = "";
    char *bad = NULL;
    int rc;

    /* result, its usage and err belong to the host and may be smaller
     * than this build's structs: only their 1.0 fields are written. */
    if (result == NULL || result->struct_size < HAWK_LLM_RESULT_SIZE_1_0 ||
        result->usage == NULL ||
        result->usage->struct_size < HAWK_LLM_USAGE_SIZE_1_0 ||
        content == NULL || content->write == NULL) {
        HAWK_ERR_SET(err, HAWK_EINVAL, false, 0, "invalid llm call");
        return HAWK_EINVAL;
    }
    result->usage->prompt_tokens = 0;
    result->usage->completion_tokens = 0;
    result->usage->total_tokens = 0;
    result->usage->cost_usd = 0;
    result->model[0] = '\0';
    result->finish_reason[0] = '\0';
    result->response_id[0] = '\0';
    result->attempts = 0;
    rc = oai_check_req(req, err);
    if (rc == 0 && req->json_schema != NULL)
        rc = oai_schema_get(in, req->json_schema, &schema, err);
    if (rc < 0)
        return rc;

    memset(&r, 0, sizeof(r));
    r.in = in;
    if (in->stream) {
        oai_sse_init(&sse, schema == NULL ? content : NULL, OAI_MAX_RESPONSE);
        r.sse = &sse;
    }
    for (int round = 0; round < 2; round++) {
        rc = oai_round(in, call, req, schema, bad, why, &r, result, err);
        if (rc < 0)
            break;
        if (schema == NULL) {
            if (r.sse == NULL)
                rc = oai_emit(content, r.content, strlen(r.content), err);
            break;
        }
        const char *text = NULL;
        size_t len = 0;
        if (oai_structured(schema->doc, r.content, &text, &len, why,
                           sizeof(why)) == 0) {
            rc = oai_emit(content, text, len, err);
            break;
        }
        in->api->log(in->host, HAWK_LOG_WARN, "llm reply rejected (%s)%s", why,
                     round == 0 ? ", asking again" : "");
        free(bad);
        bad = r.content;
        r.content = NULL;
        rc = HAWK_EPROTO;
        HAWK_ERR_SET(err, HAWK_EPROTO, false, 200,
                     "the llm reply does not match the schema after 2 "
                     "tries: %.160s",
                     why);
    }
    free(bad);
    oai_reply_clear(&r);
    if (r.sse != NULL)
        oai_sse_free(&sse);
    oai_schema_release(schema);
    return rc;
}
