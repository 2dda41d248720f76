/*
 * app/notify.h - readiness and stop notices to the service manager
 * (systemd's sd_notify protocol, Type=notify units), without libsystemd.
 *
 * The manager passes a datagram socket in $NOTIFY_SOCKET (a path, or
 * "@name" for the abstract namespace); the notice is one datagram of
 * newline-separated KEY=VALUE pairs, e.g. "READY=1\nSTATUS=serving".
 * Without $NOTIFY_SOCKET every call is a no-op, so hawk runs the same
 * under a shell, in a container and under systemd.
 */
#ifndef HK_APP_NOTIFY_H
#define HK_APP_NOTIFY_H

/* Sends `state` ("READY=1", "STOPPING=1", "STATUS=...") to the manager.
 * 0 when sent or when no manager listens; HAWK_EINVAL for a socket
 * address that does not fit; HAWK_EIO when sending failed (the caller
 * logs it: a manager that never hears READY=1 stops the unit after its
 * start timeout).  Thread-safe; allocates nothing. */
int hk_notify(const char *state);

#endif
