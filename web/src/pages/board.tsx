// The application board: one column per status, cards dragged with a
// mouse or a finger (pointer events), moved with ArrowLeft/ArrowRight
// from the keyboard, or sent anywhere through each card's "Move to"
// list.  Every move calls PUT /job-applications/{id}/status.

import { useMemo, useRef, useState } from 'preact/hooks';
import { loadAllApplications, setStatus, type Application } from '../api/apps';
import { ApiError } from '../api/errors';
import { ErrorNote, Link, Loading, PageHead } from '../components/ui';
import { useLoad } from '../hooks';
import { columnAt, groupByStatus, moveCard, neighbourColumn } from '../lib/board';
import { fmtDate } from '../lib/format';
import { BOARD_COLUMNS, STATUSES, USER_STATUSES, statusLabel } from '../lib/statuses';

interface Drag {
  id: number;
  startX: number;
  startY: number;
  active: boolean;
  el: HTMLElement;
  over: string | null;
}

export function Board() {
  const apps = useLoad(() => loadAllApplications(), []);
  const [error, setError] = useState<ApiError | null>(null);
  const [live, setLive] = useState('');
  const drag = useRef<Drag | null>(null);
  const [over, setOver] = useState<string | null>(null);
  // the "Move to" list is built only for the card in use (focused or under
  // the pointer): a thousand cards with a dozen options each is a lot of DOM
  const [active, setActive] = useState<number | null>(null);
  const cards = apps.data || [];
  const columns = useMemo(() => {
    const present = new Set(cards.map((c) => c.status));
    return STATUSES.filter((s) => BOARD_COLUMNS.includes(s) || present.has(s));
  }, [cards]);
  const grouped = useMemo(() => groupByStatus(cards, columns), [cards, columns]);

  async function move(card: Application, to: string) {
    if (card.status === to) return;
    if (!USER_STATUSES.includes(to)) {
      setError(new ApiError(400, 'invalid_field', `${statusLabel(to)} is set by the review flow; approve or reject the application instead`, 'status'));
      return;
    }
    const before = cards;
    const hadFocus = document.activeElement?.closest('.board-card')?.getAttribute('data-id') === String(card.id);
    apps.set(moveCard(cards, card.id, to));
    // the card is drawn anew in its new column: keep the keyboard on it
    if (hadFocus) requestAnimationFrame(() => document.getElementById(`card-${card.id}`)?.focus());
    setError(null);
    try {
      await setStatus(card.id, to);
      setLive(`${card.title} moved to ${statusLabel(to)}`);
    } catch (e) {
      apps.set(before);
      setError(e as ApiError);
      setLive(`Could not move ${card.title}`);
    }
  }

  function columnRects() {
    return Array.from(document.querySelectorAll<HTMLElement>('.board-col')).map((el) => {
      const r = el.getBoundingClientRect();
      return { status: el.dataset.status!, left: r.left, right: r.right };
    });
  }

  function onPointerDown(e: PointerEvent, card: Application) {
    const t = e.target as HTMLElement;
    if (e.button !== 0 || t.closest('select, a, button, label')) return;
    drag.current = { id: card.id, startX: e.clientX, startY: e.clientY, active: false, el: e.currentTarget as HTMLElement, over: null };
    (e.currentTarget as HTMLElement).setPointerCapture(e.pointerId);
  }

  function onPointerMove(e: PointerEvent) {
    const d = drag.current;
    if (!d) return;
    const dx = e.clientX - d.startX;
    const dy = e.clientY - d.startY;
    if (!d.active && Math.hypot(dx, dy) < 6) return;
    d.active = true;
    d.el.classList.add('dragging');
    d.el.style.transform = `translate(${dx}px, ${dy}px)`;
    const col = columnAt(e.clientX, columnRects());
    if (col !== d.over) {
      d.over = col;
      setOver(col);
    }
  }

  function onPointerUp(card: Application) {
    const d = drag.current;
    drag.current = null;
    setOver(null);
    if (!d) return;
    d.el.classList.remove('dragging');
    d.el.style.transform = '';
    if (d.active && d.over) void move(card, d.over);
  }

  function onKey(e: KeyboardEvent, card: Application) {
    if (e.key !== 'ArrowLeft' && e.key !== 'ArrowRight') return;
    if ((e.target as HTMLElement).closest('select')) return;
    e.preventDefault();
    const to = neighbourColumn(columns.filter((c) => USER_STATUSES.includes(c)), card.status, e.key === 'ArrowLeft' ? -1 : 1);
    if (to) void move(card, to);
  }

  return (
    <section>
      <PageHead title="Application board">
        <Link href="/applications" class="button">
          Table view
        </Link>
      </PageHead>
      <p class="hint">Drag a card to another column, or focus a card and press the left or right arrow key.</p>
      <ErrorNote error={error || apps.error} />
      <div class="sr-only" aria-live="polite">
        {live}
      </div>
      {apps.loading && !apps.data ? (
        <Loading what="Loading applications" />
      ) : (
        <div class="board" onPointerMove={onPointerMove}>
          {columns.map((status) => {
            const list = grouped.get(status) || [];
            return (
              <section key={status} class={'board-col' + (over === status ? ' drop-target' : '')} data-status={status} aria-labelledby={`col-${status}`}>
                <h2 id={`col-${status}`}>
                  {statusLabel(status)} <span class="count">{list.length}</span>
                </h2>
                <ul>
                  {list.map((card) => (
                    <li
                      key={card.id}
                      id={`card-${card.id}`}
                      class="board-card"
                      tabIndex={0}
                      data-id={card.id}
                      aria-label={`${card.title} at ${card.company}, ${statusLabel(card.status)}`}
                      onPointerDown={(e) => onPointerDown(e, card)}
                      onPointerUp={() => onPointerUp(card)}
                      onPointerCancel={() => onPointerUp(card)}
                      onKeyDown={(e) => onKey(e, card)}
                      onFocusIn={() => setActive(card.id)}
                      onPointerEnter={() => setActive(card.id)}
                    >
                      <Link href={`/applications/${card.id}`} class="card-title">
                        {card.title}
                      </Link>
                      <span class="card-company">{card.company}</span>
                      <span class="card-date">{fmtDate(card.applied_at || card.created_at)}</span>
                      {active === card.id && (
                        <>
                          <label class="sr-only" for={`move-${card.id}`}>
                            Move {card.title} to
                          </label>
                          <select id={`move-${card.id}`} class="card-move" value={card.status} onChange={(e) => void move(card, e.currentTarget.value)}>
                            {STATUSES.filter((s) => USER_STATUSES.includes(s) || s === card.status).map((s) => (
                              <option key={s} value={s}>
                                {statusLabel(s)}
                              </option>
                            ))}
                          </select>
                        </>
                      )}
                    </li>
                  ))}
                </ul>
              </section>
            );
          })}
        </div>
      )}
    </section>
  );
}
