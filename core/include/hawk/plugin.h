/*
 * hawk/plugin.h - the whole plugin SDK.
 *
 * A hawk plugin is a shared object that includes only this header (plus its
 * own third-party libraries) and exports exactly one data symbol,
 * `hawk_plugin_v1`, a `struct hawk_plugin` descriptor.  The symbol name
 * carries the ABI major version, so a plugin built for another major fails
 * at dlsym() time with a clear message instead of misbehaving.
 *
 * Rules of the boundary:
 *  - The plugin never resolves a symbol from the host.  Everything it needs
 *    (logging, config values, outbound HTTP, clock, metrics, calling another
 *    plugin kind) comes through the `struct hawk_host_api` table passed to
 *    init().  The table is append-only; test optional entries with
 *    HAWK_API_HAS().
 *
 * The version rules (ABI 1.0 is frozen; see docs/plugins.md):
 *  - Every struct that crosses the boundary starts with `struct_size`, set
 *    by whoever fills the struct to sizeof() of its own build, and only
 *    ever grows at the end.  A new minor appends fields; it never moves,
 *    retypes or removes one.
 *  - Each such struct has a frozen 1.0 size, HAWK_<NAME>_SIZE_1_0: the end
 *    of its last 1.0 field (not sizeof(), which includes tail padding that
 *    a later field may fill).  A reader refuses less than that and reads a
 *    field added after 1.0 only when HAWK_HAS(type, ptr, field) says the
 *    writer's struct has it.  So a 1.0 plugin works with a 1.3 host, and a
 *    1.3 plugin works with a 1.0 host as long as it tests what it uses.
 *  - A struct written by the other side into memory you own (hawk_error,
 *    hawk_llm_result, hawk_llm_usage) follows the same rule in reverse:
 *    write a field added after 1.0 only when HAWK_HAS() says the owner's
 *    struct has room for it.
 *  - Arrays of structs carry their element size next to the pointer
 *    (`header_size`, `message_size`, ...; the descriptor's
 *    `config_key_size`), so elements may grow too.  Step through them with
 *    HAWK_AT(); never index them as C arrays.  Set the size to sizeof() of
 *    the element you built; 0 is refused whenever the count is not 0.
 *  - No field has an enum type (its size is the compiler's choice): kinds,
 *    types and levels are int32_t/uint32_t holding the constants below.
 *  - Sinks and readers (a context pointer and a callback) are frozen as
 *    they are: a minor that needs another callback adds a new sink type.
 *  - A plugin that needs something a minor added sets min_host_minor; the
 *    host refuses to load it on an older minor, naming both versions.
 *  - Inputs are borrowed for the duration of the call.  Results flow out
 *    through host-provided sinks and the host copies them: no heap memory
 *    changes owner across the boundary.
 *  - JSON crosses as text (pointer + length), never as library objects.
 *  - Every operation returns 0 or a negative HAWK_E* code and fills the
 *    caller-owned `struct hawk_error`.
 */
#ifndef HAWK_PLUGIN_H
#define HAWK_PLUGIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------
 * Versions
 * --------------------------------------------------------------------- */

/* Incompatible change: the exported symbol name changes with it. */
#define HAWK_ABI_MAJOR 1
/* Append-only additions to the tables below. */
#define HAWK_ABI_MINOR 1
#define HAWK_PLUGIN_MAGIC 0x4b574148u /* "HAWK" little-endian */
#define HAWK_PLUGIN_SYMBOL "hawk_plugin_v1"

#define HAWK_STR_(x) #x
#define HAWK_STR(x) HAWK_STR_(x)
/* Build signature compared by the host: catches a plugin built for another
 * pointer width or ABI major before any function pointer is touched. */
#define HAWK_BUILD_SIG                                                         \
    "abi=" HAWK_STR(HAWK_ABI_MAJOR) ";ptr=" HAWK_STR(__SIZEOF_POINTER__)

#if defined(__GNUC__)
#define HAWK_EXPORT __attribute__((visibility("default")))
#define HAWK_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define HAWK_EXPORT
#define HAWK_PRINTF(f, a)
#endif

/* The end of `field` in `type`: the smallest struct_size that has it. */
#define HAWK_SIZE_TO(type, field)                                              \
    (offsetof(type, field) + sizeof(((type *)0)->field))

/* True when the struct at ptr (whose struct_size its writer set) is new
 * enough to have `field`.  type is the struct tag without `struct`:
 *   if (HAWK_HAS(hawk_job, job, some_1_1_field)) ... */
