/*
 * browser/wd.c - the W3C WebDriver wire format over the host's libcurl
 * client: JSON requests to chromedriver on 127.0.0.1, answers of the form
 * {"value": ...}, errors {"value": {"error": "<code>", "message": ...}}
 * mapped to HAWK_E* codes with the driver's message kept (its stack trace
 * dropped).
 */
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "browser/browser_int.h"
#include "log/log.h"
#include "plugin/http_client.h"
#include "plugin/plugins.h"
#include "util/alloc.h"
#include "util/str.h"

/* W3C error codes (WebDriver §6.6) and what they mean to a caller. */
struct wd_code {
    const char *name;
    int code;
    bool session_gone; /* the session cannot be used any more */
};

static const struct wd_code wd_codes[] = {
    {"no such element", HAWK_ENOTFOUND, false},
    {"no such frame", HAWK_ENOTFOUND, false},
    {"no such alert", HAWK_ENOTFOUND, false},
    {"no such cookie", HAWK_ENOTFOUND, false},
    {"no such shadow root", HAWK_ENOTFOUND, false},
    {"stale element reference", HAWK_ENOTFOUND, false},
    {"detached shadow root", HAWK_ENOTFOUND, false},
    {"element not interactable", HAWK_ECONFLICT, false},
    {"element click intercepted", HAWK_ECONFLICT, false},
    {"invalid element state", HAWK_ECONFLICT, false},
    {"unexpected alert open", HAWK_ECONFLICT, false},
    {"move target out of bounds", HAWK_ECONFLICT, false},
    {"invalid argument", HAWK_EINVAL, false},
    {"invalid selector", HAWK_EINVAL, false},
    {"invalid cookie domain", HAWK_EINVAL, false},
    {"unable to set cookie", HAWK_EINVAL, false},
    {"javascript error", HAWK_EINVAL, false},
    {"unknown command", HAWK_EUNSUPPORTED, false},
    {"unknown method", HAWK_EUNSUPPORTED, false},
    {"unsupported operation", HAWK_EUNSUPPORTED, false},
    {"timeout", HAWK_ETIMEDOUT, false},
    {"script timeout", HAWK_ETIMEDOUT, false},
    {"insecure certificate", HAWK_EPROTO, false},
    {"unable to capture screen", HAWK_EIO, false},
    {"invalid session id", HAWK_EUNAVAIL, true},
    {"session not created", HAWK_EUNAVAIL, true},
    {"no such window", HAWK_EUNAVAIL, true},
    {NULL, 0, false}};

/* Messages of "unknown error" that mean the browser is gone. */
static const char *const gone_marks[] = {
    "chrome not reachable", "disconnected", "session deleted",
    "target crashed",       "tab crashed",  NULL};

static bool message_says_gone(const char *msg)
{
    for (size_t i = 0; gone_marks[i] != NULL; i++)
        if (strstr(msg, gone_marks[i]) != NULL)
            return true;
    return false;
}

/* First line of a driver message, printable ASCII, at most 200 bytes. */
static void clean_message(const char *in, char *out, size_t outlen)
{
    size_t j = 0;
    for (const char *c = in;
         *c != '\0' && *c != '\n' && j + 1 < outlen && j < 200; c++)
        out[j++] = (*c >= 32 && *c < 127) ? *c : ' ';
    out[j] = '\0';
}

/* Maps a WebDriver error object; *gone tells whether the session died. */
static int map_error(json_object *value, int status, const char *what,
                     bool *gone, struct hk_err *err)
{
    json_object *e = NULL, *m = NULL;
    const char *name = "unknown error";
    char msg[220] = "";
    if (json_object_is_type(value, json_type_object)) {
        if (json_object_object_get_ex(value, "error", &e) &&
            json_object_is_type(e, json_type_string))
            name = json_object_get_string(e);
        if (json_object_object_get_ex(value, "message", &m) &&
            json_object_is_type(m, json_type_string))
            clean_message(json_object_get_string(m), msg, sizeof(msg));
    }
    int code = HAWK_EPROTO;
    *gone = false;
    for (size_t i = 0; wd_codes[i].name != NULL; i++) {
        if (strcmp(wd_codes[i].name, name) == 0) {
            code = wd_codes[i].code;
            *gone = wd_codes[i].session_gone;
            break;
        }
    }
    if (strcmp(name, "unknown error") == 0 && message_says_gone(msg)) {
        code = HAWK_EUNAVAIL;
        *gone = true;
    }
    return hk_err_set(err, code, *gone ? "browser_unavailable" : NULL, NULL,
                      "webdriver %s: %.40s (http %d): %s", what, name, status,
                      msg[0] != '\0' ? msg : "no message");
}

