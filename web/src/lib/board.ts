// The application board's logic: cards grouped into columns, and where a
// keyboard move or a drop sends a card.

export interface Card {
  id: number;
  status: string;
}

export function groupByStatus<T extends Card>(cards: T[], columns: readonly string[]): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const c of columns) m.set(c, []);
  for (const card of cards) {
    const col = m.get(card.status);
    if (col) col.push(card);
  }
  return m;
}

/** The column a card moves to with ArrowLeft/ArrowRight (null at an edge
 * or for a status that has no column). */
export function neighbourColumn(columns: readonly string[], status: string, dir: -1 | 1): string | null {
  const i = columns.indexOf(status);
  if (i < 0) return null;
  const j = i + dir;
  return j >= 0 && j < columns.length ? columns[j] : null;
}

/** The board after moving a card (optimistic update); unchanged if the
 * card is unknown or already there. */
export function moveCard<T extends Card>(cards: T[], id: number, to: string): T[] {
  return cards.map((c) => (c.id === id && c.status !== to ? { ...c, status: to } : c));
}

/** Which column a pointer at x falls in, given the columns' left/right
 * edges (in page coordinates). */
export function columnAt(x: number, rects: { status: string; left: number; right: number }[]): string | null {
  for (const r of rects) if (x >= r.left && x <= r.right) return r.status;
  return null;
}
