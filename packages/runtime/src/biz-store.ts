/**
 * The store on disk: `<storeDir>/<bizName>/<bizVersion>/` per module version, a `.staging` area for
 * bundles being unpacked, and `<storeDir>/node_modules` linked to the base's own (module slimming,
 * docs/module-contract.md).
 */
import { lstat, mkdir, rename, rm, stat, symlink } from 'node:fs/promises';
import { dirname, join, resolve as resolvePath } from 'node:path';
import type { RuntimeLogger } from './runtime-options.js';

/** The store directory of one runtime. */
export class BizStore {
  private ready: Promise<void> | undefined;

  /**
   * @param storeDir Absolute store directory.
   * @param baseNodeModules What to link as `node_modules`: a path, `undefined` for the nearest
   *   `node_modules` above the cwd, `null` for no link.
   */
  constructor(
    readonly storeDir: string,
    private readonly baseNodeModules: string | null | undefined,
    private readonly log: RuntimeLogger,
  ) {}

  /** Where bundles are staged before they are moved into place. */
  get stagingDir(): string {
    return join(this.storeDir, '.staging');
  }

  /** The directory of one module version. */
  dirOf(bizName: string, bizVersion: string): string {
    return join(this.storeDir, bizName, bizVersion);
  }

  /**
   * Prepares the store once (later calls share the first): an empty staging area and the base's
   * `node_modules` link. A link that cannot be made is logged, not thrown: modules that carry their
   * dependencies still work.
   */
  ensure(): Promise<void> {
    this.ready ??= (async () => {
      // Leftovers of installs interrupted by a crash are never reused: start from an empty staging area.
      await rm(this.stagingDir, { recursive: true, force: true });
      await mkdir(this.stagingDir, { recursive: true });
      const target =
        this.baseNodeModules === null ? undefined : this.baseNodeModules ?? (await findNodeModules(process.cwd()));
      if (!target) return;
      const link = join(this.storeDir, 'node_modules');
      const existing = await lstat(link).catch(() => undefined);
      if (existing) return;
      await symlink(resolvePath(target), link, 'dir').catch((err: unknown) => {
        this.log.warn({ err: String(err) }, 'could not link the base node_modules into the store');
      });
    })();
    return this.ready;
  }

  /** Moves a staged bundle root to `dir`, replacing whatever was left there. */
  async moveIn(stagedRoot: string, dir: string): Promise<void> {
    await rm(dir, { recursive: true, force: true });
    await mkdir(dirname(dir), { recursive: true });
    await rename(stagedRoot, dir);
  }

  /** Removes a module version's files; a failure is ignored (the next install of it replaces them). */
  async remove(dir: string): Promise<void> {
    await rm(dir, { recursive: true, force: true }).catch(() => {});
  }
}

async function findNodeModules(from: string): Promise<string | undefined> {
  let dir = resolvePath(from);
  for (;;) {
    const candidate = join(dir, 'node_modules');
    const s = await stat(candidate).catch(() => undefined);
    if (s?.isDirectory()) return candidate;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}
