"""hawk backup beside a running `hawk serve` on the embedded PostgreSQL.

Every backup command opens the cluster the server started and must leave
it to the server: create, list and verify change nothing the server sees;
restore replaces the database under it, and the server goes on answering
from the restored data on the same postmaster.
"""

import json
import os
import time
import unittest

import hawktest
from test_embedded_pg import kill_embedded, postmaster_pid


def wait_until(fn, timeout=30.0, step=0.1):
    deadline = time.time() + timeout
    value = fn()
    while not value and time.time() < deadline:
        time.sleep(step)
        value = fn()
    return value


class BackupBesideServe(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = hawktest.HawkServer(db_url=None, start_timeout=180, extra_config=(
            'queue = { workers = 2; poll_interval = "200ms"; };'))
        cls.pg_dir = os.path.join(cls.srv.dir, "var", "pg")

    @classmethod
    def tearDownClass(cls):
        try:
            cls.srv.stop()
        finally:
            kill_embedded(cls.pg_dir)
            cls.srv.cleanup()

    def backup(self, *args):
        return hawktest.run_hawk(["-c", self.srv.config, "backup"] + list(args),
                                 env=self.srv.env, timeout=300)

    def user_status(self, token):
        st, _, _ = self.srv.request("GET", "/api/v1/user", token=token)
        return st

    def assert_serves(self, pid, token, after):
        self.assertEqual(postmaster_pid(self.pg_dir), pid, after)
        st, _, body = self.srv.request("GET", "/health")
        self.assertEqual((st, body.get("status")), (200, "ok"), "%s: %s" % (after, body))
        self.assertEqual(self.user_status(token), 200, after)

    def test_create_list_verify_restore_beside_serve(self):
        pid = postmaster_pid(self.pg_dir)
        self.assertIsNotNone(pid)
        before = self.srv.register_and_login(email="before@example.test")

        rc, out, err = self.backup("create", "--json")
        self.assertEqual(rc, 0, out + err)
        name = json.loads(out)["name"]
        self.assert_serves(pid, before["access_token"], "after hawk backup create")

        rc, out, err = self.backup("list", "--json")
        self.assertEqual(rc, 0, out + err)
        self.assertIn(name, out)
        rc, out, err = self.backup("verify", name)
        self.assertEqual(rc, 0, out + err)
        self.assert_serves(pid, before["access_token"], "after hawk backup verify")

        # an account made after the backup is gone once it is restored
        after = self.srv.register_and_login(email="after@example.test")
        self.assertEqual(self.user_status(after["access_token"]), 200)

        rc, out, err = self.backup("restore", name, "--yes")
        self.assertEqual(rc, 0, out + err)
        self.assertIn("restored", out)
        # the server's sessions were ended: it reconnects by itself
        self.assertTrue(wait_until(lambda: self.user_status(before["access_token"]) == 200),
                        "the server does not answer from the restored database")
        self.assert_serves(pid, before["access_token"], "after hawk backup restore")
        st, _, _ = self.srv.request("POST", "/api/v1/auth/login", json_body={
            "email": "after@example.test", "password": hawktest.PASSWORD})
        self.assertEqual(st, 401)
        st, _, _ = self.srv.request("POST", "/api/v1/auth/login", json_body={
            "email": "before@example.test", "password": hawktest.PASSWORD})
        self.assertEqual(st, 200)


if __name__ == "__main__":
    unittest.main()
