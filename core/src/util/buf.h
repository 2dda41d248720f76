/*
 * util/buf.h - growable byte buffer with an upper bound.
 *
 * A buffer never grows past `max` bytes of content; appends past it fail
 * with HAWK_ETOOBIG and leave the buffer unchanged.  The content is always
 * NUL-terminated (the terminator is not counted in len).
 */
#ifndef HK_UTIL_BUF_H
#define HK_UTIL_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct hk_buf {
    char *data; /* NULL until the first append */
    size_t len;
    size_t cap;
    size_t max;
    int err; /* first failed append's code (sticky until reset); 0: none */
};

/* max: content limit in bytes (0 means 64 MiB). */
void hk_buf_init(struct hk_buf *b, size_t max);
/* Frees the memory and re-initialises the buffer with the same max. */
void hk_buf_release(struct hk_buf *b);
/* Keeps the memory, empties the content. */
void hk_buf_reset(struct hk_buf *b);

/* 0 or HAWK_ETOOBIG / HAWK_ENOMEM. */
int hk_buf_append(struct hk_buf *b, const void *data, size_t n);
int hk_buf_puts(struct hk_buf *b, const char *s);
int hk_buf_putc(struct hk_buf *b, char c);
int hk_buf_printf(struct hk_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int hk_buf_vprintf(struct hk_buf *b, const char *fmt, va_list ap);
/* Appends s as a JSON string literal (with quotes), escaping as needed. */
int hk_buf_json_str(struct hk_buf *b, const char *s, size_t n);

/* The first append that failed since init or reset (HAWK_ETOOBIG or
 * HAWK_ENOMEM), or 0: lets a caller build a text with several appends
 * and check once before using it. */
int hk_buf_error(const struct hk_buf *b);

/* Returns the content ("" when empty); borrowed until the next change. */
const char *hk_buf_str(const struct hk_buf *b);
/* Hands the content to the caller (free with hk_free) and empties b. */
char *hk_buf_steal(struct hk_buf *b, size_t *len);

#endif
