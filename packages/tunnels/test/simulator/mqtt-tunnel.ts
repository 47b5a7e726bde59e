/**
 * SIMULATOR — ModuleController v2's MQTT tunnel (`MC2:module_tunnels/koupleless_mqtt_tunnel/mqtt_tunnel.go`),
 * as recorded in docs/reference/module-controller.md § MQTT tunnel:
 * - client id `<MQTT_CLIENT_PREFIX>@@@<CLIENT_ID>`, clean session, keep-alive 3 min, auto-reconnect;
 * - subscribes `koupleless_<env>/+/base/heart` and `…/+/base/queryBaseline` (QoS 1), and per vnode
 *   `base/health`, `base/simpleBiz`, `base/biz`, `base/bizOperation`, `base/batchInstallBizResponse`;
 * - the base id is the second topic segment; heart, queryBaseline, health, simpleBiz and biz messages whose
 *   `publishTimestamp + 10 s <= now` are dropped;
 * - every controller publish is **retained**: commands (`health`, `queryAllBiz`, `installBiz`,
 *   `uninstallBiz`) at QoS 0, the baseline (a bare JSON array) at QoS 1;
 * - bizOperation: install SUCCESS → ACTIVATED, uninstall SUCCESS → STOPPED, anything else → BROKEN.
 */
import { connect, type MqttClient } from 'mqtt';
import { bizInfoToStatus, bizKey, type BizStatusData, type SimArkBizInfo, type SimBaseMetadata, type SimBaseStatus, type SimBizModel } from './rules.js';
import type { SimHealthResponse, SimTunnel, TunnelCallbacks } from './vnode-controller.js';

/** One message the controller received or published, for assertions. */
export interface MqttTrace {
  at: number;
  dir: 'in' | 'out';
  topic: string;
  qos: number;
  retain: boolean;
  payload: string;
  dropped?: string;
}

export interface SimMqttOptions {
  broker: string;
  port: number;
  env: string;
  clientId: string;
  clientPrefix?: string;
  staleMs: number;
}

export class SimMqttTunnel implements SimTunnel {
  readonly kind = 'mqtt' as const;
  readonly trace: MqttTrace[] = [];
  private client: MqttClient | undefined;
  private cb: TunnelCallbacks | undefined;
  private readonly prefix: string;

  constructor(private readonly o: SimMqttOptions) {
    this.prefix = `koupleless_${o.env}`;
  }

