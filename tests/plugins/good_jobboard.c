/*
 * good_jobboard - fixture jobboard plugin with fully deterministic output,
 * for the loader and the workflow tests.  No options, thread-safe.
 *
 * slug(keywords): lower-case, every run of non-alphanumerics becomes one
 * '-', trimmed; "any" when empty.  KW = slug with '-' shown as ' '.
 *
 * search(q): emits jobs i = 1, 2, 3 (in that order):
 *   board        "good_jobboard"
 *   external_id  "<slug>-<i>"
 *   title        "Senior <KW>", "<KW>", "Junior <KW>"
 *   company      "Acme Corp", "Globex", "Initech"
 *   location     q->location, or "Remote" when NULL/empty
 *   workplace    REMOTE, HYBRID, ONSITE
 *   salary       "$150k", "$120k", "$90k"
 *   applicants   10, 20, 30
 *   posted_at    1767225600 (2026-01-01T00:00:00Z) minus (i-1) days
 *   url          "https://jobs.example.test/<external_id>"
 *   easy_apply   true, true, false
 *   description  NULL
 * then applies easy_apply_only, offset and limit (0 = no limit) in that
 * order.  Keywords whose slug is "error" fail with HAWK_EUNAVAIL
 * (retryable, http_status 503, "board unavailable").  A sink returning
 * HAWK_ECANCELED stops the search, which still returns 0.
 *
 * fetch(id): id must be "<slug>-<1..3>"; emits that job with
 *   description "<title> at <company>: build things with <KW>."
 * else HAWK_ENOTFOUND ("no job '<id>'").
 *
 * apply(req): writes {"status":"dry_run"} when req->dry_run, else
 * {"status":"submitted"}; an external_id starting with "fail" fails with
 * HAWK_EUNAVAIL (retryable, "apply failed upstream").
 */
#include <hawk/plugin.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BOARD "good_jobboard"
#define NJOBS 3

static const char *const companies[NJOBS] = {"Acme Corp", "Globex",
                                             "Initech"};
static const char *const salaries[NJOBS] = {"$150k", "$120k", "$90k"};
static const enum hawk_workplace places[NJOBS] = {
    HAWK_WORKPLACE_REMOTE, HAWK_WORKPLACE_HYBRID, HAWK_WORKPLACE_ONSITE};

struct hawk_instance {
    int unused;
};

static struct hawk_instance the_instance;

static void make_slug(const char *kw, char *out, size_t outlen)
{
    size_t n = 0;
    bool dash = false;
    for (const char *p = kw != NULL ? kw : ""; *p != '\0' && n + 2 < outlen;
         p++) {
        unsigned char c = (unsigned char)*p;
        if (isalnum(c)) {
            if (dash && n > 0)
                out[n++] = '-';
            dash = false;
            out[n++] = (char)tolower(c);
        } else {
            dash = true;
        }
    }
    out[n] = '\0';
    if (n == 0)
        snprintf(out, outlen, "any");
}

static void kw_of(const char *slug, char *out, size_t outlen)
{
    snprintf(out, outlen, "%s", slug);
    for (char *p = out; *p != '\0'; p++) {
        if (*p == '-')
            *p = ' ';
    }
}

/* Text of one job; slugs are shorter than 200 bytes. */
struct job_text {
    char id[256];
    char title[512];
    char url[512];
};

/* Fills job i (1-based) for slug; strings point into t. */
static void fill_job(const char *slug, int i, const char *location,
                     struct hawk_job *job, struct job_text *t)
{
    char kw[256];
    kw_of(slug, kw, sizeof(kw));
    snprintf(t->id, sizeof(t->id), "%s-%d", slug, i);
    if (i == 1)
        snprintf(t->title, sizeof(t->title), "Senior %s", kw);
    else if (i == 2)
        snprintf(t->title, sizeof(t->title), "%s", kw);
    else
        snprintf(t->title, sizeof(t->title), "Junior %s", kw);
    snprintf(t->url, sizeof(t->url), "https://jobs.example.test/%s", t->id);
    const char *id = t->id, *title = t->title, *url = t->url;
    memset(job, 0, sizeof(*job));
    job->struct_size = sizeof(*job);
    job->board = BOARD;
    job->external_id = id;
    job->title = title;
    job->company = companies[i - 1];
    job->location = location != NULL && location[0] != '\0' ? location
                                                            : "Remote";
    job->workplace = places[i - 1];
    job->salary = salaries[i - 1];
    job->applicants = 10 * i;
    job->posted_at = 1767225600 - (int64_t)(i - 1) * 86400;
    job->url = url;
    job->easy_apply = i != 3;
}

