/*
 * platform/resumes/filetype.h - file type detection by content (magic bytes) and
 * best-effort text extraction for uploaded resumes.
 */
#ifndef HK_PLATFORM_RESUMES_FILETYPE_H
#define HK_PLATFORM_RESUMES_FILETYPE_H

#include <stdbool.h>
#include <stddef.h>

enum hk_resumes_filetype {
    HK_RESUMES_FT_EMPTY = 0,
    HK_RESUMES_FT_PDF,
    HK_RESUMES_FT_DOCX,
    HK_RESUMES_FT_HTML,
    HK_RESUMES_FT_TEXT,
    /* Everything below is refused as a resume. */
    HK_RESUMES_FT_ELF,
    HK_RESUMES_FT_PE,
    HK_RESUMES_FT_MACHO,
    HK_RESUMES_FT_SCRIPT,
    HK_RESUMES_FT_ZIP,
    HK_RESUMES_FT_PNG,
    HK_RESUMES_FT_JPEG,
    HK_RESUMES_FT_GIF,
    HK_RESUMES_FT_BINARY
};

/* Detects the type of data[0..n) from its content only. */
enum hk_resumes_filetype hk_resumes_filetype_detect(const unsigned char *data,
                                                    size_t n);

/* True for the types accepted as resumes (PDF, DOCX, HTML, text). */
bool hk_resumes_filetype_allowed(enum hk_resumes_filetype t);

/* Human name for messages ("pdf", "elf executable"); static. */
const char *hk_resumes_filetype_name(enum hk_resumes_filetype t);

/* MIME type served on download; static.  NULL for refused types. */
const char *hk_resumes_filetype_mime(enum hk_resumes_filetype t);

/* Plain text of an HTML or text file (tags, scripts and styles removed,
 * common entities decoded, whitespace collapsed).  Returns a new string
 * (caller frees with hk_free) or NULL for PDF/DOCX, whose text is not
 * extracted.  The text is cut at `max` bytes (on a character boundary). */
char *hk_resumes_filetype_text(enum hk_resumes_filetype t, const char *data,
                               size_t n, size_t max);

#endif
