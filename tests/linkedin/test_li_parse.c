/*
 * Tests of the linkedin plugin's parsing half (plugins/linkedin: the
 * selectors file, CSS to XPath, the guest pages through libxml2, job ids
 * from URLs, the selector self-check) on the pages the fixture site
 * serves, dumped by tests/fixtures/linkedin/dump.py into $HAWK_LI_PAGES.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <json-c/json.h>
#include <libxml/parser.h>

#include "linkedin.h"

static struct li_selectors *S;
static char pages[1024];
static char selectors_file[1024];

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        fail_msg("cannot open %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = li_xmalloc((size_t)n + 1);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = '\0';
    fclose(f);
    *len = (size_t)n;
    return buf;
}

static char *page(const char *name, size_t *len)
{
    char path[1200];
    snprintf(path, sizeof(path), "%s/%s", pages, name);
    return slurp(path, len);
}

/* Replaces every occurrence of from by to; caller frees. */
static char *replace(const char *s, const char *from, const char *to)
{
    struct li_buf b;
    li_buf_init(&b, 0);
    size_t fl = strlen(from);
    for (const char *p = s; *p != '\0';) {
        if (strncmp(p, from, fl) == 0) {
            (void)li_buf_puts(&b, to);
            p += fl;
        } else {
            (void)li_buf_add(&b, p, 1);
            p++;
        }
    }
    char *out = li_xstrdup(li_buf_str(&b));
    li_buf_free(&b);
    return out;
}

static int setup(void **state)
{
    (void)state;
    const char *p = getenv("HAWK_LI_PAGES");
    const char *src = getenv("HAWK_SOURCE_DIR");
    assert_non_null(p);
    assert_non_null(src);
    snprintf(pages, sizeof(pages), "%s", p);
    snprintf(selectors_file, sizeof(selectors_file),
             "%s/etc/linkedin/selectors.json", src);
    xmlInitParser();
    char err[600];
    if (li_selectors_load(selectors_file, &S, err, sizeof(err)) != 0)
        fail_msg("%s", err);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    li_selectors_free(S);
    xmlCleanupParser();
    return 0;
}

static void expect_xpath(const char *css, const char *xpath)
{
    struct li_buf b;
    char err[200];
    li_buf_init(&b, 0);
    assert_int_equal(li_css_to_xpath(css, &b, err, sizeof(err)), 0);
    assert_string_equal(li_buf_str(&b), xpath);
    li_buf_free(&b);
}

static void expect_css_error(const char *css, const char *msg)
{
    struct li_buf b;
    char err[200];
    li_buf_init(&b, 0);
    assert_int_equal(li_css_to_xpath(css, &b, err, sizeof(err)), HAWK_EINVAL);
    if (strstr(err, msg) == NULL)
        fail_msg("'%s': expected '%s' in: %s", css, msg, err);
    li_buf_free(&b);
}

static void test_css(void **state)
{
    (void)state;
    expect_xpath("div.card",
                 ".//div[contains(concat(' ',normalize-space(@class),' '),' "
                 "card ')]");
    expect_xpath("a#x > span", ".//a[@id='x']/span");
    expect_xpath("h4 a", ".//h4//a");
    expect_xpath("[data-x=\"a b\"]", ".//*[@data-x='a b']");
    expect_xpath("input[id*=numeric], select",
                 ".//input[contains(@id,'numeric')] | .//select");
    expect_xpath("a[href^='http']", ".//a[starts-with(@href,'http')]");
    expect_xpath("button:itext(\"Easy Apply\")",
                 ".//button[contains(translate(normalize-space(.),"
                 "'ABCDEFGHIJKLMNOPQRSTUVWXYZ','abcdefghijklmnopqrstuvwxyz'),"
                 "'easy apply')]");
    expect_xpath("h1:text(\"It's\")",
                 ".//h1[contains(normalize-space(.),\"It's\")]");
    expect_css_error("", "empty selector");
    expect_css_error("div..x", "name expected");
    expect_css_error("div:hover", "unknown pseudo-class");
    expect_css_error("a[href", "attribute operator expected");
    expect_css_error("a,", "selector expected after ','");
    expect_css_error("a ~ b", "selector expected");
}

