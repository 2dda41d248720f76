/*
 * mail/config.c - the mail module's settings from the mail.* keys.
 */
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "config/config.h"
#include "mail/mail.h"
#include "util/alloc.h"
#include "util/str.h"

static bool is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The templates folder: configured, else beside the config file, else
 * the source tree's (tests and `make run`). */
static int templates_dir(const struct hk_config *c, char *out, size_t n,
                         struct hk_err *err)
{
    const char *set = c->settings.mail.templates_dir;
    char beside[1024] = "";
    if (set != NULL && set[0] != '\0') {
        if (!is_dir(set))
            return hk_err_set(err, HAWK_ECONFIG, NULL, "mail.templates_dir",
                              "%s: mail.templates_dir '%s' is not a directory",
                              hk_cfg_origin(c, "mail.templates_dir"), set);
        hk_strlcpy(out, set, n);
        return 0;
    }
    if (c->path != NULL) {
        char *copy = hk_strdup(c->path);
        snprintf(beside, sizeof(beside), "%s/templates/mail", dirname(copy));
        hk_free(copy);
        if (is_dir(beside)) {
            hk_strlcpy(out, beside, n);
            return 0;
        }
    }
    snprintf(out, n, "%s/etc/templates/mail", HAWK_SOURCE_DIR);
    if (is_dir(out))
        return 0;
    return hk_err_set(err, HAWK_ECONFIG, NULL, "mail.templates_dir",
                      "mail templates not found (looked in %s and %s); set "
                      "mail.templates_dir",
                      beside[0] ? beside : "<config dir>/templates/mail", out);
}

/* See mail.h. */
int hk_mail_cfg_from_config(const struct hk_config *c, struct hk_mail_cfg *cfg,
                            char *tdir, size_t tlen, char *sdir, size_t slen,
                            struct hk_err *err)
{
    memset(cfg, 0, sizeof(*cfg));
    const char *tls = c->settings.mail.starttls;
    if (strcmp(tls, "auto") == 0)
        cfg->tls = HK_MAIL_TLS_AUTO;
    else if (strcmp(tls, "require") == 0)
        cfg->tls = HK_MAIL_TLS_REQUIRE;
    else if (strcmp(tls, "off") == 0)
        cfg->tls = HK_MAIL_TLS_OFF;
    else
        return hk_err_set(err, HAWK_ECONFIG, NULL, "mail.starttls",
                          "%s: mail.starttls must be auto, require or off",
                          hk_cfg_origin(c, "mail.starttls"));
    cfg->smtp_url = c->settings.mail.smtp_url;
    cfg->username = c->settings.mail.username;
    cfg->ca_file = c->settings.mail.ca_file;
    cfg->password = c->settings.mail.password;
    cfg->from_address = c->settings.mail.from;
    cfg->from_name = c->settings.mail.from_name;
    cfg->reply_to = c->settings.mail.reply_to;
    cfg->timeout_ms = c->settings.mail.timeout_ms;
    cfg->max_attempts = (int)c->settings.mail.max_attempts;
    if (!hk_mail_addr_ok(cfg->from_address))
        return hk_err_set(err, HAWK_ECONFIG, NULL, "mail.from",
                          "%s: mail.from must be one address such as "
                          "noreply@example.com",
                          hk_cfg_origin(c, "mail.from"));
    int rc = templates_dir(c, tdir, tlen, err);
    if (rc < 0)
        return rc;
    cfg->templates_dir = tdir;
    const char *spool = c->settings.mail.spool_dir;
    if (spool != NULL && spool[0] != '\0')
        hk_strlcpy(sdir, spool, slen);
    else
        snprintf(sdir, slen, "%s/mail", c->data_dir);
    cfg->spool_dir = sdir;
    return 0;
}
