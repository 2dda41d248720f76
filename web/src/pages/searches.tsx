// Job searches (job configs): every filter the server knows, with a live
// preview of which sample titles the blacklists would drop.

import { useMemo, useState } from 'preact/hooks';
import { api, type Page } from '../api/client';
import { ErrorNote, Field, Link, Loading, PageHead } from '../components/ui';
import { useAction, useLoad } from '../hooks';
import { badEntries, firstHit, parseLines } from '../lib/blacklist';
import { navigate } from '../lib/router';
import { toast } from '../state';

interface Search {
  location: string;
  positions: string[];
}

export interface JobConfig {
  id: number;
  name: string;
  is_active: boolean;
  is_default: boolean;
  remote?: boolean;
  hybrid?: boolean;
  onsite?: boolean;
  distance?: number;
  apply_once_at_company?: boolean;
  experience_levels?: string[];
  job_types?: string[];
  date_filter?: string;
  searches?: Search[];
  company_blacklist?: string[];
  title_blacklist?: string[];
  location_blacklist?: string[];
  description_blacklist?: string[];
  title_whitelist?: string[];
  job_applicants_threshold?: { min?: number; max?: number } | null;
  max_applications_per_run?: number;
}

const LEVELS = ['internship', 'entry', 'associate', 'mid_senior', 'director', 'executive'];
const TYPES = ['full_time', 'part_time', 'contract', 'temporary', 'internship', 'volunteer', 'other'];
const DATES = [
  ['24_hours', 'Past 24 hours'],
  ['week', 'Past week'],
  ['month', 'Past month'],
  ['all_time', 'Any time'],
];
const LISTS = [
  ['title_blacklist', 'Skip titles containing'],
  ['company_blacklist', 'Skip companies'],
  ['location_blacklist', 'Skip locations'],
  ['description_blacklist', 'Skip descriptions containing'],
  ['title_whitelist', 'Only titles containing (empty: any)'],
] as const;

const SAMPLE_TITLES = ['Senior Backend Engineer', 'Junior Frontend Developer', 'Staff Software Engineer (C/C++)', 'Sales Manager', 'Engineering Intern', 'Data Scientist'];

const label = (s: string) => s.replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase());

