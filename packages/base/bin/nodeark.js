#!/usr/bin/env node
// The `nodeark` CLI entry. The implementation lives in the built package (`npm run build`).
import { main } from '../dist/cli/main.js';

main(process.argv.slice(2)).then(
  (code) => { if (typeof code === 'number') process.exitCode = code; },
  (err) => {
    process.stderr.write(`nodeark: ${err && err.message ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
