/*
 * tests/unit/test_password.c - argon2id hashing, verification, the
 * password policy and the auth settings' dummy hash.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth/auth.h"
#include "config/config.h"
#include "auth/internal.h"
#include "hawk/plugin.h"
#include "util/alloc.h"

/* Cheap parameters keep the suite fast; the code path is the same. */
static const struct hk_argon2_params fast = {2, 1024, 1};

static void test_hash_verify(void **state)
{
    (void)state;
    char *h = NULL;
    assert_int_equal(hk_password_hash(&fast, "correct horse battery", &h), 0);
    assert_non_null(h);
    assert_int_equal(hk_password_verify(h, "correct horse battery"), 0);
    hk_free(h);
}

static void test_wrong_password(void **state)
{
    (void)state;
    char *h = NULL;
    assert_int_equal(hk_password_hash(&fast, "correct horse battery", &h), 0);
    assert_int_equal(hk_password_verify(h, "correct horse batterx"),
                     HAWK_EAUTH);
    assert_int_equal(hk_password_verify(h, "correct horse battery "),
                     HAWK_EAUTH);
    assert_int_equal(hk_password_verify(h, ""), HAWK_EAUTH);
    assert_int_equal(hk_password_verify(h, "Correct horse battery"),
                     HAWK_EAUTH);
    hk_free(h);
}

static void test_params_encoded_and_salted(void **state)
{
    (void)state;
    char *a = NULL, *b = NULL;
    assert_int_equal(hk_password_hash(&fast, "same password", &a), 0);
    assert_int_equal(hk_password_hash(&fast, "same password", &b), 0);
    assert_true(strncmp(a, "$argon2id$v=19$m=1024,t=2,p=1$", 30) == 0);
    /* Fresh salt per hash: same password, different strings, both verify. */
    assert_string_not_equal(a, b);
    assert_int_equal(hk_password_verify(a, "same password"), 0);
    assert_int_equal(hk_password_verify(b, "same password"), 0);
    hk_free(a);
    hk_free(b);

    /* A hash made with other parameters still verifies: they travel in
     * the string. */
    struct hk_argon2_params other = {1, 2048, 2};
    assert_int_equal(hk_password_hash(&other, "same password", &a), 0);
    assert_true(strncmp(a, "$argon2id$v=19$m=2048,t=1,p=2$", 30) == 0);
    assert_int_equal(hk_password_verify(a, "same password"), 0);
    hk_free(a);
}

static void test_bad_params(void **state)
{
    (void)state;
    char *h = (char *)"sentinel";
    struct hk_argon2_params tiny = {1, 1, 1}; /* below 8 KiB per lane */
    assert_int_equal(hk_password_hash(&tiny, "long enough pw", &h),
                     HAWK_EINVAL);
    assert_null(h);
    struct hk_argon2_params zero_t = {0, 1024, 1};
    assert_int_equal(hk_password_hash(&zero_t, "long enough pw", &h),
                     HAWK_EINVAL);
    assert_null(h);
}

static void test_malformed_hash(void **state)
{
    (void)state;
    char *good = NULL;
    assert_int_equal(hk_password_hash(&fast, "some password", &good), 0);

    char *trunc = hk_strndup(good, strlen(good) - 5);
    char *argon2i = hk_asprintf("$argon2i$%s", good + strlen("$argon2id$"));
    /* Valid syntax but a planted 8 GiB memory cost: refused unverified. */
    char *huge = hk_asprintf("$argon2id$v=19$m=8388608,t=2,p=1$%s",
                             strchr(good + 30, '$') != NULL ? good + 30 : "");
    const char *const bad[] = {
        "",
        "plain-text-password",
        "$2b$12$abcdefghijklmnopqrstuv",
        "$argon2id$",
        "$argon2id$v=19$m=1024,t=2,p=1$",
        "$argon2id$v=16$m=1024,t=2,p=1$c2FsdHNhbHQ$aGFzaA",
        "$argon2id$v=19$m=0,t=2,p=1$c2FsdHNhbHQ$aGFzaA",
        "$argon2id$v=19$m=1024,t=99,p=1$c2FsdHNhbHQ$aGFzaA",
        "$argon2id$v=19$m=1024,t=2,p=1$!!!$aGFzaA",
        argon2i,
        huge};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int rc = hk_password_verify(bad[i], "some password");
        if (rc != HAWK_EINVAL)
            fail_msg("hash #%zu '%s' gave %d, want HAWK_EINVAL", i, bad[i], rc);
    }
    assert_int_equal(hk_password_verify(NULL, "x"), HAWK_EINVAL);
    /* A cut-short hash segment may still parse (libargon2 takes the output
     * length from the string) but must never match. */
    assert_int_not_equal(hk_password_verify(trunc, "some password"), 0);
    hk_free(trunc);
    hk_free(argon2i);
    hk_free(huge);
    hk_free(good);
}

