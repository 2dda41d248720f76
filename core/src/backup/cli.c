/*
 * backup/cli.c - `hawk backup create|list|download|verify|prune|restore`.
 *
 * Human output on stdout, progress (bytes, rate, ETA) on stderr when it
 * is a terminal; --quiet prints only errors; --json prints one JSON
 * document on stdout for scripts.  Exit codes: 0 ok, 1 failed, 2 usage or
 * configuration, 3 restore refused (no confirmation).
 */
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "backup/backup_int.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/str.h"
#include "util/time.h"

struct bk_opts {
    bool quiet, json, yes, dry_run;
    const char *name;
    int64_t now_ms; /* prune --now (tests and what-ifs) */
};

struct bk_tty {
    bool on;
    int64_t t0;
};

static void bk_human(double v, char *out, size_t n)
{
    const char *u[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    int i = 0;
    while (v >= 1024 && i < 4) {
        v /= 1024;
        i++;
    }
    snprintf(out, n, i == 0 ? "%.0f %s" : "%.1f %s", v, u[i]);
}

static void bk_report(void *opaque, const char *phase, int64_t done,
                      int64_t total, bool final)
{
    struct bk_tty *t = opaque;
    if (!t->on)
        return;
    double secs = (double)(hk_mono_ms() - t->t0) / 1000.0;
    double rate = secs > 0 ? (double)done / secs : 0;
    char d[32], r[32], eta[32] = "";
    bk_human((double)done, d, sizeof(d));
    bk_human(rate, r, sizeof(r));
    if (total > 0 && rate > 0 && done < total && !final) {
        int64_t left = (int64_t)((double)(total - done) / rate);
        snprintf(eta, sizeof(eta), ", ETA %lld:%02lld", (long long)left / 60,
                 (long long)left % 60);
    }
    if (total > 0 && done <= total)
        fprintf(stderr, "\r\033[K%s: %s of ~%.0f%% %s/s%s", phase, d,
                100.0 * (double)done / (double)total, r, eta);
    else
        fprintf(stderr, "\r\033[K%s: %s, %s/s", phase, d, r);
    if (final)
        fputc('\n', stderr);
    fflush(stderr);
}

static void bk_usage(void)
{
    fprintf(stderr,
            "usage: hawk backup create [--quiet] [--json]\n"
            "       hawk backup list [--json]\n"
            "       hawk backup download NAME [--quiet] [--json]\n"
            "       hawk backup verify NAME [--quiet] [--json]\n"
            "       hawk backup prune [--dry-run] [--json]\n"
            "       hawk backup restore NAME [--yes] [--quiet] [--json]\n");
}

static int bk_parse(int argc, char **argv, bool want_name, struct bk_opts *o)
{
    memset(o, 0, sizeof(*o));
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0)
            o->quiet = true;
        else if (strcmp(a, "--json") == 0)
            o->json = true;
        else if (strcmp(a, "--yes") == 0 || strcmp(a, "-y") == 0)
            o->yes = true;
        else if (strcmp(a, "--dry-run") == 0)
            o->dry_run = true;
        else if (strncmp(a, "--now=", 6) == 0) {
            int64_t s;
            if (hk_parse_i64(a + 6, 0, INT64_MAX / 1000, &s) < 0) {
                fprintf(stderr, "hawk backup: --now wants unix seconds\n");
                return 2;
            }
            o->now_ms = s * 1000;
        } else if (a[0] != '-' && want_name && o->name == NULL)
            o->name = a;
        else {
            fprintf(stderr, "hawk backup %s: unexpected argument '%s'\n",
                    argv[0], a);
            bk_usage();
            return 2;
        }
    }
    if (want_name && o->name == NULL) {
        fprintf(stderr,
                "hawk backup %s: which backup? (see hawk backup "
                "list)\n",
                argv[0]);
        return 2;
    }
    return 0;
}

static int bk_fail(const struct bk_opts *o, const char *cmd,
                   const struct hk_err *err)
{
    if (o->json) {
        json_object *j = json_object_new_object();
        json_object_object_add(j, "ok", json_object_new_boolean(0));
        json_object_object_add(j, "error", json_object_new_string(err->msg));
        json_object_object_add(j, "code",
                               json_object_new_string(hk_err_reason(err)));
        printf("%s\n", json_object_to_json_string_ext(
                           j, JSON_C_TO_STRING_NOSLASHESCAPE));
        json_object_put(j);
    }
    fprintf(stderr, "hawk backup %s: %s\n", cmd, err->msg);
    return err->code == HAWK_ECONFIG ? 2 : 1;
}

