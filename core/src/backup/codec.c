/*
 * backup/codec.c - the streaming stages: zstd, libsodium secretstream,
 * SHA-256.
 *
 * Each stage takes bytes with *_write() and hands its output to the next
 * stage's bk_out in bounded pieces, so a backup of any size flows through
 * a few fixed buffers.
 *
 * Encrypted format: the 8-byte magic "HKBKSS01", the 24-byte secretstream
 * header, then chunks of at most 64 KiB of plaintext, each sealed with
 * crypto_secretstream_xchacha20poly1305 (17 bytes of overhead); the last
 * one carries TAG_FINAL, so a truncated file is detected, and any changed
 * byte fails its chunk's authentication.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#include "backup/backup_int.h"
#include "util/alloc.h"
#include "util/str.h"

/* Library contexts fail only when memory runs out: the OOM policy. */
static void bk_oom(void)
{
    fputs("hawk: out of memory\n", stderr);
    abort();
}

/* ---- SHA-256 ----------------------------------------------------------- */

void bk_sha_init(struct bk_sha *s)
{
    s->ctx = EVP_MD_CTX_new();
    if (s->ctx == NULL || EVP_DigestInit_ex(s->ctx, EVP_sha256(), NULL) != 1)
        bk_oom();
}

void bk_sha_update(struct bk_sha *s, const void *d, size_t n)
{
    EVP_DigestUpdate(s->ctx, d, n);
}

void bk_sha_final(struct bk_sha *s, char hex[65])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_DigestFinal_ex(s->ctx, md, &n);
    EVP_MD_CTX_free(s->ctx);
    s->ctx = NULL;
    hk_hex_encode(md, 32, hex);
    hex[64] = '\0';
}

/* ---- key --------------------------------------------------------------- */

int bk_key_from_env(const char *var, unsigned char key[32], struct hk_err *err)
{
    const char *v = getenv(var);
    size_t n = v != NULL ? strlen(v) : 0;
    if (n == 0)
        return hk_err_set(err, HAWK_ECONFIG, NULL, "backup.encryption_key_env",
                          "backup encryption is on but %s is not set: export "
                          "a 32-byte key (64 hex digits, e.g. from "
                          "`openssl rand -hex 32`)",
                          var);
    if (sodium_init() < 0)
        return hk_err_set(err, HAWK_EINTERNAL, NULL, NULL,
                          "libsodium failed to initialise");
    size_t got = 0;
    if (n == 64 && sodium_hex2bin(key, 32, v, n, NULL, &got, NULL) == 0 &&
        got == 32)
        return 0;
    if (sodium_base642bin(key, 32, v, n, NULL, &got, NULL,
                          sodium_base64_VARIANT_ORIGINAL) == 0 &&
        got == 32)
        return 0;
    sodium_memzero(key, 32);
    return hk_err_set(err, HAWK_ECONFIG, NULL, "backup.encryption_key_env",
                      "%s must hold 32 bytes as 64 hex digits or base64 "
                      "(`openssl rand -hex 32`)",
                      var);
}

/* ---- encryption -------------------------------------------------------- */

struct bk_enc {
    crypto_secretstream_xchacha20poly1305_state st;
    struct bk_out next;
    unsigned char in[BK_CRYPT_CHUNK];
    size_t in_len;
    unsigned char
        out[BK_CRYPT_CHUNK + crypto_secretstream_xchacha20poly1305_ABYTES];
    bool started;
};

struct bk_enc *bk_enc_new(const unsigned char key[32], struct bk_out next)
{
    struct bk_enc *e = hk_calloc(1, sizeof(*e));
    unsigned char hdr[crypto_secretstream_xchacha20poly1305_HEADERBYTES];
    e->next = next;
    crypto_secretstream_xchacha20poly1305_init_push(&e->st, hdr, key);
    memcpy(e->out, BK_ENC_MAGIC, 8);
    memcpy(e->out + 8, hdr, sizeof(hdr));
    e->in_len = 0;
    /* The header goes out with the first chunk (see bk_enc_flush). */
    e->started = false;
    return e;
}

