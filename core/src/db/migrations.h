/*
 * db/migrations.h - the migrations compiled into the binary (generated
 * from db/migrations/NNNN_name.sql by cmake/EmbedMigrations.cmake).
 */
#ifndef HK_DB_MIGRATIONS_H
#define HK_DB_MIGRATIONS_H

#include <stddef.h>

struct hk_migration {
    int version;
    const char *name;
    const char *sql;
};

extern const struct hk_migration hk_migrations[];
extern const size_t hk_migrations_count;

#endif
