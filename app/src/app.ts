/**
 * Wires session, features, metrics and HTTP server into one running app.
 * Several apps can run in one process (the integration test does).
 */
import type * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { DigestAuth, appAclSpec, toZkAcls } from './acl';
import type { BackoffOptions } from './backoff';
import type { ZkServer } from './config';
import { ConfigWatch } from './configWatch';
import { Election } from './election';
import { Logger, createLogger, errorFields } from './log';
import { Membership } from './membership';
import { AppMetrics, createMetrics } from './metrics';
import { Handlers, createHttpServer } from './server';
import { ClientFactory, ZkSession } from './zk';
import { withTimeout } from './zkOps';

export interface AppOptions {
  servers: ZkServer[];
  chroot: string | null;
  /** HTTP port; 0 picks a free one (tests). */
  port: number;
  /** Listen address; default all IPv4 interfaces. */
  listenHost?: string;
  sessionTimeoutMs: number;
  configZnode: string;
  membersZnode: string;
  electionZnode: string;
  replicaId: string;
  advertisedHost: string;
  auth: DigestAuth | null;
  logger?: Logger;
  /** Register prom-client default process metrics (default true). */
  defaultMetrics?: boolean;
  createClient?: ClientFactory;
  sessionBackoff?: BackoffOptions;
  /** Upper bound for the on-demand ZooKeeper read behind GET /leader. */
  requestTimeoutMs?: number;
}

export interface RunningApp {
  port: number;
  replicaId: string;
  session: ZkSession;
  config: ConfigWatch;
  membership: Membership;
  election: Election;
  metrics: AppMetrics;
  server: http.Server;
  close(): Promise<void>;
}

export async function startApp(opts: AppOptions): Promise<RunningApp> {
  const logger = opts.logger ?? createLogger({ replica: opts.replicaId });
  const metrics = createMetrics({ defaultMetrics: opts.defaultMetrics });
  const acls = toZkAcls(appAclSpec(opts.auth));
  const startedAt = new Date().toISOString();
  const requestTimeoutMs = opts.requestTimeoutMs ?? 2000;

  const session = new ZkSession({
    servers: opts.servers,
    chroot: opts.chroot,
    sessionTimeoutMs: opts.sessionTimeoutMs,
    auth: opts.auth,
    acls,
    logger,
    metrics,
    createClient: opts.createClient,
    backoff: opts.sessionBackoff,
  });

  // Components are created after the port is known (it is part of the member record).
  let config!: ConfigWatch;
  let membership!: Membership;
  let election!: Election;

  const handlers: Handlers = {
    healthz: () =>
      session.isConnected()
        ? { status: 200, body: { status: 'ok' } }
        : { status: 503, body: { status: 'unavailable', reason: 'zookeeper session not connected' } },
    config: () => ({ status: 200, body: config.get() }),
    members: () => ({
      status: 200,
      body: {
        members: membership.list().map((m) => ({
          id: m.id,
          host: m.host,
          port: m.port,
          startedAt: m.startedAt,
          node: m.node,
          sequence: m.sequence,
        })),
        connected: session.isConnected(),
      },
    }),
    leader: async () => {
      const self = opts.replicaId;
      if (!session.isConnected()) {
        return { status: 503, body: { leader: null, self, isLeader: false, error: 'zookeeper session not connected' } };
      }
      try {
        const leader = await withTimeout(election.currentLeader(), requestTimeoutMs, 'reading the leader');
        return { status: 200, body: { leader, self, isLeader: election.isLeader() } };
      } catch (err) {
        logger.warn('leader_read_failed', errorFields(err));
        return { status: 503, body: { leader: null, self, isLeader: false, error: 'could not read the leader' } };
      }
    },
    metrics: async () => ({
      status: 200,
      body: await metrics.registry.metrics(),
      contentType: metrics.registry.contentType,
    }),
  };

  const server = createHttpServer(handlers, metrics, logger);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.listenHost ?? '0.0.0.0', () => {
      server.removeListener('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  logger.info('http_listening', { port });

  config = new ConfigWatch(session, logger, metrics, opts.configZnode, acls);
  membership = new Membership(
    session,
    logger,
    metrics,
    opts.membersZnode,
    { id: opts.replicaId, host: opts.advertisedHost, port, startedAt },
    acls,
  );
  election = new Election(session, logger, metrics, opts.electionZnode, opts.replicaId, acls);
  metrics.sessionState.set(0);
  metrics.isLeader.set(0);
  metrics.members.set(0);
  session.start();

  let closing: Promise<void> | null = null;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      logger.info('shutdown_started', {});
      config.stop();
      membership.stop();
      election.stop();
      // Close the session first so our ephemeral nodes vanish immediately.
      await session.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        setTimeout(() => server.closeAllConnections(), 1000).unref();
      });
      logger.info('shutdown_complete', {});
    })();
    return closing;
  };

  return { port, replicaId: opts.replicaId, session, config, membership, election, metrics, server, close };
}
