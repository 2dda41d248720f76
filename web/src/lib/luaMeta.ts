// Reads the LuaLS annotations of scripts/lua/hawk.meta.lua into the list
// of completions the workflow editor offers: every `function a.b(x, y)`
// with the `---` description above it and its @param/@return lines.

export interface LuaApiEntry {
  /** full name as written in a script: "hawk.llm.score" */
  name: string;
  /** "hawk.llm.score(job)" */
  signature: string;
  /** the description lines above the function, joined */
  doc: string;
  params: { name: string; type: string }[];
  returns: string[];
}

const FUNC = /^function\s+([A-Za-z_][\w.]*)\s*\(([^)]*)\)/;
const PARAM = /^---@param\s+(\S+)\s+(\S+)/;
const RETURN = /^---@return\s+(.+)$/;

export function parseLuaMeta(text: string): LuaApiEntry[] {
  const out: LuaApiEntry[] = [];
  let doc: string[] = [];
  let params: { name: string; type: string }[] = [];
  let returns: string[] = [];
  const reset = () => {
    doc = [];
    params = [];
    returns = [];
  };
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line.startsWith('---@')) {
      const p = PARAM.exec(line);
      const r = RETURN.exec(line);
      if (p) params.push({ name: p[1], type: p[2] });
      else if (r) returns.push(r[1].trim());
      else if (line.startsWith('---@class') || line.startsWith('---@field') || line.startsWith('---@meta')) reset();
      continue;
    }
    if (line.startsWith('---')) {
      doc.push(line.slice(3).trim());
      continue;
    }
    const f = FUNC.exec(line);
    if (f) {
      const args = f[2]
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      out.push({
        name: f[1],
        signature: `${f[1]}(${args.join(', ')})`,
        doc: doc.join(' ').trim(),
        params: params.length ? params : args.map((a) => ({ name: a, type: 'any' })),
        returns,
      });
    }
    reset();
  }
  return out;
}
