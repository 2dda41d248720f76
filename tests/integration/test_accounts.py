"""Accounts: registration, login, JWT access tokens, rotating refresh
tokens with reuse detection, the user's own profile, password changes,
login throttling, and `hawk user create-admin`.

Runs the real hawk binary against a private PostgreSQL.  Every bad input
asserts the error AND that nothing changed (row counts, unchanged fields).
"""

import base64
import hashlib
import hmac
import json
import os
import pty
import re
import statistics
import subprocess
import time
import unittest
import uuid

import hawktest

SECRET = "accounts-test-secret-" + "k" * 40
# Cheap argon2 parameters keep the suite fast; still large enough that one
# verify clearly dominates a login, which the timing test relies on.
AUTH_CONFIG = ('auth = { jwt_secret = "%s"; '
               'argon2 = { t_cost = 1; m_cost = "16MiB"; parallelism = 1; }; '
               'login_max_failures = 5; login_window = "15m"; };' % SECRET)
PW = hawktest.PASSWORD
REFRESH_RE = re.compile(r"^[A-Za-z0-9_-]{43}$")


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def make_jwt(header, payload, key=SECRET.encode(), alg=hashlib.sha256,
             sign=True):
    """A JWT from raw header/payload dicts, HMAC-signed with key."""
    h = b64url(json.dumps(header, separators=(",", ":")).encode())
    p = b64url(json.dumps(payload, separators=(",", ":")).encode())
    signing = ("%s.%s" % (h, p)).encode()
    sig = b64url(hmac.new(key, signing, alg).digest()) if sign else ""
    return "%s.%s.%s" % (h, p, sig)


def jwt_payload(token):
    return json.loads(b64url_decode(token.split(".")[1]))


def unique_email(tag="u"):
    return "%s%s@example.test" % (tag, uuid.uuid4().hex[:12])


# One cluster and one server for every class except DatabaseDownTest:
# tests use fresh emails, so they do not see each other's rows.
SHARED = {}


def setUpModule():
    SHARED["pg"] = hawktest.PgCluster()
    try:
        SHARED["srv"] = hawktest.HawkServer(db_url=SHARED["pg"].url,
                                            extra_config=AUTH_CONFIG)
    except Exception:
        SHARED["pg"].destroy()
        raise


def tearDownModule():
    try:
        SHARED["srv"].stop()
    finally:
        SHARED["srv"].cleanup()
        SHARED["pg"].destroy()


