/*
 * plugins/linkedin/li_parse.c - the guest pages: search result cards and
 * job postings, read through the named selectors.
 *
 * A required selector that matches nothing on a page that has content
 * means LinkedIn changed the page: the parse fails with the selector's
 * name (board_outdated) instead of returning half-read jobs.  Optional
 * fields may be missing on any card.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "linkedin.h"

static void outdated(struct li_outdated *o, const struct li_sel *s)
{
    if (o == NULL)
        return;
    snprintf(o->name, sizeof(o->name), "%s", s->name);
    o->version = s->version;
    snprintf(o->page, sizeof(o->page), "%s", s->page);
}

/* Whether a page is LinkedIn's empty answer: nothing but a doctype,
 * comments and white space ("<!DOCTYPE html>\n\n<!---->"). */
static bool empty_answer(const char *html, size_t len)
{
    size_t i = 0;
    while (i < len) {
        unsigned char c = (unsigned char)html[i];
        if (isspace(c)) {
            i++;
        } else if (len - i >= 4 && memcmp(html + i, "<!--", 4) == 0) {
            const char *end = NULL;
            for (size_t j = i + 4; j + 3 <= len; j++) {
                if (memcmp(html + j, "-->", 3) == 0) {
                    end = html + j + 3;
                    break;
                }
            }
            if (end == NULL)
                return false;
            i = (size_t)(end - html);
        } else if (len - i >= 9 && strncasecmp(html + i, "<!doctype", 9) == 0) {
            const char *gt = memchr(html + i, '>', len - i);
            if (gt == NULL)
                return false;
            i = (size_t)(gt - html) + 1;
        } else {
            return false;
        }
    }
    return true;
}

/* Digits after "urn:li:jobPosting:", or the last '-' part of a job URL
 * path; 0 or HAWK_EINVAL. */
static int card_id(const char *urn, const char *href, char *id, size_t idlen)
{
    const char *p = urn != NULL ? strstr(urn, "jobPosting:") : NULL;
    if (p != NULL) {
        p += strlen("jobPosting:");
        size_t n = strspn(p, "0123456789");
        if (n > 0 && n < idlen && n <= 19 && p[n] == '\0') {
            memcpy(id, p, n);
            id[n] = '\0';
            return 0;
        }
    }
    return href != NULL ? li_job_id_from_url(href, id, idlen) : HAWK_EINVAL;
}

/* Midnight UTC of YYYY-MM-DD, 0 when not a date. */
static int64_t day_seconds(const char *s)
{
    int y, m, d;
    char tail;
    if (s == NULL || sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 ||
        y < 2000 || m < 1 || m > 12 || d < 1 || d > 31)
        return 0;
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    tm.tm_year = y - 1900;
    tm.tm_mon = m - 1;
    tm.tm_mday = d;
    return (int64_t)timegm(&tm);
}

static int guess_workplace(const char *location)
{
    if (location == NULL)
        return HAWK_WORKPLACE_ANY;
    if (li_icontains(location, "remote"))
        return HAWK_WORKPLACE_REMOTE;
    if (li_icontains(location, "hybrid"))
        return HAWK_WORKPLACE_HYBRID;
    if (li_icontains(location, "on-site"))
        return HAWK_WORKPLACE_ONSITE;
    return HAWK_WORKPLACE_ANY;
}

static void card_release(struct li_card *c)
{
    free(c->id);
    free(c->title);
    free(c->company);
    free(c->company_url);
    free(c->location);
    free(c->salary);
    free(c->benefits);
    free(c->url);
    free(c->logo);
    free(c->listed);
}

/* See linkedin.h. */
void li_cards_free(struct li_cards *c)
{
    for (size_t i = 0; i < c->n; i++)
        card_release(&c->v[i]);
    free(c->v);
    memset(c, 0, sizeof(*c));
}

/* A URL without its query and fragment; caller frees. */
static char *strip_query(const char *url)
{
    return url != NULL ? li_xstrndup(url, strcspn(url, "?#")) : NULL;
}