static json_object *bk_info_json(const struct hk_backup_info *in)
{
    char t[40];
    json_object *j = json_object_new_object();
    hk_time_rfc3339(in->started_ms, t, sizeof(t));
    json_object_object_add(j, "name", json_object_new_string(in->name));
    json_object_object_add(j, "time", json_object_new_string(t));
    json_object_object_add(j, "size", json_object_new_int64(in->stored_bytes));
    json_object_object_add(j, "dump_bytes",
                           json_object_new_int64(in->dump_bytes));
    json_object_object_add(j, "sha256", json_object_new_string(in->sha256));
    json_object_object_add(j, "schema_version",
                           json_object_new_int(in->schema_version));
    json_object_object_add(j, "encryption",
                           json_object_new_string(in->encryption));
    json_object *w = json_object_new_array();
    if (in->local)
        json_object_array_add(w, json_object_new_string("local"));
    if (in->remote)
        json_object_array_add(w, json_object_new_string("remote"));
    json_object_object_add(j, "where", w);
    return j;
}

static void bk_print_json(json_object *j)
{
    printf("%s\n",
           json_object_to_json_string_ext(
               j, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(j);
}

static int bk_cmd_create(struct hk_backup *b, const struct bk_opts *o,
                         const struct hk_backup_progress *pr)
{
    struct hk_backup_info in;
    struct hk_err err = HK_ERR_INIT;
    if (hk_backup_create(b, pr, NULL, &in, &err) < 0)
        return bk_fail(o, "create", &err);
    if (o->json) {
        json_object *j = bk_info_json(&in);
        json_object_object_add(j, "ok", json_object_new_boolean(1));
        bk_print_json(j);
    } else if (!o->quiet) {
        char sz[32];
        bk_human((double)in.stored_bytes, sz, sizeof(sz));
        printf("backup %s created: %s (%lld bytes dumped), sha256 %s, %s%s%s\n",
               in.name, sz, (long long)in.dump_bytes, in.sha256,
               in.local ? b->cfg.dir : "", in.local && in.remote ? " and " : "",
               in.remote ? b->cfg.storage : "");
    }
    return 0;
}

static int bk_cmd_list(struct hk_backup *b, const struct bk_opts *o)
{
    struct hk_backup_info *v = NULL;
    size_t n = 0;
    struct hk_err err = HK_ERR_INIT;
    if (hk_backup_list(b, &v, &n, &err) < 0)
        return bk_fail(o, "list", &err);
    if (o->json) {
        json_object *a = json_object_new_array();
        for (size_t i = 0; i < n; i++)
            json_object_array_add(a, bk_info_json(&v[i]));
        bk_print_json(a);
    } else if (n == 0) {
        printf("no backups in %s%s%s\n", b->cfg.dir,
               b->store != NULL ? " or " : "",
               b->store != NULL ? b->cfg.storage : "");
    } else {
        printf("%-24s %-20s %10s  %-12s %s\n", "NAME", "TIME (UTC)", "SIZE",
               "WHERE", "SHA256");
        for (size_t i = 0; i < n; i++) {
            char t[40], sz[32];
            hk_time_rfc3339(v[i].started_ms, t, sizeof(t));
            t[19] = '\0';
            bk_human((double)v[i].stored_bytes, sz, sizeof(sz));
            printf("%-24s %-20s %10s  %-12s %.16s\n", v[i].name, t, sz,
                   v[i].local && v[i].remote ? "local,remote"
                   : v[i].local              ? "local"
                                             : "remote",
                   v[i].sha256);
        }
    }
    hk_free(v);
    return 0;
}

static int bk_cmd_simple(struct hk_backup *b, const char *cmd,
                         const struct bk_opts *o,
                         const struct hk_backup_progress *pr)
{
    struct hk_err err = HK_ERR_INIT;
    int rc = strcmp(cmd, "download") == 0
                 ? hk_backup_download(b, o->name, pr, &err)
                 : hk_backup_verify(b, o->name, pr, &err);
    if (rc < 0)
        return bk_fail(o, cmd, &err);
    if (o->json) {
        json_object *j = json_object_new_object();
        json_object_object_add(j, "ok", json_object_new_boolean(1));
        json_object_object_add(j, "name", json_object_new_string(o->name));
        bk_print_json(j);
    } else if (!o->quiet) {
        if (strcmp(cmd, "download") == 0)
            printf("backup %s downloaded to %s (checksum ok)\n", o->name,
                   b->cfg.dir);
        else
            printf("backup %s is good: checksum matches and pg_restore "
                   "reads it\n",
                   o->name);
    }
    return 0;
}

static int bk_cmd_prune(struct hk_backup *b, const struct bk_opts *o)
{
    struct hk_buf removed;
    struct hk_err err = HK_ERR_INIT;
    hk_buf_init(&removed, 16 << 20);
    if (hk_backup_prune(b, o->now_ms, o->dry_run, &removed, &err) < 0) {
        hk_buf_release(&removed);
        return bk_fail(o, "prune", &err);
    }
    if (o->json) {
        json_object *a = json_object_new_array();
        char *copy = hk_strdup(hk_buf_str(&removed));
        char *save = NULL;
        for (char *s = strtok_r(copy, "\n", &save); s != NULL;
             s = strtok_r(NULL, "\n", &save))
            json_object_array_add(a, json_object_new_string(s));
        hk_free(copy);
        json_object *j = json_object_new_object();
        json_object_object_add(j, "ok", json_object_new_boolean(1));
        json_object_object_add(j, "dry_run",
                               json_object_new_boolean(o->dry_run));
        json_object_object_add(j, "removed", a);
        bk_print_json(j);
    } else if (!o->quiet) {
        if (removed.len == 0)
            printf("nothing to prune (keep last %d, daily %d, weekly %d, "
                   "monthly %d)\n",
                   b->cfg.keep_last, b->cfg.keep_daily, b->cfg.keep_weekly,
                   b->cfg.keep_monthly);
        else
            printf("%s:\n%s", o->dry_run ? "would remove" : "removed",
                   hk_buf_str(&removed));
    }
    hk_buf_release(&removed);
    return 0;
}

/* Asks on the terminal; true when the user typed the database name. */
static bool bk_confirm(struct hk_backup *b, const char *name)
{
    struct hk_backup_target t;
    struct hk_err err = HK_ERR_INIT;
    char sz[32], line[256];
    if (hk_backup_target(b, &t, &err) < 0) {
        fprintf(stderr, "hawk backup restore: %s\n", err.msg);
        return false;
    }
    bk_human((double)t.bytes, sz, sizeof(sz));
    fprintf(stderr,
            "restore %s will REPLACE everything in database '%s' at %s:\n"
            "  %d tables, %s, schema migration %d\n"
            "running queues are paused and other sessions disconnected.\n"
            "type the database name (%s) to go on: ",
            name, t.database, t.where, t.tables, sz, t.schema_version,
            t.database);
    fflush(stderr);
    if (fgets(line, sizeof(line), stdin) == NULL)
        return false;
    line[strcspn(line, "\r\n")] = '\0';
    return strcmp(line, t.database) == 0;
}

static int bk_cmd_restore(struct hk_backup *b, const struct bk_opts *o,
                          const struct hk_backup_progress *pr)
{
    struct hk_err err = HK_ERR_INIT;
    if (!o->yes) {
        if (!isatty(0)) {
            fprintf(stderr,
                    "hawk backup restore: refusing to replace the database "
                    "without confirmation: stdin is not a terminal; pass "
                    "--yes to restore from a script\n");
            return 3;
        }
        if (!bk_confirm(b, o->name)) {
            fprintf(stderr, "hawk backup restore: not confirmed; nothing "
                            "was changed\n");
            return 3;
        }
    }
    if (hk_backup_restore(b, o->name, pr, &err) < 0)
        return bk_fail(o, "restore", &err);
    if (o->json) {
        json_object *j = json_object_new_object();
        json_object_object_add(j, "ok", json_object_new_boolean(1));
        json_object_object_add(j, "name", json_object_new_string(o->name));
        bk_print_json(j);
    } else if (!o->quiet) {
        printf("backup %s restored\n", o->name);
    }
    return 0;
}

int hk_backup_cli(struct hk_backup *b, int argc, char **argv)
{
    struct bk_opts o;
    if (argc < 1) {
        bk_usage();
        return 2;
    }
    const char *cmd = argv[0];
    bool named = strcmp(cmd, "download") == 0 || strcmp(cmd, "verify") == 0 ||
                 strcmp(cmd, "restore") == 0;
    bool known = named || strcmp(cmd, "create") == 0 ||
                 strcmp(cmd, "list") == 0 || strcmp(cmd, "prune") == 0;
    if (!known) {
        fprintf(stderr, "hawk backup: unknown command '%s'\n", cmd);
        bk_usage();
        return 2;
    }
    int rc = bk_parse(argc, argv, named, &o);
    if (rc != 0)
        return rc;
    struct bk_tty tty = {!o.quiet && !o.json && isatty(2), hk_mono_ms()};
    struct hk_backup_progress pr = {bk_report, &tty};
    if (strcmp(cmd, "create") == 0)
        return bk_cmd_create(b, &o, &pr);
    if (strcmp(cmd, "list") == 0)
        return bk_cmd_list(b, &o);
    if (strcmp(cmd, "prune") == 0)
        return bk_cmd_prune(b, &o);
    if (strcmp(cmd, "restore") == 0)
        return bk_cmd_restore(b, &o, &pr);
    return bk_cmd_simple(b, cmd, &o, &pr);
}
