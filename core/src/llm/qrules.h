/*
 * llm/qrules.h - typed question matching: every application question is
 * classified into a slot (a contact field, years with a named skill, work
 * authorization, ...) by a rule table kept as data (etc/answers/
 * rules.json), with whole-word phrases, required groups and negative
 * phrases per language, so that "email marketing" is not the email
 * address and "join us" is not a start date.  A question no rule
 * classifies is free text (or yes/no, or a choice) for the LLM, never a
 * guess at a slot.
 */
#ifndef HK_LLM_QRULES_H
#define HK_LLM_QRULES_H

#include <stdbool.h>
#include <stddef.h>

/* The slots, in the order of their names in hk_qslot_name(). */
#define HK_QSLOT_LIST(X)                                                       \
    X(FREE_TEXT, "free_text")                                                  \
    X(YES_NO, "yes_no")                                                        \
    X(CHOICE, "choice")                                                        \
    X(EMAIL, "email")                                                          \
    X(PHONE, "phone")                                                          \
    X(PHONE_COUNTRY_CODE, "phone_country_code")                                \
    X(FIRST_NAME, "first_name")                                                \
    X(LAST_NAME, "last_name")                                                  \
    X(FULL_NAME, "full_name")                                                  \
    X(CITY, "city")                                                            \
    X(COUNTRY, "country")                                                      \
    X(ADDRESS, "address")                                                      \
    X(POSTAL_CODE, "postal_code")                                              \
    X(LINKEDIN, "linkedin")                                                    \
    X(GITHUB, "github")                                                        \
    X(WEBSITE, "website")                                                      \
    X(YEARS_TOTAL, "years_total")                                              \
    X(YEARS_SKILL, "years_skill")                                              \
    X(YEARS_MANAGEMENT, "years_management")                                    \
    X(HAS_SKILL, "has_skill")                                                  \
    X(WORK_AUTHORIZATION, "work_authorization")                                \
    X(SPONSORSHIP, "sponsorship")                                              \
    X(RELOCATION, "relocation")                                                \
    X(REMOTE, "remote")                                                        \
    X(NOTICE_PERIOD, "notice_period")                                          \
    X(START_DATE, "start_date")                                                \
    X(SALARY, "salary")                                                        \
    X(DEGREE, "degree")                                                        \
    X(EDUCATION_LEVEL, "education_level")                                      \
    X(LANGUAGE, "language")                                                    \
    X(MOTIVATION, "motivation")

enum hk_qslot_id {
#define HK_QSLOT_ENUM(id, name) HK_QSLOT_##id,
    HK_QSLOT_LIST(HK_QSLOT_ENUM)
#undef HK_QSLOT_ENUM
        HK_QSLOT_COUNT
};

/* The scope an answer to a slot is valid in: the same for every
 * application (an email address), for one company ("why us"), or for one
 * job. */
enum hk_qscope { HK_QSCOPE_GLOBAL = 0, HK_QSCOPE_COMPANY, HK_QSCOPE_JOB };

/* What a question was classified as. */
struct hk_qslot {
    enum hk_qslot_id slot;
    char rule[48];     /* the matching rule's id ("" when none matched) */
    char term[64];     /* years_skill/has_skill: the skill named; "" none */
    char region[24];   /* work_authorization/sponsorship: "us", "eu"... */
    char language[24]; /* language: the language asked about */
    char degree[24];   /* degree: the level asked about ("bachelor") */
    int degree_rank;   /* its rank in the table (0: none) */
};

struct hk_qrules;

/* Parses a rule table (the JSON text of etc/answers/rules.json).  NULL
 * with err naming the entry and the problem (an unknown slot, a phrase
 * that normalizes to nothing, a missing member).  Caller frees with
 * hk_qrules_free. */
struct hk_qrules *hk_qrules_parse(const char *json_text, char *err,
                                  size_t errlen);
/* Reads and parses path.  NULL with err (naming the file) on failure.
 * Caller frees with hk_qrules_free. */
struct hk_qrules *hk_qrules_read(const char *path, char *err, size_t errlen);
void hk_qrules_free(struct hk_qrules *r);

/* The table loaded at start-up by hk_llm_init (NULL before).  Immutable
 * between hk_qrules_install and the next install, which run before
 * worker threads start and after they stop. */
const struct hk_qrules *hk_qrules_current(void);
/* Makes r the current table (takes ownership; frees the old one). */
void hk_qrules_install(struct hk_qrules *r);

/* Classifies question text of input type (text, number, yes_no, ...)
 * with r into *out.  Thread-safe (r is read-only). */
void hk_qrules_classify(const struct hk_qrules *r, const char *text,
                        const char *type, struct hk_qslot *out);

/* The name of a slot ("years_skill"); "free_text" for out-of-range. */
const char *hk_qslot_name(enum hk_qslot_id id);
/* The scope answers to the slot are cached and reused in. */
enum hk_qscope hk_qslot_scope(enum hk_qslot_id id);

/* True when the term names total experience ("work", "professional",
 * "" ...) rather than a skill. */
bool hk_qrules_total_term(const struct hk_qrules *r, const char *term);

/* Rank of a degree level named in text (an education_level from the
 * resume such as "MSc" or "Bachelor of Arts"): 0 when none is named. */
int hk_qrules_degree_rank(const struct hk_qrules *r, const char *text);

/* True when text names language (a name from the table, "german"). */
bool hk_qrules_names_language(const struct hk_qrules *r, const char *text,
                              const char *language);

/* Normalizes text for matching: lower case (ASCII and Latin-1 letters),
 * words of letters, digits, '+' and '#' ("c++", "c#") and inner '.'
 * ("node.js"), separated by one space.  Caller hk_free()s. */
char *hk_qrules_normalize(const char *text);

/* True when phrase (normalized) occurs in text (normalized) as whole
 * words. */
bool hk_qrules_has_phrase(const char *text, const char *phrase);

#endif
