/**
 * Pure parts: property parsing (the base wires its config loader through it), the status aggregator and
 * HTTP mapper, and content negotiation.
 */
import { describe, expect, test } from 'vitest';
import {
  ACTUATOR_PROPERTIES,
  ACTUATOR_V2_JSON,
  ACTUATOR_V3_JSON,
  DEFAULT_ACTUATOR_CONFIG,
  HttpCodeStatusMapper,
  StatusAggregator,
  actuatorConfigFromProperties,
  negotiate,
  resolveActuatorConfig,
} from '@nodeark/actuator';

describe('actuatorConfigFromProperties', () => {
  test('maps Spring/Koupleless keys (dotted or nested, typed or string) onto option fields', () => {
    const c = actuatorConfigFromProperties({
      'management.endpoints.web.exposure.include': 'health,info',
      'management.endpoint.health.show-details': 'ALWAYS',
      'management.endpoint.health.show-components': 'when_authorized',
      'management.endpoint.health.probes.enabled': 'true',
      'management.endpoint.health.status.order': 'DOWN, OUT_OF_SERVICE, UNKNOWN, UP',
      'management.endpoint.health.status.http-mapping.DOWN': '500',
      'management.endpoint.health.status.http-mapping.out-of-service': 200,
      'management.endpoint.health.group.readiness.include': 'readinessState,masterBizStartUp',
      'management.endpoint.health.group.readiness.status.http-mapping.down': '599',
      'management.health.diskspace.threshold': '20MB',
      'koupleless.healthcheck.base.readiness.withAllBizReadiness': true,
      'com.alipay.sofa.koupleless.runtime.operation.silence-seconds-before-uninstall': '2',
      'nodeark.actuator.health.component-names': 'runtime',
      'nodeark.actuator.health.indicator-timeout': '2s',
      management: { endpoints: { web: { 'base-path': '/manage' } } },
      'info.app.owner': 'team-a',
      'server.port': 8080, // not ours: ignored
    });
    expect(c).toEqual({
      exposureInclude: ['health', 'info'],
      showDetails: 'always',
      showComponents: 'when-authorized',
      probesEnabled: true,
      statusOrder: ['DOWN', 'OUT_OF_SERVICE', 'UNKNOWN', 'UP'],
      statusHttpMapping: { DOWN: 500, 'out-of-service': 200 },
      groups: { readiness: { include: ['readinessState', 'masterBizStartUp'], statusHttpMapping: { down: 599 } } },
      diskSpaceThreshold: 20 * 1024 * 1024,
      withAllBizReadiness: true,
      silenceSecondsBeforeUninstall: 2,
      componentNames: 'runtime',
      indicatorTimeoutMs: 2000,
      basePath: '/manage',
      infoEnv: { app: { owner: 'team-a' } },
    });
  });

  test('malformed values and unknown owned keys fail naming the key', () => {
    expect(() => actuatorConfigFromProperties({ 'management.endpoint.health.show-details': 'sometimes' })).toThrow(
      expect.objectContaining({ code: 'NODEARK_ERR_ACTUATOR_INVALID_CONFIG', message: expect.stringContaining('management.endpoint.health.show-details') }),
    );
    expect(() => actuatorConfigFromProperties({ 'koupleless.healthcheck.base.readiness.withAllBizReadiness': 'yes' })).toThrow(
      expect.objectContaining({ code: 'NODEARK_ERR_ACTUATOR_INVALID_CONFIG' }),
    );
    expect(() => actuatorConfigFromProperties({ 'management.endpoint.health.status.http-mapping.DOWN': '99' })).toThrow(
      expect.objectContaining({ code: 'NODEARK_ERR_ACTUATOR_INVALID_CONFIG' }),
    );
    expect(() => actuatorConfigFromProperties({ 'management.endpoint.health.show-detail': 'always' })).toThrow(
      expect.objectContaining({ code: 'NODEARK_ERR_ACTUATOR_UNKNOWN_PROPERTY', message: expect.stringContaining('did you mean "management.endpoint.health.show-details"') }),
    );
    expect(() => actuatorConfigFromProperties({ 'management.endpoint.health.group.x.colour': 'red' })).toThrow(
      expect.objectContaining({ code: 'NODEARK_ERR_ACTUATOR_UNKNOWN_PROPERTY' }),
    );
    expect(() => resolveActuatorConfig({ basePath: 'actuator' })).toThrow(expect.objectContaining({ code: 'NODEARK_ERR_ACTUATOR_INVALID_CONFIG' }));
  });

  test('every property maps to a real option field with a default slot', () => {
    for (const p of ACTUATOR_PROPERTIES) expect(Object.prototype.hasOwnProperty.call(DEFAULT_ACTUATOR_CONFIG, p.field)).toBe(true);
    expect(resolveActuatorConfig({}).basePath).toBe('/actuator');
    expect(resolveActuatorConfig({ basePath: '/x/' }).basePath).toBe('/x');
  });
});

describe('status model', () => {
  test('aggregation by order with normalised codes; custom codes ignored; none → UNKNOWN', () => {
    const a = new StatusAggregator(DEFAULT_ACTUATOR_CONFIG.statusOrder);
    expect(a.aggregate(['UP', 'UNKNOWN'])).toBe('UP');
    expect(a.aggregate(['UP', 'out-of-service'])).toBe('out-of-service');
    expect(a.aggregate(['UP', 'DOWN', 'OUT_OF_SERVICE'])).toBe('DOWN');
    expect(a.aggregate(['CUSTOM'])).toBe('UNKNOWN');
    expect(new StatusAggregator(['DOWN', 'OUT_OF_SERVICE', 'UNKNOWN', 'UP']).aggregate(['UP', 'UNKNOWN'])).toBe('UNKNOWN');
  });

  test('http mapping: defaults DOWN/OUT_OF_SERVICE → 503; a custom mapping replaces them', () => {
    const d = new HttpCodeStatusMapper({});
    expect([d.statusCode('DOWN'), d.statusCode('OUT_OF_SERVICE'), d.statusCode('UP'), d.statusCode('UNKNOWN'), d.statusCode('X')]).toEqual([503, 503, 200, 200, 200]);
    const m = new HttpCodeStatusMapper({ down: 500 });
    expect([m.statusCode('DOWN'), m.statusCode('OUT_OF_SERVICE')]).toEqual([500, 200]);
  });
});

describe('content negotiation', () => {
  test.each([
    [undefined, ACTUATOR_V3_JSON],
    ['*/*', ACTUATOR_V3_JSON],
    ['application/*', ACTUATOR_V3_JSON],
    ['application/json', 'application/json'],
    [ACTUATOR_V2_JSON, ACTUATOR_V2_JSON],
    [`${ACTUATOR_V2_JSON}, ${ACTUATOR_V3_JSON};q=0.5`, ACTUATOR_V2_JSON],
    ['text/html,application/xhtml+xml,*/*;q=0.8', ACTUATOR_V3_JSON],
    ['application/json, */*', 'application/json'],
    ['text/plain', undefined],
    [`${ACTUATOR_V3_JSON};q=0`, undefined],
  ])('Accept %s → %s', (accept, expected) => {
    expect(negotiate(accept)?.contentType).toBe(expected);
  });
});
