"""Easy Apply through the linkedin plugin, end to end: a workflow's
hawk.apply() queues the submission, the real `hawk serve` worker lends the
plugin a real Chromium (over the real chromedriver), and the plugin fills
the fixture site's Easy Apply dialog (tests/fixtures/linkedin) on
127.0.0.1, which records what was submitted.

Covers: every field type filled with its typed answer (profile, answer
bank), the resume PDF uploaded, "follow the company" unticked, the
questions and their sources stored; and each way a run must stop without
submitting: a security check, an expired session, a field type the plugin
does not know, an inline error after Next, a job applied to already, a
closed job; each stop keeps a capture (screenshot and HTML) with the
application.  No chromedriver or Chromium is left when hawk stops.
"""

import json
import os
import time
import unittest

import hawktest
import litest
import pfutil

CONFIG = """
queue = { workers = 2; per_user_concurrency = 2; poll_interval = "100ms"; };
browser = { idle_timeout = "60s"; };
"""

RESUME = {
    "name": "profile", "is_default": True,
    "structured": {
        "personal_information": {"name": "Grace", "surname": "Hopper",
                                 "email": "grace@example.test",
                                 "phone": "1520 1234567", "city": "Berlin",
                                 "country": "Germany"},
        "experience_details": [{"position": "Engineer", "company": "Navy",
                                "employment_period": "1944 - 1986",
                                "skills_acquired": ["C"]}],
    },
}

# The answer bank for the fixture's "standard" form.
ANSWERS = {
    "Mobile phone number": "1520 1234567",
    "How many years of work experience do you have with C?": "12",
    "Are you legally authorized to work in Germany?": "Yes",
    "Will you now or in the future require sponsorship for employment visa status?": "No",
    "Why do you want to work at Acme Robotics?": "I build robots in C.",
    "City": "Berl",
    "Earliest start date": "2027-01-15",
    "Referral code": "12345",
}


def chromium_processes(marker):
    """Live processes whose command line names marker."""
    n = 0
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode("utf-8", "replace")
            with open("/proc/%s/stat" % pid) as f:
                state = f.read().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if marker in cmd and state not in ("Z", "X"):
            n += 1
    return n


class LinkedInApplyTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.fx = litest.LinkedInFixture().start()
        cls.pg = hawktest.PgCluster()
        try:
            cls.srv = hawktest.HawkServer(
                db_url=cls.pg.url, extra_config=CONFIG,
                plugins=litest.plugin_entry(cls.fx.base, session_cookie="valid-grace",
                                            min_gap="0s", typeahead_wait="5s"))
        except Exception:
            cls.pg.destroy()
            cls.fx.stop()
            raise
        cls.tok, cls.uid = cls.user()

    @classmethod
    def tearDownClass(cls):
        try:
            cls.srv.stop()
            # every chromedriver and Chromium hawk started ended with it
            left = chromium_processes(cls.srv.dir)
            if left:
                raise AssertionError("%d browser processes left" % left)
        finally:
            cls.srv.cleanup()
            cls.pg.destroy()
            cls.fx.stop()

    @classmethod
    def user(cls, answers=None):
        auth = cls.srv.register_and_login()
        tok = auth["access_token"]
        uid = int(cls.pg.psql("SELECT id FROM users WHERE email = '%s'" % auth["email"]))
        cls.pg.psql("INSERT INTO subscriptions (user_id, plan_id, status) "
                    "SELECT %d, id, 'active' FROM plans WHERE name = 'Career Pro'" % uid)
        st, _, body = cls.srv.request("POST", "/api/v1/resumes", json=RESUME, token=tok)
        assert st == 201, body
        ctype, body = pfutil.multipart([("name", "cv"),
                                        ("file", ("Grace Hopper.pdf", pfutil.PDF,
                                                  "application/pdf"))])
        st, _, up = cls.srv.request("POST", "/api/v1/resumes/upload", token=tok,
                                    headers={"Content-Type": ctype}, body=body)
        assert st == 201, up
        for q, a in (ANSWERS if answers is None else answers).items():
            st, _, ans = cls.srv.request("PUT", "/api/v1/answers", token=tok,
                                         json={"question": q, "answer": a})
            assert st == 200, ans
        return tok, uid

    def setUp(self):
        self.fx.reset()

    # ---- helpers ----

    def apply(self, job_id, keywords, tok=None):
        """Finds the fixture job through the guest search and applies to it
        with a workflow; waits for the submission job; returns
        (application, job row)."""
        src = """function run()
  for _, j in ipairs(hawk.search{board = "linkedin", keywords = "%s", limit = 25}) do
    if j.id == "%s" then
      local r = hawk.apply(j, {})
      hawk.log("apply", {id = r.application_id, status = r.status})
    end
  end
end
""" % (keywords, job_id)
        tok = tok or self.tok
        run = litest.run_workflow(self.srv, tok, src, dry_run=False)
        self.assertEqual(run["status"], "succeeded", run)
        applied = [l["fields"] for l in run["log"] if l["msg"] == "apply"]
        self.assertEqual(len(applied), 1, run["log"])
        app_id = applied[0]["id"]
        qid = int(self.pg.psql("SELECT id FROM queue_jobs WHERE kind = 'application_submit'"
                               " AND payload->>'application_id' = '%d'" % app_id))
        deadline = time.time() + 120
        while time.time() < deadline:
            row = self.pg.psql("SELECT state || '|' || attempts || '|' ||"
                               " coalesce(result::text, '') || '|' || coalesce(last_error, '')"
                               " FROM queue_jobs WHERE id = %d" % qid)
            state, attempts, result, error = row.split("|", 3)
            if state in ("done", "dead", "queued") and (state != "queued" or error):
                break
            time.sleep(0.2)
        else:
            self.fail("submission %d did not finish" % qid)
        st, _, app = self.srv.request("GET", "/api/v1/job-applications/%d" % app_id,
                                      token=tok)
        self.assertEqual(st, 200, app)
        return app, {"state": state, "attempts": int(attempts), "error": error,
                     "result": json.loads(result) if result else None}

    def captures(self, app_id):
        rows = self.pg.psql("SELECT reason || '|' || coalesce(length(screenshot), 0) || '|'"
                            " || coalesce(position('<html' in convert_from(html, 'UTF8')), 0)"
                            " FROM application_captures WHERE application_id = %d ORDER BY id"
                            % app_id)
        out = []
        for line in rows.splitlines():
            reason, png, html = line.split("|")
            out.append((reason, int(png) > 1000, int(html) > 0))
        return out

    def questions(self, app):
        return {q["question"]: (q["type"], q["answer"], q["source"]) for q in app["questions"]}

    # ---- tests ----

    def test_easy_apply_fills_every_field_and_submits(self):
        app, job = self.apply("4100000001", "senior c engineer")
        self.assertEqual(job["state"], "done", job)
        self.assertEqual(app["status"], "applied", app)
        subs = self.fx.submissions()
        self.assertEqual(len(subs), 1, subs)
        s = subs[0]
        self.assertEqual(s["job_id"], "4100000001")
        self.assertEqual(s["li_at"], "valid-grace")
        self.assertFalse(s["follow_company"])
        v = s["values"]
        self.assertEqual(v["First name"], "Grace")          # prefilled, kept
        self.assertEqual(v["Phone country code"], "Germany (+49)")
        self.assertEqual(v["Mobile phone number"], "1520 1234567")
        self.assertEqual(v["How many years of work experience do you have with C?"], "12")
        self.assertEqual(v["Are you legally authorized to work in Germany?"], "Yes")
        self.assertEqual(v["Will you now or in the future require sponsorship for employment"
                           " visa status?"], "No")
        self.assertEqual(v["Why do you want to work at Acme Robotics?"], "I build robots in C.")
        self.assertEqual(v["City"], "Berlin, Berlin, Germany")  # the suggestion picked
        self.assertEqual(v["Earliest start date"], "01/15/2027")
        self.assertEqual(v["I agree to the terms of service and privacy policy"],
                         ["I Agree Terms & Conditions"])
        f = s["files"]["Upload resume"]
        self.assertEqual(f["size"], len(pfutil.PDF))
        self.assertEqual(f["magic"], "%PDF-")
        self.assertTrue(f["name"].endswith(".pdf"), f)
        q = self.questions(app)
        self.assertEqual(q["How many years of work experience do you have with C?"],
                         ("number", "12", "bank"))
        self.assertEqual(q["Are you legally authorized to work in Germany?"],
                         ("single_choice", "Yes", "bank"))
        self.assertEqual(q["First name"][2], "prefilled")
        self.assertEqual(q["Upload resume"][2], "resume")
        self.assertEqual(q["I agree to the terms of service and privacy policy"][2], "terms")
        self.assertEqual(self.captures(app["id"]), [])

    def test_security_check_stops_with_a_capture(self):
        self.fx.set_mode(account="checkpoint-grace")
        app, job = self.apply("4100000003", "systems programmer")
        self.assertEqual(job["state"], "done", job)
        self.assertEqual(app["status"], "needs_attention", app)
        self.assertIn("security check", app["error"])
        self.assertEqual(self.captures(app["id"]), [("checkpoint", True, True)])
        self.assertEqual(self.fx.submissions(), [])
        # the user downloads what the browser showed
        cap = app["captures"]
        self.assertEqual([(c["reason"], c["screenshot"], c["html"]) for c in cap],
                         [("checkpoint", True, True)])
        base = "/api/v1/job-applications/%d/captures/%d/" % (app["id"], cap[0]["id"])
        st, h, png = self.srv.request("GET", base + "screenshot", token=self.tok)
        self.assertEqual(st, 200)
        self.assertEqual(h["content-type"], "image/png")
        self.assertEqual(png[:4], b"\x89PNG")
        st, h, page = self.srv.request("GET", base + "html", token=self.tok)
        self.assertEqual(st, 200)
        self.assertIn(b"quick security check", page)
        self.assertEqual(h["content-security-policy"], "sandbox")
        self.assertTrue(h["content-disposition"].startswith("attachment"), h)
        st, _, body = self.srv.request("GET", base + "pdf", token=self.tok)
        self.assertEqual(st, 404, body)
        self.assertIn("screenshot and html", body["error"]["message"])
        # nobody else's
        other, _ = self.user({})
        st, _, body = self.srv.request("GET", base + "screenshot", token=other)
        self.assertEqual(st, 404, body)

    def test_expired_session_stops(self):
        self.fx.set_mode(account="expired-grace")
        app, job = self.apply("4100000009", "software engineer")
        self.assertEqual(app["status"], "needs_attention", app)
        self.assertIn("li_at session is missing or expired", app["error"])
        self.assertEqual(self.captures(app["id"]), [("signed_out", True, True)])
        self.assertEqual(self.fx.submissions(), [])

    def test_unknown_field_type_never_submits(self):
        app, job = self.apply("4100000006", "kernel engineer")
        self.assertEqual(app["status"], "needs_attention", app)
        self.assertIn("field type the plugin does not know", app["error"])
        self.assertIn("Rate your Linux kernel skills", app["error"])
        self.assertEqual(self.captures(app["id"]), [("unknown_field", True, True)])
        self.assertEqual(self.fx.submissions(), [])
        # the draft was discarded on the step it stopped at
        self.assertEqual([e["event"] for e in self.fx.events()], ["discard"])

    def test_inline_error_stops(self):
        app, job = self.apply("4100000008", "c engineer intern")
        self.assertEqual(app["status"], "needs_attention", app)
        self.assertIn("Enter a referral code like ZZ-123456", app["error"])
        self.assertEqual(self.captures(app["id"]), [("form_error", True, True)])
        self.assertEqual(self.fx.submissions(), [])

    def test_answer_of_the_wrong_type_never_submits(self):
        # Another user whose answer bank says "many" where a number is
        # asked; the phone number comes from the profile.
        tok, _ = self.user({"How many years of work experience do you have with C?": "many"})
        app, job = self.apply("4100000001", "senior c engineer", tok=tok)
        self.assertEqual(job["state"], "done", job)
        self.assertEqual(app["status"], "needs_attention", app)
        self.assertIn("needs a whole number; the answer was 'many'", app["error"])
        q = self.questions(app)
        self.assertEqual(q["Mobile phone number"], ("text", "1520 1234567", "profile"))
        self.assertEqual(self.captures(app["id"]), [("unanswerable", True, True)])
        self.assertEqual(self.fx.submissions(), [])
        self.assertEqual([e["event"] for e in self.fx.events()], ["discard"])

    def test_kill_switch(self):
        tok, _ = self.user()
        st, _, body = self.srv.request("POST", "/api/v1/boards/linkedin/pause", token=tok)
        self.assertEqual(st, 200, body)
        self.assertEqual((body["board"], body["paused"]), ("linkedin", True))
        self.assertIn("paused_at", body)
        app, job = self.apply("4100000010", "backend engineer", tok=tok)
        self.assertEqual(job["state"], "done", job)
        self.assertEqual(app["status"], "needs_attention", app)
        self.assertIn("submissions to linkedin are paused; nothing was sent", app["error"])
        self.assertEqual(self.fx.requests("/jobs/view/"), [])
        self.assertEqual(self.fx.submissions(), [])
        st, _, body = self.srv.request("DELETE", "/api/v1/boards/linkedin/pause", token=tok)
        self.assertEqual((st, body["paused"]), (200, False))
        st, _, body = self.srv.request("POST", "/api/v1/boards/Linked%20In/pause", token=tok)
        self.assertEqual(st, 400, body)
        self.assertEqual(body["error"]["field"], "board")
        st, _, body = self.srv.request("POST", "/api/v1/boards/linkedin/pause")
        self.assertEqual(st, 401, body)

    def test_already_applied_and_closed(self):
        app, _ = self.apply("4100000004", "c developer")
        self.assertEqual(app["status"], "applied", app)
        self.assertIn("already", app["history"][-1]["note"])
        app, _ = self.apply("4100000007", "junior c programmer")
        self.assertEqual(app["status"], "needs_attention", app)
        self.assertIn("no longer accepts applications", app["error"])
        self.assertEqual(self.fx.submissions(), [])


