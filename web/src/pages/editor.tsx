// The workflow editor: CodeMirror with Lua highlighting and completions
// from hawk.meta.lua, save with the server's check (errors shown on their
// line), dry run with its log, and the run history.  Loaded only when
// opened: the editor is the heaviest part of the pages.

import { autocompletion, type CompletionContext } from '@codemirror/autocomplete';
import { defaultKeymap, history, historyKeymap, indentWithTab } from '@codemirror/commands';
import { StreamLanguage, bracketMatching, defaultHighlightStyle, indentOnInput, syntaxHighlighting } from '@codemirror/language';
import { lua } from '@codemirror/legacy-modes/mode/lua';
import { lintGutter, setDiagnostics, type Diagnostic } from '@codemirror/lint';
import { EditorState } from '@codemirror/state';
import { EditorView, keymap, lineNumbers, highlightActiveLine } from '@codemirror/view';
import luaApi from 'virtual:hawk-lua-api';
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, type Page } from '../api/client';
import { ApiError } from '../api/errors';
import { runFinished, type Run, type Workflow } from '../api/workflows';
import { ErrorNote, Field, Link, Loading, PageHead } from '../components/ui';
import { useAction, useLoad } from '../hooks';
import type { LuaApiEntry } from '../lib/luaMeta';
import { fmtDateTime } from '../lib/format';
import { navigate } from '../lib/router';
import { statusLabel } from '../lib/statuses';
import { toast } from '../state';
import { RunLog } from './workflows';

const TEMPLATE = `-- A workflow: search, skip what does not fit, score, apply.
schedule = { cron = "30 8 * * 1-5", tz = "UTC" }

function run()
  local cfg = hawk.config()
  for _, job in ipairs(hawk.search({ keywords = "backend engineer", limit = 10 })) do
    if not hawk.applied(job) then
      local s = hawk.llm.score(job)
      hawk.log("scored", { title = job.title, score = s.score })
    end
  end
end
`;

function luaCompletions(entries: LuaApiEntry[]) {
  return (ctx: CompletionContext) => {
    const word = ctx.matchBefore(/[A-Za-z_][\w.]*/);
    if (!word || (word.from === word.to && !ctx.explicit)) return null;
    return {
      from: word.from,
      options: entries.map((e) => ({ label: e.name, detail: e.signature.slice(e.name.length), info: e.doc || undefined, type: 'function', apply: e.name })),
      validFor: /^[\w.]*$/,
    };
  };
}

/** The character range of a 1-based line, for a diagnostic. */
function lineRange(view: EditorView, line: number): { from: number; to: number } {
  const n = Math.min(Math.max(1, line), view.state.doc.lines);
  const l = view.state.doc.line(n);
  return { from: l.from, to: Math.max(l.from, l.to) };
}

export function WorkflowEditor({ params }: { params: Record<string, string> }) {
  const id = params.id ? Number(params.id) : null;
  const wf = useLoad(async () => (id ? api.get<Workflow>(`/workflows/${id}`) : ({ id: 0, name: '', enabled: true, source: TEMPLATE } as Workflow)), [id]);
  if (wf.error?.status === 404)
    return (
      <section>
        <PageHead title="Workflow not found" />
        <p>
          No workflow of yours has this number. <Link href="/workflows">All workflows</Link>
        </p>
      </section>
    );
  if (!wf.data) return wf.error ? <ErrorNote error={wf.error} /> : <Loading />;
  return <EditorForm key={wf.data.id} initial={wf.data} />;
}

