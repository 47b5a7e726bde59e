/**
 * The MQTT tunnel's command side: a command topic's last segment and payload in, the Arklet command run and
 * its answer published on the matching `base/…` topic (docs/reference/module-controller.md § MQTT tunnel).
 * Commands for one `bizName:bizVersion` run in arrival order: the controller publishes commands retained, so a
 * reconnecting base can receive an install and an uninstall of the same module at once, and racing them on
 * the Arklet's per-identity lock would answer one of them with a lock error.
 */
import type { ArkletResponse } from '@nodeark/arklet';
import type { BizModel } from './heartbeat.js';
import type { TunnelLogger } from './logger.js';
import type { MqttTunnelOptions } from './mqtt-options.js';
import { simpleBizInfo, toOutput, type BizInfoLike } from './mqtt-wire.js';

/** What the command handler needs from the running tunnel. */
export interface MqttCommandContext {
  arklet: MqttTunnelOptions['arklet'];
  logger: TunnelLogger;
  /** Publishes `data` (wrapped in the MQTT envelope) on `<base>/<suffix>`; never rejects. */
  publish: (suffix: string, data: unknown) => Promise<unknown>;
  /** Counts each command executed. */
  stats: { commands: number };
}

/** Handles one received command; resolves once its answer is published (unknown commands are logged). */
export type MqttCommandHandler = (command: string, payload: Buffer, retained: boolean) => Promise<void>;

/** A command handler bound to one tunnel (it owns the per-identity ordering of that tunnel's commands). */
export function createCommandHandler(ctx: MqttCommandContext): MqttCommandHandler {
  const { arklet, logger, publish, stats } = ctx;
  const chains = new Map<string, Promise<void>>();

  return async (command, payload, retained) => {
    logger.debug({ command, retained }, 'mqtt: command received');
    switch (command) {
      case 'health': {
        stats.commands++;
        const res = await arklet.execute('health', parseObject(payload) ?? {});
        await publish('base/health', toOutput(res));
        return;
      }
      case 'queryAllBiz': {
        stats.commands++;
        const res = await arklet.execute('queryAllBiz', {});
        if (res.code !== 'SUCCESS' || !Array.isArray(res.data)) {
          logger.warn({ code: res.code, message: res.message }, 'mqtt: queryAllBiz failed; nothing published');
          return;
        }
        await publish('base/simpleBiz', (res.data as BizInfoLike[]).map(simpleBizInfo));
        return;
      }
      case 'installBiz':
      case 'uninstallBiz': {
        stats.commands++;
        const input = parseObject(payload);
        const model = (input ?? {}) as BizModel;
        const key = `${String(model.bizName ?? '')}:${String(model.bizVersion ?? '')}`;
        const run = async (): Promise<void> => {
          const res: ArkletResponse | undefined = input
            ? await arklet.execute(command, input)
            : {
                code: 'CMD_PROCESS_INTERNAL_ERROR',
                message: `Internal Error: ${command} payload is not a JSON object`,
                errorStackTrace: '',
              };
          // fastjson omits null members: bizName/bizVersion only when the command carried them.
          const data: Record<string, unknown> = {};
          if (typeof model.bizName === 'string') data['bizName'] = model.bizName;
          if (typeof model.bizVersion === 'string') data['bizVersion'] = model.bizVersion;
          data['command'] = command;
          data['response'] = toOutput(res);
          await publish('base/bizOperation', data);
        };
        // One identity's commands run in arrival order (see the module comment).
        const prev = chains.get(key) ?? Promise.resolve();
        const next = prev.then(run, run);
        chains.set(key, next);
        try {
          await next;
        } finally {
          if (chains.get(key) === next) chains.delete(key);
        }
        return;
      }
      case 'base/baseline':
      case 'batchInstallBiz': {
        stats.commands++;
        const parsed = parseJson(payload);
        const input = Array.isArray(parsed) ? { bizList: parsed } : parsed;
        const res =
          input !== null && typeof input === 'object'
            ? await arklet.execute('batchInstallBiz', input)
            : ({
                code: 'CMD_PROCESS_INTERNAL_ERROR',
                message: 'Internal Error: baseline payload is not JSON',
                errorStackTrace: '',
              } as ArkletResponse);
        await publish('base/batchInstallBizResponse', { command: 'batchInstallBiz', response: toOutput(res) });
        return;
      }
      default:
        logger.warn({ command }, `mqtt: unsupported command ${command}, ignored`);
    }
  };
}

/** The payload as JSON: an empty payload is `{}`, malformed JSON is undefined. */
function parseJson(payload: Buffer): unknown {
  const text = payload.toString('utf8').trim();
  if (text === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function parseObject(payload: Buffer): Record<string, unknown> | undefined {
  const v = parseJson(payload);
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}
