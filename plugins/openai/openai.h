/*
 * plugins/openai/openai.h - internals of the OpenAI-compatible LLM
 * provider shared by the plugin's files.  Nothing here is exported: the
 * version script keeps every symbol but hawk_plugin_v1 local.
 */
#ifndef OAI_OPENAI_H
#define OAI_OPENAI_H

#include <json-c/json.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hawk/plugin.h"

/* How a JSON schema is enforced (option structured_output). */
enum oai_mode {
    OAI_MODE_JSON_SCHEMA = 1, /* response_format json_schema, strict */
    OAI_MODE_JSON_OBJECT, /* response_format json_object + schema in prompt */
    OAI_MODE_PROMPT       /* schema in the prompt only */
};

struct oai_price {
    char *model;
    double input_per_1m;  /* USD per 1M prompt tokens */
    double output_per_1m; /* USD per 1M completion tokens */
};

/* A parsed and checked JSON schema, with the texts every request needs. */
struct oai_schema {
    char *text;        /* as the host sent it (the cache key) */
    json_object *doc;  /* read-only once built */
    char *compact;     /* compact JSON text for response_format */
    char *instruction; /* the schema-in-the-prompt instruction */
    bool strict;       /* meets strict mode's rules */
    bool temporary;    /* not cached: freed by oai_schema_release */
};

#define OAI_SCHEMA_CACHE 16

/* Read-only after init() (but for the schema cache, which has its own
 * lock), so ops may run concurrently on one instance. */
struct hawk_instance {
    const struct hawk_host_api *api;
    struct hawk_host *host;
    char *chat_url;
    char *models_url;
    char *api_key; /* secret: never logged */
    char *model;
    int64_t timeout_ms;
    int64_t retry_base_ms;
    int64_t retry_cap_ms;
    int max_retries;
    enum oai_mode mode;
    const char *max_tokens_field; /* static string */
    bool stream;
    bool health_models;
    struct oai_price *prices;
    size_t n_prices;
    /* Prebuilt request headers: Authorization (secret), Content-Type,
     * Accept, organization, project, extras.  Strings owned here. */
    struct hawk_http_header *headers;
    size_t n_headers;
    pthread_mutex_t schema_lock;
    struct oai_schema *schemas[OAI_SCHEMA_CACHE];
    size_t n_schemas;
};

/* ---- util.c ---- */
/* Abort on OOM, like the host: plugin allocations are small and bounded. */
void *oai_xmalloc(size_t n);
void *oai_xcalloc(size_t n, size_t size);
void *oai_xrealloc(void *p, size_t n);
char *oai_xstrdup(const char *s);
char *oai_xstrndup(const char *s, size_t n);
char *oai_xasprintf(const char *fmt, ...) HAWK_PRINTF(1, 2);

/* Growable text buffer with a hard cap (ETOOBIG past it). */
struct oai_buf {
    char *data;
    size_t len;
    size_t cap;
    size_t max;
};
void oai_buf_init(struct oai_buf *b, size_t max);
void oai_buf_free(struct oai_buf *b);
int oai_buf_add(struct oai_buf *b, const char *s, size_t n);
const char *oai_buf_str(const struct oai_buf *b);

/* Copies src into dst (size dst_size) replacing anything that looks like
 * an API key or contains a fragment of `key` with "[redacted]". */
void oai_redact(const char *src, const char *key, char *dst, size_t dst_size);

/* Cost in USD of the usage for `model` from the price table: exact model
 * name first, then the longest configured name that prefixes it followed
 * by a dated suffix ("gpt-4o-mini" prices "gpt-4o-mini-2024-07-18").
 * Returns false (and *out 0) when the model has no price. */
bool oai_cost(const struct hawk_instance *in, const char *model,
              int64_t prompt_tokens, int64_t completion_tokens, double *out);

/* Parses "model:input:output" into p (strings owned by p).  0 or EINVAL. */
int oai_price_parse(const char *s, struct oai_price *p);

/* ---- schema.c ---- */
/* Validates `doc` against `schema` (the subset hawk uses: type,
 * properties, required, additionalProperties, items, enum, minimum,
 * maximum, minItems, maxItems, minLength, maxLength).  Returns 0 or
 * HAWK_EINVAL with a message naming the JSON path in why. */
