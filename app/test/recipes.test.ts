/**
 * The app's recipes (membership, election, config watch, session recovery)
 * driven end-to-end through HTTP, against the in-memory FakeEnsemble.
 */
import * as zookeeper from 'node-zookeeper-client';
import { appAclSpec, toZkAcls } from '../src/acl';
import { RunningApp, startApp } from '../src/app';
import { silentLogger } from '../src/log';
import { ensureOwnEphemeral } from '../src/zkOps';
import { FakeClient, FakeEnsemble, until } from './helpers/fakeZk';

const { CreateMode } = zookeeper;

async function get(app: RunningApp, path: string): Promise<{ status: number; body: any }> {
  const res = await fetch(`http://127.0.0.1:${app.port}${path}`);
  const text = await res.text();
  return { status: res.status, body: path === '/metrics' ? text : JSON.parse(text) };
}

function start(ens: FakeEnsemble, id: string): Promise<RunningApp> {
  return startApp({
    servers: [{ host: 'zk', port: 2181 }],
    chroot: null,
    port: 0,
    listenHost: '127.0.0.1',
    sessionTimeoutMs: 10000,
    configZnode: '/app/config',
    membersZnode: '/app/members',
    electionZnode: '/app/election',
    replicaId: id,
    advertisedHost: `${id}.local`,
    auth: null,
    logger: silentLogger,
    defaultMetrics: false,
    createClient: ens.createClient,
    sessionBackoff: { baseMs: 5, maxMs: 20 },
  });
}

const leaders = (apps: RunningApp[]) => apps.filter((a) => a.election.isLeader()).map((a) => a.replicaId);
const clientOf = (ens: FakeEnsemble, app: RunningApp) =>
  ens.clients.find((c) => c.live && c.getSessionId().equals((app.session as any).client.getSessionId())) as FakeClient;

