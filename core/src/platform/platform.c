/*
 * platform/platform.c - registers the job platform's routes.
 */
#include "platform/platform.h"

#include "platform/pf.h"

/* See platform.h. */
void hk_platform_routes(struct hk_router *r)
{
    hk_pf_resume_routes(r);
    hk_pf_jobconfig_routes(r);
    hk_pf_job_routes(r);
    hk_pf_application_routes(r);
    hk_pf_stats_routes(r);
    hk_pf_plan_routes(r);
}
