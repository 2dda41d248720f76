/*
 * backup/create.c - `hawk backup create`: pg_dump -> zstd -> (encrypt)
 * -> SHA-256 -> local file and/or storage plugin.
 *
 * A producer reads pg_dump's output and runs the stages; its output goes
 * to the local ".partial" file and, when a storage plugin is configured,
 * into a small ring of blocks that the plugin pulls from while it uploads
 * (so compression and upload overlap, and memory stays bounded: the ring,
 * one zstd context and the plugin's one part).  With a plugin the
 * producer runs on its own thread and the upload on the caller's; without
 * one, everything runs on the caller's thread.
 *
 * Order of publication: data first, manifest last.  Until the manifest is
 * written a backup does not exist for list, verify, prune or restore.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backup/backup_int.h"
#include "log/log.h"
#include "plugin/plugins.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/str.h"
#include "util/time.h"

/* Blocks of BK_CHUNK in the ring.  The plugin takes a whole part (8 MiB
 * by default) before it uploads it; while that part is on the wire the
 * producer must still have room, or pg_dump and zstd stand idle for the
 * length of every upload.  12 MiB covers a default part and then some. */
#define BK_RING 12

/* Blocks handed from the producer to the uploading plugin. */
struct bk_ring {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    char *blk[BK_RING];
    size_t len[BK_RING];
    size_t head, count; /* filled blocks, oldest at head */
    size_t fill;        /* bytes in the block being filled */
    size_t rd_off;      /* bytes of blk[head] already read */
    bool closed;        /* producer finished (successfully or not) */
    int prod_rc;
    bool gone; /* the consumer stopped: the producer gives up */
};

struct bk_job {
    struct hk_backup *b;
    struct hk_backup_info *info;
    struct bk_proc dump;
    int fd; /* local .partial, -1 for none */
    struct bk_ring *ring;
    struct bk_zc *zc;
    struct bk_enc *enc;
    struct bk_sha sha;
    struct bk_prog prog;
    const atomic_bool *cancel;
    struct hk_err perr; /* the producer's error */
    int prod_rc;
};

/* ---- ring ---------------------------------------------------------------- */

static struct bk_ring *bk_ring_new(void)
{
    struct bk_ring *r = hk_calloc(1, sizeof(*r));
    pthread_mutex_init(&r->mu, NULL);
    pthread_cond_init(&r->cv, NULL);
    for (int i = 0; i < BK_RING; i++)
        r->blk[i] = hk_malloc(BK_CHUNK);
    return r;
}

static void bk_ring_free(struct bk_ring *r)
{
    if (r == NULL)
        return;
    for (int i = 0; i < BK_RING; i++)
        hk_free(r->blk[i]);
    pthread_mutex_destroy(&r->mu);
    pthread_cond_destroy(&r->cv);
    hk_free(r);
}

/* Producer side: appends bytes, waiting while every block is full. */
static int bk_ring_push(struct bk_ring *r, const char *d, size_t n)
{
    pthread_mutex_lock(&r->mu);
    while (n > 0) {
        while (r->count == BK_RING && !r->gone)
            pthread_cond_wait(&r->cv, &r->mu);
        if (r->gone) {
            pthread_mutex_unlock(&r->mu);
            return HAWK_ECANCELED;
        }
        size_t i = (r->head + r->count) % BK_RING;
        size_t take = BK_CHUNK - r->fill;
        if (take > n)
            take = n;
        memcpy(r->blk[i] + r->fill, d, take);
        r->fill += take;
        d += take;
        n -= take;
        if (r->fill == BK_CHUNK) {
            r->len[i] = r->fill;
            r->fill = 0;
            r->count++;
            pthread_cond_broadcast(&r->cv);
        }
    }
    pthread_mutex_unlock(&r->mu);
    return 0;
}

static void bk_ring_close(struct bk_ring *r, int rc)
{
    pthread_mutex_lock(&r->mu);
    while (rc == 0 && r->fill > 0 && r->count == BK_RING && !r->gone)
        pthread_cond_wait(&r->cv, &r->mu);
    if (rc == 0 && r->fill > 0 && !r->gone) {
        size_t i = (r->head + r->count) % BK_RING;
        r->len[i] = r->fill;
        r->fill = 0;
        r->count++;
    }
    r->closed = true;
    r->prod_rc = rc;
    pthread_cond_broadcast(&r->cv);
    pthread_mutex_unlock(&r->mu);
}

