/*
 * config/secret.c - the JWT signing secret: configured, or generated once
 * into <data_dir>/jwt.secret and reused.  There is never a built-in
 * default, and the secret never reaches a log line or a message.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/internal.h"
#include "hawk/plugin.h"
#include "util/alloc.h"
#include "util/str.h"

#define SECRET_FILE "jwt.secret"
#define SECRET_RANDOM_BYTES 48
#define SECRET_FILE_MAX 4096

/* Creates dir and its missing parents with mode 0711: others may pass
 * through (the embedded PostgreSQL runs as its own user below it) but not
 * list; the secret file itself is 0600. */
static int make_dirs(const char *dir, char *err, size_t errlen)
{
    char tmp[4096];
    if (hk_strlcpy(tmp, dir, sizeof(tmp)) >= sizeof(tmp)) {
        snprintf(err, errlen, "data_dir path is too long");
        return HAWK_ECONFIG;
    }
    for (char *p = tmp + 1;; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        char saved = *p;
        *p = '\0';
        if (mkdir(tmp, 0711) != 0 && errno != EEXIST) {
            snprintf(err, errlen,
                     "cannot create data directory '%s': %s (create it or "
                     "set data_dir to a writable place)",
                     tmp, strerror(errno));
            return HAWK_EIO;
        }
        *p = saved;
        if (saved == '\0')
            break;
    }
    return 0;
}

/* Reads and checks an existing secret file; returns the secret (caller
 * frees with hk_free_secret) or NULL with err set. */
static char *read_secret(int fd, const char *path, char *err, size_t errlen)
{
    struct stat st;
    if (fstat(fd, &st) != 0) {
        snprintf(err, errlen, "cannot stat '%s': %s", path, strerror(errno));
        return NULL;
    }
    if (!S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "refusing '%s': not a regular file", path);
        return NULL;
    }
    if (st.st_uid != geteuid()) {
        snprintf(err, errlen,
                 "refusing '%s': owned by uid %u, not by the uid hawk runs "
                 "as (%u); fix with: chown %u '%s'",
                 path, (unsigned)st.st_uid, (unsigned)geteuid(),
                 (unsigned)geteuid(), path);
        return NULL;
    }
    if ((st.st_mode & 077) != 0) {
        snprintf(err, errlen,
                 "refusing '%s': mode %04o lets other users read it; fix "
                 "with: chmod 600 '%s'",
                 path, (unsigned)(st.st_mode & 07777), path);
        return NULL;
    }
    if (st.st_size > SECRET_FILE_MAX) {
        snprintf(err, errlen, "refusing '%s': larger than %d bytes", path,
                 SECRET_FILE_MAX);
        return NULL;
    }
    char *buf = hk_calloc(1, SECRET_FILE_MAX + 1);
    size_t len = 0;
    while (len < SECRET_FILE_MAX) {
        ssize_t r = read(fd, buf + len, SECRET_FILE_MAX - len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            snprintf(err, errlen, "cannot read '%s': %s", path,
                     strerror(errno));
            hk_free_secret(buf);
            return NULL;
        }
        if (r == 0)
            break;
        len += (size_t)r;
    }
    while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r' ||
                       buf[len - 1] == ' ' || buf[len - 1] == '\t'))
        buf[--len] = '\0';
    if (len < HK_JWT_SECRET_MIN || strlen(buf) != len) {
        snprintf(err, errlen,
                 "refusing '%s': it holds fewer than %d usable bytes; delete "
                 "it and hawk generates a new one (existing sessions end)",
                 path, HK_JWT_SECRET_MIN);
        hk_free_secret(buf);
        return NULL;
    }
    return buf;
}

/* Writes a fresh secret with O_EXCL.  Returns the secret, or NULL with
 * *exists set when another process created the file first, or NULL with
 * err set. */
static char *create_secret(const char *path, bool *exists, char *err,
                           size_t errlen)
{
    unsigned char raw[SECRET_RANDOM_BYTES];
    char *enc = hk_calloc(1, 4 * ((SECRET_RANDOM_BYTES + 2) / 3) + 1);
    if (hk_random_bytes(raw, sizeof(raw)) < 0) {
        snprintf(err, errlen, "cannot generate a jwt secret: no randomness");
        hk_free_secret(enc);
        return NULL;
    }
    size_t n = hk_b64url_encode(raw, sizeof(raw), enc);
    memset(raw, 0, sizeof(raw));
    int fd =
        open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        if (errno == EEXIST)
            *exists = true;
        else
            snprintf(err, errlen, "cannot create '%s': %s", path,
                     strerror(errno));
        hk_free_secret(enc);
        return NULL;
    }
    size_t off = 0;
    int rc = 0;
    while (off < n) {
        ssize_t w = write(fd, enc + off, n - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            rc = -1;
            break;
        }
        off += (size_t)w;
    }
    if (rc == 0 && (write(fd, "\n", 1) != 1 || fsync(fd) != 0))
        rc = -1;
    if (rc != 0) {
        snprintf(err, errlen, "cannot write '%s': %s", path, strerror(errno));
        close(fd);
        unlink(path);
        hk_free_secret(enc);
        return NULL;
    }
    close(fd);
    return enc;
}

/* See config.h. */
char *hk_config_jwt_secret(const struct hk_config *c, char *err, size_t errlen)
{
    const char *conf = hk_cfg_str(c, "auth.jwt_secret");
    if (conf != NULL && conf[0] != '\0') {
        if (strlen(conf) < HK_JWT_SECRET_MIN) {
            hk_cfg_check_jwt_secret("'auth.jwt_secret'", conf, err, errlen);
            return NULL;
        }
        return hk_strdup(conf);
    }
    char *path = hk_asprintf("%s/%s", c->data_dir, SECRET_FILE);
    char *secret = NULL;
    for (int attempt = 0; attempt < 2 && secret == NULL; attempt++) {
        int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        if (fd >= 0) {
            secret = read_secret(fd, path, err, errlen);
            close(fd);
            break;
        }
        if (errno == ELOOP) {
            snprintf(err, errlen, "refusing '%s': it is a symbolic link", path);
            break;
        }
        if (errno != ENOENT) {
            snprintf(err, errlen, "cannot open '%s': %s", path,
                     strerror(errno));
            break;
        }
        if (make_dirs(c->data_dir, err, errlen) < 0)
            break;
        bool exists = false;
        secret = create_secret(path, &exists, err, errlen);
        if (secret == NULL && !exists)
            break;
    }
    hk_free(path);
    return secret;
}
