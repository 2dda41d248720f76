/*
 * config/settings.h - the configuration as typed structs, one per section
 * of hawk.cfg.  Each schema row (config/schema.c) names the member it
 * fills (HK_AT), so hk_config_load() fills struct hk_settings once and
 * every module reads its own section as plain fields: a mistyped name
 * fails the build, not the code path at run time, and defaults live in
 * the schema table alone.
 *
 * Strings are borrowed from the config (valid until hk_config_release());
 * NULL when unset with no default.  DURATION members (suffix _ms) hold
 * milliseconds, SIZE members bytes.  A new key is a schema row plus a
 * member here.
 */
#ifndef HK_CONFIG_SETTINGS_H
#define HK_CONFIG_SETTINGS_H

#include <libconfig.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A STR_LIST value: n strings, borrowed from the config. */
struct hk_cfg_list {
    const char *const *items;
    size_t n;
};

/* server.* */
struct hk_cfg_server {
    const char *listen;
    int64_t threads;
    int64_t max_body;          /* bytes */
    int64_t shutdown_grace_ms; /* ms */
    struct hk_cfg_list trusted_proxies;
};

/* database.* */
struct hk_cfg_database {
    const char *url;
    int64_t pool_size;
    int64_t connect_timeout_ms; /* ms */
    int64_t acquire_timeout_ms; /* ms */
    const char *embedded_run_as;
    const char *embedded_bindir;
};

/* auth.* */
struct hk_cfg_auth {
    const char *jwt_secret;
    int64_t access_ttl_ms;  /* ms */
    int64_t refresh_ttl_ms; /* ms */
    int64_t argon2_t_cost;
    int64_t argon2_m_cost; /* bytes */
    int64_t argon2_parallelism;
    int64_t login_max_failures;
    int64_t login_window_ms; /* ms */
};

/* log.* */
struct hk_cfg_log {
    const char *level;
    bool to_stdout; /* log.stdout */
    const char *file;
    const char *error_file;
    int64_t max_size; /* bytes */
    int64_t keep;
};

/* plans.* */
struct hk_cfg_plans {
    int64_t trial_days;
};

/* uploads.* */
struct hk_cfg_uploads {
    int64_t max_resume_size; /* bytes */
};

/* queue.* */
struct hk_cfg_queue {
    int64_t workers;
    struct hk_cfg_list queues;
    int64_t poll_interval_ms;      /* ms */
    int64_t heartbeat_interval_ms; /* ms */
    int64_t rescue_after_ms;       /* ms */
    int64_t per_user_concurrency;
    struct hk_cfg_list concurrency;
    int64_t prune_after_ms;    /* ms */
    int64_t shutdown_grace_ms; /* ms */
    int64_t batch_size;
    int64_t max_pending_per_user;
};

/* scheduler.* */
struct hk_cfg_scheduler {
    bool enabled;
    int64_t catch_up_ms; /* ms */
    int64_t lock_id;
};

/* llm.* */
struct hk_cfg_llm {
    const char *plugin;
    const char *prompts_dir;
    const char *templates_dir;
    const char *answers_dir;
    int64_t timeout_ms; /* ms */
};

/* lua.* */
struct hk_cfg_lua {
    int64_t max_instructions;
    int64_t max_memory;  /* bytes */
    int64_t max_wall_ms; /* ms */
    int64_t max_host_calls;
    int64_t max_source;   /* bytes */
    int64_t max_sleep_ms; /* ms */
    int64_t state_max;    /* bytes */
    int64_t max_log_lines;
    int64_t max_log_bytes; /* bytes */
    int64_t max_output;    /* bytes */
    int64_t sandbox_processes;
    int64_t sandbox_max_runs;
    int64_t sandbox_address_space; /* bytes */
    const char *sandbox_path;
};

/* mail.* */
struct hk_cfg_mail {
    const char *smtp_url;
    const char *username;
    const char *password;
    const char *starttls;
    const char *from;
    const char *from_name;
    const char *reply_to;
    const char *ca_file;
    int64_t timeout_ms; /* ms */
    int64_t max_attempts;
    const char *templates_dir;
    const char *spool_dir;
};

/* browser.* */
struct hk_cfg_browser {
    const char *chromedriver;
    const char *chromium;
    int64_t max_sessions;
    int64_t acquire_timeout_ms;   /* ms */
    int64_t idle_timeout_ms;      /* ms */
    int64_t command_timeout_ms;   /* ms */
    int64_t page_load_timeout_ms; /* ms */
};

/* web.* */
struct hk_cfg_web {
    const char *dir;
};

/* backup.* */
struct hk_cfg_backup {
    const char *dir;
    bool local;
    const char *storage;
    int64_t compression_level;
    int64_t compression_threads;
    const char *encryption_key_env;
    const char *pg_bindir;
    int64_t keep_last;
    int64_t keep_daily;
    int64_t keep_weekly;
    int64_t keep_monthly;
    bool schedule_enabled;
    const char *schedule_time;
    const char *schedule_tz;
    int64_t max_age_ms; /* ms */
    const char *alert_email;
    int64_t restore_wait_ms; /* ms */
};

/* billing.* */
struct hk_cfg_billing {
    const char *public_url;
    const char *plugin;
    int64_t webhook_max_body; /* bytes */
};

struct hk_settings {
    const char *data_dir;
    const char *plugin_dir;
    const config_setting_t *plugins;
    const config_setting_t *schedules;
    struct hk_cfg_server server;
    struct hk_cfg_database database;
    struct hk_cfg_auth auth;
    struct hk_cfg_log log;
    struct hk_cfg_plans plans;
    struct hk_cfg_uploads uploads;
    struct hk_cfg_queue queue;
    struct hk_cfg_scheduler scheduler;
    struct hk_cfg_llm llm;
    struct hk_cfg_lua lua;
    struct hk_cfg_mail mail;
    struct hk_cfg_browser browser;
    struct hk_cfg_web web;
    struct hk_cfg_backup backup;
    struct hk_cfg_billing billing;
};

#endif
