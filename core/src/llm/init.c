/*
 * llm/init.c - start-up of the llm features: find and load the prompt
 * templates, the resume template and the question rule table.
 */
#include <libgen.h>
#include <stdio.h>
#include <string.h>

#include "app/app.h"
#include "config/config.h"
#include "llm/llm.h"
#include "llm/llm_int.h"
#include "llm/qrules.h"
#include "util/alloc.h"
#include "util/str.h"

/* Picks the directory for one kind of template: the configured one, else
 * <dir of the config file>/<sub>, else the source tree's etc/<sub>. */
static int pick_dir(const struct hk_config *cfg, const char *key,
                    const char *sub, char *out, size_t outlen, char *err,
                    size_t errlen)
{
    const char *set = cfg != NULL ? hk_cfg_str(cfg, key) : NULL;
    char beside[1024] = "";

    if (set != NULL && set[0] != '\0') {
        if (!hk_llm_is_dir(set)) {
            snprintf(err, errlen, "%s: directory '%s' does not exist", key,
                     set);
            return HAWK_ECONFIG;
        }
        hk_strlcpy(out, set, outlen);
        return 0;
    }
    if (cfg != NULL && cfg->path != NULL) {
        char *copy = hk_strdup(cfg->path);
        snprintf(beside, sizeof(beside), "%s/%s", dirname(copy), sub);
        hk_free(copy);
        if (hk_llm_is_dir(beside)) {
            hk_strlcpy(out, beside, outlen);
            return 0;
        }
    }
    char source[1024];
    snprintf(source, sizeof(source), "%s/etc/%s", HAWK_SOURCE_DIR, sub);
    if (hk_llm_is_dir(source)) {
        hk_strlcpy(out, source, outlen);
        return 0;
    }
    snprintf(err, errlen, "%s templates not found (looked in %s%s%s); set %s",
             sub, beside[0] ? beside : "", beside[0] ? " and " : "", source,
             key);
    return HAWK_ECONFIG;
}

/* See llm.h. */
int hk_llm_init(struct hk_app *app, char *err, size_t errlen)
{
    char dir[1024];
    const struct hk_config *cfg = app != NULL ? app->cfg : NULL;

    int rc = pick_dir(cfg, "llm.prompts_dir", "prompts", dir, sizeof(dir), err,
                      errlen);
    if (rc == 0)
        rc = hk_prompts_load(dir, err, errlen);
    if (rc == 0)
        rc = pick_dir(cfg, "llm.templates_dir", "templates", dir, sizeof(dir),
                      err, errlen);
    if (rc == 0)
        rc = hk_llm_templates_load(dir, err, errlen);
    if (rc == 0)
        rc = pick_dir(cfg, "llm.answers_dir", "answers", dir, sizeof(dir), err,
                      errlen);
    if (rc == 0) {
        char path[1100];
        snprintf(path, sizeof(path), "%s/rules.json", dir);
        struct hk_qrules *rules = hk_qrules_read(path, err, errlen);
        if (rules == NULL)
            rc = HAWK_ECONFIG;
        else
            hk_qrules_install(rules);
    }
    if (rc < 0)
        hk_llm_shutdown();
    return rc;
}

/* See llm.h. */
void hk_llm_shutdown(void)
{
    hk_prompts_free();
    hk_llm_templates_free();
    hk_qrules_install(NULL);
    hk_llm_language_shutdown();
}
