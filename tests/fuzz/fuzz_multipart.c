/*
 * fuzz_multipart.c - libFuzzer target for the multipart parser and the
 * file type detection run on every uploaded part.
 *
 * Input layout: first line is the Content-Type header value, the rest is
 * the body.  Checks the parser's promises: it returns, never reads out of
 * bounds (ASan), and every part it returns lies inside the body.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "platform/resumes/filetype.h"
#include "http/multipart.h"
#include "util/alloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nl = memchr(data, '\n', size < 256 ? size : 256);
    if (nl == NULL)
        return 0;
    char *ct = hk_strndup((const char *)data, (size_t)(nl - data));
    char boundary[HK_MP_MAX_BOUNDARY + 1], err[160];
    /* Copy the body so ASan sees its exact end. */
    size_t blen = size - (size_t)(nl - data) - 1;
    char *body = hk_malloc(blen ? blen : 1);
    memcpy(body, nl + 1, blen);
    if (hk_mp_boundary(ct, boundary, sizeof(boundary), err, sizeof(err)) == 0) {
        struct hk_mp mp;
        if (hk_mp_parse(body, blen, boundary, &mp, err, sizeof(err)) == 0) {
            for (size_t i = 0; i < mp.n; i++) {
                const struct hk_mp_part *p = &mp.parts[i];
                if (p->data < body || p->data + p->len > body + blen ||
                    p->name[0] == '\0')
                    abort();
                enum hk_resumes_filetype t = hk_resumes_filetype_detect(
                    (const unsigned char *)p->data, p->len);
                char *text = hk_resumes_filetype_text(t, p->data, p->len, 4096);
                hk_free(text);
            }
        }
    }
    hk_free(body);
    hk_free(ct);
    return 0;
}
