/*
 * config/config.c - loading hawk.cfg: parse, walk every setting against
 * the schema, apply HAWK_* environment overrides, fill defaults, and the
 * typed getters over the result.
 */
#include "config/config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/internal.h"
#include "hawk/plugin.h"
#include "util/alloc.h"
#include "util/str.h"

#define DEFAULT_CONFIG_PATH "etc/hawk.cfg"
#define MAX_PATH_LEN 256

/* Environment variables that win over the file. */
static const struct {
    const char *env;
    const char *path;
} overrides[] = {
    {"HAWK_LISTEN", "server.listen"}, {"HAWK_DATABASE_URL", "database.url"},
    {"HAWK_DATA_DIR", "data_dir"},    {"HAWK_JWT_SECRET", "auth.jwt_secret"},
    {"HAWK_LOG_LEVEL", "log.level"},  {"HAWK_PLUGIN_PATH", "plugin_dir"},
};

struct load_ctx {
    struct hk_config *c;
    struct hk_cfg_state *st;
    char *err;
    size_t errlen;
};

static size_t schema_len(void)
{
    size_t n = 0;
    while (hk_config_schema[n].path != NULL)
        n++;
    return n;
}

static long row_index(const char *path)
{
    for (size_t i = 0; hk_config_schema[i].path != NULL; i++) {
        if (strcmp(hk_config_schema[i].path, path) == 0)
            return (long)i;
    }
    return -1;
}

/* See config.h. */
const struct hk_cfg_field *hk_config_field(const char *path)
{
    long i = row_index(path);
    return i < 0 ? NULL : &hk_config_schema[i];
}

/* True when `path` names a group: some schema path starts with "path.". */
static bool is_group_path(const char *path)
{
    size_t n = strlen(path);
    for (size_t i = 0; hk_config_schema[i].path != NULL; i++) {
        const char *p = hk_config_schema[i].path;
        if (strncmp(p, path, n) == 0 && p[n] == '.')
            return true;
    }
    return false;
}

static unsigned depth_of(const char *path)
{
    unsigned d = 0;
    for (; *path != '\0'; path++)
        d += *path == '.';
    return d;
}

/* Collects schema paths and group names with as many dots as `depth`,
 * deduplicated, into cands (static strings or pieces of a scratch
 * buffer owned by the caller). */
static size_t collect_candidates(unsigned depth, const char **cands, size_t cap,
                                 char scratch[][MAX_PATH_LEN])
{
    size_t n = 0;
    for (size_t i = 0; hk_config_schema[i].path != NULL && n < cap; i++) {
        const char *p = hk_config_schema[i].path;
        /* The prefix of p with `depth` dots. */
        unsigned dots = 0;
        size_t len = 0;
        for (; p[len] != '\0'; len++) {
            if (p[len] == '.' && dots++ == depth)
                break;
        }
        if (dots < depth || len >= MAX_PATH_LEN)
            continue;
        bool dup = false;
        for (size_t j = 0; j < n && !dup; j++)
            dup = strlen(cands[j]) == len && strncmp(cands[j], p, len) == 0;
        if (dup)
            continue;
        memcpy(scratch[n], p, len);
        scratch[n][len] = '\0';
        cands[n] = scratch[n];
        n++;
    }
    return n;
}

