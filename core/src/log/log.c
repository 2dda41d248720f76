/*
 * log/log.c - JSON line logger with size-based rotation.
 */
#include "log/log.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/alloc.h"
#include "util/buf.h"
#include "util/str.h"
#include "util/time.h"

static atomic_int g_level = HAWK_LOG_INFO;
static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static bool g_stdout = true;
static int g_fd = -1;
static char *g_path;
static int64_t g_max_bytes = 10 << 20;
static int g_keep = 5;
static int64_t g_size;
static hk_log_sink_fn g_sink;
/* False only when lines go to stdout alone (see emit_line). */
static atomic_bool g_locked_path;
static void *g_sink_opaque;

static _Thread_local char t_request_id[65];
static _Thread_local int64_t t_user_id;

static const char *const level_names[] = {"debug", "info", "warn", "error",
                                          "crit"};

const char *hk_log_level_name(int level)
{
    if (level < 0 || level > HAWK_LOG_CRIT)
        return "info";
    return level_names[level];
}

int hk_log_level_parse(const char *s)
{
    for (int i = 0; i <= HAWK_LOG_CRIT; i++)
        if (hk_str_ieq(s, level_names[i]))
            return i;
    if (hk_str_ieq(s, "warning"))
        return HAWK_LOG_WARN;
    return -1;
}

void hk_log_set_level(int level)
{
    atomic_store(&g_level, level);
}

int hk_log_get_level(void)
{
    return atomic_load(&g_level);
}

bool hk_log_enabled(int level)
{
    return level >= atomic_load(&g_level);
}

int hk_log_init(const struct hk_log_opts *o)
{
    int rc = 0;
    pthread_mutex_lock(&g_lock);
    atomic_store(&g_level, o->level);
    g_stdout = o->to_stdout;
    g_max_bytes = o->max_bytes > 0 ? o->max_bytes : (10 << 20);
    g_keep = o->keep > 0 ? o->keep : 5;
    if (g_fd >= 0) {
        close(g_fd);
        g_fd = -1;
    }
    hk_free(g_path);
    g_path = NULL;
    if (o->file != NULL && o->file[0] != '\0') {
        int fd = open(o->file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
        if (fd < 0) {
            fprintf(stderr, "hawk: cannot open log file '%s': %s\n", o->file,
                    strerror(errno));
            rc = HAWK_EIO;
        } else {
            struct stat st;
            g_size = fstat(fd, &st) == 0 ? st.st_size : 0;
            g_fd = fd;
            g_path = hk_strdup(o->file);
        }
    }
    atomic_store(&g_locked_path, g_fd >= 0 || g_sink != NULL || !g_stdout);
    pthread_mutex_unlock(&g_lock);
    return rc;
}

void hk_log_shutdown(void)
{
    pthread_mutex_lock(&g_lock);
    if (g_fd >= 0)
        close(g_fd);
    g_fd = -1;
    hk_free(g_path);
    g_path = NULL;
    atomic_store(&g_locked_path, g_sink != NULL || !g_stdout);
    pthread_mutex_unlock(&g_lock);
}

void hk_log_set_sink(hk_log_sink_fn fn, void *opaque)
{
    pthread_mutex_lock(&g_lock);
    g_sink = fn;
    g_sink_opaque = opaque;
    atomic_store(&g_locked_path, g_fd >= 0 || g_sink != NULL || !g_stdout);
    pthread_mutex_unlock(&g_lock);
}

void hk_log_ctx_set(const char *request_id, int64_t user_id)
{
    hk_strlcpy(t_request_id, request_id ? request_id : "",
               sizeof(t_request_id));
    t_user_id = user_id;
}

void hk_log_ctx_set_user(int64_t user_id)
{
    t_user_id = user_id;
}

void hk_log_ctx_clear(void)
{
    t_request_id[0] = '\0';
    t_user_id = 0;
}

const char *hk_log_ctx_request_id(void)
{
    return t_request_id;
}

/* Renames hawk.log.(N-1) -> .N ... hawk.log -> .1 and reopens.  Called
 * with g_lock held. */
static void rotate_locked(void)
{
    char from[4096], to[4096];
    for (int i = g_keep - 1; i >= 1; i--) {
        snprintf(from, sizeof(from), "%s.%d", g_path, i);
        snprintf(to, sizeof(to), "%s.%d", g_path, i + 1);
        rename(from, to);
    }
    snprintf(to, sizeof(to), "%s.1", g_path);
    rename(g_path, to);
    close(g_fd);
    g_fd = open(g_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    g_size = 0;
}

static void write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return;
        }
        p += w;
        n -= (size_t)w;
    }
}

