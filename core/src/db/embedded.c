/*
 * db/embedded.c - a private PostgreSQL cluster under <data_dir>/pg.
 *
 *   <data_dir>/pg/data          the cluster (initdb on first use)
 *   <data_dir>/pg/run           the Unix socket directory
 *   <data_dir>/pg/postgres.log  the server log (PostgreSQL's own output)
 *   <data_dir>/pg/hawk.owner    the hawk process that stops it (embedded_owner.c)
 *
 * Why trust authentication is safe here: the server listens on no TCP
 * address (listen_addresses=''), only on a socket inside pg/run, and
 * pg/run and pg are mode 0700 owned by the user running the server (the
 * socket itself is 0700 too).  Only that user and root can reach the
 * socket, and both can read the data files anyway, so a password would
 * protect nothing.
 *
 * The programs run as `run_as` (default "hawk") when hawk is root, because
 * PostgreSQL refuses root.  A server left running by a hawk that died is
 * reused; a postmaster.pid left by a killed one is cleaned up by
 * PostgreSQL itself, hawk retries while the dead server's children exit.
 *
 * The cluster belongs to the process that started it: a `hawk migrate`
 * or `hawk user create-admin` run beside `hawk serve` uses the server's
 * cluster and leaves it running.  A long-running process (serve, worker)
 * takes over a cluster whose owner has exited.
 */
#include <errno.h>
#include <glob.h>
#include <libpq-fe.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "db/db.h"
#include "db/embedded_int.h"
#include "hawk/plugin.h"
#include "log/log.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/str.h"
#include "util/time.h"

#define PG_PORT "5432"
/* sun_path is 108 bytes; PostgreSQL appends "/.s.PGSQL.5432". */
#define SOCKET_PATH_MAX 107
#define LOG_ROTATE_BYTES (16 * 1024 * 1024)
#define PGCTL_WAIT_S "60"
#define PGCTL_TIMEOUT_MS 90000
#define INITDB_TIMEOUT_MS 300000
#define START_ATTEMPTS 5

/* ---- paths ---- */

/* The paths go into postgres' -o option, which pg_ctl hands to /bin/sh,
 * and into a conninfo string: allow only characters that need no
 * quoting in either. */
static bool safe_path(const char *s)
{
    for (; *s != '\0'; s++) {
        char ch = *s;
        bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                  (ch >= '0' && ch <= '9') || ch == '/' || ch == '.' ||
                  ch == '_' || ch == '-' || ch == '+' || ch == '@';
        if (!ok)
            return false;
    }
    return true;
}

static char *absolute(const char *dir)
{
    if (dir[0] == '/')
        return hk_strdup(dir);
    char cwd[PATH_MAX];
    if (getcwd(cwd, sizeof(cwd)) == NULL)
        return NULL;
    return hk_asprintf("%s/%s", cwd, dir);
}

/* mkdir -p; directories created here get `mode`. */
static int make_dirs(const char *path, mode_t mode)
{
    char *p = hk_strdup(path);
    size_t n = strlen(p);
    int rc = 0;
    for (size_t i = 1; i <= n && rc == 0; i++) {
        if (i < n && p[i] != '/')
            continue;
        char save = p[i];
        p[i] = '\0';
        if (mkdir(p, mode) < 0 && errno != EEXIST)
            rc = HAWK_EIO;
        p[i] = save;
    }
    hk_free(p);
    return rc;
}

static bool file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* Reads a small text file's first line into out ("" on failure). */
static void read_first_line(const char *path, char *out, size_t n)
{
    out[0] = '\0';
    FILE *f = fopen(path, "re");
    if (f == NULL)
        return;
    if (fgets(out, (int)n, f) == NULL)
        out[0] = '\0';
    fclose(f);
    out[strcspn(out, "\r\n")] = '\0';
}

/* ---- binaries ---- */

static bool has_tools(const char *bindir)
{
    const char *tools[] = {"initdb", "pg_ctl", "postgres"};
    for (size_t i = 0; i < sizeof(tools) / sizeof(tools[0]); i++) {
        char *p = hk_asprintf("%s/%s", bindir, tools[i]);
        bool ok = access(p, X_OK) == 0;
        hk_free(p);
        if (!ok)
            return false;
    }
    return true;
}