class LinkedInApplyWithoutBrowserTests(unittest.TestCase):
    """A node without chromedriver, and a resume over LinkedIn's limit."""

    @classmethod
    def setUpClass(cls):
        cls.fx = litest.LinkedInFixture().start()
        cls.pg = hawktest.PgCluster()
        try:
            cls.srv = hawktest.HawkServer(
                db_url=cls.pg.url,
                extra_config=CONFIG.replace('idle_timeout = "60s";',
                                            'chromedriver = "/nonexistent/chromedriver";'),
                plugins=litest.plugin_entry(cls.fx.base, session_cookie="valid-grace",
                                            min_gap="0s", max_upload_size="1KiB"))
        except Exception:
            cls.pg.destroy()
            cls.fx.stop()
            raise

    @classmethod
    def tearDownClass(cls):
        try:
            cls.srv.stop()
        finally:
            cls.srv.cleanup()
            cls.pg.destroy()
            cls.fx.stop()

    user = LinkedInApplyTests.__dict__["user"]
    apply = LinkedInApplyTests.apply
    captures = LinkedInApplyTests.captures

    def test_missing_chromedriver_is_retried_naming_the_package(self):
        type(self).tok, _ = self.user()
        app, job = self.apply("4100000003", "systems programmer")
        # the queue keeps it for a later attempt; the application waits
        self.assertEqual(job["state"], "queued", job)
        self.assertEqual(job["attempts"], 1, job)
        self.assertIn("install the Debian package chromium-driver", job["error"])
        self.assertEqual(app["status"], "queued", app)
        self.assertIn("attempt 1 of 5; retrying", app["error"])
        self.assertEqual(self.fx.submissions(), [])

    def test_resume_over_the_limit_stops_before_the_browser(self):
        type(self).tok, _ = self.user()
        big = pfutil.PDF + b"%" + b"x" * 3000 + b"\n"
        ctype, body = pfutil.multipart([("name", "big"),
                                        ("file", ("big.pdf", big, "application/pdf"))])
        st, _, up = self.srv.request("POST", "/api/v1/resumes/upload", token=self.tok,
                                     headers={"Content-Type": ctype}, body=body)
        self.assertEqual(st, 201, up)
        app, job = self.apply("4100000009", "software engineer")
        self.assertEqual(job["state"], "done", job)
        self.assertEqual(app["status"], "needs_attention", app)
        self.assertIn("the resume is 3 KiB; LinkedIn accepts at most 1 KiB", app["error"])
        self.assertEqual(self.fx.submissions(), [])
        self.assertEqual(self.fx.requests("/jobs/view/"), [])


if __name__ == "__main__":
    unittest.main()