#define HAWK_HAS(type, ptr, field)                                             \
    ((ptr)->struct_size >= HAWK_SIZE_TO(struct type, field))

/* Element i of an array whose elements are `stride` bytes apart (the
 * element size the array's writer declared). */
#define HAWK_AT(type, base, stride, i)                                         \
    ((const struct type *)(const void *)((const char *)(base) +                \
                                         (size_t)(i) * (size_t)(stride)))

/* ------------------------------------------------------------------------
 * Status codes: 0 or a negative HAWK_E* value.  One list generates the
 * enum, hawk_err_name() and hawk_strerror().
 * --------------------------------------------------------------------- */
#define HAWK_ERRNO_MAP(X)                                                      \
    X(ENOMEM, -1, "out of memory")                                             \
    X(EINVAL, -2, "invalid argument")                                          \
    X(ENOTFOUND, -3, "not found")                                              \
    X(EEXIST, -4, "already exists")                                            \
    X(ETOOBIG, -5, "too big")                                                  \
    X(ETIMEDOUT, -6, "timed out")                                              \
    X(ECANCELED, -7, "cancelled")                                              \
    X(EUNAVAIL, -8, "service unavailable")                                     \
    X(EAUTH, -9, "authentication failed")                                      \
    X(EPERM, -10, "permission denied")                                         \
    X(ERATELIMIT, -11, "rate limited")                                         \
    X(EIO, -12, "input/output error")                                          \
    X(EPROTO, -13, "protocol error")                                           \
    X(EQUOTA, -14, "quota exceeded")                                           \
    X(EUNSUPPORTED, -15, "not supported")                                      \
    X(ECONFIG, -16, "configuration error")                                     \
    X(EABI, -17, "plugin ABI mismatch")                                        \
    X(EINTERNAL, -18, "internal error")                                        \
    X(ECONFLICT, -19, "conflict")

enum hawk_status {
    HAWK_OK = 0,
#define HAWK_ERR_ENUM_(name, val, msg) HAWK_##name = (val),
    HAWK_ERRNO_MAP(HAWK_ERR_ENUM_)
#undef HAWK_ERR_ENUM_
        HAWK_E_LAST_ = -20
};

/* Returns a static string ("ENOMEM"); never NULL. */
static inline const char *hawk_err_name(int code)
{
    switch (code) {
    case HAWK_OK:
        return "OK";
#define HAWK_ERR_NAME_(name, val, msg)                                         \
    case (val):                                                                \
        return #name;
        HAWK_ERRNO_MAP(HAWK_ERR_NAME_)
#undef HAWK_ERR_NAME_
    default:
        return "EUNKNOWN";
    }
}

/* Returns a static, lower-case description; never NULL. */
static inline const char *hawk_strerror(int code)
{
    switch (code) {
    case HAWK_OK:
        return "success";
#define HAWK_ERR_MSG_(name, val, msg)                                          \
    case (val):                                                                \
        return msg;
        HAWK_ERRNO_MAP(HAWK_ERR_MSG_)
#undef HAWK_ERR_MSG_
    default:
        return "unknown error";
    }
}

/* Filled by the callee on failure; owned by the caller (usually on its
 * stack), who sets struct_size (HAWK_ERROR_INIT does).  `msg` is
 * lower-case, without a trailing period, and never holds a secret. */
struct hawk_error {
    size_t struct_size;
    int code;           /* HAWK_E* */
    bool retryable;     /* true when the same call may succeed later */
    int http_status;    /* upstream HTTP status when there was one, else 0 */
    int retry_after_ms; /* upstream hint, 0 when none */
    char msg[256];
};
#define HAWK_ERROR_SIZE_1_0 HAWK_SIZE_TO(struct hawk_error, msg)
#define HAWK_ERROR_INIT                                                        \
    {                                                                          \
        .struct_size = sizeof(struct hawk_error)                               \
    }

enum hawk_log_level {
    HAWK_LOG_DEBUG = 0,
    HAWK_LOG_INFO = 1,
    HAWK_LOG_WARN = 2,
    HAWK_LOG_ERROR = 3,
    HAWK_LOG_CRIT = 4
};

enum hawk_kind {
    HAWK_KIND_JOBBOARD = 1,
    HAWK_KIND_LLM = 2,
    HAWK_KIND_PAYMENT = 3,
    HAWK_KIND_STORAGE = 4
};

/* ------------------------------------------------------------------------
 * Opaque handles
 * --------------------------------------------------------------------- */
