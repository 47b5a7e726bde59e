/**
 * Loopback tests shared by the Arklet exposure warning and the console's access rules (docs/security.md).
 */

/**
 * True for an address only this machine can use: an IPv4 loopback address (also IPv4-mapped), `::1`, or the
 * name `localhost` (as a configured listen address may be written).
 */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  if (address === 'localhost') return true;
  const a = address.startsWith('::ffff:') ? address.slice(7) : address;
  return a === '::1' || a.startsWith('127.');
}
