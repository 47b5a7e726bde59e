#!/usr/bin/env node
// A bare Arklet over a real runtime, for trying the API with curl and for capturing the examples of
// docs/arklet-api.md. Not part of the package: run `npx tsc -b packages/arklet` first, then
//   node packages/arklet/scripts/docs-demo-server.mjs [--port 1238] [--identity 10.0.0.5] [--store /tmp/store]
// It prints the Arklet URL and stops on SIGINT/SIGTERM.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BizRuntime } from '@nodeark/runtime';
import { createArklet } from '@nodeark/arklet';

const { values } = parseArgs({
  options: { port: { type: 'string', default: '1238' }, identity: { type: 'string' }, store: { type: 'string' } },
});
const storeDir = values.store ?? (await mkdtemp(join(tmpdir(), 'nodeark-demo-store-')));
const runtime = new BizRuntime({ storeDir, baseNodeModules: null });
const arklet = await createArklet({
  runtime,
  host: '127.0.0.1',
  port: Number(values.port),
  portExplicit: true,
  masterBiz: { bizName: 'demo-base', bizVersion: '1.0.0' },
  ...(values.identity ? { baseIdentity: values.identity } : {}),
});
arklet.registerHealthIndicator('queue', () => ({ depth: 0, consumers: 2 }));
process.stdout.write(`arklet listening on ${arklet.url} (baseIdentity ${arklet.baseIdentity}, store ${storeDir})\n`);
const stop = async () => {
  await arklet.close();
  await runtime.close();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