struct hawk_host;     /* owned by the host; one per plugin instance */
struct hawk_instance; /* opaque to the host; defined by each plugin */
struct hawk_call;     /* per call: deadline, cancel flag, ids, clock */
struct hawk_config;   /* read-only view of one plugin's `options` group */
struct hawk_browser;  /* a browser session lent to one call (v1.1) */

/* ------------------------------------------------------------------------
 * Sinks: how results leave a plugin.  The host copies what it is given.
 * --------------------------------------------------------------------- */

/* A byte/text stream sink.  write() may be called many times; return 0 to
 * go on, a negative HAWK_E* to stop (the plugin then returns that code). */
struct hawk_text_sink {
    void *opaque;
    int (*write)(struct hawk_text_sink *s, const char *data, size_t len);
};

/* ------------------------------------------------------------------------
 * Outbound HTTP through the host (libcurl, one connection cache per
 * thread; deadlines, cancellation, TLS policy and secret redaction are
 * enforced by the host).
 * --------------------------------------------------------------------- */
/* An element of a header array: step with HAWK_AT() and the array's
 * header_size. */
struct hawk_http_header {
    const char *name;
    const char *value;
    bool secret; /* redacted in every log line */
};
#define HAWK_HTTP_HEADER_SIZE_1_0 HAWK_SIZE_TO(struct hawk_http_header, secret)

struct hawk_http_req {
    size_t struct_size;
    const char *method; /* "GET", "POST", ... */
    const char *url;
    const struct hawk_http_header *headers;
    size_t n_headers;
    size_t header_size; /* sizeof(struct hawk_http_header) */
    const char *body;   /* may be NULL */
    size_t body_len;
    int timeout_ms;            /* 0: the call's deadline only */
    size_t max_response_bytes; /* 0: host default (16 MiB) */
    /* Optional streaming: when set, body bytes go here as they arrive and
     * resp->body stays empty.  Only for 2xx responses: the body of any
     * other status is collected in resp->body so the error can be read. */
    struct hawk_text_sink *body_sink;
    /* Optional AWS SigV4 signing ("aws:amz:region:service") with
     * user_pwd "KEY:SECRET"; NULL for none. */
    const char *aws_sigv4;
    const char *user_pwd;
};
#define HAWK_HTTP_REQ_SIZE_1_0 HAWK_SIZE_TO(struct hawk_http_req, user_pwd)

/* Filled by http_request() in the caller's struct (which may be left
 * uninitialised: the host writes its 1.0 fields, and fields a later minor
 * appends only when the caller set struct_size to sizeof() before the
 * call).  What it points at stays owned by the host and is released by
 * http_response_free().  Valid until then. */
struct hawk_http_resp {
    size_t struct_size;
    int status;
    const char *body; /* NUL-terminated for convenience */
    size_t body_len;
    const struct hawk_http_header *headers; /* names lower-case */
    size_t n_headers;
    size_t header_size; /* element stride of headers */
    double total_ms;
    void *host_private_;
};
#define HAWK_HTTP_RESP_SIZE_1_0                                                \
    HAWK_SIZE_TO(struct hawk_http_resp, host_private_)

/* ------------------------------------------------------------------------
 * Host API: host -> plugin.  Append only; never reorder.
 * --------------------------------------------------------------------- */
struct hawk_host_api {
    uint32_t abi_major;
    uint32_t abi_minor;
    size_t struct_size;

    /* Logging: one JSON line with plugin, instance and request ids added.
     * Never pass secrets. */
    void (*log)(struct hawk_host *h, int level, const char *fmt, ...)
        HAWK_PRINTF(3, 4);

    /* Memory for the rare case ownership must cross (stated per use). */
    void *(*alloc)(size_t n);
    void (*free)(void *p);

    /* Config getters: the host parsed and type-checked the plugin's
     * options against its declared keys before init().  Returned strings
     * are borrowed and valid until fini().  Return HAWK_ENOTFOUND when
     * the key is unset and has no default. */
    int (*cfg_str)(const struct hawk_config *c, const char *key,
                   const char **out);
    int (*cfg_int)(const struct hawk_config *c, const char *key, int64_t *out);
    int (*cfg_bool)(const struct hawk_config *c, const char *key, bool *out);
    int (*cfg_double)(const struct hawk_config *c, const char *key,
                      double *out);
    /* Lists: number of items, then item i (borrowed). */
    int (*cfg_list_len)(const struct hawk_config *c, const char *key,
                        size_t *out);
    int (*cfg_list_item)(const struct hawk_config *c, const char *key, size_t i,
                         const char **out);