/* The configured bindir; else the Debian directory of the cluster's own
 * major version; else the newest /usr/lib/postgresql/N/bin; else the
 * directory of initdb in PATH.  NULL with err when none is found. */
static char *find_bindir(const char *configured, const char *cluster_ver,
                         char *err, size_t errlen)
{
    if (configured != NULL && configured[0] != '\0') {
        if (has_tools(configured))
            return hk_strdup(configured);
        snprintf(err, errlen,
                 "database.embedded.bindir '%s' does not "
                 "contain initdb, pg_ctl and postgres: point it at the "
                 "PostgreSQL server's bin directory",
                 configured);
        return NULL;
    }
    if (cluster_ver[0] != '\0') {
        char *d = hk_asprintf("/usr/lib/postgresql/%s/bin", cluster_ver);
        if (has_tools(d))
            return d;
        hk_free(d);
    }
    char *best = NULL;
    glob_t g;
    if (glob("/usr/lib/postgresql/*/bin/initdb", 0, NULL, &g) == 0) {
        for (size_t i = 0; i < g.gl_pathc; i++) {
            char *d = hk_strndup(g.gl_pathv[i],
                                 strlen(g.gl_pathv[i]) - strlen("/initdb"));
            if (has_tools(d) && (best == NULL || strverscmp(d, best) > 0)) {
                hk_free(best);
                best = d;
            } else {
                hk_free(d);
            }
        }
        globfree(&g);
    }
    if (best != NULL)
        return best;
    char *initdb = hk_pgproc_which("initdb");
    if (initdb != NULL) {
        char *d = hk_strndup(initdb, strlen(initdb) - strlen("/initdb"));
        hk_free(initdb);
        if (has_tools(d))
            return d;
        hk_free(d);
    }
    snprintf(err, errlen,
             "PostgreSQL server binaries not found: install "
             "the 'postgresql' package (scripts/install-deps.sh does it) or "
             "set database.embedded.bindir");
    return NULL;
}

/* ---- running the tools ---- */

/* Runs one tool from bindir as the cluster user.  Returns the tool's exit
 * code (>= 0) or a negative HAWK_E* when it could not run; out gets its
 * output. */
