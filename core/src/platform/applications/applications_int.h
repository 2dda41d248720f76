/*
 * platform/applications/applications_int.h - shared by the files of the
 * applications module (applications.c, list.c); nothing else includes it.
 */
#ifndef HK_PLATFORM_APPLICATIONS_INT_H
#define HK_PLATFORM_APPLICATIONS_INT_H

#include <json-c/json.h>
#include <libpq-fe.h>

#include "db/result.h"

struct hk_applications {
    struct hk_db *db;       /* borrowed; NULL: no database */
    struct hk_plans *plans; /* borrowed */
};

/* clang-format off */
/* Columns of the list view on alias p: all in the covering index
 * applications_user_created_idx, so the page needs no heap or join. */
#define APP_LIST_COLS                                                          \
    "p.id, p.job_id, p.title, p.company, p.location, p.board, p.status,"       \
    " p.search_term, " HK_DB_TS("p.created_at") ", "                           \
    HK_DB_TS("p.updated_at") ", " HK_DB_TS("p.applied_at")
/* clang-format on */
#define APP_NCOLS 11

/* The names of APP_LIST_COLS in the API's objects. */
extern const char *const hk_applications_col_names[APP_NCOLS];

/* Row i of r, whose APP_LIST_COLS start at column off, as a new object. */
json_object *hk_applications_row_json(const PGresult *r, int i, int off);

#endif
