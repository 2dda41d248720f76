"""The stripe plugin, loaded by the real host from its .so (config parser,
loader, option checks, the host's libcurl client), driven one operation at
a time by tests/drivers/payment_call against the local Stripe stand-in
(tests/peers/stripe_peer.py).  Every test asserts what the stand-in
received; back-off is read from the host's test clock (HAWK_TEST_CLOCK:
sleeps are logged as {"msg":"plugin sleep","ms":N} instead of slept).
Webhook signatures are also checked against Stripe's own Node SDK
(tests/node_modules/stripe), which signs and verifies independently.
"""

import json
import os
import shutil
import subprocess
import sys
import unittest

import hawktest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "peers"))
from stripe_peer import StripePeer  # noqa: E402

KEY = "sk_test_51HawkQ9zKeyZq8vW3abcd5678efgh"
WHSEC = "whsec_NewSecretAbcdefghijklmnop1234"
OLD_WHSEC = "whsec_OldSecretQrstuvwxyz987654321"
DRIVER = os.path.join(os.environ.get("HAWK_TEST_DRIVER_DIR",
                                     os.path.join(os.path.dirname(hawktest.BIN), "tests", "drivers")),
                      "payment_call")
NODE_CHECK = os.path.join(HERE, "..", "peers", "stripe_node_check.js")
NODE_SDK = os.path.join(HERE, "..", "node_modules", "stripe", "package.json")


