/**
 * `@nodeark/client`: a typed client of the Arklet HTTP API, for custom platforms and the `nodeark` CLI.
 * See `docs/arklet-api.md`.
 * @packageDocumentation
 */
export {
  ArkletClient,
  assertSuccess,
  DEFAULT_ARKLET_URL,
  type ArkletClientOptions,
  type CallOptions,
  type WaitOptions,
} from './arklet-client.js';
export * from './errors.js';
export type * from './types.js';
