/*
 * config/internal.h - private to config/: the resolved value table and
 * the helpers shared between the files of the module.
 */
#ifndef HK_CONFIG_INTERNAL_H
#define HK_CONFIG_INTERNAL_H

#include "config/config.h"
#include "config/value.h"

/* hk_config.values: one value per schema row, same order. */
struct hk_cfg_state {
    size_t n;
    struct hk_cfg_value *v;
};

/* Semantic checks used by schema rows (config/checks.c).  See
 * struct hk_cfg_field.check. */
int hk_cfg_check_listen(const char *what, const char *value, char *msg,
                        size_t msglen);
int hk_cfg_check_log_level(const char *what, const char *value, char *msg,
                           size_t msglen);
int hk_cfg_check_db_url(const char *what, const char *value, char *msg,
                        size_t msglen);
int hk_cfg_check_jwt_secret(const char *what, const char *value, char *msg,
                            size_t msglen);
int hk_cfg_check_nonempty(const char *what, const char *value, char *msg,
                          size_t msglen);

/* Minimum length of a configured JWT secret, in bytes. */
#define HK_JWT_SECRET_MIN 32

/* Parses the `plugins` list setting into c->plugins (config/plugins_cfg.c).
 * Returns 0, or HAWK_ECONFIG with "FILE:LINE: ..." in err. */
int hk_config_parse_plugins(struct hk_config *c, const config_setting_t *list,
                            char *err, size_t errlen);
void hk_config_free_plugins(struct hk_config *c);

/* "FILE:LINE" of a setting into out (FILE falls back to `path`). */
void hk_config_where(const config_setting_t *s, const char *path, char *out,
                     size_t outlen);

/* Valid instance/plugin name: [a-z0-9_-]{1,32}. */
bool hk_config_valid_name(const char *s);

/* Nearest of `cands` (n strings) to `word` when close enough to be a
 * likely typo; NULL otherwise.  Borrowed from cands. */
const char *hk_config_suggest(const char *word, const char *const *cands,
                              size_t n);

#endif
