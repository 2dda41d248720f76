"""The admin API against a real hawk and PostgreSQL: users (search,
pages, detail), disabling a user (their access token stops working at
once, their refresh tokens are revoked), roles with the last-admin rule,
the audit log of every change, and business metrics on a seeded history
checked against answers computed here independently."""

import datetime
import json
import unittest

from pfutil import PlatformCase


class AdminTest(PlatformCase):
    def me(self, token):
        return self.req("GET", "/api/v1/user/usage", token)

    def uid(self, email):
        return int(self.pg.psql("SELECT id FROM users WHERE email = '%s'" % email))

    def new_admin(self):
        auth = self.srv.register_and_login()
        self.srv.make_admin(auth["email"])
        tok = self.srv.login(auth["email"])["access_token"]
        return tok, self.uid(auth["email"])

    def test_non_admins_refused(self):
        t, uid = self.user()
        for method, path in (("GET", "/api/v1/admin/users"), ("GET", "/api/v1/admin/users/%d" % uid),
                             ("POST", "/api/v1/admin/users/%d/disable" % uid),
                             ("POST", "/api/v1/admin/users/%d/promote" % uid),
                             ("GET", "/api/v1/admin/metrics"), ("GET", "/api/v1/admin/audit")):
            self.assert_error(self.req(method, path, t), 403)
        self.assertEqual(self.pg.psql("SELECT is_admin FROM users WHERE id = %d" % uid), "f")

    def test_list_search_and_detail(self):
        a, _ = self.new_admin()
        auth = self.srv.register_and_login(first_name="Grace", last_name="Hopper%s" % id(self))
        target = self.uid(auth["email"])
        body = self.ok("GET", "/api/v1/admin/users?q=hopper%d&per_page=5" % id(self), a)
        self.assertEqual(body["total"], 1)
        self.assertEqual(body["items"][0]["id"], target)
        self.assertEqual(body["items"][0]["plan"], "Free Trial")
        # Wildcards in the search text are plain characters.
        self.assertEqual(self.ok("GET", "/api/v1/admin/users?q=%25", a)["total"], 0)
        page = self.ok("GET", "/api/v1/admin/users?page=1&per_page=2", a)
        self.assertEqual(len(page["items"]), 2)
        self.assertGreaterEqual(page["total"], 3)
        d = self.ok("GET", "/api/v1/admin/users/%d" % target, a)
        self.assertEqual((d["email"], d["is_active"], d["usage"]["resumes"]), (auth["email"], True, 0))
        self.assertIsNotNone(d["last_login"])
        self.assert_error(self.req("GET", "/api/v1/admin/users/99999999", a), 404)
        self.assert_error(self.req("GET", "/api/v1/admin/users?per_page=1000", a), 400)

    def test_disabled_user_locked_out_at_once_and_audited(self):
        a, admin_id = self.new_admin()
        auth = self.srv.register_and_login()
        t, target = auth["access_token"], self.uid(auth["email"])
        self.assertEqual(self.me(t)[0], 200)
        d = self.ok("POST", "/api/v1/admin/users/%d/disable" % target, a)
        self.assertFalse(d["is_active"])
        # The 15-minute access token stops working now, not at its expiry.
        err = self.assert_error(self.me(t), 401)
        self.assertIn("disabled", err["message"])
        st, _, _ = self.req("POST", "/api/v1/auth/refresh", None,
                            json={"refresh_token": auth["refresh_token"]})
        self.assertEqual(st, 401)
        self.assertEqual(self.pg.psql("SELECT count(*) FROM refresh_tokens WHERE user_id = %d"
                                      " AND revoked_at IS NULL" % target), "0")
        rows = self.ok("GET", "/api/v1/admin/audit?user_id=%d" % target, a)["items"]
        self.assertEqual(len(rows), 1)
        r = rows[0]
        self.assertEqual((r["action"], r["admin_id"], r["user_id"]), ("user.disable", admin_id, target))
        self.assertEqual((r["before"]["is_active"], r["after"]["is_active"]), (True, False))
        self.assertIsNotNone(r["request_id"])
        # Disabling again changes nothing and writes nothing.
        self.ok("POST", "/api/v1/admin/users/%d/disable" % target, a)
        self.assertEqual(len(self.ok("GET", "/api/v1/admin/audit?user_id=%d" % target, a)["items"]), 1)
        self.ok("POST", "/api/v1/admin/users/%d/enable" % target, a)
        self.assertEqual(self.me(self.srv.login(auth["email"])["access_token"])[0], 200)
        self.assertEqual([x["action"] for x in
                          self.ok("GET", "/api/v1/admin/audit?user_id=%d" % target, a)["items"]],
                         ["user.enable", "user.disable"])

    def test_roles_and_the_last_admin(self):
        # Only admins made here are active: the class's others step aside.
        self.pg.psql("UPDATE users SET is_active = false WHERE is_admin")
        a, admin_id = self.new_admin()
        before = int(self.pg.psql("SELECT count(*) FROM admin_audit"))
        for action in ("demote", "disable"):
            err = self.assert_error(self.req("POST", "/api/v1/admin/users/%d/%s" % (admin_id, action),
                                             a), 409)
            self.assertEqual(err["code"], "last_admin")
            self.assertIn("promote another user first", err["message"])
        self.assertEqual(self.pg.psql("SELECT is_admin || ' ' || is_active FROM users WHERE id = %d"
                                      % admin_id), "true true")
        t, other = self.user()
        self.ok("POST", "/api/v1/admin/users/%d/promote" % other, a)
        # The promoted user's existing token reaches admin routes at once...
        self.assertEqual(self.req("GET", "/api/v1/admin/users", t)[0], 200)
        # ...and loses them at once when demoted.
        self.ok("POST", "/api/v1/admin/users/%d/demote" % other, a)
        self.assert_error(self.req("GET", "/api/v1/admin/users", t), 403)
        self.ok("POST", "/api/v1/admin/users/%d/promote" % other, a)
        # Two admins: one may not demote themselves, but may demote the other.
        err = self.assert_error(self.req("POST", "/api/v1/admin/users/%d/demote" % other, t), 409)
        self.assertEqual(err["code"], "own_account")
        self.ok("POST", "/api/v1/admin/users/%d/demote" % admin_id, t)
        self.assert_error(self.req("GET", "/api/v1/admin/users", a), 403)
        err = self.assert_error(self.req("POST", "/api/v1/admin/users/%d/disable" % other, t), 409)
        self.assertEqual(err["code"], "last_admin")
        actions = [r["action"] for r in self.ok("GET", "/api/v1/admin/audit?per_page=100", t)["items"]
                   if r["user_id"] in (admin_id, other)]
        self.assertEqual(actions[:4], ["user.demote", "user.promote", "user.demote", "user.promote"])
        self.assertEqual(int(self.pg.psql("SELECT count(*) FROM admin_audit")) - before, 4)

    # ---- metrics -----------------------------------------------------------
    def test_metrics_on_a_seeded_history(self):
        a, _ = self.new_admin()
        psql = self.pg.psql
        psql("DELETE FROM subscription_history; DELETE FROM revenue_monthly;"
             " DELETE FROM subscriptions")
        p1 = int(psql("INSERT INTO plans (name, price_cents, billing_interval) VALUES"
                      " ('Metric Month', 2000, 'month') RETURNING id"))
        p2 = int(psql("INSERT INTO plans (name, price_cents, billing_interval) VALUES"
                      " ('Metric Year', 24000, 'year') RETURNING id"))
        users = []
        for i in range(8):
            _, uid = self.user()
            users.append(uid)
        # Statuses now: 3 active monthly, 1 past_due monthly, 2 active
        # yearly, 1 trialing yearly, 1 canceled monthly.
        states = [(p1, "active"), (p1, "active"), (p1, "active"), (p1, "past_due"),
                  (p2, "active"), (p2, "active"), (p2, "trialing"), (p1, "canceled")]
        for uid, (plan, st) in zip(users, states):
            psql("INSERT INTO subscriptions (user_id, plan_id, status) VALUES (%d, %d, '%s')"
                 % (uid, plan, st))
        today = datetime.date.today().replace(day=15)
        def month_ago(n):
            y, m = today.year, today.month - n
            while m <= 0:
                m += 12
                y -= 1
            return datetime.date(y, m, 15)
        # History: each live user started n months ago; the canceled one
        # started 3 months ago and ended 1 month ago.
        starts = [5, 4, 4, 3, 2, 1, 0, 3]
        for uid, n, (plan, _) in zip(users, starts, states):
            psql("INSERT INTO subscription_history (user_id, at, source, new_plan_id, new_status)"
                 " VALUES (%d, '%s', 'webhook', %d, 'active')" % (uid, month_ago(n), plan))
        psql("INSERT INTO subscription_history (user_id, at, source, old_plan_id, new_plan_id,"
             " old_status, new_status) VALUES (%d, '%s', 'webhook', %d, %d, 'active', 'canceled')"
             % (users[7], month_ago(1), p1, p1))
        revenue = {month_ago(0): 5000, month_ago(1): 7000, month_ago(13): 999}
        for d, amount in revenue.items():
            psql("INSERT INTO revenue_monthly (month, plan_id, currency, amount, invoices)"
                 " VALUES ('%s', %d, 'usd', %d, 2)" % (d.replace(day=1), p1, amount))

        m = self.ok("GET", "/api/v1/admin/metrics", a)
        by = {x["plan"]: x for x in m["subscriptions_by_plan"]}
        self.assertEqual((by["Metric Month"]["active"], by["Metric Month"]["trialing"]), (4, 0))
        self.assertEqual((by["Metric Year"]["active"], by["Metric Year"]["trialing"]), (2, 1))
        # MRR: active and past_due count, a yearly price is a twelfth a month.
        mrr = 4 * 2000 + 2 * 24000 // 12
        self.assertEqual(m["mrr_cents"]["usd"], mrr)
        self.assertEqual(m["arr_cents"]["usd"], mrr * 12)
        self.assertEqual(m["active_subscriptions"], 7)
        months = {x["month"]: x for x in m["months"]}
        self.assertEqual(len(m["months"]), 12)
        key = lambda d: d.strftime("%Y-%m")
        new = {}
        for n in starts:
            new[key(month_ago(n))] = new.get(key(month_ago(n)), 0) + 1
        for k, x in months.items():
            self.assertEqual(x["new_subscriptions"], new.get(k, 0), k)
        self.assertEqual(months[key(month_ago(1))]["churned"], 1)
        # Churn rate: churned over active at the month's start, rebuilt
        # backwards from today's 7: this month +1 new (trialing user) ->
        # 6 at its start; last month 1 new, 1 churned -> 6 at its start.
        self.assertEqual(months[key(month_ago(0))]["active_at_start"], 6)
        self.assertEqual(months[key(month_ago(1))]["active_at_start"], 6)
        self.assertAlmostEqual(months[key(month_ago(1))]["churn_rate"], 1 / 6)
        self.assertEqual(months[key(month_ago(0))]["revenue_cents"], 5000)
        self.assertEqual(months[key(month_ago(1))]["revenue_cents"], 7000)
        rev = {x["plan"]: x for x in m["revenue_by_plan"]}
        self.assertEqual(rev["Metric Month"]["revenue_cents"], 12000)  # 13 months ago left out
        self.assertGreaterEqual(months[key(month_ago(0))]["signups"], 8)
        for k in ("trial_conversion", "queues", "llm_spend_per_day", "applications_by_board"):
            self.assertIn(k, m)


if __name__ == "__main__":
    unittest.main()
