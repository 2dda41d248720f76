/*
 * llm/cli.c - `hawk llm chat`: one chat completion through the configured
 * llm plugin, for admins checking a provider and for tests driving the
 * real plugin against a local server.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "app/app.h"
#include "llm/llm.h"
#include "log/log.h"
#include "plugin/http_client.h"
#include "plugin/plugins.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/str.h"
#include "util/time.h"

#define EXIT_OK 0
#define EXIT_FAIL 1
#define EXIT_USAGE 2
#define CLI_MAX_SCHEMA ((size_t)256 << 10)

static const char usage[] =
    "usage: hawk llm chat --prompt TEXT [--system TEXT] [--schema FILE]\n"
    "                     [--plugin NAME] [--model MODEL] [--max-tokens N]\n"
    "                     [--temperature T] [--timeout DURATION] [--json]\n"
    "                     [--log-level LEVEL] [-c CONFIG]\n"
    "  Sends one chat completion through an llm plugin and prints the\n"
    "  reply; --json prints {\"content\", \"usage\", ...} instead.  With\n"
    "  --schema the reply is a JSON document valid for the schema in FILE.\n"
    "  Log lines below warn are hidden unless --log-level asks for them.\n";

struct cli_opts {
    const char *prompt;
    const char *system;
    const char *schema_file;
    const char *plugin;
    const char *model;
    int64_t max_tokens;
    double temperature;
    int64_t timeout_ms;
    const char *log_level;
    bool json;
};

static int need_value(int i, int argc, const char *opt)
{
    if (i + 1 >= argc) {
        fprintf(stderr, "hawk: %s needs a value\n%s", opt, usage);
        return -1;
    }
    return 0;
}

static int parse_number_opts(const char *a, const char *v, struct cli_opts *o)
{
    if (strcmp(a, "--max-tokens") == 0) {
        if (hk_parse_i64(v, 1, 1000000, &o->max_tokens) < 0) {
            fprintf(stderr, "hawk: --max-tokens must be 1-1000000\n");
            return -1;
        }
        return 0;
    }
    if (strcmp(a, "--temperature") == 0) {
        char *end = NULL;
        errno = 0;
        o->temperature = strtod(v, &end);
        if (errno != 0 || end == v || *end != '\0' ||
            !(o->temperature >= 0 && o->temperature <= 2)) {
            fprintf(stderr, "hawk: --temperature must be 0-2\n");
            return -1;
        }
        return 0;
    }
    if (hk_parse_duration_ms(v, &o->timeout_ms) < 0 || o->timeout_ms <= 0) {
        fprintf(stderr, "hawk: --timeout must be a duration such as 30s\n");
        return -1;
    }
    return 0;
}

static int parse_args(int argc, char **argv, struct cli_opts *o)
{
    static const char *const with_value[] = {
        "--prompt",  "--system",    "--schema",     "--plugin",
        "--model",   "--log-level", "--max-tokens", "--temperature",
        "--timeout", "-c",          "--config",     NULL};
    const char **slots[] = {&o->prompt, &o->system, &o->schema_file,
                            &o->plugin, &o->model,  &o->log_level};

    memset(o, 0, sizeof(*o));
    o->temperature = -1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--json") == 0) {
            o->json = true;
            continue;
        }
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(usage, stdout);
            return 1;
        }
        size_t k = 0;
        while (with_value[k] != NULL && strcmp(with_value[k], a) != 0)
            k++;
        if (with_value[k] == NULL) {
            fprintf(stderr, "hawk: unknown option '%s' for llm chat\n%s", a,
                    usage);
            return -1;
        }
        if (need_value(i, argc, a) < 0)
            return -1;
        const char *v = argv[++i];
        if (k < sizeof(slots) / sizeof(slots[0]))
            *slots[k] = v;
        else if (k < 9 && parse_number_opts(a, v, o) < 0)
            return -1;
    }
    if (o->log_level != NULL && hk_log_level_parse(o->log_level) < 0) {
        fprintf(stderr, "hawk: --log-level must be debug, info, warn, error "
                        "or crit\n");
        return -1;
    }
    if (o->prompt == NULL || o->prompt[0] == '\0') {
        fprintf(stderr, "hawk: --prompt is required\n%s", usage);
        return -1;
    }
    return 0;
}

static char *read_schema(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "hawk: cannot open schema file %s: %s\n", path,
                strerror(errno));
        return NULL;
    }
    struct hk_buf b;
    hk_buf_init(&b, CLI_MAX_SCHEMA);
    char chunk[4096];
    size_t n;
    int rc = 0;
    while (rc == 0 && (n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        rc = hk_buf_append(&b, chunk, n);
    fclose(f);
    if (rc < 0) {
        fprintf(stderr, "hawk: schema file %s is larger than %zu bytes\n", path,
                CLI_MAX_SCHEMA);
        hk_buf_release(&b);
        return NULL;
    }
    char *s = hk_buf_steal(&b, NULL);
    return s != NULL ? s : hk_strdup("");
}

static void print_json(const struct hk_llm_out *out)
{
    const struct hawk_llm_result *r = &out->result;
    json_object *o = json_object_new_object();
    json_object_object_add(
        o, "content", json_object_new_string_len(out->content, (int)out->len));
    json_object_object_add(o, "plugin", json_object_new_string(out->plugin));
    json_object_object_add(o, "model", json_object_new_string(r->model));
    json_object_object_add(o, "finish_reason",
                           json_object_new_string(r->finish_reason));
    json_object_object_add(o, "response_id",
                           json_object_new_string(r->response_id));
    json_object_object_add(o, "attempts", json_object_new_int(r->attempts));
    json_object *u = json_object_new_object();
    json_object_object_add(u, "prompt_tokens",
                           json_object_new_int64(out->usage.prompt_tokens));
    json_object_object_add(u, "completion_tokens",
                           json_object_new_int64(out->usage.completion_tokens));
    json_object_object_add(u, "total_tokens",
                           json_object_new_int64(out->usage.total_tokens));
    json_object_object_add(u, "cost_usd",
                           json_object_new_double(out->usage.cost_usd));
    json_object_object_add(o, "usage", u);
    printf("%s\n",
           json_object_to_json_string_ext(
               o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(o);
}

static int run_chat(struct hk_app *app, const struct cli_opts *o)
{
    struct hawk_llm_message msgs[2];
    size_t n = 0;
    char *schema = NULL;
    struct hawk_error err;
    struct hk_llm_out out;

    if (o->schema_file != NULL) {
        schema = read_schema(o->schema_file);
        if (schema == NULL)
            return EXIT_FAIL;
    }
    if (o->system != NULL)
        msgs[n++] = (struct hawk_llm_message){"system", o->system};
    msgs[n++] = (struct hawk_llm_message){"user", o->prompt};

    struct hk_llm_call c;
    memset(&c, 0, sizeof(c));
    c.purpose = "chat";
    c.plugin = o->plugin;
    c.model = o->model;
    c.messages = msgs;
    c.n_messages = n;
    c.json_schema = schema;
    c.schema_name = schema != NULL ? "result" : NULL;
    c.temperature = o->temperature;
    c.max_tokens = (int)o->max_tokens;
    c.timeout_ms = o->timeout_ms;
    int rc = hk_llm_chat(app, 0, &c, &out, &err);
    hk_free(schema);
    if (rc < 0) {
        fprintf(stderr, "hawk: llm chat failed (%s): %s\n", hawk_err_name(rc),
                err.msg[0] ? err.msg : hawk_strerror(rc));
        return EXIT_FAIL;
    }
    if (o->json) {
        print_json(&out);
    } else {
        fwrite(out.content, 1, out.len, stdout);
        fputc('\n', stdout);
    }
    fflush(stdout);
    hk_llm_out_release(&out);
    return EXIT_OK;
}

/* Prints why configured llm plugins did not load; true when any did
 * not (a missing instance is then explained instead of "no plugin"). */
