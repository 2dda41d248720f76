/*
 * db/params.c - typed statement parameters and statements assembled from
 * constant fragments (see params.h).
 */
#include "db/params.h"

#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "db/db.h"
#include "db/db_int.h"
#include "hawk/plugin.h"
#include "log/log.h"

/* See params.h. */
void hk_db_params_init(struct hk_db_params *p)
{
    p->n = 0;
    p->overflow = false;
    p->result_format = 0;
}

/* Reserves the next slot; 0 (and overflow set) when p is full. */
static int next_slot(struct hk_db_params *p, const char *v, int len, int fmt)
{
    if (p->n >= HK_DB_MAX_PARAMS) {
        p->overflow = true;
        return 0;
    }
    p->values[p->n] = v;
    p->lengths[p->n] = len;
    p->formats[p->n] = fmt;
    return ++p->n;
}

/* See params.h. */
int hk_db_param_i64(struct hk_db_params *p, int64_t v)
{
    if (p->n >= HK_DB_MAX_PARAMS)
        return next_slot(p, NULL, 0, 0);
    char *t = p->num[p->n];
    snprintf(t, HK_DB_NUM_TEXT, "%" PRId64, v);
    return next_slot(p, t, 0, 0);
}

/* See params.h. */
int hk_db_param_text(struct hk_db_params *p, const char *s)
{
    return next_slot(p, s, 0, 0);
}

/* See params.h. */
int hk_db_param_bool(struct hk_db_params *p, bool v)
{
    return next_slot(p, v ? "true" : "false", 0, 0);
}

/* See params.h. */
int hk_db_param_double(struct hk_db_params *p, double v)
{
    if (p->n >= HK_DB_MAX_PARAMS)
        return next_slot(p, NULL, 0, 0);
    char *t = p->num[p->n];
    snprintf(t, HK_DB_NUM_TEXT, "%.17g", v);
    return next_slot(p, t, 0, 0);
}

/* See params.h. */
int hk_db_param_null(struct hk_db_params *p)
{
    return next_slot(p, NULL, 0, 0);
}

/* See params.h. */
int hk_db_param_bytes(struct hk_db_params *p, const void *data, size_t n)
{
    if (n > (size_t)INT_MAX) {
        p->overflow = true;
        return 0;
    }
    return next_slot(p, data, (int)n, 1);
}

/* See params.h. */
int hk_db_params_run(struct hk_dbconn *c, const char *sql,
                     const struct hk_db_params *p, PGresult **out)
{
    if (out != NULL)
        *out = NULL;
    if (p == NULL)
        return hk_db_query(c, sql, 0, NULL, out);
    if (p->overflow) {
        hk_log(HAWK_LOG_ERROR,
               "statement not run: more than %d parameters or a value "
               "too large for libpq",
               HK_DB_MAX_PARAMS);
        return HAWK_EINTERNAL;
    }
    return hk_db_run(c, sql, p->n, p->values, p->lengths, p->formats,
                     p->result_format, out);
}

/* ---- statements assembled from fragments ---- */

/* See params.h. */
void hk_db_sql_init(struct hk_db_sql *q)
{
    hk_buf_init(&q->sql, 0);
    hk_db_params_init(&q->p);
}

/* See params.h. */
void hk_db_sql_release(struct hk_db_sql *q)
{
    hk_buf_release(&q->sql);
    hk_db_params_init(&q->p);
}

/* A fragment that does not fit the buffer makes the statement unusable
 * (the run then refuses it) rather than silently shorter. */
static void put(struct hk_db_sql *q, int rc)
{
    if (rc < 0)
        q->p.overflow = true;
}

/* See params.h. */
void hk_db_sql_add(struct hk_db_sql *q, const char *frag)
{
    put(q, hk_buf_puts(&q->sql, frag));
}

/* See params.h. */
void hk_db_sql_ref(struct hk_db_sql *q, const char *frag, int num)
{
    for (const char *s = frag; *s != '\0'; s++) {
        if (*s == '?')
            put(q, hk_buf_printf(&q->sql, "$%d", num));
        else
            put(q, hk_buf_putc(&q->sql, *s));
    }
}

/* See params.h. */
int hk_db_sql_text(struct hk_db_sql *q, const char *frag, const char *value)
{
    int num = hk_db_param_text(&q->p, value);
    hk_db_sql_ref(q, frag, num);
    return num;
}

/* See params.h. */
int hk_db_sql_i64(struct hk_db_sql *q, const char *frag, int64_t value)
{
    int num = hk_db_param_i64(&q->p, value);
    hk_db_sql_ref(q, frag, num);
    return num;
}

/* See params.h. */
int hk_db_sql_run(struct hk_dbconn *c, const struct hk_db_sql *q,
                  PGresult **out)
{
    return hk_db_params_run(c, hk_buf_str(&q->sql), &q->p, out);
}
