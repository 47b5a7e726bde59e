/**
 * Input checks shared by every command. Types are checked against each command's TypeBox schema before
 * the command's own (Java-ordered) checks run, so a number where a string is expected, an array where an
 * object is expected, or a huge string is refused with a message naming the field, and nothing is touched.
 *
 * Java binds leniently (docs/reference/arklet-protocol.md § Deviations from the Java Arklet: numbers become
 * strings, `"true"` becomes true);
 * nodeark accepts strict JSON only. Like fastjson, a JSON `null` member counts as absent.
 */
import type { TSchema } from '@sinclair/typebox';
import type { TypeCheck } from '@sinclair/typebox/compiler';
import type { ValueError, ValueErrorType } from '@sinclair/typebox/errors';
import { ERR_ARKLET_VALIDATION } from './errors.js';
import { inputChecks } from './generated/input-checks.js';
import type { BuiltinSchemaName } from './schemas.js';

/** A validation failure (`CommandValidationException`): surfaces as `Internal Error: <message>`. */
export function validationError(message: string): Error {
  return new ERR_ARKLET_VALIDATION(message);
}

/** sofa-ark `StringUtils.isEmpty` as used by Arklet validation: absent, `""` or whitespace only. */
export function isBlank(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === 'string' && value.trim() === '');
}

/** True for a plain JSON object (not an array, not null). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A shallow copy of `obj` without its `null` members (fastjson drops them, so defaults apply;
 * docs/reference/arklet-protocol.md § Processing pipeline, step 2).
 */
export function dropNulls(obj: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) if (v !== null) out[k] = v;
  return out;
}

/**
 * A built-in command's input: checked by a function generated from its schema at build time, so that the
 * Arklet never loads TypeBox while inputs are valid (see `schemas.ts`). `type: 'object'` keeps it
 * acceptable wherever an object schema is.
 */
export interface PrecompiledInput {
  readonly type: 'object';
  /** The schema's name in `schemas.ts`, loaded to describe a failed check. */
  readonly precompiled: BuiltinSchemaName;
  /** The generated check. */
  check(value: unknown): boolean;
}

/** The precompiled input of a built-in schema. */
export function builtinInput(name: BuiltinSchemaName): PrecompiledInput {
  return { type: 'object', precompiled: name, check: inputChecks[name] };
}

/** True for a built-in input checked by the generated checks (see {@link builtinInput}). */
export function isPrecompiled(input: TSchema | PrecompiledInput): input is PrecompiledInput {
  return typeof (input as Partial<PrecompiledInput>).precompiled === 'string';
}

const compiled = new WeakMap<TSchema, TypeCheck<TSchema>>();

/** TypeBox's compiler and error kinds, loaded on first need (a custom command's schema, a failed check). */
let typebox: Promise<{ compile: (schema: TSchema) => TypeCheck<TSchema>; kinds: typeof ValueErrorType }> | undefined;
function loadTypeBox(): NonNullable<typeof typebox> {
  typebox ??= Promise.all([import('@sinclair/typebox/compiler'), import('@sinclair/typebox/errors')]).then(([c, e]) => ({
    compile: (schema: TSchema) => c.TypeCompiler.Compile(schema),
    kinds: e.ValueErrorType,
  }));
  return typebox;
}

/**
 * Throws `NODEARK_ERR_ARKLET_VALIDATION` naming the first field of `value` that does not match `input`,
 * e.g. `bizUrl must be a string (got number)`, `args[2] must be a string (got null)`,
 * `requestId must be at most 256 characters`. `prefix` is prepended to field paths (`bizList[1].`).
 * A built-in input is checked without TypeBox; a custom command's schema is compiled once, on first use.
 */
export async function assertInput(input: TSchema | PrecompiledInput, value: unknown, prefix = ''): Promise<void> {
  let schema: TSchema;
  if (isPrecompiled(input)) {
    if (input.check(value)) return;
    schema = (await import('./schemas.js')).BUILTIN_SCHEMAS[input.precompiled];
  } else {
    schema = input;
  }
  const { compile, kinds } = await loadTypeBox();
  let check = compiled.get(schema);
  if (!check) {
    check = compile(schema);
    compiled.set(schema, check);
  }
  if (check.Check(value)) return;
  const first = check.Errors(value).First();
  if (!first) throw validationError(`${prefix || 'input'} is invalid`);
  throw validationError(describeError(first, prefix, kinds));
}

function describeError(e: ValueError, prefix: string, kinds: typeof ValueErrorType): string {
  const ValueErrorType = kinds;
  const field = fieldName(e.path, prefix);
  const s = e.schema as Record<string, unknown>;
  switch (e.type) {
    case ValueErrorType.String:
      return `${field} must be a string (got ${jsonType(e.value)})`;
    case ValueErrorType.StringMaxLength:
      return `${field} must be at most ${String(s['maxLength'])} characters`;
    case ValueErrorType.StringMinLength:
      return `${field} must be at least ${String(s['minLength'])} characters`;
    case ValueErrorType.StringPattern:
      return `${field} has an invalid format`;
    case ValueErrorType.Boolean:
      return `${field} must be a boolean (got ${jsonType(e.value)})`;
    case ValueErrorType.Integer:
      return `${field} must be an integer (got ${jsonType(e.value)})`;
    case ValueErrorType.Number:
      return `${field} must be a number (got ${jsonType(e.value)})`;
    case ValueErrorType.Array:
      return `${field} must be an array (got ${jsonType(e.value)})`;
    case ValueErrorType.ArrayMaxItems:
      return `${field} must have at most ${String(s['maxItems'])} items`;
    case ValueErrorType.Object:
      return `${field} must be an object (got ${jsonType(e.value)})`;
    case ValueErrorType.ObjectMaxProperties:
      return `${field} must have at most ${String(s['maxProperties'])} entries`;
    case ValueErrorType.ObjectRequiredProperty:
      return `${field} is required`;
    default:
      return `${field} is invalid: ${e.message}`;
  }
}

/** `/bizList/1/args/0` → `bizList[1].args[0]`. */
function fieldName(path: string, prefix: string): string {
  const parts = path.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  let out = '';
  for (const p of parts) {
    if (/^\d+$/.test(p)) out += `[${p}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(p)) out += out === '' ? p : `.${p}`;
    else out += `[${JSON.stringify(p)}]`;
  }
  if (prefix === '') return out === '' ? 'input' : out;
  return out === '' ? prefix.replace(/\.$/, '') : out.startsWith('[') ? prefix.replace(/\.$/, '') + out : prefix + out;
}

function jsonType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}
