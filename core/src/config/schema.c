/*
 * config/schema.c - every key hawk.cfg may contain.
 *
 * One row per key: dotted path, type, default (text form), range (both 0:
 * unchecked; DURATION in ms, SIZE in bytes), help, optional check.
 * Groups are implied by the dotted paths.  Each module keeps its rows in
 * its own banner section; append new sections before the terminator.
 * etc/hawk.cfg.example must document every row (a unit test checks it).
 */
#include "config/config.h"
#include "config/internal.h"

#define SEC 1000LL
#define MINUTE (60 * SEC)
#define HOUR (60 * MINUTE)
#define DAY (24 * HOUR)
#define KIB 1024LL
#define MIB (1024 * KIB)
#define GIB (1024 * MIB)

const struct hk_cfg_field hk_config_schema[] = {
    /* ---------------------------------------------------------------
     * server: the HTTP listener
     * ------------------------------------------------------------- */
    {"server.listen", HK_CFG_STR, "127.0.0.1:8080", 0, 0,
     "address:port the HTTP API listens on", hk_cfg_check_listen,
     HK_AT(server.listen)},
    {"server.threads", HK_CFG_INT, "4", 1, 256, "HTTP worker threads", NULL,
     HK_AT(server.threads)},
    {"server.max_body", HK_CFG_SIZE, "1MiB", 1 * KIB, 1 * GIB,
     "largest accepted request body", NULL, HK_AT(server.max_body)},
    {"server.shutdown_grace", HK_CFG_DURATION, "10s", 0, 10 * MINUTE,
     "how long in-flight requests may finish on shutdown", NULL,
     HK_AT(server.shutdown_grace_ms)},
    {"server.trusted_proxies", HK_CFG_STR_LIST, "", 0, 0,
     "reverse proxies (addresses or CIDR ranges) whose X-Forwarded-For "
     "names the client; empty: the peer is the client",
     NULL, HK_AT(server.trusted_proxies)},

    /* ---------------------------------------------------------------
     * files
     * ------------------------------------------------------------- */
    {"data_dir", HK_CFG_STR, "var", 0, 0,
     "directory for runtime data (embedded database, secrets, uploads); "
     "relative to the working directory",
     hk_cfg_check_nonempty, HK_AT(data_dir)},
    {"plugin_dir", HK_CFG_STR, "", 0, 0,
     "where plugin paths without a slash are looked up; empty: the "
     "compiled-in directory, then <dir of hawk>/plugins",
     NULL, HK_AT(plugin_dir)},

    /* ---------------------------------------------------------------
     * database
     * ------------------------------------------------------------- */
    {"database.url", HK_CFG_SECRET, "", 0, 0,
     "libpq connection string or postgresql:// URL; empty: run the "
     "embedded cluster under data_dir",
     hk_cfg_check_db_url, HK_AT(database.url)},
    {"database.pool_size", HK_CFG_INT, "8", 1, 512, "connections kept open",
     NULL, HK_AT(database.pool_size)},
    {"database.connect_timeout", HK_CFG_DURATION, "3s", 100, 5 * MINUTE,
     "time allowed to open one connection", NULL,
     HK_AT(database.connect_timeout_ms)},
    {"database.acquire_timeout", HK_CFG_DURATION, "5s", 10, 5 * MINUTE,
     "time a request waits for a free pool connection", NULL,
     HK_AT(database.acquire_timeout_ms)},
    {"database.embedded.run_as", HK_CFG_STR, "hawk", 0, 0,
     "user that owns and runs the embedded cluster when hawk runs as root",
     hk_cfg_check_nonempty, HK_AT(database.embedded_run_as)},
    {"database.embedded.bindir", HK_CFG_STR, "", 0, 0,
     "directory with initdb/pg_ctl; empty: search the system", NULL,
     HK_AT(database.embedded_bindir)},

    /* ---------------------------------------------------------------
     * auth
     * ------------------------------------------------------------- */
    {"auth.jwt_secret", HK_CFG_SECRET, "", 0, 0,
     "HMAC key for access tokens (at least 32 bytes); empty: generated "
     "once into <data_dir>/jwt.secret",
     hk_cfg_check_jwt_secret, HK_AT(auth.jwt_secret)},
    {"auth.access_ttl", HK_CFG_DURATION, "15m", 1 * MINUTE, 1 * DAY,
     "lifetime of an access token", NULL, HK_AT(auth.access_ttl_ms)},
    {"auth.refresh_ttl", HK_CFG_DURATION, "30d", 1 * HOUR, 365 * DAY,
     "lifetime of a refresh token", NULL, HK_AT(auth.refresh_ttl_ms)},
    {"auth.argon2.t_cost", HK_CFG_INT, "3", 1, 16, "argon2id iterations", NULL,
     HK_AT(auth.argon2_t_cost)},
    {"auth.argon2.m_cost", HK_CFG_SIZE, "64MiB", 8 * KIB, 4 * GIB,
     "argon2id memory per hash", NULL, HK_AT(auth.argon2_m_cost)},
    {"auth.argon2.parallelism", HK_CFG_INT, "1", 1, 16, "argon2id lanes", NULL,
     HK_AT(auth.argon2_parallelism)},
    {"auth.login_max_failures", HK_CFG_INT, "5", 1, 1000,
     "failed logins allowed per account and address within login_window", NULL,
     HK_AT(auth.login_max_failures)},
    {"auth.login_window", HK_CFG_DURATION, "15m", 1 * SEC, 1 * DAY,
     "window over which failed logins are counted", NULL,
     HK_AT(auth.login_window_ms)},

    /* ---------------------------------------------------------------
     * log
     * ------------------------------------------------------------- */
    {"log.level", HK_CFG_STR, "info", 0, 0,
     "lowest level written: debug, info, warn, error, crit",
     hk_cfg_check_log_level, HK_AT(log.level)},
    {"log.stdout", HK_CFG_BOOL, "true", 0, 0,
     "write log lines to standard output", NULL, HK_AT(log.to_stdout)},
    {"log.file", HK_CFG_STR, "", 0, 0,
     "also append log lines to this file; empty: no file", NULL,
     HK_AT(log.file)},
    {"log.error_file", HK_CFG_STR, "", 0, 0,
     "also append error and crit lines to this file; empty: no file", NULL,
     HK_AT(log.error_file)},
    {"log.max_size", HK_CFG_SIZE, "10MiB", 4 * KIB, 64 * GIB,
     "rotate the log file past this size", NULL, HK_AT(log.max_size)},
    {"log.keep", HK_CFG_INT, "5", 1, 100, "rotated log files kept", NULL,
     HK_AT(log.keep)},

    /* ---------------------------------------------------------------
     * plugins (entries are checked by config/plugins_cfg.c and their
     * options by the plugin loader)
     * ------------------------------------------------------------- */
    {"plugins", HK_CFG_GROUP_LIST, NULL, 0, 0,
     "plugin instances to load, in order", NULL, HK_AT(plugins)},

    /* ---------------------------------------------------------------
     * platform: plans and uploads
     * ------------------------------------------------------------- */
    {"plans.trial_days", HK_CFG_INT, "14", 0, 3650,
     "length of the Free Trial a new user starts on, in days", NULL,
     HK_AT(plans.trial_days)},
    {"uploads.max_resume_size", HK_CFG_SIZE, "5MiB", 1 * KIB, 256 * MIB,
     "largest resume file accepted by POST /api/v1/resumes/upload", NULL,
     HK_AT(uploads.max_resume_size)},

    /* ---------------------------------------------------------------
     * queue: background jobs and the workers that run them
     * ------------------------------------------------------------- */
    {"queue.workers", HK_CFG_INT, "2", 0, 1024,
     "worker threads in this process (hawk serve and hawk worker); 0: "
     "none",
     NULL, HK_AT(queue.workers)},
    {"queue.queues", HK_CFG_STR_LIST, "", 0, 0,
     "queues this process takes jobs from; empty: all", NULL,
     HK_AT(queue.queues)},
    {"queue.poll_interval", HK_CFG_DURATION, "1s", 10, 1 * MINUTE,
     "how often idle workers look for jobs when no notification arrives", NULL,
     HK_AT(queue.poll_interval_ms)},
    {"queue.heartbeat_interval", HK_CFG_DURATION, "5s", 100, 10 * MINUTE,
     "how often running jobs are marked alive", NULL,
     HK_AT(queue.heartbeat_interval_ms)},
    {"queue.rescue_after", HK_CFG_DURATION, "30s", 1 * SEC, 1 * DAY,
     "a running job without a heartbeat for this long is retried "
     "elsewhere; keep it several heartbeat intervals",
     NULL, HK_AT(queue.rescue_after_ms)},
    {"queue.per_user_concurrency", HK_CFG_INT, "2", 0, 100000,
     "running jobs one user may have at once across all workers; 0: no "
     "limit",
     NULL, HK_AT(queue.per_user_concurrency)},
    {"queue.concurrency", HK_CFG_STR_LIST, "", 0, 0,
     "per-queue limits on running jobs across all workers, as \"name=N\" "
     "items",
     NULL, HK_AT(queue.concurrency)},
    {"queue.prune_after", HK_CFG_DURATION, "7d", 1 * MINUTE, 3650 * DAY,
     "finished jobs older than this are deleted by the queue_prune job", NULL,
     HK_AT(queue.prune_after_ms)},
    {"queue.shutdown_grace", HK_CFG_DURATION, "30s", 0, 1 * HOUR,
     "on shutdown, how long running jobs may finish before they are "
     "released back to the queue",
     NULL, HK_AT(queue.shutdown_grace_ms)},
    {"queue.batch_size", HK_CFG_INT, "50", 1, 1000,
     "jobs claimed and completed per database round", NULL,
     HK_AT(queue.batch_size)},
    {"queue.max_pending_per_user", HK_CFG_INT, "1000", 1, 1000000,
     "queued or running tasks one user may have through the task API", NULL,
     HK_AT(queue.max_pending_per_user)},
    {"scheduler.enabled", HK_CFG_BOOL, "true", 0, 0,
     "run the scheduler in hawk serve (one node leads at a time)", NULL,
     HK_AT(scheduler.enabled)},
    {"scheduler.catch_up", HK_CFG_DURATION, "1h", 0, 30 * DAY,
     "due times missed by less than this (downtime) still fire; older "
     "ones are skipped",
     NULL, HK_AT(scheduler.catch_up_ms)},
    {"scheduler.lock_id", HK_CFG_INT, "7236837", 1, INT64_MAX,
     "PostgreSQL advisory lock key that elects the scheduling node", NULL,
     HK_AT(scheduler.lock_id)},
    {"schedules", HK_CFG_GROUP_LIST, NULL, 0, 0,
     "built-in schedules: { name; cron; tz; kind; payload; jitter; "
     "enabled; } entries; absent: the nightly prune-jobs schedule",
     NULL, HK_AT(schedules)},

    /* ---------------------------------------------------------------
     * llm: the host features built on the llm plugins (llm/)
     * ------------------------------------------------------------- */
    {"llm.plugin", HK_CFG_STR, "", 0, 0,
     "llm plugin instance the features use; empty: the first loaded one", NULL,
     HK_AT(llm.plugin)},
    {"llm.prompts_dir", HK_CFG_STR, "", 0, 0,
     "directory of the prompt templates (*.txt); empty: prompts/ beside "
     "the config file, else the source tree's etc/prompts",
     NULL, HK_AT(llm.prompts_dir)},
    {"llm.templates_dir", HK_CFG_STR, "", 0, 0,
     "directory of resume.html; empty: templates/ beside the config file, "
     "else the source tree's etc/templates",
     NULL, HK_AT(llm.templates_dir)},
    {"llm.answers_dir", HK_CFG_STR, "", 0, 0,
     "directory of rules.json, the question rule table; empty: answers/ "
     "beside the config file, else the source tree's etc/answers",
     NULL, HK_AT(llm.answers_dir)},
    {"llm.timeout", HK_CFG_DURATION, "120s", 1 * SEC, 1 * HOUR,
     "time one llm feature call may take, retries included", NULL,
     HK_AT(llm.timeout_ms)},

    /* ---------------------------------------------------------------
     * lua: per-run limits of workflow scripts (lua/)
     * ------------------------------------------------------------- */
    {"lua.max_instructions", HK_CFG_INT, "50000000", 100000, INT64_MAX / 4,
     "VM instructions (and pattern-matching steps) one run may execute", NULL,
     HK_AT(lua.max_instructions)},
    {"lua.max_memory", HK_CFG_SIZE, "32MiB", 1 * MIB, 4 * GIB,
     "memory one run's Lua state may hold", NULL, HK_AT(lua.max_memory)},
    {"lua.max_wall", HK_CFG_DURATION, "60s", 1 * SEC, 1 * DAY,
     "wall-clock time of one run, host calls and sleeps included", NULL,
     HK_AT(lua.max_wall_ms)},
    {"lua.max_host_calls", HK_CFG_INT, "1000", 1, 10000000,
     "hawk.* calls reaching the host in one run", NULL,
     HK_AT(lua.max_host_calls)},
    {"lua.max_source", HK_CFG_SIZE, "64KiB", 1 * KIB, 1 * MIB,
     "largest workflow script (and load() chunk)", NULL, HK_AT(lua.max_source)},
    {"lua.max_sleep", HK_CFG_DURATION, "30s", 0, 1 * HOUR,
     "longest single hawk.sleep()", NULL, HK_AT(lua.max_sleep_ms)},
    {"lua.state_max", HK_CFG_SIZE, "64KiB", 1 * KIB, 64 * MIB,
     "hawk.state bytes per user (keys plus JSON values)", NULL,
     HK_AT(lua.state_max)},
    {"lua.max_log_lines", HK_CFG_INT, "1000", 1, 100000,
     "hawk.log lines kept per run; later ones are counted and dropped", NULL,
     HK_AT(lua.max_log_lines)},
    {"lua.max_log_bytes", HK_CFG_SIZE, "1MiB", 64 * KIB, 64 * MIB,
     "bytes of log (messages plus fields) kept per run; later lines are "
     "counted and dropped",
     NULL, HK_AT(lua.max_log_bytes)},
    {"lua.max_output", HK_CFG_SIZE, "32MiB", 1 * MIB, 1 * GIB,
     "bytes one run may hand the host in all (log lines, state, arguments "
     "of hawk.* calls)",
     NULL, HK_AT(lua.max_output)},
    {"lua.sandbox_processes", HK_CFG_INT, "4", 1, 256,
     "sandbox processes running workflows at once in this hawk process", NULL,
     HK_AT(lua.sandbox_processes)},
    {"lua.sandbox_max_runs", HK_CFG_INT, "100", 1, 1000000,
     "runs one sandbox process serves before a fresh one replaces it", NULL,
     HK_AT(lua.sandbox_max_runs)},
    {"lua.sandbox_address_space", HK_CFG_SIZE, "1GiB", 64 * MIB, 64 * GIB,
     "address-space limit of one sandbox process (must exceed max_memory)",
     NULL, HK_AT(lua.sandbox_address_space)},
    {"lua.sandbox_path", HK_CFG_STR, "", 0, 0,
     "the hawk-sandbox executable; empty: next to the hawk executable", NULL,
     HK_AT(lua.sandbox_path)},

    /* ---------------------------------------------------------------
     * mail: transactional mail (mail/)
     * ------------------------------------------------------------- */
    {"mail.smtp_url", HK_CFG_STR, "", 0, 0,
     "smtp://host:587 (STARTTLS) or smtps://host:465; empty: mails are "
     "written to mail.spool_dir and logged",
     NULL, HK_AT(mail.smtp_url)},
    {"mail.username", HK_CFG_STR, "", 0, 0, "SMTP AUTH user; empty: no AUTH",
     NULL, HK_AT(mail.username)},
    {"mail.password", HK_CFG_SECRET, "", 0, 0,
     "SMTP AUTH password; use ${SMTP_PASSWORD}", NULL, HK_AT(mail.password)},
    {"mail.starttls", HK_CFG_STR, "auto", 0, 0,
     "smtp:// only: auto (when offered), require, or off (trusted local "
     "relays)",
     hk_cfg_check_nonempty, HK_AT(mail.starttls)},
    {"mail.from", HK_CFG_STR, "hawk@localhost", 0, 0,
     "sender address of every mail", hk_cfg_check_nonempty, HK_AT(mail.from)},
    {"mail.from_name", HK_CFG_STR, "hawk", 0, 0, "sender display name", NULL,
     HK_AT(mail.from_name)},
    {"mail.reply_to", HK_CFG_STR, "", 0, 0, "Reply-To address; empty: none",
     NULL, HK_AT(mail.reply_to)},
    {"mail.ca_file", HK_CFG_STR, "", 0, 0,
     "CA certificates (PEM) the SMTP server's certificate is checked "
     "against; empty: the system's",
     NULL, HK_AT(mail.ca_file)},
    {"mail.timeout", HK_CFG_DURATION, "30s", 1 * SEC, 10 * MINUTE,
     "time one delivery attempt may take", NULL, HK_AT(mail.timeout_ms)},
    {"mail.max_attempts", HK_CFG_INT, "8", 1, 100,
     "delivery attempts of one mail, with back-off from 30 s to an hour", NULL,
     HK_AT(mail.max_attempts)},
    {"mail.templates_dir", HK_CFG_STR, "", 0, 0,
     "directory of the mail templates; empty: templates/mail beside the "
     "config file, else the source tree's etc/templates/mail",
     NULL, HK_AT(mail.templates_dir)},
    {"mail.spool_dir", HK_CFG_STR, "", 0, 0,
     "where mails go without mail.smtp_url; empty: <data_dir>/mail", NULL,
     HK_AT(mail.spool_dir)},

    /* ---------------------------------------------------------------
     * browser: headless Chromium sessions for the job boards (browser/)
     * ------------------------------------------------------------- */
    {"browser.chromedriver", HK_CFG_STR, "", 0, 0,
     "chromedriver program; empty: chromedriver on PATH, then "
     "/usr/bin/chromedriver (Debian package chromium-driver)",
     NULL, HK_AT(browser.chromedriver)},
    {"browser.chromium", HK_CFG_STR, "", 0, 0,
     "Chromium program; empty: chromium on PATH, then /usr/bin/chromium "
     "(Debian package chromium)",
     NULL, HK_AT(browser.chromium)},
    {"browser.max_sessions", HK_CFG_INT, "4", 1, 64,
     "browser sessions on this node in all (each is a Chromium, about "
     "150-300 MiB)",
     NULL, HK_AT(browser.max_sessions)},
    {"browser.acquire_timeout", HK_CFG_DURATION, "60s", 1 * SEC, 10 * MINUTE,
     "how long a job waits for a free browser session", NULL,
     HK_AT(browser.acquire_timeout_ms)},
    {"browser.idle_timeout", HK_CFG_DURATION, "2m", 0, HOUR,
     "how long a released session is kept for the same user; 0: close it", NULL,
     HK_AT(browser.idle_timeout_ms)},
    {"browser.command_timeout", HK_CFG_DURATION, "30s", 1 * SEC, 10 * MINUTE,
     "time limit of one WebDriver command", NULL,
     HK_AT(browser.command_timeout_ms)},
    {"browser.page_load_timeout", HK_CFG_DURATION, "30s", 1 * SEC, 10 * MINUTE,
     "time limit of one page load", NULL, HK_AT(browser.page_load_timeout_ms)},

    /* ---------------------------------------------------------------
     * web: the pages served under /app/
     * ------------------------------------------------------------- */
    {"web.dir", HK_CFG_STR, "", 0, 0,
     "folder of the built web pages; empty: <dir of hawk>/web, then "
     "<dir of hawk>/../share/hawk/web",
     NULL, HK_AT(web.dir)},

    /* ---------------------------------------------------------------
     * backup: `hawk backup` and the daily backup (backup/)
     * ------------------------------------------------------------- */
    {"backup.dir", HK_CFG_STR, "", 0, 0,
     "local backup directory; relative paths are under data_dir; empty: "
     "<data_dir>/backups",
     NULL, HK_AT(backup.dir)},
    {"backup.local", HK_CFG_BOOL, "true", 0, 0,
     "keep each backup in backup.dir (with backup.storage: as well)", NULL,
     HK_AT(backup.local)},
    {"backup.storage", HK_CFG_STR, "", 0, 0,
     "storage plugin instance (e.g. an s3backup entry's name) that gets "
     "every backup; empty: local only",
     NULL, HK_AT(backup.storage)},
    {"backup.compression_level", HK_CFG_INT, "3", 1, 19, "zstd level", NULL,
     HK_AT(backup.compression_level)},
    {"backup.compression_threads", HK_CFG_INT, "0", 0, 64,
     "zstd worker threads; 0: compress on the backup thread", NULL,
     HK_AT(backup.compression_threads)},
    {"backup.encryption_key_env", HK_CFG_STR, "", 0, 0,
     "environment variable holding a 32-byte key (64 hex digits) that "
     "encrypts backups client-side; empty: no encryption",
     NULL, HK_AT(backup.encryption_key_env)},
    {"backup.pg_bindir", HK_CFG_STR, "", 0, 0,
     "directory of pg_dump, pg_restore and psql; empty: the newest "
     "/usr/lib/postgresql/N/bin, else PATH",
     NULL, HK_AT(backup.pg_bindir)},
    {"backup.keep_last", HK_CFG_INT, "7", 1, 100000,
     "prune keeps the newest N backups", NULL, HK_AT(backup.keep_last)},
    {"backup.keep_daily", HK_CFG_INT, "7", 0, 100000,
     "prune also keeps the newest backup of each of the last N days", NULL,
     HK_AT(backup.keep_daily)},
    {"backup.keep_weekly", HK_CFG_INT, "4", 0, 100000,
     "... of each of the last N weeks (Monday to Sunday)", NULL,
     HK_AT(backup.keep_weekly)},
    {"backup.keep_monthly", HK_CFG_INT, "6", 0, 100000,
     "... of each of the last N months", NULL, HK_AT(backup.keep_monthly)},
    {"backup.schedule.enabled", HK_CFG_BOOL, "false", 0, 0,
     "hawk serve takes a backup every day, then prunes", NULL,
     HK_AT(backup.schedule_enabled)},
    {"backup.schedule.time", HK_CFG_STR, "03:30", 0, 0,
     "time of day (HH:MM) of the daily backup", NULL,
     HK_AT(backup.schedule_time)},
    {"backup.schedule.tz", HK_CFG_STR, "UTC", 0, 0,
     "IANA time zone of backup.schedule.time", NULL, HK_AT(backup.schedule_tz)},
    {"backup.max_age", HK_CFG_DURATION, "26h", 1 * MINUTE, 365 * DAY,
     "with the schedule on, /health/detailed reports backups as stale "
     "when the last good one is older",
     NULL, HK_AT(backup.max_age_ms)},
    {"backup.alert_email", HK_CFG_STR, "", 0, 0,
     "address told when a scheduled backup fails; empty: log only", NULL,
     HK_AT(backup.alert_email)},
    {"backup.restore_wait", HK_CFG_DURATION, "60s", 0, 1 * HOUR,
     "how long restore waits for running queue jobs after pausing the "
     "queues",
     NULL, HK_AT(backup.restore_wait_ms)},

    /* ---------------------------------------------------------------
     * billing: subscriptions through the payment plugin (billing/)
     * ------------------------------------------------------------- */
    {"billing.public_url", HK_CFG_STR, "http://127.0.0.1:8080", 0, 0,
     "address users reach hawk at (checkout return pages and mail links)",
     hk_cfg_check_nonempty, HK_AT(billing.public_url)},
    {"billing.plugin", HK_CFG_STR, "", 0, 0,
     "payment plugin instance to use; empty: the first one loaded", NULL,
     HK_AT(billing.plugin)},
    {"billing.webhook_max_body", HK_CFG_SIZE, "1MiB", 1 * KIB, 16 * MIB,
     "largest webhook body POST /api/v1/billing/webhook reads", NULL,
     HK_AT(billing.webhook_max_body)},

    /* terminator */
    {NULL, 0, NULL, 0, 0, NULL, NULL, 0, 0},
};
