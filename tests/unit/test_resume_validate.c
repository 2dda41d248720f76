/*
 * test_resume_validate.c - structured resume validation (paths in
 * errors, normalization), JSON Resume mapping and YAML parsing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "hawk/plugin.h"
#include "platform/resumes/import.h"
#include "platform/resumes/resumes.h"
#include "util/err.h"

static json_object *J(const char *s)
{
    json_object *o = json_tokener_parse(s);
    assert_non_null(o);
    return o;
}

static const char *str_at(json_object *o, const char *path)
{
    /* path like "experience_details.0.company" */
    char buf[200];
    snprintf(buf, sizeof(buf), "%s", path);
    json_object *cur = o;
    for (char *s = buf, *e; s != NULL && cur != NULL; s = e) {
        e = strchr(s, '.');
        if (e != NULL)
            *e++ = '\0';
        if (json_object_is_type(cur, json_type_array))
            cur = json_object_array_get_idx(cur, (size_t)(s[0] - '0'));
        else if (!json_object_object_get_ex(cur, s, &cur))
            return NULL;
    }
    return cur ? json_object_get_string(cur) : NULL;
}

static int validate(json_object *o, char *path, char *msg)
{
    struct hk_err err = HK_ERR_INIT;
    int rc = hk_resumes_validate(o, NULL, &err);
    snprintf(path, 200, "%.199s", err.field);
    snprintf(msg, 200, "%.199s", err.msg);
    return rc;
}

static void test_valid_full_resume(void **state)
{
    (void)state;
    char path[200], msg[200];
    json_object *o = J(
        "{\"personal_information\":{\"name\":\"Ada\",\"surname\":\"Lovelace\","
        "\"email\":\"ada@example.test\",\"phone\":5551234,\"zip_code\":"
        "\"01234\"},"
        "\"education_details\":[{\"institution\":\"Uni\",\"year_of_"
        "completion\":"
        "1835,\"final_evaluation_grade\":3.9,\"exam\":{\"Math\":\"A\"}}],"
        "\"experience_details\":[{\"position\":\"Analyst\",\"company\":"
        "\"Engine\","
        "\"period\":\"1833 - "
        "1843\",\"key_responsibilities\":[{\"responsibility_1\":"
        "\"Notes\"},\"Programs\"],\"skills_acquired\":[\"math\"]}],"
        "\"projects\":[{\"name\":\"Note G\",\"link\":\"https://x\"}],"
        "\"achievements\":[{\"name\":\"First program\"}],"
        "\"certifications\":[], \"languages\":[{\"language\":\"English\","
        "\"proficiency\":\"Native\"}], \"interests\":[\"poetry\"],"
        "\"skills\":[\"C\",{\"name\":\"Rust\",\"keywords\":[\"async\"]}],"
        "\"availability\":{\"notice_period\":\"2 weeks\"},"
        "\"salary_expectations\":{\"salary_range_usd\":\"90000 - 110000\"},"
        "\"self_identification\":{\"gender\":\"Female\",\"veteran\":false},"
        "\"legal_authorization\":{\"eu_work_authorization\":\"Yes\","
        "\"requires_us_visa\":false},"
        "\"work_preferences\":{\"remote_work\":\"Yes\"}}");
    assert_int_equal(validate(o, path, msg), 0);
    /* Normalized: numbers became strings, period renamed, objects in
     * key_responsibilities flattened. */
    assert_string_equal(str_at(o, "personal_information.phone"), "5551234");
    assert_string_equal(str_at(o, "education_details.0.year_of_completion"),
                        "1835");
    assert_string_equal(str_at(o, "experience_details.0.employment_period"),
                        "1833 - 1843");
    assert_null(str_at(o, "experience_details.0.period"));
    assert_string_equal(
        str_at(o, "experience_details.0.key_responsibilities.0"), "Notes");
    json_object_put(o);
}

