/*
 * test_multipart.c - the multipart/form-data parser and content-based
 * file type detection.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "hawk/plugin.h"
#include "platform/resumes/filetype.h"
#include "http/multipart.h"
#include "util/alloc.h"

#define CRLF "\r\n"

static int parse(const char *body, const char *boundary, struct hk_mp *mp,
                 char *err)
{
    return hk_mp_parse(body, strlen(body), boundary, mp, err, 160);
}

static void test_boundary_plain_and_quoted(void **state)
{
    (void)state;
    char b[80], err[160];
    assert_int_equal(hk_mp_boundary("multipart/form-data; boundary=abc123", b,
                                    sizeof(b), err, sizeof(err)),
                     0);
    assert_string_equal(b, "abc123");
    assert_int_equal(hk_mp_boundary("Multipart/Form-Data;charset=utf-8; "
                                    "boundary=\"with space:and=equals\"",
                                    b, sizeof(b), err, sizeof(err)),
                     0);
    assert_string_equal(b, "with space:and=equals");
}

static void test_boundary_rejects(void **state)
{
    (void)state;
    char b[80], err[160];
    assert_int_equal(hk_mp_boundary(NULL, b, sizeof(b), err, sizeof(err)),
                     HAWK_EINVAL);
    assert_int_equal(
        hk_mp_boundary("application/json", b, sizeof(b), err, sizeof(err)),
        HAWK_EINVAL);
    assert_int_equal(
        hk_mp_boundary("multipart/form-data", b, sizeof(b), err, sizeof(err)),
        HAWK_EINVAL);
    assert_non_null(strstr(err, "no boundary"));
    /* 71 characters: one more than RFC 2046 allows. */
    char ct[200];
    int n = snprintf(ct, sizeof(ct), "multipart/form-data; boundary=");
    memset(ct + n, 'x', 71);
    ct[n + 71] = '\0';
    assert_int_equal(hk_mp_boundary(ct, b, sizeof(b), err, sizeof(err)),
                     HAWK_EINVAL);
    assert_int_equal(hk_mp_boundary("multipart/form-data; boundary=\"abc", b,
                                    sizeof(b), err, sizeof(err)),
                     HAWK_EINVAL);
    assert_int_equal(hk_mp_boundary("multipart/form-data; boundary=a; "
                                    "boundary=b",
                                    b, sizeof(b), err, sizeof(err)),
                     HAWK_EINVAL);
    /* "form-data" must be the whole subtype. */
    assert_int_equal(hk_mp_boundary("multipart/form-dataX; boundary=a", b,
                                    sizeof(b), err, sizeof(err)),
                     HAWK_EINVAL);
}

static void test_parse_fields_and_file(void **state)
{
    (void)state;
    struct hk_mp mp;
    char err[160];
    char buf[512];
    size_t n = 0;
    const char *parts[] = {
        "preamble is ignored" CRLF "--XyZ" CRLF
        "Content-Disposition: form-data; name=\"name\"" CRLF CRLF
        "My resume" CRLF "--XyZ" CRLF
        "content-disposition: form-data; filename=\"C:\\\\docs\\\\cv.pdf\"; "
        "name=file" CRLF "Content-Type:  application/pdf  " CRLF CRLF
        "%PDF-1.4\r\nbinary",
        "data" CRLF "--XyZ--" CRLF "epilogue"};
    memcpy(buf, parts[0], strlen(parts[0]));
    n = strlen(parts[0]);
    buf[n++] = '\0';
    memcpy(buf + n, parts[1], strlen(parts[1]));
    n += strlen(parts[1]);
    assert_int_equal(hk_mp_parse(buf, n, "XyZ", &mp, err, sizeof(err)), 0);
    assert_int_equal(mp.n, 2);
    const struct hk_mp_part *p = hk_mp_get(&mp, "name");
    assert_non_null(p);
    assert_false(p->has_filename);
    assert_int_equal(p->len, 9);
    assert_memory_equal(p->data, "My resume", 9);
    p = hk_mp_get(&mp, "file");
    assert_non_null(p);
    assert_true(p->has_filename);
    assert_string_equal(p->filename, "cv.pdf");
    assert_string_equal(p->content_type, "application/pdf");
    assert_int_equal(p->len, 8 + 2 + 6 + 1 + 4);
    assert_memory_equal(p->data, "%PDF-1.4\r\nbinary\0data", p->len);
    assert_null(hk_mp_get(&mp, "other"));
}

static void test_parse_empty_part_and_leading_boundary(void **state)
{
    (void)state;
    struct hk_mp mp;
    char err[160];
    const char *body =
        "--b" CRLF "Content-Disposition: form-data; name=\"e\"" CRLF CRLF CRLF
        "--b  \t" CRLF "Content-Disposition: form-data; name=\"x\"" CRLF CRLF
        "1" CRLF "--b--";
    assert_int_equal(parse(body, "b", &mp, err), 0);
    assert_int_equal(mp.n, 2);
    assert_int_equal(mp.parts[0].len, 0);
    assert_int_equal(mp.parts[1].len, 1);
}

