/*
 * platform/platform.h - the job platform's resources, created together:
 * plans (plans/), job postings (jobs/), applications (applications/), job
 * search configurations (jobconfigs/) and resumes (resumes/).  Each is a
 * module of its own with a domain file (SQL and rules) and a routes file
 * (HTTP); this is only where they are made in the order their
 * dependencies ask for, and where their routes are registered.
 */
#ifndef HK_PLATFORM_H
#define HK_PLATFORM_H

#include "platform/applications/applications.h"
#include "platform/jobconfigs/jobconfigs.h"
#include "platform/jobs/jobs.h"
#include "platform/plans/plans.h"
#include "platform/resumes/resumes.h"

struct hk_db;
struct hk_err;
struct hk_router;

/* The typed configuration of the platform's modules. */
struct hk_platform_cfg {
    struct hk_plans_cfg plans;
    struct hk_resumes_cfg resumes;
};

struct hk_platform {
    struct hk_plans *plans;
    struct hk_jobs *jobs;
    struct hk_applications *applications;
    struct hk_jobconfigs *jobconfigs;
    struct hk_resumes *resumes;
};

/* Fills cfg with the defaults of the configuration schema's rows
 * (plans.trial_days, uploads.max_resume_size), for a platform made
 * without a configuration file (tests, benchmarks). */
void hk_platform_cfg_defaults(struct hk_platform_cfg *cfg);

/* Creates every module on db (borrowed; may be NULL, then operations that
 * need the database fail with HAWK_EUNAVAIL).  Caller frees with
 * hk_platform_free(). */
int hk_platform_new(const struct hk_platform_cfg *cfg, struct hk_db *db,
                    struct hk_platform **out, struct hk_err *err);
/* Accepts NULL. */
void hk_platform_free(struct hk_platform *pf);

/* Registers every module's routes on r; pf must outlive r. */
void hk_platform_routes(struct hk_router *r, struct hk_platform *pf);

#endif