static int tool(struct hk_pg_embedded *pg, const char *const *args,
                struct hk_buf *out, int64_t timeout_ms)
{
    const char *argv[24];
    size_t n = 0;
    char *exe = hk_asprintf("%s/%s", pg->bindir, args[0]);
    argv[n++] = exe;
    for (size_t i = 1; args[i] != NULL && n < 23; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    int code = -1;
    int rc = hk_pgproc_run(&pg->user, pg->pgdir, argv, out, timeout_ms, &code);
    hk_free(exe);
    return rc < 0 ? rc : code;
}

/* First line of a tool's output, for messages. */
static void first_line(const struct hk_buf *b, char *out, size_t n)
{
    hk_strlcpy(out, hk_buf_str(b), n);
    out[strcspn(out, "\r\n")] = '\0';
}

/* The last `lines` lines of the server log joined with " | ". */
static void log_tail(const char *path, int lines, char *out, size_t n)
{
    out[0] = '\0';
    FILE *f = fopen(path, "re");
    if (f == NULL)
        return;
    char buf[4096];
    long size = 0;
    if (fseek(f, 0, SEEK_END) == 0)
        size = ftell(f);
    long from = size > (long)sizeof(buf) - 1 ? size - (long)sizeof(buf) + 1 : 0;
    size_t got = 0;
    if (fseek(f, from, SEEK_SET) == 0)
        got = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[got] = '\0';
    while (got > 0 && (buf[got - 1] == '\n' || buf[got - 1] == '\r'))
        buf[--got] = '\0';
    size_t start = got;
    int seen = 0;
    while (start > 0 && seen < lines) {
        start--;
        if (buf[start] == '\n')
            seen++;
    }
    if (buf[start] == '\n')
        start++;
    struct hk_buf b;
    hk_buf_init(&b, n > 0 ? n - 1 : 1);
    for (char *p = buf + start; *p != '\0'; p++) {
        if (*p == '\n')
            (void)hk_buf_puts(&b, " | ");
        else if (*p != '\r')
            (void)hk_buf_putc(&b, *p);
    }
    hk_strlcpy(out, hk_buf_str(&b), n);
    hk_buf_release(&b);
}

/* ---- cluster steps ---- */

static int check_version(struct hk_pg_embedded *pg, const char *cluster_ver,
                         char *err, size_t errlen)
{
    struct hk_buf out;
    hk_buf_init(&out, 4096);
    const char *args[] = {"postgres", "-V", NULL};
    int code = tool(pg, args, &out, 30000);
    /* "postgres (PostgreSQL) 15.18 (Debian ...)" */
    const char *v = strstr(hk_buf_str(&out), ") ");
    char major[16] = "";
    if (v != NULL) {
        v += 2;
        size_t i = 0;
        while (i + 1 < sizeof(major) && v[i] >= '0' && v[i] <= '9') {
            major[i] = v[i];
            i++;
        }
        major[i] = '\0';
    }
    hk_buf_release(&out);
    if (code != 0 || major[0] == '\0') {
        snprintf(err, errlen,
                 "cannot run %s/postgres -V as user '%s' "
                 "(exit %d)",
                 pg->bindir, pg->user.name, code);
        return HAWK_EIO;
    }
    /* Before PostgreSQL 10 the major version had two parts ("9.6"). */
    if (cluster_ver[0] != '\0' && strcmp(major, cluster_ver) != 0 &&
        strchr(cluster_ver, '.') == NULL) {
        snprintf(err, errlen,
                 "the cluster in %s was created by PostgreSQL "
                 "%s but the server in %s is version %s: install "
                 "postgresql-%s or upgrade the cluster with pg_upgrade",
                 pg->datadir, cluster_ver, pg->bindir, major, cluster_ver);
        return HAWK_EUNSUPPORTED;
    }
    return 0;
}

/* initdb into data.init, then rename: an interrupted initdb leaves no
 * half-made `data` behind to trip the next start. */
static int init_cluster(struct hk_pg_embedded *pg, char *err, size_t errlen)
{
    char *tmp = hk_asprintf("%s.init", pg->datadir);
    int rc = hk_pgproc_remove_tree(tmp);
    if (rc < 0) {
        snprintf(err, errlen,
                 "cannot remove the leftover '%s': remove it "
                 "by hand",
                 tmp);
        hk_free(tmp);
        return rc;
    }
    hk_info("creating the embedded PostgreSQL cluster in %s", pg->datadir);
    struct hk_buf out;
    hk_buf_init(&out, 64 * 1024);
    const char *args[] = {"initdb", "-D", tmp,    "-U",          "hawk", "-A",
                          "trust",  "-E", "UTF8", "--no-locale", NULL};
    int code = tool(pg, args, &out, INITDB_TIMEOUT_MS);
    if (code != 0) {
        char line[400];
        const char *s = hk_buf_str(&out);
        const char *last = strstr(s, "initdb: error:");
        hk_strlcpy(line, last != NULL ? last : s, sizeof(line));
        line[strcspn(line, "\r\n")] = '\0';
        snprintf(err, errlen, "initdb failed (exit %d): %s", code, line);
        hk_buf_release(&out);
        hk_pgproc_remove_tree(tmp);
        hk_free(tmp);
        return HAWK_EIO;
    }
    hk_buf_release(&out);
    if (rename(tmp, pg->datadir) < 0) {
        snprintf(err, errlen, "cannot rename %s to %s: %s", tmp, pg->datadir,
                 strerror(errno));
        hk_free(tmp);
        return HAWK_EIO;
    }
    hk_free(tmp);
    return 0;
}

/* A postmaster.pid whose process is alive but not a postgres (the pid was
 * reused after a reboot), or is an unreaped zombie, would make pg_ctl
 * report a running server that never answers; such a file is certainly
 * stale. */
static void drop_foreign_pidfile(struct hk_pg_embedded *pg)
{
    char *pidfile = hk_asprintf("%s/postmaster.pid", pg->datadir);
    char line[32];
    read_first_line(pidfile, line, sizeof(line));
    int64_t pid = 0;
    if (hk_parse_i64(line, 1, INT32_MAX, &pid) == 0 &&
        (kill((pid_t)pid, 0) == 0 || errno == EPERM)) {
        char *commf = hk_asprintf("/proc/%lld/comm", (long long)pid);
        char comm[64];
        read_first_line(commf, comm, sizeof(comm));
        hk_free(commf);
        char *statf = hk_asprintf("/proc/%lld/stat", (long long)pid);
        char stat_line[256];
        read_first_line(statf, stat_line, sizeof(stat_line));
        hk_free(statf);
        /* "pid (comm) S ...": a zombie is a dead postmaster nobody reaped */
        const char *paren = strrchr(stat_line, ')');
        bool zombie = paren != NULL && paren[1] == ' ' && paren[2] == 'Z';
        bool foreign = comm[0] != '\0' && strcmp(comm, "postgres") != 0 &&
                       strcmp(comm, "postmaster") != 0;
        if (zombie || foreign) {
            hk_warn("removing stale %s: process %lld is %s", pidfile,
                    (long long)pid, zombie ? "a dead postgres" : comm);
            unlink(pidfile);
        }
    }
    hk_free(pidfile);
}

/* 1 running, 0 not running, negative when pg_ctl cannot tell. */
static int server_running(struct hk_pg_embedded *pg)
{
    const char *args[] = {"pg_ctl", "status", "-D", pg->datadir, NULL};
    int code = tool(pg, args, NULL, 30000);
    if (code == 0)
        return 1;
    if (code == 3)
        return 0;
    return code < 0 ? code : HAWK_EIO;
}

/* *ours: this process's pg_ctl started it (false: another hawk did at the
 * same moment, which then owns it). */
static int start_server(struct hk_pg_embedded *pg, bool *ours, char *err,
                        size_t errlen)
{
    *ours = false;
    char *opts = hk_asprintf("-c listen_addresses= -c port=" PG_PORT
                             " -c unix_socket_directories=%s"
                             " -c unix_socket_permissions=0700",
                             pg->rundir);
    const char *args[] = {"pg_ctl",     "start",     "-D", pg->datadir,
                          "-l",         pg->logfile, "-w", "-t",
                          PGCTL_WAIT_S, "-o",        opts, NULL};
    int rc = HAWK_EIO;
    for (int attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
        struct hk_buf out;
        hk_buf_init(&out, 16 * 1024);
        int code = tool(pg, args, &out, PGCTL_TIMEOUT_MS);
        char line[200];
        first_line(&out, line, sizeof(line));
        hk_buf_release(&out);
        if (code == 0) {
            *ours = true;
            rc = 0;
            break;
        }
        /* Another hawk may have started it meanwhile. */
        if (server_running(pg) == 1) {
            rc = 0;
            break;
        }
        char tail[600];
        log_tail(pg->logfile, 4, tail, sizeof(tail));
        /* After a crash the dead server's children can hold its shared
         * memory for a moment; PostgreSQL then refuses to start. */
        bool transient = strstr(tail, "pre-existing shared memory") != NULL ||
                         strstr(tail, "lock file") != NULL;
        if (!transient || attempt == START_ATTEMPTS) {
            snprintf(err, errlen,
                     "postgres did not start (%s); last lines "
                     "of %s: %s",
                     line[0] ? line : "pg_ctl failed", pg->logfile, tail);
            rc = code < 0 ? code : HAWK_EIO;
            break;
        }
        hk_info("postgres not ready to start yet (%s), retrying", tail);
        hk_sleep_ms(1000);
    }
    hk_free(opts);
    return rc;
}

static PGconn *connect_db(struct hk_pg_embedded *pg, const char *dbname)
{
    const char *keys[] = {
        "host", "port", "dbname", "user", "application_name", "connect_timeout",
        NULL};
    const char *vals[] = {pg->rundir, PG_PORT, dbname, "hawk",
                          "hawk",     "10",    NULL};
    return PQconnectdbParams(keys, vals, 0);
}

/* Creates database "hawk" unless present (also after a crash between
 * initdb and this step). */
static int ensure_database(struct hk_pg_embedded *pg, char *err, size_t errlen)
{
    PGconn *c = NULL;
    /* pg_ctl -w returned once the server accepted connections; a reused
     * server may still be finishing crash recovery. */
    for (int i = 0; i < 60; i++) {
        c = connect_db(pg, "postgres");
        if (PQstatus(c) == CONNECTION_OK)
            break;
        if (i == 59) {
            snprintf(err, errlen,
                     "cannot connect to the embedded PostgreSQL "
                     "in %s: %s",
                     pg->rundir, PQerrorMessage(c));
            err[strcspn(err, "\n")] = '\0';
            PQfinish(c);
            return HAWK_EUNAVAIL;
        }
        PQfinish(c);
        hk_sleep_ms(500);
    }
    const char *params[] = {"hawk"};
    PGresult *r = PQexecParams(c,
                               "SELECT 1 FROM pg_database"
                               " WHERE datname = $1",
                               1, NULL, params, NULL, NULL, 0);
    int rc = 0;
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        rc = HAWK_EIO;
    } else if (PQntuples(r) == 0) {
        PQclear(r);
        /* An identifier cannot be a parameter; this one is a constant. */
        r = PQexec(c, "CREATE DATABASE hawk");
        if (PQresultStatus(r) != PGRES_COMMAND_OK) {
            const char *st = PQresultErrorField(r, PG_DIAG_SQLSTATE);
            /* 42P04: a concurrent start created it first */
            if (st == NULL || strcmp(st, "42P04") != 0)
                rc = HAWK_EIO;
        }
    }
    if (rc < 0) {
        snprintf(err, errlen, "cannot create database 'hawk': %s",
                 PQresultErrorMessage(r));
        err[strcspn(err, "\n")] = '\0';
    }
    PQclear(r);
    PQfinish(c);
    return rc;
}

