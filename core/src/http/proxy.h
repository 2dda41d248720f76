/*
 * http/proxy.h - the client address behind trusted reverse proxies.
 *
 * nginx (etc/nginx/hawk.conf) connects from its own address and names the
 * client in X-Forwarded-For.  That header is believed only when the peer
 * is one of server.trusted_proxies (addresses or CIDR ranges), and then
 * read from the right: the first address that is not itself a trusted
 * proxy is the client, so a client cannot forge its address by sending
 * the header itself (nginx appends to it, the left part is the client's).
 */
#ifndef HK_HTTP_PROXY_H
#define HK_HTTP_PROXY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define HK_HTTP_MAX_PROXIES 32

struct hk_http_proxies {
    size_t n;
    struct {
        int family;          /* AF_INET or AF_INET6 */
        unsigned char a[16]; /* network address */
        int bits;            /* prefix length */
    } net[HK_HTTP_MAX_PROXIES];
};

/* Parses "127.0.0.1", "::1", "10.0.0.0/8", "fd00::/8" entries into out.
 * 0, or HAWK_EINVAL with err naming the entry and the expected form. */
int hk_http_proxies_parse(const char *const *items, size_t n,
                          struct hk_http_proxies *out, char *err,
                          size_t errlen);

/* True when the text address (IPv4 or IPv6) is in one of the ranges. */
bool hk_http_proxies_match(const struct hk_http_proxies *p, const char *addr);

/* The client's address: `peer` (text) itself unless it is a trusted proxy
 * and `xff` (X-Forwarded-For, may be NULL) names someone; then the
 * right-most entry that is not a trusted proxy (or the left-most when all
 * are).  A malformed entry ends the walk at the last good address.
 * Writes a NUL-terminated address into out (at least 48 bytes). */
void hk_http_client_addr(const struct hk_http_proxies *p, const char *peer,
                         const char *xff, char *out, size_t outlen);

#endif
