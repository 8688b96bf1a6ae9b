import * as zookeeper from 'node-zookeeper-client';
import { appAclSpec, toZkAcls } from '../src/acl';
import { silentLogger } from '../src/log';
import { createMetrics } from '../src/metrics';
import fc from 'fast-check';
import {
  ClientFactory,
  TransportHooks,
  ZkSession,
  isHealthyState,
  livenessTimeouts,
  sessionEventName,
} from '../src/zk';
import { FakeClient, FakeEnsemble, until } from './helpers/fakeZk';

const { State } = zookeeper;

function setup(
  opts: {
    chroot?: string | null;
    auth?: { user: string; password: string } | null;
    sessionTimeoutMs?: number;
    transport?: TransportHooks;
  } = {},
) {
  const ens = new FakeEnsemble();
  const calls: string[] = [];
  const factory: ClientFactory = (cs, o) => {
    calls.push(cs);
    return ens.createClient(cs, o);
  };
  const metrics = createMetrics({ defaultMetrics: false });
  const session = new ZkSession({
    servers: [
      { host: 'zk-1', port: 2181 },
      { host: 'zk-2', port: 2182 },
    ],
    chroot: opts.chroot ?? null,
    sessionTimeoutMs: opts.sessionTimeoutMs ?? 4000,
    auth: opts.auth ?? null,
    transport: opts.transport ?? { dropConnection: () => false, openSocket: () => null },
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

describe('livenessTimeouts', () => {
  it('probes every t/10, gives up after t/2 of silence, handshake timeout t/servers', () => {
    expect(livenessTimeouts(9000, 3)).toEqual({ probeIntervalMs: 900, readTimeoutMs: 4500, connectTimeoutMs: 3000 });
    expect(livenessTimeouts(10000, 1).connectTimeoutMs).toBe(10000);
    expect(livenessTimeouts(1200, 5).connectTimeoutMs).toBe(1000);
  });

  it('property: a dead connection is noticed before the server may expire the session', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1000, max: 600000 }), fc.integer({ min: 1, max: 9 }), (t, n) => {
        const l = livenessTimeouts(t, n);
        expect(l.readTimeoutMs + l.probeIntervalMs).toBeLessThanOrEqual(0.61 * t);
        expect(l.probeIntervalMs).toBeLessThan(l.readTimeoutMs);
      }),
    );
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

  it('watchdog: a connection that stops answering is declared dead and dropped, then recovers', async () => {
    const dropped: FakeClient[] = [];
    const transport: TransportHooks = {
      dropConnection: (c) => {
        const fc_ = c as unknown as FakeClient;
        dropped.push(fc_);
        fc_.hung = false;
        fc_.blip(20); // the library would reconnect after the socket is destroyed
        return true;
      },
      openSocket: () => null,
    };
    const { ens, session, metrics } = setup({ sessionTimeoutMs: 600, transport });
    const events: string[] = [];
    session.on('connected', (_s, info) => events.push(info.newSession ? 'new' : 'reconnected'));
    session.on('disconnected', () => events.push('disconnected'));
    session.start();
    await until(() => session.isConnected());
    const t0 = Date.now();
    ens.clients[0].hung = true;
    await until(() => !session.isConnected(), 2000, 'declared dead');
    const detectedAfter = Date.now() - t0;
    expect(detectedAfter).toBeLessThan(600); // before the session timeout
    expect(detectedAfter).toBeGreaterThanOrEqual(200); // not before ~t/2 of silence
    expect(dropped).toEqual([ens.clients[0]]);
    await until(() => session.isConnected(), 2000, 'reconnected');
    expect(events).toEqual(['new', 'disconnected', 'disconnected', 'reconnected']);
    expect(session.generation).toBe(1); // same session, no new client
    expect(await metrics.registry.getSingleMetricAsString('zk_app_session_events_total')).toMatch(/event="read_timeout"\} 1$/m);
    await session.close();
  });

  it('watchdog: a TCP connection stuck in the handshake is dropped after the connect timeout', async () => {
    const sock = {};
    let drops = 0;
    const transport: TransportHooks = {
      dropConnection: () => {
        drops++;
        return true;
      },
      openSocket: () => sock,
    };
    const { ens, session } = setup({ sessionTimeoutMs: 1200, transport });
    ens.reachable = false; // never completes the session handshake
    session.start();
    await until(() => drops > 0, 3000, 'handshake dropped');
    expect(session.isConnected()).toBe(false);
    await session.close();
  });
});
