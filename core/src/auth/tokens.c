/*
 * auth/tokens.c - access tokens (JWT) and rotating refresh tokens.
 *
 * A refresh token is 256 random bits, base64url, shown to the client once;
 * the database keeps only its SHA-256.  Tokens form families: login starts
 * one, every refresh marks the presented token rotated and issues its
 * successor in the same family.  A rotated or revoked token presented
 * again means two parties hold the family, so the whole family is revoked
 * and both must log in again (OAuth 2.0 Security BCP, refresh token
 * rotation).  This is strict on purpose: a client that sends two refreshes
 * with the same token at once loses its session too, so clients must
 * serialise their refreshes.
 *
 * Access tokens are stateless: revoking refresh tokens (logout, password
 * change, deactivation) does not end access tokens already issued; they
 * run out within auth.access_ttl.
 */
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

#include "auth/internal.h"
#include "db/db.h"
#include "hawk/plugin.h"
#include "http/http.h"
#include "log/log.h"
#include "util/alloc.h"
#include "util/str.h"
#include "util/time.h"

#define REFRESH_RAW 32
#define REFRESH_B64_LEN 43
#define UA_MAX 256

static const char sql_insert_refresh[] =
    "INSERT INTO refresh_tokens (user_id, family_id, token_hash, expires_at,"
    " user_agent, ip) VALUES ($1::bigint, COALESCE($2::uuid,"
    " gen_random_uuid()), decode($3, 'hex'),"
    " now() + $4::bigint * interval '1 second', $5, $6)";

/* Rows of finished families are kept a while after expiry so a late
 * replay is still recognised as reuse rather than as an unknown token. */
static const char sql_prune_user[] =
    "DELETE FROM refresh_tokens WHERE user_id = $1::bigint"
    " AND expires_at < now() - interval '7 days'";

static const char sql_lookup_for_update[] =
    "SELECT t.id, t.family_id, t.expires_at <= now(),"
    " t.rotated_at IS NOT NULL OR t.revoked_at IS NOT NULL, u.is_active,"
    " u.is_admin, t.user_id FROM refresh_tokens t JOIN users u"
    " ON u.id = t.user_id WHERE t.token_hash = decode($1, 'hex')"
    " FOR UPDATE OF t";

static const char sql_revoke_family[] =
    "UPDATE refresh_tokens SET revoked_at = now()"
    " WHERE family_id = $1::uuid AND revoked_at IS NULL";

static const char sql_mark_rotated[] =
    "UPDATE refresh_tokens SET rotated_at = now() WHERE id = $1::bigint";

static const char sql_user_by_id[] =
    "SELECT " HK_USER_COLS " FROM users WHERE id = $1::bigint";

static const char sql_revoke_family_of_token[] =
    "UPDATE refresh_tokens SET revoked_at = now() WHERE revoked_at IS NULL"
    " AND family_id = (SELECT family_id FROM refresh_tokens"
    " WHERE token_hash = decode($1, 'hex'))";

static const char sql_revoke_user[] =
    "UPDATE refresh_tokens SET revoked_at = now()"
    " WHERE user_id = $1::bigint AND revoked_at IS NULL";

/* SHA-256 of the token text as 64 hex characters. */
static int token_hash_hex(const char *token, char out[65])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;

    if (EVP_Digest(token, strlen(token), md, &n, EVP_sha256(), NULL) != 1 ||
        n != 32)
        return HAWK_EINTERNAL;
    hk_hex_encode(md, 32, out);
    return 0;
}

/* A well-formed refresh token is exactly 43 base64url characters; anything
 * else cannot be one of ours and never reaches the database. */
static bool token_well_formed(const char *token)
{
    if (strlen(token) != REFRESH_B64_LEN)
        return false;
    for (const char *p = token; *p; p++) {
        char ch = *p;
        if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
              (ch >= '0' && ch <= '9') || ch == '-' || ch == '_'))
            return false;
    }
    return true;
}

/* Copies the User-Agent, cut at UA_MAX bytes on a UTF-8 boundary and
 * with control characters replaced, so the column stays displayable. */