static void test_policy(void **state)
{
    (void)state;
    const char *msg = NULL;
    char big[HK_PASSWORD_MAX + 2];

    assert_int_equal(hk_password_policy("123456789", 9, &msg), HAWK_EINVAL);
    assert_string_equal(msg, "password must be at least 10 characters");
    assert_int_equal(hk_password_policy("", 0, &msg), HAWK_EINVAL);
    assert_string_equal(msg, "password must be at least 10 characters");
    assert_int_equal(hk_password_policy("1234567890", 10, &msg), 0);
    assert_null(msg);

    /* Characters, not bytes: 9 two-byte characters are too short. */
    const char *e9 = "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
                     "\xc3\xa9\xc3\xa9";
    assert_int_equal(hk_password_policy(e9, strlen(e9), &msg), HAWK_EINVAL);
    char *e10 = hk_asprintf("%s\xc3\xa9", e9);
    assert_int_equal(hk_password_policy(e10, strlen(e10), &msg), 0);
    hk_free(e10);

    /* NUL inside (possible through JSON "\u0000"). */
    assert_int_equal(hk_password_policy("12345\0abcdef", 12, &msg),
                     HAWK_EINVAL);
    assert_string_equal(msg, "password must not contain NUL characters");

    /* Invalid UTF-8. */
    assert_int_equal(hk_password_policy("abcdefghij\xff", 11, &msg),
                     HAWK_EINVAL);
    assert_string_equal(msg, "password must be valid UTF-8");

    /* 1024 bytes is the maximum. */
    memset(big, 'a', sizeof big);
    assert_int_equal(hk_password_policy(big, HK_PASSWORD_MAX, &msg), 0);
    assert_int_equal(hk_password_policy(big, HK_PASSWORD_MAX + 1, &msg),
                     HAWK_EINVAL);
    assert_string_equal(msg, "password must be at most 1024 bytes");

    /* Hashing refuses what the policy refuses for size. */
    big[HK_PASSWORD_MAX + 1] = '\0';
    char *h = NULL;
    assert_int_equal(hk_password_hash(&fast, big, &h), HAWK_EINVAL);
    assert_null(h);
}

/* Loads a config text into cfg via a temp file; asserts success. */
static void load_cfg(const char *text, struct hk_config *cfg)
{
    char path[] = "/tmp/hawk-test-auth-XXXXXX";
    char err[512] = "";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    int rc = hk_config_load(path, cfg, err, sizeof err);
    unlink(path);
    if (rc != 0)
        fail_msg("config load failed: %s", err);
}

