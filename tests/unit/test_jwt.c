/*
 * tests/unit/test_jwt.c - HS256 access tokens and the bearer check.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <string.h>

#include "auth/auth.h"
#include "config/settings.h"
#include "hawk/plugin.h"
#include "util/alloc.h"
#include "util/str.h"
#include "util/time.h"

static const unsigned char key[] = "0123456789abcdef0123456789abcdef";
#define KEYLEN (sizeof key - 1)
#define NOW ((int64_t)1700000000)

static void b64(const char *s, size_t n, char *out)
{
    hk_b64url_encode((const unsigned char *)s, n, out);
}

/* Builds header.payload.signature from raw JSON texts, signed with k. */
static char *craft(const char *header, const char *payload,
                   const unsigned char *k, size_t klen)
{
    size_t hl = strlen(header), pl = strlen(payload);
    char *h64 = hk_malloc(hl * 2 + 4), *p64 = hk_malloc(pl * 2 + 4);
    b64(header, hl, h64);
    b64(payload, pl, p64);
    char *signing = hk_asprintf("%s.%s", h64, p64);
    unsigned char mac[32];
    unsigned int maclen = 0;
    HMAC(EVP_sha256(), k, (int)klen, (const unsigned char *)signing,
         strlen(signing), mac, &maclen);
    char sig[64];
    hk_b64url_encode(mac, sizeof mac, sig);
    char *tok = hk_asprintf("%s.%s", signing, sig);
    hk_free(h64);
    hk_free(p64);
    hk_free(signing);
    return tok;
}

static const char *verify_reason(const char *tok)
{
    struct hk_jwt_claims c;
    const char *reason = NULL;
    int rc = hk_jwt_verify(key, KEYLEN, tok, NOW, &c, &reason);
    if (rc == 0)
        return "ok";
    assert_int_equal(rc, HAWK_EAUTH);
    assert_non_null(reason);
    /* Nothing of a refused token leaks into the claims. */
    assert_int_equal(c.sub, 0);
    assert_false(c.admin);
    return reason;
}

static const char hdr_ok[] = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";
static const char pl_ok[] =
    "{\"sub\":\"42\",\"adm\":true,\"iat\":1700000000,\"exp\":1700000060,"
    "\"jti\":\"abc\"}";

static void test_round_trip(void **state)
{
    (void)state;
    struct hk_jwt_claims in = {0}, out;
    const char *reason = "x";
    char *tok = NULL;

    in.sub = 42;
    in.admin = true;
    in.iat = NOW;
    in.exp = NOW + 900;
    hk_strlcpy(in.jti, "0123456789abcdef0123456789abcdef", sizeof in.jti);
    assert_int_equal(hk_jwt_sign(key, KEYLEN, &in, &tok), 0);
    assert_int_equal(hk_jwt_verify(key, KEYLEN, tok, NOW, &out, &reason), 0);
    assert_null(reason);
    assert_int_equal(out.sub, 42);
    assert_true(out.admin);
    assert_int_equal(out.iat, NOW);
    assert_int_equal(out.exp, NOW + 900);
    assert_string_equal(out.jti, in.jti);

    /* The header is exactly {"alg":"HS256","typ":"JWT"}. */
    const char *dot = strchr(tok, '.');
    assert_non_null(dot);
    unsigned char raw[128];
    long n = hk_b64url_decode(tok, (size_t)(dot - tok), raw);
    assert_int_equal(n, (long)strlen(hdr_ok));
    assert_memory_equal(raw, hdr_ok, strlen(hdr_ok));
    hk_free(tok);

    in.admin = false;
    assert_int_equal(hk_jwt_sign(key, KEYLEN, &in, &tok), 0);
    assert_int_equal(hk_jwt_verify(key, KEYLEN, tok, NOW, &out, &reason), 0);
    assert_false(out.admin);
    hk_free(tok);
}

static void test_sign_rejects_bad_input(void **state)
{
    (void)state;
    struct hk_jwt_claims c = {0};
    char *tok = (char *)"sentinel";
    c.sub = 1;
    c.exp = NOW + 1;
    assert_int_equal(hk_jwt_sign(key, 0, &c, &tok), HAWK_EINVAL);
    assert_null(tok);
    c.sub = 0;
    assert_int_equal(hk_jwt_sign(key, KEYLEN, &c, &tok), HAWK_EINVAL);
    c.sub = 1;
    hk_strlcpy(c.jti, "a\"b", sizeof c.jti);
    assert_int_equal(hk_jwt_sign(key, KEYLEN, &c, &tok), HAWK_EINVAL);
    assert_null(tok);
}