static int unknown_key(struct load_ctx *L, const config_setting_t *s,
                       const char *full)
{
    char path[MAX_PATH_LEN];
    hk_strlcpy(path, full, sizeof(path));
    /* For an unknown group, name its first leaf: "servr.listen" is what
     * the reader typed and what a suggestion can match. */
    while (config_setting_is_group(s) && config_setting_length(s) > 0) {
        s = config_setting_get_elem(s, 0);
        size_t n = strlen(path);
        snprintf(path + n, sizeof(path) - n, ".%s", config_setting_name(s));
    }
    char where[300];
    hk_config_where(s, L->c->path, where, sizeof(where));
    enum { CAP = 128 };
    const char *cands[CAP];
    char scratch[CAP][MAX_PATH_LEN];
    size_t n = collect_candidates(depth_of(path), cands, CAP, scratch);
    const char *best = hk_config_suggest(path, cands, n);
    if (best != NULL)
        snprintf(L->err, L->errlen, "%s: unknown key '%s' (did you mean '%s'?)",
                 where, path, best);
    else
        snprintf(L->err, L->errlen,
                 "%s: unknown key '%s' (see etc/hawk.cfg.example for every "
                 "key)",
                 where, path);
    return HAWK_ECONFIG;
}

/* Runs a row's semantic check on a string value. */
static int run_check(const struct hk_cfg_field *f, const struct hk_cfg_value *v,
                     const char *what, char *msg, size_t msglen)
{
    if (f->check == NULL || v->s == NULL)
        return 0;
    return f->check(what, v->s, msg, msglen);
}

static int set_from_setting(struct load_ctx *L, long idx,
                            const config_setting_t *s)
{
    const struct hk_cfg_field *f = &hk_config_schema[idx];
    struct hk_cfg_value *v = &L->st->v[idx];
    char where[300], what[300], msg[1024];
    hk_config_where(s, L->c->path, where, sizeof(where));
    snprintf(what, sizeof(what), "'%s'", f->path);
    struct hk_cfg_value nv = {0};
    int rc = hk_cfg_value_from_setting(&nv, s, f->type, f->min, f->max, what,
                                       msg, sizeof(msg));
    if (rc == 0)
        rc = run_check(f, &nv, what, msg, sizeof(msg));
    if (rc < 0) {
        hk_cfg_value_clear(&nv);
        snprintf(L->err, L->errlen, "%s: %s", where, msg);
        return HAWK_ECONFIG;
    }
    if (f->type == HK_CFG_GROUP_LIST && strcmp(f->path, "plugins") == 0) {
        rc = hk_config_parse_plugins(L->c, s, L->err, L->errlen);
        if (rc < 0) {
            hk_cfg_value_clear(&nv);
            return rc;
        }
    }
    hk_cfg_value_set_origin(&nv, where);
    hk_cfg_value_clear(v);
    *v = nv;
    return 0;
}

static int walk_group(struct load_ctx *L, const config_setting_t *group,
                      const char *prefix)
{
    int n = config_setting_length(group);
    for (int i = 0; i < n; i++) {
        const config_setting_t *s = config_setting_get_elem(group, (unsigned)i);
        char full[MAX_PATH_LEN];
        if (prefix[0] != '\0')
            snprintf(full, sizeof(full), "%s.%s", prefix,
                     config_setting_name(s));
        else
            hk_strlcpy(full, config_setting_name(s), sizeof(full));
        long idx = row_index(full);
        int rc;
        if (idx >= 0) {
            rc = set_from_setting(L, idx, s);
        } else if (is_group_path(full)) {
            if (!config_setting_is_group(s)) {
                char where[300];
                hk_config_where(s, L->c->path, where, sizeof(where));
                snprintf(L->err, L->errlen,
                         "%s: '%s' must be a group: %s = { ... };", where, full,
                         config_setting_name(s));
                return HAWK_ECONFIG;
            }
            rc = walk_group(L, s, full);
        } else {
            rc = unknown_key(L, s, full);
        }
        if (rc < 0)
            return rc;
    }
    return 0;
}

