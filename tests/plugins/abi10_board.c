/*
 * abi10_board - a job board written to ABI 1.0 exactly: every struct it
 * hands the host declares its HAWK_<T>_SIZE_1_0 (the end of its last 1.0
 * field, smaller than sizeof() where the struct has tail padding), and
 * every job it emits lives in a buffer of just that many bytes, so a host
 * that reads past the 1.0 fields trips ASan.  tests/abi/test_abi_next.c
 * loads it into a host whose structs all have a field appended.
 *
 * Options (a config key table at the 1.0 element size): `greeting`
 * (string, default "hello"), `limit` (int 1..10, default 2).
 *
 * search(q): emits `limit` jobs "abi10-<i>" titled "<greeting> <i>" and
 *   one job that declares a struct_size of 16 (below 1.0's), then
 *   sends one HTTP request whose second header has an invalid name, with
 *   an error struct of its own at the 1.0 size, and returns what the host
 *   answered: HAWK_EINVAL with "invalid http header 'Bad Name'" when the
 *   host stepped through the headers at this plugin's element size.
 * fetch(id): emits job <id> with a description.  Id "slow" stays in the
 *   op for 100 ms; id "peak" reports, as its description, "peak <n>": the
 *   most fetches that were ever inside the op at once.  Not thread-safe,
 *   so with a correct host the peak is 1.
 */
#include <hawk/plugin.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct hawk_instance {
    const struct hawk_host_api *api;
    const char *greeting;
    int64_t limit;
};

/* The 1.0 key table: each element exactly HAWK_CFG_KEY_SIZE_1_0 apart. */
struct key10 {
    unsigned char b[HAWK_CFG_KEY_SIZE_1_0];
};
static _Alignas(8) struct key10 keys[3];

static void put_key(size_t i, const char *name, uint32_t type, const char *def,
                    int64_t min, int64_t max)
{
    struct hawk_cfg_key k;
    memset(&k, 0, sizeof(k));
    k.name = name;
    k.type = type;
    k.default_value = def;
    k.help = "abi fixture option";
    k.min = min;
    k.max = max;
    memcpy(keys[i].b, &k, HAWK_CFG_KEY_SIZE_1_0);
}

/* Runs when the object is loaded, before the host reads the table. */
__attribute__((constructor)) static void fill_keys(void)
{
    put_key(0, "greeting", HAWK_CFG_STR, "hello", 0, 0);
    put_key(1, "limit", HAWK_CFG_INT, "2", 1, 10);
    memset(keys[2].b, 0, sizeof(keys[2].b)); /* {NULL} terminator */
}

static int b_init(const struct hawk_host_api *api, struct hawk_host *host,
                  const struct hawk_config *cfg, struct hawk_instance **out,
                  struct hawk_error *err)
{
    (void)host;
    if (api->struct_size < HAWK_HOST_API_SIZE_1_0) {
        HAWK_ERR_SET(err, HAWK_EABI, false, 0, "host api too small");
        return HAWK_EABI;
    }
    struct hawk_instance *in = api->alloc(sizeof(*in));
    if (in == NULL)
        return HAWK_ENOMEM;
    in->api = api;
    if (api->cfg_str(cfg, "greeting", &in->greeting) < 0 ||
        api->cfg_int(cfg, "limit", &in->limit) < 0) {
        api->free(in);
        HAWK_ERR_SET(err, HAWK_ECONFIG, false, 0, "options unreadable");
        return HAWK_ECONFIG;
    }
    *out = in;
    return 0;
}

static void b_fini(struct hawk_instance *in)
{
    in->api->free(in);
}

/* Emits one job from a buffer of exactly HAWK_JOB_SIZE_1_0 bytes, its
 * struct_size `size` (HAWK_JOB_SIZE_1_0 but for the one broken job). */
static int emit_sized(struct hawk_instance *in, struct hawk_job_sink *out,
                      const char *id, const char *title, const char *desc,
                      size_t size)
{
    struct hawk_job j;
    memset(&j, 0, sizeof(j));
    j.struct_size = size;
    j.board = "abi10_board";
    j.external_id = id;
    j.title = title;
    j.company = "Old Minor Ltd";
    j.workplace = HAWK_WORKPLACE_REMOTE;
    j.applicants = -1;
    j.description = desc;
    j.easy_apply = true;
    void *exact = in->api->alloc(HAWK_JOB_SIZE_1_0);
    if (exact == NULL)
        return HAWK_ENOMEM;
    memcpy(exact, &j, HAWK_JOB_SIZE_1_0);
    int rc = out->emit(out, exact);
    in->api->free(exact);
    return rc;
}

static int emit(struct hawk_instance *in, struct hawk_job_sink *out,
                const char *id, const char *title, const char *desc)
{
    return emit_sized(in, out, id, title, desc, HAWK_JOB_SIZE_1_0);
}

