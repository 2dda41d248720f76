"""Billing against real parts: `hawk serve` with the real stripe plugin
talking to the local Stripe stand-in (tests/peers/stripe_peer.py), a real
PostgreSQL, and mails through the real queue into the spool folder.  The
stand-in plays Stripe's side (completing a checkout, renewing, failing a
payment, ending a subscription) and delivers its events signed, as Stripe
does, to hawk's webhook.
"""

import email
import glob
import json
import os
import sys
import time
import unittest

import hawktest
from pfutil import raw_post_status

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "peers"))
from stripe_peer import StripePeer  # noqa: E402

KEY = "sk_test_51HawkBillingKeyQ9zKeyZq8vW3"
WHSEC = "whsec_BillingSecretAbcdefghijklmnop12"


class BillingTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.peer = StripePeer(api_key=KEY, webhook_secrets=[WHSEC]).start()
        cls.pg = hawktest.PgCluster()
        entry = ('{ name = "stripe"; path = "stripe.so"; enabled = true; options = {'
                 ' api_base = "%s"; retry_base = "20ms"; retry_cap = "100ms"; }; }'
                 % cls.peer.url)
        try:
            cls.srv = hawktest.HawkServer(
                db_url=cls.pg.url, plugins=entry,
                extra_config='billing = { public_url = "https://hawk.test"; };',
                env={"STRIPE_SECRET_KEY": KEY, "STRIPE_WEBHOOK_SECRET": WHSEC})
        except Exception:
            cls.peer.stop()
            cls.pg.destroy()
            raise
        cls.hook = "http://127.0.0.1:%d/api/v1/billing/webhook" % cls.srv.port
        cls.peer.add_price("price_seeker", 1900)
        cls.peer.add_price("price_pro", 4900)
        cls.pg.psql("UPDATE plans SET stripe_price_id = 'price_seeker' WHERE name = 'Job Seeker';"
                    "UPDATE plans SET stripe_price_id = 'price_pro' WHERE name = 'Career Pro'")
        cls.seeker = int(cls.pg.psql("SELECT id FROM plans WHERE name = 'Job Seeker'"))
        cls.pro = int(cls.pg.psql("SELECT id FROM plans WHERE name = 'Career Pro'"))
        cls.free = int(cls.pg.psql("SELECT id FROM plans WHERE name = 'Free Trial'"))

    @classmethod
    def tearDownClass(cls):
        try:
            cls.srv.stop()
            log = cls.srv.proc.stdout()
            for secret in (KEY, WHSEC):
                assert secret not in log and secret[-12:] not in log, "a secret reached the log"
        finally:
            cls.srv.cleanup()
            cls.pg.destroy()
            cls.peer.stop()

    def setUp(self):
        self.peer.script([])

    # ---- helpers -----------------------------------------------------------
    def user(self):
        auth = self.srv.register_and_login()
        uid = int(self.pg.psql("SELECT id FROM users WHERE email = '%s'" % auth["email"]))
        return auth["access_token"], uid, auth["email"]

    def req(self, method, path, token=None, **kw):
        return self.srv.request(method, path, token=token, **kw)

    def ok(self, method, path, token=None, status=200, **kw):
        st, _, body = self.req(method, path, token, **kw)
        self.assertEqual(st, status, "%s %s -> %s %r" % (method, path, st, body))
        return body

    def err(self, resp, status, code=None, contains=None):
        st, _, body = resp
        self.assertEqual(st, status, body)
        e = body["error"]
        if code:
            self.assertEqual(e["code"], code, body)
        if contains:
            self.assertIn(contains, e["message"], body)
        self.assertFalse(e["message"].endswith("."), body)
        return e

    def q(self, sql):
        return self.pg.psql(sql)

    def deliver(self, event, **kw):
        st, body = self.peer.deliver(event, self.hook, **kw)
        return st, json.loads(body) if body else None

    def deliver_ok(self, event):
        st, body = self.deliver(event)
        self.assertEqual(st, 200, body)
        return body

    def subscribe(self, plan=None):
        """Checkout through hawk, completed at the stand-in, events
        delivered in Stripe's order: (token, uid, email, sub_id, events)."""
        t, uid, mail = self.user()
        out = self.ok("POST", "/api/v1/billing/checkout", t, json={"plan_id": plan or self.seeker})
        evs = self.peer.complete_checkout(out["session_id"])
        for ev in evs:
            self.deliver_ok(ev)
        sub = evs[0]["data"]["object"]["id"]
        return t, uid, mail, sub, evs

    def usage(self, t):
        return self.ok("GET", "/api/v1/user/usage", t)

    def assert_revenue_matches_invoices(self):
        """The monthly roll-up holds each paid invoice exactly once."""
        self.assertEqual(self.q("SELECT coalesce(sum(amount), 0) || ' ' || coalesce(sum(invoices), 0)"
                                " FROM revenue_monthly"),
                         self.q("SELECT coalesce(sum(amount_paid), 0) || ' ' || count(*) FROM invoices"
                                " WHERE status = 'paid'"))

    def history(self, uid):
        return self.q("SELECT count(*) FROM subscription_history WHERE user_id = %d" % uid)

    def mails(self, to, subject_part, timeout=15):
        """Mails to `to` in the spool whose subject contains subject_part."""
        deadline = time.time() + timeout
        spool = os.path.join(self.srv.dir, "var", "mail")
        while True:
            found = []
            for path in glob.glob(os.path.join(spool, "*.eml")):
                with open(path, "rb") as f:
                    m = email.message_from_bytes(f.read())
                subject = str(email.header.make_header(email.header.decode_header(m["Subject"])))
                if m["To"] and to in m["To"] and subject_part in subject:
                    found.append(m)
            if found or time.time() > deadline:
                return found
            time.sleep(0.2)

    # ---- the loop ------------------------------------------------------------
    def test_checkout_webhook_plan_and_quota_follow(self):
        t, uid, mail = self.user()
        self.assertEqual(self.usage(t)["limits"]["resumes"]["limit"], 1)
        out = self.ok("POST", "/api/v1/billing/checkout", t, json={"plan_id": self.seeker})
        self.assertTrue(out["url"].startswith("https://checkout.stripe.com/"))
        form = self.peer.form(self.peer.requests("/v1/checkout/sessions", "POST")[-1])
        self.assertEqual(form["line_items"], [{"price": "price_seeker", "quantity": "1"}])
        self.assertEqual(form["client_reference_id"], str(uid))
        self.assertEqual(form["success_url"],
                         "https://hawk.test/app/billing?checkout=done&session_id={CHECKOUT_SESSION_ID}")
        cus = self.q("SELECT customer_id FROM billing_customers WHERE user_id = %d" % uid)
        self.assertEqual(form["customer"], cus)
        # A second click in the same hour is the same session.
        again = self.ok("POST", "/api/v1/billing/checkout", t, json={"plan_id": self.seeker})
        self.assertEqual(again["session_id"], out["session_id"])
        self.assertEqual(len([c for c in self.peer.customers() if c["email"] == mail]), 1)

        evs = self.peer.complete_checkout(out["session_id"])
        types = [self.deliver_ok(e)["status"] for e in evs]
        self.assertEqual(types, ["applied", "applied", "applied"])
        u = self.usage(t)
        self.assertEqual(u["plan"]["name"], "Job Seeker")
        self.assertEqual(u["limits"]["resumes"]["limit"], 3)
        s = self.ok("GET", "/api/v1/billing/subscription", t)
        self.assertEqual((s["status"], s["plan"]["name"], s["paid"]), ("active", "Job Seeker", True))
        self.assertEqual(s["history"][0]["new_plan"], "Job Seeker")
        self.assertEqual(self.q("SELECT status || ' ' || amount_paid FROM invoices WHERE user_id = %d"
                                % uid), "paid 1900")
        m = self.mails(mail, "Job Seeker plan is active")
        self.assertEqual(len(m), 1)
        self.assertIn("https://hawk.test/app/billing", m[0].as_string())
        # Already paying: a second checkout is refused, change the plan instead.
        self.err(self.req("POST", "/api/v1/billing/checkout", t, json={"plan_id": self.pro}),
                 409, "already_subscribed", "change-plan")

    def test_duplicate_event_acknowledged_not_applied_twice(self):
        t, uid, mail, sub, evs = self.subscribe()
        before = (self.history(uid), self.q("SELECT count(*) FROM payment_events"))
        for ev in evs:
            body = self.deliver_ok(ev)
            self.assertTrue(body["duplicate"], body)
        self.assertEqual((self.history(uid), self.q("SELECT count(*) FROM payment_events")), before)
        time.sleep(1)
        self.assertEqual(len(self.mails(mail, "plan is active", timeout=0)), 1)
        self.assert_revenue_matches_invoices()

    def test_out_of_order_newest_state_wins(self):
        t, uid, mail, sub, _ = self.subscribe()
        old = self.peer.update_subscription(sub, status="past_due")
        self.peer.advance(10)
        new = self.peer.update_subscription(sub, status="active")
        self.assertEqual(self.deliver_ok(new)["status"], "applied")
        self.assertEqual(self.deliver_ok(old)["status"], "stale")
        self.assertEqual(self.q("SELECT status FROM subscriptions WHERE user_id = %d" % uid), "active")
        # The end of a subscription is final: a late update does not revive it.
        self.peer.advance(10)
        late = self.peer.update_subscription(sub, cancel_at_period_end=True)
        self.peer.advance(10)
        gone = self.peer.delete_subscription(sub)
        self.assertEqual(self.deliver_ok(gone)["status"], "applied")
        self.assertEqual(self.deliver_ok(late)["status"], "stale")
        u = self.usage(t)
        self.assertEqual(u["plan"]["name"], "Free Trial")
        self.assertEqual(self.q("SELECT status FROM subscriptions WHERE user_id = %d" % uid),
                         "canceled")
        self.assertEqual(len(self.mails(mail, "plan has ended")), 1)

    def test_every_event_type(self):
        t, uid, mail, sub, _ = self.subscribe()
        # Renewal paid, then a failed one: past_due keeps the plan, a mail says how to pay.
        for ev in self.peer.renew(sub, paid=True):
            self.assertEqual(self.deliver_ok(ev)["status"], "applied")
        evs = self.peer.renew(sub, paid=False)
        self.assertEqual([self.deliver_ok(e)["status"] for e in evs], ["applied", "applied"])
        s = self.ok("GET", "/api/v1/billing/subscription", t)
        self.assertEqual(s["status"], "past_due")
        self.assertIsNotNone(s["past_due_since"])
        self.assertEqual(self.usage(t)["plan"]["name"], "Job Seeker")
        inv = evs[0]["data"]["object"]
        m = self.mails(mail, "payment did not go through")
        self.assertEqual(len(m), 1)
        self.assertIn(inv["hosted_invoice_url"], m[0].as_string())
        self.assertEqual(self.q("SELECT status FROM invoices WHERE id = '%s'" % inv["id"]), "open")
        # Paid later: active again; the invoice is paid for good.
        for ev in [self.peer.pay_invoice(inv["id"])]:
            self.assertEqual(self.deliver_ok(ev)["status"], "applied")
        self.assertEqual(self.q("SELECT status FROM invoices WHERE id = '%s'" % inv["id"]), "paid")
        # A failure reported after the payment does not undo it.
        st, _ = self.deliver(evs[0])
        self.assertEqual(self.q("SELECT status FROM invoices WHERE id = '%s'" % inv["id"]), "paid")
        self.assert_revenue_matches_invoices()
        # customer.updated keeps the address beside the link.
        cus = self.q("SELECT customer_id FROM billing_customers WHERE user_id = %d" % uid)
        self.deliver_ok(self.peer.update_customer(cus, email="new-" + mail))
        self.assertEqual(self.q("SELECT email FROM billing_customers WHERE user_id = %d" % uid),
                         "new-" + mail)
        # A type hawk does not act on is stored and ignored.
        body = self.deliver_ok(self.peer.event("charge.refunded", {"id": "ch_1", "object": "charge"}))
        self.assertEqual(body["status"], "ignored")

    def test_unknown_customer_stored_acknowledged_reported(self):
        cus = self.peer.create_customer("stranger@example.test")
        ev = self.peer.event("customer.subscription.updated", {
            "id": "sub_Stranger1", "object": "subscription", "customer": cus["id"],
            "status": "active", "metadata": {}, "cancel_at_period_end": False,
            "items": {"data": [{"id": "si_1", "price": {"id": "price_seeker"},
                                "current_period_start": 1, "current_period_end": 2}]}})
        subs = self.q("SELECT count(*) FROM subscriptions")
        body = self.deliver_ok(ev)
        self.assertEqual(body["status"], "unmatched")
        self.assertEqual(self.q("SELECT status FROM payment_events WHERE id = '%s'" % ev["id"]),
                         "unmatched")
        self.assertEqual(self.q("SELECT count(*) FROM subscriptions"), subs)
        # Reported: a warning naming the event and what is missing.
        line = [l for l in self.srv.proc.stdout().splitlines() if ev["id"] in l and "unmatched" in l]
        self.assertTrue(line and json.loads(line[0])["level"] == "warn", line)

    def test_signature_failures_change_nothing(self):
        t, uid, mail, sub, _ = self.subscribe()
        ev = self.peer.update_subscription(sub, status="past_due")
        body = (json.dumps(ev) + "\n").encode()
        now = self.peer.now()
        good = self.peer.sign(body, t=now)
        cases = {
            "wrong secret": {"secrets_list": ["whsec_SomeoneElse123"]},
            "tampered body": {"body": body.replace(b"past_due", b"active__"),
                              "headers": {"Stripe-Signature": good,
                                          "Content-Type": "application/json"}},
            # hawk's clock, not the stand-in's (other tests move that one)
            "old timestamp": {"t": int(time.time()) - 301},
            "missing header": {"headers": {"Content-Type": "application/json"}},
            "malformed header": {"headers": {"Stripe-Signature": "v1=abc,t=zz",
                                             "Content-Type": "application/json"}},
        }
        before = (self.q("SELECT count(*) FROM payment_events"),
                  self.q("SELECT status FROM subscriptions WHERE user_id = %d" % uid))
        for name, kw in cases.items():
            if "body" not in kw:
                kw = dict(kw, body=body) if "headers" in kw else kw
            st, resp = self.deliver(ev, **kw)
            self.assertEqual(st, 400, "%s: %s" % (name, resp))
            self.assertEqual(resp["error"]["code"], "invalid_signature", name)
            self.assertEqual((self.q("SELECT count(*) FROM payment_events"),
                              self.q("SELECT status FROM subscriptions WHERE user_id = %d" % uid)),
                             before, name)
        # The good one still goes through.
        self.assertEqual(self.deliver_ok(ev)["status"], "applied")

    def test_oversized_webhook_refused(self):
        n = self.q("SELECT count(*) FROM payment_events")
        # The server may answer and close before the whole body is sent.
        st = raw_post_status(self.srv.port, "/api/v1/billing/webhook", "x",
                             "application/json", b"{" + b" " * (1 << 20) + b"}")
        self.assertEqual(st, 413)
        self.assertEqual(self.q("SELECT count(*) FROM payment_events"), n)

    # ---- what a user asks ------------------------------------------------------
    def test_checkout_refuses_unknown_archived_and_free_plans(self):
        t, uid, _ = self.user()
        archived = int(self.q("INSERT INTO plans (name, price_cents, is_active, stripe_price_id)"
                              " VALUES ('Old Plan %d', 900, false, 'price_seeker') RETURNING id" % uid))
        sessions = len(self.peer.requests("/v1/checkout/sessions", "POST"))
        self.err(self.req("POST", "/api/v1/billing/checkout", t, json={"plan_id": 999999}),
                 404, "plan_not_found", "GET /api/v1/plans")
        self.err(self.req("POST", "/api/v1/billing/checkout", t, json={"plan_id": archived}),
                 400, "plan_archived", "archived")
        self.err(self.req("POST", "/api/v1/billing/checkout", t, json={"plan_id": self.free}),
                 400, "plan_not_for_sale")
        self.err(self.req("POST", "/api/v1/billing/checkout", t, json={"plan": 1}), 400)
        self.err(self.req("POST", "/api/v1/billing/checkout", None, json={"plan_id": 1}), 401)
        self.assertEqual(len(self.peer.requests("/v1/checkout/sessions", "POST")), sessions)
        self.assertEqual(self.q("SELECT count(*) FROM subscriptions WHERE user_id = %d" % uid), "0")

    def test_cancel_at_period_end_then_resume(self):
        t, uid, mail, sub, _ = self.subscribe()
        s = self.ok("POST", "/api/v1/billing/cancel", t)
        self.assertTrue(s["cancel_at_period_end"])
        self.assertEqual(s["status"], "active")
        self.assertTrue(self.peer.subscription(sub)["cancel_at_period_end"])
        self.assertEqual(self.usage(t)["plan"]["name"], "Job Seeker")
        s = self.ok("POST", "/api/v1/billing/resume", t)
        self.assertFalse(s["cancel_at_period_end"])
        self.assertFalse(self.peer.subscription(sub)["cancel_at_period_end"])
        t2, _, _ = self.user()
        self.err(self.req("POST", "/api/v1/billing/cancel", t2), 404, "no_subscription")

    def test_change_plan_applies_at_once_with_proration(self):
        t, uid, mail, sub, _ = self.subscribe()
        s = self.ok("POST", "/api/v1/billing/change-plan", t, json={"plan_id": self.pro})
        self.assertEqual(s["plan"]["name"], "Career Pro")
        self.assertEqual(self.usage(t)["limits"]["resumes"]["limit"], 10)
        post = self.peer.requests("/v1/subscriptions/" + sub, "POST")[-1]
        form = self.peer.form(post)
        self.assertEqual(form["items"][0]["price"], "price_pro")
        self.assertEqual(form["proration_behavior"], "create_prorations")
        self.assertEqual(self.peer.subscription(sub)["items"]["data"][0]["price"]["id"], "price_pro")
        # The provider's own event for the change, arriving later, changes nothing more.
        n = self.history(uid)
        self.err(self.req("POST", "/api/v1/billing/change-plan", t, json={"plan_id": self.pro}),
                 409, "same_plan")
        self.assertEqual(self.history(uid), n)

    def test_provider_errors_said_clearly(self):
        t, uid, mail, sub, _ = self.subscribe()
        self.peer.script([{"path": "/v1/subscriptions/", "method": "POST", "status": 402,
                           "error": {"type": "card_error", "code": "card_declined",
                                     "message": "Your card was declined."}}])
        self.err(self.req("POST", "/api/v1/billing/change-plan", t, json={"plan_id": self.pro}),
                 402, "payment_declined", "Your card was declined")
        self.assertEqual(self.usage(t)["plan"]["name"], "Job Seeker")
        self.peer.script([{"path": "/v1/subscriptions/", "method": "POST", "status": 429,
                           "error": {"type": "invalid_request_error", "code": "rate_limit",
                                     "message": "Too many requests"}, "repeat": 10}])
        self.err(self.req("POST", "/api/v1/billing/change-plan", t, json={"plan_id": self.pro}),
                 429, None, "busy")
        self.peer.script([{"path": "/v1/billing_portal", "status": 500,
                           "error": {"type": "api_error", "message": "boom"}, "repeat": 10}])
        n = len(self.peer.requests("/v1/billing_portal"))
        self.err(self.req("POST", "/api/v1/billing/portal", t), 503, "payment_unavailable",
                 "try again")
        self.assertGreater(len(self.peer.requests("/v1/billing_portal")) - n, 1)  # retried
        self.peer.script([])
        self.assertEqual(self.usage(t)["plan"]["name"], "Job Seeker")

    def test_portal_and_invoices(self):
        t, uid, mail, sub, _ = self.subscribe()
        p = self.ok("POST", "/api/v1/billing/portal", t)
        self.assertTrue(p["url"].startswith("https://billing.stripe.com/"), p)
        r = self.peer.form(self.peer.requests("/v1/billing_portal/sessions", "POST")[-1])
        self.assertEqual(r["return_url"], "https://hawk.test/app/billing")
        inv = self.ok("GET", "/api/v1/billing/invoices?limit=5", t)
        self.assertEqual(len(inv["items"]), 1)
        self.assertEqual(inv["items"][0]["amount_paid"], 1900)
        self.assertIsNotNone(inv["items"][0]["pdf_url"])
        self.err(self.req("GET", "/api/v1/billing/invoices?limit=500", t), 400)
        t2, _, _ = self.user()
        self.assertEqual(self.ok("GET", "/api/v1/billing/invoices", t2)["items"], [])
        self.err(self.req("POST", "/api/v1/billing/portal", t2), 404, "no_billing_account")
        self.assertEqual(self.ok("GET", "/api/v1/billing/subscription", t2)["status"], "none")


if __name__ == "__main__":
    unittest.main()
