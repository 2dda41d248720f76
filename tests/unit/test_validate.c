/*
 * tests/unit/test_validate.c - JSON body validation (every rule and its
 * message), email normalisation, and the response helpers that build the
 * error envelope.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "hawk/plugin.h"
#include "http/http.h"
#include "log/log.h"
#include "util/alloc.h"
#include "util/err.h"

static const struct hk_field FIELDS[] = {
    HK_FIELD("name", HK_F_STRING, true, false, 1, 10),
    HK_FIELD("age", HK_F_INT, false, false, 0, 150),
    HK_FIELD("score", HK_F_NUMBER, false, true, 0, 0),
    HK_FIELD("active", HK_F_BOOL, false, false, 0, 0),
    HK_FIELD("meta", HK_F_OBJECT, false, true, 0, 0),
    HK_FIELD("tags", HK_F_ARRAY, false, false, 0, 3),
    HK_FIELD("email", HK_F_EMAIL, false, false, 0, 0),
    HK_FIELD("extra", HK_F_ANY, false, false, 0, 0),
    HK_FIELD("code", HK_F_STRING, false, false, 6, 6),
    HK_FIELD("bio", HK_F_STRING, false, false, 0, 5),
    HK_FIELD("nick", HK_F_STRING, false, false, 2, 0),
    HK_FIELD("count", HK_F_INT, false, false, 1, 0),
    HK_FIELD("temp", HK_F_INT, false, false, -10, 0),
    HK_FIELD_END,
};

struct outcome {
    int rc;
    int status;
    char code[64];
    char field[128];
    char message[256];
};

/* Runs hk_json_check on text and decodes the error body, if any. */
static struct outcome check(const char *text)
{
    struct outcome o = {0};
    json_object *obj = json_tokener_parse(text);
    assert_non_null(obj);
    struct hk_resp resp;
    hk_resp_init(&resp);
    o.rc = hk_json_check(obj, FIELDS, &resp);
    o.status = resp.status;
    if (resp.body.len > 0) {
        json_object *b = json_tokener_parse(hk_buf_str(&resp.body));
        assert_non_null(b);
        json_object *err, *v;
        assert_true(json_object_object_get_ex(b, "error", &err));
        assert_true(json_object_object_get_ex(err, "code", &v));
        snprintf(o.code, sizeof(o.code), "%s", json_object_get_string(v));
        if (json_object_object_get_ex(err, "field", &v))
            snprintf(o.field, sizeof(o.field), "%s", json_object_get_string(v));
        assert_true(json_object_object_get_ex(err, "message", &v));
        snprintf(o.message, sizeof(o.message), "%s", json_object_get_string(v));
        json_object_put(b);
    }
    hk_resp_release(&resp);
    json_object_put(obj);
    return o;
}

static void expect_fail(const char *text, const char *field,
                        const char *message)
{
    struct outcome o = check(text);
    if (o.rc != HAWK_EINVAL || strcmp(o.message, message) != 0)
        print_error("input %s: got rc %d message '%s'\n", text, o.rc,
                    o.message);
    assert_int_equal(o.rc, HAWK_EINVAL);
    assert_int_equal(o.status, 400);
    assert_string_equal(o.code, "invalid_field");
    assert_string_equal(o.field, field);
    assert_string_equal(o.message, message);
}

static void expect_ok(const char *text)
{
    struct outcome o = check(text);
    if (o.rc != 0)
        print_error("input %s: got '%s'\n", text, o.message);
    assert_int_equal(o.rc, 0);
    assert_int_equal(o.status, 0);
}

static void test_valid_objects(void **state)
{
    (void)state;
    expect_ok("{\"name\":\"x\"}");
    expect_ok("{\"name\":\"0123456789\",\"age\":0,\"score\":1.5,"
              "\"active\":false,\"meta\":{\"k\":[1]},\"tags\":[1,2,3],"
              "\"email\":\" A@B.co \",\"extra\":[null],\"code\":\"123456\","
              "\"bio\":\"12345\",\"nick\":\"ab\",\"count\":99999999999,"
              "\"temp\":-10}");
    /* nullable members accept null; ranges count characters, not bytes */
    expect_ok("{\"name\":\"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
              "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\",\"score\":null,"
              "\"meta\":null,\"age\":150,\"score\":7,\"temp\":0}");
}

