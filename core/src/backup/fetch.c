/*
 * backup/fetch.c - reading backups back: list (local and remote merged),
 * download (checksum checked while it streams) and verify (checksum plus
 * `pg_restore --list` on the decompressed stream, in one pass).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backup/backup_int.h"
#include "log/log.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/str.h"
#include "util/time.h"

/* ---- manifests -------------------------------------------------------------- */

/* The manifest of name, from the local directory or else the plugin. */
static int bk_find(struct hk_backup *b, const char *name,
                   struct hk_backup_info *info, struct hk_err *err)
{
    char mfile[128];
    struct hk_buf buf;
    if (!bk_name_ok(name))
        return hk_err_set(
            err, HAWK_EINVAL, NULL, "name",
            "'%.80s' is not a backup name (hawk-YYYYMMDDTHHMMSSZ; "
            "see hawk backup list)",
            name);
    snprintf(mfile, sizeof(mfile), "%s.json", name);
    hk_buf_init(&buf, BK_MANIFEST_MAX);
    struct hk_err lerr = HK_ERR_INIT;
    int rc = bk_local_read_small(b, mfile, &buf, &lerr);
    bool local = rc == 0;
    if (rc < 0 && b->store != NULL) {
        hk_buf_reset(&buf);
        rc = bk_remote_get_small(b, mfile, &buf, err);
    } else if (rc < 0) {
        *err = lerr;
    }
    if (rc == HAWK_ENOTFOUND)
        hk_err_set(err, rc, NULL, "name",
                   "no backup named %s (see hawk backup list)", name);
    if (rc == 0)
        rc = bk_manifest_parse(hk_buf_str(&buf), buf.len, info, err);
    hk_buf_release(&buf);
    if (rc == 0 && strcmp(info->name, name) != 0)
        rc = hk_err_set(err, HAWK_EPROTO, NULL, NULL,
                        "the manifest of %s names another backup (%s)", name,
                        info->name);
    if (rc == 0) {
        char path[4400];
        struct stat st;
        bk_local_path(b, info->file, path, sizeof(path));
        info->local = local && stat(path, &st) == 0;
        info->remote = !local;
    }
    return rc;
}

static int bk_info_cmp(const void *a, const void *b)
{
    const struct hk_backup_info *x = a, *y = b;
    int c = strcmp(y->name, x->name);
    if (x->started_ms != y->started_ms)
        return x->started_ms < y->started_ms ? 1 : -1;
    return c;
}

static struct hk_backup_info *bk_by_name(struct hk_backup_info *v, size_t n,
                                         const char *name)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(v[i].name, name) == 0)
            return &v[i];
    }
    return NULL;
}

static void bk_push(struct hk_backup_info **v, size_t *n, size_t *cap,
                    const struct hk_backup_info *in)
{
    if (*n == *cap) {
        *cap = *cap ? *cap * 2 : 32;
        *v = hk_realloc(*v, *cap * sizeof(**v));
    }
    (*v)[(*n)++] = *in;
}

/* Manifests in the local directory whose data file is there too. */
static int bk_list_local(struct hk_backup *b, struct hk_backup_info **v,
                         size_t *n, size_t *cap, struct hk_err *err)
{
    DIR *d = opendir(b->cfg.dir);
    if (d == NULL) {
        if (errno == ENOENT)
            return 0;
        return hk_err_set(err, HAWK_EIO, NULL, "backup.dir",
                          "cannot read %s: %s", b->cfg.dir, strerror(errno));
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t l = strlen(e->d_name);
        char name[HK_BACKUP_NAME_MAX + 1];
        if (l < 6 || l - 5 > HK_BACKUP_NAME_MAX ||
            strcmp(e->d_name + l - 5, ".json") != 0)
            continue;
        memcpy(name, e->d_name, l - 5);
        name[l - 5] = '\0';
        if (!bk_name_ok(name))
            continue;
        struct hk_buf buf;
        struct hk_backup_info in;
        struct hk_err ignore = HK_ERR_INIT;
        hk_buf_init(&buf, BK_MANIFEST_MAX);
        int rc = bk_local_read_small(b, e->d_name, &buf, &ignore);
        if (rc == 0)
            rc = bk_manifest_parse(hk_buf_str(&buf), buf.len, &in, &ignore);
        hk_buf_release(&buf);
        char path[4400];
        struct stat st;
        if (rc == 0)
            bk_local_path(b, in.file, path, sizeof(path));
        if (rc < 0 || strcmp(in.name, name) != 0 || stat(path, &st) != 0) {
            hk_log(HAWK_LOG_WARN, "backup list: skipping %s/%s (%s)",
                   b->cfg.dir, e->d_name,
                   rc < 0 ? ignore.msg : "its data file is missing");
            continue;
        }
        in.local = true;
        in.remote = false;
        bk_push(v, n, cap, &in);
    }
    closedir(d);
    return 0;
}

