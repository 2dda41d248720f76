"""Plans and quotas: seeded plans, usage, admin plan management (and 403
for normal users), moving a user to a plan, trial expiry."""

import unittest

from pfutil import STRUCTURED, PlatformCase


class PlanTests(PlatformCase):
    def test_seeded_plans_public(self):
        body = self.ok("GET", "/api/v1/plans")
        by = {p["name"]: p for p in body["items"]}
        # Other tests in this class may add plans; the seeded ones are there.
        self.assertTrue({"Free Trial", "Job Seeker", "Career Pro"} <= set(by))
        f = by["Job Seeker"]["features"]
        self.assertEqual((f["applications_per_day"], f["resumes"], f["job_configs"],
                          f["custom_resume"]), (25, 3, 3, True))
        f = by["Career Pro"]["features"]
        self.assertEqual((f["applications_per_day"], f["resumes"], f["job_configs"]),
                         (50, 10, 10))
        self.assertFalse(by["Free Trial"]["features"]["custom_resume"])

    def test_usage_new_user(self):
        t, uid = self.user()
        u = self.ok("GET", "/api/v1/user/usage", t)
        self.assertEqual(u["plan"]["name"], "Free Trial")
        self.assertEqual(u["plan"]["status"], "trialing")
        self.assertIsNotNone(u["plan"]["trial_ends_at"])
        self.assertEqual(u["limits"]["resumes"]["remaining"], 1)
        self.assertEqual(u["limits"]["custom_resume"], {"enabled": False})
        self.ok("POST", "/api/v1/resumes", t, 201, json={"name": "r", "structured": STRUCTURED})
        u = self.ok("GET", "/api/v1/user/usage", t)
        self.assertEqual((u["limits"]["resumes"]["used"], u["limits"]["resumes"]["remaining"]),
                         (1, 0))
        self.assert_error(self.req("GET", "/api/v1/user/usage"), 401)

    def test_admin_routes_refuse_normal_users(self):
        t, uid = self.user()
        before = self.count("SELECT count(*) FROM plans")
        self.assert_error(self.req("GET", "/api/v1/admin/plans", t), 403)
        self.assert_error(self.req("POST", "/api/v1/admin/plans", t,
                                   json={"name": "Mine", "price_cents": 0,
                                         "features": {"resumes": 99}}), 403)
        self.assert_error(self.req("PUT", "/api/v1/admin/plans/1", t,
                                   json={"price_cents": 0}), 403)
        self.assert_error(self.req("PUT", "/api/v1/admin/users/%d/plan" % uid, t,
                                   json={"plan_id": 3}), 403)
        self.assertEqual(self.count("SELECT count(*) FROM plans"), before)
        self.assertEqual(self.ok("GET", "/api/v1/user/usage", t)["plan"]["name"], "Free Trial")

    def test_admin_manage_plans(self):
        a = self.admin()
        p = self.ok("POST", "/api/v1/admin/plans", a, 201,
                    json={"name": "Team", "price_cents": 9900, "currency": "eur",
                          "interval": "year", "description": "for teams",
                          "features": {"applications_per_day": 200, "resumes": -1,
                                       "custom_resume": True}})
        self.assertEqual((p["price_cents"], p["currency"], p["interval"]), (9900, "eur", "year"))
        p2 = self.ok("PUT", "/api/v1/admin/plans/%d" % p["id"], a,
                     json={"price_cents": 10900, "features": {"job_configs": 20}})
        self.assertEqual(p2["price_cents"], 10900)
        self.assertEqual(p2["features"], {"applications_per_day": 200, "resumes": -1,
                                          "custom_resume": True, "job_configs": 20})
        lst = self.ok("GET", "/api/v1/admin/plans", a)
        self.assertIn("Team", [x["name"] for x in lst["items"]])
        self.assertEqual(lst["total"], len(lst["items"]))
        cases = [
            ({"name": "X", "price_cents": 1, "features": {"bogus": 1}}, 400, "features.bogus"),
            ({"name": "X", "price_cents": 1, "features": {"resumes": "many"}}, 400,
             "features.resumes"),
            ({"name": "X", "price_cents": 1, "features": {"custom_resume": 1}}, 400,
             "features.custom_resume"),
            ({"name": "X", "price_cents": -5, "features": {}}, 400, "price_cents"),
            ({"name": "X", "price_cents": 1, "currency": "EURO", "features": {}}, 400,
             "currency"),
            ({"name": "X", "price_cents": 1, "interval": "weekly", "features": {}}, 400,
             "interval"),
            ({"name": "X", "price_cents": 1}, 400, "features"),
            ({"name": "Team", "price_cents": 1, "features": {}}, 409, "name"),
        ]
        before = self.count("SELECT count(*) FROM plans")
        for body, st, field in cases:
            with self.subTest(field=field):
                self.assert_error(self.req("POST", "/api/v1/admin/plans", a, json=body),
                                  st, field=field)
        self.assertEqual(self.count("SELECT count(*) FROM plans"), before)
        self.assert_error(self.req("PUT", "/api/v1/admin/plans/99999", a,
                                   json={"price_cents": 1}), 404)
        self.assert_error(self.req("PUT", "/api/v1/admin/plans/abc", a,
                                   json={"price_cents": 1}), 404)

    def test_admin_moves_user_to_plan(self):
        a = self.admin()
        t, uid = self.user()
        pro = [p for p in self.ok("GET", "/api/v1/plans")["items"]
               if p["name"] == "Job Seeker"][0]
        self.ok("PUT", "/api/v1/admin/users/%d/plan" % uid, a, json={"plan_id": pro["id"]})
        u = self.ok("GET", "/api/v1/user/usage", t)
        self.assertEqual((u["plan"]["name"], u["plan"]["status"]), ("Job Seeker", "active"))
        self.assertEqual(u["limits"]["custom_resume"], {"enabled": True})
        self.assertEqual(u["limits"]["resumes"]["limit"], 3)
        for i in range(3):
            self.ok("POST", "/api/v1/resumes", t, 201,
                    json={"name": "r%d" % i, "structured": STRUCTURED})
        err = self.assert_error(self.req("POST", "/api/v1/resumes", t,
                                         json={"name": "r4", "structured": STRUCTURED}),
                                403, "plan_limit")
        self.assertEqual((err["value"], err["used"]), (3, 3))
        self.assert_error(self.req("PUT", "/api/v1/admin/users/%d/plan" % uid, a,
                                   json={"plan_id": 99999}), 404)
        self.assert_error(self.req("PUT", "/api/v1/admin/users/%d/plan" % uid, a,
                                   json={"plan_id": pro["id"], "status": "bogus"}),
                          400, field="status")

    def test_trial_expiry(self):
        t, uid = self.user()
        job = self.manual_job(t)
        self.pg.psql("UPDATE users SET created_at = now() - interval '30 days' "
                     "WHERE id = %d" % uid)
        u = self.ok("GET", "/api/v1/user/usage", t)
        self.assertEqual(u["plan"]["status"], "expired")
        self.assertEqual(u["limits"]["applications_per_day"]["limit"], 0)
        err = self.assert_error(self.req("POST", "/api/v1/job-applications", t,
                                         json={"job_id": job["id"]}), 403, "plan_limit")
        self.assertEqual((err["limit"], err["value"]), ("applications_per_day", 0))
        self.assertIn("trial", err["message"])
        self.assertEqual(self.count("SELECT count(*) FROM applications WHERE user_id = %d"
                                    % uid), 0)


if __name__ == "__main__":
    unittest.main()
