"""Lua workflows through the HTTP API and the queue, with real PostgreSQL
and the fixture plugins good_jobboard (jobboard) and wf_llm (llm) loaded
by the host as .so files.

Covers: saving (syntax, schedule and plan errors are 400/403 and save
nothing), runs through the queue (log lines, counts, errors with a
traceback), every limit tripping with its named error while other users'
runs go on, the daily application limits, hawk.state's cap, review
(approve / reject), scoping (another user's workflow is 404) and the
shipped example scripts in dry-run mode.
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
    max_instructions = 5000000;
    max_memory = "8MiB";
    max_wall = "10s";
    max_host_calls = 200;
    state_max = "1KiB";
};
queue = { workers = 2; per_user_concurrency = 2; };
"""

SCRIPTS = os.path.join(hawktest.SRC, "scripts", "lua")

RESUME = {
    "name": "main", "is_default": True,
    "structured": {
        "personal_information": {"name": "Test", "surname": "User",
                                 "email": "test@example.test",
                                 "summary": "C developer, ten years of embedded work"},
        "experience_details": [{"position": "Engineer", "company": "Acme",
                                "employment_period": "2015 - 2025"}],
    },
}

OK_SCRIPT = """
schedule = { cron = "0 9 * * *", tz = "Europe/Berlin" }

function run()
  local jobs = hawk.search{ keywords = "c developer", limit = 3 }
  for _, job in ipairs(jobs) do
    hawk.log("found", { id = job.id, title = job.title })
  end
  local s = hawk.llm.score(jobs[1])
  hawk.log("score", { score = s.score })
  local r = hawk.apply(jobs[1])
  hawk.log("apply", { status = r.status })
end
"""


def run_body(body):
    """A script whose run() is `body` and which has no schedule."""
    return "function run()\n%s\nend\n" % body


class WorkflowTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.pg = hawktest.PgCluster()
        cls.srv = hawktest.HawkServer(db_url=cls.pg.url, plugins=PLUGINS,
                                      extra_config=LIMITS)

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
        # the LLM features score against the default resume
        st, _, body = self.srv.request("POST", "/api/v1/resumes", token=auth["access_token"],
                                       json=RESUME)
        if st != 201:
            raise AssertionError("resume: %s %s" % (st, body))
        if plan is not None:
            self.pg.psql(
                "INSERT INTO subscriptions (user_id, plan_id, status) "
                "SELECT u.id, p.id, 'active' FROM users u, plans p "
                "WHERE u.email = '%s' AND p.name = '%s'" % (auth["email"], plan))
        return auth["access_token"]

    def req(self, method, path, token, body=None):
        return self.srv.request(method, path, json=body, token=token)

    def create(self, token, source, name=None, expect=201):
        name = name or "wf-%d" % int(time.time() * 1e6)
        st, _, body = self.req("POST", "/api/v1/workflows", token,
                               {"name": name, "source": source})
        self.assertEqual(st, expect, body)
        return body

    def start(self, token, wf_id, dry_run=True):
        st, _, body = self.req("POST", "/api/v1/workflows/%d/run" % wf_id,
                               token, {"dry_run": dry_run})
        self.assertEqual(st, 202, body)
        self.assertEqual(body["status"], "queued")
        return body["id"]

    def wait(self, token, wf_id, run_id, timeout=60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            st, _, body = self.req(
                "GET", "/api/v1/workflows/%d/runs/%d" % (wf_id, run_id), token)
            self.assertEqual(st, 200, body)
            if body["status"] in ("succeeded", "failed", "cancelled"):
                return body
            time.sleep(0.1)
        self.fail("run %d did not finish in %ss" % (run_id, timeout))

    def run_script(self, token, source, dry_run=True):
        wf = self.create(token, source)
        run = self.wait(token, wf["id"], self.start(token, wf["id"], dry_run))
        return wf, run

    def count(self, table, token_email_sql="true"):
        return int(self.pg.psql("SELECT count(*) FROM %s WHERE %s" %
                                (table, token_email_sql)))

    def assert_healthy_after(self, other_token):
        """Another user's run still works after a bad one."""
        _, run = self.run_script(other_token, run_body(
            'hawk.log("still here", {n = #hawk.search{keywords = "x"}})'))
        self.assertEqual(run["status"], "succeeded", run)
        self.assertEqual(run["log"][0]["msg"], "still here")
        self.assertEqual(run["log"][0]["fields"]["n"], 3)

    # ---- saving ----

    def test_create_get_list_update_delete(self):
        tok = self.user()
        wf = self.create(tok, OK_SCRIPT, name="daily")
        self.assertEqual(wf["name"], "daily")
        self.assertTrue(wf["enabled"])
        self.assertEqual(wf["schedule"]["cron"], "0 9 * * *")
        self.assertEqual(len(wf["next_runs"]), 5)
        self.assertRegex(wf["next_runs"][0], r"T09:00:00\+0[12]:00$")
        st, _, got = self.req("GET", "/api/v1/workflows/%d" % wf["id"], tok)
        self.assertEqual(st, 200)
        self.assertEqual(got["source"], OK_SCRIPT)
        st, _, lst = self.req("GET", "/api/v1/workflows?page=1&per_page=10", tok)
        self.assertEqual(st, 200)
        self.assertEqual(lst["total"], 1)
        self.assertEqual(lst["pages"], 1)
        self.assertEqual(lst["items"][0]["id"], wf["id"])
        # the scheduler got the cron line
        self.assertEqual(self.pg.psql(
            "SELECT cron || '|' || tz FROM schedules WHERE name = 'workflow:%d'"
            % wf["id"]), "0 9 * * *|Europe/Berlin")
        st, _, upd = self.req("PATCH", "/api/v1/workflows/%d" % wf["id"], tok,
                              {"enabled": False, "name": "daily2"})
        self.assertEqual(st, 200, upd)
        self.assertFalse(upd["enabled"])
        self.assertEqual(upd["name"], "daily2")
        st, _, _ = self.req("DELETE", "/api/v1/workflows/%d" % wf["id"], tok)
        self.assertEqual(st, 204)
        st, _, _ = self.req("GET", "/api/v1/workflows/%d" % wf["id"], tok)
        self.assertEqual(st, 404)
        self.assertEqual(self.pg.psql(
            "SELECT count(*) FROM schedules WHERE name = 'workflow:%d'" % wf["id"]), "0")

    def test_syntax_error_is_400_with_line_and_not_saved(self):
        tok = self.user()
        st, _, body = self.req("POST", "/api/v1/workflows", tok, {
            "name": "bad", "source": "function run()\n  local x = = 1\nend\n"})
        self.assertEqual(st, 400, body)
        self.assertEqual(body["error"]["code"], "invalid_script")
        self.assertEqual(body["error"]["line"], 2)
        self.assertIn("bad (new workflow), line 2:", body["error"]["message"])
        st, _, lst = self.req("GET", "/api/v1/workflows", tok)
        self.assertEqual(lst["total"], 0)

    def test_schedule_error_is_400_with_line_and_not_saved(self):
        tok = self.user()
        src = '-- c\nschedule = { cron = "61 * * * *" }\nfunction run() end\n'
        st, _, body = self.req("POST", "/api/v1/workflows", tok,
                               {"name": "bad", "source": src})
        self.assertEqual(st, 400, body)
        self.assertEqual(body["error"]["line"], 2)
        self.assertIn("schedule.cron: minute field '61' out of range",
                      body["error"]["message"])
        src = 'schedule = { cron = "0 9 * * *", tz = "Mars/Base" }\nfunction run() end\n'
        st, _, body = self.req("POST", "/api/v1/workflows", tok,
                               {"name": "bad", "source": src})
        self.assertEqual(st, 400)
        self.assertIn("unknown time zone 'Mars/Base'", body["error"]["message"])
        st, _, body = self.req("POST", "/api/v1/workflows", tok,
                               {"name": "bad", "source": "x = 1\n"})
        self.assertEqual(st, 400)
        self.assertIn("defines no run() function", body["error"]["message"])
        # host calls at load time are refused: the script is not run on save
        st, _, body = self.req("POST", "/api/v1/workflows", tok, {
            "name": "bad", "source": "hawk.apply({})\nfunction run() end\n"})
        self.assertEqual(st, 400)
        st, _, lst = self.req("GET", "/api/v1/workflows", tok)
        self.assertEqual(lst["total"], 0)

    def test_bad_fields_are_400_naming_the_field(self):
        tok = self.user()
        st, _, body = self.req("POST", "/api/v1/workflows", tok,
                               {"name": "x", "source": OK_SCRIPT, "enabld": True})
        self.assertEqual(st, 400)
        self.assertEqual(body["error"]["field"], "enabld")
        st, _, body = self.req("POST", "/api/v1/workflows", tok,
                               {"name": 5, "source": OK_SCRIPT})
        self.assertEqual(st, 400)
        self.assertEqual(body["error"]["field"], "name")
        st, _, body = self.req("POST", "/api/v1/workflows", tok, {"name": "x"})
        self.assertEqual(st, 400)
        self.assertEqual(body["error"]["field"], "source")
        st, _, body = self.req("POST", "/api/v1/workflows", tok, {
            "name": "x", "source": OK_SCRIPT + "-- " + "x" * 70000})
        self.assertEqual(st, 400)
        self.assertEqual(body["error"]["field"], "source")
        self.create(tok, OK_SCRIPT, name="dup")
        st, _, body = self.req("POST", "/api/v1/workflows", tok,
                               {"name": "DUP", "source": OK_SCRIPT})
        self.assertEqual(st, 409, body)
        st, _, lst = self.req("GET", "/api/v1/workflows", tok)
        self.assertEqual(lst["total"], 1)

    def test_plan_limits_on_save(self):
        tok = self.user(plan=None)  # Free Trial: 1 workflow, daily at most
        st, _, body = self.req("POST", "/api/v1/workflows", tok, {
            "name": "minutely",
            "source": 'schedule = { cron = "* * * * *" }\nfunction run() end\n'})
        self.assertEqual(st, 403, body)
        self.assertEqual(body["error"]["code"], "plan_limit")
        self.assertIn("min_schedule_interval_minutes", body["error"]["message"])
        self.create(tok, OK_SCRIPT, name="one")
        st, _, body = self.req("POST", "/api/v1/workflows", tok,
                               {"name": "two", "source": OK_SCRIPT})
        self.assertEqual(st, 403, body)
        self.assertEqual(body["error"]["code"], "plan_limit")
        st, _, lst = self.req("GET", "/api/v1/workflows", tok)
        self.assertEqual(lst["total"], 1)

    def test_other_users_workflow_is_404(self):
        alice = self.user()
        bob = self.user()
        wf = self.create(alice, OK_SCRIPT)
        run_id = self.start(alice, wf["id"])
        for method, path in (("GET", "/api/v1/workflows/%d"),
                             ("PUT", "/api/v1/workflows/%d"),
                             ("DELETE", "/api/v1/workflows/%d"),
                             ("POST", "/api/v1/workflows/%d/run"),
                             ("GET", "/api/v1/workflows/%d/runs")):
            body = {"enabled": False} if method == "PUT" else None
            st, _, resp = self.req(method, path % wf["id"], bob, body)
            self.assertEqual(st, 404, (method, path, resp))
            self.assertNotIn("source", resp)
        st, _, _ = self.req("GET", "/api/v1/workflows/%d/runs/%d" % (wf["id"], run_id), bob)
        self.assertEqual(st, 404)
        self.wait(alice, wf["id"], run_id)

    # ---- runs ----

    def test_dry_run_through_the_queue(self):
        tok = self.user()
        wf, run = self.run_script(tok, OK_SCRIPT)
        self.assertEqual(run["status"], "succeeded", run)
        self.assertTrue(run["dry_run"])
        self.assertEqual(run["counts"], {"searched": 3, "skipped": 0,
                                         "scored": 1, "applied": 1})
        msgs = [l["msg"] for l in run["log"]]
        self.assertEqual(msgs[:3], ["found", "found", "found"])
        self.assertIn("score", msgs)
        apply_line = [l for l in run["log"] if l["msg"] == "apply"][0]
        self.assertEqual(apply_line["fields"]["status"], "dry_run")
        self.assertEqual([l for l in run["log"] if l["msg"] == "score"][0]
                         ["fields"]["score"], 8)
        # dry run: nothing recorded
        self.assertEqual(self.pg.psql(
            "SELECT count(*) FROM applications a JOIN workflows w ON"
            " w.user_id = a.user_id WHERE w.id = %d" % wf["id"]), "0")
        st, _, runs = self.req("GET", "/api/v1/workflows/%d/runs" % wf["id"], tok)
        self.assertEqual(st, 200)
        self.assertEqual(runs["total"], 1)
        self.assertEqual(runs["items"][0]["id"], run["id"])
        self.assertNotIn("log", runs["items"][0])

    def test_real_run_records_application(self):
        tok = self.user()
        wf, run = self.run_script(tok, OK_SCRIPT, dry_run=False)
        self.assertEqual(run["status"], "succeeded", run)
        self.assertEqual(run["counts"]["applied"], 1)
        # queued, then sent by the application_submit job
        self.assertIn(self.pg.psql(
            "SELECT a.status FROM applications a JOIN workflows w ON"
            " w.user_id = a.user_id WHERE w.id = %d" % wf["id"]), ("queued", "applied"))
        # a second run finds the application and does not apply twice
        run2 = self.wait(tok, wf["id"], self.start(tok, wf["id"], False))
        self.assertEqual(run2["status"], "succeeded", run2)
        status = [l for l in run2["log"] if l["msg"] == "apply"][0]["fields"]["status"]
        self.assertEqual(status, "duplicate")
        self.assertEqual(run2["counts"]["applied"], 0)

    def test_runtime_error_has_line_and_traceback(self):
        tok = self.user()
        src = ("local function helper(t)\n"
               "  return t.missing.field\n"
               "end\n"
               "function run()\n"
               "  helper({})\n"
               "end\n")
        wf, run = self.run_script(tok, src)
        self.assertEqual(run["status"], "failed")
        self.assertEqual(run["error_line"], 2)
        self.assertIn("%s (workflow %d), line 2: " % (wf["name"], wf["id"]),
                      run["error"])
        self.assertIn("attempt to index a nil value", run["error"])
        self.assertIn("stack traceback:", run["traceback"])
        self.assertIn("workflow:%d:5:" % wf["id"], run["traceback"])

    def test_limits_end_the_run_and_workers_survive(self):
        tok = self.user()
        other = self.user()
        cases = [
            ("while true do end", "instruction limit of 5000000 exceeded", "max_instructions"),
            ("while true do pcall(function() while true do end end) end",
             "instruction limit of 5000000 exceeded", "max_instructions"),
            ("local t = {} while true do t[#t+1] = ('x'):rep(1e6) end",
             "memory limit of 8 MiB exceeded", "max_memory"),
            ('local s = string.rep("x", 1e10)', "memory limit of 8 MiB exceeded", "max_memory"),
            ('return ("a"):rep(1e5):find(".-.-.-.-.-b")',
             "instruction limit of 5000000 exceeded", "max_instructions"),
            ("for i = 1, 1000 do hawk.config() end", "host call limit of 200 exceeded",
             "max_host_calls"),
        ]
        for body, msg, limit in cases:
            with self.subTest(body=body):
                _, run = self.run_script(tok, run_body(body))
                self.assertEqual(run["status"], "failed", run)
                self.assertIn(msg, run["error"])
                self.assertEqual(run["limit"], limit)
                self.assert_healthy_after(other)

    def test_escapes_are_errors(self):
        tok = self.user()
        cases = [
            ("io.write('x')", "global 'io'"),
            ("os.execute('true')", "field 'execute'"),
            ("require('os')", "global 'require'"),
            ("load(string.dump(run))", "field 'dump'"),
            ("debug.getregistry()", "global 'debug'"),
            ("getmetatable('').__index = {}", "attempt to modify a read-only table"),
            ("setmetatable(_G, {})", "cannot change a protected metatable"),
            ("hawk.apply = print", "attempt to modify a read-only table"),
            ("setmetatable({}, {__gc = function() end})", "__gc metamethods are not allowed"),
            ("local f, e = load('\\27Lua') error(e)", "binary chunk"),
        ]
        for body, msg in cases:
            with self.subTest(body=body):
                _, run = self.run_script(tok, run_body(body))
                self.assertEqual(run["status"], "failed", run)
                self.assertIn(msg, run["error"])

    def test_daily_limits(self):
        # the plan's applications_per_day (Free Trial: 5)
        tok = self.user(plan=None)
        src = run_body("""
  for _, kw in ipairs({"alpha", "beta"}) do
    for _, job in ipairs(hawk.search{keywords = kw}) do
      local r = hawk.apply(job)
      hawk.log("applied", {id = job.id, status = r.status})
    end
  end""")
        wf, run = self.run_script(tok, src, dry_run=False)
        self.assertEqual(run["status"], "failed", run)
        self.assertIn("plan limit applications_per_day reached (5/5)", run["error"])
        self.assertEqual(run["counts"]["applied"], 5)
        self.assertEqual(self.pg.psql(
            "SELECT count(*) FROM applications a JOIN workflows w ON"
            " w.user_id = a.user_id WHERE w.id = %d" % wf["id"]), "5")
        # the script's own max_per_day
        tok = self.user()
        src2 = 'schedule = { max_per_day = 2 }\n' + src
        wf, run = self.run_script(tok, src2, dry_run=False)
        self.assertEqual(run["status"], "failed", run)
        self.assertIn("workflow limit max_per_day reached (2/2)", run["error"])
        self.assertEqual(self.pg.psql(
            "SELECT count(*) FROM applications a JOIN workflows w ON"
            " w.user_id = a.user_id WHERE w.id = %d" % wf["id"]), "2")
        # the next run of the same workflow today is still capped
        run2 = self.wait(tok, wf["id"], self.start(tok, wf["id"], False))
        self.assertIn("workflow limit max_per_day reached (2/2)", run2["error"])

    def test_state_persists_and_is_capped(self):
        tok = self.user()
        src = run_body("""
  local n = (hawk.state.get("count") or 0) + 1
  hawk.state.set("count", n)
  hawk.log("count", {n = n})""")
        wf = self.create(tok, src)
        for want in (1, 2):
            run = self.wait(tok, wf["id"], self.start(tok, wf["id"], dry_run=False))
            self.assertEqual(run["status"], "succeeded", run)
            self.assertEqual(run["log"][0]["fields"]["n"], want)
        # A dry run sees its own writes but changes nothing.
        for _ in range(2):
            run = self.wait(tok, wf["id"], self.start(tok, wf["id"]))
            self.assertEqual(run["status"], "succeeded", run)
            self.assertEqual(run["log"][0]["fields"]["n"], 3)
        self.assertEqual(self.pg.psql(
            "SELECT value::text FROM workflow_state WHERE key = 'count' AND "
            "user_id = (SELECT user_id FROM workflows WHERE id = %d)" % wf["id"]), "2")
        _, run = self.run_script(tok, run_body('hawk.state.set("big", ("x"):rep(2000))'))
        self.assertEqual(run["status"], "failed", run)
        self.assertIn("hawk.state.set: the state would use", run["error"])
        self.assertIn("the limit is 1024 bytes", run["error"])
        uid = "(SELECT user_id FROM workflows WHERE id = %d)" % wf["id"]
        self.assertEqual(self.pg.psql(
            "SELECT string_agg(key, ',' ORDER BY key) FROM workflow_state"
            " WHERE user_id = %s" % uid), "count")

    def test_review_approve_and_reject(self):
        tok = self.user()
        other = self.user()
        src = run_body("""
  for _, job in ipairs(hawk.search{keywords = "review me"}) do
    local r = hawk.apply(job, {review = true, cover_letter = "hello",
                               answers = {["years of c"] = "10"}})
    hawk.log("prepared", {application_id = r.application_id, status = r.status})
  end""")
        _, run = self.run_script(tok, src, dry_run=False)
        self.assertEqual(run["status"], "succeeded", run)
        ids = [l["fields"]["application_id"] for l in run["log"]]
        self.assertEqual([l["fields"]["status"] for l in run["log"]],
                         ["awaiting_review"] * 3)
        st, _, body = self.req("POST", "/api/v1/job-applications/%d/approve" % ids[0],
                               other, {})
        self.assertEqual(st, 404)
        st, _, body = self.req("POST", "/api/v1/job-applications/%d/approve" % ids[0],
                               tok, {"answers": {"notice period": "1 month"}})
        self.assertEqual(st, 200, body)
        self.assertEqual(body["status"], "approved")
        st, _, body = self.req("POST", "/api/v1/job-applications/%d/approve" % ids[0],
                               tok, {})
        self.assertEqual(st, 409, body)
        st, _, body = self.req("POST", "/api/v1/job-applications/%d/reject" % ids[1],
                               tok, {"status": "withdrawn"})
        self.assertEqual(st, 400)
        self.assertEqual(body["error"]["field"], "status")
        st, _, body = self.req("POST", "/api/v1/job-applications/%d/reject" % ids[1],
                               tok, {"note": "not for me"})
        self.assertEqual(st, 200, body)
        self.assertEqual(body["status"], "skipped")
        st, _, body = self.req("POST", "/api/v1/job-applications/%d/reject" % ids[2],
                               tok, {"status": "rejected"})
        self.assertEqual(body["status"], "rejected")
        # approved, then sent by the application_submit job
        self.assertIn(self.pg.psql(
            "SELECT string_agg(status, ',' ORDER BY id) FROM applications WHERE id IN (%s)"
            % ",".join(map(str, ids))), ("approved,skipped,rejected", "applied,skipped,rejected"))
        self.assertEqual(self.pg.psql(
            "SELECT count(*) FROM generated_documents WHERE application_id = %d" % ids[0]),
            "1")

    def test_next_run_schedule_runs_by_itself(self):
        tok = self.user()
        # a plan that allows a schedule this fast, for this test only
        self.pg.psql("UPDATE plans SET features = features ||"
                     " '{\"min_schedule_interval_minutes\": 0}'"
                     " WHERE name = 'Career Pro'")
        try:
            wf = self.create(tok, "function next_run(now) return now + 2 end\n"
                                  "function run() hawk.log('tick') end\n")
        finally:
            self.pg.psql("UPDATE plans SET features = features ||"
                         " '{\"min_schedule_interval_minutes\": 15}'"
                         " WHERE name = 'Career Pro'")
        self.assertEqual(len(wf["next_runs"]), 5)
        deadline = time.time() + 30
        runs = []
        while time.time() < deadline:
            st, _, lst = self.req("GET", "/api/v1/workflows/%d/runs" % wf["id"], tok)
            runs = [r for r in lst["items"] if r["status"] == "succeeded"]
            if len(runs) >= 2:
                break
            time.sleep(0.2)
        self.assertGreaterEqual(len(runs), 2, lst)
        self.assertTrue(all(r["trigger"] == "schedule" for r in runs))
        # scheduling the next run never cancels the one running
        self.assertEqual([r for r in lst["items"] if r["status"] == "cancelled"], [])
        # disabling stops it: the pending job is cancelled
        st, _, body = self.req("PATCH", "/api/v1/workflows/%d" % wf["id"], tok,
                               {"enabled": False})
        self.assertEqual(st, 200, body)
        time.sleep(1)
        st, _, before = self.req("GET", "/api/v1/workflows/%d/runs" % wf["id"], tok)
        time.sleep(4)
        st, _, after = self.req("GET", "/api/v1/workflows/%d/runs" % wf["id"], tok)
        self.assertEqual(before["total"], after["total"])
        self.assertIsNone(body["next_run_at"])

    # ---- the shipped examples ----

    def test_examples_run_in_dry_run_mode(self):
        tok = self.user()
        st, _, body = self.req("POST", "/api/v1/job-configs", tok, {
            "name": "main",
            "searches": [{"location": "Berlin", "positions": ["C developer", "Rust"]}],
            "company_blacklist": ["Initech"]})
        self.assertEqual(st, 201, body)
        names = sorted(f for f in os.listdir(SCRIPTS)
                       if f.endswith(".lua") and f != "hawk.meta.lua")
        self.assertGreaterEqual(len(names), 5)
        for name in names:
            with self.subTest(example=name):
                with open(os.path.join(SCRIPTS, name)) as f:
                    src = f.read()
                wf = self.create(tok, src, name=name)
                self.assertEqual(len(wf["next_runs"]), 5, wf)
                run = self.wait(tok, wf["id"], self.start(tok, wf["id"], True))
                self.assertEqual(run["status"], "succeeded", run)
                self.assertGreater(run["counts"]["searched"], 0, run)
        daily = [l for l in self.last_log(tok, "daily_apply.lua")]
        self.assertTrue(any("Initech" in l["msg"] for l in daily), daily)

    def last_log(self, tok, name):
        st, _, lst = self.req("GET", "/api/v1/workflows?per_page=100", tok)
        wf = [w for w in lst["items"] if w["name"] == name][0]
        st, _, runs = self.req("GET", "/api/v1/workflows/%d/runs" % wf["id"], tok)
        st, _, run = self.req("GET", "/api/v1/workflows/%d/runs/%d" %
                              (wf["id"], runs["items"][0]["id"]), tok)
        return run["log"]


if __name__ == "__main__":
    unittest.main()