int oai_schema_validate(json_object *schema, json_object *doc, char *why,
                        size_t why_size);
/* True when the schema meets OpenAI's strict mode rules (every object
 * lists all its properties as required and sets additionalProperties
 * false), so it can be sent with "strict": true. */
bool oai_schema_strict_ok(json_object *schema);
/* Checks that the schema itself only uses the supported subset. */
int oai_schema_check(json_object *schema, char *why, size_t why_size);

/* ---- transport.c ---- */
struct oai_sse;

/* One request with the retry policy (see transport.c). */
struct oai_send {
    const char *method;
    const char *url;
    const char *body;
    size_t body_len;
    int timeout_ms;
    /* Streaming: the parser gets 2xx bodies and is reset before every
     * retry; once it forwarded bytes to the caller nothing is retried. */
    struct oai_sse *sse;
    /* Called on every 2xx reply: 0 accepts it; a negative code with
     * err->retryable set makes it a failed attempt that is retried like
     * a 5xx (truncated or unreadable replies). */
    int (*check)(void *opaque, const struct hawk_http_resp *resp,
                 struct hawk_error *err);
    void *opaque;
};
/* On success resp holds the accepted reply (caller frees with
 * api->http_response_free); *attempts is incremented per HTTP attempt.
 * Returns 0 or the last attempt's code with err filled. */
int oai_transport(struct hawk_instance *in, struct hawk_call *call,
                  const struct oai_send *s, struct hawk_http_resp *resp,
                  int *attempts, struct hawk_error *err);

/* Maps an HTTP error response to a code and message (redacted). */
int oai_http_error(const struct hawk_instance *in,
                   const struct hawk_http_resp *resp, struct hawk_error *err);

/* Milliseconds to wait before attempt n+1 (n >= 0 failed attempts so
 * far) given the response headers (may be NULL): retry-after-ms, then
 * retry-after (seconds or HTTP date against now_ms), else exponential
 * back-off with up to 25% jitter from `rnd` in [0,1). */
int64_t oai_backoff_ms(const struct hawk_instance *in, int n,
                       const struct hawk_http_resp *resp, int64_t now_ms,
                       double rnd);

/* Response header lookup (names are lower-case); NULL when absent. */
const char *oai_header(const struct hawk_http_resp *resp, const char *name);

/* ---- sse.c ---- */
/* Parser for a streamed chat completion (text/event-stream). */
struct oai_sse {
    struct hawk_text_sink sink;     /* give &sse->sink to the host */
    struct oai_buf line;            /* the incomplete line so far */
    struct oai_buf data;            /* data lines of the current event */
    struct oai_buf content;         /* concatenated delta.content */
    struct hawk_text_sink *forward; /* NULL: only accumulate */
    bool started;                   /* bytes were forwarded */
    bool done;                      /* [DONE] seen */
    bool have_usage;
    int64_t prompt_tokens, completion_tokens, total_tokens;
    char id[128];
    char model[128];
    char finish_reason[32];
    char refusal[200];
    char error[256]; /* an error event in the stream */
};
void oai_sse_init(struct oai_sse *s, struct hawk_text_sink *forward,
                  size_t max_content);
void oai_sse_reset(struct oai_sse *s);
void oai_sse_free(struct oai_sse *s);

/* ---- body.c ---- */
/* The request body (caller frees; *len its length): messages with the
 * schema instruction merged in when the schema does not go into
 * response_format, the correction exchange when bad_reply is set. */
char *oai_request_body(const struct hawk_instance *in,
                       const struct hawk_llm_req *req,
                       const struct oai_schema *schema, const char *bad_reply,
                       const char *why, size_t *len);
/* The parsed schema for text from the instance's cache (parsed, checked
 * and cached on first use).  0 or HAWK_EINVAL with err.  Give it back
 * with oai_schema_release(). */
int oai_schema_get(struct hawk_instance *in, const char *text,
                   struct oai_schema **out, struct hawk_error *err);
void oai_schema_release(struct oai_schema *s);
/* Frees every cached schema (fini). */
void oai_schema_cache_free(struct hawk_instance *in);

/* ---- chat.c ---- */
int oai_chat(struct hawk_instance *in, struct hawk_call *call,
             const struct hawk_llm_req *req, struct hawk_text_sink *content,
             struct hawk_llm_result *result, struct hawk_error *err);

#endif
