/**
 * The resize figure: a size change of a running ensemble as a writer on the servers that stay sees
 * it. This package's way is `pulumi up` with the new `zookeeper.size` (dynamic reconfiguration, one
 * server at a time, see README "Changing size"). The baseline is the naive way compose users and
 * Bitnami's chart take: stop every server, then start them all with the new static server list,
 * keeping the data volumes of the servers that stay. Both are measured in the same run, on the same
 * image, with the same writer; the figure is the longest gap between two acknowledged writes, and
 * every acknowledged write is read back afterwards.
 */
import { docker, modes, sleep } from "../../testkit/harness";
import { SequentialWriter, connect, readBack } from "../../testkit/zk";
import { Ensemble, deployedEnsemble, runStockServers, startStockEnsemble, waitServing } from "./handrun";
import { WRITER_SESSION_TIMEOUT_MS } from "./failover";
import { median } from "./stats";

export interface ResizeSample {
    way: "reconfig" | "naive";
    from: number;
    to: number;
    /** Longest gap between two acknowledged writes from 1 s before the change to 1 s after it. */
    gapMs: number;
    /** Wall time of the change: `pulumi up`, or stop and start until every server serves. */
    changeMs: number;
    /** Server id of the leader before and after. */
    leaderBefore: number;
    leaderAfter: number;
    /** The leader before was one of the servers the change removed. */
    leaderLeft: boolean;
    writes: number;
    failedAttempts: number;
    /** Acknowledged writes that were not read back. */
    lost: number;
}

export interface ResizeTargets {
    resizeGapLeaderStaysMs: number;
    resizeGapLeaderLeavesMs: number;
    resizeRatio: number;
}

export interface ResizeResults {
    samples: ResizeSample[];
    /** Per change ("3->5"): median gap of this package's way / median gap of the naive way. */
    ratios: Record<string, number>;
    met: { gaps: boolean; ratio: boolean; noLoss: boolean };
}

/** Server id (1-based) of the one leader among `hostPorts`, 0 when there is none. */
async function leaderId(hostPorts: string[]): Promise<number> {
    return (await modes(hostPorts)).indexOf("leader") + 1;
}

/**
 * Runs `change` with a writer on `staying` (the servers both sizes have): 1 s of steady writes
 * before, 1 s after, then reads every acknowledged write back.
 */
async function measured(
    way: ResizeSample["way"],
    from: number,
    to: number,
    before: Ensemble,
    after: Ensemble,
    change: () => Promise<void>,
): Promise<ResizeSample> {
    const staying = before.hostPorts.slice(0, Math.min(from, to));
    const leaderBefore = await leaderId(before.hostPorts);
    const prefix = `/bench-resize/${way}-${from}-${to}-${Date.now()}`;
    const writer = new SequentialWriter(staying.join(","), prefix, WRITER_SESSION_TIMEOUT_MS);
    await writer.start();
    let report;
    let changeMs = 0;
    let changed = Infinity;
    try {
        await sleep(1000);
        const t0 = Date.now();
        await change();
        await waitServing(after, 180000);
        changed = Date.now();
        changeMs = changed - t0;
        await sleep(1000);
    } finally {
        report = await writer.stop();
    }
    if (!(report.ackTimes[report.ackTimes.length - 1] >= changed)) {
        throw new Error(`${way} ${from}->${to}: writes did not resume after the change`);
    }
    const client = await connect(staying.join(","));
    let lost: number;
    try {
        lost = (await readBack(client, prefix, report.acknowledged)).missing.length;
    } finally {
        client.close();
    }
    return {
        way,
        from,
        to,
        gapMs: report.longestGapMs,
        changeMs,
        leaderBefore,
        leaderAfter: await leaderId(after.hostPorts),
        leaderLeft: leaderBefore > to,
        writes: report.acknowledged.length,
        failedAttempts: report.failedOperations,
        lost,
    };
}

/** This package's way: `setSize(to)` writes the stack's `zookeeper.size`, then `up` runs. */
export function reconfigResize(
    prefix: string,
    clientPortBase: number,
    from: number,
    to: number,
    setSizeAndUp: (size: number) => Promise<void>,
): Promise<ResizeSample> {
    return measured(
        "reconfig",
        from,
        to,
        deployedEnsemble(prefix, from, clientPortBase),
        deployedEnsemble(prefix, to, clientPortBase),
        () => setSizeAndUp(to),
    );
}

/** The naive way's ensemble: the stock image configured by ZOO_MY_ID and ZOO_SERVERS only. */
export class StaticListEnsemble {
    constructor(
        readonly prefix: string,
        private readonly image: string,
        private readonly clientPortBase: number,
    ) {}

