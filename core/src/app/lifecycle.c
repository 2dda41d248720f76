/*
 * app/lifecycle.c - process start-up and shut-down shared by subcommands.
 */
#include "app/lifecycle.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "apply/apply.h"
#include "auth/auth.h"
#include "backup/backup.h"
#include "browser/browser.h"
#include "admin/admin.h"
#include "billing/billing.h"
#include "config/config.h"
#include "db/db.h"
#include "app/health.h"
#include "http/http.h"
#include "llm/llm.h"
#include "log/log.h"
#include "lua/lua.h"
#include "lua/pool.h"
#include "mail/mail.h"
#include "platform/platform.h"
#include "queue/queue.h"
#include "plugin/metrics.h"
#include "plugin/plugins.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/str.h"
#include "util/time.h"
#include "web/web.h"

int hk_app_setup(struct hk_app *app, const char *config_path)
{
    char err[1024];
    memset(app, 0, sizeof(*app));
    atomic_store(&app->migrations_pending, -1);
    app->started_ms = hk_wall_ms();
    app->started_mono_ms = hk_mono_ms();
    app->cfg = hk_calloc(1, sizeof(*app->cfg));
    int rc = hk_config_load(config_path, app->cfg, err, sizeof(err));
    if (rc < 0) {
        fprintf(stderr, "hawk: %s\n", err);
        hk_free(app->cfg);
        app->cfg = NULL;
        return HAWK_ECONFIG;
    }
    const char *file = app->cfg->settings.log.file;
    const char *efile = app->cfg->settings.log.error_file;
    struct hk_log_opts lo = {
        .level = hk_log_level_parse(app->cfg->settings.log.level),
        .to_stdout = app->cfg->settings.log.to_stdout,
        .file = (file && file[0]) ? file : NULL,
        .error_file = (efile && efile[0]) ? efile : NULL,
        .max_bytes = app->cfg->settings.log.max_size,
        .keep = (int)app->cfg->settings.log.keep,
    };
    if (lo.level < 0)
        lo.level = HAWK_LOG_INFO;
    if (hk_log_init(&lo) < 0) {
        /* callers exit 2 without a teardown: release what we hold */
        hk_config_release(app->cfg);
        hk_free(app->cfg);
        app->cfg = NULL;
        return HAWK_ECONFIG;
    }
    return 0;
}

char *hk_redact_conninfo(const char *conninfo)
{
    struct hk_buf b;
    hk_buf_init(&b, 8192);
    const char *p = conninfo;
    /* URI form: scheme://user:password@host */
    const char *scheme = strstr(p, "://");
    if (scheme != NULL) {
        const char *at = strchr(scheme + 3, '@');
        const char *colon = strchr(scheme + 3, ':');
        if (at != NULL && colon != NULL && colon < at) {
            hk_buf_append(&b, p, (size_t)(colon - p + 1));
            hk_buf_puts(&b, "***");
            p = at;
        }
    }
    /* key=value form and URI query: password=... */
    while (*p != '\0') {
        const char *pw = strstr(p, "password=");
        if (pw == NULL) {
            hk_buf_puts(&b, p);
            break;
        }
        hk_buf_append(&b, p, (size_t)(pw - p) + 9);
        hk_buf_puts(&b, "***");
        p = pw + 9;
        while (*p != '\0' && *p != ' ' && *p != '&')
            p++;
    }
    return hk_buf_steal(&b, NULL);
}

/* Waits up to ms for one of the stop signals; true when one arrived. */
static bool wait_signal(const sigset_t *set, int64_t ms)
{
    if (set == NULL) {
        hk_sleep_ms(ms);
        return false;
    }
    struct timespec ts = {.tv_sec = ms / 1000,
                          .tv_nsec = (ms % 1000) * 1000000};
    int sig = sigtimedwait(set, NULL, &ts);
    return sig > 0;
}

#define PG_RESTARTS_METRIC "hawk_db_embedded_restarts_total"

/* Called by the embedded cluster's supervisor thread after a restart. */
static void count_pg_restart(void *ctx)
{
    (void)ctx;
    (void)hk_metrics_add(PG_RESTARTS_METRIC, NULL, 1);
}

