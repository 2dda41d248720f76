/*
 * test_config.c - loading hawk.cfg: schema walk, every validation message,
 * ${VAR} expansion, environment overrides, the plugins list, and the JWT
 * secret file.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/config.h"
#include "hawk/plugin.h"
#include "util/alloc.h"

static char g_dir[64];
static char g_path[128];

static int rm_cb(const char *p, const struct stat *sb, int flag,
                 struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(p);
}

static int setup(void **state)
{
    (void)state;
    snprintf(g_dir, sizeof(g_dir), "/tmp/hk_cfg_XXXXXX");
    assert_non_null(mkdtemp(g_dir));
    snprintf(g_path, sizeof(g_path), "%s/t.cfg", g_dir);
    static const char *const vars[] = {"HAWK_CONFIG",       "HAWK_LISTEN",
                                       "HAWK_DATABASE_URL", "HAWK_DATA_DIR",
                                       "HAWK_JWT_SECRET",   "HAWK_LOG_LEVEL",
                                       "HAWK_PLUGIN_PATH"};
    for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
        unsetenv(vars[i]);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    nftw(g_dir, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
    return 0;
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* Loads text as a config file; returns rc with err filled. */
static int load_text(const char *text, struct hk_config *c, char *err,
                     size_t errlen)
{
    write_file(g_path, text);
    return hk_config_load(g_path, c, err, errlen);
}

/* Loads text expecting failure with exactly "t.cfg-path:" + tail, and
 * checks the output struct was left empty. */
static void expect_error(const char *text, const char *tail)
{
    struct hk_config c;
    char err[1024];
    int rc = load_text(text, &c, err, sizeof(err));
    if (rc == 0)
        hk_config_release(&c);
    assert_int_equal(rc, HAWK_ECONFIG);
    char want[1200];
    snprintf(want, sizeof(want), "%s:%s", g_path, tail);
    assert_string_equal(err, want);
    assert_null(c.path);
    assert_null(c.values);
    assert_null(c.plugins);
    assert_int_equal(c.n_plugins, 0);
}

/* Loads text expecting failure whose message contains `part`. */
static void expect_error_part(const char *text, const char *part)
{
    struct hk_config c;
    char err[1024];
    int rc = load_text(text, &c, err, sizeof(err));
    if (rc == 0)
        hk_config_release(&c);
    assert_int_equal(rc, HAWK_ECONFIG);
    if (strstr(err, part) == NULL)
        fail_msg("error '%s' lacks '%s'", err, part);
    assert_null(c.values);
}

/* ------------------------------------------------------------------------ */

static void test_defaults(void **state)
{
    (void)state;
    struct hk_config c;
    char err[512];
    assert_int_equal(load_text("# nothing\n", &c, err, sizeof(err)), 0);
    assert_string_equal(hk_cfg_str(&c, "server.listen"), "127.0.0.1:8080");
    assert_int_equal(hk_cfg_int(&c, "server.threads"), 4);
    assert_int_equal(hk_cfg_int(&c, "server.max_body"), 1 << 20);
    assert_int_equal(hk_cfg_int(&c, "server.shutdown_grace"), 10000);
    assert_int_equal(hk_cfg_int(&c, "auth.access_ttl"), 15 * 60 * 1000);
    assert_int_equal(hk_cfg_int(&c, "auth.refresh_ttl"),
                     30LL * 24 * 3600 * 1000);
    assert_int_equal(hk_cfg_int(&c, "auth.argon2.m_cost"), 64 << 20);
    assert_string_equal(hk_cfg_str(&c, "database.url"), "");
    assert_string_equal(hk_cfg_str(&c, "database.embedded.run_as"), "hawk");
    assert_true(hk_cfg_bool(&c, "log.stdout"));
    assert_string_equal(hk_cfg_str(&c, "log.level"), "info");
    assert_string_equal(hk_cfg_origin(&c, "server.listen"), "default");
    char cwd[4096], want[4200];
    assert_non_null(getcwd(cwd, sizeof(cwd)));
    snprintf(want, sizeof(want), "%s/var", cwd);
    assert_string_equal(c.data_dir, want);
    assert_string_equal(hk_cfg_str(&c, "data_dir"), want);
    assert_int_equal(c.n_plugins, 0);
    assert_string_equal(c.path, g_path);
    hk_config_release(&c);
}