static void test_parse_truncated(void **state)
{
    (void)state;
    struct hk_mp mp;
    char err[160];
    const char *full =
        "--b" CRLF "Content-Disposition: form-data; name=\"file\"; "
        "filename=\"a.txt\"" CRLF CRLF "hello" CRLF "--b--";
    size_t n = strlen(full);
    /* Every proper prefix that loses the closing delimiter is refused. */
    for (size_t cut = 0; cut + 2 < n; cut++) {
        int rc = hk_mp_parse(full, cut, "b", &mp, err, sizeof(err));
        assert_true(rc < 0);
    }
    assert_int_equal(hk_mp_parse(full, n, "b", &mp, err, sizeof(err)), 0);
    assert_int_equal(hk_mp_parse(full, n - 5, "b", &mp, err, sizeof(err)),
                     HAWK_EINVAL);
    assert_non_null(strstr(err, "truncated"));
}

static void test_parse_malformed(void **state)
{
    (void)state;
    struct hk_mp mp;
    char err[160];
    /* LF-only line ends. */
    assert_int_equal(parse("--b\nContent-Disposition: form-data; name=a\n\n"
                           "x\n--b--",
                           "b", &mp, err),
                     HAWK_EINVAL);
    /* No Content-Disposition. */
    assert_int_equal(parse("--b" CRLF "Content-Type: text/plain" CRLF CRLF
                           "x" CRLF "--b--",
                           "b", &mp, err),
                     HAWK_EINVAL);
    assert_non_null(strstr(err, "Content-Disposition"));
    /* Disposition without a name. */
    assert_int_equal(parse("--b" CRLF "Content-Disposition: form-data; "
                           "filename=\"a\"" CRLF CRLF "x" CRLF "--b--",
                           "b", &mp, err),
                     HAWK_EINVAL);
    /* Not form-data. */
    assert_int_equal(parse("--b" CRLF "Content-Disposition: attachment; "
                           "name=a" CRLF CRLF "x" CRLF "--b--",
                           "b", &mp, err),
                     HAWK_EINVAL);
    /* Unterminated quoted name. */
    assert_int_equal(parse("--b" CRLF "Content-Disposition: form-data; "
                           "name=\"a" CRLF CRLF "x" CRLF "--b--",
                           "b", &mp, err),
                     HAWK_EINVAL);
    /* Garbage right after a delimiter. */
    assert_int_equal(parse("--bX" CRLF "Content-Disposition: form-data; "
                           "name=a" CRLF CRLF "x" CRLF "--b--",
                           "b", &mp, err),
                     HAWK_EINVAL);
    /* Another boundary than the one announced. */
    assert_int_equal(parse("--other" CRLF "Content-Disposition: form-data; "
                           "name=a" CRLF CRLF "x" CRLF "--other--",
                           "b", &mp, err),
                     HAWK_EINVAL);
    /* Header line without a colon. */
    assert_int_equal(parse("--b" CRLF "Content-Disposition form-data" CRLF CRLF
                           "x" CRLF "--b--",
                           "b", &mp, err),
                     HAWK_EINVAL);
    /* Empty body. */
    assert_int_equal(hk_mp_parse("", 0, "b", &mp, err, sizeof(err)),
                     HAWK_EINVAL);
}

static void test_parse_limits(void **state)
{
    (void)state;
    struct hk_mp mp;
    char err[160];
    char *body = hk_malloc(64 * 1024);
    size_t n = 0;
    for (int i = 0; i < HK_MP_MAX_PARTS + 1; i++)
        n += (size_t)snprintf(
            body + n, 64 * 1024 - n,
            "--b" CRLF "Content-Disposition: form-data; name=f%d" CRLF CRLF
            "v" CRLF,
            i);
    n += (size_t)snprintf(body + n, 64 * 1024 - n, "--b--");
    assert_int_equal(hk_mp_parse(body, n, "b", &mp, err, sizeof(err)),
                     HAWK_ETOOBIG);
    /* A header block larger than the limit. */
    n = (size_t)snprintf(
        body, 64 * 1024,
        "--b" CRLF "Content-Disposition: form-data; name=a" CRLF "X-Pad: ");
    memset(body + n, 'p', HK_MP_MAX_HEADERS + 100);
    n += HK_MP_MAX_HEADERS + 100;
    n += (size_t)snprintf(body + n, 64 * 1024 - n, CRLF CRLF "x" CRLF "--b--");
    assert_int_equal(hk_mp_parse(body, n, "b", &mp, err, sizeof(err)),
                     HAWK_ETOOBIG);
    hk_free(body);
}

/* ---- file types ---- */

static enum hk_resumes_filetype detect(const char *s, size_t n)
{
    return hk_resumes_filetype_detect((const unsigned char *)s, n);
}