static void test_unknown_fields(void **state)
{
    (void)state;
    /* a name close to a known one is suggested */
    expect_fail("{\"name\":\"x\",\"nmae\":1}", "nmae",
                "unknown field 'nmae' (did you mean 'name'?)");
    /* reported before a missing required field */
    expect_fail("{\"Name\":\"x\"}", "Name",
                "unknown field 'Name' (did you mean 'name'?)");
    expect_fail("{\"name\":\"x\",\"zzzz\":1}", "zzzz", "unknown field 'zzzz'");
    /* long names are cut in the message; quotes survive escaping */
    char text[512], longname[201];
    memset(longname, 'k', 200);
    longname[200] = '\0';
    longname[0] = '"';
    snprintf(text, sizeof(text), "{\"\\%s\":1}", longname);
    struct outcome o = check(text);
    assert_int_equal(o.rc, HAWK_EINVAL);
    assert_int_equal(strlen(o.message), strlen("unknown field ''") + 64);
    assert_int_equal(o.field[0], '"');
}

static void test_required_and_null(void **state)
{
    (void)state;
    expect_fail("{}", "name", "'name' is required");
    expect_fail("{\"age\":3}", "name", "'name' is required");
    expect_fail("{\"name\":null}", "name", "'name' must not be null");
    expect_fail("{\"name\":\"x\",\"age\":null}", "age",
                "'age' must not be null");
}

static void test_wrong_types(void **state)
{
    (void)state;
    expect_fail("{\"name\":5}", "name", "'name' must be a string");
    expect_fail("{\"name\":[\"x\"]}", "name", "'name' must be a string");
    expect_fail("{\"name\":\"x\",\"age\":1.5}", "age",
                "'age' must be an integer");
    expect_fail("{\"name\":\"x\",\"age\":\"5\"}", "age",
                "'age' must be an integer");
    expect_fail("{\"name\":\"x\",\"age\":true}", "age",
                "'age' must be an integer");
    expect_fail("{\"name\":\"x\",\"score\":\"1\"}", "score",
                "'score' must be a number");
    expect_fail("{\"name\":\"x\",\"active\":1}", "active",
                "'active' must be a boolean");
    expect_fail("{\"name\":\"x\",\"active\":\"true\"}", "active",
                "'active' must be a boolean");
    expect_fail("{\"name\":\"x\",\"meta\":[]}", "meta",
                "'meta' must be an object");
    expect_fail("{\"name\":\"x\",\"tags\":{}}", "tags",
                "'tags' must be an array");
    expect_fail("{\"name\":\"x\",\"email\":5}", "email",
                "'email' must be a valid email address");
    expect_fail("{\"name\":\"x\",\"email\":\"nope\"}", "email",
                "'email' must be a valid email address");
    expect_fail("{\"name\":\"x\",\"email\":\"a\\u0000@b.co\"}", "email",
                "'email' must be a valid email address");
}

static void test_string_ranges(void **state)
{
    (void)state;
    expect_fail("{\"name\":\"\"}", "name",
                "'name' must be between 1 and 10 characters");
    expect_fail("{\"name\":\"01234567890\"}", "name",
                "'name' must be between 1 and 10 characters");
    expect_fail("{\"name\":\"x\",\"code\":\"12345\"}", "code",
                "'code' must be exactly 6 characters");
    expect_fail("{\"name\":\"x\",\"bio\":\"123456\"}", "bio",
                "'bio' must be at most 5 characters");
    expect_fail("{\"name\":\"x\",\"nick\":\"a\"}", "nick",
                "'nick' must be at least 2 characters");
    expect_fail("{\"name\":\"a\\u0000b\"}", "name",
                "'name' must not contain NUL characters");
    expect_fail("{\"name\":\"x\",\"tags\":[1,2,3,4]}", "tags",
                "'tags' must be at most 3 items");
}

