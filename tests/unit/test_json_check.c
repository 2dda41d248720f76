/*
 * tests/unit/test_json_check.c - the one JSON validator (util/json_check.h)
 * on nested documents: paths into objects and arrays, typed and bounded
 * items, unknown members with "did you mean", maps, unique lists, allowed
 * values, a spec's own sentence, text normalisation, hooks, and what a
 * failure leaves in the document.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "hawk/plugin.h"
#include "util/err.h"
#include "util/json_check.h"

/* ---- a small nested schema: a profile with a list of jobs ---- */

static int years_order(const struct hk_jslot *slot, struct hk_err *err)
{
    json_object *from = NULL, *to = NULL;
    if (json_object_object_get_ex(slot->value, "from", &from) &&
        json_object_object_get_ex(slot->value, "to", &to) &&
        json_object_get_int64(from) > json_object_get_int64(to)) {
        char p[200];
        snprintf(p, sizeof(p), "%s.from", slot->path);
        return hk_json_fail(err, p, "must not be after 'to'");
    }
    return 0;
}

static const char *const levels[] = {"junior", "senior", NULL};
static const struct hk_field job_fields[] = {
    HK_FIELD("company", HK_F_STRING, true, false, 1, 20),
    {"title", HK_F_TEXT, true, true, 0, 10,
     .flags = HK_FF_BYTES | HK_FF_NONEMPTY},
    HK_FIELD("from", HK_F_INT, false, false, 1900, 2100),
    HK_FIELD("to", HK_F_INT, false, false, 1900, 2100),
    {"level", HK_F_STRING, false, false, 0, 0, .oneof = levels},
    HK_FIELD_END};
static const struct hk_field job = {NULL,
                                    HK_F_OBJECT,
                                    false,
                                    false,
                                    0,
                                    0,
                                    .fields = job_fields,
                                    .check = years_order};
static const struct hk_field tag =
    HK_FIELD(NULL, HK_F_STRING, false, false, 1, 8);
static const struct hk_field score =
    HK_FIELD(NULL, HK_F_INT, false, true, 0, 100);
static const struct hk_field profile[] = {
    HK_FIELD("name", HK_F_STRING, true, false, 1, 40),
    {"jobs", HK_F_ARRAY, false, false, 0, 3, .items = &job},
    {"tags", HK_F_ARRAY, false, false, 0, 4, .items = &tag,
     .flags = HK_FF_UNIQUE},
    {"scores", HK_F_OBJECT, false, false, 0, 2, .items = &score,
     .flags = HK_FF_MAP},
    {"distance", HK_F_INT, false, false, 0, 500,
     .msg = "must be an integer from 0 to 500 (miles)"},
    HK_FIELD_END};

struct outcome {
    int rc;
    struct hk_err err;
    char doc[1024]; /* the document after the check */
};

static struct outcome run(const char *text)
{
    struct outcome o;
    memset(&o, 0, sizeof(o));
    json_object *obj = json_tokener_parse(text);
    if (obj == NULL)
        fail_msg("test input is not JSON: %s", text);
    o.rc = hk_json_validate(obj, profile, "", &o.err);
    snprintf(o.doc, sizeof(o.doc), "%s",
             json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN));
    json_object_put(obj);
    return o;
}

static void expect_fail(const char *text, const char *field, const char *msg)
{
    struct outcome o = run(text);
    if (o.rc != HAWK_EINVAL || strcmp(o.err.msg, msg) != 0 ||
        strcmp(o.err.field, field) != 0)
        fail_msg("%s: rc %d field '%s' message '%s'", text, o.rc, o.err.field,
                 o.err.msg);
    assert_int_equal(o.err.code, HAWK_EINVAL);
    assert_string_equal(hk_err_reason(&o.err), "invalid_field");
}