    /* Call context. */
    bool (*call_cancelled)(const struct hawk_call *call);
    /* Milliseconds left before the call's deadline; INT64_MAX if none. */
    int64_t (*call_remaining_ms)(const struct hawk_call *call);
    /* Acting user id, 0 for system calls. */
    int64_t (*call_user_id)(const struct hawk_call *call);
    /* Request/trace id, never NULL. Borrowed for the call. */
    const char *(*call_request_id)(const struct hawk_call *call);

    /* Clock: the host may run a test clock, so plugins use these for
     * timestamps and back-off instead of their own. */
    int64_t (*now_ms)(struct hawk_host *h); /* unix epoch ms */
    /* Sleeps up to ms, waking early on cancel or deadline; returns 0,
     * HAWK_ECANCELED or HAWK_ETIMEDOUT. */
    int (*sleep_ms)(struct hawk_call *call, int64_t ms);
    /* Cryptographically random bytes. */
    int (*random)(void *buf, size_t n);

    /* Outbound HTTP.  On a transport failure returns a negative code and
     * fills err (resp->status 0).  An HTTP error status is NOT an error
     * here: the plugin maps it.  Always call http_response_free(). */
    int (*http_request)(struct hawk_call *call, const struct hawk_http_req *req,
                        struct hawk_http_resp *resp, struct hawk_error *err);
    void (*http_response_free)(struct hawk_http_resp *resp);

    /* Metrics: monotonically increasing counter / gauge set, Prometheus
     * name and optional `k="v",...` label text. */
    void (*metric_add)(struct hawk_host *h, const char *name,
                       const char *labels, double value);

    /* ---- v1.1: the browser service ----
     * Headless Chromium sessions driven by the host over W3C WebDriver.
     * browser_open lends the call's user a session with the named
     * persistent profile ([a-z0-9_-]{1,32}, kept under the data dir so
     * logins survive; NULL: a throw-away profile), waiting for a free slot
     * within the call's deadline.  At most one session per user and
     * profile exists at a time.  Errors: HAWK_EUNSUPPORTED (this call has
     * no browser service), HAWK_EQUOTA (the user's plan allows none),
     * HAWK_EUNAVAIL (no slot in time, or chromedriver/Chromium missing or
     * not starting; err names the Debian package), HAWK_EINVAL.  The
     * session is the plugin's until browser_close(), which must be called
     * on every path, from the thread of the call. */
    int (*browser_open)(struct hawk_call *call, const char *profile,
                        struct hawk_browser **out, struct hawk_error *err);
    /* One WebDriver command relative to the session: method "GET",
     * "POST" or "DELETE", path "/url", "/element", "/element/<ref>/click"
     * ..., body a JSON text or NULL.  value_json (may be NULL) receives
     * the JSON text of the answer's "value".  Errors: HAWK_ENOTFOUND (no
     * such element, stale element), HAWK_ECONFLICT (not interactable,
     * click intercepted), HAWK_EINVAL (invalid argument or selector),
     * HAWK_ETIMEDOUT, HAWK_EUNAVAIL (the browser died: close it),
     * HAWK_ECANCELED, HAWK_EPROTO. */
    int (*browser_cmd)(struct hawk_browser *b, const char *method,
                       const char *path, const char *body,
                       struct hawk_text_sink *value_json,
                       struct hawk_error *err);
    /* Keeps a screenshot and the page's HTML of the session's current
     * page with what the call works on (an application), labelled with
     * reason ("checkpoint", "unknown_field"); downloadable by the user.
     * 0, or HAWK_EUNSUPPORTED when the call keeps no captures. */
    int (*browser_capture)(struct hawk_browser *b, const char *reason,
                           struct hawk_error *err);
    /* Gives the session back: reusable keeps it for the next call of the
     * same user and profile; false ends its processes now.  Accepts
     * NULL. */
    void (*browser_close)(struct hawk_browser *b, bool reusable);

    /* ---- v1.1: the answer service ----
     * Answers one question of an application form for the call's user:
     * profile facts first, then the user's own answers, then the LLM,
     * typed to the field.  type: "text", "textarea", "number",
     * "single_choice", "multiple_choice", "yes_no", "date"; options_json
     * a JSON array of the offered choices (NULL for free answers).
     * answer_json receives {"answer": <string|number|[strings]>,
     * "source": "profile|override|cache|llm"}; a choice answer is one of
     * the options exactly, a number is a JSON number.  Errors:
     * HAWK_EUNSUPPORTED (no answer service for this call), HAWK_EINVAL
     * (err names the problem), HAWK_EQUOTA, HAWK_EUNAVAIL (no LLM, or it
     * gave no answer of the field's type). */
    int (*answer)(struct hawk_call *call, const char *question,
                  const char *type, const char *options_json,
                  struct hawk_text_sink *answer_json, struct hawk_error *err);

