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
 * HAWK_EUNAVAIL (retryable, "apply failed upstream").  Further, by the
 * external_id's prefix (not for dry runs):
 *   "refuse"  fails with HAWK_EINVAL (permanent, http_status 422,
 *             "the board refused the application")
 *   "ask"     {"status":"submitted","questions":[{"question":"Years of C?",
 *             "type":"number","answer":"10"},"Why do you want to work
 *             here?"]}
 *   "hold"    {"status":"needs_review","message":"captcha required"}
 *
 * Options (all optional):
 *   apply_delay       duration, default 0: apply() first sleeps this long
 *                     through the host (cancel and deadline end it early
 *                     with that error)
 *   submissions_file  string: every apply() that reports "submitted"
 *                     appends one JSON line to this file first:
 *                     {"external_id","job_url","user_id","resume_name",
 *                     "resume_dir","resume_size","resume_head" (first 8
 *                     bytes),"resume_mode","dir_mode","cover_letter_text",
 *                     "cover_letter_file" (the file's content),
 *                     "answers","profile"} (answers/profile as JSON, the
 *                     others strings or numbers; null when absent)
 */
#include <hawk/plugin.h>
#include <ctype.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define BOARD "good_jobboard"
#define NJOBS 3

static const char *const companies[NJOBS] = {"Acme Corp", "Globex", "Initech"};
static const char *const salaries[NJOBS] = {"$150k", "$120k", "$90k"};
static const enum hawk_workplace places[NJOBS] = {
    HAWK_WORKPLACE_REMOTE, HAWK_WORKPLACE_HYBRID, HAWK_WORKPLACE_ONSITE};

struct hawk_instance {
    const struct hawk_host_api *api;
    const char *submissions_file; /* NULL: none; borrowed from the host */
    int64_t apply_delay_ms;
};

static const struct hawk_cfg_key jb_keys[] = {
    {"apply_delay", HAWK_CFG_DURATION, 0, "0",
     "apply() sleeps this long before answering", 0, 0},
    {"submissions_file", HAWK_CFG_STR, 0, NULL,
     "submitted applications are appended here as JSON lines", 0, 0},
    {NULL, 0, 0, NULL, NULL, 0, 0}};

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
    job->location =
        location != NULL && location[0] != '\0' ? location : "Remote";
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
    (void)host;
    struct hawk_instance *in = api->alloc(sizeof(*in));
    if (in == NULL) {
        HAWK_ERR_SET(err, HAWK_ENOMEM, false, 0, "out of memory");
        return HAWK_ENOMEM;
    }
    memset(in, 0, sizeof(*in));
    in->api = api;
    const char *file = NULL;
    if (cfg != NULL && api->cfg_str(cfg, "submissions_file", &file) == 0 &&
        file != NULL && file[0] != '\0')
        in->submissions_file = file;
    if (cfg != NULL)
        (void)api->cfg_int(cfg, "apply_delay", &in->apply_delay_ms);
    *out = in;
    return 0;
}

static void jb_fini(struct hawk_instance *in)
{
    in->api->free(in);
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

/* ---- the submissions file ---- */

struct line {
    char *p;
    size_t len, cap;
};

static void put(struct line *l, const char *s, size_t n)
{
    if (l->len + n >= l->cap)
        n = l->cap - l->len - 1;
    memcpy(l->p + l->len, s, n);
    l->len += n;
    l->p[l->len] = '\0';
}

static void put_s(struct line *l, const char *s)
{
    put(l, s, strlen(s));
}

/* A JSON string literal of s[0..n), or null. */
static void put_json(struct line *l, const char *s, size_t n)
{
    if (s == NULL) {
        put_s(l, "null");
        return;
    }
    put_s(l, "\"");
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        char esc[8];
        if (c == '"' || c == '\\') {
            esc[0] = '\\';
            esc[1] = (char)c;
            put(l, esc, 2);
        } else if (c < 0x20 || c == 0x7f) {
            snprintf(esc, sizeof(esc), "\\u%04x", c);
            put_s(l, esc);
        } else {
            put(l, (const char *)&c, 1);
        }
    }
    put_s(l, "\"");
}

static void put_key(struct line *l, const char *k, bool first)
{
    if (!first)
        put_s(l, ",");
    put_json(l, k, strlen(k));
    put_s(l, ":");
}

/* Reads up to max bytes of path into a new buffer (api->alloc); NULL when
 * it cannot be read.  *n gets the length. */
static char *slurp(const struct hawk_host_api *api, const char *path,
                   size_t max, size_t *n)
{
    *n = 0;
    if (path == NULL)
        return NULL;
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    char *buf = api->alloc(max + 1);
    if (buf != NULL) {
        *n = fread(buf, 1, max, f);
        buf[*n] = '\0';
    }
    fclose(f);
    return buf;
}

static int record(struct hawk_instance *in, struct hawk_call *call,
                  const struct hawk_apply_req *req, struct hawk_error *err)
{
    const struct hawk_host_api *api = in->api;
    size_t cl_len = 0, head_len = 0;
    char *cl = slurp(api, req->cover_letter_path, 65536, &cl_len);
    char *head = slurp(api, req->resume_path, 8, &head_len);
    size_t extra =
        (req->answers_json ? strlen(req->answers_json) : 0) +
        (req->profile_json ? strlen(req->profile_json) : 0) +
        (req->cover_letter_text ? strlen(req->cover_letter_text) : 0) + cl_len +
        head_len;
    struct line l = {.cap = 6 * extra + 8192};
    l.p = api->alloc(l.cap);
    if (l.p == NULL) {
        api->free(cl);
        api->free(head);
        HAWK_ERR_SET(err, HAWK_ENOMEM, false, 0, "out of memory");
        return HAWK_ENOMEM;
    }
    l.p[0] = '\0';
    char num[64];
    struct stat st;
    put_s(&l, "{");
    put_key(&l, "external_id", true);
    put_json(&l, req->external_id,
             req->external_id ? strlen(req->external_id) : 0);
    put_key(&l, "job_url", false);
    put_json(&l, req->job_url, req->job_url ? strlen(req->job_url) : 0);
    put_key(&l, "user_id", false);
    snprintf(num, sizeof(num), "%lld", (long long)api->call_user_id(call));
    put_s(&l, num);
    const char *slash =
        req->resume_path ? strrchr(req->resume_path, '/') : NULL;
    put_key(&l, "resume_name", false);
    put_json(&l, slash ? slash + 1 : NULL, slash ? strlen(slash + 1) : 0);
    put_key(&l, "resume_dir", false);
    put_json(&l, slash ? req->resume_path : NULL,
             slash ? (size_t)(slash - req->resume_path) : 0);
    put_key(&l, "resume_size", false);
    if (req->resume_path != NULL && stat(req->resume_path, &st) == 0) {
        snprintf(num, sizeof(num), "%lld", (long long)st.st_size);
        put_s(&l, num);
        put_key(&l, "resume_mode", false);
        snprintf(num, sizeof(num), "%d", (int)(st.st_mode & 0777));
        put_s(&l, num);
    } else {
        put_s(&l, "null,\"resume_mode\":null");
    }
    put_key(&l, "resume_head", false);
    put_json(&l, head, head_len);
    put_key(&l, "dir_mode", false);
    char dir[4096];
    if (slash != NULL && (size_t)(slash - req->resume_path) < sizeof(dir)) {
        memcpy(dir, req->resume_path, (size_t)(slash - req->resume_path));
        dir[slash - req->resume_path] = '\0';
    } else {
        dir[0] = '\0';
    }
    if (dir[0] != '\0' && stat(dir, &st) == 0) {
        snprintf(num, sizeof(num), "%d", (int)(st.st_mode & 0777));
        put_s(&l, num);
    } else {
        put_s(&l, "null");
    }
    put_key(&l, "cover_letter_text", false);
    put_json(&l, req->cover_letter_text,
             req->cover_letter_text ? strlen(req->cover_letter_text) : 0);
    put_key(&l, "cover_letter_file", false);
    put_json(&l, cl, cl_len);
    put_key(&l, "answers", false);
    put_s(&l, req->answers_json ? req->answers_json : "null");
    put_key(&l, "profile", false);
    put_s(&l, req->profile_json ? req->profile_json : "null");
    put_s(&l, "}\n");
    api->free(cl);
    api->free(head);
    int rc = 0;
    int fd = open(in->submissions_file,
                  O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    /* One write per line: O_APPEND keeps concurrent lines whole. */
    if (fd < 0 || write(fd, l.p, l.len) != (ssize_t)l.len) {
        HAWK_ERR_SET(err, HAWK_EIO, false, 0, "cannot write %s",
                     in->submissions_file);
        rc = HAWK_EIO;
    }
    if (fd >= 0)
        close(fd);
    api->free(l.p);
    return rc;
}

static int jb_apply(struct hawk_instance *in, struct hawk_call *call,
                    const struct hawk_apply_req *req,
                    struct hawk_text_sink *result_json, struct hawk_error *err)
{
    if (in->apply_delay_ms > 0) {
        int rc = in->api->sleep_ms(call, in->apply_delay_ms);
        if (rc < 0) {
            HAWK_ERR_SET(err, rc, true, 0, "apply interrupted");
            return rc;
        }
    }
    if (req->external_id != NULL && strncmp(req->external_id, "fail", 4) == 0) {
        HAWK_ERR_SET(err, HAWK_EUNAVAIL, true, 503, "apply failed upstream");
        return HAWK_EUNAVAIL;
    }
    const char *id = req->external_id != NULL ? req->external_id : "";
    const char *body = req->dry_run ? "{\"status\":\"dry_run\"}"
                                    : "{\"status\":\"submitted\"}";
    if (!req->dry_run && strncmp(id, "refuse", 6) == 0) {
        HAWK_ERR_SET(err, HAWK_EINVAL, false, 422,
                     "the board refused the application");
        return HAWK_EINVAL;
    }
    if (!req->dry_run && strncmp(id, "hold", 4) == 0)
        body = "{\"status\":\"needs_review\",\"message\":\"captcha "
               "required\"}";
    if (!req->dry_run && strncmp(id, "ask", 3) == 0)
        body = "{\"status\":\"submitted\",\"questions\":[{\"question\":"
               "\"Years of C?\",\"type\":\"number\",\"answer\":\"10\"},"
               "\"Why do you want to work here?\"]}";
    if (!req->dry_run && in->submissions_file != NULL &&
        strstr(body, "\"submitted\"") != NULL) {
        int rc = record(in, call, req, err);
        if (rc < 0)
            return rc;
    }
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
    .config_keys = jb_keys,
    .init = jb_init,
    .fini = jb_fini,
    .ops = &ops,
};
