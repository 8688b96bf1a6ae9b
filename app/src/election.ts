/**
 * Leader election, the classic ZooKeeper recipe:
 *  1. create an EPHEMERAL_SEQUENTIAL child "n_" of the election znode;
 *  2. list the children; the lowest sequence is the leader;
 *  3. otherwise set an exists-watch on the next-lower child only (so a
 *     leader's departure wakes exactly one replica: no herd effect) and go
 *     back to 2 when it fires.
 */
import type { ACL, Client, Event } from 'node-zookeeper-client';
import { ZkComponent } from './component';
import type { Logger } from './log';
import type { AppMetrics } from './metrics';
import type { SessionSnapshot, ZkSession } from './zk';
import { ensureOwnEphemeral, exists, getChildren, getData, isNoNode, mkdirp } from './zkOps';
import { ELECTION_PREFIX, electLeader, joinPath, predecessorOf } from './znodes';

/** Data stored in an election znode. */
export interface Candidate {
  id: string;
}

export function parseCandidate(data: Buffer | null): Candidate | null {
  if (!data) return null;
  try {
    const v = JSON.parse(data.toString('utf8')) as unknown;
    if (v && typeof v === 'object' && typeof (v as Candidate).id === 'string') return { id: (v as Candidate).id };
  } catch {
    // fall through
  }
  return null;
}

/**
 * Reads who currently leads: the candidate data of the lowest-sequence child.
 * Returns null when there are no (valid) candidates. Retries when the leader
 * node vanishes between the listing and the read.
 */
export async function readLeader(client: Client, dir: string): Promise<{ node: string; id: string | null } | null> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const leader = electLeader(await getChildren(client, dir), ELECTION_PREFIX);
    if (leader === null) return null;
    try {
      const { data } = await getData(client, joinPath(dir, leader));
      return { node: leader, id: parseCandidate(data)?.id ?? null };
    } catch (err) {
      if (!isNoNode(err)) throw err;
    }
  }
  throw new Error('leader kept changing while being read');
}

export class Election extends ZkComponent {
  private ownNode: string | null = null;
  private dirReady = false;
  private leader = false;
  private watching: string | null = null;
  private readonly watcher = (event: Event): void => {
    this.logger.info('election_predecessor_event', { node: event.getPath(), type: event.getName() });
    this.trigger();
  };

  constructor(
    session: ZkSession,
    logger: Logger,
    private readonly metrics: AppMetrics,
    private readonly dir: string,
    private readonly selfId: string,
    private readonly acls: ACL[],
  ) {
    super(session, logger, 'election');
    const refresh = (): void => this.publish();
    session.on('disconnected', refresh);
    session.on('expired', refresh);
    session.on('connected', refresh);
  }

  /** Leadership as decided by the recipe, only while the session is connected. */
  isLeader(): boolean {
    return this.leader && this.session.isConnected() && !this.stopped;
  }

  node(): string | null {
    return this.ownNode;
  }

  /** The predecessor this replica currently watches (null when leader or not yet registered). */
  watchedPredecessor(): string | null {
    return this.watching;
  }

  private lastPublished = false;

  private publish(): void {
    const effective = this.isLeader();
    this.metrics.isLeader.set(effective ? 1 : 0);
    if (effective !== this.lastPublished) {
      this.lastPublished = effective;
      this.metrics.leadershipChanges.inc();
      this.logger.info(effective ? 'leadership_acquired' : 'leadership_lost', {
        id: this.selfId,
        node: this.ownNode ? joinPath(this.dir, this.ownNode) : null,
      });
    }
  }

  private setLeader(flag: boolean): void {
    this.leader = flag;
    this.publish();
  }

  protected onNewGeneration(): void {
    this.ownNode = null;
    this.dirReady = false;
    this.watching = null;
    this.setLeader(false);
  }

  protected async reconcile(snap: SessionSnapshot): Promise<void> {
    const { client } = snap;
    if (!this.dirReady) {
      await mkdirp(client, this.dir, this.acls);
      this.dirReady = true;
    }
    for (;;) {
      const own = await ensureOwnEphemeral(
        client,
        this.dir,
        ELECTION_PREFIX,
        Buffer.from(JSON.stringify({ id: this.selfId } satisfies Candidate)),
        this.acls,
        this.ownNode,
      );
      if (!this.isCurrent(snap)) return;
      if (own.node !== this.ownNode) {
        this.logger.info('election_candidate_registered', { node: joinPath(this.dir, own.node) });
      }
      this.ownNode = own.node;

      const children = await getChildren(client, this.dir);
      let predecessor: string | null;
      try {
        predecessor = predecessorOf(children, own.node, ELECTION_PREFIX);
      } catch {
        // Our node vanished (deleted by someone else); register again.
        this.ownNode = null;
        continue;
      }
      if (predecessor === null) {
        if (!this.isCurrent(snap)) return;
        this.watching = null;
        this.setLeader(true);
        return;
      }
      const stat = await exists(client, joinPath(this.dir, predecessor), this.watcher);
      if (!stat) continue; // predecessor left in between: look again
      if (!this.isCurrent(snap)) return;
      if (this.watching !== predecessor) {
        this.logger.info('election_following', { watching: joinPath(this.dir, predecessor) });
      }
      this.watching = predecessor;
      this.setLeader(false);
      return;
    }
  }

  /** Fresh read of the current leader's id (used by GET /leader). */
  async currentLeader(): Promise<string | null> {
    const snap = this.session.current();
    if (!snap) throw new Error('not connected to ZooKeeper');
    const leader = await readLeader(snap.client, this.dir);
    return leader?.id ?? null;
  }
}
