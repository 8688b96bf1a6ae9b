/**
 * Configuration management: keeps the latest value of one znode in memory.
 * A data watch (or an existence watch while the node is absent) is re-armed
 * on every read, and the node is re-read after every (re)connection, so
 * changes show up without a restart.
 */
import type { ACL, Event } from 'node-zookeeper-client';
import type { Logger } from './log';
import type { AppMetrics } from './metrics';
import { ZkComponent } from './component';
import type { SessionSnapshot, ZkSession } from './zk';
import { exists, getData, isNoNode, mkdirp } from './zkOps';
import { parentPath } from './znodes';

export interface ConfigState {
  path: string;
  value: string | null;
  version: number;
  updatedAt: string;
}

/**
 * Decides whether a freshly read (value, version) is a change worth
 * recording; returns the next state (same object when nothing changed).
 */
export function nextConfigState(
  prev: ConfigState,
  value: string | null,
  version: number,
  now: Date,
): ConfigState {
  if (prev.value === value && prev.version === version) return prev;
  return { path: prev.path, value, version, updatedAt: now.toISOString() };
}

export class ConfigWatch extends ZkComponent {
  private state: ConfigState;
  private loaded = false;
  private parentReady = false;
  private readonly now: () => Date;
  private readonly watcher = (event: Event): void => {
    this.logger.info('config_watch_fired', { path: this.path, type: event.getName() });
    this.trigger();
  };

  constructor(
    session: ZkSession,
    logger: Logger,
    private readonly metrics: AppMetrics,
    private readonly path: string,
    private readonly acls: ACL[],
    now: () => Date = () => new Date(),
  ) {
    super(session, logger, 'config');
    this.now = now;
    this.state = { path, value: null, version: -1, updatedAt: now().toISOString() };
  }

  get(): ConfigState {
    return this.state;
  }

  protected onNewGeneration(): void {
    this.parentReady = false;
  }

  protected async reconcile(snap: SessionSnapshot): Promise<void> {
    const { client } = snap;
    if (!this.parentReady) {
      await mkdirp(client, parentPath(this.path), this.acls);
      this.parentReady = true;
    }
    let value: string | null;
    let version: number;
    try {
      const { data, stat } = await getData(client, this.path, this.watcher);
      value = data === null ? null : data.toString('utf8');
      version = stat.version;
    } catch (err) {
      if (!isNoNode(err)) throw err;
      // Absent: watch for its creation. If it appeared in between, read again.
      const stat = await exists(client, this.path, this.watcher);
      if (stat) {
        this.trigger();
        return;
      }
      value = null;
      version = -1;
    }
    if (!this.isCurrent(snap)) return;
    const next = nextConfigState(this.state, value, version, this.now());
    if (next !== this.state) {
      const initial = !this.loaded;
      this.state = next;
      if (!initial) this.metrics.configUpdates.inc();
      this.logger.info(initial ? 'config_loaded' : 'config_updated', {
        path: this.path,
        version,
        bytes: value === null ? null : Buffer.byteLength(value),
      });
    }
    this.loaded = true;
  }
}
