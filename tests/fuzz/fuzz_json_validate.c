/*
 * fuzz_json_validate.c - libFuzzer target for the input validators: the
 * JSON validator (util/json_check.c) through the structured resume tables
 * and the job search configuration tables, the JSON Resume mapping, the
 * YAML reader and the filter engine.
 *
 * The first byte picks the path; the rest is the document.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hawk/plugin.h"
#include "platform/jobconfigs/filters.h"
#include "platform/jobconfigs/jobconfigs_int.h"
#include "platform/resumes/import.h"
#include "platform/resumes/resumes.h"
#include "util/alloc.h"
#include "util/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A failure names a field path and a message; neither is ever empty. */
static void check_err(int rc, const struct hk_err *err)
{
    if (rc == 0)
        return;
    if (rc != HAWK_EINVAL || err->code != HAWK_EINVAL || err->msg[0] == '\0')
        abort();
}

static void check_resume(json_object *o)
{
    struct hk_err err = HK_ERR_INIT;
    int rc = hk_resumes_validate(o, "structured", &err);
    check_err(rc, &err);
    if (rc == 0) {
        /* A validated resume validates again unchanged. */
        const char *a = json_object_to_json_string(o);
        char *copy = hk_strdup(a);
        if (hk_resumes_validate(o, NULL, &err) != 0)
            abort();
        if (strcmp(copy, json_object_to_json_string(o)) != 0)
            abort();
        hk_free(copy);
    }
}

static void check_jobconfig(json_object *o)
{
    struct hk_err err = HK_ERR_INIT;
    int rc = hk_jobconfigs_check(o, true, &err);
    check_err(rc, &err);
    if (rc == 0) {
        json_object *s = NULL;
        rc = hk_jobconfigs_settings(o, NULL, &s, &err);
        check_err(rc, &err);
        /* Merged settings hold no column and pass the check again. */
        if (rc == 0 && (json_object_object_get_ex(s, "name", NULL) ||
                        hk_jobconfigs_check(s, false, &err) != 0))
            abort();
        json_object_put(s);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 65536)
        return 0;
    int mode = data[0] % 5;
    const char *text = (const char *)data + 1;
    size_t len = size - 1;
    json_object *o = NULL, *s = NULL;
    char path[256], msg[256];
    int line;
    if (mode != 2) {
        struct json_tokener *tok = json_tokener_new_ex(32);
        o = json_tokener_parse_ex(tok, text, (int)len);
        json_tokener_free(tok);
        if (o == NULL)
            return 0;
    }
    switch (mode) {
    case 0:
        check_resume(o);
        break;
    case 1:
        if (hk_resumes_from_json_resume(o, &s, path, sizeof(path), msg,
                                        sizeof(msg)) == 0)
            check_resume(s);
        break;
    case 2:
        if (hk_resumes_yaml_parse(text, len, &s, &line, msg, sizeof(msg)) == 0)
            check_resume(s);
        else if (line < 0)
            abort();
        break;
    case 3: {
        /* The document is both the configuration and the job. */
        struct hk_jobconfigs_filter *ctx = hk_jobconfigs_filter_new();
        struct hk_jobconfigs_filter_result res;
        int rc = hk_jobconfigs_filter_eval(ctx, o, o, &res);
        if (rc != 0 && rc != 1 && rc != -2)
            abort();
        hk_jobconfigs_filter_free(ctx);
        break;
    }
    case 4:
        check_jobconfig(o);
        break;
    }
    json_object_put(s);
    json_object_put(o);
    return 0;
}
