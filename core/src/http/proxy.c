/*
 * http/proxy.c - X-Forwarded-For from trusted proxies only.
 */
#include "http/proxy.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "hawk/plugin.h"
#include "util/str.h"

/* Text address -> family + 16 bytes; false when it is neither form. */
static bool parse_addr(const char *s, int *family, unsigned char a[16])
{
    memset(a, 0, 16);
    if (inet_pton(AF_INET, s, a) == 1) {
        *family = AF_INET;
        return true;
    }
    if (inet_pton(AF_INET6, s, a) == 1) {
        /* ::ffff:1.2.3.4 is the IPv4 client on a dual-stack socket */
        static const unsigned char mapped[12] = {0, 0, 0, 0, 0,    0,
                                                 0, 0, 0, 0, 0xff, 0xff};
        if (memcmp(a, mapped, 12) == 0) {
            memmove(a, a + 12, 4);
            memset(a + 4, 0, 12);
            *family = AF_INET;
        } else {
            *family = AF_INET6;
        }
        return true;
    }
    return false;
}

int hk_http_proxies_parse(const char *const *items, size_t n,
                          struct hk_http_proxies *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    if (n > HK_HTTP_MAX_PROXIES) {
        snprintf(err, errlen,
                 "server.trusted_proxies has %zu entries; at most %d (use "
                 "CIDR ranges such as \"10.0.0.0/8\")",
                 n, HK_HTTP_MAX_PROXIES);
        return HAWK_EINVAL;
    }
    for (size_t i = 0; i < n; i++) {
        char buf[64];
        if (strlen(items[i]) >= sizeof(buf))
            goto bad;
        hk_strlcpy(buf, items[i], sizeof(buf));
        char *slash = strchr(buf, '/');
        int64_t bits = -1;
        if (slash != NULL) {
            *slash = '\0';
            if (hk_parse_i64(slash + 1, 0, 128, &bits) < 0)
                goto bad;
        }
        int fam;
        if (!parse_addr(buf, &fam, out->net[i].a))
            goto bad;
        int max = fam == AF_INET ? 32 : 128;
        if (bits > max)
            goto bad;
        out->net[i].family = fam;
        out->net[i].bits = bits < 0 ? max : (int)bits;
        out->n++;
        continue;
    bad:
        snprintf(err, errlen,
                 "server.trusted_proxies: '%s' is not an address or range "
                 "(write \"127.0.0.1\", \"::1\" or \"10.0.0.0/8\")",
                 items[i]);
        return HAWK_EINVAL;
    }
    return 0;
}

bool hk_http_proxies_match(const struct hk_http_proxies *p, const char *addr)
{
    int fam;
    unsigned char a[16];
    if (p == NULL || p->n == 0 || !parse_addr(addr, &fam, a))
        return false;
    for (size_t i = 0; i < p->n; i++) {
        if (p->net[i].family != fam)
            continue;
        int bits = p->net[i].bits, full = bits / 8, rest = bits % 8;
        if (memcmp(a, p->net[i].a, (size_t)full) != 0)
            continue;
        if (rest != 0) {
            unsigned char mask = (unsigned char)(0xff << (8 - rest));
            if ((a[full] & mask) != (p->net[i].a[full] & mask))
                continue;
        }
        return true;
    }
    return false;
}

void hk_http_client_addr(const struct hk_http_proxies *p, const char *peer,
                         const char *xff, char *out, size_t outlen)
{
    hk_strlcpy(out, peer, outlen);
    if (xff == NULL || !hk_http_proxies_match(p, peer))
        return;
    /* Walk the list from its right end, one hop back at a time. */
    size_t end = strlen(xff);
    if (end > 4096)
        return; /* nginx never sends such a list: do not believe it */
    while (end > 0) {
        size_t start = end;
        while (start > 0 && xff[start - 1] != ',')
            start--;
        size_t a = start, b = end;
        while (a < b && (xff[a] == ' ' || xff[a] == '\t'))
            a++;
        while (b > a && (xff[b - 1] == ' ' || xff[b - 1] == '\t'))
            b--;
        char hop[64];
        int fam;
        unsigned char bin[16];
        if (b - a == 0 || b - a >= sizeof(hop))
            return;
        memcpy(hop, xff + a, b - a);
        hop[b - a] = '\0';
        if (!parse_addr(hop, &fam, bin))
            return;
        hk_strlcpy(out, hop, outlen);
        if (!hk_http_proxies_match(p, hop))
            return;
        end = start > 0 ? start - 1 : 0;
    }
}
