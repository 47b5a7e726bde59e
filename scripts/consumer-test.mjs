#!/usr/bin/env node
// The "npm dependency in a base service" promise, tested as a user meets it: every package is packed, the
// tarballs are installed into a scratch app outside the repository together with the app's own fastify, a
// strict TypeScript consumer (module nodenext) that embeds nodearkPlugin with its own logger and routes is
// type-checked and run, a module is installed over the Arklet and reached, and the app's routes still work.
//
//   node scripts/consumer-test.mjs              (needs `npm run build` first and the npm registry)
//   CONSUMER_FASTIFY_VERSIONS="5.0.0 5" node scripts/consumer-test.mjs
//
// Fails on: an install warning (EBADENGINE, peer conflicts, …), a nested copy of fastify, an optional peer
// (mqtt, @nodeark/rollout, yaml) installed without being asked for, a type error, a failed check in the app.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const PACKAGES = ['biz', 'runtime', 'client', 'actuator', 'arklet', 'tunnels', 'rollout', 'base'];
const fastifyVersions = (process.env.CONSUMER_FASTIFY_VERSIONS ?? '5.6 5.0.0').split(/\s+/).filter(Boolean);
const keep = process.env.CONSUMER_KEEP === '1';
const started = Date.now();

const step = (msg) => console.log(`[consumer ${((Date.now() - started) / 1000).toFixed(1)}s] ${msg}`);
function fail(msg) {
  console.error(`consumer test FAILED: ${msg}`);
  process.exit(1);
}
function run(cmd, args, cwd, { allowWarnings = false } = {}) {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, npm_config_update_notifier: 'false' } });
  const out = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  if (r.status !== 0) fail(`${cmd} ${args.join(' ')} exited ${r.status}\n${out}`);
  if (!allowWarnings) {
    // Only npm's own "npm warn" lines count; the npm of some machines adds notices about install scripts of
    // packages this app does not even contain, which are not about our packages.
    const warnings = out.split('\n').filter((l) => /^npm warn/i.test(l) && !/install-scripts|Run `npm install-scripts/.test(l));
    if (warnings.some((l) => l.trim() !== 'npm warn')) fail(`${cmd} ${args.join(' ')} warned:\n${warnings.join('\n')}`);
  }
  return out;
}

if (!existsSync(join(root, 'packages/base/dist/index.js'))) fail('build first: npm run build');
const work = mkdtempSync(join(tmpdir(), 'nodeark-consumer-'));
const tarballs = join(work, 'tarballs');
const app = join(work, 'app');
mkdirSync(tarballs);
mkdirSync(join(app, 'src'), { recursive: true });
step(`node ${process.version}, npm ${execFileSync('npm', ['--version'], { encoding: 'utf8' }).trim()}, scratch app ${app}`);

for (const p of PACKAGES) run('npm', ['pack', '--silent', '--pack-destination', tarballs], join(root, 'packages', p), { allowWarnings: true });
const packed = readdirSync(tarballs).filter((f) => f.endsWith('.tgz'));
if (packed.length !== PACKAGES.length) fail(`expected ${PACKAGES.length} tarballs, got ${packed.join(', ')}`);
step(`packed ${packed.join(', ')}`);
for (const t of packed) {
  const listing = execFileSync('tar', ['-tzf', join(tarballs, t)], { encoding: 'utf8' }).split('\n').filter(Boolean);
  const unwanted = listing.filter((f) => /\.test\.|tsbuildinfo|\.d\.ts\.map$|\/src\/|\/test\//.test(f));
  if (unwanted.length) fail(`${t} ships files that do not run: ${unwanted.join(', ')}`);
  for (const needed of ['package/README.md', 'package/LICENSE', 'package/dist/index.js', 'package/dist/index.d.ts']) {
    if (!listing.includes(needed)) fail(`${t} lacks ${needed}`);
  }
  // The web console's static files reach dist through npm run build (scripts/copy-console-assets.mjs), not tsc.
  if (/^nodeark-\d/.test(t)) {
    for (const file of ['index.html', 'console.js', 'console.css']) {
      if (!listing.includes(`package/dist/console/static/${file}`)) fail(`${t} lacks the console's ${file}`);
    }
  }
}

writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'consumer-base', version: '1.0.0', private: true, type: 'module' }, null, 2));
writeFileSync(
  join(app, 'tsconfig.json'),
  JSON.stringify(
    {
      compilerOptions: {
        target: 'ES2022',
        module: 'nodenext',
        moduleResolution: 'nodenext',
        strict: true,
        exactOptionalPropertyTypes: true,
        noUncheckedIndexedAccess: true,
        skipLibCheck: false,
        types: ['node'],
        outDir: 'dist',
        rootDir: 'src',
      },
      include: ['src'],
    },
    null,
    2,
  ),
);
writeFileSync(join(app, 'src', 'main.ts'), CONSUMER_SOURCE());

// Everything but the optional rollout package: a base that does not use rollouts or MQTT must not need them.
const needed = packed.filter((t) => !t.startsWith('nodeark-rollout-')).map((t) => join(tarballs, t));
const nodeTypes = `@types/node@${process.versions.node.split('.')[0]}`;
for (const [i, fastifyVersion] of fastifyVersions.entries()) {
  step(`installing the tarballs with fastify@${fastifyVersion}`);
  const installArgs = ['install', '--no-audit', '--no-fund', ...(i === 0 ? needed : []), `fastify@${fastifyVersion}`];
  if (i === 0) installArgs.push('typescript@5.9.3', nodeTypes);
  run('npm', installArgs, app);
  const fastifies = run('npm', ['ls', 'fastify', '--all', '--parseable'], app, { allowWarnings: true }).split('\n').filter((l) => l.includes('node_modules'));
  if (fastifies.length !== 1) fail(`expected one fastify, found ${fastifies.length}:\n${fastifies.join('\n')}`);
  for (const absent of ['mqtt', 'yaml', '@nodeark/rollout']) {
    if (existsSync(join(app, 'node_modules', absent))) fail(`${absent} was installed although nothing asked for it`);
  }
  step(`fastify ${run('node', ['-p', "require('fastify/package.json').version"], app).trim()}; type-checking (strict, nodenext)`);
  run('npx', ['tsc', '-p', '.'], app);
  step('running the consumer');
  const out = run('node', ['dist/main.js'], app, { allowWarnings: true });
  process.stdout.write(out.split('\n').filter((l) => l.startsWith('check')).map((l) => `  ${l}\n`).join(''));
  if (!out.includes('consumer OK')) fail(`the consumer did not finish:\n${out}`);
}

step('CommonJS consumers: require("nodeark")');
const cjs = run('node', ['-e', "const n = require('nodeark'); if (typeof n.createBase !== 'function' || typeof n.nodearkPlugin !== 'function') process.exit(3); console.log('require OK')"], app, { allowWarnings: true });
if (!cjs.includes('require OK')) fail(`require('nodeark') failed:\n${cjs}`);

step('the CLI without the optional rollout package');
const cli = spawnSync('npx', ['--no-install', 'nodeark', 'rollout', 'plan', 'deployment.yaml'], { cwd: app, encoding: 'utf8' });
if (cli.status === 0 || !/@nodeark\/rollout/.test(cli.stderr) || /\n\s+at /.test(cli.stderr)) {
  fail(`nodeark rollout without @nodeark/rollout: exit ${cli.status}, stderr:\n${cli.stderr}`);
}
step(`  ${cli.stderr.trim().split('\n')[0]}`);

if (!keep) rmSync(work, { recursive: true, force: true });
step('consumer test passed');

