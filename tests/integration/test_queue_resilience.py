"""The queue when things break, with real processes: a `hawk worker` killed
with SIGKILL in the middle of a job (the job is retried after its
heartbeat lapses, counted as an attempt, never run twice at once), a
graceful SIGTERM (running jobs finish or are released), and PostgreSQL
restarted under load (nothing enqueued is lost)."""

import os
import signal
import time
import unittest

from hawktest import HawkProcess, HawkServer, PgCluster


def wait_until(fn, timeout=20.0, step=0.05):
    deadline = time.time() + timeout
    value = fn()
    while not value and time.time() < deadline:
        time.sleep(step)
        value = fn()
    return value


QUEUE_CFG = ('queue = { workers = 0; heartbeat_interval = "300ms"; '
             'rescue_after = "2s"; poll_interval = "200ms"; '
             'shutdown_grace = "1s"; per_user_concurrency = 0; };')


class WorkerCrash(unittest.TestCase):
    """`hawk serve` runs no workers here; `hawk worker` processes do."""

    @classmethod
    def setUpClass(cls):
        cls.pg = PgCluster()
        cls.srv = HawkServer(db_url=cls.pg.url, extra_config=QUEUE_CFG)
        cls.token = cls.srv.register_and_login()["access_token"]
        cls.workers = []

    @classmethod
    def tearDownClass(cls):
        try:
            for w in cls.workers:
                if w.proc.poll() is None:
                    w.proc.kill()
                    w.wait(10)
            cls.srv.stop()
        finally:
            cls.srv.cleanup()
            cls.pg.destroy()

    def start_worker(self, n=1, config=None):
        w = HawkProcess(["worker", "-c", config or self.srv.config,
                         "--workers", str(n)], env=self.srv.env)
        self.workers.append(w)
        # started when its pool logs in
        self.assertTrue(wait_until(
            lambda: any("worker(s) started as" in l.get("msg", "")
                        for l in w.log_lines()), timeout=30),
            w.stdout()[-3000:] + w.stderr()[-3000:])
        ident = [l["msg"].rsplit(" ", 1)[1] for l in w.log_lines()
                 if "worker(s) started as" in l.get("msg", "")][0]
        return w, ident

    def task(self, tid):
        st, _, body = self.srv.request("GET", "/api/v1/tasks/%d" % tid, token=self.token)
        self.assertEqual(st, 200, body)
        return body

    def job_worker(self, tid):
        return self.pg.psql("SELECT coalesce(worker, '') FROM queue_jobs WHERE id = %d" % tid)

    def test_kill_9_mid_job_is_rescued_once(self):
        a, a_id = self.start_worker()
        st, _, t = self.srv.request("POST", "/api/v1/tasks", token=self.token,
                                    json={"kind": "sleep", "payload": {"ms": 3000}})
        self.assertEqual(st, 202, t)
        tid = t["id"]
        self.assertTrue(wait_until(lambda: self.task(tid)["state"] == "running"))
        self.assertEqual(self.job_worker(tid), a_id)
        self.assertEqual(self.task(tid)["attempts"], 1)

        # a's heartbeat just before the kill (a later one only makes it
        # younger): the rescue may not come before it is rescue_after (2 s)
        # old
        last_beat = float(self.pg.psql(
            "SELECT extract(epoch FROM heartbeat_at) FROM queue_jobs "
            "WHERE id = %d AND worker = '%s'" % (tid, a_id)))
        os.kill(a.proc.pid, signal.SIGKILL)
        a.wait(10)
        b, b_id = self.start_worker()
        # while the heartbeat is younger than that, nobody else may start it
        row = self.pg.psql("SELECT coalesce(worker, '') || '|' || attempts || '|' || "
                           "(now() - to_timestamp(%f) < interval '1.9 s') "
                           "FROM queue_jobs WHERE id = %d" % (last_beat, tid))
        worker, attempts, young = row.split("|")
        if young == "t":
            self.assertEqual((worker, attempts), (a_id, "1"))
        # then the live worker rescues it and runs attempt 2 to the end
        self.assertTrue(wait_until(lambda: self.job_worker(tid) == b_id, timeout=15),
                        self.task(tid))
        started = float(self.pg.psql(
            "SELECT extract(epoch FROM started_at) FROM queue_jobs WHERE id = %d" % tid))
        self.assertGreaterEqual(started - last_beat, 2.0)
        done = wait_until(lambda: (lambda t: t if t["state"] == "done" else None)(
            self.task(tid)), timeout=15)
        self.assertIsNotNone(done, self.task(tid))
        self.assertEqual(done["attempts"], 2)  # the lost run counted
        self.assertIn("stopped sending heartbeats", done["error"])
        self.assertEqual(done["result"], {"slept_ms": 3000})
        self.assertEqual(a.proc.returncode, -signal.SIGKILL)
        b.signal(signal.SIGTERM)
        self.assertEqual(b.wait(30), 0, b.stderr()[-3000:])
        self.assertIsNone(b.sanitizer_report())

    def handler_started(self, tid, or_done=False):
        # The queue marks a job 'running' when a worker claims it, before a
        # worker thread enters the handler; the sleep kind's first progress
        # report ("sleeping") is what says the handler is under way.
        t = self.task(tid)
        if or_done and t["state"] == "done":
            return True
        return t["state"] == "running" and t.get("progress_message") == "sleeping"

    def test_sigterm_releases_unfinished_job(self):
        w, w_id = self.start_worker()
        st, _, t = self.srv.request("POST", "/api/v1/tasks", token=self.token,
                                    json={"kind": "sleep", "payload": {"ms": 20000}})
        tid = t["id"]
        self.assertTrue(wait_until(lambda: self.handler_started(tid), timeout=30))
        t0 = time.time()
        w.signal(signal.SIGTERM)
        self.assertEqual(w.wait(30), 0, w.stderr()[-3000:])
        self.assertLess(time.time() - t0, 8)  # grace 1 s, not the 20 s job
        self.assertIsNone(w.sanitizer_report())
        t = self.task(tid)
        # back in the queue, the interrupted attempt not counted
        self.assertEqual((t["state"], t["attempts"]), ("queued", 0))
        self.assertIn("released at worker shutdown", t["error"])
        self.srv.request("POST", "/api/v1/tasks/%d/cancel" % tid, token=self.token)

    def test_sigterm_within_grace_finishes_the_job(self):
        # a grace far beyond the 400 ms job, so a slow machine still lets
        # the started handler finish rather than release it
        cfg = os.path.join(os.path.dirname(self.srv.config), "grace60.cfg")
        with open(self.srv.config) as f:
            text = f.read()
        self.assertIn('shutdown_grace = "1s"', text)
        with open(cfg, "w") as f:
            f.write(text.replace('shutdown_grace = "1s"', 'shutdown_grace = "60s"'))
        w2, _ = self.start_worker(config=cfg)
        st, _, t2 = self.srv.request("POST", "/api/v1/tasks", token=self.token,
                                     json={"kind": "sleep", "payload": {"ms": 400}})
        self.assertTrue(wait_until(
            lambda: self.handler_started(t2["id"], or_done=True), timeout=30))
        w2.signal(signal.SIGTERM)
        self.assertEqual(w2.wait(90), 0)
        self.assertEqual(self.task(t2["id"])["state"], "done")

    def test_bad_worker_arguments(self):
        for args, fragment in ((["--workers", "0"], "--workers must be"),
                               (["--queues", "Bad Queue"], "is not a queue name"),
                               (["--frobnicate"], "unknown option")):
            p = HawkProcess(["worker", "-c", self.srv.config] + args, env=self.srv.env)
            self.assertEqual(p.wait(60), 2)
            self.assertIn(fragment, p.stderr())