static void test_crafted_ok(void **state)
{
    (void)state;
    char *t = craft(hdr_ok, pl_ok, key, KEYLEN);
    assert_string_equal(verify_reason(t), "ok");
    hk_free(t);
    /* sub as a JSON integer, typ absent, typ in another case. */
    t = craft("{\"alg\":\"HS256\"}", "{\"sub\":7,\"exp\":1700000001}", key,
              KEYLEN);
    struct hk_jwt_claims c;
    const char *reason;
    assert_int_equal(hk_jwt_verify(key, KEYLEN, t, NOW, &c, &reason), 0);
    assert_int_equal(c.sub, 7);
    assert_false(c.admin);
    hk_free(t);
    t = craft("{\"typ\":\"jwt\",\"alg\":\"HS256\"}", pl_ok, key, KEYLEN);
    assert_string_equal(verify_reason(t), "ok");
    hk_free(t);
}

static void test_expired(void **state)
{
    (void)state;
    /* exp == now is already expired; exp == now + 1 is not. */
    char *t = craft(hdr_ok, "{\"sub\":\"1\",\"exp\":1700000000}", key, KEYLEN);
    assert_string_equal(verify_reason(t), "expired");
    hk_free(t);
    t = craft(hdr_ok, "{\"sub\":\"1\",\"exp\":1699999000}", key, KEYLEN);
    assert_string_equal(verify_reason(t), "expired");
    hk_free(t);
    t = craft(hdr_ok, "{\"sub\":\"1\",\"exp\":1700000001}", key, KEYLEN);
    assert_string_equal(verify_reason(t), "ok");
    hk_free(t);
}

static void test_tampered_payload(void **state)
{
    (void)state;
    char *good = craft(hdr_ok, pl_ok, key, KEYLEN);
    /* Same header and signature, payload claiming another user. */
    char *evil = craft(hdr_ok,
                       "{\"sub\":\"1\",\"adm\":true,\"iat\":1700000000,"
                       "\"exp\":1700000060,\"jti\":\"abc\"}",
                       key, KEYLEN);
    char *gsig = strrchr(good, '.');
    char *esig = strrchr(evil, '.');
    memcpy(esig, gsig, strlen(gsig) + 1);
    assert_string_equal(verify_reason(evil), "bad signature");
    hk_free(good);
    hk_free(evil);
}

