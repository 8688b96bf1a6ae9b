/**
 * Integration test against a real ZooKeeper. Runs only when ZK_TEST_CONNECT
 * is set (e.g. "127.0.0.1:22181"); otherwise the suite is reported as skipped.
 *
 *   docker run -d --name apptest-zk -p 127.0.0.1:22181:2181 zkpd.local/zookeeper:3.9.4
 *   ZK_TEST_CONNECT=127.0.0.1:22181 npx jest test/integration.test.ts
 *
 * Every run works under its own chroot, so it never touches other data.
 *
 * CI runs it for real: the e2e suite (test/e2e/environments.e2e.test.ts, environment dev) runs
 * this file in a process of its own with ZK_TEST_CONNECT set to the deployed dev ensemble
 * (127.0.0.1:21811-21813) and fails on any failed or skipped case; .ci/run's unit phase leaves it out.
 */
import * as net from 'node:net';
import * as zookeeper from 'node-zookeeper-client';
import { appAclSpec, digestId, toZkAcls } from '../src/acl';
import { AppOptions, RunningApp, startApp } from '../src/app';
import { ConnectString, parseConnectString } from '../src/config';
import { Logger } from '../src/log';
import * as ops from '../src/zkOps';

const ZK = process.env.ZK_TEST_CONNECT;
const maybe = ZK ? describe : describe.skip;

const OPEN = toZkAcls(appAclSpec(null));
const runId = `it-${Date.now().toString(36)}-${process.pid}`;

/** Keeps log lines in memory and prints them only when a test fails. */
function memoryLogger(id: string, sink: string[]): Logger {
  const w = (level: string) => (event: string, fields?: Record<string, unknown>) =>
    sink.push(JSON.stringify({ ts: new Date().toISOString(), level, replica: id, event, ...fields }));
  return { info: w('info'), warn: w('warn'), error: w('error') };
}

async function until<T>(fn: () => Promise<T | undefined | false> | T | undefined | false, ms: number, what: string): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v as T;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function getJson(app: RunningApp, path: string): Promise<{ status: number; body: any }> {
  const res = await fetch(`http://127.0.0.1:${app.port}${path}`);
  return { status: res.status, body: path === '/metrics' ? await res.text() : await res.json() };
}

/** A raw client for playing "operator" (writes config, inspects znodes). */
async function rawClient(connect: string, auth?: string): Promise<zookeeper.Client> {
  const c = zookeeper.createClient(connect, { sessionTimeout: 10000, spinDelay: 200 });
  if (auth) c.addAuthInfo('digest', Buffer.from(auth));
  const ready = new Promise<void>((r) => c.once('connected', () => r()));
  c.connect();
  await ready;
  return c;
}

/**
 * TCP proxy on 127.0.0.1 that can partition the app from ZooKeeper, either
 * by resetting connections (`cut`) or by silently dropping all bytes while
 * keeping connections open (`freeze`, like a frozen server or a black-holed
 * network, which the client library alone would never notice).
 */
class Proxy {
  private server!: net.Server;
  private sockets = new Set<net.Socket>();
  blocked = false;
  frozen = false;
  port = 0;
  constructor(private readonly target: { host: string; port: number }) {}
  async start(): Promise<void> {
    this.server = net.createServer((client) => {
      if (this.blocked) {
        client.destroy();
        return;
      }
      const upstream = net.connect(this.target.port, this.target.host);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => undefined);
      }
      client.on('data', (d) => {
        if (!this.frozen) upstream.write(d);
      });
      upstream.on('data', (d) => {
        if (!this.frozen) client.write(d);
      });
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as net.AddressInfo).port;
  }
  cut(): void {
    this.blocked = true;
    for (const s of this.sockets) s.destroy();
  }
  heal(): void {
    this.blocked = false;
    this.frozen = false;
  }
  freeze(): void {
    this.frozen = true;
  }
  async stop(): Promise<void> {
    this.cut();
    await new Promise((r) => this.server.close(r));
  }
}