class AccountsBase(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.pg = SHARED["pg"]
        cls.srv = SHARED["srv"]

    # ---- helpers ----
    def req(self, *a, **kw):
        return self.srv.request(*a, **kw)

    def sql(self, q):
        return self.pg.psql(q)

    def sql_lit(self, s):
        return "'" + s.replace("'", "''") + "'"

    def user_count(self):
        return int(self.sql("SELECT count(*) FROM users"))

    def token_count(self):
        return int(self.sql("SELECT count(*) FROM refresh_tokens"))

    def user_row(self, email):
        return self.sql("SELECT username, first_name, last_name, is_admin, "
                        "review_before_submit, password_hash FROM users "
                        "WHERE email = %s" % self.sql_lit(email))

    def assert_error(self, resp, status, code, field=None, message=None):
        st, _, body = resp
        self.assertEqual(st, status, body)
        self.assertIsInstance(body, dict, body)
        self.assertIn("error", body)
        err = body["error"]
        self.assertEqual(err.get("code"), code, body)
        self.assertIsInstance(err.get("message"), str)
        self.assertTrue(err["message"], body)
        # House style: lower-case, no trailing period.
        self.assertEqual(err["message"][0], err["message"][0].lower(), body)
        self.assertFalse(err["message"].endswith("."), body)
        if field is not None:
            self.assertEqual(err.get("field"), field, body)
        if message is not None:
            self.assertEqual(err["message"], message, body)
        return err

    def register(self, email=None, password=PW, **fields):
        email = email or unique_email()
        body = {"email": email, "password": password}
        body.update(fields)
        st, _, out = self.req("POST", "/api/v1/auth/register", json=body)
        self.assertEqual(st, 201, out)
        return out["user"]

    def login(self, email, password=PW, status=200):
        st, hdrs, out = self.req("POST", "/api/v1/auth/login",
                                 json={"email": email, "password": password})
        self.assertEqual(st, status, out)
        return out

    def refresh(self, token):
        return self.req("POST", "/api/v1/auth/refresh",
                        json={"refresh_token": token})

    def get_user(self, access):
        return self.req("GET", "/api/v1/user", token=access)


class AccountFlowTest(AccountsBase):
    def test_register_login_profile_refresh_logout(self):
        users0 = self.user_count()
        email = "Alice.%s@Example.TEST" % uuid.uuid4().hex[:8]
        st, _, body = self.req("POST", "/api/v1/auth/register", json={
            "email": "  " + email + " ", "password": PW,
            "username": "alice_" + uuid.uuid4().hex[:6],
            "first_name": "Alice", "last_name": "Smith"})
        self.assertEqual(st, 201, body)
        user = body["user"]
        self.assertEqual(user["email"], email.lower())
        self.assertEqual(user["first_name"], "Alice")
        self.assertEqual(user["last_name"], "Smith")
        self.assertIs(user["is_admin"], False)
        self.assertIs(user["review_before_submit"], False)
        self.assertRegex(user["created_at"],
                         r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")
        self.assertEqual(set(user), {"id", "email", "username", "first_name",
                                     "last_name", "is_admin", "created_at",
                                     "review_before_submit"})
        self.assertNotIn("access_token", body)
        self.assertEqual(self.user_count(), users0 + 1)
        # Stored as an argon2id hash, never the password.
        row = self.user_row(email.lower())
        self.assertIn("$argon2id$v=19$m=16384,t=1,p=1$", row)
        self.assertNotIn(PW, row)

        # Login with a differently-cased email.
        auth = self.login(email.upper())
        self.assertEqual(auth["token_type"], "Bearer")
        self.assertEqual(auth["expires_in"], 900)
        self.assertRegex(auth["refresh_token"], REFRESH_RE)
        self.assertEqual(auth["user"]["id"], user["id"])
        claims = jwt_payload(auth["access_token"])
        self.assertEqual(str(claims["sub"]), str(user["id"]))
        self.assertIs(claims["adm"], False)
        self.assertEqual(claims["exp"] - claims["iat"], 900)
        hdr = json.loads(b64url_decode(auth["access_token"].split(".")[0]))
        self.assertEqual(hdr, {"alg": "HS256", "typ": "JWT"})
        # Only the SHA-256 of the refresh token is stored.
        digest = hashlib.sha256(auth["refresh_token"].encode()).hexdigest()
        self.assertEqual(self.sql(
            "SELECT count(*) FROM refresh_tokens WHERE token_hash = "
            "decode('%s', 'hex') AND user_id = %d" % (digest, user["id"])), "1")
        self.assertEqual(self.sql(
            "SELECT count(*) FROM refresh_tokens WHERE encode(token_hash, "
            "'escape') LIKE %s" % self.sql_lit("%" + auth["refresh_token"] + "%")),
            "0")

        st, _, me = self.get_user(auth["access_token"])
        self.assertEqual(st, 200, me)
        self.assertEqual(me, user)

        # PATCH: editable fields change, others stay.
        st, _, me2 = self.req("PATCH", "/api/v1/user", token=auth["access_token"],
                              json={"first_name": "Al", "last_name": None,
                                    "review_before_submit": True})
        self.assertEqual(st, 200, me2)
        self.assertEqual(me2["first_name"], "Al")
        self.assertIsNone(me2["last_name"])
        self.assertIs(me2["review_before_submit"], True)
        self.assertEqual(me2["username"], user["username"])
        self.assertEqual(me2["email"], user["email"])
        st, _, me3 = self.get_user(auth["access_token"])
        self.assertEqual(me3, me2)
        # An empty PATCH changes nothing.
        st, _, me4 = self.req("PATCH", "/api/v1/user", token=auth["access_token"],
                              json={})
        self.assertEqual((st, me4), (200, me2))

        # Refresh rotation: a new pair in the same family.
        r1 = auth["refresh_token"]
        st, _, rot = self.refresh(r1)
        self.assertEqual(st, 200, rot)
        r2 = rot["refresh_token"]
        self.assertRegex(r2, REFRESH_RE)
        self.assertNotEqual(r2, r1)
        self.assertEqual(rot["token_type"], "Bearer")
        self.assertEqual(rot["user"]["id"], user["id"])
        self.assertNotEqual(jwt_payload(rot["access_token"])["jti"], claims["jti"])
        st, _, _ = self.get_user(rot["access_token"])
        self.assertEqual(st, 200)
        fam = self.sql("SELECT count(DISTINCT family_id) || ':' || count(*) FROM "
                       "refresh_tokens WHERE user_id = %d" % user["id"])
        self.assertEqual(fam, "1:2")

        # Reuse of the rotated token: 401 token_reused, family revoked, and
        # the successor stops working too.
        self.assert_error(self.refresh(r1), 401, "token_reused")
        self.assertEqual(self.sql(
            "SELECT count(*) FROM refresh_tokens WHERE user_id = %d AND "
            "revoked_at IS NULL" % user["id"]), "0")
        err = self.assert_error(self.refresh(r2), 401, "token_reused")
        self.assertIn("log in again", err["message"])

        # Logout revokes the family: the token is dead afterwards.
        auth2 = self.login(email)
        st, _, body = self.req("POST", "/api/v1/auth/logout",
                               json={"refresh_token": auth2["refresh_token"]})
        self.assertEqual(st, 204, body)
        self.assertEqual(body, b"")
        st, _, body = self.refresh(auth2["refresh_token"])
        self.assertEqual(st, 401, body)
        # Logout is idempotent and says nothing about unknown tokens.
        st, _, _ = self.req("POST", "/api/v1/auth/logout",
                            json={"refresh_token": auth2["refresh_token"]})
        self.assertEqual(st, 204)
        st, _, _ = self.req("POST", "/api/v1/auth/logout",
                            json={"refresh_token": "x" * 43})
        self.assertEqual(st, 204)
        self.assertEqual(self.user_count(), users0 + 1)

    def test_change_password_revokes_other_sessions(self):
        email = self.register()["email"]
        s1 = self.login(email)
        s2 = self.login(email)
        new_pw = "a brand new passphrase"

        # Wrong current password: 401, nothing changes.
        before = self.user_row(email)
        tokens_live = self.sql("SELECT count(*) FROM refresh_tokens t JOIN users u "
                               "ON u.id = t.user_id WHERE u.email = %s AND "
                               "t.revoked_at IS NULL" % self.sql_lit(email))
        self.assert_error(self.req("POST", "/api/v1/user/change-password",
                                   token=s1["access_token"],
                                   json={"current_password": "not the password",
                                         "new_password": new_pw}),
                          401, "invalid_credentials")
        # Too-short new password: 400 naming the field, nothing changes.
        self.assert_error(self.req("POST", "/api/v1/user/change-password",
                                   token=s1["access_token"],
                                   json={"current_password": PW,
                                         "new_password": "short"}),
                          400, "invalid_field", field="new_password",
                          message="password must be at least 10 characters")
        self.assert_error(self.req("POST", "/api/v1/user/change-password",
                                   token=s1["access_token"],
                                   json={"current_password": PW}),
                          400, "invalid_field", field="new_password")
        self.assert_error(self.req("POST", "/api/v1/user/change-password",
                                   token=s1["access_token"],
                                   json={"current_password": PW,
                                         "new_password": new_pw, "x": 1}),
                          400, "invalid_field", field="x")
        st, _, _ = self.req("POST", "/api/v1/user/change-password",
                            json={"current_password": PW, "new_password": new_pw})
        self.assertEqual(st, 401)
        self.assertEqual(self.user_row(email), before)
        self.assertEqual(self.sql("SELECT count(*) FROM refresh_tokens t JOIN users u "
                                  "ON u.id = t.user_id WHERE u.email = %s AND "
                                  "t.revoked_at IS NULL" % self.sql_lit(email)),
                         tokens_live)
        self.login(email)  # old password still works

        st, _, out = self.req("POST", "/api/v1/user/change-password",
                              token=s1["access_token"],
                              json={"current_password": PW, "new_password": new_pw})
        self.assertEqual(st, 200, out)
        self.assertRegex(out["refresh_token"], REFRESH_RE)
        self.assertEqual(out["user"]["email"], email)
        # The fresh pair works; every earlier refresh token is dead.
        st, _, _ = self.get_user(out["access_token"])
        self.assertEqual(st, 200)
        for old in (s1["refresh_token"], s2["refresh_token"]):
            st, _, body = self.refresh(old)
            self.assertEqual(st, 401, body)
        st, _, body = self.refresh(out["refresh_token"])
        self.assertEqual(st, 200, body)
        # Old password refused, new one accepted.
        self.assert_error(self.req("POST", "/api/v1/auth/login",
                                   json={"email": email, "password": PW}),
                          401, "invalid_credentials")
        self.login(email, new_pw)


class RegisterValidationTest(AccountsBase):
    def check_refused(self, resp, status, code, field=None, message=None):
        self.assert_error(resp, status, code, field, message)

    def test_bad_register_inputs_change_nothing(self):
        existing = self.register(username="taken_" + uuid.uuid4().hex[:6])
        n0 = self.user_count()
        ok = {"email": unique_email(), "password": PW}
        url = "/api/v1/auth/register"

        cases = [
            (dict(body=b'{"email":', headers={"Content-Type": "application/json"}),
             400, "invalid_json", None),
            (dict(body=b'["a", "b"]', headers={"Content-Type": "application/json"}),
             400, "invalid_json", None),
            (dict(body=b'', headers={"Content-Type": "application/json"}),
             400, "invalid_json", None),
            (dict(body=json.dumps(ok).encode(), headers={"Content-Type": "text/plain"}),
             415, "unsupported_media_type", None),
            (dict(json={"password": PW}), 400, "invalid_field", "email"),
            (dict(json={"email": unique_email()}), 400, "invalid_field", "password"),
            (dict(json={"email": 42, "password": PW}), 400, "invalid_field", "email"),
            (dict(json={"email": unique_email(), "password": 1234567890}),
             400, "invalid_field", "password"),
            (dict(json={"email": None, "password": PW}), 400, "invalid_field", "email"),
            (dict(json=dict(ok, is_admin=True)), 400, "invalid_field", "is_admin"),
            (dict(json=dict(ok, id=1)), 400, "invalid_field", "id"),
            (dict(json={"email": "not-an-email", "password": PW}),
             400, "invalid_field", "email"),
            (dict(json={"email": "a@b", "password": PW}), 400, "invalid_field", "email"),
            (dict(json={"email": "x" * 250 + "@example.test", "password": PW}),
             400, "invalid_field", "email"),
            (dict(json={"email": unique_email(), "password": "123456789"}),
             400, "invalid_field", "password"),
            (dict(json={"email": unique_email(), "password": "x" * 1025}),
             400, "invalid_field", "password"),
            (dict(json={"email": unique_email(), "password": "abcdefghij\u0000k"}),
             400, "invalid_field", "password"),
            (dict(json=dict(ok, username="a b c")), 400, "invalid_field", "username"),
            (dict(json=dict(ok, username="ab")), 400, "invalid_field", "username"),
            (dict(json=dict(ok, username="x" * 33)), 400, "invalid_field", "username"),
            (dict(json=dict(ok, username=7)), 400, "invalid_field", "username"),
            (dict(json=dict(ok, first_name="y" * 101)), 400, "invalid_field", "first_name"),
            (dict(json=dict(ok, last_name=["x"])), 400, "invalid_field", "last_name"),
        ]
        for kw, status, code, field in cases:
            with self.subTest(kw=str(kw)[:120]):
                self.check_refused(self.req("POST", url, **kw), status, code, field)
        self.assertEqual(self.user_count(), n0)
        self.assertEqual(self.sql("SELECT count(*) FROM users WHERE email = %s"
                                  % self.sql_lit(ok["email"])), "0")

        # The exact message for a short password.
        self.check_refused(self.req("POST", url, json={"email": unique_email(),
                                                      "password": "short"}),
                           400, "invalid_field", "password",
                           "password must be at least 10 characters")

        # Oversized body: 413 before any parsing.
        big = {"email": unique_email(), "password": PW, "first_name": "z" * 40000}
        st, _, body = self.req("POST", url, json=big)
        self.assertEqual(st, 413, body)
        self.assertEqual(body["error"]["code"], "payload_too_large")

        # Duplicates: 409, whatever the case of the email or username.
        self.check_refused(self.req("POST", url, json={
            "email": existing["email"].upper(), "password": PW}), 409, "email_taken")
        self.check_refused(self.req("POST", url, json={
            "email": unique_email(), "password": PW,
            "username": existing["username"].upper()}), 409, "username_taken")
        self.assertEqual(self.user_count(), n0)

    def test_bad_login_inputs(self):
        email = self.register()["email"]
        url = "/api/v1/auth/login"
        cases = [
            (dict(body=b'{"email":1', headers={"Content-Type": "application/json"}),
             400, "invalid_json", None),
            (dict(body=b'"str"', headers={"Content-Type": "application/json"}),
             400, "invalid_json", None),
            (dict(body=b'email=a&password=b',
                  headers={"Content-Type": "application/x-www-form-urlencoded"}),
             415, "unsupported_media_type", None),
            (dict(json={"email": email}), 400, "invalid_field", "password"),
            (dict(json={"password": PW}), 400, "invalid_field", "email"),
            (dict(json={"email": email, "password": True}), 400, "invalid_field", "password"),
            (dict(json={"email": email, "password": PW, "remember": True}),
             400, "invalid_field", "remember"),
            (dict(json={"email": "nope", "password": PW}), 400, "invalid_field", "email"),
        ]
        tokens0 = self.token_count()
        for kw, status, code, field in cases:
            with self.subTest(kw=str(kw)[:120]):
                self.assert_error(self.req("POST", url, **kw), status, code, field)
        # Nothing issued, and malformed requests are not counted as
        # failed logins.
        self.assertEqual(self.token_count(), tokens0)
        self.assertEqual(self.sql("SELECT count(*) FROM login_attempts WHERE "
                                  "email = %s" % self.sql_lit(email)), "0")
        self.login(email)


class TokenTest(AccountsBase):
    def test_access_token_rejections(self):
        user = self.register()
        uid = user["id"]
        other = self.register()
        now = int(time.time())
        good = {"sub": str(uid), "adm": False, "iat": now, "exp": now + 600,
                "jti": "t1"}
        hdr = {"alg": "HS256", "typ": "JWT"}

        # Sanity: a token crafted with the configured secret is accepted,
        # so the rejections below are about what they change.
        st, _, body = self.get_user(make_jwt(hdr, good))
        self.assertEqual(st, 200, body)
        self.assertEqual(body["id"], uid)

        def unauthorized(token=None, headers=None, reason=None):
            st, h, body = self.req("GET", "/api/v1/user", token=token, headers=headers)
            self.assertEqual(st, 401, body)
            self.assertEqual(body["error"]["code"], "unauthorized")
            if reason:
                self.assertEqual(body["error"]["message"], reason)
            self.assertNotIn("email", json.dumps(body))

        unauthorized(reason="missing bearer token")
        unauthorized(headers={"Authorization": "Basic dXNlcjpwYXNz"},
                     reason="missing bearer token")
        unauthorized(headers={"Authorization": "Bearer"}, reason="missing bearer token")
        unauthorized(make_jwt(hdr, dict(good, exp=now - 5)), reason="token expired")
        unauthorized(make_jwt(hdr, dict(good, exp=now)), reason="token expired")
        # Tampered payload: claims another user, keeps the signature.
        tok = make_jwt(hdr, good)
        evil = make_jwt(hdr, dict(good, sub=str(other["id"]), adm=True))
        forged = ".".join(evil.split(".")[:2] + [tok.split(".")[2]])
        unauthorized(forged, reason="invalid token")
        # Tampered signature.
        h, p, s = tok.split(".")
        unauthorized("%s.%s.%s" % (h, p, ("A" if s[0] != "A" else "B") + s[1:]),
                     reason="invalid token")
        # alg=none without a signature, and HS512 with a valid HMAC.
        unauthorized(make_jwt({"alg": "none", "typ": "JWT"}, good, sign=False),
                     reason="invalid token")
        unauthorized(make_jwt({"alg": "HS512", "typ": "JWT"}, good, alg=hashlib.sha512),
                     reason="invalid token")
        unauthorized(make_jwt(hdr, good, key=b"another secret entirely......"),
                     reason="invalid token")
        unauthorized("a.b", reason="invalid token")
        unauthorized("x" * 5000, reason="invalid token")
        unauthorized(make_jwt(hdr, dict(good, sub="abc")), reason="invalid token")
        # The user the forged token named was not touched.
        st, _, body = self.get_user(make_jwt(hdr, dict(good, sub=str(other["id"]))))
        self.assertEqual((st, body["is_admin"]), (200, False))

    def test_token_of_deleted_user(self):
        user = self.register()
        auth = self.login(user["email"])
        self.sql("DELETE FROM users WHERE id = %d" % user["id"])
        st, _, body = self.get_user(auth["access_token"])
        self.assertEqual(st, 401, body)
        # The refresh tokens went with the user (ON DELETE CASCADE).
        self.assert_error(self.refresh(auth["refresh_token"]), 401, "invalid_token")

    def test_refresh_bad_inputs(self):
        email = self.register()["email"]
        auth = self.login(email)
        n0 = self.token_count()
        url = "/api/v1/auth/refresh"
        self.assert_error(self.req("POST", url, json={}), 400, "invalid_field",
                          "refresh_token")
        self.assert_error(self.req("POST", url, json={"refresh_token": 5}), 400,
                          "invalid_field", "refresh_token")
        self.assert_error(self.req("POST", url, json={"refresh_token": auth["refresh_token"],
                                                      "extra": 1}),
                          400, "invalid_field", "extra")
        self.assert_error(self.req("POST", url, body=b"{", headers={
            "Content-Type": "application/json"}), 400, "invalid_json")
        self.assert_error(self.refresh("A" * 43), 401, "invalid_token")
        self.assert_error(self.refresh("not a token"), 401, "invalid_token")
        self.assert_error(self.refresh(auth["refresh_token"] + "x"), 401, "invalid_token")
        self.assertEqual(self.token_count(), n0)
        # None of that spent or revoked the real token.
        st, _, rot = self.refresh(auth["refresh_token"])
        self.assertEqual(st, 200, rot)

        # An expired refresh token: 401 token_expired, family untouched.
        digest = hashlib.sha256(rot["refresh_token"].encode()).hexdigest()
        self.sql("UPDATE refresh_tokens SET expires_at = now() - interval '1 second' "
                 "WHERE token_hash = decode('%s', 'hex')" % digest)
        self.assert_error(self.refresh(rot["refresh_token"]), 401, "token_expired")
        self.assertEqual(self.sql("SELECT rotated_at IS NULL AND revoked_at IS NULL "
                                  "FROM refresh_tokens WHERE token_hash = "
                                  "decode('%s', 'hex')" % digest), "t")

    def test_deactivated_user(self):
        email = self.register()["email"]
        auth = self.login(email)
        self.sql("UPDATE users SET is_active = false WHERE email = %s" % self.sql_lit(email))
        # Same answer as a wrong password.
        self.assert_error(self.req("POST", "/api/v1/auth/login",
                                   json={"email": email, "password": PW}),
                          401, "invalid_credentials",
                          message="email or password is incorrect, check both and "
                                  "try again")
        self.assert_error(self.refresh(auth["refresh_token"]), 401, "invalid_token")
        st, _, _ = self.get_user(auth["access_token"])
        self.assertEqual(st, 401)


class PatchTest(AccountsBase):
    def test_patch_refusals_change_nothing(self):
        taken = self.register(username="holder_" + uuid.uuid4().hex[:6])
        user = self.register(username="me_" + uuid.uuid4().hex[:6], first_name="Me")
        auth = self.login(user["email"])
        tok = auth["access_token"]
        row0 = self.user_row(user["email"])

        for field, value in (("is_admin", True), ("email", "new@example.test"),
                             ("id", 1), ("password", "new password 123"),
                             ("created_at", "2020-01-01T00:00:00Z"),
                             ("is_active", False)):
            with self.subTest(field=field):
                self.assert_error(
                    self.req("PATCH", "/api/v1/user", token=tok,
                             json={field: value, "first_name": "Changed"}),
                    400, "invalid_field", field,
                    "field '%s' cannot be changed" % field)
        for body, field in (({"favourite_colour": "blue"}, "favourite_colour"),
                            ({"review_before_submit": "yes"}, "review_before_submit"),
                            ({"review_before_submit": None}, "review_before_submit"),
                            ({"first_name": 3}, "first_name"),
                            ({"username": "bad name"}, "username"),
                            ({"username": "x"}, "username"),
                            ({"last_name": "q" * 101}, "last_name")):
            with self.subTest(body=body):
                self.assert_error(self.req("PATCH", "/api/v1/user", token=tok, json=body),
                                  400, "invalid_field", field)
        self.assert_error(self.req("PATCH", "/api/v1/user", token=tok,
                                   json={"username": taken["username"].upper()}),
                          409, "username_taken")
        self.assert_error(self.req("PATCH", "/api/v1/user", token=tok, body=b"[]",
                                   headers={"Content-Type": "application/json"}),
                          400, "invalid_json")
        self.assert_error(self.req("PATCH", "/api/v1/user", token=tok, body=b"{}",
                                   headers={"Content-Type": "text/plain"}),
                          415, "unsupported_media_type")
        st, _, _ = self.req("PATCH", "/api/v1/user", json={"first_name": "Anon"})
        self.assertEqual(st, 401)
        self.assertEqual(self.user_row(user["email"]), row0)
        st, _, me = self.get_user(tok)
        self.assertEqual(me, user)

        # Clearing the username frees it.
        st, _, me = self.req("PATCH", "/api/v1/user", token=tok, json={"username": None})
        self.assertEqual((st, me["username"]), (200, None))


class ThrottleTest(AccountsBase):
    def attempts(self, email):
        return int(self.sql("SELECT count(*) FROM login_attempts WHERE email = %s"
                            % self.sql_lit(email)))

    def test_five_failures_then_429(self):
        email = self.register()["email"]
        for i in range(5):
            self.assert_error(self.req("POST", "/api/v1/auth/login",
                                       json={"email": email, "password": "wrong pass %d" % i}),
                              401, "invalid_credentials")
        self.assertEqual(self.attempts(email), 5)
        # Blocked, even with the right password; blocked tries not counted.
        st, hdrs, body = self.req("POST", "/api/v1/auth/login",
                                  json={"email": email, "password": PW})
        self.assertEqual(st, 429, body)
        self.assertEqual(body["error"]["code"], "too_many_attempts")
        retry = int(hdrs["retry-after"])
        self.assertTrue(800 <= retry <= 900, retry)
        self.assertEqual(self.attempts(email), 5)
        self.assertEqual(self.sql("SELECT count(*) FROM refresh_tokens t JOIN users u "
                                  "ON u.id = t.user_id WHERE u.email = %s"
                                  % self.sql_lit(email)), "0")

        # Once the failures leave the window the right password works, and
        # success clears the counter.
        self.sql("UPDATE login_attempts SET attempted_at = attempted_at - "
                 "interval '16 minutes' WHERE email = %s" % self.sql_lit(email))
        self.login(email)
        self.assertEqual(self.attempts(email), 0)

    def test_retry_after_tracks_oldest_failure(self):
        email = self.register()["email"]
        # Five failures spread back in time: the oldest leaves first.
        self.sql("INSERT INTO login_attempts (email, ip, attempted_at) SELECT %s, "
                 "'127.0.0.1', now() - (g || ' minutes')::interval FROM "
                 "generate_series(2, 10, 2) g" % self.sql_lit(email))
        st, hdrs, body = self.req("POST", "/api/v1/auth/login",
                                  json={"email": email, "password": PW})
        self.assertEqual(st, 429, body)
        self.assertTrue(295 <= int(hdrs["retry-after"]) <= 301, hdrs["retry-after"])
        # Another IP is not blocked.
        self.sql("UPDATE login_attempts SET ip = '10.9.8.7' WHERE email = %s"
                 % self.sql_lit(email))
        self.login(email)

    def test_unknown_email_same_shape(self):
        email = unique_email("ghost")
        known = self.register()["email"]
        shapes = []
        for i in range(5):
            st, _, a = self.req("POST", "/api/v1/auth/login",
                                json={"email": email, "password": "whatever pw %d" % i})
            st2, _, b = self.req("POST", "/api/v1/auth/login",
                                 json={"email": known, "password": "whatever pw %d" % i})
            self.assertEqual((st, st2), (401, 401))
            self.assertEqual(a, b)
            shapes.append(a)
        st, hdrs, body = self.req("POST", "/api/v1/auth/login",
                                  json={"email": email, "password": "x" * 12})
        st2, hdrs2, body2 = self.req("POST", "/api/v1/auth/login",
                                     json={"email": known, "password": "x" * 12})
        self.assertEqual((st, st2), (429, 429))
        self.assertEqual(body["error"]["code"], body2["error"]["code"])
        self.assertIn("retry-after", hdrs)
        self.assertIn("retry-after", hdrs2)
        self.assertEqual(self.sql("SELECT count(*) FROM users WHERE email = %s"
                                  % self.sql_lit(email)), "0")

    def test_timing_unknown_vs_wrong_password(self):
        known = [self.register()["email"] for _ in range(2)]

        def timed(email):
            t0 = time.perf_counter()
            st, _, _ = self.req("POST", "/api/v1/auth/login",
                                json={"email": email, "password": "not it at all"})
            dt = time.perf_counter() - t0
            self.assertEqual(st, 401)
            return dt

        # Warm up connections and statement caches.
        timed(unique_email("warm"))
        unknown_t, wrong_t = [], []
        for i in range(8):  # 4 tries per known user stays under the limit
            wrong_t.append(timed(known[i % 2]))
            unknown_t.append(timed(unique_email("nobody")))
        ratio = statistics.median(unknown_t) / statistics.median(wrong_t)
        self.assertTrue(0.5 <= ratio <= 2.0,
                        "unknown/wrong median ratio %.2f (%s vs %s)"
                        % (ratio, unknown_t, wrong_t))


class CreateAdminTest(AccountsBase):
    def cli(self, args, input_text=None):
        return hawktest.run_hawk(["user", "create-admin"] + args +
                                 ["-c", self.srv.config],
                                 env=self.srv.env, input_text=input_text)

    def test_create_admin_with_password_on_stdin(self):
        email = unique_email("admin")
        rc, out, err = self.cli(["--email", email], input_text="admin password 123\n")
        self.assertEqual(rc, 0, err)
        self.assertNotIn("admin password 123", out + err)
        auth = self.login(email, "admin password 123")
        self.assertIs(auth["user"]["is_admin"], True)
        self.assertIs(jwt_payload(auth["access_token"])["adm"], True)

    def test_promote_existing_user(self):
        email = self.register()["email"]
        n0 = self.user_count()
        rc, out, err = self.cli(["--email", email.upper(), "--password-stdin"],
                                input_text="promoted password 1\n")
        self.assertEqual(rc, 0, err)
        self.assertEqual(self.user_count(), n0)
        auth = self.login(email, "promoted password 1")
        self.assertIs(auth["user"]["is_admin"], True)

    def test_bad_invocations_change_nothing(self):
        n0 = self.user_count()
        email = unique_email("bad")
        for args, stdin in ((["--email", "not-an-email"], "good password 123\n"),
                            (["--email", email], "short\n"),
                            (["--email", email, "--password-stdin"], ""),
                            ([], "good password 123\n"),
                            (["--email", email, "--bogus"], "good password 123\n")):
            with self.subTest(args=args):
                rc, out, err = self.cli(args, input_text=stdin)
                self.assertEqual(rc, 2, (out, err))
                self.assertTrue(err.strip(), "no message on stderr")
        self.assertEqual(self.user_count(), n0)

    def test_generated_password_on_a_terminal(self):
        email = unique_email("gen")
        master, slave = pty.openpty()
        try:
            env = dict(os.environ)
            env.update(self.srv.env)
            p = subprocess.run([hawktest.BIN, "user", "create-admin", "--email", email,
                                "-c", self.srv.config], stdin=slave,
                               capture_output=True, text=True, env=env, timeout=120)
        finally:
            os.close(slave)
            os.close(master)
        self.assertEqual(p.returncode, 0, p.stderr)
        m = re.search(r"password: (\S+)", p.stdout)
        self.assertIsNotNone(m, p.stdout)
        self.assertGreaterEqual(len(m.group(1)), 20)
        auth = self.login(email, m.group(1))
        self.assertIs(auth["user"]["is_admin"], True)


class DatabaseDownTest(unittest.TestCase):
    """With PostgreSQL stopped the accounts routes answer 503, and they
    recover once it is back."""

    @classmethod
    def setUpClass(cls):
        cls.pg = hawktest.PgCluster()
        try:
            cls.srv = hawktest.HawkServer(db_url=cls.pg.url, extra_config=AUTH_CONFIG)
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

    def test_503_then_recovery(self):
        auth = self.srv.register_and_login()
        self.pg.stop()
        try:
            for method, path, body, tok in (
                    ("POST", "/api/v1/auth/login",
                     {"email": auth["email"], "password": PW}, None),
                    ("POST", "/api/v1/auth/register",
                     {"email": unique_email(), "password": PW}, None),
                    ("POST", "/api/v1/auth/refresh",
                     {"refresh_token": auth["refresh_token"]}, None),
                    ("GET", "/api/v1/user", None, auth["access_token"])):
                with self.subTest(path=path):
                    st, hdrs, out = self.srv.request(method, path, json=body, token=tok)
                    self.assertEqual(st, 503, out)
                    self.assertEqual(out["error"]["code"], "unavailable")
        finally:
            self.pg.start()
        deadline = time.time() + 30
        while True:
            st, _, out = self.srv.request("GET", "/api/v1/user",
                                          token=auth["access_token"])
            if st == 200 or time.time() > deadline:
                break
            time.sleep(0.3)
        self.assertEqual(st, 200, out)
        st, _, out = self.srv.request("POST", "/api/v1/auth/refresh",
                                      json={"refresh_token": auth["refresh_token"]})
        self.assertEqual(st, 200, out)


if __name__ == "__main__":
    unittest.main()
