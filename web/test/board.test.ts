import { describe, expect, it } from 'vitest';
import { columnAt, groupByStatus, moveCard, neighbourColumn } from '../src/lib/board';

const cards = [
  { id: 1, status: 'applied' },
  { id: 2, status: 'interviewing' },
  { id: 3, status: 'applied' },
  { id: 4, status: 'unknown' },
];

describe('board', () => {
  it('groups cards into the given columns, in order', () => {
    const g = groupByStatus(cards, ['applied', 'interviewing', 'offered']);
    expect(g.get('applied')!.map((c) => c.id)).toEqual([1, 3]);
    expect(g.get('interviewing')!.map((c) => c.id)).toEqual([2]);
    expect(g.get('offered')).toEqual([]);
    expect(g.has('unknown')).toBe(false);
  });
  it('moves with the arrow keys and stops at the edges', () => {
    const cols = ['queued', 'applied', 'interviewing'];
    expect(neighbourColumn(cols, 'applied', 1)).toBe('interviewing');
    expect(neighbourColumn(cols, 'applied', -1)).toBe('queued');
    expect(neighbourColumn(cols, 'queued', -1)).toBeNull();
    expect(neighbourColumn(cols, 'interviewing', 1)).toBeNull();
    expect(neighbourColumn(cols, 'failed', 1)).toBeNull();
  });
  it('moves one card without touching the others', () => {
    const out = moveCard(cards, 1, 'interviewing');
    expect(out.find((c) => c.id === 1)!.status).toBe('interviewing');
    expect(out.find((c) => c.id === 3)!.status).toBe('applied');
    expect(cards[0].status).toBe('applied');
    expect(moveCard(cards, 99, 'x')).toEqual(cards);
  });
  it('finds the column under the pointer', () => {
    const rects = [
      { status: 'a', left: 0, right: 100 },
      { status: 'b', left: 110, right: 200 },
    ];
    expect(columnAt(50, rects)).toBe('a');
    expect(columnAt(150, rects)).toBe('b');
    expect(columnAt(105, rects)).toBeNull();
  });
});
