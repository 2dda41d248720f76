/*
 * app/app.h - the process-wide context handed to every subsystem.
 */
#ifndef HK_APP_H
#define HK_APP_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/version.h"

struct hk_config;
struct hk_db;
struct hk_plugins;
struct hk_router;
struct hk_pg_embedded;
struct hk_mail;
struct hk_backup;
struct hk_platform;
struct hk_lua_pool;
struct hk_auth;
struct hk_browser;
struct hk_billing;
struct hk_admin;

struct hk_app {
    struct hk_config *cfg;
    struct hk_db *db;          /* NULL until connected */
    char *db_url;              /* effective conninfo; owned */
    struct hk_pg_embedded *pg; /* embedded cluster, or NULL */
    struct hk_plugins *plugins;
    struct hk_router *router;
    void *queue;                  /* struct hk_queue *, queue/ */
    struct hk_mail *mail;         /* mail/, created by hk_app_mail() */
    struct hk_backup *backup;     /* backup/, by hk_app_register_kinds() */
    struct hk_platform *platform; /* platform/, by hk_app_platform() */
    struct hk_lua_pool *lua_pool; /* lua/, by hk_app_lua_pool() */
    struct hk_auth *auth;         /* auth/, by hk_app_auth() */
    struct hk_browser *browser;   /* browser/, by hk_app_register_kinds() */
    struct hk_billing *billing;   /* billing/, by hk_app_routes() */
    struct hk_admin *admin;       /* admin/, by hk_app_routes() */
    unsigned char *jwt_key;       /* owned, secret; handed to auth/ and wiped */
    size_t jwt_key_len;
    int64_t started_ms; /* wall clock */
    int64_t started_mono_ms;
    atomic_int migrations_pending; /* -1 unknown */
    atomic_bool stopping;
    /* hawk serve: takes over an embedded cluster whose owner has exited
     * and supervises it (restarts a postmaster that dies). */
    bool serving;
};

#endif