static void test_int_ranges(void **state)
{
    (void)state;
    expect_fail("{\"name\":\"x\",\"age\":151}", "age",
                "'age' must be between 0 and 150");
    expect_fail("{\"name\":\"x\",\"age\":-1}", "age",
                "'age' must be between 0 and 150");
    expect_fail("{\"name\":\"x\",\"count\":0}", "count",
                "'count' must be at least 1");
    expect_fail("{\"name\":\"x\",\"temp\":1}", "temp",
                "'temp' must be between -10 and 0");
    expect_fail("{\"name\":\"x\",\"temp\":-11}", "temp",
                "'temp' must be between -10 and 0");
    /* beyond int64: json-c keeps it as uint64, which no field accepts */
    expect_fail("{\"name\":\"x\",\"count\":18446744073709551615}", "count",
                "'count' is out of range");
    expect_ok("{\"name\":\"x\",\"count\":9223372036854775807}");
}

static void test_not_an_object(void **state)
{
    (void)state;
    json_object *arr = json_tokener_parse("[1]");
    struct hk_resp resp;
    hk_resp_init(&resp);
    assert_int_equal(hk_json_check(arr, FIELDS, &resp), HAWK_EINVAL);
    assert_int_equal(resp.status, 400);
    assert_string_equal(hk_buf_str(&resp.body),
                        "{\"error\":{\"code\":\"invalid_json\",\"message\":"
                        "\"request body must be a JSON object\"}}");
    hk_resp_release(&resp);
    /* a NULL response is allowed: only the code comes back */
    json_object *obj = json_tokener_parse("{\"zzz\":1}");
    assert_int_equal(hk_json_check(obj, FIELDS, NULL), HAWK_EINVAL);
    assert_int_equal(hk_json_check(arr, FIELDS, NULL), HAWK_EINVAL);
    json_object_put(obj);
    json_object_put(arr);
}

static void expect_email(const char *in, const char *want)
{
    char *got = hk_email_normalize(in);
    if (want == NULL) {
        if (got != NULL)
            print_error("'%s' accepted as '%s'\n", in, got);
        assert_null(got);
        return;
    }
    if (got == NULL)
        print_error("'%s' refused\n", in);
    assert_non_null(got);
    assert_string_equal(got, want);
    hk_free(got);
}

static void test_email_valid(void **state)
{
    (void)state;
    expect_email("  Alice@Example.COM \n", "alice@example.com");
    expect_email("a.b+tag@sub.example.co", "a.b+tag@sub.example.co");
    expect_email("o'brien_x-y@mail-1.example.io",
                 "o'brien_x-y@mail-1.example.io");
    expect_email("x@1.2", "x@1.2");
    char local[65], addr[300];
    memset(local, 'l', 64);
    local[64] = '\0';
    snprintf(addr, sizeof(addr), "%s@example.com", local);
    expect_email(addr, addr);
    /* 254 characters in all is the limit */
    char big[300];
    memset(big, 'd', sizeof(big));
    memcpy(big, "a@", 2);
    for (int i = 2 + 63; i < 254; i += 64)
        big[i] = '.';
    big[254] = '\0';
    assert_int_equal(strlen(big), 254);
    char *got = hk_email_normalize(big);
    assert_non_null(got);
    hk_free(got);
    big[254] = 'd';
    big[255] = '\0';
    assert_null(hk_email_normalize(big));
}

