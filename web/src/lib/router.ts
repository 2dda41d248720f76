// A small history router: patterns like "/applications/:id" matched
// against the path below /app.

export const BASE = '/app';

export interface Match {
  pattern: string;
  params: Record<string, string>;
}

/** Whether a path is already under /app (not merely starting with the
 * letters: "/applications" is not). */
export function underBase(p: string): boolean {
  return p === BASE || p.startsWith(BASE + '/') || p.startsWith(BASE + '?');
}

/** The full address of an app path: "/board" -> "/app/board". */
export function fullPath(to: string): string {
  return to.startsWith('/') && !underBase(to) ? BASE + to : to;
}

/** The path below /app ("/board"), "/" for the root. */
export function appPath(pathname: string): string {
  if (!underBase(pathname)) return '/';
  const rest = pathname.slice(BASE.length) || '/';
  return rest.length > 1 && rest.endsWith('/') ? rest.slice(0, -1) : rest;
}

export function matchPath(pattern: string, path: string): Record<string, string> | null {
  const ps = pattern.split('/').filter(Boolean);
  const xs = path.split('/').filter(Boolean);
  if (ps.length !== xs.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < ps.length; i++) {
    if (ps[i].startsWith(':')) {
      let v: string;
      try {
        v = decodeURIComponent(xs[i]);
      } catch {
        return null;
      }
      params[ps[i].slice(1)] = v;
    } else if (ps[i] !== xs[i]) {
      return null;
    }
  }
  return params;
}

/** The first pattern that matches, in the order given. */
export function route(patterns: string[], path: string): Match | null {
  for (const p of patterns) {
    const params = matchPath(p, path);
    if (params) return { pattern: p, params };
  }
  return null;
}

/** Query string from an object, skipping empty values. */
export function query(params: Record<string, string | number | boolean | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null || v === '') continue;
    q.set(k, String(v));
  }
  const s = q.toString();
  return s ? '?' + s : '';
}

type Listener = () => void;
const listeners = new Set<Listener>();

export function navigate(to: string, replace = false): void {
  const url = fullPath(to);
  if (replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  listeners.forEach((l) => l());
  window.scrollTo(0, 0);
}

export function onNavigate(l: Listener): () => void {
  listeners.add(l);
  const pop = () => l();
  window.addEventListener('popstate', pop);
  return () => {
    listeners.delete(l);
    window.removeEventListener('popstate', pop);
  };
}
