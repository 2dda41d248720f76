/*
 * auth/jwt.c - HS256 JSON Web Tokens (RFC 7519) for access tokens.
 *
 * Only what hawk issues is accepted: header alg exactly "HS256", typ
 * absent or "JWT", no "crit"; claims sub (user id, string or integer),
 * adm (bool), iat, exp (integers), jti (string).  The signature is
 * compared as canonical base64url text in constant time, so a token whose
 * last character differs only in padding bits is rejected too.
 */
#include <json-c/json.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <string.h>

#include "auth/auth.h"
#include "hawk/plugin.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/str.h"

#define JWT_MAX_LEN 4096
#define SIG_LEN 32
#define SIG_B64_LEN 43 /* base64url of 32 bytes, unpadded */

static const char jwt_header_b64[] =
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"; /* {"alg":"HS256","typ":"JWT"} */

static int hmac_b64(const unsigned char *key, size_t key_len, const char *data,
                    size_t len, char out[SIG_B64_LEN + 1])
{
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mac_len = 0;

    if (key_len > (size_t)2147483647)
        return HAWK_EINVAL;
    if (HMAC(EVP_sha256(), key, (int)key_len, (const unsigned char *)data, len,
             mac, &mac_len) == NULL ||
        mac_len != SIG_LEN)
        return HAWK_EINTERNAL;
    hk_b64url_encode(mac, SIG_LEN, out);
    return 0;
}

/*
 * Signs `c` as an HS256 JWT with header {"alg":"HS256","typ":"JWT"}.
 * `key` (key_len > 0) and `c` are borrowed; *token: caller frees with
 * hk_free.  Returns 0, HAWK_EINVAL (empty key, sub <= 0, jti not a short
 * printable token) or HAWK_EINTERNAL (OpenSSL failure).
 */
int hk_jwt_sign(const unsigned char *key, size_t key_len,
                const struct hk_jwt_claims *c, char **token)
{
    struct hk_buf payload, out;
    char sig[SIG_B64_LEN + 1];
    int rc;

    *token = NULL;
    if (key == NULL || key_len == 0 || c->sub <= 0)
        return HAWK_EINVAL;
    for (const char *p = c->jti; *p; p++) {
        if (*p == '"' || *p == '\\' || (unsigned char)*p < 0x20)
            return HAWK_EINVAL;
    }

    hk_buf_init(&payload, 1024);
    rc = hk_buf_printf(&payload,
                       "{\"sub\":\"%lld\",\"adm\":%s,\"iat\":%lld,"
                       "\"exp\":%lld,\"jti\":\"%s\"}",
                       (long long)c->sub, c->admin ? "true" : "false",
                       (long long)c->iat, (long long)c->exp, c->jti);
    if (rc < 0) {
        hk_buf_release(&payload);
        return rc;
    }

    hk_buf_init(&out, JWT_MAX_LEN);
    rc = hk_buf_puts(&out, jwt_header_b64);
    if (rc == 0)
        rc = hk_buf_putc(&out, '.');
    if (rc == 0) {
        char b64[4 * ((1024 + 2) / 3) + 1];
        size_t n = hk_b64url_encode((const unsigned char *)payload.data,
                                    payload.len, b64);
        rc = hk_buf_append(&out, b64, n);
    }
    if (rc == 0)
        rc = hmac_b64(key, key_len, out.data, out.len, sig);
    if (rc == 0)
        rc = hk_buf_putc(&out, '.');
    if (rc == 0)
        rc = hk_buf_append(&out, sig, SIG_B64_LEN);
    hk_buf_release(&payload);
    if (rc < 0) {
        hk_buf_release(&out);
        return rc;
    }
    *token = hk_buf_steal(&out, NULL);
    return 0;
}

/* Decodes one base64url segment and parses it as a JSON object.
 * Caller json_object_put()s *out. */
static int decode_json_segment(const char *seg, size_t len, json_object **out)
{
    unsigned char raw[JWT_MAX_LEN];
    json_tokener *tok;
    json_object *obj;

    *out = NULL;
    if (len == 0 || len > JWT_MAX_LEN)
        return HAWK_EINVAL;
    long n = hk_b64url_decode(seg, len, raw);
    if (n <= 0)
        return HAWK_EINVAL;
    if (!hk_utf8_valid((const char *)raw, (size_t)n))
        return HAWK_EINVAL;

    tok = json_tokener_new_ex(8);
    if (tok == NULL)
        return HAWK_ENOMEM;
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
    obj = json_tokener_parse_ex(tok, (const char *)raw, (int)n);
    enum json_tokener_error jerr = json_tokener_get_error(tok);
    size_t used = json_tokener_get_parse_end(tok);
    json_tokener_free(tok);
    if (obj == NULL || jerr != json_tokener_success || used != (size_t)n ||
        !json_object_is_type(obj, json_type_object)) {
        json_object_put(obj);
        return HAWK_EINVAL;
    }
    *out = obj;
    return 0;
}

