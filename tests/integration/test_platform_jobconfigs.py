"""Job search configurations: CRUD, validation naming the field, filter
entries (phrases and /regex/), preview, plan limit."""

import unittest

from pfutil import BAD_IDS, PlatformCase

FULL = {
    "name": "Backend in Europe",
    "is_active": True,
    "remote": True, "hybrid": True, "onsite": False,
    "distance": 50,
    "apply_once_at_company": True,
    "experience_levels": ["entry", "mid_senior"],
    "job_types": ["full_time", "contract"],
    "date_filter": "week",
    "searches": [{"location": "Berlin", "positions": ["Backend Engineer", "C Developer"]}],
    "company_blacklist": ["Evil Corp"],
    "title_blacklist": ["senior", "/^(staff|principal)/"],
    "location_blacklist": ["Antarctica"],
    "description_blacklist": ["unpaid"],
    "title_whitelist": ["engineer", "developer"],
    "job_applicants_threshold": {"min": 0, "max": 200},
    "max_applications_per_run": 20,
}


class JobConfigTests(PlatformCase):
    def pro(self):
        t, uid = self.user()
        self.set_plan(uid, "Career Pro")
        return t, uid

    def n(self, uid):
        return self.count("SELECT count(*) FROM job_configs WHERE user_id = %d" % uid)

    def test_crud(self):
        t, uid = self.pro()
        c = self.ok("POST", "/api/v1/job-configs", t, 201, json=FULL)
        for k, v in FULL.items():
            self.assertEqual(c[k], v, k)
        self.assertTrue(c["is_default"])
        d = self.ok("POST", "/api/v1/job-configs", t, 201, json={"name": "Defaults"})
        self.assertEqual((d["remote"], d["date_filter"], d["title_blacklist"]),
                         (True, "all_time", []))
        self.assertFalse(d["is_default"])
        got = self.ok("GET", "/api/v1/job-configs/%d" % c["id"], t)
        self.assertEqual(got["searches"], FULL["searches"])
        upd = self.ok("PUT", "/api/v1/job-configs/%d" % c["id"], t,
                      json={"title_blacklist": ["intern"], "is_active": False})
        self.assertEqual(upd["title_blacklist"], ["intern"])
        self.assertEqual(upd["company_blacklist"], ["Evil Corp"], "other members kept")
        self.assertFalse(upd["is_active"])
        upd = self.ok("PUT", "/api/v1/job-configs/%d" % d["id"], t, json={"is_default": True})
        self.assertTrue(upd["is_default"])
        self.assertFalse(self.ok("GET", "/api/v1/job-configs/%d" % c["id"], t)["is_default"])
        lst = self.ok("GET", "/api/v1/job-configs", t)
        self.assertEqual(lst["total"], 2)
        self.ok("DELETE", "/api/v1/job-configs/%d" % c["id"], t, 204)
        self.assert_error(self.req("GET", "/api/v1/job-configs/%d" % c["id"], t), 404)
        self.assertEqual(self.n(uid), 1)

    def test_validation_names_the_field(self):
        t, uid = self.pro()
        cases = [
            ({}, "name"),
            ({"name": ""}, "name"),
            ({"name": "x", "remote": "yes"}, "remote"),
            ({"name": "x", "distance": 9999}, "distance"),
            ({"name": "x", "experience_levels": ["guru"]}, "experience_levels[0]"),
            ({"name": "x", "job_types": ["full_time", "full_time"]}, "job_types[1]"),
            ({"name": "x", "date_filter": "yesterday"}, "date_filter"),
            ({"name": "x", "searches": [{"location": "B"}]}, "searches[0].positions"),
            ({"name": "x", "searches": [{"location": "B", "positions": [1]}]},
             "searches[0].positions[0]"),
            ({"name": "x", "searches": [{"location": "B", "positions": ["a"], "x": 1}]},
             "searches[0].x"),
            ({"name": "x", "title_blacklist": ["ok", "/[unclosed/"]}, "title_blacklist[1]"),
            ({"name": "x", "title_blacklist": ["/(a+)++/"]}, "title_blacklist[0]"),
            ({"name": "x", "company_blacklist": [""]}, "company_blacklist[0]"),
            ({"name": "x", "company_blacklist": "Evil"}, "company_blacklist"),
            ({"name": "x", "job_applicants_threshold": {"min": 10, "max": 5}},
             "job_applicants_threshold.min"),
            ({"name": "x", "job_applicants_threshold": {"min": -1}},
             "job_applicants_threshold.min"),
            ({"name": "x", "max_applications_per_run": 0}, "max_applications_per_run"),
            ({"name": "x", "remote": False, "hybrid": False, "onsite": False}, "remote"),
            ({"name": "x", "favourite_colour": "red"}, "favourite_colour"),
            ({"name": "x", "is_default": 1}, "is_default"),
        ]
        for body, field in cases:
            with self.subTest(field=field, body=body):
                err = self.assert_error(self.req("POST", "/api/v1/job-configs", t, json=body),
                                        400, "invalid_field", field)
                if field == "title_blacklist[1]":
                    self.assertIn("/[unclosed/", err["message"])
        self.assertEqual(self.n(uid), 0)
        # Same checks on update, and nothing changes.
        c = self.ok("POST", "/api/v1/job-configs", t, 201, json=FULL)
        self.assert_error(self.req("PUT", "/api/v1/job-configs/%d" % c["id"], t,
                                   json={"title_blacklist": ["/(/"]}),
                          400, "invalid_field", "title_blacklist[0]")
        self.assertEqual(self.ok("GET", "/api/v1/job-configs/%d" % c["id"], t)
                         ["title_blacklist"], FULL["title_blacklist"])

    def test_preview(self):
        t, uid = self.pro()
        c = self.ok("POST", "/api/v1/job-configs", t, 201, json=FULL)
        path = "/api/v1/job-configs/%d/preview" % c["id"]
        cases = [
            ({"title": "Backend Engineer", "company": "Good"}, True, None, None),
            ({"title": "Senior Backend Engineer"}, False, "title_blacklist", "senior"),
            ({"title": "Staff Engineer"}, False, "title_blacklist", "/^(staff|principal)/"),
            ({"title": "JavaScript Engineer at seniority"}, True, None, None),
            ({"title": "Product Manager"}, False, "title_whitelist", None),
            ({"title": "Engineer", "company": "EVIL CORP"}, False, "company_blacklist", "Evil Corp"),
            ({"title": "Engineer", "location": "Antarctica"}, False, "location_blacklist", None),
            ({"title": "Engineer", "description": "This is unpaid"}, False,
             "description_blacklist", "unpaid"),
            ({"title": "Engineer", "workplace": "onsite"}, False, "onsite", None),
            ({"title": "Engineer", "applicants": 500}, False, "job_applicants_threshold", None),
        ]
        for job, ok, rule, entry in cases:
            with self.subTest(job=job):
                r = self.ok("POST", path, t, json=job)
                self.assertEqual(r["would_apply"], ok, r)
                self.assertEqual(r["rule"], rule, r)
                if entry is not None:
                    self.assertEqual(r["entry"], entry)
                if not ok:
                    self.assertTrue(r["reason"])
        # apply_once_at_company: after an application at Acme, Acme is skipped.
        job = self.manual_job(t, company="Acme")
        self.ok("POST", "/api/v1/job-applications", t, 201, json={"job_id": job["id"],
                                                                 "status": "applied"})
        r = self.ok("POST", path, t, json={"title": "Engineer", "company": "acme"})
        self.assertEqual(r["rule"], "apply_once_at_company")
        self.assert_error(self.req("POST", path, t, json={"company": "x"}),
                          400, "invalid_field", "title")
        self.assert_error(self.req("POST", path, t, json={"title": "x", "workplace": "moon"}),
                          400, "invalid_field", "workplace")

    def test_bad_ids(self):
        t, uid = self.pro()
        for bad in BAD_IDS:
            with self.subTest(id=bad):
                self.assert_error(self.req("GET", "/api/v1/job-configs/%s" % bad, t), 404)
                self.assert_error(self.req("PUT", "/api/v1/job-configs/%s" % bad, t,
                                           json={"name": "x"}), 404)
                self.assert_error(self.req("POST", "/api/v1/job-configs/%s/preview" % bad, t,
                                           json={"title": "x"}), 404)
        self.assert_error(self.req("GET", "/api/v1/job-configs?per_page=0", t), 400,
                          field="per_page")
        self.assert_error(self.req("GET", "/api/v1/job-configs?per_page=10000", t), 400,
                          field="per_page")

    def test_plan_limit(self):
        t, uid = self.user()
        self.ok("POST", "/api/v1/job-configs", t, 201, json={"name": "one"})
        err = self.assert_error(self.req("POST", "/api/v1/job-configs", t, json={"name": "two"}),
                                403, "plan_limit")
        self.assertEqual((err["limit"], err["value"], err["used"]), ("job_configs", 1, 1))
        self.assertEqual(self.n(uid), 1)


if __name__ == "__main__":
    unittest.main()
