// tests/check_engines.js - every package pinned by the project's npm lock
// files must declare engines that Debian 12's Node.js and npm satisfy, so
// `npm ci` on a newcomer's machine prints no EBADENGINE warning.  One
// deliberate exception is listed (and explained) in
// scripts/install-deps.sh: the S3 test peer.
//   node tests/check_engines.js SOURCE_DIR
'use strict';
const path = require('path');
const src = process.argv[2] || path.join(__dirname, '..');
let semver;
try {
  semver = require(path.join(src, 'tests', 'node_modules', 'semver'));
} catch (e) {
  console.error('check_engines: tests/node_modules is missing: run scripts/install-deps.sh test');
  process.exit(1);
}
// What bookworm ships (nodejs 18.20.4+dfsg, npm 9.2.0~ds1).
const debian = { node: '18.20.4', npm: '9.2.0' };
const locks = ['tests', 'web', 'tests/e2e', 'tests/peers/s3'];
const allowed = new Set(['tests/peers/s3:@20minutes/s3rver']);
let bad = 0;
for (const dir of locks) {
  const lock = require(path.join(src, dir, 'package-lock.json'));
  for (const [key, pkg] of Object.entries(lock.packages || {})) {
    const engines = pkg.engines;
    if (!engines || Array.isArray(engines) || pkg.optional)
      continue;
    const name = key.replace(/^.*node_modules\//, '') || '(root)';
    for (const tool of Object.keys(debian)) {
      const want = engines[tool];
      if (!want || semver.satisfies(debian[tool], want, { includePrerelease: true }))
        continue;
      if (allowed.has(dir + ':' + name))
        continue;
      console.log(`${dir}/package-lock.json: ${name}@${pkg.version} wants ${tool} ${want}; ` +
                  `Debian 12 has ${debian[tool]}: pin a version that accepts it`);
      bad++;
    }
  }
}
process.exit(bad ? 1 : 0);
