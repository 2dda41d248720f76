"""The embedded cluster belongs to the `hawk serve` that started it.

Against one running `hawk serve` with the embedded PostgreSQL: every
command that opens the same data dir (`migrate`, `user create-admin`,
`workflow run`, `worker`, `backup create`, a second `serve` whose port
is taken) leaves
the server's cluster running, and the server keeps answering.  Then the
postmaster is killed with SIGKILL under load: requests meanwhile get 503
with Retry-After (never a 500 or a dropped connection), /health says
"degraded" and liveness stays up, the server restarts its cluster (a log
line and a metric) and the queue finishes every task by itself.
"""

import json
import os
import shutil
import signal
import threading
import time
import unittest

import hawktest
from test_embedded_pg import alive, kill_embedded, postmaster_pid


def wait_until(fn, timeout=30.0, step=0.1):
    deadline = time.time() + timeout
    value = fn()
    while not value and time.time() < deadline:
        time.sleep(step)
        value = fn()
    return value


class EmbeddedOwnership(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.backups = hawktest.make_tmpdir("hawk-owner-bk-")
        cls.srv = hawktest.HawkServer(db_url=None, start_timeout=180, extra_config=(
            'queue = { workers = 2; poll_interval = "200ms"; };\n'
            'backup = { dir = "%s"; };' % cls.backups))
        cls.pg_dir = os.path.join(cls.srv.dir, "var", "pg")
        cls.auth = cls.srv.register_and_login()
        cls.token = cls.auth["access_token"]

    @classmethod
    def tearDownClass(cls):
        try:
            cls.srv.stop()
            # the server started the cluster, so its clean stop stops it
            assert postmaster_pid(cls.pg_dir) is None, "cluster left running"
        finally:
            kill_embedded(cls.pg_dir)
            cls.srv.cleanup()
            shutil.rmtree(cls.backups, ignore_errors=True)

    def assert_server_serves(self, pid, after):
        self.assertEqual(postmaster_pid(self.pg_dir), pid, after)
        self.assertTrue(alive(pid), after)
        st, _, body = self.srv.request("GET", "/health")
        self.assertEqual((st, body["status"], body["database"]), (200, "ok", "ok"),
                         after)
        st, _, body = self.srv.request("GET", "/api/v1/user", token=self.token)
        self.assertEqual(st, 200, "%s: %s" % (after, body))

    def test_commands_beside_serve_leave_its_cluster_running(self):
        pid = postmaster_pid(self.pg_dir)
        self.assertIsNotNone(pid)
        env = self.srv.env
        cfg = self.srv.config

        rc, out, err = hawktest.run_hawk(["migrate", "-c", cfg], env=env)
        self.assertEqual(rc, 0, err)
        self.assertIn("keeps running after this command", out)
        self.assert_server_serves(pid, "after hawk migrate")

        rc, out, err = hawktest.run_hawk(
            ["user", "create-admin", "--email", "owner-admin@example.test", "-c", cfg],
            env=env, input_text=hawktest.PASSWORD + "\n")
        self.assertEqual(rc, 0, err)
        self.assert_server_serves(pid, "after hawk user create-admin")

        wf = os.path.join(self.srv.dir, "hello.lua")
        with open(wf, "w") as f:
            f.write('function run()\n  hawk.log("hello", {})\nend\n')
        rc, out, err = hawktest.run_hawk(
            ["-c", cfg, "workflow", "run", wf, "--user", self.auth["email"],
             "--dry-run"], env=env)
        self.assertEqual(rc, 0, err)
        self.assert_server_serves(pid, "after hawk workflow run")

        w = hawktest.HawkProcess(["worker", "-c", cfg, "--workers", "1"], env=env)
        try:
            self.assertTrue(wait_until(lambda: any(
                "worker(s) started as" in l.get("msg", "") for l in w.log_lines())),
                w.stdout()[-3000:] + w.stderr()[-3000:])
            w.signal(signal.SIGTERM)
            self.assertEqual(w.wait(60), 0, w.stderr()[-3000:])
        finally:
            if w.proc.poll() is None:
                w.proc.kill()
                w.wait(10)
        self.assertIsNone(w.sanitizer_report())
        self.assert_server_serves(pid, "after hawk worker")

        rc, out, err = hawktest.run_hawk(["-c", cfg, "backup", "create", "--quiet"],
                                         env=env, timeout=300)
        self.assertEqual(rc, 0, err)
        self.assert_server_serves(pid, "after hawk backup create")

        # a second serve on the same port fails before it opens the database
        s2 = hawktest.HawkProcess(["serve", "-c", cfg], env=env)
        self.assertEqual(s2.wait(60), 1, s2.stderr())
        self.assertIn("Address already in use", s2.stderr())
        self.assertIn("set server.listen or HAWK_LISTEN to a free port", s2.stderr())
        self.assertNotIn("postgresql", s2.stdout().lower())
        self.assertIsNone(s2.sanitizer_report())
        self.assert_server_serves(pid, "after a second hawk serve")

    def test_postgres_output_never_reaches_stdout_raw(self):
        # every line hawk serve printed so far is one JSON log record
        for line in self.srv.proc.stdout().splitlines():
            self.assertTrue(line.startswith("{"), line)
            json.loads(line)
        self.assertNotIn("FATAL", self.srv.proc.stderr())
        self.assertTrue(os.path.getsize(os.path.join(self.pg_dir, "postgres.log")) > 0)

    def test_zz_kill9_postmaster_under_load(self):
        old = postmaster_pid(self.pg_dir)
        self.assertIsNotNone(old)
        stop = threading.Event()
        seen = {"api": [], "health": [], "liveness": [], "errors": []}

        def load():
            while not stop.is_set():
                try:
                    st, h, body = self.srv.request("GET", "/api/v1/user",
                                                   token=self.token, timeout=15)
                    seen["api"].append((st, h.get("retry-after")))
                except OSError as e:
                    seen["errors"].append(repr(e))

        def probes():
            while not stop.is_set():
                try:
                    st, _, body = self.srv.request("GET", "/health", timeout=15)
                    seen["health"].append((st, body.get("status")))
                    st, _, _ = self.srv.request("GET", "/health/liveness", timeout=15)
                    seen["liveness"].append(st)
                except OSError as e:
                    seen["errors"].append(repr(e))
                time.sleep(0.05)

        threads = [threading.Thread(target=load) for _ in range(3)]
        threads.append(threading.Thread(target=probes))
        for t in threads:
            t.start()
        tasks = []
        try:
            for _ in range(10):
                st, _, t = self.srv.request("POST", "/api/v1/tasks", token=self.token,
                                            json={"kind": "sleep", "payload": {"ms": 50}})
                self.assertEqual(st, 202, t)
                tasks.append(t["id"])
            time.sleep(0.5)
            os.kill(old, signal.SIGKILL)
            # down: /health says so while liveness stays the process's own
            self.assertTrue(wait_until(lambda: (503, "degraded") in seen["health"],
                                       timeout=20), seen["health"][-5:])
            self.assertTrue(wait_until(
                lambda: (postmaster_pid(self.pg_dir) or old) != old, timeout=60))
            self.assertTrue(wait_until(
                lambda: seen["health"] and seen["health"][-1] == (200, "ok"), timeout=60),
                seen["health"][-5:])
            # the queue goes on by itself: new tasks and the ones before
            for _ in range(10):
                st, _, t = self.srv.request("POST", "/api/v1/tasks", token=self.token,
                                            json={"kind": "sleep", "payload": {"ms": 50}})
                self.assertEqual(st, 202, t)
                tasks.append(t["id"])
        finally:
            stop.set()
            for t in threads:
                t.join(30)

        self.assertEqual(seen["errors"], [])
        self.assertTrue(all(st == 200 for st in seen["liveness"]), seen["liveness"])
        statuses = {st for st, _ in seen["api"]}
        self.assertTrue(statuses <= {200, 503}, statuses)
        self.assertIn(503, statuses)
        self.assertTrue(all(ra for st, ra in seen["api"] if st == 503))
        self.assertEqual(seen["api"][-1][0], 200)

        def state(tid):
            st, _, body = self.srv.request("GET", "/api/v1/tasks/%d" % tid, token=self.token)
            return body.get("state") if st == 200 else None

        for tid in tasks:
            self.assertTrue(wait_until(lambda: state(tid) == "done", timeout=60),
                            "task %d is %s" % (tid, state(tid)))

        msgs = [l.get("msg", "") for l in self.srv.proc.log_lines()]
        self.assertTrue(any("has stopped (its postmaster exited)" in m for m in msgs))
        self.assertTrue(any(m.startswith("embedded PostgreSQL restarted") for m in msgs))
        st, _, body = self.srv.request("GET", "/metrics")
        text = body.decode() if isinstance(body, bytes) else str(body)
        self.assertIn("hawk_db_embedded_restarts_total 1", text)


if __name__ == "__main__":
    unittest.main()
