/*
 * plugins/linkedin/li_search.c - search without login through the guest
 * endpoints, with every filter LinkedIn's job search offers, paging until
 * the configured maximum, an empty page or a page with nothing new; and
 * job details on demand.
 *
 *   /jobs-guest/jobs/api/seeMoreJobPostings/search?keywords=&location=
 *     &distance=&f_TPR=r<seconds>&f_E=1,2&f_JT=F,C&f_WT=1,2&f_AL=true
 *     &f_C=<company ids>&pageNum=0&start=<offset>
 *   /jobs-guest/jobs/api/jobPosting/<id>
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "li_instance.h"

struct code_map {
    const char *name;
    const char *alias;
    const char *code;
};

static const struct code_map levels[] = {
    {"internship", NULL, "1"}, {"entry", "entry_level", "2"},
    {"associate", NULL, "3"},  {"mid_senior", "mid-senior", "4"},
    {"director", NULL, "5"},   {"executive", NULL, "6"},
    {NULL, NULL, NULL}};

static const struct code_map types[] = {{"full_time", "full-time", "F"},
                                        {"part_time", "part-time", "P"},
                                        {"contract", NULL, "C"},
                                        {"temporary", NULL, "T"},
                                        {"internship", NULL, "I"},
                                        {"volunteer", NULL, "V"},
                                        {"other", NULL, "O"},
                                        {NULL, NULL, NULL}};

/* Appends the codes of a comma list of names ("entry,associate" ->
 * "2,3"); HAWK_EINVAL naming an unknown one. */
static int map_list(const char *list, const struct code_map *map,
                    const char *what, struct li_buf *out,
                    struct hawk_error *err)
{
    const char *p = list;
    bool first = true;
    while (p != NULL && *p != '\0') {
        size_t n = strcspn(p, ",");
        char item[40];
        while (n > 0 && *p == ' ') {
            p++;
            n--;
        }
        size_t m = n;
        while (m > 0 && p[m - 1] == ' ')
            m--;
        if (m > 0) {
            if (m >= sizeof(item))
                m = sizeof(item) - 1;
            memcpy(item, p, m);
            item[m] = '\0';
            const struct code_map *c = map;
            while (c->name != NULL && strcmp(c->name, item) != 0 &&
                   (c->alias == NULL || strcmp(c->alias, item) != 0))
                c++;
            if (c->name == NULL) {
                char all[200] = "";
                for (const struct code_map *k = map; k->name != NULL; k++) {
                    size_t l = strlen(all);
                    snprintf(all + l, sizeof(all) - l, "%s%s",
                             k == map ? "" : ", ", k->name);
                }
                HAWK_ERR_SET(err, HAWK_EINVAL, false, 0,
                             "unknown %s '%.40s' (use %s)", what, item, all);
                return HAWK_EINVAL;
            }
            if (strstr(li_buf_str(out), c->code) == NULL) {
                (void)li_buf_puts(out, first ? "" : ",");
                (void)li_buf_puts(out, c->code);
                first = false;
            }
        }
        p += n;
        if (*p == ',')
            p++;
    }
    return 0;
}

/* A comma list of numeric company ids, each checked. */
static int company_list(const char *ids, struct li_buf *out,
                        struct hawk_error *err)
{
    const char *p = ids;
    int n = 0;
    while (*p != '\0') {
        size_t k = strcspn(p, ",");
        if (k == 0 || k > 19 || strspn(p, "0123456789") < k || ++n > 50) {
            HAWK_ERR_SET(err, HAWK_EINVAL, false, 0,
                         "company ids must be a comma list of up to 50 "
                         "numeric LinkedIn company ids");
            return HAWK_EINVAL;
        }
        (void)li_buf_add(out, p, k);
        p += k;
        if (*p == ',') {
            (void)li_buf_puts(out, ",");
            p++;
        }
    }
    return 0;
}

static void param(struct li_buf *url, const char *name, const char *value)
{
    (void)li_buf_printf(url, "&%s=", name);
    (void)li_buf_urlenc(url, value);
}