static int bk_enc_flush(struct bk_enc *e, unsigned char tag)
{
    int rc;
    if (!e->started) {
        rc = e->next.write(
            e->next.opaque, e->out,
            8 + crypto_secretstream_xchacha20poly1305_HEADERBYTES);
        if (rc < 0)
            return rc;
        e->started = true;
    }
    unsigned long long clen = 0;
    crypto_secretstream_xchacha20poly1305_push(&e->st, e->out, &clen, e->in,
                                               e->in_len, NULL, 0, tag);
    e->in_len = 0;
    return e->next.write(e->next.opaque, e->out, (size_t)clen);
}

int bk_enc_write(struct bk_enc *e, const void *data, size_t n)
{
    const unsigned char *p = data;
    while (n > 0) {
        /* A full chunk is sealed only when more follows, so the final
         * chunk (tagged at finish) is never empty unless all is. */
        if (e->in_len == BK_CRYPT_CHUNK) {
            int rc = bk_enc_flush(e, 0);
            if (rc < 0)
                return rc;
        }
        size_t take = BK_CRYPT_CHUNK - e->in_len;
        if (take > n)
            take = n;
        memcpy(e->in + e->in_len, p, take);
        e->in_len += take;
        p += take;
        n -= take;
    }
    return 0;
}

int bk_enc_finish(struct bk_enc *e)
{
    return bk_enc_flush(e, crypto_secretstream_xchacha20poly1305_TAG_FINAL);
}

void bk_enc_free(struct bk_enc *e)
{
    if (e == NULL)
        return;
    sodium_memzero(e, sizeof(*e));
    hk_free(e);
}

struct bk_dec {
    crypto_secretstream_xchacha20poly1305_state st;
    unsigned char key[32];
    struct bk_out next;
    unsigned char
        in[BK_CRYPT_CHUNK + crypto_secretstream_xchacha20poly1305_ABYTES];
    size_t in_len;
    unsigned char out[BK_CRYPT_CHUNK];
    bool have_header;
    bool final;
};

struct bk_dec *bk_dec_new(const unsigned char key[32], struct bk_out next)
{
    struct bk_dec *d = hk_calloc(1, sizeof(*d));
    memcpy(d->key, key, 32);
    d->next = next;
    return d;
}

static int bk_dec_chunk(struct bk_dec *d)
{
    unsigned long long mlen = 0;
    unsigned char tag = 0;
    if (d->final)
        return HAWK_EPROTO; /* bytes after the final chunk */
    if (crypto_secretstream_xchacha20poly1305_pull(
            &d->st, d->out, &mlen, &tag, d->in, d->in_len, NULL, 0) != 0)
        return HAWK_EPROTO;
    d->in_len = 0;
    if (tag == crypto_secretstream_xchacha20poly1305_TAG_FINAL)
        d->final = true;
    return d->next.write(d->next.opaque, d->out, (size_t)mlen);
}

int bk_dec_write(struct bk_dec *d, const void *data, size_t n)
{
    const size_t hl = 8 + crypto_secretstream_xchacha20poly1305_HEADERBYTES;
    const size_t cl =
        BK_CRYPT_CHUNK + crypto_secretstream_xchacha20poly1305_ABYTES;
    const unsigned char *p = data;
    while (n > 0) {
        size_t want = d->have_header ? cl : hl;
        size_t take = want - d->in_len;
        if (take > n)
            take = n;
        memcpy(d->in + d->in_len, p, take);
        d->in_len += take;
        p += take;
        n -= take;
        if (d->in_len < want)
            break;
        if (!d->have_header) {
            if (memcmp(d->in, BK_ENC_MAGIC, 8) != 0 ||
                crypto_secretstream_xchacha20poly1305_init_pull(
                    &d->st, d->in + 8, d->key) != 0)
                return HAWK_EPROTO;
            d->have_header = true;
            d->in_len = 0;
            continue;
        }
        int rc = bk_dec_chunk(d);
        if (rc < 0)
            return rc;
    }
    return 0;
}

int bk_dec_finish(struct bk_dec *d)
{
    if (!d->have_header)
        return HAWK_EPROTO;
    if (d->in_len > 0) {
        int rc = bk_dec_chunk(d);
        if (rc < 0)
            return rc;
    }
    return d->final ? 0 : HAWK_EPROTO;
}

