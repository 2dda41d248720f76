"""Workflows in sandbox processes, through the real server: a sandbox that
crashes mid-run, one killed with SIGKILL from outside, a C call that
outlives the wall clock, an allocation outside the Lua state against the
address-space limit, and the plan's workflow count checked before any Lua
runs.  In each case /health keeps answering, the run is failed (not
retried) with a message naming what happened, and the next run works.

The server runs with HAWK_LUA_TEST_HOOKS=1, which gives scripts the
hawk._test_* functions (lua/api_test.c) that do what no script can.
"""

import os
import time
import unittest

import hawktest

PLUGINS = (
    '{ name = "good_jobboard"; path = "%s/good_jobboard.so"; },'
    ' { name = "wf_llm"; path = "%s/wf_llm.so"; }'
    % (hawktest.TEST_PLUGIN_DIR, hawktest.TEST_PLUGIN_DIR))

LIMITS = """
lua = {
    max_memory = "8MiB";
    max_wall = "2s";
    sandbox_processes = 2;
    sandbox_address_space = "256MiB";
};
queue = { workers = 2; };
"""

ASAN = os.environ.get("HAWK_BUILD_TYPE", "") == "Asan"


def run_body(body):
    return "function run()\n%s\nend\n" % body


def proc_state(pid):
    """The state letter of a process (R running, S sleeping, ...)."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            st = f.read()
    except OSError:
        return "?"
    return st[st.rindex(")") + 2:].split()[0]


def sandbox_pids(parent):
    """Process ids of the hawk-sandbox children of `parent`."""
    pids = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                st = f.read()
        except OSError:
            continue
        comm = st[st.index("(") + 1:st.rindex(")")]
        ppid = int(st[st.rindex(")") + 2:].split()[1])
        if ppid == parent and comm.startswith("hawk-sandbox"):
            pids.append(int(d))
    return pids


class SandboxTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.pg = hawktest.PgCluster()
        cls.srv = hawktest.HawkServer(db_url=cls.pg.url, plugins=PLUGINS,
                                      extra_config=LIMITS,
                                      env={"HAWK_LUA_TEST_HOOKS": "1"})

    @classmethod
    def tearDownClass(cls):
        try:
            cls.srv.stop()
        finally:
            cls.srv.cleanup()
            cls.pg.destroy()

    # ---- helpers ----

    def user(self, plan="Career Pro"):
        auth = self.srv.register_and_login()
        if plan is not None:
            self.pg.psql(
                "INSERT INTO subscriptions (user_id, plan_id, status) "
                "SELECT u.id, p.id, 'active' FROM users u, plans p "
                "WHERE u.email = '%s' AND p.name = '%s'" % (auth["email"], plan))
        return auth["access_token"]

    def req(self, method, path, token, body=None):
        return self.srv.request(method, path, json=body, token=token)

    def create(self, token, source):
        st, _, body = self.req("POST", "/api/v1/workflows", token, {
            "name": "wf-%d" % int(time.time() * 1e6), "source": source})
        self.assertEqual(st, 201, body)
        return body

    def start(self, token, wf_id, dry_run=True):
        st, _, body = self.req("POST", "/api/v1/workflows/%d/run" % wf_id,
                               token, {"dry_run": dry_run})
        self.assertEqual(st, 202, body)
        return body["id"]

    def wait(self, token, wf_id, run_id, timeout=60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            st, _, body = self.req(
                "GET", "/api/v1/workflows/%d/runs/%d" % (wf_id, run_id), token)
            self.assertEqual(st, 200, body)
            if body["status"] in ("succeeded", "failed", "cancelled"):
                return body
            time.sleep(0.05)
        self.fail("run %d did not finish in %ss" % (run_id, timeout))

    def run_script(self, token, source, during=None, dry_run=True):
        wf = self.create(token, source)
        run_id = self.start(token, wf["id"], dry_run)
        if during is not None:
            during()
        return self.wait(token, wf["id"], run_id)

    def assert_health_answers(self):
        st, _, _ = self.srv.request("GET", "/health", timeout=5)
        self.assertEqual(st, 200)

    def assert_next_run_works(self):
        other = self.user()
        run = self.run_script(other, run_body(
            'hawk.log("still here", {n = #hawk.search{keywords = "x"}})'))
        self.assertEqual(run["status"], "succeeded", run)
        self.assertEqual(run["log"][0]["msg"], "still here")

    def attempts(self, run_id):
        return int(self.pg.psql(
            "SELECT attempts FROM queue_jobs WHERE kind = 'workflow_run' "
            "AND payload::jsonb->>'run_id' = '%d'" % run_id))

    # ---- tests ----

    def test_scripts_never_run_in_the_server(self):
        tok = self.user()
        run = self.run_script(tok, run_body(
            "local ok, err = hawk._test_open('/etc/hostname')\n"
            "hawk.log('open', {ok = ok, err = err})"))
        self.assertEqual(run["status"], "succeeded", run)
        self.assertEqual(run["log"][0]["fields"]["ok"], False)
        self.assertIn("not permitted", run["log"][0]["fields"]["err"])
        self.assertTrue(sandbox_pids(self.srv.proc.proc.pid))

    def test_crash_mid_run(self):
        tok = self.user()
        run = self.run_script(tok, run_body(
            "hawk.log('before the crash')\nhawk._test_crash()"))
        self.assertEqual(run["status"], "failed", run)
        self.assertIn("the sandbox process crashed (signal 6", run["error"])
        self.assertEqual(run["limit"], "sandbox_crashed")
        self.assertEqual(run["log"][0]["msg"], "before the crash")
        self.assertEqual(self.attempts(run["id"]), 1)
        self.assert_health_answers()
        self.assert_next_run_works()
        st, _, text = self.srv.request("GET", "/metrics")
        self.assertEqual(st, 200)
        text = text.decode() if isinstance(text, bytes) else text
        self.assertIn('hawk_lua_sandbox_stopped_total{reason="died"}', text)
        self.assertIn("hawk_lua_sandbox_started_total", text)

    def test_kill_9_from_outside(self):
        tok = self.user()
        server = self.srv.proc.proc.pid
        health = []

        def kill_during():
            # the sandbox spinning in the run is the one running
            deadline = time.time() + 10
            while time.time() < deadline:
                busy = [p for p in sandbox_pids(server) if proc_state(p) == "R"]
                if busy:
                    time.sleep(0.1)
                    for pid in busy:
                        os.kill(pid, 9)
                    break
                time.sleep(0.02)
            st, _, _ = self.srv.request("GET", "/health", timeout=5)
            health.append(st)

        run = self.run_script(tok, run_body("hawk._test_spin(1.5)"),
                              during=kill_during)
        self.assertEqual(health, [200])
        self.assertEqual(run["status"], "failed", run)
        self.assertIn("the sandbox process was killed (signal 9)", run["error"])
        self.assertEqual(self.attempts(run["id"]), 1)
        self.assert_health_answers()
        self.assert_next_run_works()

    def test_c_call_outliving_the_wall_clock(self):
        tok = self.user()
        t0 = time.time()
        run = self.run_script(tok, run_body("hawk._test_spin(60)"))
        self.assertLess(time.time() - t0, 10)
        self.assertEqual(run["status"], "failed", run)
        self.assertIn("wall-clock limit of 2 s exceeded (the sandbox process "
                      "was stopped)", run["error"])
        self.assertEqual(run["limit"], "max_wall")
        self.assertLess(run["duration_ms"], 2000 + 1000)
        self.assert_health_answers()
        self.assert_next_run_works()

    @unittest.skipIf(ASAN, "AddressSanitizer builds run without RLIMIT_AS")
    def test_allocation_bomb_meets_the_address_space_limit(self):
        tok = self.user()
        run = self.run_script(tok, run_body(
            "hawk.log('got', {mib = hawk._test_alloc(4096)})"))
        self.assertEqual(run["status"], "succeeded", run)
        self.assertLess(run["log"][0]["fields"]["mib"], 256)
        self.assert_health_answers()
        self.assert_next_run_works()

    def test_plan_count_checked_before_top_level_code(self):
        tok = self.user(plan=None)  # Free Trial: one workflow
        self.create(tok, "function run() end\n")
        t0 = time.time()
        st, _, body = self.req("POST", "/api/v1/workflows", tok, {
            "name": "second",
            "source": "hawk._test_spin(5)\nfunction run() end\n"})
        self.assertEqual(st, 403, body)
        self.assertEqual(body["error"]["code"], "plan_limit")
        # far less than the 5 s the top level would spin (loaded machines)
        self.assertLess(time.time() - t0, 3.0)

    def test_save_time_check_runs_in_a_sandbox(self):
        tok = self.user()
        st, _, body = self.req("POST", "/api/v1/workflows", tok, {
            "name": "crashy", "source": "hawk._test_crash()\nfunction run() end\n"})
        self.assertEqual(st, 400, body)
        self.assertIn("the sandbox process crashed", body["error"]["message"])
        self.assert_health_answers()
        self.assert_next_run_works()

    def test_one_user_cannot_hold_every_worker(self):
        # Job Seeker sets no workflow_concurrency: one run of a user at a
        # time, whatever the number of workers.
        a = self.user(plan="Job Seeker")
        b = self.user(plan="Job Seeker")
        wf = self.create(a, run_body("hawk._test_spin(1)"))
        runs = [self.start(a, wf["id"]) for _ in range(3)]
        time.sleep(0.3)
        t0 = time.time()
        wfb = self.create(b, run_body("hawk.log('quick')"))
        rb = self.wait(b, wfb["id"], self.start(b, wfb["id"]))
        self.assertEqual(rb["status"], "succeeded", rb)
        self.assertLess(time.time() - t0, 3.0)
        done = [self.wait(a, wf["id"], r, timeout=30) for r in runs]
        for r in done:
            self.assertEqual(r["status"], "succeeded", r)
        spans = sorted((float(self.pg.psql(
            "SELECT extract(epoch FROM started_at) FROM workflow_runs "
            "WHERE id = %d" % r["id"])), float(self.pg.psql(
                "SELECT extract(epoch FROM finished_at) FROM workflow_runs "
                "WHERE id = %d" % r["id"]))) for r in done)
        for (s1, e1), (s2, _) in zip(spans, spans[1:]):
            self.assertGreaterEqual(s2, e1 - 0.05, spans)

    def test_top_level_log_in_the_save_response(self):
        tok = self.user()
        body = self.create(tok, 'hawk.log("loaded", {n = 1})\n'
                                'hawk.warn("careful")\nfunction run() end\n')
        self.assertEqual([l["msg"] for l in body["log"]], ["loaded", "careful"])
        self.assertEqual(body["log"][0]["fields"], {"n": 1})
        self.assertEqual(body["log"][1]["level"], "warn")

    def resume_of(self, token):
        st, _, body = self.req("POST", "/api/v1/resumes", token, {
            "name": "cv-%d" % int(time.time() * 1e6),
            "structured": {"personal_information": {
                "name": "T", "surname": "U", "email": "t@example.test"}}})
        self.assertEqual(st, 201, body)
        return body["id"]

    def test_apply_honours_the_resume_option(self):
        tok = self.user()
        mine = self.resume_of(tok)
        theirs = self.resume_of(self.user())
        run = self.run_script(tok, run_body(
            "local jobs = hawk.search{keywords = 'c'}\n"
            "local r = hawk.apply(jobs[1], {resume = %d, review = true})\n"
            "hawk.log('applied', {id = r.application_id})" % mine),
            dry_run=False)
        self.assertEqual(run["status"], "succeeded", run)
        app_id = run["log"][-1]["fields"]["id"]
        self.assertEqual(self.pg.psql(
            "SELECT resume_id FROM applications WHERE id = %d" % app_id),
            str(mine))
        # another user's resume: a clear error and no application
        before = self.pg.psql("SELECT count(*) FROM applications")
        run = self.run_script(tok, run_body(
            "local jobs = hawk.search{keywords = 'c'}\n"
            "hawk.apply(jobs[2], {resume = %d})" % theirs), dry_run=False)
        self.assertEqual(run["status"], "failed", run)
        self.assertIn("hawk.apply: resume %d is not one of your resumes" % theirs,
                      run["error"])
        self.assertEqual(self.pg.psql("SELECT count(*) FROM applications"), before)

    def test_application_counts(self):
        tok = self.user()
        run = self.run_script(tok, run_body(
            "local jobs = hawk.search{keywords = 'count'}\n"
            "assert(hawk.applications() == 0)\n"
            "hawk.apply(jobs[1], {review = true})\n"
            "hawk.apply(jobs[2], {review = true})\n"
            "hawk.log('n', {all = hawk.applications(),\n"
            "  company = hawk.applications{company = jobs[1].company:upper()},\n"
            "  board = hawk.applications{board = jobs[1].board,\n"
            "                            since = hawk.now() - 86400},\n"
            "  other = hawk.applications{board = 'elsewhere'},\n"
            "  later = hawk.applications{since = hawk.now() + 3600}})"),
            dry_run=False)
        self.assertEqual(run["status"], "succeeded", run)
        n = run["log"][-1]["fields"]
        self.assertEqual(n["all"], 2)
        self.assertGreaterEqual(n["company"], 1)
        self.assertEqual(n["board"], 2)
        self.assertEqual(n["other"], 0)
        self.assertEqual(n["later"], 0)
        run = self.run_script(tok, run_body("hawk.applications{compnay = 'x'}"))
        self.assertEqual(run["status"], "failed", run)
        self.assertIn("unknown field 'compnay' (did you mean 'company'?)",
                      run["error"])

    def test_config_by_name_or_id(self):
        tok = self.user()
        email = self.pg.psql(
            "SELECT email FROM users ORDER BY id DESC LIMIT 1")
        ids = {}
        for name in ("berlin", "remote"):
            ids[name] = int(self.pg.psql(
                "INSERT INTO job_configs (user_id, name, is_active) SELECT id,"
                " '%s', false FROM users WHERE email = '%s' RETURNING id"
                % (name, email)).split()[0])
        run = self.run_script(tok, run_body(
            "local a = hawk.config('berlin')\n"
            "local b = hawk.config(%d)\n"
            "local ok, err = pcall(hawk.config, 'nope')\n"
            "hawk.log('cfg', {a = a.name, b = b.name, err = err})"
            % ids["remote"]))
        self.assertEqual(run["status"], "succeeded", run)
        f = run["log"][-1]["fields"]
        self.assertEqual(f["a"], "berlin")
        self.assertEqual(f["b"], "remote")
        self.assertIn("hawk.config: no job search named 'nope'", f["err"])
        # another user's id is not found
        other = self.user()
        run = self.run_script(other, run_body("hawk.config(%d)" % ids["berlin"]))
        self.assertEqual(run["status"], "failed", run)
        self.assertIn("no job search with id %d" % ids["berlin"], run["error"])


if __name__ == "__main__":
    unittest.main()
