// An S3-compatible server for hawk's backup tests: @20minutes/s3rver,
// which checks SigV4 signatures (wrong secret -> 403
// SignatureDoesNotMatch).  Bound to 127.0.0.1 on a free port; prints
// {"port": N} on stdout once it listens, then serves until killed.
//
//   node peer.js DIR BUCKET KEY SECRET
//
// Needs --openssl-legacy-provider (continuation tokens of a truncated
// ListObjectsV2 are DES-encrypted).
'use strict';
const fs = require('fs');
const S3rver = require('@20minutes/s3rver');
const account = require('@20minutes/s3rver/lib/models/account');

const [dir, bucket, key, secret] = process.argv.slice(2);
if (!dir || !bucket || !key || !secret) {
  console.error('usage: node peer.js DIR BUCKET KEY SECRET');
  process.exit(2);
}
fs.mkdirSync(dir, { recursive: true });
account.DUMMY_ACCOUNT.createKeyPair(key, secret);
new S3rver({
  port: Number(process.env.S3_PEER_PORT || 0),
  address: '127.0.0.1',
  directory: dir,
  silent: true,
  configureBuckets: [{ name: bucket, configs: [] }],
})
  .run()
  .then((addr) => {
    process.stdout.write(JSON.stringify({ port: addr.port }) + '\n');
  })
  .catch((e) => {
    console.error('s3 peer failed: ' + e.message);
    process.exit(1);
  });
