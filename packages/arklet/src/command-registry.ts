/**
 * The transport-independent command core: the registry of command handlers and the processing pipeline
 * of docs/reference/arklet-protocol.md § Processing pipeline (Java `CommandServiceImpl.process`). The HTTP
 * server and the MQTT tunnel only turn bytes into `execute(commandId, input)` and its envelope back into bytes.
 *
 * Pipeline: look up → normalise the input (null body, null members) → check types against the command's
 * TypeBox schema → the command's own validation (Java order and messages) → for biz-ops commands, the
 * per-identity lock (sync) or an async operation record → handle → envelope.
 */
import type { Static, TRecord, TSchema, TString, TUnknown } from '@sinclair/typebox';
import type { BizRuntime } from '@nodeark/runtime';
import { displayBizUrl } from './biz-json.js';
import { BizOpsCoordinator, conflictMessage, lockKey } from './coordinator.js';
import { internalErrorResponse, messageOf, notFoundResponse, outputResponse } from './envelope.js';
import { ERR_ARKLET_DUPLICATE_COMMAND, ERR_ARKLET_INVALID_COMMAND } from './errors.js';
import { assertInput, builtinInput, dropNulls, isBlank, isPlainObject, validationError, type PrecompiledInput } from './input-validation.js';
import { OpRecordStore } from './op-records.js';
import type { ArkletLogger, ArkletResponse, CommandModelJson, CommandOutput, MasterBizInfo } from './types.js';

/** What every handler can use. */
export interface CommandContext {
  /** The `baseIdentity` of the envelopes. */
  readonly baseIdentity: string;
  /** The biz host. */
  readonly runtime: BizRuntime;
  /** The base itself (`masterBizInfo`, protected from uninstall). */
  readonly masterBiz: MasterBizInfo;
  /** The Arklet's logger. */
  readonly logger: ArkletLogger;
  /** The command registry (the `help` command lists it). */
  readonly registry: CommandRegistry;
}

/** The input type of a command declared without a schema: any JSON object. */
export type AnyObjectSchema = TRecord<TString, TUnknown>;

/**
 * A command: an id routable at `POST /<id>`, a description listed by `help`, an optional TypeBox schema of
 * its input object, optional validation and a handler.
 *
 * A biz-ops command (`bizOps: true`, Java `ArkBizOps`) has an input with `bizName`, `bizVersion`, `async`
 * and `requestId` (Java `ArkBizMeta`): it runs under the per-identity lock, and with `async: true` it runs
 * in the background behind an operation record readable through `queryBizOps`.
 */
export interface CommandDefinition<S extends TSchema = AnyObjectSchema, O = unknown> {
  /** Non-blank and unique. */
  id: string;
  /** Non-blank; shown by `help` as `desc`. */
  description: string;
  /**
   * Schema of the input object; members are type-checked before `validate` runs. Default: any object.
   * (Built-in commands pass a {@link PrecompiledInput}: the same check, generated at build time.)
   */
  input?: S | PrecompiledInput;
  /** Lock per `bizName:bizVersion`, support `async` + `requestId`. */
  bizOps?: boolean;
  /**
   * What an absent or `null` body means: by default the command gets `{}`. With a message, the request
   * fails validation with that message (Java `queryBizOps`: `request is null`).
   */
  nullInputMessage?: string;
  /**
   * Semantic checks in the order docs/reference/arklet-protocol.md § Commands gives for the command; throw
   * {@link validationError} (or any error) to answer `CMD_PROCESS_INTERNAL_ERROR`. May fill in members
   * (installBiz fills the bundle's identity).
   */
  validate?(input: Static<S>, ctx: CommandContext): void | Promise<void>;
  /** Runs the command. A thrown error answers `CMD_PROCESS_INTERNAL_ERROR`. */
  handle(input: Static<S>, ctx: CommandContext): CommandOutput<O> | Promise<CommandOutput<O>>;
}

/** Java `ArkBizMeta`: the members every biz-ops input has (`ArkBizMetaSchema` in `@nodeark/arklet/schemas`). */
const ARK_BIZ_META = builtinInput('ArkBizMeta');

/** Options of the registry. */
export interface CommandRegistryOptions {
  coordinator?: BizOpsCoordinator;
  records?: OpRecordStore;
}

