// Background tasks (scoring, letters, tailored resumes): enqueue, then
// poll GET /tasks/{id} until the task ends.

import { api } from './client';

export interface Task {
  id: number;
  kind: string;
  state: 'queued' | 'running' | 'done' | 'dead' | 'cancelled';
  progress: number;
  progress_message: string | null;
  result: unknown;
  error: string | null;
}

export interface Enqueued {
  task_id: number;
  kind: string;
  existing: boolean;
}

export function finished(t: Task): boolean {
  return t.state === 'done' || t.state === 'dead' || t.state === 'cancelled';
}

/** Polls the task until it ends, calling onUpdate with each state; the
 * interval grows from 0.5 s to 3 s. */
export async function waitTask(id: number, onUpdate: (t: Task) => void, signal?: { stop: boolean }): Promise<Task> {
  let delay = 500;
  for (;;) {
    const t = await api.get<Task>(`/tasks/${id}`);
    onUpdate(t);
    if (finished(t) || signal?.stop) return t;
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(3000, delay * 1.5);
  }
}