static void bk_ring_abandon(struct bk_ring *r)
{
    pthread_mutex_lock(&r->mu);
    r->gone = true;
    pthread_cond_broadcast(&r->cv);
    pthread_mutex_unlock(&r->mu);
}

/* Consumer side (the plugin's reader). */
static int bk_ring_read(struct hawk_reader *rd, char *buf, size_t cap,
                        size_t *got)
{
    struct bk_ring *r = rd->opaque;
    *got = 0;
    pthread_mutex_lock(&r->mu);
    while (r->count == 0 && !r->closed)
        pthread_cond_wait(&r->cv, &r->mu);
    if (r->count == 0) {
        int rc = r->prod_rc;
        pthread_mutex_unlock(&r->mu);
        return rc; /* 0 with *got 0: the end */
    }
    size_t avail = r->len[r->head] - r->rd_off;
    size_t n = avail < cap ? avail : cap;
    memcpy(buf, r->blk[r->head] + r->rd_off, n);
    r->rd_off += n;
    if (r->rd_off == r->len[r->head]) {
        r->rd_off = 0;
        r->head = (r->head + 1) % BK_RING;
        r->count--;
        pthread_cond_broadcast(&r->cv);
    }
    pthread_mutex_unlock(&r->mu);
    *got = n;
    return 0;
}

/* ---- stages -------------------------------------------------------------- */

/* The last stage: hash, count, write locally, hand to the ring. */
static int bk_sink(void *opaque, const void *data, size_t n)
{
    struct bk_job *j = opaque;
    bk_sha_update(&j->sha, data, n);
    j->info->stored_bytes += (int64_t)n;
    if (j->fd >= 0) {
        const char *p = data;
        size_t left = n;
        while (left > 0) {
            ssize_t w = write(j->fd, p, left);
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0)
                return hk_err_set(&j->perr, HAWK_EIO, NULL, NULL,
                                  "cannot write the backup file in %s: %s",
                                  j->b->cfg.dir, strerror(errno));
            p += w;
            left -= (size_t)w;
        }
    }
    if (j->ring != NULL) {
        int rc = bk_ring_push(j->ring, data, n);
        if (rc < 0)
            return hk_err_set(&j->perr, rc, NULL, NULL, "upload stopped");
    }
    return 0;
}

static int bk_enc_out(void *opaque, const void *data, size_t n)
{
    struct bk_job *j = opaque;
    return bk_enc_write(j->enc, data, n);
}

/* Reads pg_dump to the end through every stage; fills j->perr. */
static int bk_produce(struct bk_job *j)
{
    char *buf = hk_malloc(BK_CHUNK);
    int rc = 0;
    for (;;) {
        if (j->cancel != NULL && atomic_load(j->cancel)) {
            rc = hk_err_set(&j->perr, HAWK_ECANCELED, NULL, NULL,
                            "backup cancelled");
            break;
        }
        ssize_t r = read(j->dump.out_fd, buf, BK_CHUNK);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            rc = hk_err_set(&j->perr, HAWK_EIO, NULL, NULL,
                            "reading pg_dump's output failed: %s",
                            strerror(errno));
            break;
        }
        bk_proc_drain_err(&j->dump);
        if (r == 0)
            break;
        j->info->dump_bytes += r;
        rc = bk_zc_write(j->zc, buf, (size_t)r);
        if (rc < 0)
            break;
        bk_prog_tick(&j->prog, j->info->dump_bytes, false);
    }
    hk_free(buf);
    if (rc == 0)
        rc = bk_zc_finish(j->zc);
    if (rc == 0 && j->enc != NULL)
        rc = bk_enc_finish(j->enc);
    int st = bk_proc_wait(&j->dump, rc < 0);
    if (rc == 0 && st != 0) {
        char line[512];
        rc = hk_err_set(&j->perr, HAWK_EIO, NULL, NULL,
                        "pg_dump failed (exit %d): %s", st,
                        bk_proc_err_line(&j->dump, line, sizeof(line)));
    }
    if (rc < 0 && j->perr.code == 0)
        hk_err_set(&j->perr, rc, NULL, NULL, "backup stream failed: %s",
                   hawk_strerror(rc));
    if (rc == 0)
        bk_prog_tick(&j->prog, j->info->dump_bytes, true);
    return rc;
}