static void expect_file_error(const char *text, const char *msg)
{
    struct li_selectors *s = NULL;
    char err[600];
    assert_int_equal(li_selectors_parse(text, strlen(text), "sel.json", &s, err,
                                        sizeof(err)),
                     HAWK_EINVAL);
    assert_null(s);
    if (strstr(err, msg) == NULL)
        fail_msg("expected '%s' in: %s", msg, err);
}

static void test_selectors_file(void **state)
{
    (void)state;
    assert_true(S->version >= 1);
    assert_true(S->n >= 60);
    const struct li_sel *t = li_sel(S, "search.card.title");
    assert_string_equal(t->page, "search");
    assert_true(t->required);
    assert_string_equal(t->within, "search.card");

    /* Bad files name the file, line and what is wrong. */
    expect_file_error("{\"version\": 1,\n \"selectors\": {\n  \"a\": [}\n",
                      "sel.json:3:");
    expect_file_error("[]", "must be an object with \"version\"");
    expect_file_error(
        "{\"version\":1,\"selectors\":{\"a\":{\"page\":\"search\","
        "\"version\":1,\"csss\":\"div\"}}}",
        "unknown key 'csss' (did you mean 'css'?)");
    expect_file_error(
        "{\"version\":1,\"selectors\":{\"a\":{\"page\":\"search\","
        "\"version\":1,\"css\":\"div\",\"xpath\":\"//a\"}}}",
        "exactly one of css and xpath");
    expect_file_error("{\"version\":1,\"selectors\":{\"a\":{\"page\":\"nope\","
                      "\"version\":1,\"css\":\"div\"}}}",
                      "page must be one of");
    expect_file_error(
        "{\"version\":1,\"selectors\":{\"a\":{\"page\":\"search\","
        "\"css\":\"div\"}}}",
        "version must be a positive integer");
    expect_file_error(
        "{\"version\":1,\"selectors\":{\"a\":{\"page\":\"search\","
        "\"version\":1,\"xpath\":\"//a[\"}}}",
        "not a valid XPath");
    expect_file_error(
        "{\"version\":1,\"selectors\":{\"a\":{\"page\":\"search\","
        "\"version\":1,\"css\":\"div\",\"within\":\"b\"}}}",
        "'b', which is not defined");
    expect_file_error(
        "{\"version\":1,\"selectors\":{\"a\":{\"page\":\"search\","
        "\"version\":1,\"css\":\"div\",\"within\":\"a\"}}}",
        "within itself");
    /* A file without a selector the plugin needs. */
    expect_file_error(
        "{\"version\":1,\"selectors\":{\"a\":{\"page\":\"search\","
        "\"version\":1,\"css\":\"div\"}}}",
        "selector 'search.card' is missing");
}

static void test_search_page(void **state)
{
    (void)state;
    size_t len;
    char *html = page("search-0.html", &len);
    struct li_cards cards;
    struct li_outdated o;
    assert_int_equal(li_parse_search(S, html, len, &cards, &o), 0);
    assert_false(cards.empty_page);
    assert_int_equal(cards.n, 10);
    const struct li_card *c = &cards.v[0];
    assert_string_equal(c->id, "4100000001");
    assert_string_equal(c->title, "Senior C Engineer");
    assert_string_equal(c->company, "Acme Robotics");
    assert_string_equal(c->location, "Berlin, Berlin, Germany");
    /* UTF-8 survives (libxml2 would read Latin-1 without the hint). */
    assert_string_equal(c->salary, "\xe2\x82\xac"
                                   "80,000.00 - \xe2\x82\xac"
                                   "95,000.00");
    assert_string_equal(c->url,
                        "https://www.linkedin.com/jobs/view/"
                        "senior-c-engineer-at-acme-robotics-4100000001");
    assert_string_equal(c->company_url,
                        "https://www.linkedin.com/company/acme");
    assert_string_equal(c->benefits, "Easy Apply");
    assert_non_null(c->listed);
    assert_true(c->posted_at > 1700000000);
    assert_null(cards.v[1].salary);
    assert_int_equal(cards.v[2].workplace, HAWK_WORKPLACE_REMOTE);
    li_cards_free(&cards);

    /* The empty answer ends the search. */
    free(html);
    html = page("empty.html", &len);
    assert_int_equal(li_parse_search(S, html, len, &cards, &o), 0);
    assert_true(cards.empty_page);
    assert_int_equal(cards.n, 0);
    free(html);
}

