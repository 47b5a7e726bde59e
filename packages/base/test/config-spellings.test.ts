/**
 * One answer per spelling: every value is read by the one coercion of its key's declaration, whichever
 * package declared the key (base, tunnels, actuator) and whichever way it arrives (argument, environment,
 * config options, the actuator's `actuatorConfigFromProperties`, a programmatic actuator option).
 * docs/configuration.md § Kinds lists the accepted forms.
 */
import { describe, expect, it } from 'vitest';
import {
  ACTUATOR_CONFIG_KEYS,
  DEFAULT_ACTUATOR_CONFIG,
  actuatorConfigFromProperties,
  envNamesOf,
  relaxedKey,
  resolveActuatorConfig,
  type ActuatorConfig,
} from '@nodeark/actuator';
import { ACTUATOR_CONFIG_SCHEMA, CONFIG_SCHEMA, loadConfig } from 'nodeark';

const GB = 1024 ** 3;

/** Keys of one kind, at least one per package that declares keys of that kind. */
const KEYS: Record<string, string[]> = {
  bool: ['nodeark.biz.trust-proxy', 'koupleless.arklet.mqtt.enable', 'management.endpoint.health.probes.enabled'],
  bytes: ['nodeark.bundle.max-archive-size', 'management.health.diskspace.threshold'],
  duration: [
    'nodeark.biz.start-timeout',
    'koupleless.arklet.http.heartbeat.interval',
    'nodeark.actuator.health.indicator-timeout',
    'management.endpoint.health.cache.time-to-live',
  ],
  int: ['nodeark.bundle.max-entries', 'com.alipay.sofa.koupleless.runtime.operation.silence-seconds-before-uninstall'],
  list: ['nodeark.bundle.allowed-hosts', 'management.endpoints.web.exposure.include'],
  show: ['management.endpoint.health.show-details', 'management.endpoint.health.group.custom.show-details'],
};

/** [kind, spelling, the one answer]. */
const ACCEPTED: Array<[string, string, unknown]> = [
  ['bool', 'TRUE', true],
  ['bool', 'true', true],
  ['bool', 'True', true],
  ['bool', ' true ', true],
  ['bool', 'FALSE', false],
  ['bool', 'False', false],
  ['bytes', '1TB', 1024 * GB],
  ['bytes', '10MB', 10 * 1024 ** 2],
  ['bytes', '10mb', 10 * 1024 ** 2],
  ['bytes', '512KB', 512 * 1024],
  ['bytes', '2 GB', 2 * GB],
  ['bytes', '1048576', 1024 ** 2],
  ['duration', '30s', 30_000],
  ['duration', '500ms', 500],
  ['duration', '2m', 120_000],
  ['duration', '1h', 3_600_000],
  ['duration', '1d', 86_400_000],
  ['duration', 'PT30S', 30_000],
  ['duration', '2500', 2500],
  ['int', '5', 5],
  ['int', '+5', 5],
  ['list', ' a, b ,,c ', ['a', 'b', 'c']],
  ['show', 'WHEN_AUTHORIZED', 'when-authorized'],
  ['show', 'when-authorized', 'when-authorized'],
  ['show', 'When_Authorized', 'when-authorized'],
  ['show', 'ALWAYS', 'always'],
  ['show', 'never', 'never'],
];

/** [kind, spelling, what the error must add after the accepted forms]. */
const REFUSED: Array<[string, string, RegExp]> = [
  ['bool', 'yes', /expected true or false \(any case\)$/],
  ['bool', 'ture', /; did you mean "true"\?$/],
  ['bytes', '10M', /expected a data size.*512KB, 10MB, 1GB, 1TB.*; did you mean "10MB"\?$/],
  ['bytes', 'lots', /expected a data size.*1TB; any case\)$/],
  ['duration', '30sec', /expected a duration.*30s.*; did you mean "30s"\?$/],
  ['duration', '-1', /expected a duration/],
  ['int', 'five', /expected an integer/],
  ['list', '', /^$/], // an empty list is a list: not refused (checked below)
  ['show', 'sometimes', /expected one of never, when-authorized, always \(any case, _ for -\)$/],
  ['show', 'alwyas', /; did you mean "always"\?$/],
];

