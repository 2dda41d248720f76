#!/usr/bin/env python3
"""A local stand-in for the Stripe API v1 and its webhooks (stdlib only).

It speaks the REST format Stripe documents: form-encoded bodies with
bracket keys (`line_items[0][price]`, `metadata[hawk_user_id]`), Bearer or
Basic authentication with a secret key, JSON answers with `object` types,
errors as {"error": {type, code, param, message, doc_url,
request_log_url}} with a `Request-Id` header, `Idempotency-Key` replay (the
saved status and body come back with `Idempotent-Replayed: true`; the same
key with other parameters is a 400 idempotency_error), cursor pagination
of lists (`limit` 1-100, `starting_after`, `ending_before`, `has_more`),
unknown and missing parameters refused with the messages Stripe uses, and
rate limits (429 rate_limit / lock_timeout).

Objects: customers (list with `email`, retrieve, update), prices (seeded
by the test), Checkout Sessions in subscription mode, Billing Portal
sessions, subscriptions (retrieve, update: cancel_at_period_end, items +
proration_behavior, metadata; cancel), invoices (list, retrieve).

The test drives what Stripe would do on its side and gets the events,
each signed as Stripe signs them (`Stripe-Signature: t=<unix>,v1=<hex>`,
HMAC-SHA256 over "<t>.<body>" keyed by the whole endpoint secret, one v1
per active secret during a rotation):

    peer = StripePeer(api_key="sk_test_x", webhook_secrets=["whsec_a"]).start()
    peer.add_price("price_pro", 1900)
    events = peer.complete_checkout(session_id)       # subscription + paid invoice
    peer.deliver(events[0], url)                      # POST, signed, as Stripe does
    peer.update_subscription(sub_id, status="past_due")
    peer.fail_invoice(sub_id); peer.pay_invoice(sub_id); peer.delete_subscription(sub_id)

Scripted faults (a queue; each API request takes the first action whose
`path` prefix and `method` match, then is served normally):
  status, error {type, code, message, param}, headers {..} (for example
  Stripe-Should-Retry), close (drop the connection, no reply),
  after (run the request first, then drop the reply: a lost response),
  stall (seconds before replying), saved (store the error under the
  idempotency key, as Stripe does once an endpoint began), repeat n.

Control over HTTP (no auth) for other processes: POST /__control/script
{"actions": [...]}, POST /__control/reset, GET /__control/requests,
POST /__control/prices {"id", "unit_amount", ...},
POST /__control/checkout/<cs_id>/complete {"deliver": url}.

Run: stripe_peer.py --port 0 --api-key sk_test_x --webhook-secret whsec_x
(prints the port), or import it and use StripePeer(...).start().
"""

import argparse
import base64
import hashlib
import hmac
import json
import secrets
import socket
import sys
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

API_VERSION = "2025-03-31.basil"
DOC = "https://stripe.com/docs/error-codes"
ACCOUNT = "acct_1HawkPeer000000"


class StripeError(Exception):
    def __init__(self, status, message, etype="invalid_request_error",
                 code=None, param=None, headers=None, decline_code=None):
        super().__init__(message)
        self.status, self.message, self.etype = status, message, etype
        self.code, self.param = code, param
        self.headers = headers or {}
        self.decline_code = decline_code

    def body(self, request_id):
        e = {"type": self.etype, "message": self.message,
             "request_log_url": "https://dashboard.stripe.com/test/logs/" + request_id}
        if self.code:
            e["code"] = self.code
            e["doc_url"] = DOC + "#" + self.code
        if self.param:
            e["param"] = self.param
        if self.decline_code:
            e["decline_code"] = self.decline_code
        return {"error": e}


def new_id(prefix, n=24):
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    return prefix + "".join(secrets.choice(alphabet) for _ in range(n))


def mask_key(key):
    """How Stripe shows a refused key: the prefix and the last four."""
    if len(key) <= 12:
        return "*" * len(key)
    return key[:8] + "*" * (len(key) - 12) + key[-4:]


def unflatten(pairs):
    """Stripe's form decoding: a[b]=1&a[c][0]=x&l[]=y -> nested dicts and
    lists.  Raises StripeError on keys that mix the two shapes."""
    root = {}
    for key, value in pairs:
        if "[" in key:
            head = key[:key.index("[")]
            rest = key[key.index("["):]
            parts = []
            while rest:
                if not rest.startswith("[") or "]" not in rest:
                    raise StripeError(400, "Invalid parameter name: %s" % key, param=key)
                close = rest.index("]")
                parts.append(rest[1:close])
                rest = rest[close + 1:]
        else:
            head, parts = key, []
        if not head:
            raise StripeError(400, "Invalid parameter name: %s" % key, param=key)
        path = [head] + parts
        node = root
        for i, part in enumerate(path):
            last = i == len(path) - 1
            if isinstance(node, list):
                idx = len(node) if part == "" else int(part) if part.isdigit() else None
                if idx is None:
                    raise StripeError(400, "Invalid array index in %s" % key, param=key)
                while len(node) <= idx:
                    node.append(None)
                if last:
                    node[idx] = value
                else:
                    if node[idx] is None:
                        node[idx] = [] if (path[i + 1].isdigit() or path[i + 1] == "") else {}
                    node = node[idx]
            else:
                if last:
                    node[part] = value
                else:
                    nxt = path[i + 1]
                    if part not in node:
                        node[part] = [] if (nxt.isdigit() or nxt == "") else {}
                    node = node[part]
                    if not isinstance(node, (dict, list)):
                        raise StripeError(400, "Invalid parameter name: %s" % key, param=key)
    return root


