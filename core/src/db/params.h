/*
 * db/params.h - the parameters of one statement, added by type.
 *
 * libpq takes every parameter as text (or raw bytes in binary format); a
 * builder turns typed values into that form in storage it owns, so no
 * caller formats numbers into stack buffers of its own:
 *
 *     struct hk_db_params p;
 *     hk_db_params_init(&p);
 *     hk_db_param_i64(&p, id);        // $1
 *     hk_db_param_i64(&p, user_id);   // $2
 *     hk_db_param_text(&p, name);     // $3, NULL gives SQL NULL
 *     rc = hk_db_params_run(c, "UPDATE ... WHERE id = $1::bigint ...", &p,
 *                           &res);
 *
 * Text and bytes are borrowed (they must outlive the run); numbers and
 * booleans are copied into the builder.  Adding past HK_DB_MAX_PARAMS is
 * a programming error: the builder remembers it and the run fails with
 * HAWK_EINTERNAL without sending anything.
 *
 * For statements assembled from constant fragments (optional filters),
 * struct hk_db_sql holds the SQL text beside its parameters.
 */
#ifndef HK_DB_PARAMS_H
#define HK_DB_PARAMS_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

struct hk_dbconn;

#define HK_DB_MAX_PARAMS 24
/* Room for the text of one number: "-9223372036854775808" or a double
 * printed with 17 significant digits ("-1.2345678901234567e-308"). */
#define HK_DB_NUM_TEXT 32

struct hk_db_params {
    int n;             /* parameters added so far */
    bool overflow;     /* an add went past HK_DB_MAX_PARAMS */
    int result_format; /* 0 text (default), 1 binary (every column) */
    const char *values[HK_DB_MAX_PARAMS]; /* NULL: SQL NULL */
    int lengths[HK_DB_MAX_PARAMS];        /* bytes of binary values */
    int formats[HK_DB_MAX_PARAMS];        /* 0 text, 1 binary */
    char num[HK_DB_MAX_PARAMS][HK_DB_NUM_TEXT];
};

/* Empties p (no parameters, text results). */
void hk_db_params_init(struct hk_db_params *p);

/* Each add appends one parameter and returns its number (1 for $1), or 0
 * when p is full (p->overflow is then set and the run refuses p). */
int hk_db_param_i64(struct hk_db_params *p, int64_t v);
/* s is borrowed; NULL gives SQL NULL. */
int hk_db_param_text(struct hk_db_params *p, const char *s);
/* "true" / "false". */
int hk_db_param_bool(struct hk_db_params *p, bool v);
/* Shortest text that reads back as the same double ("%.17g"); a value
 * that is not finite is sent as it prints ("nan", "inf"), which numeric
 * and float8 columns refuse, so callers check finiteness first. */
int hk_db_param_double(struct hk_db_params *p, double v);
int hk_db_param_null(struct hk_db_params *p);
/* n raw bytes in binary format (a bytea parameter without escaping);
 * data is borrowed.  n must fit an int. */
int hk_db_param_bytes(struct hk_db_params *p, const void *data, size_t n);

/* Runs sql with p's parameters on c (see hk_db_query for the errors and
 * for *out, which may be NULL to discard the result).  p may be NULL for
 * a statement without parameters.  Returns HAWK_EINTERNAL (logged, nothing
 * sent) for a builder that overflowed. */
int hk_db_params_run(struct hk_dbconn *c, const char *sql,
                     const struct hk_db_params *p, PGresult **out);

/* ---- statements assembled from fragments ---- */

/* SQL text built from constant fragments plus the parameters those
 * fragments refer to.  Values only ever travel as parameters: absent
 * filters add no SQL, so each combination is its own prepared
 * statement. */
struct hk_db_sql {
    struct hk_buf sql;
    struct hk_db_params p;
};

void hk_db_sql_init(struct hk_db_sql *q);
void hk_db_sql_release(struct hk_db_sql *q);
/* Appends a constant fragment. */
void hk_db_sql_add(struct hk_db_sql *q, const char *frag);
/* Appends frag with each '?' replaced by "$num" (a parameter already
 * added, or one the caller adds next). */
void hk_db_sql_ref(struct hk_db_sql *q, const char *frag, int num);
/* Adds a parameter, then appends frag with each '?' naming it.  Return
 * the parameter's number, or 0 when the builder is full. */
int hk_db_sql_text(struct hk_db_sql *q, const char *frag, const char *value);
int hk_db_sql_i64(struct hk_db_sql *q, const char *frag, int64_t value);
/* Runs q's text with q's parameters (see hk_db_params_run). */
int hk_db_sql_run(struct hk_dbconn *c, const struct hk_db_sql *q,
                  PGresult **out);

#endif