static int jb_init(const struct hawk_host_api *api, struct hawk_host *host,
                   const struct hawk_config *cfg, struct hawk_instance **out,
                   struct hawk_error *err)
{
    (void)api;
    (void)host;
    (void)cfg;
    (void)err;
    *out = &the_instance;
    return 0;
}

static void jb_fini(struct hawk_instance *in)
{
    (void)in;
}

static int jb_search(struct hawk_instance *in, struct hawk_call *call,
                     const struct hawk_job_query *q, struct hawk_job_sink *out,
                     struct hawk_error *err)
{
    (void)in;
    (void)call;
    char slug[200];
    make_slug(q->keywords, slug, sizeof(slug));
    if (strcmp(slug, "error") == 0) {
        HAWK_ERR_SET(err, HAWK_EUNAVAIL, true, 503, "board unavailable");
        return HAWK_EUNAVAIL;
    }
    int skipped = 0, emitted = 0;
    for (int i = 1; i <= NJOBS; i++) {
        struct hawk_job job;
        struct job_text t;
        fill_job(slug, i, q->location, &job, &t);
        if (q->easy_apply_only && !job.easy_apply)
            continue;
        if (skipped < q->offset) {
            skipped++;
            continue;
        }
        if (q->limit > 0 && emitted >= q->limit)
            break;
        int rc = out->emit(out, &job);
        if (rc == HAWK_ECANCELED)
            return 0;
        if (rc < 0)
            return rc;
        emitted++;
    }
    return 0;
}

static int jb_fetch(struct hawk_instance *in, struct hawk_call *call,
                    const char *external_id, struct hawk_job_sink *out,
                    struct hawk_error *err)
{
    (void)in;
    (void)call;
    const char *dash = strrchr(external_id, '-');
    int i = dash != NULL && dash[1] >= '1' && dash[1] <= '3' && dash[2] == '\0'
                ? dash[1] - '0'
                : 0;
    size_t slen = dash != NULL ? (size_t)(dash - external_id) : 0;
    char slug[200];
    if (i == 0 || slen == 0 || slen >= sizeof(slug)) {
        HAWK_ERR_SET(err, HAWK_ENOTFOUND, false, 404, "no job '%.100s'",
                     external_id);
        return HAWK_ENOTFOUND;
    }
    memcpy(slug, external_id, slen);
    slug[slen] = '\0';
    char check[200];
    make_slug(slug, check, sizeof(check));
    if (strcmp(check, slug) != 0) {
        HAWK_ERR_SET(err, HAWK_ENOTFOUND, false, 404, "no job '%.100s'",
                     external_id);
        return HAWK_ENOTFOUND;
    }
    struct hawk_job job;
    struct job_text t;
    char desc[1200], kw[256];
    fill_job(slug, i, NULL, &job, &t);
    kw_of(slug, kw, sizeof(kw));
    snprintf(desc, sizeof(desc), "%s at %s: build things with %s.", t.title,
             job.company, kw);
    job.description = desc;
    int rc = out->emit(out, &job);
    return rc == HAWK_ECANCELED ? 0 : rc;
}

static int jb_apply(struct hawk_instance *in, struct hawk_call *call,
                    const struct hawk_apply_req *req,
                    struct hawk_text_sink *result_json,
                    struct hawk_error *err)
{
    (void)in;
    (void)call;
    if (req->external_id != NULL &&
        strncmp(req->external_id, "fail", 4) == 0) {
        HAWK_ERR_SET(err, HAWK_EUNAVAIL, true, 503, "apply failed upstream");
        return HAWK_EUNAVAIL;
    }
    const char *body = req->dry_run ? "{\"status\":\"dry_run\"}"
                                    : "{\"status\":\"submitted\"}";
    return result_json->write(result_json, body, strlen(body));
}

static const struct hawk_jobboard_ops ops = {
    .struct_size = sizeof(struct hawk_jobboard_ops),
    .search = jb_search,
    .fetch = jb_fetch,
    .apply = jb_apply,
};

HAWK_PLUGIN_DEFINE = {
    HAWK_PLUGIN_HEADER,
    .name = "good_jobboard",
    .version = "1.0.0",
    .description = "deterministic job board for tests",
    .kind = HAWK_KIND_JOBBOARD,
    .flags = HAWK_PLUGIN_THREADSAFE,
    .config_keys = NULL,
    .init = jb_init,
    .fini = jb_fini,
    .ops = &ops,
};
