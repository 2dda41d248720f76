/*
 * http/csv.h - RFC 4180 CSV writer into a bounded buffer.
 */
#ifndef HK_HTTP_CSV_H
#define HK_HTTP_CSV_H

#include <stdbool.h>
#include <stddef.h>

#include "util/buf.h"

struct hk_csv {
    struct hk_buf *out; /* borrowed */
    bool row_started;
};

/* Starts writing into out (borrowed; must outlive w). */
void hk_csv_init(struct hk_csv *w, struct hk_buf *out);

/* Appends one field of the current row: quoted when it holds a comma, a
 * double quote, CR or LF (quotes doubled), else verbatim.  s == NULL
 * writes an empty field.  0 or HAWK_ETOOBIG/HAWK_ENOMEM from the buffer. */
int hk_csv_field(struct hk_csv *w, const char *s, size_t n);
/* Same for a NUL-terminated string (NULL allowed). */
int hk_csv_str(struct hk_csv *w, const char *s);
/* Ends the row with CRLF. */
int hk_csv_end_row(struct hk_csv *w);

#endif
