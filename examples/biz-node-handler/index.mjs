// A plain Node (req, res) listener. An Express app works the same way: `export default { handler: app }`.
const counts = new Map();

export default {
  handler(req, res) {
    const path = req.url.split('?')[0];
    counts.set(path, (counts.get(path) ?? 0) + 1);
    if (req.method === 'POST') {
      let size = 0;
      req.on('data', (chunk) => (size += chunk.length));
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ received: size }));
      });
      return;
    }
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ module: 'biz-node-handler', path, hits: counts.get(path), prefix: req.headers['x-forwarded-prefix'] }));
  },
};