static void test_values_and_origins(void **state)
{
    (void)state;
    struct hk_config c;
    char err[512];
    int rc = load_text("server = {\n"
                       "  listen = \"0.0.0.0:9000\";\n"
                       "  threads = 16;\n"
                       "  max_body = 2048;\n"
                       "  shutdown_grace = 3;\n"
                       "};\n"
                       "data_dir = \"/srv/hawk\";\n"
                       "auth = { argon2 = { m_cost = \"4GiB\"; }; "
                       "login_window = \"90s\"; };\n"
                       "log = { level = \"debug\"; stdout = false; };\n",
                       &c, err, sizeof(err));
    assert_int_equal(rc, 0);
    assert_string_equal(hk_cfg_str(&c, "server.listen"), "0.0.0.0:9000");
    assert_int_equal(hk_cfg_int(&c, "server.threads"), 16);
    assert_int_equal(hk_cfg_int(&c, "server.max_body"), 2048);
    assert_int_equal(hk_cfg_int(&c, "server.shutdown_grace"), 3000);
    assert_int_equal(hk_cfg_int(&c, "auth.argon2.m_cost"), 4LL << 30);
    assert_int_equal(hk_cfg_int(&c, "auth.login_window"), 90000);
    assert_false(hk_cfg_bool(&c, "log.stdout"));
    assert_string_equal(c.data_dir, "/srv/hawk");
    char want[200];
    snprintf(want, sizeof(want), "%s:3", g_path);
    assert_string_equal(hk_cfg_origin(&c, "server.threads"), want);
    snprintf(want, sizeof(want), "%s:8", g_path);
    assert_string_equal(hk_cfg_origin(&c, "auth.argon2.m_cost"), want);
    assert_non_null(hk_cfg_setting(&c, "server.listen"));
    assert_null(hk_cfg_setting(&c, "server.nothing"));
    hk_config_release(&c);
}

/* Every schema row fills its member of c.settings with the value the
 * getter returns: defaults, file values, lists and group lists alike. */
static void test_typed_settings(void **state)
{
    (void)state;
    struct hk_config c;
    char err[512];
    assert_int_equal(
        load_text("server = { threads = 16; shutdown_grace = 3; };\n"
                  "queue = { queues = [\"a\", \"b\"]; };\n"
                  "log = { stdout = false; };\n"
                  "backup = { schedule = { enabled = true; }; };\n",
                  &c, err, sizeof(err)),
        0);
    const struct hk_settings *s = &c.settings;
    assert_string_equal(s->server.listen, "127.0.0.1:8080");
    assert_int_equal(s->server.threads, 16);
    assert_int_equal(s->server.shutdown_grace_ms, 3000);
    assert_int_equal(s->auth.argon2_m_cost, 64 << 20);
    assert_false(s->log.to_stdout);
    assert_true(s->backup.schedule_enabled);
    assert_string_equal(s->database.embedded_run_as, "hawk");
    assert_int_equal(s->queue.queues.n, 2);
    assert_string_equal(s->queue.queues.items[1], "b");
    assert_int_equal(s->queue.concurrency.n, 0);
    assert_string_equal(s->data_dir, c.data_dir);
    for (const struct hk_cfg_field *f = hk_config_schema; f->path != NULL;
         f++) {
        const char *m = (const char *)s + f->off;
        int64_t i;
        bool b;
        const char *str;
        switch (f->type) {
        case HK_CFG_INT:
        case HK_CFG_DURATION:
        case HK_CFG_SIZE:
            memcpy(&i, m, sizeof(i));
            assert_int_equal(i, hk_cfg_int(&c, f->path));
            break;
        case HK_CFG_BOOL:
            memcpy(&b, m, sizeof(b));
            assert_int_equal(b, hk_cfg_bool(&c, f->path));
            break;
        case HK_CFG_STR:
        case HK_CFG_SECRET:
            memcpy(&str, m, sizeof(str));
            assert_ptr_equal(str, hk_cfg_str(&c, f->path));
            break;
        default:
            break;
        }
    }
    hk_config_release(&c);
}

