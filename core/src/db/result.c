/*
 * db/result.c - connections and failures as struct hk_err, and result
 * columns as JSON values (see result.h).
 */
#include "db/result.h"

#include <stdlib.h>

#include "db/db.h"
#include "hawk/plugin.h"
#include "util/err.h"
#include "util/str.h"

/* See result.h. */
int hk_db_err(struct hk_err *e, int rc)
{
    hk_err_clear(e);
    if (e != NULL)
        e->code = rc;
    return rc;
}

/* See result.h. */
int hk_db_borrow(struct hk_db *db, struct hk_dbconn **c, struct hk_err *e)
{
    *c = NULL;
    /* An exhausted pool and an unreachable server look the same to a
     * client: try again shortly. */
    if (db == NULL || hk_db_acquire(db, c) < 0) {
        *c = NULL;
        return hk_db_err(e, HAWK_EUNAVAIL);
    }
    return 0;
}

/* See result.h. */
json_object *hk_db_col_text(const PGresult *r, int row, int col)
{
    if (PQgetisnull(r, row, col))
        return NULL;
    return json_object_new_string_len(PQgetvalue(r, row, col),
                                      PQgetlength(r, row, col));
}

/* See result.h. */
int64_t hk_db_col_i64(const PGresult *r, int row, int col)
{
    int64_t v = 0;
    if (PQgetisnull(r, row, col))
        return 0;
    (void)hk_parse_i64(PQgetvalue(r, row, col), INT64_MIN, INT64_MAX, &v);
    return v;
}

/* See result.h. */
bool hk_db_col_true(const PGresult *r, int row, int col)
{
    return !PQgetisnull(r, row, col) && PQgetvalue(r, row, col)[0] == 't';
}

/* See result.h. */
json_object *hk_db_col_int(const PGresult *r, int row, int col)
{
    if (PQgetisnull(r, row, col))
        return NULL;
    return json_object_new_int64(hk_db_col_i64(r, row, col));
}

/* See result.h. */
json_object *hk_db_col_bool(const PGresult *r, int row, int col)
{
    if (PQgetisnull(r, row, col))
        return NULL;
    return json_object_new_boolean(PQgetvalue(r, row, col)[0] == 't');
}

/* See result.h. */
json_object *hk_db_col_num(const PGresult *r, int row, int col)
{
    if (PQgetisnull(r, row, col))
        return NULL;
    return json_object_new_double(strtod(PQgetvalue(r, row, col), NULL));
}

/* See result.h. */
json_object *hk_db_col_jsonb(const PGresult *r, int row, int col)
{
    if (PQgetisnull(r, row, col))
        return NULL;
    return json_tokener_parse(PQgetvalue(r, row, col));
}
