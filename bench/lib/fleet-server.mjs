// One "hello" service of the fleet scenario as a process of its own (a plain `node fleet-server.mjs`, or a
// PM2 app): the same Node handler the nodeark modules run (bench/fixtures/node-hello), on
// http://127.0.0.1:$PORT/ and nothing else. Exits on SIGTERM/SIGINT like any small service.
import { createServer } from 'node:http';
import svc from '../fixtures/node-hello/index.mjs';

const port = Number(process.env.PORT);
if (!Number.isInteger(port) || port <= 0) throw new Error(`PORT must be a port number (got ${process.env.PORT})`);
const server = createServer((req, res) => svc.handler(req, res));
server.keepAliveTimeout = 72_000;
server.listen(port, '127.0.0.1');
