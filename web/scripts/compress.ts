// Writes name.gz and name.br beside every text file of the build, so
// hawk (and nginx with gzip_static/brotli_static) can send them as they
// are.  Only when the copy is smaller.
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const TEXT = /\.(html|js|mjs|css|svg|json|map|txt|webmanifest)$/;

function walk(dir: string, out: string[]): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (TEXT.test(name)) out.push(p);
  }
  return out;
}

export function compressDir(dir: string): { files: number; bytes: number; gzip: number; br: number } {
  const sum = { files: 0, bytes: 0, gzip: 0, br: 0 };
  for (const file of walk(dir, [])) {
    const data = readFileSync(file);
    const gz = gzipSync(data, { level: 9 });
    const br = brotliCompressSync(data, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: 11,
        [constants.BROTLI_PARAM_SIZE_HINT]: data.length,
      },
    });
    sum.files++;
    sum.bytes += data.length;
    if (gz.length < data.length) {
      writeFileSync(file + '.gz', gz);
      sum.gzip += gz.length;
    }
    if (br.length < data.length) {
      writeFileSync(file + '.br', br);
      sum.br += br.length;
    }
  }
  return sum;
}

export function compressPlugin() {
  let outDir = 'dist';
  return {
    name: 'hawk-compress',
    apply: 'build' as const,
    configResolved(cfg: { build: { outDir: string } }) {
      outDir = cfg.build.outDir;
    },
    closeBundle() {
      const s = compressDir(outDir);
      console.log(`hawk-compress: ${s.files} files, ${s.bytes} bytes -> gzip ${s.gzip}, br ${s.br}`);
    },
  };
}
