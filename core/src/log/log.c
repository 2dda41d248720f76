/*
 * log/log.c - JSON line logger: stdout (or journald), a log file and an
 * error-only file, each rotated by size across every process writing it.
 */
#include "log/log.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/alloc.h"
#include "util/assert.h"
#include "util/buf.h"
#include "util/str.h"
#include "util/time.h"

/*
 * One log file (log.file or log.error_file).  Several processes (hawk
 * serve, hawk worker x N) may append to the same path, so the file's size
 * and identity are read from the file system under a lock on its
 * directory, never kept in memory: whoever sees the size past the limit
 * rotates, and the others notice the rename (a different inode at the
 * path) and reopen before their next line.
 */
struct log_file {
    int fd;     /* -1: closed */
    int dir_fd; /* the file's directory, flock()ed around each write */
    char *path;
    dev_t dev;
    ino_t ino;
    bool reported; /* a reopen failure was printed to stderr */
};

static atomic_int g_level = HAWK_LOG_INFO;
static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static bool g_stdout = true;
/* stdout is the journal (JOURNAL_STREAM matches it): each line starts
 * with a syslog priority "<N>" that journald strips and records. */
static atomic_bool g_journal;
static struct log_file g_main = {.fd = -1, .dir_fd = -1};
static struct log_file g_errf = {.fd = -1, .dir_fd = -1};
static int64_t g_max_bytes = 10 << 20;
static int g_keep = 5;
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

/* Closes f and forgets its path.  Called with g_lock held. */
static void file_close(struct log_file *f)
{
    HK_ASSERT_LOCKED(&g_lock);
    if (f->fd >= 0)
        close(f->fd);
    if (f->dir_fd >= 0)
        close(f->dir_fd);
    f->fd = -1;
    f->dir_fd = -1;
    hk_free(f->path);
    f->path = NULL;
    f->reported = false;
}

/* (Re)opens f->path for appending and records its identity.  0, or -errno
 * with f->fd = -1. */
