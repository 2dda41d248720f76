/*
 * web/files.c - the built pages read into memory once at start-up: every
 * regular file under the folder, with its content type, a strong ETag
 * from its SHA-256, and the name.gz / name.br copies made by the build
 * attached as variants of name.  Served from memory, the files cost no
 * system call per request and cannot change under a reader.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/alloc.h"
#include "util/str.h"
#include "web/internal.h"

static const struct {
    const char *ext;
    const char *type;
} types[] = {
    {".html", "text/html; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".mjs", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".json", "application/json"},
    {".map", "application/json"},
    {".webmanifest", "application/manifest+json"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".jpg", "image/jpeg"},
    {".jpeg", "image/jpeg"},
    {".gif", "image/gif"},
    {".webp", "image/webp"},
    {".ico", "image/x-icon"},
    {".woff2", "font/woff2"},
    {".woff", "font/woff"},
    {".txt", "text/plain; charset=utf-8"},
    {".lua", "text/plain; charset=utf-8"},
    {".wasm", "application/wasm"},
};

/* Content type by extension (case-insensitive); unknown types are sent
 * as bytes, which with nosniff no browser renders or runs. */
const char *hk_web_content_type(const char *name)
{
    const char *dot = strrchr(name, '.');
    const char *slash = strrchr(name, '/');
    if (dot == NULL || (slash != NULL && dot < slash))
        return "application/octet-stream";
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
        if (hk_str_ieq(dot, types[i].ext))
            return types[i].type;
    return "application/octet-stream";
}

struct loader {
    const char *root;
    struct hk_web_files *fs;
    size_t cap;
    struct hk_err *err;
};

/* Reads path (at most HK_WEB_MAX_FILE_BYTES) into a new buffer the caller
 * frees with hk_free. */
static int read_file(struct loader *ld, const char *path, size_t size,
                     unsigned char **out)
{
    *out = NULL;
    if (size > HK_WEB_MAX_FILE_BYTES)
        return hk_err_set(ld->err, HAWK_ETOOBIG, NULL, NULL,
                          "web file %s is %zu bytes, more than the limit of "
                          "%zu; check web.dir points at the built pages",
                          path, size, HK_WEB_MAX_FILE_BYTES);
    if (ld->fs->total_bytes + size > HK_WEB_MAX_TOTAL_BYTES)
        return hk_err_set(ld->err, HAWK_ETOOBIG, NULL, NULL,
                          "web files under %s pass %zu bytes in all; check "
                          "web.dir points at the built pages",
                          ld->root, HK_WEB_MAX_TOTAL_BYTES);
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return hk_err_set(ld->err, HAWK_EIO, NULL, NULL,
                          "cannot open web file %s: %s", path, strerror(errno));
    unsigned char *buf = hk_malloc(size ? size : 1);
    size_t got = 0;
    while (got < size) {
        ssize_t n = read(fd, buf + got, size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            int e = n < 0 ? errno : EIO;
            close(fd);
            hk_free(buf);
            return hk_err_set(ld->err, HAWK_EIO, NULL, NULL,
                              "cannot read web file %s: %s", path,
                              n < 0 ? strerror(e) : "file shrank while read");
        }
        got += (size_t)n;
    }
    close(fd);
    ld->fs->total_bytes += size;
    *out = buf;
    return 0;
}

/* "\"<first 16 bytes of SHA-256 in hex><suffix>\"" */
static void make_etag(const unsigned char *data, size_t len, const char *suffix,
                      char out[48])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    char hex[33];
    if (EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) != 1 ||
        mdlen < 16) {
        /* no digest: the length still changes with most rebuilds */
        snprintf(out, 48, "\"len-%zu%s\"", len, suffix);
        return;
    }
    hk_hex_encode(md, 16, hex);
    snprintf(out, 48, "\"%s%s\"", hex, suffix);
}

static bool has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n > m && strcmp(s + n - m, suffix) == 0;
}

static int add_file(struct loader *ld, const char *path, const char *rel,
                    size_t size)
{
    struct hk_web_files *fs = ld->fs;
    if (fs->n == HK_WEB_MAX_FILES)
        return hk_err_set(ld->err, HAWK_ETOOBIG, NULL, NULL,
                          "more than %d files under %s; check web.dir points "
                          "at the built pages",
                          HK_WEB_MAX_FILES, ld->root);
    unsigned char *data = NULL;
    int rc = read_file(ld, path, size, &data);
    if (rc < 0)
        return rc;
    if (fs->n == ld->cap) {
        ld->cap = ld->cap ? ld->cap * 2 : 64;
        fs->v = hk_realloc(fs->v, ld->cap * sizeof(*fs->v));
    }
    struct hk_web_file *f = &fs->v[fs->n++];
    memset(f, 0, sizeof(*f));
    f->rel = hk_strdup(rel);
    f->content_type = hk_web_content_type(rel);
    f->immutable = hk_str_has_prefix(rel, "assets/");
    f->body[HK_WEB_ID].data = data;
    f->body[HK_WEB_ID].len = size;
    return 0;
}

