// bench/web: see run.sh.  Starts PostgreSQL, hawk (with the built pages
// plus one static reference page), nginx and Chromium through the e2e
// harness, prints a table, stops everything.

import { spawn, spawnSync } from 'node:child_process';
import { cpSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Env, BUILD, PASSWORD } from '../../tests/e2e/harness.mjs';

const ROUNDS = Number(process.env.BENCH_ROUNDS || 5);
const DURATION = process.env.BENCH_DURATION || '5s';
const CONNS = process.env.BENCH_CONNS || '64';
const N = 1000;
const STATUSES = ['queued', 'applied', 'viewed', 'interviewing', 'offered', 'accepted', 'rejected'];

const esc = (s) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function staticBoard(apps) {
  const cols = STATUSES.map((s) => {
    const cards = apps
      .filter((a) => a.status === s)
      .map((a) => `<li class="board-card"><a class="card-title" href="/app/applications/${a.id}">${esc(a.title)}</a><span class="card-company">${esc(a.company)}</span></li>`)
      .join('');
    return `<section class="board-col"><h2>${s}</h2><ul>${cards}</ul></section>`;
  });
  const css = readdirSync(join(BUILD, 'web', 'assets')).find((f) => /^index-.*\.css$/.test(f));
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>board (static)</title><link rel="stylesheet" href="/app/assets/${css}"></head><body><main><h1>Application board</h1><div class="board">${cols.join('')}</div></main></body></html>`;
}

async function measure(env, url, ready) {
  const ctx = await env.browser.newContext({ baseURL: env.base, viewport: { width: 1280, height: 900 } });
  const page = await ctx.newPage();
  if (ready.signIn) {
    await page.goto('/app/signin');
    await page.getByLabel('Email').fill(ready.signIn);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    await page.goto('about:blank');
  }
  // a cold load: the session cookie stays, the HTTP cache goes
  const cdp = await ctx.newCDPSession(page);
  await cdp.send('Network.clearBrowserCache');
  const bytes = { js: 0, css: 0 };
  const pending = [];
  page.on('requestfinished', (req) => {
    const t = req.resourceType();
    if (t !== 'script' && t !== 'stylesheet') return;
    pending.push(req.sizes().then((s) => (bytes[t === 'script' ? 'js' : 'css'] += s.responseBodySize + s.responseHeadersSize)));
  });
  const t0 = Date.now();
  await page.goto(url);
  await page.waitForFunction((n) => document.querySelectorAll('.board-card').length >= n, N, { timeout: 60000, polling: 16 });
  // interactive: the main thread answers (a task queued now runs)
  const tti = await page.evaluate(() => new Promise((r) => setTimeout(() => r(performance.now()), 0)));
  const fcp = await page.evaluate(() => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? NaN);
  await Promise.all(pending);
  await ctx.close();
  return { fcp, tti, wall: Date.now() - t0, bytes };
}

function wrk(url, headers) {
  const args = ['-t2', '-c' + CONNS, '-d' + DURATION, ...headers.flatMap((h) => ['-H', h]), url];
  const out = spawnSync('wrk', args, { encoding: 'utf8' }).stdout;
  const m = /Requests\/sec:\s+([\d.]+)/.exec(out);
  return m ? Number(m[1]) : NaN;
}

async function startNginx(env, dir) {
  const port = env.port + 1;
  const conf = join(env.dir, 'nginx.conf');
  writeFileSync(
    conf,
    `worker_processes 2; daemon off; pid ${env.dir}/nginx.pid; error_log ${env.dir}/nginx-error.log;
events { worker_connections 1024; }
http { access_log off; include /etc/nginx/mime.types; sendfile on; gzip_static on; etag on;
  server { listen 127.0.0.1:${port}; location /app/ { alias ${dir}/; } } }\n`,
  );
  const p = spawn('/usr/sbin/nginx', ['-c', conf, '-p', env.dir], { stdio: 'ignore' });
  for (let i = 0; i < 50; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/app/index.html`)).ok) return { p, base: `http://127.0.0.1:${port}` };
    } catch {
      /* starting */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('nginx did not start');
}

