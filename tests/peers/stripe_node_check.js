#!/usr/bin/env node
// Stripe's own Node SDK (tests/node_modules/stripe) as an independent
// party: it checks that the Stripe stand-in speaks the format the SDK
// expects, and makes and checks webhook signatures the way Stripe does,
// so hawk's plugin is measured against Stripe's code, not only ours.
//
//   stripe_node_check.js client PORT KEY          -> JSON report on stdout
//   stripe_node_check.js sign SECRET T FILE       -> Stripe-Signature value
//   stripe_node_check.js verify SECRET HEADER FILE TOLERANCE NOW_S
//                                                  -> "ok <event id>" or
//                                                     "error <message>"
'use strict';

const fs = require('fs');
const path = require('path');
const Stripe = require(path.join(__dirname, '..', 'node_modules', 'stripe'));

function control(port, p, body) {
  const http = require('http');
  return new Promise((resolve, reject) => {
    const data = JSON.stringify(body || {});
    const req = http.request({host: '127.0.0.1', port, path: p, method: 'POST',
      headers: {'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(data)}},
    (res) => { let b = ''; res.on('data', (c) => { b += c; }); res.on('end', () => resolve(b)); });
    req.on('error', reject);
    req.end(data);
  });
}

async function caught(fn) {
  try {
    await fn();
    return null;
  } catch (e) {
    return {class: e.constructor.name, type: e.type, code: e.code || null,
      param: e.param || null, decline_code: e.decline_code || null,
      status: e.statusCode, request_id: e.requestId || null};
  }
}

async function client(port, key) {
  const opts = {host: '127.0.0.1', port: Number(port), protocol: 'http',
    maxNetworkRetries: 0, telemetry: false};
  const stripe = new Stripe(key, opts);
  const out = {};
  await control(port, '/__control/prices', {id: 'price_node', unit_amount: 4900});
  const c = await stripe.customers.create({email: 'node@example.test',
    metadata: {hawk_user_id: '7'}}, {idempotencyKey: 'node-cus-1'});
  const again = await stripe.customers.create({email: 'node@example.test',
    metadata: {hawk_user_id: '7'}}, {idempotencyKey: 'node-cus-1'});
  out.customer = {id: c.id, object: c.object, metadata: c.metadata, replayed_same: again.id === c.id};
  const listed = await stripe.customers.list({email: 'node@example.test', limit: 3});
  out.customers_listed = listed.data.map((x) => x.id);
  const s = await stripe.checkout.sessions.create({
    mode: 'subscription', line_items: [{price: 'price_node', quantity: 1}],
    success_url: 'https://hawk.test/ok?session_id={CHECKOUT_SESSION_ID}',
    cancel_url: 'https://hawk.test/cancel', customer: c.id, client_reference_id: '7',
    metadata: {hawk_user_id: '7'}, subscription_data: {metadata: {hawk_user_id: '7'}, trial_period_days: 14},
    allow_promotion_codes: true});
  out.session = {object: s.object, status: s.status, has_url: /^https:\/\//.test(s.url), id_prefix: s.id.slice(0, 8)};
  const portal = await stripe.billingPortal.sessions.create({customer: c.id, return_url: 'https://hawk.test/back'});
  out.portal = {object: portal.object, has_url: /^https:\/\//.test(portal.url)};
  await control(port, '/__control/checkout/' + s.id + '/complete', {});
  const invoices = [];
  for await (const inv of stripe.invoices.list({customer: c.id, limit: 1})) invoices.push(inv.id);
  out.invoices = invoices;
  out.unknown_price = await caught(() => stripe.checkout.sessions.create({mode: 'subscription',
    line_items: [{price: 'price_missing', quantity: 1}], success_url: 'https://hawk.test/ok'}));
  out.unknown_param = await caught(() => stripe.customers.create({email: 'x@example.test', colour: 'red'}));
  out.idempotency_mismatch = await caught(() => stripe.customers.create({email: 'other@example.test'},
    {idempotencyKey: 'node-cus-1'}));
  await control(port, '/__control/script', {actions: [{path: '/v1/customers', status: 402,
    error: {type: 'card_error', code: 'card_declined', decline_code: 'insufficient_funds',
      message: 'Your card has insufficient funds.'}}]});
  out.card_error = await caught(() => stripe.customers.create({email: 'y@example.test'}));
  await control(port, '/__control/script', {actions: [{path: '/v1/customers', status: 429,
    error: {type: 'invalid_request_error', code: 'rate_limit', message: 'Request rate limit exceeded.'}}]});
  out.rate_limit = await caught(() => stripe.customers.list({limit: 1}));
  out.bad_key = await caught(() => new Stripe('sk_test_wrong_key_000000', opts).customers.list({limit: 1}));
  out.missing = await caught(() => stripe.customers.retrieve('cus_nope'));
  return out;
}

async function main() {
  const [cmd, ...args] = process.argv.slice(2);
  if (cmd === 'client') {
    process.stdout.write(JSON.stringify(await client(args[0], args[1])) + '\n');
  } else if (cmd === 'sign') {
    const payload = fs.readFileSync(args[2], 'utf8');
    process.stdout.write(Stripe.webhooks.generateTestHeaderString({payload, secret: args[0],
      timestamp: Number(args[1])}) + '\n');
  } else if (cmd === 'verify') {
    const payload = fs.readFileSync(args[2]);
    try {
      const ev = Stripe.webhooks.constructEvent(payload, args[1], args[0], Number(args[3]),
        undefined, Number(args[4]) * 1000);
      process.stdout.write('ok ' + ev.id + '\n');
    } catch (e) {
      process.stdout.write('error ' + e.message.split('\n')[0] + '\n');
    }
  } else {
    process.stderr.write('usage: stripe_node_check.js client|sign|verify ...\n');
    process.exit(2);
  }
}

main().catch((e) => { process.stderr.write(String(e && e.stack || e) + '\n'); process.exit(1); });
