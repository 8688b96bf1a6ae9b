/**
 * Pure decision functions for the membership and leader-election recipes.
 * ZooKeeper appends a 10-digit, zero-padded counter to the names of
 * sequential znodes ("n_0000000042"); everything here works on child names.
 */

export const MEMBER_PREFIX = 'member-';
export const ELECTION_PREFIX = 'n_';

const SEQ_RE = /^(.*?)(\d{10})$/;

/**
 * Returns the sequence number of a sequential znode name, or null when the
 * name carries no 10-digit sequence suffix. When `prefix` is given, the part
 * before the digits must equal it exactly.
 */
export function parseSequence(name: string, prefix?: string): number | null {
  const m = SEQ_RE.exec(name);
  if (!m) return null;
  if (prefix !== undefined && m[1] !== prefix) return null;
  return Number(m[2]);
}

/** Builds the name ZooKeeper would give the n-th sequential child with `prefix`. */
export function formatSequential(prefix: string, seq: number): string {
  if (!Number.isInteger(seq) || seq < 0 || seq > 9999999999) {
    throw new RangeError(`sequence out of range: ${seq}`);
  }
  return prefix + String(seq).padStart(10, '0');
}

/**
 * Keeps only children that are sequential nodes with `prefix` and orders them
 * by sequence (ties, which ZooKeeper never produces within one parent, are
 * broken by name so the order is total).
 */
export function sortBySequence(children: readonly string[], prefix: string): string[] {
  const parsed: Array<{ name: string; seq: number }> = [];
  for (const name of children) {
    const seq = parseSequence(name, prefix);
    if (seq !== null) parsed.push({ name, seq });
  }
  parsed.sort((a, b) => a.seq - b.seq || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return parsed.map((p) => p.name);
}

/** The leader is the election child with the lowest sequence; null when there is none. */
export function electLeader(children: readonly string[], prefix: string = ELECTION_PREFIX): string | null {
  const sorted = sortBySequence(children, prefix);
  return sorted.length > 0 ? sorted[0] : null;
}

/**
 * The node `self` must watch in the election recipe: the child with the
 * next-lower sequence. Returns null when `self` is the leader (lowest).
 * Throws when `self` is not among the valid children: the caller's own node
 * has vanished (e.g. the session expired) and it must re-register.
 */
export function predecessorOf(
  children: readonly string[],
  self: string,
  prefix: string = ELECTION_PREFIX,
): string | null {
  const sorted = sortBySequence(children, prefix);
  const idx = sorted.indexOf(self);
  if (idx === -1) throw new Error(`own election node ${self} is not among the children`);
  return idx === 0 ? null : sorted[idx - 1];
}

export interface Member {
  id: string;
  host: string;
  port: number;
  startedAt: string;
}

export interface MemberEntry extends Member {
  /** Child znode name, e.g. "member-0000000003". */
  node: string;
  sequence: number;
}

/**
 * Parses the JSON payload of a member znode. Returns null for data that is
 * not a well-formed member record (such children are skipped, not fatal).
 */
export function parseMemberData(data: Buffer | string | null | undefined): Member | null {
  if (data === null || data === undefined) return null;
  let value: unknown;
  try {
    value = JSON.parse(typeof data === 'string' ? data : data.toString('utf8'));
  } catch {
    return null;
  }
  if (!value || typeof value !== 'object') return null;
  const v = value as Record<string, unknown>;
  if (typeof v.id !== 'string' || v.id === '') return null;
  if (typeof v.host !== 'string') return null;
  if (typeof v.port !== 'number' || !Number.isInteger(v.port)) return null;
  if (typeof v.startedAt !== 'string') return null;
  return { id: v.id, host: v.host, port: v.port, startedAt: v.startedAt };
}

/** Orders member entries by znode sequence (ties by node name). */
export function sortMembers<T extends { node: string; sequence: number }>(members: readonly T[]): T[] {
  return [...members].sort(
    (a, b) => a.sequence - b.sequence || (a.node < b.node ? -1 : a.node > b.node ? 1 : 0),
  );
}

/** Last path segment: "/app/election/n_0000000001" -> "n_0000000001". */
export function basename(path: string): string {
  const idx = path.lastIndexOf('/');
  return idx === -1 ? path : path.slice(idx + 1);
}

/** Parent path: "/app/config" -> "/app"; "/app" -> "/". */
export function parentPath(path: string): string {
  const idx = path.lastIndexOf('/');
  return idx <= 0 ? '/' : path.slice(0, idx);
}

/** Joins a parent path and a child name. */
export function joinPath(parent: string, child: string): string {
  return parent === '/' ? `/${child}` : `${parent}/${child}`;
}
