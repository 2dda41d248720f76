/*
 * http/multipart.h - multipart/form-data parser (RFC 7578, RFC 2046).
 *
 * The parser works on a body that the HTTP layer has already bounded and
 * buffered.  It never reads past `len`, never needs a NUL terminator, and
 * keeps every part as a pointer into the body (no copy), so the memory it
 * uses is fixed whatever the input.  A body whose closing delimiter is
 * missing is treated as truncated and rejected as a whole.
 */
#ifndef HK_HTTP_MULTIPART_H
#define HK_HTTP_MULTIPART_H

#include <stdbool.h>
#include <stddef.h>

#define HK_MP_MAX_PARTS 16
#define HK_MP_MAX_BOUNDARY 70  /* RFC 2046 5.1.1 */
#define HK_MP_MAX_HEADERS 8192 /* header block of one part */

struct hk_mp_part {
    char name[128];     /* form field name, never empty */
    char filename[256]; /* "" when the part is not a file */
    bool has_filename;
    char content_type[128]; /* "" when absent */
    const char *data;       /* borrowed from the body */
    size_t len;
};

struct hk_mp {
    struct hk_mp_part parts[HK_MP_MAX_PARTS];
    size_t n;
};

/* Extracts the boundary parameter of a multipart/form-data Content-Type
 * (quoted or not) into out.  Returns 0, or HAWK_EINVAL when the type is
 * not multipart/form-data or the boundary is missing or malformed (err
 * says which). */
int hk_mp_boundary(const char *content_type, char *out, size_t outlen,
                   char *err, size_t errlen);

/* Parses body into mp.  Parts point into body, which must outlive mp.
 * Returns 0; HAWK_EINVAL for a malformed or truncated body (err says what
 * and where); HAWK_ETOOBIG for more than HK_MP_MAX_PARTS parts or an
 * oversized header block. */
int hk_mp_parse(const char *body, size_t len, const char *boundary,
                struct hk_mp *mp, char *err, size_t errlen);

/* First part named `name`, or NULL.  Borrowed from mp. */
const struct hk_mp_part *hk_mp_get(const struct hk_mp *mp, const char *name);

#endif