static int apply_overrides(struct load_ctx *L)
{
    for (size_t i = 0; i < sizeof(overrides) / sizeof(overrides[0]); i++) {
        const char *val = getenv(overrides[i].env);
        if (val == NULL)
            continue;
        long idx = row_index(overrides[i].path);
        if (idx < 0)
            continue;
        const struct hk_cfg_field *f = &hk_config_schema[idx];
        char what[300], msg[1024];
        snprintf(what, sizeof(what), "'%s'", f->path);
        struct hk_cfg_value nv = {0};
        int rc = hk_cfg_value_from_text(&nv, val, f->type, f->min, f->max, what,
                                        msg, sizeof(msg));
        if (rc == 0)
            rc = run_check(f, &nv, what, msg, sizeof(msg));
        if (rc < 0) {
            hk_cfg_value_clear(&nv);
            snprintf(L->err, L->errlen, "env %s: %s", overrides[i].env, msg);
            return HAWK_ECONFIG;
        }
        char origin[64];
        snprintf(origin, sizeof(origin), "env %s", overrides[i].env);
        hk_cfg_value_set_origin(&nv, origin);
        hk_cfg_value_clear(&L->st->v[idx]);
        L->st->v[idx] = nv;
    }
    return 0;
}

static int apply_defaults(struct load_ctx *L)
{
    for (size_t i = 0; i < L->st->n; i++) {
        struct hk_cfg_value *v = &L->st->v[i];
        const struct hk_cfg_field *f = &hk_config_schema[i];
        if (v->set)
            continue;
        v->type = f->type;
        if (f->default_value != NULL) {
            char what[300], msg[1024];
            snprintf(what, sizeof(what), "default of '%s'", f->path);
            if (hk_cfg_value_from_text(v, f->default_value, f->type, f->min,
                                       f->max, what, msg, sizeof(msg)) < 0) {
                snprintf(L->err, L->errlen, "internal: %s", msg);
                return HAWK_EINTERNAL;
            }
        }
        hk_cfg_value_set_origin(v, "default");
    }
    return 0;
}

/* The size a settings member of each type has (HK_AT checks against it). */
static size_t member_size(enum hk_cfg_type t)
{
    switch (t) {
    case HK_CFG_STR:
    case HK_CFG_SECRET:
        return sizeof(const char *);
    case HK_CFG_INT:
    case HK_CFG_DURATION:
    case HK_CFG_SIZE:
        return sizeof(int64_t);
    case HK_CFG_BOOL:
        return sizeof(bool);
    case HK_CFG_DOUBLE:
        return sizeof(double);
    case HK_CFG_STR_LIST:
        return sizeof(struct hk_cfg_list);
    case HK_CFG_GROUP_LIST:
        return sizeof(const config_setting_t *);
    }
    return 0;
}

/* Copies every resolved value into the member its row names (strings
 * stay owned by the value table).  A row whose member does not fit its
 * type is a programming error in schema.c: HAWK_EINTERNAL naming it. */
static int fill_settings(struct load_ctx *L)
{
    char *base = (char *)&L->c->settings;
    for (size_t i = 0; i < L->st->n; i++) {
        const struct hk_cfg_field *f = &hk_config_schema[i];
        const struct hk_cfg_value *v = &L->st->v[i];
        if (f->size != member_size(f->type) ||
            f->off + f->size > sizeof(struct hk_settings)) {
            snprintf(L->err, L->errlen,
                     "internal: schema row '%s' fills a member of %zu "
                     "bytes, its type needs %zu",
                     f->path, f->size, member_size(f->type));
            return HAWK_EINTERNAL;
        }
        char *m = base + f->off;
        switch (f->type) {
        case HK_CFG_STR:
        case HK_CFG_SECRET: {
            const char *s = v->set ? v->s : NULL;
            memcpy(m, &s, sizeof(s));
            break;
        }
        case HK_CFG_INT:
        case HK_CFG_DURATION:
        case HK_CFG_SIZE:
            memcpy(m, &v->i, sizeof(v->i));
            break;
        case HK_CFG_BOOL:
            memcpy(m, &v->b, sizeof(v->b));
            break;
        case HK_CFG_DOUBLE:
            memcpy(m, &v->d, sizeof(v->d));
            break;
        case HK_CFG_STR_LIST: {
            struct hk_cfg_list l = {
                .items = (const char *const *)v->items,
                .n = v->set ? v->n_items : 0,
            };
            memcpy(m, &l, sizeof(l));
            break;
        }
        case HK_CFG_GROUP_LIST:
            memcpy(m, &v->raw, sizeof(v->raw));
            break;
        }
    }
    return 0;
}

