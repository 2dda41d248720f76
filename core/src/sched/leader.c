/*
 * sched/leader.c - leader election with a session-level PostgreSQL
 * advisory lock held on a dedicated connection.
 *
 * The lock lives exactly as long as the connection: a node that dies (or
 * whose connection the server drops) loses it at once, and the next
 * pg_try_advisory_lock() of another node wins.  The leader re-checks its
 * connection on every tick so it notices the loss too.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "db/db.h"
#include "log/log.h"
#include "sched/sched.h"
#include "util/alloc.h"
#include "util/time.h"

#include <libpq-fe.h>

struct hk_leader {
    char *url;
    int64_t lock_id;
    PGconn *pg;
    bool leader;
    int64_t retry_at;
    int64_t backoff;
};

/* A leadership competitor for lock_id on its own connection to url
 * (copied); free with hk_leader_free(). */
struct hk_leader *hk_leader_new(const char *url, int64_t lock_id)
{
    struct hk_leader *l = hk_calloc(1, sizeof(*l));
    l->url = hk_strdup(url ? url : "");
    l->lock_id = lock_id;
    return l;
}

static void drop(struct hk_leader *l, const char *why)
{
    if (l->leader)
        hk_warn("scheduler: lost leadership (%s)", why);
    l->leader = false;
    if (l->pg != NULL)
        PQfinish(l->pg);
    l->pg = NULL;
    l->backoff = l->backoff ? l->backoff * 2 : 500;
    if (l->backoff > 5000)
        l->backoff = 5000;
    l->retry_at = hk_mono_ms() + l->backoff;
}

/* Gives up leadership (unlock, disconnect) and frees; accepts NULL. */
void hk_leader_free(struct hk_leader *l)
{
    if (l == NULL)
        return;
    if (l->pg != NULL) {
        if (l->leader) {
            char key[24];
            snprintf(key, sizeof(key), "%" PRId64, l->lock_id);
            const char *params[1] = {key};
            PQclear(PQexecParams(l->pg, "SELECT pg_advisory_unlock($1::bigint)",
                                 1, NULL, params, NULL, NULL, 0));
            hk_info("scheduler: gave up leadership");
        }
        PQfinish(l->pg);
    }
    hk_free(l->url);
    hk_free(l);
}

/* Connects, keeps or tries to take the lock: true while leading.  Not
 * thread-safe: one thread per competitor. */
bool hk_leader_tick(struct hk_leader *l)
{
    if (l->pg == NULL) {
        if (hk_mono_ms() < l->retry_at)
            return false;
        const char *keys[] = {"connect_timeout", "application_name", "dbname",
                              NULL};
        const char *vals[] = {"3", "hawk-scheduler", l->url, NULL};
        l->pg = PQconnectdbParams(keys, vals, 1);
        if (PQstatus(l->pg) != CONNECTION_OK) {
            drop(l, "cannot connect");
            return false;
        }
        PQsetNoticeProcessor(l->pg, hk_db_notice_to_log, NULL);
    }
    if (l->leader) {
        PGresult *r = PQexec(l->pg, "SELECT 1");
        bool ok = PQresultStatus(r) == PGRES_TUPLES_OK;
        PQclear(r);
        if (!ok) {
            drop(l, "connection lost");
            return false;
        }
        return true;
    }
    char key[24];
    snprintf(key, sizeof(key), "%" PRId64, l->lock_id);
    const char *params[1] = {key};
    PGresult *r = PQexecParams(l->pg, "SELECT pg_try_advisory_lock($1::bigint)",
                               1, NULL, params, NULL, NULL, 0);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        PQclear(r);
        drop(l, "query failed");
        return false;
    }
    l->backoff = 0;
    l->leader = PQgetvalue(r, 0, 0)[0] == 't';
    PQclear(r);
    if (l->leader)
        hk_info("scheduler: this node is now the leader");
    return l->leader;
}