    /* v1.2+: new entries go here, never in the middle. */
};
#define HAWK_HOST_API_SIZE_1_0 HAWK_SIZE_TO(struct hawk_host_api, metric_add)

/* True when the host's table is new enough to have `fn` and it is set. */
#define HAWK_API_HAS(api, fn)                                                  \
    (HAWK_HAS(hawk_host_api, api, fn) && (api)->fn != NULL)

/* ------------------------------------------------------------------------
 * Plugin-declared configuration
 * --------------------------------------------------------------------- */
enum hawk_cfg_type {
    HAWK_CFG_STR = 1,
    HAWK_CFG_INT,
    HAWK_CFG_BOOL,
    HAWK_CFG_DOUBLE,
    HAWK_CFG_DURATION, /* "30s", "1500ms", "5m" or int seconds -> ms */
    HAWK_CFG_SIZE,     /* "10MiB", "512k" or int bytes -> bytes */
    HAWK_CFG_SECRET,   /* string, redacted in logs and `plugins list` */
    HAWK_CFG_STR_LIST
};

#define HAWK_CFG_REQUIRED 0x1u

/* An element of the descriptor's config_keys table (stride
 * config_key_size, which HAWK_PLUGIN_HEADER sets). */
struct hawk_cfg_key {
    const char *name;
    uint32_t type;             /* HAWK_CFG_* */
    uint32_t flags;            /* HAWK_CFG_REQUIRED */
    const char *default_value; /* text form; NULL for none */
    const char *help;
    int64_t min, max; /* for INT/DURATION/SIZE; both 0: no range */
};
#define HAWK_CFG_KEY_SIZE_1_0 HAWK_SIZE_TO(struct hawk_cfg_key, max)

/* ------------------------------------------------------------------------
 * Kind: jobboard
 * --------------------------------------------------------------------- */
enum hawk_workplace {
    HAWK_WORKPLACE_ANY = 0,
    HAWK_WORKPLACE_ONSITE = 1,
    HAWK_WORKPLACE_REMOTE = 2,
    HAWK_WORKPLACE_HYBRID = 3
};

struct hawk_job_query {
    size_t struct_size;
    const char *keywords;
    const char *location;
    int distance_miles;      /* 0: board default */
    int posted_within_s;     /* 0: any time */
    uint32_t workplace_mask; /* 1 << HAWK_WORKPLACE_* bits, 0 = any */
    const char *experience;  /* comma list: internship,entry,... */
    const char *job_types;   /* comma list: full-time,contract,... */
    bool easy_apply_only;
    int limit; /* max jobs to emit, 0: board default */
    int offset;
};
#define HAWK_JOB_QUERY_SIZE_1_0 HAWK_SIZE_TO(struct hawk_job_query, offset)

/* A normalized posting.  All strings borrowed for the emit() call. */
struct hawk_job {
    size_t struct_size;
    const char *board;
    const char *external_id;
    const char *title;
    const char *company;
    const char *location;
    int32_t workplace; /* HAWK_WORKPLACE_* */
    const char *salary;
    int applicants;          /* -1 unknown */
    int64_t posted_at;       /* unix seconds, 0 unknown */
    const char *description; /* may be NULL until fetched */
    const char *url;
    bool easy_apply;
};
#define HAWK_JOB_SIZE_1_0 HAWK_SIZE_TO(struct hawk_job, easy_apply)

struct hawk_job_sink {
    void *opaque;
    /* Return 0 to continue, HAWK_ECANCELED to stop early (not an error
     * for the plugin: it stops and returns 0). */
    int (*emit)(struct hawk_job_sink *s, const struct hawk_job *job);
};

/* An application to submit.  Documents are files on local disk. */
struct hawk_apply_req {
    size_t struct_size;
    const char *external_id;
    const char *job_url;
    const char *resume_path;       /* may be NULL */
    const char *cover_letter_path; /* may be NULL */
    const char *cover_letter_text; /* may be NULL */
    const char *answers_json;      /* {"normalized question": "answer"} */
    const char *profile_json;      /* contact fields for forms */
    bool dry_run;                  /* fill but never submit */
};
#define HAWK_APPLY_REQ_SIZE_1_0 HAWK_SIZE_TO(struct hawk_apply_req, dry_run)