void bk_dec_free(struct bk_dec *d)
{
    if (d == NULL)
        return;
    sodium_memzero(d, sizeof(*d));
    hk_free(d);
}

/* ---- zstd -------------------------------------------------------------- */

struct bk_zc {
    ZSTD_CCtx *c;
    struct bk_out next;
    size_t out_cap;
    char *out;
};

struct bk_zc *bk_zc_new(int level, int threads, struct bk_out next)
{
    struct bk_zc *z = hk_calloc(1, sizeof(*z));
    z->c = ZSTD_createCCtx();
    if (z->c == NULL)
        bk_oom();
    ZSTD_CCtx_setParameter(z->c, ZSTD_c_compressionLevel, level);
    ZSTD_CCtx_setParameter(z->c, ZSTD_c_checksumFlag, 1);
    if (threads > 0)
        ZSTD_CCtx_setParameter(z->c, ZSTD_c_nbWorkers, threads);
    z->next = next;
    z->out_cap = ZSTD_CStreamOutSize();
    z->out = hk_malloc(z->out_cap);
    return z;
}

static int bk_zc_run(struct bk_zc *z, const void *data, size_t n,
                     ZSTD_EndDirective mode)
{
    ZSTD_inBuffer in = {data, n, 0};
    for (;;) {
        ZSTD_outBuffer out = {z->out, z->out_cap, 0};
        size_t left = ZSTD_compressStream2(z->c, &out, &in, mode);
        if (ZSTD_isError(left))
            return HAWK_EINTERNAL;
        if (out.pos > 0) {
            int rc = z->next.write(z->next.opaque, z->out, out.pos);
            if (rc < 0)
                return rc;
        }
        bool done = mode == ZSTD_e_end ? left == 0 : in.pos == in.size;
        if (done)
            return 0;
    }
}

int bk_zc_write(struct bk_zc *z, const void *data, size_t n)
{
    return bk_zc_run(z, data, n, ZSTD_e_continue);
}

int bk_zc_finish(struct bk_zc *z)
{
    return bk_zc_run(z, NULL, 0, ZSTD_e_end);
}

void bk_zc_free(struct bk_zc *z)
{
    if (z == NULL)
        return;
    ZSTD_freeCCtx(z->c);
    hk_free(z->out);
    hk_free(z);
}

struct bk_zd {
    ZSTD_DCtx *d;
    struct bk_out next;
    size_t out_cap;
    char *out;
    size_t last; /* ZSTD_decompressStream's last hint: 0 = frame ended */
    bool any;
};

struct bk_zd *bk_zd_new(struct bk_out next)
{
    struct bk_zd *z = hk_calloc(1, sizeof(*z));
    z->d = ZSTD_createDCtx();
    if (z->d == NULL)
        bk_oom();
    /* A hostile file cannot make us allocate a huge window. */
    ZSTD_DCtx_setParameter(z->d, ZSTD_d_windowLogMax, 27);
    z->next = next;
    z->out_cap = ZSTD_DStreamOutSize();
    z->out = hk_malloc(z->out_cap);
    z->last = 1;
    return z;
}

int bk_zd_write(struct bk_zd *z, const void *data, size_t n)
{
    ZSTD_inBuffer in = {data, n, 0};
    bool full = false;
    if (n > 0)
        z->any = true;
    /* Go on while input is left or the last call filled the output
     * buffer (the context may hold more decoded bytes). */
    while (in.pos < in.size || full) {
        ZSTD_outBuffer out = {z->out, z->out_cap, 0};
        size_t r = ZSTD_decompressStream(z->d, &out, &in);
        if (ZSTD_isError(r))
            return HAWK_EPROTO;
        z->last = r;
        full = out.pos == out.size;
        if (out.pos > 0) {
            int rc = z->next.write(z->next.opaque, z->out, out.pos);
            if (rc < 0)
                return rc;
        }
    }
    return 0;
}

int bk_zd_finish(struct bk_zd *z)
{
    return z->any && z->last == 0 ? 0 : HAWK_EPROTO;
}

void bk_zd_free(struct bk_zd *z)
{
    if (z == NULL)
        return;
    ZSTD_freeDCtx(z->d);
    hk_free(z->out);
    hk_free(z);
}
