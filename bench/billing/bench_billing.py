#!/usr/bin/env python3
"""bench/billing: signed webhook events per second through hawk (the
stripe plugin's verification, storage by event id, the plan update) beside
the bare HMAC-SHA256 verification of the same events in the same run; and
GET /api/v1/admin/metrics latency (p50/p99) on 100,000 users and
1,000,000 invoices.

Runs a private PostgreSQL, `hawk serve` with plugins/stripe and the local
Stripe stand-in (tests/peers/stripe_peer.py), the way the integration
tests do.  Environment: BENCH_EVENTS (2000), BENCH_USERS (100000),
BENCH_INVOICES (1000000), BENCH_METRICS_RUNS (200), BENCH_CLIENTS (4).
"""

import hashlib
import hmac
import json
import os
import sys
import threading
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
sys.path.insert(0, os.path.join(ROOT, "tests", "peers"))
import hawktest  # noqa: E402
from stripe_peer import StripePeer, sign  # noqa: E402

KEY = "sk_test_51HawkBenchKeyQ9zKeyZq8vW3"
WHSEC = "whsec_BenchSecretAbcdefghijklmnop12"
EVENTS = int(os.environ.get("BENCH_EVENTS", "2000"))
USERS = int(os.environ.get("BENCH_USERS", "100000"))
INVOICES = int(os.environ.get("BENCH_INVOICES", "1000000"))
RUNS = int(os.environ.get("BENCH_METRICS_RUNS", "200"))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "4"))


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100.0 * (len(xs) - 1))))]


def post_all(url, bodies):
    """POSTs each (body, header) from CLIENTS threads; returns seconds."""
    def worker(chunk, errors):
        for body, hdr in chunk:
            req = urllib.request.Request(url, data=body, method="POST", headers={
                "Content-Type": "application/json", "Stripe-Signature": hdr})
            with urllib.request.urlopen(req, timeout=30) as r:
                if r.status != 200:
                    errors.append(r.status)
    errors = []
    chunks = [bodies[i::CLIENTS] for i in range(CLIENTS)]
    threads = [threading.Thread(target=worker, args=(c, errors)) for c in chunks]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise SystemExit("webhook answered %r" % errors[:5])
    return time.perf_counter() - t0


def bare_verify(bodies):
    """What any verifier must do: parse the header, HMAC, compare."""
    t0 = time.perf_counter()
    for body, hdr in bodies:
        parts = dict(p.split("=", 1) for p in hdr.split(","))
        mac = hmac.new(WHSEC.encode(), parts["t"].encode() + b"." + body, hashlib.sha256)
        if not hmac.compare_digest(mac.hexdigest(), parts["v1"]):
            raise SystemExit("bare verification failed")
    return time.perf_counter() - t0


