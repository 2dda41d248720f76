"""The task API (/api/v1/tasks) and the queue admin API through the real
binary: starting tasks, validation of kinds and payloads, isolation between
users, cancellation, dead jobs, retry/delete, pause/resume."""

import time
import unittest

from hawktest import HawkServer, PgCluster


def wait_until(fn, timeout=15.0, step=0.05):
    """Polls fn() until it returns a truthy value; returns it (or the last)."""
    deadline = time.time() + timeout
    value = fn()
    while not value and time.time() < deadline:
        time.sleep(step)
        value = fn()
    return value


class TaskApi(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.pg = PgCluster()
        cls.srv = HawkServer(db_url=cls.pg.url, extra_config=(
            'queue = { workers = 3; poll_interval = "200ms"; '
            'per_user_concurrency = 2; };'))
        cls.alice = cls.srv.register_and_login()["access_token"]
        cls.bob = cls.srv.register_and_login()["access_token"]
        admin = cls.srv.register_and_login()
        cls.srv.make_admin(admin["email"])
        cls.admin = cls.srv.login(admin["email"])["access_token"]

    @classmethod
    def tearDownClass(cls):
        try:
            cls.srv.stop()
        finally:
            cls.srv.cleanup()
            cls.pg.destroy()

    # ---- helpers ----

    def post_task(self, body, token=None, status=202):
        st, _, resp = self.srv.request("POST", "/api/v1/tasks", json=body,
                                       token=token or self.alice)
        self.assertEqual(st, status, resp)
        return resp

    def get_task(self, tid, token=None):
        st, _, resp = self.srv.request("GET", "/api/v1/tasks/%d" % tid,
                                       token=token or self.alice)
        self.assertEqual(st, 200, resp)
        return resp

    def wait_state(self, tid, state, token=None, timeout=15):
        task = wait_until(lambda: (lambda t: t if t["state"] == state else None)(
            self.get_task(tid, token)), timeout)
        self.assertIsNotNone(task, "task %d never reached %s: %s" % (
            tid, state, self.get_task(tid, token)))
        return task

    def count_tasks(self, token):
        st, _, body = self.srv.request("GET", "/api/v1/tasks", token=token)
        self.assertEqual(st, 200, body)
        return body["total"]

    def assert_field_error(self, body, field, fragment=None):
        self.assertEqual(body["error"]["code"], "invalid_field", body)
        self.assertEqual(body["error"]["field"], field, body)
        if fragment:
            self.assertIn(fragment, body["error"]["message"])

    # ---- tests ----

    def test_noop_task_runs_to_done(self):
        task = self.post_task({"kind": "noop"})
        self.assertIn(task["state"], ("queued", "running", "done"))
        self.assertEqual(task["kind"], "noop")
        self.assertEqual(task["payload"], {})
        self.assertNotIn("user_id", task)
        done = self.wait_state(task["id"], "done")
        self.assertEqual(done["attempts"], 1)
        self.assertEqual(done["progress"], 100)
        self.assertIsNotNone(done["started_at"])
        self.assertIsNotNone(done["finished_at"])
        self.assertRegex(done["created_at"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")

    def test_sleep_task_reports_result(self):
        task = self.post_task({"kind": "sleep", "payload": {"ms": 50}})
        done = self.wait_state(task["id"], "done")
        self.assertEqual(done["result"], {"slept_ms": 50})

    def test_bad_input_is_rejected_and_creates_nothing(self):
        before = self.count_tasks(self.alice)
        cases = [
            ({"kind": "no_such_kind"}, "kind", "unknown task kind 'no_such_kind'"),
            ({"kind": "queue_prune"}, "kind", "unknown task kind"),  # not user-startable
            ({"payload": {}}, "kind", None),
            ({"kind": 42}, "kind", None),
            ({"kind": ""}, "kind", None),
            ({"kind": "noop", "payload": [1]}, "payload", None),
            ({"kind": "noop", "extra": 1}, "extra", None),
            ({"kind": "sleep"}, "payload.ms", None),
            ({"kind": "sleep", "payload": {"ms": "soon"}}, "payload.ms", None),
            ({"kind": "sleep", "payload": {"ms": 10 ** 9}}, "payload.ms", None),
            ({"kind": "sleep", "payload": {"ms": 5, "x": 1}}, "payload.x", None),
            ({"kind": "noop", "payload": {"fail": 7}}, "payload.fail", None),
        ]
        for body, field, fragment in cases:
            with self.subTest(body=body):
                resp = self.post_task(body, status=400)
                self.assert_field_error(resp, field, fragment)
        st, _, resp = self.srv.request("POST", "/api/v1/tasks", body="{not json",
                                       headers={"Content-Type": "application/json"},
                                       token=self.alice)
        self.assertEqual(st, 400, resp)
        self.assertEqual(self.count_tasks(self.alice), before)

    def test_requires_login(self):
        st, _, body = self.srv.request("POST", "/api/v1/tasks", json={"kind": "noop"})
        self.assertEqual(st, 401, body)
        st, _, body = self.srv.request("GET", "/api/v1/tasks")
        self.assertEqual(st, 401, body)

    def test_users_see_only_their_own_tasks(self):
        task = self.post_task({"kind": "sleep", "payload": {"ms": 3000}})
        tid = task["id"]
        for method, path in (("GET", "/api/v1/tasks/%d" % tid),
                             ("POST", "/api/v1/tasks/%d/cancel" % tid)):
            st, _, body = self.srv.request(method, path, token=self.bob)
            self.assertEqual(st, 404, body)
            self.assertEqual(body["error"]["code"], "not_found")
            self.assertNotIn("sleep", str(body))
        st, _, listing = self.srv.request("GET", "/api/v1/tasks", token=self.bob)
        self.assertEqual(st, 200)
        self.assertNotIn(tid, [t["id"] for t in listing["items"]])
        # bob's cancel attempt changed nothing
        self.assertFalse(self.get_task(tid)["cancel_requested"])
        st, _, body = self.srv.request("GET", "/api/v1/tasks/999999999", token=self.alice)
        self.assertEqual(st, 404)
        st, _, body = self.srv.request("GET", "/api/v1/tasks/abc", token=self.alice)
        self.assertEqual(st, 404)

    def test_list_filters_and_pagination(self):
        token = self.srv.register_and_login()["access_token"]
        ids = [self.post_task({"kind": "noop"}, token=token)["id"] for _ in range(3)]
        sid = self.post_task({"kind": "sleep", "payload": {"ms": 10}}, token=token)["id"]
        for t in ids + [sid]:
            self.wait_state(t, "done", token=token)
        st, _, body = self.srv.request("GET", "/api/v1/tasks?kind=noop&per_page=2",
                                       token=token)
        self.assertEqual(st, 200, body)
        self.assertEqual(body["total"], 3)
        self.assertEqual(body["pages"], 2)
        self.assertEqual(len(body["items"]), 2)
        self.assertEqual([t["id"] for t in body["items"]], sorted(ids, reverse=True)[:2])
        st, _, body = self.srv.request("GET", "/api/v1/tasks?kind=noop&per_page=2&page=2",
                                       token=token)
        self.assertEqual([t["id"] for t in body["items"]], [min(ids)])
        st, _, body = self.srv.request("GET", "/api/v1/tasks?state=done", token=token)
        self.assertEqual(body["total"], 4)
        st, _, body = self.srv.request("GET", "/api/v1/tasks?state=queued", token=token)
        self.assertEqual(body["total"], 0)
        st, _, body = self.srv.request("GET", "/api/v1/tasks?state=sleeping", token=token)
        self.assertEqual(st, 400)
        self.assertEqual(body["error"]["field"], "state")
        st, _, body = self.srv.request("GET", "/api/v1/tasks?kind=Bad%20Kind", token=token)
        self.assertEqual(st, 400)
        self.assertEqual(body["error"]["field"], "kind")
        st, _, body = self.srv.request("GET", "/api/v1/tasks?per_page=0", token=token)
        self.assertEqual(st, 400)

    def test_cancel_running_and_queued(self):
        token = self.srv.register_and_login()["access_token"]
        running = self.post_task({"kind": "sleep", "payload": {"ms": 30000}}, token=token)
        self.wait_state(running["id"], "running", token=token)
        st, _, body = self.srv.request("POST", "/api/v1/tasks/%d/cancel" % running["id"],
                                       token=token)
        self.assertEqual(st, 200, body)
        self.assertTrue(body["cancel_requested"])
        t0 = time.time()
        done = self.wait_state(running["id"], "cancelled", token=token, timeout=5)
        self.assertLess(time.time() - t0, 3)
        self.assertIsNotNone(done["finished_at"])
        # a finished task cannot be cancelled again
        st, _, body = self.srv.request("POST", "/api/v1/tasks/%d/cancel" % running["id"],
                                       token=token)
        self.assertEqual(st, 409, body)
        # a delayed/queued task is cancelled at once: pause its queue first
        st, _, _ = self.srv.request("POST", "/api/v1/admin/queue/queues/default/pause",
                                    token=self.admin)
        self.assertEqual(st, 200)
        try:
            queued = self.post_task({"kind": "noop"}, token=token)
            time.sleep(0.5)
            self.assertEqual(self.get_task(queued["id"], token)["state"], "queued")
            st, _, body = self.srv.request("POST", "/api/v1/tasks/%d/cancel" % queued["id"],
                                           token=token)
            self.assertEqual(st, 200, body)
            self.assertEqual(body["state"], "cancelled")
        finally:
            self.srv.request("POST", "/api/v1/admin/queue/queues/default/resume",
                             token=self.admin)

    def test_failing_handler_goes_dead_with_message(self):
        task = self.post_task({"kind": "noop",
                               "payload": {"fail": "card declined", "permanent": True}})
        dead = self.wait_state(task["id"], "dead")
        self.assertEqual(dead["error"], "card declined")
        self.assertEqual(dead["attempts"], 1)  # permanent: not retried

    def test_retryable_failure_retries_then_dead(self):
        task = self.post_task({"kind": "noop", "payload": {"fail": "flaky upstream"}})
        # noop allows 3 attempts with 1 s base backoff: 0.5-1 s, then 1-2 s
        dead = self.wait_state(task["id"], "dead", timeout=20)
        self.assertEqual(dead["attempts"], 3)
        self.assertEqual(dead["error"], "flaky upstream")

    def test_admin_overview_retry_delete_pause(self):
        st, _, body = self.srv.request("GET", "/api/v1/admin/queue", token=self.alice)
        self.assertEqual(st, 403, body)
        dead = self.post_task({"kind": "noop",
                               "payload": {"fail": "nope", "permanent": True}})
        self.wait_state(dead["id"], "dead")
        st, _, body = self.srv.request("GET", "/api/v1/admin/queue", token=self.admin)
        self.assertEqual(st, 200, body)
        queues = {q["name"]: q for q in body["queues"]}
        self.assertIn("default", queues)
        self.assertGreaterEqual(queues["default"]["counts"]["dead"], 1)
        self.assertEqual(set(queues["default"]["counts"]),
                         {"queued", "running", "done", "dead", "cancelled"})
        # dead jobs are listed for inspection
        st, _, body = self.srv.request("GET", "/api/v1/admin/queue/jobs?state=dead",
                                       token=self.admin)
        self.assertEqual(st, 200)
        self.assertIn(dead["id"], [j["id"] for j in body["items"]])
        self.assertIn("user_id", body["items"][0])
        # retry: back to queued with fresh attempts (fails again: dead)
        st, _, body = self.srv.request(
            "POST", "/api/v1/admin/queue/jobs/%d/retry" % dead["id"], token=self.admin)
        self.assertEqual(st, 200, body)
        self.assertIn(body["state"], ("queued", "running", "dead"))
        self.wait_state(dead["id"], "dead")
        # retry of a job that is not dead: 409, and nothing changes
        ok = self.post_task({"kind": "noop"})
        self.wait_state(ok["id"], "done")
        st, _, body = self.srv.request(
            "POST", "/api/v1/admin/queue/jobs/%d/retry" % ok["id"], token=self.admin)
        self.assertEqual(st, 409, body)
        self.assertEqual(self.get_task(ok["id"])["state"], "done")
        # delete: a running job cannot be, a dead one can
        slow = self.post_task({"kind": "sleep", "payload": {"ms": 20000}})
        self.wait_state(slow["id"], "running")
        st, _, body = self.srv.request(
            "DELETE", "/api/v1/admin/queue/jobs/%d" % slow["id"], token=self.admin)
        self.assertEqual(st, 409, body)
        self.srv.request("POST", "/api/v1/tasks/%d/cancel" % slow["id"], token=self.alice)
        st, _, _ = self.srv.request(
            "DELETE", "/api/v1/admin/queue/jobs/%d" % dead["id"], token=self.admin)
        self.assertEqual(st, 204)
        st, _, _ = self.srv.request("GET", "/api/v1/tasks/%d" % dead["id"], token=self.alice)
        self.assertEqual(st, 404)
        st, _, _ = self.srv.request(
            "DELETE", "/api/v1/admin/queue/jobs/%d" % dead["id"], token=self.admin)
        self.assertEqual(st, 404)
        # pause holds jobs back; resume releases them promptly
        st, _, body = self.srv.request("POST", "/api/v1/admin/queue/queues/default/pause",
                                       token=self.admin)
        self.assertEqual((st, body["paused"]), (200, True))
        try:
            held = self.post_task({"kind": "noop"})
            time.sleep(1.0)
            self.assertEqual(self.get_task(held["id"])["state"], "queued")
            st, _, body = self.srv.request("GET", "/api/v1/admin/queue", token=self.admin)
            self.assertIn("default", body["paused"])
        finally:
            st, _, body = self.srv.request(
                "POST", "/api/v1/admin/queue/queues/default/resume", token=self.admin)
        self.assertEqual((st, body["paused"]), (200, False))
        t0 = time.time()
        self.wait_state(held["id"], "done", timeout=5)
        self.assertLess(time.time() - t0, 3)
        st, _, body = self.srv.request("POST", "/api/v1/admin/queue/queues/Bad!/pause",
                                       token=self.admin)
        self.assertEqual(st, 404, body)

    def wait_pool_idle(self):
        def idle():
            st, _, body = self.srv.request("GET", "/api/v1/admin/queue", token=self.admin)
            return all(q["counts"]["running"] == 0 and q["counts"]["queued"] == 0
                       for q in body["queues"])
        self.assertTrue(wait_until(idle, timeout=40, step=0.2))

    def test_per_user_concurrency_limit(self):
        self.wait_pool_idle()
        token = self.srv.register_and_login()["access_token"]
        ids = [self.post_task({"kind": "sleep", "payload": {"ms": 3000}}, token=token)["id"]
               for _ in range(4)]

        def states():
            return [self.get_task(t, token)["state"] for t in ids]
        self.assertTrue(wait_until(lambda: states().count("running") == 2, timeout=10))
        time.sleep(0.5)
        now = states()
        # 3 workers, but one user gets at most 2 of them
        self.assertEqual(now.count("running"), 2, now)
        self.assertEqual(now.count("queued"), 2, now)
        # the third worker is free for someone else
        other = self.srv.register_and_login()["access_token"]
        t = self.post_task({"kind": "noop"}, token=other)
        t0 = time.time()
        self.wait_state(t["id"], "done", token=other, timeout=5)
        self.assertLess(time.time() - t0, 2.0)
        for t in ids:
            self.wait_state(t, "done", token=token, timeout=15)


if __name__ == "__main__":
    unittest.main()
