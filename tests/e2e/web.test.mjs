// hawk's pages in a real Chromium against a real hawk and PostgreSQL:
// the new user's whole journey, the board by mouse and keyboard, the
// workflow editor's errors on their lines, isolation between users, the
// admin pages, each bad input the pages must survive, accessibility (axe)
// and the 375 px layout.  Screenshots of each main page go to
// <build>/e2e-artifacts/.  One Chromium for the whole suite.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test as nodeTest } from 'node:test';
import AxeBuilder from '@axe-core/playwright';
import { Env, PASSWORD } from './harness.mjs';

const env = new Env();

/** A test whose failure leaves a screenshot of the page it was on. */
function test(name, fn) {
  nodeTest(name, async (t) => {
    try {
      await fn(t);
    } catch (e) {
      if (env.lastPage && !env.lastPage.isClosed()) await env.shot(env.lastPage, 'failed-' + name.slice(0, 40).replace(/[^a-z0-9]+/gi, '-')).catch(() => {});
      throw e;
    }
  });
}
const XSS = '<img src=x onerror="window.__xss=1">';
const XSS_SCRIPT = '<script>window.__xss=1</script>';
const id = () => randomBytes(4).toString('hex');
const RESUME = Buffer.from('Ada Lovelace\nada@example.test\n\nExperience\nBackend engineer, 6 years of C and PostgreSQL at Analytical Engines Ltd.\nSkills: C, PostgreSQL, Lua, Linux\n');

before(async () => {
  await env.start();
});

after(async () => {
  await env.stop();
});

async function userId(token) {
  return (await env.api('GET', '/user', { token })).body.id;
}

/** Jobs as a board would have found them (board "linkedin", company and
 * title from the board's page, payload included), linked to the user. */
function seedBoardJobs(uid, n = 2) {
  const ids = [];
  for (let i = 0; i < n; i++) {
    const title = i === 0 ? `Backend Engineer ${XSS}` : `Platform Engineer ${i}`;
    const company = i === 0 ? `Evil ${XSS_SCRIPT} GmbH` : `Acme ${i}`;
    const out = env.psql(
      `WITH j AS (INSERT INTO jobs (board, external_id, title, company, location, description)
         VALUES ('linkedin', 'e2e-${uid}-${i}-${id()}', $$${title}$$, $$${company}$$, 'Berlin', 'C and PostgreSQL, ${XSS}')
         RETURNING id)
       INSERT INTO user_jobs (user_id, job_id) SELECT ${uid}, id FROM j RETURNING job_id`,
    );
    ids.push(Number(out));
  }
  return ids;
}

async function noXss(page) {
  assert.equal(await page.evaluate(() => window.__xss), undefined, 'an injected script ran');
}

async function axe(page, name) {
  const r = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21aa']).analyze();
  const bad = r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(
    bad.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')})`),
    [],
    `accessibility violations on ${name}`,
  );
}

