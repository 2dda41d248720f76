// The job-search filters as the server applies them, for the live
// preview while a user types: an entry is a phrase matched on whole
// words, case-insensitively, or /regex/ (case-insensitive).  The server
// has the final word (POST /job-configs/{id}/preview).

export interface FilterHit {
  entry: string;
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A RegExp for one entry, or null when a /regex/ entry does not compile. */
export function entryRegExp(entry: string): RegExp | null {
  const e = entry.trim();
  if (e.length >= 2 && e.startsWith('/') && e.endsWith('/')) {
    try {
      return new RegExp(e.slice(1, -1), 'i');
    } catch {
      return null;
    }
  }
  if (!e) return null;
  // whole words: not preceded or followed by a letter or digit
  return new RegExp('(^|[^\\p{L}\\p{N}])' + escapeRe(e).replace(/\s+/g, '\\s+') + '($|[^\\p{L}\\p{N}])', 'iu');
}

/** The first entry that matches text, or null. */
export function firstHit(entries: string[], text: string): FilterHit | null {
  for (const entry of entries) {
    const re = entryRegExp(entry);
    if (re && re.test(text)) return { entry };
  }
  return null;
}

/** Entries that are /regex/ but do not compile (shown next to the field). */
export function badEntries(entries: string[]): string[] {
  return entries.filter((e) => {
    const t = e.trim();
    return t.length >= 2 && t.startsWith('/') && t.endsWith('/') && entryRegExp(t) === null;
  });
}

/** One filter entry per line; blank lines dropped. */
export function parseLines(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((s) => s.trim())
    .filter(Boolean);
}