static void test_errors_name_the_path(void **state)
{
    (void)state;
    char path[200], msg[200];
    struct {
        const char *json, *path, *msg;
    } cases[] = {
        {"{\"experience_details\":[{\"position\":\"a\",\"company\":\"b\"},"
         "{\"position\":\"a\",\"company\":\"b\"},"
         "{\"position\":\"a\",\"company\":[1]}]}",
         "experience_details[2].company", "must be a string"},
        {"{\"experience_details\":[{\"position\":\"a\"}]}",
         "experience_details[0].company", "is required"},
        {"{\"experience_details\":{\"position\":\"a\"}}", "experience_details",
         "must be a list"},
        {"{\"personal_information\":[]}", "personal_information",
         "must be an object"},
        {"{\"personal_information\":{\"nickname\":\"x\"}}",
         "personal_information.nickname", "unknown field"},
        {"{\"hobbies\":[]}", "hobbies", "unknown resume section"},
        {"{\"hobbies\":[]}", "hobbies",
         "known resume sections are personal_information, education_details"},
        {"{\"experiense_details\":[]}", "experiense_details",
         "(did you mean 'experience_details'?)"},
        {"{\"interests\":[\"ok\",{\"x\":1}]}", "interests[1]",
         "must be a string"},
        {"{\"work_preferences\":{\"remote_work\":[true]}}",
         "work_preferences.remote_work", "must be a boolean or a string"},
        {"{\"education_details\":[{\"institution\":\"u\",\"exam\":[1]}]}",
         "education_details[0].exam", "must be an object"},
        {"{\"experience_details\":[{\"position\":\"a\",\"company\":\"b\","
         "\"period\":\"x\",\"employment_period\":\"y\"}]}",
         "experience_details[0].period", "either"},
        {"{\"experience_details\":[{\"position\":\"a\",\"company\":\"b\","
         "\"key_responsibilities\":[{\"a\":\"1\",\"b\":\"2\"}]}]}",
         "experience_details[0].key_responsibilities[0]", "one text member"},
        {"{\"personal_information\":{\"name\":true}}",
         "personal_information.name", "must be a string"},
        {"{}", "structured", "empty"},
        {"[]", "structured", "must be an object"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        json_object *o = J(cases[i].json);
        assert_int_equal(validate(o, path, msg), HAWK_EINVAL);
        assert_string_equal(path, cases[i].path);
        if (strstr(msg, cases[i].msg) == NULL)
            fail_msg("case %zu: message '%s' lacks '%s'", i, msg, cases[i].msg);
        json_object_put(o);
    }
}

static void test_limits(void **state)
{
    (void)state;
    char path[200], msg[200];
    json_object *o = json_object_new_object();
    json_object *a = json_object_new_array();
    for (int i = 0; i < HK_RESUMES_MAX_ITEMS + 1; i++)
        json_object_array_add(a, json_object_new_string("x"));
    json_object_object_add(o, "interests", a);
    assert_int_equal(validate(o, path, msg), HAWK_EINVAL);
    assert_string_equal(path, "interests");
    json_object_put(o);
    o = json_object_new_object();
    json_object *pi = json_object_new_object();
    char big[HK_RESUMES_MAX_TEXT + 2];
    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    json_object_object_add(pi, "name", json_object_new_string(big));
    json_object_object_add(o, "personal_information", pi);
    assert_int_equal(validate(o, path, msg), HAWK_EINVAL);
    assert_string_equal(path, "personal_information.name");
    json_object_put(o);
    /* An embedded NUL is refused. */
    o = json_object_new_object();
    pi = json_object_new_object();
    json_object_object_add(pi, "name", json_object_new_string_len("a\0b", 3));
    json_object_object_add(o, "personal_information", pi);
    assert_int_equal(validate(o, path, msg), HAWK_EINVAL);
    json_object_put(o);
}

static void test_json_resume_mapping(void **state)
{
    (void)state;
    char path[200], msg[200];
    json_object *jr = J(
        "{\"$schema\":\"x\",\"basics\":{\"name\":\"Grace Brewster Hopper\","
        "\"email\":\"g@example.test\",\"phone\":\"555\",\"url\":\"https://g\","
        "\"location\":{\"city\":\"Arlington\",\"postalCode\":\"22201\","
        "\"countryCode\":\"US\"},\"profiles\":[{\"network\":\"GitHub\","
        "\"url\":\"https://github.com/g\"},{\"network\":\"LinkedIn\",\"url\":"
        "\"https://linkedin.com/in/g\"}]},"
        "\"work\":[{\"name\":\"Navy\",\"position\":\"Rear Admiral\","
        "\"startDate\":\"1943-01-01\",\"highlights\":[\"COBOL\"],"
        "\"summary\":\"Led\"}],"
        "\"education\":[{\"institution\":\"Yale\",\"area\":\"Mathematics\","
        "\"studyType\":\"PhD\",\"endDate\":\"1934-06-01\",\"score\":\"A\"}],"
        "\"skills\":[{\"name\":\"Compilers\",\"level\":\"Master\","
        "\"keywords\":[\"A-0\"]}],"
        "\"languages\":[{\"language\":\"English\",\"fluency\":\"Native\"}],"
        "\"interests\":[{\"name\":\"Nanoseconds\"}],"
        "\"projects\":[{\"name\":\"FLOW-MATIC\",\"url\":\"https://f\"}],"
        "\"awards\":[{\"title\":\"Medal\",\"awarder\":\"US\",\"summary\":"
        "\"Tech\"}],\"certificates\":[{\"name\":\"Cert\",\"issuer\":\"ACM\"}]"
        "}");
    json_object *s = NULL;
    assert_int_equal(hk_resumes_from_json_resume(jr, &s, path, 200, msg, 200),
                     0);
    assert_int_equal(validate(s, path, msg), 0);
    assert_string_equal(str_at(s, "personal_information.name"), "Grace");
    assert_string_equal(str_at(s, "personal_information.surname"),
                        "Brewster Hopper");
    assert_string_equal(str_at(s, "personal_information.github"),
                        "https://github.com/g");
    assert_string_equal(str_at(s, "personal_information.zip_code"), "22201");
    assert_string_equal(str_at(s, "experience_details.0.company"), "Navy");
    assert_string_equal(str_at(s, "experience_details.0.employment_period"),
                        "1943-01-01 - Present");
    assert_string_equal(
        str_at(s, "experience_details.0.key_responsibilities.1"), "Led");
    assert_string_equal(str_at(s, "education_details.0.year_of_completion"),
                        "1934");
    assert_string_equal(str_at(s, "education_details.0.education_level"),
                        "PhD");
    assert_string_equal(str_at(s, "languages.0.proficiency"), "Native");
    assert_string_equal(str_at(s, "interests.0"), "Nanoseconds");
    assert_string_equal(str_at(s, "projects.0.link"), "https://f");
    assert_string_equal(str_at(s, "achievements.0.description"), "Tech (US)");
    assert_string_equal(str_at(s, "certifications.0.description"), "ACM");
    json_object_put(s);
    json_object_put(jr);
}

static void test_json_resume_wrong_types(void **state)
{
    (void)state;
    char path[200], msg[200];
    struct {
        const char *json, *path;
    } cases[] = {{"{\"work\":{}}", "work"},
                 {"{\"work\":[1]}", "work[0]"},
                 {"{\"work\":[{\"name\":[]}]}", "work[0].name"},
                 {"{\"basics\":\"x\"}", "basics"},
                 {"{\"basics\":{\"location\":3}}", "basics.location"},
                 {"{\"skills\":[{\"keywords\":\"a\"}]}", "skills[0].keywords"}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        json_object *jr = J(cases[i].json), *s = NULL;
        assert_int_equal(
            hk_resumes_from_json_resume(jr, &s, path, 200, msg, 200),
            HAWK_EINVAL);
        assert_null(s);
        assert_string_equal(path, cases[i].path);
        json_object_put(jr);
    }
}

static void test_yaml(void **state)
{
    (void)state;
    char err[200], path[200], msg[200];
    int line = 0;
    const char *y = "# the original bot's format\n"
                    "personal_information:\n"
                    "  name: Ada\n"
                    "  zip_code: 01234\n"
                    "  phone: \"+39 555\"\n"
                    "experience_details:\n"
                    "  - position: Analyst\n"
                    "    company: Engine\n"
                    "    employment_period: 1833 - 1843\n"
                    "    key_responsibilities:\n"
                    "      - responsibility_1: Notes\n"
                    "education_details:\n"
                    "  - institution: Uni\n"
                    "    year_of_completion: 1835\n"
                    "    final_evaluation_grade: 3.80\n"
                    "work_preferences:\n"
                    "  remote_work: true\n"
                    "  in_person_work: ~\n";
    json_object *o = NULL;
    if (hk_resumes_yaml_parse(y, strlen(y), &o, &line, err, sizeof(err)) != 0)
        fail_msg("yaml: %s", err);
    if (validate(o, path, msg) != 0)
        fail_msg("validate: %s %s", path, msg);
    assert_string_equal(str_at(o, "personal_information.zip_code"), "01234");
    assert_string_equal(str_at(o, "personal_information.phone"), "+39 555");
    assert_string_equal(str_at(o, "education_details.0.year_of_completion"),
                        "1835");
    assert_string_equal(str_at(o, "education_details.0.final_evaluation_grade"),
                        "3.80");
    json_object *wp = NULL, *v = NULL;
    json_object_object_get_ex(o, "work_preferences", &wp);
    assert_true(json_object_object_get_ex(wp, "remote_work", &v));
    assert_true(json_object_is_type(v, json_type_boolean));
    assert_true(json_object_object_get_ex(wp, "in_person_work", &v));
    assert_null(v);
    json_object_put(o);
}

static void test_yaml_errors(void **state)
{
    (void)state;
    char err[200];
    int line = 0;
    json_object *o = NULL;
    struct {
        const char *y;
        int line;
        const char *msg;
    } cases[] = {
        {"a: 1\nb: [1, 2\nc: 3\n", 3, "invalid YAML"},
        {"a: 1\n  b: 2\n", 2, "invalid YAML"},
        {"a: &x 1\nb: *x\n", 1, "anchors"},
        {"a: 1\na: 2\n", 2, "duplicate key"},
        {"a: 1\n---\nb: 2\n", 2, "more than one document"},
        {"", 1, "empty"},
        {"? [a]\n: 1\n", 1, "plain text"},
        {"x: \"\\xff\"\n", 0, NULL},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int rc = hk_resumes_yaml_parse(cases[i].y, strlen(cases[i].y), &o,
                                       &line, err, sizeof(err));
        if (cases[i].msg == NULL) {
            /* "\xff" is an escape for U+00FF: valid. */
            assert_int_equal(rc, 0);
            json_object_put(o);
            continue;
        }
        assert_int_equal(rc, HAWK_EINVAL);
        assert_null(o);
        if (line != cases[i].line)
            fail_msg("case %zu: line %d, expected %d (%s)", i, line,
                     cases[i].line, err);
        if (strstr(err, cases[i].msg) == NULL)
            fail_msg("case %zu: '%s' lacks '%s'", i, err, cases[i].msg);
    }
    /* Invalid UTF-8 input. */
    assert_int_equal(
        hk_resumes_yaml_parse("a: \xff\n", 6, &o, &line, err, sizeof(err)),
        HAWK_EINVAL);
    /* Nesting deeper than the limit. */
    char deep[400];
    size_t n = 0;
    for (int i = 0; i < 70; i++)
        deep[n++] = '[';
    for (int i = 0; i < 70; i++)
        deep[n++] = ']';
    deep[n] = '\0';
    assert_int_equal(
        hk_resumes_yaml_parse(deep, n, &o, &line, err, sizeof(err)),
        HAWK_EINVAL);
    assert_non_null(strstr(err, "too deep"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_full_resume),
        cmocka_unit_test(test_errors_name_the_path),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_json_resume_mapping),
        cmocka_unit_test(test_json_resume_wrong_types),
        cmocka_unit_test(test_yaml),
        cmocka_unit_test(test_yaml_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