maybe('integration with a real ZooKeeper', () => {
  jest.setTimeout(60_000);
  const logs: string[] = [];
  const apps: RunningApp[] = [];
  const raws: zookeeper.Client[] = [];
  let base: ConnectString;

  const cs = (chroot: string) => `${ZK}${chroot}`;

  function options(id: string, chroot: string, extra: Partial<AppOptions> = {}): AppOptions {
    return {
      servers: base.servers,
      chroot,
      port: 0,
      listenHost: '127.0.0.1',
      sessionTimeoutMs: 6000,
      configZnode: '/app/config',
      membersZnode: '/app/members',
      electionZnode: '/app/election',
      replicaId: id,
      advertisedHost: '127.0.0.1',
      auth: null,
      logger: memoryLogger(id, logs),
      defaultMetrics: false,
      sessionBackoff: { baseMs: 100, maxMs: 1000 },
      ...extra,
    };
  }

  async function launch(opts: AppOptions): Promise<RunningApp> {
    const app = await startApp(opts);
    apps.push(app);
    return app;
  }

  beforeAll(() => {
    const parsed = parseConnectString(ZK!);
    if (typeof parsed === 'string') throw new Error(`ZK_TEST_CONNECT: ${parsed}`);
    if (parsed.chroot) throw new Error('ZK_TEST_CONNECT must not contain a chroot');
    base = parsed;
  });

  afterAll(async () => {
    await Promise.all(apps.map((a) => a.close()));
    for (const c of raws) c.close();
    if (process.env.ZK_TEST_VERBOSE) process.stdout.write(logs.join('\n') + '\n');
  });

  it('two replicas: membership, one agreed leader, live config, failover on close', async () => {
    const chroot = `/${runId}-basic`;
    // The chroot does not exist yet: the app must create it before connecting with it.
    const a = await launch(options('replica-a', chroot));
    await until(() => a.membership.node(), 15_000, 'replica-a registered');
    const b = await launch(options('replica-b', chroot));

    // /members on both lists both, in registration order
    for (const app of [a, b]) {
      const members = await until(async () => {
        const r = await getJson(app, '/members');
        return r.body.members.length === 2 ? r.body.members : undefined;
      }, 10_000, `${app.replicaId} sees two members`);
      expect(members.map((m: any) => m.id)).toEqual(['replica-a', 'replica-b']);
      expect(members.map((m: any) => m.port)).toEqual([a.port, b.port]);
      expect(members[0].node).toMatch(/^member-\d{10}$/);
    }

    // /leader: both agree, exactly one is leader, and it is the first registered
    const views = await until(async () => {
      const v = [await getJson(a, '/leader'), await getJson(b, '/leader')];
      return v.every((x) => x.status === 200) && v.filter((x) => x.body.isLeader).length === 1 ? v : undefined;
    }, 10_000, 'a single agreed leader');
    expect(views.map((v) => v.body.leader)).toEqual(['replica-a', 'replica-a']);
    expect(views.map((v) => v.body.isLeader)).toEqual([true, false]);
    expect(views.map((v) => v.body.self)).toEqual(['replica-a', 'replica-b']);

    // znodes really exist in the real server, ephemeral and inside the chroot
    const raw = await rawClient(ZK!);
    raws.push(raw);
    const kids = await ops.getChildren(raw, `${chroot}/app/election`);
    expect(kids).toHaveLength(2);
    for (const k of kids) {
      const stat = await ops.exists(raw, `${chroot}/app/election/${k}`);
      expect(stat!.ephemeralOwner.equals(Buffer.alloc(8))).toBe(false);
    }

    // /config reflects a write within 2 s (first create, then an update)
    expect((await getJson(a, '/config')).body).toMatchObject({ path: '/app/config', value: null, version: -1 });
    const rawChroot = await rawClient(cs(chroot));
    raws.push(rawChroot);
    let t0 = Date.now();
    await ops.create(rawChroot, '/app/config', Buffer.from('{"featureX":true}'), OPEN, zookeeper.CreateMode.PERSISTENT);
    for (const app of [a, b]) {
      await until(async () => (await getJson(app, '/config')).body.value === '{"featureX":true}', 2000, `${app.replicaId} sees created config`);
    }
    expect(Date.now() - t0).toBeLessThan(2000);
    t0 = Date.now();
    await ops.setData(rawChroot, '/app/config', Buffer.from('{"featureX":false}'));
    for (const app of [a, b]) {
      const body = await until(async () => {
        const r = await getJson(app, '/config');
        return r.body.value === '{"featureX":false}' ? r.body : undefined;
      }, 2000, `${app.replicaId} sees updated config`);
      expect(body.version).toBe(1);
    }
    expect(Date.now() - t0).toBeLessThan(2000);
    expect((await getJson(b, '/metrics')).body).toMatch(/^zk_app_config_updates_total 2$/m);

    // closing the leader: its ephemerals vanish at once and b takes over
    t0 = Date.now();
    await a.close();
    const after = await until(async () => {
      const r = await getJson(b, '/leader');
      return r.body.isLeader ? r.body : undefined;
    }, 5000, 'replica-b becomes leader');
    expect(after).toEqual({ leader: 'replica-b', self: 'replica-b', isLeader: true });
    expect(Date.now() - t0).toBeLessThan(3000); // no session-timeout wait: the session was closed
    await until(async () => (await getJson(b, '/members')).body.members.length === 1, 5000, 'membership shrinks');
    expect((await getJson(b, '/members')).body.members.map((m: any) => m.id)).toEqual(['replica-b']);
    expect((await ops.getChildren(raw, `${chroot}/app/election`))).toHaveLength(1);
    expect((await getJson(b, '/metrics')).body).toMatch(/^zk_app_is_leader 1$/m);
  });

  it('survives a partition longer than the session timeout: new session, re-registration, fresh config', async () => {
    const chroot = `/${runId}-expiry`;
    const proxy = new Proxy(base.servers[0]);
    await proxy.start();
    try {
      const c = await launch({
        ...options('replica-c', chroot, { sessionTimeoutMs: 4000 }),
        servers: [{ host: '127.0.0.1', port: proxy.port }],
      });
      await until(() => c.election.isLeader() && c.membership.list().length === 1, 15_000, 'replica-c leads');
      const gen = c.session.generation;
      const firstNode = c.membership.node();

      const raw = await rawClient(cs(chroot));
      raws.push(raw);
      proxy.cut();
      await until(async () => (await getJson(c, '/healthz')).status === 503, 5000, 'healthz 503 while partitioned');
      expect((await getJson(c, '/leader')).status).toBe(503);
      // change config while c cannot hear it
      await ops.mkdirp(raw, '/app', OPEN);
      await ops.create(raw, '/app/config', Buffer.from('written-during-partition'), OPEN, zookeeper.CreateMode.PERSISTENT);
      // the server expires c's session and deletes its ephemerals
      await until(async () => (await ops.getChildren(raw, '/app/members')).length === 0, 20_000, 'server expires the session');
      proxy.heal();

      await until(() => c.session.generation > gen && c.session.isConnected(), 20_000, 'a new session');
      await until(() => c.membership.list().length === 1 && c.election.isLeader(), 10_000, 're-registered and leading');
      expect(c.membership.node()).not.toBe(firstNode);
      expect((await getJson(c, '/healthz'))).toEqual({ status: 200, body: { status: 'ok' } });
      expect((await getJson(c, '/config')).body.value).toBe('written-during-partition');
      expect(await ops.getChildren(raw, '/app/members')).toEqual([c.membership.node()]);
      const metrics = (await getJson(c, '/metrics')).body as string;
      expect(metrics).toMatch(/^zk_app_session_events_total\{event="expired"\} 1$/m);
      expect(metrics).toMatch(/^zk_app_session_state 1$/m);
    } finally {
      await proxy.stop();
    }
  });

  it('with ZOOKEEPER_AUTH_FILE credentials: digest ALL for the app, READ for everyone else', async () => {
    const chroot = `/${runId}-acl`;
    const auth = { user: 'zkapp', password: 's3cret' };
    const d = await launch(options('replica-d', chroot, { auth }));
    await until(() => d.membership.list().length === 1 && d.election.isLeader(), 15_000, 'replica-d registered');

    const anon = await rawClient(ZK!);
    raws.push(anon);
    const members = `${chroot}/app/members`;
    const [node] = await ops.getChildren(anon, members); // world can READ
    const readAcl = (c: zookeeper.Client, path: string) =>
      new Promise<Array<{ perms: number; scheme: string; id: string }>>((res, rej) =>
        c.getACL(path, (err, a: any[]) =>
          err ? rej(err) : res(a.map((x) => ({ perms: x.permission ?? x.perms, scheme: x.id.scheme, id: x.id.id }))),
        ),
      );
    // ZooKeeper 3.6+ redacts digests for callers without ADMIN on the node: anonymous sees "x"
    expect(await readAcl(anon, `${members}/${node}`)).toEqual([
      { perms: 31, scheme: 'digest', id: 'zkapp:x' },
      { perms: 1, scheme: 'world', id: 'anyone' },
    ]);
    const authed = await rawClient(ZK!, 'zkapp:s3cret');
    raws.push(authed);
    const expected = [
      { perms: 31, scheme: 'digest', id: digestId('zkapp', 's3cret') },
      { perms: 1, scheme: 'world', id: 'anyone' },
    ];
    // member, election, config-parent and the chroot node itself all carry the app ACL
    expect(await readAcl(authed, `${members}/${node}`)).toEqual(expected);
    const [candidate] = await ops.getChildren(authed, `${chroot}/app/election`);
    expect(await readAcl(authed, `${chroot}/app/election/${candidate}`)).toEqual(expected);
    expect(await readAcl(authed, `${chroot}/app`)).toEqual(expected);
    expect(await readAcl(authed, chroot)).toEqual(expected);

    // anonymous writes are refused, authenticated ones allowed
    await expect(
      ops.create(anon, `${members}/intruder`, null, OPEN, zookeeper.CreateMode.EPHEMERAL),
    ).rejects.toMatchObject({ code: zookeeper.Exception.NO_AUTH });
    await ops.create(authed, `${chroot}/app/config`, Buffer.from('secured'), OPEN, zookeeper.CreateMode.PERSISTENT);
    await until(() => d.config.get().value === 'secured', 2000, 'config visible');
  });

  it('a frozen connection: the leader steps down before the server expires it, then rejoins as follower', async () => {
    const chroot = `/${runId}-frozen`;
    const proxy = new Proxy(base.servers[0]);
    await proxy.start();
    try {
      const e = await launch({
        ...options('replica-e', chroot, { sessionTimeoutMs: 4000 }),
        servers: [{ host: '127.0.0.1', port: proxy.port }],
      });
      await until(() => e.election.isLeader(), 15_000, 'replica-e leads');
      const f = await launch(options('replica-f', chroot));
      await until(() => f.membership.list().length === 2 && e.membership.list().length === 2, 10_000, 'two members');
      expect(f.election.isLeader()).toBe(false);

      proxy.freeze();
      const t0 = Date.now();
      let eSteppedDown = 0;
      let fTookOver = 0;
      await until(() => {
        const now = Date.now();
        if (!eSteppedDown && !e.election.isLeader()) eSteppedDown = now;
        if (!fTookOver && f.election.isLeader()) fTookOver = now;
        return eSteppedDown && fTookOver;
      }, 20_000, 'e steps down and f takes over');
      // No moment with two leaders: e gave up before the server expired its session.
      expect(eSteppedDown).toBeLessThan(fTookOver);
      expect(eSteppedDown - t0).toBeLessThan(3000); // ~0.5-0.6 of the 4 s session timeout
      expect((await getJson(e, '/healthz')).status).toBe(503);

      proxy.heal();
      await until(() => e.session.isConnected() && e.election.node() !== null && e.election.watchedPredecessor() !== null, 20_000, 'e rejoins');
      const views = await until(async () => {
        const v = [await getJson(e, '/leader'), await getJson(f, '/leader')];
        return v.every((x) => x.status === 200) ? v.map((x) => x.body) : undefined;
      }, 10_000, 'leader views');
      expect(views).toEqual([
        { leader: 'replica-f', self: 'replica-e', isLeader: false },
        { leader: 'replica-f', self: 'replica-f', isLeader: true },
      ]);
      const metrics = (await getJson(e, '/metrics')).body as string;
      expect(metrics).toMatch(/^zk_app_session_events_total\{event="read_timeout"\} [1-9]/m);
      expect(metrics).toMatch(/^zk_app_session_events_total\{event="expired"\} 1$/m);
      await until(async () => (await getJson(f, '/members')).body.members.map((m: any) => m.id).join() === 'replica-f,replica-e', 10_000, 'members f,e');
    } finally {
      await proxy.stop();
    }
  });
});
