// The session across the app: the sign-in-again dialog's promise, and
// the client's hooks into the app state.

import { api } from './api/client';
import { navigate } from './lib/router';
import { getState, setState } from './state';

let waiters: ((ok: boolean) => void)[] = [];

/** Shows the sign-in dialog over the page; resolves when it closes. */
export function reauth(): Promise<boolean> {
  if (!getState().user) return Promise.resolve(false);
  setState({ reauth: true });
  return new Promise((resolve) => waiters.push(resolve));
}

/** Closes the dialog: ok retries what was waiting; otherwise the user
 * goes to the sign-in page, which returns here afterwards. */
export function finishReauth(ok: boolean): void {
  setState({ reauth: false });
  const w = waiters;
  waiters = [];
  w.forEach((f) => f(ok));
  if (!ok) {
    setState({ user: null });
    navigate('/signin?next=' + encodeURIComponent(location.pathname + location.search), true);
  }
}

api.setHooks({
  reauth,
  offline: (down, err) => {
    const cur = getState().offline;
    if (down) setState({ offline: err || null });
    else if (cur) setState({ offline: null });
  },
});
