"""Helpers for the platform integration tests (test_platform_*.py).

One PostgreSQL cluster and one `hawk serve` per test class; users are
created per test so tests stay independent.
"""

import os
import unittest
import uuid

import hawktest


def multipart(fields, boundary=None):
    """Builds a multipart/form-data body.

    fields: list of (name, value) or (name, (filename, bytes, content_type)).
    Returns (content_type, body bytes)."""
    boundary = boundary or ("hawk" + uuid.uuid4().hex)
    out = bytearray()
    for name, value in fields:
        out += b"--" + boundary.encode() + b"\r\n"
        if isinstance(value, tuple):
            filename, data, ctype = value
            out += ('Content-Disposition: form-data; name="%s"; filename="%s"\r\n'
                    % (name, filename)).encode()
            out += ("Content-Type: %s\r\n\r\n" % ctype).encode()
            out += data
        else:
            out += ('Content-Disposition: form-data; name="%s"\r\n\r\n' % name).encode()
            out += value.encode() if isinstance(value, str) else value
        out += b"\r\n"
    out += b"--" + boundary.encode() + b"--\r\n"
    return "multipart/form-data; boundary=" + boundary, bytes(out)


PDF = (b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n"
       b"trailer << /Root 1 0 R >>\n%%EOF\n")
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 56 + b"\x90" * 64

STRUCTURED = {
    "personal_information": {"name": "Ada", "surname": "Lovelace",
                             "email": "ada@example.test"},
    "experience_details": [{"position": "Analyst", "company": "Engine Co",
                            "employment_period": "1833 - 1843",
                            "key_responsibilities": ["Notes"],
                            "skills_acquired": ["math"]}],
    "skills": ["C", "Rust"],
}


class PlatformCase(unittest.TestCase):
    """Starts PostgreSQL and hawk once for the class."""

    extra_config = ""

    @classmethod
    def setUpClass(cls):
        cls.pg = hawktest.PgCluster()
        try:
            cls.srv = hawktest.HawkServer(db_url=cls.pg.url,
                                          extra_config=cls.extra_config)
        except Exception:
            cls.pg.destroy()
            raise

    @classmethod
    def tearDownClass(cls):
        try:
            cls.srv.stop()
        finally:
            cls.srv.cleanup()
            cls.pg.destroy()

    # -- helpers --------------------------------------------------------
    def user(self):
        """A new user: (token, user_id)."""
        auth = self.srv.register_and_login()
        uid = auth.get("user", {}).get("id")
        if uid is None:
            uid = int(self.pg.psql("SELECT id FROM users WHERE email = '%s'"
                                   % auth["email"]))
        return auth["access_token"], uid

    def admin(self):
        auth = self.srv.register_and_login()
        self.srv.make_admin(auth["email"])
        return self.srv.login(auth["email"])["access_token"]

    def set_plan(self, uid, name):
        """Moves a user to a plan directly in the database."""
        self.pg.psql("INSERT INTO subscriptions (user_id, plan_id, status) "
                     "SELECT %d, id, 'active' FROM plans WHERE name = '%s' "
                     "ON CONFLICT (user_id) DO UPDATE SET plan_id = EXCLUDED.plan_id, "
                     "status = 'active'" % (uid, name))

    def req(self, method, path, token=None, **kw):
        return self.srv.request(method, path, token=token, **kw)

    def ok(self, method, path, token=None, status=200, **kw):
        st, _, body = self.req(method, path, token, **kw)
        self.assertEqual(st, status, "%s %s -> %s %r" % (method, path, st, body))
        return body

    def assert_error(self, resp, status, code=None, field=None, contains=None):
        st, _, body = resp
        self.assertEqual(st, status, body)
        self.assertIsInstance(body, dict, body)
        err = body.get("error")
        self.assertIsInstance(err, dict, body)
        if code is not None:
            self.assertEqual(err.get("code"), code, body)
        if field is not None:
            self.assertEqual(err.get("field"), field, body)
        if contains is not None:
            self.assertIn(contains, err.get("message", ""), body)
        msg = err.get("message", "")
        self.assertTrue(msg and not msg.endswith("."), body)
        return err

    def count(self, sql):
        return int(self.pg.psql(sql))

    def manual_job(self, token, **fields):
        payload = {"title": "Engineer", "company": "Acme"}
        payload.update(fields)
        return self.ok("POST", "/api/v1/jobs", token, status=201, json=payload)

    def upload(self, token, fields):
        ctype, body = multipart(fields)
        return self.req("POST", "/api/v1/resumes/upload", token,
                        headers={"Content-Type": ctype}, body=body)


def raw_post_status(port, path, token, ctype, body):
    """POSTs with a raw socket and returns the status code, tolerating a
    server that answers (413) and closes before the whole body is sent."""
    import socket
    head = ("POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n"
            "Content-Type: %s\r\nContent-Length: %d\r\nConnection: close\r\n\r\n"
            % (path, token, ctype, len(body))).encode()
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    try:
        s.sendall(head)
        try:
            s.sendall(body)
        except (BrokenPipeError, ConnectionResetError):
            pass
        data = b""
        try:
            while b"\r\n" not in data:
                chunk = s.recv(4096)
                if not chunk:
                    break
                data += chunk
        except ConnectionResetError:
            pass
    finally:
        s.close()
    return int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/") else None


BAD_IDS = ["abc", "1.5", "-1", "0", "01", "99999999999999999999"]
