/**
 * An in-memory ZooKeeper stand-in with the callback API of
 * node-zookeeper-client, for deterministic unit tests of the recipes.
 * It models: persistent/ephemeral/sequential nodes, per-parent sequence
 * counters, versions, ephemeral owners, one-shot watches (data, exists,
 * children; deduplicated per function like the real client) and session
 * close/expiry. It is NOT a protocol implementation; the integration test
 * covers the real server.
 */
import { EventEmitter } from 'node:events';
import * as zookeeper from 'node-zookeeper-client';
import type { Client } from 'node-zookeeper-client';

const { CreateMode, Exception, State } = zookeeper;
type Cb = (...args: unknown[]) => void;
type Watcher = (event: zookeeper.Event) => void;

const exc = (code: number, path?: string): unknown =>
  (Exception as unknown as { create(code: number, path?: string): unknown }).create(code, path);

interface ZNode {
  data: Buffer | null;
  version: number;
  cversion: number;
  owner: Buffer; // 8 zero bytes for persistent nodes
  seq: number;
}

const ZERO = Buffer.alloc(8);
const parentOf = (p: string): string => (p.lastIndexOf('/') <= 0 ? '/' : p.slice(0, p.lastIndexOf('/')));

export class FakeEnsemble {
  readonly nodes = new Map<string, ZNode>([['/', { data: null, version: 0, cversion: 0, owner: ZERO, seq: 0 }]]);
  private nextSession = 1;
  readonly clients: FakeClient[] = [];
  /** When false, new clients stay "connecting" (server unreachable). */
  reachable = true;

  createClient = (_connect?: string, options?: { sessionTimeout?: number }): Client => {
    const c = new FakeClient(this, options?.sessionTimeout ?? 10000);
    this.clients.push(c);
    return c as unknown as Client;
  };

  newSessionId(): Buffer {
    const b = Buffer.alloc(8);
    b.writeUInt32BE(this.nextSession++, 4);
    return b;
  }

  /** Number of watches (of all kinds, across live clients) on `path`. */
  watchCount(path: string): number {
    return this.clients.filter((c) => c.live).reduce((n, c) => n + c.watchCountOn(path), 0);
  }

  children(path: string): string[] {
    const prefix = path === '/' ? '/' : path + '/';
    const out: string[] = [];
    for (const p of this.nodes.keys()) {
      if (p !== '/' && p.startsWith(prefix) && !p.slice(prefix.length).includes('/')) out.push(p.slice(prefix.length));
    }
    return out;
  }

  fire(kind: 'data' | 'exists' | 'child', path: string, type: number, name: string): void {
    for (const c of this.clients) if (c.live) c.fire(kind, path, new zookeeper.Event(type, name, path));
  }

  // ---- server-side mutations (also used by tests to play "operator") ----

  create(path: string, data: Buffer | null, mode: number, owner: Buffer): string {
    const parent = parentOf(path);
    const p = this.nodes.get(parent);
    if (!p) throw exc(Exception.NO_NODE, path);
    if (!p.owner.equals(ZERO)) throw exc(Exception.NO_CHILDREN_FOR_EPHEMERALS, path);
    let actual = path;
    if (mode === CreateMode.PERSISTENT_SEQUENTIAL || mode === CreateMode.EPHEMERAL_SEQUENTIAL) {
      actual = path + String(p.cversion).padStart(10, '0');
    }
    if (this.nodes.has(actual)) throw exc(Exception.NODE_EXISTS, actual);
    const ephemeral = mode === CreateMode.EPHEMERAL || mode === CreateMode.EPHEMERAL_SEQUENTIAL;
    this.nodes.set(actual, { data, version: 0, cversion: 0, owner: ephemeral ? owner : ZERO, seq: 0 });
    p.cversion += 1;
    this.fire('exists', actual, zookeeper.Event.NODE_CREATED, 'NODE_CREATED');
    this.fire('data', actual, zookeeper.Event.NODE_CREATED, 'NODE_CREATED');
    this.fire('child', parent, zookeeper.Event.NODE_CHILDREN_CHANGED, 'NODE_CHILDREN_CHANGED');
    return actual;
  }

