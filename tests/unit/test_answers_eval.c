/*
 * The answer evaluation set (tests/fixtures/answers/): every question is
 * classified with the shipped rule table (etc/answers/rules.json) and
 * answered from the fixture profile.  Prints precision and recall per
 * slot and the classifier's throughput; fails on any wrong slot, any
 * answer that differs from the expected one, any answer given where the
 * profile lacks the fact (needs_review expected) and any answer from an
 * unrelated slot.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "llm/llm.h"
#include "llm/llm_int.h"
#include "llm/qrules.h"
#include "util/alloc.h"

#define FIXTURES HAWK_SOURCE_DIR "/tests/fixtures/answers"

static int64_t eval_now(void)
{
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    tm.tm_year = 2026 - 1900;
    tm.tm_mon = 5;
    tm.tm_mday = 15;
    return (int64_t)timegm(&tm);
}

static json_object *load_json(const char *path)
{
    json_object *o = json_object_from_file(path);
    if (o == NULL)
        fail_msg("cannot read %s", path);
    return o;
}

static struct hk_qrules *rules(void)
{
    char err[300] = "";
    struct hk_qrules *r = hk_qrules_read(
        HAWK_SOURCE_DIR "/etc/answers/rules.json", err, sizeof(err));
    if (r == NULL)
        fail_msg("%s", err);
    return r;
}

struct tally {
    int tp, fp, fn;
};

/* One question as the evaluation set gives it. */
struct eval_q {
    struct hk_llm_question q;
    const char *opts[16];
    const char *slot;
    const char *expect; /* "answer", "needs_review", "model" */
    json_object *answer;
};

static void read_q(json_object *e, struct eval_q *x)
{
    json_object *v = NULL;
    memset(x, 0, sizeof(*x));
    json_object_object_get_ex(e, "question", &v);
    x->q.text = json_object_get_string(v);
    json_object_object_get_ex(e, "type", &v);
    x->q.type = json_object_get_string(v);
    json_object_object_get_ex(e, "slot", &v);
    x->slot = json_object_get_string(v);
    if (json_object_object_get_ex(e, "options", &v)) {
        size_t n = json_object_array_length(v);
        assert_true(n <= 16);
        for (size_t i = 0; i < n; i++)
            x->opts[i] =
                json_object_get_string(json_object_array_get_idx(v, i));
        x->q.options = x->opts;
        x->q.n_options = n;
    }
    x->expect = "answer";
    if (json_object_object_get_ex(e, "expect", &v))
        x->expect = json_object_get_string(v);
    else
        json_object_object_get_ex(e, "answer", &x->answer);
}

