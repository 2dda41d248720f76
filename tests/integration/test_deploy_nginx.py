"""Real nginx (Debian) with etc/nginx/hawk.conf in front of a real hawk
and PostgreSQL, over TLS: the proxied API, one request id in both logs,
the client's address in hawk's log (trusted_proxies) and a forged
X-Forwarded-For ignored, the body limit (413 from nginx, hawk never sees
it), the rate limit on /api/v1/auth/ (429), the web pages from disk with
their headers and gzip, 502 while hawk is down, and readiness staying
truthful (503 passed through with the database down).
"""

import gzip
import http.client
import json
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import time
import unittest

import hawktest

CONF = os.path.join(hawktest.SRC, "etc", "nginx", "hawk.conf")


class SourceHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS from a chosen loopback source address (a distinct 'client')."""

    def __init__(self, host, port, source, **kw):
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        super().__init__(host, port, context=ctx, source_address=(source, 0), **kw)


def nginx_conf(d, https_port, http_port, hawk_port, web):
    """hawk.conf with this test's ports, paths and certificate."""
    with open(CONF) as f:
        text = f.read()
    text = text.replace("server 127.0.0.1:8080", "server 127.0.0.1:%d" % hawk_port)
    text = re.sub(r"\n\s*listen \[::\]:\d+[^;]*;", "", text)
    text = text.replace("listen 80;", "listen 127.0.0.1:%d;" % http_port)
    text = text.replace("listen 443 ssl http2;", "listen 127.0.0.1:%d ssl http2;" % https_port)
    text = text.replace("/etc/ssl/hawk/", d + "/")
    text = text.replace("/var/log/nginx/", d + "/")
    text = text.replace("/usr/share/hawk/web/", web + "/")
    text = text.replace("ssl_stapling on;", "ssl_stapling off;")
    text = text.replace("ssl_stapling_verify on;", "ssl_stapling_verify off;")
    self_conf = os.path.join(d, "hawk.conf")
    with open(self_conf, "w") as f:
        f.write(text)
    main = os.path.join(d, "nginx.conf")
    with open(main, "w") as f:
        f.write("""worker_processes 1;
daemon off;
pid %(d)s/nginx.pid;
error_log %(d)s/error.log warn;
events { worker_connections 1024; }
http {
    include /etc/nginx/mime.types;
    client_body_temp_path %(d)s/body;
    proxy_temp_path %(d)s/proxy;
    fastcgi_temp_path %(d)s/fcgi;
    uwsgi_temp_path %(d)s/uwsgi;
    scgi_temp_path %(d)s/scgi;
    include %(conf)s;
}
""" % {"d": d, "conf": self_conf})
    return main


class NginxTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if shutil.which("nginx") is None and not os.path.exists("/usr/sbin/nginx"):
            raise unittest.SkipTest("nginx not installed (Debian package nginx)")
        cls.dir = hawktest.make_tmpdir("hawk-nginx-")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                        "-subj", "/CN=hawk.test", "-keyout", cls.dir + "/privkey.pem",
                        "-out", cls.dir + "/fullchain.pem"], check=True, capture_output=True)
        cls.web = os.path.join(cls.dir, "web")
        os.makedirs(cls.web + "/assets")
        with open(cls.web + "/index.html", "w") as f:
            f.write("<!doctype html><title>hawk</title><script src=/app/assets/app.js></script>")
        with open(cls.web + "/assets/app.js", "w") as f:
            f.write("console.log('hawk');\n" * 200)
        cls.pg = hawktest.PgCluster()
        cls.srv = hawktest.HawkServer(db_url=cls.pg.url,
                                      server_extra='trusted_proxies = ["127.0.0.1", "::1"];')

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop(expect_code=None)
        cls.srv.cleanup()
        cls.pg.destroy()
        shutil.rmtree(cls.dir, ignore_errors=True)

    def setUp(self):
        self.start_nginx(self.srv.port)

    def start_nginx(self, hawk_port):
        self.https = hawktest.free_port()
        self.http = hawktest.free_port()
        main = nginx_conf(self.dir, self.https, self.http, hawk_port, self.web)
        t = subprocess.run(["/usr/sbin/nginx", "-t", "-c", main, "-e", self.dir + "/error.log"],
                           capture_output=True, text=True)
        self.assertEqual(t.returncode, 0, t.stderr)
        self.nginx = subprocess.Popen(["/usr/sbin/nginx", "-c", main, "-e",
                                       self.dir + "/error.log"])
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.https), 0.2).close()
                break
            except OSError:
                time.sleep(0.05)

    def tearDown(self):
        self.nginx.send_signal(signal.SIGQUIT)
        self.nginx.wait(20)

    def req(self, method, path, body=None, headers=None, source="127.0.0.1"):
        c = SourceHTTPSConnection("127.0.0.1", self.https, source, timeout=30)
        try:
            c.request(method, path, body=body, headers=headers or {})
            r = c.getresponse()
            data = r.read()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, data
        finally:
            c.close()

    def hawk_lines(self, pred):
        return [l for l in self.srv.proc.log_lines() if pred(l)]

    def test_plain_http_redirects_to_https(self):
        c = http.client.HTTPConnection("127.0.0.1", self.http, timeout=10)
        c.request("GET", "/api/v1/user")
        r = c.getresponse()
        self.assertEqual(r.status, 301)
        self.assertTrue(r.getheader("Location").startswith("https://"))

    def test_api_through_nginx_with_request_id_and_client_address(self):
        email = "nginx-%d@example.test" % os.getpid()
        body = json.dumps({"email": email, "password": hawktest.PASSWORD})
        rid = "ngx-test-%d-abcdef" % os.getpid()
        # from 127.0.0.2, with a forged X-Forwarded-For that must not count
        st, h, _ = self.req("POST", "/api/v1/auth/register", body,
                            {"Content-Type": "application/json", "X-Request-ID": rid,
                             "X-Forwarded-For": "6.6.6.6"}, source="127.0.0.2")
        self.assertEqual(st, 201)
        self.assertEqual(h["x-request-id"], rid)
        self.assertEqual(h.get("strict-transport-security", "")[:8], "max-age=")
        st, h, data = self.req("POST", "/api/v1/auth/login", body,
                               {"Content-Type": "application/json"}, source="127.0.0.2")
        self.assertEqual(st, 200)
        token = json.loads(data)["access_token"]
        gen = h["x-request-id"]
        self.assertRegex(gen, r"^[0-9a-f]{32}$")  # nginx's own when none was sent
        st, h, data = self.req("GET", "/api/v1/user",
                               headers={"Authorization": "Bearer " + token}, source="127.0.0.2")
        self.assertEqual(st, 200)
        self.assertEqual(json.loads(data)["email"], email)
        time.sleep(0.3)
        for wanted in (rid, gen):
            lines = self.hawk_lines(lambda l: l.get("request_id") == wanted
                                    and "status" in l)
            self.assertEqual(len(lines), 1, wanted)
            self.assertEqual(lines[0]["remote"], "127.0.0.2")  # the client, not nginx
            with open(self.dir + "/hawk.access.log") as f:
                self.assertIn("rid=" + wanted, f.read())
        # straight to hawk from an untrusted peer: the header is ignored
        conn = http.client.HTTPConnection("127.0.0.1", self.srv.port, timeout=10,
                                          source_address=("127.0.0.3", 0))
        conn.request("GET", "/health", headers={"X-Forwarded-For": "6.6.6.6",
                                                "X-Request-ID": rid + "-direct"})
        conn.getresponse().read()
        conn.close()
        time.sleep(0.2)
        lines = self.hawk_lines(lambda l: l.get("request_id") == rid + "-direct" and "status" in l)
        self.assertEqual(lines[0]["remote"], "127.0.0.3")

    def test_body_limit_is_refused_by_nginx(self):
        rid = "ngx-big-%d-abcdef" % os.getpid()
        st, _, data = self.req("POST", "/api/v1/auth/login", b"x" * (2 << 20),
                               {"Content-Type": "application/json", "X-Request-ID": rid},
                               source="127.0.0.4")
        self.assertEqual(st, 413)
        time.sleep(0.2)
        self.assertEqual(self.hawk_lines(lambda l: l.get("request_id") == rid), [])

    def test_rate_limit_on_auth(self):
        codes = []
        for _ in range(12):
            st, _, _ = self.req("POST", "/api/v1/auth/login",
                                json.dumps({"email": "nobody@example.test", "password": "x" * 12}),
                                {"Content-Type": "application/json"}, source="127.0.0.5")
            codes.append(st)
        self.assertIn(429, codes)
        self.assertNotIn(429, codes[:5])  # the burst passes
        # other routes and other clients are not limited by it
        st, _, _ = self.req("GET", "/health", source="127.0.0.5")
        self.assertEqual(st, 200)
        st, _, _ = self.req("POST", "/api/v1/auth/login", "{}",
                            {"Content-Type": "application/json"}, source="127.0.0.6")
        self.assertNotEqual(st, 429)

    def test_web_pages_from_disk(self):
        st, h, data = self.req("GET", "/app/jobs/42")  # a page path: index.html
        self.assertEqual(st, 200)
        self.assertIn(b"<title>hawk</title>", data)
        self.assertIn("frame-ancestors 'none'", h["content-security-policy"])
        self.assertEqual(h["cache-control"], "no-cache")
        self.assertEqual(h["x-frame-options"], "DENY")
        st, h, data = self.req("GET", "/app/assets/app.js", headers={"Accept-Encoding": "gzip"})
        self.assertEqual(st, 200)
        self.assertEqual(h.get("content-encoding"), "gzip")
        self.assertIn(b"console.log", gzip.decompress(data))
        self.assertIn("immutable", h["cache-control"])
        st, _, _ = self.req("GET", "/metrics", source="127.0.0.7")
        self.assertEqual(st, 403)  # metrics stay inside

    def test_upstream_down_and_truthful_readiness(self):
        st, _, _ = self.req("GET", "/health/readiness")
        self.assertEqual(st, 200)
        self.pg.stop()
        try:
            deadline = time.time() + 20
            while time.time() < deadline:
                st, _, data = self.req("GET", "/health/readiness")
                if st == 503:
                    break
                time.sleep(0.3)
            self.assertEqual(st, 503)          # hawk's answer, passed through
            self.assertIn(b"database", data)
            st, _, _ = self.req("GET", "/health/liveness")
            self.assertEqual(st, 200)          # and nginx did not mark hawk down
        finally:
            self.pg.start()

    def test_upstream_down_gives_502(self):
        self.tearDown()
        self.start_nginx(hawktest.free_port())  # nothing listens there
        st, _, data = self.req("GET", "/health/readiness")
        self.assertEqual(st, 502)
        st, _, _ = self.req("GET", "/api/v1/user")
        self.assertEqual(st, 502)


if __name__ == "__main__":
    unittest.main()
