/*
 * platform/resumes/filetype.c - content-based file type detection.
 *
 * The extension and the client's Content-Type are ignored on purpose: both
 * are chosen by the uploader.  DOCX is a ZIP archive, so the central
 * directory is walked to find a "word/" entry; a ZIP without one is some
 * other archive and refused.
 */
#include "platform/resumes/filetype.h"

#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "util/alloc.h"
#include "util/buf.h"
#include "util/str.h"

static uint16_t rd16(const unsigned char *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}

static uint32_t rd32(const unsigned char *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
           ((uint32_t)p[3] << 24);
}

/* True when the ZIP's central directory names an entry under "word/". */
static bool zip_is_docx(const unsigned char *d, size_t n)
{
    if (n < 22)
        return false;
    /* End of central directory: 22 bytes plus a comment of <= 65535. */
    size_t lo = n > 22 + 65535 ? n - 22 - 65535 : 0;
    size_t eocd = (size_t)-1;
    for (size_t i = n - 22 + 1; i-- > lo;) {
        if (d[i] == 'P' && d[i + 1] == 'K' && d[i + 2] == 5 && d[i + 3] == 6) {
            eocd = i;
            break;
        }
    }
    if (eocd == (size_t)-1)
        return false;
    size_t entries = rd16(d + eocd + 10);
    size_t cd_size = rd32(d + eocd + 12);
    size_t cd_off = rd32(d + eocd + 16);
    if (cd_off > eocd || cd_size > eocd - cd_off)
        return false;
    size_t p = cd_off;
    size_t cd_end = cd_off + cd_size;
    for (size_t i = 0; i < entries && i < 10000; i++) {
        if (cd_end - p < 46 || rd32(d + p) != 0x02014b50u)
            return false;
        size_t name_len = rd16(d + p + 28);
        size_t extra_len = rd16(d + p + 30);
        size_t comment_len = rd16(d + p + 32);
        if (cd_end - p - 46 < name_len)
            return false;
        if (name_len >= 5 && memcmp(d + p + 46, "word/", 5) == 0)
            return true;
        size_t step = 46 + name_len + extra_len + comment_len;
        if (step > cd_end - p)
            return false;
        p += step;
    }
    return false;
}

static bool is_pe(const unsigned char *d, size_t n)
{
    if (n < 0x40 || d[0] != 'M' || d[1] != 'Z')
        return false;
    uint32_t off = rd32(d + 0x3c);
    return off <= n - 4 && memcmp(d + off, "PE\0\0", 4) == 0;
}

static bool looks_html(const unsigned char *d, size_t n)
{
    size_t i = 0;
    if (n >= 3 && d[0] == 0xef && d[1] == 0xbb && d[2] == 0xbf)
        i = 3;
    while (i < n && (d[i] == ' ' || d[i] == '\t' || d[i] == '\r' ||
                     d[i] == '\n' || d[i] == '\f'))
        i++;
    const char *s = (const char *)d + i;
    size_t left = n - i;
    if (left >= 14 && strncasecmp(s, "<!doctype html", 14) == 0)
        return true;
    if (left >= 5 && strncasecmp(s, "<html", 5) == 0 &&
        (left == 5 || s[5] == '>' || s[5] == ' ' || s[5] == '\t' ||
         s[5] == '\r' || s[5] == '\n'))
        return true;
    return false;
}

/* See filetype.h. */
enum hk_resumes_filetype hk_resumes_filetype_detect(const unsigned char *d,
                                                    size_t n)
{
    if (n == 0)
        return HK_RESUMES_FT_EMPTY;
    if (n >= 5 && memcmp(d, "%PDF-", 5) == 0)
        return HK_RESUMES_FT_PDF;
    if (n >= 4 && memcmp(d, "PK\x03\x04", 4) == 0)
        return zip_is_docx(d, n) ? HK_RESUMES_FT_DOCX : HK_RESUMES_FT_ZIP;
    if (n >= 4 && memcmp(d,
                         "\x7f"
                         "ELF",
                         4) == 0)
        return HK_RESUMES_FT_ELF;
    if (is_pe(d, n))
        return HK_RESUMES_FT_PE;
    if (n >= 4) {
        uint32_t m = rd32(d);
        if (m == 0xfeedfaceu || m == 0xfeedfacfu || m == 0xcefaedfeu ||
            m == 0xcffaedfeu || m == 0xbebafecau)
            return HK_RESUMES_FT_MACHO;
    }
    if (n >= 8 && memcmp(d, "\x89PNG\r\n\x1a\n", 8) == 0)
        return HK_RESUMES_FT_PNG;
    if (n >= 3 && d[0] == 0xff && d[1] == 0xd8 && d[2] == 0xff)
        return HK_RESUMES_FT_JPEG;
    if (n >= 6 && (memcmp(d, "GIF87a", 6) == 0 || memcmp(d, "GIF89a", 6) == 0))
        return HK_RESUMES_FT_GIF;
    if (n >= 2 && d[0] == '#' && d[1] == '!')
        return HK_RESUMES_FT_SCRIPT;
    if (!hk_utf8_valid((const char *)d, n))
        return HK_RESUMES_FT_BINARY;
    if (looks_html(d, n))
        return HK_RESUMES_FT_HTML;
    return HK_RESUMES_FT_TEXT;
}

