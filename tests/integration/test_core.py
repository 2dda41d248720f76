"""Host core through the real binary: health, readiness while PostgreSQL is
down and after it returns, start-up with PostgreSQL down, configuration
errors, request ids, error shapes, JSON request logs, plugins list."""

import json
import os
import re
import signal
import time
import unittest

from hawktest import (HawkProcess, HawkServer, PgCluster, run_hawk, make_tmpdir,
                      write_config, free_port, TEST_PLUGIN_DIR)


class CoreWithDatabase(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.pg = PgCluster()
        cls.srv = HawkServer(db_url=cls.pg.url)

    @classmethod
    def tearDownClass(cls):
        try:
            cls.srv.stop()
        finally:
            cls.srv.cleanup()
            cls.pg.destroy()

    def test_health_shapes(self):
        status, headers, body = self.srv.request("GET", "/health")
        self.assertEqual(status, 200)
        self.assertEqual(body["status"], "ok")
        self.assertRegex(body["timestamp"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
        self.assertIn("version", body)
        status, _, body = self.srv.request("GET", "/health/liveness")
        self.assertEqual(status, 200)
        status, _, body = self.srv.request("GET", "/health/readiness")
        self.assertEqual(status, 200, body)
        self.assertEqual(body["status"], "ready")
        self.assertEqual(body["migrations_pending"], 0)

    def test_detailed_has_system_and_no_secrets(self):
        status, _, body = self.srv.request("GET", "/health/detailed")
        self.assertEqual(status, 200)
        for key in ("hostname", "uptime_seconds", "system", "database", "plugins"):
            self.assertIn(key, body)
        self.assertGreater(body["system"]["rss_bytes"], 0)
        self.assertGreater(body["system"]["disk_total_bytes"], 0)
        self.assertEqual(body["database"]["status"], "ok")
        text = json.dumps(body)
        self.assertNotIn("host=", text)      # no connection string
        self.assertNotIn(self.pg.dir, text)  # no socket path

    def test_metrics_prometheus_text(self):
        status, headers, body = self.srv.request("GET", "/metrics")
        self.assertEqual(status, 200)
        self.assertTrue(headers["content-type"].startswith("text/plain"))
        text = body.decode()
        self.assertIn("hawk_up 1", text)
        self.assertRegex(text, r"process_resident_memory_bytes \d+")

    def test_unknown_route_json_404(self):
        status, _, body = self.srv.request("GET", "/api/v1/nope")
        self.assertEqual(status, 404)
        self.assertEqual(body["error"]["code"], "not_found")

    def test_wrong_method_405_with_allow(self):
        status, headers, body = self.srv.request("DELETE", "/health")
        self.assertEqual(status, 405)
        self.assertIn("GET", headers.get("allow", ""))
        self.assertIn("error", body)

    def test_request_id_taken_echoed_and_logged(self):
        rid = "test-req-1234.abc"
        status, headers, _ = self.srv.request("GET", "/api/v1/user",
                                              headers={"X-Request-ID": rid})
        self.assertEqual(status, 401)
        self.assertEqual(headers["x-request-id"], rid)
        time.sleep(0.2)
        lines = [l for l in self.srv.proc.log_lines() if l.get("request_id") == rid]
        self.assertTrue(lines, "no log line carries the request id")
        req = [l for l in lines if l.get("msg") == "request"]
        self.assertEqual(len(req), 1)
        line = req[0]
        for key in ("time", "level", "method", "path", "status", "duration_ms", "bytes", "remote"):
            self.assertIn(key, line)
        self.assertEqual(line["status"], 401)
        self.assertEqual(line["path"], "/api/v1/user")

    def test_invalid_request_id_replaced(self):
        status, headers, _ = self.srv.request("GET", "/health",
                                              headers={"X-Request-ID": "bad id with spaces"})
        self.assertEqual(status, 200)
        self.assertRegex(headers["x-request-id"], r"^[A-Za-z0-9._-]{1,64}$")
        self.assertNotEqual(headers["x-request-id"], "bad id with spaces")

    def test_query_string_not_logged(self):
        self.srv.request("GET", "/health?token=supersecretvalue")
        time.sleep(0.2)
        self.assertNotIn("supersecretvalue", self.srv.proc.stdout())

    def test_log_lines_are_json(self):
        out = self.srv.proc.stdout().strip().splitlines()
        self.assertTrue(out)
        for line in out:
            obj = json.loads(line)
            self.assertRegex(obj["time"], r"Z$")
            self.assertIn(obj["level"], ("debug", "info", "warn", "error", "crit"))


class DatabaseOutage(unittest.TestCase):
    """PostgreSQL stops under a running server, then comes back."""

    def test_outage_and_recovery(self):
        pg = PgCluster()
        srv = HawkServer(db_url=pg.url)
        try:
            auth = srv.register_and_login()
            pg.stop()
            status, headers, body = srv.request("GET", "/health/readiness")
            self.assertEqual(status, 503)
            self.assertEqual(body["reason"], "database unavailable")
            status, headers, body = srv.request("GET", "/api/v1/user", token=auth["access_token"])
            self.assertEqual(status, 503, body)
            self.assertEqual(body["error"]["code"], "unavailable")
            status, _, body = srv.request("POST", "/api/v1/auth/login",
                                          json={"email": auth["email"], "password": "x" * 12})
            self.assertEqual(status, 503)
            # liveness does not depend on the database
            self.assertEqual(srv.request("GET", "/health/liveness")[0], 200)
            pg.start()
            deadline = time.time() + 20
            status = 0
            while time.time() < deadline:
                status, _, body = srv.request("GET", "/api/v1/user", token=auth["access_token"])
                if status == 200:
                    break
                time.sleep(0.3)
            self.assertEqual(status, 200, body)
            self.assertEqual(body["email"], auth["email"])
            self.assertEqual(srv.request("GET", "/health/readiness")[0], 200)
            srv.stop()
        finally:
            srv.cleanup()
            pg.destroy()

    def test_start_with_database_down_retries(self):
        pg = PgCluster()
        pg.stop()
        srv = HawkServer(db_url=pg.url, wait=False)
        try:
            srv.wait_ready(30, path="/health/liveness")  # answers while the database is down
            status, _, body = srv.request("GET", "/health/readiness")
            self.assertEqual(status, 503)
            time.sleep(1.5)
            logs = srv.proc.log_lines()
            retries = [l for l in logs if "database unreachable" in l.get("msg", "")]
            self.assertTrue(retries, "no retry message logged")
            self.assertIn("retrying", retries[0]["msg"])
            self.assertIsNone(srv.proc.proc.poll(), "hawk exited while the database was down")
            pg.start()
            deadline = time.time() + 30
            while time.time() < deadline:
                if srv.request("GET", "/health/readiness")[0] == 200:
                    break
                time.sleep(0.3)
            self.assertEqual(srv.request("GET", "/health/readiness")[0], 200)
            srv.register_and_login()
            srv.stop()
        finally:
            srv.cleanup()
            pg.destroy()


class ConfigErrors(unittest.TestCase):
    def test_typo_exits_2_with_file_line_and_suggestion(self):
        d = make_tmpdir("hawk-cfg-")
        path = os.path.join(d, "bad.cfg")
        with open(path, "w") as f:
            f.write('server = {\n  listen = "127.0.0.1:1";\n  threds = 4;\n};\n')
        rc, out, err = run_hawk(["serve", "-c", path])
        self.assertEqual(rc, 2)
        self.assertIn("%s:3" % path, err)
        self.assertIn("threds", err)
        self.assertIn("server.threads", err)

    def test_missing_config_file(self):
        rc, out, err = run_hawk(["serve", "-c", "/nonexistent/hawk.cfg"])
        self.assertEqual(rc, 2)
        self.assertIn("/nonexistent/hawk.cfg", err)

    def test_env_override_wins_and_is_validated(self):
        d = make_tmpdir("hawk-cfg-")
        path = write_config(d, free_port(), db_url="host=/nonexistent")
        rc, out, err = run_hawk(["serve", "-c", path], env={"HAWK_LISTEN": "not-a-listen"})
        self.assertEqual(rc, 2)
        self.assertIn("HAWK_LISTEN", err)

    def test_default_config_is_valid(self):
        src = os.environ.get("HAWK_SOURCE_DIR")
        rc, out, err = run_hawk(["routes", "-c", os.path.join(src, "etc", "hawk.cfg")])
        self.assertEqual(rc, 0, err)
        self.assertIn("GET /health", out)


class PluginsCli(unittest.TestCase):
    def _cfg(self, plugins):
        d = make_tmpdir("hawk-plg-")
        return write_config(d, free_port(), db_url="host=/nonexistent", plugins=plugins)

    def test_list_shows_loaded_failed_disabled(self):
        p = TEST_PLUGIN_DIR
        cfg = self._cfg(
            '{ name = "good"; path = "%s/good_llm.so"; options = { endpoint = "x"; }; },'
            '{ name = "gone"; path = "/nonexistent/gone.so"; },'
            '{ name = "off"; path = "%s/good_llm.so"; enabled = false; }' % (p, p))
        rc, out, err = run_hawk(["plugins", "list", "-c", cfg])
        self.assertIn("gone", out)
        self.assertRegex(out, r"gone.*failed: .*(no such file|not found|cannot open)")
        self.assertRegex(out, r"off.*disabled")
        self.assertRegex(out, r"good\s+llm")

    def test_required_plugin_failure_stops_serve(self):
        cfg = self._cfg('{ name = "gone"; path = "/nonexistent/gone.so"; required = true; }')
        rc, out, err = run_hawk(["serve", "-c", cfg])
        self.assertNotEqual(rc, 0)
        self.assertIn("gone", err)
        self.assertIn("required", err)


class GracefulShutdown(unittest.TestCase):
    def test_sigterm_exits_zero_and_stops_embedded_pg(self):
        srv = HawkServer(db_url=None, start_timeout=120)  # embedded PostgreSQL
        try:
            status, _, body = srv.request("GET", "/health/detailed")
            self.assertEqual(body["database"]["mode"], "embedded")
            srv.register_and_login()
            srv.stop()
            logs = srv.proc.log_lines()
            self.assertTrue(any("stopped" in l.get("msg", "") and "ostgre" in l.get("msg", "")
                                for l in logs))
            pid_file = os.path.join(srv.dir, "var", "pg", "data", "postmaster.pid")
            self.assertFalse(os.path.exists(pid_file), "embedded postgres still running")
        finally:
            srv.cleanup()


if __name__ == "__main__":
    unittest.main()