  remove(path: string): void {
    if (!this.nodes.has(path)) throw exc(Exception.NO_NODE, path);
    if (this.children(path).length > 0) throw exc(Exception.NOT_EMPTY, path);
    this.nodes.delete(path);
    const parent = this.nodes.get(parentOf(path));
    if (parent) parent.cversion += 1;
    this.fire('data', path, zookeeper.Event.NODE_DELETED, 'NODE_DELETED');
    this.fire('exists', path, zookeeper.Event.NODE_DELETED, 'NODE_DELETED');
    this.fire('child', path, zookeeper.Event.NODE_DELETED, 'NODE_DELETED');
    this.fire('child', parentOf(path), zookeeper.Event.NODE_CHILDREN_CHANGED, 'NODE_CHILDREN_CHANGED');
  }

  setData(path: string, data: Buffer): void {
    const n = this.nodes.get(path);
    if (!n) throw exc(Exception.NO_NODE, path);
    n.data = data;
    n.version += 1;
    this.fire('data', path, zookeeper.Event.NODE_DATA_CHANGED, 'NODE_DATA_CHANGED');
    this.fire('exists', path, zookeeper.Event.NODE_DATA_CHANGED, 'NODE_DATA_CHANGED');
  }

  dropEphemerals(owner: Buffer): void {
    const mine = [...this.nodes.entries()].filter(([, n]) => n.owner.equals(owner)).map(([p]) => p);
    for (const p of mine) this.remove(p);
  }

  stat(path: string): zookeeper.Stat {
    const n = this.nodes.get(path)!;
    return {
      version: n.version,
      cversion: n.cversion,
      ephemeralOwner: Buffer.from(n.owner),
      numChildren: this.children(path).length,
      dataLength: n.data ? n.data.length : 0,
    } as unknown as zookeeper.Stat;
  }
}

export class FakeClient extends EventEmitter {
  sessionId: Buffer = ZERO;
  live = false;
  closed = false;
  /** When true the "server" stops answering: operations never complete (a frozen peer). */
  hung = false;
  state: zookeeper.State = State.DISCONNECTED;
  auth: Array<{ scheme: string; auth: string }> = [];
  private readonly watches = { data: new Map<string, Set<Watcher>>(), exists: new Map<string, Set<Watcher>>(), child: new Map<string, Set<Watcher>>() };

  constructor(
    private readonly ens: FakeEnsemble,
    private readonly sessionTimeout: number,
  ) {
    super();
  }

  private setState(s: zookeeper.State): void {
    this.state = s;
    this.emit('state', s);
    if (s === State.SYNC_CONNECTED) this.emit('connected');
    if (s === State.DISCONNECTED) this.emit('disconnected');
    if (s === State.EXPIRED) this.emit('expired');
  }

