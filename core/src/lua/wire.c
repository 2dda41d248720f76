/*
 * lua/wire.c - framing and (de)serialisation of the sandbox messages.
 */
#include "lua/wire.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "hawk/plugin.h"
#include "util/alloc.h"
#include "util/time.h"

/* Deepest JSON a frame may nest (script values are at most 32 deep). */
#define WIRE_DEPTH 48

/* ------------------------------------------------------------------------
 * Frames
 * --------------------------------------------------------------------- */

/* Sends header and body with one system call where the socket takes it
 * all (it nearly always does), so the peer wakes once per message. */
static int write_frame(int fd, const unsigned char *hdr, const char *body,
                       size_t n)
{
    struct iovec iov[2] = {{.iov_base = (void *)hdr, .iov_len = 4},
                           {.iov_base = (void *)body, .iov_len = n}};
    int first = 0;
    while (first < 2) {
        struct msghdr mh = {.msg_iov = iov + first,
                            .msg_iovlen = (size_t)(2 - first)};
        ssize_t w = sendmsg(fd, &mh, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return HAWK_EIO;
        size_t left = (size_t)w;
        while (first < 2 && left >= iov[first].iov_len) {
            left -= iov[first].iov_len;
            first++;
        }
        if (first < 2) {
            iov[first].iov_base = (char *)iov[first].iov_base + left;
            iov[first].iov_len -= left;
        }
    }
    return 0;
}

/* See lua/wire.h. */
int hk_lua_wire_send(int fd, json_object *obj)
{
    size_t len = 0;
    const char *text = json_object_to_json_string_length(
        obj, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
    if (text == NULL)
        return HAWK_ENOMEM;
    if (len > HK_LUA_WIRE_MAX)
        return HAWK_ETOOBIG;
    unsigned char hdr[4] = {(unsigned char)(len >> 24),
                            (unsigned char)(len >> 16),
                            (unsigned char)(len >> 8), (unsigned char)len};
    return write_frame(fd, hdr, text, len);
}

/* Reads exactly n bytes before deadline_ms (-1: no deadline). */
static int read_all(int fd, char *p, size_t n, int64_t deadline_ms)
{
    while (n > 0) {
        if (deadline_ms >= 0) {
            int64_t left = deadline_ms - hk_mono_ms();
            if (left <= 0)
                return HAWK_ETIMEDOUT;
            struct pollfd pfd = {.fd = fd, .events = POLLIN};
            int pr = poll(&pfd, 1, left > 1000 ? 1000 : (int)left);
            if (pr < 0 && errno == EINTR)
                continue;
            if (pr < 0)
                return HAWK_EIO;
            if (pr == 0)
                continue;
        }
        ssize_t r = recv(fd, p, n, 0);
        if (r < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (r <= 0)
            return HAWK_EIO;
        p += r;
        n -= (size_t)r;
    }
    return 0;
}

/* See lua/wire.h. */
int hk_lua_wire_recv(int fd, int64_t deadline_ms, json_object **out)
{
    *out = NULL;
    unsigned char hdr[4];
    int rc = read_all(fd, (char *)hdr, sizeof(hdr), deadline_ms);
    if (rc < 0)
        return rc;
    size_t len = ((size_t)hdr[0] << 24) | ((size_t)hdr[1] << 16) |
                 ((size_t)hdr[2] << 8) | (size_t)hdr[3];
    if (len > HK_LUA_WIRE_MAX)
        return HAWK_ETOOBIG;
    char *buf = hk_try_malloc(len + 1);
    if (buf == NULL)
        return HAWK_ENOMEM;
    rc = read_all(fd, buf, len, deadline_ms);
    if (rc < 0) {
        hk_free(buf);
        return rc;
    }
    buf[len] = '\0';
    json_tokener *tok = json_tokener_new_ex(WIRE_DEPTH);
    json_object *obj = NULL;
    if (tok != NULL) {
        obj = json_tokener_parse_ex(tok, buf, (int)len);
        if (json_tokener_get_error(tok) != json_tokener_success ||
            json_tokener_get_parse_end(tok) != len) {
            json_object_put(obj);
            obj = NULL;
        }
        json_tokener_free(tok);
    }
    hk_free(buf);
    if (!json_object_is_type(obj, json_type_object)) {
        json_object_put(obj);
        return HAWK_EPROTO;
    }
    *out = obj;
    return 0;
}

/* ------------------------------------------------------------------------
 * Members
 * --------------------------------------------------------------------- */

/* See lua/wire.h. */
int64_t hk_lua_wire_int(json_object *obj, const char *key, int64_t def)
{
    json_object *v = NULL;
    if (!json_object_object_get_ex(obj, key, &v))
        return def;
    if (!json_object_is_type(v, json_type_int) &&
        !json_object_is_type(v, json_type_boolean))
        return def;
    return json_object_get_int64(v);
}

/* See lua/wire.h. */
const char *hk_lua_wire_str(json_object *obj, const char *key)
{
    json_object *v = NULL;
    if (!json_object_object_get_ex(obj, key, &v) ||
        !json_object_is_type(v, json_type_string))
        return NULL;
    return json_object_get_string(v);
}

static void add_int(json_object *o, const char *key, int64_t v)
{
    json_object_object_add(o, key, json_object_new_int64(v));
}

/* ------------------------------------------------------------------------
 * Job
 * --------------------------------------------------------------------- */

/* See lua/wire.h. */
json_object *hk_lua_wire_job(const struct hk_lua_job *job)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "t", json_object_new_string("job"));
    add_int(o, "mode", job->mode);
    json_object_object_add(
        o, "source",
        json_object_new_string_len(job->source, (int)job->source_len));
    json_object_object_add(o, "chunkname",
                           json_object_new_string(job->chunkname));
    json_object_object_add(o, "dry_run", json_object_new_boolean(job->dry_run));
    add_int(o, "now", job->now);
    if (job->test_hooks)
        json_object_object_add(o, "test_hooks", json_object_new_boolean(1));
    const struct hk_lua_limits *l = &job->limits;
    json_object *lim = json_object_new_object();
    add_int(lim, "max_instructions", l->max_instructions);
    add_int(lim, "max_memory", l->max_memory);
    add_int(lim, "max_wall_ms", l->max_wall_ms);
    add_int(lim, "max_host_calls", l->max_host_calls);
    add_int(lim, "max_source", l->max_source);
    add_int(lim, "max_sleep_ms", l->max_sleep_ms);
    add_int(lim, "state_max", l->state_max);
    add_int(lim, "max_log_lines", l->max_log_lines);
    add_int(lim, "max_log_bytes", l->max_log_bytes);
    add_int(lim, "max_output", l->max_output);
    json_object_object_add(o, "limits", lim);
    return o;
}

/* See lua/wire.h. */
int hk_lua_wire_job_parse(json_object *msg, struct hk_lua_job *job)
{
    memset(job, 0, sizeof(*job));
    json_object *src = NULL, *lim = NULL;
    const char *chunk = hk_lua_wire_str(msg, "chunkname");
    if (!json_object_object_get_ex(msg, "source", &src) ||
        !json_object_is_type(src, json_type_string) || chunk == NULL ||
        !json_object_object_get_ex(msg, "limits", &lim) ||
        !json_object_is_type(lim, json_type_object))
        return HAWK_EPROTO;
    int64_t mode = hk_lua_wire_int(msg, "mode", 0);
    if (mode < HK_LUA_MODE_RUN || mode > HK_LUA_MODE_NEXT_RUN)
        return HAWK_EPROTO;
    job->mode = (enum hk_lua_mode)mode;
    job->source = json_object_get_string(src);
    job->source_len = (size_t)json_object_get_string_len(src);
    job->chunkname = chunk;
    job->dry_run = hk_lua_wire_int(msg, "dry_run", 0) != 0;
    job->now = hk_lua_wire_int(msg, "now", 0);
    struct hk_lua_limits *l = &job->limits;
    hk_lua_limits_default(l);
    l->max_instructions =
        hk_lua_wire_int(lim, "max_instructions", l->max_instructions);
    l->max_memory = hk_lua_wire_int(lim, "max_memory", l->max_memory);
    l->max_wall_ms = hk_lua_wire_int(lim, "max_wall_ms", l->max_wall_ms);
    l->max_host_calls =
        hk_lua_wire_int(lim, "max_host_calls", l->max_host_calls);
    l->max_source = hk_lua_wire_int(lim, "max_source", l->max_source);
    l->max_sleep_ms = hk_lua_wire_int(lim, "max_sleep_ms", l->max_sleep_ms);
    l->state_max = hk_lua_wire_int(lim, "state_max", l->state_max);
    l->max_log_lines = hk_lua_wire_int(lim, "max_log_lines", l->max_log_lines);
    l->max_log_bytes = hk_lua_wire_int(lim, "max_log_bytes", l->max_log_bytes);
    l->max_output = hk_lua_wire_int(lim, "max_output", l->max_output);
    return 0;
}

/* ------------------------------------------------------------------------
 * Result
 * --------------------------------------------------------------------- */

/* See lua/wire.h. */
json_object *hk_lua_wire_result(const struct hk_lua_result *res)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "t", json_object_new_string("result"));
    add_int(o, "status", res->status);
    add_int(o, "limit", res->limit);
    if (res->error != NULL)
        json_object_object_add(o, "error", json_object_new_string(res->error));
    if (res->traceback != NULL)
        json_object_object_add(o, "traceback",
                               json_object_new_string(res->traceback));
    add_int(o, "error_line", res->error_line);
    add_int(o, "searched", res->counts.searched);
    add_int(o, "skipped", res->counts.skipped);
    add_int(o, "scored", res->counts.scored);
    add_int(o, "applied", res->counts.applied);
    add_int(o, "instructions", res->instructions);
    add_int(o, "mem_peak", res->mem_peak);
    add_int(o, "host_calls", res->host_calls);
    add_int(o, "log_dropped", res->log_dropped);
    add_int(o, "log_cut", res->log_cut);
    if (res->schedule != NULL)
        json_object_object_add(o, "schedule", json_object_get(res->schedule));
    add_int(o, "schedule_line", res->schedule_line);
    json_object_object_add(o, "has_run", json_object_new_boolean(res->has_run));
    json_object_object_add(o, "has_next_run",
                           json_object_new_boolean(res->has_next_run));
    json_object_object_add(o, "next_run_set",
                           json_object_new_boolean(res->next_run_set));
    add_int(o, "next_run", res->next_run);
    return o;
}

