/*
 * test_http_proxy.c - the client address behind trusted proxies: ranges,
 * right-to-left X-Forwarded-For, forged and malformed headers, bad
 * configuration entries.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "hawk/plugin.h"
#include "http/proxy.h"

static struct hk_http_proxies P;

static int setup(void **state)
{
    (void)state;
    const char *items[] = {"127.0.0.1", "::1", "10.0.0.0/8", "fd00::/8",
                           "192.168.1.0/25"};
    char err[256];
    assert_int_equal(hk_http_proxies_parse(items, 5, &P, err, sizeof(err)), 0);
    return 0;
}

static const char *client(const char *peer, const char *xff)
{
    static char out[48];
    hk_http_client_addr(&P, peer, xff, out, sizeof(out));
    return out;
}

static void test_ranges(void **state)
{
    (void)state;
    assert_true(hk_http_proxies_match(&P, "127.0.0.1"));
    assert_false(hk_http_proxies_match(&P, "127.0.0.2"));
    assert_true(hk_http_proxies_match(&P, "10.200.3.4"));
    assert_true(hk_http_proxies_match(&P, "::1"));
    assert_true(hk_http_proxies_match(&P, "fd12::5"));
    assert_false(hk_http_proxies_match(&P, "fe80::1"));
    assert_true(hk_http_proxies_match(&P, "192.168.1.127"));
    assert_false(hk_http_proxies_match(&P, "192.168.1.128"));
    assert_true(hk_http_proxies_match(&P, "::ffff:10.1.2.3")); /* mapped */
    assert_false(hk_http_proxies_match(&P, "not-an-address"));
}

static void test_client_from_trusted_peer(void **state)
{
    (void)state;
    assert_string_equal(client("127.0.0.1", "203.0.113.7"), "203.0.113.7");
    /* the client's own forged entry sits left of what nginx appended */
    assert_string_equal(client("127.0.0.1", "6.6.6.6, 203.0.113.7"),
                        "203.0.113.7");
    /* hops through trusted proxies are skipped */
    assert_string_equal(client("127.0.0.1", "203.0.113.7, 10.0.0.5"),
                        "203.0.113.7");
    assert_string_equal(client("127.0.0.1", " 2001:db8::1 "), "2001:db8::1");
    /* all trusted: the left-most */
    assert_string_equal(client("127.0.0.1", "10.0.0.9,10.0.0.5"), "10.0.0.9");
    /* no header: the peer */
    assert_string_equal(client("127.0.0.1", NULL), "127.0.0.1");
}

static void test_untrusted_peer_header_ignored(void **state)
{
    (void)state;
    assert_string_equal(client("198.51.100.2", "1.2.3.4"), "198.51.100.2");
}

static void test_malformed_header(void **state)
{
    (void)state;
    /* garbage ends the walk at the last good hop (here the peer) */
    assert_string_equal(client("127.0.0.1", "evil<script>"), "127.0.0.1");
    assert_string_equal(client("127.0.0.1", "1.2.3.4,,"), "127.0.0.1");
    assert_string_equal(client("127.0.0.1", "1.2.3.4, junk, 10.0.0.1"),
                        "10.0.0.1");
    char longv[6000];
    memset(longv, '1', sizeof(longv) - 1);
    longv[sizeof(longv) - 1] = '\0';
    assert_string_equal(client("127.0.0.1", longv), "127.0.0.1");
}

static void test_bad_entries(void **state)
{
    (void)state;
    struct hk_http_proxies p;
    char err[256];
    const char *bad[] = {"localhost", "10.0.0.0/33", "::1/129", "1.2.3.4/x",
                         ""};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(
            hk_http_proxies_parse(&bad[i], 1, &p, err, sizeof(err)),
            HAWK_EINVAL);
        assert_non_null(strstr(err, "server.trusted_proxies"));
        assert_non_null(strstr(err, "10.0.0.0/8"));
    }
    const char *many[40];
    for (size_t i = 0; i < 40; i++)
        many[i] = "127.0.0.1";
    assert_int_equal(hk_http_proxies_parse(many, 40, &p, err, sizeof(err)),
                     HAWK_EINVAL);
    assert_non_null(strstr(err, "at most 32"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ranges),
        cmocka_unit_test(test_client_from_trusted_peer),
        cmocka_unit_test(test_untrusted_peer_header_ignored),
        cmocka_unit_test(test_malformed_header),
        cmocka_unit_test(test_bad_entries),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
