// The shell: boot (capabilities, then a silent refresh through the
// cookie), navigation, the offline banner, the sign-in-again dialog and
// the page for the current path.

import type { ComponentType } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api } from './api/client';
import './session';
import { SignInDialog } from './pages/auth';
import { routes } from './routes';
import { appPath, navigate, onNavigate, route } from './lib/router';
import { setState, useAppState, type Capabilities } from './state';
import { Link } from './components/ui';

async function boot(): Promise<void> {
  try {
    const caps = await api.get<Capabilities>('/capabilities');
    setState({ caps });
  } catch {
    /* offline banner already shown; features stay off */
  }
  if (await api.refresh()) {
    try {
      const user = await api.get<import('./api/client').User>('/user');
      setState({ user });
    } catch {
      api.setToken(null);
    }
  }
  setState({ booted: true });
}

function usePath(): string {
  const [path, setPath] = useState(appPath(location.pathname));
  useEffect(() => onNavigate(() => setPath(appPath(location.pathname))), []);
  return path;
}

function Nav({ admin }: { admin: boolean }) {
  const [open, setOpen] = useState(false);
  const st = useAppState();
  const path = appPath(location.pathname);
  const item = (href: string, label: string) => (
    <li>
      <Link href={href} aria-current={path === href || (href !== '/' && path.startsWith(href + '/')) ? 'page' : undefined} onClick={() => setOpen(false)}>
        {label}
      </Link>
    </li>
  );
  return (
    <nav class="nav" aria-label="Main">
      <div class="brand">
        <Link href="/">hawk</Link>
        <button type="button" class="menu-toggle" aria-expanded={open} aria-controls="nav-list" onClick={() => setOpen(!open)}>
          Menu
        </button>
      </div>
      <ul id="nav-list" class={open ? 'open' : ''}>
        {item('/', 'Dashboard')}
        {item('/board', 'Board')}
        {item('/applications', 'Applications')}
        {item('/review', 'Review')}
        {item('/jobs', 'Jobs')}
        {item('/searches', 'Job searches')}
        {item('/resumes', 'Resumes')}
        {item('/workflows', 'Workflows')}
        {st.caps.features.billing && item('/billing', 'Billing')}
        {item('/settings', 'Settings')}
        {admin && (
          <>
            <li class="nav-group">Admin</li>
            {item('/admin', 'System')}
            {st.caps.features.admin_users && item('/admin/users', 'Users')}
            {item('/admin/plans', 'Plans')}
            {item('/admin/queue', 'Queue')}
            {st.caps.features.admin_metrics && item('/admin/metrics', 'Metrics')}
          </>
        )}
        <li>
          <button
            type="button"
            class="link"
            onClick={async () => {
              await api.logout().catch(() => {});
              setState({ user: null });
              navigate('/signin');
            }}
          >
            Sign out
          </button>
        </li>
      </ul>
    </nav>
  );
}

function OfflineBanner() {
  const st = useAppState();
  if (!st.offline) return null;
  return (
    <div class="banner" role="alert">
      <span>{st.offline.status === 503 ? 'The hawk server is unavailable right now (' + st.offline.message + ').' : 'Cannot reach the hawk server.'} Your work on this page is kept.</span>
      <button type="button" onClick={() => setState({ offline: null, epoch: st.epoch + 1 })}>
        Retry
      </button>
    </div>
  );
}

export function App() {
  const st = useAppState();
  const path = usePath();
  useEffect(() => {
    void boot();
  }, []);
  const m = route(
    routes.map((r) => r.path),
    path,
  );
  const def = m ? routes.find((r) => r.path === m.pattern)! : null;
  useEffect(() => {
    if (!st.booted || !def) return;
    if (!def.public && !st.user) navigate('/signin?next=' + encodeURIComponent(location.pathname + location.search), true);
    else if (def.guestOnly && st.user) navigate('/', true);
  }, [st.booted, st.user, def]);
  useEffect(() => {
    document.title = (def ? def.title + ' · ' : '') + 'hawk';
    const h = document.querySelector('main h1') as HTMLElement | null;
    h?.focus?.();
  }, [path, def]);
  if (!st.booted) {
    return (
      <>
        <OfflineBanner />
        <p class="loading" role="status">
          Loading hawk…
        </p>
      </>
    );
  }
  const Page: ComponentType<{ params: Record<string, string> }> | null = def ? def.component : null;
  const shell = !!st.user && !def?.public;
  return (
    <div class={shell ? 'shell' : 'bare'}>
      <a class="skip" href="#main">
        Skip to content
      </a>
      {shell && <Nav admin={!!st.user?.is_admin} />}
      <main id="main" tabIndex={-1}>
        <OfflineBanner />
        {Page && (def!.public || st.user) ? (
          def!.admin && !st.user?.is_admin ? (
            <p class="note error">This page is for administrators.</p>
          ) : (
            <Page params={m!.params} />
          )
        ) : !def ? (
          <NotFound />
        ) : null}
      </main>
      {st.reauth && <SignInDialog />}
      {st.toast && (
        <div class="toast" role="status">
          {st.toast}
        </div>
      )}
    </div>
  );
}

function NotFound() {
  return (
    <section>
      <h1 tabIndex={-1}>Page not found</h1>
      <p>
        There is no page at this address. <Link href="/">Go to the dashboard</Link>
      </p>
    </section>
  );
}