export function SearchList() {
  const list = useLoad(() => api.get<Page<JobConfig>>('/job-configs?per_page=100'), []);
  return (
    <section>
      <PageHead title="Job searches">
        <Link href="/searches/new" class="button primary">
          New job search
        </Link>
      </PageHead>
      <ErrorNote error={list.error} />
      {list.loading && !list.data ? (
        <Loading />
      ) : list.data && list.data.items.length === 0 ? (
        <p>No job search yet. A job search says what to look for and what to skip.</p>
      ) : (
        <ul class="cards">
          {(list.data?.items || []).map((c) => (
            <li key={c.id} class="card">
              <h2>
                <Link href={`/searches/${c.id}`}>{c.name}</Link>
              </h2>
              <p class="sub">
                {c.is_active ? 'Active' : 'Paused'}
                {c.is_default ? ' · default' : ''} · {(c.searches || []).map((s) => `${s.positions.join(', ')} in ${s.location}`).join('; ') || 'no searches'}
              </p>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

type Draft = Omit<JobConfig, 'id'> & { lists: Record<string, string>; searchText: { location: string; positions: string }[] };

function toDraft(c?: JobConfig): Draft {
  const base: JobConfig = c || { id: 0, name: '', is_active: true, is_default: false, remote: true, hybrid: true, onsite: true, distance: 50, experience_levels: [], job_types: [], date_filter: 'week', searches: [{ location: '', positions: [] }] };
  const lists: Record<string, string> = {};
  for (const [k] of LISTS) lists[k] = ((base[k] as string[] | undefined) || []).join('\n');
  return { ...base, lists, searchText: (base.searches?.length ? base.searches : [{ location: '', positions: [] }]).map((s) => ({ location: s.location, positions: s.positions.join(', ') })) };
}

function fromDraft(d: Draft): Record<string, unknown> {
  const out: Record<string, unknown> = {
    name: d.name,
    is_active: d.is_active,
    is_default: d.is_default,
    remote: !!d.remote,
    hybrid: !!d.hybrid,
    onsite: !!d.onsite,
    distance: Number(d.distance) || 0,
    apply_once_at_company: !!d.apply_once_at_company,
    experience_levels: d.experience_levels || [],
    job_types: d.job_types || [],
    date_filter: d.date_filter || 'all_time',
    searches: d.searchText
      .map((s) => ({ location: s.location.trim(), positions: s.positions.split(',').map((p) => p.trim()).filter(Boolean) }))
      .filter((s) => s.location || s.positions.length),
  };
  for (const [k] of LISTS) out[k] = parseLines(d.lists[k] || '');
  if (d.max_applications_per_run) out.max_applications_per_run = Number(d.max_applications_per_run);
  const th = d.job_applicants_threshold;
  out.job_applicants_threshold = th && (th.min !== undefined || th.max !== undefined) ? th : null;
  return out;
}

export function SearchEdit({ params }: { params: Record<string, string> }) {
  const id = params.id ? Number(params.id) : null;
  const loaded = useLoad(async () => (id ? toDraft(await api.get<JobConfig>(`/job-configs/${id}`)) : toDraft()), [id]);
  if (!loaded.data) return loaded.error ? <ErrorNote error={loaded.error} /> : <Loading />;
  return <SearchForm id={id} initial={loaded.data} />;
}

function SearchForm({ id, initial }: { id: number | null; initial: Draft }) {
  const [d, setD] = useState<Draft>(initial);
  const [samples, setSamples] = useState(SAMPLE_TITLES.join('\n'));
  const [server, setServer] = useState<{ title: string; would_apply: boolean; reason: string | null }[] | null>(null);
  const save = useAction(async () => {
    const body = fromDraft(d);
    const saved = id ? await api.put<JobConfig>(`/job-configs/${id}`, body) : await api.post<JobConfig>('/job-configs', body);
    toast('Job search saved');
    if (!id) navigate(`/searches/${saved.id}`, true);
  });
  const del = useAction(async () => {
    if (!id || !confirm('Delete this job search?')) return;
    await api.del(`/job-configs/${id}`);
    navigate('/searches');
  });
  const check = useAction(async () => {
    if (!id) return;
    const out = [];
    for (const title of parseLines(samples)) {
      const r = await api.post<{ would_apply: boolean; reason: string | null }>(`/job-configs/${id}/preview`, { title });
      out.push({ title, would_apply: r.would_apply, reason: r.reason });
    }
    setServer(out);
  });
  const preview = useMemo(() => {
    const tb = parseLines(d.lists.title_blacklist || '');
    const tw = parseLines(d.lists.title_whitelist || '');
    return parseLines(samples).map((t) => {
      const hit = firstHit(tb, t);
      if (hit) return { title: t, dropped: true, why: `title blacklist: "${hit.entry}"` };
      if (tw.length && !firstHit(tw, t)) return { title: t, dropped: true, why: 'not in the title whitelist' };
      return { title: t, dropped: false, why: '' };
    });
  }, [d.lists, samples]);
  const bad = LISTS.flatMap(([k]) => badEntries(parseLines(d.lists[k] || '')).map((e) => `${e} (in ${label(k)})`));
  const toggle = (key: 'experience_levels' | 'job_types', v: string) => {
    const cur = new Set(d[key] || []);
    if (cur.has(v)) cur.delete(v);
    else cur.add(v);
    setD({ ...d, [key]: Array.from(cur) });
  };
  const check1 = (k: 'remote' | 'hybrid' | 'onsite' | 'is_active' | 'is_default' | 'apply_once_at_company', text: string) => (
    <div class="field check">
      <input id={`cfg-${k}`} type="checkbox" checked={!!d[k]} onChange={(e) => setD({ ...d, [k]: e.currentTarget.checked })} />
      <label for={`cfg-${k}`}>{text}</label>
    </div>
  );
  return (
    <section>
      <PageHead title={id ? d.name || 'Job search' : 'New job search'} />
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void save.run();
        }}
      >
        <div class="card">
          <Field label="Name" name="name" required value={d.name} error={save.error} onInput={(e) => setD({ ...d, name: e.currentTarget.value })} />
          {check1('is_active', 'Active')}
          {check1('is_default', 'Default search')}
        </div>
        <fieldset class="card">
          <legend>What to search</legend>
          {d.searchText.map((s, i) => (
            <div class="row" key={i}>
              <Field label={`Positions (comma separated), search ${i + 1}`} name={`searches[${i}].positions`} value={s.positions} error={save.error} onInput={(e) => setD({ ...d, searchText: d.searchText.map((x, j) => (j === i ? { ...x, positions: e.currentTarget.value } : x)) })} />
              <Field label={`Location, search ${i + 1}`} name={`searches[${i}].location`} value={s.location} error={save.error} onInput={(e) => setD({ ...d, searchText: d.searchText.map((x, j) => (j === i ? { ...x, location: e.currentTarget.value } : x)) })} />
              {d.searchText.length > 1 && (
                <button type="button" class="link" onClick={() => setD({ ...d, searchText: d.searchText.filter((_, j) => j !== i) })}>
                  Remove search {i + 1}
                </button>
              )}
            </div>
          ))}
          <button type="button" onClick={() => setD({ ...d, searchText: [...d.searchText, { location: '', positions: '' }] })}>
            Add a search
          </button>
        </fieldset>
        <fieldset class="card">
          <legend>Where and when</legend>
          {check1('remote', 'Remote')}
          {check1('hybrid', 'Hybrid')}
          {check1('onsite', 'On site')}
          <Field label="Distance (miles)" name="distance" type="number" min={0} max={500} value={String(d.distance ?? '')} error={save.error} onInput={(e) => setD({ ...d, distance: Number(e.currentTarget.value) })} />
          <Field
            label="Posted"
            name="date_filter"
            error={save.error}
            render={(a) => (
              <select {...a} value={d.date_filter} onChange={(e) => setD({ ...d, date_filter: e.currentTarget.value })}>
                {DATES.map(([v, t]) => (
                  <option key={v} value={v}>
                    {t}
                  </option>
                ))}
              </select>
            )}
          />
        </fieldset>
        <fieldset class="card">
          <legend>Experience levels</legend>
          <div class="checks">
            {LEVELS.map((l) => (
              <div class="field check" key={l}>
                <input id={`lvl-${l}`} type="checkbox" checked={(d.experience_levels || []).includes(l)} onChange={() => toggle('experience_levels', l)} />
                <label for={`lvl-${l}`}>{label(l)}</label>
              </div>
            ))}
          </div>
        </fieldset>
        <fieldset class="card">
          <legend>Job types</legend>
          <div class="checks">
            {TYPES.map((t) => (
              <div class="field check" key={t}>
                <input id={`type-${t}`} type="checkbox" checked={(d.job_types || []).includes(t)} onChange={() => toggle('job_types', t)} />
                <label for={`type-${t}`}>{label(t)}</label>
              </div>
            ))}
          </div>
        </fieldset>
        <fieldset class="card">
          <legend>What to skip</legend>
          <p class="hint">One entry per line: a phrase (whole words, any case) or /regex/.</p>
          <div class="grid2">
            {LISTS.map(([k, t]) => (
              <Field key={k} label={t} name={k} error={save.error} render={(a) => <textarea {...a} rows={4} value={d.lists[k]} onInput={(e) => setD({ ...d, lists: { ...d.lists, [k]: e.currentTarget.value } })} />} />
            ))}
          </div>
          {bad.length > 0 && (
            <p class="field-error" role="alert">
              These patterns do not compile: {bad.join(', ')}
            </p>
          )}
          {check1('apply_once_at_company', 'Apply at most once per company')}
          <div class="row">
            <Field label="Fewest applicants" name="job_applicants_threshold.min" type="number" min={0} value={String(d.job_applicants_threshold?.min ?? '')} error={save.error} onInput={(e) => setD({ ...d, job_applicants_threshold: { ...(d.job_applicants_threshold || {}), min: e.currentTarget.value === '' ? undefined : Number(e.currentTarget.value) } })} />
            <Field label="Most applicants" name="job_applicants_threshold.max" type="number" min={0} value={String(d.job_applicants_threshold?.max ?? '')} error={save.error} onInput={(e) => setD({ ...d, job_applicants_threshold: { ...(d.job_applicants_threshold || {}), max: e.currentTarget.value === '' ? undefined : Number(e.currentTarget.value) } })} />
            <Field label="Applications per run (at most)" name="max_applications_per_run" type="number" min={1} max={1000} value={String(d.max_applications_per_run ?? '')} error={save.error} onInput={(e) => setD({ ...d, max_applications_per_run: e.currentTarget.value === '' ? undefined : Number(e.currentTarget.value) })} />
          </div>
        </fieldset>
        <section class="card" aria-labelledby="preview-h">
          <h2 id="preview-h">Preview: which sample titles would be dropped</h2>
          <Field label="Sample titles (one per line)" name="samples" render={(a) => <textarea {...a} rows={4} value={samples} onInput={(e) => setSamples(e.currentTarget.value)} />} />
          <ul class="preview" aria-live="polite">
            {preview.map((p) => (
              <li key={p.title} class={p.dropped ? 'dropped' : 'kept'}>
                <span aria-hidden="true">{p.dropped ? '✗' : '✓'}</span> {p.title} <small>{p.dropped ? `dropped: ${p.why}` : 'kept'}</small>
              </li>
            ))}
          </ul>
          {id && (
            <>
              <button type="button" onClick={() => void check.run()} disabled={check.busy}>
                Check the saved search on the server
              </button>
              <ErrorNote error={check.error} />
              {server && (
                <ul class="preview">
                  {server.map((p) => (
                    <li key={p.title} class={p.would_apply ? 'kept' : 'dropped'}>
                      {p.title}: {p.would_apply ? 'would apply' : `skipped (${p.reason})`}
                    </li>
                  ))}
                </ul>
              )}
            </>
          )}
        </section>
        <ErrorNote error={save.error} fields={['name', 'searches', 'distance', 'date_filter', 'job_applicants_threshold', 'max_applications_per_run', ...LISTS.map(([k]) => k)]} />
        <div class="actions sticky">
          <button type="submit" class="primary" disabled={save.busy}>
            {save.busy ? 'Saving…' : 'Save job search'}
          </button>
          {id && (
            <button type="button" class="danger" onClick={() => void del.run()}>
              Delete
            </button>
          )}
        </div>
      </form>
    </section>
  );
}