static int walk(struct loader *ld, const char *dir, const char *rel_dir,
                int depth)
{
    if (depth > HK_WEB_MAX_DEPTH)
        return hk_err_set(ld->err, HAWK_ETOOBIG, NULL, NULL,
                          "web folder %s is nested more than %d levels deep",
                          dir, HK_WEB_MAX_DEPTH);
    DIR *d = opendir(dir);
    if (d == NULL)
        return hk_err_set(ld->err, HAWK_EIO, NULL, NULL,
                          "cannot read web folder %s: %s", dir,
                          strerror(errno));
    int rc = 0;
    struct dirent *de;
    while (rc == 0 && (de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue; /* ., .., and hidden files are never served */
        char path[4096], rel[HK_WEB_MAX_REL_PATH + 1];
        int pn = snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
        int rn = snprintf(rel, sizeof(rel), "%s%s%s", rel_dir,
                          rel_dir[0] ? "/" : "", de->d_name);
        if (pn < 0 || (size_t)pn >= sizeof(path) || rn < 0 ||
            (size_t)rn >= sizeof(rel)) {
            rc = hk_err_set(ld->err, HAWK_ETOOBIG, NULL, NULL,
                            "web file name too long under %s", dir);
            break;
        }
        struct stat st;
        if (lstat(path, &st) < 0) {
            rc = hk_err_set(ld->err, HAWK_EIO, NULL, NULL,
                            "cannot stat web file %s: %s", path,
                            strerror(errno));
            break;
        }
        if (S_ISDIR(st.st_mode))
            rc = walk(ld, path, rel, depth + 1);
        else if (S_ISREG(st.st_mode))
            rc = add_file(ld, path, rel, (size_t)st.st_size);
        /* symlinks and special files are skipped: only what the build
         * wrote is served */
    }
    closedir(d);
    return rc;
}

static int cmp_file(const void *a, const void *b)
{
    return strcmp(((const struct hk_web_file *)a)->rel,
                  ((const struct hk_web_file *)b)->rel);
}

/* Moves the name.gz / name.br entries into the variants of name and
 * drops them from the table; a compressed file with no original stays a
 * plain file. */
static void attach_variants(struct hk_web_files *fs)
{
    static const struct {
        const char *suffix;
        enum hk_web_enc enc;
        const char *tag;
    } kinds[] = {{".gz", HK_WEB_GZIP, "-gz"}, {".br", HK_WEB_BR, "-br"}};
    size_t out = 0;
    for (size_t i = 0; i < fs->n; i++) {
        struct hk_web_file *f = &fs->v[i];
        bool moved = false;
        for (size_t k = 0; k < 2 && !moved; k++) {
            if (!has_suffix(f->rel, kinds[k].suffix))
                continue;
            size_t base_len = strlen(f->rel) - 3;
            char base[HK_WEB_MAX_REL_PATH + 1];
            memcpy(base, f->rel, base_len);
            base[base_len] = '\0';
            struct hk_web_file key = {.rel = base};
            struct hk_web_file *orig =
                bsearch(&key, fs->v, fs->n, sizeof(*fs->v), cmp_file);
            if (orig == NULL || orig->body[HK_WEB_ID].data == NULL)
                continue;
            struct hk_web_body *b = &orig->body[kinds[k].enc];
            b->data = f->body[HK_WEB_ID].data;
            b->len = f->body[HK_WEB_ID].len;
            /* the variant's tag is the original's content plus its coding,
             * so it changes exactly when the original does */
            make_etag(orig->body[HK_WEB_ID].data, orig->body[HK_WEB_ID].len,
                      kinds[k].tag, b->etag);
            f->body[HK_WEB_ID].data = NULL; /* marks the slot as moved */
            moved = true;
        }
    }
    for (size_t i = 0; i < fs->n; i++) {
        struct hk_web_file *f = &fs->v[i];
        if (f->body[HK_WEB_ID].data == NULL) {
            hk_free(f->rel);
            continue;
        }
        if (f->body[HK_WEB_ID].etag[0] == '\0')
            make_etag(f->body[HK_WEB_ID].data, f->body[HK_WEB_ID].len, "",
                      f->body[HK_WEB_ID].etag);
        fs->v[out++] = *f;
    }
    fs->n = out;
}

/*
 * Reads every regular file under dir (not following symlinks, skipping
 * dot files) into fs, sorted by relative path.  Bounded by the
 * HK_WEB_MAX_* limits.  Returns 0 or HAWK_EIO / HAWK_ETOOBIG with err
 * set; on failure fs is left empty.  Release with hk_web_files_release().
 */
int hk_web_files_load(const char *dir, struct hk_web_files *fs,
                      struct hk_err *err)
{
    memset(fs, 0, sizeof(*fs));
    struct loader ld = {.root = dir, .fs = fs, .cap = 0, .err = err};
    int rc = walk(&ld, dir, "", 0);
    if (rc < 0) {
        hk_web_files_release(fs);
        return rc;
    }
    if (fs->n > 1)
        qsort(fs->v, fs->n, sizeof(*fs->v), cmp_file);
    /* variants need the sorted table to find their originals */
    attach_variants(fs);
    return 0;
}

/* Frees every file and its variants; fs is empty afterwards. */
void hk_web_files_release(struct hk_web_files *fs)
{
    for (size_t i = 0; i < fs->n; i++) {
        hk_free(fs->v[i].rel);
        for (int k = 0; k < HK_WEB_N_ENC; k++)
            hk_free(fs->v[i].body[k].data);
    }
    hk_free(fs->v);
    memset(fs, 0, sizeof(*fs));
}

/* Binary search by relative path; borrowed from fs. */
const struct hk_web_file *hk_web_files_find(const struct hk_web_files *fs,
                                            const char *rel)
{
    size_t lo = 0, hi = fs->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(rel, fs->v[mid].rel);
        if (c == 0)
            return &fs->v[mid];
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}
