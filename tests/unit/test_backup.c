/*
 * tests/unit/test_backup.c - the parts of backup/ that need no database
 * or server: backup names, the retention policy on calendar edges, the
 * manifest, and the stream stages (zstd, secretstream, SHA-256) with
 * damaged, truncated and wrongly keyed input.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "backup/backup_int.h"
#include "util/alloc.h"
#include "util/buf.h"

/* ---- names ---- */

static void test_names(void **state)
{
    (void)state;
    char n[64];
    bk_name_for(1796289300123LL, n, sizeof(n)); /* 2026-12-03T09:15:00.123Z */
    assert_string_equal(n, "hawk-20261203T091500Z");
    assert_int_equal(bk_name_time(n), 1796289300LL);
    assert_true(bk_name_ok("hawk-20261203T091500Z-2"));
    assert_int_equal(bk_name_time("hawk-20261203T091500Z-2"), 1796289300LL);
    const char *bad[] = {
        "hawk-20261303T091500Z",       "hawk-20261203T241500Z",
        "hawk-20261203 091500Z",       "hawk-20261203T091500",
        "hawk-20261203T091500Z-",      "hawk-20261203T091500Z-x",
        "hawk-20261203T091500Z-12345", "../hawk-20261203T09",
        "hawk-19691231T235959Z",       ""};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (bk_name_ok(bad[i]))
            fail_msg("'%s' was accepted", bad[i]);
    }
    char f[96];
    bk_data_file("hawk-20261203T091500Z", true, f, sizeof(f));
    assert_string_equal(f, "hawk-20261203T091500Z.dump.zst.enc");
}

/* ---- retention ---- */

static void keep_of(const char *const *names, size_t n, int64_t now_s, int last,
                    int daily, int weekly, int monthly, const char *want)
{
    bool keep[32];
    assert_true(n <= 32);
    hk_backup_policy(names, n, now_s * 1000, last, daily, weekly, monthly,
                     keep);
    char got[33];
    for (size_t i = 0; i < n; i++)
        got[i] = keep[i] ? 'k' : '-';
    got[n] = '\0';
    assert_string_equal(got, want);
}

static void test_policy_weeks_start_on_monday(void **state)
{
    (void)state;
    /* Monday 2026-03-16 00:00 and Sunday 2026-03-15 23:59 are in
     * different ISO weeks (with weeks from Sunday they would share one,
     * and the week before would keep 03-09); "now" is Wednesday
     * 2026-03-18 12:00 UTC. */
    const char *names[] = {"hawk-20260316T000000Z", "hawk-20260315T235900Z",
                           "hawk-20260315T000000Z", "hawk-20260309T000000Z",
                           "hawk-20260308T235959Z"};
    keep_of(names, 5, 1773835200, 1, 0, 2, 0, "kk---");
    keep_of(names, 5, 1773835200, 1, 0, 3, 0, "kk--k");
}

static void test_policy_days_months_and_order(void **state)
{
    (void)state;
    /* Any order in, the newest of each bucket kept. */
    const char *names[] = {"hawk-20260101T030000Z", "hawk-20260318T030000Z",
                           "hawk-20260228T230000Z", "hawk-20260317T010000Z",
                           "hawk-20260317T030000Z", "hawk-20260201T000000Z"};
    /* last 1 only */
    keep_of(names, 6, 1773835200, 1, 0, 0, 0, "-k----");
    /* 2 days: the 18th and the newest of the 17th */
    keep_of(names, 6, 1773835200, 1, 2, 0, 0, "-k--k-");
    /* 3 months: March, February's newest, January */
    keep_of(names, 6, 1773835200, 1, 0, 0, 3, "kkk---");
    /* names that are not backups are not prune's to delete */
    const char *odd[] = {"hawk-20260318T030000Z", "hawk-20260317T030000Z",
                         "notes"};
    keep_of(odd, 3, 1773835200, 1, 0, 0, 0, "k-k");
}

/* ---- manifest ---- */