static void rotate_log(const char *logfile)
{
    struct stat st;
    if (stat(logfile, &st) == 0 && st.st_size > LOG_ROTATE_BYTES) {
        char *old = hk_asprintf("%s.1", logfile);
        if (rename(logfile, old) < 0)
            hk_warn("cannot rotate %s: %s", logfile, strerror(errno));
        hk_free(old);
    }
}

static void embedded_free(struct hk_pg_embedded *pg)
{
    hk_free(pg->bindir);
    hk_free(pg->pgdir);
    hk_free(pg->datadir);
    hk_free(pg->rundir);
    hk_free(pg->logfile);
    hk_free(pg->ownerfile);
    hk_free(pg);
}

/* Directories, ownership and permissions before any tool runs. */
static int prepare_dirs(struct hk_pg_embedded *pg, const char *data_dir,
                        char *err, size_t errlen)
{
    /* Checked before anything is created, so a refusal changes nothing;
     * directories made below get modes the user can pass. */
    if (pg->user.drop) {
        int rc = hk_pgproc_check_traverse(&pg->user, data_dir, err, errlen);
        if (rc < 0)
            return rc;
    }
    /* 0711: the cluster user must pass through data_dir, not list it. */
    if (make_dirs(data_dir, 0711) < 0 || make_dirs(pg->rundir, 0700) < 0) {
        snprintf(err, errlen, "cannot create %s: %s", pg->rundir,
                 strerror(errno));
        return HAWK_EIO;
    }
    if (pg->user.drop) {
        struct stat st;
        if (stat(pg->pgdir, &st) == 0 &&
            (st.st_uid != pg->user.uid || st.st_gid != pg->user.gid)) {
            if (hk_pgproc_chown_tree(pg->pgdir, pg->user.uid, pg->user.gid) <
                0) {
                snprintf(err, errlen, "cannot give %s to user '%s'", pg->pgdir,
                         pg->user.name);
                return HAWK_EIO;
            }
        }
        if (stat(pg->rundir, &st) == 0 && st.st_uid != pg->user.uid &&
            chown(pg->rundir, pg->user.uid, pg->user.gid) < 0) {
            snprintf(err, errlen, "cannot give %s to user '%s'", pg->rundir,
                     pg->user.name);
            return HAWK_EIO;
        }
    }
    if (chmod(pg->pgdir, 0700) < 0 || chmod(pg->rundir, 0700) < 0) {
        snprintf(err, errlen, "cannot set the mode of %s: %s", pg->pgdir,
                 strerror(errno));
        return HAWK_EIO;
    }
    return 0;
}