  async start(cb: TunnelCallbacks): Promise<void> {
    this.cb = cb;
    const client = connect(`mqtt://${this.o.broker}:${this.o.port}`, {
      clientId: `${this.o.clientPrefix ?? 'koupleless'}@@@${this.o.clientId}`,
      clean: true,
      keepalive: 180,
      reconnectPeriod: 500,
      connectTimeout: 5_000,
    });
    client.on('error', () => undefined);
    client.on('message', (topic, payload, packet) => {
      this.trace.push({ at: Date.now(), dir: 'in', topic, qos: packet.qos, retain: packet.retain, payload: payload.toString('utf8') });
      void this.onMessage(topic, payload.toString('utf8'));
    });
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('simulated controller: MQTT broker not reachable within 5 s')), 5_000);
      client.once('connect', () => {
        clearTimeout(t);
        resolve();
      });
    });
    await client.subscribeAsync({ [`${this.prefix}/+/base/heart`]: { qos: 1 }, [`${this.prefix}/+/base/queryBaseline`]: { qos: 1 } });
    this.client = client;
  }

  async stop(): Promise<void> {
    await this.client?.endAsync().catch(() => undefined);
    this.client = undefined;
  }

  private publish(topic: string, payload: string, qos: 0 | 1): void {
    this.trace.push({ at: Date.now(), dir: 'out', topic, qos, retain: true, payload });
    this.client?.publish(topic, payload, { qos, retain: true });
  }

  private async onMessage(topic: string, text: string): Promise<void> {
    const parts = topic.split('/');
    const nodeId = parts[1] ?? '';
    const kind = parts.slice(2).join('/');
    let msg: { publishTimestamp?: number; data?: any };
    try {
      msg = JSON.parse(text);
    } catch {
      return;
    }
    const checked = ['base/heart', 'base/queryBaseline', 'base/health', 'base/simpleBiz', 'base/biz'];
    if (checked.includes(kind) && (msg.publishTimestamp ?? 0) + this.o.staleMs <= Date.now()) {
      this.trace[this.trace.length - 1]!.dropped = 'stale publishTimestamp';
      return;
    }
    const data = msg.data;
    switch (kind) {
      case 'base/heart':
        this.cb?.onBaseDiscovered(data as SimBaseStatus);
        return;
      case 'base/queryBaseline':
        this.publish(`${this.prefix}/${nodeId}/base/baseline`, JSON.stringify(this.cb?.baseline(data as SimBaseMetadata) ?? []), 1);
        return;
      case 'base/health':
        this.cb?.onHealthDataArrived(nodeId, data as SimHealthResponse);
        return;
      case 'base/simpleBiz': {
        const now = Date.now();
        const list = (Array.isArray(data) ? data : []) as Array<{
          name: string;
          version: string;
          state: string;
          latestStateRecord: { changeTime: number; state: string; reason: string; message: string } | null;
        }>;
        const statuses: BizStatusData[] = list.map((b) => ({
          key: bizKey(b.name, b.version),
          name: b.name,
          state: String(b.state ?? '').toUpperCase(),
          changeTime: b.latestStateRecord?.changeTime ?? now,
          reason: b.latestStateRecord?.reason ?? '',
          message: b.latestStateRecord?.message ?? '',
        }));
        await this.cb?.onAllBizStatusArrived(nodeId, statuses);
        return;
      }
      case 'base/biz': {
        if (data?.code !== 'SUCCESS' || !Array.isArray(data.data)) return;
        const now = Date.now();
        await this.cb?.onAllBizStatusArrived(nodeId, (data.data as SimArkBizInfo[]).map((b) => bizInfoToStatus(b, now)));
        return;
      }
      case 'base/bizOperation': {
        const key = bizKey(data?.bizName ?? '', data?.bizVersion ?? '');
        const code = String(data?.response?.code ?? '');
        const ok = code === 'SUCCESS';
        const state = ok ? (data?.command === 'uninstallBiz' ? 'STOPPED' : 'ACTIVATED') : 'BROKEN';
        await this.cb?.onSingleBizStatusArrived(nodeId, {
          key,
          name: data?.bizName ?? '',
          state,
          changeTime: Date.now(),
          reason: ok ? `${key} ${data?.command} succeed` : code,
          message: String(data?.response?.message ?? ''),
        });
        return;
      }
      case 'base/batchInstallBizResponse': {
        const map = data?.response?.data?.bizUrlToResponse ?? {};
        for (const r of Object.values(map) as Array<{ bizInfos?: SimArkBizInfo[] }>) {
          const b = r.bizInfos?.[0];
          if (b) await this.cb?.onSingleBizStatusArrived(nodeId, bizInfoToStatus(b, Date.now()));
        }
        return;
      }
      default:
    }
  }

  registerNode(nodeId: string): void {
    const t = (s: string): string => `${this.prefix}/${nodeId}/${s}`;
    this.client?.subscribe(
      {
        [t('base/health')]: { qos: 1 },
        [t('base/simpleBiz')]: { qos: 1 },
        [t('base/biz')]: { qos: 1 },
        [t('base/bizOperation')]: { qos: 1 },
        [t('base/batchInstallBizResponse')]: { qos: 1 },
      },
      () => undefined,
    );
  }
  updateNode(): void {}
  unregisterNode(nodeId: string): void {
    const t = (s: string): string => `${this.prefix}/${nodeId}/${s}`;
    this.client?.unsubscribe([t('base/health'), t('base/simpleBiz'), t('base/biz'), t('base/bizOperation'), t('base/batchInstallBizResponse')]);
  }

  async fetchHealthData(nodeId: string): Promise<void> {
    this.publish(`${this.prefix}/${nodeId}/health`, '{}', 0);
  }
  async queryAllBizStatusData(nodeId: string): Promise<void> {
    this.publish(`${this.prefix}/${nodeId}/queryAllBiz`, '{}', 0);
  }
  async startBiz(nodeId: string, model: SimBizModel): Promise<Error | undefined> {
    this.publish(`${this.prefix}/${nodeId}/installBiz`, JSON.stringify(model), 0);
    return undefined;
  }
  async stopBiz(nodeId: string, model: SimBizModel): Promise<void> {
    this.publish(`${this.prefix}/${nodeId}/uninstallBiz`, JSON.stringify(model), 0);
  }
}
