// The one way the pages reach the server: fetch with the access token
// held in memory only.  The refresh token lives in an HttpOnly cookie the
// page cannot read; on a 401 the client refreshes once through it (with
// the CSRF header), retries, and when that fails asks the app to sign in
// again (a dialog over the page, so what the user was doing stays).

import { ApiError, errorFromBody } from './errors';

export interface Tokens {
  access_token: string;
  expires_in: number;
  user?: User;
}

export interface User {
  id: number;
  email: string;
  username: string | null;
  first_name: string | null;
  last_name: string | null;
  is_admin: boolean;
  created_at: string;
  review_before_submit: boolean;
}

export interface Page<T> {
  items: T[];
  page: number;
  per_page: number;
  total: number;
  pages: number;
}

type Hooks = {
  /** Resolves true once the user signed in again, false if they gave up. */
  reauth: () => Promise<boolean>;
  /** Called with true when the server cannot be reached, false when it answers again. */
  offline: (down: boolean, err?: ApiError) => void;
};

const API = '/api/v1';

export class Client {
  private token: string | null = null;
  private refreshing: Promise<boolean> | null = null;
  private hooks: Hooks = { reauth: async () => false, offline: () => {} };
  fetchImpl: typeof fetch = (...a) => fetch(...a);

  setHooks(h: Partial<Hooks>): void {
    this.hooks = { ...this.hooks, ...h };
  }

  get signedIn(): boolean {
    return this.token !== null;
  }

  setToken(t: string | null): void {
    this.token = t;
  }

  private async send(method: string, path: string, body: unknown, headers: Record<string, string>): Promise<Response> {
    const h: Record<string, string> = { Accept: 'application/json', ...headers };
    let payload: BodyInit | undefined;
    if (body instanceof FormData) payload = body;
    else if (typeof body === 'string' && headers['Content-Type']) payload = body;
    else if (body !== undefined) {
      h['Content-Type'] = 'application/json';
      payload = JSON.stringify(body);
    }
    if (this.token) h.Authorization = 'Bearer ' + this.token;
    try {
      const r = await this.fetchImpl(API + path, { method, headers: h, body: payload, credentials: 'same-origin' });
      if (r.status !== 502 && r.status !== 504) this.hooks.offline(false);
      return r;
    } catch {
      const err = new ApiError(0, 'network', 'cannot reach the hawk server; check your connection and retry');
      this.hooks.offline(true, err);
      throw err;
    }
  }

  private static async read(r: Response): Promise<unknown> {
    if (r.status === 204) return null;
    const ct = r.headers.get('Content-Type') || '';
    if (ct.includes('application/json')) {
      try {
        return await r.json();
      } catch {
        return null;
      }
    }
    return await r.text();
  }

  /** Exchanges the refresh cookie for a new access token; one at a time. */
  refresh(): Promise<boolean> {
    if (!this.refreshing) {
      this.refreshing = (async () => {
        try {
          const r = await this.send('POST', '/auth/refresh', {}, { 'X-Hawk-CSRF': '1' });
          if (!r.ok) {
            this.token = null;
            return false;
          }
          const t = (await r.json()) as Tokens;
          this.token = t.access_token;
          return true;
        } catch {
          return false;
        } finally {
          this.refreshing = null;
        }
      })();
    }
    return this.refreshing;
  }

  /**
   * Sends one request and returns the parsed body; throws ApiError.  A
   * 401 is refreshed once; if that fails the user is asked to sign in and
   * the request is sent again.
   */
  async request<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
    let r = await this.send(method, path, body, headers);
    if (r.status === 401 && !path.startsWith('/auth/')) {
      const ok = (await this.refresh()) || (await this.hooks.reauth());
      if (ok) r = await this.send(method, path, body, headers);
    }
    const data = await Client.read(r);
    if (!r.ok) {
      const err = errorFromBody(r.status, data, r.headers.get('X-Request-ID') || undefined);
      if (r.status === 503) this.hooks.offline(true, err);
      throw err;
    }
    return data as T;
  }

  /** GET returning the raw response body as a Blob (downloads). */
  async blob(path: string): Promise<{ blob: Blob; name: string | null }> {
    let r = await this.send('GET', path, undefined, {});
    if (r.status === 401 && ((await this.refresh()) || (await this.hooks.reauth()))) r = await this.send('GET', path, undefined, {});
    if (!r.ok) throw errorFromBody(r.status, await Client.read(r));
    const cd = r.headers.get('Content-Disposition') || '';
    const m = /filename="?([^";]+)"?/.exec(cd);
    return { blob: await r.blob(), name: m ? m[1] : null };
  }

  get<T>(path: string): Promise<T> {
    return this.request<T>('GET', path);
  }
  post<T>(path: string, body: unknown = {}): Promise<T> {
    return this.request<T>('POST', path, body);
  }
  put<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('PUT', path, body);
  }
  patch<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('PATCH', path, body);
  }
  del<T>(path: string): Promise<T> {
    return this.request<T>('DELETE', path);
  }

  async login(email: string, password: string): Promise<User> {
    const t = await this.request<Tokens>('POST', '/auth/login', { email, password, refresh_cookie: true });
    this.token = t.access_token;
    return t.user as User;
  }

  async logout(): Promise<void> {
    try {
      await this.request('POST', '/auth/logout', {}, { 'X-Hawk-CSRF': '1' });
    } finally {
      this.token = null;
    }
  }
}

export const api = new Client();
