/**
 * The rollout's own record, kept next to the ModuleDeployment file (`md.yaml` → `md.yaml.rollout.json`):
 * the release in progress (its key, where it started, the batches confirmed and when each completed) and
 * the history of completed versions (what `rollback` goes back to). What is installed where is never
 * stored: it is observed from the bases every time. Losing the file is safe: the next `apply` starts a new
 * batch plan from the fleet as it is (it never installs twice); only the confirmations given and the gray
 * clock of the release in progress are forgotten.
 */
import { open, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { ERR_ROLLOUT_LOCKED, ERR_ROLLOUT_READ, ERR_ROLLOUT_STATE } from './errors.js';
import type { ReleaseRecord } from './types.js';

/** One completed version (newest last). */
export interface HistoryEntry {
  version: string;
  url: string;
  replicas: number;
  completedAt: number;
}

/** The content of a state file. */
export interface RolloutState {
  version: 1;
  /** The module name (a state file belongs to one module). */
  module: string;
  release?: ReleaseRecord;
  history: HistoryEntry[];
}

/** Where the state lives. */
export interface StateStore {
  /** The state, or undefined when there is none yet. */
  load(): Promise<RolloutState | undefined>;
  save(state: RolloutState): Promise<void>;
  /** Takes an exclusive lock; resolves with its release function. Optional. */
  lock?(): Promise<() => Promise<void>>;
  /** A name for messages (a path). */
  readonly description: string;
}

/** The default state file of a ModuleDeployment file. */
export function defaultStatePath(mdPath: string): string {
  return `${mdPath}.rollout.json`;
}

/** An empty state for a module. */
export function emptyState(module: string): RolloutState {
  return { version: 1, module, history: [] };
}

/** Most history entries kept. */
export const HISTORY_LIMIT = 20;

/** Appends a completed version to the history (replacing the newest entry when it is the same version). */
export function recordHistory(state: RolloutState, entry: HistoryEntry): void {
  const last = state.history[state.history.length - 1];
  if (last && last.version === entry.version) state.history[state.history.length - 1] = entry;
  else state.history.push(entry);
  if (state.history.length > HISTORY_LIMIT) state.history.splice(0, state.history.length - HISTORY_LIMIT);
}

function validate(value: unknown, where: string): RolloutState {
  const v = value as Partial<RolloutState> | null;
  if (!v || typeof v !== 'object' || v.version !== 1 || typeof v.module !== 'string' || !Array.isArray(v.history)) {
    throw new ERR_ROLLOUT_STATE(where, 'expected {"version":1,"module":…,"history":[…]}; delete it to start over (the fleet is not affected)');
  }
  const r = v.release;
  if (r !== undefined) {
    if (
      typeof r !== 'object' ||
      typeof r.key !== 'string' ||
      (r.kind !== 'apply' && r.kind !== 'delete') ||
      typeof r.origin?.updated !== 'number' ||
      typeof r.origin?.old !== 'number' ||
      !Array.isArray(r.confirmed) ||
      typeof r.batchCompletedAt !== 'object'
    ) {
      throw new ERR_ROLLOUT_STATE(where, 'the release record is malformed; delete it to start over (the fleet is not affected)');
    }
  }
  return v as RolloutState;
}

/** A state store in memory (tests, or platforms that keep the record elsewhere). */
export class MemoryStateStore implements StateStore {
  readonly description = '(memory)';
  private state: RolloutState | undefined;
  private locked = false;

  constructor(initial?: RolloutState) {
    this.state = initial ? structuredClone(initial) : undefined;
  }

  async load(): Promise<RolloutState | undefined> {
    return this.state ? structuredClone(this.state) : undefined;
  }

  async save(state: RolloutState): Promise<void> {
    this.state = structuredClone(state);
  }

  async lock(): Promise<() => Promise<void>> {
    if (this.locked) throw new ERR_ROLLOUT_LOCKED(this.description, this.description, process.pid);
    this.locked = true;
    return async () => {
      this.locked = false;
    };
  }
}

/** A JSON state file, written atomically (temp file + rename), with a `<file>.lock` lock holding the pid. */
export class FileStateStore implements StateStore {
  constructor(readonly path: string) {}

  get description(): string {
    return this.path;
  }

  async load(): Promise<RolloutState | undefined> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new ERR_ROLLOUT_READ(this.path, (err as Error).message, { cause: err });
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      throw new ERR_ROLLOUT_STATE(this.path, `not JSON (${(err as Error).message}); delete it to start over (the fleet is not affected)`);
    }
    return validate(parsed, this.path);
  }

  async save(state: RolloutState): Promise<void> {
    const tmp = `${this.path}.${process.pid}.tmp`;
    await writeFile(tmp, `${JSON.stringify(state, null, 2)}\n`);
    await rename(tmp, this.path);
  }

  async lock(): Promise<() => Promise<void>> {
    const lockPath = `${this.path}.lock`;
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fh = await open(lockPath, 'wx');
        await fh.writeFile(`${process.pid}\n`);
        await fh.close();
        let released = false;
        return async () => {
          if (released) return;
          released = true;
          await unlink(lockPath).catch(() => {});
        };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new ERR_ROLLOUT_READ(lockPath, (err as Error).message, { cause: err });
        const pid = Number((await readFile(lockPath, 'utf8').catch(() => '')).trim());
        if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) {
          throw new ERR_ROLLOUT_LOCKED(this.path, lockPath, pid);
        }
        if (pid === process.pid) throw new ERR_ROLLOUT_LOCKED(this.path, lockPath, pid);
        // Stale lock (its process is gone): take it over.
        await unlink(lockPath).catch(() => {});
      }
    }
    throw new ERR_ROLLOUT_LOCKED(this.path, lockPath, 'unknown');
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