/* Where the cluster goes when data_dir sits below a directory its user
 * cannot pass through (a checkout under /root or a 0700 home).  Rather
 * than refuse to start, the cluster lives in a system directory keyed by
 * data_dir, and <data_dir>/pg becomes a symlink to it so it can be found.
 * Replaces pg's paths; *base_out (caller frees) is the new parent. */
#define HK_PG_RELOCATE_ROOT "/var/lib/hawk"

static int relocate(struct hk_pg_embedded *pg, const char *data_dir,
                    char **base_out, char *err, size_t errlen)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a of the data_dir path */
    for (const char *p = data_dir; *p != '\0'; p++) {
        h ^= (unsigned char)*p;
        h *= 1099511628211ULL;
    }
    char *base =
        hk_asprintf(HK_PG_RELOCATE_ROOT "/%016llx", (unsigned long long)h);
    if (make_dirs(base, 0711) < 0) {
        snprintf(err, errlen,
                 "data_dir '%s' is not reachable by user '%s' "
                 "and %s cannot be created: %s",
                 data_dir, pg->user.name, base, strerror(errno));
        hk_free(base);
        return HAWK_EIO;
    }
    chmod(HK_PG_RELOCATE_ROOT, 0711);
    chmod(base, 0711);
    hk_free(pg->pgdir);
    hk_free(pg->datadir);
    hk_free(pg->rundir);
    hk_free(pg->logfile);
    hk_free(pg->ownerfile);
    pg->pgdir = hk_asprintf("%s/pg", base);
    pg->datadir = hk_asprintf("%s/data", pg->pgdir);
    pg->rundir = hk_asprintf("%s/run", pg->pgdir);
    pg->logfile = hk_asprintf("%s/postgres.log", pg->pgdir);
    pg->ownerfile = hk_asprintf("%s/hawk.owner", pg->pgdir);

    char *link = hk_asprintf("%s/pg", data_dir);
    struct stat st;
    if (make_dirs(data_dir, 0711) == 0 && lstat(link, &st) < 0 &&
        errno == ENOENT && symlink(pg->pgdir, link) < 0)
        hk_warn("cannot link %s to %s: %s", link, pg->pgdir, strerror(errno));
    hk_info("data_dir %s is not reachable by user '%s' (a parent directory "
            "is private): the embedded PostgreSQL lives in %s (linked from "
            "%s)",
            data_dir, pg->user.name, pg->pgdir, link);
    hk_free(link);
    *base_out = base;
    return 0;
}

