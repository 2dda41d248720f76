/*
 * app/notify.c - the sd_notify datagram, in a few lines of C.
 */
#include "app/notify.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "hawk/plugin.h" /* HAWK_E* */

int hk_notify(const char *state)
{
    const char *path = getenv("NOTIFY_SOCKET");
    if (path == NULL || path[0] == '\0')
        return 0;
    /* Only absolute paths and abstract names: a relative path would
     * depend on our working directory, which the manager does not know. */
    if (path[0] != '/' && path[0] != '@')
        return HAWK_EINVAL;
    struct sockaddr_un sa;
    memset(&sa, 0, sizeof(sa));
    sa.sun_family = AF_UNIX;
    size_t len = strlen(path);
    if (len >= sizeof(sa.sun_path))
        return HAWK_EINVAL;
    memcpy(sa.sun_path, path, len);
    if (path[0] == '@')
        sa.sun_path[0] = '\0'; /* abstract: leading NUL, no terminator */
    socklen_t salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len +
                                  (path[0] == '@' ? 0 : 1));
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return HAWK_EIO;
    ssize_t n = sendto(fd, state, strlen(state), MSG_NOSIGNAL,
                       (const struct sockaddr *)&sa, salen);
    int saved = errno;
    close(fd);
    errno = saved;
    return n < 0 ? HAWK_EIO : 0;
}