static int check_header(json_object *h, const char **reason)
{
    json_object *alg = NULL, *typ = NULL;

    if (!json_object_object_get_ex(h, "alg", &alg) ||
        !json_object_is_type(alg, json_type_string) ||
        strcmp(json_object_get_string(alg), "HS256") != 0) {
        *reason = "unsupported alg";
        return HAWK_EAUTH;
    }
    if (json_object_object_get_ex(h, "typ", &typ) &&
        (!json_object_is_type(typ, json_type_string) ||
         !hk_str_ieq(json_object_get_string(typ), "JWT"))) {
        *reason = "malformed";
        return HAWK_EAUTH;
    }
    /* RFC 7515 4.1.11: extensions we do not understand must be refused. */
    if (json_object_object_get_ex(h, "crit", NULL)) {
        *reason = "malformed";
        return HAWK_EAUTH;
    }
    return 0;
}

static int claim_int(json_object *p, const char *name, bool required,
                     int64_t *out)
{
    json_object *v = NULL;
    if (!json_object_object_get_ex(p, name, &v))
        return required ? HAWK_EINVAL : 0;
    if (!json_object_is_type(v, json_type_int))
        return HAWK_EINVAL;
    *out = json_object_get_int64(v);
    return 0;
}

static int check_claims(json_object *p, int64_t now_s, struct hk_jwt_claims *c,
                        const char **reason)
{
    json_object *v = NULL;

    memset(c, 0, sizeof *c);
    *reason = "malformed";
    if (!json_object_object_get_ex(p, "sub", &v))
        return HAWK_EAUTH;
    if (json_object_is_type(v, json_type_string)) {
        if (hk_parse_i64(json_object_get_string(v), 1, INT64_MAX, &c->sub) < 0)
            return HAWK_EAUTH;
    } else if (json_object_is_type(v, json_type_int)) {
        c->sub = json_object_get_int64(v);
        if (c->sub <= 0)
            return HAWK_EAUTH;
    } else {
        return HAWK_EAUTH;
    }
    if (json_object_object_get_ex(p, "adm", &v)) {
        if (!json_object_is_type(v, json_type_boolean))
            return HAWK_EAUTH;
        c->admin = json_object_get_boolean(v);
    }
    if (claim_int(p, "iat", false, &c->iat) < 0 ||
        claim_int(p, "exp", true, &c->exp) < 0)
        return HAWK_EAUTH;
    if (json_object_object_get_ex(p, "jti", &v)) {
        if (!json_object_is_type(v, json_type_string) ||
            (size_t)json_object_get_string_len(v) >= sizeof c->jti)
            return HAWK_EAUTH;
        hk_strlcpy(c->jti, json_object_get_string(v), sizeof c->jti);
    }
    if (c->exp <= now_s) {
        *reason = "expired";
        return HAWK_EAUTH;
    }
    *reason = NULL;
    return 0;
}

/*
 * Verifies an HS256 JWT.  All pointers are borrowed; `c` is filled on
 * success (and zeroed on failure).  Checks, in order: size (<= 4096
 * bytes), three segments, header JSON with alg "HS256", the signature in
 * constant time, then the claims and exp > now_s.  Returns 0, or
 * HAWK_EAUTH with *reason one of "malformed", "unsupported alg", "bad
 * signature", "expired" (static strings).
 */
int hk_jwt_verify(const unsigned char *key, size_t key_len, const char *token,
                  int64_t now_s, struct hk_jwt_claims *c, const char **reason)
{
    json_object *header = NULL, *payload = NULL;
    char expect[SIG_B64_LEN + 1];
    int rc;

    memset(c, 0, sizeof *c);
    *reason = "malformed";
    if (key == NULL || key_len == 0 || token == NULL)
        return HAWK_EAUTH;
    size_t len = strnlen(token, JWT_MAX_LEN + 1);
    if (len == 0 || len > JWT_MAX_LEN)
        return HAWK_EAUTH;

    const char *dot1 = memchr(token, '.', len);
    if (dot1 == NULL)
        return HAWK_EAUTH;
    const char *dot2 = memchr(dot1 + 1, '.', len - (size_t)(dot1 + 1 - token));
    if (dot2 == NULL ||
        memchr(dot2 + 1, '.', len - (size_t)(dot2 + 1 - token)) != NULL)
        return HAWK_EAUTH;
    size_t signed_len = (size_t)(dot2 - token);
    const char *sig = dot2 + 1;
    size_t sig_len = len - signed_len - 1;

    rc = decode_json_segment(token, (size_t)(dot1 - token), &header);
    if (rc < 0)
        return HAWK_EAUTH;
    rc = check_header(header, reason);
    json_object_put(header);
    if (rc < 0)
        return rc;

    *reason = "bad signature";
    if (hmac_b64(key, key_len, token, signed_len, expect) < 0)
        return HAWK_EAUTH;
    if (sig_len != SIG_B64_LEN || !hk_ct_equal(expect, sig, SIG_B64_LEN))
        return HAWK_EAUTH;

    *reason = "malformed";
    rc = decode_json_segment(dot1 + 1, (size_t)(dot2 - dot1 - 1), &payload);
    if (rc < 0)
        return HAWK_EAUTH;
    rc = check_claims(payload, now_s, c, reason);
    json_object_put(payload);
    if (rc < 0) {
        const char *keep = *reason;
        memset(c, 0, sizeof *c);
        *reason = keep;
    }
    return rc;
}