/* A minimal ZIP with one stored entry named `name`. */
static size_t make_zip(unsigned char *out, const char *name)
{
    size_t nl = strlen(name), n = 0;
    static const unsigned char lfh[30] = {'P', 'K', 3, 4, 20};
    memcpy(out, lfh, 30);
    out[26] = (unsigned char)nl;
    n = 30;
    memcpy(out + n, name, nl);
    n += nl;
    size_t cd = n;
    unsigned char cdh[46] = {'P', 'K', 1, 2, 20, 0, 20};
    cdh[28] = (unsigned char)nl;
    memcpy(out + n, cdh, 46);
    n += 46;
    memcpy(out + n, name, nl);
    n += nl;
    size_t cd_size = n - cd;
    unsigned char eocd[22] = {'P', 'K', 5, 6};
    eocd[8] = eocd[10] = 1;
    eocd[12] = (unsigned char)cd_size;
    eocd[16] = (unsigned char)cd;
    memcpy(out + n, eocd, 22);
    return n + 22;
}

static void test_filetype_detect(void **state)
{
    (void)state;
    unsigned char zip[256];
    assert_int_equal(detect("", 0), HK_RESUMES_FT_EMPTY);
    assert_int_equal(detect("%PDF-1.7\n...", 12), HK_RESUMES_FT_PDF);
    assert_int_equal(detect("\x7f"
                            "ELF\x02\x01\x01",
                            7),
                     HK_RESUMES_FT_ELF);
    assert_int_equal(detect("#!/bin/sh\necho hi\n", 18), HK_RESUMES_FT_SCRIPT);
    assert_int_equal(detect("\x89PNG\r\n\x1a\n....", 12), HK_RESUMES_FT_PNG);
    assert_int_equal(detect("  \n<!DOCTYPE html><p>x", 22), HK_RESUMES_FT_HTML);
    assert_int_equal(detect("\xef\xbb\xbf<HTML lang=en>", 17),
                     HK_RESUMES_FT_HTML);
    assert_int_equal(detect("Jane Doe\nEngineer\n", 18), HK_RESUMES_FT_TEXT);
    assert_int_equal(detect("<htmlish text", 13), HK_RESUMES_FT_TEXT);
    assert_int_equal(detect("text\0with nul", 13), HK_RESUMES_FT_BINARY);
    assert_int_equal(detect("\xff\xfe bad utf8", 11), HK_RESUMES_FT_BINARY);
    size_t n = make_zip(zip, "word/document.xml");
    assert_int_equal(hk_resumes_filetype_detect(zip, n), HK_RESUMES_FT_DOCX);
    n = make_zip(zip, "xl/workbook.xml");
    assert_int_equal(hk_resumes_filetype_detect(zip, n), HK_RESUMES_FT_ZIP);
    /* A truncated archive has no central directory. */
    n = make_zip(zip, "word/document.xml");
    assert_int_equal(hk_resumes_filetype_detect(zip, n - 30),
                     HK_RESUMES_FT_ZIP);
    /* PE: MZ with a PE header where e_lfanew points. */
    unsigned char pe[128] = {'M', 'Z'};
    pe[0x3c] = 0x40;
    memcpy(pe + 0x40, "PE\0\0", 4);
    assert_int_equal(hk_resumes_filetype_detect(pe, sizeof(pe)),
                     HK_RESUMES_FT_PE);
    assert_false(hk_resumes_filetype_allowed(HK_RESUMES_FT_ELF));
    assert_true(hk_resumes_filetype_allowed(HK_RESUMES_FT_DOCX));
    assert_string_equal(hk_resumes_filetype_name(HK_RESUMES_FT_ELF),
                        "elf executable");
    assert_string_equal(hk_resumes_filetype_mime(HK_RESUMES_FT_PDF),
                        "application/pdf");
}

static void test_filetype_text(void **state)
{
    (void)state;
    const char *html = "<html><head><style>p{color:red}</style>"
                       "<script>alert(1)</script></head><body><h1>Jane"
                       "</h1><p>C++ &amp; Rust&nbsp;dev</p><!-- hidden -->"
                       "</body></html>";
    char *t =
        hk_resumes_filetype_text(HK_RESUMES_FT_HTML, html, strlen(html), 1000);
    assert_string_equal(t, "Jane C++ & Rust dev");
    hk_free(t);
    t = hk_resumes_filetype_text(HK_RESUMES_FT_TEXT, "  a \n\n b  ", 10, 1000);
    assert_string_equal(t, "a b");
    hk_free(t);
    assert_null(hk_resumes_filetype_text(HK_RESUMES_FT_PDF, "%PDF-", 5, 1000));
    /* Cut at the limit without splitting a UTF-8 sequence. */
    t = hk_resumes_filetype_text(HK_RESUMES_FT_TEXT, "ab\xc3\xa9\xc3\xa9", 6,
                                 5);
    assert_true(strlen(t) <= 4);
    hk_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_boundary_plain_and_quoted),
        cmocka_unit_test(test_boundary_rejects),
        cmocka_unit_test(test_parse_fields_and_file),
        cmocka_unit_test(test_parse_empty_part_and_leading_boundary),
        cmocka_unit_test(test_parse_truncated),
        cmocka_unit_test(test_parse_malformed),
        cmocka_unit_test(test_parse_limits),
        cmocka_unit_test(test_filetype_detect),
        cmocka_unit_test(test_filetype_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
