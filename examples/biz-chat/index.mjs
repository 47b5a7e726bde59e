// A chat: socket.io for browsers (polling and WebSocket), a Server-Sent Events feed for anything that
// speaks HTTP (curl -N http://127.0.0.1:8080/chat/feed), and POST /say to talk from curl. The module
// creates its http.Server and never listens: the base hands it its connections and upgrades.
import { createServer } from 'node:http';
import { Server } from 'socket.io';

const feeds = new Set();
const history = [];

function broadcast(message) {
  history.push(message);
  if (history.length > 50) history.shift();
  io.emit('message', message);
  for (const res of feeds) res.write(`data: ${JSON.stringify(message)}\n\n`);
}

const page = `<!doctype html><html lang="en"><meta charset="utf-8"><title>nodeark chat</title>
<script src="socket.io/socket.io.js"></script>
<ul id="log" aria-live="polite"></ul>
<form id="f"><label>Message <input id="m" autocomplete="off" required></label><button>Send</button></form>
<script>
  // The mounted path: the page is served at /chat/, so socket.io lives at /chat/socket.io.
  const socket = io({ path: location.pathname.replace(/\\/$/, '') + '/socket.io' });
  socket.on('message', (m) => { const li = document.createElement('li'); li.textContent = m.from + ': ' + m.text; log.append(li); });
  f.onsubmit = (e) => { e.preventDefault(); socket.emit('say', m.value); m.value = ''; };
</script></html>`;

const server = createServer((req, res) => {
  const path = req.url.split('?')[0];
  if (path === '/' && req.method === 'GET') {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(page);
  } else if (path === '/feed' && req.method === 'GET') {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    res.flushHeaders(); // the head goes out now, not with the first message
    for (const m of history) res.write(`data: ${JSON.stringify(m)}\n\n`);
    feeds.add(res);
    req.on('close', () => feeds.delete(res));
  } else if (path === '/say' && req.method === 'POST') {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (c) => (text += c));
    req.on('end', () => {
      broadcast({ from: 'http', text: text.trim(), at: Date.now() });
      res.writeHead(204).end();
    });
  } else if (!path.startsWith('/socket.io/')) {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
  }
});

const io = new Server(server);
io.on('connection', (socket) => {
  socket.on('say', (text, ack) => {
    broadcast({ from: socket.id.slice(0, 6), text: String(text), at: Date.now() });
    if (typeof ack === 'function') ack('ok');
  });
});

export default {
  server,
  health: { chat: () => ({ status: 'UP', details: { sockets: io.engine.clientsCount, feeds: feeds.size } }) },
  stop() {
    for (const res of feeds) res.end();
    io.close();
  },
};