/* See li_instance.h. */
int li_search_url(const struct hawk_instance *in,
                  const struct hawk_job_query *q, const char *company_ids,
                  int start, struct li_buf *url, struct hawk_error *err)
{
    struct li_buf tmp;
    int rc = 0;
    li_buf_init(&tmp, 4096);
    li_buf_reset(url);
    (void)li_buf_printf(url,
                        "%s/jobs-guest/jobs/api/seeMoreJobPostings/"
                        "search?keywords=",
                        in->base_url);
    if (q->keywords != NULL)
        (void)li_buf_urlenc(url, q->keywords);
    if (q->location != NULL && q->location[0] != '\0') {
        param(url, "location", q->location);
        int d =
            q->distance_miles > 0 ? q->distance_miles : in->default_distance;
        (void)li_buf_printf(url, "&distance=%d", d);
    }
    if (q->posted_within_s > 0)
        (void)li_buf_printf(url, "&f_TPR=r%d", q->posted_within_s);
    if (q->experience != NULL && q->experience[0] != '\0') {
        rc = map_list(q->experience, levels, "experience level", &tmp, err);
        if (rc < 0)
            goto out;
        if (tmp.len > 0)
            param(url, "f_E", li_buf_str(&tmp));
    }
    li_buf_reset(&tmp);
    if (q->job_types != NULL && q->job_types[0] != '\0') {
        rc = map_list(q->job_types, types, "job type", &tmp, err);
        if (rc < 0)
            goto out;
        if (tmp.len > 0)
            param(url, "f_JT", li_buf_str(&tmp));
    }
    li_buf_reset(&tmp);
    static const int modes[] = {HAWK_WORKPLACE_ONSITE, HAWK_WORKPLACE_REMOTE,
                                HAWK_WORKPLACE_HYBRID};
    for (size_t i = 0; i < 3; i++) {
        if (q->workplace_mask & (1u << modes[i]))
            (void)li_buf_printf(&tmp, "%s%d", tmp.len ? "," : "", modes[i]);
    }
    if (tmp.len > 0)
        param(url, "f_WT", li_buf_str(&tmp));
    if (q->easy_apply_only)
        (void)li_buf_puts(url, "&f_AL=true");
    li_buf_reset(&tmp);
    if (company_ids != NULL && company_ids[0] != '\0') {
        rc = company_list(company_ids, &tmp, err);
        if (rc < 0)
            goto out;
        param(url, "f_C", li_buf_str(&tmp));
    }
    (void)li_buf_printf(url, "&pageNum=0&start=%d", start);
out:
    li_buf_free(&tmp);
    return rc;
}

/* See li_instance.h. */
int li_outdated_error(const struct hawk_instance *in,
                      const struct li_outdated *o, const char *where,
                      struct hawk_error *err)
{
    in->api->log(in->host, HAWK_LOG_ERROR,
                 "linkedin: board_outdated: selector '%s' (version %d) "
                 "matched nothing on %s",
                 o->name, o->version, where);
    in->api->metric_add(in->host, "hawk_linkedin_outdated_total", NULL, 1);
    HAWK_ERR_SET(err, HAWK_EPROTO, false, 0,
                 "board_outdated: selector '%s' (version %d) matched nothing "
                 "on %s; LinkedIn changed its page: update it in %s and "
                 "test with `hawk plugins check linkedin --page FILE`",
                 o->name, o->version, where, in->sel->origin);
    return HAWK_EPROTO;
}

/* Emits one card as a job. */
static int emit_card(struct hawk_instance *in, const struct li_card *c,
                     const struct hawk_job_query *q, struct hawk_job_sink *out)
{
    int workplace = c->workplace;
    /* A search for exactly one mode returns only that mode. */
    unsigned m = q->workplace_mask;
    if (m == (1u << HAWK_WORKPLACE_REMOTE))
        workplace = HAWK_WORKPLACE_REMOTE;
    else if (m == (1u << HAWK_WORKPLACE_HYBRID))
        workplace = HAWK_WORKPLACE_HYBRID;
    else if (m == (1u << HAWK_WORKPLACE_ONSITE))
        workplace = HAWK_WORKPLACE_ONSITE;
    char *url = li_xasprintf("%s/jobs/view/%s/", in->base_url, c->id);
    struct hawk_job j = {
        .struct_size = sizeof(j),
        .board = in->board,
        .external_id = c->id,
        .title = c->title,
        .company = c->company != NULL ? c->company : "",
        .location = c->location != NULL ? c->location : "",
        .workplace = (enum hawk_workplace)workplace,
        .salary = c->salary,
        .applicants = -1,
        .posted_at = c->posted_at,
        .description = NULL,
        .url = url,
        .easy_apply =
            q->easy_apply_only ||
            (c->benefits != NULL && li_icontains(c->benefits, "easy apply")),
    };
    int rc = out->emit(out, &j);
    free(url);
    return rc;
}

