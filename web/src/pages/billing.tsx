// Billing: the plans, the user's usage, checkout and the billing portal,
// invoices.  Checkout, portal and invoices appear when the server has
// billing; plans and usage always.

import { api } from '../api/client';
import { ErrorNote, Loading, PageHead } from '../components/ui';
import { useAction, useLoad } from '../hooks';
import { fmtDate, fmtMoney } from '../lib/format';
import { has } from '../state';

interface Plan {
  id: number;
  name: string;
  description: string | null;
  price_cents: number;
  currency: string;
  interval: string;
  features: Record<string, number | boolean>;
}

interface Usage {
  plan: { id: number; name: string; status: string; trial_ends_at: string | null; current_period_end: string | null };
  limits: Record<string, { limit?: number; used?: number; remaining?: number; unlimited?: boolean; enabled?: boolean; minimum?: number; period?: string }>;
}

interface Invoice {
  id: string;
  number?: string;
  amount_paid?: number;
  amount_due?: number;
  currency: string;
  status: string;
  created?: number | string;
  hosted_invoice_url?: string | null;
  invoice_pdf?: string | null;
}

const label = (s: string) => s.replace(/_/g, ' ');

function httpsOnly(u: string | null | undefined): string | null {
  if (!u) return null;
  try {
    const p = new URL(u);
    return p.protocol === 'https:' || p.protocol === 'http:' ? p.href : null;
  } catch {
    return null;
  }
}

export function Billing() {
  const plans = useLoad(() => api.get<{ items: Plan[] }>('/plans'), []);
  const usage = useLoad(() => api.get<Usage>('/user/usage'), []);
  const invoices = useLoad(async () => (has('invoices') ? (await api.get<{ items?: Invoice[]; data?: Invoice[] }>('/billing/invoices')) : null), []);
  const checkout = useAction(async (planId: number) => {
    const r = await api.post<{ url: string }>('/billing/checkout', { plan_id: planId });
    const u = httpsOnly(r.url);
    if (u) location.assign(u);
  });
  const portal = useAction(async () => {
    const r = await api.post<{ url: string }>('/billing/portal', {});
    const u = httpsOnly(r.url);
    if (u) location.assign(u);
  });
  const inv = invoices.data ? invoices.data.items || invoices.data.data || [] : [];
  return (
    <section>
      <PageHead title="Plan and billing">
        {has('billing') && (
          <button type="button" onClick={() => void portal.run()} disabled={portal.busy}>
            Manage payment and invoices
          </button>
        )}
      </PageHead>
      <ErrorNote error={checkout.error || portal.error} />
      {usage.data && (
        <section class="card">
          <h2>Your plan: {usage.data.plan.name}</h2>
          <p class="sub">
            {label(usage.data.plan.status)}
            {usage.data.plan.trial_ends_at && ` · trial ends ${fmtDate(usage.data.plan.trial_ends_at)}`}
            {usage.data.plan.current_period_end && ` · renews ${fmtDate(usage.data.plan.current_period_end)}`}
          </p>
          <table>
            <thead>
              <tr>
                <th scope="col">Limit</th>
                <th scope="col">Used</th>
                <th scope="col">Allowed</th>
              </tr>
            </thead>
            <tbody>
              {Object.entries(usage.data.limits).map(([k, v]) => (
                <tr key={k}>
                  <th scope="row">{label(k)}</th>
                  <td>{v.used ?? '–'}</td>
                  <td>{v.unlimited ? 'unlimited' : v.enabled !== undefined ? (v.enabled ? 'yes' : 'no') : v.minimum !== undefined ? `every ${v.minimum} min` : `${v.limit}${v.period ? ' per ' + v.period : ''}`}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
      <ErrorNote error={plans.error || usage.error} />
      {!plans.data ? (
        <Loading />
      ) : (
        <ul class="plans">
          {plans.data.items.map((p) => (
            <li key={p.id} class={'card plan' + (usage.data?.plan.id === p.id ? ' current' : '')}>
              <h2>{p.name}</h2>
              <p class="price">
                {p.price_cents === 0 ? 'Free' : fmtMoney(p.price_cents, p.currency)} <small>per {p.interval}</small>
              </p>
              {p.description && <p>{p.description}</p>}
              <ul>
                {Object.entries(p.features).map(([k, v]) => (
                  <li key={k}>
                    {label(k)}: {typeof v === 'boolean' ? (v ? 'yes' : 'no') : String(v)}
                  </li>
                ))}
              </ul>
              {usage.data?.plan.id === p.id ? (
                <p class="badge">Your plan</p>
              ) : has('billing') && p.price_cents > 0 ? (
                <button type="button" class="primary" onClick={() => void checkout.run(p.id)} disabled={checkout.busy}>
                  Choose {p.name}
                </button>
              ) : !has('billing') ? (
                <p class="hint">Ask the administrator to move you to this plan.</p>
              ) : null}
            </li>
          ))}
        </ul>
      )}
      {has('invoices') && (
        <section class="card">
          <h2>Invoices</h2>
          <ErrorNote error={invoices.error} />
          {inv.length === 0 ? (
            <p>No invoices yet.</p>
          ) : (
            <table>
              <thead>
                <tr>
                  <th scope="col">Invoice</th>
                  <th scope="col">Amount</th>
                  <th scope="col">Status</th>
                  <th scope="col">Links</th>
                </tr>
              </thead>
              <tbody>
                {inv.map((i) => (
                  <tr key={i.id}>
                    <td>{i.number || i.id}</td>
                    <td>{fmtMoney(i.amount_paid ?? i.amount_due ?? 0, i.currency)}</td>
                    <td>{i.status}</td>
                    <td>
                      {httpsOnly(i.hosted_invoice_url) && (
                        <a href={httpsOnly(i.hosted_invoice_url)!} rel="noopener noreferrer" target="_blank">
                          View
                        </a>
                      )}{' '}
                      {httpsOnly(i.invoice_pdf) && (
                        <a href={httpsOnly(i.invoice_pdf)!} rel="noopener noreferrer" target="_blank">
                          PDF
                        </a>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
      )}
    </section>
  );
}