def to_bool(v, param):
    if v in ("true", True):
        return True
    if v in ("false", False):
        return False
    raise StripeError(400, "Invalid boolean: %s" % v, param=param)


def to_int(v, param, lo=None, hi=None):
    try:
        n = int(v)
    except (TypeError, ValueError):
        raise StripeError(400, "Invalid integer: %s" % v, param=param)
    if (lo is not None and n < lo) or (hi is not None and n > hi):
        raise StripeError(400, "Invalid integer: %s" % v, param=param)
    return n


def check_params(params, allowed, prefix=""):
    for k in params:
        if k not in allowed:
            raise StripeError(400, "Received unknown parameter: %s%s" % (
                prefix, k), param=prefix + k)


def check_metadata(md, param):
    if md is None:
        return {}
    if not isinstance(md, dict):
        raise StripeError(400, "Invalid object", param=param)
    if len(md) > 50:
        raise StripeError(400, "Metadata can have up to 50 keys", param=param)
    for k, v in md.items():
        if len(k) > 40:
            raise StripeError(400, "Metadata keys can be at most 40 characters", param=param)
        if v is not None and len(v) > 500:
            raise StripeError(400, "Metadata values can be at most 500 characters", param=param)
    return md


class PeerState:
    def __init__(self, api_key, webhook_secrets, rate_limit=0):
        self.lock = threading.RLock()
        self.api_key = api_key
        self.webhook_secrets = list(webhook_secrets)
        self.rate_limit = rate_limit  # requests per second, 0: none
        self.window = []
        self.clock_offset = 0
        self.reset()

    def reset(self):
        with self.lock:
            self.script = []
            self.requests = []
            self.customers = {}
            self.prices = {}
            self.sessions = {}
            self.portal_sessions = {}
            self.subscriptions = {}
            self.invoices = {}
            self.events = []
            self.idempotency = {}
            self.seq = 0

    def now(self):
        return int(time.time()) + self.clock_offset

    def next_seq(self):
        self.seq += 1
        return self.seq

    def next_action(self, method, path):
        with self.lock:
            for i, a in enumerate(self.script):
                if not path.startswith(a.get("path", "/v1/")):
                    continue
                if a.get("method") and a["method"] != method:
                    continue
                left = a.get("repeat", 1) - 1
                if left <= 0:
                    self.script.pop(i)
                else:
                    a["repeat"] = left
                return a
        return None


# ---------------------------------------------------------------- objects

def customer_obj(st, params):
    cid = new_id("cus_", 14)
    c = {"id": cid, "object": "customer", "created": st.now(), "livemode": False,
         "email": params.get("email"), "name": params.get("name"),
         "description": params.get("description"),
         "metadata": {k: v for k, v in check_metadata(params.get("metadata"), "metadata").items() if v},
         "balance": 0, "currency": None, "delinquent": False,
         "invoice_prefix": cid[4:12].upper(), "_seq": st.next_seq()}
    st.customers[cid] = c
    return c


def public(obj):
    """The object as the API shows it (no private bookkeeping keys)."""
    if isinstance(obj, dict):
        return {k: public(v) for k, v in obj.items() if not k.startswith("_")}
    if isinstance(obj, list):
        return [public(v) for v in obj]
    return obj


def price_obj(pid, unit_amount, currency="usd", interval="month", product=None):
    return {"id": pid, "object": "price", "active": True, "currency": currency,
            "unit_amount": unit_amount, "type": "recurring",
            "recurring": {"interval": interval, "interval_count": 1,
                          "usage_type": "licensed"} if interval else None,
            "product": product or ("prod_" + pid[6:] if pid.startswith("price_") else "prod_x"),
            "livemode": False, "created": int(time.time())}


def list_page(items, params, url):
    """Cursor pagination over items (newest first), as every Stripe list."""
    limit = to_int(params.get("limit", 10), "limit", 1, 100)
    after, before = params.get("starting_after"), params.get("ending_before")
    ids = [x["id"] for x in items]
    if after is not None:
        if after not in ids:
            raise StripeError(400, "No such object: '%s'" % after, code="resource_missing",
                              param="starting_after")
        items = items[ids.index(after) + 1:]
        page = items[:limit]
        more = len(items) > limit
    elif before is not None:
        if before not in ids:
            raise StripeError(400, "No such object: '%s'" % before, code="resource_missing",
                              param="ending_before")
        items = items[:ids.index(before)]
        page = items[-limit:]
        more = len(items) > limit
    else:
        page = items[:limit]
        more = len(items) > limit
    return {"object": "list", "data": [public(x) for x in page], "has_more": more, "url": url}


def sub_item(st, sub_id, price, start, end):
    return {"id": new_id("si_", 14), "object": "subscription_item", "created": start,
            "price": dict(price), "quantity": 1, "subscription": sub_id,
            "current_period_start": start, "current_period_end": end, "metadata": {}}


def period_seconds(price):
    rec = price.get("recurring") or {}
    return 365 * 86400 if rec.get("interval") == "year" else 30 * 86400


