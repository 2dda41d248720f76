"""Application submission through the job board plugin: the queue job
application_submit, run by the real `hawk serve` workers against a real
PostgreSQL, with the fixture plugin good_jobboard loaded under the name
of its board ("good_jobboard") and recording every submission it
receives in a file (its submissions_file option).

Covers: a real workflow run ends `applied` with history and the documents,
answers and profile the plugin received; review -> approve -> applied;
reject -> never submitted, even when a submit job runs for it; a board
without plugin -> needs_attention; permanent, retryable and unclear
plugin answers; questions the board reports; two concurrent submit jobs
for one application submit it once; payload and user scoping errors.
"""

import json
import os
import shutil
import tempfile
import time
import unittest

import hawktest
import pfutil

DELAY_MS = 400

LLM = '{ name = "wf_llm"; path = "%s/wf_llm.so"; }' % hawktest.TEST_PLUGIN_DIR

CONFIG = """
queue = { workers = 4; per_user_concurrency = 4; poll_interval = "100ms"; };
"""

RESUME = {
    "name": "profile", "is_default": True,
    "structured": {
        "personal_information": {"name": "Grace", "surname": "Hopper",
                                 "email": "grace@example.test",
                                 "phone": "555 0100"},
        "experience_details": [{"position": "Engineer", "company": "Navy",
                                "employment_period": "1944 - 1986"}],
    },
}


def run_body(body):
    return "function run()\n%s\nend\n" % body


class ApplySubmitTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="hawk-apply-test-")
        cls.subs = os.path.join(cls.tmp, "submissions.jsonl")
        plugins = ('{ name = "good_jobboard"; path = "%s/good_jobboard.so";'
                   ' options = { submissions_file = "%s"; apply_delay = "%dms"; }; }, %s'
                   % (hawktest.TEST_PLUGIN_DIR, cls.subs, DELAY_MS, LLM))
        cls.pg = hawktest.PgCluster()
        try:
            cls.srv = hawktest.HawkServer(db_url=cls.pg.url, plugins=plugins,
                                          extra_config=CONFIG)
        except Exception:
            cls.pg.destroy()
            raise

    @classmethod
    def tearDownClass(cls):
        try:
            cls.srv.stop()
        finally:
            cls.srv.cleanup()
            cls.pg.destroy()
            shutil.rmtree(cls.tmp, ignore_errors=True)

    # ---- helpers ----

    def user(self):
        """A new Career Pro user with a structured default resume:
        (token, user id)."""
        auth = self.srv.register_and_login()
        tok = auth["access_token"]
        uid = int(self.pg.psql("SELECT id FROM users WHERE email = '%s'" % auth["email"]))
        self.pg.psql("INSERT INTO subscriptions (user_id, plan_id, status) "
                     "SELECT %d, id, 'active' FROM plans WHERE name = 'Career Pro'" % uid)
        st, _, body = self.req("POST", "/api/v1/resumes", tok, RESUME)
        self.assertEqual(st, 201, body)
        return tok, uid

    def req(self, method, path, token, body=None):
        return self.srv.request(method, path, json=body, token=token)

    def run_script(self, token, source, dry_run):
        st, _, wf = self.req("POST", "/api/v1/workflows", token,
                             {"name": "wf-%d" % int(time.time() * 1e6), "source": source})
        self.assertEqual(st, 201, wf)
        st, _, run = self.req("POST", "/api/v1/workflows/%d/run" % wf["id"], token,
                              {"dry_run": dry_run})
        self.assertEqual(st, 202, run)
        deadline = time.time() + 60
        while time.time() < deadline:
            st, _, body = self.req("GET", "/api/v1/workflows/%d/runs/%d" % (wf["id"], run["id"]),
                                   token)
            if body["status"] in ("succeeded", "failed", "cancelled"):
                self.assertEqual(body["status"], "succeeded", body)
                return body
            time.sleep(0.1)
        self.fail("workflow run did not finish")

    def find_jobs(self, token, keywords):
        """Lets a dry run search the fixture board so the user has its three
        jobs; returns their database ids by external id."""
        self.run_script(token, run_body('hawk.search{keywords = "%s"}' % keywords), True)
        rows = self.pg.psql("SELECT external_id || '=' || id FROM jobs WHERE board ="
                            " 'good_jobboard' AND external_id LIKE '%s-%%'"
                            % keywords.replace(" ", "-"))
        return dict(l.split("=") for l in rows.splitlines())

    def record(self, token, job_id):
        st, _, body = self.req("POST", "/api/v1/job-applications", token, {"job_id": int(job_id)})
        self.assertEqual(st, 201, body)
        self.assertEqual(body["status"], "queued")
        return body["id"]

    def inject(self, user_id, payload, copies=1, max_attempts=5):
        """Adds submit jobs directly (no unique key, as a retried or
        duplicated job would be); returns their ids."""
        uid = "NULL" if user_id is None else str(int(user_id))
        values = ",".join(
            ["('apply', 'application_submit', %s, '%s', %d, 600000, now(), now())"
             % (uid, json.dumps(payload), max_attempts)] * copies)
        ids = self.pg.psql("INSERT INTO queue_jobs (queue, kind, user_id, payload,"
                           " max_attempts, timeout_ms, run_at, created_at) VALUES %s"
                           " RETURNING id" % values)
        self.pg.psql("SELECT pg_notify('hawk_queue', 'apply 0')")
        return [int(x) for x in ids.split()]

    def wait_job(self, job_id, states=("done", "dead", "cancelled"), timeout=30):
        deadline = time.time() + timeout
        while time.time() < deadline:
            row = self.pg.psql("SELECT state || '|' || attempts || '|' || coalesce(result::text, '')"
                               " || '|' || coalesce(last_error, '') FROM queue_jobs WHERE id = %d"
                               % job_id)
            state, attempts, result, error = row.split("|", 3)
            if state in states:
                return {"state": state, "attempts": int(attempts),
                        "result": json.loads(result) if result else None,
                        "error": error}
            time.sleep(0.1)
        self.fail("job %d did not reach %s" % (job_id, states))

    def submit_jobs(self, app_id):
        rows = self.pg.psql("SELECT id FROM queue_jobs WHERE kind = 'application_submit'"
                            " AND payload->>'application_id' = '%d' ORDER BY id" % app_id)
        return [int(x) for x in rows.split()]

    def app(self, token, app_id):
        st, _, body = self.req("GET", "/api/v1/job-applications/%d" % app_id, token)
        self.assertEqual(st, 200, body)
        return body

    def wait_status(self, token, app_id, status, timeout=30):
        deadline = time.time() + timeout
        body = None
        while time.time() < deadline:
            body = self.app(token, app_id)
            if body["status"] == status:
                return body
            time.sleep(0.1)
        self.fail("application %d is %s, not %s" % (app_id, body and body["status"], status))

    def submissions(self, external_id=None):
        if not os.path.exists(self.subs):
            return []
        with open(self.subs) as f:
            lines = [json.loads(l) for l in f if l.strip()]
        return [l for l in lines if external_id is None or l["external_id"] == external_id]

    # ---- tests ----

    def test_workflow_run_applies_with_documents_answers_and_profile(self):
        tok, uid = self.user()
        ctype, body = pfutil.multipart([("name", "cv"),
                                        ("file", ("My CV (2025).pdf", pfutil.PDF,
                                                  "application/pdf"))])
        st, _, up = self.srv.request("POST", "/api/v1/resumes/upload", token=tok,
                                     headers={"Content-Type": ctype}, body=body)
        self.assertEqual(st, 201, up)
        st, _, ans = self.req("PUT", "/api/v1/answers", tok,
                              {"question": "Notice period?", "answer": "2 weeks"})
        self.assertEqual(st, 200, ans)
        run = self.run_script(tok, run_body("""
  local jobs = hawk.search{keywords = "submit me"}
  local r = hawk.apply(jobs[1], {cover_letter = "Dear team, hire me",
                                 answers = {["Years of C?"] = "12"}})
  hawk.log("apply", {status = r.status, id = r.application_id})"""), False)
        fields = [l["fields"] for l in run["log"] if l["msg"] == "apply"][0]
        self.assertEqual(fields["status"], "queued")
        app_id = fields["id"]
        # the workflow enqueued one submission, on the "apply" queue
        jobs = self.submit_jobs(app_id)
        self.assertEqual(len(jobs), 1)
        self.assertEqual(self.pg.psql("SELECT queue || '|' || user_id FROM queue_jobs"
                                      " WHERE id = %d" % jobs[0]), "apply|%d" % uid)
        job = self.wait_job(jobs[0])
        self.assertEqual(job["state"], "done", job)
        self.assertEqual(job["result"], {"application_id": app_id, "status": "applied",
                                         "submitted": True, "board": "good_jobboard"})
        body = self.wait_status(tok, app_id, "applied")
        self.assertIsNotNone(body["applied_at"])
        self.assertIsNone(body["error"])
        last = body["history"][-1]
        self.assertEqual((last["from"], last["to"], last["actor"]),
                         ("queued", "applied", "hawk"))
        self.assertEqual(last["note"], "submitted through good_jobboard")
        # what the board received
        subs = self.submissions("submit-me-1")
        self.assertEqual(len(subs), 1, subs)
        s = subs[0]
        self.assertEqual(s["user_id"], uid)
        self.assertEqual(s["job_url"], "https://jobs.example.test/submit-me-1")
        self.assertEqual(s["resume_name"], "My_CV_2025.pdf")
        self.assertEqual(s["resume_size"], len(pfutil.PDF))
        self.assertEqual(s["resume_head"], "%PDF-1.4")
        self.assertEqual(s["resume_mode"], 0o600)
        self.assertEqual(s["dir_mode"], 0o700)
        self.assertEqual(s["cover_letter_text"], "Dear team, hire me")
        self.assertEqual(s["cover_letter_file"], "Dear team, hire me")
        self.assertEqual(s["answers"]["years of c"], "12")
        self.assertEqual(s["answers"]["notice period"], "2 weeks")
        self.assertEqual(s["profile"], RESUME["structured"]["personal_information"])
        # the private directory is gone after the call
        self.assertFalse(os.path.exists(s["resume_dir"]), s["resume_dir"])
        # the daily quota was charged once, when the application was recorded
        self.assertEqual(self.pg.psql("SELECT count(*) FROM applications WHERE user_id = %d"
                                      % uid), "1")
        st, _, metrics = self.srv.request("GET", "/metrics")
        self.assertIn(b'hawk_application_submissions_total{board="good_jobboard",'
                      b'outcome="applied"}', metrics)

    def test_review_approve_submits_and_reject_never_does(self):
        tok, uid = self.user()
        run = self.run_script(tok, run_body("""
  for _, job in ipairs(hawk.search{keywords = "review flow"}) do
    local r = hawk.apply(job, {review = true, cover_letter = "hello"})
    hawk.log("prepared", {id = r.application_id, status = r.status})
  end"""), False)
        ids = [l["fields"]["id"] for l in run["log"] if l["msg"] == "prepared"]
        self.assertEqual([l["fields"]["status"] for l in run["log"] if l["msg"] == "prepared"],
                         ["awaiting_review"] * 3)
        # nothing goes out while awaiting review
        self.assertEqual(self.submit_jobs(ids[0]), [])
        st, _, body = self.req("POST", "/api/v1/job-applications/%d/approve" % ids[0], tok,
                               {"answers": {"Start date?": "next month"}})
        self.assertEqual(st, 200, body)
        self.assertEqual(body["submission"], "queued")
        body = self.wait_status(tok, ids[0], "applied")
        self.assertEqual([(h["from"], h["to"], h["actor"]) for h in body["history"]][-2:],
                         [("awaiting_review", "approved", "user:%d" % uid),
                          ("approved", "applied", "hawk")])
        subs = self.submissions("review-flow-1")
        self.assertEqual(len(subs), 1)
        self.assertEqual(subs[0]["answers"]["start date"], "next month")
        self.assertEqual(subs[0]["cover_letter_text"], "hello")
        # the default resume has no file and no tailored resume exists
        self.assertIsNone(subs[0]["resume_name"])
        # reject: no submission is queued, and one that runs anyway sends nothing
        st, _, body = self.req("POST", "/api/v1/job-applications/%d/reject" % ids[1], tok,
                               {"note": "not for me"})
        self.assertEqual(st, 200, body)
        self.assertEqual(self.submit_jobs(ids[1]), [])
        job = self.wait_job(self.inject(uid, {"application_id": ids[1]})[0])
        self.assertEqual(job["state"], "done", job)
        self.assertEqual(job["result"]["submitted"], False)
        self.assertEqual(job["result"]["note"], "the application is skipped; nothing sent")
        self.assertEqual(self.app(tok, ids[1])["status"], "skipped")
        # the third, still awaiting review, is not sent either
        job = self.wait_job(self.inject(uid, {"application_id": ids[2]})[0])
        self.assertEqual(job["result"]["note"], "the application is awaiting_review; nothing sent")
        self.assertEqual(self.app(tok, ids[2])["status"], "awaiting_review")
        self.assertEqual(self.submissions("review-flow-2"), [])
        self.assertEqual(self.submissions("review-flow-3"), [])

    def test_board_without_plugin_needs_attention(self):
        tok, uid = self.user()
        # a job added by hand (board "manual")
        st, _, job = self.req("POST", "/api/v1/jobs", tok, {"title": "Hand made", "company": "X"})
        self.assertEqual(st, 201, job)
        manual = self.record(tok, job["id"])
        # a board no configured plugin is named after
        jid = self.pg.psql("INSERT INTO jobs (board, external_id, title) VALUES"
                           " ('nowhere', 'n-1', 'Lost') RETURNING id")
        self.pg.psql("INSERT INTO user_jobs (user_id, job_id) VALUES (%d, %s)" % (uid, jid))
        lost = self.record(tok, jid)
        for app_id, board in ((manual, "manual"), (lost, "nowhere")):
            job = self.wait_job(self.inject(uid, {"application_id": app_id})[0])
            note = "no plugin can submit applications for board '%s'" % board
            self.assertEqual(job["state"], "done", job)
            self.assertEqual(job["attempts"], 1)
            self.assertEqual(job["result"]["note"], note)
            body = self.app(tok, app_id)
            self.assertEqual(body["status"], "needs_attention")
            self.assertEqual(body["error"], note)
            self.assertEqual((body["history"][-1]["note"], body["history"][-1]["actor"]),
                             (note, "hawk"))
        self.assertEqual(self.submissions("n-1"), [])

    def test_plugin_outcomes(self):
        tok, uid = self.user()
        ids = {}
        for kw in ("refuse", "fail", "hold", "ask"):
            ids.update(self.find_jobs(tok, kw))
        # a permanent error: failed at once, with the board's message
        app_id = self.record(tok, ids["refuse-1"])
        job = self.wait_job(self.inject(uid, {"application_id": app_id})[0])
        msg = "good_jobboard: the board refused the application"
        self.assertEqual((job["state"], job["attempts"], job["error"]), ("dead", 1, msg))
        body = self.app(tok, app_id)
        self.assertEqual(body["status"], "failed")
        self.assertEqual(body["error"], msg)
        self.assertEqual(body["history"][-1]["note"], msg)
        self.assertIsNone(body["applied_at"])
        # a retryable error: the application waits for the retry
        app_id = self.record(tok, ids["fail-1"])
        job_id = self.inject(uid, {"application_id": app_id}, max_attempts=3)[0]
        job = self.wait_job(job_id, states=("queued",), timeout=30)
        deadline = time.time() + 30
        while job["attempts"] < 1 and time.time() < deadline:
            time.sleep(0.1)
            job = self.wait_job(job_id, states=("queued",))
        self.assertEqual(job["attempts"], 1, job)
        self.assertEqual(job["error"], "good_jobboard: apply failed upstream")
        self.assertEqual(self.pg.psql("SELECT run_at > now() + interval '20 seconds'"
                                      " FROM queue_jobs WHERE id = %d" % job_id), "t")
        body = self.app(tok, app_id)
        self.assertEqual(body["status"], "queued")
        self.assertEqual(body["error"], "good_jobboard: apply failed upstream"
                                        " (attempt 1 of 3; retrying)")
        # ... and on its last attempt it is given up as failed
        self.pg.psql("DELETE FROM queue_jobs WHERE id = %d" % job_id)
        job = self.wait_job(self.inject(uid, {"application_id": app_id}, max_attempts=1)[0])
        self.assertEqual(job["state"], "dead", job)
        body = self.app(tok, app_id)
        self.assertEqual(body["status"], "failed")
        self.assertEqual(body["history"][-1]["note"],
                         "gave up after 1 attempt: good_jobboard: apply failed upstream")
        # an answer that does not confirm the submission: a person looks
        app_id = self.record(tok, ids["hold-1"])
        job = self.wait_job(self.inject(uid, {"application_id": app_id})[0])
        self.assertEqual(job["state"], "done", job)
        body = self.app(tok, app_id)
        self.assertEqual(body["status"], "needs_attention")
        self.assertIn("answered 'needs_review': captcha required", body["error"])
        # the questions a board reports are kept with the application
        app_id = self.record(tok, ids["ask-1"])
        job = self.wait_job(self.inject(uid, {"application_id": app_id})[0])
        self.assertEqual(job["result"]["questions"], 2)
        body = self.app(tok, app_id)
        self.assertEqual(body["status"], "applied")
        self.assertEqual([(q["question"], q["type"], q["answer"], q["source"])
                          for q in body["questions"]],
                         [("Years of C?", "number", "10", "board"),
                          ("Why do you want to work here?", "text", None, "board")])
        # a second job for an applied application sends nothing
        job = self.wait_job(self.inject(uid, {"application_id": app_id})[0])
        self.assertEqual(job["result"]["note"], "already applied; nothing sent")
        self.assertEqual(len(self.submissions("ask-1")), 1)
        self.assertEqual(len(self.app(tok, app_id)["questions"]), 2)
        self.assertEqual(self.submissions("refuse-1") + self.submissions("fail-1")
                         + self.submissions("hold-1"), [])

    def test_two_concurrent_jobs_submit_once(self):
        tok, uid = self.user()
        ids = self.find_jobs(tok, "race")
        app_id = self.record(tok, ids["race-1"])
        jobs = self.inject(uid, {"application_id": app_id}, copies=2)
        results = [self.wait_job(j) for j in jobs]
        self.assertEqual([r["state"] for r in results], ["done", "done"])
        # both ran at the same time: each started before the other finished
        overlap = self.pg.psql("SELECT max(started_at) < min(finished_at) FROM queue_jobs"
                               " WHERE id IN (%d, %d)" % tuple(jobs))
        self.assertEqual(overlap, "t")
        self.assertEqual(sorted(r["result"]["submitted"] for r in results), [False, True])
        self.assertEqual(len(self.submissions("race-1")), 1)
        body = self.app(tok, app_id)
        self.assertEqual([h["to"] for h in body["history"]], ["queued", "applied"])

    def test_scoping_and_bad_payloads(self):
        tok, uid = self.user()
        other_tok, other = self.user()
        ids = self.find_jobs(tok, "mine only")
        app_id = self.record(tok, ids["mine-only-1"])
        # a job run as another user never touches this user's application
        job = self.wait_job(self.inject(other, {"application_id": app_id})[0])
        self.assertEqual(job["state"], "dead")
        self.assertEqual(job["error"], "application %d not found for user %d" % (app_id, other))
        # a system job (no user) is refused too
        job = self.wait_job(self.inject(None, {"application_id": app_id})[0])
        self.assertEqual(job["state"], "dead")
        self.assertEqual(job["error"], "application %d: a submission must run as the"
                                       " application's user" % app_id)
        for payload, error in (
                ({"application_id": "x"}, "payload: application_id must be a positive integer"),
                ({"application_id": 0}, "payload: application_id must be a positive integer"),
                ({}, "payload: application_id must be a positive integer"),
                ({"application_id": app_id, "force": True}, "payload: unknown field 'force'")):
            job = self.wait_job(self.inject(uid, payload)[0])
            self.assertEqual((job["state"], job["attempts"], job["error"]), ("dead", 1, error))
        body = self.app(tok, app_id)
        self.assertEqual(body["status"], "queued")
        self.assertEqual([h["to"] for h in body["history"]], ["queued"])
        self.assertEqual(self.submissions("mine-only-1"), [])
        # users cannot start submissions through the task API
        before = self.submit_jobs(app_id)
        st, _, body = self.req("POST", "/api/v1/tasks", tok,
                               {"kind": "application_submit",
                                "payload": {"application_id": app_id}})
        self.assertEqual(st, 400, body)
        self.assertEqual(body["error"]["field"], "kind")
        self.assertEqual(self.submit_jobs(app_id), before)
        self.assertEqual(self.app(tok, app_id)["status"], "queued")


if __name__ == "__main__":
    unittest.main()
