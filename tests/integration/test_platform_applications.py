"""Jobs and applications: manual jobs, list filters and full-text search,
recording (unique per user and job, also under concurrent requests),
status history, notes, detail, statistics, CSV export, daily quota."""

import csv
import datetime
import io
import threading
import unittest

from pfutil import BAD_IDS, PlatformCase

STATUSES = ["queued", "applied", "failed", "skipped", "needs_attention", "viewed",
            "interviewing", "offered", "rejected", "accepted", "withdrawn"]


class ApplicationTests(PlatformCase):
    def pro(self):
        t, uid = self.user()
        self.set_plan(uid, "Career Pro")
        return t, uid

    def n_apps(self, uid):
        return self.count("SELECT count(*) FROM applications WHERE user_id = %d" % uid)

    def record(self, t, job_id, expect=201, **fields):
        body = {"job_id": job_id}
        body.update(fields)
        return self.ok("POST", "/api/v1/job-applications", t, expect, json=body)

    # ---- jobs -----------------------------------------------------------
    def test_jobs_manual_list_search_filters(self):
        t, uid = self.pro()
        j1 = self.manual_job(t, title="Embedded C Engineer", company="Acme Robotics",
                             description="Firmware for robots in C and Rust",
                             workplace="remote", applicants=12, posted_at="2025-01-31",
                             url="https://jobs.example/1", easy_apply=True,
                             salary="100k", location="Berlin")
        j2 = self.manual_job(t, title="Python Developer", company="Snake Oil Ltd",
                             description="Django web apps")
        j3 = self.manual_job(t, title="Data Analyst", company="Acme Finance",
                             description="Spreadsheets")
        self.assertEqual(j1["board"], "manual")
        self.assertTrue(j1["external_id"].startswith("%d:" % uid))
        self.assertEqual((j1["workplace"], j1["applicants"], j1["easy_apply"]),
                         ("remote", 12, True))
        self.assertEqual(j1["posted_at"], "2025-01-31T00:00:00.000Z")
        lst = self.ok("GET", "/api/v1/jobs", t)
        self.assertEqual(lst["total"], 3)
        self.assertEqual([j["id"] for j in lst["items"]], [j3["id"], j2["id"], j1["id"]])
        self.assertNotIn("description", lst["items"][0])
        # Full-text search over title, company and description.
        r = self.ok("GET", "/api/v1/jobs?q=robots", t)
        self.assertEqual([j["id"] for j in r["items"]], [j1["id"]])
        r = self.ok("GET", "/api/v1/jobs?q=django", t)
        self.assertEqual([j["id"] for j in r["items"]], [j2["id"]])
        r = self.ok("GET", "/api/v1/jobs?company=acme", t)
        self.assertEqual(r["total"], 2)
        r = self.ok("GET", "/api/v1/jobs?company=100%25", t)
        self.assertEqual(r["total"], 0, "LIKE wildcards in input are literal")
        r = self.ok("GET", "/api/v1/jobs?board=manual&per_page=1", t)
        self.assertEqual((r["total"], r["pages"], len(r["items"])), (3, 3, 1))
        # Scores: set through SQL (the LLM module writes them), filtered by min_score.
        self.pg.psql("INSERT INTO job_scores (user_id, job_id, score, reasons) VALUES "
                     "(%d, %d, 87.5, '[\"C\"]'), (%d, %d, 40, '[]')"
                     % (uid, j1["id"], uid, j2["id"]))
        r = self.ok("GET", "/api/v1/jobs?min_score=50", t)
        self.assertEqual([j["id"] for j in r["items"]], [j1["id"]])
        self.assertEqual(r["items"][0]["score"]["score"], 87.5)
        self.assertEqual(r["items"][0]["score"]["reasons"], ["C"])
        r = self.ok("GET", "/api/v1/jobs?sort=score", t)
        self.assertEqual(r["items"][0]["id"], j1["id"])
        # not_applied
        self.record(t, j2["id"])
        r = self.ok("GET", "/api/v1/jobs?not_applied=true", t)
        self.assertEqual(sorted(j["id"] for j in r["items"]), sorted([j1["id"], j3["id"]]))
        r = self.ok("GET", "/api/v1/jobs/%d" % j2["id"], t)
        self.assertEqual(r["application"]["status"], "queued")
        self.assertEqual(r["description"], "Django web apps")
        # Bad query parameters.
        for q, field in (("min_score=abc", "min_score"), ("min_score=101", "min_score"),
                         ("not_applied=maybe", "not_applied"), ("sort=random", "sort"),
                         ("per_page=0", "per_page"), ("per_page=10000", "per_page")):
            with self.subTest(q=q):
                self.assert_error(self.req("GET", "/api/v1/jobs?" + q, t), 400, field=field)
        # Hiding a job unlinks it for this user only.
        self.ok("DELETE", "/api/v1/jobs/%d" % j3["id"], t, 204)
        self.assertEqual(self.ok("GET", "/api/v1/jobs", t)["total"], 2)
        self.assert_error(self.req("GET", "/api/v1/jobs/%d" % j3["id"], t), 404)

    def test_manual_job_validation(self):
        t, uid = self.pro()
        before = self.count("SELECT count(*) FROM jobs")
        for body, field in (({}, "title"), ({"title": ""}, "title"),
                            ({"title": "x", "workplace": "moon"}, "workplace"),
                            ({"title": "x", "posted_at": "yesterday"}, "posted_at"),
                            ({"title": "x", "posted_at": "2025-02-30"}, "posted_at"),
                            ({"title": "x", "url": "javascript:alert(1)"}, "url"),
                            ({"title": "x", "applicants": -3}, "applicants"),
                            ({"title": "x", "board": "linkedin"}, "board")):
            with self.subTest(field=field):
                self.assert_error(self.req("POST", "/api/v1/jobs", t, json=body),
                                  400, "invalid_field", field)
        self.assertEqual(self.count("SELECT count(*) FROM jobs"), before)

    # ---- applications ---------------------------------------------------
    def test_record_is_idempotent(self):
        t, uid = self.pro()
        job = self.manual_job(t)
        a = self.record(t, job["id"], search_term="c developer")
        self.assertTrue(a["created"])
        self.assertEqual((a["status"], a["title"], a["company"]), ("queued", "Engineer", "Acme"))
        b = self.record(t, job["id"], 200, status="applied")
        self.assertFalse(b["created"])
        self.assertEqual(b["id"], a["id"])
        self.assertEqual(b["status"], "queued", "the retry changed nothing")
        self.assertEqual(self.n_apps(uid), 1)

    def test_record_concurrent(self):
        t, uid = self.pro()
        job = self.manual_job(t)
        results = []
        lock = threading.Lock()

        def go():
            st, _, body = self.req("POST", "/api/v1/job-applications", t,
                                   json={"job_id": job["id"]})
            with lock:
                results.append((st, body.get("id") if isinstance(body, dict) else None))

        threads = [threading.Thread(target=go) for _ in range(12)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        codes = sorted(st for st, _ in results)
        self.assertEqual(codes, [200] * 11 + [201], results)
        self.assertEqual(len({i for _, i in results}), 1)
        self.assertEqual(self.n_apps(uid), 1)
        self.assertEqual(self.count(
            "SELECT count(*) FROM application_status_history h JOIN applications a "
            "ON a.id = h.application_id WHERE a.user_id = %d" % uid), 1)

    def test_record_bad_inputs(self):
        t, uid = self.pro()
        job = self.manual_job(t)
        for body, status, field in (({}, 400, "job_id"), ({"job_id": "1"}, 400, "job_id"),
                                    ({"job_id": job["id"], "status": "hired"}, 400, "status"),
                                    ({"job_id": job["id"], "status": "approved"}, 400, "status"),
                                    ({"job_id": job["id"], "x": 1}, 400, "x"),
                                    ({"job_id": 999999}, 404, "job_id")):
            with self.subTest(body=body):
                self.assert_error(self.req("POST", "/api/v1/job-applications", t, json=body),
                                  status, field=field)
        # A job not linked to this user (another user's manual job).
        t2, _ = self.pro()
        other = self.manual_job(t2)
        self.assert_error(self.req("POST", "/api/v1/job-applications", t,
                                   json={"job_id": other["id"]}), 404, field="job_id")
        self.assertEqual(self.n_apps(uid), 0)

    def test_status_history_notes_detail(self):
        t, uid = self.pro()
        job = self.manual_job(t, description="Long description", salary="90k")
        a = self.record(t, job["id"])
        path = "/api/v1/job-applications/%d" % a["id"]
        r = self.ok("PUT", path + "/status", t, json={"status": "applied"})
        self.assertEqual(r["status"], "applied")
        self.assertIsNotNone(r["applied_at"])
        r = self.ok("PUT", path + "/status", t, json={"status": "interviewing",
                                                     "note": "call on Monday"})
        # Same status again: no new history entry.
        self.ok("PUT", path + "/status", t, json={"status": "interviewing"})
        for body, field in (({"status": "hired"}, "status"), ({}, "status"),
                            ({"status": "applied", "note": 5}, "note"),
                            ({"status": "awaiting_review"}, "status")):
            with self.subTest(body=body):
                self.assert_error(self.req("PUT", path + "/status", t, json=body),
                                  400, "invalid_field", field)
        n1 = self.ok("POST", path + "/notes", t, 201, json={"content": "recruiter: Sam"})
        n2 = self.ok("POST", path + "/notes", t, 201, json={"content": "second"})
        self.assert_error(self.req("POST", path + "/notes", t, json={"content": ""}),
                          400, "invalid_field", "content")
        notes = self.ok("GET", path + "/notes", t)
        self.assertEqual([n["content"] for n in notes["items"]], ["recruiter: Sam", "second"])
        self.assertEqual(notes["total"], 2)
        self.ok("DELETE", path + "/notes/%d" % n2["id"], t, 204)
        self.assert_error(self.req("DELETE", path + "/notes/%d" % n2["id"], t), 404)
        # Documents and questions as other modules store them.
        self.pg.psql("INSERT INTO generated_documents (application_id, kind, content) "
                     "VALUES (%d, 'cover_letter', 'Dear team')" % a["id"])
        self.pg.psql("INSERT INTO application_questions (application_id, question, answer) "
                     "VALUES (%d, 'Years of C?', '10')" % a["id"])
        d = self.ok("GET", path, t)
        self.assertEqual([(h["from"], h["to"]) for h in d["history"]],
                         [(None, "queued"), ("queued", "applied"), ("applied", "interviewing")])
        self.assertEqual(d["history"][2]["note"], "call on Monday")
        self.assertEqual(d["history"][1]["actor"], "user:%d" % uid)
        self.assertEqual([n["id"] for n in d["notes"]], [n1["id"]])
        self.assertEqual(d["documents"][0]["kind"], "cover_letter")
        self.assertEqual(d["documents"][0]["content"], "Dear team")
        self.assertEqual(d["questions"][0]["answer"], "10")
        self.assertEqual((d["description"], d["salary"]), ("Long description", "90k"))
        # Delete the application.
        self.ok("DELETE", path, t, 204)
        self.assert_error(self.req("GET", path, t), 404)
        self.assertEqual(self.n_apps(uid), 0)

    def test_bad_ids(self):
        t, uid = self.pro()
        for bad in BAD_IDS:
            with self.subTest(id=bad):
                base = "/api/v1/job-applications/%s" % bad
                self.assert_error(self.req("GET", base, t), 404)
                self.assert_error(self.req("PUT", base + "/status", t,
                                           json={"status": "applied"}), 404)
                self.assert_error(self.req("GET", base + "/notes", t), 404)
                self.assert_error(self.req("DELETE", base + "/notes/1", t), 404)
                self.assert_error(self.req("GET", "/api/v1/jobs/%s" % bad, t), 404)

    def seed(self, t, uid):
        """Seeds applications with known statuses, companies, terms and days."""
        spec = [("Acme", "c dev", "applied"), ("Acme", "c dev", "interviewing"),
                ("Acme", "rust", "rejected"), ("Beta, Inc.", "c dev", "viewed"),
                ("Beta, Inc.", "rust", "queued"), ("Gamma \"G\"", None, "skipped"),
                ("Delta", "c dev", "offered"), ("Delta", None, "failed")]
        ids = []
        for i, (company, term, status) in enumerate(spec):
            job = self.manual_job(t, title="Job %d\nline two" % i, company=company)
            body = {"status": status}
            if term:
                body["search_term"] = term
            ids.append(self.record(t, job["id"], **body)["id"])
        # Spread creation dates: two applications 3 days ago, one 40 days ago.
        self.pg.psql("UPDATE applications SET created_at = now() - interval '3 days' "
                     "WHERE id IN (%d, %d)" % (ids[0], ids[1]))
        self.pg.psql("UPDATE applications SET created_at = now() - interval '40 days' "
                     "WHERE id = %d" % ids[2])
        return ids, spec

    def test_list_filters_and_sort(self):
        t, uid = self.pro()
        ids, spec = self.seed(t, uid)
        all_ = self.ok("GET", "/api/v1/job-applications?per_page=100", t)
        self.assertEqual(all_["total"], 8)
        self.assertEqual(all_["items"][-1]["id"], ids[2], "oldest last")
        r = self.ok("GET", "/api/v1/job-applications?status=applied", t)
        self.assertEqual([a["id"] for a in r["items"]], [ids[0]])
        r = self.ok("GET", "/api/v1/job-applications?status=applied,offered", t)
        self.assertEqual(sorted(a["id"] for a in r["items"]), sorted([ids[0], ids[6]]))
        r = self.ok("GET", "/api/v1/job-applications?company=beta", t)
        self.assertEqual(r["total"], 2)
        r = self.ok("GET", "/api/v1/job-applications?search_term=rust", t)
        self.assertEqual(r["total"], 2)
        today = datetime.datetime.utcnow().date()
        r = self.ok("GET", "/api/v1/job-applications?from=%s" % today.isoformat(), t)
        self.assertEqual(r["total"], 5)
        r = self.ok("GET", "/api/v1/job-applications?to=%s"
                    % (today - datetime.timedelta(days=1)).isoformat(), t)
        self.assertEqual(r["total"], 3)
        r = self.ok("GET", "/api/v1/job-applications?sort=company&order=asc&per_page=3", t)
        self.assertEqual([a["company"] for a in r["items"]], ["Acme"] * 3)
        self.assertEqual((r["total"], r["pages"]), (8, 3))
        r = self.ok("GET", "/api/v1/job-applications?per_page=3&page=3", t)
        self.assertEqual(len(r["items"]), 2)
        r = self.ok("GET", "/api/v1/job-applications?per_page=3&page=4", t)
        self.assertEqual((r["total"], r["items"]), (8, []))
        for q, field in (("status=hired", "status"), ("status=applied,nope", "status"),
                         ("per_page=0", "per_page"), ("per_page=10000", "per_page"),
                         ("page=-1", "page"), ("from=yesterday", "from"), ("to=2025-13-01", "to"),
                         ("sort=salary", "sort"), ("order=sideways", "order")):
            with self.subTest(q=q):
                self.assert_error(self.req("GET", "/api/v1/job-applications?" + q, t),
                                  400, field=field)

    def test_stats(self):
        t, uid = self.pro()
        ids, spec = self.seed(t, uid)
        s = self.ok("GET", "/api/v1/job-applications/stats", t)
        self.assertEqual(s["total"], 8)
        self.assertEqual(s["by_status"], {"applied": 1, "interviewing": 1, "rejected": 1,
                                          "viewed": 1, "queued": 1, "skipped": 1,
                                          "offered": 1, "failed": 1})
        self.assertEqual(s["top_companies"][0], {"company": "Acme", "count": 3})
        self.assertEqual(s["top_companies"][1], {"company": "Beta, Inc.", "count": 2})
        self.assertEqual(s["top_search_terms"], [{"search_term": "c dev", "count": 4},
                                                 {"search_term": "rust", "count": 2}])
        self.assertEqual(len(s["per_day"]), 30)
        today = datetime.datetime.utcnow().date()
        days = {d["date"]: d["count"] for d in s["per_day"]}
        self.assertEqual(s["per_day"][-1]["date"], today.isoformat())
        self.assertEqual(days[today.isoformat()], 5)
        self.assertEqual(days[(today - datetime.timedelta(days=3)).isoformat()], 2)
        self.assertEqual(sum(days.values()), 7, "the 40-day-old one is outside")
        # sent: applied, interviewing, rejected, viewed, offered = 5;
        # responded: interviewing, rejected, offered = 3.
        self.assertEqual((s["sent"], s["responded"]), (5, 3))
        self.assertAlmostEqual(s["response_rate"], 0.6)
        # Another user sees zeros.
        t2, _ = self.pro()
        s2 = self.ok("GET", "/api/v1/job-applications/stats", t2)
        self.assertEqual((s2["total"], s2["by_status"], s2["response_rate"]), (0, {}, 0))

    def test_export_csv(self):
        t, uid = self.pro()
        ids, spec = self.seed(t, uid)
        st, h, body = self.req("GET", "/api/v1/job-applications/export.csv", t)
        self.assertEqual(st, 200)
        self.assertTrue(h["content-type"].startswith("text/csv"))
        self.assertIn("attachment", h["content-disposition"])
        self.assertIn(b"\r\n", body)
        rows = list(csv.reader(io.StringIO(body.decode("utf-8"), newline="")))
        self.assertEqual(rows[0][:4], ["id", "job_id", "title", "company"])
        listed = self.ok("GET", "/api/v1/job-applications?per_page=100", t)["items"]
        self.assertEqual(len(rows) - 1, len(listed))
        cols = rows[0]
        self.assertEqual(cols[-1], "url")
        details = {a["id"]: self.ok("GET", "/api/v1/job-applications/%d" % a["id"], t)
                   for a in listed}
        for row, item in zip(rows[1:], listed):
            for k, v in zip(cols, row):
                want = details[item["id"]]["url"] if k == "url" else item[k]
                self.assertEqual(v, "" if want is None else str(want), k)
        # Quoting: commas, quotes and newlines survive the round trip.
        titles = {r[2] for r in rows[1:]}
        self.assertIn("Job 0\nline two", titles)
        self.assertIn(b'"Gamma ""G"""', body)
        self.assertIn(b'"Beta, Inc."', body)
        # Filters apply to the export too.
        st, _, body = self.req("GET", "/api/v1/job-applications/export.csv?status=applied", t)
        self.assertEqual(len(list(csv.reader(io.StringIO(body.decode(), newline="")))), 2)
        self.assert_error(self.req("GET", "/api/v1/job-applications/export.csv?status=x", t),
                          400, field="status")

    def test_daily_quota(self):
        t, uid = self.user()  # Free Trial: 5 per day
        jobs = [self.manual_job(t, title="J%d" % i) for i in range(7)]
        # A skipped application does not count against the quota.
        self.record(t, jobs[6]["id"], status="skipped")
        for j in jobs[:5]:
            self.record(t, j["id"])
        err = self.assert_error(self.req("POST", "/api/v1/job-applications", t,
                                         json={"job_id": jobs[5]["id"]}),
                                403, "plan_limit")
        self.assertEqual((err["limit"], err["value"], err["used"]),
                         ("applications_per_day", 5, 5))
        self.assertEqual(self.n_apps(uid), 6)
        # Recording an existing one again is still fine (no new row).
        self.record(t, jobs[0]["id"], 200)
        u = self.ok("GET", "/api/v1/user/usage", t)
        self.assertEqual(u["limits"]["applications_per_day"],
                         {"limit": 5, "used": 5, "remaining": 0, "unlimited": False,
                          "period": "day"})
        # Yesterday's applications do not count.
        self.pg.psql("UPDATE applications SET created_at = now() - interval '1 day' "
                     "WHERE user_id = %d" % uid)
        self.record(t, jobs[5]["id"])


if __name__ == "__main__":
    unittest.main()
