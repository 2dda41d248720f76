/*
 * admin/users.c - users as administrators see them, and the changes
 * they make to accounts.
 *
 * A change and its audit row commit together.  Role changes serialise on
 * one advisory lock, so two administrators demoting each other at once
 * cannot both pass the "last administrator" check.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "admin/admin_int.h"
#include "db/db.h"
#include "db/params.h"
#include "db/result.h"
#include "util/err.h"
#include "util/str.h"

#define ADM_ROLE_LOCK 7302

/* clang-format off */
#define ADM_USER_COLS                                                          \
    "u.id, u.email, u.username, u.first_name, u.last_name, u.is_admin,"        \
    " u.is_active, " HK_DB_TS("u.created_at") ", coalesce(p.name,"             \
    " 'Free Trial'), s.status"
#define ADM_USER_FROM                                                          \
    " FROM users u LEFT JOIN subscriptions s ON s.user_id = u.id"              \
    " LEFT JOIN plans p ON p.id = s.plan_id"
/* clang-format on */

static json_object *adm_user_json(const PGresult *r, int i)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "id", hk_db_col_int(r, i, 0));
    json_object_object_add(o, "email", hk_db_col_text(r, i, 1));
    json_object_object_add(o, "username", hk_db_col_text(r, i, 2));
    json_object_object_add(o, "first_name", hk_db_col_text(r, i, 3));
    json_object_object_add(o, "last_name", hk_db_col_text(r, i, 4));
    json_object_object_add(o, "is_admin", hk_db_col_bool(r, i, 5));
    json_object_object_add(o, "is_active", hk_db_col_bool(r, i, 6));
    json_object_object_add(o, "created_at", hk_db_col_text(r, i, 7));
    json_object_object_add(o, "plan", hk_db_col_text(r, i, 8));
    json_object_object_add(o, "subscription_status", hk_db_col_text(r, i, 9));
    return o;
}

/* See admin.h. */
int hk_admin_users_list(struct hk_admin *a, const char *q, int64_t page,
                        int64_t per_page, json_object **items, int64_t *total,
                        struct hk_err *err)
{
    struct hk_dbconn *c = NULL;
    struct hk_db_params p;
    PGresult *r = NULL, *n = NULL;
    char pat[300];
    *items = NULL;
    *total = 0;
    if (q != NULL && strlen(q) > 200)
        return hk_err_set(err, HAWK_EINVAL, NULL, "q",
                          "'q' must be at most 200 characters");
    /* LIKE wildcards in the search text match themselves. */
    size_t o = 0;
    if (q != NULL && q[0] != '\0') {
        pat[o++] = '%';
        for (const char *s = q; *s != '\0' && o + 3 < sizeof(pat); s++) {
            if (*s == '%' || *s == '_' || *s == '\\')
                pat[o++] = '\\';
            pat[o++] = *s;
        }
        pat[o++] = '%';
    }
    pat[o] = '\0';
    int rc = hk_db_borrow(a->db, &c, err);
    if (rc < 0)
        return rc;
    hk_db_params_init(&p);
    hk_db_param_text(&p, o > 0 ? pat : NULL);
    hk_db_param_i64(&p, per_page);
    hk_db_param_i64(&p, (page - 1) * per_page);
    rc = hk_db_params_run(
        c,
        "SELECT " ADM_USER_COLS ADM_USER_FROM
        " WHERE $1::text IS NULL OR u.email ILIKE $1 OR u.username ILIKE $1"
        " OR (coalesce(u.first_name, '') || ' ' || coalesce(u.last_name, ''))"
        " ILIKE $1 ORDER BY u.created_at DESC, u.id DESC"
        " LIMIT $2::bigint OFFSET $3::bigint",
        &p, &r);
    hk_db_params_init(&p);
    hk_db_param_text(&p, o > 0 ? pat : NULL);
    if (rc == 0)
        rc = hk_db_params_run(
            c,
            "SELECT count(*) FROM users u WHERE $1::text IS NULL OR"
            " u.email ILIKE $1 OR u.username ILIKE $1 OR"
            " (coalesce(u.first_name, '') || ' ' || coalesce(u.last_name,"
            " '')) ILIKE $1",
            &p, &n);
    hk_db_release(a->db, c);
    if (rc < 0) {
        if (r != NULL)
            PQclear(r);
        return hk_db_err(err, rc);
    }
    *items = json_object_new_array();
    for (int i = 0; i < PQntuples(r); i++)
        json_object_array_add(*items, adm_user_json(r, i));
    *total = hk_db_col_i64(n, 0, 0);
    PQclear(r);
    PQclear(n);
    return 0;
}

