// Admin pages: system health, queue (depths, dead jobs with retry), plans,
// and, when the server has them, users and business metrics with charts.

import { useMemo, useState } from 'preact/hooks';
import { api, type Page } from '../api/client';
import { Chart } from '../components/chart';
import { ErrorNote, Field, Loading, PageHead, Pager } from '../components/ui';
import { useAction, useLoad } from '../hooks';
import { fmtBytes, fmtDateTime, fmtMoney } from '../lib/format';
import { query } from '../lib/router';
import { toast } from '../state';

interface Health {
  version: string;
  status: string;
  uptime_seconds: number;
  system: { load1: number; cpus: number; rss_bytes: number; memory_available_bytes: number; memory_total_bytes: number; disk_free_bytes: number; disk_used_percent: number };
  database: { status: string; rtt_ms?: number; mode: string; pool_connections?: number; pool_idle?: number };
  migrations_pending: number;
  plugins: Record<string, { status?: string; kind?: string } | string>;
}

export function System() {
  const h = useLoad(async () => {
    const r = await fetch('/health/detailed', { headers: { Accept: 'application/json' } });
    return (await r.json()) as Health;
  }, []);
  return (
    <section>
      <PageHead title="System health">
        <button type="button" onClick={h.reload}>
          Refresh
        </button>
      </PageHead>
      <ErrorNote error={h.error} />
      {!h.data ? (
        <Loading />
      ) : (
        <>
          <div class="tiles">
            <div class={'tile ' + (h.data.status === 'ok' ? 'ok' : 'bad')}>
              <span class="tile-value">{h.data.status}</span>
              <span class="tile-label">hawk {h.data.version}</span>
            </div>
            <div class={'tile ' + (h.data.database.status === 'ok' ? 'ok' : 'bad')}>
              <span class="tile-value">{h.data.database.status}</span>
              <span class="tile-label">
                database ({h.data.database.mode}
                {h.data.database.rtt_ms !== undefined ? `, ${h.data.database.rtt_ms} ms` : ''})
              </span>
            </div>
            <div class="tile">
              <span class="tile-value">{h.data.system.load1.toFixed(2)}</span>
              <span class="tile-label">load on {h.data.system.cpus} CPUs</span>
            </div>
            <div class="tile">
              <span class="tile-value">{fmtBytes(h.data.system.rss_bytes)}</span>
              <span class="tile-label">memory used by hawk</span>
            </div>
          </div>
          <table>
            <tbody>
              <tr>
                <th scope="row">Uptime</th>
                <td>{Math.round(h.data.uptime_seconds / 60)} minutes</td>
              </tr>
              <tr>
                <th scope="row">Pending migrations</th>
                <td>{h.data.migrations_pending}</td>
              </tr>
              <tr>
                <th scope="row">Disk</th>
                <td>
                  {fmtBytes(h.data.system.disk_free_bytes)} free ({Math.round(h.data.system.disk_used_percent)}% used)
                </td>
              </tr>
              {Object.entries(h.data.plugins).map(([k, v]) => (
                <tr key={k}>
                  <th scope="row">Plugin {k}</th>
                  <td>{typeof v === 'string' ? v : v.status || JSON.stringify(v)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}

interface QueueJob {
  id: number;
  kind: string;
  queue: string;
  state: string;
  attempts: number;
  error: string | null;
  user_id?: number | null;
  updated_at?: string;
  created_at?: string;
}

export function Queue() {
  const ov = useLoad(() => api.get<{ queues: { name: string; paused: boolean; counts: Record<string, number> }[] }>('/admin/queue'), []);
  const [state, setStateF] = useState('dead');
  const [page, setPage] = useState(1);
  const jobs = useLoad(() => api.get<Page<QueueJob>>('/admin/queue/jobs' + query({ state, page, per_page: 25 })), [state, page]);
  const retry = useAction(async (id: number) => {
    await api.post(`/admin/queue/jobs/${id}/retry`, {});
    toast(`Job ${id} queued again`);
    jobs.reload();
    ov.reload();
  });
  const pause = useAction(async (name: string, paused: boolean) => {
    await api.post(`/admin/queue/queues/${encodeURIComponent(name)}/${paused ? 'resume' : 'pause'}`, {});
    ov.reload();
  });
  return (
    <section>
      <PageHead title="Queue" />
      <ErrorNote error={ov.error || retry.error || pause.error} />
      {!ov.data ? (
        <Loading />
      ) : (
        <div class="table-wrap">
          <table class="data">
            <thead>
              <tr>
                <th scope="col">Queue</th>
                <th scope="col">Queued</th>
                <th scope="col">Running</th>
                <th scope="col">Dead</th>
                <th scope="col">Done</th>
                <th scope="col">State</th>
              </tr>
            </thead>
            <tbody>
              {ov.data.queues.map((q) => (
                <tr key={q.name}>
                  <th scope="row">{q.name}</th>
                  <td>{q.counts.queued || 0}</td>
                  <td>{q.counts.running || 0}</td>
                  <td>{q.counts.dead || 0}</td>
                  <td>{q.counts.done || 0}</td>
                  <td>
                    <button type="button" onClick={() => void pause.run(q.name, q.paused)}>
                      {q.paused ? `Resume ${q.name}` : `Pause ${q.name}`}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <h2>Jobs</h2>
      <Field
        label="State"
        name="state"
        error={jobs.error}
        render={(a) => (
          <select
            {...a}
            value={state}
            onChange={(e) => {
              setStateF(e.currentTarget.value);
              setPage(1);
            }}
          >
            {['dead', 'queued', 'running', 'done', 'cancelled'].map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        )}
      />
      <ErrorNote error={jobs.error} fields={['state']} />
      {jobs.data && jobs.data.items.length === 0 && <p>No {state} jobs.</p>}
      {jobs.data && jobs.data.items.length > 0 && (
        <div class="table-wrap">
          <table class="data">
            <thead>
              <tr>
                <th scope="col">Job</th>
                <th scope="col">Kind</th>
                <th scope="col">Attempts</th>
                <th scope="col">Error</th>
                <th scope="col" />
              </tr>
            </thead>
            <tbody>
              {jobs.data.items.map((j) => (
                <tr key={j.id}>
                  <td>{j.id}</td>
                  <td>
                    {j.kind} <small>({j.queue})</small>
                  </td>
                  <td>{j.attempts}</td>
                  <td>{j.error}</td>
                  <td>
                    {(j.state === 'dead' || j.state === 'cancelled') && (
                      <button type="button" onClick={() => void retry.run(j.id)}>
                        Retry job {j.id}
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {jobs.data && <Pager page={jobs.data.page} pages={jobs.data.pages} onPage={setPage} />}
    </section>
  );
}

interface Plan {
  id: number;
  name: string;
  description: string | null;
  price_cents: number;
  currency: string;
  interval: string;
  is_active: boolean;
  features: Record<string, number | boolean>;
}

export function Plans() {
  const list = useLoad(() => api.get<{ items: Plan[] }>('/admin/plans'), []);
  const [edit, setEdit] = useState<Plan | null>(null);
  return (
    <section>
      <PageHead title="Plans">
        <button type="button" class="primary" onClick={() => setEdit({ id: 0, name: '', description: '', price_cents: 0, currency: 'usd', interval: 'month', is_active: true, features: {} })}>
          New plan
        </button>
      </PageHead>
      <ErrorNote error={list.error} />
      {edit && (
        <PlanForm
          plan={edit}
          onDone={() => {
            setEdit(null);
            list.reload();
          }}
        />
      )}
      {!list.data ? (
        <Loading />
      ) : (
        <div class="table-wrap">
          <table class="data">
            <thead>
              <tr>
                <th scope="col">Plan</th>
                <th scope="col">Price</th>
                <th scope="col">Active</th>
                <th scope="col">Limits</th>
                <th scope="col" />
              </tr>
            </thead>
            <tbody>
              {list.data.items.map((p) => (
                <tr key={p.id}>
                  <th scope="row">{p.name}</th>
                  <td>
                    {fmtMoney(p.price_cents, p.currency)} / {p.interval}
                  </td>
                  <td>{p.is_active ? 'yes' : 'no'}</td>
                  <td>
                    {Object.entries(p.features)
                      .map(([k, v]) => `${k.replace(/_/g, ' ')}: ${v}`)
                      .join(', ')}
                  </td>
                  <td>
                    <button type="button" onClick={() => setEdit(p)}>
                      Edit {p.name}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function PlanForm({ plan, onDone }: { plan: Plan; onDone: () => void }) {
  const [f, setF] = useState({ ...plan, price: (plan.price_cents / 100).toFixed(2), featuresText: JSON.stringify(plan.features, null, 2) });
  const act = useAction(async () => {
    let features: unknown;
    try {
      features = JSON.parse(f.featuresText || '{}');
    } catch (e) {
      throw new (await import('../api/errors')).ApiError(400, 'invalid_field', 'limits must be a JSON object: ' + (e as Error).message, 'features');
    }
    const body = { name: f.name, description: f.description || null, price_cents: Math.round(Number(f.price) * 100), currency: f.currency, interval: f.interval, is_active: f.is_active, features };
    if (plan.id) await api.put(`/admin/plans/${plan.id}`, body);
    else await api.post('/admin/plans', body);
    toast('Plan saved');
    onDone();
  });
  return (
    <form
      class="card"
      onSubmit={(e) => {
        e.preventDefault();
        void act.run();
      }}
    >
      <h2>{plan.id ? `Edit ${plan.name}` : 'New plan'}</h2>
      <div class="row">
        <Field label="Name" name="name" required value={f.name} error={act.error} onInput={(e) => setF({ ...f, name: e.currentTarget.value })} />
        <Field label="Price" name="price_cents" type="number" step="0.01" min={0} value={f.price} error={act.error} onInput={(e) => setF({ ...f, price: e.currentTarget.value })} />
        <Field label="Currency" name="currency" value={f.currency} error={act.error} onInput={(e) => setF({ ...f, currency: e.currentTarget.value })} />
        <Field
          label="Interval"
          name="interval"
          error={act.error}
          render={(a) => (
            <select {...a} value={f.interval} onChange={(e) => setF({ ...f, interval: e.currentTarget.value })}>
              <option value="month">month</option>
              <option value="year">year</option>
            </select>
          )}
        />
      </div>
      <Field label="Description" name="description" value={f.description || ''} error={act.error} onInput={(e) => setF({ ...f, description: e.currentTarget.value })} />
      <div class="field check">
        <input id="plan-active" type="checkbox" checked={f.is_active} onChange={(e) => setF({ ...f, is_active: e.currentTarget.checked })} />
        <label for="plan-active">Active (offered to users)</label>
      </div>
      <Field label="Limits (JSON)" name="features" error={act.error} render={(a) => <textarea {...a} class="code" rows={8} value={f.featuresText} onInput={(e) => setF({ ...f, featuresText: e.currentTarget.value })} />} />
      <ErrorNote error={act.error} fields={['name', 'price_cents', 'currency', 'interval', 'description', 'features']} />
      <div class="actions">
        <button type="submit" class="primary" disabled={act.busy}>
          Save plan
        </button>
        <button type="button" onClick={onDone}>
          Cancel
        </button>
      </div>
    </form>
  );
}

interface AdminUser {
  id: number;
  email: string;
  is_admin: boolean;
  is_active: boolean;
  plan?: { id: number; name: string } | string | null;
  created_at: string;
  last_login_at?: string | null;
}

export function Users() {
  const [q, setQ] = useState('');
  const [page, setPage] = useState(1);
  const list = useLoad(() => api.get<Page<AdminUser>>('/admin/users' + query({ q, page, per_page: 25 })), [q, page]);
  const plans = useLoad(() => api.get<{ items: Plan[] }>('/admin/plans'), []);
  const toggle = useAction(async (u: AdminUser) => {
    if (u.is_active) await api.post(`/admin/users/${u.id}/disable`, {});
    else await api.post(`/admin/users/${u.id}/enable`, {});
    toast(u.is_active ? `${u.email} disabled` : `${u.email} enabled`);
    list.reload();
  });
  const setPlan = useAction(async (u: AdminUser, planId: number) => {
    await api.put(`/admin/users/${u.id}/plan`, { plan_id: planId });
    toast(`${u.email} moved to another plan`);
    list.reload();
  });
  const planName = (p: AdminUser['plan']) => (p && typeof p === 'object' ? p.name : p || '–');
  const planId = (p: AdminUser['plan']) => (p && typeof p === 'object' ? p.id : 0);
  return (
    <section>
      <PageHead title="Users" />
      <form role="search" class="filters" onSubmit={(e) => e.preventDefault()}>
        <Field
          label="Search by email"
          name="q"
          type="search"
          value={q}
          error={list.error}
          onInput={(e) => {
            setQ(e.currentTarget.value);
            setPage(1);
          }}
        />
      </form>
      <ErrorNote error={list.error || toggle.error || setPlan.error} fields={['q']} />
      {!list.data ? (
        <Loading />
      ) : (
        <div class="table-wrap">
          <table class="data">
            <thead>
              <tr>
                <th scope="col">User</th>
                <th scope="col">Plan</th>
                <th scope="col">Joined</th>
                <th scope="col">Last login</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {list.data.items.map((u) => (
                <tr key={u.id}>
                  <th scope="row">
                    {u.email} {u.is_admin && <span class="badge">admin</span>} {!u.is_active && <span class="badge bad">disabled</span>}
                  </th>
                  <td>
                    <label class="sr-only" for={`plan-${u.id}`}>
                      Plan of {u.email}
                    </label>
                    <select id={`plan-${u.id}`} value={planId(u.plan)} onChange={(e) => void setPlan.run(u, Number(e.currentTarget.value))}>
                      {!planId(u.plan) && <option value={0}>{planName(u.plan)}</option>}
                      {(plans.data?.items || []).map((p) => (
                        <option key={p.id} value={p.id}>
                          {p.name}
                        </option>
                      ))}
                    </select>
                  </td>
                  <td>{fmtDateTime(u.created_at)}</td>
                  <td>{fmtDateTime(u.last_login_at)}</td>
                  <td>
                    <button type="button" class={u.is_active ? 'danger' : ''} onClick={() => void toggle.run(u)}>
                      {u.is_active ? `Disable ${u.email}` : `Enable ${u.email}`}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {list.data && <Pager page={list.data.page} pages={list.data.pages} onPage={setPage} />}
    </section>
  );
}

type Metrics = Record<string, unknown>;

function num(v: unknown): number {
  return typeof v === 'number' ? v : Number(v) || 0;
}

/** A series [{month|date|day, value}] from the metrics answer, whatever
 * the member's exact name. */
function series(m: Metrics, key: string): { x: number[]; y: number[] } {
  const arr = (m[key] as Record<string, unknown>[] | undefined) || [];
  const x: number[] = [];
  const y: number[] = [];
  for (const p of arr) {
    const when = String(p.month ?? p.date ?? p.day ?? p.period ?? '');
    const t = Date.parse(when.length === 7 ? when + '-01T00:00:00Z' : when);
    if (isNaN(t)) continue;
    x.push(t / 1000);
    const v = Object.entries(p).find(([k, val]) => !['month', 'date', 'day', 'period'].includes(k) && typeof val === 'number');
    y.push(v ? num(v[1]) : 0);
  }
  return { x, y };
}

export function Metrics() {
  const m = useLoad(() => api.get<Metrics>('/admin/metrics'), []);
  const charts = useMemo(() => {
    if (!m.data) return [];
    const out: { title: string; x: number[]; y: number[] }[] = [];
    for (const [k, v] of Object.entries(m.data)) {
      if (Array.isArray(v) && v.length && typeof v[0] === 'object') {
        const s = series(m.data, k);
        if (s.x.length) out.push({ title: k.replace(/_/g, ' '), ...s });
      }
    }
    return out;
  }, [m.data]);
  const scalars = m.data ? Object.entries(m.data).filter(([, v]) => typeof v === 'number') : [];
  const byPlan = m.data && typeof m.data.subscriptions_by_plan === 'object' && !Array.isArray(m.data.subscriptions_by_plan) ? (m.data.subscriptions_by_plan as Record<string, number>) : null;
  return (
    <section>
      <PageHead title="Business metrics" />
      <ErrorNote error={m.error} />
      {!m.data ? (
        <Loading />
      ) : (
        <>
          <div class="tiles">
            {scalars.map(([k, v]) => (
              <div class="tile" key={k}>
                <span class="tile-value">{k.includes('cents') ? fmtMoney(v as number) : String(v)}</span>
                <span class="tile-label">{k.replace(/_cents$/, '').replace(/_/g, ' ')}</span>
              </div>
            ))}
          </div>
          {byPlan && (
            <table>
              <caption>Active subscriptions by plan</caption>
              <tbody>
                {Object.entries(byPlan).map(([k, v]) => (
                  <tr key={k}>
                    <th scope="row">{k}</th>
                    <td>{String(v)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <div class="grid2">
            {charts.map((c) => (
              <div class="card" key={c.title}>
                <Chart title={c.title} x={c.x} series={[{ label: c.title, values: c.y }]} summary={`${c.title}: ${c.y.join(', ')}`} />
              </div>
            ))}
          </div>
        </>
      )}
    </section>
  );
}
