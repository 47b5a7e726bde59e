#!/usr/bin/env node
// The `nodeark` CLI entry. The implementation lives in the built package (`npm run build`).
import module from 'node:module';

// Node 22.1+: keep V8's compiled code of the CLI and the base on disk between runs (as tsc and npm do), so
// a restart or a new pod compiles less (docs/operations.md § Start-up). NODE_DISABLE_COMPILE_CACHE=1 turns
// it off; NODE_COMPILE_CACHE=<dir> chooses the directory. Before the import below, so it covers the base.
try {
  module.enableCompileCache?.();
} catch {
  // A read-only or full temp directory only costs the speed-up.
}

const { exitQuietlyOnClosedPipe, main } = await import('../dist/cli/main.js');

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
