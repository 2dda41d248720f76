/*
 * app/commands.c - serve, migrate, routes, plugins, user.
 */
#include "app/commands.h"

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/lifecycle.h"
#include "app/notify.h"
#include "auth/auth.h"
#include "backup/backup.h"
#include "config/config.h"
#include "db/db.h"
#include "health/metrics_db.h"
#include "http/http.h"
#include "log/log.h"
#include "plugin/http_client.h"
#include "plugin/plugins.h"
#include "queue/queue.h"
#include "sched/sched.h"
#include "lua/lua.h"
#include "llm/llm.h"
#include "mail/mail.h"
#include "util/alloc.h"
#include "util/str.h"
#include "web/web.h"

/* Blocks the stop signals in this thread (and every thread it creates
 * later), so they are taken only by sigtimedwait() in the main loop. */
static void block_signals(sigset_t *set)
{
    sigemptyset(set);
    sigaddset(set, SIGTERM);
    sigaddset(set, SIGINT);
    sigaddset(set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, set, NULL);
    signal(SIGPIPE, SIG_IGN);
}

/* Splits "host:port" / "[v6]:port"; the config layer validated it. */
static int parse_listen(const char *s, char *host, size_t hostlen, int *port)
{
    const char *colon = strrchr(s, ':');
    if (colon == NULL)
        return HAWK_EINVAL;
    const char *h = s;
    size_t hl = (size_t)(colon - s);
    if (hl >= 2 && h[0] == '[' && h[hl - 1] == ']') {
        h++;
        hl -= 2;
    }
    if (hl == 0 || hl >= hostlen)
        return HAWK_EINVAL;
    memcpy(host, h, hl);
    host[hl] = '\0';
    int64_t p;
    if (hk_parse_i64(colon + 1, 0, 65535, &p) < 0)
        return HAWK_EINVAL;
    *port = (int)p;
    return 0;
}

/* Loads and starts the configured plugins into app->plugins; a required
 * plugin that fails is printed and logged.  0 or the loader's error. */
static int load_plugins(struct hk_app *app)
{
    char err[1024];
    int rc = hk_plugins_load(app->cfg, app, HK_PLUGINS_START, &app->plugins,
                             err, sizeof(err));
    if (rc < 0) {
        hk_log(HAWK_LOG_CRIT, "%s", err);
        fprintf(stderr, "hawk: %s\n", err);
    }
    return rc;
}

/* Starts the scheduler from scheduler.* and `schedules`, with the other
 * modules' built-ins (*out NULL when it is disabled).  0, HAWK_ECONFIG
 * (logged) or HAWK_EINTERNAL. */
static int start_scheduler(struct hk_app *app,
                           const struct hk_sched_spec *extra, size_t n_extra,
                           struct hk_sched **out)
{
    struct hk_sched_opts o;
    bool enabled = false;
    *out = NULL;
    int rc = hk_sched_opts_from_config(app->cfg, extra, n_extra, &o, &enabled);
    if (rc < 0)
        return rc;
    if (enabled)
        rc = hk_sched_start(app->db, app->db_url, &o, out);
    else
        hk_info("scheduler: disabled in the config");
    hk_sched_opts_release(&o);
    return rc;
}