describe('recipes against an in-memory ZooKeeper', () => {
  let ens: FakeEnsemble;
  let apps: RunningApp[];

  beforeEach(() => {
    ens = new FakeEnsemble();
    apps = [];
  });
  afterEach(async () => {
    await Promise.all(apps.map((a) => a.close()));
  });

  async function startAll(ids: string[]): Promise<void> {
    // sequentially, so sequence order equals start order
    for (const id of ids) {
      const app = await start(ens, id);
      apps.push(app);
      await until(() => app.membership.node() !== null && app.election.node() !== null, 2000, `${id} registered`);
    }
    await until(() => apps.every((a) => a.membership.list().length === ids.length), 2000, 'all members visible');
  }

  it('registers every replica, lists them by sequence and elects exactly the first', async () => {
    await startAll(['a', 'b', 'c']);
    const members = await get(apps[2], '/members');
    expect(members.status).toBe(200);
    expect(members.body.members.map((m: any) => m.id)).toEqual(['a', 'b', 'c']);
    expect(members.body.members[0]).toMatchObject({ host: 'a.local', port: apps[0].port, node: 'member-0000000000' });
    expect(new Date(members.body.members[0].startedAt).toISOString()).toBe(members.body.members[0].startedAt);

    await until(() => leaders(apps).length === 1);
    expect(leaders(apps)).toEqual(['a']);
    for (const app of apps) {
      const r = await get(app, '/leader');
      expect(r).toEqual({ status: 200, body: { leader: 'a', self: app.replicaId, isLeader: app.replicaId === 'a' } });
    }
    // member and election znodes are ephemeral sequential, owned by the replica's session
    expect(ens.children('/app/election').sort()).toEqual(['n_0000000000', 'n_0000000001', 'n_0000000002']);
    const owner = ens.nodes.get('/app/election/n_0000000001')!.owner;
    expect(owner.equals(clientOf(ens, apps[1]).getSessionId())).toBe(true);
  });

  it('each candidate watches only its predecessor (no herd effect)', async () => {
    await startAll(['a', 'b', 'c', 'd']);
    await until(() => apps[3].election.watchedPredecessor() !== null);
    expect(apps.map((a) => a.election.watchedPredecessor())).toEqual([null, 'n_0000000000', 'n_0000000001', 'n_0000000002']);
    expect(ens.watchCount('/app/election/n_0000000000')).toBe(1);
    expect(ens.watchCount('/app/election/n_0000000001')).toBe(1);
    expect(ens.watchCount('/app/election/n_0000000002')).toBe(1);
    expect(ens.watchCount('/app/election/n_0000000003')).toBe(0);
  });

  it('when the leader closes, only its successor takes over and membership shrinks', async () => {
    await startAll(['a', 'b', 'c']);
    await until(() => leaders(apps).length === 1);
    const [a, ...rest] = apps;
    await a.close();
    apps = rest;
    await until(() => leaders(apps).length === 1 && apps.every((x) => x.membership.list().length === 2), 2000, 'failover');
    expect(leaders(apps)).toEqual(['b']);
    expect(apps[1].election.watchedPredecessor()).toBe('n_0000000001'); // c still watches b, untouched
    expect((await get(apps[1], '/leader')).body).toEqual({ leader: 'b', self: 'c', isLeader: false });
    expect((await get(apps[1], '/members')).body.members.map((m: any) => m.id)).toEqual(['b', 'c']);
    expect(ens.children('/app/election')).not.toContain('n_0000000000');
  });

  it('a follower whose predecessor (not the leader) dies re-attaches to the next one down', async () => {
    await startAll(['a', 'b', 'c']);
    await until(() => apps[2].election.watchedPredecessor() === 'n_0000000001');
    await apps[1].close();
    apps.splice(1, 1);
    await until(() => apps[1].election.watchedPredecessor() === 'n_0000000000');
    expect(leaders(apps)).toEqual(['a']);
  });

  it('after session expiry the replica re-registers with new znodes and recovers', async () => {
    await startAll(['a', 'b']);
    await until(() => leaders(apps).length === 1);
    const a = apps[0];
    const gen = a.session.generation;
    clientOf(ens, a).expire();
    // b takes over at once because a's ephemerals are gone
    await until(() => apps[1].election.isLeader(), 2000, 'b leads');
    // a comes back with a new session, new member and election nodes
    await until(() => a.session.generation === gen + 1 && a.session.isConnected(), 2000, 'new session');
    // cversion also counts deletions, so the next sequence after 0,1 and the deletion of 0 is 3
    await until(() => a.membership.node() === 'member-0000000003' && a.election.node() === 'n_0000000003', 2000, 're-register');
    expect(ens.children('/app/members').sort()).toEqual(['member-0000000001', 'member-0000000003']);
    await until(() => apps.every((x) => x.membership.list().map((m) => m.id).join() === 'b,a'), 2000, 'members b,a');
    expect(leaders(apps)).toEqual(['b']);
    expect(a.election.watchedPredecessor()).toBe('n_0000000001');
    const metrics = (await get(a, '/metrics')).body as string;
    expect(metrics).toMatch(/^zk_app_session_events_total\{event="expired"\} 1$/m);
    expect(metrics).toMatch(/^zk_app_session_events_total\{event="client_created"\} 2$/m);
    expect(metrics).toMatch(/^zk_app_session_state 1$/m);
  });

  it('healthz and isLeader follow the connection; a blip keeps the same session znodes', async () => {
    await startAll(['a']);
    await until(() => apps[0].election.isLeader());
    expect(await get(apps[0], '/healthz')).toEqual({ status: 200, body: { status: 'ok' } });
    const client = clientOf(ens, apps[0]);
    client.blip(200);
    expect(apps[0].election.isLeader()).toBe(false);
    const h = await get(apps[0], '/healthz');
    expect(h.status).toBe(503);
    expect((await get(apps[0], '/leader')).status).toBe(503);
    expect((await get(apps[0], '/metrics')).body).toMatch(/^zk_app_is_leader 0$/m);
    await until(() => apps[0].session.isConnected() && apps[0].election.isLeader(), 2000, 'reconnected');
    expect((await get(apps[0], '/healthz')).status).toBe(200);
    expect(apps[0].membership.node()).toBe('member-0000000000');
    expect(apps[0].election.node()).toBe('n_0000000000');
    expect(ens.children('/app/members')).toEqual(['member-0000000000']);
  });

  it('healthz is 503 while ZooKeeper is unreachable', async () => {
    ens.reachable = false;
    const app = await start(ens, 'lonely');
    apps.push(app);
    const h = await get(app, '/healthz');
    expect(h.status).toBe(503);
    expect(h.body.status).toBe('unavailable');
    expect((await get(app, '/members')).body).toEqual({ members: [], connected: false });
  });

  it('config: absent -> created -> changed -> deleted, all seen without restart', async () => {
    await startAll(['a']);
    const app = apps[0];
    await until(() => ens.nodes.has('/app'));
    let cfg = await get(app, '/config');
    expect(cfg.body).toMatchObject({ path: '/app/config', value: null, version: -1 });

    ens.create('/app/config', Buffer.from('{"color":"blue"}'), CreateMode.PERSISTENT, Buffer.alloc(8));
    await until(() => app.config.get().value === '{"color":"blue"}', 2000, 'created');
    cfg = await get(app, '/config');
    expect(cfg.body).toMatchObject({ value: '{"color":"blue"}', version: 0 });
    const firstUpdate = cfg.body.updatedAt;

    await new Promise((r) => setTimeout(r, 5));
    ens.setData('/app/config', Buffer.from('green'));
    await until(() => app.config.get().value === 'green', 2000, 'changed');
    cfg = await get(app, '/config');
    expect(cfg.body).toMatchObject({ value: 'green', version: 1 });
    expect(Date.parse(cfg.body.updatedAt)).toBeGreaterThan(Date.parse(firstUpdate));

    ens.setData('/app/config', Buffer.from('red'));
    await until(() => app.config.get().value === 'red', 2000, 'changed again (watch re-armed)');

    ens.remove('/app/config');
    await until(() => app.config.get().version === -1, 2000, 'deleted');
    expect(app.config.get().value).toBeNull();

    const metrics = (await get(app, '/metrics')).body as string;
    expect(metrics).toMatch(/^zk_app_config_updates_total 4$/m);
    expect(metrics).toMatch(/^zk_app_members 1$/m);
    expect(metrics).toMatch(/^zk_app_is_leader 1$/m);
  });

  it('re-registers when someone deletes the replica\'s member znode', async () => {
    await startAll(['a']);
    ens.remove('/app/members/member-0000000000');
    await until(() => apps[0].membership.node() === 'member-0000000002', 2000, 're-created');
    // The children watch delivers the new listing after the re-registration; under load that
    // can lag, so wait for the listing to change rather than for its length alone.
    await until(() => apps[0].membership.list().some((m) => m.node === 'member-0000000002'), 2000, 'listed');
    expect(apps[0].membership.list().map((m) => m.node)).toEqual(['member-0000000002']);
  });
});

