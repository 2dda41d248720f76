/*
 * auth/cli.c - `hawk user create-admin --email E [--password-stdin]`.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "auth/internal.h"
#include "db/db.h"
#include "hawk/plugin.h"
#include "http/http.h"
#include "util/alloc.h"
#include "util/str.h"

#define EXIT_OK 0
#define EXIT_FAIL 1
#define EXIT_USAGE 2

static const char usage[] =
    "usage: hawk user create-admin --email EMAIL [--password-stdin] "
    "[-c CONFIG]\n"
    "  Creates an admin account, or makes an existing account an admin.\n"
    "  The password is read from the first line of stdin when stdin is not\n"
    "  a terminal (or with --password-stdin); otherwise a new account gets\n"
    "  a random password, printed once.\n";

static const char sql_find[] = "SELECT id FROM users WHERE email = $1";

static const char sql_promote[] =
    "UPDATE users SET is_admin = true,"
    " password_hash = COALESCE($2, password_hash), updated_at = now()"
    " WHERE email = $1";

static const char sql_create[] =
    "INSERT INTO users (email, password_hash, is_admin)"
    " VALUES ($1, $2, true)";

struct cli_opts {
    const char *email;
    bool password_stdin;
};

static int parse_args(int argc, char **argv, struct cli_opts *o)
{
    memset(o, 0, sizeof *o);
    /* argv[0] is the subcommand word ("create-admin"). */
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--email") == 0 && i + 1 < argc) {
            o->email = argv[++i];
        } else if (strncmp(a, "--email=", 8) == 0) {
            o->email = a + 8;
        } else if (strcmp(a, "--password-stdin") == 0) {
            o->password_stdin = true;
        } else if ((strcmp(a, "-c") == 0 || strcmp(a, "--config") == 0) &&
                   i + 1 < argc) {
            i++; /* read by main before we run */
        } else if (strncmp(a, "--config=", 9) == 0) {
            continue;
        } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(usage, stdout);
            return 1;
        } else {
            fprintf(stderr, "hawk: unknown option '%s' for create-admin\n%s", a,
                    usage);
            return -1;
        }
    }
    if (o->email == NULL) {
        fprintf(stderr, "hawk: --email is required\n%s", usage);
        return -1;
    }
    return 0;
}

/* Reads the first line of stdin into buf.  Returns the length, 0 when
 * stdin is empty, or -1 when the line is too long or holds a NUL. */
static long read_password_line(char *buf, size_t size)
{
    size_t n = 0;
    int ch;
    while ((ch = getchar()) != EOF && ch != '\n') {
        if (n + 1 >= size || ch == '\0')
            return -1;
        buf[n++] = (char)ch;
    }
    if (n > 0 && buf[n - 1] == '\r')
        n--;
    buf[n] = '\0';
    return (long)n;
}

static int hash_password(struct hk_auth *a, const char *pw, char **hash)
{
    const struct hk_auth_settings *s = hk_auth_settings(a);
    if (hk_password_hash(&s->argon2, pw, hash) < 0) {
        fprintf(stderr, "hawk: cannot hash the password\n");
        return -1;
    }
    return 0;
}

static int store(struct hk_auth *a, const char *email, const char *pw,
                 bool generated)
{
    struct hk_dbconn *c = NULL;
    PGresult *r = NULL;
    char *hash = NULL;
    int rc, code = EXIT_FAIL;

    if (hk_auth_db_acquire(a, &c) < 0) {
        fprintf(stderr, "hawk: cannot reach the database: check database.url "
                        "and that PostgreSQL is running\n");
        return EXIT_FAIL;
    }
    const char *pf[] = {email};
    rc = hk_db_query(c, sql_find, 1, pf, &r);
    if (rc < 0)
        goto dberr;
    bool exists = PQntuples(r) == 1;

    /* A generated password only makes sense for a new account: promoting
     * an existing one keeps the password its owner knows. */
    if (pw != NULL && (!exists || !generated)) {
        if (hash_password(a, pw, &hash) < 0)
            goto out;
    }
    if (!exists) {
        const char *pc[] = {email, hash};
        rc = hk_db_query(c, sql_create, 2, pc, NULL);
        if (rc == 0) {
            printf("created admin %s\n", email);
            if (generated)
                printf("password: %s\n(shown once: store it now)\n", pw);
            code = EXIT_OK;
            goto out;
        }
        if (rc != HAWK_ECONFLICT)
            goto dberr;
        /* Created concurrently: fall through and promote it. */
        if (generated) {
            hk_free(hash);
            hash = NULL;
        }
    }
    const char *pp[] = {email, hash};
    rc = hk_db_query(c, sql_promote, 2, pp, NULL);
    if (rc < 0)
        goto dberr;
    printf("%s is now an admin%s\n", email,
           hash != NULL ? "; password updated" : "");
    code = EXIT_OK;
    goto out;
dberr:
    fprintf(stderr, "hawk: database error: %s\n", hk_db_errmsg(c));
out:
    PQclear(r);
    hk_auth_db_release(a, c);
    hk_free(hash);
    return code;
}

/*
 * Entry point of `hawk user create-admin`.  argv[0] is "create-admin";
 * -c/--config are skipped (app/ has loaded the config and made the
 * module on a connected, migrated pool).  a is borrowed.  Returns the exit code: 0 done,
 * 1 database failure, 2 bad usage or an unacceptable email/password.
 */
int hk_auth_cli_create_admin(struct hk_auth *a, int argc, char **argv)
{
    struct cli_opts o;
    char line[HK_PASSWORD_MAX + 2];
    char gen[33];
    const char *pw = NULL, *msg = NULL;
    bool generated = false;
    int code;

    int prc = parse_args(argc, argv, &o);
    if (prc != 0)
        return prc > 0 ? EXIT_OK : EXIT_USAGE;
    char *email = hk_email_normalize(o.email);
    if (email == NULL) {
        fprintf(stderr, "hawk: '%s' is not a valid email address\n", o.email);
        return EXIT_USAGE;
    }

    if (o.password_stdin || !isatty(STDIN_FILENO)) {
        long n = read_password_line(line, sizeof line);
        if (n < 0) {
            fprintf(stderr,
                    "hawk: password on stdin is longer than %d bytes "
                    "or contains NUL\n",
                    HK_PASSWORD_MAX);
            code = EXIT_USAGE;
            goto out;
        }
        if (n > 0)
            pw = line;
        else if (o.password_stdin) {
            fprintf(stderr, "hawk: --password-stdin given but stdin is "
                            "empty\n");
            code = EXIT_USAGE;
            goto out;
        }
    }
    if (pw != NULL && hk_password_policy(pw, strlen(pw), &msg) < 0) {
        fprintf(stderr, "hawk: %s\n", msg);
        code = EXIT_USAGE;
        goto out;
    }
    if (pw == NULL) {
        unsigned char rnd[24];
        if (hk_random_bytes(rnd, sizeof rnd) < 0) {
            fprintf(stderr, "hawk: no randomness available\n");
            code = EXIT_FAIL;
            goto out;
        }
        hk_b64url_encode(rnd, sizeof rnd, gen);
        explicit_bzero(rnd, sizeof rnd);
        pw = gen;
        generated = true;
    }
    code = store(a, email, pw, generated);
out:
    explicit_bzero(line, sizeof line);
    explicit_bzero(gen, sizeof gen);
    hk_free(email);
    return code;
}
