/**
 * Figure 7: the write latency a backup costs. A sequential writer runs on the deployed ensemble
 * (backups enabled, the schedule paused) while `bash scripts/backup.sh <stack>` takes backups one
 * after another; each backup's window of writes is compared with a quiet window of the same writer
 * just before it. The figure is the p99 of the gaps between acknowledged writes, pooled over every
 * backup window, against the same over every quiet window.
 */
import * as path from "path";
import { SequentialWriter, connect } from "../../testkit/zk";
import { repoRoot, sleep } from "../../testkit/harness";
import { gapsWithin, p99Ms, writeBulk } from "../../testkit/backupData";
import { Ensemble, quickModes } from "./handrun";
import { must, run } from "./deploy";

export interface BackupSample {
    rep: number;
    /** The server the backup came from, and its mode when the backup started. */
    source: string;
    backupMs: number;
    quietP99Ms: number;
    backupP99Ms: number;
    quietWrites: number;
    backupWrites: number;
}

export interface BackupTargets {
    backupP99Ratio: number;
    backupP99IncreaseMs: number;
}

export interface BackupResults {
    samples: BackupSample[];
    znodesLoaded: number;
    sizeBytes: number;
    pooledQuietP99Ms: number;
    pooledBackupP99Ms: number;
    ratio: number;
    increaseMs: number;
    met: boolean;
}

/** Quiet time before a quiet window: the previous backup's after-effects are not counted as quiet. */
const SETTLE_MS = 6000;
const QUIET_WINDOW_MS = 8000;
const BULK_ZNODES = 10000;

function backupScript(stack: string, ...args: string[]) {
    return run("bash", [path.join(repoRoot, "scripts", "backup.sh"), stack, ...args], { timeoutMs: 300000 });
}

export async function measureBackupLatency(
    stack: string,
    ensemble: Ensemble,
    reps: number,
    targets: BackupTargets,
    log: (message: string) => void,
): Promise<BackupResults> {
    must(`backup.sh ${stack} pause`, await backupScript(stack, "pause"));
    const client = await connect(ensemble.connectionString, 30000);
    await writeBulk(client, BULK_ZNODES);
    client.close();
    const writer = new SequentialWriter(ensemble.connectionString, `/bench-backup-${Date.now()}`, 30000);
    await writer.start();
    const samples: BackupSample[] = [];
    const quietGaps: number[] = [];
    const backupGaps: number[] = [];
    let sizeBytes = 0;
    try {
        for (let rep = 1; rep <= reps; rep++) {
            await sleep(SETTLE_MS);
            const quietFrom = Date.now();
            await sleep(QUIET_WINDOW_MS);
            const modes = await quickModes(ensemble);
            const backupFrom = Date.now();
            const taken = must(`backup.sh ${stack}`, await backupScript(stack));
            const backupTo = Date.now();
            const quiet = gapsWithin(writer.ackTimes, quietFrom, backupFrom);
            const during = gapsWithin(writer.ackTimes, backupFrom, backupTo);
            quietGaps.push(...quiet);
            backupGaps.push(...during);
            const sourceId = Number(/from server (\d+)/.exec(taken.stderr)?.[1] ?? 0);
            sizeBytes = Number(/(\d+) bytes/.exec(taken.stderr)?.[1] ?? sizeBytes);
            const sample: BackupSample = {
                rep,
                source: `${sourceId} ${modes[sourceId - 1] ?? "?"}`,
                backupMs: backupTo - backupFrom,
                quietP99Ms: p99Ms(quiet),
                backupP99Ms: p99Ms(during),
                quietWrites: quiet.length + 1,
                backupWrites: during.length + 1,
            };
            samples.push(sample);
            log(
                `backup ${rep}/${reps} from server ${sample.source}: ${sample.backupMs} ms, write p99 quiet ${sample.quietP99Ms} ms ` +
                    `(${sample.quietWrites} writes) / during ${sample.backupP99Ms} ms (${sample.backupWrites} writes)`,
            );
        }
    } finally {
        await writer.stop();
        await backupScript(stack, "resume");
    }
    const pooledQuietP99Ms = p99Ms(quietGaps);
    const pooledBackupP99Ms = p99Ms(backupGaps);
    return {
        samples,
        znodesLoaded: BULK_ZNODES,
        sizeBytes,
        pooledQuietP99Ms,
        pooledBackupP99Ms,
        ratio: Math.round((pooledBackupP99Ms / pooledQuietP99Ms) * 100) / 100,
        increaseMs: pooledBackupP99Ms - pooledQuietP99Ms,
        met: backupTargetsMet(samples, targets),
    };
}

/** One backup's p99 against its own quiet window. */
export function sampleRatio(s: BackupSample): number {
    return Math.round((s.backupP99Ms / s.quietP99Ms) * 100) / 100;
}

/** The targets hold for every backup on its own (pooled windows would let a long, mild backup hide a short, sharp one). */
export function backupTargetsMet(samples: readonly BackupSample[], targets: BackupTargets): boolean {
    return (
        samples.length > 0 &&
        samples.every((s) => sampleRatio(s) <= targets.backupP99Ratio && s.backupP99Ms - s.quietP99Ms <= targets.backupP99IncreaseMs)
    );
}

/** The report's section on the backup figure. */
export function backupSection(r: BackupResults, targets: BackupTargets, out: string[]): void {
    out.push("## 7. Backups: write p99 while `scripts/backup.sh` takes a backup vs the same writer just before");
    out.push("");
    out.push(
        `The ensemble holds ${r.znodesLoaded} extra znodes of 0 to 20,000 bytes, and the writer's, which add up during the run ` +
            `(the last snapshot: ${(r.sizeBytes / 1e6).toFixed(1)} MB). A sequential writer writes one znode after another; each backup (the schedule paused, so only these run) is ` +
            `compared with the ${QUIET_WINDOW_MS / 1000} s of the same writer before it, which start ${SETTLE_MS / 1000} s after the ` +
            "previous backup ended. The figure is the 99th percentile of the gaps between acknowledged writes in each window; " +
            "the targets hold when they hold for every backup.",
    );
    out.push("");
    out.push("| backup | from server | took | write p99 quiet | write p99 during | ratio | writes quiet / during |");
    out.push("|---|---|---|---|---|---|---|");
    for (const s of r.samples) {
        out.push(
            `| ${s.rep} | ${s.source} | ${(s.backupMs / 1000).toFixed(1)} s | ${s.quietP99Ms} ms | ${s.backupP99Ms} ms | ${sampleRatio(s)}× | ${s.quietWrites} / ${s.backupWrites} |`,
        );
    }
    out.push("");
    out.push(
        `Worst backup ${Math.max(...r.samples.map(sampleRatio))}×, +${Math.max(...r.samples.map((s) => s.backupP99Ms - s.quietP99Ms))} ms; ` +
            `targets ≤ ${targets.backupP99Ratio}× and ≤ +${targets.backupP99IncreaseMs} ms for every backup (${backupTargetsMet(r.samples, targets) ? "met" : "**missed**"}). ` +
            `Pooled over all windows: quiet ${r.pooledQuietP99Ms} ms, during a backup ${r.pooledBackupP99Ms} ms (${r.ratio}×). ` +
            "The backups grow longer with the tree, but their cost is in short bursts (the server serialising the tree, the sha256 " +
            "pass, the `docker exec`s of the script), so long backups dilute their p99.",
    );
    out.push("");
}