static void test_evaluation_set(void **state)
{
    (void)state;
    struct hk_qrules *r = rules();
    hk_qrules_install(r);
    json_object *profile = load_json(FIXTURES "/profile.json");
    json_object *set = load_json(FIXTURES "/questions.json"), *qs = NULL;
    assert_true(json_object_object_get_ex(set, "questions", &qs));
    size_t n = json_object_array_length(qs);
    assert_true(n >= 150);

    struct tally t[HK_QSLOT_COUNT];
    memset(t, 0, sizeof(t));
    int failures = 0, unrelated = 0;
    for (size_t i = 0; i < n; i++) {
        struct eval_q x;
        struct hk_qslot s;
        json_object *got = NULL;
        char why[200];
        read_q(json_object_array_get_idx(qs, i), &x);
        assert_int_equal(hk_llm_question_check(&x.q, &(struct hawk_error){0}),
                         0);
        hk_qrules_classify(r, x.q.text, x.q.type, &s);
        const char *slot = hk_qslot_name(s.slot);
        bool slot_ok = strcmp(slot, x.slot) == 0;
        for (int k = 0; k < HK_QSLOT_COUNT; k++) {
            if (strcmp(hk_qslot_name(k), x.slot) == 0 && !slot_ok)
                t[k].fn++;
        }
        if (slot_ok)
            t[s.slot].tp++;
        else
            t[s.slot].fp++;
        enum hk_llm_slot_status st = hk_llm_slot_answer(
            profile, &x.q, &s, eval_now(), &got, why, sizeof(why));
        const char *want =
            x.answer != NULL ? json_object_to_json_string(x.answer) : x.expect;
        const char *have = st == HK_LLM_SLOT_ANSWER
                               ? json_object_to_json_string(got)
                           : st == HK_LLM_SLOT_REVIEW ? "needs_review"
                                                      : "model";
        bool ok = slot_ok && strcmp(want, have) == 0;
        if (st == HK_LLM_SLOT_ANSWER && !slot_ok)
            unrelated++;
        if (!ok) {
            failures++;
            printf("MISS %-62.62s slot %s (want %s) answer %s (want %s)%s%s\n",
                   x.q.text, slot, x.slot, have, want, why[0] ? ": " : "", why);
        }
        json_object_put(got);
    }
    printf("%-20s %9s %9s %5s\n", "slot", "precision", "recall", "n");
    for (int k = 0; k < HK_QSLOT_COUNT; k++) {
        int sup = t[k].tp + t[k].fn;
        if (sup == 0 && t[k].fp == 0)
            continue;
        double p =
            t[k].tp + t[k].fp ? 100.0 * t[k].tp / (t[k].tp + t[k].fp) : 100.0;
        double rc = sup ? 100.0 * t[k].tp / sup : 100.0;
        printf("%-20s %8.1f%% %8.1f%% %5d\n", hk_qslot_name(k), p, rc, sup);
    }
    printf("%zu questions, %d wrong, %d answered from an unrelated slot\n", n,
           failures, unrelated);

    /* Throughput of the classifier alone. */
    struct timespec a, b;
    int rounds = 20;
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (int k = 0; k < rounds; k++) {
        for (size_t i = 0; i < n; i++) {
            struct eval_q x;
            struct hk_qslot s;
            read_q(json_object_array_get_idx(qs, i), &x);
            hk_qrules_classify(r, x.q.text, x.q.type, &s);
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &b);
    double secs = (double)(b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9;
    printf("classifier: %.0f questions/s (%zu x %d in %.3f s)\n",
           (double)n * rounds / secs, n, rounds, secs);

    json_object_put(set);
    json_object_put(profile);
    hk_qrules_install(NULL);
    assert_int_equal(unrelated, 0);
    assert_int_equal(failures, 0);
}

/* A broken table names the rule and the problem. */
static void test_bad_tables(void **state)
{
    (void)state;
    static const struct {
        const char *json;
        const char *msg;
    } cases[] = {
        {"[]", "not a JSON object"},
        {"{\"rules\": []}", "'rules' must be a non-empty list"},
        {"{\"rules\": [{\"id\": \"x\", \"slot\": \"shoe_size\", \"any\": "
         "[\"shoe\"]}]}",
         "rule 'x': unknown slot 'shoe_size'"},
        {"{\"rules\": [{\"id\": \"x\", \"slot\": \"email\"}]}",
         "rule 'x': give 'any' or 'all' phrases"},
        {"{\"rules\": [{\"id\": \"x\", \"slot\": \"email\", \"any\": "
         "[\"?!\"]}]}",
         "rule 'x': 'any' entry 1 has no words"},
        {"{\"rules\": [{\"id\": \"x\", \"slot\": \"years_skill\", \"any\": "
         "[\"years\"], \"capture\": [\"{x} years\"]}]}",
         "needs words before {x}"},
        {"{\"rules\": [{\"id\": \"x\", \"slot\": \"email\", \"any\": "
         "[\"mail\"], \"requires\": \"shoe\"}]}",
         "'requires' must be language, region or degree"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char err[300] = "";
        struct hk_qrules *r = hk_qrules_parse(cases[i].json, err, sizeof(err));
        assert_null(r);
        if (strstr(err, cases[i].msg) == NULL)
            fail_msg("case %zu: '%s' lacks '%s'", i, err, cases[i].msg);
    }
    char err[300] = "";
    assert_null(hk_qrules_read("/nonexistent/rules.json", err, sizeof(err)));
    assert_non_null(strstr(err, "/nonexistent/rules.json"));
}

/* Whole words only; '+', '#' and inner dots belong to the word. */
static void test_normalize(void **state)
{
    (void)state;
    char *s = hk_qrules_normalize("  Years of C++, C# & Node.js?  ÄRGER ");
    assert_string_equal(s, "years of c++ c# node.js ärger");
    assert_true(hk_qrules_has_phrase(s, "c++"));
    assert_false(hk_qrules_has_phrase(s, "c"));
    assert_false(hk_qrules_has_phrase(s, "node"));
    assert_true(hk_qrules_has_phrase(s, "years of"));
    assert_false(hk_qrules_has_phrase(s, "year"));
    hk_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_normalize),
        cmocka_unit_test(test_bad_tables),
        cmocka_unit_test(test_evaluation_set),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
