/**
 * Module replay: the base
 * persists the set of installed modules and, after a restart, reinstalls the same set in priority order and
 * re-activates the versions that were activated.
 *
 * The record is written atomically (temp file, fsync, rename), mode 0600 because it holds install `envs`.
 * A corrupt or unreadable record is moved aside with a clear log line and the base starts clean; an entry
 * that no longer installs (its bizUrl is gone) is logged and dropped. Installs interrupted by a crash
 * leave nothing behind: the runtime stages into `<store>/.staging`, which it empties at startup.
 */
import { open, readFile, rename, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { BizRuntime, InstallRequest, RuntimeLogger } from '@nodeark/runtime';

/** One persisted module version. */
export interface ReplayEntry {
  request: InstallRequest;
  priority: number;
  activated: boolean;
}

/** The file format. */
export interface ReplayRecord {
  version: 1;
  savedAt: number;
  modules: ReplayEntry[];
}

/** Persists the runtime's installed set on every change. */
export class ReplayStore {
  private writing: Promise<void> = Promise.resolve();
  private dirty = false;
  private detach: (() => void) | undefined;

  constructor(
    private readonly file: string,
    private readonly runtime: BizRuntime,
    private readonly logger: RuntimeLogger,
  ) {}

  /** Reads the record; `undefined` when there is none, a clean start (with a log line) when it is corrupt. */
  async load(): Promise<ReplayRecord | undefined> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as { code?: string }).code === 'ENOENT') return undefined;
      this.logger.error({ file: this.file, err: String(err) }, 'module replay: cannot read the record; starting clean');
      return undefined;
    }
    try {
      const parsed = JSON.parse(text) as ReplayRecord;
      if (parsed.version !== 1 || !Array.isArray(parsed.modules)) throw new Error('unexpected format');
      for (const m of parsed.modules) {
        if (typeof m?.request?.bizUrl !== 'string' || typeof m.priority !== 'number' || typeof m.activated !== 'boolean') {
          throw new Error('malformed entry');
        }
      }
      return parsed;
    } catch (err) {
      const aside = `${this.file}.corrupt-${Date.now()}`;
      await rename(this.file, aside).catch(() => {});
      this.logger.error({ file: this.file, movedTo: aside, err: (err as Error).message }, 'module replay: corrupt record moved aside; starting clean');
      return undefined;
    }
  }

  /** Reinstalls the recorded modules (priority groups ascending, each group concurrently), then switches. */
  async replay(record: ReplayRecord): Promise<{ installed: string[]; dropped: string[] }> {
    const installed: string[] = [];
    const dropped: string[] = [];
    const groups = new Map<number, ReplayEntry[]>();
    for (const m of record.modules) groups.set(m.priority, [...(groups.get(m.priority) ?? []), m]);
    for (const priority of [...groups.keys()].sort((a, b) => a - b)) {
      const group = groups.get(priority)!;
      await Promise.all(
        group.map(async (m) => {
          const id = `${m.request.bizName}:${m.request.bizVersion}`;
          try {
            const r = await this.runtime.install(m.request);
            if (r.code === 'SUCCESS') installed.push(id);
            else {
              dropped.push(id);
              this.logger.warn({ biz: id, code: r.code, message: r.message }, 'module replay: entry not reinstalled');
            }
          } catch (err) {
            dropped.push(id);
            this.logger.warn({ biz: id, err: (err as Error).message }, 'module replay: entry not reinstalled; dropped from the record');
          }
        }),
      );
    }
    for (const m of record.modules) {
      if (!m.activated || !m.request.bizName || !m.request.bizVersion) continue;
      const snap = this.runtime.get(m.request.bizName, m.request.bizVersion);
      if (snap?.bizState === 'deactivated') await this.runtime.switchBiz(m.request.bizName, m.request.bizVersion);
    }
    this.logger.info({ installed: installed.length, dropped: dropped.length }, 'module replay finished');
    this.schedule();
    return { installed, dropped };
  }

  /** Starts persisting on every lifecycle transition. */
  watch(): void {
    const onTransition = (e: { to: string }): void => {
      if (e.to === 'activated' || e.to === 'deactivated' || e.to === 'stopped') this.schedule();
    };
    this.runtime.on('transition', onTransition);
    this.detach = () => this.runtime.off('transition', onTransition);
  }

  /** Stops watching and waits for the last write. Shutdown keeps the record as it was (modules to replay). */
  async close(): Promise<void> {
    this.detach?.();
    await this.writing;
  }

  /** Resolves when pending writes are on disk. */
  flush(): Promise<void> {
    return this.writing;
  }

  private schedule(): void {
    if (this.runtime.isClosed) return;
    this.dirty = true;
    this.writing = this.writing.then(async () => {
      if (!this.dirty) return;
      this.dirty = false;
      await this.write().catch((err: unknown) =>
        this.logger.error({ file: this.file, err: String(err) }, 'module replay: cannot write the record'),
      );
    });
  }

  private async write(): Promise<void> {
    const modules: ReplayEntry[] = [];
    for (const b of this.runtime.list()) {
      if (b.bizState !== 'activated' && b.bizState !== 'deactivated') continue;
      const request = this.runtime.installRequestOf(b.bizName, b.bizVersion);
      if (request) modules.push({ request, priority: b.priority, activated: b.bizState === 'activated' });
    }
    const record: ReplayRecord = { version: 1, savedAt: Date.now(), modules };
    await mkdir(dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    const fh = await open(tmp, 'w', 0o600);
    try {
      await fh.writeFile(JSON.stringify(record, null, 2));
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, this.file);
  }
}