static void test_syntax_error(void **state)
{
    (void)state;
    expect_error("server = {\n  threads = 4;\n  listen = ;\n};\n",
                 "3: syntax error (write settings as name = value; and "
                 "groups as name = { ... };)");
    expect_error("a = 1;\na = 2;\n", "2: syntax error: duplicate setting name");
}

static void test_missing_file(void **state)
{
    (void)state;
    struct hk_config c;
    char err[512], path[200];
    snprintf(path, sizeof(path), "%s/none.cfg", g_dir);
    assert_int_equal(hk_config_load(path, &c, err, sizeof(err)), HAWK_ECONFIG);
    char want[600];
    snprintf(want, sizeof(want),
             "cannot read config file '%s': No such file or directory (pass "
             "another file with -c or set HAWK_CONFIG)",
             path);
    assert_string_equal(err, want);
    assert_null(c.path);
}

static void test_unknown_keys(void **state)
{
    (void)state;
    expect_error("servr = {\n  listen = \"127.0.0.1:1\";\n};\n",
                 "2: unknown key 'servr.listen' (did you mean "
                 "'server.listen'?)");
    expect_error("server = {\n  threads = 2;\n  treads = 4;\n};\n",
                 "3: unknown key 'server.treads' (did you mean "
                 "'server.threads'?)");
    expect_error("\n\ndatadir = \"x\";\n",
                 "3: unknown key 'datadir' (did you mean 'data_dir'?)");
    expect_error("lgo = 1;\n", "1: unknown key 'lgo' (did you mean 'log'?)");
    expect_error("auth = { argon2 = { tcost = 1; }; };\n",
                 "1: unknown key 'auth.argon2.tcost' (did you mean "
                 "'auth.argon2.t_cost'?)");
    expect_error("zzzzqqqq = 1;\n",
                 "1: unknown key 'zzzzqqqq' (see etc/hawk.cfg.example for "
                 "every key)");
}

static void test_wrong_types(void **state)
{
    (void)state;
    expect_error("server = { threads = \"4\"; };\n",
                 "1: 'server.threads' must be an integer");
    expect_error("server = { threads = 4.5; };\n",
                 "1: 'server.threads' must be an integer");
    expect_error("server = { listen = 8080; };\n",
                 "1: 'server.listen' must be a string");
    expect_error("log = { stdout = \"yes\"; };\n",
                 "1: 'log.stdout' must be true or false");
    expect_error("server = { max_body = \"lots\"; };\n",
                 "1: 'server.max_body' must be a size like \"10MiB\", "
                 "\"512KiB\" or a number of bytes");
    expect_error("auth = { access_ttl = \"10 parsecs\"; };\n",
                 "1: 'auth.access_ttl' must be a duration like \"30s\", "
                 "\"15m\", \"1500ms\" or a number of seconds");
    expect_error("server = 5;\n",
                 "1: 'server' must be a group: server = { ... };");
    expect_error("plugins = 1;\n",
                 "1: 'plugins' must be a list of groups like ( { ... }, "
                 "{ ... } )");
    expect_error("plugins = ( 1 );\n",
                 "1: 'plugins' must be a list of groups like ( { ... }, "
                 "{ ... } )");
}

static void test_ranges(void **state)
{
    (void)state;
    expect_error("server = { threads = 0; };\n",
                 "1: 'server.threads' must be between 1 and 256");
    expect_error("server = { threads = 257; };\n",
                 "1: 'server.threads' must be between 1 and 256");
    expect_error("database = { pool_size = 1000; };\n",
                 "1: 'database.pool_size' must be between 1 and 512");
    expect_error("auth = { argon2 = { m_cost = \"4KiB\"; }; };\n",
                 "1: 'auth.argon2.m_cost' must be between 8KiB and 4GiB");
    expect_error("auth = { access_ttl = \"2d\"; };\n",
                 "1: 'auth.access_ttl' must be between 1m and 1d");
    expect_error("database = { connect_timeout = \"50ms\"; };\n",
                 "1: 'database.connect_timeout' must be between 100ms and "
                 "5m");
    /* libconfig keeps 32 bits of a plain literal: 4294967296 would read
     * as 0; it is refused instead of misread. */
    expect_error("auth = {\n argon2 = {\n m_cost = 4294967296;\n};\n};\n",
                 "3: 'auth.argon2.m_cost' is too large for a 32-bit number: "
                 "add an L suffix (e.g. 4294967296L) or write it with a unit "
                 "as a string");
    struct hk_config c;
    char err[512];
    assert_int_equal(load_text("auth = { argon2 = { m_cost = 4294967296L; "
                               "}; };\n",
                               &c, err, sizeof(err)),
                     0);
    assert_int_equal(hk_cfg_int(&c, "auth.argon2.m_cost"), 4LL << 30);
    hk_config_release(&c);
}

