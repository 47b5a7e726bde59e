import { defineConfig } from 'vitest/config';

// Tests import the packages by name, so they run against the built `dist/` (workers need real JS files).
// `npm test` builds first. Forks keep each test file in its own process: a misbehaving worker in one file
// cannot disturb another file's servers.
export default defineConfig({
  test: {
    include: ['packages/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 30_000,
    teardownTimeout: 10_000,
    // The coverage gate: `npm test -- --coverage` (CI's Node 20 pass). Off unless asked for.
    //
    // What is counted: the code that runs in the test processes themselves. That code is the built
    // `dist/*.js` (the tests import the packages by name), so `dist` is included and mapped back through
    // the emitted source maps to `packages/*/src/**/*.ts`; a source file no test loads counts as 0 %.
    //
    // What is not counted: V8 coverage sees only the test process's main thread. Module code and the
    // runtime's worker side (`packages/runtime/src/worker/`: the module server, the fetch adapter, health
    // evaluation inside the worker) run in worker threads, and whatever a test reaches through a spawned
    // process (`bin/nodeark.js` runs, `nodeark start`, process-isolated modules, the examples) runs in a
    // child process; none of those are counted, though the suite exercises them through their observable
    // behaviour. So a low figure for a file under `worker/` or `cli/` means "runs elsewhere", not
    // "untested". Also left out: the generated Arklet input checks (`npm run gen:arklet-checks`), the
    // console's browser script, declaration files, test fixtures, examples and bench.
    //
    // The thresholds sit just below what the whole suite measured (Node 20: lines 90.3 %, statements 87.1 %,
    // functions 84.9 %, branches 78.5 % with the connection relay's tests; 90.0/86.7/84.5/77.6 when the gate
    // was added; the worker side 37 % of lines, for the reason above). The slack absorbs timing-dependent
    // branches (retries, races a test may or may not hit). Raise them when coverage rises; never lower them
    // to let a change through.
    coverage: {
      provider: 'v8',
      include: ['packages/*/dist/**/*.js', 'packages/*/src/**/*.ts'],
      exclude: [
        '**/*.d.ts',
        'packages/arklet/src/generated/**',
        'packages/arklet/dist/generated/**',
        'packages/base/src/console/static/**',
        'packages/base/dist/console/static/**',
        'packages/*/test/**',
        'examples/**',
        'bench/**',
      ],
      reporter: ['text-summary', 'json-summary'],
      reportsDirectory: 'coverage',
      // A failing test should still show the figures (and the threshold check) rather than hide them.
      reportOnFailure: true,
      thresholds: {
        lines: 89.5,
        functions: 84,
        branches: 77,
        statements: 86,
      },
    },
  },
});
