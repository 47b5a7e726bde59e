/**
 * The strict field checker both rollout documents are validated with: each check names the offending field
 * by its dotted path and throws the document's own coded error (`NODEARK_ERR_ROLLOUT_INVALID_DEPLOYMENT` or
 * `…_INVALID_FLEET`), and an unknown key is an error with a "did you mean" hint, because a typo such as
 * `bachCount` must not silently mean "one batch".
 */
import type { RolloutError, RolloutErrorConstructor } from './errors.js';

/** A mapping read from YAML or JSON. */
export type Obj = Record<string, unknown>;

/** Validates the fields of one document; every failure throws with the field and the file attached. */
export class Checker {
  /**
   * @param file the document's name in messages (a path)
   * @param ctor the coded error this document's failures are raised as
   */
  constructor(
    private readonly file: string,
    private readonly ctor: RolloutErrorConstructor,
  ) {}

  /** Throws the document's error for `field` (the whole document when `field` is empty). */
  fail(field: string, message: string): never {
    const err = new this.ctor(this.file, field === '' ? message : `${field} ${message}`) as RolloutError & { field: string; file: string };
    Object.assign(err, { field, file: this.file });
    throw err;
  }

  /** A mapping, or undefined when absent and not `required`. */
  object(value: unknown, field: string, required: boolean): Obj | undefined {
    if (value === undefined || value === null) {
      if (required) this.fail(field, 'is required');
      return undefined;
    }
    if (typeof value !== 'object' || Array.isArray(value)) this.fail(field, `must be a mapping, got ${describe(value)}`);
    return value as Obj;
  }

  /** Refuses keys outside `allowed`; keys in `ignored` are accepted with a warning that they have no effect. */
  keys(
    obj: Obj,
    field: string,
    allowed: readonly string[],
    ignored: readonly string[] = [],
    warnings?: string[],
  ): void {
    for (const key of Object.keys(obj)) {
      if (allowed.includes(key)) continue;
      const path = field === '' ? key : `${field}.${key}`;
      if (ignored.includes(key)) {
        warnings?.push(`${path} is accepted but has no effect`);
        continue;
      }
      const near = [...allowed, ...ignored].find(
        (a) => a.toLowerCase() === key.toLowerCase() || editDistance(a.toLowerCase(), key.toLowerCase()) <= 2,
      );
      this.fail(path, `is not a known field${near ? ` (did you mean ${field === '' ? near : `${field}.${near}`}?)` : ''}`);
    }
  }

  /** A non-blank string (a number is read as its text), or undefined when absent and not `required`. */
  string(value: unknown, field: string, required: true): string;
  string(value: unknown, field: string, required: false): string | undefined;
  string(value: unknown, field: string, required: boolean): string | undefined {
    if (value === undefined || value === null) {
      if (required) this.fail(field, 'is required');
      return undefined;
    }
    if (typeof value === 'number') return String(value);
    if (typeof value !== 'string') this.fail(field, `must be a string, got ${describe(value)}`);
    if (value.trim() === '') this.fail(field, 'must not be empty');
    return value;
  }

  /** A boolean, `fallback` when absent. */
  bool(value: unknown, field: string, fallback: boolean): boolean {
    if (value === undefined || value === null) return fallback;
    if (typeof value !== 'boolean') this.fail(field, `must be true or false, got ${describe(value)}`);
    return value;
  }

  /** An integer ≥ `min`, `fallback` when absent (required when there is no fallback). */
  int(value: unknown, field: string, min: number, fallback?: number): number {
    if (value === undefined || value === null) {
      if (fallback === undefined) this.fail(field, 'is required');
      return fallback;
    }
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
      this.fail(field, `must be an integer ≥ ${min}, got ${describe(value)}`);
    }
    return value;
  }

  /** A label mapping; scalar values are read as their text. */
  labels(value: unknown, field: string): Record<string, string> {
    const obj = this.object(value, field, false) ?? {};
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(obj)) {
      if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') this.fail(`${field}.${k}`, `must be a string, got ${describe(v)}`);
      out[k] = String(v);
    }
    return out;
  }
}

/** How a wrong value is named in a message: its JSON, or its kind for a list or a mapping. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return JSON.stringify(value);
}

/** Levenshtein distance: a key this close to a known one is offered as "did you mean". */
function editDistance(a: string, b: string): number {
  const dp = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) dp[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      dp[i]![j] = Math.min(
        dp[i - 1]![j]! + 1,
        dp[i]![j - 1]! + 1,
        dp[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
  }
  return dp[a.length]![b.length]!;
}