static void test_manifest_round_trip_and_rejects(void **state)
{
    (void)state;
    struct hk_backup_info in;
    memset(&in, 0, sizeof(in));
    strcpy(in.name, "hawk-20261203T091500Z");
    strcpy(in.file, "hawk-20261203T091500Z.dump.zst");
    strcpy(in.hawk_version, "0.1.0");
    in.schema_version = 50;
    in.database_bytes = 123456789;
    in.dump_bytes = 99999;
    in.stored_bytes = 4242;
    memset(in.sha256, 'a', 64);
    strcpy(in.compression, "zstd");
    in.level = 3;
    strcpy(in.encryption, "none");
    in.started_ms = 1796289300000LL;
    in.finished_ms = 1796289360000LL;
    char *text = bk_manifest_json(&in);
    struct hk_backup_info out;
    struct hk_err err = HK_ERR_INIT;
    assert_int_equal(bk_manifest_parse(text, strlen(text), &out, &err), 0);
    assert_string_equal(out.name, in.name);
    assert_string_equal(out.sha256, in.sha256);
    assert_int_equal(out.stored_bytes, 4242);
    assert_int_equal(out.schema_version, 50);
    hk_free(text);

    const char *bad[] = {"", "[]", "{\"name\":\"x\"}", "{\"name\":1}"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct hk_err e = HK_ERR_INIT;
        assert_int_not_equal(
            bk_manifest_parse(bad[i], strlen(bad[i]), &out, &e), 0);
        assert_int_equal(e.code, HAWK_EPROTO);
    }
    /* a checksum that is not 64 hex digits */
    in.sha256[10] = '\0';
    text = bk_manifest_json(&in);
    struct hk_err e = HK_ERR_INIT;
    assert_int_not_equal(bk_manifest_parse(text, strlen(text), &out, &e), 0);
    hk_free(text);
}

/* ---- stream stages ---- */

static int to_buf(void *opaque, const void *data, size_t n)
{
    return hk_buf_append(opaque, data, n);
}

/* Patterned, partly compressible input of n bytes. */
static unsigned char *sample(size_t n)
{
    unsigned char *p = hk_malloc(n);
    uint32_t x = 2463534242u;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        p[i] = (i % 4096) < 2048 ? (unsigned char)(i % 61) : (unsigned char)x;
    }
    return p;
}

/* Writes in uneven pieces, as a pipe would deliver them. */
static int feed(int (*w)(void *, const void *, size_t), void *s,
                const unsigned char *d, size_t n)
{
    size_t off = 0, step = 1;
    while (off < n) {
        size_t k = n - off < step ? n - off : step;
        int rc = w(s, d + off, k);
        if (rc < 0)
            return rc;
        off += k;
        step = step * 3 + 7;
        if (step > 300000)
            step = 1;
    }
    return 0;
}

static int zc_w(void *s, const void *d, size_t n)
{
    return bk_zc_write(s, d, n);
}
static int zd_w(void *s, const void *d, size_t n)
{
    return bk_zd_write(s, d, n);
}
static int enc_w(void *s, const void *d, size_t n)
{
    return bk_enc_write(s, d, n);
}
static int dec_w(void *s, const void *d, size_t n)
{
    return bk_dec_write(s, d, n);
}

static void test_zstd_round_trip_and_truncation(void **state)
{
    (void)state;
    size_t n = (3u << 20) + 12345;
    unsigned char *in = sample(n);
    struct hk_buf z, back;
    hk_buf_init(&z, 64u << 20);
    hk_buf_init(&back, 64u << 20);
    struct bk_zc *zc = bk_zc_new(3, 0, (struct bk_out){to_buf, &z});
    assert_int_equal(feed(zc_w, zc, in, n), 0);
    assert_int_equal(bk_zc_finish(zc), 0);
    bk_zc_free(zc);
    assert_true(z.len < n);

    struct bk_zd *zd = bk_zd_new((struct bk_out){to_buf, &back});
    assert_int_equal(feed(zd_w, zd, (const unsigned char *)z.data, z.len), 0);
    assert_int_equal(bk_zd_finish(zd), 0);
    bk_zd_free(zd);
    assert_int_equal(back.len, n);
    assert_memory_equal(back.data, in, n);

    /* Cut short: finish says the frame is incomplete. */
    hk_buf_reset(&back);
    zd = bk_zd_new((struct bk_out){to_buf, &back});
    int rc = bk_zd_write(zd, z.data, z.len / 2);
    if (rc == 0)
        rc = bk_zd_finish(zd);
    assert_int_equal(rc, HAWK_EPROTO);
    bk_zd_free(zd);
    hk_buf_release(&z);
    hk_buf_release(&back);
    hk_free(in);
}

