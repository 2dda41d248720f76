/*
 * lua/sandbox_proc.h - the inside of a sandbox process (internal to lua/;
 * used by the hawk-sandbox executable and by tests).
 */
#ifndef HK_LUA_SANDBOX_PROC_H
#define HK_LUA_SANDBOX_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Descriptor of the socket to hawk in a sandbox process. */
#define HK_LUA_SANDBOX_FD 3

struct hk_lua_sandbox_opts {
    int64_t address_space; /* RLIMIT_AS bytes; 0: none (sanitizer builds) */
    bool test_hooks;       /* honour a job's test_hooks flag */
};

/* Confines the calling process for good: PR_SET_PDEATHSIG, RLIMIT_AS,
 * RLIMIT_NOFILE (no new descriptors), RLIMIT_FSIZE/CORE/NPROC 0,
 * PR_SET_NO_NEW_PRIVS, not dumpable, and a seccomp filter allowing only
 * the system calls of the interpreter and the socket (others fail with
 * EPERM).  Returns 0, or a negative HAWK_E* with err set. */
int hk_lua_sandbox_confine(const struct hk_lua_sandbox_opts *o, char *err,
                           size_t errlen);

/* Runs jobs from fd until hawk closes it.  Returns 0 on a clean end, or
 * a negative HAWK_E* when hawk sent something that is not a job. */
int hk_lua_sandbox_serve(int fd, const struct hk_lua_sandbox_opts *o);

#endif
