/*
 * platform/jobconfigs/filters.h - the job filter engine shared by job search
 * configurations (/job-configs/{id}/preview), the workflow runner
 * (hawk.blacklisted) and the search pipeline.
 *
 * A list entry is either a phrase, matched case-insensitively on whole
 * words ("Java" does not match "JavaScript", "C++" matches "C++ dev"), or
 * "/regex/": a POSIX extended regular expression matched
 * case-insensitively anywhere in the text.
 */
#ifndef HK_PLATFORM_JOBCONFIGS_FILTERS_H
#define HK_PLATFORM_JOBCONFIGS_FILTERS_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

#define HK_JOBCONFIGS_FILTER_MAX_ENTRY 200

/* Compiled-regex cache.  Not thread-safe: one per request or per run. */
struct hk_jobconfigs_filter;

/* Caller frees with hk_jobconfigs_filter_free(). */
struct hk_jobconfigs_filter *hk_jobconfigs_filter_new(void);
/* Accepts NULL. */
void hk_jobconfigs_filter_free(struct hk_jobconfigs_filter *ctx);

/* True when entry has the "/regex/" form. */
bool hk_jobconfigs_filter_is_regex(const char *entry);

/* Checks that entry is usable: non-blank, at most HK_JOBCONFIGS_FILTER_MAX_ENTRY
 * bytes, and for "/regex/" a pattern regcomp() accepts.  Returns 0 or
 * HAWK_EINVAL with a reason in msg. */
int hk_jobconfigs_filter_entry_check(const char *entry, char *msg,
                                     size_t msglen);

/* Matches one entry against text.  ctx may be NULL (no caching).
 * Returns 1 on a match, 0 on none, HAWK_EINVAL for an invalid regex. */
int hk_jobconfigs_filter_match(struct hk_jobconfigs_filter *ctx,
                               const char *entry, const char *text);

struct hk_jobconfigs_filter_result {
    char rule[48]; /* "title_blacklist", "job_applicants_threshold", ... */
    char entry[HK_JOBCONFIGS_FILTER_MAX_ENTRY +
               1]; /* the list entry that decided */
    char why[512]; /* one sentence for people */
};

/* Evaluates a job search configuration (the JSON of /job-configs) against
 * a job ({title, company, location, description, workplace, applicants}),
 * rule by rule in a fixed order: company_blacklist, title_blacklist,
 * title_whitelist, location_blacklist, description_blacklist, workplace
 * (remote/hybrid/onsite), job_applicants_threshold.  Both objects are
 * borrowed.  Returns 0 when the job passes, 1 when a rule skips it (res
 * filled), HAWK_EINVAL for an invalid regex in the configuration (res->rule
 * and res->entry name it). */
int hk_jobconfigs_filter_eval(struct hk_jobconfigs_filter *ctx,
                              const json_object *config, const json_object *job,
                              struct hk_jobconfigs_filter_result *res);

/* Convenience form of hk_jobconfigs_filter_eval with a private cache: 0 passes, 1
 * skipped (why gets "<rule>: <reason>"), HAWK_EINVAL invalid config. */
int hk_jobconfigs_filter_check(const json_object *config,
                               const json_object *job, char *why,
                               size_t whylen);

#endif
