/*
 * apply/pause.c - a user's kill switch per job board: while paused, no
 * application of that user is sent to that board (submit.c checks it
 * under the application's row lock, right before the plugin is called).
 *
 *   POST   /api/v1/boards/{board}/pause   -> {"board","paused":true,
 *                                             "paused_at"}
 *   DELETE /api/v1/boards/{board}/pause   -> {"board","paused":false}
 */
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "apply/apply.h"
#include "db/db.h"
#include "db/params.h"
#include "http/http.h"
#include "util/err.h"

/* [a-z0-9_-]{1,32}, the form of a plugin instance name. */
static bool board_ok(const char *b)
{
    size_t n = b != NULL ? strlen(b) : 0;
    if (n == 0 || n > 32)
        return false;
    for (; *b != '\0'; b++)
        if (!((*b >= 'a' && *b <= 'z') || (*b >= '0' && *b <= '9') ||
              *b == '_' || *b == '-'))
            return false;
    return true;
}

/* See apply.h. */
int hk_apply_paused(struct hk_dbconn *c, int64_t user_id, const char *board,
                    bool *paused)
{
    struct hk_db_params p;
    PGresult *r = NULL;
    *paused = false;
    hk_db_params_init(&p);
    hk_db_param_i64(&p, user_id);
    hk_db_param_text(&p, board);
    int rc = hk_db_params_run(c,
                              "SELECT 1 FROM board_pauses WHERE user_id ="
                              " $1::bigint AND board = $2",
                              &p, &r);
    if (rc < 0)
        return rc;
    *paused = PQntuples(r) > 0;
    PQclear(r);
    return 0;
}

static void h_pause(struct hk_req *req, struct hk_resp *resp)
{
    /* The database handle as it is now: the routes exist before the
     * database is reached. */
    struct hk_db *db = *(struct hk_db *const *)req->ctx;
    const char *board = hk_req_param(req, "board");
    if (!board_ok(board)) {
        hk_resp_error(resp, 400, "invalid_parameter", "board",
                      "board must be a job board's name (1-32 of a-z, 0-9, "
                      "- and _), e.g. linkedin");
        return;
    }
    bool on = strcmp(req->method, "POST") == 0;
    struct hk_dbconn *c = NULL;
    if (db == NULL || hk_db_acquire(db, &c) < 0) {
        hk_resp_error(resp, 503, "unavailable", NULL,
                      "the database is unavailable; try again");
        return;
    }
    struct hk_db_params p;
    PGresult *r = NULL;
    hk_db_params_init(&p);
    hk_db_param_i64(&p, req->user_id);
    hk_db_param_text(&p, board);
    int rc = hk_db_params_run(
        c,
        on ? "INSERT INTO board_pauses (user_id, board) VALUES ($1::bigint,"
             " $2) ON CONFLICT (user_id, board) DO UPDATE SET paused_at ="
             " board_pauses.paused_at RETURNING to_char(paused_at AT TIME"
             " ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"
           : "DELETE FROM board_pauses WHERE user_id = $1::bigint AND"
             " board = $2",
        &p, on ? &r : NULL);
    hk_db_release(db, c);
    if (rc < 0) {
        hk_resp_error(resp, 503, "unavailable", NULL,
                      "cannot change the pause: %s", hawk_strerror(rc));
        return;
    }
    json_object *o = json_object_new_object();
    json_object_object_add(o, "board", json_object_new_string(board));
    json_object_object_add(o, "paused", json_object_new_boolean(on));
    if (on && PQntuples(r) == 1)
        json_object_object_add(o, "paused_at",
                               json_object_new_string(PQgetvalue(r, 0, 0)));
    PQclear(r);
    hk_resp_json(resp, 200, o);
}

/* See apply.h. */
void hk_apply_routes(struct hk_router *r, struct hk_db *const *db)
{
    static const struct hk_route_def defs[] = {
        {"POST", "/api/v1/boards/{board}/pause", h_pause, HK_ROUTE_AUTH, 0},
        {"DELETE", "/api/v1/boards/{board}/pause", h_pause, HK_ROUTE_AUTH, 0},
    };
    hk_router_add_all(r, defs, sizeof(defs) / sizeof(defs[0]), (void *)db);
}