struct hawk_jobboard_ops {
    size_t struct_size;
    int (*search)(struct hawk_instance *in, struct hawk_call *call,
                  const struct hawk_job_query *q, struct hawk_job_sink *out,
                  struct hawk_error *err);
    /* Details (with description) of one job; emits exactly one job. */
    int (*fetch)(struct hawk_instance *in, struct hawk_call *call,
                 const char *external_id, struct hawk_job_sink *out,
                 struct hawk_error *err);
    /* Optional.  result_json receives {"status": "...", "questions": [...]}
     * describing what happened. */
    int (*apply)(struct hawk_instance *in, struct hawk_call *call,
                 const struct hawk_apply_req *req,
                 struct hawk_text_sink *result_json, struct hawk_error *err);
};
#define HAWK_JOBBOARD_OPS_SIZE_1_0 HAWK_SIZE_TO(struct hawk_jobboard_ops, apply)

/* ------------------------------------------------------------------------
 * Kind: llm
 * --------------------------------------------------------------------- */
/* An element of hawk_llm_req.messages: step with HAWK_AT() and
 * message_size. */
struct hawk_llm_message {
    const char *role; /* "system", "user", "assistant" */
    const char *content;
};
#define HAWK_LLM_MESSAGE_SIZE_1_0 HAWK_SIZE_TO(struct hawk_llm_message, content)

struct hawk_llm_req {
    size_t struct_size;
    const char *model; /* NULL: the instance's default model */
    const struct hawk_llm_message *messages;
    size_t n_messages;
    size_t message_size; /* sizeof(struct hawk_llm_message) */
    double temperature;  /* < 0: server default */
    int max_tokens;      /* 0: server default */
    /* Structured output: a JSON schema (text) the reply must satisfy, or
     * NULL for free text.  With a schema, the content written to the sink
     * is a JSON document valid for it, or the call fails. */
    const char *json_schema;
    const char *schema_name; /* e.g. "job_match" */
    int timeout_ms;          /* per HTTP attempt; 0: instance default */
};
#define HAWK_LLM_REQ_SIZE_1_0 HAWK_SIZE_TO(struct hawk_llm_req, timeout_ms)

/* Tokens and cost of one chat() (also when it failed after being billed).
 * Its own struct with its own size so new counters can be appended
 * without moving anything in hawk_llm_result. */
struct hawk_llm_usage {
    size_t struct_size;
    int64_t prompt_tokens;
    int64_t completion_tokens;
    int64_t total_tokens;
    double cost_usd; /* from the instance's price table; 0 if unknown */
};
#define HAWK_LLM_USAGE_SIZE_1_0 HAWK_SIZE_TO(struct hawk_llm_usage, cost_usd)

/* Filled by chat(); owned by the caller, who also owns *usage (never
 * NULL when the host calls). */
struct hawk_llm_result {
    size_t struct_size;
    struct hawk_llm_usage *usage;
    char model[128];
    char finish_reason[32];
    char response_id[128];
    int attempts; /* HTTP attempts made, >= 1 */
};
#define HAWK_LLM_RESULT_SIZE_1_0 HAWK_SIZE_TO(struct hawk_llm_result, attempts)

struct hawk_llm_ops {
    size_t struct_size;
    /* The reply's content goes to `content` (possibly in pieces). */
    int (*chat)(struct hawk_instance *in, struct hawk_call *call,
                const struct hawk_llm_req *req, struct hawk_text_sink *content,
                struct hawk_llm_result *result, struct hawk_error *err);
};
#define HAWK_LLM_OPS_SIZE_1_0 HAWK_SIZE_TO(struct hawk_llm_ops, chat)

/* ------------------------------------------------------------------------
 * Kind: payment
 * --------------------------------------------------------------------- */
struct hawk_checkout_req {
    size_t struct_size;
    const char *customer_id; /* NULL: use customer_email */
    const char *customer_email;
    const char *price_id;
    const char *success_url;
    const char *cancel_url;
    const char *client_reference_id;
    int trial_days;
    const char *idempotency_key;
};
#define HAWK_CHECKOUT_REQ_SIZE_1_0                                             \
    HAWK_SIZE_TO(struct hawk_checkout_req, idempotency_key)

