/**
 * Prometheus metrics. Each app instance owns its own Registry (so several
 * instances can live in one process, as the integration test does).
 */
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';

export interface AppMetrics {
  registry: Registry;
  sessionState: Gauge<string>;
  sessionEvents: Counter<'event'>;
  configUpdates: Counter<string>;
  members: Gauge<string>;
  isLeader: Gauge<string>;
  leadershipChanges: Counter<string>;
  httpRequests: Counter<'route' | 'code'>;
}

export function createMetrics(opts: { defaultMetrics?: boolean } = {}): AppMetrics {
  const registry = new Registry();
  if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: registry });
  return {
    registry,
    sessionState: new Gauge({
      name: 'zk_app_session_state',
      help: '1 while the ZooKeeper session is connected (SyncConnected), else 0',
      registers: [registry],
    }),
    sessionEvents: new Counter({
      name: 'zk_app_session_events_total',
      help: 'ZooKeeper session state transitions and lifecycle events, by event',
      labelNames: ['event'],
      registers: [registry],
    }),
    configUpdates: new Counter({
      name: 'zk_app_config_updates_total',
      help: 'Changes of the watched configuration znode observed by this replica',
      registers: [registry],
    }),
    members: new Gauge({
      name: 'zk_app_members',
      help: 'Number of registered replicas seen under the members znode',
      registers: [registry],
    }),
    isLeader: new Gauge({
      name: 'zk_app_is_leader',
      help: '1 while this replica holds leadership, else 0',
      registers: [registry],
    }),
    leadershipChanges: new Counter({
      name: 'zk_app_leadership_changes_total',
      help: 'Times this replica gained or lost leadership',
      registers: [registry],
    }),
    httpRequests: new Counter({
      name: 'zk_app_http_requests_total',
      help: 'HTTP requests served, by route and status code',
      labelNames: ['route', 'code'],
      registers: [registry],
    }),
  };
}