static void test_search_outdated(void **state)
{
    (void)state;
    size_t len;
    char *html = page("search-1.html", &len);
    struct li_cards cards;
    struct li_outdated o;

    /* A renamed title class: board_outdated names the selector. */
    char *renamed =
        replace(html, "base-search-card__title", "base-search-card__headline");
    memset(&o, 0, sizeof(o));
    assert_int_equal(li_parse_search(S, renamed, strlen(renamed), &cards, &o),
                     HAWK_EPROTO);
    assert_string_equal(o.name, "search.card.title");
    assert_int_equal(o.version, 1);
    free(renamed);

    /* The cards themselves renamed: nothing is guessed from the rest. */
    renamed = replace(html, "base-search-card", "job-result-card");
    memset(&o, 0, sizeof(o));
    assert_int_equal(li_parse_search(S, renamed, strlen(renamed), &cards, &o),
                     HAWK_EPROTO);
    assert_string_equal(o.name, "search.card");
    free(renamed);

    /* Some page that is not a result page at all. */
    const char *other = "<html><body><h1>Welcome</h1></body></html>";
    memset(&o, 0, sizeof(o));
    assert_int_equal(li_parse_search(S, other, strlen(other), &cards, &o),
                     HAWK_EPROTO);
    assert_string_equal(o.name, "search.card");
    free(html);
}

static void test_posting(void **state)
{
    (void)state;
    size_t len;
    char *html = page("posting-4100000001.html", &len);
    struct li_posting p;
    struct li_outdated o;
    assert_int_equal(li_parse_posting(S, html, len, &p, &o), 0);
    assert_string_equal(p.title, "Senior C Engineer");
    assert_string_equal(p.company, "Acme Robotics");
    assert_string_equal(p.location, "Berlin, Berlin, Germany");
    assert_string_equal(p.seniority, "Mid-Senior level");
    assert_string_equal(p.employment_type, "Full-time");
    assert_string_equal(p.industries, "Software Development");
    assert_int_equal(p.applicants, 37);
    assert_non_null(strstr(p.salary, "80,000.00/yr"));
    assert_true(p.easy_apply);
    assert_false(p.offsite);
    assert_false(p.closed);
    /* Paragraphs and list items keep their lines. */
    assert_non_null(strstr(p.description, "About Acme Robotics\n"));
    assert_non_null(
        strstr(p.description, "\n- Write C11 that passes ASan and UBSan\n"));
    li_posting_free(&p);
    free(html);

    html = page("posting-4100000005.html", &len);
    assert_int_equal(li_parse_posting(S, html, len, &p, &o), 0);
    assert_false(p.easy_apply);
    assert_true(p.offsite);
    assert_string_equal(p.apply_url,
                        "https://careers.example.test/jobs/4100000005");
    li_posting_free(&p);
    free(html);

    html = page("posting-4100000007.html", &len);
    assert_int_equal(li_parse_posting(S, html, len, &p, &o), 0);
    assert_true(p.closed);
    li_posting_free(&p);

    char *renamed = replace(html, "topcard__org-name-link", "topcard__org");
    assert_int_equal(li_parse_posting(S, renamed, strlen(renamed), &p, &o),
                     HAWK_EPROTO);
    assert_string_equal(o.name, "posting.company");
    free(renamed);
    free(html);
}

static void test_job_ids(void **state)
{
    (void)state;
    char id[24];
    assert_int_equal(li_job_id_from_url("https://www.linkedin.com/jobs/view/"
                                        "senior-c-engineer-at-acme-4012345678/"
                                        "?refId=x",
                                        id, sizeof(id)),
                     0);
    assert_string_equal(id, "4012345678");
    assert_int_equal(li_job_id_from_url("https://de.linkedin.com/jobs/view/"
                                        "4012345678",
                                        id, sizeof(id)),
                     0);
    assert_string_equal(id, "4012345678");
    assert_int_equal(li_job_id_from_url("https://www.linkedin.com/jobs/search/"
                                        "?currentJobId=4099&keywords=c",
                                        id, sizeof(id)),
                     0);
    assert_string_equal(id, "4099");
    assert_int_equal(li_job_id_from_url("4012345678", id, sizeof(id)), 0);
    /* Malformed: no id, letters, too long, nothing. */
    assert_int_equal(
        li_job_id_from_url("https://www.linkedin.com/jobs/view/", id, 24),
        HAWK_EINVAL);
    assert_int_equal(li_job_id_from_url("https://www.linkedin.com/jobs/view/"
                                        "senior-engineer/",
                                        id, 24),
                     HAWK_EINVAL);
    assert_int_equal(li_job_id_from_url("https://www.linkedin.com/jobs/view/"
                                        "123456789012345678901",
                                        id, 24),
                     HAWK_EINVAL);
    assert_int_equal(
        li_job_id_from_url("https://www.linkedin.com/in/ada", id, 24),
        HAWK_EINVAL);
    assert_int_equal(li_job_id_from_url("", id, 24), HAWK_EINVAL);
    assert_int_equal(li_applicants("Over 200 applicants"), 200);
    assert_int_equal(li_applicants("1,204 applicants"), 1204);
    assert_int_equal(li_applicants("Be among the first applicants"), -1);
}

