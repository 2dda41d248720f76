"""`hawk migrate` against the embedded cluster and an external server.

Covers what the C tests cannot do through the binary: the embedded cluster
made, migrated and stopped by `hawk migrate`; an external server that is
down (fast, clear failure) and back (works again); concurrent `hawk
migrate` processes serializing on the advisory lock.
"""

import glob
import os
import shutil
import signal
import threading
import time
import unittest

import hawktest

MIGRATIONS = sorted(glob.glob(os.path.join(hawktest.SRC, "core", "src", "db",
                                           "migrations", "*.sql")))


def migrate(cfg, timeout=180):
    return hawktest.run_hawk(["migrate", "-c", cfg], timeout=timeout)


def applied_lines(stdout):
    """Names from the "migration applied" log lines of a run."""
    names = []
    for line in stdout.splitlines():
        line = line.strip()
        if '"migration applied"' in line:
            names.append(line)
    return names


def wired(command):
    """A subcommand exists once main.c dispatches it."""
    try:
        with open(os.path.join(hawktest.SRC, "core", "src", "main.c")) as f:
            return '"%s"' % command in f.read() and os.path.exists(hawktest.BIN)
    except OSError:
        return False


def migrate_wired():
    return wired("migrate")


def kill_embedded(pg_dir):
    """SIGKILLs an embedded postmaster left behind by a failed test."""
    pid_file = os.path.join(pg_dir, "data", "postmaster.pid")
    if not os.path.exists(pid_file):
        return
    with open(pid_file) as f:
        first = f.readline().strip()
    try:
        os.kill(int(first), signal.SIGKILL)
    except (OSError, ValueError):
        pass
    time.sleep(0.5)


def alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def postmaster_pid(pg_dir):
    try:
        with open(os.path.join(pg_dir, "data", "postmaster.pid")) as f:
            return int(f.readline())
    except (OSError, ValueError):
        return None


def wait_status(srv, path, want, timeout=30):
    """Polls path until it answers `want`; returns the last (status, body)."""
    deadline = time.time() + timeout
    status, body = None, None
    while time.time() < deadline:
        try:
            status, _, body = srv.request("GET", path, timeout=5)
            if status == want:
                break
        except OSError:
            pass
        time.sleep(0.2)
    return status, body


@unittest.skipUnless(migrate_wired(), "hawk migrate is not dispatched by main.c yet")
class EmbeddedMigrate(unittest.TestCase):
    def setUp(self):
        self.dir = hawktest.make_tmpdir("hawk-emb-")
        self.cfg = hawktest.write_config(self.dir, hawktest.free_port())
        self.pg = os.path.join(self.dir, "var", "pg")

    def tearDown(self):
        kill_embedded(self.pg)  # never leave a server behind
        shutil.rmtree(self.dir, ignore_errors=True)

    def test_first_run_creates_migrates_and_stops(self):
        rc, out, err = migrate(self.cfg)
        self.assertEqual(rc, 0, out + err)
        self.assertTrue(os.path.exists(os.path.join(self.pg, "data", "PG_VERSION")))
        self.assertEqual(os.stat(os.path.join(self.pg, "run")).st_mode & 0o777, 0o700)
        self.assertEqual(len(applied_lines(out)), len(MIGRATIONS), out)
        # the cluster is stopped again when migrate exits
        self.assertFalse(os.path.exists(os.path.join(self.pg, "data", "postmaster.pid")))

        # second run: same cluster, nothing to apply
        rc, out, err = migrate(self.cfg)
        self.assertEqual(rc, 0, out + err)
        self.assertEqual(applied_lines(out), [], out)
        self.assertFalse(os.path.exists(os.path.join(self.pg, "data.init")))


