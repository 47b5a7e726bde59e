// A module that does not import @nodeark/biz at all: the contract is duck-typed.
let started = 0;

export default {
  async start(ctx) {
    started = Date.now();
    ctx.logger.info('hello module started with args %j', ctx.args);
  },
  async fetch(request, ctx) {
    const url = new URL(request.url);
    if (url.pathname === '/') {
      return Response.json({
        message: `Hello from ${ctx.bizName}:${ctx.bizVersion}`,
        prefix: request.headers.get('x-forwarded-prefix'),
        uptimeMs: Date.now() - started,
      });
    }
    if (url.pathname === '/echo' && request.method === 'POST') {
      return new Response(request.body, { headers: { 'content-type': request.headers.get('content-type') ?? 'application/octet-stream' } });
    }
    return Response.json({ error: 'not found', path: url.pathname }, { status: 404 });
  },
  async stop(ctx) {
    ctx.logger.info('hello module stopping');
  },
};