/* Seen ids of one search (pages overlap when new postings arrive). */
struct seen {
    char **v;
    size_t n, cap;
};

static bool seen_add(struct seen *s, const char *id)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->v[i], id) == 0)
            return false;
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 64;
        s->v = li_xrealloc(s->v, s->cap * sizeof(char *));
    }
    s->v[s->n++] = li_xstrdup(id);
    return true;
}

static void seen_free(struct seen *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->v[i]);
    free(s->v);
}

/* See li_instance.h. */
int li_op_search(struct hawk_instance *in, struct hawk_call *call,
                 const struct hawk_job_query *q, struct hawk_job_sink *out,
                 struct hawk_error *err)
{
    const struct hawk_host_api *api = in->api;
    struct li_buf url, body;
    struct seen seen = {0};
    int limit = q->limit > 0 ? q->limit : in->max_results;
    if (limit > LI_RESULTS_CAP)
        limit = LI_RESULTS_CAP;
    int start = q->offset > 0 ? q->offset : 0;
    int emitted = 0, pages = 0, rc = 0;
    const char *companies = NULL;

    li_buf_init(&url, 16384);
    li_buf_init(&body, LI_PAGE_MAX);
    while (emitted < limit && pages < in->max_pages) {
        if (api->call_cancelled(call)) {
            HAWK_ERR_SET(err, HAWK_ECANCELED, false, 0, "search cancelled");
            rc = HAWK_ECANCELED;
            break;
        }
        if (pages > 0) {
            /* Between pages as a person would: 3-7 s by default. */
            rc = li_pause(in, call, in->page_delay_min_ms,
                          in->page_delay_max_ms);
            if (rc < 0) {
                HAWK_ERR_SET(err, rc, rc == HAWK_ETIMEDOUT, 0,
                             "search %s after %d page%s",
                             rc == HAWK_ECANCELED ? "cancelled" : "timed out",
                             pages, pages == 1 ? "" : "s");
                break;
            }
        }
        rc = li_search_url(in, q, companies, start, &url, err);
        if (rc < 0)
            break;
        int status = 0;
        rc = li_http_get(in, call, li_buf_str(&url), &body, &status, err);
        if (rc < 0)
            break;
        if (status != 200) {
            HAWK_ERR_SET(err, status == 400 ? HAWK_EINVAL : HAWK_EPROTO, false,
                         status, "linkedin search answered http %d", status);
            rc = status == 400 ? HAWK_EINVAL : HAWK_EPROTO;
            break;
        }
        struct li_cards cards;
        struct li_outdated o;
        rc = li_parse_search(in->sel, li_buf_str(&body), body.len, &cards, &o);
        if (rc == HAWK_EPROTO && o.name[0] != '\0') {
            rc = li_outdated_error(in, &o, "the search result page", err);
            break;
        }
        if (rc < 0) {
            HAWK_ERR_SET(err, rc, false, 0, "cannot parse a search page");
            break;
        }
        pages++;
        api->metric_add(in->host, "hawk_linkedin_search_pages_total", NULL, 1);
        if (cards.empty_page || cards.n == 0) {
            li_cards_free(&cards);
            break;
        }
        size_t fresh = 0;
        for (size_t i = 0; i < cards.n && emitted < limit; i++) {
            if (!seen_add(&seen, cards.v[i].id))
                continue;
            fresh++;
            int erc = emit_card(in, &cards.v[i], q, out);
            if (erc == HAWK_ECANCELED) {
                emitted = limit; /* the host has enough */
                break;
            }
            if (erc < 0) {
                HAWK_ERR_SET(err, erc, false, 0, "the host refused a job: %s",
                             hawk_strerror(erc));
                rc = erc;
                break;
            }
            emitted++;
        }
        start += (int)cards.n;
        li_cards_free(&cards);
        /* Nothing new on a page: the results repeat, stop here. */
        if (rc < 0 || fresh == 0)
            break;
    }
    api->log(in->host, HAWK_LOG_INFO,
             "linkedin: search found %d job%s in %d page%s", emitted,
             emitted == 1 ? "" : "s", pages, pages == 1 ? "" : "s");
    seen_free(&seen);
    li_buf_free(&url);
    li_buf_free(&body);
    return rc;
}

