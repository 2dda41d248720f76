/*
 * lua/sandbox_exe.c - main() of hawk-sandbox, the process a workflow runs
 * in.  hawk starts it with the socket as descriptor 3 and an empty
 * environment:
 *
 *   hawk-sandbox [--address-space BYTES] [--test-hooks]
 *
 * It closes every other descriptor it may have inherited beyond 0-2,
 * confines itself (lua/sandbox_proc.c) and serves jobs until hawk closes
 * the socket.  Not meant to be started by hand.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lua/sandbox_proc.h"

static int usage(void)
{
    fprintf(stderr, "hawk-sandbox: started by hawk only (socket on "
                    "descriptor 3)\n");
    return 2;
}

int main(int argc, char **argv)
{
    struct hk_lua_sandbox_opts o = {0};
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--address-space") == 0 && i + 1 < argc) {
            char *end = NULL;
            long long v = strtoll(argv[++i], &end, 10);
            if (end == argv[i] || *end != '\0' || v < 0)
                return usage();
            o.address_space = v;
        } else if (strcmp(argv[i], "--test-hooks") == 0) {
            o.test_hooks = true;
        } else {
            return usage();
        }
    }
    struct stat st;
    if (fstat(HK_LUA_SANDBOX_FD, &st) != 0 || !S_ISSOCK(st.st_mode))
        return usage();
    /* stdin and stdout lead nowhere; stderr stays for fatal reports. */
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null >= 0) {
        dup2(null, 0);
        dup2(null, 1);
        close(null);
    }
    closefrom(HK_LUA_SANDBOX_FD + 1);
    char err[256];
    if (hk_lua_sandbox_confine(&o, err, sizeof(err)) < 0) {
        fprintf(stderr, "hawk-sandbox: %s\n", err);
        return 1;
    }
    int rc = hk_lua_sandbox_serve(HK_LUA_SANDBOX_FD, &o);
    /* _exit: no exit-time work under the seccomp filter (a leak checker
     * would need system calls the filter refuses). */
    _exit(rc < 0 ? 1 : 0);
}
