// Sign up, sign in, the sign-in-again dialog, and the pages that need
// the mail service (shown only when the server has it).

import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../api/client';
import { ApiError } from '../api/errors';
import { finishReauth } from '../session';
import { ErrorNote, Field, Link } from '../components/ui';
import { useAction } from '../hooks';
import { navigate } from '../lib/router';
import { has, setState, useAppState } from '../state';

function nextTarget(): string {
  const n = new URLSearchParams(location.search).get('next');
  // only paths of this app: never an absolute URL to elsewhere
  return n && n.startsWith('/app/') && !n.startsWith('//') ? n : '/app/';
}

function SignInForm({ onDone, email: fixedEmail }: { onDone: () => void; email?: string }) {
  const [email, setEmail] = useState(fixedEmail || '');
  const [password, setPassword] = useState('');
  const act = useAction(async () => {
    const user = await api.login(email, password);
    setState({ user });
    onDone();
  });
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        void act.run();
      }}
    >
      <Field label="Email" name="email" type="email" autoComplete="username" required value={email} readOnly={!!fixedEmail} error={act.error} onInput={(e) => setEmail(e.currentTarget.value)} />
      <Field label="Password" name="password" type="password" autoComplete="current-password" required value={password} error={act.error} onInput={(e) => setPassword(e.currentTarget.value)} />
      <ErrorNote error={act.error} fields={['email', 'password']} />
      <button type="submit" class="primary" disabled={act.busy}>
        {act.busy ? 'Signing in…' : 'Sign in'}
      </button>
    </form>
  );
}

export function SignIn() {
  return (
    <section class="auth-box">
      <h1 tabIndex={-1}>Sign in to hawk</h1>
      <SignInForm onDone={() => navigate(nextTarget(), true)} />
      <p>
        New here? <Link href="/signup">Create an account</Link>
        {has('password_reset') && (
          <>
            {' · '}
            <Link href="/reset-password">Forgot your password?</Link>
          </>
        )}
      </p>
    </section>
  );
}

/** Shown over the page when the session ended mid-use: signing in again
 * keeps everything on the page and retries what was being sent. */
export function SignInDialog() {
  const ref = useRef<HTMLDialogElement>(null);
  const st = useAppState();
  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal();
  }, []);
  return (
    <dialog ref={ref} class="dialog" aria-labelledby="reauth-title" onCancel={(e) => { e.preventDefault(); finishReauth(false); }}>
      <h2 id="reauth-title">Your session ended</h2>
      <p>Sign in again to continue; nothing on this page is lost.</p>
      <SignInForm email={st.user?.email} onDone={() => finishReauth(true)} />
      <button type="button" class="link" onClick={() => finishReauth(false)}>
        Go to the sign-in page instead
      </button>
    </dialog>
  );
}

export function SignUp() {
  const [f, setF] = useState({ email: '', password: '', first_name: '', last_name: '' });
  const act = useAction(async () => {
    await api.post('/auth/register', {
      email: f.email,
      password: f.password,
      first_name: f.first_name || null,
      last_name: f.last_name || null,
    });
    const user = await api.login(f.email, f.password);
    setState({ user });
    navigate('/?welcome=1', true);
  });
  const set = (k: keyof typeof f) => (e: Event) => setF({ ...f, [k]: (e.currentTarget as HTMLInputElement).value });
  return (
    <section class="auth-box">
      <h1 tabIndex={-1}>Create your hawk account</h1>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void act.run();
        }}
      >
        <Field label="Email" name="email" type="email" autoComplete="email" required value={f.email} error={act.error} onInput={set('email')} />
        <Field label="Password" name="password" type="password" autoComplete="new-password" required value={f.password} error={act.error} hint="At least 10 characters; a passphrase of a few words is best." onInput={set('password')} />
        <div class="row">
          <Field label="First name" name="first_name" autoComplete="given-name" value={f.first_name} error={act.error} onInput={set('first_name')} />
          <Field label="Last name" name="last_name" autoComplete="family-name" value={f.last_name} error={act.error} onInput={set('last_name')} />
        </div>
        <ErrorNote error={act.error} fields={['email', 'password', 'first_name', 'last_name']} />
        <button type="submit" class="primary" disabled={act.busy}>
          {act.busy ? 'Creating…' : 'Create account'}
        </button>
      </form>
      <p>
        Already have an account? <Link href="/signin">Sign in</Link>
      </p>
    </section>
  );
}

function NotOnThisServer({ what }: { what: string }) {
  return (
    <section class="auth-box">
      <h1 tabIndex={-1}>{what}</h1>
      <p class="note">This server does not send mail yet, so {what.toLowerCase()} is not available. Ask the administrator.</p>
      <p>
        <Link href="/signin">Back to sign in</Link>
      </p>
    </section>
  );
}

export function VerifyEmail() {
  const token = new URLSearchParams(location.search).get('token') || '';
  const [state, setStateLocal] = useState<'idle' | 'ok' | ApiError>('idle');
  useEffect(() => {
    if (!has('email_verification') || !token) return;
    api.post('/auth/verify-email', { token }).then(
      () => setStateLocal('ok'),
      (e) => setStateLocal(e as ApiError),
    );
  }, [token]);
  if (!has('email_verification')) return <NotOnThisServer what="Email verification" />;
  return (
    <section class="auth-box">
      <h1 tabIndex={-1}>Verify your email</h1>
      {!token && <p class="note error">This link has no token; open the link from the mail again.</p>}
      {state === 'ok' && (
        <p class="note ok">
          Your email is verified. <Link href="/">Continue</Link>
        </p>
      )}
      {state instanceof ApiError && <ErrorNote error={state} />}
      {state === 'idle' && token && <p role="status">Checking the link…</p>}
    </section>
  );
}

export function ResetPassword() {
  const token = new URLSearchParams(location.search).get('token') || '';
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [sent, setSent] = useState(false);
  const ask = useAction(async () => {
    await api.post('/auth/password-reset', { email });
    setSent(true);
  });
  const confirm = useAction(async () => {
    await api.post('/auth/password-reset/confirm', { token, new_password: password });
    navigate('/signin', true);
  });
  if (!has('password_reset')) return <NotOnThisServer what="Password reset" />;
  return (
    <section class="auth-box">
      <h1 tabIndex={-1}>Reset your password</h1>
      {token ? (
        <form onSubmit={(e) => { e.preventDefault(); void confirm.run(); }}>
          <Field label="New password" name="new_password" type="password" autoComplete="new-password" required value={password} error={confirm.error} onInput={(e) => setPassword(e.currentTarget.value)} />
          <ErrorNote error={confirm.error} fields={['new_password']} />
          <button class="primary" type="submit" disabled={confirm.busy}>Set the new password</button>
        </form>
      ) : sent ? (
        <p class="note ok">If an account uses {email}, a mail with a reset link is on its way.</p>
      ) : (
        <form onSubmit={(e) => { e.preventDefault(); void ask.run(); }}>
          <Field label="Email" name="email" type="email" required value={email} error={ask.error} onInput={(e) => setEmail(e.currentTarget.value)} />
          <ErrorNote error={ask.error} fields={['email']} />
          <button class="primary" type="submit" disabled={ask.busy}>Send the reset link</button>
        </form>
      )}
    </section>
  );
}
