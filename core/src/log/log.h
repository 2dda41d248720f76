/*
 * log/log.h - structured logs: one JSON object per line.
 *
 *   {"time":"2026-11-29T11:07:13.123Z","level":"info","msg":"...",
 *    "request_id":"...","user_id":42, <fields>}
 *
 * Lines go to stdout by default (with a "<N>" syslog priority in front
 * when stdout is journald's stream), optionally to a file, and lines of
 * level error and above optionally to a separate error file.  Files
 * rotate by size (hawk.log, hawk.log.1 ... hawk.log.N); several processes
 * may share one file: rotation and appends are serialised by a flock() on
 * its directory, and a process whose file was renamed away (by another
 * process or by logrotate) reopens the path before its next line.  Every
 * function is thread-safe; a line is written with a single write() so
 * lines from different threads and processes never interleave.  request_id/user_id come from a
 * per-thread context set by the HTTP layer and the queue workers.
 */
#ifndef HK_LOG_H
#define HK_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hawk/plugin.h" /* enum hawk_log_level */

struct hk_log_opts {
    int level;              /* HAWK_LOG_* minimum level */
    bool to_stdout;         /* default true */
    const char *file;       /* NULL: no file */
    const char *error_file; /* NULL: none; else error+crit lines too */
    int64_t max_bytes;      /* rotate past this size (0: 10 MiB) */
    int keep;               /* rotated files kept (0: 5) */
};

/* Applies options; may be called again (reconfigure).  0 or HAWK_EIO
 * when the file cannot be opened (the message names the path). */
int hk_log_init(const struct hk_log_opts *o);
/* Closes the files. */
void hk_log_shutdown(void);
/* Reopens the files at their paths (SIGHUP after an external logrotate
 * moved them).  0, or HAWK_EIO when one cannot be opened: its lines then
 * go to stderr (the message says so) until a later reopen works. */
int hk_log_reopen(void);

void hk_log_set_level(int level);
int hk_log_get_level(void);
bool hk_log_enabled(int level);
/* "debug"/"info"/"warn"/"error"/"crit" -> level, or -1. */
int hk_log_level_parse(const char *s);
const char *hk_log_level_name(int level);

/* Message from a printf format.  Never pass secrets. */
void hk_log(int level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Message plus extra fields: `fields` is a JSON object text whose members
 * are appended ("{\"status\":200}"), or NULL.  Invalid text is dropped. */
void hk_log_fields(int level, const char *msg, const char *fields_json);

/* Per-thread context added to every line from this thread.  The strings
 * are copied (request_id truncated to 64 bytes). */
void hk_log_ctx_set(const char *request_id, int64_t user_id);
void hk_log_ctx_set_user(int64_t user_id);
void hk_log_ctx_clear(void);
/* Current thread's request id ("" when none); borrowed. */
const char *hk_log_ctx_request_id(void);

/* Tests: capture lines into a callback instead of stdout/file. */
typedef void (*hk_log_sink_fn)(void *opaque, const char *line, size_t len);
void hk_log_set_sink(hk_log_sink_fn fn, void *opaque);

#define hk_debug(...) hk_log(HAWK_LOG_DEBUG, __VA_ARGS__)
#define hk_info(...) hk_log(HAWK_LOG_INFO, __VA_ARGS__)
#define hk_warn(...) hk_log(HAWK_LOG_WARN, __VA_ARGS__)
#define hk_error(...) hk_log(HAWK_LOG_ERROR, __VA_ARGS__)

#endif