const env = new Env();
let nginx;
try {
  // the pages plus the static reference, served by hawk from one folder
  const pages = '/tmp/' + 'hawk-bench-pages-' + process.pid;
  cpSync(join(BUILD, 'web'), pages, { recursive: true });
  process.env.HAWK_BENCH_PAGES = pages;
  await env.start({ webDir: pages, startBrowser: false });
  const email = `bench-${process.pid}@example.test`;
  const user = await env.register(email);
  env.psql(`WITH j AS (INSERT INTO jobs (board, external_id, title, company, location)
      SELECT 'linkedin', 'bench-' || g, 'Engineer ' || g, 'Company ' || (g % 97), 'Berlin' FROM generate_series(1, ${N}) g RETURNING id),
    u AS (INSERT INTO user_jobs (user_id, job_id) SELECT ${user.id}, id FROM j RETURNING job_id)
    INSERT INTO applications (user_id, job_id, status, title, company, location, board)
    SELECT ${user.id}, j.id, (ARRAY['${STATUSES.join("','")}'])[1 + (j.id % ${STATUSES.length})], 'Engineer ' || j.id, 'Company ' || (j.id % 97), 'Berlin', 'linkedin' FROM j`);
  const apps = JSON.parse(env.psql(`SELECT json_agg(json_build_object('id', id, 'status', status, 'title', title, 'company', company)) FROM applications WHERE user_id = ${user.id}`));
  writeFileSync(join(pages, 'board-static.html'), staticBoard(apps));
  await env.stopHawk();
  await env.startHawk();
  await env.startBrowser();

  const runs = { spa: [], html: [] };
  for (let i = 0; i < ROUNDS; i++) {
    runs.spa.push(await measure(env, '/app/board', { signIn: email }));
    runs.html.push(await measure(env, '/app/board-static.html', {}));
  }
  const row = (name, rs, ref) => {
    const f = median(rs.map((r) => r.fcp));
    const t = median(rs.map((r) => r.tti));
    return `${name.padEnd(34)} ${f.toFixed(0).padStart(8)} ms ${t.toFixed(0).padStart(8)} ms ${(t / median(ref.map((r) => r.tti))).toFixed(2).padStart(7)}x  js ${rs[0].bytes.js} B, css ${rs[0].bytes.css} B`;
  };
  console.log(`board with ${N} applications, headless Chromium, median of ${ROUNDS} cold loads`);
  console.log(`${'page'.padEnd(34)} ${'first paint'.padStart(11)} ${'all cards'.padStart(11)} ${'ratio'.padStart(8)}  transferred (encoded, with headers)`);
  console.log(row('hawk pages /app/board', runs.spa, runs.html));
  console.log(row('static HTML of the same data', runs.html, runs.html));

  const js = readdirSync(join(pages, 'assets')).find((f) => /^index-.*\.js$/.test(f));
  nginx = await startNginx(env, pages);
  const targets = [
    ['index.html', '/app/index.html'],
    [`assets/${js}`, `/app/assets/${js}`],
  ];
  console.log(`\nstatic files, wrk -t2 -c${CONNS} -d${DURATION}, Accept-Encoding: gzip (both send the .gz copy)`);
  for (const [name, path] of targets) {
    const h = wrk(env.base + path, ['Accept-Encoding: gzip']);
    const n = wrk(nginx.base + path, ['Accept-Encoding: gzip']);
    console.log(`${name.padEnd(34)} hawk ${h.toFixed(0).padStart(8)} req/s   nginx ${n.toFixed(0).padStart(8)} req/s   hawk/nginx ${(h / n).toFixed(2)}`);
  }
} finally {
  nginx?.p.kill('SIGTERM');
  await env.stop();
  if (process.env.HAWK_BENCH_PAGES) spawnSync('rm', ['-rf', process.env.HAWK_BENCH_PAGES]);
}
