/*
 * Tests of the linkedin plugin's form helpers (plugins/linkedin/
 * li_util.c): question keys the way the host normalizes them, labels
 * LinkedIn repeats for screen readers, and answers quoted as XPath string
 * literals (checked by letting libxml2 evaluate them).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <libxml/parser.h>
#include <libxml/xpath.h>

#include "linkedin.h"

static void key_is(const char *in, const char *want)
{
    char *k = li_question_key(in);
    assert_string_equal(k, want);
    free(k);
}

static void test_question_key(void **state)
{
    (void)state;
    key_is("How many years of work experience do you have with C?",
           "how many years of work experience do you have with c");
    key_is("  Mobile phone number*  ", "mobile phone number");
    key_is("E-mail (required)", "e mail required");
    key_is("Gehalt in \xe2\x82\xac?", "gehalt in \xe2\x82\xac");
    key_is("", "");
    key_is("?!", "");
}

static void undoubled(const char *in, const char *want)
{
    char *s = li_xstrdup(in);
    li_undouble(s);
    assert_string_equal(s, want);
    free(s);
}

static void test_undouble(void **state)
{
    (void)state;
    undoubled("Email address Email address", "Email address");
    undoubled("Phone country codePhone country code", "Phone country code");
    undoubled("City", "City");
    undoubled("No No thanks", "No No thanks");
    undoubled("aa", "a");
    undoubled("", "");
}

/* Evaluates the literal of s with libxml2 and compares the string. */
static void literal_round_trip(const char *s)
{
    struct li_buf b;
    li_buf_init(&b, 0);
    assert_int_equal(li_xpath_literal(s, &b), 0);
    xmlDocPtr doc = xmlReadMemory("<a/>", 4, "x.xml", NULL, 0);
    xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
    xmlXPathObjectPtr o =
        xmlXPathEvalExpression((const xmlChar *)li_buf_str(&b), ctx);
    assert_non_null(o);
    assert_int_equal(o->type, XPATH_STRING);
    assert_string_equal((const char *)o->stringval, s);
    xmlXPathFreeObject(o);
    xmlXPathFreeContext(ctx);
    xmlFreeDoc(doc);
    li_buf_free(&b);
}

static void test_xpath_literal(void **state)
{
    (void)state;
    literal_round_trip("Yes");
    literal_round_trip("I'm authorized");
    literal_round_trip("say \"hi\"");
    literal_round_trip("it's \"both\"");
    literal_round_trip("''\"'");
    literal_round_trip("");
    struct li_buf b;
    li_buf_init(&b, 0);
    assert_int_equal(li_xpath_literal("it's", &b), 0);
    assert_string_equal(li_buf_str(&b), "\"it's\"");
    li_buf_free(&b);
}

int main(void)
{
    xmlInitParser();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_question_key),
        cmocka_unit_test(test_undouble),
        cmocka_unit_test(test_xpath_literal),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    xmlCleanupParser();
    return rc;
}