def invoice_for(st, sub, amount, reason, status="paid"):
    iid = new_id("in_", 14)
    now = st.now()
    item = sub["items"]["data"][0]
    n = len(st.invoices) + 1
    inv = {"id": iid, "object": "invoice", "customer": sub["customer"],
           "status": status, "currency": item["price"]["currency"],
           "amount_due": amount, "amount_paid": amount if status == "paid" else 0,
           "amount_remaining": 0 if status == "paid" else amount,
           "attempt_count": 1, "attempted": True,
           "billing_reason": reason, "created": now,
           "period_start": item["current_period_start"], "period_end": item["current_period_end"],
           "number": "%s-%04d" % (st.customers.get(sub["customer"], {}).get("invoice_prefix", "HAWK"), n),
           "hosted_invoice_url": "https://invoice.stripe.com/i/%s/test_%s" % (ACCOUNT, iid[3:]),
           "invoice_pdf": "https://pay.stripe.com/invoice/%s/test_%s/pdf" % (ACCOUNT, iid[3:]),
           "next_payment_attempt": None, "livemode": False,
           "parent": {"type": "subscription_details", "quote_details": None,
                      "subscription_details": {"subscription": sub["id"],
                                               "metadata": dict(sub["metadata"])}},
           "lines": {"object": "list", "has_more": False, "url": "/v1/invoices/%s/lines" % iid,
                     "data": [{"id": new_id("il_", 14), "object": "line_item",
                               "amount": amount, "currency": item["price"]["currency"],
                               "period": {"start": item["current_period_start"],
                                          "end": item["current_period_end"]},
                               "pricing": {"type": "price_details",
                                           "price_details": {"price": item["price"]["id"],
                                                             "product": item["price"]["product"]}}}]},
           "status_transitions": {"finalized_at": now, "paid_at": now if status == "paid" else None,
                                  "voided_at": None, "marked_uncollectible_at": None},
           "_seq": st.next_seq()}
    st.invoices[iid] = inv
    sub["latest_invoice"] = iid
    return inv


# ------------------------------------------------------------- endpoints

def ep_customers_create(st, p):
    check_params(p, {"email", "name", "description", "metadata", "phone", "expand",
                     "preferred_locales"})
    if p.get("email") is not None and len(p["email"]) > 512:
        raise StripeError(400, "Invalid email address: %s" % p["email"][:40], param="email",
                          code="email_invalid")
    return 200, public(customer_obj(st, p))


def ep_customers_list(st, p):
    check_params(p, {"email", "limit", "starting_after", "ending_before", "created", "expand"})
    items = sorted(st.customers.values(), key=lambda c: -c["_seq"])
    items = [c for c in items if not c.get("deleted")]
    if "email" in p:
        items = [c for c in items if c.get("email") == p["email"]]
    return 200, list_page(items, p, "/v1/customers")


def get_customer(st, cid, param="customer"):
    c = st.customers.get(cid)
    if c is None or c.get("deleted"):
        raise StripeError(404 if param == "id" else 400, "No such customer: '%s'" % cid,
                          code="resource_missing", param=param if param != "id" else "id")
    return c


def ep_customer_get(st, p, cid):
    check_params(p, {"expand"})
    return 200, public(get_customer(st, cid, "id"))


def ep_customer_update(st, p, cid):
    check_params(p, {"email", "name", "description", "metadata", "phone", "expand"})
    c = get_customer(st, cid, "id")
    for k in ("email", "name", "description"):
        if k in p:
            c[k] = p[k] or None
    for k, v in check_metadata(p.get("metadata"), "metadata").items():
        if v:
            c["metadata"][k] = v
        else:
            c["metadata"].pop(k, None)
    return 200, public(c)


CHECKOUT_PARAMS = {
    "mode", "line_items", "success_url", "cancel_url", "customer", "customer_email",
    "client_reference_id", "metadata", "subscription_data", "allow_promotion_codes",
    "expand", "locale", "billing_address_collection", "payment_method_collection",
    "automatic_tax", "customer_update", "ui_mode", "consent_collection",
}


