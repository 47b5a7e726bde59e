#!/usr/bin/env node
// The `nodeark` CLI entry. The implementation lives in the built package (`npm run build`).
import { exitQuietlyOnClosedPipe, main } from '../dist/cli/main.js';

// `nodeark list | head -1`: the reader leaving is a normal end, not a crash.
exitQuietlyOnClosedPipe();
main(process.argv.slice(2)).then(
  // Exit explicitly: a base that has shut down may still hold idle handles (keep-alive sockets, timers).
  (code) => process.exit(typeof code === 'number' ? code : 0),
  (err) => {
    process.stderr.write(`nodeark: ${err && err.message ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
