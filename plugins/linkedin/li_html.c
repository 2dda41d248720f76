/*
 * plugins/linkedin/li_html.c - HTML documents through libxml2's HTML
 * parser and XPath: parse once, then evaluate named selectors against
 * the document or inside an earlier match.
 *
 * Pages are parsed as UTF-8 (libxml2 2.9 assumes Latin-1 without a
 * charset, which turns "€" into "â¬"), with recovery on and no network.
 */
#include <libxml/HTMLparser.h>
#include <libxml/xpath.h>
#include <string.h>

#include "linkedin.h"

/* See linkedin.h. */
int li_doc_parse(const char *html, size_t len, struct li_doc *d)
{
    memset(d, 0, sizeof(*d));
    if (len > (size_t)INT32_MAX)
        return HAWK_ETOOBIG;
    d->doc = htmlReadMemory(html, (int)len, "page.html", "UTF-8",
                            HTML_PARSE_RECOVER | HTML_PARSE_NOERROR |
                                HTML_PARSE_NOWARNING | HTML_PARSE_NONET |
                                HTML_PARSE_COMPACT);
    if (d->doc == NULL)
        return HAWK_EPROTO;
    d->ctx = xmlXPathNewContext(d->doc);
    if (d->ctx == NULL) {
        xmlFreeDoc(d->doc);
        d->doc = NULL;
        return HAWK_ENOMEM;
    }
    return 0;
}

/* See linkedin.h. */
void li_doc_free(struct li_doc *d)
{
    if (d->ctx != NULL)
        xmlXPathFreeContext(d->ctx);
    if (d->doc != NULL)
        xmlFreeDoc(d->doc);
    memset(d, 0, sizeof(*d));
}

/* See linkedin.h. */
xmlXPathObjectPtr li_doc_eval(struct li_doc *d, xmlNodePtr at,
                              const struct li_sel *s)
{
    xmlNodePtr root = at != NULL ? at : (xmlNodePtr)d->doc;
    d->ctx->node = root;
    xmlXPathObjectPtr r = xmlXPathCompiledEval(s->comp, d->ctx);
    if (r != NULL && r->type != XPATH_NODESET) {
        xmlXPathFreeObject(r);
        return NULL;
    }
    return r;
}

/* See linkedin.h. */
xmlXPathObjectPtr li_doc_select(struct li_doc *d, const struct li_selectors *S,
                                xmlNodePtr at, const struct li_sel *s)
{
    if (at == NULL && s->parent >= 0) {
        const struct li_sel *p = &S->v[s->parent];
        xmlXPathObjectPtr pr = li_doc_select(d, S, NULL, p);
        if (pr == NULL || pr->nodesetval == NULL ||
            pr->nodesetval->nodeNr == 0) {
            if (pr != NULL)
                xmlXPathFreeObject(pr);
            return NULL;
        }
        at = pr->nodesetval->nodeTab[0];
        xmlXPathObjectPtr r = li_doc_eval(d, at, s);
        xmlXPathFreeObject(pr);
        return r;
    }
    return li_doc_eval(d, at, s);
}

/* See linkedin.h. */
int li_doc_count(struct li_doc *d, const struct li_selectors *S, xmlNodePtr at,
                 const struct li_sel *s)
{
    xmlXPathObjectPtr r = li_doc_select(d, S, at, s);
    int n = r != NULL && r->nodesetval != NULL ? r->nodesetval->nodeNr : 0;
    if (r != NULL)
        xmlXPathFreeObject(r);
    return n;
}

/* See linkedin.h. */
char *li_node_value(xmlNodePtr n, const char *attr)
{
    xmlChar *v =
        attr != NULL ? xmlGetProp(n, BAD_CAST attr) : xmlNodeGetContent(n);
    if (v == NULL)
        return NULL;
    char *out = li_xstrdup((const char *)v);
    xmlFree(v);
    li_squash(out);
    if (out[0] == '\0') {
        free(out);
        return NULL;
    }
    return out;
}

/* See linkedin.h. */
char *li_doc_value(struct li_doc *d, const struct li_selectors *S,
                   xmlNodePtr at, const struct li_sel *s)
{
    xmlXPathObjectPtr r = li_doc_select(d, S, at, s);
    char *out = NULL;
    if (r != NULL && r->nodesetval != NULL) {
        for (int i = 0; i < r->nodesetval->nodeNr && out == NULL; i++)
            out = li_node_value(r->nodesetval->nodeTab[i], s->attr);
    }
    if (r != NULL)
        xmlXPathFreeObject(r);
    return out;
}
