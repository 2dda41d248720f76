/*
 * wf_llm - fixture llm plugin for the workflow tests: deterministic,
 * schema-shaped answers so hawk.llm.* can run end to end.  No options,
 * thread-safe.
 *
 * chat(req), by req->schema_name:
 *   "job_match"        {"score": S, "reasons": ["fixture score"],
 *                       "missing_skills": []} where S is 8 when the job
 *                       text in the last user message contains "Senior",
 *                       5 when it contains "Junior", else 7
 *   "tailored_resume"  {"summary": "tailored by wf_llm", "skills": []}
 *   any other schema   {"answer": "fixture"}
 *   no schema          "Dear hiring team, ... (wf_llm)" when the system
 *                      message mentions cover letters, else the last user
 *                      message echoed
 * Usage: 10 prompt + 5 completion tokens, cost 0.001 USD per call.
 * A last user message containing "FAIL" fails with HAWK_EUNAVAIL.
 */
#include <hawk/plugin.h>
#include <stdio.h>
#include <string.h>

struct hawk_instance {
    const struct hawk_host_api *api;
};

static int wf_init(const struct hawk_host_api *api, struct hawk_host *host,
                   const struct hawk_config *cfg, struct hawk_instance **out,
                   struct hawk_error *err)
{
    (void)host;
    (void)cfg;
    struct hawk_instance *in = api->alloc(sizeof(*in));
    if (in == NULL) {
        HAWK_ERR_SET(err, HAWK_ENOMEM, false, 0, "out of memory");
        return HAWK_ENOMEM;
    }
    in->api = api;
    *out = in;
    return 0;
}

static void wf_fini(struct hawk_instance *in)
{
    in->api->free(in);
}

static int wf_chat(struct hawk_instance *in, struct hawk_call *call,
                   const struct hawk_llm_req *req,
                   struct hawk_text_sink *content,
                   struct hawk_llm_result *result, struct hawk_error *err)
{
    (void)in;
    (void)call;
    const char *last = "";
    const char *system = "";
    for (size_t i = 0; i < req->n_messages; i++) {
        if (strcmp(
                HAWK_AT(hawk_llm_message, req->messages, req->message_size, i)
                    ->role,
                "user") == 0)
            last =
                HAWK_AT(hawk_llm_message, req->messages, req->message_size, i)
                    ->content;
        else if (strcmp(HAWK_AT(hawk_llm_message, req->messages,
                                req->message_size, i)
                            ->role,
                        "system") == 0)
            system =
                HAWK_AT(hawk_llm_message, req->messages, req->message_size, i)
                    ->content;
    }
    if (strstr(last, "FAIL") != NULL) {
        HAWK_ERR_SET(err, HAWK_EUNAVAIL, true, 503, "model unavailable");
        return HAWK_EUNAVAIL;
    }
    char buf[256];
    const char *text = buf;
    const char *name = req->schema_name != NULL ? req->schema_name : "";
    if (req->json_schema != NULL && strcmp(name, "job_match") == 0) {
        int score = strstr(last, "Senior") != NULL   ? 8
                    : strstr(last, "Junior") != NULL ? 5
                                                     : 7;
        snprintf(buf, sizeof(buf),
                 "{\"score\":%d,\"reasons\":[\"fixture score\"],"
                 "\"missing_skills\":[]}",
                 score);
    } else if (req->json_schema != NULL &&
               strcmp(name, "tailored_resume") == 0) {
        text = "{\"summary\":\"tailored by wf_llm\",\"skills\":[]}";
    } else if (req->json_schema != NULL) {
        text = "{\"answer\":\"fixture\"}";
    } else if (strstr(system, "cover letter") != NULL) {
        text = "Dear hiring team,\n\nI would like to join you. (wf_llm)\n";
    } else {
        text = last;
    }
    int rc = content->write(content, text, strlen(text));
    if (rc < 0)
        return rc;
    if (result != NULL) {
        result->usage->prompt_tokens = 10;
        result->usage->completion_tokens = 5;
        result->usage->total_tokens = 15;
        result->usage->cost_usd = 0.001;
        snprintf(result->model, sizeof(result->model), "wf-1");
        snprintf(result->finish_reason, sizeof(result->finish_reason), "stop");
        result->attempts = 1;
    }
    return 0;
}

static const struct hawk_llm_ops ops = {
    .struct_size = sizeof(struct hawk_llm_ops),
    .chat = wf_chat,
};

HAWK_PLUGIN_DEFINE = {
    HAWK_PLUGIN_HEADER,
    .name = "wf_llm",
    .version = "1.0.0",
    .description = "schema-shaped llm answers for workflow tests",
    .kind = HAWK_KIND_LLM,
    .flags = HAWK_PLUGIN_THREADSAFE,
    .config_keys = NULL,
    .init = wf_init,
    .fini = wf_fini,
    .ops = &ops,
};
