/*
 * db/result.h - what domain code needs around a statement: borrowing a
 * connection with the failure as a struct hk_err, a database failure as a
 * struct hk_err, timestamps formatted in SQL, and result columns as JSON
 * values.
 */
#ifndef HK_DB_RESULT_H
#define HK_DB_RESULT_H

#include <json-c/json.h>
#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

struct hk_db;
struct hk_dbconn;
struct hk_err;

/* A timestamptz column as RFC 3339 UTC with milliseconds, in SQL. */
#define HK_DB_TS(col)                                                          \
    "to_char((" col ") AT TIME ZONE 'UTC', "                                   \
    "'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"

/* Fills e for a failure rc of the database layer (which has logged it):
 * the code alone, so each edge says it in its own standard words.
 * Returns rc. */
int hk_db_err(struct hk_err *e, int rc);

/* Borrows a connection from db (which may be NULL: no database
 * configured): 0, or HAWK_EUNAVAIL with e filled.  Give it back with
 * hk_db_release(). */
int hk_db_borrow(struct hk_db *db, struct hk_dbconn **c, struct hk_err *e);

/* Column value as a new JSON value (NULL, i.e. JSON null, for SQL NULL);
 * jsonb columns are parsed, and text that does not parse gives null. */
json_object *hk_db_col_text(const PGresult *r, int row, int col);
json_object *hk_db_col_int(const PGresult *r, int row, int col);
json_object *hk_db_col_bool(const PGresult *r, int row, int col);
json_object *hk_db_col_num(const PGresult *r, int row, int col);
json_object *hk_db_col_jsonb(const PGresult *r, int row, int col);
/* Column as int64 (0 for NULL or text that is not a number). */
int64_t hk_db_col_i64(const PGresult *r, int row, int col);
/* Column as a boolean (false for NULL). */
bool hk_db_col_true(const PGresult *r, int row, int col);

#endif