def main():
    peer = StripePeer(api_key=KEY, webhook_secrets=[WHSEC]).start()
    pg = hawktest.PgCluster()
    entry = ('{ name = "stripe"; path = "stripe.so"; enabled = true; options = {'
             ' api_base = "%s"; }; }' % peer.url)
    srv = hawktest.HawkServer(db_url=pg.url, plugins=entry,
                              env={"STRIPE_SECRET_KEY": KEY, "STRIPE_WEBHOOK_SECRET": WHSEC})
    try:
        psql = pg.psql
        psql("UPDATE plans SET stripe_price_id = 'price_seeker' WHERE name = 'Job Seeker';"
             "UPDATE plans SET stripe_price_id = 'price_pro' WHERE name = 'Career Pro'")
        n_users = max(EVENTS // 4, 1)
        psql("INSERT INTO users (email, password_hash) SELECT 'wh' || g || '@bench.test', 'x'"
             " FROM generate_series(1, %d) g" % n_users)
        first = int(psql("SELECT min(id) FROM users WHERE email LIKE 'wh%@bench.test'"))
        # Each user gets created, updated (plan change), updated, renewed:
        # every event changes the plan or the period, so each one writes.
        now = int(time.time())
        bodies = []
        for i in range(EVENTS):
            uid = first + i % n_users
            step = i // n_users
            obj = {"id": "sub_bench%07d" % (i % n_users), "object": "subscription",
                   "customer": "cus_bench%07d" % (i % n_users), "status": "active",
                   "cancel_at_period_end": False, "metadata": {"hawk_user_id": str(uid)},
                   "items": {"data": [{"id": "si_b%07d" % (i % n_users),
                                       "price": {"id": "price_pro" if step % 2 else "price_seeker"},
                                       "current_period_start": now + step,
                                       "current_period_end": now + 2592000 + step}]}}
            ev = {"id": "evt_bench%08d" % i, "object": "event", "created": now + step,
                  "type": "customer.subscription.updated" if step else
                  "customer.subscription.created", "livemode": False,
                  "data": {"object": obj}}
            body = json.dumps(ev).encode()
            bodies.append((body, sign(body, [WHSEC], now)))
        url = "http://127.0.0.1:%d/api/v1/billing/webhook" % srv.port
        bare = min(bare_verify(bodies) for _ in range(3))
        hawk = post_all(url, bodies)
        applied = int(psql("SELECT count(*) FROM payment_events WHERE status = 'applied'"))
        dup = post_all(url, bodies[: EVENTS // 4])
        print("webhooks: %d signed events, %d clients, %d applied" % (EVENTS, CLIENTS, applied))
        print("  hawk (HTTP, verify, store by id, plan update): %8.0f events/s" % (EVENTS / hawk))
        print("  hawk, the same events again (duplicates):       %8.0f events/s" % (EVENTS // 4 / dup))
        print("  bare HMAC-SHA256 verification (Python hmac):    %8.0f events/s" % (EVENTS / bare))
        print("  ratio hawk / bare: %.4f" % ((EVENTS / hawk) / (EVENTS / bare)))

        # ---- metrics on a large history
        t0 = time.time()
        psql("INSERT INTO users (email, password_hash, created_at) SELECT 'm' || g || '@bench.test',"
             " 'x', now() - (g %% 700) * interval '1 day' FROM generate_series(1, %d) g" % USERS)
        psql("INSERT INTO subscriptions (user_id, plan_id, status)"
             " SELECT u.id, (SELECT id FROM plans WHERE name = CASE WHEN u.id % 3 = 0"
             " THEN 'Career Pro' ELSE 'Job Seeker' END), CASE WHEN u.id % 10 = 0 THEN 'canceled'"
             " WHEN u.id % 17 = 0 THEN 'past_due' ELSE 'active' END FROM users u"
             " WHERE u.email LIKE 'm%@bench.test' AND u.id % 4 = 0")
        psql("INSERT INTO subscription_history (user_id, at, source, new_plan_id, new_status)"
             " SELECT user_id, now() - (user_id % 600) * interval '1 day', 'webhook', plan_id,"
             " 'active' FROM subscriptions")
        psql("INSERT INTO subscription_history (user_id, at, source, old_plan_id, new_plan_id,"
             " old_status, new_status) SELECT user_id, now() - (user_id % 300) * interval '1 day',"
             " 'webhook', plan_id, plan_id, 'active', 'canceled' FROM subscriptions"
             " WHERE status = 'canceled'")
        first_m = int(psql("SELECT min(id) FROM users WHERE email LIKE 'm%@bench.test'"))
        plans = psql("SELECT string_agg(id::text, ',' ORDER BY id) FROM plans"
                     " WHERE stripe_price_id IS NOT NULL").split(",")
        psql("INSERT INTO invoices (id, user_id, plan_id, status, amount_due, amount_paid,"
             " currency, created_at, paid_at) SELECT 'in_b' || g, %d + g %% %d,"
             " CASE WHEN g %% 3 = 0 THEN %s ELSE %s END, 'paid', 1900, 1900, 'usd',"
             " now() - (g %% 700) * interval '1 day', now() - (g %% 700) * interval '1 day'"
             " FROM generate_series(1, %d) g" % (first_m, USERS, plans[-1], plans[0], INVOICES))
        psql("INSERT INTO revenue_monthly (month, plan_id, currency, amount, invoices)"
             " SELECT date_trunc('month', paid_at)::date, plan_id, currency, sum(amount_paid),"
             " count(*) FROM invoices WHERE status = 'paid' GROUP BY 1, 2, 3"
             " ON CONFLICT (month, plan_id, currency) DO UPDATE SET amount = EXCLUDED.amount,"
             " invoices = EXCLUDED.invoices")
        psql("ANALYZE")
        seeded = time.time() - t0
        auth = srv.register_and_login()
        srv.make_admin(auth["email"])
        tok = srv.login(auth["email"])["access_token"]
        lat = []
        for i in range(RUNS + 5):
            t = time.perf_counter()
            st, _, body = srv.request("GET", "/api/v1/admin/metrics", token=tok)
            d = (time.perf_counter() - t) * 1000
            if st != 200:
                raise SystemExit("metrics answered %s %r" % (st, body))
            if i >= 5:
                lat.append(d)
        counts = psql("SELECT (SELECT count(*) FROM users) || ' users, ' || (SELECT count(*)"
                      " FROM invoices) || ' invoices, ' || (SELECT count(*) FROM"
                      " subscription_history) || ' history rows'")
        print("admin metrics: %s (seeded in %.0f s), %d requests" % (counts, seeded, RUNS))
        print("  GET /api/v1/admin/metrics p50 %.1f ms  p99 %.1f ms  max %.1f ms"
              % (pct(lat, 50), pct(lat, 99), max(lat)))
        print("  aim: p99 under 50 ms -> %s" % ("met" if pct(lat, 99) < 50 else "NOT met"))
    finally:
        try:
            srv.stop()
        finally:
            srv.cleanup()
            pg.destroy()
            peer.stop()


if __name__ == "__main__":
    main()