int hk_cmd_serve(const char *config_path)
{
    struct hk_app app;
    struct hk_http_server *http = NULL;
    struct hk_workers *workers = NULL;
    struct hk_sched *sched = NULL;
    struct hk_web *web = NULL;
    sigset_t set;
    char err[1024];
    int code = 1;
    int listen_fd = 0;

    block_signals(&set);
    if (hk_app_setup(&app, config_path) < 0)
        return 2;
    char host[256];
    int port = 0;
    if (parse_listen(app.cfg->settings.server.listen, host, sizeof(host),
                     &port) < 0) {
        fprintf(stderr, "hawk: server.listen must be host:port\n");
        hk_app_teardown(&app);
        return 2;
    }
    /* The port first: a second `hawk serve` on a port in use stops here,
     * before it starts, reuses or stops anything of the database. */
    if (hk_http_listen(host, port, &listen_fd, err, sizeof(err)) < 0) {
        hk_log(HAWK_LOG_CRIT, "%s", err);
        fprintf(stderr, "hawk: %s\n", err);
        hk_app_teardown(&app);
        return 1;
    }
    app.serving = true;
    hk_http_client_global_init();
    if (hk_app_lua_pool(&app) < 0 || hk_app_load_jwt_key(&app) < 0 ||
        hk_app_load_templates(&app) < 0) {
        code = 2;
        goto out;
    }

    if (load_plugins(&app) < 0)
        goto out;

    if (hk_app_db_open(&app) < 0)
        goto out;
    if (hk_app_auth(&app) < 0) {
        code = 2;
        goto out;
    }

    hk_app_routes(&app);
    struct hk_web_cfg wc = {.dir = app.cfg->settings.web.dir};
    struct hk_err werr = HK_ERR_INIT;
    if (hk_web_new(&wc, &web, &werr) < 0) {
        hk_log(HAWK_LOG_CRIT, "%s", werr.msg);
        fprintf(stderr, "hawk: %s\n", werr.msg);
        goto out;
    }
    int rc;
    struct hk_http_opts ho = {
        .host = host,
        .port = port,
        .threads = (int)app.cfg->settings.server.threads,
        .max_body = (size_t)app.cfg->settings.server.max_body,
        .grace_ms = app.cfg->settings.server.shutdown_grace_ms,
        .trusted_proxies = app.cfg->settings.server.trusted_proxies.items,
        .n_trusted_proxies = app.cfg->settings.server.trusted_proxies.n,
        .observe = hk_metrics_http_observe,
        .auth = hk_auth_check_bearer,
        .auth_ctx = app.auth,
        .fallback = hk_web_handle,
        .fallback_ctx = web,
        .listen_fd = listen_fd,
    };
    rc = hk_http_start(&ho, &app, app.router, &http, err, sizeof(err));
    if (rc == 0)
        listen_fd = 0; /* the server's now */
    if (rc < 0) {
        hk_log(HAWK_LOG_CRIT, "%s", err);
        fprintf(stderr, "hawk: %s\n", err);
        goto out;
    }
    hk_info("hawk %s listening on http://%s:%d", HAWK_VERSION, host,
            hk_http_port(http));

    /* The API answers 503 until the database is reachable and migrated. */
    hk_notify("STATUS=waiting for the database");
    rc = hk_app_db_wait(&app, true, true, &set);
    if (rc == HAWK_ECANCELED) {
        code = 0;
        goto out;
    }
    if (rc < 0)
        goto out;

    if (hk_app_register_kinds(&app) < 0)
        goto out;
    struct hk_sched_spec daily;
    char daily_cron[32];
    size_t n_daily = hk_backup_schedule_spec(app.backup, &daily, daily_cron,
                                             sizeof(daily_cron))
                         ? 1
                         : 0;
    if (hk_workers_start(&app, 0, NULL, &workers) < 0 ||
        start_scheduler(&app, &daily, n_daily, &sched) < 0) {
        fprintf(stderr, "hawk: cannot start the workers or the scheduler "
                        "(see the log)\n");
        code = 2;
        goto out;
    }
    hk_info("hawk ready");
    /* systemd (Type=notify) starts dependent units only now. */
    if (hk_notify("READY=1\nSTATUS=serving") < 0)
        hk_warn("cannot tell the service manager hawk is ready "
                "(NOTIFY_SOCKET=%s)",
                getenv("NOTIFY_SOCKET"));
    for (;;) {
        int sig = sigwaitinfo(&set, NULL);
        if (sig == SIGHUP) {
            /* logrotate's postrotate: the files were moved, reopen the
             * paths.  The configuration itself needs a restart. */
            hk_log_reopen();
            hk_info("SIGHUP received: log files reopened (configuration "
                    "changes need a restart)");
            continue;
        }
        if (sig > 0) {
            hk_info("signal %d received: shutting down", sig);
            break;
        }
    }
    code = 0;

out:
    atomic_store(&app.stopping, true);
    hk_notify("STOPPING=1");
    if (http != NULL)
        hk_http_stop(http);
    if (listen_fd > 0)
        close(listen_fd);
    hk_sched_stop(sched);
    if (workers != NULL)
        hk_workers_stop(workers, app.cfg->settings.queue.shutdown_grace_ms);
    hk_web_free(web);
    hk_app_teardown(&app);
    hk_http_client_global_cleanup();
    return code;
}

int hk_cmd_worker(const char *config_path, int argc, char **argv)
{
    struct hk_app app;
    sigset_t set;
    int code = 1;
    block_signals(&set);
    if (hk_app_setup(&app, config_path) < 0)
        return 2;
    hk_http_client_global_init();
    if (hk_app_lua_pool(&app) < 0 || hk_app_load_templates(&app) < 0) {
        code = 2;
        goto out;
    }
    if (load_plugins(&app) < 0)
        goto out;
    if (hk_app_db_open(&app) < 0)
        goto out;
    int rc = hk_app_db_wait(&app, true, true, &set);
    if (rc == HAWK_ECANCELED) {
        code = 0;
        goto out;
    }
    if (rc < 0 || hk_app_register_kinds(&app) < 0)
        goto out;
    code = hk_queue_cli_worker(&app, argc, argv);
out:
    hk_app_teardown(&app);
    hk_http_client_global_cleanup();
    return code;
}