/* Copies a bounded string member, or NULL. */
static char *dup_member(json_object *msg, const char *key, size_t max)
{
    json_object *v = NULL;
    if (!json_object_object_get_ex(msg, key, &v) ||
        !json_object_is_type(v, json_type_string))
        return NULL;
    size_t n = (size_t)json_object_get_string_len(v);
    return hk_strndup(json_object_get_string(v), n < max ? n : max);
}

/* See lua/wire.h. */
int hk_lua_wire_result_parse(json_object *msg, struct hk_lua_result *res)
{
    int64_t st = hk_lua_wire_int(msg, "status", -1);
    int64_t lim = hk_lua_wire_int(msg, "limit", 0);
    if (st < HK_LUA_OK || st > HK_LUA_ERR_LIMIT || lim < HK_LUA_KILL_NONE ||
        lim > HK_LUA_KILL_LAST)
        return HAWK_EPROTO;
    res->status = (enum hk_lua_status)st;
    res->limit = (enum hk_lua_kill)lim;
    hk_free(res->error);
    hk_free(res->traceback);
    res->error = dup_member(msg, "error", 4096);
    res->traceback = dup_member(msg, "traceback", 65536);
    if (res->status != HK_LUA_OK && res->error == NULL)
        res->error = hk_strdup("the run failed without a message");
    if (res->error != NULL && res->traceback == NULL)
        res->traceback = hk_strdup(res->error);
    res->error_line = (int)hk_lua_wire_int(msg, "error_line", 0);
    res->counts.searched = hk_lua_wire_int(msg, "searched", 0);
    res->counts.skipped = hk_lua_wire_int(msg, "skipped", 0);
    res->counts.scored = hk_lua_wire_int(msg, "scored", 0);
    res->counts.applied = hk_lua_wire_int(msg, "applied", 0);
    res->instructions = hk_lua_wire_int(msg, "instructions", 0);
    res->mem_peak = hk_lua_wire_int(msg, "mem_peak", 0);
    res->host_calls = hk_lua_wire_int(msg, "host_calls", 0);
    res->log_dropped += hk_lua_wire_int(msg, "log_dropped", 0);
    res->log_cut += hk_lua_wire_int(msg, "log_cut", 0);
    json_object *sched = NULL;
    if (json_object_object_get_ex(msg, "schedule", &sched) &&
        json_object_is_type(sched, json_type_object))
        res->schedule = json_object_get(sched);
    res->schedule_line = (int)hk_lua_wire_int(msg, "schedule_line", 0);
    res->has_run = hk_lua_wire_int(msg, "has_run", 0) != 0;
    res->has_next_run = hk_lua_wire_int(msg, "has_next_run", 0) != 0;
    res->next_run_set = hk_lua_wire_int(msg, "next_run_set", 0) != 0;
    res->next_run = hk_lua_wire_int(msg, "next_run", 0);
    return 0;
}
