/*
 * backup/backup_int.h - internals of the backup module shared by its
 * files.
 */
#ifndef HK_BACKUP_INT_H
#define HK_BACKUP_INT_H

#include <openssl/evp.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "backup/backup.h"
#include "hawk/plugin.h"

struct hk_plugin_entry;
struct hk_mail;
struct hk_buf;
struct json_object;

#define BK_CHUNK ((size_t)1 << 20)     /* pipeline block */
#define BK_CRYPT_CHUNK ((size_t)65536) /* plaintext per encrypted chunk */
#define BK_ENC_MAGIC "HKBKSS01"
#define BK_ENC_NAME "secretstream-xchacha20poly1305"
#define BK_MANIFEST_MAX ((size_t)64 << 10)

struct hk_backup {
    struct hk_backup_cfg cfg;
    struct hk_db *db;
    char *db_url;
    const struct hk_plugin_entry *store; /* NULL: local only */
    unsigned char key[32];
    bool have_key;
    struct hk_mail *mail; /* failure mails of the daily backup; may be NULL */
};

/* ---- names.c ---- */
/* "hawk-20261203T091500Z" for epoch ms (UTC). */
void bk_name_for(int64_t ms, char *out, size_t n);
/* Parses a name back to epoch seconds; -1 when it is not a backup name
 * (an optional "-N" suffix for same-second backups is allowed). */
int64_t bk_name_time(const char *name);
/* True for a valid backup name. */
bool bk_name_ok(const char *name);
/* Data object name for a backup: <name>.dump.zst[.enc]. */
void bk_data_file(const char *name, bool encrypted, char *out, size_t n);

/* ---- manifest.c ---- */
/* JSON text of info (caller frees with hk_free). */
char *bk_manifest_json(const struct hk_backup_info *info);
/* Parses a manifest; HAWK_EPROTO with err on anything malformed. */
int bk_manifest_parse(const char *text, size_t len, struct hk_backup_info *info,
                      struct hk_err *err);
/* Object metadata for the data object (known at start) and for the
 * manifest (everything).  Strings live in the storage `store`. */
struct bk_meta {
    struct hawk_kv kv[16];
    size_t n;
    char store[16][96];
};
void bk_meta_start(const struct hk_backup_info *info, struct bk_meta *m);
void bk_meta_full(const struct hk_backup_info *info, struct bk_meta *m);

/* ---- proc.c ---- */
/* A child process with optional pipes to its stdin/stdout; stderr is
 * kept (last 4 KiB) for error messages. */
struct bk_proc {
    pid_t pid;
    int in_fd;  /* write end of its stdin, -1 when not piped */
    int out_fd; /* read end of its stdout, -1 when not piped */
    int err_fd;
    char err_tail[4096];
    size_t err_len;
};
/* Starts argv[0] (absolute path) with envp additions ("K=V", NULL-ended;
 * may be NULL).  stdin_fd / stdout_fd >= 0 connect the child to that
 * descriptor instead of a pipe (-2: /dev/null).  0 or HAWK_EIO. */
int bk_proc_start(struct bk_proc *p, char *const argv[], const char *const *env,
                  int stdin_fd, int stdout_fd, struct hk_err *err);
/* Reads stderr that is ready (non-blocking). */
void bk_proc_drain_err(struct bk_proc *p);
/* Closes our pipe ends, waits, returns the exit status (0-255) or -1
 * when it died of a signal.  kill_first sends SIGTERM before waiting. */
int bk_proc_wait(struct bk_proc *p, bool kill_first);
/* The last line of the child's stderr (for messages), "" when none. */
const char *bk_proc_err_line(struct bk_proc *p, char *buf, size_t n);
/* Full path of a PostgreSQL program in cfg->pg_bindir, the newest
 * /usr/lib/postgresql/N/bin, or PATH.  HAWK_ENOTFOUND with err. */
int bk_pg_program(const struct hk_backup_cfg *cfg, const char *prog, char *out,
                  size_t n, struct hk_err *err);
/* Connection arguments for the PostgreSQL tools: conninfo without the
 * password (caller frees with hk_free) and "PGPASSWORD=..." (secret,
 * hk_free_secret; NULL when the conninfo has none). */
int bk_pg_conn(const char *db_url, char **conninfo, char **pgpassword,
               struct hk_err *err);

/* ---- crypt.c / codec ---- */
/* Key from the environment variable: 64 hex digits or base64 of 32
 * bytes.  HAWK_ECONFIG with err naming the variable. */
int bk_key_from_env(const char *var, unsigned char key[32], struct hk_err *err);