static void test_email_invalid(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        "   ",
        "noat",
        "a@b@c.com",
        "@example.com",
        "a@",
        "a@localhost",
        "a..b@x.com",
        ".a@x.com",
        "a.@x.com",
        "a@-x.com",
        "a@x-.com",
        "a@x..com",
        "a@.x.com",
        "a@x.com.",
        "a b@x.com",
        "a@x_y.com",
        "\xc3\xa9@x.com",
        "a@x.c\xc3\xa9",
        "a\"b@x.com",
        "a(b)@x.com",
        "a@x.com\x01",
        "a@[1.2.3.4]",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        expect_email(bad[i], NULL);
    assert_null(hk_email_normalize(NULL));
    char local[66], addr[300];
    memset(local, 'l', 65);
    local[65] = '\0';
    snprintf(addr, sizeof(addr), "%s@example.com", local);
    expect_email(addr, NULL);
    char label[64];
    memset(label, 'x', 63);
    label[63] = '\0';
    snprintf(addr, sizeof(addr), "a@%s.com", label);
    char *got = hk_email_normalize(addr);
    assert_non_null(got);
    hk_free(got);
    snprintf(addr, sizeof(addr), "a@%sx.com", label);
    expect_email(addr, NULL);
}

static void test_error_envelope(void **state)
{
    (void)state;
    struct hk_resp resp;
    hk_resp_init(&resp);
    hk_resp_error(&resp, 409, "conflict", NULL, "name '%s' is taken", "x\"y");
    assert_int_equal(resp.status, 409);
    assert_string_equal(resp.content_type, "application/json");
    assert_string_equal(hk_buf_str(&resp.body),
                        "{\"error\":{\"code\":\"conflict\",\"message\":"
                        "\"name 'x\\\"y' is taken\"}}");
    hk_resp_error(&resp, 400, "invalid_field", "title", "'title' is required");
    assert_int_equal(resp.status, 400);
    assert_string_equal(hk_buf_str(&resp.body),
                        "{\"error\":{\"code\":\"invalid_field\",\"field\":"
                        "\"title\",\"message\":\"'title' is required\"}}");
    hk_resp_error(&resp, 400, "invalid_parameter", "per_page", "bad");
    assert_string_equal(hk_buf_str(&resp.body),
                        "{\"error\":{\"code\":\"invalid_parameter\",\"field\":"
                        "\"per_page\",\"message\":\"bad\"}}");
    /* client bytes that are not UTF-8 never make invalid JSON */
    hk_resp_error(&resp, 404, "not_found", NULL, "no item '%s'",
                  "a\xff\xc3(\x01\x7f\xe2\x82\xac");
    json_object *o = json_tokener_parse(hk_buf_str(&resp.body));
    assert_non_null(o);
    json_object *err, *msg;
    assert_true(json_object_object_get_ex(o, "error", &err));
    assert_true(json_object_object_get_ex(err, "message", &msg));
    assert_string_equal(json_object_get_string(msg),
                        "no item 'a\xef\xbf\xbd\xef\xbf\xbd(\x01\x7f"
                        "\xe2\x82\xac'");
    json_object_put(o);
    hk_resp_release(&resp);
}

static void test_from_status(void **state)
{
    (void)state;
    static const struct {
        int code;
        int status;
        const char *err;
    } map[] = {
        {HAWK_EUNAVAIL, 503, "unavailable"},
        {HAWK_ENOTFOUND, 404, "not_found"},
        {HAWK_ECONFLICT, 409, "conflict"},
        {HAWK_EEXIST, 409, "conflict"},
        {HAWK_EINVAL, 400, "invalid_request"},
        {HAWK_ETOOBIG, 413, "payload_too_large"},
        {HAWK_EAUTH, 401, "unauthorized"},
        {HAWK_EPERM, 403, "forbidden"},
        {HAWK_ERATELIMIT, 429, "rate_limited"},
        {HAWK_EQUOTA, 402, "quota_exceeded"},
        {HAWK_ETIMEDOUT, 504, "timeout"},
        {HAWK_EIO, 500, "internal"},
        {HAWK_EINTERNAL, 500, "internal"},
        {-999, 500, "internal"},
    };
    hk_log_set_level(HAWK_LOG_CRIT); /* the 500s log an error line */
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
        struct hk_resp resp;
        hk_resp_init(&resp);
        hk_resp_from_status(&resp, map[i].code);
        assert_int_equal(resp.status, map[i].status);
        char want[64];
        snprintf(want, sizeof(want), "{\"error\":{\"code\":\"%s\"", map[i].err);
        assert_true(strncmp(hk_buf_str(&resp.body), want, strlen(want)) == 0);
        /* the lower layer's wording never reaches the client */
        assert_null(strstr(hk_buf_str(&resp.body), "input/output"));
        if (map[i].code == HAWK_EUNAVAIL) {
            assert_string_equal(hk_buf_str(&resp.body),
                                "{\"error\":{\"code\":\"unavailable\","
                                "\"message\":\"database unavailable, try "
                                "again shortly\"}}");
            assert_string_equal(hk_resp_get_header(&resp, "retry-after"), "2");
        }
        if (map[i].code == HAWK_EAUTH)
            assert_string_equal(hk_resp_get_header(&resp, "WWW-Authenticate"),
                                "Bearer");
        hk_resp_release(&resp);
    }
    hk_log_set_level(HAWK_LOG_INFO);
}

