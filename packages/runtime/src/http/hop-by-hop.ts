/**
 * Hop-by-hop headers (RFC 9110 §7.6.1) are meaningful for one connection only and are dropped when a
 * request or response crosses the bridge; so is any header the `Connection` header names.
 */
const HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'proxy-authenticate',
  'proxy-authorization',
  'http2-settings',
]);

/** Filters a raw `[name, value, ...]` list, dropping hop-by-hop headers and those named by `Connection`. */
export function stripHopByHop(raw: string[], drop?: string): string[] {
  let named: Set<string> | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i]!.length === 10 && raw[i]!.toLowerCase() === 'connection') {
      named ??= new Set();
      for (const t of raw[i + 1]!.split(',')) named.add(t.trim().toLowerCase());
    }
  }
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    const lower = name.toLowerCase();
    if (HOP.has(lower) || named?.has(lower) || lower === drop) continue;
    out.push(name, raw[i + 1]!);
  }
  return out;
}
