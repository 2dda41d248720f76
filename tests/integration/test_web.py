"""The web pages as hawk serves them: static files from web.dir with their
types, ETags, cache rules, precompressed variants and security headers;
`/` redirecting to `/app/`; paths that try to leave the folder; the page
shown when nothing is built; GET /api/v1/capabilities; and the refresh
cookie with its CSRF check on the auth routes.

Runs the real hawk binary against a private PostgreSQL, with a pages
folder made by the test (so it does not depend on Node.js)."""

import gzip
import os
import shutil
import tempfile
import unittest

import hawktest

AUTH = ('auth = { argon2 = { t_cost = 1; m_cost = "16MiB"; parallelism = 1; }; '
        'login_max_failures = 50; };')
INDEX = b"<!doctype html><title>hawk test pages</title><div id=root></div>\n"
JS = b"console.log('hawk');\n" * 200
CSS = b"body{color:#111}\n"


def cookie_of(headers):
    """(value, attributes lower-cased) of the hawk_refresh Set-Cookie."""
    sc = headers.get("set-cookie")
    if sc is None:
        return None, None
    first, _, rest = sc.partition(";")
    name, _, value = first.partition("=")
    assert name.strip() == "hawk_refresh", sc
    return value, [a.strip().lower() for a in rest.split(";")]


class WebTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.pages = tempfile.mkdtemp(prefix="hawk-pages-")
        os.makedirs(os.path.join(cls.pages, "assets"))
        with open(os.path.join(cls.pages, "index.html"), "wb") as f:
            f.write(INDEX)
        js = os.path.join(cls.pages, "assets", "index-abc123.js")
        with open(js, "wb") as f:
            f.write(JS)
        with open(js + ".gz", "wb") as f:
            f.write(gzip.compress(JS))
        # a stand-in for the brotli copy: hawk sends what the build wrote
        cls.br = b"BR" + JS[:50]
        with open(js + ".br", "wb") as f:
            f.write(cls.br)
        with open(os.path.join(cls.pages, "assets", "app-x1.css"), "wb") as f:
            f.write(CSS)
        with open(os.path.join(cls.pages, ".secret"), "wb") as f:
            f.write(b"never served")
        cls.outside = tempfile.mkdtemp(prefix="hawk-outside-")
        with open(os.path.join(cls.outside, "passwd.txt"), "wb") as f:
            f.write(b"outside the folder")
        os.symlink(os.path.join(cls.outside, "passwd.txt"), os.path.join(cls.pages, "link.txt"))
        cls.pg = hawktest.PgCluster()
        cls.srv = hawktest.HawkServer(
            db_url=cls.pg.url,
            extra_config=AUTH + 'web = { dir = "%s"; };' % cls.pages)

    @classmethod
    def tearDownClass(cls):
        try:
            cls.srv.stop()
        finally:
            cls.srv.cleanup()
            cls.pg.destroy()
            shutil.rmtree(cls.pages, ignore_errors=True)
            shutil.rmtree(cls.outside, ignore_errors=True)

    def get(self, path, **headers):
        return self.srv.request("GET", path, headers=headers)

    def assert_security_headers(self, h):
        csp = h.get("content-security-policy", "")
        self.assertIn("script-src 'self'", csp)
        self.assertIn("frame-ancestors 'none'", csp)
        self.assertIn("object-src 'none'", csp)
        self.assertNotIn("unsafe-inline", csp)
        self.assertNotIn("unsafe-eval", csp)
        self.assertEqual(h.get("x-content-type-options"), "nosniff")
        self.assertEqual(h.get("referrer-policy"), "no-referrer")
        self.assertEqual(h.get("x-frame-options"), "DENY")

    # ---- redirects and pages --------------------------------------------

    def test_root_redirects_to_app(self):
        s, h, _ = self.get("/")
        self.assertEqual(s, 302)
        self.assertEqual(h["location"], "/app/")
        self.assert_security_headers(h)
        s, h, _ = self.get("/app")
        self.assertEqual(s, 301)
        self.assertEqual(h["location"], "/app/")

    def test_index_is_revalidated_and_has_the_headers(self):
        s, h, body = self.get("/app/")
        self.assertEqual(s, 200)
        self.assertEqual(body, INDEX)
        self.assertEqual(h["content-type"], "text/html; charset=utf-8")
        self.assertEqual(h["cache-control"], "no-cache")
        self.assertRegex(h["etag"], r'^"[0-9a-f]{32}"$')
        self.assert_security_headers(h)
        s2, h2, body2 = self.get("/app/", **{"If-None-Match": h["etag"]})
        self.assertEqual(s2, 304)
        self.assertEqual(body2, b"")
        self.assertEqual(h2["etag"], h["etag"])
        s3, _, _ = self.get("/app/", **{"If-None-Match": '"other", W/' + h["etag"]})
        self.assertEqual(s3, 304)
        s4, _, body4 = self.get("/app/", **{"If-None-Match": '"stale"'})
        self.assertEqual((s4, body4), (200, INDEX))

    def test_page_paths_get_index_html(self):
        for p in ("/app/board", "/app/applications/12", "/app/admin/users/"):
            s, h, body = self.get(p)
            self.assertEqual((s, body), (200, INDEX), p)
            self.assertEqual(h["cache-control"], "no-cache")

    def test_hashed_assets_are_cached_for_a_year(self):
        s, h, body = self.get("/app/assets/app-x1.css")
        self.assertEqual((s, body), (200, CSS))
        self.assertEqual(h["content-type"], "text/css; charset=utf-8")
        self.assertEqual(h["cache-control"], "public, max-age=31536000, immutable")
        self.assertNotIn("vary", h)  # no variants were built for it

    def test_precompressed_variants(self):
        p = "/app/assets/index-abc123.js"
        s, h, body = self.get(p)
        self.assertEqual((s, body), (200, JS))
        self.assertNotIn("content-encoding", h)
        self.assertEqual(h["vary"], "Accept-Encoding")
        self.assertEqual(h["content-type"], "text/javascript; charset=utf-8")
        s, h, body = self.get(p, **{"Accept-Encoding": "gzip, deflate"})
        self.assertEqual(h.get("content-encoding"), "gzip")
        self.assertEqual(gzip.decompress(body), JS)
        gz_tag = h["etag"]
        s, h, body = self.get(p, **{"Accept-Encoding": "gzip, deflate, br"})
        self.assertEqual(h.get("content-encoding"), "br")
        self.assertEqual(body, self.br)
        self.assertNotEqual(h["etag"], gz_tag)
        s, h, body = self.get(p, **{"Accept-Encoding": "br;q=0, gzip;q=0.5"})
        self.assertEqual(h.get("content-encoding"), "gzip")
        s, h, body = self.get(p, **{"Accept-Encoding": "*;q=0, identity"})
        self.assertNotIn("content-encoding", h)
        self.assertEqual(body, JS)
        s, h, _ = self.get(p, **{"Accept-Encoding": "br", "If-None-Match": h["etag"]})
        self.assertEqual(s, 200)  # the identity tag does not match the br copy

    def test_head(self):
        s, h, body = self.srv.request("HEAD", "/app/assets/app-x1.css")
        self.assertEqual(s, 200)
        self.assertEqual(body, b"")
        self.assertEqual(h["content-length"], str(len(CSS)))

    def test_missing_files_and_escapes_are_404(self):
        for p in ("/app/assets/nope.js", "/app/.secret", "/app/link.txt",
                  "/app/assets/../index.html", "/app/%2e%2e/%2e%2e/etc/passwd",
                  "/app/assets/%2e%2e%2findex.html", "/app//index.html",
                  "/app/assets/index-abc123.js.gz", "/app/x%00.js",
                  "/app/a%20b.js", "/favicon.ico", "/etc/passwd"):
            s, h, body = self.get(p)
            self.assertEqual(s, 404, p)
            self.assertIn("not_found", str(body), p)
            self.assertNotIn(b"outside the folder", body if isinstance(body, bytes) else b"")
        s, _, _ = self.get("/app/index.html")
        self.assertEqual(s, 200)

    def test_api_answers_are_unchanged(self):
        s, h, body = self.get("/api/v1/nope")
        self.assertEqual(s, 404)
        self.assertEqual(body["error"]["code"], "not_found")
        self.assertNotIn("content-security-policy", h)
        s, h, body = self.srv.request("POST", "/app/", json_body={})
        self.assertEqual(s, 404)
        s, _, body = self.get("/health")
        self.assertEqual(s, 200)
        s, _, body = self.srv.request("DELETE", "/api/v1/resumes")
        self.assertEqual(s, 405)

    def test_capabilities(self):
        s, h, body = self.get("/api/v1/capabilities")
        self.assertEqual(s, 200)
        f = body["features"]
        self.assertIs(f["registration"], True)
        self.assertIs(f["workflows"], True)
        self.assertIs(f["admin_queue"], True)
        for k, v in f.items():
            self.assertIsInstance(v, bool, k)
        self.assertEqual(body["auth"], {"refresh_cookie": "hawk_refresh", "csrf_header": "X-Hawk-CSRF"})
        # features follow the routes the server really has
        rc, out, _ = hawktest.run_hawk(["routes", "-c", self.srv.config])
        self.assertEqual(f["billing"], " /api/v1/billing/checkout" in out)
        self.assertEqual(f["password_reset"], " /api/v1/auth/password-reset" in out)

    # ---- refresh cookie ---------------------------------------------------

    def login_cookie(self):
        email = self.srv.register()
        s, h, body = self.srv.request("POST", "/api/v1/auth/login", json_body={
            "email": email, "password": hawktest.PASSWORD, "refresh_cookie": True})
        self.assertEqual(s, 200, body)
        value, attrs = cookie_of(h)
        return email, body, value, attrs

    def refresh(self, cookie, **headers):
        hdrs = {"Cookie": "other=1; hawk_refresh=%s" % cookie}
        hdrs.update(headers)
        return self.srv.request("POST", "/api/v1/auth/refresh", json_body={}, headers=hdrs)

    def test_login_sets_the_cookie_and_keeps_the_token_out_of_the_body(self):
        _, body, value, attrs = self.login_cookie()
        self.assertNotIn("refresh_token", body)
        self.assertIn("access_token", body)
        self.assertRegex(value, r"^[A-Za-z0-9_-]{43}$")
        for a in ("httponly", "secure", "samesite=strict", "path=/api/v1/auth"):
            self.assertIn(a, attrs)
        self.assertTrue(any(a.startswith("max-age=") and int(a[8:]) > 86400 for a in attrs), attrs)
        # without the flag the answer is as before: token in the body, no cookie
        email = self.srv.register()
        s, h, body = self.srv.request("POST", "/api/v1/auth/login", json_body={
            "email": email, "password": hawktest.PASSWORD})
        self.assertIn("refresh_token", body)
        self.assertNotIn("set-cookie", h)
        s, _, body = self.srv.request("POST", "/api/v1/auth/login", json_body={
            "email": email, "password": hawktest.PASSWORD, "refresh_cookie": "yes"})
        self.assertEqual(s, 400)
        self.assertEqual(body["error"]["field"], "refresh_cookie")

    def test_refresh_by_cookie_needs_the_csrf_header(self):
        _, _, value, _ = self.login_cookie()
        s, h, body = self.refresh(value)
        self.assertEqual(s, 403)
        self.assertEqual(body["error"]["code"], "csrf_failed")
        self.assertIn("X-Hawk-CSRF", body["error"]["message"])
        self.assertNotIn("set-cookie", h)
        s, _, body = self.refresh(value, **{"X-Hawk-CSRF": "1", "Origin": "https://evil.example"})
        self.assertEqual(s, 403)
        s, _, body = self.refresh(value, **{"X-Hawk-CSRF": "1", "Sec-Fetch-Site": "cross-site"})
        self.assertEqual(s, 403)
        # the refused attempts changed nothing: the cookie still works once
        s, h, body = self.refresh(value, **{"X-Hawk-CSRF": "1", "Origin": "http://" + self.srv.base,
                                           "Sec-Fetch-Site": "same-origin"})
        self.assertEqual(s, 200, body)
        self.assertNotIn("refresh_token", body)
        new, attrs = cookie_of(h)
        self.assertNotEqual(new, value)
        self.assertIn("httponly", attrs)
        s, _, _ = self.srv.request("GET", "/api/v1/user", token=body["access_token"])
        self.assertEqual(s, 200)
        # the old cookie was rotated away: reuse ends the family and clears it
        s, h, body = self.refresh(value, **{"X-Hawk-CSRF": "1"})
        self.assertEqual(s, 401)
        self.assertEqual(body["error"]["code"], "token_reused")
        cleared, attrs = cookie_of(h)
        self.assertEqual(cleared, "")
        self.assertIn("max-age=0", attrs)
        s, _, _ = self.refresh(new, **{"X-Hawk-CSRF": "1"})
        self.assertEqual(s, 401)

    def test_bad_or_missing_cookie(self):
        s, h, body = self.refresh("not a token!", **{"X-Hawk-CSRF": "1"})
        self.assertEqual(s, 401)
        self.assertEqual(body["error"]["code"], "invalid_token")
        self.assertEqual(cookie_of(h)[0], "")
        s, _, body = self.srv.request("POST", "/api/v1/auth/refresh", json_body={})
        self.assertEqual(s, 400)
        self.assertEqual(body["error"]["field"], "refresh_token")
        s, _, body = self.refresh("x" * 400, **{"X-Hawk-CSRF": "1"})
        self.assertEqual(s, 401)

    def test_body_token_wins_and_needs_no_csrf(self):
        email = self.srv.register()
        auth = self.srv.login(email)
        s, h, body = self.srv.request("POST", "/api/v1/auth/refresh",
                                      json_body={"refresh_token": auth["refresh_token"]},
                                      headers={"Cookie": "hawk_refresh=garbage"})
        self.assertEqual(s, 200, body)
        self.assertIn("refresh_token", body)
        self.assertNotIn("set-cookie", h)

    def test_logout_by_cookie(self):
        _, _, value, _ = self.login_cookie()
        s, _, body = self.srv.request("POST", "/api/v1/auth/logout", json_body={},
                                      headers={"Cookie": "hawk_refresh=" + value})
        self.assertEqual(s, 403)
        s, h, _ = self.srv.request("POST", "/api/v1/auth/logout", json_body={},
                                   headers={"Cookie": "hawk_refresh=" + value, "X-Hawk-CSRF": "1"})
        self.assertEqual(s, 204)
        self.assertEqual(cookie_of(h)[0], "")
        s, _, body = self.refresh(value, **{"X-Hawk-CSRF": "1"})
        self.assertEqual(s, 401)

    def test_change_password_can_answer_with_the_cookie(self):
        email, body, _, _ = self.login_cookie()
        s, h, out = self.srv.request("POST", "/api/v1/user/change-password", token=body["access_token"],
                                     json_body={"current_password": hawktest.PASSWORD,
                                                "new_password": "another long passphrase 42",
                                                "refresh_cookie": True})
        self.assertEqual(s, 200, out)
        self.assertNotIn("refresh_token", out)
        value, attrs = cookie_of(h)
        self.assertIn("httponly", attrs)
        s, _, _ = self.refresh(value, **{"X-Hawk-CSRF": "1"})
        self.assertEqual(s, 200)


class NotBuiltTests(unittest.TestCase):
    """No pages folder: /app/ explains how to build them; the API works."""

    def test_not_built_page(self):
        empty = tempfile.mkdtemp(prefix="hawk-nopages-")
        srv = hawktest.HawkServer(extra_config='web = { dir = "%s/missing"; };' % empty)
        try:
            s, h, body = srv.request("GET", "/app/")
            self.assertEqual(s, 200)
            self.assertIn(b"not built", body)
            self.assertEqual(h["content-type"], "text/html; charset=utf-8")
            self.assertIn("frame-ancestors 'none'", h["content-security-policy"])
            s, _, _ = srv.request("GET", "/app/assets/x.js")
            self.assertEqual(s, 404)
            s, _, _ = srv.request("GET", "/health/liveness")
            self.assertEqual(s, 200)
            self.assertIn("web pages not found", srv.proc.stdout())
            srv.stop()
        finally:
            srv.cleanup()
            shutil.rmtree(empty, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
