// Writes docs/arklet-openapi.json: the OpenAPI 3.1 document a base's Arklet serves at GET /openapi.json
// (built-in commands only), fetched from a real Arklet on a loopback port. Run after `npm run build`:
// `npm run docs:openapi`. A test keeps the committed file equal to what is served.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BizRuntime } from '@nodeark/runtime';
import { createArklet } from '@nodeark/arklet';

/** The document a fresh Arklet (built-in commands) serves, as committed: 2-space JSON and a newline. */
export async function servedOpenApi() {
  const store = await mkdtemp(join(tmpdir(), 'nodeark-openapi-'));
  const runtime = new BizRuntime({ storeDir: store, watchdog: { intervalMs: 0 } });
  const arklet = await createArklet({ runtime, masterBiz: { bizName: 'base', bizVersion: '1.0.0' }, port: 0, portExplicit: true, host: '127.0.0.1' });
  try {
    const res = await fetch(`${arklet.url}/openapi.json`);
    if (res.status !== 200) throw new Error(`GET /openapi.json answered ${res.status}`);
    return `${JSON.stringify(await res.json(), null, 2)}\n`;
  } finally {
    await arklet.close();
    await runtime.close();
    await rm(store, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const out = fileURLToPath(new URL('../docs/arklet-openapi.json', import.meta.url));
  await writeFile(out, await servedOpenApi());
  console.log(`wrote ${out}`);
}
