export default {
  async start(ctx) {
    ctx.logger.warn('about to fail on purpose');
    throw new Error('database migration failed (on purpose: this example shows a failed install)');
  },
  fetch() {
    return new Response('unreachable');
  },
};
