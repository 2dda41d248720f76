/*
 * lua/limits_cfg.c - the per-run limits from the `lua.*` config keys.
 */
#include "config/config.h"
#include "lua/lua.h"

/* See lua/lua.h. */
void hk_lua_limits_from_config(const struct hk_config *cfg,
                               struct hk_lua_limits *l)
{
    hk_lua_limits_default(l);
    if (cfg == NULL)
        return;
    l->max_instructions = cfg->settings.lua.max_instructions;
    l->max_memory = cfg->settings.lua.max_memory;
    l->max_wall_ms = cfg->settings.lua.max_wall_ms;
    l->max_host_calls = cfg->settings.lua.max_host_calls;
    l->max_source = cfg->settings.lua.max_source;
    l->max_sleep_ms = cfg->settings.lua.max_sleep_ms;
    l->state_max = cfg->settings.lua.state_max;
    l->max_log_lines = cfg->settings.lua.max_log_lines;
    l->max_log_bytes = cfg->settings.lua.max_log_bytes;
    l->max_output = cfg->settings.lua.max_output;
}
