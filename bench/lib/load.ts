/**
 * Closed-loop load against an ensemble: N clients, each with its own session pinned to one server
 * by role (followers first, the leader last, client i on the (i mod size)-th of them, so both
 * ensembles get the same placement whichever server leads), issuing reads,
 * writes or a 90/10 mix back to back for a fixed time. Latency is per operation, from the call
 * to its callback.
 */
import * as zookeeper from "node-zookeeper-client";
import { Client, connect, mkdirp } from "../../testkit/zk";
import { Ensemble, quickModes } from "./handrun";
import { percentile } from "./stats";

export type Workload = "read" | "write" | "mixed";
export const WORKLOADS: Workload[] = ["read", "write", "mixed"];
/** Share of reads in the mixed workload. */
export const MIXED_READ_SHARE = 0.9;

const ROOT = "/bench-load";
const READ_NODES = 64;
const PAYLOAD = Buffer.alloc(128, "z");

export interface CellResult {
    workload: Workload;
    clients: number;
    durationMs: number;
    ops: number;
    errors: number;
    opsPerSecond: number;
    p50Ms: number;
    p99Ms: number;
}

/** Creates the znodes the workloads use (idempotent). */
export async function prepareLoadData(ensemble: Ensemble): Promise<void> {
    const client = await connect(ensemble.connectionString);
    try {
        await mkdirp(client, ROOT);
        for (let i = 0; i < READ_NODES; i++) {
            await mkdirp(client, `${ROOT}/r-${i}`);
            await op((cb) => client.setData(`${ROOT}/r-${i}`, PAYLOAD, -1, cb));
        }
        for (let i = 0; i < 64; i++) {
            await mkdirp(client, `${ROOT}/w-${i}`);
        }
    } finally {
        client.close();
    }
}

function op(call: (cb: (err: Error | zookeeper.Exception | null) => void) => void): Promise<void> {
    return new Promise((resolve, reject) => call((err) => (err ? reject(err) : resolve())));
}

/** Host ports ordered followers first, leader last. */
async function byRole(ensemble: Ensemble): Promise<string[]> {
    const modes = await quickModes(ensemble);
    const rank = (m: string) => (m === "follower" ? 0 : m === "leader" ? 1 : 2);
    return ensemble.hostPorts
        .map((hp, i) => ({ hp, r: rank(modes[i]) }))
        .sort((a, b) => a.r - b.r)
        .map((x) => x.hp);
}

export async function runCell(ensemble: Ensemble, workload: Workload, clients: number, durationMs: number): Promise<CellResult> {
    const order = await byRole(ensemble);
    const sessions: Client[] = await Promise.all(Array.from({ length: clients }, (_, i) => connect(order[i % order.length])));
    const latencies: number[] = [];
    let errors = 0;
    let ops = 0;
    const started = Date.now();
    const deadline = started + durationMs;
    try {
        await Promise.all(
            sessions.map(async (client, idx) => {
                let i = idx * 7;
                while (Date.now() < deadline) {
                    i += 1;
                    const read = workload === "read" || (workload === "mixed" && (i * 2654435761) % 1000 < MIXED_READ_SHARE * 1000);
                    const t0 = process.hrtime.bigint();
                    try {
                        if (read) {
                            await op((cb) => client.getData(`${ROOT}/r-${i % READ_NODES}`, cb));
                        } else {
                            await op((cb) => client.setData(`${ROOT}/w-${idx}`, PAYLOAD, -1, cb));
                        }
                        latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
                        ops += 1;
                    } catch {
                        errors += 1;
                    }
                }
            }),
        );
    } finally {
        sessions.forEach((s) => s.close());
    }
    const elapsed = Date.now() - started;
    return {
        workload,
        clients,
        durationMs: elapsed,
        ops,
        errors,
        opsPerSecond: (ops / elapsed) * 1000,
        p50Ms: percentile(latencies, 50),
        p99Ms: percentile(latencies, 99),
    };
}
