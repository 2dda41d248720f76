import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseLuaMeta } from '../src/lib/luaMeta';

describe('hawk.meta.lua completions', () => {
  it('reads functions with their docs and params', () => {
    const out = parseLuaMeta(`---@class hawk.Job
---@field title string

---Search a job board.
---@param query hawk.SearchQuery
---@return hawk.Job[]
function hawk.search(query) end
hawk.llm = {}
function hawk.llm.score(job) end
`);
    expect(out.map((e) => e.name)).toEqual(['hawk.search', 'hawk.llm.score']);
    expect(out[0].doc).toBe('Search a job board.');
    expect(out[0].params).toEqual([{ name: 'query', type: 'hawk.SearchQuery' }]);
    expect(out[0].returns).toEqual(['hawk.Job[]']);
    expect(out[1].signature).toBe('hawk.llm.score(job)');
    expect(out[1].doc).toBe('');
  });
  it('covers the shipped meta file', () => {
    const text = readFileSync(new URL('../../scripts/lua/hawk.meta.lua', import.meta.url), 'utf8');
    const names = parseLuaMeta(text).map((e) => e.name);
    for (const n of ['hawk.search', 'hawk.apply', 'hawk.llm.score', 'hawk.state.get', 'hawk.log']) expect(names).toContain(n);
  });
});