/* Decrypts e (len bytes) with key; returns the first error or 0. */
static int decrypt(const unsigned char key[32], const char *e, size_t len,
                   struct hk_buf *out)
{
    struct bk_dec *d = bk_dec_new(key, (struct bk_out){to_buf, out});
    int rc = feed(dec_w, d, (const unsigned char *)e, len);
    if (rc == 0)
        rc = bk_dec_finish(d);
    bk_dec_free(d);
    return rc;
}

static void test_secretstream_round_trip_and_damage(void **state)
{
    (void)state;
    unsigned char key[32], other[32];
    memset(key, 0x11, sizeof(key));
    memset(other, 0x22, sizeof(other));
    size_t n = 3 * BK_CRYPT_CHUNK + 777;
    unsigned char *in = sample(n);
    struct hk_buf e, back;
    hk_buf_init(&e, 64u << 20);
    hk_buf_init(&back, 64u << 20);
    struct bk_enc *enc = bk_enc_new(key, (struct bk_out){to_buf, &e});
    assert_int_equal(feed(enc_w, enc, in, n), 0);
    assert_int_equal(bk_enc_finish(enc), 0);
    bk_enc_free(enc);
    assert_memory_equal(e.data, BK_ENC_MAGIC, 8);
    assert_true(e.len > n);

    assert_int_equal(decrypt(key, e.data, e.len, &back), 0);
    assert_int_equal(back.len, n);
    assert_memory_equal(back.data, in, n);

    hk_buf_reset(&back);
    assert_int_equal(decrypt(other, e.data, e.len, &back), HAWK_EPROTO);

    /* One flipped bit in the second chunk. */
    e.data[e.len / 2] ^= 0x01;
    hk_buf_reset(&back);
    assert_int_equal(decrypt(key, e.data, e.len, &back), HAWK_EPROTO);
    e.data[e.len / 2] ^= 0x01;

    /* Cut inside a chunk: that chunk does not authenticate. */
    hk_buf_reset(&back);
    assert_int_equal(
        decrypt(key, e.data, e.len - (BK_CRYPT_CHUNK + 100), &back),
        HAWK_EPROTO);
    /* The last chunk (777 bytes) cut off whole: every chunk left is
     * sound, but the one tagged final is missing. */
    hk_buf_reset(&back);
    assert_int_equal(
        decrypt(key, e.data,
                e.len - (777 + crypto_secretstream_xchacha20poly1305_ABYTES),
                &back),
        HAWK_EPROTO);
    hk_buf_release(&e);
    hk_buf_release(&back);
    hk_free(in);
}

static void test_sha256_stream(void **state)
{
    (void)state;
    struct bk_sha s;
    char hex[65];
    bk_sha_init(&s);
    bk_sha_update(&s, "a", 1);
    bk_sha_update(&s, "bc", 2);
    bk_sha_final(&s, hex);
    assert_string_equal(
        hex,
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

static void test_key_from_env(void **state)
{
    (void)state;
    unsigned char key[32];
    struct hk_err err = HK_ERR_INIT;
    setenv("HK_TEST_BK_KEY",
           "00112233445566778899aabbccddeeff"
           "00112233445566778899aabbccddeeff",
           1);
    assert_int_equal(bk_key_from_env("HK_TEST_BK_KEY", key, &err), 0);
    assert_int_equal(key[1], 0x11);
    assert_int_equal(key[31], 0xff);
    setenv("HK_TEST_BK_KEY", "too short", 1);
    assert_int_equal(bk_key_from_env("HK_TEST_BK_KEY", key, &err),
                     HAWK_ECONFIG);
    assert_non_null(strstr(err.msg, "HK_TEST_BK_KEY"));
    assert_null(strstr(err.msg, "too short"));
    unsetenv("HK_TEST_BK_KEY");
    assert_int_equal(bk_key_from_env("HK_TEST_BK_KEY", key, &err),
                     HAWK_ECONFIG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_policy_weeks_start_on_monday),
        cmocka_unit_test(test_policy_days_months_and_order),
        cmocka_unit_test(test_manifest_round_trip_and_rejects),
        cmocka_unit_test(test_zstd_round_trip_and_truncation),
        cmocka_unit_test(test_secretstream_round_trip_and_damage),
        cmocka_unit_test(test_sha256_stream),
        cmocka_unit_test(test_key_from_env),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