/* See browser_int.h. */
int hk_wd_request(struct hk_browser *b, const char *base, const char *method,
                  const char *path, const char *body, struct hk_buf *value_json,
                  int64_t timeout_ms, const atomic_bool *cancel,
                  struct hk_err *err)
{
    char url[512];
    char what[96];
    struct hawk_http_header hdrs[] = {
        {"Content-Type", "application/json; charset=utf-8", false},
        {"Accept", "application/json", false}};
    bool has_body = strcmp(method, "POST") == 0;
    int rc;

    if ((size_t)snprintf(url, sizeof(url), "%s%s", base, path) >= sizeof(url))
        return hk_err_set(err, HAWK_EINVAL, NULL, NULL,
                          "webdriver path too long");
    /* For messages: the command without ids ("POST /element/.../click"
     * would be long and says nothing to a user). */
    const char *tail = strrchr(path, '/');
    snprintf(what, sizeof(what), "%s %.60s", method,
             tail != NULL && tail[1] != '\0' ? tail : path);

    struct hawk_http_req req = {
        .struct_size = sizeof(req),
        .method = method,
        .url = url,
        .headers = hdrs,
        .n_headers = has_body ? 2 : 1,
        .header_size = sizeof(struct hawk_http_header),
        .body = has_body ? (body != NULL ? body : "{}") : NULL,
        .body_len = has_body ? strlen(body != NULL ? body : "{}") : 0,
        .timeout_ms = 0,
        .max_response_bytes = b->max_response_bytes,
    };
    if (!has_body)
        req.headers = &hdrs[1];
    struct hawk_call call;
    hk_call_init(&call, 0, NULL,
                 timeout_ms > 0 ? timeout_ms : b->command_timeout_ms, cancel);
    struct hawk_http_resp resp;
    struct hawk_error herr;
    rc = hk_http_client_request(&call, &req, &resp, &herr);
    if (rc < 0) {
        int code = rc;
        /* chromedriver not answering at all: the session is gone. */
        if (rc == HAWK_EUNAVAIL || rc == HAWK_EIO)
            code = HAWK_EUNAVAIL;
        hk_http_client_response_free(&resp);
        return hk_err_set(err, code,
                          code == HAWK_EUNAVAIL ? "browser_unavailable" : NULL,
                          NULL, "webdriver %s: %s", what, herr.msg);
    }

    json_tokener *tok = json_tokener_new_ex(128);
    json_object *doc =
        json_tokener_parse_ex(tok, resp.body, (int)resp.body_len);
    bool ok_json = json_tokener_get_error(tok) == json_tokener_success;
    json_tokener_free(tok);
    json_object *value = NULL;
    if (!ok_json || !json_object_is_type(doc, json_type_object) ||
        !json_object_object_get_ex(doc, "value", &value)) {
        int status = resp.status;
        json_object_put(doc);
        hk_http_client_response_free(&resp);
        return hk_err_set(err, HAWK_EPROTO, NULL, NULL,
                          "webdriver %s: http %d without a WebDriver answer",
                          what, status);
    }
    if (resp.status < 200 || resp.status >= 300) {
        bool gone = false;
        rc = map_error(value, resp.status, what, &gone, err);
        json_object_put(doc);
        hk_http_client_response_free(&resp);
        return rc;
    }
    rc = 0;
    if (value_json != NULL) {
        hk_buf_reset(value_json);
        /* Compact JSON; base64 strings (screenshots, PDFs) need no
         * escaping, so they come out as "<base64>". */
        const char *text = json_object_to_json_string_ext(
            value, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
        rc = hk_buf_puts(value_json, text != NULL ? text : "null");
        if (rc < 0)
            rc = hk_err_set(err, HAWK_ETOOBIG, NULL, NULL,
                            "webdriver %s: the answer is too big", what);
    }
    json_object_put(doc);
    hk_http_client_response_free(&resp);
    return rc;
}
