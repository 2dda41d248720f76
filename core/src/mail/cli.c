/*
 * mail/cli.c - `hawk mail test --to ADDR [--template NAME] [--var k=v]`:
 * sends one mail now with the configured settings, so an admin sees at
 * once whether the SMTP server, the login and TLS work (and tests can
 * drive delivery without the queue).
 */
#include <stdio.h>
#include <string.h>

#include "mail/mail.h"
#include "util/alloc.h"

static const char usage[] =
    "usage: hawk mail test --to ADDRESS [--template NAME] [--var "
    "KEY=VALUE]...\n"
    "  Sends one mail now.  Without --template a short test message is\n"
    "  sent; with it, the template is rendered with the --var values.\n";

/* See mail.h (declared there as part of the CLI). */
int hk_mail_cli(struct hk_mail *m, int argc, char **argv)
{
    const char *to = NULL, *tmpl = NULL;
    json_object *vars = json_object_new_object();
    int code = 2;

    if (argc < 1 || strcmp(argv[0], "test") != 0)
        goto usage;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (i + 1 >= argc)
            goto usage;
        if (strcmp(a, "--to") == 0) {
            to = argv[++i];
        } else if (strcmp(a, "--template") == 0) {
            tmpl = argv[++i];
        } else if (strcmp(a, "--var") == 0) {
            const char *kv = argv[++i];
            const char *eq = strchr(kv, '=');
            if (eq == NULL || eq == kv)
                goto usage;
            char *k = hk_strndup(kv, (size_t)(eq - kv));
            json_object_object_add(vars, k, json_object_new_string(eq + 1));
            hk_free(k);
        } else {
            goto usage;
        }
    }
    if (to == NULL)
        goto usage;
    struct hk_err err = HK_ERR_INIT;
    int rc;
    if (tmpl != NULL) {
        rc = hk_mail_send_template(m, to, tmpl, vars, NULL, &err);
    } else {
        struct hk_mail_msg msg = {
            to, "hawk mail test",
            "This is a test mail from hawk. If you can read it, mail works.\n",
            "<p>This is a test mail from <b>hawk</b>. If you can read it, "
            "mail works.</p>\n",
            "test"};
        rc = hk_mail_send(m, &msg, NULL, &err);
    }
    if (rc < 0) {
        fprintf(stderr, "hawk: mail to %s failed: %s\n", to, err.msg);
        code = 1;
    } else {
        printf("mail to %s %s\n", to,
               hk_mail_uses_smtp(m) ? "accepted by the SMTP server"
                                    : "written to the mail folder (no "
                                      "mail.smtp_url configured)");
        code = 0;
    }
    json_object_put(vars);
    return code;
usage:
    fputs(usage, stderr);
    json_object_put(vars);
    return 2;
}
