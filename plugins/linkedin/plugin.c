/*
 * plugins/linkedin/plugin.c - the descriptor of the `linkedin` job board
 * plugin: its options (parsed and type-checked by the host), init/fini,
 * and the health probe.  Search and job details use LinkedIn's guest
 * pages (no login); Easy Apply drives the host's browser service.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libxml/parser.h>

#include "li_apply.h"

#ifndef LI_SYSCONF_DIR
#define LI_SYSCONF_DIR "/etc/hawk"
#endif
#ifndef LI_SOURCE_DIR
#define LI_SOURCE_DIR "."
#endif

#define LI_DEFAULT_UA                                                          \
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "  \
    "Chrome/126.0.0.0 Safari/537.36"

static const struct hawk_cfg_key li_keys[] = {
    {"base_url", HAWK_CFG_STR, 0, "https://www.linkedin.com",
     "LinkedIn's address (tests point it at the local fixture site)", 0, 0},
    {"board", HAWK_CFG_STR, 0, "linkedin",
     "board name stored on jobs; keep it equal to this instance's name", 0, 0},
    {"selectors", HAWK_CFG_STR, 0, "",
     "selectors file; empty: " LI_SYSCONF_DIR
     "/linkedin/selectors.json, else the source tree's "
     "etc/linkedin/selectors.json",
     0, 0},
    {"user_agent", HAWK_CFG_STR, 0, LI_DEFAULT_UA,
     "User-Agent of guest page requests", 0, 0},
    {"max_results", HAWK_CFG_INT, 0, "100",
     "jobs one search returns when the caller sets no limit", 1,
     LI_RESULTS_CAP},
    {"max_pages", HAWK_CFG_INT, 0, "10", "result pages one search reads", 1,
     100},
    {"distance", HAWK_CFG_INT, 0, "25",
     "search radius in miles when a location is given and no distance", 0, 100},
    {"page_delay_min", HAWK_CFG_DURATION, 0, "3s",
     "shortest pause between two pages", 0, 600000},
    {"page_delay_max", HAWK_CFG_DURATION, 0, "7s",
     "longest pause between two pages", 0, 600000},
    {"action_delay_min", HAWK_CFG_DURATION, 0, "500ms",
     "shortest pause between two browser actions", 0, 60000},
    {"action_delay_max", HAWK_CFG_DURATION, 0, "1500ms",
     "longest pause between two browser actions", 0, 60000},
    {"request_timeout", HAWK_CFG_DURATION, 0, "30s",
     "time limit of one guest page request", 1000, 600000},
    {"retry_max", HAWK_CFG_INT, 0, "3",
     "retries of a page LinkedIn refused with 429/999 or a 5xx", 0, 10},
    {"retry_base", HAWK_CFG_DURATION, 0, "30s",
     "first back-off wait after a refusal; doubles per retry", 0, 3600000},
    {"retry_cap", HAWK_CFG_DURATION, 0, "10m", "longest back-off wait", 0,
     3600000},
    {"daily_cap", HAWK_CFG_INT, 0, "25",
     "Easy Apply submissions per account and UTC day (LinkedIn reportedly "
     "restricts accounts far above this)",
     0, 500},
    {"max_upload_size", HAWK_CFG_SIZE, 0, "2MiB",
     "largest resume or cover letter LinkedIn accepts", 1024, 100 << 20},
    {"max_steps", HAWK_CFG_INT, 0, "12",
     "most Easy Apply steps before giving up (a dialog that never ends)", 1,
     50},
    {"typeahead_wait", HAWK_CFG_DURATION, 0, "3s",
     "how long to wait for a typeahead's suggestions", 100, 60000},
    {"browser_profile", HAWK_CFG_STR, 0, "linkedin",
     "name of the per-user browser profile (cookies persist in it)", 0, 0},
    {"session_cookie", HAWK_CFG_SECRET, 0, "",
     "li_at cookie Easy Apply signs in with; empty: the browser profile's "
     "own login",
     0, 0},
    {"min_gap", HAWK_CFG_DURATION, 0, "2m",
     "shortest time between two Easy Apply submissions of one account", 0,
     86400000},
    {"block_base", HAWK_CFG_DURATION, 0, "15m",
     "rest of an account after LinkedIn said 'too many requests'; doubles "
     "while it goes on",
     0, 86400000},
    {"block_cap", HAWK_CFG_DURATION, 0, "6h", "longest rest of an account", 0,
     86400000},
    {NULL, 0, 0, NULL, NULL, 0, 0}};

static int cfg_fail(struct hawk_error *err, const char *key, const char *why)
{
    HAWK_ERR_SET(err, HAWK_ECONFIG, false, 0, "option %s: %s", key, why);
    return HAWK_ECONFIG;
}

/* The selectors file: the option, else the installed one, else the
 * source tree's. */