static void test_paths_into_arrays_and_objects(void **state)
{
    (void)state;
    const char *ok = "{\"name\":\"Ada\",\"jobs\":[{\"company\":\"A\","
                     "\"title\":\"x\"},{\"company\":\"B\",\"title\":\"y\"},"
                     "{\"company\":\"C\",\"title\":\"z\",\"from\":1990,"
                     "\"to\":1999,\"level\":\"senior\"}]}";
    assert_int_equal(run(ok).rc, 0);
    expect_fail(
        "{\"name\":\"Ada\",\"jobs\":[{\"company\":\"A\",\"title\":\"x\"},"
        "{\"company\":\"B\",\"title\":\"y\"},{\"company\":[1],"
        "\"title\":\"z\"}]}",
        "jobs[2].company", "'jobs[2].company' must be a string");
    expect_fail("{\"name\":\"Ada\",\"jobs\":[{\"title\":\"x\"}]}",
                "jobs[0].company", "'jobs[0].company' is required");
    expect_fail(
        "{\"name\":\"Ada\",\"jobs\":[{\"company\":\"A\",\"title\":\"x\","
        "\"from\":1800}]}",
        "jobs[0].from", "'jobs[0].from' must be between 1900 and 2100");
    expect_fail(
        "{\"name\":\"Ada\",\"jobs\":[{\"company\":\"A\",\"title\":\"x\","
        "\"level\":\"lead\"}]}",
        "jobs[0].level", "'jobs[0].level' must be one of junior, senior");
    expect_fail(
        "{\"name\":\"Ada\",\"jobs\":[{\"company\":\"A\",\"title\":\"x\","
        "\"level\":7}]}",
        "jobs[0].level", "'jobs[0].level' must be one of junior, senior");
    /* items are typed: a list of objects refuses anything else */
    expect_fail("{\"name\":\"Ada\",\"jobs\":[\"A\"]}", "jobs[0]",
                "'jobs[0]' must be an object");
    expect_fail("{\"name\":\"Ada\",\"jobs\":[null]}", "jobs[0]",
                "'jobs[0]' must be an object");
    expect_fail("{\"name\":\"Ada\",\"jobs\":{}}", "jobs",
                "'jobs' must be an array");
    /* lengths are bounded */
    expect_fail(
        "{\"name\":\"Ada\",\"jobs\":[{\"company\":\"A\",\"title\":\"x\"},"
        "{\"company\":\"A\",\"title\":\"x\"},{\"company\":\"A\","
        "\"title\":\"x\"},{\"company\":\"A\",\"title\":\"x\"}]}",
        "jobs", "'jobs' must be at most 3 items");
    expect_fail("{\"name\":\"Ada\",\"tags\":[\"ok\",\"123456789\"]}", "tags[1]",
                "'tags[1]' must be between 1 and 8 characters");
}

static void test_unknown_members_suggest(void **state)
{
    (void)state;
    expect_fail("{\"name\":\"Ada\",\"tgas\":[]}", "tgas",
                "unknown field 'tgas' (did you mean 'tags'?)");
    expect_fail(
        "{\"name\":\"Ada\",\"jobs\":[{\"company\":\"A\",\"title\":\"x\","
        "\"titel\":\"y\"}]}",
        "jobs[0].titel",
        "unknown field 'jobs[0].titel' (did you mean 'title'?)");
    /* nothing close: no suggestion */
    expect_fail(
        "{\"name\":\"Ada\",\"jobs\":[{\"company\":\"A\",\"title\":\"x\","
        "\"salary\":1}]}",
        "jobs[0].salary", "unknown field 'jobs[0].salary'");
    /* a one-letter name is not "corrected" into another */
    expect_fail("{\"name\":\"Ada\",\"x\":1}", "x", "unknown field 'x'");
}