static void test_semantic_checks(void **state)
{
    (void)state;
    expect_error("server = { listen = \"localhost\"; };\n",
                 "1: 'server.listen' must be host:port with a port from 1 to "
                 "65535, like \"127.0.0.1:8080\" or \"[::1]:8080\" (got "
                 "\"localhost\")");
    expect_error_part("server = { listen = \"127.0.0.1:70000\"; };\n",
                      "'server.listen' must be host:port");
    expect_error_part("server = { listen = \"127.0.0.1:\"; };\n",
                      "'server.listen' must be host:port");
    expect_error_part("server = { listen = \"::1:80\"; };\n",
                      "'server.listen' must be host:port");
    expect_error("log = { level = \"loud\"; };\n",
                 "1: 'log.level' must be one of debug, info, warn, error, "
                 "crit (got \"loud\")");
    expect_error("data_dir = \"\";\n", "1: 'data_dir' must not be empty");
    expect_error("database = { url = \"postgresql://h/db?bogus=1\"; };\n",
                 "1: 'database.url' must be a libpq connection string like "
                 "\"postgresql://user@host:5432/hawk\" or empty for the "
                 "embedded database: invalid URI query parameter: \"bogus\"");
    /* libpq quotes the whole URI in some messages: never echoed */
    expect_error("database = { url = \"postgresql://u:pw@[::1\"; };\n",
                 "1: 'database.url' must be a libpq connection string like "
                 "\"postgresql://user@host:5432/hawk\" or empty for the "
                 "embedded database: end of string reached when looking for "
                 "matching \"]\" in IPv6 host address in URI: "
                 "\"<redacted>\"");
    expect_error_part("database = { url = \"host=h bogus=1\"; };\n",
                      "'database.url' must be a libpq connection string");
    expect_error("auth = { jwt_secret = \"short\"; };\n",
                 "1: 'auth.jwt_secret' is too short (5 bytes; at least 32): "
                 "use a random value such as the output of 'openssl rand "
                 "-base64 48', or leave it empty to use a generated "
                 "<data_dir>/jwt.secret");
    struct hk_config c;
    char err[512];
    assert_int_equal(load_text("server = { listen = \"[::1]:8080\"; };\n"
                               "database = { url = \"postgresql://u@h:5432/"
                               "d\"; };\n",
                               &c, err, sizeof(err)),
                     0);
    hk_config_release(&c);
}

static void test_parse_listen(void **state)
{
    (void)state;
    char host[64];
    int port = 0;
    assert_int_equal(
        hk_config_parse_listen("127.0.0.1:8080", host, sizeof(host), &port), 0);
    assert_string_equal(host, "127.0.0.1");
    assert_int_equal(port, 8080);
    assert_int_equal(
        hk_config_parse_listen("[::1]:443", host, sizeof(host), &port), 0);
    assert_string_equal(host, "::1");
    assert_int_equal(port, 443);
    assert_int_equal(hk_config_parse_listen("*:1", host, sizeof(host), &port),
                     0);
    assert_string_equal(host, "*");
    assert_int_equal(
        hk_config_parse_listen("a.example:65535", host, sizeof(host), &port),
        0);
    assert_int_equal(port, 65535);
    const char *bad[] = {"",           ":80",     "host",    "host:0",
                         "host:65536", "host:8o", "[::1]80", "[zz]:80",
                         "a b:1",      "::1:80"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (hk_config_parse_listen(bad[i], host, sizeof(host), &port) !=
            HAWK_EINVAL)
            fail_msg("'%s' was accepted", bad[i]);
    }
}

