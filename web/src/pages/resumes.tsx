// Resumes: upload a file, import JSON Resume or YAML, edit the structured
// resume, download the stored file.

import { useState } from 'preact/hooks';
import { api, type Page } from '../api/client';
import { ApiError } from '../api/errors';
import { ErrorNote, Field, Link, Loading, PageHead, saveBlob } from '../components/ui';
import { useAction, useLoad } from '../hooks';
import { fmtBytes, fmtDate } from '../lib/format';
import { navigate } from '../lib/router';
import { toast } from '../state';

interface Resume {
  id: number;
  name: string;
  description: string | null;
  is_default: boolean;
  has_structured: boolean;
  file: { file_name: string; content_type: string; size: number } | null;
  created_at: string;
  updated_at: string;
}

type Structured = {
  personal_information?: Record<string, string>;
  experience_details?: { position: string; company: string; employment_period?: string; location?: string; key_responsibilities?: string[] }[];
  education_details?: { education_level?: string; institution?: string; field_of_study?: string; year_of_completion?: string }[];
  skills?: (string | Record<string, unknown>)[];
  languages?: { language: string; proficiency?: string }[];
  [k: string]: unknown;
};

interface ResumeDetail extends Resume {
  structured: Structured | null;
  parsed_text?: string | null;
}

