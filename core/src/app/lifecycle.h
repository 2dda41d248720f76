/*
 * app/lifecycle.h - bringing the process up and down: config and logs,
 * the database (embedded or external, with retry), migrations, secrets,
 * plugins, routes.  Shared by every subcommand so `serve`, `worker` and
 * `migrate` start the same way.
 */
#ifndef HK_APP_LIFECYCLE_H
#define HK_APP_LIFECYCLE_H

#include <signal.h>
#include <stdbool.h>

#include "app/app.h"

/* Loads the config (path NULL: $HAWK_CONFIG or etc/hawk.cfg) and starts
 * logging.  Prints the error and returns HAWK_ECONFIG on a bad config
 * (callers exit 2). */
int hk_app_setup(struct hk_app *app, const char *config_path);

/* Starts the embedded cluster when database.url is empty (sets app->pg)
 * and creates the pool (app->db, app->db_url).  Does not wait for the
 * server: the pool connects on demand. */
int hk_app_db_open(struct hk_app *app);

/* Waits for the server with back-off (0.5 s doubling to 10 s), logging
 * each failure with the fix.  wait_forever: keep trying until a signal in
 * `stop_signals` arrives (then HAWK_ECANCELED); else give up after ten
 * times `database.connect_timeout`.  Applies migrations when `migrate`. */
int hk_app_db_wait(struct hk_app *app, bool wait_forever, bool migrate,
                   const sigset_t *stop_signals);

/* Reads (or creates) the JWT secret into app->jwt_key. */
int hk_app_load_jwt_key(struct hk_app *app);

/* Makes the accounts module (app->auth) from auth.*, app->db (may still
 * be NULL) and the JWT key when loaded (which it then keeps alone); a
 * no-op when it exists.  0 or HAWK_ECONFIG (printed). */
int hk_app_auth(struct hk_app *app);

/* Creates the job platform's modules (app->platform) on app->db, with
 * their typed configuration from app->cfg; a no-op when they exist.
 * Called by hk_app_db_open() and hk_app_routes().  0 or HAWK_ECONFIG
 * (printed). */
int hk_app_platform(struct hk_app *app);

/* Registers every route of every module on app->router (creating it). */
void hk_app_routes(struct hk_app *app);

/* Registers the job kinds of every module with the queue (before any
 * worker starts).  0 or the queue's error (logged). */
int hk_app_register_kinds(struct hk_app *app);

/* Starts app->lua_pool, the sandbox processes workflows run in, from
 * the lua.* settings (once).  Prints the error and returns HAWK_ECONFIG
 * when they cannot start. */
int hk_app_lua_pool(struct hk_app *app);

/* Creates app->mail from the mail.* settings (once; templates loaded).
 * Prints the error and returns HAWK_ECONFIG when they are wrong. */
int hk_app_mail(struct hk_app *app);

/* Loads prompt and document templates; a missing or broken one is an
 * error naming the file (printed; callers exit 2). */
int hk_app_load_templates(struct hk_app *app);

/* Releases everything set up above, in reverse order.  Safe on a
 * partially set-up app. */
void hk_app_teardown(struct hk_app *app);

/* Copies conninfo with any password replaced by "***" (for logs).
 * Caller frees with hk_free. */
char *hk_redact_conninfo(const char *conninfo);

#endif
