"""The scheduler across real `hawk serve` processes sharing one PostgreSQL:
one leader at a time, fail-over when it is killed, each due time fired
exactly once, built-in schedules from the config, bad schedule entries
refused at start-up."""

import os
import signal
import time
import unittest

from hawktest import HawkServer, PgCluster, run_hawk, write_config, make_tmpdir, free_port


def wait_until(fn, timeout=20.0, step=0.1):
    deadline = time.time() + timeout
    value = fn()
    while not value and time.time() < deadline:
        time.sleep(step)
        value = fn()
    return value


# workers = 0: scheduled jobs stay queued, so they can be counted
CFG = 'queue = { workers = 0; }; scheduler = { catch_up = "1h"; };'


def is_leader(srv):
    lines = srv.proc.log_lines()
    became = [i for i, l in enumerate(lines) if "now the leader" in l.get("msg", "")]
    lost = [i for i, l in enumerate(lines) if "lost leadership" in l.get("msg", "")]
    return bool(became) and (not lost or lost[-1] < became[-1])


class Scheduler(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.pg = PgCluster()
        cls.a = HawkServer(db_url=cls.pg.url, extra_config=CFG)
        cls.b = HawkServer(db_url=cls.pg.url, extra_config=CFG)
        cls.pg.psql("INSERT INTO users (email, password_hash) "
                    "SELECT 'sched' || i || '@example.test', 'x' "
                    "FROM generate_series(1, 3) i")

    @classmethod
    def tearDownClass(cls):
        try:
            for srv in (cls.a, cls.b):
                if srv.proc.proc.poll() is None:
                    srv.stop()
        finally:
            cls.a.cleanup()
            cls.b.cleanup()
            cls.pg.destroy()

    def count(self, sql):
        return int(self.pg.psql(sql))

    def make_due(self, names, minutes_ago):
        """Schedules `names` with one due time in the past (yearly cron, so
        the next one is far away: each should fire exactly once)."""
        for n in names:
            self.pg.psql(
                "INSERT INTO schedules (user_id, name, cron, tz, kind, next_run_at) "
                "SELECT id, '%s', '0 0 1 1 *', 'Europe/Berlin', 'noop', "
                "date_trunc('minute', now()) - interval '%d minutes' "
                "FROM users WHERE email = 'sched1@example.test' "
                "ON CONFLICT (user_id, name) WHERE user_id IS NOT NULL DO UPDATE "
                "SET next_run_at = EXCLUDED.next_run_at" % (n, minutes_ago))

    def test_1_builtin_schedule_from_config(self):
        self.assertTrue(wait_until(lambda: self.count(
            "SELECT count(*) FROM schedules WHERE user_id IS NULL "
            "AND name = 'prune-jobs' AND kind = 'queue_prune' "
            "AND cron = '0 3 * * *' AND next_run_at > now()") == 1))

    def test_2_one_leader_fires_each_due_time_once(self):
        self.assertTrue(wait_until(lambda: is_leader(self.a) or is_leader(self.b)))
        time.sleep(1.5)
        self.assertNotEqual(is_leader(self.a), is_leader(self.b))
        names = ["yearly-%d" % i for i in range(20)]
        self.make_due(names, 1)
        q = "SELECT count(*) FROM queue_jobs WHERE unique_key LIKE 'sched:%'"
        self.assertTrue(wait_until(lambda: self.count(q) == 20, timeout=10),
                        self.count(q))
        time.sleep(2.5)  # both nodes keep ticking: still once each
        self.assertEqual(self.count(q), 20)
        self.assertEqual(self.count(
            "SELECT count(DISTINCT unique_key) FROM queue_jobs "
            "WHERE unique_key LIKE 'sched:%'"), 20)
        # each job belongs to the schedule's user, and the schedule moved on
        self.assertEqual(self.count(
            "SELECT count(*) FROM queue_jobs j JOIN schedules s "
            "ON s.last_job_id = j.id AND s.user_id = j.user_id"), 20)
        self.assertEqual(self.count(
            "SELECT count(*) FROM schedules WHERE user_id IS NOT NULL "
            "AND next_run_at > now()"), 20)

    def test_3_leader_killed_other_takes_over(self):
        self.assertTrue(wait_until(lambda: is_leader(self.a) or is_leader(self.b)))
        leader, other = (self.a, self.b) if is_leader(self.a) else (self.b, self.a)
        os.kill(leader.proc.proc.pid, signal.SIGKILL)
        leader.proc.wait(10)
        t0 = time.time()
        self.assertTrue(wait_until(lambda: is_leader(other), timeout=15),
                        other.proc.stdout()[-3000:])
        self.assertLess(time.time() - t0, 10)
        before = self.count("SELECT count(*) FROM queue_jobs")
        self.make_due(["after-failover-%d" % i for i in range(5)], 2)
        self.assertTrue(wait_until(lambda: self.count(
            "SELECT count(*) FROM queue_jobs") == before + 5, timeout=10))
        other.stop()


class BadSchedulesConfig(unittest.TestCase):
    def test_invalid_entries_refused_naming_the_field(self):
        cases = [
            ('{ name = "x"; cron = "61 * * * *"; kind = "noop"; }',
             "schedules[0].cron: minute field '61' out of range 0-59"),
            ('{ name = "x"; cron = "* * * *"; kind = "noop"; }',
             "schedules[0].cron: expected 5 fields, got 4"),
            ('{ name = "x"; cron = "@daily"; tz = "Mars/Base"; kind = "noop"; }',
             "schedules[0].tz: unknown time zone 'Mars/Base'"),
            ('{ name = "x"; cron = "@daily"; kind = "noop"; colour = "red"; }',
             "schedules[0].colour: unknown key"),
            ('{ cron = "@daily"; kind = "noop"; }', "schedules[0].name: is required"),
            ('{ name = "x"; cron = "@daily"; kind = "noop"; payload = "[1]"; }',
             "schedules[0].payload: must be a JSON object"),
        ]
        pg = PgCluster()
        try:
            for entry, message in cases:
                with self.subTest(entry=entry):
                    d = make_tmpdir("hawk-sched-")
                    cfg = write_config(d, free_port(), pg.url,
                                       "schedules = ( %s );" % entry)
                    rc, out, err = run_hawk(["serve", "-c", cfg], timeout=60)
                    self.assertEqual(rc, 2, out[-2000:] + err[-2000:])
                    self.assertIn(message, out + err)
        finally:
            pg.destroy()


if __name__ == "__main__":
    unittest.main()