def cfg_value(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    return json.dumps(v)


class Run:
    def __init__(self, proc):
        self.stdout, self.stderr = proc.stdout, proc.stderr
        self.logs, self.result = [], None
        for line in proc.stdout.splitlines():
            if line.startswith("RESULT "):
                self.result = json.loads(line[7:])
            elif line.startswith("{"):
                try:
                    self.logs.append(json.loads(line))
                except ValueError:
                    pass
        if self.result is None:
            raise AssertionError("driver printed no result:\n%s\n%s" % (proc.stdout, proc.stderr))
        self.rc = self.result["rc"]
        self.out = self.result["out"]
        self.message = self.result["message"]

    def sleeps(self):
        return [l["ms"] for l in self.logs if l.get("msg") == "plugin sleep"]


class StripePluginTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.peer = StripePeer(api_key=KEY, webhook_secrets=[WHSEC]).start()
        cls.dir = hawktest.make_tmpdir("hawk-stripe-")

    @classmethod
    def tearDownClass(cls):
        cls.peer.stop()
        shutil.rmtree(cls.dir, ignore_errors=True)

    def setUp(self):
        self.peer.reset()
        self.peer.add_price("price_pro", 1900)

    # ---- helpers ---------------------------------------------------------
    def config(self, options=None, bare=False):
        opts = {} if bare else {"api_base": self.peer.url, "retry_base": "200ms",
                                "retry_cap": "2s"}
        opts.update(options or {})
        body = "".join("%s = %s; " % (k, cfg_value(v)) for k, v in opts.items() if v is not None)
        entry = '{ name = "stripe"; path = "stripe.so"; enabled = true; %s }' % (
            "options = { %s };" % body if body else "")
        return hawktest.write_config(self.dir, hawktest.free_port(), plugins=entry)

    def call(self, op, args, options=None, env=None, bare=False):
        cfg = self.config(options, bare)
        full = dict(os.environ)
        full.update({"HAWK_PLUGIN_PATH": hawktest.PLUGIN_DIR, "HAWK_TEST_CLOCK": "1",
                     "STRIPE_SECRET_KEY": KEY, "STRIPE_WEBHOOK_SECRET": WHSEC})
        full.update(env or {})
        full = {k: v for k, v in full.items() if v is not None}
        p = subprocess.run([DRIVER, cfg, op, json.dumps(args)], env=full,
                           capture_output=True, text=True, timeout=60)
        for mark in hawktest.SANITIZER_MARKS:
            self.assertNotIn(mark, p.stderr, p.stderr)
        # No secret ever reaches a log line, an error or the output.
        everything = p.stdout + p.stderr
        for secret in (KEY, WHSEC, OLD_WHSEC):
            self.assertNotIn(secret, everything)
            self.assertNotIn(secret[-10:], everything)
        return Run(p)

    def ok(self, run):
        self.assertEqual(run.rc, 0, "message: %s\nstdout: %s" % (run.message, run.stdout[-3000:]))
        return run.out

    def customer(self, ref="42", email="ann@example.test"):
        return self.ok(self.call("create_customer", {"email": email, "user_ref": ref}))["id"]

    def checkout_args(self, customer, **kw):
        a = {"price": "price_pro", "customer": customer, "user_ref": "42",
             "success_url": "https://hawk.test/billing/done?session_id={CHECKOUT_SESSION_ID}",
             "cancel_url": "https://hawk.test/billing", "key": "op-1"}
        a.update(kw)
        return a

    # ---- requests as Stripe documents them -------------------------------
    def test_checkout_form_headers_and_idempotency_key(self):
        cus = self.customer()
        out = self.ok(self.call("checkout", self.checkout_args(cus, trial_days=14, key="u42-p3-req9")))
        self.assertTrue(out["id"].startswith("cs_test_"))
        self.assertTrue(out["url"].startswith("https://checkout.stripe.com/"))
        r = self.peer.requests("/v1/checkout/sessions")[0]
        self.assertEqual(r["method"], "POST")
        h = r["headers"]
        self.assertEqual(h["authorization"], "Bearer " + KEY)
        self.assertEqual(h["content-type"], "application/x-www-form-urlencoded")
        self.assertEqual(h["stripe-version"], "2025-03-31.basil")
        self.assertEqual(h["idempotency-key"], "hawk-checkout-u42-p3-req9")
        # Bracket keys kept literal, values percent-encoded (RFC 3986).
        self.assertIn("line_items[0][price]=price_pro", r["body"])
        self.assertIn("success_url=https%3A%2F%2Fhawk.test%2Fbilling%2Fdone%3Fsession_id%3D"
                      "%7BCHECKOUT_SESSION_ID%7D", r["body"])
        self.assertEqual(self.peer.form(r), {
            "mode": "subscription",
            "line_items": [{"price": "price_pro", "quantity": "1"}],
            "success_url": "https://hawk.test/billing/done?session_id={CHECKOUT_SESSION_ID}",
            "cancel_url": "https://hawk.test/billing",
            "customer": cus, "client_reference_id": "42",
            "metadata": {"hawk_user_id": "42"},
            "subscription_data": {"metadata": {"hawk_user_id": "42"}, "trial_period_days": "14"}})

    def test_customer_create_is_idempotent_per_user(self):
        a = self.customer("42")
        b = self.customer("42")
        self.assertEqual(a, b)
        self.assertEqual(len(self.peer.customers()), 1)
        keys = [r["headers"]["idempotency-key"] for r in self.peer.requests("/v1/customers", "POST")]
        self.assertEqual(len(set(keys)), 1)
        self.assertTrue(keys[0].startswith("hawk-customer-42-"))
        self.assertEqual(self.peer.customers()[0]["metadata"], {"hawk_user_id": "42"})
        # Another user, or a new email, is another customer.
        self.assertNotEqual(self.customer("43"), a)
        self.assertNotEqual(self.customer("42", "ann2@example.test"), a)
        self.assertEqual(len(self.peer.customers()), 3)

    def test_gets_carry_no_body_and_no_idempotency_key(self):
        cus = self.customer()
        self.ok(self.call("invoices", {"customer": cus, "limit": 3}))
        r = self.peer.requests("/v1/invoices")[0]
        self.assertEqual(r["method"], "GET")
        self.assertEqual(r["query"], "customer=%s&limit=3" % cus)
        self.assertNotIn("idempotency-key", r["headers"])
        self.assertEqual(r["body"], "")

    def test_entry_with_only_name_path_enabled_uses_the_environment(self):
        # No options group at all: the key and the secret come from the
        # STRIPE_* variables, the API base is Stripe's.  A bad request
        # against an unreachable base would be slow, so check the loader
        # and the options only, through a webhook verification.
        body = b'{"id":"evt_1","object":"event","type":"ping","created":1,"data":{"object":{}}}'
        path = os.path.join(self.dir, "ev.json")
        with open(path, "wb") as f:
            f.write(body)
        run = self.call("verify", {"body_file": path, "header": self.peer.sign(body, t=1000),
                                   "now": 1000}, bare=True)
        self.assertEqual(run.rc, 0, run.message)
        self.assertEqual(run.out["type"], "other")
        run = self.call("verify", {"body_file": path, "header": "t=1,v1=" + "0" * 64, "now": 1},
                        bare=True, env={"STRIPE_SECRET_KEY": None})
        self.assertEqual(run.result["code"], "ECONFIG")
        self.assertIn("secret_key", run.message)
        self.assertIn("STRIPE_SECRET_KEY", run.message)

    def test_publishable_key_refused_at_load(self):
        run = self.call("portal", {"customer": "cus_x"}, env={"STRIPE_SECRET_KEY": "pk_test_abc123"})
        self.assertEqual(run.result["code"], "ECONFIG")
        self.assertIn("not a publishable one", run.message)

    # ---- idempotency and retries ------------------------------------------
    def test_lost_response_retried_with_the_same_key_makes_one_session(self):
        cus = self.customer()
        self.peer.script([{"path": "/v1/checkout/sessions", "after": True}])
        out = self.ok(self.call("checkout", self.checkout_args(cus)))
        reqs = self.peer.requests("/v1/checkout/sessions")
        self.assertEqual(len(reqs), 2)
        self.assertEqual(reqs[0]["headers"]["idempotency-key"], reqs[1]["headers"]["idempotency-key"])
        self.assertEqual(len(self.peer.sessions()), 1)
        self.assertEqual(out["id"], self.peer.sessions()[0]["id"])

    def test_lost_customer_response_replayed_not_duplicated(self):
        self.peer.script([{"path": "/v1/customers", "method": "POST", "after": True}])
        run = self.call("create_customer", {"email": "bo@example.test", "user_ref": "7"})
        self.ok(run)
        self.assertEqual(len(self.peer.customers()), 1)
        self.assertTrue(any("idempotent-replayed=true" in l.get("msg", "") for l in run.logs),
                        [l.get("msg") for l in run.logs])

    def test_server_errors_and_conflicts_retried_with_backoff(self):
        cus = self.customer()
        self.peer.script([{"path": "/v1/checkout/sessions", "status": 500},
                          {"path": "/v1/checkout/sessions", "status": 409,
                           "error": {"type": "invalid_request_error", "code": "lock_timeout",
                                     "message": "This object cannot be accessed right now."}}])
        run = self.call("checkout", self.checkout_args(cus))
        self.ok(run)
        self.assertEqual(len(self.peer.requests("/v1/checkout/sessions")), 3)
        s = run.sleeps()
        self.assertEqual(len(s), 2)
        # 200 ms doubling, jitter into [50%, 100%], never under the base.
        self.assertTrue(200 <= s[0] <= 200, s)
        self.assertTrue(200 <= s[1] <= 400, s)

    def test_rate_limited_retried_unless_turned_off(self):
        cus = self.customer()
        limit = {"path": "/v1/checkout/sessions", "status": 429,
                 "error": {"type": "invalid_request_error", "code": "rate_limit",
                           "message": "Request rate limit exceeded."}}
        self.peer.script([limit])
        self.ok(self.call("checkout", self.checkout_args(cus)))
        self.peer.script([limit])
        run = self.call("checkout", self.checkout_args(cus, key="op-2"),
                        options={"retry_rate_limited": False})
        self.assertEqual(run.result["code"], "ERATELIMIT")
        self.assertEqual(run.sleeps(), [])
        self.assertEqual(run.out["error"]["code"], "rate_limit")

    def test_stripe_should_retry_header_decides(self):
        cus = self.customer()
        self.peer.script([{"path": "/v1/checkout/sessions", "status": 500,
                           "headers": {"Stripe-Should-Retry": "false"}}])
        run = self.call("checkout", self.checkout_args(cus))
        self.assertEqual(run.result["code"], "EUNAVAIL")
        self.assertEqual(len(self.peer.requests("/v1/checkout/sessions")), 1)
        self.peer.reset()
        self.peer.add_price("price_pro", 1900)
        cus = self.customer()
        self.peer.script([{"path": "/v1/checkout/sessions", "status": 400,
                           "headers": {"Stripe-Should-Retry": "true"}}])
        self.ok(self.call("checkout", self.checkout_args(cus)))
        self.assertEqual(len(self.peer.requests("/v1/checkout/sessions")), 2)

    def test_card_declined_not_retried_and_reported_with_stripe_fields(self):
        cus = self.customer()
        self.peer.script([{"path": "/v1/checkout/sessions", "status": 402,
                           "error": {"type": "card_error", "code": "card_declined",
                                     "decline_code": "insufficient_funds",
                                     "message": "Your card has insufficient funds."}}])
        run = self.call("checkout", self.checkout_args(cus))
        self.assertEqual(run.result["code"], "EPERM")
        self.assertEqual(run.result["http_status"], 402)
        self.assertFalse(run.result["retryable"])
        self.assertEqual(len(self.peer.requests("/v1/checkout/sessions")), 1)
        e = run.out["error"]
        self.assertEqual((e["status"], e["type"], e["code"], e["decline_code"]),
                         (402, "card_error", "card_declined", "insufficient_funds"))
        self.assertEqual(e["message"], "Your card has insufficient funds.")
        self.assertTrue(e["request_id"].startswith("req_"))
        self.assertIn("card_error", run.message)
        self.assertIn("card_declined", run.message)

    def test_invalid_request_names_type_code_param(self):
        cus = self.customer()
        run = self.call("checkout", self.checkout_args(cus, price="price_gone"))
        self.assertEqual(run.result["code"], "EINVAL")
        self.assertEqual(run.out["error"]["param"], "line_items[0][price]")
        self.assertEqual(run.out["error"]["code"], "resource_missing")
        self.assertIn("No such price: 'price_gone'", run.message)
        self.assertEqual(len(self.peer.requests("/v1/checkout/sessions")), 1)

    def test_saved_server_error_replayed_until_retries_run_out(self):
        cus = self.customer()
        # Stripe keeps the outcome of a request that began executing, a
        # 500 included: the retries get it back and the call fails.
        self.peer.script([{"path": "/v1/checkout/sessions", "status": 500, "saved": True}])
        run = self.call("checkout", self.checkout_args(cus))
        self.assertEqual(run.result["code"], "EUNAVAIL")
        self.assertIn("after 3 attempts", run.message)
        self.assertEqual(len(self.peer.requests("/v1/checkout/sessions")), 3)
        self.assertEqual(len(self.peer.sessions()), 0)

    def test_dropped_connection_retried(self):
        cus = self.customer()
        self.peer.script([{"path": "/v1/billing_portal/sessions", "close": True}])
        out = self.ok(self.call("portal", {"customer": cus, "return_url": "https://hawk.test/b"}))
        self.assertTrue(out["url"].startswith("https://billing.stripe.com/"))
        self.assertEqual(len(self.peer.requests("/v1/billing_portal/sessions")), 2)

    def test_bad_key_401_is_redacted_and_not_retried(self):
        run = self.call("portal", {"customer": "cus_abc"},
                        env={"STRIPE_SECRET_KEY": "sk_test_WrongWrongWrong12345"})
        self.assertEqual(run.result["code"], "EAUTH")
        self.assertEqual(len(self.peer.requests("/v1/billing_portal")), 1)
        self.assertNotIn("sk_test_Wr", run.stdout + run.message)
        self.assertIn("[redacted]", run.message)

    def test_retries_stop_at_the_call_deadline(self):
        cus = self.customer()
        self.peer.script([{"path": "/v1/checkout/sessions", "status": 503, "repeat": 10}])
        run = self.call("checkout", self.checkout_args(cus),
                        options={"max_retries": 10, "retry_base": "20s", "retry_cap": "50s"})
        self.assertEqual(run.result["code"], "EUNAVAIL")
        self.assertIn("would pass the deadline", run.message)

    # ---- lists --------------------------------------------------------------
    def test_invoices_paginate_with_starting_after(self):
        cus = self.customer()
        made = self.peer.add_invoices(cus, 25)
        seen, after = [], None
        for _ in range(5):
            args = {"customer": cus, "limit": 10}
            if after:
                args["after"] = after
            out = self.ok(self.call("invoices", args))
            seen += [i["id"] for i in out["data"]]
            if not out["has_more"]:
                break
            after = out["data"][-1]["id"]
        self.assertEqual(len(seen), 25)
        self.assertEqual(set(seen), {i["id"] for i in made})
        self.assertEqual(seen, [i["id"] for i in reversed(made)])  # newest first
        inv = self.ok(self.call("invoices", {"customer": cus, "limit": 1}))["data"][0]
        for k in ("hosted_url", "pdf_url", "amount_paid", "currency", "period_start",
                  "period_end", "subscription", "price"):
            self.assertIsNotNone(inv[k], k)

    # ---- subscription operations (appended to the payment ops) ----------
    def subscribed(self):
        cus = self.customer()
        cs = self.ok(self.call("checkout", self.checkout_args(cus)))["id"]
        evs = self.peer.complete_checkout(cs)
        return cus, evs[0]["data"]["object"]["id"]

    def test_find_customer_by_email_and_user(self):
        cus = self.customer("42", "find@example.test")
        out = self.ok(self.call("find_customer", {"email": "find@example.test", "user_ref": "42"}))
        self.assertEqual(out["id"], cus)
        self.assertEqual(out["user_ref"], "42")
        run = self.call("find_customer", {"email": "find@example.test", "user_ref": "43"})
        self.assertEqual(run.result["code"], "ENOTFOUND")
        self.assertIn("belongs to this user", run.message)
        self.assertEqual(self.peer.requests("/v1/customers", "GET")[0]["query"],
                         "email=find%40example.test&limit=100")

    def test_cancel_at_period_end_and_resume(self):
        cus, sub = self.subscribed()
        out = self.ok(self.call("cancel", {"sub": sub, "at_period_end": True, "key": "u42-c1"}))
        self.assertTrue(out["cancel_at_period_end"])
        self.assertEqual(out["status"], "active")
        self.assertTrue(self.peer.subscription(sub)["cancel_at_period_end"])
        r = self.peer.requests("/v1/subscriptions/" + sub, "POST")[0]
        self.assertEqual(r["body"], "cancel_at_period_end=true")
        self.assertEqual(r["headers"]["idempotency-key"], "hawk-cancel-u42-c1")
        out = self.ok(self.call("cancel", {"sub": sub, "at_period_end": False, "key": "u42-r1"}))
        self.assertFalse(out["cancel_at_period_end"])
        self.assertFalse(self.peer.subscription(sub)["cancel_at_period_end"])
        got = self.ok(self.call("subscription", {"sub": sub}))
        self.assertEqual(got["id"], sub)
        self.assertEqual(got["customer"], cus)
        self.assertEqual(got["price"], "price_pro")

    def test_change_price_with_proration_and_cancel_now(self):
        _, sub = self.subscribed()
        self.peer.add_price("price_max", 4900)
        out = self.ok(self.call("change_price", {"sub": sub, "price": "price_max",
                                                 "proration": "always_invoice", "key": "u42-p9"}))
        self.assertEqual(out["price"], "price_max")
        post = self.peer.requests("/v1/subscriptions/" + sub, "POST")[0]
        form = self.peer.form(post)
        self.assertEqual(form["proration_behavior"], "always_invoice")
        self.assertEqual(form["items"][0]["price"], "price_max")
        self.assertTrue(form["items"][0]["id"].startswith("si_"))
        # The price it already has: no second POST.
        self.ok(self.call("change_price", {"sub": sub, "price": "price_max"}))
        self.assertEqual(len(self.peer.requests("/v1/subscriptions/" + sub, "POST")), 1)
        run = self.call("change_price", {"sub": sub, "price": "price_max", "proration": "sometimes"})
        self.assertEqual(run.result["code"], "EINVAL")
        self.assertIn("proration", run.message)
        out = self.ok(self.call("cancel_now", {"sub": sub}))
        self.assertEqual(out["status"], "canceled")
        self.assertEqual(self.peer.requests("/v1/subscriptions/" + sub, "DELETE")[0]["method"],
                         "DELETE")
        run = self.call("subscription", {"sub": "sub_../x"})
        self.assertEqual(run.result["code"], "EINVAL")

    def test_bad_arguments_refused_before_any_request(self):
        for op, args in (("invoices", {"customer": "cus_../x", "limit": 3}),
                         ("invoices", {"customer": "cus_1", "limit": 101}),
                         ("portal", {"customer": "bad id"}),
                         ("checkout", self.checkout_args("cus_1", success_url="javascript:x"))):
            run = self.call(op, args)
            self.assertEqual(run.result["code"], "EINVAL", (op, args))
        self.assertEqual(self.peer.requests(), [])

    # ---- webhooks -------------------------------------------------------------
    def verify(self, body, header, now, options=None):
        path = os.path.join(self.dir, "event.json")
        with open(path, "wb") as f:
            f.write(body if isinstance(body, bytes) else body.encode())
        return self.call("verify", {"body_file": path, "header": header, "now": now},
                         options=options)

    def event_body(self, pretty=True):
        cus = self.peer.create_customer("eve@example.test", {"hawk_user_id": "9"})
        s = self.ok(self.call("checkout", self.checkout_args(cus["id"], user_ref="9")))
        evs = self.peer.complete_checkout(s["id"])
        ev = evs[0]
        return (json.dumps(ev, indent=2) + "\n" if pretty else json.dumps(ev)).encode(), ev

    def test_valid_events_normalized(self):
        cus = self.peer.create_customer("eve@example.test", {"hawk_user_id": "9"})
        s = self.ok(self.call("checkout", self.checkout_args(cus["id"], user_ref="9")))
        evs = self.peer.complete_checkout(s["id"])
        by_type = {}
        for ev in evs:
            body = (json.dumps(ev, indent=2) + "\n").encode()
            t = self.peer.now()
            run = self.verify(body, self.peer.sign(body, t=t), t)
            by_type[ev["type"]] = self.ok(run)
        sub = by_type["customer.subscription.created"]
        self.assertEqual(sub["type"], "subscription.created")
        o = sub["object"]
        self.assertEqual((o["status"], o["price"], o["customer"], o["user_ref"]),
                         ("active", "price_pro", cus["id"], "9"))
        self.assertGreater(o["current_period_end"], o["current_period_start"])
        co = by_type["checkout.session.completed"]
        self.assertEqual(co["type"], "checkout.completed")
        self.assertEqual(co["object"]["user_ref"], "9")
        self.assertEqual(co["object"]["subscription"], o["id"])
        inv = by_type["invoice.paid"]
        self.assertEqual(inv["type"], "invoice.paid")
        self.assertEqual((inv["object"]["subscription"], inv["object"]["amount_paid"],
                          inv["object"]["user_ref"]), (o["id"], 1900, "9"))

    def test_compact_and_non_ascii_payloads(self):
        body, _ = self.event_body(pretty=False)
        t = self.peer.now()
        self.ok(self.verify(body, self.peer.sign(body, t=t), t))
        ev = json.loads(body)
        ev["data"]["object"]["metadata"]["note"] = "Zoë — 東京 ✓"
        body = json.dumps(ev, ensure_ascii=False, indent=2).encode("utf-8")
        self.ok(self.verify(body, self.peer.sign(body, t=t), t))

    def test_tolerance_edge_and_future_timestamp(self):
        body, _ = self.event_body()
        t = 1_800_000_000
        h = self.peer.sign(body, t=t)
        self.ok(self.verify(body, h, t + 300))
        run = self.verify(body, h, t + 301)
        self.assertEqual(run.result["code"], "EAUTH")
        self.assertIn("301 s old", run.message)
        self.ok(self.verify(body, h, t - 3600))  # a future t is not refused
        self.ok(self.verify(body, h, t + 10_000, options={"webhook_tolerance": 0}))
        self.assertEqual(self.verify(body, h, t + 61, options={"webhook_tolerance": "60s"})
                         .result["code"], "EAUTH")

    def test_rotation_two_secrets_and_v0_ignored(self):
        body, _ = self.event_body()
        t = self.peer.now()
        both = {"webhook_secret": WHSEC + ", " + OLD_WHSEC}
        # Signed with the old secret only: accepted while both are listed.
        self.ok(self.verify(body, self.peer.sign(body, t=t, secrets_list=[OLD_WHSEC]), t, both))
        # One v1 per active secret, as Stripe sends during a roll.
        h = self.peer.sign(body, t=t, secrets_list=["whsec_elsewhere_xyz", OLD_WHSEC])
        self.ok(self.verify(body, h, t, {"webhook_secret": OLD_WHSEC}))
        # t, v0 and v1 in any order; v0 never counts.
        v1 = self.peer.sign(body, t=t).split(",")[1]
        self.ok(self.verify(body, "v0=%s,t=%d,%s" % ("a" * 64, t, v1), t))
        v0_only = "t=%d,v0=%s" % (t, v1[3:])
        run = self.verify(body, v0_only, t)
        self.assertIn("no v1= signature", run.message)
        # The old secret alone no longer passes once it is removed.
        run = self.verify(body, self.peer.sign(body, t=t, secrets_list=[OLD_WHSEC]), t)
        self.assertEqual(run.result["code"], "EAUTH")

    def test_signature_failures(self):
        body, _ = self.event_body()
        t = self.peer.now()
        good = self.peer.sign(body, t=t)
        cases = {
            "wrong secret": (body, self.peer.sign(body, t=t, secrets_list=["whsec_wrong_one"]),
                             "does not match"),
            "tampered body": (body.replace(b'"active"', b'"canceled"'), good, "does not match"),
            "missing header": (body, "", "missing Stripe-Signature"),
            "no timestamp": (body, good.split(",")[1], "no t= timestamp"),
            "garbage": (body, "garbage", "no t= timestamp"),
            "bad timestamp": (body, "t=12ab," + good.split(",")[1], "no t= timestamp"),
            "short v1": (body, "t=%d,v1=abc" % t, "does not match"),
            "uppercase hex": (body, "t=%d,v1=%s" % (t, good.split("v1=")[1].upper()),
                              "does not match"),
            "old": (body, self.peer.sign(body, t=t - 4000), "s old"),
        }
        for name, (b, h, want) in cases.items():
            run = self.verify(b, h, t)
            self.assertEqual(run.result["code"], "EAUTH", name)
            self.assertEqual(run.result["http_status"], 400, name)
            self.assertIn(want, run.message, name)
            self.assertEqual(run.out, "", name)

    def test_signed_body_that_is_not_an_event(self):
        t = self.peer.now()
        for body in (b"[1,2]", b'{"object":"customer","id":"cus_1"}', b"{not json"):
            run = self.verify(body, self.peer.sign(body, t=t), t)
            self.assertEqual(run.result["code"], "EINVAL", body)
            self.assertIn("not a Stripe event", run.message)

    def test_oversized_body_refused(self):
        body = b'{"pad":"' + b"x" * (1024 * 1024 + 10) + b'"}'
        t = self.peer.now()
        run = self.verify(body, self.peer.sign(body, t=t), t)
        self.assertEqual(run.result["code"], "ETOOBIG")

    # ---- Stripe's own SDK as the other party --------------------------------
    def node(self, *args):
        p = subprocess.run(["node", NODE_CHECK] + list(args), capture_output=True, text=True,
                           timeout=120)
        self.assertEqual(p.returncode, 0, p.stderr)
        return p.stdout.strip()

    @unittest.skipUnless(os.path.exists(NODE_SDK), "npm ci --prefix tests (scripts/install-deps.sh test)")
    def test_stripe_sdk_vectors_verify_here_and_ours_verify_there(self):
        body, _ = self.event_body()
        path = os.path.join(self.dir, "sdk_event.json")
        with open(path, "wb") as f:
            f.write(body)
        t = self.peer.now()
        header = self.node("sign", WHSEC, str(t), path)
        self.assertTrue(header.startswith("t=%d,v1=" % t), header)
        self.ok(self.verify(body, header, t))
        run = self.verify(body, header, t + 301)
        self.assertEqual(run.result["code"], "EAUTH")
        # The stand-in signs as Stripe does: the SDK accepts it, with a
        # second v1 (rotation) too, and refuses a tampered body.
        ours = self.peer.sign(body, t=t, secrets_list=[OLD_WHSEC, WHSEC])
        self.assertTrue(self.node("verify", WHSEC, ours, path, "300", str(t)).startswith("ok evt_"))
        self.assertTrue(self.node("verify", WHSEC, ours, path, "300", str(t + 301))
                        .startswith("error Timestamp outside the tolerance zone"))
        with open(path, "ab") as f:
            f.write(b" ")
        self.assertTrue(self.node("verify", WHSEC, ours, path, "300", str(t)).startswith("error No signatures"))

    @unittest.skipUnless(os.path.exists(NODE_SDK), "npm ci --prefix tests (scripts/install-deps.sh test)")
    def test_stripe_sdk_reads_the_stand_in(self):
        rep = json.loads(self.node("client", str(self.peer.port), KEY))
        self.assertTrue(rep["customer"]["replayed_same"])
        self.assertEqual(rep["customer"]["metadata"], {"hawk_user_id": "7"})
        self.assertEqual(rep["session"], {"object": "checkout.session", "status": "open",
                                          "has_url": True, "id_prefix": "cs_test_"})
        self.assertEqual(rep["portal"]["object"], "billing_portal.session")
        self.assertEqual(len(rep["invoices"]), 1)
        self.assertEqual((rep["unknown_price"]["class"], rep["unknown_price"]["param"]),
                         ("StripeInvalidRequestError", "line_items[0][price]"))
        self.assertEqual(rep["unknown_param"]["param"], "colour")
        self.assertEqual(rep["idempotency_mismatch"]["class"], "StripeIdempotencyError")
        self.assertEqual((rep["card_error"]["class"], rep["card_error"]["decline_code"]),
                         ("StripeCardError", "insufficient_funds"))
        self.assertEqual(rep["rate_limit"]["class"], "StripeRateLimitError")
        self.assertEqual(rep["bad_key"]["class"], "StripeAuthenticationError")
        self.assertEqual((rep["missing"]["status"], rep["missing"]["code"]), (404, "resource_missing"))


if __name__ == "__main__":
    unittest.main()
