/*
 * auth/users.c - small helpers around the users table shared by the
 * accounts handlers and the CLI.
 */
#include <string.h>

#include "auth/internal.h"
#include "db/db.h"
#include "hawk/plugin.h"
#include "http/http.h"
#include "util/str.h"
#include "util/time.h"

/* Returns true for PostgreSQL's text form of boolean true. */
bool hk_auth_pg_bool(const PGresult *r, int row, int col)
{
    const char *v = PQgetvalue(r, row, col);
    return v != NULL && v[0] == 't';
}

static json_object *nullable_str(const PGresult *r, int row, int col)
{
    if (PQgetisnull(r, row, col))
        return NULL;
    return json_object_new_string(PQgetvalue(r, row, col));
}

/*
 * Builds {id, email, username, first_name, last_name, is_admin,
 * created_at, review_before_submit} from a row selected with
 * HK_USER_COLS.  `r` is borrowed; the caller json_object_put()s the
 * result.
 */
json_object *hk_auth_user_json(const PGresult *r, int row)
{
    json_object *o = json_object_new_object();
    int64_t id = 0, created_ms = 0;
    char ts[32];

    (void)hk_parse_i64(PQgetvalue(r, row, 0), INT64_MIN, INT64_MAX, &id);
    (void)hk_parse_i64(PQgetvalue(r, row, 6), INT64_MIN, INT64_MAX,
                       &created_ms);
    hk_time_rfc3339(created_ms, ts, sizeof ts);

    json_object_object_add(o, "id", json_object_new_int64(id));
    json_object_object_add(o, "email",
                           json_object_new_string(PQgetvalue(r, row, 1)));
    json_object_object_add(o, "username", nullable_str(r, row, 2));
    json_object_object_add(o, "first_name", nullable_str(r, row, 3));
    json_object_object_add(o, "last_name", nullable_str(r, row, 4));
    json_object_object_add(o, "is_admin",
                           json_object_new_boolean(hk_auth_pg_bool(r, row, 5)));
    json_object_object_add(o, "created_at", json_object_new_string(ts));
    json_object_object_add(o, "review_before_submit",
                           json_object_new_boolean(hk_auth_pg_bool(r, row, 7)));
    return o;
}

/*
 * Borrows a connection from the module's pool.  A missing pool, an unreachable
 * server and an exhausted pool all become HAWK_EUNAVAIL, which the
 * handlers turn into 503 so clients retry.  Release with hk_db_release().
 */
int hk_auth_db_acquire(struct hk_auth *a, struct hk_dbconn **out)
{
    *out = NULL;
    if (a == NULL || a->db == NULL)
        return HAWK_EUNAVAIL;
    if (hk_db_acquire(a->db, out) < 0) {
        *out = NULL;
        return HAWK_EUNAVAIL;
    }
    return 0;
}

/* See internal.h. */
void hk_auth_db_release(struct hk_auth *a, struct hk_dbconn *c)
{
    hk_db_release(a->db, c);
}

/* 3..32 bytes of [A-Za-z0-9_.-]; `s` is borrowed, len its byte length. */
bool hk_auth_username_valid(const char *s, size_t len)
{
    if (len < 3 || len > 32)
        return false;
    for (size_t i = 0; i < len; i++) {
        char ch = s[i];
        bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                  (ch >= '0' && ch <= '9') || ch == '_' || ch == '.' ||
                  ch == '-';
        if (!ok)
            return false;
    }
    return true;
}

/*
 * Reads a string member.  obj and the returned *s are borrowed (valid
 * while obj lives).  Returns 0, HAWK_ENOTFOUND (absent or null), or
 * HAWK_EINVAL with resp filled (not a string, or an embedded NUL).
 */
int hk_auth_str_member(json_object *obj, const char *name, const char **s,
                       size_t *len, struct hk_resp *resp)
{
    json_object *v = NULL;

    *s = NULL;
    *len = 0;
    if (!json_object_object_get_ex(obj, name, &v) || v == NULL)
        return HAWK_ENOTFOUND;
    if (!json_object_is_type(v, json_type_string)) {
        hk_resp_error(resp, 400, "invalid_field", name, "'%s' must be a string",
                      name);
        return HAWK_EINVAL;
    }
    *s = json_object_get_string(v);
    *len = (size_t)json_object_get_string_len(v);
    if (memchr(*s, '\0', *len) != NULL) {
        hk_resp_error(resp, 400, "invalid_field", name,
                      "'%s' must not contain NUL characters", name);
        return HAWK_EINVAL;
    }
    return 0;
}

/*
 * Turns the error of an INSERT/UPDATE on users into a response: unique
 * violations name the taken value's field (the constraint name is in the
 * server's message), everything else goes through hk_resp_from_status.
 */
void hk_auth_resp_user_conflict(struct hk_dbconn *c, int rc,
                                struct hk_resp *resp)
{
    if (rc != HAWK_ECONFLICT) {
        hk_resp_from_status(resp, rc);
        return;
    }
    const char *msg = c != NULL ? hk_db_errmsg(c) : "";
    if (msg != NULL && strstr(msg, "users_username_uniq") != NULL) {
        hk_resp_error(resp, 409, "username_taken", NULL,
                      "this username is taken, choose another one");
        return;
    }
    hk_resp_error(resp, 409, "email_taken", NULL,
                  "an account with this email already exists, log in or use "
                  "another email");
}
