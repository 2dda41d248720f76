/*
 * test_abi_next.c - a host one minor ahead still loads and calls plugins
 * built for ABI 1.0.
 *
 * This binary compiles the host's plugin/ code against a copy of
 * plugin.h with a field appended to every versioned struct
 * (tests/abi/next_minor.cmake), and loads the abi10_* fixtures, which
 * were built against the real header and declare every struct at its
 * frozen 1.0 size, in buffers of exactly that size.  Under ASan any read
 * past a 1.0 struct fails the test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/config.h"
#include "log/log.h"
#include "plugin/calls.h"
#include "plugin/internal.h"
#include "plugin/metrics.h"
#include "plugin/plugins.h"
#include "util/buf.h"

/* The premise: this host's structs really are larger than 1.0's. */
_Static_assert(HAWK_ABI_MINOR == HAWK_ABI_NEXT_OF + 1,
               "built against the next-minor header");
#define GREW(t, size)                                                          \
    _Static_assert(sizeof(struct t) > (size) &&                                \
                       offsetof(struct t, abi_next_field_) >= (size),          \
                   #t " has a field after its 1.0 size")
GREW(hawk_plugin, HAWK_PLUGIN_SIZE_1_0);
GREW(hawk_cfg_key, HAWK_CFG_KEY_SIZE_1_0);
GREW(hawk_host_api, HAWK_HOST_API_SIZE_1_0);
GREW(hawk_error, HAWK_ERROR_SIZE_1_0);
GREW(hawk_job, HAWK_JOB_SIZE_1_0);
GREW(hawk_job_query, HAWK_JOB_QUERY_SIZE_1_0);
GREW(hawk_jobboard_ops, HAWK_JOBBOARD_OPS_SIZE_1_0);
GREW(hawk_http_header, HAWK_HTTP_HEADER_SIZE_1_0);
GREW(hawk_http_req, HAWK_HTTP_REQ_SIZE_1_0);
GREW(hawk_http_resp, HAWK_HTTP_RESP_SIZE_1_0);
GREW(hawk_llm_message, HAWK_LLM_MESSAGE_SIZE_1_0);
GREW(hawk_llm_req, HAWK_LLM_REQ_SIZE_1_0);
GREW(hawk_llm_usage, HAWK_LLM_USAGE_SIZE_1_0);
GREW(hawk_llm_result, HAWK_LLM_RESULT_SIZE_1_0);
GREW(hawk_llm_ops, HAWK_LLM_OPS_SIZE_1_0);
GREW(hawk_kv, HAWK_KV_SIZE_1_0);
GREW(hawk_object_info, HAWK_OBJECT_INFO_SIZE_1_0);
GREW(hawk_storage_ops, HAWK_STORAGE_OPS_SIZE_1_0);

static char g_dir[256];
static struct hk_config g_cfg;
static struct hk_plugins *g_p;

static int setup(void **state)
{
    (void)state;
    const char *fx = getenv("HAWK_TEST_PLUGIN_DIR");
    assert_non_null(fx);
    snprintf(g_dir, sizeof(g_dir), "/tmp/hawk-abi-next-XXXXXX");
    assert_non_null(mkdtemp(g_dir));
    char path[512];
    snprintf(path, sizeof(path), "%s/hawk.cfg", g_dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f,
            "plugins = (\n"
            "  { name = \"board\"; path = \"%s/abi10_board.so\";"
            " enabled = true; required = true;"
            " options = { greeting = \"hi\"; limit = 3; }; },\n"
            "  { name = \"llm\"; path = \"%s/abi10_llm.so\"; enabled = true;"
            " required = true; },\n"
            "  { name = \"store\"; path = \"%s/abi10_store.so\";"
            " enabled = true; required = true; }\n"
            ");\n",
            fx, fx, fx);
    fclose(f);
    char err[1024];
    if (hk_config_load(path, &g_cfg, err, sizeof(err)) < 0)
        fail_msg("config: %s", err);
    unlink(path);
    rmdir(g_dir);
    if (hk_plugins_load(&g_cfg, NULL, true, &g_p, err, sizeof(err)) < 0)
        fail_msg("load: %s", err);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    hk_plugins_unload(g_p);
    hk_config_release(&g_cfg);
    hk_metrics_reset();
    return 0;
}

static void test_all_load(void **state)
{
    (void)state;
    assert_int_equal(hk_plugins_count(g_p), 3);
    for (size_t i = 0; i < 3; i++) {
        const struct hk_plugin_entry *e = hk_plugins_at(g_p, i);
        assert_int_equal(hk_plugin_entry_status(e), HK_PLUGIN_LOADED);
        assert_int_equal(e->desc->struct_size, HAWK_PLUGIN_SIZE_1_0);
    }
}

/* ---- jobboard: options at the plugin's stride, jobs of 1.0 size ---- */

struct jobs {
    int n;
    char ids[4][32];
    char titles[4][64];
    size_t sizes[4];
    uint64_t next[4];
    bool has_next[4];
    char desc[64];
};

static int job_emit(struct hawk_job_sink *s, const struct hawk_job *j)
{
    struct jobs *js = s->opaque;
    if (js->n >= 4)
        return HAWK_ECANCELED;
    /* A whole-struct copy is safe: the host hands on host-sized copies. */
    struct hawk_job copy = *j;
    snprintf(js->ids[js->n], sizeof(js->ids[0]), "%s", copy.external_id);
    snprintf(js->titles[js->n], sizeof(js->titles[0]), "%s", copy.title);
    js->sizes[js->n] = copy.struct_size;
    js->has_next[js->n] = HAWK_HAS(hawk_job, &copy, abi_next_field_);
    js->next[js->n] = copy.abi_next_field_;
    if (copy.description != NULL)
        snprintf(js->desc, sizeof(js->desc), "%s", copy.description);
    js->n++;
    return 0;
}

static void test_board(void **state)
{
    (void)state;
    const struct hk_plugin_entry *e =
        hk_plugins_find(g_p, HAWK_KIND_JOBBOARD, "board");
    assert_non_null(e);
    assert_non_null(e->lock_); /* not thread-safe: serialised */
    assert_true(hk_plugin_has_op(e, HK_OP_JOBBOARD_SEARCH));
    assert_true(hk_plugin_has_op(e, HK_OP_JOBBOARD_FETCH));
    assert_false(hk_plugin_has_op(e, HK_OP_JOBBOARD_APPLY));

    struct hawk_job_query q = {.struct_size = sizeof(q), .keywords = "c"};
    struct jobs js;
    memset(&js, 0, sizeof(js));
    struct hawk_job_sink sink = {.opaque = &js, .emit = job_emit};
    struct hawk_error err = HAWK_ERROR_INIT;
    struct hawk_call call;
    hk_call_init(&call, 0, "abi", 5000, NULL);
    int rc = hk_plugin_jobboard_search(e, &call, &q, &sink, &err);
    /* limit = 3 and greeting = "hi" came through the 1.0 key table; the
     * job declaring 16 bytes never reached the sink. */
    assert_int_equal(js.n, 3);
    assert_string_equal(js.ids[2], "abi10-3");
    assert_string_equal(js.titles[0], "hi 1");
    for (int i = 0; i < 3; i++) {
        assert_int_equal(js.sizes[i], HAWK_JOB_SIZE_1_0);
        assert_false(js.has_next[i]);
        assert_int_equal(js.next[i], 0);
    }
    /* The second of the plugin's 1.0-sized headers was found, and
     * refused for its name: the host stepped by the plugin's size. */
    assert_int_equal(rc, HAWK_EINVAL);
    assert_int_equal(err.code, HAWK_EINVAL);
    assert_string_equal(err.msg, "invalid http header 'Bad Name'");

    memset(&js, 0, sizeof(js));
    rc = hk_plugin_jobboard_fetch(e, &call, "abi10-2", &sink, &err);
    assert_int_equal(rc, 0);
    assert_int_equal(js.n, 1);
    assert_string_equal(js.desc, "a job from ABI 1.0");

    struct hawk_apply_req ar = {.struct_size = sizeof(ar)};
    rc = hk_plugin_jobboard_apply(e, &call, &ar, NULL, &err);
    assert_int_equal(rc, HAWK_EUNSUPPORTED);
    assert_string_equal(err.msg, "plugin instance 'board' (abi10_board "
                                 "1.0.0) has no 'apply' operation");
}

/* Two threads fetch from the board at once: the host holds them apart
 * because the plugin did not declare itself thread-safe. */
struct fetcher {
    const struct hk_plugin_entry *e;
    int rc;
};

static void *fetch_slow(void *arg)
{
    struct fetcher *f = arg;
    struct jobs js;
    memset(&js, 0, sizeof(js));
    struct hawk_job_sink sink = {.opaque = &js, .emit = job_emit};
    struct hawk_error err = HAWK_ERROR_INIT;
    struct hawk_call call;
    hk_call_init(&call, 0, "abi", 5000, NULL);
    f->rc = hk_plugin_jobboard_fetch(f->e, &call, "slow", &sink, &err);
    return NULL;
}

static void test_board_serialised(void **state)
{
    (void)state;
    const struct hk_plugin_entry *e =
        hk_plugins_find(g_p, HAWK_KIND_JOBBOARD, "board");
    struct fetcher f[2] = {{e, -1}, {e, -1}};
    pthread_t t[2];
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&t[i], NULL, fetch_slow, &f[i]), 0);
    for (int i = 0; i < 2; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(f[i].rc, 0);
    }
    struct jobs js;
    memset(&js, 0, sizeof(js));
    struct hawk_job_sink sink = {.opaque = &js, .emit = job_emit};
    struct hawk_error err = HAWK_ERROR_INIT;
    struct hawk_call call;
    hk_call_init(&call, 0, "abi", 5000, NULL);
    assert_int_equal(hk_plugin_jobboard_fetch(e, &call, "peak", &sink, &err),
                     0);
    assert_string_equal(js.desc, "peak 1");
    /* Every call was counted under its instance and op. */
    struct hk_buf m;
    hk_buf_init(&m, 1 << 16);
    hk_metrics_render(&m);
    assert_non_null(strstr(hk_buf_str(&m),
                           "hawk_plugin_calls_total{instance=\"board\","
                           "op=\"fetch\",status=\"ok\"} 4"));
    hk_buf_release(&m);
}