struct hawk_payment_ops {
    size_t struct_size;
    /* out_json: {"id": "cus_..."} */
    int (*create_customer)(struct hawk_instance *in, struct hawk_call *call,
                           const char *email, const char *user_ref,
                           struct hawk_text_sink *out_json,
                           struct hawk_error *err);
    /* out_json: {"id": "cs_...", "url": "..."} */
    int (*checkout_session)(struct hawk_instance *in, struct hawk_call *call,
                            const struct hawk_checkout_req *req,
                            struct hawk_text_sink *out_json,
                            struct hawk_error *err);
    /* out_json: {"id": "bps_...", "url": "..."} */
    int (*portal_session)(struct hawk_instance *in, struct hawk_call *call,
                          const char *customer_id, const char *return_url,
                          struct hawk_text_sink *out_json,
                          struct hawk_error *err);
    /* out_json: {"data": [...], "has_more": bool} */
    int (*list_invoices)(struct hawk_instance *in, struct hawk_call *call,
                         const char *customer_id, int limit,
                         const char *starting_after,
                         struct hawk_text_sink *out_json,
                         struct hawk_error *err);
    /* Verifies the signature header over the exact raw body at time
     * now_s; on success writes the normalized event JSON
     * {"id","type","created","object":{...}} to event_json. */
    int (*verify_webhook)(struct hawk_instance *in, struct hawk_call *call,
                          const char *body, size_t body_len,
                          const char *signature_header, int64_t now_s,
                          struct hawk_text_sink *event_json,
                          struct hawk_error *err);

    /* Optional from here on (test with struct_size and NULL).  Each
     * writes the provider-neutral object to out_json:
     * customer {"id","email","user_ref",...}; subscription {"id",
     * "customer","status","price","created","current_period_start",
     * "current_period_end","cancel_at_period_end","trial_end",...}. */

    /* The customer with that email whose metadata names user_ref (any
     * when NULL); HAWK_ENOTFOUND when there is none. */
    int (*find_customer)(struct hawk_instance *in, struct hawk_call *call,
                         const char *email, const char *user_ref,
                         struct hawk_text_sink *out_json,
                         struct hawk_error *err);
    /* The subscription as the provider holds it now. */
    int (*get_subscription)(struct hawk_instance *in, struct hawk_call *call,
                            const char *subscription_id,
                            struct hawk_text_sink *out_json,
                            struct hawk_error *err);
    /* at_period_end true: ends when the paid period ends; false: undoes
     * that (resume).  idempotency_key may be NULL. */
    int (*cancel_subscription)(struct hawk_instance *in, struct hawk_call *call,
                               const char *subscription_id, bool at_period_end,
                               const char *idempotency_key,
                               struct hawk_text_sink *out_json,
                               struct hawk_error *err);
    /* Ends the subscription at once (an account being deleted). */
    int (*cancel_now)(struct hawk_instance *in, struct hawk_call *call,
                      const char *subscription_id,
                      struct hawk_text_sink *out_json, struct hawk_error *err);
    /* Moves the subscription to price_id; proration "create_prorations",
     * "none", "always_invoice", or NULL for the instance's default. */
    int (*change_price)(struct hawk_instance *in, struct hawk_call *call,
                        const char *subscription_id, const char *price_id,
                        const char *proration, const char *idempotency_key,
                        struct hawk_text_sink *out_json,
                        struct hawk_error *err);
};
#define HAWK_PAYMENT_OPS_SIZE_1_0                                              \
    HAWK_SIZE_TO(struct hawk_payment_ops, verify_webhook)

/* ------------------------------------------------------------------------
 * Kind: storage
 * --------------------------------------------------------------------- */
/* An element of a metadata array: step with HAWK_AT() and its kv_size /
 * metadata_size. */
struct hawk_kv {
    const char *key;
    const char *value;
};
#define HAWK_KV_SIZE_1_0 HAWK_SIZE_TO(struct hawk_kv, value)

/* Pull source for uploads: read() fills up to cap bytes, sets *got (0 at
 * end) and returns 0 or a negative HAWK_E*. */
struct hawk_reader {
    void *opaque;
    int (*read)(struct hawk_reader *r, char *buf, size_t cap, size_t *got);
};

struct hawk_object_info {
    size_t struct_size;
    const char *key;
    int64_t size;
    int64_t modified_at; /* unix seconds */
    const char *etag;
    const struct hawk_kv *metadata;
    size_t n_metadata;
    size_t metadata_size; /* sizeof(struct hawk_kv) */
};
#define HAWK_OBJECT_INFO_SIZE_1_0                                              \
    HAWK_SIZE_TO(struct hawk_object_info, metadata_size)

struct hawk_object_sink {
    void *opaque;
    int (*emit)(struct hawk_object_sink *s, const struct hawk_object_info *o);
};

