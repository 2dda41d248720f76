/*
 * web/web.h - the web pages: hawk serves the built pages of web/ (static
 * files held in memory, with their precompressed variants, ETags, cache
 * rules and security headers) for the GET and HEAD requests no API route
 * takes, redirects `/` to `/app/`, and answers the capability list the
 * pages read to know which features this server has.
 *
 * The pages call the same /api/v1/ routes as any client; nothing here is
 * an API of its own except GET /api/v1/capabilities, which any client may
 * use.
 */
#ifndef HK_WEB_H
#define HK_WEB_H

#include <stddef.h>

#include "http/http.h"
#include "util/err.h"

struct hk_web_cfg {
    /* Folder of the built pages (index.html, assets/).  NULL or "": the
     * folder `web` beside the hawk executable (a build tree), then
     * `../share/hawk/web` from it (an installed hawk). */
    const char *dir;
};

struct hk_web;

/*
 * Reads every file of the pages folder into memory, once (rebuilt pages
 * need a restart).  A missing folder is not an error: the pages answer
 * with a short note saying how to build them.  Returns 0 with *out to be
 * freed by hk_web_free(), or HAWK_EIO / HAWK_ETOOBIG with err saying which
 * file could not be read or which limit it passed.
 */
int hk_web_new(const struct hk_web_cfg *cfg, struct hk_web **out,
               struct hk_err *err);
void hk_web_free(struct hk_web *w);

/* Number of files served, and the folder they came from ("" when no
 * folder was found); borrowed from w. */
size_t hk_web_file_count(const struct hk_web *w);
const char *hk_web_dir(const struct hk_web *w);

/*
 * The HTTP server's fallback handler (hk_http_opts.fallback, with the
 * struct hk_web * as fallback_ctx): `/` and `/app` redirect to `/app/`,
 * `/app/...` serves a file or, for a page path, index.html; anything else
 * is the API's usual 404.  Thread-safe: the files are read-only.
 */
void hk_web_handle(struct hk_req *req, struct hk_resp *resp);

/* Registers GET /api/v1/capabilities on r (borrowed; the route reads the
 * router itself to tell which features are present). */
void hk_web_routes(struct hk_router *r);

#endif
