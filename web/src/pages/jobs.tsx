// Jobs found for the user, with their scores, and the LLM buttons (score,
// write a cover letter, tailor the resume) that show the task's progress
// until its result is in.

import { useEffect, useRef, useState } from 'preact/hooks';
import { api, type Page } from '../api/client';
import type { ApiError } from '../api/errors';
import { finished, waitTask, type Enqueued, type Task } from '../api/tasks';
import { ErrorNote, Field, Link, Loading, PageHead, Pager } from '../components/ui';
import { useAction, useLoad } from '../hooks';
import { fmtDate } from '../lib/format';
import { navigate, query } from '../lib/router';
import { statusLabel } from '../lib/statuses';
import { toast } from '../state';

export interface Job {
  id: number;
  board: string;
  title: string;
  company: string;
  location: string | null;
  workplace: string;
  salary: string | null;
  url: string | null;
  found_at: string;
  score: { score: number; reasons?: string[]; missing_skills?: string[] } | number | null;
  application: { id: number; status: string } | null;
  description?: string | null;
}

function scoreOf(j: Job): number | null {
  if (j.score === null || j.score === undefined) return null;
  return typeof j.score === 'number' ? j.score : j.score.score;
}

const LABELS: Record<string, string> = { score: 'Score', 'cover-letter': 'Write cover letter', 'tailored-resume': 'Tailor resume' };

/** One LLM action on a job: the button, then the task's progress, then
 * its result or error. */
export function TaskButton({ jobId, action, onDone }: { jobId: number; action: 'score' | 'cover-letter' | 'tailored-resume'; onDone?: (t: Task) => void }) {
  const [task, setTask] = useState<Task | null>(null);
  const [err, setErr] = useState<ApiError | null>(null);
  const stop = useRef({ stop: false });
  useEffect(() => () => void (stop.current.stop = true), []);
  const start = useAction(async () => {
    setErr(null);
    setTask(null);
    const q = await api.post<Enqueued>(`/jobs/${jobId}/${action}`, {});
    const t = await waitTask(q.task_id, setTask, stop.current);
    if (t.state === 'done') onDone?.(t);
  });
  const running = start.busy || (task !== null && !finished(task));
  const e = start.error || err;
  return (
    <div class="task">
      <button type="button" onClick={() => void start.run()} disabled={running} aria-describedby={`task-${jobId}-${action}`}>
        {LABELS[action]}
      </button>
      <span id={`task-${jobId}-${action}`} class="task-state" role="status">
        {running && (
          <>
            <progress max={100} value={task?.progress || undefined} aria-label={`${LABELS[action]} progress`} /> {task?.progress_message || (task ? statusLabel(task.state) : 'Starting')}…
          </>
        )}
        {task && task.state === 'done' && 'Done'}
        {task && task.state === 'dead' && <span class="error-text">Failed: {task.error || 'the task gave up'}</span>}
        {task && task.state === 'cancelled' && 'Cancelled'}
      </span>
      <ErrorNote error={e} />
    </div>
  );
}

export function JobsList() {
  const [f, setF] = useState({ q: '', min_score: '', not_applied: false, page: 1, sort: 'found' });
  const qs = query({ q: f.q, min_score: f.min_score, not_applied: f.not_applied ? 'true' : '', page: f.page, per_page: 25, sort: f.sort });
  const list = useLoad(() => api.get<Page<Job>>('/jobs' + qs), [qs]);
  const [adding, setAdding] = useState(false);
  return (
    <section>
      <PageHead title="Jobs">
        <button type="button" onClick={() => setAdding(!adding)} aria-expanded={adding}>
          Add a job by hand
        </button>
      </PageHead>
      {adding && <AddJob onDone={(id) => navigate(`/jobs/${id}`)} />}
      <form class="filters" role="search" onSubmit={(e) => e.preventDefault()}>
        <Field label="Search" name="q" type="search" value={f.q} error={list.error} onInput={(e) => setF({ ...f, q: e.currentTarget.value, page: 1 })} />
        <Field label="Minimum score" name="min_score" type="number" min={0} max={100} value={f.min_score} error={list.error} onInput={(e) => setF({ ...f, min_score: e.currentTarget.value, page: 1 })} />
        <Field
          label="Sort by"
          name="sort"
          error={list.error}
          render={(a) => (
            <select {...a} value={f.sort} onChange={(e) => setF({ ...f, sort: e.currentTarget.value, page: 1 })}>
              <option value="found">Newest found</option>
              <option value="score">Best score</option>
              <option value="posted">Newest posted</option>
            </select>
          )}
        />
        <div class="field check">
          <input id="not-applied" type="checkbox" checked={f.not_applied} onChange={(e) => setF({ ...f, not_applied: e.currentTarget.checked, page: 1 })} />
          <label for="not-applied">Only jobs without an application</label>
        </div>
      </form>
      <ErrorNote error={list.error} fields={['q', 'min_score', 'sort']} />
      {list.loading && !list.data ? (
        <Loading />
      ) : list.data && list.data.items.length === 0 ? (
        <p>
          No jobs yet. Jobs arrive from your <Link href="/searches">job searches</Link> when a <Link href="/workflows">workflow</Link> runs, or add one by hand.
        </p>
      ) : list.data ? (
        <>
          <ul class="job-list">
            {list.data.items.map((j) => (
              <li key={j.id} class="card job">
                <div class="job-main">
                  <h2>
                    <Link href={`/jobs/${j.id}`}>{j.title}</Link>
                  </h2>
                  <p class="sub">
                    {j.company}
                    {j.location ? ` · ${j.location}` : ''} · {j.board} · found {fmtDate(j.found_at)}
                  </p>
                </div>
                <div class="job-score" aria-label="Score">
                  {scoreOf(j) === null ? <span class="muted">not scored</span> : <span class="score">{scoreOf(j)}/100</span>}
                </div>
                <div class="job-actions">
                  <TaskButton jobId={j.id} action="score" onDone={() => list.reload()} />
                  {j.application ? (
                    <Link href={`/applications/${j.application.id}`}>Application: {statusLabel(j.application.status)}</Link>
                  ) : (
                    <RecordButton jobId={j.id} onDone={() => list.reload()} />
                  )}
                </div>
              </li>
            ))}
          </ul>
          <Pager page={list.data.page} pages={list.data.pages} onPage={(p) => setF({ ...f, page: p })} />
        </>
      ) : null}
    </section>
  );
}

