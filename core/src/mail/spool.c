/*
 * mail/spool.c - without an SMTP server, each mail becomes one .eml file
 * in the spool directory (readable by mail clients as is), mode 0600:
 * mails carry account links that must not be world-readable.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mail/mail_int.h"
#include "util/time.h"

/* mkdir -p with mode 0700 for what it creates. */
static int make_dirs(const char *dir)
{
    char path[1024];
    size_t n = strlen(dir);
    if (n == 0 || n >= sizeof(path))
        return -1;
    memcpy(path, dir, n + 1);
    for (char *p = path + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(path, 0700) < 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    if (mkdir(path, 0700) < 0 && errno != EEXIST)
        return -1;
    return 0;
}

/* See mail_int.h. */
int hk_mail_spool_write(struct hk_mail *m, const char *message_id,
                        const char *data, size_t len, char *path,
                        size_t pathlen, struct hk_err *err)
{
    char id[48];
    size_t o = 0;
    /* The file name: the time and the Message-ID's random part. */
    for (const char *p = message_id; *p && *p != '@' && o + 1 < sizeof(id); p++)
        id[o++] = (*p == '.' || *p == '/') ? '-' : *p;
    id[o] = '\0';
    if (make_dirs(m->spool_dir) < 0)
        return hk_err_set(err, HAWK_EIO, "mail_spool", NULL,
                          "cannot create the mail folder %s: %s (set "
                          "mail.spool_dir or mail.smtp_url)",
                          m->spool_dir, strerror(errno));
    snprintf(path, pathlen, "%s/%lld-%s.eml", m->spool_dir,
             (long long)hk_wall_ms(), id);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return hk_err_set(err, HAWK_EIO, "mail_spool", NULL,
                          "cannot create %s: %s", path, strerror(errno));
    size_t done = 0;
    while (done < len) {
        ssize_t w = write(fd, data + done, len - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            int e = errno;
            close(fd);
            unlink(path);
            return hk_err_set(err, HAWK_EIO, "mail_spool", NULL,
                              "cannot write %s: %s", path, strerror(e));
        }
        done += (size_t)w;
    }
    if (close(fd) < 0)
        return hk_err_set(err, HAWK_EIO, "mail_spool", NULL,
                          "cannot write %s: %s", path, strerror(errno));
    return 0;
}