/* A running cluster found at start-up: used, and stopped by this process
 * only when its owner has exited and `adopt` says to take it over. */
static void reuse(struct hk_pg_embedded *pg, bool adopt)
{
    pid_t holder = hk_pgowner_get(pg->ownerfile);
    if (holder > 0) {
        hk_info("reusing the embedded PostgreSQL in %s, started by hawk "
                "process %ld: it keeps running after this command",
                pg->datadir, (long)holder);
    } else if (adopt && hk_pgowner_claim(pg->ownerfile) == 0) {
        pg->owner = true;
        hk_info("reusing the embedded PostgreSQL left running in %s by a "
                "hawk that has exited: this process stops it on shutdown",
                pg->datadir);
    } else {
        hk_info("reusing the embedded PostgreSQL already running in %s: it "
                "keeps running after this command",
                pg->datadir);
    }
}

/* See embedded_int.h. */
pid_t hk_pgemb_postmaster(struct hk_pg_embedded *pg)
{
    char *pidfile = hk_asprintf("%s/postmaster.pid", pg->datadir);
    char line[32];
    read_first_line(pidfile, line, sizeof(line));
    hk_free(pidfile);
    int64_t pid = 0;
    if (hk_parse_i64(line, 1, INT32_MAX, &pid) < 0)
        return 0;
    if (kill((pid_t)pid, 0) < 0 && errno != EPERM)
        return 0;
    char *statf = hk_asprintf("/proc/%lld/stat", (long long)pid);
    char stat_line[256];
    read_first_line(statf, stat_line, sizeof(stat_line));
    hk_free(statf);
    const char *paren = strrchr(stat_line, ')');
    if (paren == NULL || (paren[1] == ' ' && paren[2] == 'Z'))
        return 0;
    return (pid_t)pid;
}