static void test_settings_dummy_hash(void **state)
{
    (void)state;
    struct hk_config cfg;
    struct hk_auth *a = NULL;

    /* Nothing configured: the schema's defaults, and a dummy hash made
     * with them, so unknown-email logins cost a real verify. */
    load_cfg("", &cfg);
    assert_int_equal(hk_auth_new(&cfg.settings.auth, NULL, NULL, 0, &a), 0);
    const struct hk_auth_settings *s = hk_auth_settings(a);
    assert_non_null(s);
    assert_int_equal(s->argon2.t_cost, 3);
    assert_int_equal(s->argon2.m_cost_kib, 65536);
    assert_int_equal(s->argon2.parallelism, 1);
    assert_int_equal(s->access_ttl_s, 900);
    assert_int_equal(s->refresh_ttl_s, 30 * 24 * 3600);
    assert_int_equal(s->login_max_failures, 5);
    assert_int_equal(s->login_window_ms, 15 * 60 * 1000);
    assert_non_null(s->dummy_hash);
    assert_true(strncmp(s->dummy_hash, "$argon2id$v=19$m=65536,t=3,p=1$", 31) ==
                0);
    assert_int_equal(hk_password_verify(s->dummy_hash, "guess1234567"),
                     HAWK_EAUTH);
    /* Made once per module: every read sees the same hash. */
    const char *first = s->dummy_hash;
    assert_ptr_equal(hk_auth_settings(a)->dummy_hash, first);
    hk_auth_free(a);
    hk_config_release(&cfg);
}

static void test_settings_from_config(void **state)
{
    (void)state;
    struct hk_config cfg;
    struct hk_auth *a = NULL;

    /* Sizes arrive in bytes and durations in ms; argon2 wants KiB and the
     * tokens want seconds. */
    load_cfg("auth = { access_ttl = \"2m\"; refresh_ttl = \"2d\";\n"
             "  argon2 = { t_cost = 2; m_cost = \"1MiB\"; parallelism = 2; };\n"
             "  login_max_failures = 7; login_window = \"90s\"; };\n",
             &cfg);
    assert_int_equal(hk_auth_new(&cfg.settings.auth, NULL, NULL, 0, &a), 0);
    const struct hk_auth_settings *s = hk_auth_settings(a);
    assert_non_null(s);
    assert_int_equal(s->argon2.t_cost, 2);
    assert_int_equal(s->argon2.m_cost_kib, 1024);
    assert_int_equal(s->argon2.parallelism, 2);
    assert_int_equal(s->access_ttl_s, 120);
    assert_int_equal(s->refresh_ttl_s, 2 * 24 * 3600);
    assert_int_equal(s->login_max_failures, 7);
    assert_int_equal(s->login_window_ms, 90000);
    assert_true(strncmp(s->dummy_hash, "$argon2id$v=19$m=1024,t=2,p=2$", 30) ==
                0);
    hk_auth_free(a);
    hk_config_release(&cfg);

    /* Within the schema's ranges but refused by libargon2 (less than 8 KiB
     * per lane): a start-up error, not a crash at the first login. */
    load_cfg("auth = { argon2 = { m_cost = \"8KiB\"; parallelism = 4; }; };\n",
             &cfg);
    a = NULL;
    assert_int_equal(hk_auth_new(&cfg.settings.auth, NULL, NULL, 0, &a),
                     HAWK_ECONFIG);
    assert_null(a);
    hk_config_release(&cfg);
}

/* A file-local helper reached through HK_STATIC: token lifetimes round
 * up to whole seconds and never reach zero. */
static void test_ms_to_s_ceil(void **state)
{
    (void)state;
    assert_int_equal(ms_to_s_ceil(1000), 1);
    assert_int_equal(ms_to_s_ceil(1001), 2);
    assert_int_equal(ms_to_s_ceil(1), 1);
    assert_int_equal(ms_to_s_ceil(0), 1);
    assert_int_equal(ms_to_s_ceil(-5000), 1);
    assert_int_equal(ms_to_s_ceil(900000), 900);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hash_verify),
        cmocka_unit_test(test_wrong_password),
        cmocka_unit_test(test_params_encoded_and_salted),
        cmocka_unit_test(test_bad_params),
        cmocka_unit_test(test_malformed_hash),
        cmocka_unit_test(test_policy),
        cmocka_unit_test(test_ms_to_s_ceil),
        cmocka_unit_test(test_settings_dummy_hash),
        cmocka_unit_test(test_settings_from_config),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