/* See linkedin.h. */
int li_parse_search(const struct li_selectors *S, const char *html, size_t len,
                    struct li_cards *out, struct li_outdated *o)
{
    memset(out, 0, sizeof(*out));
    if (empty_answer(html, len)) {
        out->empty_page = true;
        return 0;
    }
    struct li_doc d;
    int rc = li_doc_parse(html, len, &d);
    if (rc < 0)
        return rc;
    const struct li_sel *card = li_sel(S, "search.card");
    xmlXPathObjectPtr cards = li_doc_eval(&d, NULL, card);
    int n = cards != NULL && cards->nodesetval != NULL
                ? cards->nodesetval->nodeNr
                : 0;
    if (n == 0) {
        outdated(o, card);
        rc = HAWK_EPROTO;
        goto out;
    }
    /* The card's required fields: each must match on some card. */
    static const char *const required[] = {
        "search.card.title", "search.card.company", "search.card.location",
        "search.card.date", NULL};
    const struct li_sel *sel_urn = li_sel(S, "search.card.urn");
    const struct li_sel *sel_link = li_sel(S, "search.card.link");
    size_t seen[8] = {0};
    size_t seen_id = 0;
    out->v = li_xcalloc((size_t)n, sizeof(*out->v));
    for (int i = 0; i < n; i++) {
        xmlNodePtr node = cards->nodesetval->nodeTab[i];
        struct li_card c;
        memset(&c, 0, sizeof(c));
        char *urn = li_doc_value(&d, S, node, sel_urn);
        char *href = li_doc_value(&d, S, node, sel_link);
        char id[24];
        if (card_id(urn, href, id, sizeof(id)) == 0) {
            c.id = li_xstrdup(id);
            seen_id++;
        }
        free(urn);
        c.url = strip_query(href);
        free(href);
        c.title = li_doc_value(&d, S, node, li_sel(S, required[0]));
        c.company = li_doc_value(&d, S, node, li_sel(S, required[1]));
        c.location = li_doc_value(&d, S, node, li_sel(S, required[2]));
        c.listed = li_doc_value(&d, S, node, li_sel(S, required[3]));
        char *cu =
            li_doc_value(&d, S, node, li_sel(S, "search.card.company_link"));
        c.company_url = strip_query(cu);
        free(cu);
        c.salary = li_doc_value(&d, S, node, li_sel(S, "search.card.salary"));
        c.benefits =
            li_doc_value(&d, S, node, li_sel(S, "search.card.benefits"));
        c.logo = li_doc_value(&d, S, node, li_sel(S, "search.card.logo"));
        c.posted_at = day_seconds(c.listed);
        c.workplace = guess_workplace(c.location);
        seen[0] += c.title != NULL;
        seen[1] += c.company != NULL;
        seen[2] += c.location != NULL;
        seen[3] += c.listed != NULL;
        if (c.id == NULL || c.title == NULL) {
            /* A card without id or title cannot become a job. */
            card_release(&c);
            continue;
        }
        out->v[out->n++] = c;
    }
    if (seen_id == 0) {
        outdated(o, sel_urn);
        rc = HAWK_EPROTO;
        goto out;
    }
    for (size_t k = 0; required[k] != NULL; k++) {
        if (seen[k] == 0) {
            outdated(o, li_sel(S, required[k]));
            rc = HAWK_EPROTO;
            goto out;
        }
    }
out:
    if (cards != NULL)
        xmlXPathFreeObject(cards);
    li_doc_free(&d);
    if (rc < 0)
        li_cards_free(out);
    return rc;
}

/* ---- postings -------------------------------------------------------- */

static bool is_block(const xmlChar *name)
{
    static const char *const blocks[] = {
        "p",  "div", "br", "li", "ul", "ol",      "h1",         "h2",
        "h3", "h4",  "h5", "h6", "tr", "section", "blockquote", NULL};
    for (size_t i = 0; blocks[i] != NULL; i++)
        if (xmlStrcasecmp(name, BAD_CAST blocks[i]) == 0)
            return true;
    return false;
}

/* Text of a description with its paragraphs and list items on their own
 * lines ("- " before items). */
