/*
 * test_schema_example.c - etc/hawk.cfg.example documents every schema key
 * with its default, and both shipped config files load.
 *
 * A key counts as documented when the example sets it (then the value must
 * equal the schema default) or, for keys whose mere presence changes
 * behaviour (lists of groups), shows it on a commented-out line
 * "# ... <leaf> = ...".
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "config/value.h"
#include "plugin/plugins.h"
#include "util/alloc.h"
#include "util/buf.h"

#define EXAMPLE HAWK_SOURCE_DIR "/etc/hawk.cfg.example"
#define DEFAULT_CFG HAWK_SOURCE_DIR "/etc/hawk.cfg"

static void clear_env(void)
{
    static const char *const vars[] = {"HAWK_CONFIG",       "HAWK_LISTEN",
                                       "HAWK_DATABASE_URL", "HAWK_DATA_DIR",
                                       "HAWK_JWT_SECRET",   "HAWK_LOG_LEVEL",
                                       "HAWK_PLUGIN_PATH"};
    for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
        unsetenv(vars[i]);
}

static char *read_all(const char *path)
{
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    struct hk_buf b;
    hk_buf_init(&b, 1 << 20);
    char tmp[4096];
    size_t n;
    while ((n = fread(tmp, 1, sizeof(tmp), f)) > 0)
        hk_buf_append(&b, tmp, n);
    fclose(f);
    return hk_buf_steal(&b, NULL);
}

/* A comment line showing "<leaf> =" (after '#'). */
static bool commented(const char *text, const char *path)
{
    const char *leaf = strrchr(path, '.');
    leaf = leaf != NULL ? leaf + 1 : path;
    for (const char *line = text; line != NULL && *line != '\0';) {
        const char *end = strchr(line, '\n');
        size_t len = end != NULL ? (size_t)(end - line) : strlen(line);
        const char *hash = memchr(line, '#', len);
        if (hash != NULL) {
            const char *p = hash + 1;
            while (p < line + len && (*p == ' ' || *p == '\t'))
                p++;
            size_t ll = strlen(leaf);
            if ((size_t)(line + len - p) > ll + 2 &&
                strncmp(p, leaf, ll) == 0 && p[ll] == ' ' && p[ll + 1] == '=')
                return true;
        }
        line = end != NULL ? end + 1 : NULL;
    }
    return false;
}

/* The example's value equals the schema default; returns a complaint or
 * NULL. */
static const char *differs(const struct hk_config *c,
                           const struct hk_cfg_field *f)
{
    struct hk_cfg_value d = {0};
    char msg[512];
    const char *bad = NULL;
    if (f->type == HK_CFG_GROUP_LIST)
        return NULL;
    if (f->default_value == NULL)
        return hk_cfg_str(c, f->path) == NULL ? NULL : "set without default";
    if (hk_cfg_value_from_text(&d, f->default_value, f->type, f->min, f->max,
                               f->path, msg, sizeof(msg)) < 0)
        return "schema default does not parse";
    switch (f->type) {
    case HK_CFG_INT:
    case HK_CFG_DURATION:
    case HK_CFG_SIZE:
        if (hk_cfg_int(c, f->path) != d.i)
            bad = "value differs from the default";
        break;
    case HK_CFG_BOOL:
        if (hk_cfg_bool(c, f->path) != d.b)
            bad = "value differs from the default";
        break;
    case HK_CFG_DOUBLE:
        if (hk_cfg_double(c, f->path) != d.d)
            bad = "value differs from the default";
        break;
    case HK_CFG_STR:
    case HK_CFG_SECRET: {
        /* compare the text as written (data_dir is made absolute) */
        const config_setting_t *s = hk_cfg_setting(c, f->path);
        if (strcmp(config_setting_get_string(s), d.s) != 0)
            bad = "value differs from the default";
        break;
    }
    case HK_CFG_STR_LIST:
        if (hk_cfg_list_len(c, f->path) != d.n_items) {
            bad = "value differs from the default";
            break;
        }
        for (size_t i = 0; i < d.n_items; i++) {
            if (strcmp(hk_cfg_list_item(c, f->path, i), d.items[i]) != 0)
                bad = "value differs from the default";
        }
        break;
    case HK_CFG_GROUP_LIST:
        break;
    }
    hk_cfg_value_clear(&d);
    return bad;
}

static void test_example_documents_every_key(void **state)
{
    (void)state;
    clear_env();
    struct hk_config c;
    char err[1024];
    int rc = hk_config_load(EXAMPLE, &c, err, sizeof(err));
    if (rc != 0)
        fail_msg("%s", err);
    char *text = read_all(EXAMPLE);
    struct hk_buf problems;
    hk_buf_init(&problems, 1 << 16);
    size_t n = 0;
    for (const struct hk_cfg_field *f = hk_config_schema; f->path != NULL;
         f++, n++) {
        if (hk_cfg_setting(&c, f->path) != NULL) {
            if (strcmp(hk_cfg_origin(&c, f->path), "default") == 0) {
                hk_buf_printf(&problems, "  %s: not read from the file\n",
                              f->path);
                continue;
            }
            const char *why = differs(&c, f);
            if (why != NULL)
                hk_buf_printf(&problems, "  %s: %s (default %s)\n", f->path,
                              why, f->default_value ? f->default_value : "-");
        } else if (!commented(text, f->path)) {
            hk_buf_printf(&problems, "  %s: missing from %s\n", f->path,
                          EXAMPLE);
        }
        if (f->help == NULL || f->help[0] == '\0')
            hk_buf_printf(&problems, "  %s: schema row has no help\n", f->path);
    }
    assert_true(n > 20);
    if (problems.len > 0) {
        fprintf(stderr, "hawk.cfg.example is out of date:\n%s",
                hk_buf_str(&problems));
        fail_msg("document every key listed above in etc/hawk.cfg.example");
    }
    hk_buf_release(&problems);
    hk_free(text);
    hk_config_release(&c);
}

static void test_default_config_runs(void **state)
{
    (void)state;
    clear_env();
    unsetenv("OPENAI_API_KEY");
    struct hk_config c;
    char err[1024];
    int rc = hk_config_load(DEFAULT_CFG, &c, err, sizeof(err));
    if (rc != 0)
        fail_msg("%s", err);
    assert_string_equal(hk_cfg_str(&c, "server.listen"), "127.0.0.1:8080");
    assert_string_equal(hk_cfg_str(&c, "database.url"), "");
    assert_string_equal(hk_cfg_str(&c, "log.level"), "info");
    assert_true(hk_cfg_bool(&c, "log.stdout"));
    assert_int_equal(c.n_plugins, 1);
    assert_string_equal(c.plugins[0].name, "openai");
    assert_false(c.plugins[0].enabled);
    /* loads with the openai entry disabled and OPENAI_API_KEY unset */
    struct hk_plugins *p = NULL;
    assert_int_equal(hk_plugins_load(&c, NULL, 0, &p, err, sizeof(err)), 0);
    assert_int_equal(hk_plugin_entry_status(hk_plugins_at(p, 0)),
                     HK_PLUGIN_DISABLED);
    hk_plugins_unload(p);
    hk_config_release(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_example_documents_every_key),
        cmocka_unit_test(test_default_config_runs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