def ep_checkout_create(st, p):
    check_params(p, CHECKOUT_PARAMS)
    mode = p.get("mode")
    if mode is None:
        raise StripeError(400, "Missing required param: mode.", code="parameter_missing", param="mode")
    if mode not in ("payment", "setup", "subscription"):
        raise StripeError(400, "Invalid mode: must be one of payment, setup, or subscription",
                          param="mode", code="parameter_invalid_string")
    if p.get("customer") and p.get("customer_email"):
        raise StripeError(400, "You may only specify one of these parameters: customer, customer_email.",
                          param="customer")
    if p.get("customer"):
        get_customer(st, p["customer"], "customer")
    if not p.get("success_url"):
        raise StripeError(400, "Missing required param: success_url.", code="parameter_missing",
                          param="success_url")
    for u in ("success_url", "cancel_url"):
        if u in p and not p[u].startswith(("http://", "https://")):
            raise StripeError(400, "Not a valid URL", param=u, code="url_invalid")
    crid = p.get("client_reference_id")
    if crid is not None and len(crid) > 200:
        raise StripeError(400, "client_reference_id must be at most 200 characters",
                          param="client_reference_id")
    items = p.get("line_items")
    if not isinstance(items, list) or not items:
        raise StripeError(400, "Missing required param: line_items.", code="parameter_missing",
                          param="line_items")
    prices = []
    for i, li in enumerate(items):
        if not isinstance(li, dict):
            raise StripeError(400, "Invalid object", param="line_items[%d]" % i)
        check_params(li, {"price", "quantity", "adjustable_quantity"}, "line_items[%d][" % i)
        pid = li.get("price")
        if pid is None:
            raise StripeError(400, "Missing required param: line_items[%d][price]." % i,
                              code="parameter_missing", param="line_items[%d][price]" % i)
        price = st.prices.get(pid)
        if price is None:
            raise StripeError(400, "No such price: '%s'" % pid, code="resource_missing",
                              param="line_items[%d][price]" % i)
        if not price["active"]:
            raise StripeError(400, "The price specified is inactive. This field only accepts active prices.",
                              param="line_items[%d][price]" % i)
        to_int(li.get("quantity", 1), "line_items[%d][quantity]" % i, 1, 999999)
        prices.append(price)
    if mode == "subscription" and not any(x.get("recurring") for x in prices):
        raise StripeError(400, "You must provide at least one recurring price in `subscription` mode "
                          "when using prices.", param="line_items")
    sd = p.get("subscription_data") or {}
    if not isinstance(sd, dict):
        raise StripeError(400, "Invalid object", param="subscription_data")
    check_params(sd, {"metadata", "trial_period_days", "description", "trial_settings"},
                 "subscription_data[")
    trial = None
    if "trial_period_days" in sd:
        trial = to_int(sd["trial_period_days"], "subscription_data[trial_period_days]", 1, 730)
    if "allow_promotion_codes" in p:
        to_bool(p["allow_promotion_codes"], "allow_promotion_codes")
    sid = new_id("cs_test_", 40)
    s = {"id": sid, "object": "checkout.session", "mode": mode, "status": "open",
         "payment_status": "unpaid", "created": st.now(), "expires_at": st.now() + 86400,
         "url": "https://checkout.stripe.com/c/pay/%s#fid%s" % (sid, new_id("", 12)),
         "success_url": p["success_url"], "cancel_url": p.get("cancel_url"),
         "customer": p.get("customer"), "customer_email": p.get("customer_email"),
         "client_reference_id": crid,
         "metadata": {k: v for k, v in check_metadata(p.get("metadata"), "metadata").items() if v},
         "subscription": None, "livemode": False, "currency": prices[0]["currency"],
         "amount_total": sum(x["unit_amount"] or 0 for x in prices),
         "_prices": [x["id"] for x in prices], "_trial": trial,
         "_sub_metadata": {k: v for k, v in check_metadata(sd.get("metadata"),
                                                           "subscription_data[metadata]").items() if v}}
    st.sessions[sid] = s
    return 200, public(s)


def ep_checkout_get(st, p, sid):
    check_params(p, {"expand"})
    s = st.sessions.get(sid)
    if s is None:
        raise StripeError(404, "No such checkout.session: '%s'" % sid, code="resource_missing", param="id")
    return 200, public(s)


def ep_portal_create(st, p):
    check_params(p, {"customer", "return_url", "configuration", "flow_data", "locale",
                     "on_behalf_of", "expand"})
    if not p.get("customer"):
        raise StripeError(400, "Missing required param: customer.", code="parameter_missing",
                          param="customer")
    get_customer(st, p["customer"], "customer")
    ru = p.get("return_url")
    if ru is not None and not ru.startswith(("http://", "https://")):
        raise StripeError(400, "Not a valid URL", param="return_url", code="url_invalid")
    bid = new_id("bps_", 24)
    s = {"id": bid, "object": "billing_portal.session", "customer": p["customer"],
         "return_url": ru, "created": st.now(), "livemode": False, "locale": p.get("locale"),
         "configuration": p.get("configuration") or "bpc_" + "0" * 24,
         "url": "https://billing.stripe.com/p/session/test_%s" % new_id("", 32)}
    st.portal_sessions[bid] = s
    return 200, s


def ep_invoices_list(st, p):
    check_params(p, {"customer", "subscription", "status", "limit", "starting_after",
                     "ending_before", "created", "expand", "collection_method"})
    if p.get("customer"):
        get_customer(st, p["customer"], "customer")
    if "status" in p and p["status"] not in ("draft", "open", "paid", "uncollectible", "void"):
        raise StripeError(400, "Invalid status: must be one of draft, open, paid, uncollectible, or void",
                          param="status")
    items = sorted(st.invoices.values(), key=lambda x: -x["_seq"])
    for k in ("customer", "status"):
        if k in p:
            items = [x for x in items if x[k] == p[k]]
    if "subscription" in p:
        items = [x for x in items
                 if x["parent"]["subscription_details"]["subscription"] == p["subscription"]]
    return 200, list_page(items, p, "/v1/invoices")


def ep_invoice_get(st, p, iid):
    check_params(p, {"expand"})
    inv = st.invoices.get(iid)
    if inv is None:
        raise StripeError(404, "No such invoice: '%s'" % iid, code="resource_missing", param="id")
    return 200, public(inv)


def get_sub(st, sid):
    s = st.subscriptions.get(sid)
    if s is None:
        raise StripeError(404, "No such subscription: '%s'" % sid, code="resource_missing", param="id")
    return s


def ep_sub_get(st, p, sid):
    check_params(p, {"expand"})
    return 200, public(get_sub(st, sid))


