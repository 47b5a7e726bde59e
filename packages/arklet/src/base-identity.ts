/**
 * The default `baseIdentity` (docs/reference/arklet-protocol.md § Base identity): Java uses a non-loopback
 * IPv4 address of the machine. nodeark takes the first non-internal IPv4 address of `os.networkInterfaces()` (in
 * interface order), else the host name. Override it with the `baseIdentity` option; it must equal the
 * identity the base sends in its heartbeat.
 */
import { hostname, networkInterfaces } from 'node:os';

/** The first non-internal IPv4 address, else `os.hostname()`. */
export function defaultBaseIdentity(): string {
  for (const addrs of Object.values(networkInterfaces())) {
    for (const a of addrs ?? []) {
      if (!a.internal && (a.family === 'IPv4' || (a.family as unknown) === 4)) return a.address;
    }
  }
  return hostname();
}
