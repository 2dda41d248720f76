declare module 'virtual:hawk-lua-api' {
  const entries: import('./lib/luaMeta').LuaApiEntry[];
  export default entries;
}