function RecordButton({ jobId, onDone }: { jobId: number; onDone: () => void }) {
  const act = useAction(async () => {
    await api.post('/job-applications', { job_id: jobId, status: 'applied' });
    toast('Application recorded');
    onDone();
  });
  return (
    <>
      <button type="button" onClick={() => void act.run()} disabled={act.busy}>
        Record application
      </button>
      <ErrorNote error={act.error} />
    </>
  );
}

function AddJob({ onDone }: { onDone: (id: number) => void }) {
  const [f, setF] = useState({ title: '', company: '', location: '', url: '', description: '' });
  const act = useAction(async () => {
    const body: Record<string, string> = {};
    for (const [k, v] of Object.entries(f)) if (v.trim()) body[k] = v.trim();
    const j = await api.post<Job>('/jobs', body);
    onDone(j.id);
  });
  const set = (k: keyof typeof f) => (e: Event) => setF({ ...f, [k]: (e.currentTarget as HTMLInputElement).value });
  return (
    <form
      class="card"
      onSubmit={(e) => {
        e.preventDefault();
        void act.run();
      }}
    >
      <h2>Add a job</h2>
      <div class="row">
        <Field label="Title" name="title" required value={f.title} error={act.error} onInput={set('title')} />
        <Field label="Company" name="company" required value={f.company} error={act.error} onInput={set('company')} />
      </div>
      <div class="row">
        <Field label="Location" name="location" value={f.location} error={act.error} onInput={set('location')} />
        <Field label="Posting URL" name="url" type="url" value={f.url} error={act.error} onInput={set('url')} />
      </div>
      <Field label="Description" name="description" error={act.error} render={(a) => <textarea {...a} rows={5} value={f.description} onInput={set('description')} />} />
      <ErrorNote error={act.error} fields={Object.keys(f)} />
      <button type="submit" class="primary" disabled={act.busy}>
        Add job
      </button>
    </form>
  );
}

export function JobDetail({ params }: { params: Record<string, string> }) {
  const id = Number(params.id);
  const job = useLoad(() => api.get<Job>(`/jobs/${id}`), [id]);
  const [letter, setLetter] = useState<string | null>(null);
  const [tailored, setTailored] = useState<unknown>(null);
  if (job.error && job.error.status === 404)
    return (
      <section>
        <PageHead title="Job not found" />
        <p>
          No job of yours has this number. <Link href="/jobs">All jobs</Link>
        </p>
      </section>
    );
  if (!job.data) return job.error ? <ErrorNote error={job.error} /> : <Loading />;
  const j = job.data;
  const sc = typeof j.score === 'object' && j.score ? j.score : null;
  const text = (r: unknown, k: string) => (r && typeof r === 'object' && typeof (r as Record<string, unknown>)[k] === 'string' ? ((r as Record<string, unknown>)[k] as string) : JSON.stringify(r, null, 2));
  return (
    <section>
      <PageHead title={j.title} />
      <p class="sub">
        {j.company}
        {j.location ? ` · ${j.location}` : ''} · {j.workplace} {j.salary ? ` · ${j.salary}` : ''}
      </p>
      <div class="card">
        <h2>Score</h2>
        {scoreOf(j) === null ? (
          <p>Not scored yet.</p>
        ) : (
          <>
            <p class="score big">{scoreOf(j)}/100</p>
            {sc?.reasons && sc.reasons.length > 0 && (
              <ul>
                {sc.reasons.map((r, i) => (
                  <li key={i}>{String(r)}</li>
                ))}
              </ul>
            )}
            {sc?.missing_skills && sc.missing_skills.length > 0 && <p>Missing skills: {sc.missing_skills.map(String).join(', ')}</p>}
          </>
        )}
        <div class="actions">
          <TaskButton jobId={id} action="score" onDone={() => job.reload()} />
          <TaskButton jobId={id} action="cover-letter" onDone={(t) => setLetter(text(t.result, 'content'))} />
          <TaskButton jobId={id} action="tailored-resume" onDone={(t) => setTailored(t.result)} />
        </div>
        {j.application ? (
          <p>
            <Link href={`/applications/${j.application.id}`}>Application: {statusLabel(j.application.status)}</Link>
          </p>
        ) : (
          <RecordButton jobId={id} onDone={() => job.reload()} />
        )}
      </div>
      {letter && (
        <section class="card">
          <h2>Cover letter</h2>
          <p class="pre">{letter}</p>
        </section>
      )}
      {tailored !== null && (
        <section class="card">
          <h2>Tailored resume</h2>
          <pre class="pre">{JSON.stringify(tailored, null, 2)}</pre>
        </section>
      )}
      {j.description && (
        <section class="card">
          <h2>Description</h2>
          <p class="pre">{j.description}</p>
        </section>
      )}
    </section>
  );
}