/* clang-format off */
static const char sql_detail[] =
    "SELECT " ADM_USER_COLS ","
    " " HK_DB_TS("s.current_period_end") ", s.cancel_at_period_end,"
    " s.stripe_subscription_id IS NOT NULL,"
    " (SELECT count(*) FROM resumes WHERE user_id = u.id),"
    " (SELECT count(*) FROM job_configs WHERE user_id = u.id),"
    " (SELECT count(*) FROM applications WHERE user_id = u.id),"
    " (SELECT " HK_DB_TS("max(created_at)") " FROM refresh_tokens"
    "  WHERE user_id = u.id)"
    ADM_USER_FROM " WHERE u.id = $1::bigint";
/* clang-format on */

/* See admin.h. */
int hk_admin_user_get(struct hk_admin *a, int64_t user_id, json_object **out,
                      struct hk_err *err)
{
    struct hk_dbconn *c = NULL;
    struct hk_db_params p;
    PGresult *r = NULL;
    *out = NULL;
    int rc = hk_db_borrow(a->db, &c, err);
    if (rc < 0)
        return rc;
    hk_db_params_init(&p);
    hk_db_param_i64(&p, user_id);
    rc = hk_db_params_run(c, sql_detail, &p, &r);
    hk_db_release(a->db, c);
    if (rc < 0)
        return hk_db_err(err, rc);
    if (PQntuples(r) != 1) {
        PQclear(r);
        return hk_err_set(err, HAWK_ENOTFOUND, NULL, NULL, "no user %" PRId64,
                          user_id);
    }
    json_object *o = adm_user_json(r, 0);
    json_object *sub = json_object_new_object();
    json_object_object_add(sub, "status", hk_db_col_text(r, 0, 9));
    json_object_object_add(sub, "current_period_end", hk_db_col_text(r, 0, 10));
    json_object_object_add(sub, "cancel_at_period_end",
                           hk_db_col_bool(r, 0, 11));
    json_object_object_add(sub, "paid", hk_db_col_bool(r, 0, 12));
    json_object_object_add(o, "subscription", sub);
    json_object *use = json_object_new_object();
    json_object_object_add(use, "resumes", hk_db_col_int(r, 0, 13));
    json_object_object_add(use, "job_configs", hk_db_col_int(r, 0, 14));
    json_object_object_add(use, "applications", hk_db_col_int(r, 0, 15));
    json_object_object_add(o, "usage", use);
    json_object_object_add(o, "last_login", hk_db_col_text(r, 0, 16));
    PQclear(r);
    *out = o;
    return 0;
}

static const char *const adm_actions[] = {NULL, "user.disable", "user.enable",
                                          "user.promote", "user.demote"};

/* Checks a change against the rules; 0 or HAWK_ECONFLICT.  active and
 * admin: the target's flags now. */
static int adm_check(struct hk_dbconn *c, const struct hk_admin_actor *who,
                     int64_t user_id, enum hk_admin_change what, bool active,
                     bool admin, struct hk_err *err)
{
    PGresult *r = NULL;
    bool takes_admin =
        (what == HK_ADMIN_DISABLE || what == HK_ADMIN_DEMOTE) && admin;
    if (!takes_admin)
        return 0;
    int rc = hk_db_params_run(c,
                              "SELECT count(*) FROM users WHERE is_admin"
                              " AND is_active",
                              NULL, &r);
    if (rc < 0)
        return hk_db_err(err, rc);
    int64_t n = hk_db_col_i64(r, 0, 0);
    PQclear(r);
    if (active && n <= 1)
        return hk_err_set(err, HAWK_ECONFLICT, "last_admin", NULL,
                          "this is the last active administrator; promote "
                          "another user first");
    if (user_id == who->admin_id && active)
        return hk_err_set(err, HAWK_ECONFLICT, "own_account", NULL,
                          "you cannot %s your own account; ask another "
                          "administrator",
                          what == HK_ADMIN_DISABLE ? "disable" : "demote");
    return 0;
}