/* Remote backups: a manifest object and its data object. */
static int bk_list_remote(struct hk_backup *b, struct hk_backup_info **v,
                          size_t *n, size_t *cap, struct hk_err *err)
{
    struct bk_obj *objs = NULL;
    size_t no = 0;
    int rc = bk_remote_list(b, &objs, &no, err);
    if (rc < 0)
        return rc;
    for (size_t i = 0; i < no && rc == 0; i++) {
        size_t l = strlen(objs[i].key);
        char name[HK_BACKUP_NAME_MAX + 1];
        if (l < 6 || l - 5 > HK_BACKUP_NAME_MAX ||
            strcmp(objs[i].key + l - 5, ".json") != 0)
            continue;
        memcpy(name, objs[i].key, l - 5);
        name[l - 5] = '\0';
        if (!bk_name_ok(name))
            continue;
        struct hk_backup_info *have = bk_by_name(*v, *n, name);
        if (have != NULL && have->remote)
            continue;
        struct hk_buf buf;
        struct hk_backup_info in;
        struct hk_err merr = HK_ERR_INIT;
        hk_buf_init(&buf, BK_MANIFEST_MAX);
        int mrc = bk_remote_get_small(b, objs[i].key, &buf, &merr);
        if (mrc == 0)
            mrc = bk_manifest_parse(hk_buf_str(&buf), buf.len, &in, &merr);
        hk_buf_release(&buf);
        bool data = false;
        for (size_t k = 0; mrc == 0 && k < no; k++) {
            if (strcmp(objs[k].key, in.file) == 0)
                data = objs[k].size == in.stored_bytes;
        }
        if (mrc < 0 || !data || strcmp(in.name, name) != 0) {
            hk_log(HAWK_LOG_WARN, "backup list: skipping remote %s (%s)",
                   objs[i].key,
                   mrc < 0 ? merr.msg
                           : "its data object is missing or of another size");
            if (mrc == HAWK_EAUTH || mrc == HAWK_EUNAVAIL) {
                *err = merr;
                rc = mrc;
            }
            continue;
        }
        if (have != NULL) {
            have->remote = true;
        } else {
            in.local = false;
            in.remote = true;
            bk_push(v, n, cap, &in);
        }
    }
    hk_free(objs);
    return rc;
}

int hk_backup_list(struct hk_backup *b, struct hk_backup_info **out, size_t *n,
                   struct hk_err *err)
{
    struct hk_backup_info *v = NULL;
    size_t cnt = 0, cap = 0;
    int rc = bk_list_local(b, &v, &cnt, &cap, err);
    if (rc == 0 && b->store != NULL)
        rc = bk_list_remote(b, &v, &cnt, &cap, err);
    if (rc < 0) {
        hk_free(v);
        return rc;
    }
    if (cnt > 1)
        qsort(v, cnt, sizeof(*v), bk_info_cmp);
    *out = v;
    *n = cnt;
    return 0;
}

/* ---- the read chain ------------------------------------------------------------ */

/* source bytes -> sha -> [file] -> [decrypt -> decompress -> pipe] */
struct bk_reader {
    struct hk_backup *b;
    struct bk_sha sha;
    int64_t bytes;
    int file_fd;        /* download target, -1 for none */
    struct bk_dec *dec; /* NULL: not encrypted */
    struct bk_zd *zd;   /* NULL: no decompression */
    int pipe_fd;        /* pg_restore's stdin, -1 once it stopped */
    struct bk_prog prog;
    int stage_rc; /* decryption/decompression failure */
    struct hk_err ferr;
};

