/**
 * ZooKeeper client helpers for the real-engine suites: connect, create, read, and a sequential
 * writer that records every acknowledged write so that a checker can prove none was lost.
 */
import * as zookeeper from "node-zookeeper-client";
import { hardenConnectionManager, libraryConnectionManager } from "../app/src/framing";

// The suites kill, pause and cut servers on purpose; see app/src/framing.ts for the library bug this avoids.
hardenConnectionManager(libraryConnectionManager(require));

export type Client = zookeeper.Client;

export function connect(connectionString: string, sessionTimeoutMs = 8000, timeoutMs = 30000): Promise<Client> {
    return new Promise((resolve, reject) => {
        const client = zookeeper.createClient(connectionString, { sessionTimeout: sessionTimeoutMs, spinDelay: 100, retries: 0 });
        const timer = setTimeout(() => {
            client.close();
            reject(new Error(`could not connect to ${connectionString} within ${timeoutMs} ms`));
        }, timeoutMs);
        client.once("connected", () => {
            clearTimeout(timer);
            resolve(client);
        });
        client.connect();
    });
}

function codeOf(err: unknown): number | undefined {
    return (err as { getCode?: () => number } | undefined)?.getCode?.();
}

export function create(client: Client, path: string, data: string): Promise<string> {
    return new Promise((resolve, reject) =>
        client.create(path, Buffer.from(data), zookeeper.CreateMode.PERSISTENT, (err, created) => (err ? reject(err) : resolve(created))),
    );
}

export function setData(client: Client, path: string, data: string): Promise<void> {
    return new Promise((resolve, reject) => client.setData(path, Buffer.from(data), -1, (err) => (err ? reject(err) : resolve())));
}

export function getData(client: Client, path: string): Promise<string | undefined> {
    return new Promise((resolve, reject) =>
        client.getData(path, (err, data) => {
            if (codeOf(err) === zookeeper.Exception.NO_NODE) {
                resolve(undefined);
            } else if (err) {
                reject(err);
            } else {
                resolve(data ? data.toString() : "");
            }
        }),
    );
}

export function mkdirp(client: Client, path: string): Promise<void> {
    return new Promise((resolve, reject) => client.mkdirp(path, (err) => (err ? reject(err) : resolve())));
}

export function children(client: Client, path: string): Promise<string[]> {
    return new Promise((resolve, reject) => client.getChildren(path, (err, names) => (err ? reject(err) : resolve(names))));
}

export function exists(client: Client, path: string): Promise<zookeeper.Stat | undefined> {
    return new Promise((resolve, reject) => client.exists(path, (err, stat) => (err ? reject(err) : resolve(stat ?? undefined))));
}

/**
 * How long the writer waits for an operation's answer (and, plus 2 s, for a new session) before it
 * counts the operation as failed and starts over on a new session. The fault suite bounds failed
 * operations with it, so it is exported rather than restated.
 */
export const WRITER_OPERATION_TIMEOUT_MS = 3000;

/** One attempt that ended in an error (the writer retries the same sequence number after it). */
export interface FailedAttempt {
    seq: number;
    /** When the attempt began (before a new session, if one was needed) and when it failed, ms since the epoch. */
    startedAt: number;
    failedAt: number;
    /** The error's text, e.g. "Exception: CONNECTION_LOSS[-4]" or "no answer within 3000 ms". */
    error: string;
}

export interface WriterReport {
    /** Sequence numbers whose create was acknowledged (or found applied on retry). */
    acknowledged: number[];
    /** Acknowledgement times, ms since the epoch, in sequence order. */
    ackTimes: number[];
    /** Operations that returned an error before they were retried. */
    failedOperations: number;
    /** Every failed attempt, in order (failedOperations of them). */
    failures: FailedAttempt[];
    /**
     * Sequence numbers acknowledged through NodeExists on a retry: one of their failed attempts
     * had been applied after all (an in-doubt write, e.g. the one in flight when a leader died).
     */
    foundApplied: number[];
    /** The longest time between two consecutive acknowledgements. */
    longestGapMs: number;
    /** When the longest gap began. */
    longestGapStart: number;
}

/**
 * Writes `<prefix>/w-<seq>` one at a time, as fast as the ensemble acknowledges. An in-doubt
 * write (connection lost before the answer) is retried on the same path; NodeExists on a retry
 * means the first attempt was applied, so each sequence number is counted exactly once.
 */
export class SequentialWriter {
    private running = false;
    private loop: Promise<void> | undefined;
    private client: Client | undefined;
    private readonly report: WriterReport = {
        acknowledged: [],
        ackTimes: [],
        failedOperations: 0,
        failures: [],
        foundApplied: [],
        longestGapMs: 0,
        longestGapStart: 0,
    };

