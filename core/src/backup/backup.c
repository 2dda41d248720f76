/*
 * backup/backup.c - the module object, its configuration and progress
 * throttling.
 */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "backup/backup_int.h"
#include "config/config.h"
#include "plugin/plugins.h"
#include "util/alloc.h"
#include "util/str.h"
#include "util/time.h"

static int bk_copy(char *dst, size_t n, const char *src, const char *key,
                   struct hk_err *err)
{
    if (src == NULL)
        src = "";
    if (strlen(src) >= n)
        return hk_err_set(err, HAWK_ECONFIG, NULL, key, "%s is too long", key);
    hk_strlcpy(dst, src, n);
    return 0;
}

static bool bk_hhmm_ok(const char *s)
{
    return strlen(s) == 5 && s[2] == ':' && s[0] >= '0' && s[0] <= '2' &&
           s[1] >= '0' && s[1] <= '9' && s[3] >= '0' && s[3] <= '5' &&
           s[4] >= '0' && s[4] <= '9' && (s[0] - '0') * 10 + (s[1] - '0') < 24;
}

int hk_backup_cfg_load(const struct hk_config *cfg, struct hk_backup_cfg *out,
                       struct hk_err *err)
{
    memset(out, 0, sizeof(*out));
    const char *dir = cfg->settings.backup.dir;
    int rc = 0;
    if (dir == NULL || dir[0] == '\0')
        snprintf(out->dir, sizeof(out->dir), "%s/backups", cfg->data_dir);
    else if (dir[0] == '/')
        rc = bk_copy(out->dir, sizeof(out->dir), dir, "backup.dir", err);
    else
        snprintf(out->dir, sizeof(out->dir), "%s/%s", cfg->data_dir, dir);
    if (rc < 0)
        return rc;
    out->local = cfg->settings.backup.local;
    rc = bk_copy(out->storage, sizeof(out->storage),
                 cfg->settings.backup.storage, "backup.storage", err);
    if (rc == 0)
        rc = bk_copy(out->key_env, sizeof(out->key_env),
                     cfg->settings.backup.encryption_key_env,
                     "backup.encryption_key_env", err);
    if (rc == 0)
        rc = bk_copy(out->pg_bindir, sizeof(out->pg_bindir),
                     cfg->settings.backup.pg_bindir, "backup.pg_bindir", err);
    if (rc == 0)
        rc = bk_copy(out->time, sizeof(out->time),
                     cfg->settings.backup.schedule_time, "backup.schedule.time",
                     err);
    if (rc == 0)
        rc = bk_copy(out->tz, sizeof(out->tz), cfg->settings.backup.schedule_tz,
                     "backup.schedule.tz", err);
    if (rc == 0)
        rc = bk_copy(out->alert_email, sizeof(out->alert_email),
                     cfg->settings.backup.alert_email, "backup.alert_email",
                     err);
    if (rc < 0)
        return rc;
    if (!bk_hhmm_ok(out->time))
        return hk_err_set(err, HAWK_ECONFIG, NULL, "backup.schedule.time",
                          "%s: backup.schedule.time must be HH:MM (24 h), "
                          "got '%s'",
                          hk_cfg_origin(cfg, "backup.schedule.time"),
                          out->time);
    if (!out->local && out->storage[0] == '\0')
        return hk_err_set(err, HAWK_ECONFIG, NULL, "backup.local",
                          "%s: backup.local is false but no backup.storage "
                          "is set: backups would go nowhere",
                          hk_cfg_origin(cfg, "backup.local"));
    out->level = (int)cfg->settings.backup.compression_level;
    out->threads = (int)cfg->settings.backup.compression_threads;
    out->keep_last = (int)cfg->settings.backup.keep_last;
    out->keep_daily = (int)cfg->settings.backup.keep_daily;
    out->keep_weekly = (int)cfg->settings.backup.keep_weekly;
    out->keep_monthly = (int)cfg->settings.backup.keep_monthly;
    out->schedule = cfg->settings.backup.schedule_enabled;
    out->max_age_ms = cfg->settings.backup.max_age_ms;
    out->restore_wait_ms = cfg->settings.backup.restore_wait_ms;
    return 0;
}

int hk_backup_new(const struct hk_backup_cfg *cfg, struct hk_db *db,
                  const char *db_url, struct hk_plugins *plugins,
                  struct hk_backup **out, struct hk_err *err)
{
    struct hk_backup *b = hk_calloc(1, sizeof(*b));
    b->cfg = *cfg;
    b->db = db;
    b->db_url = hk_strdup(db_url != NULL ? db_url : "");
    if (cfg->storage[0] != '\0') {
        b->store = plugins != NULL ? hk_plugins_find(plugins, HAWK_KIND_STORAGE,
                                                     cfg->storage)
                                   : NULL;
        if (b->store == NULL) {
            hk_backup_free(b);
            return hk_err_set(err, HAWK_ECONFIG, NULL, "backup.storage",
                              "backup.storage is '%s' but no storage plugin "
                              "instance of that name is loaded (see hawk "
                              "plugins list)",
                              cfg->storage);
        }
    }
    if (cfg->key_env[0] != '\0') {
        int rc = bk_key_from_env(cfg->key_env, b->key, err);
        if (rc < 0) {
            hk_backup_free(b);
            return rc;
        }
        b->have_key = true;
    }
    *out = b;
    return 0;
}

void hk_backup_free(struct hk_backup *b)
{
    if (b == NULL)
        return;
    hk_free_secret(b->db_url);
    sodium_memzero(b->key, sizeof(b->key));
    hk_free(b);
}

void bk_prog_tick(struct bk_prog *p, int64_t done, bool final)
{
    if (p->pr == NULL || p->pr->report == NULL)
        return;
    int64_t now = hk_mono_ms();
    if (!final && now - p->last_ms < 200)
        return;
    p->last_ms = now;
    p->pr->report(p->pr->opaque, p->phase, done, p->total, final);
}