static json_object *adm_flags(bool active, bool admin)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "is_active", json_object_new_boolean(active));
    json_object_object_add(o, "is_admin", json_object_new_boolean(admin));
    return o;
}

/* See admin.h. */
int hk_admin_user_change(struct hk_admin *a, const struct hk_admin_actor *who,
                         int64_t user_id, enum hk_admin_change what,
                         json_object **out, struct hk_err *err)
{
    struct hk_dbconn *c = NULL;
    struct hk_db_params p;
    PGresult *r = NULL;
    *out = NULL;
    int rc = hk_db_borrow(a->db, &c, err);
    if (rc < 0)
        return rc;
    rc = hk_db_begin(c) < 0 ? hk_db_err(err, HAWK_EUNAVAIL) : 0;
    if (rc < 0)
        goto out;
    hk_db_params_init(&p);
    hk_db_param_i64(&p, ADM_ROLE_LOCK);
    rc = hk_db_params_run(c, "SELECT pg_advisory_xact_lock($1::bigint)", &p,
                          NULL);
    if (rc == 0) {
        hk_db_params_init(&p);
        hk_db_param_i64(&p, user_id);
        rc = hk_db_params_run(c,
                              "SELECT is_active, is_admin FROM users WHERE"
                              " id = $1::bigint FOR UPDATE",
                              &p, &r);
    }
    if (rc < 0) {
        rc = hk_db_err(err, rc);
        goto out;
    }
    if (PQntuples(r) != 1) {
        rc = hk_err_set(err, HAWK_ENOTFOUND, NULL, NULL, "no user %" PRId64,
                        user_id);
        goto out;
    }
    bool active = hk_db_col_true(r, 0, 0), admin = hk_db_col_true(r, 0, 1);
    bool na = active, nd = admin;
    if (what == HK_ADMIN_DISABLE || what == HK_ADMIN_ENABLE)
        na = what == HK_ADMIN_ENABLE;
    else
        nd = what == HK_ADMIN_PROMOTE;
    rc = adm_check(c, who, user_id, what, active, admin, err);
    if (rc < 0 || (na == active && nd == admin))
        goto out;
    hk_db_params_init(&p);
    hk_db_param_i64(&p, user_id);
    hk_db_param_bool(&p, na);
    hk_db_param_bool(&p, nd);
    rc = hk_db_params_run(c,
                          "UPDATE users SET is_active = $2::boolean, is_admin"
                          " = $3::boolean, updated_at = now() WHERE id ="
                          " $1::bigint",
                          &p, NULL);
    /* A disabled account keeps no way to get new access tokens. */
    hk_db_params_init(&p);
    hk_db_param_i64(&p, user_id);
    if (rc == 0 && !na)
        rc = hk_db_params_run(c,
                              "UPDATE refresh_tokens SET revoked_at = now()"
                              " WHERE user_id = $1::bigint AND revoked_at IS"
                              " NULL",
                              &p, NULL);
    if (rc < 0) {
        rc = hk_db_err(err, rc);
        goto out;
    }
    json_object *before = adm_flags(active, admin);
    json_object *after = adm_flags(na, nd);
    rc =
        adm_audit_write(c, who, adm_actions[what], user_id, before, after, err);
    json_object_put(before);
    json_object_put(after);
out:
    if (r != NULL)
        PQclear(r);
    if (rc == 0)
        rc = hk_db_commit(c) < 0 ? hk_db_err(err, HAWK_EUNAVAIL) : 0;
    if (rc < 0)
        hk_db_rollback(c);
    hk_db_release(a->db, c);
    if (rc < 0)
        return rc;
    return hk_admin_user_get(a, user_id, out, err);
}
