"""The linkedin plugin's guest search and job details through the real
`hawk serve`, its Lua workflows and a real PostgreSQL, against the fixture
site (tests/fixtures/linkedin) standing in for LinkedIn on 127.0.0.1.

Covers: every filter reaches LinkedIn's request parameters; the normalized
jobs stored; pagination to the configured maximum and the empty last page;
details fetched on demand (description, criteria, applicants); LinkedIn's
429 answers backed off and retried (the test clock makes the waits
virtual and exact); a renamed class ending the run with board_outdated
and the selector's name, nothing half-stored; a job that no longer exists.
"""

import unittest

import hawktest
import litest


class LinkedInSearchTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.fx = litest.LinkedInFixture().start()
        cls.pg = hawktest.PgCluster()
        try:
            cls.srv = hawktest.HawkServer(
                db_url=cls.pg.url,
                plugins=litest.plugin_entry(cls.fx.base, retry_base="2s", retry_cap="8s"),
                env={"HAWK_TEST_CLOCK": "1"})
        except Exception:
            cls.pg.destroy()
            cls.fx.stop()
            raise
        cls.token = cls.srv.register_and_login()["access_token"]

    @classmethod
    def tearDownClass(cls):
        try:
            cls.srv.stop()
        finally:
            cls.srv.cleanup()
            cls.pg.destroy()
            cls.fx.stop()

    def setUp(self):
        self.fx.reset()

    def search(self, query, **kw):
        run = litest.run_workflow(self.srv, self.token, litest.search_script(query, **kw))
        self.assertEqual(run["status"], "succeeded", run)
        return litest.logged_jobs(run)

    def search_requests(self):
        return [r["query"] for r in self.fx.requests("/jobs-guest/jobs/api/seeMoreJobPostings")]

    def test_every_filter_reaches_linkedin(self):
        jobs = self.search('{board = "linkedin", keywords = "engineer", location = "Germany",'
                           ' distance = 50, posted_within = "30d", remote = true,'
                           ' experience = {"mid_senior", "director"}, job_type = "full_time",'
                           ' easy_apply = true, limit = 5}')
        q = self.search_requests()[0]
        self.assertEqual(q["keywords"], "engineer")
        self.assertEqual(q["location"], "Germany")
        self.assertEqual(q["distance"], "50")
        self.assertEqual(q["f_TPR"], "r%d" % (30 * 86400))
        self.assertEqual(q["f_WT"], "2")
        self.assertEqual(q["f_E"], "4,5")
        self.assertEqual(q["f_JT"], "F")
        self.assertEqual(q["f_AL"], "true")
        self.assertEqual(q["start"], "0")
        # The fixture filters like LinkedIn: remote, senior, full-time,
        # Easy Apply engineering jobs in Germany.
        self.assertEqual([j["id"] for j in jobs], ["4100000006", "4100000010"])
        k = jobs[0]
        self.assertEqual(k["title"], "Kernel Engineer")
        self.assertEqual(k["company"], "Tux Systems")
        self.assertEqual(k["location"], "Germany (Remote)")
        self.assertEqual(k["workplace"], "remote")
        self.assertTrue(k["easy_apply"])
        self.assertEqual(k["url"], self.fx.base + "/jobs/view/4100000006/")
        rows = self.pg.psql("SELECT external_id, title, company, workplace, easy_apply,"
                            " posted_at IS NOT NULL FROM jobs WHERE board = 'linkedin'"
                            " AND external_id = '4100000006'")
        self.assertEqual(rows, "4100000006|Kernel Engineer|Tux Systems|remote|t|t")

    def test_hybrid_onsite_and_no_filters(self):
        jobs = self.search('{board = "linkedin", keywords = "c engineer"}')
        q = self.search_requests()[0]
        for absent in ("location", "distance", "f_TPR", "f_WT", "f_E", "f_JT", "f_AL", "f_C"):
            self.assertNotIn(absent, q)
        self.assertEqual([j["id"] for j in jobs],
                         ["4100000001", "4100000008", "4100000009", "4100000011",
                          "4100000014", "4100000016"])
        self.assertEqual(jobs[0]["salary"], "\u20ac80,000.00 - \u20ac95,000.00")
        self.assertEqual(jobs[0]["workplace"], "any")

    def test_pagination_and_empty_last_page(self):
        jobs = self.search('{board = "linkedin", keywords = "engineer", limit = 100}',
                           fields=("id",))
        starts = [r["start"] for r in self.search_requests()]
        # 22 matches: pages of 10, 10 and 2, then LinkedIn's empty answer
        # is not even needed: a short page is followed by one more request
        # that comes back empty.
        self.assertEqual(len(jobs), 22)
        self.assertEqual(len(set(j["id"] for j in jobs)), 22)
        self.assertEqual(starts, ["0", "10", "20", "22"])

    def test_limit_stops_paging(self):
        jobs = self.search('{board = "linkedin", keywords = "engineer", limit = 12}',
                           fields=("id",))
        self.assertEqual(len(jobs), 12)
        self.assertEqual([r["start"] for r in self.search_requests()], ["0", "10"])

    def test_details_on_demand(self):
        run = litest.run_workflow(self.srv, self.token, """function run()
  local jobs = hawk.search{board = "linkedin", keywords = "senior c engineer"}
  hawk.log("d", { text = jobs[1].description })
end
""")
        self.assertEqual(run["status"], "succeeded", run)
        text = [l for l in run["log"] if l["msg"] == "d"][0]["fields"]["text"]
        self.assertIn("About Acme Robotics", text)
        self.assertIn("- Write C11 that passes ASan and UBSan", text)
        self.assertIn("Seniority level: Mid-Senior level", text)
        self.assertIn("Employment type: Full-time", text)
        self.assertEqual([r["path"] for r in self.fx.requests("/jobs-guest/jobs/api/jobPosting/")],
                         ["/jobs-guest/jobs/api/jobPosting/4100000001"])
        row = self.pg.psql("SELECT applicants, description LIKE '%Industries: Software"
                           " Development%' FROM jobs WHERE external_id = '4100000001'")
        self.assertEqual(row, "37|t")

    def test_rate_limit_backs_off(self):
        self.fx.set_mode(search_429=2)
        jobs = self.search('{board = "linkedin", keywords = "kernel"}', fields=("id",))
        self.assertEqual([j["id"] for j in jobs], ["4100000006"])
        self.assertEqual(len(self.search_requests()), 3 + 1)
        sleeps = [l for l in self.srv.proc.log_lines() if l.get("msg") == "plugin sleep"]
        waits = [l["ms"] for l in sleeps][-2:]
        # retry_base (2 s) doubling, jittered into the upper half.
        self.assertTrue(1000 <= waits[0] <= 2000, waits)
        self.assertTrue(2000 <= waits[1] <= 4000, waits)

    def test_rate_limit_gives_up(self):
        self.fx.set_mode(search_429=10)
        run = litest.run_workflow(self.srv, self.token,
                                  litest.search_script('{board = "linkedin", keywords = "kernel"}'))
        self.assertEqual(run["status"], "failed")
        self.assertIn("rate limiting", run["error"])
        # The first try and retry_max (3) retries, no more.
        self.assertEqual(len(self.search_requests()), 4)

    def test_renamed_class_is_board_outdated(self):
        before = self.pg.psql("SELECT count(*) FROM jobs")
        self.fx.set_mode(renamed={"base-search-card__title": "base-search-card__headline"})
        run = litest.run_workflow(self.srv, self.token,
                                  litest.search_script('{board = "linkedin", keywords = "engineer"}'))
        self.assertEqual(run["status"], "failed")
        self.assertIn("board_outdated", run["error"])
        self.assertIn("search.card.title", run["error"])
        # One page read, nothing stored from it, no scrolling on.
        self.assertEqual(len(self.search_requests()), 1)
        self.assertEqual(self.pg.psql("SELECT count(*) FROM jobs"), before)

    def test_removed_job(self):
        run = litest.run_workflow(self.srv, self.token, """function run()
  local jobs = hawk.search{board = "linkedin", keywords = "removed"}
  hawk.log("n", { n = #jobs })
  local ok, err = pcall(function() return jobs[1].description end)
  hawk.log("d", { ok = ok, err = tostring(err) })
end
""")
        self.assertEqual(run["status"], "succeeded", run)
        d = [l for l in run["log"] if l["msg"] == "d"][0]["fields"]
        self.assertFalse(d["ok"])
        self.assertIn("no longer exists", d["err"])

    def test_bad_filter_value(self):
        run = litest.run_workflow(self.srv, self.token, litest.search_script(
            '{board = "linkedin", keywords = "c", experience = "wizard"}'))
        self.assertEqual(run["status"], "failed")
        self.assertIn("unknown experience level 'wizard'", run["error"])
        self.assertEqual(self.search_requests(), [])


if __name__ == "__main__":
    unittest.main()
