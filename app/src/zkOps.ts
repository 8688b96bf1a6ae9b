/**
 * Promise wrappers around the callback API of node-zookeeper-client, plus the
 * idempotent "make sure this session owns exactly one ephemeral sequential
 * child" helper used by membership and election.
 */
import type { ACL, Client, Event, Stat } from 'node-zookeeper-client';
import { CreateMode, Exception } from 'node-zookeeper-client';
import { joinPath, sortBySequence } from './znodes';

export type Watcher = (event: Event) => void;

export function errorCode(err: unknown): number | undefined {
  if (err && typeof err === 'object' && typeof (err as { getCode?: unknown }).getCode === 'function') {
    return (err as { getCode(): number }).getCode();
  }
  return undefined;
}

export const isNoNode = (err: unknown): boolean => errorCode(err) === Exception.NO_NODE;
export const isNodeExists = (err: unknown): boolean => errorCode(err) === Exception.NODE_EXISTS;

/** Errors after which the right move is to wait for the next (re)connection. */
export function isConnectionError(err: unknown): boolean {
  const code = errorCode(err);
  return (
    code === Exception.CONNECTION_LOSS ||
    code === Exception.SESSION_EXPIRED ||
    code === Exception.OPERATION_TIMEOUT
  );
}

export function getChildren(client: Client, path: string, watcher?: Watcher): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const cb = (err: unknown, children: string[]) => (err ? reject(err) : resolve(children));
    if (watcher) client.getChildren(path, watcher, cb);
    else client.getChildren(path, cb);
  });
}

export function getData(
  client: Client,
  path: string,
  watcher?: Watcher,
): Promise<{ data: Buffer | null; stat: Stat }> {
  return new Promise((resolve, reject) => {
    const cb = (err: unknown, data: Buffer, stat: Stat) =>
      err ? reject(err) : resolve({ data: data ?? null, stat });
    if (watcher) client.getData(path, watcher, cb);
    else client.getData(path, cb);
  });
}

/** Resolves with the Stat, or null when the node does not exist. */
export function exists(client: Client, path: string, watcher?: Watcher): Promise<Stat | null> {
  return new Promise((resolve, reject) => {
    const cb = (err: unknown, stat: Stat) => (err ? reject(err) : resolve(stat ?? null));
    if (watcher) client.exists(path, watcher, cb);
    else client.exists(path, cb);
  });
}

export function create(
  client: Client,
  path: string,
  data: Buffer | null,
  acls: ACL[],
  mode: number,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const cb = (err: unknown, created: string) => (err ? reject(err) : resolve(created));
    if (data) client.create(path, data, acls, mode, cb);
    else client.create(path, acls, mode, cb);
  });
}

/** Creates `path` and all missing ancestors as persistent nodes; existing nodes are fine. */
export function mkdirp(client: Client, path: string, acls: ACL[]): Promise<void> {
  return new Promise((resolve, reject) => {
    client.mkdirp(path, acls, CreateMode.PERSISTENT, (err: unknown) => (err ? reject(err) : resolve()));
  });
}

export function remove(client: Client, path: string, version = -1): Promise<void> {
  return new Promise((resolve, reject) => {
    client.remove(path, version, (err: unknown) => (err ? reject(err) : resolve()));
  });
}

export function setData(client: Client, path: string, data: Buffer, version = -1): Promise<Stat> {
  return new Promise((resolve, reject) => {
    client.setData(path, data, version, (err: unknown, stat: Stat) => (err ? reject(err) : resolve(stat)));
  });
}

export class TimeoutError extends Error {
  constructor(what: string, ms: number) {
    super(`${what} timed out after ${ms} ms`);
    this.name = 'TimeoutError';
  }
}

/** Rejects with TimeoutError if `p` has not settled within `ms`. */
export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new TimeoutError(what, ms)), ms);
    p.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}

/**
 * Ensures the current session owns exactly one EPHEMERAL_SEQUENTIAL child of
 * `dir` whose name starts with `prefix`, and returns its name.
 *
 * Idempotent and safe after a connection loss during create (where the
 * create may have succeeded without the client hearing back): ownership is
 * decided by each child's ephemeralOwner matching our session id, so a lost
 * reply never leaves a second node of ours behind. `known` (the node this
 * session created earlier, if any) short-cuts the scan when it still exists. Extra owned nodes (which
 * can only come from such a lost reply) are deleted, keeping the lowest.
 */
export async function ensureOwnEphemeral(
  client: Client,
  dir: string,
  prefix: string,
  data: Buffer,
  acls: ACL[],
  known: string | null = null,
): Promise<{ node: string; created: boolean }> {
  const sessionId = client.getSessionId();
  const ownedBy = (stat: Stat | null): boolean =>
    stat !== null && Buffer.isBuffer(stat.ephemeralOwner) && stat.ephemeralOwner.equals(sessionId);
  if (known !== null && ownedBy(await exists(client, joinPath(dir, known)))) {
    return { node: known, created: false };
  }
  const children = sortBySequence(await getChildren(client, dir), prefix);
  const owned: string[] = [];
  for (const child of children) {
    if (ownedBy(await exists(client, joinPath(dir, child)))) owned.push(child);
  }
  if (owned.length > 0) {
    for (const extra of owned.slice(1)) {
      try {
        await remove(client, joinPath(dir, extra));
      } catch (err) {
        if (!isNoNode(err)) throw err;
      }
    }
    return { node: owned[0], created: false };
  }
  const path = await create(client, joinPath(dir, prefix), data, acls, CreateMode.EPHEMERAL_SEQUENTIAL);
  const slash = path.lastIndexOf('/');
  return { node: path.slice(slash + 1), created: true };
}
