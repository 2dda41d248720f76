/*
 * plugin/path.c - where a plugin file is, and whether it is safe to load.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/config.h"
#include "plugin/internal.h"
#include "util/str.h"

#ifndef HAWK_DEFAULT_PLUGIN_DIR
#define HAWK_DEFAULT_PLUGIN_DIR "/usr/local/lib/hawk/plugins"
#endif

/* Joins dir and file into out; relative dirs resolve against the working
 * directory.  Returns false when it does not fit. */
static bool join(const char *dir, const char *file, char *out, size_t outlen)
{
    int n;
    if (dir[0] == '/') {
        n = snprintf(out, outlen, "%s/%s", dir, file);
    } else {
        char cwd[PATH_MAX];
        if (getcwd(cwd, sizeof(cwd)) == NULL)
            return false;
        if (dir[0] == '\0' || strcmp(dir, ".") == 0)
            n = snprintf(out, outlen, "%s/%s", cwd, file);
        else
            n = snprintf(out, outlen, "%s/%s/%s", cwd, dir, file);
    }
    return n > 0 && (size_t)n < outlen;
}

static bool exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* <dir of /proc/self/exe>/plugins, so a build tree's hawk finds the
 * plugins built beside it with no setup. */
static bool exe_plugin_dir(char *out, size_t outlen)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n <= 0)
        return false;
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (slash == NULL)
        return false;
    *slash = '\0';
    int w = snprintf(out, outlen, "%s/plugins", exe);
    return w > 0 && (size_t)w < outlen;
}

/* See plugins.h. */
int hk_plugin_resolve_path(const struct hk_config *cfg, const char *name,
                           const char *path, char *out, size_t outlen,
                           char *reason, size_t reasonlen)
{
    if (strchr(path, '/') != NULL) {
        bool fits = path[0] == '/' ? hk_strlcpy(out, path, outlen) < outlen
                                   : join(".", path, out, outlen);
        if (!fits) {
            snprintf(reason, reasonlen, "plugin '%s': path is too long", name);
            return HAWK_EINVAL;
        }
        if (exists(out))
            return 0;
        snprintf(reason, reasonlen,
                 "cannot open plugin '%s' at %s: no such file", name, out);
        return HAWK_ENOTFOUND;
    }
    const char *dir = cfg != NULL ? cfg->settings.plugin_dir : NULL;
    if (dir != NULL && dir[0] != '\0') {
        if (!join(dir, path, out, outlen)) {
            snprintf(reason, reasonlen, "plugin '%s': path is too long", name);
            return HAWK_EINVAL;
        }
        if (exists(out))
            return 0;
        snprintf(reason, reasonlen,
                 "cannot open plugin '%s' at %s: no such file", name, out);
        return HAWK_ENOTFOUND;
    }
    char fallback_dir[PATH_MAX], fallback[PATH_MAX];
    bool have_fallback = exe_plugin_dir(fallback_dir, sizeof(fallback_dir)) &&
                         join(fallback_dir, path, fallback, sizeof(fallback));
    if (join(HAWK_DEFAULT_PLUGIN_DIR, path, out, outlen) && exists(out))
        return 0;
    if (have_fallback && exists(fallback)) {
        hk_strlcpy(out, fallback, outlen);
        return 0;
    }
    join(HAWK_DEFAULT_PLUGIN_DIR, path, out, outlen);
    if (have_fallback)
        snprintf(reason, reasonlen,
                 "cannot open plugin '%s' at %s: no such file (also looked "
                 "in %s; set plugin_dir or HAWK_PLUGIN_PATH)",
                 name, out, fallback_dir);
    else
        snprintf(reason, reasonlen,
                 "cannot open plugin '%s' at %s: no such file (set "
                 "plugin_dir or HAWK_PLUGIN_PATH)",
                 name, out);
    return HAWK_ENOTFOUND;
}

static int check_one(const char *instance, const char *what, const char *path,
                     char *reason, size_t reasonlen)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        snprintf(reason, reasonlen, "cannot open plugin '%s' at %s: %s",
                 instance, path, strerror(errno));
        return HAWK_EIO;
    }
    if (st.st_mode & (S_IWGRP | S_IWOTH)) {
        snprintf(reason, reasonlen,
                 "refusing plugin '%s': %s %s is writable by group or "
                 "others (fix with: chmod go-w %s)",
                 instance, what, path, path);
        return HAWK_EPERM;
    }
    if (st.st_uid != 0 && st.st_uid != geteuid()) {
        snprintf(reason, reasonlen,
                 "refusing plugin '%s': %s %s is owned by uid %u, neither "
                 "root nor the uid hawk runs as",
                 instance, what, path, (unsigned)st.st_uid);
        return HAWK_EPERM;
    }
    return 0;
}

/* See internal.h. */
int hk_plugin_check_file(const char *instance, const char *path, char *reason,
                         size_t reasonlen)
{
    char real[PATH_MAX];
    if (realpath(path, real) == NULL) {
        snprintf(reason, reasonlen, "cannot open plugin '%s' at %s: %s",
                 instance, path, strerror(errno));
        return HAWK_EIO;
    }
    int rc = check_one(instance, "file", real, reason, reasonlen);
    if (rc < 0)
        return rc;
    char *slash = strrchr(real, '/');
    if (slash == real)
        slash[1] = '\0';
    else if (slash != NULL)
        *slash = '\0';
    return check_one(instance, "directory", real, reason, reasonlen);
}
