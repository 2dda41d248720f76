/*
 * tests/db/test_db_embedded.c - the embedded cluster in a temp data dir:
 * first start (initdb), restart with the data kept and pooled connections
 * reconnecting, reuse of a running server, start after the postmaster was
 * SIGKILLed (stale postmaster.pid), stop, the supervisor restarting a
 * killed postmaster, only the owner stopping the cluster, and the
 * refusals that must change nothing.  The cluster is always stopped and the dir removed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <libpq-fe.h>
#include <stdatomic.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "db/db.h"
#include "db/embedded_int.h"
#include "db/migrations.h"
#include "hawk/plugin.h"
#include "log/log.h"
#include "util/alloc.h"
#include "util/str.h"
#include "util/time.h"

static char tmpdir[64];
static char *data_dir;
static struct hk_pg_embedded *pg;

static char *path_in(const char *rel)
{
    return hk_asprintf("%s/%s", data_dir, rel);
}

static bool exists(const char *rel)
{
    char *p = path_in(rel);
    struct stat st;
    bool ok = stat(p, &st) == 0;
    hk_free(p);
    return ok;
}

static long postmaster_pid(void)
{
    char *p = path_in("pg/data/postmaster.pid");
    FILE *f = fopen(p, "r");
    hk_free(p);
    if (f == NULL)
        return -1;
    char line[32] = "";
    if (fgets(line, sizeof(line), f) == NULL)
        line[0] = '\0';
    fclose(f);
    line[strcspn(line, "\n")] = '\0';
    int64_t pid = -1;
    if (hk_parse_i64(line, 1, INT32_MAX, &pid) < 0)
        return -1;
    return (long)pid;
}

/* Gone, or a zombie nobody has reaped yet. */
static bool dead(long pid)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return true;
    char line[256] = "";
    if (fgets(line, sizeof(line), f) == NULL)
        line[0] = '\0';
    fclose(f);
    const char *paren = strrchr(line, ')');
    return paren != NULL && paren[1] == ' ' && paren[2] == 'Z';
}

static int start_adopting(char **url, bool adopt)
{
    struct hk_pg_embedded_opts o = {.data_dir = data_dir, .adopt = adopt};
    char err[1024] = "";
    int rc = hk_pg_embedded_start(&o, &pg, url, err, sizeof(err));
    if (rc != 0)
        fprintf(stderr, "embedded start failed: %s\n", err);
    return rc;
}

static int start(char **url)
{
    return start_adopting(url, false);
}

static char *scalar(struct hk_db *db, const char *sql)
{
    struct hk_dbconn *c = NULL;
    assert_int_equal(hk_db_acquire(db, &c), 0);
    PGresult *r = NULL;
    int rc = hk_db_query(c, sql, 0, NULL, &r);
    if (rc != 0)
        fail_msg("%s: %s", sql, hk_db_errmsg(c));
    char *v = hk_strdup(PQgetvalue(r, 0, 0));
    PQclear(r);
    hk_db_release(db, c);
    return v;
}

static int setup(void **state)
{
    (void)state;
    hk_log_set_level(HAWK_LOG_INFO);
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/hk-emb-XXXXXX");
    if (mkdtemp(tmpdir) == NULL)
        return -1;
    /* mkdtemp makes it 0700: the cluster user must get through */
    chmod(tmpdir, 0755);
    data_dir = hk_asprintf("%s/var", tmpdir);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    hk_pg_embedded_stop(pg);
    pg = NULL;
    hk_pgproc_remove_tree(tmpdir);
    hk_free(data_dir);
    return 0;
}