static char *selectors_path(const struct hawk_host_api *api,
                            const struct hawk_config *cfg)
{
    const char *opt = NULL;
    if (api->cfg_str(cfg, "selectors", &opt) == 0 && opt != NULL &&
        opt[0] != '\0')
        return li_xstrdup(opt);
    const char *candidates[] = {LI_SYSCONF_DIR "/linkedin/selectors.json",
                                LI_SOURCE_DIR "/etc/linkedin/selectors.json"};
    for (size_t i = 0; i < 2; i++)
        if (access(candidates[i], R_OK) == 0)
            return li_xstrdup(candidates[i]);
    return li_xstrdup(candidates[1]);
}

static bool profile_ok(const char *p)
{
    size_t n = strlen(p);
    if (n == 0 || n > 32)
        return false;
    for (; *p != '\0'; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
              *p == '-' || *p == '_'))
            return false;
    return true;
}

static void li_fini(struct hawk_instance *in)
{
    if (in == NULL)
        return;
    li_selectors_free(in->sel);
    free(in->board);
    free(in->base_url);
    free(in->user_agent);
    free(in->profile);
    free(in->session_cookie);
    li_pace_free(in->pace);
    free(in);
}

static int get_ms(const struct hawk_host_api *api, const struct hawk_config *c,
                  const char *k, int64_t *out)
{
    return api->cfg_int(c, k, out);
}

static int li_init(const struct hawk_host_api *api, struct hawk_host *host,
                   const struct hawk_config *cfg, struct hawk_instance **out,
                   struct hawk_error *err)
{
    char why[600];
    const char *s = NULL;
    int64_t v = 0;
    *out = NULL;
    xmlInitParser();
    struct hawk_instance *in = li_xcalloc(1, sizeof(*in));
    in->api = api;
    in->host = host;

    (void)api->cfg_str(cfg, "base_url", &s);
    if (s == NULL ||
        (strncmp(s, "https://", 8) != 0 && strncmp(s, "http://", 7) != 0)) {
        li_fini(in);
        return cfg_fail(err, "base_url", "must start with https:// or http://");
    }
    in->base_url = li_xstrdup(s);
    size_t bl = strlen(in->base_url);
    while (bl > 0 && in->base_url[bl - 1] == '/')
        in->base_url[--bl] = '\0';
    s = NULL;
    (void)api->cfg_str(cfg, "board", &s);
    if (s == NULL || !profile_ok(s)) {
        li_fini(in);
        return cfg_fail(err, "board", "must be 1-32 of a-z, 0-9, - and _");
    }
    in->board = li_xstrdup(s);
    s = NULL;
    (void)api->cfg_str(cfg, "user_agent", &s);
    in->user_agent = li_xstrdup(s != NULL ? s : LI_DEFAULT_UA);
    s = NULL;
    (void)api->cfg_str(cfg, "browser_profile", &s);
    if (s == NULL || !profile_ok(s)) {
        li_fini(in);
        return cfg_fail(err, "browser_profile",
                        "must be 1-32 of a-z, 0-9, - and _");
    }
    in->profile = li_xstrdup(s);

