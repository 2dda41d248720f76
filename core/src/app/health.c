/*
 * app/health.c - health probes and metrics.
 *
 * These report on the whole process (the pool, the embedded cluster,
 * migrations, plugins, backups, shutdown), so they live in the
 * composition root, the one place that knows every module; the /proc
 * readings they show come from health/sysinfo.
 *
 * /health/liveness answers from a static buffer without touching the
 * database: it says the process serves HTTP, nothing more, so an
 * orchestrator restarts hawk only when hawk itself is stuck.  /health
 * says whether hawk can do its work: "ok", or 503 "degraded" while the
 * database is unreachable (everything that needs it answers 503 then).
 * /health/readiness says whether requests can be served (database
 * reachable, migrations applied).  Nothing here returns internal error
 * text, connection strings or secrets.
 */
#include "app/health.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "app/app.h"
#include "backup/backup.h"
#include "config/config.h"
#include "db/db.h"
#include "health/metrics_db.h"
#include "health/sysinfo.h"
#include "http/http.h"
#include "plugin/metrics.h"
#include "plugin/plugins.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/time.h"

static const char liveness_body[] = "{\"status\":\"alive\"}";

static void h_liveness(struct hk_req *req, struct hk_resp *resp)
{
    (void)req;
    hk_resp_bytes(resp, 200, "application/json", liveness_body,
                  sizeof(liveness_body) - 1);
}

static void h_health(struct hk_req *req, struct hk_resp *resp)
{
    struct hk_app *app = req->app;
    char ts[32];
    hk_time_rfc3339(hk_wall_ms(), ts, sizeof(ts));
    bool db_ok =
        app != NULL && app->db != NULL && hk_db_ping(app->db, NULL) == 0;
    json_object *o = json_object_new_object();
    json_object_object_add(o, "status",
                           json_object_new_string(db_ok ? "ok" : "degraded"));
    json_object_object_add(o, "version", json_object_new_string(HAWK_VERSION));
    json_object_object_add(o, "timestamp", json_object_new_string(ts));
    json_object_object_add(
        o, "database", json_object_new_string(db_ok ? "ok" : "unavailable"));
    hk_resp_json(resp, db_ok ? 200 : 503, o);
}

/* Database status as seen now: sets *ok and the round trip. */
static json_object *db_status(struct hk_app *app, bool *ok)
{
    json_object *d = json_object_new_object();
    double rtt = 0;
    int rc = app->db ? hk_db_ping(app->db, &rtt) : HAWK_EUNAVAIL;
    *ok = rc == 0;
    json_object_object_add(d, "status",
                           json_object_new_string(*ok ? "ok" : "unavailable"));
    if (*ok)
        json_object_object_add(d, "rtt_ms", json_object_new_double(rtt));
    json_object_object_add(
        d, "mode", json_object_new_string(app->pg ? "embedded" : "external"));
    if (app->db != NULL) {
        int total = 0, idle = 0;
        hk_db_stats(app->db, &total, &idle);
        json_object_object_add(d, "pool_connections",
                               json_object_new_int(total));
        json_object_object_add(d, "pool_idle", json_object_new_int(idle));
    }
    return d;
}

/* Pending migrations: refreshes the app's cached count when reachable. */
static int pending_migrations(struct hk_app *app)
{
    int pending = -1;
    if (app->db != NULL && hk_migrate_pending(app->db, &pending) == 0)
        atomic_store(&app->migrations_pending, pending);
    return atomic_load(&app->migrations_pending);
}

static void h_readiness(struct hk_req *req, struct hk_resp *resp)
{
    struct hk_app *app = req->app;
    bool db_ok = false;
    json_object *o = json_object_new_object();
    json_object_object_add(o, "database", db_status(app, &db_ok));
    int pending = db_ok ? pending_migrations(app) : -1;
    const char *reason = NULL;
    if (atomic_load(&app->stopping))
        reason = "shutting down";
    else if (!db_ok)
        reason = "database unavailable";
    else if (pending != 0)
        reason = "migrations pending";
    json_object_object_add(
        o, "status", json_object_new_string(reason ? "not_ready" : "ready"));
    if (reason != NULL)
        json_object_object_add(o, "reason", json_object_new_string(reason));
    json_object_object_add(o, "migrations_pending",
                           json_object_new_int(pending));
    hk_resp_json(resp, reason ? 503 : 200, o);
}

static json_object *system_json(struct hk_app *app)
{
    struct hk_sysinfo si;
    const char *data_dir = app->cfg ? app->cfg->data_dir : NULL;
    hk_sysinfo_read(data_dir, &si);
    json_object *s = json_object_new_object();
    json_object_object_add(s, "cpu_user_seconds",
                           json_object_new_double(si.cpu_user_s));
    json_object_object_add(s, "cpu_system_seconds",
                           json_object_new_double(si.cpu_system_s));
    json_object_object_add(s, "load1", json_object_new_double(si.load1));
    json_object_object_add(s, "cpus", json_object_new_int(si.ncpu));
    json_object_object_add(s, "rss_bytes", json_object_new_int64(si.rss_bytes));
    json_object_object_add(s, "memory_total_bytes",
                           json_object_new_int64(si.mem_total_bytes));
    json_object_object_add(s, "memory_available_bytes",
                           json_object_new_int64(si.mem_available_bytes));
    json_object_object_add(s, "disk_total_bytes",
                           json_object_new_int64(si.disk_total_bytes));
    json_object_object_add(s, "disk_free_bytes",
                           json_object_new_int64(si.disk_free_bytes));
    if (si.disk_total_bytes > 0)
        json_object_object_add(
            s, "disk_used_percent",
            json_object_new_double(
                100.0 * (double)(si.disk_total_bytes - si.disk_free_bytes) /
                (double)si.disk_total_bytes));
    return s;
}