/* See embedded_int.h.  Called by the supervisor thread only. */
int hk_pgemb_restart(struct hk_pg_embedded *pg, bool *ours, char *err,
                     size_t errlen)
{
    drop_foreign_pidfile(pg);
    rotate_log(pg->logfile);
    return start_server(pg, ours, err, errlen);
}

/* See db.h.  Not thread-safe: called once at start-up. */
int hk_pg_embedded_start(const struct hk_pg_embedded_opts *o,
                         struct hk_pg_embedded **out, char **url_out, char *err,
                         size_t errlen)
{
    if (out == NULL || url_out == NULL || err == NULL || errlen == 0)
        return HAWK_EINVAL;
    *out = NULL;
    *url_out = NULL;
    err[0] = '\0';
    if (o == NULL || o->data_dir == NULL || o->data_dir[0] == '\0') {
        snprintf(err, errlen, "data_dir is not set: set it in the config");
        return HAWK_EINVAL;
    }
    char *data_dir = absolute(o->data_dir);
    if (data_dir == NULL) {
        snprintf(err, errlen, "cannot resolve data_dir '%s'", o->data_dir);
        return HAWK_EIO;
    }
    size_t dl = strlen(data_dir);
    while (dl > 1 && data_dir[dl - 1] == '/')
        data_dir[--dl] = '\0';

    struct hk_pg_embedded *pg = hk_calloc(1, sizeof(*pg));
    pg->pgdir = hk_asprintf("%s/pg", data_dir);
    pg->datadir = hk_asprintf("%s/data", pg->pgdir);
    pg->rundir = hk_asprintf("%s/run", pg->pgdir);
    pg->logfile = hk_asprintf("%s/postgres.log", pg->pgdir);
    pg->ownerfile = hk_asprintf("%s/hawk.owner", pg->pgdir);
    int rc = 0;
    bool started = false;
    char cluster_ver[16] = "";

    if (!safe_path(pg->pgdir)) {
        snprintf(err, errlen,
                 "data_dir '%s' has characters the embedded "
                 "PostgreSQL cannot use: use only letters, digits and "
                 "'/._-+@'",
                 data_dir);
        rc = HAWK_EINVAL;
        goto out;
    }
    if (strlen(pg->rundir) + strlen("/.s.PGSQL." PG_PORT) > SOCKET_PATH_MAX) {
        snprintf(err, errlen,
                 "data_dir '%s' is too long for a Unix socket "
                 "path: use a data_dir of at most %zu characters",
                 data_dir,
                 (size_t)SOCKET_PATH_MAX - strlen("/pg/run/.s.PGSQL." PG_PORT));
        rc = HAWK_EINVAL;
        goto out;
    }
    rc = hk_pgproc_resolve_user(o->run_as, &pg->user, err, errlen);
    if (rc < 0)
        goto out;
    if (pg->user.drop) {
        char why[512];
        if (hk_pgproc_check_traverse(&pg->user, data_dir, why, sizeof(why)) <
            0) {
            char *base = NULL;
            rc = relocate(pg, data_dir, &base, err, errlen);
            if (rc < 0)
                goto out;
            hk_free(data_dir);
            data_dir = base;
        }
    }
    rc = prepare_dirs(pg, data_dir, err, errlen);
    if (rc < 0)
        goto out;

    char *verfile = hk_asprintf("%s/PG_VERSION", pg->datadir);
    read_first_line(verfile, cluster_ver, sizeof(cluster_ver));
    hk_free(verfile);
    if (cluster_ver[0] == '\0' && file_exists(pg->datadir)) {
        snprintf(err, errlen,
                 "%s exists but is not a PostgreSQL cluster: "
                 "move it away and start again",
                 pg->datadir);
        rc = HAWK_EIO;
        goto out;
    }
    pg->bindir = find_bindir(o->bindir, cluster_ver, err, errlen);
    if (pg->bindir == NULL) {
        rc = HAWK_ENOTFOUND;
        goto out;
    }
    rc = check_version(pg, cluster_ver, err, errlen);
    if (rc < 0)
        goto out;
    if (cluster_ver[0] == '\0') {
        rc = init_cluster(pg, err, errlen);
        if (rc < 0)
            goto out;
    }

    drop_foreign_pidfile(pg);
    rc = server_running(pg);
    if (rc < 0) {
        snprintf(err, errlen, "cannot run %s/pg_ctl status as user '%s'",
                 pg->bindir, pg->user.name);
        goto out;
    }
    if (rc == 1) {
        rc = 0;
        reuse(pg, o->adopt);
    } else {
        rotate_log(pg->logfile);
        rc = start_server(pg, &started, err, errlen);
        if (rc < 0)
            goto out;
        if (started) {
            pg->owner = true;
            (void)hk_pgowner_claim(pg->ownerfile); /* logged on failure */
        } else
            reuse(pg, o->adopt);
    }
    rc = ensure_database(pg, err, errlen);
    if (rc < 0)
        goto out;

    *url_out = hk_asprintf("host=%s port=" PG_PORT " dbname=hawk user=hawk",
                           pg->rundir);
    hk_info("embedded PostgreSQL ready (%s, socket %s, running as '%s')",
            pg->bindir, pg->rundir, pg->user.name);
    *out = pg;
    pg = NULL;
out:
    if (pg != NULL) {
        if (started)
            hk_pg_embedded_stop(pg);
        else
            embedded_free(pg);
    }
    hk_free(data_dir);
    return rc;
}