/* Makes data_dir absolute against the working directory. */
static int resolve_data_dir(struct load_ctx *L)
{
    struct hk_cfg_value *v = &L->st->v[row_index("data_dir")];
    const char *d = v->s;
    if (d[0] != '/') {
        char cwd[4096];
        if (getcwd(cwd, sizeof(cwd)) == NULL) {
            snprintf(L->err, L->errlen,
                     "cannot resolve data_dir '%s': the working directory "
                     "is unavailable (%s); use an absolute path",
                     d, strerror(errno));
            return HAWK_ECONFIG;
        }
        while (d[0] == '.' && d[1] == '/')
            d += 2;
        char *abs =
            strcmp(d, ".") == 0 || d[0] == '\0'
                ? hk_strdup(cwd)
                : hk_asprintf("%s/%s", strcmp(cwd, "/") == 0 ? "" : cwd, d);
        hk_free(v->s);
        v->s = abs;
    }
    size_t n = strlen(v->s);
    while (n > 1 && v->s[n - 1] == '/')
        v->s[--n] = '\0';
    L->c->data_dir = hk_strdup(v->s);
    return 0;
}

static int read_file(struct load_ctx *L)
{
    struct hk_config *c = L->c;
    FILE *f = fopen(c->path, "r");
    if (f == NULL) {
        snprintf(L->err, L->errlen,
                 "cannot read config file '%s': %s (pass another file with "
                 "-c or set HAWK_CONFIG)",
                 c->path, strerror(errno));
        return HAWK_ECONFIG;
    }
    fclose(f);
    /* @include paths resolve against the config file's directory. */
    char dir[4096];
    hk_strlcpy(dir, c->path, sizeof(dir));
    char *slash = strrchr(dir, '/');
    if (slash != NULL) {
        *slash = '\0';
        config_set_include_dir(&c->lc, dir[0] != '\0' ? dir : "/");
    }
    if (config_read_file(&c->lc, c->path) == CONFIG_TRUE)
        return 0;
    const char *file = config_error_file(&c->lc);
    const char *text = config_error_text(&c->lc);
    if (config_error_type(&c->lc) == CONFIG_ERR_FILE_IO) {
        snprintf(L->err, L->errlen, "cannot read config file '%s': %s",
                 file != NULL ? file : c->path,
                 text != NULL ? text : "i/o error");
    } else if (text == NULL || strcmp(text, "syntax error") == 0) {
        snprintf(L->err, L->errlen,
                 "%s:%d: syntax error (write settings as name = value; and "
                 "groups as name = { ... };)",
                 file != NULL ? file : c->path, config_error_line(&c->lc));
    } else {
        snprintf(L->err, L->errlen, "%s:%d: syntax error: %s",
                 file != NULL ? file : c->path, config_error_line(&c->lc),
                 text);
    }
    return HAWK_ECONFIG;
}

