/*
 * backup/manifest.c - the manifest: a small JSON object beside each data
 * object, and the same facts as object metadata.
 *
 *   {"format":1,"name":"hawk-20261203T091500Z",
 *    "file":"hawk-20261203T091500Z.dump.zst","hawk_version":"0.1.0",
 *    "schema_version":40,"database_bytes":...,"dump_bytes":...,
 *    "stored_bytes":...,"sha256":"...","compression":"zstd","level":3,
 *    "encryption":"none","started_at":"2026-12-03T09:15:00.000Z",
 *    "finished_at":"...","started_ms":...,"finished_ms":...}
 */
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "backup/backup_int.h"
#include "util/alloc.h"
#include "util/str.h"
#include "util/time.h"

char *bk_manifest_json(const struct hk_backup_info *in)
{
    char st[40], fin[40];
    hk_time_rfc3339(in->started_ms, st, sizeof(st));
    hk_time_rfc3339(in->finished_ms, fin, sizeof(fin));
    json_object *o = json_object_new_object();
    json_object_object_add(o, "format", json_object_new_int(1));
    json_object_object_add(o, "name", json_object_new_string(in->name));
    json_object_object_add(o, "file", json_object_new_string(in->file));
    json_object_object_add(o, "hawk_version",
                           json_object_new_string(in->hawk_version));
    json_object_object_add(o, "schema_version",
                           json_object_new_int(in->schema_version));
    json_object_object_add(o, "database_bytes",
                           json_object_new_int64(in->database_bytes));
    json_object_object_add(o, "dump_bytes",
                           json_object_new_int64(in->dump_bytes));
    json_object_object_add(o, "stored_bytes",
                           json_object_new_int64(in->stored_bytes));
    json_object_object_add(o, "sha256", json_object_new_string(in->sha256));
    json_object_object_add(o, "compression",
                           json_object_new_string(in->compression));
    json_object_object_add(o, "level", json_object_new_int(in->level));
    json_object_object_add(o, "encryption",
                           json_object_new_string(in->encryption));
    json_object_object_add(o, "started_at", json_object_new_string(st));
    json_object_object_add(o, "finished_at", json_object_new_string(fin));
    json_object_object_add(o, "started_ms",
                           json_object_new_int64(in->started_ms));
    json_object_object_add(o, "finished_ms",
                           json_object_new_int64(in->finished_ms));
    char *text = hk_strdup(json_object_to_json_string_ext(
        o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(o);
    return text;
}

static int bk_get_str(json_object *o, const char *k, char *out, size_t n,
                      struct hk_err *err)
{
    json_object *v;
    if (!json_object_object_get_ex(o, k, &v) ||
        !json_object_is_type(v, json_type_string) ||
        (size_t)json_object_get_string_len(v) >= n)
        return hk_err_set(err, HAWK_EPROTO, NULL, k,
                          "manifest: '%s' missing or not a short string", k);
    hk_strlcpy(out, json_object_get_string(v), n);
    return 0;
}

static int bk_get_int(json_object *o, const char *k, int64_t *out,
                      struct hk_err *err)
{
    json_object *v;
    if (!json_object_object_get_ex(o, k, &v) ||
        !json_object_is_type(v, json_type_int))
        return hk_err_set(err, HAWK_EPROTO, NULL, k,
                          "manifest: '%s' missing or not an integer", k);
    *out = json_object_get_int64(v);
    return 0;
}

int bk_manifest_parse(const char *text, size_t len, struct hk_backup_info *in,
                      struct hk_err *err)
{
    memset(in, 0, sizeof(*in));
    if (len > BK_MANIFEST_MAX)
        return hk_err_set(err, HAWK_EPROTO, NULL, NULL,
                          "manifest: %zu bytes is too large", len);
    struct json_tokener *tok = json_tokener_new();
    json_object *o = json_tokener_parse_ex(tok, text, (int)len);
    json_tokener_free(tok);
    if (o == NULL || !json_object_is_type(o, json_type_object)) {
        json_object_put(o);
        return hk_err_set(err, HAWK_EPROTO, NULL, NULL,
                          "manifest: not a JSON object");
    }
    int64_t fmt = 0, sv = 0, lv = 0;
    int rc = bk_get_int(o, "format", &fmt, err);
    if (rc == 0 && fmt != 1)
        rc = hk_err_set(err, HAWK_EPROTO, NULL, "format",
                        "manifest format %lld is not known to this hawk",
                        (long long)fmt);
    if (rc == 0)
        rc = bk_get_str(o, "name", in->name, sizeof(in->name), err);
    if (rc == 0)
        rc = bk_get_str(o, "file", in->file, sizeof(in->file), err);
    if (rc == 0)
        rc = bk_get_str(o, "hawk_version", in->hawk_version,
                        sizeof(in->hawk_version), err);
    if (rc == 0)
        rc = bk_get_int(o, "schema_version", &sv, err);
    if (rc == 0)
        rc = bk_get_int(o, "database_bytes", &in->database_bytes, err);
    if (rc == 0)
        rc = bk_get_int(o, "dump_bytes", &in->dump_bytes, err);
    if (rc == 0)
        rc = bk_get_int(o, "stored_bytes", &in->stored_bytes, err);
    if (rc == 0)
        rc = bk_get_str(o, "sha256", in->sha256, sizeof(in->sha256), err);
    if (rc == 0)
        rc = bk_get_str(o, "compression", in->compression,
                        sizeof(in->compression), err);
    if (rc == 0)
        rc = bk_get_int(o, "level", &lv, err);
    if (rc == 0)
        rc = bk_get_str(o, "encryption", in->encryption, sizeof(in->encryption),
                        err);
    if (rc == 0)
        rc = bk_get_int(o, "started_ms", &in->started_ms, err);
    if (rc == 0)
        rc = bk_get_int(o, "finished_ms", &in->finished_ms, err);
    json_object_put(o);
    if (rc < 0)
        return rc;
    in->schema_version = (int)sv;
    in->level = (int)lv;
    char expect[HK_BACKUP_NAME_MAX + 32];
    bk_data_file(in->name, strcmp(in->encryption, "none") != 0, expect,
                 sizeof(expect));
    if (!bk_name_ok(in->name) || strcmp(in->file, expect) != 0 ||
        strlen(in->sha256) != 64 || strcmp(in->compression, "zstd") != 0 ||
        (strcmp(in->encryption, "none") != 0 &&
         strcmp(in->encryption, BK_ENC_NAME) != 0))
        return hk_err_set(err, HAWK_EPROTO, NULL, NULL,
                          "manifest of '%s' is inconsistent", in->name);
    return 0;
}

static void bk_meta_add(struct bk_meta *m, const char *k, long long v,
                        const char *s)
{
    if (m->n >= sizeof(m->kv) / sizeof(m->kv[0]))
        return;
    if (s != NULL)
        hk_strlcpy(m->store[m->n], s, sizeof(m->store[m->n]));
    else
        snprintf(m->store[m->n], sizeof(m->store[m->n]), "%lld", v);
    m->kv[m->n].key = k;
    m->kv[m->n].value = m->store[m->n];
    m->n++;
}

void bk_meta_start(const struct hk_backup_info *in, struct bk_meta *m)
{
    char st[40];
    memset(m, 0, sizeof(*m));
    hk_time_rfc3339(in->started_ms, st, sizeof(st));
    bk_meta_add(m, "hawk-backup", 0, in->name);
    bk_meta_add(m, "hawk-version", 0, in->hawk_version);
    bk_meta_add(m, "schema-version", in->schema_version, NULL);
    bk_meta_add(m, "database-bytes", (long long)in->database_bytes, NULL);
    bk_meta_add(m, "compression", 0, in->compression);
    bk_meta_add(m, "level", in->level, NULL);
    bk_meta_add(m, "encryption", 0, in->encryption);
    bk_meta_add(m, "started-at", 0, st);
}

void bk_meta_full(const struct hk_backup_info *in, struct bk_meta *m)
{
    char fin[40];
    bk_meta_start(in, m);
    hk_time_rfc3339(in->finished_ms, fin, sizeof(fin));
    bk_meta_add(m, "finished-at", 0, fin);
    bk_meta_add(m, "dump-bytes", (long long)in->dump_bytes, NULL);
    bk_meta_add(m, "stored-bytes", (long long)in->stored_bytes, NULL);
    bk_meta_add(m, "sha256", 0, in->sha256);
}