function EditorForm({ initial }: { initial: Workflow }) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const [name, setName] = useState(initial.name);
  const [errLine, setErrLine] = useState<number | null>(null);
  const [run, setRun] = useState<Run | null>(null);
  const [wf, setWf] = useState<Workflow>(initial);
  const runs = useLoad(async () => (wf.id ? api.get<Page<Run>>(`/workflows/${wf.id}/runs?per_page=10`) : null), [wf.id, run?.status]);

  useEffect(() => {
    if (!host.current) return;
    // CodeMirror injects its styles at run time.  In a document that means
    // <style> elements, which the strict CSP refuses; in a shadow root it
    // uses constructed style sheets, which the CSP allows.
    const shadow = host.current.shadowRoot || host.current.attachShadow({ mode: 'open' });
    const parent = document.createElement('div');
    shadow.appendChild(parent);
    const v = new EditorView({
      parent,
      root: shadow,
      state: EditorState.create({
        doc: initial.source || '',
        extensions: [
          lineNumbers(),
          history(),
          highlightActiveLine(),
          bracketMatching(),
          indentOnInput(),
          StreamLanguage.define(lua),
          syntaxHighlighting(defaultHighlightStyle),
          autocompletion({ override: [luaCompletions(luaApi as LuaApiEntry[])] }),
          lintGutter(),
          EditorView.theme({
            '&': { minHeight: '18rem', fontSize: '0.95rem' },
            '.cm-scroller': { fontFamily: 'ui-monospace, Menlo, Consolas, monospace', minHeight: '18rem' },
            '&.cm-focused': { outline: '3px solid #b35c00' },
          }),
          keymap.of([...defaultKeymap, ...historyKeymap, indentWithTab]),
          EditorView.contentAttributes.of({ 'aria-label': 'Lua source of the workflow', 'aria-describedby': 'editor-help' }),
          EditorView.updateListener.of((u) => {
            if (u.docChanged) {
              setErrLine(null);
              u.view.dispatch(setDiagnostics(u.state, []));
            }
          }),
        ],
      }),
    });
    view.current = v;
    return () => {
      v.destroy();
      parent.remove();
    };
  }, []);

  function showError(e: unknown) {
    const v = view.current;
    if (!(e instanceof ApiError) || !v) return;
    const line = typeof e.detail.line === 'number' ? e.detail.line : null;
    setErrLine(line);
    if (line) {
      const r = lineRange(v, line);
      const d: Diagnostic = { ...r, severity: 'error', message: e.message };
      v.dispatch(setDiagnostics(v.state, [d]));
      v.dispatch({ selection: { anchor: r.from }, scrollIntoView: true });
    }
  }

  const save = useAction(async () => {
    const source = view.current?.state.doc.toString() || '';
    try {
      const out = wf.id ? await api.put<Workflow>(`/workflows/${wf.id}`, { name, source }) : await api.post<Workflow>('/workflows', { name, source });
      setWf(out);
      toast('Saved: the script checks out');
      // the address names the new workflow; the editor stays mounted so a
      // dry run started with this save goes on showing its log
      if (!wf.id) window.history.replaceState(null, '', `/app/workflows/${out.id}`);
      return out;
    } catch (e) {
      showError(e);
      throw e;
    }
  });
  const dry = useAction(async (dryRun: boolean) => {
    // run what is in the editor: save (and check) it first; a script that
    // does not check out is not run, its error is on its line
    const target = await save.run();
    if (!target) return;
    let r = await api.post<Run>(`/workflows/${target.id}/run`, { dry_run: dryRun });
    setRun(r);
    let delay = 300;
    while (!runFinished(r)) {
      await new Promise((res) => setTimeout(res, delay));
      delay = Math.min(2000, delay * 1.5);
      r = await api.get<Run>(`/workflows/${target.id}/runs/${r.id}`);
      setRun(r);
    }
    if (r.error_line && view.current) {
      const rr = lineRange(view.current, r.error_line);
      view.current.dispatch(setDiagnostics(view.current.state, [{ ...rr, severity: 'error', message: r.error || 'error' }]));
    }
  });
  const toggle = useAction(async () => {
    const out = await api.patch<Workflow>(`/workflows/${wf.id}`, { enabled: !wf.enabled });
    setWf({ ...wf, ...out });
  });
  const del = useAction(async () => {
    if (!confirm('Delete this workflow and its run history?')) return;
    await api.del(`/workflows/${wf.id}`);
    navigate('/workflows');
  });
  return (
    <section>
      <PageHead title={wf.id ? wf.name : 'New workflow'}>
        {wf.id > 0 && (
          <button type="button" onClick={() => void toggle.run()}>
            {wf.enabled ? 'Pause schedule' : 'Resume schedule'}
          </button>
        )}
      </PageHead>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void save.run();
        }}
      >
        <Field label="Name" name="name" required value={name} error={save.error} onInput={(e) => setName(e.currentTarget.value)} />
        <p id="editor-help" class="hint">
          Lua 5.4. Ctrl+Space completes the hawk API; Tab indents (Escape then Tab leaves the editor). Saving checks the script.
        </p>
        <div class={'editor' + (errLine ? ' has-error' : '')} ref={host} />
        {errLine && (
          <p class="field-error" role="alert" id="editor-error">
            Line {errLine}: {save.error?.message || dry.error?.message}
          </p>
        )}
        <ErrorNote error={errLine ? null : save.error || dry.error || toggle.error || del.error} fields={['name']} />
        <div class="actions">
          <button type="submit" class="primary" disabled={save.busy}>
            {save.busy ? 'Checking…' : 'Save and check'}
          </button>
          <button type="button" onClick={() => void dry.run(true)} disabled={dry.busy}>
            Dry run
          </button>
          <button type="button" onClick={() => void dry.run(false)} disabled={dry.busy}>
            Run now
          </button>
          {wf.id > 0 && (
            <button type="button" class="danger" onClick={() => void del.run()}>
              Delete
            </button>
          )}
        </div>
      </form>
      {wf.next_runs && wf.next_runs.length > 0 && (
        <p class="hint">Next runs: {wf.next_runs.slice(0, 3).map(fmtDateTime).join(', ')}</p>
      )}
      {run && (
        <section class="card" aria-live="polite">
          <h2>{run.dry_run ? 'Dry run' : 'Run'} {run.id}</h2>
          <RunLog run={run} />
        </section>
      )}
      {runs.data && runs.data.items.length > 0 && (
        <section class="card">
          <h2>Run history</h2>
          <ul>
            {runs.data.items.map((r) => (
              <li key={r.id}>
                <Link href={`/workflows/${wf.id}/runs/${r.id}`}>Run {r.id}</Link>: {statusLabel(r.status)}
                {r.dry_run ? ' (dry run)' : ''}, {fmtDateTime(r.created_at)}
              </li>
            ))}
          </ul>
        </section>
      )}
    </section>
  );
}
