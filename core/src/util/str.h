/*
 * util/str.h - small string helpers shared by the core.
 */
#ifndef HK_UTIL_STR_H
#define HK_UTIL_STR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Strict decimal parse of the whole string: 0, or HAWK_EINVAL when empty,
 * not a number, with trailing characters, or outside [min, max]. */
int hk_parse_i64(const char *s, int64_t min, int64_t max, int64_t *out);

/* Levenshtein edit distance, capped at 255. */
unsigned hk_str_distance(const char *a, const char *b);

/* ASCII case-insensitive equality. */
bool hk_str_ieq(const char *a, const char *b);
bool hk_str_has_prefix(const char *s, const char *prefix);

/* Copies at most dst_size-1 bytes and always terminates; returns the
 * length of src (so truncation shows as a return >= dst_size). */
size_t hk_strlcpy(char *dst, const char *src, size_t dst_size);

/* Lower-cases ASCII in place; returns s. */
char *hk_str_lower(char *s);

/* Hex encode n bytes into out (2n+1 bytes). */
void hk_hex_encode(const unsigned char *in, size_t n, char *out);

/* base64url without padding.  Encode: out needs 4*ceil(n/3)+1 bytes.
 * Decode returns the decoded length or -1 on invalid input; out needs
 * 3*len/4+3 bytes. */
size_t hk_b64url_encode(const unsigned char *in, size_t n, char *out);
long hk_b64url_decode(const char *in, size_t len, unsigned char *out);

/* Constant-time equality of n bytes. */
bool hk_ct_equal(const void *a, const void *b, size_t n);

/* Fills buf with cryptographically random bytes: 0 or HAWK_EIO. */
int hk_random_bytes(void *buf, size_t n);

/* Valid UTF-8 of exactly len bytes, no NUL. */
bool hk_utf8_valid(const char *s, size_t len);

#endif
