/*
 * lua/limits.c - built-in defaults of the per-run limits.
 */
#include "lua/lua.h"

/* See lua/lua.h. */
void hk_lua_limits_default(struct hk_lua_limits *l)
{
    l->max_instructions = 50000000;
    l->max_memory = 32 * 1024 * 1024;
    l->max_wall_ms = 60 * 1000;
    l->max_host_calls = 1000;
    l->max_source = 64 * 1024;
    l->max_sleep_ms = 30 * 1000;
    l->state_max = 64 * 1024;
    l->max_log_lines = 1000;
    l->max_log_bytes = 1024 * 1024;
    l->max_output = 32 * 1024 * 1024;
}