static void test_expand(void **state)
{
    (void)state;
    char err[256];
    setenv("HK_T_A", "alpha", 1);
    setenv("HK_T_EMPTY", "", 1);
    unsetenv("HK_T_UNSET");
    struct {
        const char *in, *out;
    } ok[] = {
        {"plain", "plain"},
        {"${HK_T_A}", "alpha"},
        {"x${HK_T_A}y${HK_T_A}", "xalphayalpha"},
        {"${HK_T_UNSET:-dflt}", "dflt"},
        {"${HK_T_EMPTY:-dflt}", "dflt"},
        {"${HK_T_EMPTY}", ""},
        {"${HK_T_A:-dflt}", "alpha"},
        {"${HK_T_UNSET:-}", ""},
        {"cost $$5", "cost $5"},
        {"$${HK_T_A}", "${HK_T_A}"},
        {"a$b $", "a$b $"},
        {"$", "$"},
    };
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        char *r = hk_config_expand(ok[i].in, err, sizeof(err));
        if (r == NULL)
            fail_msg("'%s' failed: %s", ok[i].in, err);
        assert_string_equal(r, ok[i].out);
        hk_free(r);
    }
    assert_null(hk_config_expand("${HK_T_UNSET}", err, sizeof(err)));
    assert_string_equal(err, "environment variable 'HK_T_UNSET' is not set "
                             "(export it, or write ${HK_T_UNSET:-default})");
    assert_null(hk_config_expand("a${HK_T_A", err, sizeof(err)));
    assert_string_equal(err, "unterminated '${' (close it with '}', or write "
                             "$$ for a literal $)");
    assert_null(hk_config_expand("${1X}", err, sizeof(err)));
    assert_string_equal(err, "invalid variable reference: '${' must be "
                             "followed by a name like ${HOME} (write $$ for a "
                             "literal $)");
    assert_null(hk_config_expand("${A B}", err, sizeof(err)));
    assert_string_equal(err, "invalid variable reference near '${A ': use "
                             "${NAME} or ${NAME:-default}");
}

static void test_expand_in_file(void **state)
{
    (void)state;
    setenv("HK_T_HOST", "10.1.2.3", 1);
    unsetenv("HK_T_UNSET");
    struct hk_config c;
    char err[512];
    assert_int_equal(load_text("server = { listen = \"${HK_T_HOST}:9000\"; "
                               "};\nlog = { file = "
                               "\"${HK_T_UNSET:-/tmp/x.log}\"; };\n"
                               "database = { embedded = { bindir = \"a$$b\"; "
                               "}; };\n",
                               &c, err, sizeof(err)),
                     0);
    assert_string_equal(hk_cfg_str(&c, "server.listen"), "10.1.2.3:9000");
    assert_string_equal(hk_cfg_str(&c, "log.file"), "/tmp/x.log");
    assert_string_equal(hk_cfg_str(&c, "database.embedded.bindir"), "a$b");
    hk_config_release(&c);
    expect_error("\nserver = { listen = \"${HK_T_UNSET}:1\"; };\n",
                 "2: 'server.listen': environment variable 'HK_T_UNSET' is "
                 "not set (export it, or write ${HK_T_UNSET:-default})");
    /* expansion happens before validation */
    setenv("HK_T_HOST", "nocolon", 1);
    expect_error_part("server = { listen = \"${HK_T_HOST}\"; };\n",
                      "'server.listen' must be host:port");
    /* the 4096-byte limit applies after expansion */
    char *big = hk_malloc(5000);
    memset(big, 'x', 4999);
    big[4999] = '\0';
    setenv("HK_T_BIG", big, 1);
    hk_free(big);
    expect_error("log = { file = \"${HK_T_BIG}\"; };\n",
                 "1: 'log.file' is too long (4999 bytes; at most 4096)");
    unsetenv("HK_T_BIG");
}

