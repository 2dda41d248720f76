// The real services the browser tests run against: a private PostgreSQL
// (tests/pg.sh), the local OpenAI peer (tests/peers/openai_peer.py), the
// real `hawk serve` with the built pages, and one headless Chromium
// (Debian's /usr/bin/chromium, driven by playwright-core).  Everything is
// started here and stopped by stop(), on free ports, under one temp dir.

import { spawn, spawnSync } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { chmodSync, closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

export const SRC = process.env.HAWK_SOURCE_DIR || new URL('../..', import.meta.url).pathname;
export const BUILD = process.env.HAWK_BUILD_DIR || join(SRC, 'build');
export const BIN = process.env.HAWK_BIN || join(BUILD, 'hawk');
export const PASSWORD = 'correct horse battery staple';
export const ARTIFACTS = process.env.HAWK_E2E_ARTIFACTS || join(BUILD, 'e2e-artifacts');
const CHROMIUM = process.env.HAWK_CHROMIUM || '/usr/bin/chromium';
const OPENAI_KEY = 'sk-e2e-' + randomBytes(8).toString('hex');
const JWT_SECRET = 'e2e-jwt-secret-' + randomBytes(24).toString('hex');

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

function run(cmd, args, opts = {}) {
  const p = spawnSync(cmd, args, { encoding: 'utf8', ...opts });
  if (p.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${p.status}): ${p.stderr || p.stdout}`);
  return p.stdout;
}

export class Env {
  /** opts.webDir: serve these pages instead of <build>/web; opts.startBrowser
   * false: no Chromium yet (startBrowser() later). */
  async start(opts = {}) {
    const webDir = opts.webDir || join(BUILD, 'web');
    for (const [what, path] of [
      ['the hawk binary', BIN],
      ['the built web pages (Node.js and `npm ci --prefix web`, then make)', join(webDir, 'index.html')],
      ['Chromium (apt-get install chromium)', CHROMIUM],
    ])
      if (!existsSync(path)) throw new Error(`browser tests need ${what}: ${path} is missing`);
    this.dir = mkdtempSync('/tmp/hawk-e2e-');
    chmodSync(this.dir, 0o755);
    this.pgDir = join(this.dir, 'pg');
    run(join(SRC, 'tests', 'pg.sh'), ['start', this.pgDir, '5432']);
    this.pgUrl = `host=${this.pgDir}/sock port=5432 dbname=postgres user=postgres`;
    await this.startPeer();
    this.port = await freePort();
    this.base = `http://127.0.0.1:${this.port}`;
    this.config = join(this.dir, 'hawk.cfg');
    writeFileSync(
      this.config,
      [
        `server = { listen = "127.0.0.1:${this.port}"; threads = 4; shutdown_grace = "2s"; };`,
        `data_dir = "${join(this.dir, 'var')}";`,
        'log = { level = "info"; };',
        `database = { url = "${this.pgUrl}"; };`,
        `auth = { jwt_secret = "${JWT_SECRET}"; argon2 = { t_cost = 1; m_cost = "16MiB"; parallelism = 1; }; login_max_failures = 100; };`,
        `web = { dir = "${webDir}"; };`,
        'uploads = { max_resume_size = "64KiB"; };',
        'queue = { workers = 2; };',
        `plugins = ( { name = "openai"; path = "openai.so"; options = { api_key = "${OPENAI_KEY}"; base_url = "${this.peerUrl}"; retry_base = "100ms"; }; } );`,
      ].join('\n') + '\n',
    );
    await this.startHawk();
    mkdirSync(ARTIFACTS, { recursive: true });
    if (opts.startBrowser !== false) await this.startBrowser();
    return this;
  }

  async startBrowser() {
    this.browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  }

  async startPeer() {
    this.peer = spawn('/usr/bin/python3', [join(SRC, 'tests', 'peers', 'openai_peer.py'), '--port', '0', '--api-key', OPENAI_KEY], { stdio: ['ignore', 'pipe', 'pipe'] });
    const port = await new Promise((resolve, reject) => {
      let out = '';
      const t = setTimeout(() => reject(new Error('openai peer did not start: ' + out)), 15000);
      this.peer.stdout.on('data', (d) => {
        out += d;
        const m = /listening on 127\.0\.0\.1:(\d+)/.exec(out);
        if (m) {
          clearTimeout(t);
          resolve(Number(m[1]));
        }
      });
      this.peer.on('exit', (c) => reject(new Error('openai peer exited ' + c + ': ' + out)));
    });
    this.peerUrl = `http://127.0.0.1:${port}/v1`;
    this.peerBase = `http://127.0.0.1:${port}`;
  }

  async startHawk() {
    // output to a file, not a pipe: a pipe nobody drains (the event loop
    // busy in a spawnSync) would block hawk on its log writes
    this.hawkLog = join(this.dir, `hawk-${Date.now()}.log`);
    const out = openSync(this.hawkLog, 'a');
    const env = { ...process.env, HAWK_PLUGIN_PATH: process.env.HAWK_PLUGIN_PATH || join(BUILD, 'plugins') };
    this.hawk = spawn(BIN, ['serve', '-c', this.config], { env, stdio: ['ignore', out, out] });
    closeSync(out);
    Object.defineProperty(this, 'hawkOut', { configurable: true, get: () => readFileSync(this.hawkLog, 'utf8') });
    const deadline = Date.now() + 60000;
    while (Date.now() < deadline) {
      if (this.hawk.exitCode !== null) throw new Error('hawk serve exited: ' + this.hawkOut.slice(-3000));
      try {
        const r = await fetch(this.base + '/health/readiness');
        if (r.status === 200) return;
      } catch {
        /* not listening yet */
      }
      await sleep(100);
    }
    throw new Error('hawk serve not ready: ' + this.hawkOut.slice(-3000));
  }

  async stopHawk() {
    if (!this.hawk || this.hawk.exitCode !== null) return;
    const exited = new Promise((r) => this.hawk.once('exit', r));
    this.hawk.kill('SIGTERM');
    await Promise.race([exited, sleep(15000)]);
    if (this.hawk.exitCode === null) this.hawk.kill('SIGKILL');
  }

  async stop() {
    await this.browser?.close().catch(() => {});
    await this.stopHawk().catch(() => {});
    if (this.peer && this.peer.exitCode === null) this.peer.kill('SIGTERM');
    if (this.pgDir) spawnSync(join(SRC, 'tests', 'pg.sh'), ['stop', this.pgDir], { stdio: 'ignore' });
    if (this.dir && !process.env.HAWK_E2E_KEEP) rmSync(this.dir, { recursive: true, force: true });
  }

  /** SQL through psql as the postgres user; returns the text output. */
  psql(sql) {
    return run('psql', ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-h', this.pgDir + '/sock', '-p', '5432', '-U', 'postgres', '-d', 'postgres', '-c', sql]).trim();
  }

  /** One API call outside the browser: {status, body}. */
  async api(method, path, { token, body, headers = {} } = {}) {
    const h = { ...headers };
    if (body !== undefined) h['Content-Type'] = 'application/json';
    if (token) h.Authorization = 'Bearer ' + token;
    const r = await fetch(this.base + '/api/v1' + path, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await r.text();
    let parsed = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      /* not JSON */
    }
    return { status: r.status, body: parsed, headers: r.headers };
  }

  async register(email, password = PASSWORD) {
    const r = await this.api('POST', '/auth/register', { body: { email, password } });
    if (r.status !== 201) throw new Error('register failed: ' + JSON.stringify(r.body));
    return r.body.user;
  }

  async token(email, password = PASSWORD) {
    const r = await this.api('POST', '/auth/login', { body: { email, password } });
    if (r.status !== 200) throw new Error('login failed: ' + JSON.stringify(r.body));
    return r.body.access_token;
  }

  makeAdmin(email) {
    run(BIN, ['user', 'create-admin', '-c', this.config, '--email', email], { input: PASSWORD + '\n', env: { ...process.env, HAWK_PLUGIN_PATH: join(BUILD, 'plugins') } });
  }

  /** An access token for userId that expired a minute ago, signed with
   * the server's key: what a browser holds after a long pause. */
  expiredToken(userId) {
    const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const now = Math.floor(Date.now() / 1000);
    const head = b64({ alg: 'HS256', typ: 'JWT' });
    const claims = b64({ sub: String(userId), adm: false, iat: now - 1000, exp: now - 60, jti: randomBytes(16).toString('hex') });
    const sig = createHmac('sha256', JWT_SECRET).update(head + '.' + claims).digest('base64url');
    return `${head}.${claims}.${sig}`;
  }

  async newPage(viewport = { width: 1280, height: 900 }) {
    const context = await this.browser.newContext({ viewport, baseURL: this.base });
    const page = await context.newPage();
    this.lastPage = page;
    page.errors = [];
    page.on('pageerror', (e) => page.errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error' && /Content Security Policy/.test(m.text())) page.errors.push(m.text());
    });
    return page;
  }

  async signIn(page, email, password = PASSWORD) {
    await page.goto('/app/signin');
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
  }

  async shot(page, name) {
    await page.screenshot({ path: join(ARTIFACTS, name + '.png'), fullPage: true });
  }

  readLog() {
    return existsSync(this.hawkLog || '') ? readFileSync(this.hawkLog, 'utf8') : '';
  }
}
