/*
 * http/csv.c - RFC 4180 CSV writer.
 */
#include "http/csv.h"

#include <string.h>

/* See csv.h. */
void hk_csv_init(struct hk_csv *w, struct hk_buf *out)
{
    w->out = out;
    w->row_started = false;
}

/* See csv.h. */
int hk_csv_field(struct hk_csv *w, const char *s, size_t n)
{
    int rc;
    if (w->row_started) {
        rc = hk_buf_putc(w->out, ',');
        if (rc < 0)
            return rc;
    }
    w->row_started = true;
    if (s == NULL || n == 0)
        return 0;
    bool quote = false;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == ',' || s[i] == '"' || s[i] == '\r' || s[i] == '\n') {
            quote = true;
            break;
        }
    }
    if (!quote)
        return hk_buf_append(w->out, s, n);
    rc = hk_buf_putc(w->out, '"');
    size_t start = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        if (s[i] == '"') {
            /* Write up to and including the quote, then double it. */
            rc = hk_buf_append(w->out, s + start, i - start + 1);
            if (rc == 0)
                rc = hk_buf_putc(w->out, '"');
            start = i + 1;
        }
    }
    if (rc == 0)
        rc = hk_buf_append(w->out, s + start, n - start);
    if (rc == 0)
        rc = hk_buf_putc(w->out, '"');
    return rc;
}

/* See csv.h. */
int hk_csv_str(struct hk_csv *w, const char *s)
{
    return hk_csv_field(w, s, s ? strlen(s) : 0);
}

/* See csv.h. */
int hk_csv_end_row(struct hk_csv *w)
{
    w->row_started = false;
    return hk_buf_append(w->out, "\r\n", 2);
}