static void *bk_producer_main(void *arg)
{
    struct bk_job *j = arg;
    j->prod_rc = bk_produce(j);
    bk_ring_close(j->ring, j->prod_rc);
    return NULL;
}

/* ---- the run --------------------------------------------------------------- */

/* A name not taken locally (same-second runs get "-2", "-3"...). */
static void bk_pick_name(struct hk_backup *b, int64_t ms, char *out, size_t n)
{
    char base[HK_BACKUP_NAME_MAX + 1], path[4400], file[128];
    bk_name_for(ms, base, sizeof(base));
    hk_strlcpy(out, base, n);
    for (int i = 2; i < 100; i++) {
        struct stat st;
        snprintf(file, sizeof(file), "%s.json", out);
        bk_local_path(b, file, path, sizeof(path));
        if (stat(path, &st) != 0)
            return;
        if (snprintf(out, n, "%s-%d", base, i) >= (int)n)
            return;
    }
}

static int bk_start_dump(struct bk_job *j, struct hk_err *err)
{
    char prog[4200];
    char *conninfo = NULL, *pw = NULL;
    int rc = bk_pg_program(&j->b->cfg, "pg_dump", prog, sizeof(prog), err);
    if (rc < 0)
        return rc;
    rc = bk_pg_conn(j->b->db_url, &conninfo, &pw, err);
    if (rc < 0)
        return rc;
    char *dbarg = hk_asprintf("--dbname=%s", conninfo);
    char *argv[] = {
        prog, "--format=custom", "--compress=0", "--no-password", dbarg, NULL};
    const char *env[] = {pw, NULL};
    rc = bk_proc_start(&j->dump, argv, pw != NULL ? env : NULL, -2, -1, err);
    hk_free(dbarg);
    hk_free(conninfo);
    hk_free_secret(pw);
    return rc;
}

static int bk_publish(struct hk_backup *b, struct hk_backup_info *info,
                      const char *partial, struct hk_err *err)
{
    char path[4400], mfile[128];
    char *m = bk_manifest_json(info);
    int rc = 0;
    snprintf(mfile, sizeof(mfile), "%s.json", info->name);
    if (b->store != NULL) {
        struct bk_meta meta;
        bk_meta_full(info, &meta);
        rc = bk_remote_put_small(b, mfile, m, strlen(m), &meta, err);
        if (rc < 0)
            hk_err_prefix(err, "uploading the manifest");
    }
    if (rc == 0 && partial != NULL) {
        bk_local_path(b, info->file, path, sizeof(path));
        if (rename(partial, path) < 0)
            rc = hk_err_set(err, HAWK_EIO, NULL, NULL, "cannot rename %s: %s",
                            partial, strerror(errno));
        if (rc == 0)
            rc = bk_local_write_small(b, mfile, m, strlen(m), err);
    }
    hk_free(m);
    return rc;
}

int hk_backup_create(struct hk_backup *b, const struct hk_backup_progress *pr,
                     const atomic_bool *cancel, struct hk_backup_info *out,
                     struct hk_err *err)
{
    struct hk_backup_info info;
    struct bk_job j;
    char partial[4420] = "";
    int64_t run_id = 0;
    pthread_t th;
    bool thread = false;
    int rc;

    memset(&info, 0, sizeof(info));
    memset(&j, 0, sizeof(j));
    j.fd = -1;
    j.dump.pid = -1;
    j.b = b;
    j.info = &info;
    j.cancel = cancel;
    hk_err_clear(&j.perr);

    rc = bk_db_facts(b, &info.schema_version, &info.database_bytes, err);
    if (rc < 0)
        return rc;
    if (b->cfg.local || b->store == NULL) {
        rc = bk_local_ensure_dir(b, err);
        if (rc < 0)
            return rc;
    }
    info.started_ms = hk_wall_ms();
    bk_pick_name(b, info.started_ms, info.name, sizeof(info.name));
    bk_data_file(info.name, b->have_key, info.file, sizeof(info.file));
    hk_strlcpy(info.hawk_version, b->cfg.hawk_version,
               sizeof(info.hawk_version));
    hk_strlcpy(info.compression, "zstd", sizeof(info.compression));
    info.level = b->cfg.level;
    hk_strlcpy(info.encryption, b->have_key ? BK_ENC_NAME : "none",
               sizeof(info.encryption));
    info.local = b->cfg.local || b->store == NULL;
    info.remote = b->store != NULL;
    bk_catalog_start(b, info.name, info.started_ms, &run_id);
    hk_log(HAWK_LOG_INFO, "backup %s: started (%s%s%s)", info.name,
           info.local ? "local" : "", info.local && info.remote ? " + " : "",
           info.remote ? hk_plugin_entry_name(b->store) : "");