static int b_search(struct hawk_instance *in, struct hawk_call *call,
                    const struct hawk_job_query *q, struct hawk_job_sink *out,
                    struct hawk_error *err)
{
    if (q == NULL || q->struct_size < HAWK_JOB_QUERY_SIZE_1_0) {
        HAWK_ERR_SET(err, HAWK_EINVAL, false, 0, "query too small");
        return HAWK_EINVAL;
    }
    for (int64_t i = 1; i <= in->limit; i++) {
        char id[32], title[128];
        snprintf(id, sizeof(id), "abi10-%lld", (long long)i);
        snprintf(title, sizeof(title), "%s %lld", in->greeting, (long long)i);
        int rc = emit(in, out, id, title, NULL);
        if (rc == HAWK_ECANCELED)
            return 0;
        if (rc < 0)
            return rc;
    }
    /* A job claiming fewer bytes than 1.0's: the host drops it. */
    int rc0 = emit_sized(in, out, "too-small", "broken", NULL, 16);
    if (rc0 < 0 && rc0 != HAWK_ECANCELED)
        return rc0;
    /* Two headers in a buffer of exactly two of this build's elements
     * (an element size is sizeof(), so the second stays aligned). */
    unsigned char *hb = in->api->alloc(2 * sizeof(struct hawk_http_header));
    if (hb == NULL)
        return HAWK_ENOMEM;
    struct hawk_http_header h[2] = {{"X-Ok", "1", false},
                                    {"Bad Name", "2", false}};
    memcpy(hb, h, sizeof(h));
    struct hawk_http_req req;
    memset(&req, 0, sizeof(req));
    req.struct_size = HAWK_HTTP_REQ_SIZE_1_0;
    req.method = "GET";
    req.url = "http://127.0.0.1:9/";
    req.headers = (const struct hawk_http_header *)(void *)hb;
    req.n_headers = 2;
    req.header_size = sizeof(struct hawk_http_header);
    /* Our own error, at its 1.0 size in an exact-size buffer: the host
     * must not write past it. */
    struct hawk_error *mine = in->api->alloc(HAWK_ERROR_SIZE_1_0);
    if (mine == NULL) {
        in->api->free(hb);
        return HAWK_ENOMEM;
    }
    memset(mine, 0, HAWK_ERROR_SIZE_1_0);
    mine->struct_size = HAWK_ERROR_SIZE_1_0;
    struct hawk_http_resp resp;
    int rc = in->api->http_request(call, &req, &resp, mine);
    in->api->http_response_free(&resp);
    if (rc < 0)
        HAWK_ERR_SET(err, rc, mine->retryable, mine->http_status, "%s",
                     mine->msg);
    in->api->free(mine);
    in->api->free(hb);
    return rc;
}

static atomic_int inside, peak;

static int b_fetch(struct hawk_instance *in, struct hawk_call *call,
                   const char *external_id, struct hawk_job_sink *out,
                   struct hawk_error *err)
{
    (void)err;
    int now = atomic_fetch_add(&inside, 1) + 1;
    int was = atomic_load(&peak);
    while (now > was && !atomic_compare_exchange_weak(&peak, &was, now))
        ;
    int rc;
    if (strcmp(external_id, "slow") == 0)
        (void)in->api->sleep_ms(call, 100);
    if (strcmp(external_id, "peak") == 0) {
        char d[32];
        snprintf(d, sizeof(d), "peak %d", atomic_load(&peak));
        rc = emit(in, out, external_id, "peak", d);
    } else {
        rc = emit(in, out, external_id, "fetched", "a job from ABI 1.0");
    }
    atomic_fetch_sub(&inside, 1);
    return rc;
}

/* The ops table in a buffer of its 1.0 size. */
static struct {
    _Alignas(8) unsigned char b[HAWK_JOBBOARD_OPS_SIZE_1_0];
} ops10;

__attribute__((constructor)) static void fill_ops(void)
{
    struct hawk_jobboard_ops o;
    memset(&o, 0, sizeof(o));
    o.struct_size = HAWK_JOBBOARD_OPS_SIZE_1_0;
    o.search = b_search;
    o.fetch = b_fetch;
    memcpy(ops10.b, &o, HAWK_JOBBOARD_OPS_SIZE_1_0);
}

/* HAWK_PLUGIN_HEADER spelled out: this descriptor declares its 1.0
 * size rather than sizeof(). */
HAWK_PLUGIN_DEFINE = {
    .magic = HAWK_PLUGIN_MAGIC,
    .abi_major = HAWK_ABI_MAJOR,
    .min_host_minor = 0,
    .struct_size = HAWK_PLUGIN_SIZE_1_0,
    .build_sig = HAWK_BUILD_SIG,
    .name = "abi10_board",
    .version = "1.0.0",
    .description = "job board built to ABI 1.0 sizes",
    .kind = HAWK_KIND_JOBBOARD,
    .config_keys = (const struct hawk_cfg_key *)(const void *)keys,
    .config_key_size = HAWK_CFG_KEY_SIZE_1_0,
    .init = b_init,
    .fini = b_fini,
    .ops = &ops10,
};
