// Settings: profile, password, the answer bank, board sessions.

import { useState } from 'preact/hooks';
import { api, type Tokens, type User } from '../api/client';
import { ErrorNote, Field, Loading, PageHead } from '../components/ui';
import { useAction, useLoad } from '../hooks';
import { fmtDateTime } from '../lib/format';
import { has, setState, toast, useAppState } from '../state';

interface Answer {
  id: number;
  question: string;
  answer: unknown;
  type?: string;
  source?: string;
  updated_at?: string;
}

export function Settings() {
  return (
    <section>
      <PageHead title="Settings" />
      <Profile />
      <Password />
      <Answers />
      {has('board_sessions') && <BoardSessions />}
    </section>
  );
}

function Profile() {
  const st = useAppState();
  const u = st.user!;
  const [f, setF] = useState({ first_name: u.first_name || '', last_name: u.last_name || '', username: u.username || '', review_before_submit: u.review_before_submit });
  const act = useAction(async () => {
    const user = await api.patch<User>('/user', { first_name: f.first_name || null, last_name: f.last_name || null, username: f.username || null, review_before_submit: f.review_before_submit });
    setState({ user });
    toast('Profile saved');
  });
  return (
    <form
      class="card"
      onSubmit={(e) => {
        e.preventDefault();
        void act.run();
      }}
    >
      <h2>Profile</h2>
      <p class="sub">Signed in as {u.email}</p>
      <div class="row">
        <Field label="First name" name="first_name" value={f.first_name} error={act.error} onInput={(e) => setF({ ...f, first_name: e.currentTarget.value })} />
        <Field label="Last name" name="last_name" value={f.last_name} error={act.error} onInput={(e) => setF({ ...f, last_name: e.currentTarget.value })} />
        <Field label="Username" name="username" value={f.username} error={act.error} onInput={(e) => setF({ ...f, username: e.currentTarget.value })} />
      </div>
      <div class="field check">
        <input id="rbs" type="checkbox" checked={f.review_before_submit} onChange={(e) => setF({ ...f, review_before_submit: e.currentTarget.checked })} />
        <label for="rbs">Let me review every application before hawk submits it</label>
      </div>
      <ErrorNote error={act.error} fields={['first_name', 'last_name', 'username', 'review_before_submit']} />
      <button type="submit" disabled={act.busy}>
        Save profile
      </button>
    </form>
  );
}

function Password() {
  const [cur, setCur] = useState('');
  const [neu, setNeu] = useState('');
  const act = useAction(async () => {
    const t = await api.post<Tokens>('/user/change-password', { current_password: cur, new_password: neu, refresh_cookie: true });
    api.setToken(t.access_token);
    setCur('');
    setNeu('');
    toast('Password changed; your other sessions were signed out');
  });
  return (
    <form
      class="card"
      onSubmit={(e) => {
        e.preventDefault();
        void act.run();
      }}
    >
      <h2>Password</h2>
      <Field label="Current password" name="current_password" type="password" autoComplete="current-password" required value={cur} error={act.error} onInput={(e) => setCur(e.currentTarget.value)} />
      <Field label="New password" name="new_password" type="password" autoComplete="new-password" required value={neu} error={act.error} onInput={(e) => setNeu(e.currentTarget.value)} />
      <ErrorNote error={act.error} fields={['current_password', 'new_password']} />
      <button type="submit" disabled={act.busy}>
        Change password
      </button>
    </form>
  );
}

function Answers() {
  const list = useLoad(() => api.get<{ items: Answer[] }>('/answers?per_page=100'), []);
  const [q, setQ] = useState('');
  const [a, setA] = useState('');
  const add = useAction(async () => {
    await api.put('/answers', { question: q, answer: a });
    setQ('');
    setA('');
    list.reload();
  });
  const del = useAction(async (id: number) => {
    await api.del(`/answers/${id}`);
    list.reload();
  });
  return (
    <section class="card">
      <h2>Answer bank</h2>
      <p class="hint">Your own answers to application questions always win over generated ones.</p>
      <ErrorNote error={list.error || del.error} />
      {!list.data ? (
        <Loading />
      ) : (
        <dl class="qa">
          {list.data.items.map((x) => (
            <div key={x.id}>
              <dt>{x.question}</dt>
              <dd>
                {typeof x.answer === 'string' ? x.answer : JSON.stringify(x.answer)} {x.source && <small>({x.source})</small>}{' '}
                <button type="button" class="link" onClick={() => void del.run(x.id)} aria-label={`Delete the answer to ${x.question}`}>
                  Delete
                </button>
              </dd>
            </div>
          ))}
        </dl>
      )}
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void add.run();
        }}
      >
        <div class="row">
          <Field label="Question" name="question" required value={q} error={add.error} onInput={(e) => setQ(e.currentTarget.value)} />
          <Field label="Answer" name="answer" required value={a} error={add.error} onInput={(e) => setA(e.currentTarget.value)} />
        </div>
        <ErrorNote error={add.error} fields={['question', 'answer']} />
        <button type="submit" disabled={add.busy}>
          Save answer
        </button>
      </form>
    </section>
  );
}

interface BoardSession {
  id: number;
  board: string;
  status: string;
  updated_at: string;
}

function BoardSessions() {
  const list = useLoad(() => api.get<{ items: BoardSession[] }>('/board-sessions'), []);
  const del = useAction(async (id: number) => {
    await api.del(`/board-sessions/${id}`);
    list.reload();
  });
  return (
    <section class="card">
      <h2>Board sessions</h2>
      <ErrorNote error={list.error || del.error} />
      {!list.data ? (
        <Loading />
      ) : list.data.items.length === 0 ? (
        <p>No job board session is stored.</p>
      ) : (
        <ul>
          {list.data.items.map((s) => (
            <li key={s.id}>
              {s.board}: {s.status}, {fmtDateTime(s.updated_at)}{' '}
              <button type="button" class="link" onClick={() => void del.run(s.id)}>
                Sign out of {s.board}
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