/* See filetype.h. */
bool hk_resumes_filetype_allowed(enum hk_resumes_filetype t)
{
    return t == HK_RESUMES_FT_PDF || t == HK_RESUMES_FT_DOCX ||
           t == HK_RESUMES_FT_HTML || t == HK_RESUMES_FT_TEXT;
}

/* See filetype.h. */
const char *hk_resumes_filetype_name(enum hk_resumes_filetype t)
{
    switch (t) {
    case HK_RESUMES_FT_EMPTY:
        return "empty file";
    case HK_RESUMES_FT_PDF:
        return "pdf";
    case HK_RESUMES_FT_DOCX:
        return "docx";
    case HK_RESUMES_FT_HTML:
        return "html";
    case HK_RESUMES_FT_TEXT:
        return "plain text";
    case HK_RESUMES_FT_ELF:
        return "elf executable";
    case HK_RESUMES_FT_PE:
        return "windows executable";
    case HK_RESUMES_FT_MACHO:
        return "mach-o executable";
    case HK_RESUMES_FT_SCRIPT:
        return "executable script";
    case HK_RESUMES_FT_ZIP:
        return "zip archive";
    case HK_RESUMES_FT_PNG:
        return "png image";
    case HK_RESUMES_FT_JPEG:
        return "jpeg image";
    case HK_RESUMES_FT_GIF:
        return "gif image";
    case HK_RESUMES_FT_BINARY:
        return "binary data";
    }
    return "binary data";
}

/* See filetype.h. */
const char *hk_resumes_filetype_mime(enum hk_resumes_filetype t)
{
    switch (t) {
    case HK_RESUMES_FT_PDF:
        return "application/pdf";
    case HK_RESUMES_FT_DOCX:
        return "application/vnd.openxmlformats-officedocument."
               "wordprocessingml.document";
    case HK_RESUMES_FT_HTML:
        return "text/html; charset=utf-8";
    case HK_RESUMES_FT_TEXT:
        return "text/plain; charset=utf-8";
    default:
        return NULL;
    }
}

/* Appends one byte, collapsing runs of whitespace into one space. */
static void put_text(struct hk_buf *b, char c, bool *space)
{
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f') {
        *space = b->len > 0;
        return;
    }
    if (*space) {
        (void)hk_buf_putc(b, ' ');
        *space = false;
    }
    (void)hk_buf_putc(b, c);
}

static const struct {
    const char *name;
    char c;
} entities[] = {{"amp;", '&'},  {"lt;", '<'},    {"gt;", '>'},  {"quot;", '"'},
                {"#39;", '\''}, {"apos;", '\''}, {"nbsp;", ' '}};

static size_t skip_until_ci(const char *d, size_t n, size_t i,
                            const char *needle)
{
    size_t nl = strlen(needle);
    for (; i + nl <= n; i++)
        if (strncasecmp(d + i, needle, nl) == 0)
            return i + nl;
    return n;
}

/* See filetype.h. */
char *hk_resumes_filetype_text(enum hk_resumes_filetype t, const char *d,
                               size_t n, size_t max)
{
    struct hk_buf b;
    bool space = false;
    if (t != HK_RESUMES_FT_TEXT && t != HK_RESUMES_FT_HTML)
        return NULL;
    hk_buf_init(&b, max);
    for (size_t i = 0; i < n && b.len + 2 < max; i++) {
        char c = d[i];
        if (t == HK_RESUMES_FT_HTML && c == '<') {
            size_t rest = n - i;
            if (rest >= 7 && strncasecmp(d + i, "<script", 7) == 0)
                i = skip_until_ci(d, n, i, "</script>") - 1;
            else if (rest >= 6 && strncasecmp(d + i, "<style", 6) == 0)
                i = skip_until_ci(d, n, i, "</style>") - 1;
            else if (rest >= 4 && strncmp(d + i, "<!--", 4) == 0)
                i = skip_until_ci(d, n, i, "-->") - 1;
            else {
                const char *gt = memchr(d + i, '>', n - i);
                i = gt ? (size_t)(gt - d) : n - 1;
            }
            space = b.len > 0;
            continue;
        }
        if (t == HK_RESUMES_FT_HTML && c == '&') {
            bool done = false;
            for (size_t k = 0; k < sizeof(entities) / sizeof(entities[0]);
                 k++) {
                size_t el = strlen(entities[k].name);
                if (n - i - 1 >= el &&
                    strncmp(d + i + 1, entities[k].name, el) == 0) {
                    put_text(&b, entities[k].c, &space);
                    i += el;
                    done = true;
                    break;
                }
            }
            if (done)
                continue;
        }
        put_text(&b, c, &space);
    }
    size_t len;
    char *s = hk_buf_steal(&b, &len);
    if (s == NULL)
        s = hk_strdup("");
    /* A cut inside a multi-byte sequence would make the text invalid. */
    for (int k = 0; k < 4 && len > 0 && !hk_utf8_valid(s, len); k++)
        s[--len] = '\0';
    return s;
}