export function ResumeList() {
  const list = useLoad(() => api.get<Page<Resume>>('/resumes?per_page=100'), []);
  const [mode, setMode] = useState<'none' | 'upload' | 'json' | 'yaml'>(new URLSearchParams(location.search).get('upload') ? 'upload' : 'none');
  const done = (r: Resume) => {
    toast('Resume saved');
    navigate(`/resumes/${r.id}`);
  };
  const download = useAction(async (r: Resume) => {
    const { blob, name } = await api.blob(`/resumes/${r.id}/download`);
    saveBlob(blob, name || r.file?.file_name || `resume-${r.id}`);
  });
  return (
    <section>
      <PageHead title="Resumes">
        <button type="button" class="primary" onClick={() => setMode('upload')} aria-expanded={mode === 'upload'}>
          Upload a file
        </button>
        <button type="button" onClick={() => setMode('json')} aria-expanded={mode === 'json'}>
          Import JSON Resume
        </button>
        <button type="button" onClick={() => setMode('yaml')} aria-expanded={mode === 'yaml'}>
          Import YAML
        </button>
        <Link href="/resumes/new" class="button">
          Write one
        </Link>
      </PageHead>
      {mode === 'upload' && <Upload onDone={done} />}
      {mode === 'json' && <ImportText kind="json" onDone={done} />}
      {mode === 'yaml' && <ImportText kind="yaml" onDone={done} />}
      <ErrorNote error={list.error || download.error} />
      {list.loading && !list.data ? (
        <Loading />
      ) : list.data && list.data.items.length === 0 ? (
        <p>No resume yet. Upload a PDF, DOCX, HTML or text file, or import one.</p>
      ) : (
        <ul class="cards">
          {(list.data?.items || []).map((r) => (
            <li key={r.id} class="card">
              <h2>
                <Link href={`/resumes/${r.id}`}>{r.name}</Link> {r.is_default && <span class="badge">default</span>}
              </h2>
              <p class="sub">
                {r.file ? `${r.file.file_name} (${fmtBytes(r.file.size)})` : 'structured only'} · updated {fmtDate(r.updated_at)}
              </p>
              {r.file && (
                <button type="button" onClick={() => void download.run(r)}>
                  Download {r.file.file_name}
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function Upload({ onDone }: { onDone: (r: Resume) => void }) {
  const [file, setFile] = useState<File | null>(null);
  const [name, setName] = useState('');
  const act = useAction(async () => {
    if (!file) throw new ApiError(400, 'invalid_field', 'choose a file to upload', 'file');
    const fd = new FormData();
    fd.append('file', file, file.name);
    if (name) fd.append('name', name);
    onDone(await api.request<Resume>('POST', '/resumes/upload', fd));
  });
  return (
    <form
      class="card"
      onSubmit={(e) => {
        e.preventDefault();
        void act.run();
      }}
    >
      <h2>Upload a resume</h2>
      <Field label="File (PDF, DOCX, HTML or text)" name="file" type="file" accept=".pdf,.docx,.html,.htm,.txt,.md" error={act.error} onChange={(e) => setFile(e.currentTarget.files?.[0] || null)} />
      <Field label="Name (optional)" name="name" value={name} error={act.error} onInput={(e) => setName(e.currentTarget.value)} />
      <ErrorNote error={act.error} fields={['file', 'name']} />
      <button type="submit" class="primary" disabled={act.busy}>
        {act.busy ? 'Uploading…' : 'Upload'}
      </button>
    </form>
  );
}

function ImportText({ kind, onDone }: { kind: 'json' | 'yaml'; onDone: (r: Resume) => void }) {
  const [text, setText] = useState('');
  const [name, setName] = useState('');
  const [lineErr, setLineErr] = useState<number | null>(null);
  const act = useAction(async () => {
    setLineErr(null);
    try {
      if (kind === 'json') {
        let doc: unknown;
        try {
          doc = JSON.parse(text);
        } catch (e) {
          throw new ApiError(400, 'invalid_field', 'this is not valid JSON: ' + (e as Error).message, 'resume');
        }
        onDone(await api.post<Resume>('/resumes/import/json-resume', { name: name || 'Imported resume', resume: doc }));
      } else {
        onDone(await api.request<Resume>('POST', '/resumes/import/yaml?name=' + encodeURIComponent(name || 'Imported resume'), text, { 'Content-Type': 'application/yaml' }));
      }
    } catch (e) {
      if (e instanceof ApiError && typeof e.detail.line === 'number') setLineErr(e.detail.line);
      throw e;
    }
  });
  return (
    <form
      class="card"
      onSubmit={(e) => {
        e.preventDefault();
        void act.run();
      }}
    >
      <h2>{kind === 'json' ? 'Import a JSON Resume document' : 'Import a YAML resume'}</h2>
      <Field label="Name" name="name" value={name} error={act.error} onInput={(e) => setName(e.currentTarget.value)} />
      <Field
        label={kind === 'json' ? 'JSON Resume (paste the document)' : 'YAML (paste the document)'}
        name="resume"
        error={act.error}
        hint={lineErr ? `The problem is on line ${lineErr}.` : undefined}
        render={(a) => <textarea {...a} class="code" rows={12} value={text} onInput={(e) => setText(e.currentTarget.value)} required />}
      />
      <Field
        label="…or read it from a file"
        name="import_file"
        type="file"
        accept={kind === 'json' ? '.json' : '.yaml,.yml'}
        onChange={async (e) => {
          const f = e.currentTarget.files?.[0];
          if (f) setText(await f.text());
        }}
      />
      <ErrorNote error={act.error} fields={['resume', 'name']} />
      <button type="submit" class="primary" disabled={act.busy}>
        Import
      </button>
    </form>
  );
}

const PI_FIELDS: [string, string][] = [
  ['name', 'First name'],
  ['surname', 'Last name'],
  ['email', 'Email'],
  ['phone_prefix', 'Phone prefix'],
  ['phone', 'Phone'],
  ['city', 'City'],
  ['country', 'Country'],
  ['linkedin', 'LinkedIn URL'],
  ['github', 'GitHub URL'],
  ['website', 'Website'],
];

export function ResumeEdit({ params }: { params: Record<string, string> }) {
  const id = params.id ? Number(params.id) : null;
  const r = useLoad(
    async () => (id ? api.get<ResumeDetail>(`/resumes/${id}`) : ({ id: 0, name: '', description: null, is_default: false, has_structured: true, file: null, created_at: '', updated_at: '', structured: {} } as ResumeDetail)),
    [id],
  );
  if (r.error?.status === 404)
    return (
      <section>
        <PageHead title="Resume not found" />
        <p>
          No resume of yours has this number. <Link href="/resumes">All resumes</Link>
        </p>
      </section>
    );
  if (!r.data) return r.error ? <ErrorNote error={r.error} /> : <Loading />;
  return <ResumeForm key={r.data.id} initial={r.data} />;
}

function ResumeForm({ initial }: { initial: ResumeDetail }) {
  const [name, setName] = useState(initial.name);
  const [isDefault, setIsDefault] = useState(initial.is_default);
  const [s, setS] = useState<Structured>(initial.structured || {});
  const pi = s.personal_information || {};
  const exp = s.experience_details || [];
  const edu = s.education_details || [];
  const [skills, setSkills] = useState((s.skills || []).map((x) => (typeof x === 'string' ? x : String((x as { name?: string }).name ?? JSON.stringify(x)))).join(', '));
  const save = useAction(async () => {
    const structured: Structured = { ...s, skills: skills.split(',').map((x) => x.trim()).filter(Boolean) };
    const body = { name: name || 'My resume', is_default: isDefault, structured };
    const out = initial.id ? await api.put<Resume>(`/resumes/${initial.id}`, body) : await api.post<Resume>('/resumes', body);
    toast('Resume saved');
    if (!initial.id) navigate(`/resumes/${out.id}`, true);
  });
  const del = useAction(async () => {
    if (!confirm('Delete this resume?')) return;
    await api.del(`/resumes/${initial.id}`);
    navigate('/resumes');
  });
  const setPi = (k: string, v: string) => setS({ ...s, personal_information: { ...pi, [k]: v } });
  const setExp = (i: number, k: string, v: unknown) => setS({ ...s, experience_details: exp.map((e, j) => (j === i ? { ...e, [k]: v } : e)) });
  const setEdu = (i: number, k: string, v: string) => setS({ ...s, education_details: edu.map((e, j) => (j === i ? { ...e, [k]: v } : e)) });
  return (
    <section>
      <PageHead title={initial.id ? initial.name : 'New resume'} />
      {initial.file && <p class="sub">Stored file: {initial.file.file_name}. The fields below are the structured resume hawk uses for scoring and forms.</p>}
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void save.run();
        }}
      >
        <div class="card">
          <Field label="Resume name" name="name" required value={name} error={save.error} onInput={(e) => setName(e.currentTarget.value)} />
          <div class="field check">
            <input id="res-default" type="checkbox" checked={isDefault} onChange={(e) => setIsDefault(e.currentTarget.checked)} />
            <label for="res-default">Default resume</label>
          </div>
        </div>
        <fieldset class="card">
          <legend>Personal information</legend>
          <div class="grid2">
            {PI_FIELDS.map(([k, l]) => (
              <Field key={k} label={l} name={`structured.personal_information.${k}`} value={pi[k] || ''} error={save.error} onInput={(e) => setPi(k, e.currentTarget.value)} />
            ))}
          </div>
          <Field label="Summary" name="structured.personal_information.summary" error={save.error} render={(a) => <textarea {...a} rows={3} value={pi.summary || ''} onInput={(e) => setPi('summary', e.currentTarget.value)} />} />
        </fieldset>
        <fieldset class="card">
          <legend>Experience</legend>
          {exp.map((e, i) => (
            <div key={i} class="subcard">
              <div class="row">
                <Field label={`Position ${i + 1}`} name={`structured.experience_details[${i}].position`} value={e.position} error={save.error} onInput={(ev) => setExp(i, 'position', ev.currentTarget.value)} />
                <Field label={`Company ${i + 1}`} name={`structured.experience_details[${i}].company`} value={e.company} error={save.error} onInput={(ev) => setExp(i, 'company', ev.currentTarget.value)} />
              </div>
              <div class="row">
                <Field label="Period" name={`structured.experience_details[${i}].employment_period`} value={e.employment_period || ''} error={save.error} onInput={(ev) => setExp(i, 'employment_period', ev.currentTarget.value)} />
                <Field label="Location" name={`structured.experience_details[${i}].location`} value={e.location || ''} error={save.error} onInput={(ev) => setExp(i, 'location', ev.currentTarget.value)} />
              </div>
              <Field
                label="Responsibilities (one per line)"
                name={`structured.experience_details[${i}].key_responsibilities`}
                error={save.error}
                render={(a) => <textarea {...a} rows={3} value={(e.key_responsibilities || []).join('\n')} onInput={(ev) => setExp(i, 'key_responsibilities', ev.currentTarget.value.split('\n').filter((x) => x.trim()))} />}
              />
              <button type="button" class="link" onClick={() => setS({ ...s, experience_details: exp.filter((_, j) => j !== i) })}>
                Remove position {i + 1}
              </button>
            </div>
          ))}
          <button type="button" onClick={() => setS({ ...s, experience_details: [...exp, { position: '', company: '' }] })}>
            Add a position
          </button>
        </fieldset>
        <fieldset class="card">
          <legend>Education</legend>
          {edu.map((e, i) => (
            <div key={i} class="row">
              <Field label={`Institution ${i + 1}`} name={`structured.education_details[${i}].institution`} value={e.institution || ''} error={save.error} onInput={(ev) => setEdu(i, 'institution', ev.currentTarget.value)} />
              <Field label="Degree" name={`structured.education_details[${i}].education_level`} value={e.education_level || ''} error={save.error} onInput={(ev) => setEdu(i, 'education_level', ev.currentTarget.value)} />
              <Field label="Field" name={`structured.education_details[${i}].field_of_study`} value={e.field_of_study || ''} error={save.error} onInput={(ev) => setEdu(i, 'field_of_study', ev.currentTarget.value)} />
              <Field label="Year" name={`structured.education_details[${i}].year_of_completion`} value={e.year_of_completion || ''} error={save.error} onInput={(ev) => setEdu(i, 'year_of_completion', ev.currentTarget.value)} />
            </div>
          ))}
          <button type="button" onClick={() => setS({ ...s, education_details: [...edu, {}] })}>
            Add education
          </button>
        </fieldset>
        <div class="card">
          <Field label="Skills (comma separated)" name="structured.skills" value={skills} error={save.error} onInput={(e) => setSkills(e.currentTarget.value)} />
        </div>
        <ErrorNote error={save.error} fields={['name', 'structured']} />
        <div class="actions sticky">
          <button type="submit" class="primary" disabled={save.busy}>
            {save.busy ? 'Saving…' : 'Save resume'}
          </button>
          {initial.id > 0 && (
            <button type="button" class="danger" onClick={() => void del.run()}>
              Delete
            </button>
          )}
        </div>
      </form>
    </section>
  );
}
