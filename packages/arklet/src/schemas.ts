/**
 * The TypeBox schemas of the built-in commands' inputs (docs/reference/arklet-protocol.md § Input rules), in
 * one module that the Arklet does not load at start: TypeBox is a couple of hundred ES modules, the largest
 * part of a base's start-up. The Arklet checks inputs with functions generated from these schemas at build time
 * (`src/generated/input-checks.ts`, `npm run gen:arklet-checks`) and loads this module, and TypeBox, only
 * to describe an input that failed its check. Import it as `@nodeark/arklet/schemas`.
 */
import { Type, type Static } from '@sinclair/typebox';
import { MAX_BATCH_ITEMS, MAX_BIZ_URL_LENGTH } from './limits.js';

/** Java `ArkBizMeta`: the members every biz-ops input has. */
export const ArkBizMetaSchema = Type.Object({
  bizName: Type.Optional(Type.String({ maxLength: 256 })),
  bizVersion: Type.Optional(Type.String({ maxLength: 256 })),
  async: Type.Optional(Type.Boolean()),
  requestId: Type.Optional(Type.String({ maxLength: 256 })),
});

/**
 * installBiz input (and each `bizList` item of batchInstallBiz). Every member is optional at the type level; the
 * command's checks require some.
 */
export const InstallBizInputSchema = Type.Object({
  /** `file:` (directory, .tgz, .zip/.jar), `http:`, `https:`, or an absolute path. Required, non-blank. */
  bizUrl: Type.Optional(Type.String({ maxLength: MAX_BIZ_URL_LENGTH })),
  /** Both or neither of bizName/bizVersion; when neither, they are read from the bundle. */
  bizName: Type.Optional(Type.String({ maxLength: 256 })),
  bizVersion: Type.Optional(Type.String({ maxLength: 256 })),
  /** The module's `ctx.args`. */
  args: Type.Optional(Type.Array(Type.String({ maxLength: 65_536 }), { maxItems: 1024 })),
  /** The module's `ctx.env` and whole `process.env`. */
  envs: Type.Optional(Type.Record(Type.String(), Type.String({ maxLength: 65_536 }), { maxProperties: 1024 })),
  /** `installOnly` (default) or `uninstallThenInstall`; an unknown value falls back to installOnly. */
  installStrategy: Type.Optional(Type.String({ maxLength: 64 })),
  /** nodeark extension: SRI value (`sha256-…`/`sha512-…`) the archive must match before it is unpacked. */
  integrity: Type.Optional(Type.String({ maxLength: 1024 })),
  async: Type.Optional(Type.Boolean()),
  requestId: Type.Optional(Type.String({ maxLength: 256 })),
});

/** uninstallBiz and switchBiz input: `{bizName, bizVersion, async?, requestId?}`. */
export const BizMetaInputSchema = Type.Object({
  bizName: Type.Optional(Type.String({ maxLength: 256 })),
  bizVersion: Type.Optional(Type.String({ maxLength: 256 })),
  async: Type.Optional(Type.Boolean()),
  requestId: Type.Optional(Type.String({ maxLength: 256 })),
});

/** `{bizList: [installBiz input…], bizName?, bizVersion?, async?, requestId?}`. Items are checked one by one. */
export const BatchInstallBizInputSchema = Type.Object({
  bizList: Type.Optional(Type.Array(Type.Unknown(), { maxItems: MAX_BATCH_ITEMS })),
  bizName: Type.Optional(Type.String({ maxLength: 256 })),
  bizVersion: Type.Optional(Type.String({ maxLength: 256 })),
  async: Type.Optional(Type.Boolean()),
  requestId: Type.Optional(Type.String({ maxLength: 256 })),
});

/** queryBizOps input: `{requestId}`. */
export const QueryBizOpsInputSchema = Type.Object({
  requestId: Type.Optional(Type.String({ maxLength: 256 })),
});

/** health input. */
export const HealthInputSchema = Type.Object({
  type: Type.Optional(Type.String({ maxLength: 64 })),
  bizName: Type.Optional(Type.String({ maxLength: 256 })),
  bizVersion: Type.Optional(Type.String({ maxLength: 256 })),
  metrics: Type.Optional(Type.Array(Type.String({ maxLength: 256 }), { maxItems: 64 })),
});

/** Every built-in input schema by name: what the generated checks are made from. */
export const BUILTIN_SCHEMAS = {
  ArkBizMeta: ArkBizMetaSchema,
  InstallBizInput: InstallBizInputSchema,
  BizMetaInput: BizMetaInputSchema,
  BatchInstallBizInput: BatchInstallBizInputSchema,
  QueryBizOpsInput: QueryBizOpsInputSchema,
  HealthInput: HealthInputSchema,
} as const;

/** A built-in schema's name. */
export type BuiltinSchemaName = keyof typeof BUILTIN_SCHEMAS;

/** A type-checked installBiz input. */
export type InstallBizInput = Static<typeof InstallBizInputSchema>;
/** A type-checked ArkBizMeta input. */
export type BizMetaInput = Static<typeof BizMetaInputSchema>;
