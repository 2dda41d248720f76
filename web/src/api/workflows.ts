// Workflows and their runs.

export interface Workflow {
  id: number;
  name: string;
  enabled: boolean;
  schedule: { cron?: string; tz?: string; next_run_function?: boolean } | null;
  next_run_at: string | null;
  last_run_at: string | null;
  created_at: string;
  updated_at: string;
  source?: string;
  next_runs?: string[];
}

export interface Run {
  id: number;
  workflow_id: number;
  trigger: string;
  dry_run: boolean;
  status: string;
  counts: { searched: number; skipped: number; scored: number; applied: number };
  error: string | null;
  error_line: number | null;
  created_at: string;
  finished_at: string | null;
  duration_ms: number | null;
  traceback?: string | null;
  log?: { msg: string; time: string; level: string; fields?: unknown }[];
}

export function runFinished(r: Run): boolean {
  return !['queued', 'running'].includes(r.status);
}