static int bk_pipe_out(void *opaque, const void *data, size_t n)
{
    struct bk_reader *r = opaque;
    const char *p = data;
    while (n > 0 && r->pipe_fd >= 0) {
        ssize_t w = write(r->pipe_fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            /* pg_restore --list stops reading after the table of
             * contents; its exit status is what counts. */
            close(r->pipe_fd);
            r->pipe_fd = -1;
            break;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static int bk_zd_out(void *opaque, const void *data, size_t n)
{
    struct bk_reader *r = opaque;
    return bk_zd_write(r->zd, data, n);
}

static int bk_reader_write(struct hawk_text_sink *s, const char *d, size_t n)
{
    struct bk_reader *r = s->opaque;
    bk_sha_update(&r->sha, d, n);
    r->bytes += (int64_t)n;
    if (r->file_fd >= 0) {
        const char *p = d;
        size_t left = n;
        while (left > 0) {
            ssize_t w = write(r->file_fd, p, left);
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0) {
                hk_err_set(&r->ferr, HAWK_EIO, NULL, NULL,
                           "cannot write into %s: %s", r->b->cfg.dir,
                           strerror(errno));
                return HAWK_EIO;
            }
            p += w;
            left -= (size_t)w;
        }
    }
    if (r->stage_rc == 0 && (r->dec != NULL || r->zd != NULL)) {
        int rc = r->dec != NULL ? bk_dec_write(r->dec, d, n)
                                : bk_zd_write(r->zd, d, n);
        if (rc < 0)
            r->stage_rc = rc; /* keep hashing: the checksum is reported */
    }
    bk_prog_tick(&r->prog, r->bytes, false);
    return 0;
}

/* Streams a local file into the reader. */
static int bk_read_file(const char *path, struct hawk_text_sink *s,
                        struct hk_err *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return hk_err_set(err, errno == ENOENT ? HAWK_ENOTFOUND : HAWK_EIO,
                          NULL, NULL, "cannot read %s: %s", path,
                          strerror(errno));
    char *buf = hk_malloc(BK_CHUNK);
    int rc = 0;
    for (;;) {
        ssize_t n = read(fd, buf, BK_CHUNK);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = hk_err_set(err, HAWK_EIO, NULL, NULL, "cannot read %s: %s",
                            path, strerror(errno));
            break;
        }
        if (n == 0)
            break;
        rc = s->write(s, buf, (size_t)n);
        if (rc < 0)
            break;
    }
    hk_free(buf);
    close(fd);
    return rc;
}

/* Checks the byte count and checksum read against the manifest. */
static int bk_check_sum(const struct hk_backup_info *info, struct bk_reader *r,
                        struct hk_err *err)
{
    char hex[65];
    bk_sha_final(&r->sha, hex);
    if (r->bytes != info->stored_bytes)
        return hk_err_set(err, HAWK_EPROTO, "backup_corrupt", NULL,
                          "backup %s is damaged: %lld bytes read, the "
                          "manifest says %lld (truncated copy?)",
                          info->name, (long long)r->bytes,
                          (long long)info->stored_bytes);
    if (strcmp(hex, info->sha256) != 0)
        return hk_err_set(err, HAWK_EPROTO, "backup_corrupt", NULL,
                          "backup %s is damaged: sha256 %s, the manifest "
                          "says %s",
                          info->name, hex, info->sha256);
    return 0;
}

/* ---- download -------------------------------------------------------------------- */

int hk_backup_download(struct hk_backup *b, const char *name,
                       const struct hk_backup_progress *pr, struct hk_err *err)
{
    struct hk_backup_info info;
    struct bk_reader r;
    char path[4400], partial[4420];
    if (b->store == NULL)
        return hk_err_set(err, HAWK_ECONFIG, NULL, "backup.storage",
                          "no storage plugin configured (backup.storage): "
                          "there is nothing to download from");
    int rc = bk_find(b, name, &info, err);
    if (rc < 0)
        return rc;
    rc = bk_local_ensure_dir(b, err);
    if (rc < 0)
        return rc;
    bk_local_path(b, info.file, path, sizeof(path));
    snprintf(partial, sizeof(partial), "%s.partial", path);
    memset(&r, 0, sizeof(r));
    r.b = b;
    r.pipe_fd = -1;
    r.prog = (struct bk_prog){pr, "download", info.stored_bytes, 0};
    hk_err_clear(&r.ferr);
    r.file_fd = open(partial, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (r.file_fd < 0)
        return hk_err_set(err, HAWK_EIO, NULL, NULL, "cannot create %s: %s",
                          partial, strerror(errno));
    bk_sha_init(&r.sha);
    struct hawk_text_sink s = {&r, bk_reader_write};
    rc = bk_remote_get(b, info.file, &s, err);
    if (rc < 0 && r.ferr.code != 0)
        *err = r.ferr;
    if (rc == 0)
        rc = bk_check_sum(&info, &r, err);
    else {
        char scratch[65];
        bk_sha_final(&r.sha, scratch);
    }
    if (rc == 0 && (fsync(r.file_fd) < 0 || close(r.file_fd) < 0)) {
        r.file_fd = -1;
        rc = hk_err_set(err, HAWK_EIO, NULL, NULL, "cannot write %s: %s",
                        partial, strerror(errno));
    }
    if (r.file_fd >= 0 && rc < 0)
        close(r.file_fd);
    if (rc == 0 && rename(partial, path) < 0)
        rc = hk_err_set(err, HAWK_EIO, NULL, NULL, "cannot rename %s: %s",
                        partial, strerror(errno));
    if (rc == 0) {
        char mfile[128];
        char *m = bk_manifest_json(&info);
        snprintf(mfile, sizeof(mfile), "%s.json", info.name);
        rc = bk_local_write_small(b, mfile, m, strlen(m), err);
        hk_free(m);
    }
    if (rc < 0) {
        unlink(partial);
        return rc;
    }
    bk_prog_tick(&r.prog, r.bytes, true);
    return 0;
}

/* ---- verify ----------------------------------------------------------------------- */

/* Reads the backup (local copy, else remote) through sha -> decrypt ->
 * decompress -> pg_restore --list. */
int hk_backup_verify(struct hk_backup *b, const char *name,
                     const struct hk_backup_progress *pr, struct hk_err *err)
{
    struct hk_backup_info info;
    struct bk_reader r;
    struct bk_proc pg;
    char prog[4200];
    int rc = bk_find(b, name, &info, err);
    if (rc < 0)
        return rc;
    bool enc = strcmp(info.encryption, "none") != 0;
    if (enc && !b->have_key)
        return hk_err_set(err, HAWK_ECONFIG, NULL, "backup.encryption_key_env",
                          "backup %s is encrypted: set "
                          "backup.encryption_key_env and export the key",
                          name);
    rc = bk_pg_program(&b->cfg, "pg_restore", prog, sizeof(prog), err);
    if (rc < 0)
        return rc;
    char *argv[] = {prog, "--list", NULL};
    rc = bk_proc_start(&pg, argv, NULL, -1, -2, err);
    if (rc < 0)
        return rc;
    memset(&r, 0, sizeof(r));
    r.b = b;
    r.file_fd = -1;
    r.pipe_fd = pg.in_fd;
    pg.in_fd = -1;
    r.prog = (struct bk_prog){pr, "verify", info.stored_bytes, 0};
    hk_err_clear(&r.ferr);
    r.zd = bk_zd_new((struct bk_out){bk_pipe_out, &r});
    if (enc)
        r.dec = bk_dec_new(b->key, (struct bk_out){bk_zd_out, &r});
    bk_sha_init(&r.sha);
    struct hawk_text_sink s = {&r, bk_reader_write};
    if (info.local) {
        char path[4400];
        bk_local_path(b, info.file, path, sizeof(path));
        rc = bk_read_file(path, &s, err);
    } else {
        rc = bk_remote_get(b, info.file, &s, err);
    }
    if (rc == 0 && r.stage_rc == 0 && r.dec != NULL)
        r.stage_rc = bk_dec_finish(r.dec);
    if (rc == 0 && r.stage_rc == 0)
        r.stage_rc = bk_zd_finish(r.zd);
    if (r.pipe_fd >= 0)
        close(r.pipe_fd);
    r.pipe_fd = -1;
    int st = bk_proc_wait(&pg, rc < 0);
    if (rc == 0)
        rc = bk_check_sum(&info, &r, err);
    else {
        char scratch[65];
        bk_sha_final(&r.sha, scratch);
    }
    if (rc == 0 && r.stage_rc < 0)
        rc = hk_err_set(err, HAWK_EPROTO, "backup_corrupt", NULL,
                        "backup %s matches its checksum but cannot be %s "
                        "(wrong key?)",
                        name, enc ? "decrypted" : "decompressed");
    if (rc == 0 && st != 0) {
        char line[512];
        rc = hk_err_set(err, HAWK_EPROTO, "backup_corrupt", NULL,
                        "pg_restore --list rejects backup %s: %s", name,
                        bk_proc_err_line(&pg, line, sizeof(line)));
    }
    bk_dec_free(r.dec);
    bk_zd_free(r.zd);
    if (rc == 0)
        bk_prog_tick(&r.prog, r.bytes, true);
    return rc;
}

int bk_prepare_local(struct hk_backup *b, const char *name,
                     struct hk_backup_info *info,
                     const struct hk_backup_progress *pr, struct hk_err *err)
{
    int rc = bk_find(b, name, info, err);
    if (rc < 0)
        return rc;
    if (!info->local) {
        rc = hk_backup_download(b, name, pr, err);
        if (rc < 0)
            return rc;
        info->local = true;
    }
    /* The checksum pass before anything is touched. */
    struct bk_reader r;
    char path[4400];
    memset(&r, 0, sizeof(r));
    r.b = b;
    r.file_fd = -1;
    r.pipe_fd = -1;
    r.prog = (struct bk_prog){pr, "check", info->stored_bytes, 0};
    bk_sha_init(&r.sha);
    struct hawk_text_sink s = {&r, bk_reader_write};
    bk_local_path(b, info->file, path, sizeof(path));
    rc = bk_read_file(path, &s, err);
    if (rc == 0)
        return bk_check_sum(info, &r, err);
    char scratch[65];
    bk_sha_final(&r.sha, scratch);
    return rc;
}