    ensemble(size: number): Ensemble {
        return deployedEnsemble(this.prefix, size, this.clientPortBase);
    }

    /** A new ensemble of `size` servers (anything named after the prefix is removed first). */
    async create(size: number): Promise<Ensemble> {
        const e = await startStockEnsemble(this.prefix, this.image, size, this.clientPortBase);
        await waitServing(e);
        return e;
    }

    /** Stops every server at once, then starts `to` servers with the new static list, as one change. */
    resize(from: number, to: number): Promise<ResizeSample> {
        return measured("naive", from, to, this.ensemble(from), this.ensemble(to), async () => {
            const running = this.ensemble(from).containers;
            // One command stops them in parallel, as `docker-compose up` after an edit or a chart upgrade would.
            await docker("stop", "-t", "10", ...running);
            await docker("rm", ...running);
            const leaving = running.slice(to).flatMap((c) => [`${c}-data`, `${c}-datalog`]);
            if (leaving.length > 0) await docker("volume", "rm", ...leaving);
            await runStockServers(this.prefix, this.image, to, this.clientPortBase);
        });
    }
}

/** Median longest gap of one way's samples of one change ("3->5"); NaN when there is none. */
export function medianGap(samples: readonly ResizeSample[], way: ResizeSample["way"], change: string): number {
    const gaps = samples.filter((s) => s.way === way && `${s.from}->${s.to}` === change).map((s) => s.gapMs);
    return gaps.length > 0 ? median(gaps) : NaN;
}

/** Ratios and targets over the samples of both ways. */
export function summarizeResize(samples: ResizeSample[], targets: ResizeTargets): ResizeResults {
    const ratios: Record<string, number> = {};
    for (const change of [...new Set(samples.map((s) => `${s.from}->${s.to}`))]) {
        const ratio = medianGap(samples, "reconfig", change) / medianGap(samples, "naive", change);
        if (!Number.isNaN(ratio)) ratios[change] = Math.round(ratio * 1000) / 1000;
    }
    const reconfig = samples.filter((s) => s.way === "reconfig");
    return {
        samples,
        ratios,
        met: {
            gaps: reconfig.every((s) => s.gapMs <= (s.leaderLeft ? targets.resizeGapLeaderLeavesMs : targets.resizeGapLeaderStaysMs)),
            ratio: Object.values(ratios).length > 0 && Object.values(ratios).every((r) => r <= targets.resizeRatio),
            noLoss: samples.every((s) => s.lost === 0),
        },
    };
}

/** The report's section on the resize figure. */
export function resizeSection(r: ResizeResults, targets: ResizeTargets, out: string[]): void {
    out.push("## 6. Resize: `pulumi up` with a new size vs stop-all and restart with a new static list");
    out.push("");
    out.push(
        "A writer on the servers both sizes have writes one znode after another; the figure is the longest gap between two " +
            "acknowledged writes from 1 s before the change until 1 s after every server serves. This package changes the size " +
            "through dynamic reconfiguration (`reconfig -add` per new server, one `reconfig -remove`), so servers that stay keep " +
            "serving. The naive way stops every server and starts them all with the new list, so writes stop until a new leader " +
            "has been elected and synced.",
    );
    out.push("");
    out.push("| way | change | longest gap | change took | leader before → after | writes | failed attempts | lost |");
    out.push("|---|---|---|---|---|---|---|---|");
    for (const s of r.samples) {
        out.push(
            `| ${s.way === "reconfig" ? "pulumi up (reconfig)" : "naive (stop all, new static list)"} | ${s.from}→${s.to} | ${s.gapMs} ms | ` +
                `${(s.changeMs / 1000).toFixed(1)} s | ${s.leaderBefore} → ${s.leaderAfter}${s.leaderLeft ? " (removed)" : ""} | ${s.writes} | ${s.failedAttempts} | ${s.lost} |`,
        );
    }
    out.push("");
    out.push(
        `Ratios (median gap, this package / naive): ${Object.entries(r.ratios)
            .map(([c, v]) => `${c} ${v}×`)
            .join(", ")}; target ≤ ${targets.resizeRatio}× (${r.met.ratio ? "met" : "**missed**"}). ` +
            `Gap targets ≤ ${targets.resizeGapLeaderStaysMs} ms when the leader stays, ≤ ${targets.resizeGapLeaderLeavesMs} ms when it is removed ` +
            `(${r.met.gaps ? "met" : "**missed**"}); acknowledged writes lost: ${r.met.noLoss ? "none" : "**some, see the table**"}. ` +
            "The price of the safe way is time: the `up` takes far longer than the naive restart, because every new server " +
            "starts, syncs and is added before the next, and each step runs a short-lived zkCli; none of that stops writes.",
    );
    out.push("");
}
