// Application statuses: the board's columns, in the order work moves.

export const STATUSES = [
  'queued',
  'awaiting_review',
  'approved',
  'applied',
  'viewed',
  'interviewing',
  'offered',
  'accepted',
  'rejected',
  'withdrawn',
  'needs_attention',
  'failed',
  'skipped',
] as const;

export type Status = (typeof STATUSES)[number];

/** The statuses a user may set (awaiting_review and approved belong to
 * the review flow). */
export const USER_STATUSES: readonly string[] = STATUSES.filter((s) => s !== 'awaiting_review' && s !== 'approved');

/** The board's columns: the working set; the rest are reached through
 * the table's filter. */
export const BOARD_COLUMNS: readonly string[] = ['queued', 'applied', 'viewed', 'interviewing', 'offered', 'accepted', 'rejected'];

export function statusLabel(s: string): string {
  const t = s.replace(/_/g, ' ');
  return t.charAt(0).toUpperCase() + t.slice(1);
}