static void test_overrides(void **state)
{
    (void)state;
    setenv("HAWK_LISTEN", "0.0.0.0:7777", 1);
    setenv("HAWK_LOG_LEVEL", "warn", 1);
    setenv("HAWK_DATA_DIR", "./rel/dir/", 1);
    setenv("HAWK_DATABASE_URL", "host=/tmp dbname=x", 1);
    setenv("HAWK_PLUGIN_PATH", "/opt/plugins", 1);
    setenv("HAWK_JWT_SECRET", "0123456789abcdef0123456789abcdef", 1);
    struct hk_config c;
    char err[512];
    assert_int_equal(load_text("server = { listen = \"127.0.0.1:1\"; };\n"
                               "log = { level = \"debug\"; };\n",
                               &c, err, sizeof(err)),
                     0);
    assert_string_equal(hk_cfg_str(&c, "server.listen"), "0.0.0.0:7777");
    assert_string_equal(hk_cfg_origin(&c, "server.listen"), "env HAWK_LISTEN");
    assert_string_equal(hk_cfg_str(&c, "log.level"), "warn");
    assert_string_equal(hk_cfg_str(&c, "database.url"), "host=/tmp dbname=x");
    assert_string_equal(hk_cfg_str(&c, "plugin_dir"), "/opt/plugins");
    assert_string_equal(hk_cfg_origin(&c, "plugin_dir"),
                        "env HAWK_PLUGIN_PATH");
    char cwd[4096], want[4200];
    assert_non_null(getcwd(cwd, sizeof(cwd)));
    snprintf(want, sizeof(want), "%s/rel/dir", cwd);
    assert_string_equal(c.data_dir, want);
    hk_config_release(&c);

    /* overrides are validated like file values and name the variable */
    setenv("HAWK_LISTEN", "nope", 1);
    struct hk_config c2;
    assert_int_equal(load_text("", &c2, err, sizeof(err)), HAWK_ECONFIG);
    assert_string_equal(err, "env HAWK_LISTEN: 'server.listen' must be "
                             "host:port with a port from 1 to 65535, like "
                             "\"127.0.0.1:8080\" or \"[::1]:8080\" (got "
                             "\"nope\")");
    assert_null(c2.values);
    setenv("HAWK_LISTEN", "127.0.0.1:8080", 1);
    setenv("HAWK_LOG_LEVEL", "shouty", 1);
    assert_int_equal(load_text("", &c2, err, sizeof(err)), HAWK_ECONFIG);
    assert_string_equal(err, "env HAWK_LOG_LEVEL: 'log.level' must be one of "
                             "debug, info, warn, error, crit (got "
                             "\"shouty\")");
    setenv("HAWK_LOG_LEVEL", "info", 1);
    setenv("HAWK_JWT_SECRET", "weak", 1);
    assert_int_equal(load_text("", &c2, err, sizeof(err)), HAWK_ECONFIG);
    assert_true(strncmp(err,
                        "env HAWK_JWT_SECRET: 'auth.jwt_secret' is too "
                        "short (4 bytes; at least 32)",
                        strlen("env HAWK_JWT_SECRET: 'auth.jwt_secret' is "
                               "too short (4 bytes; at least 32)")) == 0);
    assert_null(strstr(err, "weak"));
    setenv("HAWK_JWT_SECRET", "", 1);
    setenv("HAWK_DATABASE_URL", "postgresql://u:pw@h/d?bogus=1", 1);
    assert_int_equal(load_text("", &c2, err, sizeof(err)), HAWK_ECONFIG);
    assert_true(strncmp(err, "env HAWK_DATABASE_URL: 'database.url' must be",
                        strlen("env HAWK_DATABASE_URL: 'database.url' must "
                               "be")) == 0);
    assert_null(strstr(err, "pw@"));
    for (const char *const *v =
             (const char *const[]){"HAWK_LISTEN", "HAWK_LOG_LEVEL",
                                   "HAWK_DATA_DIR", "HAWK_DATABASE_URL",
                                   "HAWK_PLUGIN_PATH", "HAWK_JWT_SECRET", NULL};
         *v != NULL; v++)
        unsetenv(*v);
}

