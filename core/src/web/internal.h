/*
 * web/internal.h - private to core/src/web: the in-memory file table.
 */
#ifndef HK_WEB_INTERNAL_H
#define HK_WEB_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "util/err.h"

/* Bounds on what is read into memory: a built set of pages is well under
 * a MiB; anything far bigger is a wrong folder. */
#define HK_WEB_MAX_FILES 4096
#define HK_WEB_MAX_FILE_BYTES ((size_t)16 << 20)
#define HK_WEB_MAX_TOTAL_BYTES ((size_t)128 << 20)
#define HK_WEB_MAX_DEPTH 8
#define HK_WEB_MAX_REL_PATH 512

/* One representation of a file: the identity bytes or a precompressed
 * copy (name.gz, name.br) read from the folder. */
struct hk_web_body {
    unsigned char *data; /* owned; NULL when this variant is absent */
    size_t len;
    char etag[48]; /* "\"<hash>\"" or "\"<hash>-br\"" */
};

enum hk_web_enc { HK_WEB_ID = 0, HK_WEB_GZIP, HK_WEB_BR, HK_WEB_N_ENC };

struct hk_web_file {
    char *rel;                /* "assets/index-1a2b.js"; owned */
    const char *content_type; /* static */
    bool immutable;           /* content-hashed name: cache for a year */
    struct hk_web_body body[HK_WEB_N_ENC];
};

struct hk_web_files {
    struct hk_web_file *v; /* sorted by rel */
    size_t n;
    size_t total_bytes;
};

/* Loads dir into *fs (zeroed first).  0, or HAWK_EIO/HAWK_ETOOBIG with err
 * set; on error nothing is left allocated. */
int hk_web_files_load(const char *dir, struct hk_web_files *fs,
                      struct hk_err *err);
void hk_web_files_release(struct hk_web_files *fs);
/* The file named rel, or NULL; borrowed from fs. */
const struct hk_web_file *hk_web_files_find(const struct hk_web_files *fs,
                                            const char *rel);
/* The content type for a file name by its extension (static string). */
const char *hk_web_content_type(const char *name);

/* Which encoding to send: the best one the Accept-Encoding header value
 * (may be NULL) accepts among those f has. */
enum hk_web_enc hk_web_pick_encoding(const struct hk_web_file *f,
                                     const char *accept_encoding);
/* Whether an If-None-Match header value (may be NULL) matches etag. */
bool hk_web_etag_match(const char *if_none_match, const char *etag);

#endif
