// Vite builds the pages into $HAWK_WEB_OUT (the build folder, set by
// CMake) or dist/, with content-hashed names under assets/ and a .gz and
// .br copy of every text file for hawk to send precompressed.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';
import { compressPlugin } from './scripts/compress';
import { parseLuaMeta } from './src/lib/luaMeta';

const metaPath = fileURLToPath(new URL('../scripts/lua/hawk.meta.lua', import.meta.url));

// `import api from 'virtual:hawk-lua-api'`: the workflow API from
// scripts/lua/hawk.meta.lua, for the editor's completions.
function luaApiPlugin(): Plugin {
  const id = 'virtual:hawk-lua-api';
  return {
    name: 'hawk-lua-api',
    resolveId(source: string) {
      return source === id ? '\0' + id : null;
    },
    load(source: string) {
      if (source !== '\0' + id) return null;
      this.addWatchFile(metaPath);
      const entries = parseLuaMeta(readFileSync(metaPath, 'utf8'));
      return 'export default ' + JSON.stringify(entries) + ';';
    },
  };
}

export default defineConfig({
  base: '/app/',
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: {
    outDir: process.env.HAWK_WEB_OUT || 'dist',
    emptyOutDir: true,
    target: 'es2020',
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    reportCompressedSize: false,
  },
  plugins: [luaApiPlugin(), compressPlugin()],
  server: {
    proxy: {
      '/api': process.env.HAWK_URL || 'http://127.0.0.1:8080',
      '/health': process.env.HAWK_URL || 'http://127.0.0.1:8080',
    },
  },
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
  },
} as never);
