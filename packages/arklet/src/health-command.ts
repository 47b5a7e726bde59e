/**
 * `health` (docs/reference/arklet-protocol.md § health; the rules below are its § Health assembly): not a
 * biz-ops command (no lock, no async).
 *
 * Input `{type?, bizName?, bizVersion?, metrics?}`; `type` other than `system`/`biz`/`plugin` →
 * `type: <type> can not be found` (internal error). Assembly:
 * - no type: `masterBizInfo` + system indicators (`metrics`) + biz info + plugin info;
 * - `system`: indicators only; `biz`: biz info only; `plugin`: plugin info only.
 * Biz info: neither name nor version → `bizListInfo` of every biz *including* the master biz; name only →
 * all versions of the name (`can not find biz: <name>`); both → `bizInfo` (`can not find biz`).
 * Plugin info: Node has no Ark plugins, so `pluginListInfo` is `[]` and a plugin name always fails with
 * `can not find plugin` (as in Java, a `bizName` without a type is also looked up as a plugin name).
 * A lookup error answers FAILED with the error text and no data.
 */
import { bizHealthMetaJson, masterBizHealthMetaJson } from './biz-json.js';
import type { CommandContext, CommandDefinition } from './command-registry.js';
import { IndicatorRegistry, UnknownIndicatorError } from './health/indicator-registry.js';
import { builtinInput, isBlank, validationError } from './input-validation.js';
import type { HealthInputSchema } from './schemas.js';
import type { BizHealthMetaJson } from './types.js';

const TYPES = new Set(['system', 'biz', 'plugin']);

/** A lookup failure that becomes `FAILED` with its message. */
class HealthLookupError extends Error {}

/** `{healthData: {…}}`. */
export interface HealthDataJson {
  healthData: Record<string, unknown>;
}

/** Creates the built-in `health` command over an indicator registry. */
export function createHealthCommand(
  indicators: IndicatorRegistry,
): CommandDefinition<typeof HealthInputSchema, HealthDataJson> {
  return {
    id: 'health',
    description: 'get all health info',
    input: builtinInput('HealthInput'),
    validate(input) {
      if (!isBlank(input.type) && !TYPES.has(input.type as string)) throw validationError(`type: ${input.type} can not be found`);
    },
    async handle(input, ctx) {
      const type = isBlank(input.type) ? '' : (input.type as string);
      const name = isBlank(input.bizName) ? undefined : (input.bizName as string);
      const version = isBlank(input.bizVersion) ? undefined : (input.bizVersion as string);
      const data: Record<string, unknown> = {};
      try {
        if (type === '') {
          data['masterBizInfo'] = masterBizHealthMetaJson(ctx.masterBiz);
          // Java runs every part and keeps one `error` key, so the last failing part's text wins: an unknown
          // bizName without a type answers `can not find plugin`, not `can not find biz: <name>`.
          let failure: Error | undefined;
          const parts: Array<() => Promise<Record<string, unknown>> | Record<string, unknown>> = [
            () => indicators.collect(input.metrics),
            () => bizInfo(ctx, name, version),
            () => pluginInfo(name),
          ];
          for (const part of parts) {
            try {
              Object.assign(data, await part());
            } catch (err) {
              if (!(err instanceof HealthLookupError || err instanceof UnknownIndicatorError)) throw err;
              failure = err;
            }
          }
          if (failure) throw failure;
        } else if (type === 'system') {
          Object.assign(data, await indicators.collect(input.metrics));
        } else if (type === 'biz') {
          Object.assign(data, bizInfo(ctx, name, version));
        } else {
          Object.assign(data, pluginInfo(name));
        }
      } catch (err) {
        if (err instanceof HealthLookupError || err instanceof UnknownIndicatorError) return { code: 'FAILED', message: err.message };
        throw err;
      }
      return { code: 'SUCCESS', data: { healthData: data } };
    },
  };
}

function allBizMetas(ctx: CommandContext): BizHealthMetaJson[] {
  return [masterBizHealthMetaJson(ctx.masterBiz), ...ctx.runtime.list().map(bizHealthMetaJson)];
}

function bizInfo(ctx: CommandContext, name: string | undefined, version: string | undefined): Record<string, unknown> {
  const all = allBizMetas(ctx);
  if (name === undefined && version === undefined) {
    if (all.length === 0) throw new HealthLookupError('no biz found');
    return { bizListInfo: all };
  }
  if (version === undefined) {
    const list = all.filter((b) => b.bizName === name);
    if (list.length === 0) throw new HealthLookupError(`can not find biz: ${name}`);
    return { bizListInfo: list };
  }
  const one = all.find((b) => b.bizName === name && b.bizVersion === version);
  if (!one) throw new HealthLookupError('can not find biz');
  return { bizInfo: one };
}

function pluginInfo(name: string | undefined): Record<string, unknown> {
  if (name === undefined) return { pluginListInfo: [] };
  throw new HealthLookupError('can not find plugin');
}