int hk_app_db_open(struct hk_app *app)
{
    char err[1024];
    const char *url = app->cfg->settings.database.url;
    if (url == NULL || url[0] == '\0') {
        const char *bindir = app->cfg->settings.database.embedded_bindir;
        struct hk_pg_embedded_opts eo = {
            .data_dir = app->cfg->data_dir,
            .run_as = app->cfg->settings.database.embedded_run_as,
            .bindir = (bindir && bindir[0]) ? bindir : NULL,
            .adopt = app->serving,
        };
        char *eurl = NULL;
        hk_info("starting embedded postgresql under %s/pg", app->cfg->data_dir);
        int rc = hk_pg_embedded_start(&eo, &app->pg, &eurl, err, sizeof(err));
        if (rc < 0) {
            hk_log(HAWK_LOG_CRIT, "embedded postgresql failed: %s", err);
            fprintf(stderr, "hawk: embedded postgresql failed: %s\n", err);
            return rc;
        }
        app->db_url = eurl;
        if (app->serving) {
            /* the series exists from the start, at 0 */
            (void)hk_metrics_add(PG_RESTARTS_METRIC, NULL, 0);
            if (hk_pg_embedded_watch(app->pg, count_pg_restart, NULL) < 0)
                hk_log(HAWK_LOG_WARN, "the embedded PostgreSQL runs "
                                      "without a supervisor");
        }
    } else {
        app->db_url = hk_strdup(url);
    }

    struct hk_db_opts o = {
        .url = app->db_url,
        .pool_size = (int)app->cfg->settings.database.pool_size,
        .acquire_timeout_ms = app->cfg->settings.database.acquire_timeout_ms,
        .connect_timeout_ms = app->cfg->settings.database.connect_timeout_ms,
    };
    int rc = hk_db_open(&o, &app->db);
    if (rc < 0) {
        fprintf(stderr, "hawk: cannot create the database pool: %s\n",
                hawk_strerror(rc));
        return rc;
    }
    return hk_app_platform(app);
}

int hk_app_db_wait(struct hk_app *app, bool wait_forever, bool migrate,
                   const sigset_t *stop_signals)
{
    int rc;
    char *shown = hk_redact_conninfo(app->db_url);
    int64_t backoff = 500;
    int64_t give_up =
        hk_mono_ms() + 10 * app->cfg->settings.database.connect_timeout_ms;
    for (;;) {
        double rtt = 0;
        rc = hk_db_ping(app->db, &rtt);
        if (rc == 0)
            break;
        if (!wait_forever && hk_mono_ms() > give_up) {
            hk_log(HAWK_LOG_CRIT, "database unreachable at %s: giving up",
                   shown);
            fprintf(stderr,
                    "hawk: database unreachable at %s: check that PostgreSQL "
                    "is running and database.url is right\n",
                    shown);
            hk_free(shown);
            return HAWK_EUNAVAIL;
        }
        hk_log(HAWK_LOG_ERROR,
               "database unreachable at %s: retrying in %lld ms (check that "
               "PostgreSQL is running and database.url is right)",
               shown, (long long)backoff);
        if (wait_signal(stop_signals, backoff)) {
            hk_free(shown);
            return HAWK_ECANCELED;
        }
        backoff = backoff * 2 > 10000 ? 10000 : backoff * 2;
    }
    hk_info("database connected at %s", shown);
    hk_free(shown);

    if (migrate) {
        int applied = 0;
        rc = hk_migrate_run(app->db, &applied);
        if (rc < 0) {
            hk_log(HAWK_LOG_CRIT, "migrations failed: %s", hawk_strerror(rc));
            fprintf(stderr, "hawk: migrations failed (see the log above)\n");
            return rc;
        }
        atomic_store(&app->migrations_pending, 0);
        hk_info("migrations: %d applied", applied);
    }
    return 0;
}

int hk_app_load_jwt_key(struct hk_app *app)
{
    char err[512];
    char *secret = hk_config_jwt_secret(app->cfg, err, sizeof(err));
    if (secret == NULL) {
        fprintf(stderr, "hawk: %s\n", err);
        return HAWK_ECONFIG;
    }
    app->jwt_key_len = strlen(secret);
    app->jwt_key = (unsigned char *)secret;
    return 0;
}

/* Forgets the process's copy of the JWT key (auth/ keeps its own). */
static void drop_jwt_key(struct hk_app *app)
{
    if (app->jwt_key != NULL) {
        hk_free_secret((char *)app->jwt_key);
        app->jwt_key = NULL;
        app->jwt_key_len = 0;
    }
}

int hk_app_auth(struct hk_app *app)
{
    if (app->auth != NULL)
        return 0;
    /* Checks the argon2 settings and precomputes the dummy hash that keeps
     * unknown-email logins as slow as wrong-password ones. */
    int rc = hk_auth_new(&app->cfg->settings.auth, app->db, app->jwt_key,
                         app->jwt_key_len, &app->auth);
    drop_jwt_key(app);
    if (rc < 0) {
        fprintf(stderr, "hawk: invalid auth.argon2 settings (see the log)\n");
        return HAWK_ECONFIG;
    }
    return 0;
}