static void test_hawk_config_env(void **state)
{
    (void)state;
    write_file(g_path, "server = { threads = 7; };\n");
    setenv("HAWK_CONFIG", g_path, 1);
    struct hk_config c;
    char err[512];
    assert_int_equal(hk_config_load(NULL, &c, err, sizeof(err)), 0);
    assert_string_equal(c.path, g_path);
    assert_int_equal(hk_cfg_int(&c, "server.threads"), 7);
    hk_config_release(&c);
    unsetenv("HAWK_CONFIG");
}

static void test_plugins_list(void **state)
{
    (void)state;
    struct hk_config c;
    char err[512];
    int rc = load_text("plugins = (\n"
                       "  { name = \"a\"; },\n"
                       "  {\n"
                       "    name = \"b-2\";\n"
                       "    path = \"/x/b.so\";\n"
                       "    enabled = false;\n"
                       "    required = true;\n"
                       "    options = { k = \"${HK_T_UNSET}\"; };\n"
                       "  }\n"
                       ");\n",
                       &c, err, sizeof(err));
    assert_int_equal(rc, 0);
    assert_int_equal(c.n_plugins, 2);
    assert_string_equal(c.plugins[0].name, "a");
    assert_string_equal(c.plugins[0].path, "a.so");
    assert_true(c.plugins[0].enabled);
    assert_false(c.plugins[0].required);
    assert_null(c.plugins[0].options);
    assert_int_equal(c.plugins[0].line, 2);
    assert_string_equal(c.plugins[1].name, "b-2");
    assert_string_equal(c.plugins[1].path, "/x/b.so");
    assert_false(c.plugins[1].enabled);
    assert_true(c.plugins[1].required);
    assert_non_null(c.plugins[1].options);
    assert_int_equal(c.plugins[1].line, 3);
    hk_config_release(&c);
}

static void test_plugins_list_errors2(void **state)
{
    (void)state;
    char tail[512];
    snprintf(tail, sizeof(tail),
             "4: duplicate plugin instance name 'a' (first defined at %s:2): "
             "give each entry its own name",
             g_path);
    expect_error("plugins = (\n  { name = \"a\"; },\n  { name = \"b\"; },\n"
                 "  { name = \"a\"; }\n);\n",
                 tail);
    expect_error("plugins = (\n { name = \"a\";\n   enabeld = true; }\n);\n",
                 "3: unknown key 'enabeld' in plugin entry (did you mean "
                 "'enabled'?)");
    expect_error("plugins = ( { name = \"a\"; colour = 1; } );\n",
                 "1: unknown key 'colour' in plugin entry (keys are: name, "
                 "path, enabled, required, options)");
    expect_error("plugins = ( { path = \"a.so\"; } );\n",
                 "1: plugin entry has no name: add name = \"...\"; (1-32 of "
                 "a-z, 0-9, _ and -)");
    expect_error("plugins = ( { name = \"Bad Name\"; } );\n",
                 "1: invalid plugin instance name 'Bad Name': use 1-32 of "
                 "a-z, 0-9, _ and -");
    expect_error("plugins = ( { name = \"a\"; enabled = \"yes\"; } );\n",
                 "1: 'enabled' of plugin entry 'a' must be true or false");
    expect_error("plugins = ( { name = \"a\"; options = 3; } );\n",
                 "1: 'options' of plugin entry 'a' must be a group: options "
                 "= { key = value; };");
    expect_error("plugins = ( { name = \"a\"; path = \"\"; } );\n",
                 "1: 'path' of plugin entry 'a' is empty: name the .so file "
                 "or leave path out to use a.so");
    expect_error("plugins = ( { name = 5; } );\n",
                 "1: 'name' of a plugin entry must be a string");
}

/* ------------------------------------------------------------------------
 * JWT secret
 * --------------------------------------------------------------------- */

static void load_with_data_dir(struct hk_config *c, const char *dir,
                               const char *extra)
{
    char text[1024], err[512];
    snprintf(text, sizeof(text), "data_dir = \"%s\";\n%s", dir, extra);
    assert_int_equal(load_text(text, c, err, sizeof(err)), 0);
}

