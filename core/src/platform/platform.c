/*
 * platform/platform.c - makes the platform's modules and registers their
 * routes (see platform.h).
 */
#include "platform/platform.h"

#include <string.h>

#include "config/config.h"
#include "util/alloc.h"
#include "util/err.h"
#include "util/str.h"
#include "util/time.h"

/* The schema's default of a numeric row (a size in bytes for SIZE). */
static int64_t schema_default(const char *path)
{
    const struct hk_cfg_field *f = hk_config_field(path);
    int64_t v = 0;
    if (f == NULL || f->default_value == NULL)
        return 0;
    if (f->type == HK_CFG_SIZE)
        (void)hk_parse_size(f->default_value, &v);
    else
        (void)hk_parse_i64(f->default_value, INT64_MIN, INT64_MAX, &v);
    return v;
}

/* See platform.h. */
void hk_platform_cfg_defaults(struct hk_platform_cfg *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->plans.trial_days = schema_default("plans.trial_days");
    cfg->resumes.max_resume_size =
        (size_t)schema_default("uploads.max_resume_size");
}

/* See platform.h. */
int hk_platform_new(const struct hk_platform_cfg *cfg, struct hk_db *db,
                    struct hk_platform **out, struct hk_err *err)
{
    struct hk_platform *pf = hk_calloc(1, sizeof(*pf));
    *out = NULL;
    int rc = hk_plans_new(&cfg->plans, db, &pf->plans, err);
    if (rc == 0)
        rc = hk_jobs_new(db, &pf->jobs, err);
    if (rc == 0)
        rc = hk_applications_new(db, pf->plans, &pf->applications, err);
    if (rc == 0)
        rc = hk_jobconfigs_new(db, pf->plans, pf->applications, &pf->jobconfigs,
                               err);
    if (rc == 0)
        rc = hk_resumes_new(&cfg->resumes, db, pf->plans, &pf->resumes, err);
    if (rc < 0) {
        hk_platform_free(pf);
        return rc;
    }
    *out = pf;
    return 0;
}

/* See platform.h. */
void hk_platform_free(struct hk_platform *pf)
{
    if (pf == NULL)
        return;
    /* the reverse of the order they were made in */
    hk_resumes_free(pf->resumes);
    hk_jobconfigs_free(pf->jobconfigs);
    hk_applications_free(pf->applications);
    hk_jobs_free(pf->jobs);
    hk_plans_free(pf->plans);
    hk_free(pf);
}

/* See platform.h. */
void hk_platform_routes(struct hk_router *r, struct hk_platform *pf)
{
    /* the order the routes were always listed in */
    hk_resumes_routes(r, pf->resumes);
    hk_jobconfigs_routes(r, pf->jobconfigs);
    hk_jobs_routes(r, pf->jobs);
    hk_applications_routes(r, pf->applications);
    hk_plans_routes(r, pf->plans);
}
