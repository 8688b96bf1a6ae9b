/**
 * Leader failover as a writing client sees it: a sequential writer runs against the ensemble, the
 * current leader is `docker kill`ed, and the figure is the longest gap between two acknowledged
 * writes around the kill. The gap comes from acknowledgement times only, so the ~150 ms the
 * `docker kill` command itself takes is not counted unless writes really stop for it.
 */
import { docker, sleep } from "../../testkit/harness";
import { SequentialWriter } from "../../testkit/zk";
import { Ensemble, waitServing } from "./handrun";
import { FailoverPhases, failoverPhases } from "./zkLogs";

export interface KillSample {
    /** Gap in ms between the last acknowledgement before and the first after the outage. */
    gapMs: number;
    /** Leader killed (container name) and the leader elected after. */
    killed: string;
    /** When the kill command was issued / returned (ms since epoch). */
    killIssuedAt: number;
    killReturnedAt: number;
    /** Where the gap started relative to the kill command, ms (negative: before it). */
    gapStartOffsetMs: number;
    /** Where the time went, from the survivors' logs (undefined when the logs were incomplete). */
    phases?: FailoverPhases;
}

/** Writer settings shared by every ensemble measured, so the client is never the difference. */
export const WRITER_SESSION_TIMEOUT_MS = 8000;

/** The longest gap between consecutive acknowledgements that overlaps [from, to]. */
export function longestGapAround(ackTimes: readonly number[], from: number, to: number): { gapMs: number; start: number } {
    let best = { gapMs: 0, start: from };
    for (let i = 1; i < ackTimes.length; i++) {
        const a = ackTimes[i - 1];
        const b = ackTimes[i];
        if (b < from || a > to) {
            continue;
        }
        if (b - a > best.gapMs) {
            best = { gapMs: b - a, start: a };
        }
    }
    return best;
}

/**
 * One kill: waits for a serving ensemble with a steady writer, kills the leader, waits until
 * writes have flowed again for `settleMs`, then restarts the killed server and waits until it
 * serves again (outside the measured window).
 */
export async function killLeaderOnce(ensemble: Ensemble, writer: SequentialWriter, settleMs = 1500): Promise<KillSample> {
    const leader = await waitServing(ensemble, 120000);
    // Steady writes before the kill.
    const steadyFrom = Date.now();
    await sleep(settleMs);
    const acks = writer.ackTimes;
    if (acks.length === 0 || acks[acks.length - 1] < steadyFrom) {
        throw new Error(`the writer on ${ensemble.label} made no progress before the kill`);
    }
    const killed = ensemble.containers[leader];
    const killIssuedAt = Date.now();
    await docker("kill", killed);
    const killReturnedAt = Date.now();
    // Wait for recovery: an acknowledgement after the kill returned, then steady writes.
    const deadline = Date.now() + 60000;
    for (;;) {
        const all = writer.ackTimes;
        const last = all[all.length - 1] ?? 0;
        if (last > killReturnedAt && Date.now() - killReturnedAt > 1000) {
            await sleep(settleMs);
            break;
        }
        if (Date.now() > deadline) {
            throw new Error(`writes on ${ensemble.label} did not resume within 60 s of killing ${killed}`);
        }
        await sleep(50);
    }
    const gap = longestGapAround(writer.ackTimes, killIssuedAt, Date.now());
    const survivors = ensemble.containers.filter((c) => c !== killed);
    const phases = await failoverPhases(survivors, gap.start, gap.start + gap.gapMs);
    await docker("start", killed);
    await waitServing(ensemble, 120000);
    return { gapMs: gap.gapMs, killed, killIssuedAt, killReturnedAt, gapStartOffsetMs: gap.start - killIssuedAt, phases };
}

export async function startWriter(ensemble: Ensemble, prefix: string): Promise<SequentialWriter> {
    const writer = new SequentialWriter(ensemble.connectionString, prefix, WRITER_SESSION_TIMEOUT_MS);
    await writer.start();
    return writer;
}