  connect(): void {
    setImmediate(() => {
      if (this.closed || !this.ens.reachable) return;
      this.sessionId = this.ens.newSessionId();
      this.live = true;
      this.setState(State.SYNC_CONNECTED);
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    const wasLive = this.live;
    this.live = false;
    if (wasLive) {
      this.ens.dropEphemerals(this.sessionId);
      setImmediate(() => this.setState(State.DISCONNECTED));
    }
  }

  /** Test hook: the server expired this session (ephemerals go, client learns EXPIRED). */
  expire(): void {
    this.live = false;
    this.ens.dropEphemerals(this.sessionId);
    this.setState(State.EXPIRED);
  }

  /** Test hook: connection dropped but the session survives; reconnects after `ms`. */
  blip(ms = 5): void {
    this.live = false;
    this.setState(State.DISCONNECTED);
    setTimeout(() => {
      if (this.closed) return;
      this.live = true;
      this.setState(State.SYNC_CONNECTED);
    }, ms);
  }

  addAuthInfo(scheme: string, auth: Buffer): void {
    this.auth.push({ scheme, auth: auth.toString() });
  }
  getState(): zookeeper.State {
    return this.state;
  }
  getSessionId(): Buffer {
    return Buffer.from(this.sessionId);
  }
  getSessionTimeout(): number {
    return this.sessionTimeout;
  }

  watchCountOn(path: string): number {
    return (['data', 'exists', 'child'] as const).reduce((n, k) => n + (this.watches[k].get(path)?.size ?? 0), 0);
  }

  fire(kind: 'data' | 'exists' | 'child', path: string, event: zookeeper.Event): void {
    const set = this.watches[kind].get(path);
    if (!set || set.size === 0) return;
    const fns = [...set];
    set.clear();
    setImmediate(() => fns.forEach((fn) => fn(event)));
  }

  private watch(kind: 'data' | 'exists' | 'child', path: string, fn: Watcher | undefined): void {
    if (!fn) return;
    const set = this.watches[kind].get(path) ?? new Set<Watcher>();
    set.add(fn);
    this.watches[kind].set(path, set);
  }

  /** Runs `op` asynchronously, failing with CONNECTION_LOSS when not live. */
  private op(cb: Cb, op: () => unknown[]): void {
    if (this.hung) return;
    setImmediate(() => {
      if (!this.live) {
        cb(exc(this.closed ? Exception.CONNECTION_LOSS : Exception.CONNECTION_LOSS));
        return;
      }
      try {
        cb(null, ...op());
      } catch (err) {
        cb(err);
      }
    });
  }

  private split(args: unknown[]): { fn?: Watcher; cb: Cb } {
    const cb = args[args.length - 1] as Cb;
    const fn = args.length > 1 ? (args[0] as Watcher) : undefined;
    return { fn, cb };
  }

  getChildren(path: string, ...rest: unknown[]): void {
    const { fn, cb } = this.split(rest);
    this.op(cb, () => {
      if (!this.ens.nodes.has(path)) throw exc(Exception.NO_NODE, path);
      this.watch('child', path, fn);
      return [this.ens.children(path), this.ens.stat(path)];
    });
  }

  getData(path: string, ...rest: unknown[]): void {
    const { fn, cb } = this.split(rest);
    this.op(cb, () => {
      const n = this.ens.nodes.get(path);
      if (!n) throw exc(Exception.NO_NODE, path);
      this.watch('data', path, fn);
      return [n.data, this.ens.stat(path)];
    });
  }

  exists(path: string, ...rest: unknown[]): void {
    const { fn, cb } = this.split(rest);
    this.op(cb, () => {
      this.watch('exists', path, fn);
      return [this.ens.nodes.has(path) ? this.ens.stat(path) : null];
    });
  }

  create(path: string, ...rest: unknown[]): void {
    const cb = rest[rest.length - 1] as Cb;
    const data = rest.find((a) => Buffer.isBuffer(a)) as Buffer | undefined;
    const mode = (rest.find((a) => typeof a === 'number') as number | undefined) ?? CreateMode.PERSISTENT;
    this.op(cb, () => [this.ens.create(path, data ?? null, mode, this.sessionId)]);
  }

  mkdirp(path: string, ...rest: unknown[]): void {
    const cb = rest[rest.length - 1] as Cb;
    this.op(cb, () => {
      let cur = '';
      for (const seg of path.split('/').slice(1)) {
        cur += '/' + seg;
        if (!this.ens.nodes.has(cur)) this.ens.create(cur, null, CreateMode.PERSISTENT, this.sessionId);
      }
      return [path];
    });
  }

  remove(path: string, ...rest: unknown[]): void {
    const cb = rest[rest.length - 1] as Cb;
    this.op(cb, () => {
      this.ens.remove(path);
      return [];
    });
  }
}

/** Polls `cond` on the macrotask queue until true or `ms` elapse. */
export async function until(cond: () => boolean, ms = 2000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}
