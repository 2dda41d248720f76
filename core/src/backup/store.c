/*
 * backup/store.c - where backups live: the local backup directory and the
 * configured storage plugin instance.
 *
 * Local files are written under a ".partial" name, fsync'ed and renamed
 * into place, so a crash never leaves a half file under a real name.
 * Plugin calls go through the entry's call lock and a call context whose
 * deadline is open-ended (a backup takes as long as it takes; every HTTP
 * attempt inside has its own timeout).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backup/backup_int.h"
#include "plugin/calls.h"
#include "plugin/plugins.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/str.h"

/* ---- local -------------------------------------------------------------- */

void bk_local_path(const struct hk_backup *b, const char *file, char *out,
                   size_t n)
{
    snprintf(out, n, "%s/%s", b->cfg.dir, file);
}

int bk_local_ensure_dir(struct hk_backup *b, struct hk_err *err)
{
    struct stat st;
    if (stat(b->cfg.dir, &st) == 0) {
        if (!S_ISDIR(st.st_mode))
            return hk_err_set(err, HAWK_ECONFIG, NULL, "backup.dir",
                              "backup.dir %s is not a directory", b->cfg.dir);
        return 0;
    }
    /* Parents first (data_dir may not exist yet on a fresh machine). */
    char path[sizeof(b->cfg.dir)];
    hk_strlcpy(path, b->cfg.dir, sizeof(path));
    for (char *p = path + 1; *p != '\0'; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(path, 0755) < 0 && errno != EEXIST)
            break;
        *p = '/';
    }
    if (mkdir(b->cfg.dir, 0700) < 0 && errno != EEXIST)
        return hk_err_set(err, HAWK_EIO, NULL, "backup.dir",
                          "cannot create backup directory %s: %s", b->cfg.dir,
                          strerror(errno));
    return 0;
}

int bk_local_write_small(struct hk_backup *b, const char *file,
                         const char *data, size_t len, struct hk_err *err)
{
    char path[4400], tmp[4420];
    bk_local_path(b, file, path, sizeof(path));
    snprintf(tmp, sizeof(tmp), "%s.partial", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return hk_err_set(err, HAWK_EIO, NULL, NULL, "cannot write %s: %s", tmp,
                          strerror(errno));
    size_t off = 0;
    while (off < len) {
        ssize_t w = write(fd, data + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            int e = errno;
            close(fd);
            unlink(tmp);
            return hk_err_set(err, HAWK_EIO, NULL, NULL, "cannot write %s: %s",
                              tmp, strerror(e));
        }
        off += (size_t)w;
    }
    if (fsync(fd) < 0 || close(fd) < 0 || rename(tmp, path) < 0) {
        int e = errno;
        unlink(tmp);
        return hk_err_set(err, HAWK_EIO, NULL, NULL, "cannot write %s: %s",
                          path, strerror(e));
    }
    return 0;
}

int bk_local_read_small(struct hk_backup *b, const char *file,
                        struct hk_buf *buf, struct hk_err *err)
{
    char path[4400], chunk[8192];
    bk_local_path(b, file, path, sizeof(path));
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return hk_err_set(err, errno == ENOENT ? HAWK_ENOTFOUND : HAWK_EIO,
                          NULL, NULL, "cannot read %s: %s", path,
                          strerror(errno));
    for (;;) {
        ssize_t r = read(fd, chunk, sizeof(chunk));
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            int e = errno;
            close(fd);
            return hk_err_set(err, HAWK_EIO, NULL, NULL, "cannot read %s: %s",
                              path, strerror(e));
        }
        if (r == 0)
            break;
        if (hk_buf_append(buf, chunk, (size_t)r) < 0) {
            close(fd);
            return hk_err_set(err, HAWK_ETOOBIG, NULL, NULL, "%s is too large",
                              path);
        }
    }
    close(fd);
    return 0;
}

/* ---- remote -------------------------------------------------------------- */

static int bk_plugin_err(struct hk_backup *b, int rc,
                         const struct hawk_error *pe, struct hk_err *err)
{
    const char *name = hk_plugin_entry_name(b->store);
    /* A plugin that said nothing gets the code's text (plugin/calls.c). */
    if (strcmp(pe->msg, hawk_strerror(rc)) == 0)
        return hk_err_set(err, rc, NULL, NULL, "storage %s: %s", name,
                          hawk_strerror(rc));
    hk_err_from_plugin(err, pe, name);
    err->code = rc;
    return rc;
}

