import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Client } from '../src/api/client';
import { ApiError } from '../src/api/errors';

type Call = { url: string; init: RequestInit };

function fakeFetch(answers: ((c: Call) => Response)[], calls: Call[]): typeof fetch {
  return (async (url: string, init: RequestInit) => {
    const c = { url, init };
    calls.push(c);
    const next = answers.shift();
    if (!next) throw new TypeError('no more answers');
    return next(c);
  }) as unknown as typeof fetch;
}

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });

describe('client', () => {
  it('refreshes once through the cookie on a 401 and retries', async () => {
    const calls: Call[] = [];
    const c = new Client();
    c.setToken('old');
    c.fetchImpl = fakeFetch([() => json(401, { error: { code: 'unauthorized', message: 'expired' } }), () => json(200, { access_token: 'new', expires_in: 900 }), () => json(200, { ok: 1 })], calls);
    expect(await c.get('/resumes')).toEqual({ ok: 1 });
    expect(calls[1].url).toBe('/api/v1/auth/refresh');
    expect((calls[1].init.headers as Record<string, string>)['X-Hawk-CSRF']).toBe('1');
    expect(calls[1].init.body).toBe('{}');
    expect((calls[2].init.headers as Record<string, string>).Authorization).toBe('Bearer new');
  });
  it('asks to sign in again when the refresh fails, then retries', async () => {
    const calls: Call[] = [];
    const c = new Client();
    let asked = 0;
    c.setHooks({
      reauth: async () => {
        asked++;
        c.setToken('again');
        return true;
      },
    });
    c.fetchImpl = fakeFetch([() => json(401, {}), () => json(401, {}), () => json(200, { ok: 2 })], calls);
    expect(await c.get('/user')).toEqual({ ok: 2 });
    expect(asked).toBe(1);
    expect((calls[2].init.headers as Record<string, string>).Authorization).toBe('Bearer again');
  });
  it('throws the API error with its field when the user gives up', async () => {
    const c = new Client();
    c.fetchImpl = fakeFetch([() => json(401, {}), () => json(401, {})], []);
    await expect(c.get('/user')).rejects.toBeInstanceOf(ApiError);
    const c2 = new Client();
    c2.fetchImpl = fakeFetch([() => json(400, { error: { code: 'invalid_field', field: 'name', message: 'name is required' } })], []);
    await expect(c2.post('/resumes', {})).rejects.toMatchObject({ status: 400, field: 'name' });
  });
  it('reports the server as unreachable and recovers', async () => {
    const states: boolean[] = [];
    const c = new Client();
    c.setHooks({ offline: (down) => states.push(down) });
    c.fetchImpl = fakeFetch([], []);
    await expect(c.get('/x')).rejects.toMatchObject({ status: 0, code: 'network' });
    c.fetchImpl = fakeFetch([() => json(200, {})], []);
    await c.get('/x');
    expect(states).toEqual([true, false]);
  });
  it('asks for the refresh token as a cookie when signing in', async () => {
    const calls: Call[] = [];
    const c = new Client();
    c.fetchImpl = fakeFetch([() => json(200, { access_token: 'tok', expires_in: 900, user: { id: 1 } })], calls);
    await c.login('a@b.c', 'pw');
    expect(c.signedIn).toBe(true);
    expect(JSON.parse(calls[0].init.body as string)).toEqual({ email: 'a@b.c', password: 'pw', refresh_cookie: true });
  });
  it('keeps tokens out of web storage (no page code touches it)', () => {
    const files = readdirSync(new URL('../src', import.meta.url), { recursive: true }) as string[];
    const hits = files
      .filter((f) => /\.(ts|tsx)$/.test(f))
      .filter((f) => /localStorage|sessionStorage|document\.cookie/.test(readFileSync(new URL('../src/' + f, import.meta.url), 'utf8')));
    expect(hits).toEqual([]);
  });
});
