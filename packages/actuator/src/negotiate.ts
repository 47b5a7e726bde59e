/**
 * Content negotiation of actuator endpoints: producible types in order v3, v2, plain JSON.
 * No `Accept` or a wildcard → v3; `application/json` → JSON with the v3 body; v2 → v2; nothing matching → 406.
 */

export const V3 = 'application/vnd.spring-boot.actuator.v3+json';
export const V2 = 'application/vnd.spring-boot.actuator.v2+json';
export const JSON_TYPE = 'application/json';

const PRODUCIBLE = [V3, V2, JSON_TYPE] as const;

/** The negotiated response: its `Content-Type` and the API version of the body. */
export interface Negotiated {
  contentType: string;
  apiVersion: 'v2' | 'v3';
}

interface Range {
  type: string;
  subtype: string;
  q: number;
  index: number;
}

/** Returns the negotiated type, or `undefined` for 406 Not Acceptable. */
export function negotiate(accept: string | string[] | undefined): Negotiated | undefined {
  const header = Array.isArray(accept) ? accept.join(',') : accept;
  if (header === undefined || header.trim() === '') return { contentType: V3, apiVersion: 'v3' };
  const ranges = parseAccept(header);
  if (ranges.length === 0) return { contentType: V3, apiVersion: 'v3' };
  // Spring: each acceptable range paired with each compatible producible type (in producible order),
  // then sorted by quality (stable), first wins.
  const candidates: Array<{ type: string; q: number; order: number }> = [];
  let order = 0;
  for (const r of ranges) {
    if (r.q <= 0) continue;
    for (const p of PRODUCIBLE) {
      if (compatible(r, p) && !excluded(ranges, p)) candidates.push({ type: p, q: r.q, order: order++ });
    }
  }
  if (candidates.length === 0) return undefined;
  candidates.sort((a, b) => b.q - a.q || a.order - b.order);
  const type = candidates[0]!.type;
  return { contentType: type, apiVersion: type === V2 ? 'v2' : 'v3' };
}

function parseAccept(header: string): Range[] {
  const out: Range[] = [];
  header.split(',').forEach((part, index) => {
    const [mediaRaw, ...params] = part.split(';');
    const media = mediaRaw?.trim().toLowerCase() ?? '';
    if (media === '') return;
    const slash = media.indexOf('/');
    const type = slash === -1 ? media : media.slice(0, slash);
    const subtype = slash === -1 ? '*' : media.slice(slash + 1);
    let q = 1;
    for (const p of params) {
      const [k, v] = p.split('=');
      if (k?.trim().toLowerCase() === 'q') {
        const n = Number(v?.trim());
        q = Number.isFinite(n) ? Math.min(1, Math.max(0, n)) : 1;
      }
    }
    out.push({ type, subtype, q, index });
  });
  // More specific ranges first at equal quality (`text/*` before `*/*`), keeping header order otherwise.
  return out.sort((a, b) => b.q - a.q || specificity(b) - specificity(a) || a.index - b.index);
}

function specificity(r: Range): number {
  return (r.type === '*' ? 0 : 1) + (r.subtype === '*' ? 0 : 1);
}

function compatible(r: Range, producible: string): boolean {
  const [type, subtype] = producible.split('/') as [string, string];
  if (r.type !== '*' && r.type !== type) return false;
  if (r.subtype === '*') return true;
  if (r.subtype === subtype) return true;
  // `application/*+json` matches every JSON suffix type.
  if (r.subtype.startsWith('*+')) return subtype.endsWith(r.subtype.slice(1));
  return false;
}

/** An explicit `q=0` on the exact type excludes it even if a wildcard would accept it. */
function excluded(ranges: Range[], producible: string): boolean {
  return ranges.some((r) => r.q === 0 && `${r.type}/${r.subtype}` === producible);
}