static void test_tampered_signature(void **state)
{
    (void)state;
    char *t = craft(hdr_ok, pl_ok, key, KEYLEN);
    size_t n = strlen(t);
    char *sig = strrchr(t, '.') + 1;

    sig[0] = sig[0] == 'A' ? 'B' : 'A';
    assert_string_equal(verify_reason(t), "bad signature");
    hk_free(t);

    /* The last character of a 32-byte signature carries 2 unused bits: a
     * non-canonical variant must not verify. */
    t = craft(hdr_ok, pl_ok, key, KEYLEN);
    n = strlen(t);
    static const char alpha[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    int idx = (int)(strchr(alpha, t[n - 1]) - alpha);
    t[n - 1] = alpha[idx ^ 1];
    assert_string_equal(verify_reason(t), "bad signature");
    t[n - 1] = '\0'; /* truncated signature */
    assert_string_equal(verify_reason(t), "bad signature");
    hk_free(t);

    /* Empty signature, and a token signed with another key. */
    t = craft(hdr_ok, pl_ok, key, KEYLEN);
    *(strrchr(t, '.') + 1) = '\0';
    assert_string_equal(verify_reason(t), "bad signature");
    hk_free(t);
    t = craft(hdr_ok, pl_ok, (const unsigned char *)"another-key", 11);
    assert_string_equal(verify_reason(t), "bad signature");
    hk_free(t);
}

static void test_alg_none_and_others(void **state)
{
    (void)state;
    char h[64], p[256], *t;

    /* The classic alg=none token: no signature at all. */
    b64("{\"alg\":\"none\",\"typ\":\"JWT\"}", 26, h);
    b64(pl_ok, strlen(pl_ok), p);
    t = hk_asprintf("%s.%s.", h, p);
    assert_string_equal(verify_reason(t), "unsupported alg");
    hk_free(t);

    /* Even correctly HMAC'd, anything but HS256 is refused. */
    static const char *const headers[] = {
        "{\"alg\":\"none\"}",    "{\"alg\":\"HS512\",\"typ\":\"JWT\"}",
        "{\"alg\":\"hs256\"}",   "{\"alg\":\"RS256\"}",
        "{\"typ\":\"JWT\"}",     "{\"alg\":null}",
        "{\"alg\":[\"HS256\"]}", "{\"alg\":\"HS256 \"}"};
    for (size_t i = 0; i < sizeof headers / sizeof headers[0]; i++) {
        t = craft(headers[i], pl_ok, key, KEYLEN);
        assert_string_equal(verify_reason(t), "unsupported alg");
        hk_free(t);
    }
}

static void test_header_typ_and_crit(void **state)
{
    (void)state;
    char *t = craft("{\"alg\":\"HS256\",\"typ\":\"JOSE\"}", pl_ok, key, KEYLEN);
    assert_string_equal(verify_reason(t), "malformed");
    hk_free(t);
    t = craft("{\"alg\":\"HS256\",\"typ\":1}", pl_ok, key, KEYLEN);
    assert_string_equal(verify_reason(t), "malformed");
    hk_free(t);
    t = craft("{\"alg\":\"HS256\",\"crit\":[\"exp\"]}", pl_ok, key, KEYLEN);
    assert_string_equal(verify_reason(t), "malformed");
    hk_free(t);
}

static void test_malformed_segments(void **state)
{
    (void)state;
    static const char *const bad[] = {"",
                                      "abc",
                                      "a.b",
                                      "a.b.c.d",
                                      "..",
                                      "...",
                                      "!!!.e30.sig",
                                      "eyJhbGciOiJIUzI1NiJ9",
                                      "eyJhbGciOiJIUzI1NiJ9.",
                                      "eyJhbGciOiJIUzI1NiJ9..",
                                      ".eyJzdWIiOiIxIn0.x"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *r = verify_reason(bad[i]);
        assert_string_not_equal(r, "ok");
    }
    /* Four segments, even with a valid prefix. */
    char *t = craft(hdr_ok, pl_ok, key, KEYLEN);
    char *four = hk_asprintf("%s.x", t);
    assert_string_equal(verify_reason(four), "malformed");
    hk_free(four);
    hk_free(t);
    /* Header that is not JSON / not an object / has trailing garbage. */
    static const char *const headers[] = {"not json", "[1,2]", "\"HS256\"",
                                          "{\"alg\":\"HS256\"} x",
                                          "{\"alg\":\"HS256\",}"};
    for (size_t i = 0; i < sizeof headers / sizeof headers[0]; i++) {
        t = craft(headers[i], pl_ok, key, KEYLEN);
        assert_string_equal(verify_reason(t), "malformed");
        hk_free(t);
    }
}

static void test_bad_claims(void **state)
{
    (void)state;
    static const char *const payloads[] = {
        "[]",
        "{\"exp\":1700000060}", /* no sub */
        "{\"sub\":\"42\"}",     /* no exp */
        "{\"sub\":\"abc\",\"exp\":1700000060}",
        "{\"sub\":\"-1\",\"exp\":1700000060}",
        "{\"sub\":0,\"exp\":1700000060}",
        "{\"sub\":\"42 \",\"exp\":1700000060}",
        "{\"sub\":true,\"exp\":1700000060}",
        "{\"sub\":\"42\",\"exp\":\"1700000060\"}",
        "{\"sub\":\"42\",\"exp\":1700000060.5}",
        "{\"sub\":\"42\",\"exp\":1700000060,\"adm\":\"true\"}",
        "{\"sub\":\"42\",\"exp\":1700000060,\"adm\":1}",
        "{\"sub\":\"42\",\"exp\":1700000060,\"iat\":\"x\"}",
        "{\"sub\":\"42\",\"exp\":1700000060,\"jti\":5}",
        "{\"sub\":\"42\",\"exp\":1700000060,"
        "\"jti\":\"0123456789abcdef0123456789abcdefX\"}",
    };
    for (size_t i = 0; i < sizeof payloads / sizeof payloads[0]; i++) {
        char *t = craft(hdr_ok, payloads[i], key, KEYLEN);
        assert_string_equal(verify_reason(t), "malformed");
        hk_free(t);
    }
}

static void test_oversize(void **state)
{
    (void)state;
    char pad[4200];
    /* A validly signed token just under the limit passes ... */
    memset(pad, 'x', sizeof pad);
    pad[2900] = '\0';
    char *pl =
        hk_asprintf("{\"sub\":\"1\",\"exp\":1700000060,\"pad\":\"%s\"}", pad);
    char *t = craft(hdr_ok, pl, key, KEYLEN);
    assert_true(strlen(t) <= 4096);
    assert_string_equal(verify_reason(t), "ok");
    hk_free(t);
    hk_free(pl);
    /* ... and one over 4096 bytes is refused before any parsing. */
    memset(pad, 'x', sizeof pad);
    pad[3200] = '\0';
    pl = hk_asprintf("{\"sub\":\"1\",\"exp\":1700000060,\"pad\":\"%s\"}", pad);
    t = craft(hdr_ok, pl, key, KEYLEN);
    assert_true(strlen(t) > 4096);
    assert_string_equal(verify_reason(t), "malformed");
    hk_free(t);
    hk_free(pl);
}

/* An accounts module holding key k (NULL: none), with cheap argon2
 * parameters (its dummy hash is made at once). */
static struct hk_auth *auth_with_key(const unsigned char *k, size_t n)
{
    const struct hk_cfg_auth cfg = {
        .access_ttl_ms = 900000,
        .refresh_ttl_ms = 3600000,
        .argon2_t_cost = 1,
        .argon2_m_cost = 8 * 1024,
        .argon2_parallelism = 1,
        .login_max_failures = 5,
        .login_window_ms = 900000,
    };
    struct hk_auth *a = NULL;
    assert_int_equal(hk_auth_new(&cfg, NULL, k, n, &a), 0);
    return a;
}

static void test_check_bearer(void **state)
{
    (void)state;
    struct hk_auth *app;
    struct hk_jwt_claims c = {0};
    int64_t uid = -1;
    bool adm = true;
    const char *reason = NULL;
    char *tok = NULL, *hdr = NULL;

    app = auth_with_key(key, KEYLEN);
    int64_t now = hk_wall_ms() / 1000;
    c.sub = 99;
    c.iat = now;
    c.exp = now + 600;
    assert_int_equal(hk_jwt_sign(key, KEYLEN, &c, &tok), 0);

    static const char *const schemes[] = {"Bearer ", "bearer ", "BEARER  ",
                                          " Bearer\t"};
    for (size_t i = 0; i < 4; i++) {
        hdr = hk_asprintf("%s%s", schemes[i], tok);
        assert_int_equal(hk_auth_check_bearer(app, hdr, &uid, &adm, &reason),
                         0);
        assert_int_equal(uid, 99);
        assert_false(adm);
        hk_free(hdr);
    }

    static const char *const missing[] = {"", "Bearer", "Bearer ",
                                          "Basic dXNlcjpwYXNz", "Bearerx y"};
    assert_int_equal(hk_auth_check_bearer(app, NULL, &uid, &adm, &reason),
                     HAWK_EAUTH);
    assert_string_equal(reason, "missing bearer token");
    for (size_t i = 0; i < sizeof missing / sizeof missing[0]; i++) {
        assert_int_equal(
            hk_auth_check_bearer(app, missing[i], &uid, &adm, &reason),
            HAWK_EAUTH);
        assert_string_equal(reason, "missing bearer token");
        assert_int_equal(uid, 0);
    }

    assert_int_equal(
        hk_auth_check_bearer(app, "Bearer not.a.token", &uid, &adm, &reason),
        HAWK_EAUTH);
    assert_string_equal(reason, "invalid token");

    /* Signed with another key. */
    hk_auth_free(app);
    app = auth_with_key(
        (const unsigned char *)"some-other-key-of-enough-length!!", 33);
    hdr = hk_asprintf("Bearer %s", tok);
    assert_int_equal(hk_auth_check_bearer(app, hdr, &uid, &adm, &reason),
                     HAWK_EAUTH);
    assert_string_equal(reason, "invalid token");
    assert_int_equal(uid, 0);
    hk_free(hdr);
    hk_free(tok);

    /* Expired. */
    hk_auth_free(app);
    app = auth_with_key(key, KEYLEN);
    c.iat = now - 100;
    c.exp = now - 1;
    c.admin = true;
    assert_int_equal(hk_jwt_sign(key, KEYLEN, &c, &tok), 0);
    hdr = hk_asprintf("Bearer %s", tok);
    assert_int_equal(hk_auth_check_bearer(app, hdr, &uid, &adm, &reason),
                     HAWK_EAUTH);
    assert_string_equal(reason, "token expired");
    assert_false(adm);
    hk_free(hdr);
    hk_free(tok);

    /* No key configured: nothing verifies. */
    hk_auth_free(app);
    app = auth_with_key(NULL, 0);
    assert_int_equal(
        hk_auth_check_bearer(app, "Bearer a.b.c", &uid, &adm, &reason),
        HAWK_EAUTH);
    assert_string_equal(reason, "invalid token");
    hk_auth_free(app);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_sign_rejects_bad_input),
        cmocka_unit_test(test_crafted_ok),
        cmocka_unit_test(test_expired),
        cmocka_unit_test(test_tampered_payload),
        cmocka_unit_test(test_tampered_signature),
        cmocka_unit_test(test_alg_none_and_others),
        cmocka_unit_test(test_header_typ_and_crit),
        cmocka_unit_test(test_malformed_segments),
        cmocka_unit_test(test_bad_claims),
        cmocka_unit_test(test_oversize),
        cmocka_unit_test(test_check_bearer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
