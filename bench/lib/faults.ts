/**
 * Availability over a fixed fault schedule (bench/faults.json): on every server of each ensemble a
 * writer and a reader, each on a session pinned to that server, probe back to back while the
 * schedule kills, pauses and restarts servers. The ensemble is up for writes (reads) whenever some
 * server's probe succeeds, so the figure measures the ensemble, not one client's reconnect luck.
 * Downtime is every gap between two successes (merged over the servers) longer than
 * GAP_THRESHOLD_MS, counted whole; availability = 1 - downtime / duration.
 */
import * as fs from "fs";
import * as path from "path";
import * as zookeeper from "node-zookeeper-client";
import { docker, sleep } from "../../testkit/harness";
import { Client, OperationTimeout, connect, mkdirp, withTimeout } from "../../testkit/zk";
import { Ensemble, quickModes } from "./handrun";

export const GAP_THRESHOLD_MS = 250;
/** An operation with no answer after this long counts as failed; the probe reconnects. */
export const PROBE_OP_TIMEOUT_MS = 1000;

export interface FaultEvent {
    at: number;
    /** `disconnect`: cut the server off the ensemble network for `seconds` (a partition). */
    action: "kill" | "start" | "pause" | "restart" | "disconnect";
    target: "leader" | "follower" | "stopped";
    seconds?: number;
}

export interface FaultSchedule {
    description: string;
    durationSeconds: number;
    events: FaultEvent[];
}

export function loadSchedule(): FaultSchedule {
    const file = path.join(__dirname, "..", "faults.json");
    const schedule = JSON.parse(fs.readFileSync(file, "utf8")) as FaultSchedule;
    for (const e of schedule.events) {
        if (
            !["kill", "start", "pause", "restart", "disconnect"].includes(e.action) ||
            !["leader", "follower", "stopped"].includes(e.target)
        ) {
            throw new Error(`faults.json: bad event ${JSON.stringify(e)}`);
        }
        if (e.at < 0 || e.at >= schedule.durationSeconds) {
            throw new Error(`faults.json: event at ${e.at}s is outside 0..${schedule.durationSeconds}s`);
        }
    }
    return schedule;
}

export interface AvailabilityResult {
    durationMs: number;
    writeAvailability: number;
    readAvailability: number;
    writeDowntimeMs: number;
    readDowntimeMs: number;
    writes: number;
    reads: number;
    /** Every counted gap: where it started (s after the schedule's start) and how long it was (ms). */
    writeGaps: Array<{ atS: number; ms: number }>;
    readGaps: Array<{ atS: number; ms: number }>;
    /** What each event did, e.g. `5s kill zk-bench-3 (leader)`. */
    executed: string[];
}

function gaps(times: number[], start: number, end: number): Array<{ atS: number; ms: number }> {
    const out: Array<{ atS: number; ms: number }> = [];
    let prev = start;
    for (const t of [...times, end]) {
        if (t - prev > GAP_THRESHOLD_MS) {
            out.push({ atS: Math.round((prev - start) / 100) / 10, ms: t - prev });
        }
        prev = t;
    }
    return out;
}

/**
 * Back-to-back operations on one server until `until`, on a session pinned to that server;
 * records the time of each success. An operation that does not answer within PROBE_OP_TIMEOUT_MS
 * is waited out (a paused server answers late) rather than abandoned, so requests never pile up;
 * a session that expired or stopped answering for 10 s is replaced.
 */
async function pinnedProbe(hostPort: string, kind: "write" | "read", until: number, path: string): Promise<number[]> {
    const ok: number[] = [];
    let client: Client | undefined;
    let i = 0;
    while (Date.now() < until) {
        try {
            if (!client || [zookeeper.State.EXPIRED, zookeeper.State.AUTH_FAILED].includes(client.getState())) {
                client?.close();
                client = undefined;
                // Gives up (and closes its client) when the server does not take the session in time.
                client = await connect(hostPort, 10000, Math.max(1000, until - Date.now()));
            }
            const c = client;
            const op = new Promise<void>((resolve, reject) => {
                const cb = (err: unknown) => (err ? reject(err) : resolve());
                if (kind === "write") c.setData(path, Buffer.from(String(i++)), -1, cb);
                else c.getData(path, cb);
            });
            try {
                await withTimeout(op, PROBE_OP_TIMEOUT_MS);
                ok.push(Date.now());
            } catch (err) {
                if (!(err instanceof OperationTimeout)) throw err;
                // Wait for the late answer (or the connection loss), at most 10 s and not past the end.
                await withTimeout(op, Math.max(1, Math.min(10000, until - Date.now()))).catch((e) => {
                    if (e instanceof OperationTimeout && Date.now() < until) {
                        client?.close();
                        client = undefined;
                    }
                });
            }
        } catch {
            await sleep(20);
        }
    }
    client?.close();
    return ok;
}