    constructor(
        private readonly connectionString: string,
        /** Parent znode of the writes. */
        readonly prefix: string,
        private readonly sessionTimeoutMs = 8000,
        /**
         * An operation with no answer after this long counts as a lost connection. The client
         * library has no read timeout, so a hung (paused) server would otherwise stall it for good.
         */
        readonly operationTimeoutMs = WRITER_OPERATION_TIMEOUT_MS,
        /**
         * Least time between the starts of two consecutive writes; 0 writes as fast as the ensemble
         * acknowledges. A paced writer bounds how many transactions a server misses while it is away.
         */
        private readonly paceMs = 0,
    ) {}

    async start(): Promise<void> {
        this.client = await connect(this.connectionString, this.sessionTimeoutMs);
        await mkdirp(this.client, this.prefix);
        this.running = true;
        this.loop = this.run();
    }

    async stop(): Promise<WriterReport> {
        this.running = false;
        await this.loop;
        this.client?.close();
        return this.report;
    }

    /** The acknowledgements so far, for measurements taken while the writer runs. */
    get ackTimes(): readonly number[] {
        return this.report.ackTimes;
    }

    /**
     * `host:port` of the server the writer's session is connected to right now, as given in the
     * connection string (undefined while it is not connected). node-zookeeper-client does not
     * expose it, so this reads its connection manager's socket.
     */
    server(): string | undefined {
        if (this.client?.getState() !== zookeeper.State.SYNC_CONNECTED) {
            return undefined;
        }
        const socket = (this.client as unknown as { connectionManager?: { socket?: { remoteAddress?: string; remotePort?: number } } })
            .connectionManager?.socket;
        return socket?.remoteAddress && socket.remotePort ? `${socket.remoteAddress}:${socket.remotePort}` : undefined;
    }

    private async ensureClient(): Promise<Client> {
        const state = this.client?.getState();
        if (this.client && state !== zookeeper.State.EXPIRED && state !== zookeeper.State.AUTH_FAILED) {
            return this.client;
        }
        this.client?.close();
        // The library waits forever for a handshake with a hung server; try another one soon.
        this.client = await connect(this.connectionString, this.sessionTimeoutMs, this.operationTimeoutMs + 2000);
        return this.client;
    }

    private async run(): Promise<void> {
        let seq = 0;
        let lastStart = 0;
        while (this.running) {
            const wait = lastStart + this.paceMs - Date.now();
            if (wait > 0) {
                await new Promise((r) => setTimeout(r, wait));
                if (!this.running) {
                    break;
                }
            }
            lastStart = Date.now();
            seq += 1;
            const path = `${this.prefix}/w-${String(seq).padStart(10, "0")}`;
            let retried = false;
            for (;;) {
                const startedAt = Date.now();
                try {
                    const client = await this.ensureClient();
                    await withTimeout(create(client, path, String(seq)), this.operationTimeoutMs);
                    this.acknowledge(seq);
                    break;
                } catch (err) {
                    if (err instanceof OperationTimeout) {
                        // Start over on a new session; the retry below settles whether the write landed.
                        this.client?.close();
                        this.client = undefined;
                    }
                    const code = codeOf(err);
                    if (retried && code === zookeeper.Exception.NODE_EXISTS) {
                        this.report.foundApplied.push(seq);
                        this.acknowledge(seq);
                        break;
                    }
                    this.report.failedOperations += 1;
                    this.report.failures.push({ seq, startedAt, failedAt: Date.now(), error: String(err) });
                    retried = true;
                    if (!this.running) {
                        // Never acknowledged, so not owed: the read-back only checks acknowledged writes.
                        break;
                    }
                    await new Promise((r) => setTimeout(r, 50));
                }
            }
        }
    }

    private acknowledge(seq: number): void {
        const now = Date.now();
        const previous = this.report.ackTimes[this.report.ackTimes.length - 1];
        if (previous !== undefined && now - previous > this.report.longestGapMs) {
            this.report.longestGapMs = now - previous;
            this.report.longestGapStart = previous;
        }
        this.report.acknowledged.push(seq);
        this.report.ackTimes.push(now);
    }
}

/**
 * The writer's failed attempts, one line each, in ms from the start of its longest gap: what the
 * roll tests print, so that a slow roll can be told apart (lost connection, no answer, no new
 * session) from the CI log alone.
 */