def ep_sub_update(st, p, sid):
    check_params(p, {"cancel_at_period_end", "items", "proration_behavior", "metadata",
                     "expand", "cancel_at", "trial_end", "payment_behavior",
                     "proration_date", "billing_cycle_anchor"})
    s = get_sub(st, sid)
    if s["status"] in ("canceled", "incomplete_expired"):
        raise StripeError(400, "A canceled subscription can only update its cancellation_details "
                          "and metadata.", param=None)
    prev = {}
    if "proration_behavior" in p and p["proration_behavior"] not in (
            "create_prorations", "none", "always_invoice"):
        raise StripeError(400, "Invalid proration_behavior: must be one of create_prorations, none, "
                          "or always_invoice", param="proration_behavior")
    if "cancel_at_period_end" in p:
        v = to_bool(p["cancel_at_period_end"], "cancel_at_period_end")
        if v != s["cancel_at_period_end"]:
            prev["cancel_at_period_end"] = s["cancel_at_period_end"]
            prev["cancel_at"] = s["cancel_at"]
            s["cancel_at_period_end"] = v
            s["cancel_at"] = s["items"]["data"][0]["current_period_end"] if v else None
            s["canceled_at"] = st.now() if v else None
    if "items" in p:
        items = p["items"]
        if not isinstance(items, list) or not items:
            raise StripeError(400, "Invalid array", param="items")
        for i, it in enumerate(items):
            check_params(it, {"id", "price", "quantity", "deleted"}, "items[%d][" % i)
            cur = next((x for x in s["items"]["data"] if x["id"] == it.get("id")), None)
            if it.get("id") and cur is None:
                raise StripeError(400, "Invalid subscription_item id: %s" % it["id"],
                                  param="items[%d][id]" % i, code="resource_missing")
            if "price" in it:
                price = st.prices.get(it["price"])
                if price is None:
                    raise StripeError(400, "No such price: '%s'" % it["price"],
                                      code="resource_missing", param="items[%d][price]" % i)
                if cur is None:
                    raise StripeError(400, "A subscription item id is needed to change its price",
                                      param="items[%d][id]" % i)
                if cur["price"]["id"] != price["id"]:
                    prev.setdefault("items", public(s["items"]))
                    cur["price"] = dict(price)
                    s["plan"] = dict(price)
                    s["_proration"] = p.get("proration_behavior", "create_prorations")
    md = check_metadata(p.get("metadata"), "metadata")
    if md:
        prev["metadata"] = dict(s["metadata"])
        for k, v in md.items():
            if v:
                s["metadata"][k] = v
            else:
                s["metadata"].pop(k, None)
    st.seq += 1
    if prev:
        st.emit("customer.subscription.updated", s, prev)
    return 200, public(s)


def ep_sub_cancel(st, p, sid):
    check_params(p, {"invoice_now", "prorate", "expand", "cancellation_details"})
    s = get_sub(st, sid)
    st.cancel_now(s)
    return 200, public(s)


def ep_price_get(st, p, pid):
    check_params(p, {"expand"})
    price = st.prices.get(pid)
    if price is None:
        raise StripeError(404, "No such price: '%s'" % pid, code="resource_missing", param="id")
    return 200, price


ROUTES = [
    ("POST", "/v1/customers", ep_customers_create),
    ("GET", "/v1/customers", ep_customers_list),
    ("GET", "/v1/customers/*", ep_customer_get),
    ("POST", "/v1/customers/*", ep_customer_update),
    ("POST", "/v1/checkout/sessions", ep_checkout_create),
    ("GET", "/v1/checkout/sessions/*", ep_checkout_get),
    ("POST", "/v1/billing_portal/sessions", ep_portal_create),
    ("GET", "/v1/invoices", ep_invoices_list),
    ("GET", "/v1/invoices/*", ep_invoice_get),
    ("GET", "/v1/subscriptions/*", ep_sub_get),
    ("POST", "/v1/subscriptions/*", ep_sub_update),
    ("DELETE", "/v1/subscriptions/*", ep_sub_cancel),
    ("GET", "/v1/prices/*", ep_price_get),
]


def route(method, path):
    for m, pattern, fn in ROUTES:
        if pattern.endswith("/*"):
            base = pattern[:-1]
            if path.startswith(base) and "/" not in path[len(base):] and len(path) > len(base):
                if m == method:
                    return fn, [path[len(base):]]
        elif pattern == path and m == method:
            return fn, []
    return None, None