/* Runs hk_resp_from_err on e and returns the body (static buffer). */
static const char *from_err(const struct hk_err *e, int *status, char *hdr,
                            size_t hdrlen, const char *hname)
{
    static char body[2048];
    struct hk_resp resp;
    hk_resp_init(&resp);
    hk_resp_from_err(&resp, e);
    *status = resp.status;
    snprintf(body, sizeof(body), "%s", hk_buf_str(&resp.body));
    if (hdr != NULL) {
        const char *v = hk_resp_get_header(&resp, hname);
        snprintf(hdr, hdrlen, "%s", v != NULL ? v : "");
    }
    hk_resp_release(&resp);
    return body;
}

static void test_from_err(void **state)
{
    (void)state;
    struct hk_err e = HK_ERR_INIT;
    int status = 0;
    char hdr[64];

    /* a field error: the reason follows from the field */
    hk_err_set(&e, HAWK_EINVAL, NULL, "experience[2].company",
               "'%s' must be a string", "experience[2].company");
    assert_string_equal(from_err(&e, &status, NULL, 0, NULL),
                        "{\"error\":{\"code\":\"invalid_field\",\"field\":"
                        "\"experience[2].company\",\"message\":\"'experience"
                        "[2].company' must be a string\"}}");
    assert_int_equal(status, 400);

    /* the same envelope as hk_resp_error() writes */
    struct hk_resp resp;
    hk_resp_init(&resp);
    hk_resp_error(&resp, 400, "invalid_field", "experience[2].company",
                  "'%s' must be a string", "experience[2].company");
    assert_string_equal(hk_buf_str(&resp.body),
                        from_err(&e, &status, NULL, 0, NULL));
    hk_resp_release(&resp);

    /* detail members come after the message, inside the error object */
    hk_err_set(&e, HAWK_EQUOTA, "plan_limit", NULL, "resumes limit reached");
    snprintf(e.detail, sizeof(e.detail),
             "\"limit\":\"resumes\",\"value\":3,\"used\":3");
    assert_string_equal(from_err(&e, &status, NULL, 0, NULL),
                        "{\"error\":{\"code\":\"plan_limit\",\"message\":"
                        "\"resumes limit reached\",\"limit\":\"resumes\","
                        "\"value\":3,\"used\":3}}");
    /* plan_limit answers 403, not EQUOTA's 402 */
    assert_int_equal(status, 403);
    hk_err_set(&e, HAWK_EQUOTA, NULL, NULL, "budget used up");
    from_err(&e, &status, NULL, 0, NULL);
    assert_int_equal(status, 402);

    /* an input refused for its kind: the reason names a status */
    hk_err_set(&e, HAWK_EINVAL, "unsupported_file_type", "file",
               "the file is an image");
    assert_string_equal(from_err(&e, &status, NULL, 0, NULL),
                        "{\"error\":{\"code\":\"unsupported_file_type\","
                        "\"field\":\"file\",\"message\":\"the file is an "
                        "image\"}}");
    assert_int_equal(status, 415);

    /* no message: the code's standard sentence, and its header */
    hk_err_clear(&e);
    e.code = HAWK_EUNAVAIL;
    assert_string_equal(from_err(&e, &status, hdr, sizeof(hdr), "Retry-After"),
                        "{\"error\":{\"code\":\"unavailable\",\"message\":"
                        "\"database unavailable, try again shortly\"}}");
    assert_int_equal(status, 503);
    assert_string_equal(hdr, "2");
    hk_err_set(&e, HAWK_EAUTH, NULL, NULL, "token expired; log in again");
    from_err(&e, &status, hdr, sizeof(hdr), "WWW-Authenticate");
    assert_int_equal(status, 401);
    assert_string_equal(hdr, "Bearer");

    /* a 500 never shows what went wrong inside */
    hk_log_set_level(HAWK_LOG_CRIT);
    hk_err_set(&e, HAWK_EIO, NULL, NULL, "cannot read /secret/path: denied");
    const char *b = from_err(&e, &status, NULL, 0, NULL);
    assert_int_equal(status, 500);
    assert_null(strstr(b, "secret"));
    assert_string_equal(b, "{\"error\":{\"code\":\"internal\",\"message\":"
                           "\"internal error; report the request id to the "
                           "administrator\"}}");
    hk_log_set_level(HAWK_LOG_INFO);

    /* client text that is not UTF-8 still makes valid JSON */
    hk_err_set(&e, HAWK_ENOTFOUND, NULL, NULL, "no item '%s'", "a\xff\x01");
    json_object *o = json_tokener_parse(from_err(&e, &status, NULL, 0, NULL));
    assert_non_null(o);
    json_object_put(o);
}