/** Registered commands and the processing pipeline. */
export class CommandRegistry {
  /** The per-identity lock table. */
  readonly coordinator: BizOpsCoordinator;
  /** Async operation records. */
  readonly records: OpRecordStore;
  private readonly commands = new Map<string, CommandDefinition<TSchema, unknown>>();
  private readonly pending = new Set<Promise<unknown>>();
  private ctx: CommandContext | undefined;
  private opSeq = 0;

  constructor(options: CommandRegistryOptions = {}) {
    this.coordinator = options.coordinator ?? new BizOpsCoordinator();
    this.records = options.records ?? new OpRecordStore();
  }

  /** Binds the context handlers receive (once, before the first `execute`). */
  bind(ctx: Omit<CommandContext, 'registry'>): void {
    this.ctx = { ...ctx, registry: this };
  }

  /**
   * Registers a command (Java `registerCommandHandler`): id and description must be non-blank, the id must
   * be new (`handler id (<id>) duplicated`).
   */
  register<S extends TSchema = AnyObjectSchema>(def: CommandDefinition<S, unknown>): void {
    if (!isPlainObject(def as unknown)) throw new ERR_ARKLET_INVALID_COMMAND('the definition must be an object');
    if (typeof def.id !== 'string' || def.id.trim() === '') throw new ERR_ARKLET_INVALID_COMMAND('command handler id should not be blank');
    if (typeof def.description !== 'string' || def.description.trim() === '') {
      throw new ERR_ARKLET_INVALID_COMMAND(`command handler desc should not be blank (id ${def.id})`);
    }
    if (typeof def.handle !== 'function') throw new ERR_ARKLET_INVALID_COMMAND(`handle must be a function (id ${def.id})`);
    if (def.validate !== undefined && typeof def.validate !== 'function') {
      throw new ERR_ARKLET_INVALID_COMMAND(`validate must be a function (id ${def.id})`);
    }
    if (def.input !== undefined && (!isPlainObject(def.input) || (def.input as { type?: unknown }).type !== 'object')) {
      throw new ERR_ARKLET_INVALID_COMMAND(`input must be a TypeBox object schema (id ${def.id})`);
    }
    if (this.commands.has(def.id)) throw new ERR_ARKLET_DUPLICATE_COMMAND(def.id);
    this.commands.set(def.id, def as unknown as CommandDefinition<TSchema, unknown>);
  }

  /** True when `id` is registered. */
  has(id: string): boolean {
    return this.commands.has(id);
  }

  /** Every command with its input (a schema, a precompiled built-in input, or none): what OpenAPI describes. */
  describe(): Array<{
    id: string;
    description: string;
    bizOps: boolean;
    input: TSchema | PrecompiledInput | undefined;
  }> {
    return [...this.commands.values()].map((c) => ({
      id: c.id,
      description: c.description,
      bizOps: c.bizOps === true,
      input: c.input,
    }));
  }

  /** Every command as `help` lists it, in registration order. */
  list(): CommandModelJson[] {
    return [...this.commands.values()].map((c) => ({ desc: c.description, id: c.id }));
  }

  /**
   * Runs one command and returns its envelope; never rejects. `input` is the parsed request body:
   * `undefined`/`null` for an empty body, otherwise it must be a JSON object.
   */
  async execute(commandId: string, input: unknown): Promise<ArkletResponse> {
    const ctx = this.ctx;
    if (!ctx) throw new Error('CommandRegistry.execute called before bind()');
    const def = this.commands.get(commandId);
    if (!def) return notFoundResponse();
    try {
      let value: Record<string, unknown>;
      if (input === undefined || input === null) {
        if (def.nullInputMessage !== undefined) throw validationError(def.nullInputMessage);
        value = {};
      } else if (isPlainObject(input)) {
        value = dropNulls(input);
      } else {
        throw validationError(`the request body must be a JSON object (got ${Array.isArray(input) ? 'array' : typeof input})`);
      }
      if (def.bizOps) await assertInput(ARK_BIZ_META, value);
      if (def.input) await assertInput(def.input, value);
      if (def.validate) await def.validate(value, ctx);
      if (def.bizOps && value['async'] === true && isBlank(value['requestId'])) {
        throw validationError('requestId should not be blank when async is true');
      }
      const output = def.bizOps ? await this.runBizOps(def, value, ctx) : await def.handle(value, ctx);
      return outputResponse(ctx.baseIdentity, checkOutput(output, def.id));
    } catch (err) {
      ctx.logger.debug({ command: commandId, err: messageOf(err) }, 'arklet command failed');
      return internalErrorResponse(err);
    }
  }