int bk_remote_put_stream(struct hk_backup *b, const char *key,
                         struct hawk_reader *r, const struct bk_meta *m,
                         struct hk_err *err)
{
    struct hawk_call call;
    struct hawk_error pe = HAWK_ERROR_INIT;
    hk_call_init(&call, 0, NULL, 0, NULL);
    int rc =
        hk_plugin_storage_put(b->store, &call, key, r, -1, m->kv, m->n, &pe);
    return rc < 0 ? bk_plugin_err(b, rc, &pe, err) : 0;
}

struct bk_mem_reader {
    struct hawk_reader r;
    const char *data;
    size_t len, off;
};

static int bk_mem_read(struct hawk_reader *r, char *buf, size_t cap,
                       size_t *got)
{
    struct bk_mem_reader *m = (struct bk_mem_reader *)r;
    size_t n = m->len - m->off;
    if (n > cap)
        n = cap;
    memcpy(buf, m->data + m->off, n);
    m->off += n;
    *got = n;
    return 0;
}

int bk_remote_put_small(struct hk_backup *b, const char *key, const char *data,
                        size_t len, const struct bk_meta *m, struct hk_err *err)
{
    struct bk_mem_reader mr = {{NULL, bk_mem_read}, data, len, 0};
    mr.r.opaque = &mr;
    return bk_remote_put_stream(b, key, &mr.r, m, err);
}

int bk_remote_get(struct hk_backup *b, const char *key,
                  struct hawk_text_sink *sink, struct hk_err *err)
{
    struct hawk_call call;
    struct hawk_error pe = HAWK_ERROR_INIT;
    hk_call_init(&call, 0, NULL, 0, NULL);
    int rc = hk_plugin_storage_get(b->store, &call, key, sink, &pe);
    return rc < 0 ? bk_plugin_err(b, rc, &pe, err) : 0;
}

static int bk_buf_write(struct hawk_text_sink *s, const char *d, size_t n)
{
    return hk_buf_append(s->opaque, d, n) < 0 ? HAWK_ETOOBIG : 0;
}

int bk_remote_get_small(struct hk_backup *b, const char *key,
                        struct hk_buf *buf, struct hk_err *err)
{
    struct hawk_text_sink s = {buf, bk_buf_write};
    return bk_remote_get(b, key, &s, err);
}

int bk_remote_del(struct hk_backup *b, const char *key, struct hk_err *err)
{
    struct hawk_call call;
    struct hawk_error pe = HAWK_ERROR_INIT;
    hk_call_init(&call, 0, NULL, 60000, NULL);
    int rc = hk_plugin_storage_del(b->store, &call, key, &pe);
    return rc < 0 ? bk_plugin_err(b, rc, &pe, err) : 0;
}

struct bk_list_sink {
    struct hawk_object_sink s;
    struct bk_obj *objs;
    size_t n, cap;
};

static int bk_list_emit(struct hawk_object_sink *s,
                        const struct hawk_object_info *o)
{
    struct bk_list_sink *l = (struct bk_list_sink *)s;
    /* Only names this module writes; other objects under the prefix are
     * someone else's and are left alone. */
    if (strncmp(o->key, "hawk-", 5) != 0 ||
        strlen(o->key) >= sizeof(l->objs[0].key) || strchr(o->key, '/'))
        return 0;
    if (l->n == l->cap) {
        if (l->cap >= 1000000)
            return HAWK_ETOOBIG;
        l->cap = l->cap ? l->cap * 2 : 64;
        l->objs = hk_realloc(l->objs, l->cap * sizeof(*l->objs));
    }
    hk_strlcpy(l->objs[l->n].key, o->key, sizeof(l->objs[0].key));
    l->objs[l->n].size = o->size;
    l->n++;
    return 0;
}

int bk_remote_list(struct hk_backup *b, struct bk_obj **out, size_t *n,
                   struct hk_err *err)
{
    struct hawk_call call;
    struct hawk_error pe = HAWK_ERROR_INIT;
    struct bk_list_sink l = {{NULL, bk_list_emit}, NULL, 0, 0};
    hk_call_init(&call, 0, NULL, 300000, NULL);
    int rc = hk_plugin_storage_list(b->store, &call, "hawk-", &l.s, &pe);
    if (rc < 0) {
        hk_free(l.objs);
        return bk_plugin_err(b, rc, &pe, err);
    }
    *out = l.objs;
    *n = l.n;
    return 0;
}