static void block_text(xmlNodePtr n, struct li_buf *b, int depth)
{
    for (xmlNodePtr c = n->children; c != NULL && depth < 64; c = c->next) {
        if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) {
            char *t = li_xstrdup((const char *)c->content);
            char *sq = li_squash(t);
            if (sq[0] != '\0') {
                if (b->len > 0 && b->data[b->len - 1] != '\n' &&
                    b->data[b->len - 1] != ' ' &&
                    isspace((unsigned char)c->content[0]))
                    (void)li_buf_add(b, " ", 1);
                (void)li_buf_puts(b, sq);
                size_t cl = strlen((const char *)c->content);
                if (cl > 0 && isspace((unsigned char)c->content[cl - 1]))
                    (void)li_buf_add(b, " ", 1);
            }
            free(t);
        } else if (c->type == XML_ELEMENT_NODE) {
            bool block = is_block(c->name);
            if (block && b->len > 0 && b->data[b->len - 1] != '\n') {
                while (b->len > 0 && b->data[b->len - 1] == ' ')
                    b->data[--b->len] = '\0';
                (void)li_buf_add(b, "\n", 1);
            }
            if (xmlStrcasecmp(c->name, BAD_CAST "li") == 0)
                (void)li_buf_add(b, "- ", 2);
            block_text(c, b, depth + 1);
            if (block && b->len > 0 && b->data[b->len - 1] != '\n') {
                while (b->len > 0 && b->data[b->len - 1] == ' ')
                    b->data[--b->len] = '\0';
                (void)li_buf_add(b, "\n", 1);
            }
        }
    }
}

static char *description_text(xmlNodePtr n)
{
    struct li_buf b;
    li_buf_init(&b, 1 << 20);
    block_text(n, &b, 0);
    /* Trim, and no more than one empty line in a row. */
    char *s = li_xstrdup(li_buf_str(&b));
    li_buf_free(&b);
    char *w = s;
    int newlines = 0;
    for (char *r = s; *r != '\0'; r++) {
        if (*r == '\n') {
            if (w == s || ++newlines > 2)
                continue;
        } else {
            newlines = 0;
        }
        *w++ = *r;
    }
    while (w > s && (w[-1] == '\n' || w[-1] == ' '))
        w--;
    *w = '\0';
    if (s[0] == '\0') {
        free(s);
        return NULL;
    }
    return s;
}

/* See linkedin.h. */
int li_applicants(const char *s)
{
    if (s == NULL)
        return -1;
    for (const char *p = s; *p != '\0'; p++) {
        if (isdigit((unsigned char)*p)) {
            long v = 0;
            while (isdigit((unsigned char)*p) || *p == ',') {
                if (*p != ',')
                    v = v * 10 + (*p - '0');
                if (v > 10000000)
                    return -1;
                p++;
            }
            return (int)v;
        }
    }
    return -1;
}

/* See linkedin.h. */
void li_posting_free(struct li_posting *p)
{
    free(p->title);
    free(p->company);
    free(p->location);
    free(p->description);
    free(p->posted);
    free(p->seniority);
    free(p->employment_type);
    free(p->job_function);
    free(p->industries);
    free(p->salary);
    free(p->apply_url);
    memset(p, 0, sizeof(*p));
    p->applicants = -1;
}

/* The ?url= parameter of the offsite apply link, decoded. */
static char *offsite_url(const char *comment)
{
    if (comment == NULL)
        return NULL;
    const char *u = strstr(comment, "url=");
    if (u == NULL)
        return NULL;
    u += 4;
    size_t n = strcspn(u, "&\"' ");
    char *out = li_xmalloc(n + 1);
    size_t j = 0;
    for (size_t i = 0; i < n; i++) {
        if (u[i] == '%' && i + 2 < n && isxdigit((unsigned char)u[i + 1]) &&
            isxdigit((unsigned char)u[i + 2])) {
            char hex[3] = {u[i + 1], u[i + 2], '\0'};
            out[j++] = (char)strtol(hex, NULL, 16);
            i += 2;
        } else {
            out[j++] = u[i] == '+' ? ' ' : u[i];
        }
    }
    out[j] = '\0';
    if (strncmp(out, "http://", 7) != 0 && strncmp(out, "https://", 8) != 0) {
        free(out);
        return NULL;
    }
    return out;
}

