import { describe, expect, it } from 'vitest';
import { badEntries, entryRegExp, firstHit, parseLines } from '../src/lib/blacklist';

describe('blacklist preview', () => {
  it('matches phrases on whole words, ignoring case', () => {
    expect(firstHit(['senior'], 'Senior Backend Engineer')).toEqual({ entry: 'senior' });
    expect(firstHit(['intern'], 'Internal Tools Engineer')).toBeNull();
    expect(firstHit(['sales manager'], 'Regional Sales  Manager')).toEqual({ entry: 'sales manager' });
    expect(firstHit(['c++'], 'Staff Engineer (C++)')).toEqual({ entry: 'c++' });
  });
  it('takes /regex/ entries', () => {
    expect(firstHit(['/^jun(ior)?\\b/'], 'Junior Dev')).toEqual({ entry: '/^jun(ior)?\\b/' });
    expect(firstHit(['/^jun(ior)?\\b/'], 'A Junior Dev')).toBeNull();
  });
  it('reports patterns that do not compile', () => {
    expect(entryRegExp('/(/')).toBeNull();
    expect(badEntries(['/(/', 'ok', '/fine/'])).toEqual(['/(/']);
  });
  it('reads one entry per line', () => {
    expect(parseLines(' a \n\n b\r\nc ')).toEqual(['a', 'b', 'c']);
  });
});
