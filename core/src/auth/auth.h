/*
 * auth/auth.h - accounts: password hashing (argon2id), JWT access tokens
 * (HS256), rotating refresh tokens with reuse detection, login
 * throttling, and the /api/v1/auth and /api/v1/user routes.
 */
#ifndef HK_AUTH_H
#define HK_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct hk_auth;
struct hk_cfg_auth;
struct hk_db;
struct hk_router;

struct hk_argon2_params {
    uint32_t t_cost;     /* iterations */
    uint32_t m_cost_kib; /* memory */
    uint32_t parallelism;
};

/* Hashes a password into an encoded argon2id string (caller hk_free). */
int hk_password_hash(const struct hk_argon2_params *p, const char *password,
                     char **encoded_out);
/* 0 if the password matches, HAWK_EAUTH if not, HAWK_EINVAL if the
 * encoded hash is malformed. */
int hk_password_verify(const char *encoded, const char *password);

struct hk_jwt_claims {
    int64_t sub; /* user id */
    bool admin;
    int64_t iat;
    int64_t exp;
    char jti[33];
};

/* Signs claims with HS256; caller frees *token with hk_free. */
int hk_jwt_sign(const unsigned char *key, size_t key_len,
                const struct hk_jwt_claims *c, char **token);
/* Verifies signature (constant time), alg == HS256 exactly, typ, exp
 * against now_s.  Returns 0, or HAWK_EAUTH with reason ("expired",
 * "bad signature", "unsupported alg", "malformed"). */
int hk_jwt_verify(const unsigned char *key, size_t key_len, const char *token,
                  int64_t now_s, struct hk_jwt_claims *c, const char **reason);

/* Makes the accounts module from the auth.* section (borrowed), the pool
 * (borrowed, may be NULL when nothing is served) and the JWT key (copied;
 * NULL: no tokens).  Checks the argon2 settings and precomputes the dummy
 * hash that keeps unknown-email logins as slow as wrong-password ones.
 * Caller frees *out with hk_auth_free().  0, HAWK_ECONFIG (argon2
 * parameters refused, logged) or HAWK_EIO (no randomness). */
int hk_auth_new(const struct hk_cfg_auth *cfg, struct hk_db *db,
                const unsigned char *jwt_key, size_t jwt_key_len,
                struct hk_auth **out);
/* Accepts NULL. */
void hk_auth_free(struct hk_auth *a);

/* The http/ auth check for HK_ROUTE_AUTH routes (hk_http_auth_fn): ctx
 * is the struct hk_auth; validates "Bearer <jwt>". */
int hk_auth_check_bearer(void *ctx, const char *authorization, int64_t *user_id,
                         bool *is_admin, const char **reason);

/* Registers /api/v1/auth/... and /api/v1/user... routes with a as their
 * context (borrowed, must outlive the router). */
void hk_auth_routes(struct hk_router *r, struct hk_auth *a);

/* `hawk user create-admin --email E`: password from stdin, or generated
 * and printed once.  a needs its pool.  Returns a process exit code. */
int hk_auth_cli_create_admin(struct hk_auth *a, int argc, char **argv);

/* Password length limits in bytes (the minimum is also checked in
 * characters, which is what the message says). */
#define HK_PASSWORD_MIN 10
#define HK_PASSWORD_MAX 1024

/* Checks a new password against the policy: valid UTF-8 without NUL, at
 * least HK_PASSWORD_MIN characters, at most HK_PASSWORD_MAX bytes.
 * Returns 0, or HAWK_EINVAL with *msg set to a static user-facing
 * message. */
int hk_password_policy(const char *password, size_t len, const char **msg);

#endif
