/*
 * lua/sandbox.h - a sandboxed lua_State for one run (internal to lua/).
 *
 * The state is created with a capped allocator and only the whitelisted
 * libraries; every escape route of conventions §3 is closed here.  Limits
 * (instructions, memory, wall clock, host calls, cancellation) end the
 * run through a "sticky kill": once tripped, the count hook is re-armed to
 * fire on every instruction of every thread that runs, the wrapped
 * protected-call functions re-raise, and the error value is a private
 * sentinel the script can never observe.
 */
#ifndef HK_LUA_SANDBOX_H
#define HK_LUA_SANDBOX_H

#include <lauxlib.h>
#include <lua.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "lua/lua.h"

enum hk_lua_kill {
    HK_LUA_KILL_NONE = 0,
    HK_LUA_KILL_INSTRUCTIONS,
    HK_LUA_KILL_MEMORY,
    HK_LUA_KILL_WALL,
    HK_LUA_KILL_HOST_CALLS,
    HK_LUA_KILL_CANCELLED,
    HK_LUA_KILL_STRAY_YIELD,
    HK_LUA_KILL_OUTPUT,  /* bytes handed to the host (lua.max_output) */
    HK_LUA_KILL_CPU,     /* the sandbox process's CPU-time limit */
    HK_LUA_KILL_CRASHED, /* the sandbox process died */
    HK_LUA_KILL_LAST = HK_LUA_KILL_CRASHED
};

/* Instructions between two count-hook calls.  Small enough that a loop
 * notices a trip within microseconds, large enough to cost nothing. */
#define HK_LUA_HOOK_EVERY 1000

/* Longest pattern the wrapped string functions accept.  Time spent
 * matching is bounded by the step budget (pattern.c); this only refuses
 * obvious abuse before any work starts. */
#define HK_LUA_MAX_PATTERN 256

struct hk_lua_sandbox {
    lua_State *L;       /* the state's main thread */
    lua_State *main_co; /* the coroutine running the script, or NULL */
    struct hk_lua_limits lim;

    size_t mem_used;
    size_t mem_limit; /* grows by a small grace once memory is killed */
    size_t mem_peak;
    void *refused_ptr;   /* last refused request: a repeat of it means */
    size_t refused_size; /* Lua's emergency GC did not help */

    int64_t instructions; /* approximate, HK_LUA_HOOK_EVERY granularity */
    int64_t started_ms;   /* monotonic */
    int64_t deadline_ms;  /* monotonic */
    int64_t host_calls;
    int64_t output;            /* bytes handed to the host so far */
    const atomic_bool *cancel; /* may be NULL */

    enum hk_lua_kill killed;
    char kill_msg[128];

    void *runner; /* the run owning this sandbox (runner.c) */
};

/* Creates a fresh state with the limits in lim (borrowed, copied).  The
 * wall-clock deadline starts now.  Returns 0 or HAWK_ENOMEM (the cap is
 * too small for the libraries).  Caller frees with hk_lua_sandbox_free. */
int hk_lua_sandbox_new(const struct hk_lua_limits *lim,
                       const atomic_bool *cancel, struct hk_lua_sandbox **out);

/* Closes the state and frees sb.  Accepts NULL. */
void hk_lua_sandbox_free(struct hk_lua_sandbox *sb);

/* The sandbox owning L (any thread of the state). */
struct hk_lua_sandbox *hk_lua_sandbox_of(lua_State *L);

/* Records a kill (first reason wins) without raising. */
void hk_lua_sandbox_kill(struct hk_lua_sandbox *sb, enum hk_lua_kill why);

/* Raises the kill sentinel in L, re-arming L's hook to fire on every
 * instruction.  Never returns. */
int hk_lua_sandbox_raise_kill(lua_State *L);

/* True when v (stack index) is the kill sentinel. */
bool hk_lua_sandbox_is_kill(lua_State *L, int idx);

/* Charges n units of work done in C (pattern steps) to the instruction
 * budget and checks the wall clock; raises the kill when over.  Cheap. */
void hk_lua_sandbox_charge(lua_State *L, int64_t n);

/* Checks wall clock and cancellation now (used around host calls);
 * returns true and records the kill when the run must end. */
bool hk_lua_sandbox_expired(struct hk_lua_sandbox *sb);

/* Counts n bytes handed to the host (a converted value, a log line)
 * against the run's output limit; when held until the run ends (hold),
 * also against its memory.  Returns false, with the kill recorded, when
 * a limit is over; the caller then raises. */
bool hk_lua_sandbox_output(struct hk_lua_sandbox *sb, size_t n, bool hold);

/* Bytes the state may still allocate before the memory limit. */
size_t hk_lua_sandbox_mem_left(const struct hk_lua_sandbox *sb);

/* Milliseconds left before the wall-clock deadline (>= 0). */
int64_t hk_lua_sandbox_remaining_ms(const struct hk_lua_sandbox *sb);

/* Compiles text source as a chunk named `chunkname` ("=workflow:12")
 * whose _ENV is the run's globals.  Binary chunks and sources over
 * max_source fail.  On success pushes the function and returns LUA_OK;
 * otherwise pushes an error message and returns the lua_load status. */
int hk_lua_sandbox_load(struct hk_lua_sandbox *sb, lua_State *L,
                        const char *src, size_t len, const char *chunkname);

/* Marks the table at idx read-only for the wrapped rawset. */
void hk_lua_sandbox_protect(lua_State *L, int idx);

/* Pushes a read-only proxy for the table at idx: an empty table whose
 * metatable reads through to it, refuses writes and is itself locked. */
void hk_lua_sandbox_push_proxy(lua_State *L, int idx);

/* The text of the limit that tripped ("instruction limit of 50000000
 * exceeded"); "" when none.  Borrowed from sb. */
const char *hk_lua_sandbox_kill_msg(const struct hk_lua_sandbox *sb);

/* Installs the wrapped string functions (pattern.c). */
void hk_lua_pattern_install(lua_State *L, int string_table_idx);

/* Installs the charged table, string and utf8 functions (charge.c);
 * the libraries must be open. */
void hk_lua_charge_install(lua_State *L);

/* Installs the wrapped coroutine functions (sandbox_co.c). */
void hk_lua_coroutine_install(lua_State *L, int coroutine_table_idx);

/* Converts a failed protected-call status into the kill when it must not
 * be swallowed (memory errors, or a kill already recorded).  Raises; only
 * returns when the error may be handed to the script. */
void hk_lua_sandbox_check_status(lua_State *L, int status);

#endif