static void test_maps_unique_and_own_sentence(void **state)
{
    (void)state;
    assert_int_equal(
        run("{\"name\":\"A\",\"scores\":{\"c\":90,\"go\":null}}").rc, 0);
    expect_fail("{\"name\":\"A\",\"scores\":{\"c\":101}}", "scores.c",
                "'scores.c' must be between 0 and 100");
    expect_fail("{\"name\":\"A\",\"scores\":{\"a\":1,\"b\":2,\"c\":3}}",
                "scores", "'scores' must have at most 2 members");
    expect_fail("{\"name\":\"A\",\"tags\":[\"a\",\"b\",\"a\"]}", "tags[2]",
                "'tags[2]' is listed twice");
    /* the spec's sentence replaces the generic one, for type and range */
    expect_fail("{\"name\":\"A\",\"distance\":501}", "distance",
                "'distance' must be an integer from 0 to 500 (miles)");
    expect_fail("{\"name\":\"A\",\"distance\":\"far\"}", "distance",
                "'distance' must be an integer from 0 to 500 (miles)");
    expect_fail("{\"name\":\"A\",\"distance\":null}", "distance",
                "'distance' must not be null");
}

static void test_text_and_hooks(void **state)
{
    (void)state;
    /* a number given for text is kept as its string form */
    struct outcome o = run("{\"name\":\"A\",\"jobs\":[{\"company\":\"A\","
                           "\"title\":1984}]}");
    assert_int_equal(o.rc, 0);
    assert_non_null(strstr(o.doc, "\"title\":\"1984\""));
    /* required text: null and "" are missing */
    expect_fail(
        "{\"name\":\"A\",\"jobs\":[{\"company\":\"A\",\"title\":\"\"}]}",
        "jobs[0].title", "'jobs[0].title' is required");
    expect_fail(
        "{\"name\":\"A\",\"jobs\":[{\"company\":\"A\",\"title\":null}]}",
        "jobs[0].title", "'jobs[0].title' is required");
    /* byte lengths for text: 6 characters, 12 bytes */
    expect_fail("{\"name\":\"A\",\"jobs\":[{\"company\":\"A\",\"title\":"
                "\"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\"}]}",
                "jobs[0].title", "'jobs[0].title' must be at most 10 bytes");
    /* the object's hook runs once its members passed */
    expect_fail("{\"name\":\"A\",\"jobs\":[{\"company\":\"A\",\"title\":\"x\","
                "\"from\":2000,\"to\":1999}]}",
                "jobs[0].from", "'jobs[0].from' must not be after 'to'");
}

static void test_top_level(void **state)
{
    (void)state;
    struct hk_err err = HK_ERR_INIT;
    json_object *arr = json_tokener_parse("[1]");
    assert_int_equal(hk_json_validate(arr, profile, "", &err), HAWK_EINVAL);
    assert_string_equal(hk_err_reason(&err), "invalid_json");
    assert_string_equal(err.msg, "request body must be a JSON object");
    /* below a base path the same failure names the base */
    hk_err_clear(&err);
    assert_int_equal(hk_json_validate(arr, profile, "profile", &err),
                     HAWK_EINVAL);
    assert_string_equal(err.field, "profile");
    assert_string_equal(err.msg, "'profile' must be an object");
    json_object_put(arr);
    /* members below a base are named from it */
    json_object *o = json_tokener_parse("{\"name\":5}");
    hk_err_clear(&err);
    assert_int_equal(hk_json_validate(o, profile, "profile", &err),
                     HAWK_EINVAL);
    assert_string_equal(err.field, "profile.name");
    json_object_put(o);
    /* one value against one spec */
    json_object *v = json_object_new_int(3);
    struct hk_jslot slot = {NULL, NULL, 0, v, "n"};
    hk_err_clear(&err);
    assert_int_equal(hk_json_validate_value(&tag, &slot, &err), HAWK_EINVAL);
    assert_string_equal(err.msg, "'n' must be a string");
    json_object_put(v);
    slot.value = NULL;
    assert_int_equal(hk_json_validate_value(&score, &slot, &err), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_paths_into_arrays_and_objects),
        cmocka_unit_test(test_unknown_members_suggest),
        cmocka_unit_test(test_maps_unique_and_own_sentence),
        cmocka_unit_test(test_text_and_hooks),
        cmocka_unit_test(test_top_level),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
