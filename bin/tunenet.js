#!/usr/bin/env node
'use strict';
// The `tunenet` command: loads the compiled command line from dist/ (build it with
// `npx tsc -p tsconfig.build.json && node scripts/write-esm-entry.mjs`).
// Output piped into a reader that stops early (`| head`): stop quietly.
process.stdout.on('error', (e) => {
  if (e && e.code === 'EPIPE') process.exit(0);
  throw e;
});
let cli;
try {
  cli = require('../dist/cli/index.js');
} catch (e) {
  process.stderr.write(`tunenet: cannot load the compiled command line (dist/cli): ${String(e && e.message).split('\n')[0]}\n`);
  process.exit(2);
}
cli.main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
