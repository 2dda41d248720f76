/*
 * db/stmt_cache.c - the per-connection prepared-statement cache: SQL text
 * -> server-side statement name.  Linear probing with backward-shift
 * deletion (no tombstones), grown at 3/4 load.
 */
#include <stdio.h>
#include <string.h>

#include "db/db_int.h"
#include "util/alloc.h"

static uint64_t fnv1a(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s != '\0'; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ULL;
    }
    return h;
}

/* Slot index where sql lives, or the empty slot where it would go. */
static size_t probe(const struct hk_stmt_cache *sc, const char *sql, uint64_t h)
{
    size_t mask = sc->cap - 1;
    size_t i = (size_t)h & mask;
    while (sc->slots[i].sql != NULL) {
        if (sc->slots[i].hash == h && strcmp(sc->slots[i].sql, sql) == 0)
            return i;
        i = (i + 1) & mask;
    }
    return i;
}

static void grow(struct hk_stmt_cache *sc)
{
    size_t ncap = sc->cap ? sc->cap * 2 : 16;
    struct hk_stmt *old = sc->slots;
    size_t ocap = sc->cap;
    sc->slots = hk_calloc(ncap, sizeof(*sc->slots));
    sc->cap = ncap;
    for (size_t i = 0; i < ocap; i++) {
        if (old[i].sql == NULL)
            continue;
        size_t j = probe(sc, old[i].sql, old[i].hash);
        sc->slots[j] = old[i];
    }
    hk_free(old);
}

/* Starts an empty cache (no allocation until the first insert). */
void hk_stmt_cache_init(struct hk_stmt_cache *sc)
{
    memset(sc, 0, sizeof(*sc));
    sc->next_id = 1;
}

/* Frees every entry and the table; the cache is empty and reusable. */
void hk_stmt_cache_clear(struct hk_stmt_cache *sc)
{
    for (size_t i = 0; i < sc->cap; i++)
        hk_free(sc->slots[i].sql);
    hk_free(sc->slots);
    hk_stmt_cache_init(sc);
}

/* Lookup by SQL text; the entry is borrowed until the cache changes. */
const struct hk_stmt *hk_stmt_cache_find(const struct hk_stmt_cache *sc,
                                         const char *sql)
{
    if (sc->count == 0)
        return NULL;
    size_t i = probe(sc, sql, fnv1a(sql));
    return sc->slots[i].sql != NULL ? &sc->slots[i] : NULL;
}

/* Inserts sql (copied) under a new name "s<N>".  NULL when full. */
const struct hk_stmt *hk_stmt_cache_add(struct hk_stmt_cache *sc,
                                        const char *sql)
{
    if (sc->count >= HK_STMT_CACHE_MAX)
        return NULL;
    if ((sc->count + 1) * 4 > sc->cap * 3)
        grow(sc);
    uint64_t h = fnv1a(sql);
    size_t i = probe(sc, sql, h);
    struct hk_stmt *e = &sc->slots[i];
    if (e->sql == NULL) {
        e->sql = hk_strdup(sql);
        e->hash = h;
        snprintf(e->name, sizeof(e->name), "s%llu",
                 (unsigned long long)sc->next_id++);
        sc->count++;
    }
    return e;
}

/* Deletes sql and shifts the following run back so lookups that probed
 * past the freed slot still find their entries. */
void hk_stmt_cache_remove(struct hk_stmt_cache *sc, const char *sql)
{
    if (sc->count == 0)
        return;
    size_t mask = sc->cap - 1;
    size_t i = probe(sc, sql, fnv1a(sql));
    if (sc->slots[i].sql == NULL)
        return;
    hk_free(sc->slots[i].sql);
    memset(&sc->slots[i], 0, sizeof(sc->slots[i]));
    sc->count--;
    size_t j = i;
    for (;;) {
        j = (j + 1) & mask;
        if (sc->slots[j].sql == NULL)
            break;
        size_t home = (size_t)sc->slots[j].hash & mask;
        /* The entry at j may move to the hole at i only if its home slot
         * is not cyclically within (i, j]. */
        bool in_range =
            (i <= j) ? (home > i && home <= j) : (home > i || home <= j);
        if (in_range)
            continue;
        sc->slots[i] = sc->slots[j];
        memset(&sc->slots[j], 0, sizeof(sc->slots[j]));
        i = j;
    }
}
