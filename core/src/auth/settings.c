/*
 * auth/settings.c - the auth.* settings and the dummy password hash.
 */
#include <pthread.h>
#include <stdbool.h>
#include <string.h>

#include "app/app.h"
#include "auth/internal.h"
#include "config/config.h"
#include "hawk/plugin.h"
#include "log/log.h"
#include "util/alloc.h"
#include "util/str.h"

static pthread_mutex_t settings_lock = PTHREAD_MUTEX_INITIALIZER;
static struct hk_auth_settings settings;
static bool settings_ready;

static void load_defaults(struct hk_auth_settings *s)
{
    s->argon2.t_cost = 3;
    s->argon2.m_cost_kib = 64 * 1024;
    s->argon2.parallelism = 1;
    s->access_ttl_s = (int64_t)15 * 60;
    s->refresh_ttl_s = (int64_t)30 * 24 * 3600;
    s->login_max_failures = 5;
    s->login_window_ms = (int64_t)15 * 60 * 1000;
}

static int64_t ms_to_s_ceil(int64_t ms)
{
    int64_t s = (ms + 999) / 1000;
    return s < 1 ? 1 : s;
}

static void load_config(struct hk_auth_settings *s, const struct hk_config *c)
{
    int64_t m_bytes = hk_cfg_int(c, "auth.argon2.m_cost");
    int64_t t = hk_cfg_int(c, "auth.argon2.t_cost");
    int64_t p = hk_cfg_int(c, "auth.argon2.parallelism");

    /* The schema bounds these; clamping keeps a schema slip from turning
     * into a silent wrap-around. */
    s->argon2.m_cost_kib = (uint32_t)(m_bytes / 1024 > UINT32_MAX
                                          ? UINT32_MAX
                                          : (m_bytes < 0 ? 0 : m_bytes / 1024));
    s->argon2.t_cost =
        (uint32_t)(t < 0 ? 0 : (t > UINT32_MAX ? UINT32_MAX : t));
    s->argon2.parallelism =
        (uint32_t)(p < 0 ? 0 : (p > UINT32_MAX ? UINT32_MAX : p));
    s->access_ttl_s = ms_to_s_ceil(hk_cfg_int(c, "auth.access_ttl"));
    s->refresh_ttl_s = ms_to_s_ceil(hk_cfg_int(c, "auth.refresh_ttl"));
    s->login_max_failures = hk_cfg_int(c, "auth.login_max_failures");
    if (s->login_max_failures < 1)
        s->login_max_failures = 1;
    s->login_window_ms = hk_cfg_int(c, "auth.login_window");
    if (s->login_window_ms < 1000)
        s->login_window_ms = 1000;
}

/*
 * Resolves the settings from app->cfg (or defaults) and computes the
 * dummy hash with the configured argon2 parameters.  `app` is borrowed
 * and may be NULL.  Idempotent and thread-safe.  Returns 0, HAWK_ECONFIG
 * when libargon2 refuses the parameters, HAWK_EIO without randomness.
 */
int hk_auth_init(struct hk_app *app)
{
    struct hk_auth_settings s;
    unsigned char rnd[24];
    char pw[33];
    int rc = 0;

    pthread_mutex_lock(&settings_lock);
    if (settings_ready)
        goto out;

    memset(&s, 0, sizeof s);
    load_defaults(&s);
    if (app != NULL && app->cfg != NULL)
        load_config(&s, app->cfg);

    rc = hk_random_bytes(rnd, sizeof rnd);
    if (rc < 0)
        goto out;
    hk_b64url_encode(rnd, sizeof rnd, pw);
    rc = hk_password_hash(&s.argon2, pw, &s.dummy_hash);
    explicit_bzero(pw, sizeof pw);
    if (rc < 0) {
        hk_error("auth.argon2 parameters refused by libargon2 "
                 "(t_cost=%u m_cost=%u KiB parallelism=%u): m_cost must be "
                 "at least 8 KiB per lane",
                 s.argon2.t_cost, s.argon2.m_cost_kib, s.argon2.parallelism);
        rc = HAWK_ECONFIG;
        goto out;
    }
    settings = s;
    settings_ready = true;
out:
    pthread_mutex_unlock(&settings_lock);
    return rc;
}

/* Frees the dummy hash; the next hk_auth_init() starts over. */
void hk_auth_shutdown(void)
{
    pthread_mutex_lock(&settings_lock);
    if (settings_ready) {
        hk_free(settings.dummy_hash);
        memset(&settings, 0, sizeof settings);
        settings_ready = false;
    }
    pthread_mutex_unlock(&settings_lock);
}

/*
 * The resolved settings, initialising on first use.  The pointer is
 * borrowed until hk_auth_shutdown(), which must not run while requests
 * are served.  NULL when initialisation failed.
 */
const struct hk_auth_settings *hk_auth_settings_get(struct hk_app *app)
{
    bool ready;

    pthread_mutex_lock(&settings_lock);
    ready = settings_ready;
    pthread_mutex_unlock(&settings_lock);
    if (!ready && hk_auth_init(app) < 0)
        return NULL;
    return &settings;
}