/* The billing module on the database and the loaded plugins (a server
 * without a payment plugin answers billing requests with a 503 that
 * says what to configure). */
static int app_billing(struct hk_app *app)
{
    struct hk_billing_cfg bc;
    struct hk_err err = HK_ERR_INIT;
    if (app->billing != NULL)
        return 0;
    hk_billing_cfg_from_config(app->cfg, &bc);
    if (hk_billing_new(&bc, app->db, app->plugins, &app->billing, &err) < 0) {
        hk_log(HAWK_LOG_CRIT, "%s", err.msg);
        fprintf(stderr, "hawk: %s\n", err.msg);
        return HAWK_ECONFIG;
    }
    return 0;
}

void hk_app_routes(struct hk_app *app)
{
    if (app->router == NULL)
        app->router = hk_router_new();
    hk_health_routes(app->router);
    if (hk_app_auth(app) == 0)
        hk_auth_routes(app->router, app->auth);
    if (hk_app_platform(app) == 0)
        hk_platform_routes(app->router, app->platform);
    if (app_billing(app) == 0)
        hk_billing_routes(app->router, app->billing);
    struct hk_admin_cfg ac = {.trial_days =
                                  app->cfg->settings.plans.trial_days};
    struct hk_err aerr = HK_ERR_INIT;
    if (app->admin != NULL ||
        hk_admin_new(&ac, app->db, &app->admin, &aerr) == 0)
        hk_admin_routes(app->router, app->admin);
    hk_queue_routes(app->router);
    hk_lua_routes(app->router);
    hk_llm_routes(app->router);
    hk_apply_routes(app->router, &app->db);
    hk_web_routes(app->router);
}

int hk_app_platform(struct hk_app *app)
{
    struct hk_err err = HK_ERR_INIT;
    if (app->platform != NULL)
        return 0;
    struct hk_platform_cfg pc = {
        .plans = {.trial_days = app->cfg->settings.plans.trial_days},
        .resumes = {.max_resume_size =
                        (size_t)app->cfg->settings.uploads.max_resume_size},
    };
    if (hk_platform_new(&pc, app->db, &app->platform, &err) < 0) {
        hk_log(HAWK_LOG_CRIT, "%s", err.msg);
        fprintf(stderr, "hawk: %s\n", err.msg);
        return HAWK_ECONFIG;
    }
    return 0;
}

int hk_app_mail(struct hk_app *app)
{
    char tdir[1024], sdir[1024];
    struct hk_mail_cfg mc;
    struct hk_err err = HK_ERR_INIT;
    if (app->mail != NULL)
        return 0;
    int rc = hk_mail_cfg_from_config(app->cfg, &mc, tdir, sizeof(tdir), sdir,
                                     sizeof(sdir), &err);
    if (rc == 0)
        rc = hk_mail_new(&mc, &app->mail, &err);
    if (rc < 0) {
        hk_log(HAWK_LOG_CRIT, "%s", err.msg);
        fprintf(stderr, "hawk: %s\n", err.msg);
        return HAWK_ECONFIG;
    }
    return 0;
}

/* The backup module for the daily backup job and /health/detailed.  A
 * backup config that does not load stops start-up only when the daily
 * backup is on (`hawk backup` reports it otherwise). */
static int app_backup(struct hk_app *app)
{
    struct hk_backup_cfg bc;
    struct hk_err err = HK_ERR_INIT;
    if (app->backup != NULL)
        return 0;
    int rc = hk_backup_cfg_load(app->cfg, &bc, &err);
    if (rc == 0) {
        hk_strlcpy(bc.hawk_version, HAWK_VERSION, sizeof(bc.hawk_version));
        rc = hk_backup_new(&bc, app->db, app->db_url, app->plugins,
                           &app->backup, &err);
    }
    if (rc < 0 && app->cfg->settings.backup.schedule_enabled) {
        hk_log(HAWK_LOG_CRIT, "daily backup: %s", err.msg);
        fprintf(stderr, "hawk: daily backup: %s\n", err.msg);
        return HAWK_ECONFIG;
    }
    if (rc < 0)
        hk_log(HAWK_LOG_WARN, "backups: %s", err.msg);
    return app->backup != NULL
               ? hk_backup_register_kinds(app->backup, app->mail)
               : 0;
}