/* See li_instance.h. */
int li_op_fetch(struct hawk_instance *in, struct hawk_call *call,
                const char *external_id, struct hawk_job_sink *out,
                struct hawk_error *err)
{
    char id[24];
    if (li_job_id_from_url(external_id, id, sizeof(id)) < 0) {
        HAWK_ERR_SET(err, HAWK_EINVAL, false, 0,
                     "'%.80s' is not a LinkedIn job id or job URL",
                     external_id != NULL ? external_id : "");
        return HAWK_EINVAL;
    }
    struct li_buf body;
    li_buf_init(&body, LI_PAGE_MAX);
    char *url =
        li_xasprintf("%s/jobs-guest/jobs/api/jobPosting/%s", in->base_url, id);
    int status = 0;
    int rc = li_http_get(in, call, url, &body, &status, err);
    free(url);
    if (rc == 0 && (status == 404 || status == 410)) {
        HAWK_ERR_SET(err, HAWK_ENOTFOUND, false, status,
                     "linkedin job %s no longer exists", id);
        rc = HAWK_ENOTFOUND;
    } else if (rc == 0 && status != 200) {
        HAWK_ERR_SET(err, HAWK_EPROTO, status >= 500, status,
                     "linkedin answered http %d for job %s", status, id);
        rc = HAWK_EPROTO;
    }
    struct li_posting p;
    struct li_outdated o;
    memset(&o, 0, sizeof(o));
    if (rc == 0) {
        rc = li_parse_posting(in->sel, li_buf_str(&body), body.len, &p, &o);
        if (rc == HAWK_EPROTO && o.name[0] != '\0')
            rc = li_outdated_error(in, &o, "the job posting page", err);
        else if (rc < 0)
            HAWK_ERR_SET(err, rc, false, 0, "cannot parse job %s", id);
    }
    if (rc == 0) {
        /* The criteria LinkedIn shows, kept with the description so the
         * scorer and the user see them. */
        struct li_buf d;
        li_buf_init(&d, (size_t)2 << 20);
        (void)li_buf_puts(&d, p.description);
        const char *names[] = {"Seniority level", "Employment type",
                               "Job function", "Industries"};
        const char *vals[] = {p.seniority, p.employment_type, p.job_function,
                              p.industries};
        bool head = false;
        for (size_t i = 0; i < 4; i++) {
            if (vals[i] == NULL)
                continue;
            if (!head)
                (void)li_buf_puts(&d, "\n\n");
            head = true;
            (void)li_buf_printf(&d, "%s: %s\n", names[i], vals[i]);
        }
        char *job_url = li_xasprintf("%s/jobs/view/%s/", in->base_url, id);
        struct hawk_job j = {
            .struct_size = sizeof(j),
            .board = in->board,
            .external_id = id,
            .title = p.title,
            .company = p.company,
            .location = p.location,
            .workplace = (enum hawk_workplace)(
                li_icontains(p.location, "remote")   ? HAWK_WORKPLACE_REMOTE
                : li_icontains(p.location, "hybrid") ? HAWK_WORKPLACE_HYBRID
                                                     : HAWK_WORKPLACE_ANY),
            .salary = p.salary,
            .applicants = p.applicants,
            .posted_at = 0,
            .description = li_buf_str(&d),
            .url = job_url,
            .easy_apply = p.easy_apply && !p.offsite,
        };
        int erc = out->emit(out, &j);
        if (erc < 0 && erc != HAWK_ECANCELED) {
            HAWK_ERR_SET(err, erc, false, 0, "the host refused the job: %s",
                         hawk_strerror(erc));
            rc = erc;
        }
        free(job_url);
        li_buf_free(&d);
        li_posting_free(&p);
    }
    li_buf_free(&body);
    return rc;
}
