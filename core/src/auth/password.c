/*
 * auth/password.c - argon2id password hashing and the password policy.
 */
#include <argon2.h>
#include <stdio.h>
#include <string.h>

#include "auth/auth.h"
#include "hawk/plugin.h"
#include "util/alloc.h"
#include "util/str.h"

#define SALT_LEN 16
#define HASH_LEN 32

/* Upper bounds accepted when verifying a stored hash: a corrupted or
 * planted row must not make one login allocate gigabytes. */
#define VERIFY_MAX_M_KIB (4u * 1024u * 1024u)
#define VERIFY_MAX_T 64u
#define VERIFY_MAX_P 64u

/*
 * Hashes `password` with argon2id, a fresh 16-byte salt and the given
 * parameters.  The result is the PHC string "$argon2id$v=19$m=..,t=..,
 * p=..$salt$hash", which carries its own parameters so hashes made with
 * older settings still verify.  *encoded_out: caller frees with hk_free.
 * Returns 0, HAWK_EINVAL (parameters refused by libargon2, or a password
 * over HK_PASSWORD_MAX bytes) or HAWK_EIO (no randomness).
 */
int hk_password_hash(const struct hk_argon2_params *p, const char *password,
                     char **encoded_out)
{
    unsigned char salt[SALT_LEN];
    size_t pwlen = strlen(password);

    *encoded_out = NULL;
    if (pwlen > HK_PASSWORD_MAX)
        return HAWK_EINVAL;
    if (hk_random_bytes(salt, sizeof salt) < 0)
        return HAWK_EIO;

    size_t enclen = argon2_encodedlen(p->t_cost, p->m_cost_kib, p->parallelism,
                                      SALT_LEN, HASH_LEN, Argon2_id);
    char *enc = hk_malloc(enclen);
    int rc = argon2id_hash_encoded(p->t_cost, p->m_cost_kib, p->parallelism,
                                   password, pwlen, salt, sizeof salt, HASH_LEN,
                                   enc, enclen);
    if (rc != ARGON2_OK) {
        hk_free(enc);
        return HAWK_EINVAL;
    }
    *encoded_out = enc;
    return 0;
}

/* Reads "m=..,t=..,p=.." out of a PHC string so absurd costs can be
 * refused before libargon2 allocates for them. */
static int check_stored_params(const char *encoded)
{
    static const char prefix[] = "$argon2id$v=19$";
    unsigned m = 0, t = 0, par = 0;
    int consumed = 0;

    if (strncmp(encoded, prefix, sizeof prefix - 1) != 0)
        return HAWK_EINVAL;
    if (sscanf(encoded + sizeof prefix - 1, "m=%u,t=%u,p=%u$%n", &m, &t, &par,
               &consumed) != 3 ||
        consumed == 0)
        return HAWK_EINVAL;
    if (m == 0 || m > VERIFY_MAX_M_KIB || t == 0 || t > VERIFY_MAX_T ||
        par == 0 || par > VERIFY_MAX_P)
        return HAWK_EINVAL;
    return 0;
}

/*
 * Verifies `password` against a stored argon2id PHC string (libargon2
 * compares in constant time).  Both pointers are borrowed.  Returns 0 on
 * a match, HAWK_EAUTH on a mismatch, HAWK_EINVAL if `encoded` is not a
 * well-formed argon2id hash with sane costs.
 */
int hk_password_verify(const char *encoded, const char *password)
{
    if (encoded == NULL || password == NULL)
        return HAWK_EINVAL;
    size_t pwlen = strlen(password);
    if (pwlen > HK_PASSWORD_MAX)
        return HAWK_EAUTH;
    if (check_stored_params(encoded) < 0)
        return HAWK_EINVAL;
    int rc = argon2id_verify(encoded, password, pwlen);
    if (rc == ARGON2_OK)
        return 0;
    if (rc == ARGON2_VERIFY_MISMATCH)
        return HAWK_EAUTH;
    return HAWK_EINVAL;
}

/* Counts UTF-8 code points in a string already known to be valid. */
static size_t utf8_chars(const char *s, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        if (((unsigned char)s[i] & 0xc0) != 0x80)
            n++;
    }
    return n;
}

/*
 * The password policy for new passwords.  `password` is borrowed and
 * `len` is its byte length (JSON strings may hold "\u0000", so strlen is
 * not trusted).  Returns 0, or HAWK_EINVAL with *msg pointing at a static
 * message.
 */
int hk_password_policy(const char *password, size_t len, const char **msg)
{
    if (len > HK_PASSWORD_MAX) {
        *msg = "password must be at most 1024 bytes";
        return HAWK_EINVAL;
    }
    if (memchr(password, '\0', len) != NULL) {
        *msg = "password must not contain NUL characters";
        return HAWK_EINVAL;
    }
    if (!hk_utf8_valid(password, len)) {
        *msg = "password must be valid UTF-8";
        return HAWK_EINVAL;
    }
    if (utf8_chars(password, len) < HK_PASSWORD_MIN) {
        *msg = "password must be at least 10 characters";
        return HAWK_EINVAL;
    }
    *msg = NULL;
    return 0;
}
