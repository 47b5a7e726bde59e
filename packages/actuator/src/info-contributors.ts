/**
 * The `/actuator/info` body (docs/health.md § `/actuator/info`): the static part (`info.*`, `build`, `git`, read once),
 * `arkBizInfo` from the runtime, `arkPluginInfo` (nodeark's own packages, then registered plugins, by
 * priority), and the base's registered contributors, each bounded by the indicator timeout.
 */
import type { BizRuntime } from '@nodeark/runtime';
import type { ActuatorConfig } from './config.js';
import { ERR_ACTUATOR_DUPLICATE_INFO_CONTRIBUTOR, ERR_ACTUATOR_DUPLICATE_PLUGIN } from './errors.js';
import { runIndicator } from './indicators.js';
import { bizInfo, nodearkPackages, pluginItem, staticInfo, type PluginRegistration } from './info.js';

/** Keys the actuator writes itself: no contributor may take them. */
const RESERVED_INFO_KEYS = ['arkBizInfo', 'arkPluginInfo', 'build', 'git'];

/** The info contributors and plugins, and the body they make. */
export class InfoContributors {
  private readonly contributors = new Map<string, () => unknown>();
  private readonly plugins: PluginRegistration[] = [];
  private pluginsLoaded = false;
  private staticInfoCache: Record<string, unknown> | undefined;

  constructor(
    private readonly config: ActuatorConfig,
    private readonly runtime: BizRuntime,
    private readonly master: { bizName: string; bizVersion: string; priority: number },
  ) {}

  /**
   * Adds a top-level key. Throws `NODEARK_ERR_ACTUATOR_DUPLICATE_INFO_CONTRIBUTOR` when a contributor, the
   * actuator or `info.*` already writes it. The caller has checked the name and the function.
   */
  addContributor(name: string, fn: () => unknown): void {
    if (
      this.contributors.has(name) ||
      RESERVED_INFO_KEYS.includes(name) ||
      (this.config.infoEnvEnabled && name in this.config.infoEnv)
    ) {
      throw new ERR_ACTUATOR_DUPLICATE_INFO_CONTRIBUTOR(name);
    }
    this.contributors.set(name, fn);
  }

  /** Lists a plugin (`NODEARK_ERR_ACTUATOR_DUPLICATE_PLUGIN` on a taken name, nodeark's own included). */
  addPlugin(p: PluginRegistration): void {
    this.loadPlugins();
    if (this.plugins.some((x) => x.name === p.name)) throw new ERR_ACTUATOR_DUPLICATE_PLUGIN(p.name);
    this.plugins.push({ ...p });
  }

  /** The `/actuator/info` body. */
  async info(): Promise<Record<string, unknown>> {
    this.loadPlugins();
    this.staticInfoCache ??= staticInfo(this.config);
    const body: Record<string, unknown> = structuredClone(this.staticInfoCache);
    body.arkBizInfo = bizInfo(this.runtime, this.master);
    body.arkPluginInfo = this.plugins
      .map((p, i) => ({ p, i }))
      .sort((a, b) => (a.p.priority ?? 100) - (b.p.priority ?? 100) || a.i - b.i)
      .map(({ p }) => pluginItem(p));
    const extra = [...this.contributors.entries()];
    const values = await Promise.all(
      extra.map(async ([, fn]) => {
        const r = await runIndicator(
          async () => ({ status: 'UP', details: { value: await fn() } }),
          this.config.indicatorTimeoutMs,
        );
        if (r.status === 'UP' && r.details && 'value' in r.details) return r.details.value;
        return { error: String(r.details?.error ?? 'contributor failed') };
      }),
    );
    extra.forEach(([name], i) => {
      body[name] = values[i];
    });
    return body;
  }

  /** nodeark's own packages come first, once, unless a plugin of that name was registered before. */
  private loadPlugins(): void {
    if (this.pluginsLoaded) return;
    this.pluginsLoaded = true;
    const own = nodearkPackages().filter((p) => !this.plugins.some((x) => x.name === p.name));
    this.plugins.unshift(...own);
  }
}
