/*
 * auth/settings.c - the accounts module object: its settings from the
 * auth.* section, the JWT key and the dummy password hash.
 */
#include <stdbool.h>
#include <string.h>

#include "auth/internal.h"
#include "config/settings.h"
#include "hawk/plugin.h"
#include "log/log.h"
#include "util/alloc.h"
#include "util/assert.h"
#include "util/str.h"

/* Milliseconds to whole seconds, rounded up, at least 1 (a token lives
 * for at least a second). */
HK_STATIC int64_t ms_to_s_ceil(int64_t ms)
{
    int64_t s = (ms + 999) / 1000;
    return s < 1 ? 1 : s;
}

/* Converts the auth.* section into the units the module works in.  The
 * schema bounds every value; clamping keeps a schema slip from turning
 * into a silent wrap-around. */
static void load_config(struct hk_auth_settings *s, const struct hk_cfg_auth *c)
{
    int64_t m_bytes = c->argon2_m_cost;
    int64_t t = c->argon2_t_cost;
    int64_t p = c->argon2_parallelism;

    s->argon2.m_cost_kib = (uint32_t)(m_bytes / 1024 > UINT32_MAX
                                          ? UINT32_MAX
                                          : (m_bytes < 0 ? 0 : m_bytes / 1024));
    s->argon2.t_cost =
        (uint32_t)(t < 0 ? 0 : (t > UINT32_MAX ? UINT32_MAX : t));
    s->argon2.parallelism =
        (uint32_t)(p < 0 ? 0 : (p > UINT32_MAX ? UINT32_MAX : p));
    s->access_ttl_s = ms_to_s_ceil(c->access_ttl_ms);
    s->refresh_ttl_s = ms_to_s_ceil(c->refresh_ttl_ms);
    s->login_max_failures = c->login_max_failures;
    if (s->login_max_failures < 1)
        s->login_max_failures = 1;
    s->login_window_ms = c->login_window_ms;
    if (s->login_window_ms < 1000)
        s->login_window_ms = 1000;
}

/*
 * Makes the accounts module: resolves the settings from cfg (borrowed),
 * copies the JWT key (may be NULL: tokens can then be neither issued nor
 * verified), and computes the dummy hash that logins for unknown emails
 * are verified against (so both cases cost one argon2 verify).  db is
 * borrowed, must outlive the module, and may be NULL for commands that
 * only list routes (handlers then answer 503).  *out is freed with
 * hk_auth_free().  Returns 0, HAWK_ECONFIG when libargon2 refuses the
 * parameters (logged), HAWK_EIO without randomness.
 */
int hk_auth_new(const struct hk_cfg_auth *cfg, struct hk_db *db,
                const unsigned char *jwt_key, size_t jwt_key_len,
                struct hk_auth **out)
{
    unsigned char rnd[24];
    char pw[33];
    struct hk_auth *a = hk_calloc(1, sizeof(*a));
    int rc;

    *out = NULL;
    a->db = db;
    load_config(&a->settings, cfg);
    if (jwt_key != NULL && jwt_key_len > 0) {
        a->jwt_key = hk_malloc(jwt_key_len);
        memcpy(a->jwt_key, jwt_key, jwt_key_len);
        a->jwt_key_len = jwt_key_len;
    }
    rc = hk_random_bytes(rnd, sizeof rnd);
    if (rc < 0)
        goto out;
    hk_b64url_encode(rnd, sizeof rnd, pw);
    rc = hk_password_hash(&a->settings.argon2, pw, &a->settings.dummy_hash);
    explicit_bzero(pw, sizeof pw);
    if (rc < 0) {
        hk_error("auth.argon2 parameters refused by libargon2 "
                 "(t_cost=%u m_cost=%u KiB parallelism=%u): m_cost must be "
                 "at least 8 KiB per lane",
                 a->settings.argon2.t_cost, a->settings.argon2.m_cost_kib,
                 a->settings.argon2.parallelism);
        rc = HAWK_ECONFIG;
        goto out;
    }
    *out = a;
    a = NULL;
out:
    hk_auth_free(a);
    return rc;
}

/* Frees the module; the key copy is wiped first.  Accepts NULL. */
void hk_auth_free(struct hk_auth *a)
{
    if (a == NULL)
        return;
    if (a->jwt_key != NULL) {
        explicit_bzero(a->jwt_key, a->jwt_key_len);
        hk_free(a->jwt_key);
    }
    hk_free(a->settings.dummy_hash);
    hk_free(a);
}

/* The resolved settings; borrowed until hk_auth_free(). */
const struct hk_auth_settings *hk_auth_settings(const struct hk_auth *a)
{
    HK_ASSERT(a != NULL && a->settings.dummy_hash != NULL);
    return &a->settings;
}