static void test_lifecycle(void **state)
{
    (void)state;
    char *url = NULL;

    /* first start: initdb, database "hawk", private socket only */
    assert_int_equal(start(&url), 0);
    assert_non_null(pg);
    assert_non_null(strstr(url, "dbname=hawk"));
    assert_non_null(strstr(url, "/pg/run"));
    assert_true(exists("pg/data/PG_VERSION"));
    assert_false(exists("pg/data.init"));
    assert_true(exists("pg/postgres.log"));
    char *run = path_in("pg/run");
    struct stat st;
    assert_int_equal(stat(run, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
    hk_free(run);
    char *pgd = path_in("pg");
    assert_int_equal(stat(pgd, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
    if (geteuid() == 0) {
        struct passwd *pw = getpwnam("hawk");
        assert_non_null(pw);
        assert_int_equal(st.st_uid, pw->pw_uid);
    }
    hk_free(pgd);

    struct hk_db_opts o = {
        .url = url, .pool_size = 2, .acquire_timeout_ms = 2000};
    struct hk_db *db = NULL;
    assert_int_equal(hk_db_open(&o, &db), 0);
    char *v = scalar(db, "SELECT current_database()");
    assert_string_equal(v, "hawk");
    hk_free(v);
    v = scalar(db, "SHOW listen_addresses");
    assert_string_equal(v, "");
    hk_free(v);
    v = scalar(db, "SHOW unix_socket_permissions");
    assert_string_equal(v, "0700");
    hk_free(v);
    int applied = -1;
    assert_int_equal(hk_migrate_run(db, &applied), 0);
    assert_int_equal(applied, (int)hk_migrations_count);
    struct hk_dbconn *c = NULL;
    assert_int_equal(hk_db_acquire(db, &c), 0);
    assert_int_equal(hk_db_exec(c, "CREATE TABLE keep_me (v int);"
                                   "INSERT INTO keep_me VALUES (42)"),
                     0);
    hk_db_release(db, c); /* stays idle in the pool across the restart */
    long pid1 = postmaster_pid();
    assert_true(pid1 > 0);

    /* a second start while it runs reuses the same server */
    struct hk_pg_embedded *first = pg;
    pg = NULL;
    char *url2 = NULL;
    assert_int_equal(start(&url2), 0);
    assert_string_equal(url, url2);
    assert_int_equal(postmaster_pid(), pid1);
    hk_free(url2);

    /* the one that reused it leaves it running: it belongs to `first` */
    assert_true(exists("pg/hawk.owner"));
    hk_pg_embedded_stop(pg);
    pg = NULL;
    assert_int_equal(postmaster_pid(), pid1);
    assert_true(exists("pg/hawk.owner"));

    /* the owner's stop stops it: the pool fails fast while it is down */
    hk_pg_embedded_stop(first);
    assert_false(exists("pg/data/postmaster.pid"));
    assert_false(exists("pg/hawk.owner"));
    int64_t t0 = hk_mono_ms();
    assert_int_equal(hk_db_acquire(db, &c), HAWK_EUNAVAIL);
    assert_true(hk_mono_ms() - t0 < 2000);
    double rtt = 0;
    assert_int_equal(hk_db_ping(db, &rtt), HAWK_EUNAVAIL);

    /* start again: no initdb, data kept, the pool reconnects by itself */
    assert_int_equal(start(&url2), 0);
    hk_free(url2);
    assert_true(postmaster_pid() != pid1);
    v = scalar(db, "SELECT v FROM keep_me");
    assert_string_equal(v, "42");
    hk_free(v);
    int pending = -1;
    assert_int_equal(hk_migrate_pending(db, &pending), 0);
    assert_int_equal(pending, 0);

    /* a connection held across a restart: EUNAVAIL, then reconnect */
    assert_int_equal(hk_db_acquire(db, &c), 0);
    hk_pg_embedded_stop(pg);
    pg = NULL;
    assert_int_equal(start(&url2), 0);
    hk_free(url2);
    assert_int_equal(hk_db_exec(c, "SELECT 1"), HAWK_EUNAVAIL);
    hk_db_release(db, c);
    assert_int_equal(hk_db_ping(db, &rtt), 0);

    /* crash: SIGKILL the postmaster, leaving postmaster.pid behind */
    long pid2 = postmaster_pid();
    assert_true(pid2 > 0);
    assert_int_equal(kill((pid_t)pid2, SIGKILL), 0);
    /* start again as soon as it is dead (maybe not yet reaped, and with
     * its children still exiting), as a supervisor restarting hawk would */
    for (int i = 0; i < 100 && !dead(pid2); i++)
        hk_sleep_ms(20);
    assert_true(dead(pid2));
    assert_true(exists("pg/data/postmaster.pid"));
    hk_pg_embedded_stop(pg); /* the dead server's handle: nothing to stop */
    pg = NULL;
    assert_int_equal(start(&url2), 0);
    hk_free(url2);
    long pid3 = postmaster_pid();
    assert_true(pid3 > 0);
    assert_true(pid3 != pid2);
    v = scalar(db, "SELECT v FROM keep_me");
    assert_string_equal(v, "42");
    hk_free(v);

    hk_db_close(db);
    hk_pg_embedded_stop(pg);
    pg = NULL;
    assert_false(exists("pg/data/postmaster.pid"));

    /* a postmaster.pid naming a live process that is not postgres (its
     * pid reused after a reboot) is stale, not a server to reuse */
    pid_t other = fork();
    if (other == 0) {
        execl("/bin/sleep", "sleep", "30", (char *)NULL);
        _exit(127);
    }
    assert_true(other > 0);
    hk_sleep_ms(100);
    char *pidfile = path_in("pg/data/postmaster.pid");
    FILE *f = fopen(pidfile, "w");
    assert_non_null(f);
    fprintf(f, "%ld\n%s/pg/data\n", (long)other, data_dir);
    fclose(f);
    t0 = hk_mono_ms();
    int rc = start(&url2);
    kill(other, SIGKILL);
    waitpid(other, NULL, 0);
    assert_int_equal(rc, 0);
    assert_true(hk_mono_ms() - t0 < 20000);
    hk_free(url2);
    assert_true(postmaster_pid() > 0);
    assert_true(postmaster_pid() != (long)other);
    hk_pg_embedded_stop(pg);
    pg = NULL;
    hk_free(pidfile);
    hk_free(url);
}

static atomic_int restarts;

static void count_restart(void *ctx)
{
    (void)ctx;
    atomic_fetch_add(&restarts, 1);
}

/* The supervisor starts a SIGKILLed postmaster again and says so once;
 * the owner's stop joins it and stops the cluster. */
static void test_supervisor_restarts_a_killed_postmaster(void **state)
{
    (void)state;
    char *url = NULL;
    assert_int_equal(start(&url), 0);
    hk_free(url);
    assert_int_equal(hk_pg_embedded_watch(pg, count_restart, NULL), 0);
    long pid1 = postmaster_pid();
    assert_true(pid1 > 0);
    assert_int_equal(kill((pid_t)pid1, SIGKILL), 0);
    for (int i = 0; i < 1200 && atomic_load(&restarts) == 0; i++)
        hk_sleep_ms(50);
    assert_int_equal(atomic_load(&restarts), 1);
    long pid2 = postmaster_pid();
    assert_true(pid2 > 0);
    assert_true(pid2 != pid1);
    assert_false(dead(pid2));
    hk_pg_embedded_stop(pg);
    pg = NULL;
    assert_false(exists("pg/data/postmaster.pid"));
    assert_int_equal(atomic_load(&restarts), 1);
}

/* Only the owner stops the cluster; a live foreign owner keeps it, and
 * once that one has exited only an adopting start takes it over. */
static void test_only_the_owner_stops_it(void **state)
{
    (void)state;
    char *url = NULL;
    assert_int_equal(start(&url), 0);
    hk_free(url);
    struct hk_pg_embedded *a = pg; /* started it: the owner */
    long pid = postmaster_pid();
    char *owner = path_in("pg/hawk.owner");

    /* another process takes it over (as a serve that restarted it) */
    pid_t other = fork();
    if (other == 0) {
        if (hk_pgowner_claim(owner) < 0)
            _exit(1);
        execl("/bin/sleep", "sleep", "30", (char *)NULL);
        _exit(127);
    }
    assert_true(other > 0);
    for (int i = 0; i < 100 && hk_pgowner_get(owner) != other; i++)
        hk_sleep_ms(20);
    assert_int_equal(hk_pgowner_get(owner), other);
    hk_pg_embedded_stop(a); /* no longer ours: left running */
    assert_int_equal(postmaster_pid(), pid);

    /* its owner exits: a plain start uses it and leaves it running */
    kill(other, SIGKILL);
    waitpid(other, NULL, 0);
    assert_int_equal(hk_pgowner_get(owner), 0);
    pg = NULL;
    assert_int_equal(start(&url), 0);
    hk_free(url);
    hk_pg_embedded_stop(pg);
    pg = NULL;
    assert_int_equal(postmaster_pid(), pid);

    /* an adopting start takes it over, and its stop stops it */
    assert_int_equal(start_adopting(&url, true), 0);
    hk_free(url);
    assert_int_equal(hk_pgowner_get(owner), getpid());
    hk_pg_embedded_stop(pg);
    pg = NULL;
    assert_false(exists("pg/data/postmaster.pid"));
    assert_false(exists("pg/hawk.owner"));
    hk_free(owner);
}

static void expect_refusal(const struct hk_pg_embedded_opts *o, int code,
                           const char *msg_part)
{
    struct hk_pg_embedded *p = (struct hk_pg_embedded *)1;
    char *url = (char *)1;
    char err[1024] = "";
    assert_int_equal(hk_pg_embedded_start(o, &p, &url, err, sizeof(err)), code);
    assert_null(p);
    assert_null(url);
    if (strstr(err, msg_part) == NULL)
        fail_msg("error '%s' does not mention '%s'", err, msg_part);
}

static void test_refusals_change_nothing(void **state)
{
    (void)state;
    struct hk_pg_embedded_opts o = {.data_dir = NULL};
    expect_refusal(&o, HAWK_EINVAL, "data_dir is not set");

    char *odd = hk_asprintf("%s/with space", tmpdir);
    o.data_dir = odd;
    expect_refusal(&o, HAWK_EINVAL, "characters");
    struct stat st;
    assert_int_not_equal(stat(odd, &st), 0);
    hk_free(odd);

    char *deep = hk_asprintf("%s/%0100d", tmpdir, 0);
    o.data_dir = deep;
    expect_refusal(&o, HAWK_EINVAL, "too long");
    assert_int_not_equal(stat(deep, &st), 0);
    hk_free(deep);

    char *bd = hk_asprintf("%s/bd", tmpdir);
    o.data_dir = bd;
    o.bindir = "/nonexistent/bin";
    expect_refusal(&o, HAWK_ENOTFOUND, "does not contain initdb");
    o.bindir = NULL;
    char *bdpg = hk_asprintf("%s/pg/data", bd);
    assert_int_not_equal(stat(bdpg, &st), 0); /* no cluster made */
    hk_free(bdpg);
    hk_free(bd);

    if (geteuid() == 0) {
        o.data_dir = data_dir;
        o.run_as = "Bad Name";
        expect_refusal(&o, HAWK_EINVAL, "not a valid user name");
        o.run_as = "root";
        expect_refusal(&o, HAWK_EINVAL, "refuses");
    }
}

/* A data_dir below a directory the cluster user cannot pass through (a
 * checkout under /root): the cluster moves to /var/lib/hawk/<hash>/pg,
 * <data_dir>/pg links to it, and it works like any other. */
static void test_private_parent_relocates(void **state)
{
    (void)state;
    if (geteuid() != 0)
        skip();
    char *locked = hk_asprintf("%s/locked", tmpdir);
    assert_int_equal(mkdir(locked, 0700), 0);
    char *inner = hk_asprintf("%s/var", locked);
    struct hk_pg_embedded_opts o = {.data_dir = inner};
    struct hk_pg_embedded *p = NULL;
    char *url = NULL;
    char err[1024] = "";
    if (hk_pg_embedded_start(&o, &p, &url, err, sizeof(err)) != 0)
        fail_msg("start failed: %s", err);
    char *link = hk_asprintf("%s/pg", inner);
    char target[4096];
    ssize_t n = readlink(link, target, sizeof(target) - 1);
    assert_true(n > 0);
    target[n] = '\0';
    assert_true(strncmp(target, "/var/lib/hawk/", 14) == 0);
    assert_non_null(strstr(url, target));
    struct stat st;
    assert_int_equal(stat(locked, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700); /* the private dir untouched */

    PGconn *c = PQconnectdb(url);
    assert_int_equal(PQstatus(c), CONNECTION_OK);
    PQfinish(c);
    hk_pg_embedded_stop(p);

    /* A second start finds the same cluster through the same key. */
    char *url2 = NULL;
    p = NULL;
    if (hk_pg_embedded_start(&o, &p, &url2, err, sizeof(err)) != 0)
        fail_msg("second start failed: %s", err);
    assert_string_equal(url, url2);
    hk_pg_embedded_stop(p);

    char *base = hk_strndup(target, (size_t)(strrchr(target, '/') - target));
    hk_pgproc_remove_tree(base);
    hk_free(base);
    hk_free(url);
    hk_free(url2);
    hk_free(link);
    hk_free(inner);
    hk_free(locked);
}

static void test_start_failure_shows_log(void **state)
{
    (void)state;
    /* a cluster whose config is broken: the error carries the log tail */
    char *url = NULL;
    char *dd = hk_asprintf("%s/broken", tmpdir);
    char *saved = data_dir;
    data_dir = dd;
    assert_int_equal(start(&url), 0);
    hk_free(url);
    hk_pg_embedded_stop(pg);
    pg = NULL;
    char *conf = path_in("pg/data/postgresql.conf");
    FILE *f = fopen(conf, "a");
    assert_non_null(f);
    fputs("\nshared_buffers = 'not a size'\n", f);
    fclose(f);
    hk_free(conf);

    struct hk_pg_embedded_opts o = {.data_dir = dd};
    struct hk_pg_embedded *p = NULL;
    char err[1024] = "";
    assert_int_equal(hk_pg_embedded_start(&o, &p, &url, err, sizeof(err)),
                     HAWK_EIO);
    assert_null(p);
    assert_non_null(strstr(err, "postgres did not start"));
    assert_non_null(strstr(err, "postgres.log"));
    assert_non_null(strstr(err, "shared_buffers"));
    data_dir = saved;
    hk_free(dd);
}

static void test_creates_missing_run_as_user(void **state)
{
    (void)state;
    if (geteuid() != 0)
        skip();
    char user[32];
    snprintf(user, sizeof(user), "hktest%ld", (long)getpid() % 100000);
    assert_null(getpwnam(user));
    char *dd = hk_asprintf("%s/other", tmpdir);
    struct hk_pg_embedded_opts o = {.data_dir = dd, .run_as = user};
    struct hk_pg_embedded *p = NULL;
    char *url = NULL;
    char err[1024] = "";
    int rc = hk_pg_embedded_start(&o, &p, &url, err, sizeof(err));
    struct passwd *pw = getpwnam(user);
    uid_t uid = pw != NULL ? pw->pw_uid : 0;
    char *shell = pw != NULL ? hk_strdup(pw->pw_shell) : NULL;
    hk_pg_embedded_stop(p);
    hk_free(url);
    /* remove the user whatever happened */
    struct hk_pg_user root = {.drop = false};
    const char *const argv[] = {"/usr/sbin/userdel", user, NULL};
    int code = -1;
    if (pw != NULL)
        hk_pgproc_run(&root, "/", argv, NULL, 30000, &code);
    if (rc != 0)
        fail_msg("start as a new user failed: %s", err);
    assert_true(uid > 0);
    assert_string_equal(shell, "/usr/sbin/nologin");
    hk_free(shell);
    char *pgd = hk_asprintf("%s/pg/data", dd);
    struct stat st;
    assert_int_equal(stat(pgd, &st), 0);
    assert_int_equal(st.st_uid, uid);
    hk_free(pgd);
    hk_free(dd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lifecycle),
        cmocka_unit_test(test_supervisor_restarts_a_killed_postmaster),
        cmocka_unit_test(test_only_the_owner_stops_it),
        cmocka_unit_test(test_refusals_change_nothing),
        cmocka_unit_test(test_private_parent_relocates),
        cmocka_unit_test(test_start_failure_shows_log),
        cmocka_unit_test(test_creates_missing_run_as_user),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
