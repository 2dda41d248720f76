/*
 * app/cmd_backup.c - `hawk backup ...`: builds the backup module from the
 * config, the storage plugin and (for create and restore) the database,
 * and hands over to backup/cli.c.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "app/app.h"
#include "app/commands.h"
#include "app/lifecycle.h"
#include "backup/backup.h"
#include "config/config.h"
#include "log/log.h"
#include "plugin/http_client.h"
#include "plugin/plugins.h"
#include "util/str.h"

int hk_cmd_backup(const char *config_path, int argc, char **argv)
{
    struct hk_app app;
    struct hk_backup_cfg bc;
    struct hk_backup *b = NULL;
    struct hk_err err = HK_ERR_INIT;
    char perr[1024];
    sigset_t set;
    int code = 1;

    if (argc < 1) {
        return hk_backup_cli(NULL, 0, argv);
    }
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    signal(SIGPIPE, SIG_IGN);
    if (hk_app_setup(&app, config_path) < 0)
        return 2;
    /* Command output is for the terminal; logs only when something fails. */
    if (hk_log_get_level() < HAWK_LOG_WARN)
        hk_log_set_level(HAWK_LOG_WARN);
    /* --json: stdout carries exactly one JSON document; failures are in
     * it (and on stderr), so log lines would only get in the way. */
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0)
            hk_log_set_level(HAWK_LOG_CRIT + 1);
    }
    hk_http_client_global_init();
    if (hk_backup_cfg_load(app.cfg, &bc, &err) < 0) {
        fprintf(stderr, "hawk backup: %s\n", err.msg);
        code = 2;
        goto out;
    }
    hk_strlcpy(bc.hawk_version, HAWK_VERSION, sizeof(bc.hawk_version));
    if (bc.storage[0] != '\0' &&
        hk_plugins_load(app.cfg, &app, HK_PLUGINS_START, &app.plugins, perr,
                        sizeof(perr)) < 0) {
        fprintf(stderr, "hawk backup: %s\n", perr);
        goto out;
    }
    bool need_db =
        strcmp(argv[0], "create") == 0 || strcmp(argv[0], "restore") == 0;
    if (need_db && (hk_app_db_open(&app) < 0 ||
                    hk_app_db_wait(&app, false, false, &set) < 0))
        goto out;
    if (hk_backup_new(&bc, app.db, app.db_url, app.plugins, &b, &err) < 0) {
        fprintf(stderr, "hawk backup: %s\n", err.msg);
        code = 2;
        goto out;
    }
    code = hk_backup_cli(b, argc, argv);
out:
    hk_backup_free(b);
    hk_app_teardown(&app);
    hk_http_client_global_cleanup();
    return code;
}