static void h_detailed(struct hk_req *req, struct hk_resp *resp)
{
    struct hk_app *app = req->app;
    char ts[32], host[256];
    hk_time_rfc3339(hk_wall_ms(), ts, sizeof(ts));
    if (gethostname(host, sizeof(host)) != 0)
        host[0] = '\0';
    host[sizeof(host) - 1] = '\0';
    bool db_ok = false;
    json_object *o = json_object_new_object();
    json_object_object_add(o, "version", json_object_new_string(HAWK_VERSION));
    json_object_object_add(o, "timestamp", json_object_new_string(ts));
    json_object_object_add(o, "hostname", json_object_new_string(host));
    json_object_object_add(
        o, "uptime_seconds",
        json_object_new_double((double)(hk_mono_ms() - app->started_mono_ms) /
                               1000.0));
    json_object_object_add(o, "system", system_json(app));
    json_object_object_add(o, "database", db_status(app, &db_ok));
    json_object_object_add(
        o, "migrations_pending",
        json_object_new_int(db_ok ? pending_migrations(app) : -1));

    /* Plugins render their own JSON object text; parse it back. */
    struct hk_buf pb;
    hk_buf_init(&pb, 1 << 20);
    hk_buf_putc(&pb, '{');
    if (app->plugins != NULL)
        hk_plugins_health_json(app->plugins, &pb);
    hk_buf_putc(&pb, '}');
    json_object *plugins = json_tokener_parse(hk_buf_str(&pb));
    hk_buf_release(&pb);
    json_object_object_add(o, "plugins",
                           plugins ? plugins : json_object_new_object());

    /* Backups: the age of the last good one (any process's). */
    bool backup_stale = false;
    if (app->backup != NULL && db_ok) {
        struct hk_buf bb;
        hk_buf_init(&bb, 64 << 10);
        (void)hk_backup_status_json(app->db, hk_backup_config(app->backup), &bb,
                                    &backup_stale);
        json_object *bj = json_tokener_parse(hk_buf_str(&bb));
        hk_buf_release(&bb);
        if (bj != NULL)
            json_object_object_add(o, "backup", bj);
    }

    bool plugins_ok = true;
    json_object_object_foreach(plugins ? plugins : o, k, v)
    {
        (void)k;
        json_object *st;
        /* A plugin that errors now or failed to load leaves hawk up but
         * unable to do part of its work: degraded. */
        if (plugins && json_object_object_get_ex(v, "status", &st) &&
            (strcmp(json_object_get_string(st), "error") == 0 ||
             strcmp(json_object_get_string(st), "failed") == 0))
            plugins_ok = false;
    }
    const char *status = !db_ok                        ? "unavailable"
                         : plugins_ok && !backup_stale ? "ok"
                                                       : "degraded";
    json_object_object_add(o, "status", json_object_new_string(status));
    hk_resp_json(resp, db_ok ? 200 : 503, o);
}

static void h_metrics(struct hk_req *req, struct hk_resp *resp)
{
    struct hk_app *app = req->app;
    struct hk_buf b;
    struct hk_sysinfo si;
    hk_buf_init(&b, 8 << 20);
    hk_sysinfo_read(app->cfg ? app->cfg->data_dir : NULL, &si);
    hk_buf_printf(&b,
                  "# HELP hawk_up 1 while the process serves requests.\n"
                  "# TYPE hawk_up gauge\nhawk_up 1\n"
                  "# HELP hawk_uptime_seconds Seconds since start.\n"
                  "# TYPE hawk_uptime_seconds gauge\nhawk_uptime_seconds %.3f\n"
                  "# HELP process_cpu_seconds_total CPU time used.\n"
                  "# TYPE process_cpu_seconds_total counter\n"
                  "process_cpu_seconds_total %.2f\n"
                  "# HELP process_resident_memory_bytes Resident memory.\n"
                  "# TYPE process_resident_memory_bytes gauge\n"
                  "process_resident_memory_bytes %lld\n",
                  (double)(hk_mono_ms() - app->started_mono_ms) / 1000.0,
                  si.cpu_user_s + si.cpu_system_s, (long long)si.rss_bytes);
    if (app->db != NULL) {
        int total = 0, idle = 0;
        hk_db_stats(app->db, &total, &idle);
        hk_buf_printf(
            &b,
            "# HELP hawk_db_pool_connections Open database connections.\n"
            "# TYPE hawk_db_pool_connections gauge\n"
            "hawk_db_pool_connections %d\n"
            "# HELP hawk_db_pool_idle Idle database connections in the "
            "pool.\n"
            "# TYPE hawk_db_pool_idle gauge\n"
            "hawk_db_pool_idle %d\n",
            total, idle);
        hk_backup_metrics(app->db, &b);
        hk_metrics_db_render(app->db, &b);
    }
    hk_metrics_process_render(&b);
    hk_metrics_render(&b);
    size_t len = 0;
    char *text = hk_buf_steal(&b, &len);
    hk_resp_bytes(resp, 200, "text/plain; version=0.0.4; charset=utf-8", text,
                  len);
    hk_free(text);
}

void hk_health_routes(struct hk_router *r)
{
    hk_router_add(r, "GET", "/health", h_health, HK_ROUTE_QUIET);
    hk_router_add(r, "GET", "/health/liveness", h_liveness, HK_ROUTE_QUIET);
    hk_router_add(r, "GET", "/health/readiness", h_readiness, HK_ROUTE_QUIET);
    hk_router_add(r, "GET", "/health/detailed", h_detailed, HK_ROUTE_QUIET);
    hk_router_add(r, "GET", "/metrics", h_metrics, HK_ROUTE_QUIET);
}