/* See linkedin.h. */
int li_parse_posting(const struct li_selectors *S, const char *html, size_t len,
                     struct li_posting *p, struct li_outdated *o)
{
    memset(p, 0, sizeof(*p));
    p->applicants = -1;
    struct li_doc d;
    int rc = li_doc_parse(html, len, &d);
    if (rc < 0)
        return rc;
    static const char *const required[] = {"posting.title", "posting.company",
                                           "posting.location",
                                           "posting.description", NULL};
    p->title = li_doc_value(&d, S, NULL, li_sel(S, required[0]));
    p->company = li_doc_value(&d, S, NULL, li_sel(S, required[1]));
    p->location = li_doc_value(&d, S, NULL, li_sel(S, required[2]));
    xmlXPathObjectPtr desc =
        li_doc_eval(&d, NULL, li_sel(S, "posting.description"));
    if (desc != NULL && desc->nodesetval != NULL &&
        desc->nodesetval->nodeNr > 0)
        p->description = description_text(desc->nodesetval->nodeTab[0]);
    if (desc != NULL)
        xmlXPathFreeObject(desc);
    char *const *got[] = {&p->title, &p->company, &p->location,
                          &p->description};
    for (size_t k = 0; required[k] != NULL; k++) {
        if (*got[k] == NULL) {
            outdated(o, li_sel(S, required[k]));
            rc = HAWK_EPROTO;
            goto out;
        }
    }
    p->posted = li_doc_value(&d, S, NULL, li_sel(S, "posting.posted"));
    char *appl = li_doc_value(&d, S, NULL, li_sel(S, "posting.applicants"));
    p->applicants = li_applicants(appl);
    free(appl);
    p->salary = li_doc_value(&d, S, NULL, li_sel(S, "posting.salary"));
    p->easy_apply =
        li_doc_count(&d, S, NULL, li_sel(S, "posting.apply_onsite"));
    p->offsite = li_doc_count(&d, S, NULL, li_sel(S, "posting.apply_offsite"));
    p->closed = li_doc_count(&d, S, NULL, li_sel(S, "posting.closed")) > 0;
    char *au = li_doc_value(&d, S, NULL, li_sel(S, "posting.apply_url"));
    p->apply_url = offsite_url(au);
    free(au);

    const struct li_sel *item = li_sel(S, "posting.criteria.item");
    xmlXPathObjectPtr items = li_doc_eval(&d, NULL, item);
    for (int i = 0; items != NULL && items->nodesetval != NULL &&
                    i < items->nodesetval->nodeNr;
         i++) {
        xmlNodePtr it = items->nodesetval->nodeTab[i];
        char *name =
            li_doc_value(&d, S, it, li_sel(S, "posting.criteria.name"));
        char *val =
            li_doc_value(&d, S, it, li_sel(S, "posting.criteria.value"));
        char **slot = NULL;
        if (name != NULL && li_icontains(name, "seniority"))
            slot = &p->seniority;
        else if (name != NULL && li_icontains(name, "employment"))
            slot = &p->employment_type;
        else if (name != NULL && li_icontains(name, "function"))
            slot = &p->job_function;
        else if (name != NULL && li_icontains(name, "industr"))
            slot = &p->industries;
        if (slot != NULL && *slot == NULL && val != NULL) {
            *slot = val;
            val = NULL;
        }
        free(name);
        free(val);
    }
    if (items != NULL)
        xmlXPathFreeObject(items);
out:
    li_doc_free(&d);
    if (rc < 0)
        li_posting_free(p);
    return rc;
}

/* See linkedin.h. */
int li_job_id_from_url(const char *url, char *id, size_t idlen)
{
    if (url == NULL)
        return HAWK_EINVAL;
    size_t ulen = strlen(url);
    if (ulen == 0 || ulen > 2048)
        return HAWK_EINVAL;
    /* A bare id. */
    if (strspn(url, "0123456789") == ulen) {
        if (ulen > 19 || ulen >= idlen)
            return HAWK_EINVAL;
        memcpy(id, url, ulen + 1);
        return 0;
    }
    /* ?currentJobId=<id> (search pages link jobs that way). */
    const char *q = strstr(url, "currentJobId=");
    if (q != NULL) {
        q += strlen("currentJobId=");
        size_t n = strspn(q, "0123456789");
        if (n > 0 && n <= 19 && n < idlen) {
            memcpy(id, q, n);
            id[n] = '\0';
            return 0;
        }
        return HAWK_EINVAL;
    }
    const char *v = strstr(url, "/jobs/view/");
    if (v == NULL)
        return HAWK_EINVAL;
    v += strlen("/jobs/view/");
    size_t seg = strcspn(v, "/?#");
    if (seg == 0)
        return HAWK_EINVAL;
    /* <slug>-<id> or <id>: the digits after the last '-'. */
    const char *start = v;
    for (size_t i = 0; i < seg; i++)
        if (v[i] == '-')
            start = v + i + 1;
    size_t n = (size_t)(v + seg - start);
    if (n == 0 || n > 19 || n >= idlen || strspn(start, "0123456789") < n)
        return HAWK_EINVAL;
    memcpy(id, start, n);
    id[n] = '\0';
    return 0;
}