test('a new user signs up, uploads a resume, sets a search, scores a job, records and moves an application', async () => {
  const page = await env.newPage();
  const email = `ada-${id()}@example.test`;
  await page.goto('/');
  await page.waitForURL(/\/app\/signin/);
  await axe(page, 'sign in');
  await env.shot(page, 'signin');
  await page.getByRole('link', { name: 'Create an account' }).click();
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByLabel('First name').fill('Ada');
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByRole('heading', { name: 'Dashboard' }).waitFor();

  // onboarding: nothing done yet
  await page.getByRole('heading', { name: 'Getting started' }).waitFor();
  assert.equal(await page.locator('.checklist li.done').count(), 0);
  await env.shot(page, 'dashboard-new-user');

  // upload a resume from the checklist
  await page.getByRole('link', { name: 'Upload a resume' }).click();
  await page.getByLabel('File (PDF, DOCX, HTML or text)').setInputFiles({ name: 'ada.txt', mimeType: 'text/plain', buffer: RESUME });
  await page.getByLabel('Name (optional)').fill('Main resume');
  await page.getByRole('button', { name: 'Upload', exact: true }).click();
  await page.getByRole('heading', { name: 'Main resume' }).waitFor();
  // the structured editor: what scoring and forms read
  await page.getByLabel('First name').fill('Ada');
  await page.getByLabel('Last name').fill('Lovelace');
  await page.getByRole('button', { name: 'Add a position' }).click();
  await page.getByLabel('Position 1').fill('Backend Engineer');
  await page.getByLabel('Company 1').fill('Analytical Engines Ltd');
  await page.getByLabel('Responsibilities (one per line)').fill('C services\nPostgreSQL tuning');
  await page.getByLabel('Skills (comma separated)').fill('C, PostgreSQL, Lua');
  await page.getByLabel('Default resume').check();
  await axe(page, 'resume editor');
  await page.getByRole('button', { name: 'Save resume' }).click();
  await page.getByRole('status').filter({ hasText: 'Resume saved' }).waitFor();
  await env.shot(page, 'resume-editor');
  const rtoken = await env.token(email);
  const rlist = (await env.api('GET', '/resumes', { token: rtoken })).body.items;
  const stored = (await env.api('GET', `/resumes/${rlist[0].id}`, { token: rtoken })).body;
  assert.equal(stored.structured.personal_information.surname, 'Lovelace');
  assert.deepEqual(stored.structured.experience_details[0].key_responsibilities, ['C services', 'PostgreSQL tuning']);
  assert.equal(stored.is_default, true);
  await page.getByRole('link', { name: 'Resumes', exact: true }).click();
  await page.getByRole('link', { name: 'Main resume' }).waitFor();
  await axe(page, 'resumes');
  await env.shot(page, 'resumes');

  // a job search, with the live preview of what the blacklist drops
  await page.goto('/app/searches/new');
  await page.getByLabel('Name').fill('Backend in Berlin');
  await page.getByLabel('Positions (comma separated), search 1').fill('Backend Engineer, Platform Engineer');
  await page.getByLabel('Location, search 1').fill('Berlin');
  await page.getByLabel('Skip titles containing').fill('senior\n/^sales/');
  const preview = page.locator('ul.preview').first();
  await preview.locator('li.dropped', { hasText: 'Senior Backend Engineer' }).waitFor();
  await preview.locator('li.dropped', { hasText: 'Sales Manager' }).waitFor();
  await preview.locator('li.kept', { hasText: 'Junior Frontend Developer' }).waitFor();
  await axe(page, 'job search');
  await page.getByRole('button', { name: 'Save job search' }).click();
  await page.waitForURL(/\/app\/searches\/\d+$/);
  await page.getByRole('button', { name: 'Check the saved search on the server' }).click();
  await page.locator('ul.preview >> nth=1').locator('li.dropped', { hasText: 'Senior Backend Engineer' }).waitFor();
  await env.shot(page, 'job-search');

  // sample jobs from a board, one scored against the local LLM peer
  const token = await env.token(email);
  const uid = await userId(token);
  const [jobId] = seedBoardJobs(uid, 3);
  await fetch(env.peerBase + '/__control/script', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ actions: [{ content_json: { score: 8, reasons: ['six years of C'], missing_skills: ['Go'] } }] }) });
  await page.getByRole('link', { name: 'Jobs', exact: true }).click();
  const card = page.locator('li.job', { hasText: 'Backend Engineer <img' });
  await card.waitFor();
  await noXss(page);
  await axe(page, 'jobs');
  await card.getByRole('button', { name: 'Score' }).click();
  await card.getByText('80/100').waitFor({ timeout: 30000 });
  await env.shot(page, 'jobs');
  const scored = await env.api('GET', `/jobs/${jobId}`, { token });
  assert.equal(Number(scored.body.score.score), 80);

  // record an application, then drag it from Applied to Interviewing
  await card.getByRole('button', { name: 'Record application' }).click();
  await card.getByRole('link', { name: /Application: Applied/ }).waitFor();
  await page.getByRole('link', { name: 'Board', exact: true }).click();
  const applied = page.locator('.board-col[data-status="applied"]');
  const interviewing = page.locator('.board-col[data-status="interviewing"]');
  const boardCard = applied.locator('.board-card', { hasText: 'Backend Engineer' });
  await boardCard.waitFor();
  await noXss(page);
  await axe(page, 'board');
  await env.shot(page, 'board');
  const from = await boardCard.boundingBox();
  const to = await interviewing.boundingBox();
  await page.mouse.move(from.x + 20, from.y + from.height - 8);
  await page.mouse.down();
  await page.mouse.move(from.x + 60, from.y + 40, { steps: 5 });
  await page.mouse.move(to.x + to.width / 2, to.y + 60, { steps: 10 });
  await page.mouse.up();
  await interviewing.locator('.board-card', { hasText: 'Backend Engineer' }).waitFor();
  const appId = Number(await interviewing.locator('.board-card', { hasText: 'Backend Engineer' }).getAttribute('data-id'));
  let detail;
  for (let i = 0; i < 50; i++) {
    detail = (await env.api('GET', `/job-applications/${appId}`, { token })).body;
    if (detail.status === 'interviewing') break;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(detail.status, 'interviewing');
  assert.deepEqual(
    detail.history.map((h) => [h.from, h.to]),
    [
      [null, 'applied'],
      ['applied', 'interviewing'],
    ],
  );

  // the keyboard moves it on: focus the card, ArrowRight
  const moved = interviewing.locator('.board-card', { hasText: 'Backend Engineer' });
  await moved.focus();
  await page.keyboard.press('ArrowRight');
  await page.locator('.board-col[data-status="offered"] .board-card', { hasText: 'Backend Engineer' }).waitFor();
  for (let i = 0; i < 50; i++) {
    detail = (await env.api('GET', `/job-applications/${appId}`, { token })).body;
    if (detail.status === 'offered') break;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(detail.status, 'offered');
  await page.waitForFunction((want) => document.activeElement?.closest('.board-card')?.getAttribute('data-id') === want, String(appId), { timeout: 5000 }).catch(() => {
    throw new Error('focus did not stay on the moved card');
  });
  // and the keyboard goes on from there
  await page.keyboard.press('ArrowLeft');
  await interviewing.locator('.board-card', { hasText: 'Backend Engineer' }).waitFor();
  for (let i = 0; i < 50; i++) {
    detail = (await env.api('GET', `/job-applications/${appId}`, { token })).body;
    if (detail.status === 'interviewing') break;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(detail.status, 'interviewing');
  await page.keyboard.press('ArrowRight');
  await page.locator('.board-col[data-status="offered"] .board-card', { hasText: 'Backend Engineer' }).waitFor();
  for (let i = 0; i < 50; i++) {
    detail = (await env.api('GET', `/job-applications/${appId}`, { token })).body;
    if (detail.status === 'offered') break;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(detail.status, 'offered');

  // the detail page: history, a note with a payload, table and CSV
  await page.goto(`/app/applications/${appId}`);
  await page.getByRole('heading', { name: /Backend Engineer/ }).waitFor();
  await page.getByLabel('Add a note').fill(`Call went well ${XSS_SCRIPT}${XSS}`);
  await page.getByRole('button', { name: 'Add note' }).click();
  await page.locator('.notes li', { hasText: 'Call went well <script>' }).waitFor();
  await noXss(page);
  await axe(page, 'application detail');
  await env.shot(page, 'application-detail');
  await page.goto('/app/applications');
  await page.locator('table.data tbody tr').first().waitFor();
  await axe(page, 'applications table');
  await env.shot(page, 'applications');
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export CSV' }).click()]);
  const csv = await download.createReadStream().then(async (s) => {
    let t = '';
    for await (const c of s) t += c;
    return t;
  });
  assert.match(csv, /^id,job_id,title,company/);
  assert.match(csv, /offered/);

  // the dashboard now counts the application and ticks the steps
  await page.goto('/app/');
  await page.locator('.tile', { hasText: 'applications' }).getByText('1', { exact: true }).waitFor();
  await axe(page, 'dashboard');
  await env.shot(page, 'dashboard');
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('a workflow with a syntax error shows the error on its line; a dry run shows its log', async () => {
  const email = `wf-${id()}@example.test`;
  await env.register(email);
  const page = await env.newPage();
  await env.signIn(page, email);
  await page.goto('/app/workflows/new');
  await page.getByLabel('Name').fill('daily');
  const editor = page.locator('.cm-content');
  await editor.waitFor();
  await editor.click();
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  await editor.pressSequentially('schedule = { cron = "0 9 * * *", tz = "UTC" }\nfunction run()\nlocal x = = 1\nend\n');
  await page.getByRole('button', { name: 'Save and check' }).click();
  const err = page.locator('#editor-error');
  await err.waitFor();
  assert.match(await err.textContent(), /^Line 3: /);
  // the editor marks that line
  const marked = page.locator('.cm-lintRange-error');
  await marked.first().waitFor();
  const lineOf = await page.evaluate(() => {
    const host = document.querySelector('.editor');
    const range = host.shadowRoot.querySelector('.cm-lintRange-error');
    const lines = Array.from(host.shadowRoot.querySelectorAll('.cm-line'));
    return lines.findIndex((l) => l.contains(range)) + 1;
  });
  assert.equal(lineOf, 3);
  await axe(page, 'workflow editor');
  await env.shot(page, 'workflow-error');

  // completions from hawk.meta.lua
  await editor.click();
  await page.keyboard.press('Control+End');
  await editor.pressSequentially('hawk.llm.sc');
  await page.keyboard.press('Control+Space');
  await page.locator('.cm-tooltip-autocomplete', { hasText: 'hawk.llm.score' }).waitFor();
  await page.keyboard.press('Escape');

  // fix it, save, dry run
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  await editor.pressSequentially('function run()\nhawk.log("dry hello")\nend\n');
  await page.getByRole('button', { name: 'Dry run' }).click();
  await page.locator('.log li', { hasText: 'dry hello' }).waitFor({ timeout: 30000 });
  await page.waitForURL(/\/app\/workflows\/\d+$/);
  await page.getByRole('heading', { name: 'Run history' }).waitFor();
  await env.shot(page, 'workflow-dry-run');
  await page.goto('/app/workflows');
  await page.getByRole('link', { name: 'daily' }).waitFor();
  await axe(page, 'workflows');
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('a user never sees another user\'s data by editing URLs', async () => {
  const a = `owner-${id()}@example.test`;
  const b = `other-${id()}@example.test`;
  await env.register(a);
  await env.register(b);
  const ta = await env.token(a);
  const [jobA] = seedBoardJobs(await userId(ta), 1);
  const app = (await env.api('POST', '/job-applications', { token: ta, body: { job_id: jobA, status: 'applied' } })).body;
  await env.api('POST', `/job-applications/${app.id}/notes`, { token: ta, body: { content: 'secret note of A' } });
  const wf = (await env.api('POST', '/workflows', { token: ta, body: { name: 'secret-wf', source: 'function run() end' } })).body;
  const page = await env.newPage();
  await env.signIn(page, b);
  for (const [path, heading] of [
    [`/app/applications/${app.id}`, 'Application not found'],
    [`/app/jobs/${jobA}`, 'Job not found'],
    [`/app/workflows/${wf.id}`, 'Workflow not found'],
  ]) {
    await page.goto(path);
    await page.getByRole('heading', { name: heading }).waitFor();
    const text = await page.locator('main').textContent();
    assert.ok(!text.includes('secret'), `${path} shows another user's data`);
    assert.ok(!text.includes('Backend Engineer'), `${path} shows another user's job`);
  }
  await page.goto('/app/board');
  await page.locator('.board').waitFor();
  assert.equal(await page.locator('.board-card').count(), 0);
  await page.context().close();
});

test('an expired session is refreshed silently once, then sign-in keeps the page', async () => {
  const email = `sess-${id()}@example.test`;
  await env.register(email);
  const token = await env.token(email);
  const uid = await userId(token);
  const [jobId] = seedBoardJobs(uid, 1);
  const app = (await env.api('POST', '/job-applications', { token, body: { job_id: jobId, status: 'applied' } })).body;
  const page = await env.newPage();
  await env.signIn(page, email);
  await page.goto(`/app/applications/${app.id}`);
  await page.getByLabel('Add a note').waitFor();

  // 1. the next request carries an expired token (real hawk refuses it):
  //    the page refreshes through the cookie and the note is saved
  const expired = env.expiredToken(uid);
  let swapped = 0;
  await page.route('**/api/v1/job-applications/*/notes', async (route) => {
    if (swapped++ === 0) return route.continue({ headers: { ...route.request().headers(), authorization: 'Bearer ' + expired } });
    return route.continue();
  });
  await page.getByLabel('Add a note').fill('first note');
  await page.getByRole('button', { name: 'Add note' }).click();
  await page.locator('.notes li', { hasText: 'first note' }).waitFor();
  assert.equal(swapped >= 2, true, 'the request was sent again after the refresh');
  assert.equal(await page.locator('dialog[open]').count(), 0, 'no sign-in was needed');

  // 2. the session itself ends (its refresh cookie revoked): the user is
  //    asked to sign in over the page, the typed note stays, and is sent
  const cookie = (await page.context().cookies()).find((c) => c.name === 'hawk_refresh');
  assert.ok(cookie && cookie.httpOnly && cookie.secure && cookie.sameSite === 'Strict');
  assert.equal(await page.evaluate(() => document.cookie.includes('hawk_refresh')), false, 'the page can read the refresh cookie');
  assert.equal(await page.evaluate(() => JSON.stringify(localStorage) + JSON.stringify(sessionStorage)), '{}{}');
  const out = await env.api('POST', '/auth/logout', { body: {}, headers: { Cookie: 'hawk_refresh=' + cookie.value, 'X-Hawk-CSRF': '1' } });
  assert.equal(out.status, 204);
  swapped = 0;
  await page.getByLabel('Add a note').fill('second note, typed before the session ended');
  await page.getByRole('button', { name: 'Add note' }).click();
  const dialog = page.getByRole('dialog', { name: 'Your session ended' });
  await dialog.waitFor();
  await env.shot(page, 'session-ended');
  assert.equal(await page.getByLabel('Add a note').inputValue(), 'second note, typed before the session ended');
  await dialog.getByLabel('Password').fill(PASSWORD);
  await dialog.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('.notes li', { hasText: 'second note, typed' }).waitFor();
  assert.match(page.url(), new RegExp(`/app/applications/${app.id}$`));
  const notes = (await env.api('GET', `/job-applications/${app.id}/notes`, { token })).body;
  assert.equal(notes.items.filter((n) => n.content.startsWith('second note')).length, 1, 'the note was saved exactly once');
  await page.context().close();
});

test('the API down: a clear banner with Retry, no blank page', async () => {
  const email = `down-${id()}@example.test`;
  await env.register(email);
  const page = await env.newPage();
  await env.signIn(page, email);
  await env.stopHawk();
  try {
    await page.getByRole('link', { name: 'Applications', exact: true }).click();
    const down = page.locator('.banner[role="alert"]');
    await down.filter({ hasText: 'Cannot reach the hawk server' }).waitFor();
    assert.ok((await page.locator('nav').textContent()).includes('Dashboard'), 'the page is still there');
    await page.getByRole('heading', { name: 'Applications' }).waitFor();
    await env.shot(page, 'api-down');
  } finally {
    await env.startHawk();
  }
  const banner = page.locator('.banner[role="alert"]');
  await banner.getByRole('button', { name: 'Retry' }).click();
  await page.locator('p.hint', { hasText: /0 applications/ }).waitFor({ timeout: 15000 });
  assert.equal(await banner.count(), 0);
  await page.context().close();
});

test('a 413 on upload shows the limit; a 403 plan limit shows limit, usage and the upgrade link', async () => {
  const email = `limits-${id()}@example.test`;
  await env.register(email);
  const page = await env.newPage();
  await env.signIn(page, email);
  await page.goto('/app/resumes?upload=1');
  await page.getByLabel('File (PDF, DOCX, HTML or text)').setInputFiles({ name: 'big.txt', mimeType: 'text/plain', buffer: Buffer.alloc(100 * 1024, 'a') });
  await page.getByRole('button', { name: 'Upload', exact: true }).click();
  const tooBig = page.getByRole('alert').filter({ hasText: /64(\.0)? KiB|65536/ });
  await tooBig.waitFor();
  await env.shot(page, 'upload-too-large');
  const token = await env.token(email);
  assert.equal((await env.api('GET', '/resumes', { token })).body.total, 0, 'nothing was stored');

  // the Free Trial holds one resume: the second one is refused
  await page.getByLabel('File (PDF, DOCX, HTML or text)').setInputFiles({ name: 'ok.txt', mimeType: 'text/plain', buffer: RESUME });
  await page.getByRole('button', { name: 'Upload', exact: true }).click();
  await page.waitForURL(/\/app\/resumes\/\d+$/);
  await page.goto('/app/resumes?upload=1');
  await page.getByLabel('File (PDF, DOCX, HTML or text)').setInputFiles({ name: 'two.txt', mimeType: 'text/plain', buffer: RESUME });
  await page.getByRole('button', { name: 'Upload', exact: true }).click();
  const limit = page.getByRole('alert').filter({ hasText: 'Plan limit reached' });
  await limit.waitFor();
  const text = await limit.textContent();
  assert.match(text, /resumes/);
  assert.match(text, /1 on the Free Trial plan, 1 used/);
  assert.equal(await limit.getByRole('link', { name: 'Upgrade the plan' }).getAttribute('href'), '/app/billing');
  await env.shot(page, 'plan-limit');
  assert.equal((await env.api('GET', '/resumes', { token })).body.total, 1);
  await page.context().close();
});

test('admin pages: system, queue, plans; user management when the server has it', async (t) => {
  const email = `admin-${id()}@example.test`;
  await env.register(email);
  env.makeAdmin(email);
  const victim = `victim-${id()}@example.test`;
  await env.register(victim);
  const page = await env.newPage();
  await env.signIn(page, email);
  await page.getByRole('link', { name: 'System' }).click();
  await page.getByRole('heading', { name: 'System health' }).waitFor();
  await page.locator('.tile', { hasText: 'database' }).getByText('ok').waitFor();
  await axe(page, 'admin system');
  await env.shot(page, 'admin-system');
  await page.getByRole('link', { name: 'Queue' }).click();
  await page.getByRole('heading', { name: 'Queue', exact: true }).waitFor();
  await axe(page, 'admin queue');
  await env.shot(page, 'admin-queue');
  await page.getByRole('link', { name: 'Plans' }).click();
  await page.getByRole('button', { name: 'Edit Free Trial' }).waitFor();
  await axe(page, 'admin plans');
  await env.shot(page, 'admin-plans');
  const caps = (await env.api('GET', '/capabilities')).body.features;
  if (!caps.admin_users) {
    await page.context().close();
    t.skip('admin user management is not on this server');
    return;
  }
  const vtoken = await env.token(victim);
  await page.getByRole('link', { name: 'Users' }).click();
  await page.getByLabel('Search by email').fill(victim);
  await page.getByRole('button', { name: `Disable ${victim}` }).click();
  await page.getByRole('button', { name: `Enable ${victim}` }).waitFor();
  await env.shot(page, 'admin-users');
  const r = await env.api('GET', '/resumes', { token: vtoken });
  assert.equal(r.status, 401, 'the disabled user is refused at once');
  await page.context().close();
});

test('the pages work at 375 px: no sideways scrolling, the menu opens', async () => {
  const email = `narrow-${id()}@example.test`;
  await env.register(email);
  const token = await env.token(email);
  const [jobId] = seedBoardJobs(await userId(token), 2);
  await env.api('POST', '/job-applications', { token, body: { job_id: jobId, status: 'applied' } });
  const page = await env.newPage({ width: 375, height: 740 });
  await env.signIn(page, email);
  for (const [path, name] of [
    ['/app/', 'mobile-dashboard'],
    ['/app/applications', 'mobile-applications'],
    ['/app/jobs', 'mobile-jobs'],
    ['/app/searches/new', 'mobile-job-search'],
    ['/app/settings', 'mobile-settings'],
    ['/app/billing', 'mobile-billing'],
  ]) {
    await page.goto(path);
    await page.locator('main h1').waitFor();
    await page.waitForLoadState('networkidle');
    const over = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(over <= 1, `${path} scrolls sideways by ${over}px at 375px`);
    await env.shot(page, name);
  }
  await axe(page, 'billing (375 px)');
  // the board scrolls its columns, not the page
  await page.goto('/app/board');
  await page.locator('.board-card').first().waitFor();
  await env.shot(page, 'mobile-board');
  const menu = page.getByRole('button', { name: 'Menu' });
  assert.equal(await menu.getAttribute('aria-expanded'), 'false');
  await menu.click();
  await page.getByRole('link', { name: 'Settings' }).click();
  await page.getByRole('heading', { name: 'Settings' }).waitFor();
  await page.context().close();
});