static void test_headers_json_bytes(void **state)
{
    (void)state;
    struct hk_resp resp;
    hk_resp_init(&resp);
    hk_resp_header(&resp, "X-One", "1");
    hk_resp_header(&resp, "x-one", "2"); /* replaces, case-insensitive */
    assert_int_equal(resp.n_headers, 1);
    assert_string_equal(hk_resp_get_header(&resp, "X-ONE"), "2");
    hk_log_set_level(HAWK_LOG_CRIT);
    hk_resp_header(&resp, "X-Bad", "a\r\nSet-Cookie: x=1");
    hk_resp_header(&resp, "X Bad", "a");
    hk_resp_header(&resp, "", "a");
    assert_int_equal(resp.n_headers, 1);
    char name[16];
    for (int i = 0; i < 20; i++) {
        snprintf(name, sizeof(name), "X-H%d", i);
        hk_resp_header(&resp, name, "v");
    }
    hk_log_set_level(HAWK_LOG_INFO);
    assert_int_equal(resp.n_headers, 16);
    assert_null(hk_resp_get_header(&resp, "X-H15"));

    json_object *o = json_object_new_object();
    json_object_object_add(o, "url", json_object_new_string("a/b"));
    hk_resp_json(&resp, 201, o); /* takes o */
    assert_int_equal(resp.status, 201);
    assert_string_equal(hk_buf_str(&resp.body), "{\"url\":\"a/b\"}");

    hk_resp_bytes(&resp, 200, "text/plain; version=0.0.4", "abc", 3);
    assert_string_equal(resp.content_type, "text/plain; version=0.0.4");
    assert_int_equal(resp.body.len, 3);
    hk_resp_bytes(&resp, 200, NULL, "\0\1", 2);
    assert_string_equal(resp.content_type, "application/octet-stream");
    assert_int_equal(resp.body.len, 2);
    hk_resp_release(&resp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_objects),
        cmocka_unit_test(test_unknown_fields),
        cmocka_unit_test(test_required_and_null),
        cmocka_unit_test(test_wrong_types),
        cmocka_unit_test(test_string_ranges),
        cmocka_unit_test(test_int_ranges),
        cmocka_unit_test(test_not_an_object),
        cmocka_unit_test(test_email_valid),
        cmocka_unit_test(test_email_invalid),
        cmocka_unit_test(test_error_envelope),
        cmocka_unit_test(test_from_status),
        cmocka_unit_test(test_from_err),
        cmocka_unit_test(test_headers_json_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
