/**
 * Cluster membership: each replica owns one EPHEMERAL_SEQUENTIAL child
 * "member-NNNNNNNNNN" of the members znode whose data describes it, and
 * keeps the full, sequence-ordered member list current with a children watch.
 */
import type { ACL, Event } from 'node-zookeeper-client';
import { ZkComponent } from './component';
import type { Logger } from './log';
import type { AppMetrics } from './metrics';
import type { SessionSnapshot, ZkSession } from './zk';
import { ensureOwnEphemeral, getChildren, getData, isNoNode, mkdirp } from './zkOps';
import {
  MEMBER_PREFIX,
  Member,
  MemberEntry,
  joinPath,
  parseMemberData,
  parseSequence,
  sortBySequence,
  sortMembers,
} from './znodes';

export class Membership extends ZkComponent {
  private ownNode: string | null = null;
  private dirReady = false;
  private members: MemberEntry[] = [];
  /** Member znodes are immutable, so their parsed data is cached by name. */
  private readonly cache = new Map<string, Member | null>();
  private readonly watcher = (event: Event): void => {
    this.logger.info('members_watch_fired', { path: this.dir, type: event.getName() });
    this.trigger();
  };

  constructor(
    session: ZkSession,
    logger: Logger,
    private readonly metrics: AppMetrics,
    private readonly dir: string,
    private readonly self: Member,
    private readonly acls: ACL[],
  ) {
    super(session, logger, 'membership');
  }

  list(): MemberEntry[] {
    return this.members;
  }

  /** This replica's own member znode name in the current session, if registered. */
  node(): string | null {
    return this.ownNode;
  }

  protected onNewGeneration(): void {
    // A new session: the previous session's ephemeral node is gone (or soon will be).
    this.ownNode = null;
    this.dirReady = false;
  }

  protected async reconcile(snap: SessionSnapshot): Promise<void> {
    const { client } = snap;
    if (!this.dirReady) {
      await mkdirp(client, this.dir, this.acls);
      this.dirReady = true;
    }
    const own = await ensureOwnEphemeral(
      client,
      this.dir,
      MEMBER_PREFIX,
      Buffer.from(JSON.stringify(this.self)),
      this.acls,
      this.ownNode,
    );
    if (!this.isCurrent(snap)) return;
    if (own.created || own.node !== this.ownNode) {
      this.logger.info('member_registered', { node: joinPath(this.dir, own.node), id: this.self.id });
    }
    this.ownNode = own.node;

    const children = sortBySequence(await getChildren(client, this.dir, this.watcher), MEMBER_PREFIX);
    for (const child of children) {
      if (this.cache.has(child)) continue;
      try {
        const { data } = await getData(client, joinPath(this.dir, child));
        const parsed = parseMemberData(data);
        if (!parsed) this.logger.warn('member_data_invalid', { node: joinPath(this.dir, child) });
        this.cache.set(child, parsed);
      } catch (err) {
        if (!isNoNode(err)) throw err; // left between list and read: simply not a member
      }
    }
    const present = new Set(children);
    for (const name of [...this.cache.keys()]) if (!present.has(name)) this.cache.delete(name);

    const entries: MemberEntry[] = [];
    for (const child of children) {
      const m = this.cache.get(child);
      const sequence = parseSequence(child, MEMBER_PREFIX);
      if (m && sequence !== null) entries.push({ ...m, node: child, sequence });
    }
    if (!this.isCurrent(snap)) return;
    const next = sortMembers(entries);
    const before = this.members.map((m) => m.node).join(',');
    const after = next.map((m) => m.node).join(',');
    this.members = next;
    this.metrics.members.set(next.length);
    if (before !== after) {
      this.logger.info('members_changed', { count: next.length, ids: next.map((m) => m.id) });
    }
  }
}
