/*
 * lua/errname.c - error messages that name the workflow and the line in
 * words ("daily_apply (workflow 31), line 3: ..."), instead of Lua's
 * "workflow:31:3:", which reads like a line and a column.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "lua/runner.h"
#include "util/alloc.h"

/* See lua/runner.h. */
char *hk_lua_error_named(const char *chunk, const char *name, const char *msg)
{
    size_t n = strlen(chunk);
    if (msg == NULL)
        return NULL;
    if (strncmp(msg, chunk, n) != 0 || msg[n] != ':' ||
        strncmp(chunk, "workflow:", 9) != 0)
        return hk_strdup(msg);
    const char *id = chunk + 9;
    char label[200];
    const char *what = strcmp(id, "new") == 0 ? "new workflow" : "workflow";
    const char *num = strcmp(id, "new") == 0 ? "" : id;
    if (name != NULL && name[0] != '\0')
        snprintf(label, sizeof(label), "%.120s (%s%s%s)", name, what,
                 num[0] ? " " : "", num);
    else
        snprintf(label, sizeof(label), "%s%s%s", what, num[0] ? " " : "", num);
    const char *p = msg + n + 1;
    const char *q = p;
    while (isdigit((unsigned char)*q) && q - p < 9)
        q++;
    if (q > p && *q == ':')
        return hk_asprintf("%s, line %.*s:%s", label, (int)(q - p), p, q + 1);
    return hk_asprintf("%s:%s", label, p);
}