static void user_agent_copy(struct hk_req *req, char out[UA_MAX + 1])
{
    const char *ua = hk_req_header(req, "User-Agent");
    size_t n = 0;

    out[0] = '\0';
    if (ua == NULL)
        return;
    n = strnlen(ua, UA_MAX);
    while (n > 0 && n < strlen(ua) && ((unsigned char)ua[n] & 0xc0) == 0x80)
        n--;
    memcpy(out, ua, n);
    out[n] = '\0';
    for (size_t i = 0; i < n; i++) {
        if ((unsigned char)out[i] < 0x20 || out[i] == 0x7f)
            out[i] = ' ';
    }
    if (!hk_utf8_valid(out, n))
        out[0] = '\0';
}

static int make_access_token(const struct hk_auth *a,
                             const struct hk_auth_settings *s, int64_t user_id,
                             bool is_admin, char **out)
{
    struct hk_jwt_claims c;
    unsigned char jti[16];

    memset(&c, 0, sizeof c);
    if (hk_random_bytes(jti, sizeof jti) < 0)
        return HAWK_EIO;
    hk_hex_encode(jti, sizeof jti, c.jti);
    c.sub = user_id;
    c.admin = is_admin;
    c.iat = hk_wall_ms() / 1000;
    c.exp = c.iat + s->access_ttl_s;
    if (a == NULL || a->jwt_key == NULL || a->jwt_key_len == 0) {
        hk_error("cannot issue access token: no jwt key configured");
        return HAWK_EINTERNAL;
    }
    return hk_jwt_sign(a->jwt_key, a->jwt_key_len, &c, out);
}

/*
 * Stores a new refresh token for user_id (in family_id, or a new family)
 * and signs an access token; adds the four token members to obj.  The
 * caller owns the transaction.  Pointers are borrowed.  Returns 0 or a
 * HAWK_E* code.
 */
int hk_auth_issue_tokens(struct hk_req *req, struct hk_dbconn *c,
                         const struct hk_auth_settings *s, int64_t user_id,
                         bool is_admin, const char *family_id, json_object *obj)
{
    unsigned char raw[REFRESH_RAW];
    char refresh[REFRESH_B64_LEN + 1], hash[65], uid[24], ttl[24];
    char ua[UA_MAX + 1];
    char *access = NULL;
    int rc;

    rc = hk_random_bytes(raw, sizeof raw);
    if (rc < 0)
        return rc;
    hk_b64url_encode(raw, sizeof raw, refresh);
    explicit_bzero(raw, sizeof raw);
    rc = token_hash_hex(refresh, hash);
    if (rc < 0)
        goto out;

    snprintf(uid, sizeof uid, "%lld", (long long)user_id);
    snprintf(ttl, sizeof ttl, "%lld", (long long)s->refresh_ttl_s);
    user_agent_copy(req, ua);
    if (family_id == NULL) {
        const char *pp[] = {uid};
        rc = hk_db_query(c, sql_prune_user, 1, pp, NULL);
        if (rc < 0)
            goto out;
    }
    const char *params[] = {uid, family_id,         hash,
                            ttl, ua[0] ? ua : NULL, req->remote_addr};
    rc = hk_db_query(c, sql_insert_refresh, 6, params, NULL);
    if (rc < 0)
        goto out;

    /* req->ctx is the module: every auth route is registered with it. */
    rc = make_access_token(req->ctx, s, user_id, is_admin, &access);
    if (rc < 0)
        goto out;
    json_object_object_add(obj, "access_token", json_object_new_string(access));
    json_object_object_add(obj, "token_type", json_object_new_string("Bearer"));
    json_object_object_add(obj, "expires_in",
                           json_object_new_int64(s->access_ttl_s));
    json_object_object_add(obj, "refresh_token",
                           json_object_new_string(refresh));
out:
    hk_free(access);
    explicit_bzero(refresh, sizeof refresh);
    return rc;
}

static int revoke_family(struct hk_dbconn *c, const char *family_id)
{
    const char *p[] = {family_id};
    return hk_db_query(c, sql_revoke_family, 1, p, NULL);
}

/* The body of hk_auth_refresh once the transaction is open. */
static int refresh_locked(struct hk_req *req, struct hk_dbconn *c,
                          const struct hk_auth_settings *s, const char *hash,
                          enum hk_refresh_result *result, json_object *obj)
{
    PGresult *r = NULL, *u = NULL;
    char family[40], id[24];
    int64_t user_id = 0;
    int rc;