static int file_open_fd(struct log_file *f)
{
    if (f->fd >= 0)
        close(f->fd);
    f->fd = open(f->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    if (f->fd < 0)
        return -errno;
    struct stat st;
    if (fstat(f->fd, &st) == 0) {
        f->dev = st.st_dev;
        f->ino = st.st_ino;
    }
    return 0;
}

/* Opens `path` into f: the file and its directory (for the cross-process
 * lock).  0, or HAWK_EIO after printing what failed and how to fix it. */
static int file_open(struct log_file *f, const char *key, const char *path)
{
    char dir[4096];
    hk_strlcpy(dir, path, sizeof(dir));
    char *slash = strrchr(dir, '/');
    if (slash == NULL)
        hk_strlcpy(dir, ".", sizeof(dir));
    else if (slash == dir)
        dir[1] = '\0';
    else
        *slash = '\0';
    f->path = hk_strdup(path);
    int rc = file_open_fd(f);
    if (rc < 0) {
        if (rc == -ENOENT)
            fprintf(stderr,
                    "hawk: cannot open %s '%s': %s (create the directory "
                    "'%s', or set %s = \"\")\n",
                    key, path, strerror(-rc), dir, key);
        else
            fprintf(stderr,
                    "hawk: cannot open %s '%s': %s (make the directory '%s' "
                    "writable by uid %u, or set %s = \"\")\n",
                    key, path, strerror(-rc), dir, (unsigned)geteuid(), key);
        file_close(f);
        return HAWK_EIO;
    }
    f->dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (f->dir_fd < 0) {
        fprintf(stderr, "hawk: cannot open the directory of %s '%s': %s\n", key,
                path, strerror(errno));
        file_close(f);
        return HAWK_EIO;
    }
    return 0;
}

/* True when the stream on stdout is the one systemd named in
 * JOURNAL_STREAM ("<dev>:<inode>"), so stdout goes to journald. */
static bool stdout_is_journal(void)
{
    const char *js = getenv("JOURNAL_STREAM");
    if (js == NULL || js[0] == '\0')
        return false;
    struct stat st;
    if (fstat(STDOUT_FILENO, &st) != 0)
        return false;
    char want[64];
    snprintf(want, sizeof(want), "%llu:%llu", (unsigned long long)st.st_dev,
             (unsigned long long)st.st_ino);
    return strcmp(js, want) == 0;
}

int hk_log_init(const struct hk_log_opts *o)
{
    int rc = 0;
    pthread_mutex_lock(&g_lock);
    atomic_store(&g_level, o->level);
    g_stdout = o->to_stdout;
    atomic_store(&g_journal, g_stdout && stdout_is_journal());
    g_max_bytes = o->max_bytes > 0 ? o->max_bytes : (10 << 20);
    g_keep = o->keep > 0 ? o->keep : 5;
    file_close(&g_main);
    file_close(&g_errf);
    if (o->file != NULL && o->file[0] != '\0')
        rc = file_open(&g_main, "log.file", o->file);
    if (rc == 0 && o->error_file != NULL && o->error_file[0] != '\0')
        rc = file_open(&g_errf, "log.error_file", o->error_file);
    if (rc < 0)
        file_close(&g_main);
    atomic_store(&g_locked_path, g_main.path != NULL || g_errf.path != NULL ||
                                     g_sink != NULL || !g_stdout);
    pthread_mutex_unlock(&g_lock);
    return rc;
}

int hk_log_reopen(void)
{
    int rc = 0;
    pthread_mutex_lock(&g_lock);
    struct log_file *files[] = {&g_main, &g_errf};
    for (size_t i = 0; i < 2; i++) {
        struct log_file *f = files[i];
        if (f->path == NULL)
            continue;
        int e = file_open_fd(f);
        if (e < 0) {
            fprintf(stderr,
                    "hawk: cannot reopen log file '%s': %s; its lines go "
                    "to stderr until it can be opened\n",
                    f->path, strerror(-e));
            f->reported = true;
            rc = HAWK_EIO;
        } else {
            f->reported = false;
        }
    }
    pthread_mutex_unlock(&g_lock);
    return rc;
}

void hk_log_shutdown(void)
{
    pthread_mutex_lock(&g_lock);
    file_close(&g_main);
    file_close(&g_errf);
    atomic_store(&g_locked_path, g_sink != NULL || !g_stdout);
    pthread_mutex_unlock(&g_lock);
}

void hk_log_set_sink(hk_log_sink_fn fn, void *opaque)
{
    pthread_mutex_lock(&g_lock);
    g_sink = fn;
    g_sink_opaque = opaque;
    atomic_store(&g_locked_path, g_main.path != NULL || g_errf.path != NULL ||
                                     g_sink != NULL || !g_stdout);
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

/* Renames path.(keep-1) -> .keep ... path -> .1 (the old .keep is
 * replaced, so `keep` rotated files remain).  Called with the directory
 * lock held, so exactly one process rotates a full file. */
static void rotate_file(const struct log_file *f)
{
    char from[4096], to[4096];
    for (int i = g_keep - 1; i >= 1; i--) {
        snprintf(from, sizeof(from), "%s.%d", f->path, i);
        snprintf(to, sizeof(to), "%s.%d", f->path, i + 1);
        rename(from, to);
    }
    snprintf(to, sizeof(to), "%s.1", f->path);
    rename(f->path, to);
}

/* Appends one whole line to f, rotating first when it would pass the
 * size limit.  Under the directory lock: the path is checked to still
 * be our file (another process, or logrotate before SIGHUP, may have
 * renamed it), so a line never lands in a file that is about to be
 * rotated away and never straddles two files.  When the file cannot be
 * (re)opened, the line goes to stderr instead of being lost.  Called
 * with g_lock held. */
static void file_append(struct log_file *f, const char *line, size_t len)
{
    HK_ASSERT_LOCKED(&g_lock);
    bool locked = f->dir_fd >= 0 && flock(f->dir_fd, LOCK_EX) == 0;
    struct stat st;
    int err = 0;
    if (f->fd < 0 || stat(f->path, &st) != 0 || st.st_dev != f->dev ||
        st.st_ino != f->ino)
        err = file_open_fd(f);
    if (f->fd >= 0 && fstat(f->fd, &st) == 0 && st.st_size > 0 &&
        st.st_size + (off_t)len > g_max_bytes) {
        rotate_file(f);
        err = file_open_fd(f);
    }
    if (f->fd >= 0) {
        write_all(f->fd, line, len);
        f->reported = false;
    } else {
        if (!f->reported) {
            char msg[4200];
            int n = snprintf(msg, sizeof(msg),
                             "hawk: cannot open log file '%s': %s; its "
                             "lines go to stderr until it can be opened\n",
                             f->path, strerror(-err));
            if (n > 0)
                write_all(STDERR_FILENO, msg,
                          (size_t)n < sizeof(msg) ? (size_t)n
                                                  : sizeof(msg) - 1);
            f->reported = true;
        }
        write_all(STDERR_FILENO, line, len);
    }
    if (locked)
        flock(f->dir_fd, LOCK_UN);
}

/* Writes a line everywhere it goes.  `line` starts with `prefix_len`
 * bytes of journald priority ("<6>") that only stdout gets. */
static void emit_line(int level, const char *line, size_t len,
                      size_t prefix_len)
{
    /* The common container case, stdout only: one write() per line is
     * atomic enough (lines stay whole), so no lock on the hot path. */
    if (!atomic_load(&g_locked_path)) {
        write_all(STDOUT_FILENO, line, len);
        return;
    }
    const char *body = line + prefix_len;
    size_t blen = len - prefix_len;
    pthread_mutex_lock(&g_lock);
    if (g_sink != NULL) {
        g_sink(g_sink_opaque, body, blen);
    } else {
        if (g_stdout)
            write_all(STDOUT_FILENO, line, len);
        if (g_main.path != NULL)
            file_append(&g_main, body, blen);
        if (g_errf.path != NULL && level >= HAWK_LOG_ERROR)
            file_append(&g_errf, body, blen);
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
    /* syslog priorities: crit 2, error 3, warn 4, info 6, debug 7 */
    static const char prio[] = {'7', '6', '4', '3', '2'};
    size_t prefix_len = 0;
    if (atomic_load(&g_journal)) {
        char p[3] = {'<', prio[level < 0 || level > HAWK_LOG_CRIT ? 1 : level],
                     '>'};
        hk_buf_append(b, p, 3);
        prefix_len = 3;
    }
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
    emit_line(level, hk_buf_str(b), b->len, prefix_len);
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