/** The field and, for a group key, the group an actuator key sets. */
function actuatorValue(c: Partial<ActuatorConfig>, key: string): unknown {
  if (key.startsWith('management.endpoint.health.group.custom.')) return c.groups?.['custom']?.showDetails;
  const def = (ACTUATOR_CONFIG_KEYS as Record<string, { field: keyof ActuatorConfig }>)[key];
  return def ? c[def.field] : undefined;
}

const isActuatorKey = (key: string): boolean =>
  key.startsWith('management.') || key.startsWith('com.alipay.') || key.startsWith('nodeark.actuator.');

/** The typed value of `key` after the loader read `value` from `how`. */
function loaded(key: string, value: string, how: 'argv' | 'env' | 'options'): unknown {
  const c =
    how === 'argv'
      ? loadConfig({ env: {}, argv: [`--${key}=${value}`] })
      : how === 'env'
        ? loadConfig({ env: { [envNamesOf(key)[0]!]: value } })
        : loadConfig({ env: {}, values: { [key]: value } });
  const explicit = Object.fromEntries(c.explicitEntries());
  expect(Object.keys(explicit)).toEqual([key]);
  if (isActuatorKey(key)) {
    // What the base hands the actuator: the same value, typed, through to the option field.
    const typed = actuatorValue(actuatorConfigFromProperties(explicit), key);
    expect(typed).toEqual(explicit[key]);
  }
  return explicit[key];
}

function refusal(run: () => unknown): { code?: string; message: string } | undefined {
  try {
    run();
    return undefined;
  } catch (err) {
    return err as { code?: string; message: string };
  }
}

describe('the issue\'s four measured disagreements have one answer', () => {
  it.each([
    ['management.health.diskspace.threshold', '1TB', 1024 * GB],
    ['management.endpoint.health.show-details', 'WHEN_AUTHORIZED', 'when-authorized'],
    ['management.info.git.mode', 'FULL', 'full'],
    ['management.endpoint.health.probes.enabled', 'TRUE', true],
  ])('%s=%s', (key, value, answer) => {
    expect(loaded(key, value, 'argv')).toEqual(answer);
    expect(actuatorValue(actuatorConfigFromProperties({ [key]: value }), key)).toEqual(answer);
  });
});

describe('spelling table: one answer whichever package\'s key and whichever source', () => {
  const rows = ACCEPTED.flatMap(([kind, spelling, answer]) => KEYS[kind]!.map((key) => [kind, spelling, key, answer] as const));

  it.each(rows)('%s %j for %s', (_kind, spelling, key, answer) => {
    for (const how of ['argv', 'env', 'options'] as const) {
      if (how === 'env' && key.includes('.group.')) continue; // group keys have no environment names
      expect(loaded(key, spelling, how), `${how}`).toEqual(answer);
    }
    if (isActuatorKey(key)) {
      expect(actuatorValue(actuatorConfigFromProperties({ [key]: spelling }), key)).toEqual(answer);
      const def = (ACTUATOR_CONFIG_KEYS as Record<string, { field: keyof ActuatorConfig }>)[key];
      if (def) expect(resolveActuatorConfig({ [def.field]: spelling } as Partial<ActuatorConfig>)[def.field]).toEqual(answer);
    }
  });

  it('base enums take the same relaxed spellings (MARK_DOWN, Pretty, INFO, FULL, NESTED)', () => {
    expect(loaded('nodeark.watchdog.action', 'MARK_DOWN', 'argv')).toBe('mark-down');
    expect(loaded('logging.format', 'Pretty', 'env')).toBe('pretty');
    expect(loaded('nodeark.biz.log-level', 'INFO', 'options')).toBe('info');
    expect(loaded('management.info.git.mode', 'full', 'env')).toBe('full');
    expect(loaded('nodeark.actuator.health.aggregate.indicator-format', 'NESTED', 'argv')).toBe('nested');
  });

  it('keys match in the relaxed form, as Spring binds them', () => {
    const c = loadConfig({ env: {}, argv: ['--management.endpoint.health.showDetails=always', '--server.PORT=1'] });
    expect(Object.fromEntries(c.explicitEntries())).toEqual({ 'management.endpoint.health.show-details': 'always', 'server.port': 1 });
    const keys = [...Object.keys(CONFIG_SCHEMA), ...Object.keys(ACTUATOR_CONFIG_SCHEMA)];
    expect(new Set(keys.map(relaxedKey)).size).toBe(keys.length);
  });
});