struct hawk_storage_ops {
    size_t struct_size;
    int (*put)(struct hawk_instance *in, struct hawk_call *call,
               const char *key, struct hawk_reader *body, int64_t size,
               const struct hawk_kv *metadata, size_t n_metadata,
               size_t kv_size, struct hawk_error *err);
    int (*get)(struct hawk_instance *in, struct hawk_call *call,
               const char *key, struct hawk_text_sink *body,
               struct hawk_error *err);
    int (*list)(struct hawk_instance *in, struct hawk_call *call,
                const char *prefix, struct hawk_object_sink *out,
                struct hawk_error *err);
    int (*del)(struct hawk_instance *in, struct hawk_call *call,
               const char *key, struct hawk_error *err);
    int (*head)(struct hawk_instance *in, struct hawk_call *call,
                const char *key, struct hawk_object_sink *out,
                struct hawk_error *err);
};
#define HAWK_STORAGE_OPS_SIZE_1_0 HAWK_SIZE_TO(struct hawk_storage_ops, head)

/* ------------------------------------------------------------------------
 * The descriptor
 * --------------------------------------------------------------------- */
#define HAWK_PLUGIN_THREADSAFE 0x1u /* ops may run concurrently */

struct hawk_plugin {
    uint32_t magic;          /* HAWK_PLUGIN_MAGIC */
    uint32_t abi_major;      /* HAWK_ABI_MAJOR */
    uint32_t min_host_minor; /* host's HAWK_ABI_MINOR must be >= this */
    size_t struct_size;      /* sizeof(struct hawk_plugin) */
    const char *build_sig;   /* HAWK_BUILD_SIG */

    const char *name;    /* [a-z0-9_-]{1,32} */
    const char *version; /* plugin's own version, e.g. "1.0.0" */
    const char *description;
    uint32_t kind;                          /* HAWK_KIND_* */
    uint32_t flags;                         /* HAWK_PLUGIN_* */
    const struct hawk_cfg_key *config_keys; /* {NULL}-terminated; may be NULL */
    size_t config_key_size;                 /* sizeof(struct hawk_cfg_key) */

    /* Allocates the instance; validates config semantics; no network.
     * `api`, `host` and `cfg` stay valid until fini(). */
    int (*init)(const struct hawk_host_api *api, struct hawk_host *host,
                const struct hawk_config *cfg, struct hawk_instance **out,
                struct hawk_error *err);
    /* Optional: after every instance is up; may use the network. */
    int (*start)(struct hawk_instance *in, struct hawk_error *err);
    /* Optional: cheap liveness probe; detail_json gets a JSON object. */
    int (*health)(struct hawk_instance *in, struct hawk_call *call,
                  struct hawk_text_sink *detail_json, struct hawk_error *err);
    /* Optional: no new calls will come; in-flight ones see cancel. */
    void (*stop)(struct hawk_instance *in);
    /* Frees the instance.  Called once, in reverse load order. */
    void (*fini)(struct hawk_instance *in);

    const void *ops; /* struct hawk_<kind>_ops, chosen by `kind` */
};
#define HAWK_PLUGIN_SIZE_1_0 HAWK_SIZE_TO(struct hawk_plugin, ops)

/* Define the descriptor in a plugin with:
 *   HAWK_PLUGIN_DEFINE = { .magic = HAWK_PLUGIN_MAGIC, ... };  */
#define HAWK_PLUGIN_DEFINE HAWK_EXPORT const struct hawk_plugin hawk_plugin_v1

/* Fills the standard header fields of a descriptor. */
#define HAWK_PLUGIN_HEADER                                                     \
    .magic = HAWK_PLUGIN_MAGIC, .abi_major = HAWK_ABI_MAJOR,                   \
    .min_host_minor = 0, .struct_size = sizeof(struct hawk_plugin),            \
    .build_sig = HAWK_BUILD_SIG,                                               \
    .config_key_size = sizeof(struct hawk_cfg_key)

/* Convenience for plugins: fill an error (its 1.0 fields only, which
 * every host's hawk_error has). */
#define HAWK_ERR_SET(err, c, retry, status, ...)                               \
    do {                                                                       \
        if ((err) != NULL) {                                                   \
            (err)->code = (c);                                                 \
            (err)->retryable = (retry);                                        \
            (err)->http_status = (status);                                     \
            (err)->retry_after_ms = 0;                                         \
            snprintf((err)->msg, sizeof((err)->msg), __VA_ARGS__);             \
        }                                                                      \
    } while (0)

#ifdef __cplusplus
}
#endif
#endif /* HAWK_PLUGIN_H */