/* Runs the check on a page; returns the report (caller puts). */
static json_object *check(const char *html, size_t len, const char *kind,
                          bool *ok)
{
    struct li_buf r;
    li_buf_init(&r, 0);
    assert_int_equal(li_check_page(S, "page.html", html, len, kind, &r, ok), 0);
    json_object *o = json_tokener_parse(li_buf_str(&r));
    if (o == NULL)
        fail_msg("report is not JSON: %s", li_buf_str(&r));
    li_buf_free(&r);
    return o;
}

static const char *str_of(json_object *o, const char *k)
{
    json_object *v = NULL;
    if (!json_object_object_get_ex(o, k, &v))
        return NULL;
    return json_object_get_string(v);
}

static void test_check(void **state)
{
    (void)state;
    size_t len;
    bool ok = false;
    const char *good[][2] = {{"search-0.html", "search"},
                             {"posting-4100000001.html", "posting"},
                             {"job-4100000001.html", "job"},
                             {"job-4100000004.html", "job"}};
    for (size_t i = 0; i < 4; i++) {
        char *html = page(good[i][0], &len);
        json_object *r = check(html, len, NULL, &ok);
        if (!ok)
            fail_msg("%s: %s", good[i][0], json_object_to_json_string(r));
        assert_string_equal(str_of(r, "kind"), good[i][1]);
        json_object_put(r);
        free(html);
    }

    /* A renamed class is reported by name, with its version and help. */
    char *html = page("search-0.html", &len);
    char *renamed =
        replace(html, "job-search-card__location", "job-card__place");
    json_object *r = check(renamed, strlen(renamed), NULL, &ok);
    assert_false(ok);
    assert_string_equal(str_of(r, "kind"), "search");
    json_object *missing = NULL;
    assert_true(json_object_object_get_ex(r, "missing", &missing));
    assert_int_equal(json_object_array_length(missing), 1);
    json_object *m = json_object_array_get_idx(missing, 0);
    assert_string_equal(str_of(m, "name"), "search.card.location");
    assert_string_equal(str_of(m, "selector"),
                        "span.job-search-card__location");
    assert_string_equal(str_of(m, "version"), "1");
    json_object_put(r);
    free(renamed);

    /* With every card class renamed the page is still recognised. */
    renamed = replace(html, "base-search-card", "job-result-card");
    r = check(renamed, strlen(renamed), NULL, &ok);
    assert_false(ok);
    assert_string_equal(str_of(r, "kind"), "search");
    free(renamed);
    json_object_put(r);
    free(html);

    /* A checkpoint saved instead of a job page says so. */
    html = page("checkpoint.html", &len);
    r = check(html, len, "job", &ok);
    assert_false(ok);
    json_object *st = NULL;
    assert_true(json_object_object_get_ex(r, "state", &st));
    assert_string_equal(
        json_object_get_string(json_object_array_get_idx(st, 0)),
        "state.checkpoint");
    json_object_put(r);
    free(html);

    /* Something that is no LinkedIn page at all. */
    const char *other = "<html><body><p>hello</p></body></html>";
    r = check(other, strlen(other), NULL, &ok);
    assert_false(ok);
    assert_non_null(strstr(str_of(r, "error"), "pass --kind"));
    json_object_put(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_css),
        cmocka_unit_test(test_selectors_file),
        cmocka_unit_test(test_search_page),
        cmocka_unit_test(test_search_outdated),
        cmocka_unit_test(test_posting),
        cmocka_unit_test(test_job_ids),
        cmocka_unit_test(test_check),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
