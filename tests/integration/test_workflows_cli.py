"""`hawk workflow check FILE` and `hawk workflow run FILE --user EMAIL
[--dry-run]` against the real binary, PostgreSQL and the fixture plugins.
"""

import json
import os
import re
import tempfile
import unittest

import hawktest

SCRIPTS = os.path.join(hawktest.SRC, "scripts", "lua")
ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$")
# `check` needs a config (for the lua.* limits) but no database.
CHECK_ENV = {"HAWK_CONFIG": os.path.join(hawktest.SRC, "etc", "hawk.cfg")}


def check(path_or_args):
    args = path_or_args if isinstance(path_or_args, list) else [path_or_args]
    return hawktest.run_hawk(["workflow", "check"] + args, env=CHECK_ENV)


def write(tmpdir, name, text):
    path = os.path.join(tmpdir, name)
    with open(path, "w") as f:
        f.write(text)
    return path


class WorkflowCheckTests(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="hawk-wf-")

    def test_examples_check_ok_with_five_times(self):
        names = sorted(f for f in os.listdir(SCRIPTS)
                       if f.endswith(".lua") and f != "hawk.meta.lua")
        self.assertGreaterEqual(len(names), 5)
        for name in names:
            with self.subTest(example=name):
                rc, out, err = check(os.path.join(SCRIPTS, name))
                self.assertEqual(rc, 0, err)
                lines = out.splitlines()
                self.assertEqual(lines[0], "ok")
                times = [l for l in lines[1:] if ISO.match(l)]
                self.assertEqual(len(times), 5, out)

    def test_weekday_example_times_are_in_its_zone(self):
        rc, out, err = check(os.path.join(SCRIPTS, "weekday_mornings.lua"))
        self.assertEqual(rc, 0, err)
        for line in out.splitlines()[1:6]:
            self.assertRegex(line, r"T08:30:00\+0[12]:00$")

    def test_check_prints_the_top_level_log(self):
        path = write(self.tmp, "logs.lua",
                     'hawk.log("loaded", {n = 1})\nfunction run() end\n')
        rc, out, err = check(path)
        self.assertEqual(rc, 0, err)
        lines = out.splitlines()
        self.assertEqual(lines[0], 'info  loaded {"n":1}')
        self.assertEqual(lines[1], "ok")
        # also when the check fails afterwards
        path = write(self.tmp, "logs_bad.lua",
                     'hawk.log("before")\nerror("broken")\n')
        rc, out, err = check(path)
        self.assertEqual(rc, 1)
        self.assertEqual(out.splitlines()[0], "info  before")
        self.assertIn("%s:2: broken" % path, err)

    def test_errors_are_file_line_message(self):
        path = write(self.tmp, "bad.lua", "function run()\n  local = 1\nend\n")
        rc, out, err = check(path)
        self.assertEqual(rc, 1)
        self.assertRegex(err.strip(), "^%s:2: " % re.escape(path))
        self.assertEqual(out, "")
        path = write(self.tmp, "sched.lua",
                     '\n\nschedule = { cron = "0 25 * * *" }\nfunction run() end\n')
        rc, out, err = check(path)
        self.assertEqual(rc, 1)
        self.assertIn("%s:3: schedule.cron: hour field '25' out of range" % path, err)
        path = write(self.tmp, "norun.lua", "x = 1\n")
        rc, _, err = check(path)
        self.assertEqual(rc, 1)
        self.assertIn("defines no run() function", err)
        rc, _, err = check(os.path.join(self.tmp, "missing.lua"))
        self.assertEqual(rc, 1)
        self.assertIn("cannot open", err)
        rc, _, _ = check([])
        self.assertEqual(rc, 2)


class WorkflowRunCliTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.pg = hawktest.PgCluster()
        plugins = ('{ name = "good_jobboard"; path = "%s/good_jobboard.so"; },'
                   ' { name = "wf_llm"; path = "%s/wf_llm.so"; }'
                   % (hawktest.TEST_PLUGIN_DIR, hawktest.TEST_PLUGIN_DIR))
        cls.srv = hawktest.HawkServer(db_url=cls.pg.url, plugins=plugins)
        cls.email = cls.srv.register_and_login()["email"]

    @classmethod
    def tearDownClass(cls):
        try:
            cls.srv.stop()
        finally:
            cls.srv.cleanup()
            cls.pg.destroy()

    def test_run_dry_run_prints_log(self):
        tmp = tempfile.mkdtemp(prefix="hawk-wf-")
        path = write(tmp, "wf.lua", """
function run()
  local jobs = hawk.search{ keywords = "cli test" }
  for _, job in ipairs(jobs) do
    local r = hawk.apply(job)
    hawk.log("apply", { id = job.id, status = r.status })
  end
end
""")
        rc, out, err = hawktest.run_hawk(
            ["-c", self.srv.config, "workflow", "run", path, "--user", self.email,
             "--dry-run"], env=self.srv.env)
        self.assertEqual(rc, 0, err)
        applies = [json.loads(l.split(" apply ", 1)[1]) for l in out.splitlines()
                   if " apply {" in l]
        self.assertEqual(applies[0], {"id": "cli-test-1", "status": "dry_run"})
        self.assertEqual(len(applies), 3)
        self.assertIn("dry run: would apply to", out)
        self.assertIn("searched 3, skipped 0, scored 0, applied 3", out)
        self.assertEqual(self.pg.psql("SELECT count(*) FROM applications"), "0")

    def test_check_user_checks_the_plan(self):
        # The user has no plan row: the Free Trial (schedules at most daily).
        tmp = tempfile.mkdtemp(prefix="hawk-wf-")
        hourly = write(tmp, "hourly.lua",
                       'schedule = { cron = "0 * * * *" }\nfunction run() end\n')
        rc, _, err = check(hourly)
        self.assertEqual(rc, 0, err)
        rc, out, err = hawktest.run_hawk(
            ["-c", self.srv.config, "workflow", "check", hourly, "--user",
             self.email], env=self.srv.env)
        self.assertEqual(rc, 1, out)
        self.assertIn("plan: saving this workflow for %s would fail" % self.email,
                      err)
        self.assertIn("min_schedule_interval_minutes", err)
        daily = write(tmp, "daily.lua",
                      'schedule = { cron = "0 9 * * *" }\nfunction run() end\n')
        rc, out, err = hawktest.run_hawk(
            ["-c", self.srv.config, "workflow", "check", daily, "--user",
             self.email], env=self.srv.env)
        self.assertEqual(rc, 0, err)
        self.assertEqual(out.splitlines()[0], "ok")
        rc, _, err = hawktest.run_hawk(
            ["-c", self.srv.config, "workflow", "check", daily, "--user",
             "nobody@example.test"], env=self.srv.env)
        self.assertEqual(rc, 1)
        self.assertIn("no user with email 'nobody@example.test'", err)

    def test_run_errors(self):
        tmp = tempfile.mkdtemp(prefix="hawk-wf-")
        path = write(tmp, "loop.lua", "function run()\n  while true do end\nend\n")
        rc, out, err = hawktest.run_hawk(
            ["-c", self.srv.config, "workflow", "run", path, "--user", self.email,
             "--dry-run"], env=self.srv.env)
        self.assertEqual(rc, 1)
        self.assertIn("%s:2: instruction limit of 50000000 exceeded" % path, err)
        rc, _, err = hawktest.run_hawk(
            ["-c", self.srv.config, "workflow", "run", path, "--user",
             "nobody@example.test"], env=self.srv.env)
        self.assertEqual(rc, 1)
        self.assertIn("no user with email", err)


if __name__ == "__main__":
    unittest.main()