/* See db.h.  Stops the server only when this process owns it (started
 * it, or took it over); any other process leaves it running. */
void hk_pg_embedded_stop(struct hk_pg_embedded *pg)
{
    if (pg == NULL)
        return;
    hk_pgwatch_stop(pg->watch);
    pg->watch = NULL;
    /* The owner file is checked again: another hawk may have taken the
     * cluster over after restarting it. */
    pid_t holder = pg->owner ? hk_pgowner_get(pg->ownerfile) : 0;
    if (!pg->owner || (holder > 0 && holder != getpid())) {
        if (!pg->owner)
            holder = hk_pgowner_get(pg->ownerfile);
        if (holder > 0 && holder != getpid())
            hk_info("leaving the embedded PostgreSQL running for hawk "
                    "process %ld, which owns it",
                    (long)holder);
        else
            hk_info("leaving the embedded PostgreSQL running (this process "
                    "did not start it)");
        embedded_free(pg);
        return;
    }
    const char *fast[] = {"pg_ctl", "stop", "-D", pg->datadir,  "-m",
                          "fast",   "-w",   "-t", PGCTL_WAIT_S, NULL};
    int code = tool(pg, fast, NULL, PGCTL_TIMEOUT_MS);
    if (code != 0 && server_running(pg) == 1) {
        hk_warn("embedded PostgreSQL did not stop in time, stopping it "
                "immediately");
        const char *immediate[] = {"pg_ctl", "stop",      "-D", pg->datadir,
                                   "-m",     "immediate", "-w", NULL};
        (void)tool(pg, immediate, NULL, PGCTL_TIMEOUT_MS);
    } else if (code == 0) {
        hk_info("embedded PostgreSQL stopped");
    }
    hk_pgowner_release(pg->ownerfile);
    embedded_free(pg);
}
