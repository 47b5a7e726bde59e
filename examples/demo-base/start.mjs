// The demo base: a nodeark base with the example modules installed statically (from ./modules), plus one
// route of the base's own. Run from the repository root with `npm start`.
import { fileURLToPath } from 'node:url';
import { createBase } from 'nodeark';

const here = fileURLToPath(new URL('.', import.meta.url));

const base = await createBase({
  // Defaults for the demo; the environment and --key=value arguments still override them.
  config: {
    'spring.application.name': 'demo-base',
    'com.alipay.sofa.ark.static.biz.dir': `${here}modules`,
    'nodeark.store.dir': `${here}.nodeark/store`,
    'management.endpoints.web.exposure.include': 'health,info',
    'management.endpoint.health.show-details': 'always',
    'management.endpoint.health.probes.enabled': 'true',
    // The web console (docs/console.md): loopback clients only, as no Arklet token is set.
    'nodeark.console.enabled': true,
  },
  argv: process.argv.slice(2),
});

// The base's own routes live beside the modules.
base.app.get('/', async () => ({
  base: 'demo-base',
  modules: base.runtime.list().map((b) => ({ identity: b.identity, state: b.bizState, path: `/${b.webContextPath}` })),
}));

const { url, arkletUrl } = await base.listen();
console.error(`demo base ready: ${url}  (Arklet API: ${arkletUrl ?? 'disabled'})`);
console.error(`try: curl ${url}/hello/   curl ${url}/node/   curl ${url}/actuator/health`);
console.error(`     curl -L ${url}/express/   curl ${url}/nest/greetings   curl -N ${url}/chat/feed   (chat page: ${url}/chat/)`);
console.error(`console: ${url}/nodeark/console/  (from this machine)`);

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    base.close().then(() => process.exit(0), () => process.exit(2));
  });
}