static bool report_failed(const struct hk_plugins *p)
{
    bool any = false;
    for (size_t i = 0; i < hk_plugins_count(p); i++) {
        const struct hk_plugin_entry *e = hk_plugins_at(p, i);
        uint32_t kind = hk_plugin_entry_kind(e);
        if (hk_plugin_entry_status(e) == HK_PLUGIN_FAILED &&
            (kind == 0 || kind == HAWK_KIND_LLM)) {
            fprintf(stderr, "hawk: plugin '%s' failed to load: %s\n",
                    hk_plugin_entry_name(e), hk_plugin_entry_reason(e));
            any = true;
        }
    }
    return any;
}

/* See llm.h. */
int hk_llm_cli(struct hk_app *app, int argc, char **argv)
{
    struct cli_opts o;
    char err[1024];

    if (argc > 0 && strcmp(argv[0], "llm") == 0) {
        argc--;
        argv++;
    }
    if (argc < 1 || strcmp(argv[0], "chat") != 0) {
        fputs(usage, argc < 1 ? stdout : stderr);
        return EXIT_USAGE;
    }
    int p = parse_args(argc, argv, &o);
    if (p != 0)
        return p > 0 ? EXIT_OK : EXIT_USAGE;
    if (o.log_level != NULL)
        hk_log_set_level(hk_log_level_parse(o.log_level));
    if (app == NULL || app->cfg == NULL) {
        fprintf(stderr, "hawk: llm chat needs a configuration\n");
        return EXIT_FAIL;
    }
    if (hk_http_client_global_init() < 0) {
        fprintf(stderr, "hawk: cannot initialise the http client\n");
        return EXIT_FAIL;
    }
    struct hk_plugins *own = NULL;
    bool rc_fail = false;
    if (app->plugins == NULL) {
        if (hk_plugins_load(app->cfg, app, HK_PLUGINS_START, &own, err,
                            sizeof(err)) < 0) {
            fprintf(stderr, "hawk: %s\n", err);
            hk_http_client_global_cleanup();
            return EXIT_FAIL;
        }
        app->plugins = own;
    }
    if (hk_plugins_find(app->plugins, HAWK_KIND_LLM, o.plugin) == NULL &&
        report_failed(app->plugins))
        rc_fail = true;
    int rc = rc_fail ? EXIT_FAIL : run_chat(app, &o);
    if (own != NULL) {
        app->plugins = NULL;
        hk_plugins_unload(own);
    }
    hk_http_client_global_cleanup();
    return rc;
}
