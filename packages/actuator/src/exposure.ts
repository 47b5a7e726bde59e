/**
 * Which web endpoints are served and where (docs/health.md § Endpoint mechanics): an endpoint is served
 * when it is enabled, included by `management.endpoints.web.exposure.include` and not excluded, at
 * `{base-path}/{path-mapping.<id> or <id>}`.
 */
import type { ActuatorConfig } from './config.js';

/** The web endpoints the actuator serves. */
export type EndpointId = 'health' | 'info' | 'prometheus' | 'metrics';

/** True when the endpoint is enabled and exposed over HTTP (an exclude wins over an include). */
export function isExposed(config: ActuatorConfig, id: EndpointId): boolean {
  const enabled =
    id === 'health'
      ? config.healthEnabled
      : id === 'info'
        ? config.infoEnabled
        : id === 'prometheus'
          ? config.prometheusEndpointEnabled
          : config.metricsEndpointEnabled;
  if (!enabled) return false;
  const inc = config.exposureInclude.map((s) => s.toLowerCase());
  const exc = config.exposureExclude.map((s) => s.toLowerCase());
  if (exc.includes(id) || exc.includes('*')) return false;
  return inc.includes(id) || inc.includes('*');
}

/** The endpoint's path segment under the base path (`health`, or its `path-mapping`). */
export function endpointSegment(config: ActuatorConfig, id: EndpointId): string {
  return config.pathMapping[id] ?? id;
}

/** The endpoint's full path (`/actuator/health`). */
export function endpointPath(config: ActuatorConfig, id: EndpointId): string {
  return `${config.basePath}/${endpointSegment(config, id)}`;
}