    if (info.local) {
        char path[4400];
        bk_local_path(b, info.file, path, sizeof(path));
        if (snprintf(partial, sizeof(partial), "%s.partial", path) >=
            (int)sizeof(partial))
            partial[0] = '\0';
        j.fd = open(partial, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (j.fd < 0) {
            rc = hk_err_set(err, HAWK_EIO, NULL, "backup.dir",
                            "cannot create %s: %s", partial, strerror(errno));
            partial[0] = '\0';
            goto out;
        }
    }
    bk_sha_init(&j.sha);
    struct bk_out last = {bk_sink, &j};
    if (b->have_key) {
        j.enc = bk_enc_new(b->key, last);
        last = (struct bk_out){bk_enc_out, &j};
    }
    j.zc = bk_zc_new(b->cfg.level, b->cfg.threads, last);
    j.prog = (struct bk_prog){pr, "dump", info.database_bytes, 0};
    rc = bk_start_dump(&j, err);
    if (rc < 0)
        goto out;

    if (b->store != NULL) {
        j.ring = bk_ring_new();
        if (pthread_create(&th, NULL, bk_producer_main, &j) != 0) {
            rc = hk_err_set(err, HAWK_EIO, NULL, NULL,
                            "cannot start the backup thread");
            bk_proc_wait(&j.dump, true);
            goto out;
        }
        thread = true;
        struct hawk_reader rd = {j.ring, bk_ring_read};
        struct bk_meta meta;
        bk_meta_start(&info, &meta);
        rc = bk_remote_put_stream(b, info.file, &rd, &meta, err);
        if (rc < 0)
            bk_ring_abandon(j.ring);
        pthread_join(th, NULL);
        thread = false;
        /* The producer's own failure explains an upload that stopped. */
        if (j.prod_rc < 0 && j.perr.code != 0 &&
            (rc == 0 || rc == HAWK_ECANCELED || j.prod_rc != HAWK_ECANCELED)) {
            rc = j.prod_rc;
            *err = j.perr;
        }
    } else {
        rc = bk_produce(&j);
        if (rc < 0)
            *err = j.perr;
    }
    if (rc < 0)
        goto out;
    bk_sha_final(&j.sha, info.sha256);
    if (j.fd >= 0) {
        if (fsync(j.fd) < 0 || close(j.fd) < 0) {
            j.fd = -1;
            rc = hk_err_set(err, HAWK_EIO, NULL, NULL, "cannot write %s: %s",
                            partial, strerror(errno));
            goto out;
        }
        j.fd = -1;
    }
    info.finished_ms = hk_wall_ms();
    rc = bk_publish(b, &info, partial[0] ? partial : NULL, err);
    if (rc == 0)
        partial[0] = '\0';

out:
    if (thread) {
        bk_ring_abandon(j.ring);
        pthread_join(th, NULL);
    }
    if (j.dump.pid > 0)
        bk_proc_wait(&j.dump, true);
    if (j.sha.ctx != NULL) {
        char scratch[65];
        bk_sha_final(&j.sha, scratch);
    }
    if (j.fd >= 0)
        close(j.fd);
    if (partial[0] != '\0')
        unlink(partial);
    if (rc < 0 && info.remote && info.name[0] != '\0') {
        /* A completed upload whose manifest failed is not a backup. */
        struct hk_err ignore = HK_ERR_INIT;
        (void)bk_remote_del(b, info.file, &ignore);
    }
    bk_zc_free(j.zc);
    bk_enc_free(j.enc);
    bk_ring_free(j.ring);
    if (rc < 0) {
        hk_log(HAWK_LOG_ERROR, "backup %s failed: %s", info.name, err->msg);
        bk_catalog_finish(b, run_id, &info, err->msg);
        return rc;
    }
    hk_log(HAWK_LOG_INFO,
           "backup %s: done, %lld bytes dumped, %lld stored, sha256 %s",
           info.name, (long long)info.dump_bytes, (long long)info.stored_bytes,
           info.sha256);
    bk_catalog_finish(b, run_id, &info, NULL);
    if (out != NULL)
        *out = info;
    return 0;
}
