"""Cross-user isolation for every platform resource: user A creates, user
B reads, updates, deletes and lists; B sees nothing and changes nothing,
and gets 404 (never 403, never data)."""

import unittest

from pfutil import STRUCTURED, PlatformCase, multipart


class IsolationTests(PlatformCase):
    def setUp(self):
        self.ta, self.ua = self.user()
        self.tb, self.ub = self.user()
        self.set_plan(self.ua, "Career Pro")
        self.set_plan(self.ub, "Career Pro")

    def assert_hidden(self, method, path, **kw):
        st, _, body = self.req(method, path, self.tb, **kw)
        self.assertEqual(st, 404, "%s %s -> %s %r" % (method, path, st, body))
        text = repr(body)
        self.assertNotIn("SECRET", text)

    def test_resumes(self):
        ctype, data = multipart([("file", ("a.txt", b"SECRET resume text", "text/plain"))])
        r = self.ok("POST", "/api/v1/resumes/upload", self.ta, 201,
                    headers={"Content-Type": ctype}, body=data)
        p = "/api/v1/resumes/%d" % r["id"]
        self.assert_hidden("GET", p)
        self.assert_hidden("GET", p + "/download")
        self.assert_hidden("PUT", p, json={"name": "stolen", "is_default": True})
        self.assert_hidden("DELETE", p)
        self.assertEqual(self.ok("GET", "/api/v1/resumes", self.tb)["total"], 0)
        got = self.ok("GET", p, self.ta)
        self.assertEqual((got["name"], got["is_default"]), ("a.txt", True))

    def test_job_configs(self):
        c = self.ok("POST", "/api/v1/job-configs", self.ta, 201,
                    json={"name": "SECRET search", "title_blacklist": ["x"]})
        p = "/api/v1/job-configs/%d" % c["id"]
        self.assert_hidden("GET", p)
        self.assert_hidden("PUT", p, json={"name": "stolen"})
        self.assert_hidden("POST", p + "/preview", json={"title": "x"})
        self.assert_hidden("DELETE", p)
        self.assertEqual(self.ok("GET", "/api/v1/job-configs", self.tb)["total"], 0)
        self.assertEqual(self.ok("GET", p, self.ta)["name"], "SECRET search")

    def test_jobs(self):
        j = self.manual_job(self.ta, title="SECRET job", external_id="same-id")
        p = "/api/v1/jobs/%d" % j["id"]
        self.assert_hidden("GET", p)
        self.assert_hidden("DELETE", p)
        self.assertEqual(self.ok("GET", "/api/v1/jobs", self.tb)["total"], 0)
        self.assertEqual(self.ok("GET", "/api/v1/jobs?q=secret", self.tb)["total"], 0)
        # B cannot apply to A's job, nor overwrite it with the same external id.
        st, _, _ = self.req("POST", "/api/v1/job-applications", self.tb,
                            json={"job_id": j["id"]})
        self.assertEqual(st, 404)
        jb = self.manual_job(self.tb, title="B's own", external_id="same-id")
        self.assertNotEqual(jb["id"], j["id"])
        self.assertEqual(self.ok("GET", p, self.ta)["title"], "SECRET job")

    def test_applications_and_notes(self):
        j = self.manual_job(self.ta, title="SECRET job")
        a = self.ok("POST", "/api/v1/job-applications", self.ta, 201, json={"job_id": j["id"]})
        n = self.ok("POST", "/api/v1/job-applications/%d/notes" % a["id"], self.ta, 201,
                    json={"content": "SECRET note"})
        p = "/api/v1/job-applications/%d" % a["id"]
        self.assert_hidden("GET", p)
        self.assert_hidden("PUT", p + "/status", json={"status": "withdrawn"})
        self.assert_hidden("DELETE", p)
        self.assert_hidden("GET", p + "/notes")
        self.assert_hidden("POST", p + "/notes", json={"content": "spam"})
        self.assert_hidden("DELETE", p + "/notes/%d" % n["id"])
        self.assertEqual(self.ok("GET", "/api/v1/job-applications", self.tb)["total"], 0)
        self.assertEqual(self.ok("GET", "/api/v1/job-applications/stats", self.tb)["total"], 0)
        st, _, body = self.req("GET", "/api/v1/job-applications/export.csv", self.tb)
        self.assertEqual(body.count(b"\r\n"), 1, "header only")
        got = self.ok("GET", p, self.ta)
        self.assertEqual(got["status"], "queued")
        self.assertEqual([x["content"] for x in got["notes"]], ["SECRET note"])


if __name__ == "__main__":
    unittest.main()