# -------------------------------------------------------------- handler

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "stripe-peer"
    sys_version = ""

    def log_message(self, fmt, *args):
        pass

    def _send(self, status, obj, headers=None, request_id=None):
        data = (json.dumps(obj, indent=2) + "\n").encode() if obj is not None else b""
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Request-Id", request_id or new_id("req_", 14))
        self.send_header("Stripe-Version", API_VERSION)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def _auth(self, st):
        h = self.headers.get("Authorization", "")
        key = None
        if h.startswith("Bearer "):
            key = h[7:].strip()
        elif h.startswith("Basic "):
            try:
                key = base64.b64decode(h[6:]).decode().split(":", 1)[0]
            except (ValueError, UnicodeDecodeError):
                key = ""
        if not key:
            raise StripeError(401, "You did not provide an API key. You need to provide your API key "
                              "in the Authorization header, using Bearer auth (e.g. 'Authorization: "
                              "Bearer YOUR_SECRET_KEY').")
        if key != st.api_key:
            raise StripeError(401, "Invalid API Key provided: %s" % mask_key(key))

    def _control(self, st, method, path, body):
        if path == "/__control/reset" and method == "POST":
            st.reset()
            return 200, {"ok": True}
        if path == "/__control/script" and method == "POST":
            with st.lock:
                if body.get("append"):
                    st.script.extend(body.get("actions", []))
                else:
                    st.script = list(body.get("actions", []))
            return 200, {"ok": True}
        if path == "/__control/requests" and method == "GET":
            with st.lock:
                return 200, {"requests": list(st.requests)}
        if path == "/__control/prices" and method == "POST":
            peer_add_price(st, body["id"], body.get("unit_amount", 0), body.get("currency", "usd"),
                           body.get("interval", "month"))
            return 200, st.prices[body["id"]]
        if path.startswith("/__control/checkout/") and path.endswith("/complete") and method == "POST":
            sid = path[len("/__control/checkout/"):-len("/complete")]
            evs = st.complete_checkout(sid, status=body.get("status"))
            if body.get("deliver"):
                for e in evs:
                    st.deliver(e, body["deliver"])
            return 200, {"events": evs}
        return 404, {"error": {"type": "invalid_request_error", "message": "unknown control path"}}

    def _handle(self, method):
        st = self.server.state
        parts = urlsplit(self.path)
        path = parts.path
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length > 0 else b""
        if path.startswith("/__control/"):
            body = json.loads(raw or b"{}")
            status, obj = self._control(st, method, path, body)
            self._send(status, obj)
            return
        rid = new_id("req_", 14)
        rec = {"method": method, "path": path, "query": parts.query,
               "headers": {k.lower(): v for k, v in self.headers.items()},
               "body": raw.decode("utf-8", "replace"), "t": time.time(),
               "client_port": self.client_address[1], "request_id": rid}
        with st.lock:
            st.requests.append(rec)
        action = st.next_action(method, path)
        if action and action.get("stall"):
            time.sleep(action["stall"])
        if action and action.get("close"):
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        try:
            self._auth(st)
            if st.rate_limit:
                with st.lock:
                    now = time.time()
                    st.window = [t for t in st.window if now - t < 1.0]
                    if len(st.window) >= st.rate_limit:
                        raise StripeError(429, "Request rate limit exceeded. Learn more about rate "
                                          "limits here https://stripe.com/docs/rate-limits.",
                                          code="rate_limit")
                    st.window.append(now)
            if action and action.get("status") and not action.get("after"):
                err = action.get("error", {})
                ex = StripeError(action["status"], err.get("message", "An error occurred with our connection "
                                 "to Stripe. Request was retried."), err.get("type", "api_error"),
                                 err.get("code"), err.get("param"), action.get("headers"),
                                 err.get("decline_code"))
                if action.get("saved"):
                    self._save_idem(st, method, path, raw, ex.status, ex.body(rid), ex.headers)
                raise ex
            if method == "POST":
                ctype = self.headers.get("Content-Type", "")
                if raw and not ctype.startswith("application/x-www-form-urlencoded"):
                    raise StripeError(400, "Invalid request: the request body must be "
                                      "application/x-www-form-urlencoded")
                try:
                    params = unflatten(parse_qsl(raw.decode("utf-8"), keep_blank_values=True,
                                                 strict_parsing=False))
                except UnicodeDecodeError:
                    raise StripeError(400, "Invalid request: the body is not valid UTF-8")
                replay = self._replay(st, method, path, raw)
                if replay is not None:
                    status, obj, headers = replay
                    headers = dict(headers)
                    headers["Idempotent-Replayed"] = "true"
                    self._send(status, obj, headers, rid)
                    return
            else:
                params = unflatten(parse_qsl(parts.query, keep_blank_values=True))
            fn, args = route(method, path)
            if fn is None:
                raise StripeError(404, "Unrecognized request URL (%s: %s). Please see "
                                  "https://stripe.com/docs or we can help at "
                                  "https://support.stripe.com/." % (method, path))
            with st.lock:
                status, obj = fn(st, params, *args)
                if method == "POST":
                    self._save_idem(st, method, path, raw, status, obj, {})
        except StripeError as e:
            if method == "POST" and e.status == 402:
                self._save_idem(st, method, path, raw, e.status, e.body(rid), e.headers)
            self._send(e.status, e.body(rid), e.headers, rid)
            return
        if action and action.get("after"):
            # The request ran; its reply is lost on the way back.
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        self._send(status, obj, None, rid)

    def _idem_key(self):
        k = self.headers.get("Idempotency-Key")
        if k is not None and len(k) > 255:
            raise StripeError(400, "Idempotency keys can be at most 255 characters long",
                              code="idempotency_key_in_use")
        return k

    def _replay(self, st, method, path, raw):
        key = self._idem_key()
        if not key:
            return None
        with st.lock:
            saved = st.idempotency.get(key)
        if saved is None:
            return None
        fingerprint = (method, path, hashlib.sha256(raw).hexdigest())
        if saved[0] != fingerprint:
            raise StripeError(400, "Keys for idempotent requests can only be used with the same "
                              "parameters they were first used with. Try using a key other than "
                              "'%s' if you meant to execute a different request." % key,
                              etype="idempotency_error")
        return saved[1], saved[2], saved[3]

    def _save_idem(self, st, method, path, raw, status, obj, headers):
        key = self.headers.get("Idempotency-Key")
        if not key or len(key) > 255:
            return
        with st.lock:
            if key not in st.idempotency:
                st.idempotency[key] = ((method, path, hashlib.sha256(raw).hexdigest()),
                                       status, obj, dict(headers or {}))

    def do_GET(self):
        self._handle("GET")

    def do_POST(self):
        self._handle("POST")

    def do_DELETE(self):
        self._handle("DELETE")


