// Imports the SDK without shipping it: the bare import resolves from the base's node_modules.
import { defineBiz, up, down } from '@nodeark/biz';

// Flip the "database" indicator with POST /health-demo/db/down and /health-demo/db/up.
let dbUp = true;

export default defineBiz({
  fetch(request) {
    const { pathname } = new URL(request.url);
    if (request.method === 'POST' && pathname === '/db/down') dbUp = false;
    if (request.method === 'POST' && pathname === '/db/up') dbUp = true;
    return Response.json({ db: dbUp ? 'UP' : 'DOWN' });
  },
  health: {
    ping: () => up(),
    db: async () => (dbUp ? up({ pool: 'ok' }) : down({ error: 'connection refused (simulated)' })),
  },
});
