/*
 * main.c - the hawk executable: global options and subcommand dispatch.
 */
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "app/app.h"
#include "app/commands.h"

static void usage(FILE *to)
{
    fprintf(to,
            "usage: hawk [-c FILE] <command> [args]\n"
            "\n"
            "commands:\n"
            "  serve                      HTTP API, workers and scheduler\n"
            "  worker                     queue workers only (scale-out)\n"
            "  migrate                    apply database migrations\n"
            "  plugins list               configured plugins and their status\n"
            "  user create-admin --email E  create or promote an admin\n"
            "  workflow check FILE        validate a Lua workflow\n"
            "  workflow run FILE --user EMAIL [--dry-run]\n"
            "  llm chat --prompt TEXT     one call to the configured LLM\n"
            "  mail test --to ADDRESS     send one mail now (checks SMTP)\n"
            "  backup create|list|download|verify|prune|restore\n"
            "                             database backups (hawk backup)\n"
            "  routes                     list the HTTP routes\n"
            "  version                    print the version\n"
            "\n"
            "options:\n"
            "  -c, --config FILE          config file (default: $HAWK_CONFIG, "
            "else etc/hawk.cfg)\n");
}

int main(int argc, char **argv)
{
    const char *config = NULL;
    char *rest[256];
    int nrest = 0;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-c") == 0 || strcmp(argv[i], "--config") == 0) {
            if (i + 1 >= argc) {
                fprintf(stderr, "hawk: %s needs a file name\n", argv[i]);
                return 2;
            }
            config = argv[++i];
        } else if (strncmp(argv[i], "--config=", 9) == 0) {
            config = argv[i] + 9;
        } else if (strcmp(argv[i], "-h") == 0 ||
                   strcmp(argv[i], "--help") == 0) {
            usage(stdout);
            return 0;
        } else if (nrest < (int)(sizeof(rest) / sizeof(rest[0]))) {
            rest[nrest++] = argv[i];
        } else {
            fprintf(stderr, "hawk: too many arguments\n");
            return 2;
        }
    }
    if (nrest == 0) {
        usage(stderr);
        return 2;
    }
    /* Figures such as latencies and costs print short, not as 17 digits. */
    json_c_set_serialization_double_format("%.10g", JSON_C_OPTION_GLOBAL);
    const char *cmd = rest[0];
    if (strcmp(cmd, "version") == 0) {
        printf("hawk %s\n", HAWK_VERSION);
        return 0;
    }
    if (strcmp(cmd, "help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(cmd, "serve") == 0)
        return hk_cmd_serve(config);
    if (strcmp(cmd, "migrate") == 0)
        return hk_cmd_migrate(config);
    if (strcmp(cmd, "routes") == 0)
        return hk_cmd_routes(config);
    if (strcmp(cmd, "plugins") == 0)
        return hk_cmd_plugins(config, nrest - 1, rest + 1);
    if (strcmp(cmd, "user") == 0)
        return hk_cmd_user(config, nrest - 1, rest + 1);
    if (strcmp(cmd, "worker") == 0)
        return hk_cmd_worker(config, nrest - 1, rest + 1);
    if (strcmp(cmd, "workflow") == 0)
        return hk_cmd_workflow(config, nrest - 1, rest + 1);
    if (strcmp(cmd, "llm") == 0)
        return hk_cmd_llm(config, nrest - 1, rest + 1);
    if (strcmp(cmd, "mail") == 0)
        return hk_cmd_mail(config, nrest - 1, rest + 1);
    if (strcmp(cmd, "backup") == 0)
        return hk_cmd_backup(config, nrest - 1, rest + 1);
    fprintf(stderr, "hawk: unknown command '%s' (see hawk --help)\n", cmd);
    return 2;
}
