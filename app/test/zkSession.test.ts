import * as zookeeper from 'node-zookeeper-client';
import { appAclSpec, toZkAcls } from '../src/acl';
import { silentLogger } from '../src/log';
import { createMetrics } from '../src/metrics';
import { ClientFactory, ZkSession, isHealthyState, sessionEventName } from '../src/zk';
import { FakeClient, FakeEnsemble, until } from './helpers/fakeZk';

const { State } = zookeeper;

function setup(opts: { chroot?: string | null; auth?: { user: string; password: string } | null } = {}) {
  const ens = new FakeEnsemble();
  const calls: string[] = [];
  const factory: ClientFactory = (cs) => {
    calls.push(cs);
    return ens.createClient();
  };
  const metrics = createMetrics({ defaultMetrics: false });
  const session = new ZkSession({
    servers: [
      { host: 'zk-1', port: 2181 },
      { host: 'zk-2', port: 2182 },
    ],
    chroot: opts.chroot ?? null,
    sessionTimeoutMs: 4000,
    auth: opts.auth ?? null,
    acls: toZkAcls(appAclSpec(opts.auth ?? null)),
    logger: silentLogger,
    metrics,
    createClient: factory,
    backoff: { baseMs: 10, maxMs: 40 },
    random: () => 0,
  });
  return { ens, calls, session, metrics };
}

describe('state helpers', () => {
  it('only SYNC_CONNECTED is healthy; read-only is not', () => {
    expect(isHealthyState(State.SYNC_CONNECTED)).toBe(true);
    expect(isHealthyState(State.CONNECTED_READ_ONLY)).toBe(false);
    expect(isHealthyState(State.DISCONNECTED)).toBe(false);
    expect(isHealthyState(State.EXPIRED)).toBe(false);
    expect(isHealthyState(null)).toBe(false);
  });
  it('names session events for the metrics label', () => {
    expect(sessionEventName(State.SYNC_CONNECTED)).toBe('connected');
    expect(sessionEventName(State.AUTH_FAILED)).toBe('auth_failed');
    expect(sessionEventName(State.CONNECTED_READ_ONLY)).toBe('connected_read_only');
  });
});

describe('ZkSession', () => {
  it('connects, reports connected, and closes the session on close()', async () => {
    const { ens, calls, session, metrics } = setup();
    const seen: Array<{ generation: number; newSession: boolean }> = [];
    session.on('connected', (snap, info) => seen.push({ generation: snap.generation, newSession: info.newSession }));
    session.start();
    await until(() => session.isConnected());
    expect(calls).toEqual(['zk-1:2181,zk-2:2182']);
    expect(seen).toEqual([{ generation: 1, newSession: true }]);
    expect(session.current()?.generation).toBe(1);
    expect(await metrics.registry.getSingleMetricAsString('zk_app_session_state')).toMatch(/zk_app_session_state 1$/m);
    await session.close();
    expect(session.isConnected()).toBe(false);
    expect(session.current()).toBeNull();
    expect(ens.clients[0].closed).toBe(true);
  });

  it('creates the chroot with a chroot-less client first, then connects with the chroot', async () => {
    const { ens, calls, session } = setup({ chroot: '/myapp/env' });
    session.start();
    await until(() => session.isConnected());
    expect(calls).toEqual(['zk-1:2181,zk-2:2182', 'zk-1:2181,zk-2:2182/myapp/env']);
    expect(ens.nodes.has('/myapp/env')).toBe(true);
    expect(ens.clients[0].closed).toBe(true); // helper client closed
    expect(ens.clients[1].closed).toBe(false);
    await session.close();
  });

  it('adds digest auth to every client it creates', async () => {
    const { ens, session } = setup({ chroot: '/c', auth: { user: 'app', password: 'pw' } });
    session.start();
    await until(() => session.isConnected());
    expect(ens.clients.map((c) => c.auth)).toEqual([
      [{ scheme: 'digest', auth: 'app:pw' }],
      [{ scheme: 'digest', auth: 'app:pw' }],
    ]);
    await session.close();
  });

  it('replaces an expired session with a new client (new generation) and keeps going', async () => {
    const { ens, session, metrics } = setup();
    const gens: number[] = [];
    let expired = 0;
    session.on('connected', (snap) => gens.push(snap.generation));
    session.on('expired', () => expired++);
    session.start();
    await until(() => session.isConnected());
    for (let i = 0; i < 3; i++) {
      (ens.clients[ens.clients.length - 1] as FakeClient).expire();
      expect(session.isConnected()).toBe(false);
      await until(() => session.isConnected(), 2000, `reconnect ${i}`);
    }
    expect(gens).toEqual([1, 2, 3, 4]);
    expect(expired).toBe(3);
    expect(ens.clients.slice(0, 3).every((c) => c.closed)).toBe(true);
    const text = await metrics.registry.getSingleMetricAsString('zk_app_session_events_total');
    expect(text).toMatch(/event="expired"\} 3$/m);
    expect(text).toMatch(/event="client_created"\} 4$/m);
    await session.close();
  });

  it('backs off and retries when authentication fails', async () => {
    const { ens, session } = setup();
    session.start();
    await until(() => session.isConnected());
    const c = ens.clients[0] as any;
    c.live = false;
    c.emit('state', State.AUTH_FAILED);
    expect(session.isConnected()).toBe(false);
    await until(() => session.isConnected(), 2000, 'reopened after auth failure');
    expect(ens.clients).toHaveLength(2);
    await session.close();
  });

  it('ignores late events from a retired client', async () => {
    const { ens, session } = setup();
    session.start();
    await until(() => session.isConnected());
    (ens.clients[0] as FakeClient).expire();
    await until(() => session.isConnected());
    ens.clients[0].emit('state', State.DISCONNECTED);
    expect(session.isConnected()).toBe(true);
    await session.close();
  });

  it('close() during a pending reopen cancels it', async () => {
    const { ens, session } = setup();
    session.start();
    await until(() => session.isConnected());
    (ens.clients[0] as FakeClient).expire();
    await session.close();
    await new Promise((r) => setTimeout(r, 80));
    expect(ens.clients).toHaveLength(1);
  });
});