export function describeFailures(report: WriterReport): string {
    const since = (t: number) => `${t - report.longestGapStart >= 0 ? "+" : ""}${t - report.longestGapStart} ms`;
    const lines = report.failures.map((f) => `  seq ${f.seq}: ${f.error} (started ${since(f.startedAt)}, failed ${since(f.failedAt)})`);
    return [`longest gap ${report.longestGapMs} ms; ${report.failures.length} failed attempts:`, ...lines].join("\n");
}

/** What withTimeout rejects with when the operation did not settle in time. */
export class OperationTimeout extends Error {}

export function withTimeout<T>(operation: Promise<T>, timeoutMs: number): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new OperationTimeout(`no answer within ${timeoutMs} ms`)), timeoutMs);
    });
    return Promise.race([operation, timeout]).finally(() => clearTimeout(timer));
}

export interface ReadBackResult {
    missing: number[];
    duplicates: number[];
    outOfOrder: number[];
}

/**
 * Reads every acknowledged write back: each must exist once, and creation order (czxid) must
 * follow sequence order.
 */
export async function readBack(client: Client, prefix: string, acknowledged: number[]): Promise<ReadBackResult> {
    const names = await children(client, prefix);
    const present = new Map<number, number>();
    const duplicates: number[] = [];
    for (const name of names) {
        const seq = Number(name.replace(/^w-/, ""));
        if (present.has(seq)) {
            duplicates.push(seq);
        }
        present.set(seq, 0);
    }
    const missing = acknowledged.filter((seq) => !present.has(seq));
    const outOfOrder: number[] = [];
    let previousZxid = -1n;
    const sorted = [...present.keys()].sort((a, b) => a - b);
    for (const seq of sorted) {
        const stat = await exists(client, `${prefix}/w-${String(seq).padStart(10, "0")}`);
        const zxid = stat ? BigInt(`0x${stat.czxid.toString("hex")}`) : -1n;
        if (zxid <= previousZxid) {
            outOfOrder.push(seq);
        }
        previousZxid = zxid;
    }
    return { missing, duplicates, outOfOrder };
}

/**
 * Sync modes a (re)joining follower logs in Learner.syncWithLeader (ZooKeeper 3.9.4, INFO, each
 * followed by " 0x<zxid>"): DIFF sends the transactions it missed, SNAP the whole data tree (what a
 * server with an empty data dir gets), TRUNC cuts a log that went further than the leader's.
 */
export const SYNC_DIFF = "Getting a diff from the leader";
export const SYNC_SNAP = "Getting a snapshot from leader";
export const SYNC_TRUNC = "Truncating log to get in sync with the leader";

/** The sync-mode lines of a server's log, in order. */
export function syncLines(log: string): string[] {
    return log.split("\n").filter((l) => [SYNC_DIFF, SYNC_SNAP, SYNC_TRUNC].some((mode) => l.includes(mode)));
}

/**
 * How many of its last committed transactions a leader keeps in memory (zookeeper.commitLogCount,
 * 500 by default). It answers DIFF only while a follower's last zxid is among them: the on-disk
 * alternative is refused whenever the txnlog files (64 MB preallocated) exceed a third of the
 * latest snapshot, i.e. always with test data this small. An unpaced writer (hundreds of
 * writes/s) puts a server that is away a few seconds past that window, and it gets SNAP however
 * intact its volume is.
 */
export const LEADER_COMMIT_LOG_TXNS = 500;

/**
 * The writer pace that keeps a server away for `awayMs` within half the DIFF window (the other
 * half is for the app's and the sessions' own transactions).
 */
export function paceForDiffMs(awayMs: number): number {
    return Math.ceil(awayMs / (LEADER_COMMIT_LOG_TXNS / 2));
}

/**
 * The longest time without an acknowledgement across [from, to]: from the last one before `from`
 * to the first after it, and between those inside (how long a fault kept the writer waiting).
 */
export function longestGap(ackTimes: readonly number[], from: number, to: number): number {
    let previous = [...ackTimes].reverse().find((t) => t <= from) ?? from;
    let longest = 0;
    for (const t of ackTimes) {
        if (t <= from || t > to) {
            continue;
        }
        longest = Math.max(longest, t - previous);
        previous = t;
    }
    return longest;
}

/**
 * longestGap, counting the wait from the last acknowledgement to `to` as well: for a writer that
 * is still running at `to`, so that writes which never resumed count as the gap they are.
 */
export function longestGapThrough(ackTimes: readonly number[], from: number, to: number): number {
    const last = [...ackTimes].reverse().find((t) => t <= to) ?? from;
    return Math.max(longestGap(ackTimes, from, to), to - Math.max(last, from));
}