describe('bad values: a clear error naming the key, the value and the accepted forms, changing nothing', () => {
  const rows = REFUSED.filter(([kind]) => kind !== 'list').flatMap(([kind, spelling, tail]) =>
    KEYS[kind]!.map((key) => [kind, spelling, key, tail] as const),
  );
  const defaultsBefore = JSON.stringify(DEFAULT_ACTUATOR_CONFIG);

  it.each(rows)('%s %j for %s', (_kind, spelling, key, tail) => {
    const viaLoader = refusal(() => loadConfig({ env: {}, argv: [`--${key}=${spelling}`] }));
    expect(viaLoader?.code).toBe('NODEARK_ERR_CONFIG_INVALID_VALUE');
    expect(viaLoader?.message).toContain(`Invalid value ${JSON.stringify(spelling)} for configuration key "${key}"`);
    expect(viaLoader?.message).toMatch(tail);
    if (isActuatorKey(key)) {
      const viaActuator = refusal(() => actuatorConfigFromProperties({ [key]: spelling }));
      expect(viaActuator?.code).toBe('NODEARK_ERR_ACTUATOR_INVALID_CONFIG');
      expect(viaActuator?.message).toContain(key);
      expect(viaActuator?.message).toContain(JSON.stringify(spelling));
      // The same accepted forms and suggestion, word for word.
      const forms = viaLoader!.message.slice(viaLoader!.message.indexOf('expected '));
      expect(viaActuator?.message).toContain(forms);
    }
    // Nothing changed: a fresh load has the defaults, the actuator's defaults are intact.
    expect(loadConfig({ env: {} }).explicitEntries()).toEqual([]);
    expect(JSON.stringify(DEFAULT_ACTUATOR_CONFIG)).toBe(defaultsBefore);
  });

  it('an empty list is a list, everywhere', () => {
    expect(loaded('nodeark.bundle.allowed-hosts', '', 'argv')).toEqual([]);
    expect(loaded('management.endpoints.web.exposure.include', '', 'argv')).toEqual([]);
  });

  it('out-of-range numbers name their bounds, for every package', () => {
    expect(refusal(() => loadConfig({ env: {}, argv: ['--management.endpoint.health.status.http-mapping.DOWN=99'] }))?.message).toMatch(
      /expected an integer from 100 to 599$/,
    );
    expect(refusal(() => actuatorConfigFromProperties({ 'management.endpoint.health.status.http-mapping.DOWN': 99 }))?.message).toMatch(
      /expected an integer from 100 to 599/,
    );
    expect(refusal(() => loadConfig({ env: {}, argv: ['--koupleless.arklet.http.heartbeat.interval=0'] }))?.message).toMatch(
      /expected a duration of at least 1ms/,
    );
  });

  it('secrets are not echoed', () => {
    const err = refusal(() => loadConfig({ env: {}, values: { 'nodeark.download.basic-auth.password': { x: 1 } } }));
    expect(err?.message).toContain('Invalid value "***"');
  });
});
