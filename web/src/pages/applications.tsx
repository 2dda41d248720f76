// Applications: the table (filters, search, pages, CSV export), one
// application with its history, notes, questions and answers, documents
// and failure screenshots, and the review-before-submit queue.

import { useState } from 'preact/hooks';
import { setStatus, type Application } from '../api/apps';
import { api, type Page } from '../api/client';
import { ApiError } from '../api/errors';
import { ErrorNote, Field, Link, Loading, PageHead, Pager, saveBlob } from '../components/ui';
import { useAction, useLoad } from '../hooks';
import { fmtDate, fmtDateTime } from '../lib/format';
import { query } from '../lib/router';
import { STATUSES, USER_STATUSES, statusLabel } from '../lib/statuses';
import { has, toast } from '../state';

export function ApplicationsTable() {
  const init = new URLSearchParams(location.search);
  const [f, setF] = useState({
    status: init.get('status') || '',
    company: init.get('company') || '',
    from: '',
    to: '',
    sort: 'created_at',
    order: 'desc',
    page: 1,
  });
  const qs = query({ ...f, per_page: 25 });
  const list = useLoad(() => api.get<Page<Application>>('/job-applications' + qs), [qs]);
  const exp = useAction(async () => {
    const { blob, name } = await api.blob('/job-applications/export.csv' + query({ status: f.status, company: f.company, from: f.from, to: f.to }));
    saveBlob(blob, name || 'job-applications.csv');
  });
  const set = (k: keyof typeof f) => (e: Event) => setF({ ...f, [k]: (e.currentTarget as HTMLInputElement).value, page: 1 });
  return (
    <section>
      <PageHead title="Applications">
        <Link href="/board" class="button">
          Board view
        </Link>
        <button type="button" onClick={() => void exp.run()} disabled={exp.busy}>
          {exp.busy ? 'Exporting…' : 'Export CSV'}
        </button>
      </PageHead>
      <form class="filters" role="search" onSubmit={(e) => e.preventDefault()}>
        <Field
          label="Status"
          name="status"
          error={list.error}
          render={(a) => (
            <select {...a} value={f.status} onChange={set('status')}>
              <option value="">Any</option>
              {STATUSES.map((s) => (
                <option key={s} value={s}>
                  {statusLabel(s)}
                </option>
              ))}
            </select>
          )}
        />
        <Field label="Search company" name="company" type="search" value={f.company} error={list.error} onInput={set('company')} />
        <Field label="From" name="from" type="date" value={f.from} error={list.error} onInput={set('from')} />
        <Field label="To" name="to" type="date" value={f.to} error={list.error} onInput={set('to')} />
        <Field
          label="Sort by"
          name="sort"
          error={list.error}
          render={(a) => (
            <select {...a} value={f.sort} onChange={set('sort')}>
              <option value="created_at">Created</option>
              <option value="updated_at">Updated</option>
              <option value="company">Company</option>
              <option value="status">Status</option>
            </select>
          )}
        />
        <Field
          label="Order"
          name="order"
          error={list.error}
          render={(a) => (
            <select {...a} value={f.order} onChange={set('order')}>
              <option value="desc">Newest first</option>
              <option value="asc">Oldest first</option>
            </select>
          )}
        />
      </form>
      <ErrorNote error={list.error || exp.error} fields={['status', 'company', 'from', 'to', 'sort', 'order']} />
      {list.loading && !list.data ? (
        <Loading />
      ) : list.data ? (
        <>
          <p class="hint" role="status">
            {list.data.total} application{list.data.total === 1 ? '' : 's'}
          </p>
          <div class="table-wrap">
            <table class="data">
              <thead>
                <tr>
                  <th scope="col">Job</th>
                  <th scope="col">Company</th>
                  <th scope="col">Status</th>
                  <th scope="col">Board</th>
                  <th scope="col">Created</th>
                </tr>
              </thead>
              <tbody>
                {list.data.items.map((a) => (
                  <tr key={a.id}>
                    <td>
                      <Link href={`/applications/${a.id}`}>{a.title}</Link>
                    </td>
                    <td>{a.company}</td>
                    <td>
                      <span class={'status s-' + a.status}>{statusLabel(a.status)}</span>
                    </td>
                    <td>{a.board}</td>
                    <td>{fmtDate(a.created_at)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <Pager page={list.data.page} pages={list.data.pages} onPage={(p) => setF({ ...f, page: p })} />
        </>
      ) : null}
    </section>
  );
}

interface Detail extends Application {
  url: string | null;
  description: string | null;
  salary: string | null;
  workplace: string;
  error: string | null;
  history: { from: string | null; to: string; note: string | null; actor: string; at: string }[];
  questions: { id: number; question: string; type: string; answer: string | null; source: string }[];
  documents: { id: number; kind: string; content: string; format: string; created_at: string }[];
  notes: { id: number; content?: string; note?: string; created_at: string }[];
}

interface Screenshot {
  id: number;
  url?: string;
  created_at: string;
  caption?: string;
}

function safeUrl(u: string | null | undefined): string | null {
  if (!u) return null;
  try {
    const p = new URL(u, location.origin);
    return p.protocol === 'https:' || p.protocol === 'http:' ? p.href : null;
  } catch {
    return null;
  }
}

export function ApplicationDetail({ params }: { params: Record<string, string> }) {
  const id = Number(params.id);
  const d = useLoad(() => api.get<Detail>(`/job-applications/${id}`), [id]);
  const shots = useLoad(async () => (has('failure_screenshots') ? (await api.get<{ items: Screenshot[] }>(`/job-applications/${id}/screenshots`)).items : []), [id]);
  const [note, setNote] = useState('');
  const [statusNote, setStatusNote] = useState('');
  const addNote = useAction(async () => {
    await api.post(`/job-applications/${id}/notes`, { content: note });
    setNote('');
    d.reload();
  });
  const delNote = useAction(async (nid: number) => {
    await api.del(`/job-applications/${id}/notes/${nid}`);
    d.reload();
  });
  const change = useAction(async (s: string) => {
    await setStatus(id, s, statusNote || undefined);
    setStatusNote('');
    toast('Status changed to ' + statusLabel(s));
    d.reload();
  });
  if (d.error && d.error.status === 404) {
    return (
      <section>
        <PageHead title="Application not found" />
        <p>
          No application of yours has this number. <Link href="/applications">All applications</Link>
        </p>
      </section>
    );
  }
  if (!d.data) return d.error ? <ErrorNote error={d.error} /> : <Loading />;
  const a = d.data;
  const url = safeUrl(a.url);
  return (
    <section>
      <PageHead title={a.title}>
        <span class={'status s-' + a.status}>{statusLabel(a.status)}</span>
      </PageHead>
      <p class="sub">
        {a.company}
        {a.location ? ` · ${a.location}` : ''} · {a.board}
        {url && (
          <>
            {' · '}
            <a href={url} rel="noopener noreferrer" target="_blank">
              Posting
            </a>
          </>
        )}
      </p>
      {a.error && <p class="note error">Last error: {a.error}</p>}
      {a.status === 'awaiting_review' && <ReviewActions app={a} onDone={d.reload} />}
      <div class="grid2">
        <section class="card">
          <h2>Status</h2>
          <form
            onSubmit={(e) => {
              e.preventDefault();
              const s = (e.currentTarget.elements.namedItem('status') as HTMLSelectElement).value;
              void change.run(s);
            }}
          >
            <Field
              label="New status"
              name="status"
              error={change.error}
              render={(attrs) => (
                <select {...attrs} value={a.status}>
                  {USER_STATUSES.map((s) => (
                    <option key={s} value={s}>
                      {statusLabel(s)}
                    </option>
                  ))}
                </select>
              )}
            />
            <Field label="Note for the history (optional)" name="note" value={statusNote} error={change.error} onInput={(e) => setStatusNote(e.currentTarget.value)} />
            <ErrorNote error={change.error} fields={['status', 'note']} />
            <button type="submit" disabled={change.busy}>
              Change status
            </button>
          </form>
          <h3>History</h3>
          <ol class="history">
            {a.history.map((h, i) => (
              <li key={i}>
                <time dateTime={h.at}>{fmtDateTime(h.at)}</time>: {h.from ? `${statusLabel(h.from)} → ` : ''}
                <strong>{statusLabel(h.to)}</strong> <small>({h.actor})</small>
                {h.note && <p class="hist-note">{h.note}</p>}
              </li>
            ))}
          </ol>
        </section>
        <section class="card">
          <h2>Notes</h2>
          <ul class="notes">
            {a.notes.map((n) => (
              <li key={n.id}>
                <p>{n.content ?? n.note}</p>
                <small>{fmtDateTime(n.created_at)}</small>{' '}
                <button type="button" class="link" onClick={() => void delNote.run(n.id)}>
                  Delete note
                </button>
              </li>
            ))}
          </ul>
          <form
            onSubmit={(e) => {
              e.preventDefault();
              void addNote.run();
            }}
          >
            <Field label="Add a note" name="content" error={addNote.error} render={(attrs) => <textarea {...attrs} rows={3} value={note} onInput={(e) => setNote(e.currentTarget.value)} required />} />
            <ErrorNote error={addNote.error || delNote.error} fields={['content']} />
            <button type="submit" disabled={addNote.busy || !note.trim()}>
              Add note
            </button>
          </form>
        </section>
      </div>
      {a.description && (
        <details class="card">
          <summary>Job description</summary>
          <p class="pre">{a.description}</p>
        </details>
      )}
      <section class="card">
        <h2>Questions and answers</h2>
        {a.questions.length === 0 ? (
          <p>No questions were asked.</p>
        ) : (
          <dl class="qa">
            {a.questions.map((q) => (
              <div key={q.id}>
                <dt>{q.question}</dt>
                <dd>
                  {q.answer ?? <em>no answer</em>} <small>({q.source})</small>
                </dd>
              </div>
            ))}
          </dl>
        )}
      </section>
      <section class="card">
        <h2>Generated documents</h2>
        {a.documents.length === 0 ? (
          <p>None yet.</p>
        ) : (
          a.documents.map((doc) => (
            <details key={doc.id}>
              <summary>
                {statusLabel(doc.kind)} · {fmtDateTime(doc.created_at)}
              </summary>
              <p class="pre">{doc.content}</p>
            </details>
          ))
        )}
      </section>
      {has('failure_screenshots') && (
        <section class="card">
          <h2>Failure screenshots</h2>
          {(shots.data || []).length === 0 ? (
            <p>None.</p>
          ) : (
            <div class="shots">
              {shots.data!.map((s) => (
                <figure key={s.id}>
                  <ScreenshotImage appId={id} shot={s} />
                  <figcaption>{s.caption || fmtDateTime(s.created_at)}</figcaption>
                </figure>
              ))}
            </div>
          )}
        </section>
      )}
    </section>
  );
}

/** Screenshots need the bearer token, so they are fetched and shown
 * through a blob: URL rather than a plain src. */
function ScreenshotImage({ appId, shot }: { appId: number; shot: Screenshot }) {
  const src = useLoad(async () => {
    const { blob } = await api.blob(`/job-applications/${appId}/screenshots/${shot.id}`);
    return URL.createObjectURL(blob);
  }, [appId, shot.id]);
  return src.data ? <img src={src.data} alt={`Screenshot ${shot.caption || ''} taken ${fmtDateTime(shot.created_at)}`} /> : <span>{src.error ? src.error.message : 'Loading…'}</span>;
}

function ReviewActions({ app, onDone }: { app: Detail; onDone: () => void }) {
  const [reason, setReason] = useState('');
  const approve = useAction(async () => {
    await api.post(`/job-applications/${app.id}/approve`, {});
    toast('Approved: hawk submits it next');
    onDone();
  });
  const reject = useAction(async () => {
    await api.post(`/job-applications/${app.id}/reject`, reason ? { reason } : {});
    toast('Rejected');
    onDone();
  });
  const cover = app.documents.find((d) => d.kind === 'cover_letter');
  return (
    <section class="card review" aria-labelledby={`rev-${app.id}`}>
      <h2 id={`rev-${app.id}`}>Waiting for your review</h2>
      <p>This is what hawk would send to {app.company}:</p>
      <dl class="qa">
        {app.questions.map((q) => (
          <div key={q.id}>
            <dt>{q.question}</dt>
            <dd>{q.answer ?? <em>no answer</em>}</dd>
          </div>
        ))}
      </dl>
      {cover && (
        <details>
          <summary>Cover letter</summary>
          <p class="pre">{cover.content}</p>
        </details>
      )}
      <Field label="Reason (when rejecting)" name="reason" value={reason} error={reject.error} onInput={(e) => setReason(e.currentTarget.value)} />
      <ErrorNote error={approve.error || reject.error} fields={['reason']} />
      <div class="actions">
        <button type="button" class="primary" disabled={approve.busy} onClick={() => void approve.run()}>
          Approve and submit
        </button>
        <button type="button" class="danger" disabled={reject.busy} onClick={() => void reject.run()}>
          Reject
        </button>
      </div>
    </section>
  );
}

export function Review() {
  const list = useLoad(async () => {
    const p = await api.get<Page<Application>>('/job-applications?status=awaiting_review&per_page=20');
    return Promise.all(p.items.map((a) => api.get<Detail>(`/job-applications/${a.id}`)));
  }, []);
  return (
    <section>
      <PageHead title="Review before submit" />
      <p class="hint">
        Applications prepared with review on wait here. Turn review on or off in <Link href="/settings">Settings</Link>.
      </p>
      <ErrorNote error={list.error} />
      {list.loading && !list.data ? <Loading /> : list.data && list.data.length === 0 ? <p>Nothing waits for review.</p> : null}
      {(list.data || []).map((a) => (
        <article key={a.id} class="card">
          <h2>
            <Link href={`/applications/${a.id}`}>{a.title}</Link> <small>{a.company}</small>
          </h2>
          <ReviewActions app={a} onDone={list.reload} />
        </article>
      ))}
    </section>
  );
}

export function isNotFound(e: ApiError | null): boolean {
  return !!e && e.status === 404;
}
