"""GET /metrics after real traffic: the Prometheus text passes `promtool
check metrics` (Debian prometheus), and has the HTTP latency histogram by
route template and status, queue jobs by kind and state, applications by
status and board, the database pool, backups and the process's CPU,
memory and open files.  The Grafana dashboard names only series that
exist.
"""

import json
import os
import re
import shutil
import subprocess
import unittest

import hawktest


class MetricsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.pg = hawktest.PgCluster()
        cls.srv = hawktest.HawkServer(db_url=cls.pg.url)

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()
        cls.srv.cleanup()
        cls.pg.destroy()

    def scrape(self):
        for _ in range(3):
            self.srv.request("GET", "/health")
        self.srv.request("GET", "/api/v1/no/such/route")
        auth = self.srv.register_and_login()
        self.srv.request("GET", "/api/v1/user", token=auth["access_token"])
        st, h, body = self.srv.request("GET", "/metrics")
        self.assertEqual(st, 200)
        self.assertTrue(h["content-type"].startswith("text/plain; version=0.0.4"))
        return body.decode()

    def test_promtool_accepts_the_exposition(self):
        tool = shutil.which("promtool")
        if tool is None:
            self.skipTest("promtool not installed (Debian package prometheus)")
        text = self.scrape()
        p = subprocess.run([tool, "check", "metrics"], input=text, capture_output=True,
                           text=True)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertEqual((p.stdout + p.stderr).strip(), "")

    def test_series_the_dashboards_need(self):
        text = self.scrape()
        for pat in (
                r'hawk_http_request_duration_seconds_bucket\{method="GET",route="/health",'
                r'status="200",le="0.005"\} \d+',
                r'hawk_http_request_duration_seconds_count\{method="GET",route="unmatched",'
                r'status="404"\} [1-9]',
                r'hawk_http_request_duration_seconds_count\{method="POST",'
                r'route="/api/v1/auth/register",status="201"\} [1-9]',
                r"# TYPE hawk_queue_jobs gauge",
                r"# TYPE hawk_applications gauge",
                r"hawk_db_pool_connections \d+",
                r"hawk_db_pool_idle \d+",
                r"process_cpu_seconds_total [\d.]+",
                r"process_resident_memory_bytes \d+",
                r"process_open_fds \d+",
                r"process_max_fds \d+",
                r"# TYPE hawk_backup_age_seconds gauge"):
            self.assertRegex(text, pat)
        # raw paths never become labels (one series per route template)
        self.assertNotIn("/api/v1/no/such/route", text)

    def test_grafana_dashboard_uses_existing_series(self):
        with open(os.path.join(hawktest.SRC, "etc", "grafana", "hawk.json")) as f:
            dash = json.load(f)
        exprs = [t["expr"] for p in dash["panels"] for t in p.get("targets", [])]
        self.assertGreater(len(exprs), 8)
        text = self.scrape()
        known = set(re.findall(r"^# TYPE (\S+) (\S+)", text, re.M))
        names = {n for n, _ in known}
        names |= {n + s for n, t in known if t == "histogram"
                  for s in ("_bucket", "_sum", "_count")}
        # series that appear only once their code path ran
        later = {"hawk_queue_job_duration_seconds_bucket", "hawk_queue_workers_busy",
                 "hawk_queue_workers", "hawk_scheduler_lag_seconds",
                 "hawk_plugin_calls_total", "hawk_plugin_call_seconds_total",
                 "hawk_llm_prompt_tokens_total", "hawk_llm_completion_tokens_total",
                 "hawk_llm_cost_usd_total", "hawk_alerts_sent_total",
                 "hawk_backup_last_size_bytes"}
        for e in exprs:
            for name in re.findall(r"\b((?:hawk|process)_[a-z_]+)", e):
                self.assertTrue(name in names or name in later, "%s in %r" % (name, e))


if __name__ == "__main__":
    unittest.main()