int hk_cmd_workflow(const char *config_path, int argc, char **argv)
{
    struct hk_app app;
    sigset_t set;
    int code = 1;
    if (argc < 1 ||
        (strcmp(argv[0], "check") != 0 && strcmp(argv[0], "run") != 0)) {
        fprintf(stderr,
                "usage: hawk workflow check FILE [--user EMAIL]\n"
                "       hawk workflow run FILE --user EMAIL [--dry-run]\n");
        return 2;
    }
    bool check_user = false;
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--user") == 0)
            check_user = true;
    block_signals(&set);
    if (hk_app_setup(&app, config_path) < 0)
        return 2;
    /* The script's own log goes to the terminal; hawk's stays quiet. */
    if (hk_log_get_level() < HAWK_LOG_WARN)
        hk_log_set_level(HAWK_LOG_WARN);
    hk_http_client_global_init();
    if (hk_app_lua_pool(&app) < 0) {
        code = 2;
        goto out;
    }
    if (strcmp(argv[0], "run") == 0) {
        if (hk_app_load_templates(&app) < 0) {
            code = 2;
            goto out;
        }
        if (load_plugins(&app) < 0)
            goto out;
        if (hk_app_db_open(&app) < 0 ||
            hk_app_db_wait(&app, false, true, &set) < 0)
            goto out;
        /* Registered kinds let the run enqueue submissions that the
         * serve/worker processes then carry out. */
        if (hk_app_register_kinds(&app) < 0)
            goto out;
    } else if (check_user) {
        /* check --user also checks the user's plan: the database. */
        if (hk_app_db_open(&app) < 0 ||
            hk_app_db_wait(&app, false, true, &set) < 0)
            goto out;
    }
    code = hk_lua_cli(&app, argc, argv);
out:
    hk_app_teardown(&app);
    hk_http_client_global_cleanup();
    return code;
}

int hk_cmd_llm(const char *config_path, int argc, char **argv)
{
    struct hk_app app;
    if (hk_app_setup(&app, config_path) < 0)
        return 2;
    if (hk_log_get_level() < HAWK_LOG_WARN)
        hk_log_set_level(HAWK_LOG_WARN);
    hk_http_client_global_init();
    int code = hk_llm_cli(&app, argc, argv);
    hk_app_teardown(&app);
    hk_http_client_global_cleanup();
    return code;
}

int hk_cmd_mail(const char *config_path, int argc, char **argv)
{
    struct hk_app app;
    if (hk_app_setup(&app, config_path) < 0)
        return 2;
    if (hk_log_get_level() < HAWK_LOG_WARN)
        hk_log_set_level(HAWK_LOG_WARN);
    int code = hk_app_mail(&app) < 0 ? 2 : hk_mail_cli(app.mail, argc, argv);
    hk_app_teardown(&app);
    return code;
}

int hk_cmd_migrate(const char *config_path)
{
    struct hk_app app;
    sigset_t set;
    int code = 1;
    block_signals(&set);
    if (hk_app_setup(&app, config_path) < 0)
        return 2;
    if (hk_app_db_open(&app) == 0 &&
        hk_app_db_wait(&app, false, true, &set) == 0) {
        printf("migrations applied; database schema is current\n");
        code = 0;
    }
    hk_app_teardown(&app);
    return code;
}

int hk_cmd_routes(const char *config_path)
{
    struct hk_app app;
    if (hk_app_setup(&app, config_path) < 0)
        return 2;
    hk_app_routes(&app);
    size_t n = hk_router_count(app.router);
    for (size_t i = 0; i < n; i++) {
        const char *method, *pattern;
        unsigned flags;
        hk_router_at(app.router, i, &method, &pattern, &flags);
        printf("%s %s%s\n", method, pattern,
               (flags & HK_ROUTE_ADMIN)  ? " admin"
               : (flags & HK_ROUTE_AUTH) ? " auth"
                                         : "");
    }
    hk_app_teardown(&app);
    return 0;
}

int hk_cmd_plugins(const char *config_path, int argc, char **argv)
{
    bool json = argc >= 2 && strcmp(argv[1], "--json") == 0;
    if (argc < 1 || strcmp(argv[0], "list") != 0 || (argc >= 2 && !json)) {
        fprintf(stderr, "usage: hawk plugins list [--json] [-c FILE]\n");
        return 2;
    }
    struct hk_app app;
    if (hk_app_setup(&app, config_path) < 0)
        return 2;
    hk_http_client_global_init();
    /* The table is for the terminal; keep the log to what went wrong. */
    if (hk_log_get_level() < HAWK_LOG_WARN)
        hk_log_set_level(HAWK_LOG_WARN);
    int code = hk_plugins_cli_list_to(app.cfg, stdout, json);
    hk_app_teardown(&app);
    hk_http_client_global_cleanup();
    return code;
}

int hk_cmd_user(const char *config_path, int argc, char **argv)
{
    if (argc < 1 || strcmp(argv[0], "create-admin") != 0) {
        fprintf(stderr,
                "usage: hawk user create-admin --email EMAIL [-c FILE]\n");
        return 2;
    }
    struct hk_app app;
    sigset_t set;
    int code = 1;
    block_signals(&set);
    if (hk_app_setup(&app, config_path) < 0)
        return 2;
    /* Command output is for the terminal; logs only when something fails. */
    if (hk_log_get_level() < HAWK_LOG_WARN)
        hk_log_set_level(HAWK_LOG_WARN);
    if (hk_app_db_open(&app) == 0 &&
        hk_app_db_wait(&app, false, true, &set) == 0 && hk_app_auth(&app) == 0)
        code = hk_auth_cli_create_admin(app.auth, argc, argv);
    hk_app_teardown(&app);
    return code;
}