class PostgresRestart(unittest.TestCase):
    def test_restart_under_load_loses_nothing(self):
        pg = PgCluster()
        srv = None
        try:
            srv = HawkServer(db_url=pg.url, extra_config=(
                'queue = { workers = 4; poll_interval = "200ms"; '
                'heartbeat_interval = "500ms"; rescue_after = "5s"; };'))
            total = 3000
            pg.psql("INSERT INTO queue_jobs (queue, kind, payload, run_at, created_at) "
                    "SELECT 'default', 'sleep', '{\"ms\": 5}', now(), now() "
                    "FROM generate_series(1, %d); NOTIFY hawk_queue, 'default 0'" % total)
            # let it get going, then restart the server under it
            self.assertTrue(wait_until(lambda: int(pg.psql(
                "SELECT count(*) FROM queue_jobs WHERE state = 'done'")) > 100, 30))
            done_before = int(pg.psql("SELECT count(*) FROM queue_jobs WHERE state = 'done'"))
            pg.stop()
            self.assertLess(done_before, total)  # really under load
            time.sleep(1.5)
            pg.start()
            # jobs enqueued after the restart are picked up too, and the
            # scheduler (leader connection) came back: a due schedule fires
            token = srv.register_and_login()["access_token"]
            pg.psql("INSERT INTO schedules (user_id, name, cron, kind, next_run_at) "
                    "SELECT id, 'after-restart', '0 0 1 1 *', 'noop', "
                    "now() - interval '5 seconds' FROM users LIMIT 1")
            extra = []
            for _ in range(5):
                st, _, t = srv.request("POST", "/api/v1/tasks", token=token,
                                       json={"kind": "noop"})
                self.assertEqual(st, 202, t)
                extra.append(t["id"])

            def all_done():
                return pg.psql("SELECT count(*) FILTER (WHERE state = 'done') || ' ' || "
                               "count(*) FROM queue_jobs") == "%d %d" % (total + 5, total + 5)
            total += 1  # the scheduled job
            self.assertTrue(wait_until(all_done, timeout=120, step=0.5),
                            pg.psql("SELECT state, count(*) FROM queue_jobs GROUP BY 1"))
            self.assertEqual(pg.psql("SELECT count(*) FROM queue_jobs "
                                     "WHERE unique_key LIKE 'sched:%'"), "1")
            # nothing ran twice: a rerun would show as a second attempt
            self.assertEqual(pg.psql("SELECT count(*) FROM queue_jobs WHERE attempts <> 1"),
                             "0")
            srv.stop()
        finally:
            if srv is not None:
                srv.cleanup()
            pg.destroy()


if __name__ == "__main__":
    unittest.main()