def peer_add_price(st, pid, unit_amount, currency="usd", interval="month"):
    with st.lock:
        st.prices[pid] = price_obj(pid, unit_amount, currency, interval)


# ------------------------------------------------- what Stripe does itself

def _emit(st, etype, obj, previous=None):
    ev = {"id": new_id("evt_", 24), "object": "event", "api_version": API_VERSION,
          "created": st.now(), "livemode": False, "pending_webhooks": 1,
          "request": {"id": None, "idempotency_key": None}, "type": etype,
          "data": {"object": public(obj)}}
    if previous is not None:
        ev["data"]["previous_attributes"] = previous
    st.events.append(ev)
    return ev


def _new_subscription(st, customer, price, trial_days, metadata, status=None):
    sid = new_id("sub_", 14)
    now = st.now()
    trial_end = now + trial_days * 86400 if trial_days else None
    end = trial_end or now + period_seconds(price)
    s = {"id": sid, "object": "subscription", "customer": customer, "created": now,
         "start_date": now, "status": status or ("trialing" if trial_days else "active"),
         "cancel_at_period_end": False, "cancel_at": None, "canceled_at": None,
         "ended_at": None, "trial_start": now if trial_days else None, "trial_end": trial_end,
         "items": {"object": "list", "has_more": False, "url": "/v1/subscription_items?subscription=" + sid,
                   "data": [sub_item(st, sid, price, now, end)]},
         "plan": dict(price), "metadata": dict(metadata), "latest_invoice": None,
         "collection_method": "charge_automatically", "currency": price["currency"],
         "livemode": False, "_seq": st.next_seq()}
    st.subscriptions[sid] = s
    return s


def _complete_checkout(st, sid, status=None, customer_email=None):
    with st.lock:
        s = st.sessions[sid]
        if s["status"] != "open":
            raise ValueError("checkout session %s is %s" % (sid, s["status"]))
        if s["customer"] is None:
            c = customer_obj(st, {"email": s["customer_email"] or customer_email})
            s["customer"] = c["id"]
        price = st.prices[s["_prices"][0]]
        sub = _new_subscription(st, s["customer"], price, s["_trial"], s["_sub_metadata"], status)
        amount = 0 if s["_trial"] else price["unit_amount"]
        inv = invoice_for(st, sub, amount, "subscription_create")
        s["status"], s["payment_status"] = "complete", "paid" if amount else "no_payment_required"
        s["subscription"] = sub["id"]
        return [_emit(st, "customer.subscription.created", sub),
                _emit(st, "checkout.session.completed", s),
                _emit(st, "invoice.paid", inv)]


def _cancel_now(st, s):
    prev = {"status": s["status"], "ended_at": None}
    s["status"] = "canceled"
    s["ended_at"] = s["canceled_at"] = st.now()
    return _emit(st, "customer.subscription.deleted", s, prev)