/* See config.h. */
int hk_config_load(const char *path, struct hk_config *out, char *err,
                   size_t errlen)
{
    memset(out, 0, sizeof(*out));
    if (path == NULL || path[0] == '\0') {
        path = getenv("HAWK_CONFIG");
        if (path == NULL || path[0] == '\0')
            path = DEFAULT_CONFIG_PATH;
    }
    if (err != NULL && errlen > 0)
        err[0] = '\0';
    char scratch_err[1];
    if (err == NULL || errlen == 0) {
        err = scratch_err;
        errlen = sizeof(scratch_err);
    }
    out->path = hk_strdup(path);
    config_init(&out->lc);
    struct hk_cfg_state *st = hk_calloc(1, sizeof(*st));
    st->n = schema_len();
    st->v = hk_calloc(st->n + 1, sizeof(struct hk_cfg_value));
    out->values = st;
    struct load_ctx L = {.c = out, .st = st, .err = err, .errlen = errlen};

    int rc = read_file(&L);
    if (rc == 0)
        rc = walk_group(&L, config_root_setting(&out->lc), "");
    if (rc == 0)
        rc = apply_overrides(&L);
    if (rc == 0)
        rc = apply_defaults(&L);
    if (rc == 0)
        rc = resolve_data_dir(&L);
    if (rc == 0)
        rc = fill_settings(&L);
    if (rc < 0) {
        hk_config_release(out);
        return rc == HAWK_EINTERNAL ? rc : HAWK_ECONFIG;
    }
    return 0;
}

/* See config.h. */
void hk_config_release(struct hk_config *c)
{
    if (c == NULL)
        return;
    struct hk_cfg_state *st = c->values;
    if (st != NULL) {
        for (size_t i = 0; i < st->n; i++)
            hk_cfg_value_clear(&st->v[i]);
        hk_free(st->v);
        hk_free(st);
    }
    hk_config_free_plugins(c);
    if (c->path != NULL)
        config_destroy(&c->lc);
    hk_free(c->path);
    hk_free(c->data_dir);
    memset(c, 0, sizeof(*c));
}

/* ------------------------------------------------------------------------
 * Getters
 * --------------------------------------------------------------------- */

static const struct hk_cfg_value *value_of(const struct hk_config *c,
                                           const char *path, unsigned types)
{
    long idx = row_index(path);
    const struct hk_cfg_state *st = c->values;
    if (idx < 0 || st == NULL) {
        fprintf(stderr,
                "hawk: internal error: config key '%s' is not in "
                "the schema\n",
                path);
        abort();
    }
    const struct hk_cfg_value *v = &st->v[idx];
    if ((types & (1u << hk_config_schema[idx].type)) == 0) {
        fprintf(stderr,
                "hawk: internal error: config key '%s' read with "
                "the wrong getter\n",
                path);
        abort();
    }
    return v;
}

#define T(x) (1u << (x))

/* See config.h. */
int64_t hk_cfg_int(const struct hk_config *c, const char *path)
{
    return value_of(c, path,
                    T(HK_CFG_INT) | T(HK_CFG_DURATION) | T(HK_CFG_SIZE))
        ->i;
}

/* See config.h. */
bool hk_cfg_bool(const struct hk_config *c, const char *path)
{
    return value_of(c, path, T(HK_CFG_BOOL))->b;
}

/* See config.h. */
double hk_cfg_double(const struct hk_config *c, const char *path)
{
    return value_of(c, path, T(HK_CFG_DOUBLE))->d;
}

/* See config.h.  Also reads SECRET keys. */
const char *hk_cfg_str(const struct hk_config *c, const char *path)
{
    return value_of(c, path, T(HK_CFG_STR) | T(HK_CFG_SECRET))->s;
}

/* See config.h. */
size_t hk_cfg_list_len(const struct hk_config *c, const char *path)
{
    return value_of(c, path, T(HK_CFG_STR_LIST))->n_items;
}

/* See config.h. */
const char *hk_cfg_list_item(const struct hk_config *c, const char *path,
                             size_t i)
{
    const struct hk_cfg_value *v = value_of(c, path, T(HK_CFG_STR_LIST));
    return i < v->n_items ? v->items[i] : NULL;
}

/* See config.h. */
const config_setting_t *hk_cfg_setting(const struct hk_config *c,
                                       const char *path)
{
    return config_lookup(&c->lc, path);
}

/* See config.h. */
const char *hk_cfg_origin(const struct hk_config *c, const char *path)
{
    const struct hk_cfg_value *v = value_of(c, path, ~0u);
    return v->origin != NULL ? v->origin : "default";
}