/** Successes of one probe per server, merged: the ensemble served whenever any server did. */
async function probe(ensemble: Ensemble, kind: "write" | "read", until: number, path: string): Promise<number[]> {
    const perServer = await Promise.all(ensemble.hostPorts.map((hp, i) => pinnedProbe(hp, kind, until, `${path}/${kind}-${i}`)));
    return perServer.flat().sort((a, b) => a - b);
}

/** Runs the schedule against one ensemble; call for several ensembles at once to share the timeline. */
export async function runSchedule(ensemble: Ensemble, schedule: FaultSchedule, t0: number): Promise<AvailabilityResult> {
    const probePath = "/bench-availability";
    const setup = await connect(ensemble.connectionString);
    for (let i = 0; i < ensemble.hostPorts.length; i++) {
        await mkdirp(setup, `${probePath}/write-${i}`);
        await mkdirp(setup, `${probePath}/read-${i}`);
    }
    setup.close();
    const end = t0 + schedule.durationSeconds * 1000;
    const writes = probe(ensemble, "write", end, probePath);
    const reads = probe(ensemble, "read", end, probePath);
    const executed: string[] = [];
    let stopped: string | undefined;
    const unpauses: Promise<void>[] = [];
    for (const ev of schedule.events) {
        const wait = t0 + ev.at * 1000 - Date.now();
        if (wait > 0) await sleep(wait);
        let target: string | undefined;
        if (ev.target === "stopped") {
            target = stopped;
        } else {
            const r = await quickModes(ensemble, 800);
            const idx = r.findIndex((m) => m === ev.target);
            target = idx >= 0 ? ensemble.containers[idx] : undefined;
        }
        if (!target) {
            executed.push(`${ev.at}s ${ev.action} ${ev.target}: no such server at that moment, skipped`);
            continue;
        }
        try {
            if (ev.action === "kill") {
                await docker("kill", target);
                stopped = target;
            } else if (ev.action === "start") {
                await docker("start", target);
                stopped = undefined;
            } else if (ev.action === "restart") {
                await docker("restart", "-t", "0", target);
            } else if (ev.action === "disconnect") {
                // Every ensemble here lives on `<prefix>-net` with the container name as its alias.
                const net = `${ensemble.label}-net`;
                const name = target;
                await docker("network", "disconnect", net, name);
                unpauses.push(
                    sleep((ev.seconds ?? 5) * 1000).then(() =>
                        docker("network", "connect", "--alias", name, net, name).then(() => undefined),
                    ),
                );
            } else {
                // The cgroup freezer sometimes refuses on a busy host ("unable to freeze"); retry.
                for (let attempt = 1; ; attempt++) {
                    try {
                        await docker("pause", target);
                        break;
                    } catch (err) {
                        if (attempt >= 5) throw err;
                        await sleep(100);
                    }
                }
                const name = target;
                unpauses.push(sleep((ev.seconds ?? 5) * 1000).then(() => docker("unpause", name).then(() => undefined)));
            }
            executed.push(`${ev.at}s ${ev.action} ${target} (${ev.target})`);
        } catch (err) {
            // e.g. the cgroup freezer refusing a pause ("unable to freeze") on a busy host.
            executed.push(`${ev.at}s ${ev.action} ${target} (${ev.target}) FAILED: ${String((err as Error).message).split("\n")[0]}`);
        }
    }
    await Promise.all(unpauses);
    const [w, r] = await Promise.all([writes, reads]);
    if (stopped) {
        await docker("start", stopped);
    }
    const durationMs = end - t0;
    const writeGaps = gaps(w, t0, end);
    const readGaps = gaps(r, t0, end);
    const wd = writeGaps.reduce((a, g) => a + g.ms, 0);
    const rd = readGaps.reduce((a, g) => a + g.ms, 0);
    return {
        durationMs,
        writeAvailability: 1 - wd / durationMs,
        readAvailability: 1 - rd / durationMs,
        writeDowntimeMs: wd,
        readDowntimeMs: rd,
        writes: w.length,
        reads: r.length,
        writeGaps,
        readGaps,
        executed,
    };
}
