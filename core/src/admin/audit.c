/*
 * admin/audit.c - the audit log of administrators' changes.
 */
#include <string.h>

#include "admin/admin_int.h"
#include "db/db.h"
#include "db/params.h"
#include "db/result.h"
#include "util/alloc.h"
#include "util/err.h"

/* See admin.h. */
int hk_admin_new(const struct hk_admin_cfg *cfg, struct hk_db *db,
                 struct hk_admin **out, struct hk_err *err)
{
    (void)err;
    struct hk_admin *a = hk_calloc(1, sizeof(*a));
    a->cfg = *cfg;
    a->db = db;
    *out = a;
    return 0;
}

/* See admin.h. */
void hk_admin_free(struct hk_admin *a)
{
    hk_free(a);
}

/* See admin_int.h. */
int adm_audit_write(struct hk_dbconn *c, const struct hk_admin_actor *who,
                    const char *action, int64_t target, json_object *before,
                    json_object *after, struct hk_err *err)
{
    struct hk_db_params p;
    hk_db_params_init(&p);
    hk_db_param_i64(&p, who->admin_id);
    hk_db_param_text(&p, action);
    hk_db_param_i64(&p, target);
    hk_db_param_text(&p, before != NULL ? json_object_to_json_string_ext(
                                              before, JSON_C_TO_STRING_PLAIN)
                                        : NULL);
    hk_db_param_text(&p, after != NULL ? json_object_to_json_string_ext(
                                             after, JSON_C_TO_STRING_PLAIN)
                                       : NULL);
    hk_db_param_text(&p, who->request_id);
    int rc = hk_db_params_run(
        c,
        "INSERT INTO admin_audit (admin_id, admin_email, action,"
        " target_user_id, before, after, request_id)"
        " SELECT $1::bigint, coalesce((SELECT email FROM users WHERE id ="
        " $1::bigint), ''), $2, NULLIF($3::bigint, 0), $4::jsonb, $5::jsonb,"
        " $6",
        &p, NULL);
    return rc < 0 ? hk_db_err(err, rc) : 0;
}

/* See admin.h. */
int hk_admin_audit_list(struct hk_admin *a, int64_t user_id, int64_t page,
                        int64_t per_page, json_object **items, int64_t *total,
                        struct hk_err *err)
{
    struct hk_dbconn *c = NULL;
    struct hk_db_params p;
    PGresult *r = NULL;
    *items = NULL;
    *total = 0;
    int rc = hk_db_borrow(a->db, &c, err);
    if (rc < 0)
        return rc;
    hk_db_params_init(&p);
    hk_db_param_i64(&p, user_id);
    hk_db_param_i64(&p, per_page);
    hk_db_param_i64(&p, (page - 1) * per_page);
    rc = hk_db_params_run(
        c,
        "SELECT id, " HK_DB_TS(
            "at") ", admin_id, admin_email, action,"
                  " target_user_id, before::text, after::text, request_id,"
                  " count(*) OVER () FROM admin_audit"
                  " WHERE $1::bigint = 0 OR target_user_id = $1::bigint"
                  " ORDER BY at DESC, id DESC LIMIT $2::bigint OFFSET "
                  "$3::bigint",
        &p, &r);
    hk_db_release(a->db, c);
    if (rc < 0)
        return hk_db_err(err, rc);
    *items = json_object_new_array();
    for (int i = 0; i < PQntuples(r); i++) {
        json_object *o = json_object_new_object();
        json_object_object_add(o, "id", hk_db_col_int(r, i, 0));
        json_object_object_add(o, "at", hk_db_col_text(r, i, 1));
        json_object_object_add(o, "admin_id", hk_db_col_int(r, i, 2));
        json_object_object_add(o, "admin_email", hk_db_col_text(r, i, 3));
        json_object_object_add(o, "action", hk_db_col_text(r, i, 4));
        json_object_object_add(o, "user_id", hk_db_col_int(r, i, 5));
        json_object_object_add(o, "before", hk_db_col_jsonb(r, i, 6));
        json_object_object_add(o, "after", hk_db_col_jsonb(r, i, 7));
        json_object_object_add(o, "request_id", hk_db_col_text(r, i, 8));
        json_object_array_add(*items, o);
        *total = hk_db_col_i64(r, i, 9);
    }
    if (PQntuples(r) == 0 && page > 1) {
        /* Past the end: the total still tells the client where it is. */
        PGresult *n = NULL;
        if (hk_db_borrow(a->db, &c, err) == 0) {
            hk_db_params_init(&p);
            hk_db_param_i64(&p, user_id);
            if (hk_db_params_run(c,
                                 "SELECT count(*) FROM admin_audit WHERE"
                                 " $1::bigint = 0 OR target_user_id ="
                                 " $1::bigint",
                                 &p, &n) == 0) {
                *total = hk_db_col_i64(n, 0, 0);
                PQclear(n);
            }
            hk_db_release(a->db, c);
        }
    }
    PQclear(r);
    return 0;
}
