// Small building blocks every page uses: labelled fields with the API's
// error next to them, error notes, pagination, a link that routes.

import type { ComponentChildren, InputHTMLAttributes, JSX } from 'preact';
import { useId } from 'preact/hooks';
import { ApiError, fieldError, planLimit, sizeLimit } from '../api/errors';
import { fmtBytes } from '../lib/format';
import { fullPath, navigate } from '../lib/router';

export function Link(props: JSX.HTMLAttributes<HTMLAnchorElement> & { href: string }) {
  const href = fullPath(props.href);
  return (
    <a
      {...props}
      href={href}
      onClick={(e) => {
        if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
        e.preventDefault();
        navigate(href);
      }}
    />
  );
}

export interface ControlAttrs {
  id: string;
  name: string;
  'aria-describedby'?: string;
  'aria-invalid'?: 'true';
}

interface FieldProps {
  label: string;
  name: string;
  error?: ApiError | null;
  hint?: string;
  /** builds the control (select, textarea, ...); default: an input with the other props */
  render?: (a: ControlAttrs) => JSX.Element;
}

/** A label, the control, the hint and the API error naming this field. */
export function Field(props: FieldProps & Omit<InputHTMLAttributes<HTMLInputElement>, 'label' | 'name'>) {
  const { label, name, error, hint, render, ...rest } = props;
  const id = useId();
  const msg = fieldError(error, name);
  const describedBy = [hint ? id + '-hint' : '', msg ? id + '-err' : ''].filter(Boolean).join(' ') || undefined;
  const attrs: ControlAttrs = { id, name, 'aria-describedby': describedBy, 'aria-invalid': msg ? 'true' : undefined };
  return (
    <div class={'field' + (msg ? ' has-error' : '')}>
      <label for={id}>{label}</label>
      {render ? render(attrs) : <input {...attrs} {...rest} />}
      {hint && (
        <p class="hint" id={id + '-hint'}>
          {hint}
        </p>
      )}
      {msg && (
        <p class="field-error" id={id + '-err'} role="alert">
          {msg}
        </p>
      )}
    </div>
  );
}

/** An error that names no field (or a field the form does not show). */
export function ErrorNote({ error, fields = [] }: { error: ApiError | null | undefined; fields?: string[] }) {
  // an unreachable server is told once, by the banner above the page
  if (!error || error.status === 0) return null;
  if (error.field && fields.some((f) => fieldError(error, f))) return null;
  const lim = planLimit(error);
  if (lim) {
    return (
      <div class="note error" role="alert">
        <strong>Plan limit reached.</strong> {error.message}
        <p>
          Limit <code>{lim.limit}</code>: {String(lim.value)} on the {lim.plan || 'current'} plan, {String(lim.used)} used.{' '}
          <Link href="/billing">Upgrade the plan</Link>
        </p>
      </div>
    );
  }
  const size = sizeLimit(error);
  return (
    <div class="note error" role="alert">
      {error.status === 413 ? (
        <>
          <strong>Too large.</strong> {size ? `The server accepts at most ${fmtBytes(size)}.` : error.message}
        </>
      ) : (
        error.message
      )}
      {error.requestId && error.status >= 500 && <small> (request {error.requestId})</small>}
    </div>
  );
}

export function Pager({ page, pages, onPage }: { page: number; pages: number; onPage: (p: number) => void }) {
  if (pages <= 1) return null;
  return (
    <nav class="pager" aria-label="Pages">
      <button type="button" disabled={page <= 1} onClick={() => onPage(page - 1)}>
        Previous
      </button>
      <span>
        Page {page} of {pages}
      </span>
      <button type="button" disabled={page >= pages} onClick={() => onPage(page + 1)}>
        Next
      </button>
    </nav>
  );
}

export function Loading({ what = 'Loading' }: { what?: string }) {
  return (
    <p class="loading" role="status">
      {what}…
    </p>
  );
}

export function PageHead({ title, children }: { title: string; children?: ComponentChildren }) {
  return (
    <header class="page-head">
      <h1>{title}</h1>
      {children && <div class="actions">{children}</div>}
    </header>
  );
}

/** Saves a Blob under a name, through a temporary object URL. */
export function saveBlob(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