  /** Resolves when every async operation started so far has finished (bounded by `timeoutMs`). */
  async idle(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.pending.size > 0 && Date.now() < deadline) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.allSettled([...this.pending]),
        new Promise<void>((r) => {
          timer = setTimeout(r, Math.max(0, deadline - Date.now()));
        }),
      ]);
      clearTimeout(timer);
    }
  }

  private async runBizOps(
    def: CommandDefinition<TSchema, unknown>,
    input: Record<string, unknown>,
    ctx: CommandContext,
  ): Promise<CommandOutput<unknown>> {
    const key = lockKey(input['bizName'], input['bizVersion']);
    if (input['async'] === true) {
      // async: one record per requestId, the work runs in the background.
      const requestId = input['requestId'] as string;
      if (this.records.get(requestId)) {
        return { code: 'FAILED', message: `The request corresponding to the requestId(${requestId}) has been executed.` };
      }
      const record = this.records.create(requestId, sortedCopy(input));
      const snapshot = record.toJSON();
      const task = new Promise<void>((resolve) => setImmediate(resolve)).then(async () => {
        record.threadName = `arklet-biz-ops-${++this.opSeq}`;
        const lock = this.coordinator.tryLock(key, def.id);
        if (!lock.ok) {
          // A deviation (docs/reference/arklet-protocol.md § Deviations from the Java Arklet): Java leaves this
          // record INITIALIZED forever; nodeark marks it FAILED.
          record.fail('command conflict, exist unfinished command for this biz');
          record.markFinished();
          return;
        }
        try {
          record.start();
          const output = checkOutput(await def.handle(input, ctx), def.id);
          if (output.code === 'SUCCESS') record.succeed();
          else record.fail(output.message ?? '');
        } catch (err) {
          record.fail(messageOf(err), err);
          ctx.logger.error({ command: def.id, requestId, err: messageOf(err) }, 'async arklet command failed');
        } finally {
          record.markFinished();
          lock.release();
        }
      });
      const tracked = task
        .catch((err: unknown) => ctx.logger.error({ command: def.id, requestId, err: messageOf(err) }, 'async arklet task failed'))
        .finally(() => this.pending.delete(tracked));
      this.pending.add(tracked);
      return { code: 'SUCCESS', data: snapshot };
    }
    const lock = this.coordinator.tryLock(key, def.id);
    if (!lock.ok) return { code: 'FAILED', message: conflictMessage(key, def.id, lock.running) };
    try {
      return await def.handle(input, ctx);
    } finally {
      lock.release();
    }
  }
}

function checkOutput(output: unknown, id: string): CommandOutput<unknown> {
  if (!isPlainObject(output) || (output['code'] !== 'SUCCESS' && output['code'] !== 'FAILED')) {
    throw new ERR_ARKLET_INVALID_COMMAND(`the handler of ${id} must return { code: 'SUCCESS' | 'FAILED', data?, message? }`);
  }
  return output as unknown as CommandOutput<unknown>;
}

/**
 * A JSON-safe copy with keys in alphabetical order (how Java writes the `arkBizMeta` bean); bizUrl
 * credentials (also those of batch items) are removed.
 */
function sortedCopy(input: Record<string, unknown>): Record<string, unknown> {
  const copy = JSON.parse(JSON.stringify(input)) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(copy).sort()) out[k] = copy[k];
  if (typeof out['bizUrl'] === 'string') out['bizUrl'] = displayBizUrl(out['bizUrl']);
  if (Array.isArray(out['bizList'])) {
    for (const item of out['bizList']) {
      if (isPlainObject(item) && typeof item['bizUrl'] === 'string') item['bizUrl'] = displayBizUrl(item['bizUrl']);
    }
  }
  return out;
}