/* A byte sink chain: compress -> encrypt -> hash+count -> out. */
struct bk_out {
    int (*write)(void *opaque, const void *data, size_t n);
    void *opaque;
};
struct bk_enc;
struct bk_enc *bk_enc_new(const unsigned char key[32], struct bk_out next);
int bk_enc_write(struct bk_enc *e, const void *data, size_t n);
int bk_enc_finish(struct bk_enc *e);
void bk_enc_free(struct bk_enc *e);
struct bk_dec;
struct bk_dec *bk_dec_new(const unsigned char key[32], struct bk_out next);
/* HAWK_EPROTO: not encrypted with this key, tampered or truncated. */
int bk_dec_write(struct bk_dec *d, const void *data, size_t n);
int bk_dec_finish(struct bk_dec *d);
void bk_dec_free(struct bk_dec *d);

struct bk_zc;
struct bk_zc *bk_zc_new(int level, int threads, struct bk_out next);
int bk_zc_write(struct bk_zc *z, const void *data, size_t n);
int bk_zc_finish(struct bk_zc *z);
void bk_zc_free(struct bk_zc *z);
struct bk_zd;
struct bk_zd *bk_zd_new(struct bk_out next);
int bk_zd_write(struct bk_zd *z, const void *data, size_t n);
/* HAWK_EPROTO when the frame is incomplete. */
int bk_zd_finish(struct bk_zd *z);
void bk_zd_free(struct bk_zd *z);

/* SHA-256 in a stream. */
struct bk_sha {
    EVP_MD_CTX *ctx;
};
void bk_sha_init(struct bk_sha *s);
void bk_sha_update(struct bk_sha *s, const void *d, size_t n);
void bk_sha_final(struct bk_sha *s, char hex[65]);

/* ---- store.c: local directory and storage plugin ---- */
/* Writes a whole small object to the plugin. */
int bk_remote_put_small(struct hk_backup *b, const char *key, const char *data,
                        size_t len, const struct bk_meta *m,
                        struct hk_err *err);
int bk_remote_put_stream(struct hk_backup *b, const char *key,
                         struct hawk_reader *r, const struct bk_meta *m,
                         struct hk_err *err);
/* Streams an object into a sink. */
int bk_remote_get(struct hk_backup *b, const char *key,
                  struct hawk_text_sink *sink, struct hk_err *err);
/* Reads a small object (at most max bytes) into buf. */
int bk_remote_get_small(struct hk_backup *b, const char *key,
                        struct hk_buf *buf, struct hk_err *err);
int bk_remote_del(struct hk_backup *b, const char *key, struct hk_err *err);
/* Names of every object (relative keys), one per entry, with sizes. */
struct bk_obj {
    char key[160];
    int64_t size;
};
int bk_remote_list(struct hk_backup *b, struct bk_obj **out, size_t *n,
                   struct hk_err *err);
/* Local paths. */
void bk_local_path(const struct hk_backup *b, const char *file, char *out,
                   size_t n);
/* Writes data to dir/file atomically (tmp + fsync + rename). */
int bk_local_write_small(struct hk_backup *b, const char *file,
                         const char *data, size_t len, struct hk_err *err);
/* Reads dir/file (at most max bytes). */
int bk_local_read_small(struct hk_backup *b, const char *file,
                        struct hk_buf *buf, struct hk_err *err);
/* Creates the directory (0700) when missing. */
int bk_local_ensure_dir(struct hk_backup *b, struct hk_err *err);

/* ---- catalog.c: the backup_runs table ---- */
int bk_catalog_start(struct hk_backup *b, const char *name, int64_t started_ms,
                     int64_t *run_id);
void bk_catalog_finish(struct hk_backup *b, int64_t run_id,
                       const struct hk_backup_info *info, const char *error);
/* Highest applied migration (-1: no schema) and database size. */
int bk_db_facts(struct hk_backup *b, int *schema_version, int64_t *db_bytes,
                struct hk_err *err);

/* ---- fetch.c ---- */
/* The manifest of name and a local copy whose checksum was just checked
 * (downloaded first when the backup is only remote). */
int bk_prepare_local(struct hk_backup *b, const char *name,
                     struct hk_backup_info *info,
                     const struct hk_backup_progress *pr, struct hk_err *err);

/* ---- progress ---- */
struct bk_prog {
    const struct hk_backup_progress *pr;
    const char *phase;
    int64_t total;
    int64_t last_ms;
};
void bk_prog_tick(struct bk_prog *p, int64_t done, bool final);

#endif
