// The API's error envelope, read into one shape the pages show:
// {"error": {"code", "message", "field"?, ...detail}}.

export class ApiError extends Error {
  status: number;
  code: string;
  field?: string;
  detail: Record<string, unknown>;
  requestId?: string;

  constructor(status: number, code: string, message: string, field?: string, detail: Record<string, unknown> = {}, requestId?: string) {
    super(message);
    this.status = status;
    this.code = code;
    this.field = field;
    this.detail = detail;
    this.requestId = requestId;
  }

  /** The server could not be reached (or answered 502-504/503). */
  get offline(): boolean {
    return this.status === 0 || this.status === 502 || this.status === 503 || this.status === 504;
  }
}

export function errorFromBody(status: number, body: unknown, requestId?: string): ApiError {
  const e = (body && typeof body === 'object' && (body as { error?: unknown }).error) as Record<string, unknown> | undefined;
  if (e && typeof e === 'object') {
    const { code, message, field, ...detail } = e;
    return new ApiError(
      status,
      typeof code === 'string' ? code : 'error',
      typeof message === 'string' ? message : `the server answered ${status}`,
      typeof field === 'string' ? field : undefined,
      detail,
      requestId,
    );
  }
  if (status === 413) return new ApiError(413, 'payload_too_large', 'the file is larger than the server accepts', undefined, {}, requestId);
  return new ApiError(status, 'error', `the server answered ${status}`, undefined, {}, requestId);
}

/** The message a field shows for this error, if the error names it. */
export function fieldError(err: ApiError | null | undefined, field: string): string | undefined {
  if (!err || !err.field) return undefined;
  return err.field === field || err.field.startsWith(field + '.') || err.field.startsWith(field + '[') ? err.message : undefined;
}

/** A plan-limit error's figures, for the upgrade note. */
export function planLimit(err: ApiError | null | undefined): { limit: string; value: unknown; used: unknown; plan?: string } | null {
  if (!err || err.code !== 'plan_limit') return null;
  const d = err.detail;
  return { limit: String(d.limit ?? ''), value: d.value, used: d.used, plan: typeof d.plan === 'string' ? d.plan : undefined };
}

/** The upload limit a 413 names, in bytes, when the message carries it. */
export function sizeLimit(err: ApiError | null | undefined): number | null {
  if (!err || err.status !== 413) return null;
  const d = err.detail.limit ?? err.detail.max_bytes;
  if (typeof d === 'number') return d;
  const m = /limit of (\d+) bytes/.exec(err.message);
  return m ? Number(m[1]) : null;
}
