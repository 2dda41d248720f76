// App-wide state: the signed-in user, the server's capabilities, the
// offline banner and the sign-in-again dialog.  A tiny observable store
// instead of a state library.

import { useEffect, useState } from 'preact/hooks';
import type { User } from './api/client';
import type { ApiError } from './api/errors';

export interface Capabilities {
  features: Record<string, boolean>;
}

export interface AppState {
  user: User | null;
  booted: boolean;
  caps: Capabilities;
  offline: ApiError | null;
  reauth: boolean;
  /** bumped by the banner's Retry: pages reload their data */
  epoch: number;
  toast: string | null;
}

let state: AppState = { user: null, booted: false, caps: { features: {} }, offline: null, reauth: false, epoch: 0, toast: null };
const subs = new Set<() => void>();

export function getState(): AppState {
  return state;
}

export function setState(patch: Partial<AppState>): void {
  state = { ...state, ...patch };
  subs.forEach((f) => f());
}

export function useAppState(): AppState {
  const [, force] = useState(0);
  useEffect(() => {
    const f = () => force((n) => n + 1);
    subs.add(f);
    return () => {
      subs.delete(f);
    };
  }, []);
  return state;
}

export function has(feature: string): boolean {
  return state.caps.features[feature] === true;
}

let toastTimer: ReturnType<typeof setTimeout> | undefined;
export function toast(msg: string): void {
  setState({ toast: msg });
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => setState({ toast: null }), 4000);
}