describe('ensureOwnEphemeral', () => {
  it('adopts a node this session created but never heard back about, and removes duplicates', async () => {
    const ens = new FakeEnsemble();
    const client = ens.createClient() as unknown as FakeClient;
    client.connect();
    await until(() => client.live);
    const c = client as unknown as zookeeper.Client;
    const open = toZkAcls(appAclSpec(null));
    ens.create('/m', null, CreateMode.PERSISTENT, Buffer.alloc(8));
    // another session's node and two of ours (as if two create replies were lost)
    ens.create('/m/x-', null, CreateMode.EPHEMERAL_SEQUENTIAL, Buffer.from('0000000000000099', 'hex'));
    ens.create('/m/x-', null, CreateMode.EPHEMERAL_SEQUENTIAL, client.getSessionId());
    ens.create('/m/x-', null, CreateMode.EPHEMERAL_SEQUENTIAL, client.getSessionId());
    const r = await ensureOwnEphemeral(c, '/m', 'x-', Buffer.from('d'), open);
    expect(r).toEqual({ node: 'x-0000000001', created: false });
    expect(ens.children('/m').sort()).toEqual(['x-0000000000', 'x-0000000001']);
    // with nothing owned, it creates
    ens.remove('/m/x-0000000001');
    const r2 = await ensureOwnEphemeral(c, '/m', 'x-', Buffer.from('d'), open);
    expect(r2).toEqual({ node: 'x-0000000005', created: true }); // 3 creates + 2 deletes before it
    // and a known node short-cuts the scan
    const r3 = await ensureOwnEphemeral(c, '/m', 'x-', Buffer.from('d'), open, 'x-0000000005');
    expect(r3).toEqual({ node: 'x-0000000005', created: false });
    expect(ens.children('/m').sort()).toEqual(['x-0000000000', 'x-0000000005']);
  });
});
