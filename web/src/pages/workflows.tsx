// Workflows: the list, and one run with its log.

import { api, type Page } from '../api/client';
import type { Run, Workflow } from '../api/workflows';
import { ErrorNote, Link, Loading, PageHead } from '../components/ui';
import { useLoad } from '../hooks';
import { fmtDateTime } from '../lib/format';
import { statusLabel } from '../lib/statuses';

export function WorkflowList() {
  const list = useLoad(() => api.get<Page<Workflow>>('/workflows?per_page=100'), []);
  return (
    <section>
      <PageHead title="Workflows">
        <Link href="/workflows/new" class="button primary">
          New workflow
        </Link>
      </PageHead>
      <p class="hint">A workflow is a Lua script that decides what to search, what to skip, how to score and when to run.</p>
      <ErrorNote error={list.error} />
      {list.loading && !list.data ? (
        <Loading />
      ) : list.data && list.data.items.length === 0 ? (
        <p>No workflow yet.</p>
      ) : (
        <div class="table-wrap">
          <table class="data">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Schedule</th>
                <th scope="col">Next run</th>
                <th scope="col">Last run</th>
              </tr>
            </thead>
            <tbody>
              {(list.data?.items || []).map((w) => (
                <tr key={w.id}>
                  <td>
                    <Link href={`/workflows/${w.id}`}>{w.name}</Link> {!w.enabled && <span class="badge">paused</span>}
                  </td>
                  <td>{w.schedule?.cron ? `${w.schedule.cron} (${w.schedule.tz || 'UTC'})` : w.schedule?.next_run_function ? 'next_run()' : 'manual'}</td>
                  <td>{fmtDateTime(w.next_run_at)}</td>
                  <td>{fmtDateTime(w.last_run_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

export function RunLog({ run }: { run: Run }) {
  return (
    <div>
      <p>
        <span class={'status s-' + run.status}>{statusLabel(run.status)}</span> {run.dry_run && <span class="badge">dry run</span>} · {run.trigger} · started {fmtDateTime(run.created_at)}
        {run.duration_ms !== null && ` · ${run.duration_ms} ms`}
      </p>
      <p>
        Searched {run.counts.searched}, skipped {run.counts.skipped}, scored {run.counts.scored}, applied {run.counts.applied}
      </p>
      {run.error && (
        <p class="note error">
          {run.error_line ? `Line ${run.error_line}: ` : ''}
          {run.error}
        </p>
      )}
      {run.traceback && <pre class="pre">{run.traceback}</pre>}
      <ol class="log">
        {(run.log || []).map((l, i) => (
          <li key={i} class={'log-' + l.level}>
            <time dateTime={l.time}>{l.time.slice(11, 23)}</time> <span class="lvl">{l.level}</span> {l.msg}
            {l.fields !== undefined && l.fields !== null && <code> {JSON.stringify(l.fields)}</code>}
          </li>
        ))}
      </ol>
    </div>
  );
}

export function RunDetail({ params }: { params: Record<string, string> }) {
  const run = useLoad(() => api.get<Run>(`/workflows/${params.id}/runs/${params.run}`), [params.id, params.run]);
  return (
    <section>
      <PageHead title={`Run ${params.run}`}>
        <Link href={`/workflows/${params.id}`} class="button">
          Back to the workflow
        </Link>
      </PageHead>
      <ErrorNote error={run.error} />
      {run.data ? <RunLog run={run.data} /> : !run.error && <Loading />}
    </section>
  );
}
