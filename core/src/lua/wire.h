/*
 * lua/wire.h - the messages between hawk and a sandbox process (internal
 * to lua/).
 *
 * A message is one frame on the socket pair: a 4-byte big-endian length,
 * then that many bytes of JSON text, an object with a "t" (type) member.
 *
 *   hawk -> sandbox   {"t":"job", ...the hk_lua_job...}
 *                     {"t":"answer","rc":0,"result":...,"error":"..."}
 *   sandbox -> hawk   {"t":"call","fn":"search","args":[...],"timeout_ms":N}
 *                     {"t":"log","level":"info","msg":"...","fields":{...}}
 *                     {"t":"result", ...the hk_lua_result without its log...}
 *
 * The sandbox side is not trusted: hawk bounds every frame
 * (HK_LUA_WIRE_MAX) and checks every member it reads.
 */
#ifndef HK_LUA_WIRE_H
#define HK_LUA_WIRE_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lua/runner.h"

/* Largest frame either side accepts. */
#define HK_LUA_WIRE_MAX (16u * 1024 * 1024)

/* Writes obj (borrowed) as one frame.  Returns 0, HAWK_ETOOBIG, or
 * HAWK_EIO when the peer is gone. */
int hk_lua_wire_send(int fd, json_object *obj);

/* Reads one frame, waiting until deadline_ms (monotonic; -1: forever).
 * On 0, *out is the parsed object (caller puts it).  Returns
 * HAWK_ETIMEDOUT, HAWK_EIO (peer closed or read error), HAWK_ETOOBIG or
 * HAWK_EPROTO (not a JSON object). */
int hk_lua_wire_recv(int fd, int64_t deadline_ms, json_object **out);

/* The job as a "job" message.  Caller puts the result. */
json_object *hk_lua_wire_job(const struct hk_lua_job *job);

/* Fills job from a "job" message.  Strings in job borrow from msg (valid
 * while msg lives).  Returns 0 or HAWK_EPROTO. */
int hk_lua_wire_job_parse(json_object *msg, struct hk_lua_job *job);

/* The result (without its log) as a "result" message.  Caller puts it. */
json_object *hk_lua_wire_result(const struct hk_lua_result *res);

/* Fills res (already initialised, log kept) from a "result" message;
 * copies what it keeps.  Returns 0 or HAWK_EPROTO. */
int hk_lua_wire_result_parse(json_object *msg, struct hk_lua_result *res);

/* Integer member `key` of obj, or def when absent or not a number. */
int64_t hk_lua_wire_int(json_object *obj, const char *key, int64_t def);

/* String member `key` of obj (borrowed), or NULL. */
const char *hk_lua_wire_str(json_object *obj, const char *key);

#endif