@unittest.skipUnless(migrate_wired(), "hawk migrate is not dispatched by main.c yet")
class ExternalMigrate(unittest.TestCase):
    def setUp(self):
        self.pg = hawktest.PgCluster()
        self.dir = hawktest.make_tmpdir("hawk-ext-")
        # a short connect_timeout bounds how long migrate waits for a
        # server that is down
        self.cfg = hawktest.write_config(
            self.dir, hawktest.free_port(),
            extra_config='database = { url = "%s"; connect_timeout = "500ms"; };'
            % self.pg.url)

    def tearDown(self):
        self.pg.destroy()
        shutil.rmtree(self.dir, ignore_errors=True)

    def count(self):
        return int(self.pg.psql("SELECT count(*) FROM schema_migrations"))

    def test_migrate_is_idempotent(self):
        rc, out, err = migrate(self.cfg)
        self.assertEqual(rc, 0, out + err)
        self.assertEqual(self.count(), len(MIGRATIONS))
        rc, out, err = migrate(self.cfg)
        self.assertEqual(rc, 0, out + err)
        self.assertEqual(applied_lines(out), [])
        self.assertEqual(self.count(), len(MIGRATIONS))
        # no embedded cluster was made when a url is configured
        self.assertFalse(os.path.exists(os.path.join(self.dir, "var", "pg")))

    def test_server_down_fails_fast_then_recovers(self):
        self.pg.stop()
        t0 = time.time()
        rc, out, err = migrate(self.cfg, timeout=60)
        took = time.time() - t0
        self.assertNotEqual(rc, 0)
        self.assertLess(took, 20)
        self.assertIn("database unreachable", err)
        self.assertEqual(applied_lines(out), [])
        self.pg.start()
        rc, out, err = migrate(self.cfg)
        self.assertEqual(rc, 0, out + err)
        self.assertEqual(self.count(), len(MIGRATIONS))

    def test_concurrent_migrates_serialize(self):
        results = []

        def run():
            results.append(migrate(self.cfg))

        threads = [threading.Thread(target=run) for _ in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for rc, out, err in results:
            self.assertEqual(rc, 0, out + err)
        self.assertEqual(sum(len(applied_lines(out)) for _, out, _ in results),
                         len(MIGRATIONS))
        self.assertEqual(self.count(), len(MIGRATIONS))


@unittest.skipUnless(wired("serve"), "hawk serve is not dispatched by main.c yet")
class ServeReconnects(unittest.TestCase):
    """hawk serve keeps working across database restarts."""

    def test_external_server_restart(self):
        pg = hawktest.PgCluster()
        srv = None
        try:
            srv = hawktest.HawkServer(db_url=pg.url)
            status, body = wait_status(srv, "/health/readiness", 200)
            self.assertEqual(status, 200, body)
            for _ in range(3):
                srv.register_and_login()
            status, body = wait_status(srv, "/health/readiness", 200)
            self.assertGreaterEqual(body["database"]["pool_connections"], 1)

            # restart under it: every pooled connection is now dead, and the
            # first requests after it are served on fresh ones, not failed
            pg.stop()
            pg.start()
            for _ in range(3):
                self.assertIn("access_token", srv.register_and_login())

            # while the server is down: not ready, and requests get 503
            pg.stop()
            status, body = wait_status(srv, "/health/readiness", 503, timeout=15)
            self.assertEqual(status, 503, body)
            self.assertEqual(body["reason"], "database unavailable")
            status, _, _ = srv.request("POST", "/api/v1/auth/login",
                                       json={"email": "x@example.test",
                                             "password": hawktest.PASSWORD})
            self.assertEqual(status, 503)

            # and back without restarting hawk
            pg.start()
            status, body = wait_status(srv, "/health/readiness", 200, timeout=10)
            self.assertEqual(status, 200, body)
            self.assertIn("access_token", srv.register_and_login())
            srv.stop()
        finally:
            if srv is not None:
                srv.cleanup()
            pg.destroy()

    def test_embedded_serve_starts_reuses_and_stops_cluster(self):
        srv = hawktest.HawkServer(db_url=None, start_timeout=120)
        pg_dir = os.path.join(srv.dir, "var", "pg")
        try:
            status, body = wait_status(srv, "/health/readiness", 200, timeout=60)
            self.assertEqual(status, 200, body)
            self.assertEqual(body["database"]["mode"], "embedded")
            email = srv.register_and_login()["email"]
            pid = postmaster_pid(pg_dir)
            self.assertIsNotNone(pid)

            # hawk dies without stopping its cluster: the next hawk reuses it
            srv.proc.proc.kill()
            srv.proc.wait(10)
            self.assertTrue(alive(pid))
            srv.proc = hawktest.HawkProcess(["serve", "-c", srv.config], env=srv.env)
            srv.wait_ready(60)
            status, body = wait_status(srv, "/health/readiness", 200, timeout=60)
            self.assertEqual(status, 200, body)
            self.assertEqual(postmaster_pid(pg_dir), pid)
            self.assertIn("reusing", srv.proc.stdout())
            srv.login(email)  # the data is there

            # a clean stop stops the cluster too
            srv.stop()
            self.assertIsNone(postmaster_pid(pg_dir))
            for _ in range(50):
                if not alive(pid):
                    break
                time.sleep(0.1)
            self.assertFalse(alive(pid))
        finally:
            kill_embedded(pg_dir)
            srv.cleanup()


if __name__ == "__main__":
    unittest.main()