    (void)api->cfg_int(cfg, "max_results", &v);
    in->max_results = (int)v;
    (void)api->cfg_int(cfg, "max_pages", &v);
    in->max_pages = (int)v;
    (void)api->cfg_int(cfg, "distance", &v);
    in->default_distance = (int)v;
    (void)get_ms(api, cfg, "page_delay_min", &in->page_delay_min_ms);
    (void)get_ms(api, cfg, "page_delay_max", &in->page_delay_max_ms);
    (void)get_ms(api, cfg, "action_delay_min", &in->action_delay_min_ms);
    (void)get_ms(api, cfg, "action_delay_max", &in->action_delay_max_ms);
    if (in->page_delay_max_ms < in->page_delay_min_ms) {
        li_fini(in);
        return cfg_fail(err, "page_delay_max",
                        "must not be shorter than page_delay_min");
    }
    if (in->action_delay_max_ms < in->action_delay_min_ms) {
        li_fini(in);
        return cfg_fail(err, "action_delay_max",
                        "must not be shorter than action_delay_min");
    }
    (void)get_ms(api, cfg, "request_timeout", &in->request_timeout_ms);
    (void)api->cfg_int(cfg, "retry_max", &v);
    in->retry_max = (int)v;
    (void)get_ms(api, cfg, "retry_base", &in->retry_base_ms);
    (void)get_ms(api, cfg, "retry_cap", &in->retry_cap_ms);
    (void)api->cfg_int(cfg, "daily_cap", &v);
    in->daily_cap = (int)v;
    (void)api->cfg_int(cfg, "max_upload_size", &in->max_upload_bytes);
    (void)api->cfg_int(cfg, "max_steps", &v);
    in->max_steps = (int)v;
    (void)get_ms(api, cfg, "typeahead_wait", &in->typeahead_wait_ms);

    s = NULL;
    (void)api->cfg_str(cfg, "session_cookie", &s);
    if (s != NULL && s[0] != '\0') {
        for (const char *c = s; *c != '\0'; c++)
            if ((unsigned char)*c <= ' ' || *c == ';' || *c == '"' ||
                (unsigned char)*c >= 127) {
                li_fini(in);
                return cfg_fail(err, "session_cookie",
                                "must be the li_at cookie's value (no "
                                "spaces, quotes or ';')");
            }
        in->session_cookie = li_xstrdup(s);
    }
    struct li_pace_cfg pc = {.daily_cap = in->daily_cap};
    (void)get_ms(api, cfg, "min_gap", &pc.min_gap_ms);
    (void)get_ms(api, cfg, "block_base", &pc.backoff_base_ms);
    (void)get_ms(api, cfg, "block_cap", &pc.backoff_cap_ms);
    in->pace = li_pace_new(&pc);

    char *path = selectors_path(api, cfg);
    int rc = li_selectors_load(path, &in->sel, why, sizeof(why));
    free(path);
    if (rc < 0) {
        HAWK_ERR_SET(err, HAWK_ECONFIG, false, 0, "%.250s", why);
        li_fini(in);
        return HAWK_ECONFIG;
    }
    api->log(host, HAWK_LOG_INFO,
             "linkedin: %zu selectors (version %d) from %s; base %s",
             in->sel->n, in->sel->version, in->sel->origin, in->base_url);
    *out = in;
    return 0;
}

static int li_health(struct hawk_instance *in, struct hawk_call *call,
                     struct hawk_text_sink *detail, struct hawk_error *err)
{
    (void)call;
    (void)err;
    struct li_buf b;
    li_buf_init(&b, 4096);
    (void)li_buf_printf(
        &b, "{\"selectors_version\":%d,\"selectors\":", in->sel->version);
    (void)li_buf_json_str(&b, in->sel->origin);
    (void)li_buf_puts(&b, ",\"base_url\":");
    (void)li_buf_json_str(&b, in->base_url);
    (void)li_buf_puts(&b, "}");
    int rc = detail->write(detail, li_buf_str(&b), b.len);
    li_buf_free(&b);
    return rc;
}

static const struct hawk_jobboard_ops li_ops = {
    .struct_size = sizeof(struct hawk_jobboard_ops),
    .search = li_op_search,
    .fetch = li_op_fetch,
    .apply = li_op_apply,
};

HAWK_PLUGIN_DEFINE = {
    HAWK_PLUGIN_HEADER,
    .name = "linkedin",
    .version = "1.0.0",
    .description = "LinkedIn: guest search with every filter, job details, "
                   "Easy Apply through the host's browser",
    .kind = HAWK_KIND_JOBBOARD,
    .flags = HAWK_PLUGIN_THREADSAFE,
    .config_keys = li_keys,
    .init = li_init,
    .start = NULL,
    .health = li_health,
    .stop = NULL,
    .fini = li_fini,
    .ops = &li_ops,
};