static void test_jwt_generated_once(void **state)
{
    (void)state;
    char dir[200], file[300];
    snprintf(dir, sizeof(dir), "%s/data/sub", g_dir);
    snprintf(file, sizeof(file), "%s/jwt.secret", dir);
    struct hk_config c;
    load_with_data_dir(&c, dir, "");
    char err[512];
    char *s1 = hk_config_jwt_secret(&c, err, sizeof(err));
    assert_non_null(s1);
    assert_int_equal(strlen(s1), 64); /* 48 random bytes, base64url */
    struct stat st;
    assert_int_equal(stat(file, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    /* others may traverse data_dir (the embedded database runs as its own
     * user below it) but not list it */
    assert_int_equal(stat(dir, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0711);
    char *s2 = hk_config_jwt_secret(&c, err, sizeof(err));
    assert_non_null(s2);
    assert_string_equal(s1, s2);
    hk_free_secret(s2);

    /* readable by others: refused, file left as it was */
    assert_int_equal(chmod(file, 0644), 0);
    assert_null(hk_config_jwt_secret(&c, err, sizeof(err)));
    char want[1024];
    snprintf(want, sizeof(want),
             "refusing '%s': mode 0644 lets other users read it; fix with: "
             "chmod 600 '%s'",
             file, file);
    assert_string_equal(err, want);
    assert_int_equal(stat(file, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0644);
    assert_int_equal(chmod(file, 0600), 0);
    char *s3 = hk_config_jwt_secret(&c, err, sizeof(err));
    assert_string_equal(s1, s3);
    hk_free_secret(s3);
    hk_free_secret(s1);

    /* too short a file: refused, not replaced */
    write_file(file, "short\n");
    assert_int_equal(chmod(file, 0600), 0);
    assert_null(hk_config_jwt_secret(&c, err, sizeof(err)));
    snprintf(want, sizeof(want),
             "refusing '%s': it holds fewer than 32 usable bytes; delete it "
             "and hawk generates a new one (existing sessions end)",
             file);
    assert_string_equal(err, want);

    /* a symlink is refused */
    char target[300];
    snprintf(target, sizeof(target), "%s/target", g_dir);
    write_file(target, "0123456789abcdef0123456789abcdef0123\n");
    assert_int_equal(unlink(file), 0);
    assert_int_equal(symlink(target, file), 0);
    assert_null(hk_config_jwt_secret(&c, err, sizeof(err)));
    snprintf(want, sizeof(want), "refusing '%s': it is a symbolic link", file);
    assert_string_equal(err, want);
    hk_config_release(&c);
}

static void test_jwt_configured(void **state)
{
    (void)state;
    char dir[200], file[300];
    snprintf(dir, sizeof(dir), "%s/cfgd", g_dir);
    snprintf(file, sizeof(file), "%s/jwt.secret", dir);
    struct hk_config c;
    load_with_data_dir(&c, dir,
                       "auth = { jwt_secret = "
                       "\"abcdefghijklmnopqrstuvwxyz0123456789\"; "
                       "};\n");
    char err[512];
    char *s = hk_config_jwt_secret(&c, err, sizeof(err));
    assert_string_equal(s, "abcdefghijklmnopqrstuvwxyz0123456789");
    hk_free_secret(s);
    struct stat st;
    assert_int_not_equal(stat(file, &st), 0); /* no file written */
    assert_int_not_equal(stat(dir, &st), 0);
    hk_config_release(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_defaults, setup, teardown),
        cmocka_unit_test_setup_teardown(test_values_and_origins, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_typed_settings, setup, teardown),
        cmocka_unit_test_setup_teardown(test_syntax_error, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_keys, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wrong_types, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ranges, setup, teardown),
        cmocka_unit_test_setup_teardown(test_semantic_checks, setup, teardown),
        cmocka_unit_test(test_parse_listen),
        cmocka_unit_test(test_expand),
        cmocka_unit_test_setup_teardown(test_expand_in_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_overrides, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hawk_config_env, setup, teardown),
        cmocka_unit_test_setup_teardown(test_plugins_list, setup, teardown),
        cmocka_unit_test_setup_teardown(test_plugins_list_errors2, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_jwt_generated_once, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_jwt_configured, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
