// Every page, its path below /app and who may see it.  Heavy pages (the
// code editor, the admin pages) are loaded when first opened.

import { h, type ComponentType } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import * as auth from './pages/auth';
import * as apps from './pages/applications';
import { Board } from './pages/board';
import { Dashboard } from './pages/dashboard';
import * as jobs from './pages/jobs';
import * as resumes from './pages/resumes';
import * as searches from './pages/searches';
import { Settings } from './pages/settings';
import { Billing } from './pages/billing';
import * as workflows from './pages/workflows';

type Params = { params: Record<string, string> };
type Page = ComponentType<Params>;

export interface RouteDef {
  path: string;
  title: string;
  component: Page;
  public?: boolean;
  guestOnly?: boolean;
  admin?: boolean;
}

function lazy(load: () => Promise<Page>): Page {
  let cached: Page | null = null;
  return function Lazy(props: Params) {
    const [C, setC] = useState<Page | null>(cached);
    const [err, setErr] = useState(false);
    useEffect(() => {
      if (!C)
        load().then(
          (c) => {
            cached = c;
            setC(() => c);
          },
          () => setErr(true),
        );
    }, []);
    if (err) return h('p', { class: 'note error', role: 'alert' }, 'This page could not be loaded; check the connection and reload.');
    return C ? h(C, props) : h('p', { class: 'loading', role: 'status' }, 'Loading…');
  };
}

const editor = lazy(() => import('./pages/editor').then((m) => m.WorkflowEditor));
const admin = (name: 'System' | 'Users' | 'Plans' | 'Queue' | 'Metrics') => lazy(() => import('./pages/admin').then((m) => m[name]));

export const routes: RouteDef[] = [
  { path: '/signin', title: 'Sign in', component: auth.SignIn, public: true, guestOnly: true },
  { path: '/signup', title: 'Create an account', component: auth.SignUp, public: true, guestOnly: true },
  { path: '/verify-email', title: 'Verify your email', component: auth.VerifyEmail, public: true },
  { path: '/reset-password', title: 'Reset your password', component: auth.ResetPassword, public: true },
  { path: '/', title: 'Dashboard', component: Dashboard },
  { path: '/board', title: 'Board', component: Board },
  { path: '/applications', title: 'Applications', component: apps.ApplicationsTable },
  { path: '/applications/:id', title: 'Application', component: apps.ApplicationDetail },
  { path: '/review', title: 'Review before submit', component: apps.Review },
  { path: '/jobs', title: 'Jobs', component: jobs.JobsList },
  { path: '/jobs/:id', title: 'Job', component: jobs.JobDetail },
  { path: '/searches', title: 'Job searches', component: searches.SearchList },
  { path: '/searches/new', title: 'New job search', component: searches.SearchEdit },
  { path: '/searches/:id', title: 'Job search', component: searches.SearchEdit },
  { path: '/resumes', title: 'Resumes', component: resumes.ResumeList },
  { path: '/resumes/new', title: 'New resume', component: resumes.ResumeEdit },
  { path: '/resumes/:id', title: 'Resume', component: resumes.ResumeEdit },
  { path: '/workflows', title: 'Workflows', component: workflows.WorkflowList },
  { path: '/workflows/new', title: 'New workflow', component: editor },
  { path: '/workflows/:id', title: 'Workflow', component: editor },
  { path: '/workflows/:id/runs/:run', title: 'Workflow run', component: workflows.RunDetail },
  { path: '/settings', title: 'Settings', component: Settings },
  { path: '/billing', title: 'Billing', component: Billing },
  { path: '/admin', title: 'System', component: admin('System'), admin: true },
  { path: '/admin/users', title: 'Users', component: admin('Users'), admin: true },
  { path: '/admin/plans', title: 'Plans', component: admin('Plans'), admin: true },
  { path: '/admin/queue', title: 'Queue', component: admin('Queue'), admin: true },
  { path: '/admin/metrics', title: 'Metrics', component: admin('Metrics'), admin: true },
];