def _deliver(st, event, url, secrets_=None, t=None, body=None, headers=None, timeout=30):
    data = body if body is not None else (json.dumps(event, indent=2) + "\n").encode()
    if isinstance(data, str):
        data = data.encode()
    hdr = sign(data, secrets_ if secrets_ is not None else st.webhook_secrets,
               st.now() if t is None else t)
    h = {"Content-Type": "application/json; charset=utf-8",
         "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
         "Stripe-Signature": hdr}
    if headers is not None:
        h = {k: v for k, v in headers.items() if v is not None} if headers else {}
    req = urllib.request.Request(url, data=data, headers=h, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


PeerState.emit = _emit
PeerState.complete_checkout = _complete_checkout
PeerState.cancel_now = _cancel_now
PeerState.deliver = _deliver


def sign(payload, secrets_list, t):
    """The Stripe-Signature header for payload (bytes) at unix time t: one
    v1 per secret, as Stripe sends during a secret rotation."""
    if isinstance(payload, str):
        payload = payload.encode()
    sigs = ["v1=" + hmac.new(s.encode(), str(t).encode() + b"." + payload,
                             hashlib.sha256).hexdigest() for s in secrets_list]
    return ",".join(["t=%d" % t] + sigs)


class PeerServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def handle_error(self, request, client_address):
        exc = sys.exc_info()[1]
        if isinstance(exc, (BrokenPipeError, ConnectionResetError, OSError)):
            return
        super().handle_error(request, client_address)


class StripePeer:
    """In-process peer for tests: start(), url, script(), requests(), stop(),
    and the account-side actions that make Stripe send events."""

    def __init__(self, api_key="sk_test_peer_0123456789abcdef", webhook_secrets=("whsec_peer",),
                 port=0, rate_limit=0):
        self.state = PeerState(api_key, webhook_secrets, rate_limit)
        self.server = PeerServer(("127.0.0.1", port), Handler)
        self.server.state = self.state
        self.port = self.server.server_address[1]
        self.url = "http://127.0.0.1:%d" % self.port
        self.thread = None

    def start(self):
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    # -- faults and observation
    def script(self, actions, append=False):
        with self.state.lock:
            if append:
                self.state.script.extend(actions)
            else:
                self.state.script = list(actions)

    def requests(self, path=None, method=None):
        with self.state.lock:
            return [r for r in self.state.requests
                    if (path is None or r["path"].startswith(path)) and
                    (method is None or r["method"] == method)]

    def form(self, req):
        """The decoded form body of a recorded request (nested)."""
        return unflatten(parse_qsl(req["body"], keep_blank_values=True))

    def reset(self):
        self.state.reset()

    def advance(self, seconds):
        """Moves the peer's clock (event and object timestamps) forward."""
        with self.state.lock:
            self.state.clock_offset += seconds

    def now(self):
        return self.state.now()

    # -- account data
    def add_price(self, pid, unit_amount, currency="usd", interval="month"):
        peer_add_price(self.state, pid, unit_amount, currency, interval)
        return self.state.prices[pid]

    def set_price_active(self, pid, active):
        with self.state.lock:
            self.state.prices[pid]["active"] = active

    def customers(self):
        with self.state.lock:
            return [public(c) for c in sorted(self.state.customers.values(), key=lambda c: c["_seq"])]

    def sessions(self):
        with self.state.lock:
            return [public(s) for s in self.state.sessions.values()]

    def subscription(self, sid):
        with self.state.lock:
            return public(self.state.subscriptions[sid])

    def create_customer(self, email, metadata=None):
        with self.state.lock:
            return public(customer_obj(self.state, {"email": email, "metadata": metadata or {}}))

    def add_invoices(self, customer, n, amount=1900):
        """n paid invoices on a throwaway subscription of customer (lists)."""
        with self.state.lock:
            price = next(iter(self.state.prices.values()), None) or price_obj("price_x", amount)
            sub = _new_subscription(self.state, customer, price, 0, {})
            return [public(invoice_for(self.state, sub, amount, "subscription_cycle")) for _ in range(n)]

    # -- what Stripe does on its side (each returns the events it made)
    def complete_checkout(self, session_id, status=None):
        return self.state.complete_checkout(session_id, status=status)

    def update_subscription(self, sid, **changes):
        """Changes status, price (by id), cancel_at_period_end,
        current_period_end, trial_end or metadata, as a dashboard or a
        dunning step would: one customer.subscription.updated."""
        st = self.state
        with st.lock:
            s = st.subscriptions[sid]
            prev = {}
            item = s["items"]["data"][0]
            for k, v in changes.items():
                if k == "price":
                    prev["items"] = public(s["items"])
                    item["price"] = dict(st.prices[v])
                    s["plan"] = dict(st.prices[v])
                elif k in ("current_period_end", "current_period_start"):
                    prev.setdefault("items", public(s["items"]))
                    item[k] = v
                else:
                    prev[k] = s.get(k)
                    s[k] = v
            return st.emit("customer.subscription.updated", s, prev)

    def delete_subscription(self, sid):
        with self.state.lock:
            return self.state.cancel_now(self.state.subscriptions[sid])

    def renew(self, sid, paid=True):
        """The next period: moves the items' period and makes its invoice,
        paid (invoice.paid) or not (invoice.payment_failed, past_due)."""
        st = self.state
        with st.lock:
            s = st.subscriptions[sid]
            item = s["items"]["data"][0]
            prev_items = public(s["items"])
            length = period_seconds(item["price"])
            item["current_period_start"] = item["current_period_end"]
            item["current_period_end"] = item["current_period_start"] + length
            inv = invoice_for(st, s, item["price"]["unit_amount"], "subscription_cycle",
                              "paid" if paid else "open")
            evs = []
            if paid:
                evs.append(st.emit("invoice.paid", inv))
                if s["status"] != "active":
                    prev = {"status": s["status"], "items": prev_items}
                    s["status"] = "active"
                    evs.append(st.emit("customer.subscription.updated", s, prev))
            else:
                inv["next_payment_attempt"] = st.now() + 3 * 86400
                evs.append(st.emit("invoice.payment_failed", inv))
                prev = {"status": s["status"], "items": prev_items}
                s["status"] = "past_due"
                evs.append(st.emit("customer.subscription.updated", s, prev))
            return evs

    def pay_invoice(self, iid):
        st = self.state
        with st.lock:
            inv = st.invoices[iid]
            inv["status"], inv["amount_paid"], inv["amount_remaining"] = "paid", inv["amount_due"], 0
            inv["status_transitions"]["paid_at"] = st.now()
            return st.emit("invoice.paid", inv)

    def update_customer(self, cid, **changes):
        st = self.state
        with st.lock:
            c = st.customers[cid]
            prev = {k: c.get(k) for k in changes}
            c.update(changes)
            return st.emit("customer.updated", c, prev)

    def event(self, etype, obj, previous=None):
        """Any other event (types hawk should acknowledge and ignore)."""
        with self.state.lock:
            return self.state.emit(etype, obj, previous)

    # -- delivery
    def sign(self, payload, t=None, secrets_list=None):
        return sign(payload, secrets_list if secrets_list is not None else self.state.webhook_secrets,
                    self.state.now() if t is None else t)

    def deliver(self, event, url, secrets_list=None, t=None, body=None, headers=None):
        """POSTs the event as Stripe does: (status, body bytes)."""
        return self.state.deliver(event, url, secrets_list, t, body, headers)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--api-key", default="sk_test_peer_0123456789abcdef")
    ap.add_argument("--webhook-secret", action="append", default=None)
    ap.add_argument("--rate-limit", type=int, default=0, help="requests per second (0: none)")
    args = ap.parse_args()
    peer = StripePeer(args.api_key, args.webhook_secret or ["whsec_peer"], args.port, args.rate_limit)
    print("stripe_peer listening on 127.0.0.1:%d" % peer.port, flush=True)
    try:
        peer.server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        peer.server.server_close()


if __name__ == "__main__":
    main()
