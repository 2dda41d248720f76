// The dashboard: applications per day, response rate, top companies, LLM
// spend, the next scheduled runs, and the onboarding checklist.

import { useMemo } from 'preact/hooks';
import { api, type Page } from '../api/client';
import { Chart } from '../components/chart';
import { ErrorNote, Link, Loading, PageHead } from '../components/ui';
import { useLoad } from '../hooks';
import { fmtDateTime, fmtPercent, fmtUsd } from '../lib/format';
import { statusLabel } from '../lib/statuses';
import { has } from '../state';

interface Stats {
  total: number;
  by_status: Record<string, number>;
  top_companies: { company: string; count: number }[];
  per_day: { date: string; count: number }[];
  sent: number;
  responded: number;
  response_rate: number | null;
}

interface LlmUsage {
  totals: { calls: number; cost_usd: number };
  budget: { plan: string; limit_usd: number | null; spent_usd: number; remaining_usd: number | null; exhausted: boolean };
}

interface Workflow {
  id: number;
  name: string;
  enabled: boolean;
  next_run_at: string | null;
}

interface Step {
  key: string;
  label: string;
  done: boolean;
  href: string;
}

/** The checklist: the server's onboarding steps when it has them, else
 * what the account's own data shows. */
async function loadSteps(): Promise<Step[]> {
  if (has('onboarding')) {
    const o = await api.get<{ steps: { step?: string; key?: string; name?: string; title?: string; label?: string; done?: boolean; completed?: boolean; completed_at?: string | null }[] }>('/onboarding');
    const hrefs: Record<string, string> = { verify_email: '/settings', profile: '/settings', resume: '/resumes?upload=1', job_search: '/searches/new', job_config: '/searches/new', workflow: '/workflows/new', first_run: '/workflows', plan: '/billing' };
    return (o.steps || []).map((s) => {
      const key = s.step || s.key || s.name || '';
      return { key, label: s.title || s.label || statusLabel(key), done: !!(s.done ?? s.completed ?? s.completed_at), href: hrefs[key] || '/' };
    });
  }
  const [r, c, w, a] = await Promise.all([
    api.get<Page<unknown>>('/resumes?per_page=1'),
    api.get<Page<unknown>>('/job-configs?per_page=1'),
    api.get<Page<unknown>>('/workflows?per_page=1'),
    api.get<Page<unknown>>('/job-applications?per_page=1'),
  ]);
  return [
    { key: 'resume', label: 'Upload a resume', done: r.total > 0, href: '/resumes?upload=1' },
    { key: 'job_search', label: 'Create a job search', done: c.total > 0, href: '/searches/new' },
    { key: 'workflow', label: 'Set up a workflow', done: w.total > 0, href: '/workflows/new' },
    { key: 'application', label: 'Record your first application', done: a.total > 0, href: '/jobs' },
  ];
}

export function Dashboard() {
  const stats = useLoad(() => api.get<Stats>('/job-applications/stats'), []);
  const llm = useLoad(() => api.get<LlmUsage>('/usage/llm'), []);
  // the list has next_run_at once the scheduler planned a run; a workflow
  // saved since then tells its next times in its own answer (next_runs)
  const wf = useLoad(async () => {
    const p = await api.get<Page<Workflow>>('/workflows?per_page=100');
    const missing = p.items.filter((w) => w.enabled && !w.next_run_at).slice(0, 10);
    const details = await Promise.all(missing.map((w) => api.get<Workflow & { next_runs?: string[] }>(`/workflows/${w.id}`).catch(() => null)));
    for (const d of details) {
      const w = d && p.items.find((x) => x.id === d.id);
      if (w && d.next_runs && d.next_runs.length) w.next_run_at = d.next_runs[0];
    }
    return p;
  }, []);
  const steps = useLoad(loadSteps, []);
  const chart = useMemo(() => {
    const d = stats.data?.per_day || [];
    return {
      x: d.map((p) => Date.parse(p.date + 'T00:00:00Z') / 1000),
      series: [{ label: 'Applications', values: d.map((p) => p.count), bars: true }],
      summary: `${d.reduce((a, p) => a + p.count, 0)} applications in the last ${d.length} days`,
    };
  }, [stats.data]);
  const next = (wf.data?.items || []).filter((w) => w.enabled && w.next_run_at).sort((a, b) => (a.next_run_at! < b.next_run_at! ? -1 : 1));
  const todo = (steps.data || []).filter((s) => !s.done);
  return (
    <section>
      <PageHead title="Dashboard" />
      {steps.data && todo.length > 0 && (
        <section class="card onboarding" aria-labelledby="onb">
          <h2 id="onb">Getting started</h2>
          <ol class="checklist">
            {steps.data.map((s) => (
              <li key={s.key} class={s.done ? 'done' : ''}>
                <span aria-hidden="true">{s.done ? '✓' : '○'}</span> {s.done ? s.label : <Link href={s.href}>{s.label}</Link>}
                <span class="sr-only">{s.done ? ' (done)' : ' (to do)'}</span>
              </li>
            ))}
          </ol>
        </section>
      )}
      <ErrorNote error={stats.error} />
      {stats.loading && !stats.data ? (
        <Loading />
      ) : stats.data ? (
        <>
          <div class="tiles">
            <div class="tile">
              <span class="tile-value">{stats.data.total}</span>
              <span class="tile-label">applications</span>
            </div>
            <div class="tile">
              <span class="tile-value">{fmtPercent(stats.data.response_rate)}</span>
              <span class="tile-label">
                response rate ({stats.data.responded} of {stats.data.sent})
              </span>
            </div>
            <div class="tile">
              <span class="tile-value">{llm.data ? fmtUsd(llm.data.totals.cost_usd) : '–'}</span>
              <span class="tile-label">LLM spend this month{llm.data?.budget.limit_usd != null ? ` of ${fmtUsd(llm.data.budget.limit_usd)}` : ''}</span>
            </div>
            <div class="tile">
              <span class="tile-value">{stats.data.by_status.interviewing || 0}</span>
              <span class="tile-label">interviewing</span>
            </div>
          </div>
          <div class="grid2">
            <div class="card">
              <Chart title="Applications per day" x={chart.x} series={chart.series} summary={chart.summary} />
            </div>
            <div class="card">
              <h2>Top companies</h2>
              {stats.data.top_companies.length === 0 ? (
                <p>No applications yet.</p>
              ) : (
                <table>
                  <thead>
                    <tr>
                      <th scope="col">Company</th>
                      <th scope="col">Applications</th>
                    </tr>
                  </thead>
                  <tbody>
                    {stats.data.top_companies.map((c) => (
                      <tr key={c.company}>
                        <td>{c.company}</td>
                        <td>{c.count}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
            </div>
          </div>
        </>
      ) : null}
      <div class="card">
        <h2>Next scheduled runs</h2>
        <ErrorNote error={wf.error} />
        {next.length === 0 ? (
          <p>
            No workflow is scheduled. <Link href="/workflows">Workflows</Link>
          </p>
        ) : (
          <ul>
            {next.slice(0, 5).map((w) => (
              <li key={w.id}>
                <Link href={`/workflows/${w.id}`}>{w.name}</Link>: {fmtDateTime(w.next_run_at)}
              </li>
            ))}
          </ul>
        )}
      </div>
    </section>
  );
}