    const char *p1[] = {hash};
    rc = hk_db_query(c, sql_lookup_for_update, 1, p1, &r);
    if (rc < 0)
        return rc;
    if (PQntuples(r) != 1) {
        *result = HK_REFRESH_UNKNOWN;
        goto out;
    }
    hk_strlcpy(id, PQgetvalue(r, 0, 0), sizeof id);
    hk_strlcpy(family, PQgetvalue(r, 0, 1), sizeof family);
    bool expired = hk_auth_pg_bool(r, 0, 2);
    bool spent = hk_auth_pg_bool(r, 0, 3);
    bool active = hk_auth_pg_bool(r, 0, 4);
    bool admin = hk_auth_pg_bool(r, 0, 5);
    (void)hk_parse_i64(PQgetvalue(r, 0, 6), 1, INT64_MAX, &user_id);

    if (spent || !active) {
        rc = revoke_family(c, family);
        *result = spent ? HK_REFRESH_REUSED : HK_REFRESH_INACTIVE;
        if (spent)
            hk_log_fields(HAWK_LOG_WARN, "refresh token reused; family revoked",
                          NULL);
        goto out;
    }
    if (expired) {
        *result = HK_REFRESH_EXPIRED;
        goto out;
    }

    const char *p2[] = {id};
    rc = hk_db_query(c, sql_mark_rotated, 1, p2, NULL);
    if (rc < 0)
        goto out;
    rc = hk_auth_issue_tokens(req, c, s, user_id, admin, family, obj);
    if (rc < 0)
        goto out;
    char uid[24];
    snprintf(uid, sizeof uid, "%lld", (long long)user_id);
    const char *p3[] = {uid};
    rc = hk_db_query(c, sql_user_by_id, 1, p3, &u);
    if (rc < 0)
        goto out;
    if (PQntuples(u) != 1) {
        rc = HAWK_EINTERNAL;
        goto out;
    }
    json_object_object_add(obj, "user", hk_auth_user_json(u, 0));
    *result = HK_REFRESH_OK;
out:
    PQclear(r);
    PQclear(u);
    return rc;
}

/*
 * Exchanges `token` (borrowed) in one transaction: the row is locked with
 * FOR UPDATE so two concurrent exchanges of one token cannot both
 * succeed; the loser sees it rotated and revokes the family.  Commits
 * the revocation on REUSED/INACTIVE, rolls back on UNKNOWN/EXPIRED.
 * Returns 0 with *result, or a HAWK_E* database error.
 */
int hk_auth_refresh(struct hk_req *req, struct hk_dbconn *c,
                    const struct hk_auth_settings *s, const char *token,
                    enum hk_refresh_result *result, json_object *obj)
{
    char hash[65];
    int rc;

    *result = HK_REFRESH_UNKNOWN;
    if (!token_well_formed(token))
        return 0;
    rc = token_hash_hex(token, hash);
    if (rc < 0)
        return rc;
    rc = hk_db_begin(c);
    if (rc < 0)
        return rc;
    rc = refresh_locked(req, c, s, hash, result, obj);
    if (rc == 0 && (*result == HK_REFRESH_OK || *result == HK_REFRESH_REUSED ||
                    *result == HK_REFRESH_INACTIVE))
        rc = hk_db_commit(c);
    else
        (void)hk_db_rollback(c);
    return rc;
}

/* Revokes every token in the family of `token` (borrowed).  Unknown or
 * malformed tokens are a successful no-op.  Returns 0 or HAWK_E*. */
int hk_auth_revoke_family_of(struct hk_dbconn *c, const char *token)
{
    char hash[65];
    int rc;

    if (!token_well_formed(token))
        return 0;
    rc = token_hash_hex(token, hash);
    if (rc < 0)
        return rc;
    const char *p[] = {hash};
    return hk_db_query(c, sql_revoke_family_of_token, 1, p, NULL);
}

/* Revokes all live refresh tokens of user_id.  Returns 0 or HAWK_E*. */
int hk_auth_revoke_user(struct hk_dbconn *c, int64_t user_id)
{
    char uid[24];
    snprintf(uid, sizeof uid, "%lld", (long long)user_id);
    const char *p[] = {uid};
    return hk_db_query(c, sql_revoke_user, 1, p, NULL);
}