int hk_app_lua_pool(struct hk_app *app)
{
    if (app->lua_pool != NULL)
        return 0;
    struct hk_lua_pool_opts o;
    hk_lua_pool_opts_from_config(app->cfg, &o);
    struct hk_lua_limits lim;
    hk_lua_limits_from_config(app->cfg, &lim);
    char err[600];
    int rc = 0;
    if (o.address_space < lim.max_memory + 64LL * 1024 * 1024) {
        snprintf(err, sizeof(err),
                 "lua.sandbox_address_space (%lld bytes) must exceed "
                 "lua.max_memory (%lld bytes) by at least 64 MiB",
                 (long long)o.address_space, (long long)lim.max_memory);
        rc = HAWK_ECONFIG;
    } else {
        rc = hk_lua_pool_new(&o, &app->lua_pool, err, sizeof(err));
    }
    if (rc < 0) {
        hk_log(HAWK_LOG_CRIT, "workflow sandbox: %s", err);
        fprintf(stderr, "hawk: workflow sandbox: %s\n", err);
        return HAWK_ECONFIG;
    }
    return 0;
}

/* The browser service the job boards drive (no process starts until a
 * job asks for a session).  A missing chromedriver is not an error here:
 * the job that needs it fails with the package to install. */
static int app_browser(struct hk_app *app)
{
    struct hk_err err = HK_ERR_INIT;
    if (app->browser != NULL)
        return 0;
    const struct hk_cfg_browser *c = &app->cfg->settings.browser;
    struct hk_browser_cfg bc = {
        .chromedriver = c->chromedriver,
        .chromium = c->chromium,
        .data_dir = app->cfg->data_dir,
        .max_sessions = (int)c->max_sessions,
        .acquire_timeout_ms = c->acquire_timeout_ms,
        .command_timeout_ms = c->command_timeout_ms,
        .page_load_timeout_ms = c->page_load_timeout_ms,
        .idle_timeout_ms = c->idle_timeout_ms,
    };
    if (hk_browser_new(&bc, NULL, &app->browser, &err) < 0) {
        hk_log(HAWK_LOG_CRIT, "browser: %s", err.msg);
        fprintf(stderr, "hawk: browser: %s\n", err.msg);
        return HAWK_ECONFIG;
    }
    return 0;
}

int hk_app_register_kinds(struct hk_app *app)
{
    int rc = app_browser(app);
    if (rc == 0)
        rc = hk_app_mail(app);
    if (rc == 0)
        rc = hk_mail_register_kinds(app->mail);
    if (rc == 0)
        rc = app_backup(app);
    if (rc == 0)
        rc = hk_lua_queue_register(app);
    if (rc == 0)
        rc = hk_llm_register_tasks(app);
    if (rc == 0)
        rc = hk_apply_register_kind(app);
    if (rc < 0)
        hk_log(HAWK_LOG_CRIT, "cannot register job kinds: %s",
               hawk_strerror(rc));
    return rc;
}

int hk_app_load_templates(struct hk_app *app)
{
    char err[1024];
    if (hk_llm_init(app, err, sizeof(err)) < 0) {
        hk_log(HAWK_LOG_CRIT, "%s", err);
        fprintf(stderr, "hawk: %s\n", err);
        return HAWK_ECONFIG;
    }
    return 0;
}

void hk_app_teardown(struct hk_app *app)
{
    hk_lua_pool_free(app->lua_pool);
    app->lua_pool = NULL;
    /* Before the plugins: no session may outlive the code that drove it,
     * and every chromedriver and Chromium is ended here. */
    hk_browser_free(app->browser);
    app->browser = NULL;
    hk_backup_free(app->backup);
    app->backup = NULL;
    hk_mail_free(app->mail);
    app->mail = NULL;
    if (app->plugins != NULL) {
        hk_plugins_unload(app->plugins);
        app->plugins = NULL;
    }
    if (app->router != NULL) {
        hk_router_free(app->router);
        app->router = NULL;
    }
    hk_auth_free(app->auth);
    app->auth = NULL;
    hk_billing_free(app->billing);
    app->billing = NULL;
    hk_admin_free(app->admin);
    app->admin = NULL;
    hk_platform_free(app->platform);
    app->platform = NULL;
    if (app->db != NULL) {
        hk_db_close(app->db);
        app->db = NULL;
    }
    if (app->pg != NULL) {
        hk_info("stopping embedded postgresql");
        hk_pg_embedded_stop(app->pg);
        app->pg = NULL;
    }
    hk_free(app->db_url);
    app->db_url = NULL;
    drop_jwt_key(app);
    if (app->cfg != NULL) {
        hk_config_release(app->cfg);
        hk_free(app->cfg);
        app->cfg = NULL;
    }
    hk_llm_shutdown();
    hk_metrics_reset();
    hk_log_shutdown();
}
