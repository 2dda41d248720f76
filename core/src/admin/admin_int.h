/*
 * admin/admin_int.h - what the files of admin/ share.
 */
#ifndef HK_ADMIN_INT_H
#define HK_ADMIN_INT_H

#include "admin/admin.h"

struct hk_dbconn;

struct hk_admin {
    struct hk_admin_cfg cfg;
    struct hk_db *db; /* borrowed */
};

/* Writes one audit row on c (inside the caller's transaction): action
 * ("user.disable"), the user it concerns (0: none), before and after
 * (borrowed, may be NULL).  0 or a database error. */
int adm_audit_write(struct hk_dbconn *c, const struct hk_admin_actor *who,
                    const char *action, int64_t target, json_object *before,
                    json_object *after, struct hk_err *err);

#endif
