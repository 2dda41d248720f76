/*
 * plugins/linkedin/li_pace.c - pacing of Easy Apply per LinkedIn account:
 * one browser session per account at a time, a cap of submissions per
 * UTC day, a shortest gap between two applications of one account, a
 * back-off after LinkedIn refused the account ("too many requests", a
 * 429), a pause switch, and the human-like delays between actions.
 *
 * Every function takes the time as an argument instead of reading a
 * clock: the plugin passes the host's clock (which tests can replace), and
 * the unit tests pass whatever time they need.  The state is in memory,
 * per plugin instance; the host's own daily application quota (the plan's)
 * is what persists across restarts.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "linkedin.h"

#define DAY_MS ((int64_t)86400 * 1000)

struct li_pace_acct {
    int64_t account;
    bool busy;              /* a run holds the account's session */
    bool paused;            /* the user's kill switch */
    int64_t day;            /* UTC day number `count` belongs to */
    int count;              /* submissions on `day` */
    int64_t last_submit_ms; /* 0: none yet */
    int64_t blocked_until_ms;
    int refusals; /* consecutive refusals, for the back-off */
};

struct li_pace {
    pthread_mutex_t lock;
    struct li_pace_cfg cfg;
    struct li_pace_acct *v;
    size_t n, cap;
};

/* Caller frees with li_pace_free().  cfg is copied. */
struct li_pace *li_pace_new(const struct li_pace_cfg *cfg)
{
    struct li_pace *p = li_xcalloc(1, sizeof(*p));
    pthread_mutex_init(&p->lock, NULL);
    p->cfg = *cfg;
    return p;
}

/* Accepts NULL. */
void li_pace_free(struct li_pace *p)
{
    if (p == NULL)
        return;
    pthread_mutex_destroy(&p->lock);
    free(p->v);
    free(p);
}

/* The account's entry, made when absent (p->lock held). */
static struct li_pace_acct *acct(struct li_pace *p, int64_t account)
{
    for (size_t i = 0; i < p->n; i++)
        if (p->v[i].account == account)
            return &p->v[i];
    if (p->n == p->cap) {
        p->cap = p->cap ? p->cap * 2 : 8;
        p->v = li_xrealloc(p->v, p->cap * sizeof(*p->v));
    }
    struct li_pace_acct *a = &p->v[p->n++];
    memset(a, 0, sizeof(*a));
    a->account = account;
    return a;
}

/* Days are counted from the epoch in UTC, like LinkedIn's own limits are
 * reported; floored so a clock before 1970 does not share day 0. */
static int64_t utc_day(int64_t now_ms)
{
    int64_t d = now_ms / DAY_MS;
    if (now_ms < 0 && d * DAY_MS != now_ms)
        d--;
    return d;
}

/* See linkedin.h. */
int li_pace_begin(struct li_pace *p, int64_t account, int64_t now_ms,
                  struct li_pace_verdict *v)
{
    memset(v, 0, sizeof(*v));
    pthread_mutex_lock(&p->lock);
    struct li_pace_acct *a = acct(p, account);
    int64_t day = utc_day(now_ms);
    if (a->day != day) {
        a->day = day;
        a->count = 0;
    }
    v->used_today = a->count;
    if (a->paused) {
        v->result = LI_PACE_PAUSED;
    } else if (a->busy) {
        v->result = LI_PACE_BUSY;
    } else if (a->blocked_until_ms > now_ms) {
        v->result = LI_PACE_BACKOFF;
        v->wait_ms = a->blocked_until_ms - now_ms;
    } else if (p->cfg.daily_cap <= 0 || a->count >= p->cfg.daily_cap) {
        v->result = LI_PACE_CAPPED;
        v->wait_ms = (day + 1) * DAY_MS - now_ms;
    } else if (a->last_submit_ms != 0 &&
               now_ms - a->last_submit_ms < p->cfg.min_gap_ms) {
        v->result = LI_PACE_WAIT;
        v->wait_ms = p->cfg.min_gap_ms - (now_ms - a->last_submit_ms);
    } else {
        v->result = LI_PACE_OK;
        a->busy = true;
    }
    pthread_mutex_unlock(&p->lock);
    return v->result == LI_PACE_OK ? 0 : -1;
}

/* See linkedin.h. */
void li_pace_end(struct li_pace *p, int64_t account, int64_t now_ms,
                 enum li_pace_outcome o)
{
    pthread_mutex_lock(&p->lock);
    struct li_pace_acct *a = acct(p, account);
    a->busy = false;
    int64_t day = utc_day(now_ms);
    if (a->day != day) {
        a->day = day;
        a->count = 0;
    }
    if (o == LI_PACE_SUBMITTED) {
        a->count++;
        a->last_submit_ms = now_ms;
        a->refusals = 0;
    } else if (o == LI_PACE_REFUSED) {
        /* Doubling from the base, capped: LinkedIn's blocks last longer
         * the more an account insists. */
        int64_t wait = p->cfg.backoff_base_ms;
        for (int i = 0; i < a->refusals && wait < p->cfg.backoff_cap_ms; i++)
            wait *= 2;
        if (wait > p->cfg.backoff_cap_ms)
            wait = p->cfg.backoff_cap_ms;
        a->blocked_until_ms = now_ms + wait;
        a->refusals++;
    } else if (o == LI_PACE_DONE) {
        a->refusals = 0;
    }
    pthread_mutex_unlock(&p->lock);
}

/* See linkedin.h. */
void li_pace_set_paused(struct li_pace *p, int64_t account, bool paused)
{
    pthread_mutex_lock(&p->lock);
    acct(p, account)->paused = paused;
    pthread_mutex_unlock(&p->lock);
}

/* See linkedin.h. */
const char *li_pace_result_name(enum li_pace_result r)
{
    switch (r) {
    case LI_PACE_OK:
        return "ok";
    case LI_PACE_BUSY:
        return "busy";
    case LI_PACE_PAUSED:
        return "paused";
    case LI_PACE_CAPPED:
        return "daily_cap";
    case LI_PACE_WAIT:
        return "too_soon";
    case LI_PACE_BACKOFF:
        return "rate_limited";
    }
    return "unknown";
}

/* See linkedin.h. */
int64_t li_human_delay(int64_t lo, int64_t hi, uint64_t r1, uint64_t r2)
{
    if (hi <= lo)
        return lo;
    /* The mean of two uniform draws: a triangle peaking in the middle, so
     * pauses cluster around the typical value as a person's do, and never
     * leave [lo, hi]. */
    uint64_t span = (uint64_t)(hi - lo) + 1;
    uint64_t a = r1 % span, b = r2 % span;
    return lo + (int64_t)((a + b) / 2);
}