/** The consumer: an existing fastify service that embeds nodeark (what docs/embedding.md describes). */
function CONSUMER_SOURCE() {
  return `import { mkdtemp, mkdir, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { fastify } from 'fastify';
import { createBase, nodearkPlugin, type NodearkPluginOptions } from 'nodeark';

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(\`check failed: \${what}\`);
  console.log(\`check ok: \${what}\`);
}

async function moduleDir(root: string, name: string, webContextPath: string): Promise<string> {
  const dir = join(root, name);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name, version: '1.0.0', type: 'module', nodeark: { webContextPath } }));
  await writeFile(
    join(dir, 'index.mjs'),
    'export default { start() { console.log("' + name + ' started"); }, fetch: (req) => Response.json({ from: "' + name + '", path: new URL(req.url).pathname }) };',
  );
  return pathToFileURL(dir).href;
}

interface ArkletAnswer { code: string; data?: { code?: string; message?: string } }

const work = await mkdtemp(join(tmpdir(), 'consumer-run-'));
const lines: string[] = [];
const app = fastify({ logger: { level: 'info', stream: { write: (l: string) => void lines.push(l) } } });
app.get('/orders', async () => ({ orders: [1, 2] }));
const options: NodearkPluginOptions = {
  logger: app.log,
  env: {},
  config: {
    'nodeark.store.dir': join(work, 'store'),
    'koupleless.arklet.http.port': 0,
    'koupleless.arklet.http.host': '127.0.0.1',
  },
};
await app.register(nodearkPlugin, options);
app.get('/status', async () => ({ modules: app.nodeark.runtime.list().length }));
const url = await app.listen({ port: 0, host: '127.0.0.1' });
for (let i = 0; i < 500 && !app.nodeark.arklet; i++) await new Promise((r) => setTimeout(r, 10));
const arklet = app.nodeark.arklet;
if (!arklet) throw new Error('the Arklet did not start');
const install = async (bizUrl: string, bizName: string): Promise<ArkletAnswer> =>
  (await (await fetch(\`\${arklet.url}/installBiz\`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ bizUrl, bizName, bizVersion: '1.0.0' }),
  })).json()) as ArkletAnswer;

const hello = await install(await moduleDir(work, 'hello', 'hello'), 'hello');
check(hello.data?.code === 'SUCCESS', 'a module installs over the Arklet');
const reached = (await (await fetch(\`\${url}/hello/x\`)).json()) as { from: string; path: string };
check(reached.from === 'hello' && reached.path === '/x', 'the module answers under its path on the app port');
check(JSON.stringify(await (await fetch(\`\${url}/orders\`)).json()) === '{"orders":[1,2]}', "the app's own route registered before the plugin works");
check(JSON.stringify(await (await fetch(\`\${url}/status\`)).json()) === '{"modules":1}', "the app's own route registered after the plugin works");
const clash = await install(await moduleDir(work, 'orders', 'orders'), 'orders');
check(clash.data?.code === 'FAILED' && (clash.data.message ?? '').includes('the host app serves GET /orders'), 'a module may not shadow an app route');
const logged = lines.map((l) => JSON.parse(l) as { component?: string; biz?: string; msg?: string });
check(
  logged.some((l) => l.component === 'module' && l.biz === 'hello:1.0.0' && l.msg === 'hello started') && logged.some((l) => l.component === 'arklet'),
  "nodeark and the module's console log through the app's own logger",
);
await app.close();

// A base configured for the MQTT tunnel without the optional mqtt package: a clear error naming it.
const base = await createBase({
  env: {},
  config: {
    'server.port': 0,
    'server.address': '127.0.0.1',
    'nodeark.store.dir': join(work, 'store2'),
    'koupleless.arklet.http.port': 0,
    'koupleless.arklet.http.host': '127.0.0.1',
    'koupleless.arklet.mqtt.enable': true,
    'koupleless.arklet.mqtt.broker': '127.0.0.1',
    'logging.level.root': 'silent',
  },
});
const error = await base.listen().then(() => undefined, (err: { code?: string; message: string }) => err);
await base.close();
check(error?.code === 'NODEARK_ERR_TUNNEL_PACKAGE_MISSING' && error.message.includes('npm install mqtt'), 'MQTT configured without mqtt names the package to install');
await rm(work, { recursive: true, force: true });
console.log('consumer OK');
`;
}