static void emit_line(const char *line, size_t len)
{
    /* The common container case, stdout only: one write() per line is
     * atomic enough (lines stay whole), so no lock on the hot path. */
    if (!atomic_load(&g_locked_path)) {
        write_all(STDOUT_FILENO, line, len);
        return;
    }
    pthread_mutex_lock(&g_lock);
    if (g_sink != NULL) {
        g_sink(g_sink_opaque, line, len);
    } else {
        if (g_stdout)
            write_all(STDOUT_FILENO, line, len);
        if (g_fd >= 0) {
            if (g_size + (int64_t)len > g_max_bytes)
                rotate_locked();
            if (g_fd >= 0) {
                write_all(g_fd, line, len);
                g_size += (int64_t)len;
            }
        }
    }
    pthread_mutex_unlock(&g_lock);
}

/* Appends the members of a JSON object text (without its braces). */
static void append_fields(struct hk_buf *b, const char *fields)
{
    const char *p = fields;
    while (*p == ' ' || *p == '\n' || *p == '\t')
        p++;
    if (*p != '{')
        return;
    p++;
    size_t n = strlen(p);
    while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\n'))
        n--;
    if (n == 0 || p[n - 1] != '}')
        return;
    n--;
    while (n > 0 && (*p == ' ' || *p == '\n')) {
        p++;
        n--;
    }
    if (n == 0)
        return;
    hk_buf_putc(b, ',');
    hk_buf_append(b, p, n);
}

/* Per-thread timestamp cache: gmtime_r and the date formatting run once
 * per second per thread, not once per line. */
static _Thread_local int64_t t_ts_sec = -1;
static _Thread_local char t_ts_prefix[24]; /* "2026-11-29T11:07:13." */

static void format_time(char out[32])
{
    int64_t ms = hk_wall_ms();
    int64_t sec = ms / 1000;
    if (sec != t_ts_sec) {
        char full[32];
        hk_time_rfc3339(ms, full, sizeof(full));
        memcpy(t_ts_prefix, full, 20);
        t_ts_prefix[20] = '\0';
        t_ts_sec = sec;
    }
    int frac = (int)(ms % 1000);
    memcpy(out, t_ts_prefix, 20);
    out[20] = (char)('0' + frac / 100);
    out[21] = (char)('0' + frac / 10 % 10);
    out[22] = (char)('0' + frac % 10);
    out[23] = 'Z';
    out[24] = '\0';
}

/* Per-thread line buffer, kept between lines (freed at thread exit by
 * the key destructor) so logging a line allocates nothing. */
static pthread_key_t g_buf_key;
static pthread_once_t g_buf_once = PTHREAD_ONCE_INIT;

static void buf_destroy(void *p)
{
    struct hk_buf *b = p;
    hk_buf_release(b);
    hk_free(b);
}

static void buf_key_init(void)
{
    pthread_key_create(&g_buf_key, buf_destroy);
}

static struct hk_buf *line_buf(void)
{
    pthread_once(&g_buf_once, buf_key_init);
    struct hk_buf *b = pthread_getspecific(g_buf_key);
    if (b == NULL) {
        b = hk_malloc(sizeof(*b));
        hk_buf_init(b, 256 << 10);
        pthread_setspecific(g_buf_key, b);
    }
    hk_buf_reset(b);
    return b;
}

static void log_line(int level, const char *msg, const char *fields)
{
    struct hk_buf *b = line_buf();
    char ts[32];
    format_time(ts);
    hk_buf_puts(b, "{\"time\":\"");
    hk_buf_puts(b, ts);
    hk_buf_puts(b, "\",\"level\":\"");
    hk_buf_puts(b, hk_log_level_name(level));
    hk_buf_puts(b, "\",\"msg\":");
    size_t mlen = strlen(msg);
    if (mlen > 64 * 1024)
        mlen = 64 * 1024;
    hk_buf_json_str(b, msg, mlen);
    if (t_request_id[0] != '\0') {
        hk_buf_puts(b, ",\"request_id\":");
        hk_buf_json_str(b, t_request_id, strlen(t_request_id));
    }
    if (t_user_id != 0)
        hk_buf_printf(b, ",\"user_id\":%lld", (long long)t_user_id);
    if (fields != NULL)
        append_fields(b, fields);
    hk_buf_puts(b, "}\n");
    emit_line(hk_buf_str(b), b->len);
    /* A rare huge line should not pin its memory to the thread. */
    if (b->cap > (64 << 10))
        hk_buf_release(b);
}

void hk_log(int level, const char *fmt, ...)
{
    if (!hk_log_enabled(level))
        return;
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    log_line(level, msg, NULL);
}

void hk_log_fields(int level, const char *msg, const char *fields_json)
{
    if (!hk_log_enabled(level))
        return;
    log_line(level, msg, fields_json);
}
