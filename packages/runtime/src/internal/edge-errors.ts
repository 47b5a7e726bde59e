/**
 * Internal to nodeark's own packages (`@nodeark/runtime/internal/edge-errors`); not part of the runtime's
 * API and not re-exported from `@nodeark/runtime`. It may change in any release.
 *
 * The base answers `Upgrade` requests that reach no module with the same JSON edge error the runtime writes
 * on a routed request (the body shape and codes are in docs/errors.md), straight onto the socket. This
 * subpath loads that one writer and `node:http`, nothing else.
 * @packageDocumentation
 */
export { sendRawEdgeError } from '../http/raw-response.js';