/* ---- llm: host structs larger than the plugin's ---- */

static int text_write(struct hawk_text_sink *s, const char *d, size_t n)
{
    return hk_buf_append(s->opaque, d, n);
}

static void test_llm(void **state)
{
    (void)state;
    const struct hk_plugin_entry *e = hk_plugins_find(g_p, HAWK_KIND_LLM, NULL);
    assert_non_null(e);
    assert_null(e->lock_);
    struct hawk_llm_message msgs[2] = {{.role = "system", .content = "be"},
                                       {.role = "user", .content = "world"}};
    struct hawk_llm_req req = {.struct_size = sizeof(req),
                               .messages = msgs,
                               .n_messages = 2,
                               .message_size = sizeof(msgs[0])};
    struct hawk_llm_usage usage = {.struct_size = sizeof(usage),
                                   .abi_next_field_ = 7};
    struct hawk_llm_result res = {
        .struct_size = sizeof(res), .usage = &usage, .abi_next_field_ = 9};
    struct hk_buf out;
    hk_buf_init(&out, 4096);
    struct hawk_text_sink sink = {.opaque = &out, .write = text_write};
    struct hawk_error err = HAWK_ERROR_INIT;
    struct hawk_call call;
    hk_call_init(&call, 0, "abi", 5000, NULL);
    assert_int_equal(hk_plugin_llm_chat(e, &call, &req, &sink, &res, &err), 0);
    assert_string_equal(hk_buf_str(&out), "2 messages, last: world");
    assert_int_equal(usage.prompt_tokens, 2);
    assert_string_equal(res.model, "abi10");
    assert_int_equal(res.attempts, 1);
    /* The plugin left the fields it does not know alone. */
    assert_int_equal(usage.abi_next_field_, 7);
    assert_int_equal(res.abi_next_field_, 9);

    msgs[1].content = "fail";
    assert_int_equal(hk_plugin_llm_chat(e, &call, &req, &sink, &res, &err),
                     HAWK_EUNAVAIL);
    assert_true(err.retryable);
    assert_string_equal(err.msg, "service unavailable");
    assert_int_equal(err.struct_size, sizeof(err));
    hk_buf_release(&out);
}

