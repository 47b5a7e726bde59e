// Load generator process: autocannon 9 on 127.0.0.1 only, bounded duration, result posted to the parent.
import autocannon from 'autocannon';

const o = JSON.parse(process.argv[2]);
if (!/^http:\/\/127\.0\.0\.1:\d+\//.test(o.url)) throw new Error(`refusing to load a non-loopback URL: ${o.url}`);
const result = await autocannon({
  url: o.url,
  connections: o.connections ?? 20,
  duration: o.durationSec,
  method: o.method ?? 'GET',
  pipelining: 1,
  ...(o.rate ? { overallRate: o.rate } : {}),
  timeout: o.timeoutSec ?? 10,
  headers: o.headers ?? {},
  ...(o.bodyBytes ? { body: Buffer.alloc(o.bodyBytes, 120) } : {}),
});
process.send({
  rps: result.requests.average,
  rpsMean: result.requests.mean,
  totalRequests: result.requests.total,
  bytesPerSec: result.throughput.average,
  p50: result.latency.p50,
  p90: result.latency.p90,
  p99: result.latency.p99,
  max: result.latency.max,
  errors: result.errors,
  timeouts: result.timeouts,
  non2xx: result.non2xx,
  durationSec: o.durationSec,
});
process.disconnect();
