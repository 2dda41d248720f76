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
    l->max_instructions = hk_cfg_int(cfg, "lua.max_instructions");
    l->max_memory = hk_cfg_int(cfg, "lua.max_memory");
    l->max_wall_ms = hk_cfg_int(cfg, "lua.max_wall");
    l->max_host_calls = hk_cfg_int(cfg, "lua.max_host_calls");
    l->max_source = hk_cfg_int(cfg, "lua.max_source");
    l->max_sleep_ms = hk_cfg_int(cfg, "lua.max_sleep");
    l->state_max = hk_cfg_int(cfg, "lua.state_max");
    l->max_log_lines = hk_cfg_int(cfg, "lua.max_log_lines");
    l->max_log_bytes = hk_cfg_int(cfg, "lua.max_log_bytes");
    l->max_output = hk_cfg_int(cfg, "lua.max_output");
}