/* ---- storage: metadata arrays both ways ---- */

struct mem_reader {
    struct hawk_reader r;
    const char *s;
    size_t off;
};

static int mem_read(struct hawk_reader *r, char *buf, size_t cap, size_t *got)
{
    struct mem_reader *m = r->opaque;
    size_t n = strlen(m->s + m->off);
    if (n > cap)
        n = cap;
    memcpy(buf, m->s + m->off, n);
    m->off += n;
    *got = n;
    return 0;
}

struct objs {
    int n;
    size_t size, md_size, n_md;
    char md[2][80];
};

static int obj_emit(struct hawk_object_sink *s,
                    const struct hawk_object_info *o)
{
    struct objs *os = s->opaque;
    os->n++;
    os->size = o->struct_size;
    os->md_size = o->metadata_size;
    os->n_md = o->n_metadata;
    for (size_t i = 0; i < o->n_metadata && i < 2; i++)
        snprintf(os->md[i], sizeof(os->md[0]), "%s=%s", o->metadata[i].key,
                 o->metadata[i].value);
    return 0;
}

static void test_store(void **state)
{
    (void)state;
    const struct hk_plugin_entry *e =
        hk_plugins_find(g_p, HAWK_KIND_STORAGE, NULL);
    assert_non_null(e);
    struct hawk_call call;
    hk_call_init(&call, 0, "abi", 5000, NULL);
    struct hawk_error err = HAWK_ERROR_INIT;
    struct mem_reader mr = {.r = {.read = mem_read}, .s = "payload"};
    mr.r.opaque = &mr;
    struct hawk_kv kv[2] = {{.key = "a", .value = "1"},
                            {.key = "b", .value = "2"}};
    assert_int_equal(
        hk_plugin_storage_put(e, &call, "k1", &mr.r, 7, kv, 2, &err), 0);
    struct hk_buf body;
    hk_buf_init(&body, 1024);
    struct hawk_text_sink sink = {.opaque = &body, .write = text_write};
    assert_int_equal(hk_plugin_storage_get(e, &call, "k1", &sink, &err), 0);
    assert_string_equal(hk_buf_str(&body), "payload");
    hk_buf_release(&body);

    struct objs os;
    memset(&os, 0, sizeof(os));
    struct hawk_object_sink osink = {.opaque = &os, .emit = obj_emit};
    assert_int_equal(hk_plugin_storage_list(e, &call, "", &osink, &err), 0);
    assert_int_equal(os.n, 1);
    assert_int_equal(os.size, HAWK_OBJECT_INFO_SIZE_1_0);
    /* Re-laid at the host's element size, so plain indexing works. */
    assert_int_equal(os.md_size, sizeof(struct hawk_kv));
    assert_int_equal(os.n_md, 2);
    assert_string_equal(os.md[0], "plugin=abi10");
    /* The host's kv elements reached the plugin at the host's stride. */
    assert_string_equal(os.md[1], "stored=a=1;b=2;");
    assert_int_equal(hk_plugin_storage_head(e, &call, "k1", &osink, &err), 0);
    assert_int_equal(os.n, 2);
    assert_int_equal(hk_plugin_storage_del(e, &call, "k1", &err), 0);
}

int main(void)
{
    hk_log_set_level(HAWK_LOG_ERROR);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_all_load),
        cmocka_unit_test(test_board),
        cmocka_unit_test(test_board_serialised),
        cmocka_unit_test(test_llm),
        cmocka_unit_test(test_store),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
