/**
 * `npm run bench`: every figure measured in one run, on this machine and these images, against a
 * baseline measured in the same run, and reported as a ratio. Baseline and subject runs are
 * interleaved (alternating which goes first) so both see the same background load.
 *
 *   1. cold start: `pulumi up` of the dev topology vs `docker-compose up -d` of bench/compose/
 *   2. no-op `pulumi preview` of dev vs the one-resource program (the engine's floor)
 *   3. leader failover seen by a writer: stock hand-run ensemble vs the component's
 *   4. throughput/latency vs a hand-run ensemble with the same settings, and availability over
 *      the fixed fault schedule bench/faults.json
 *   5. program construction (mocks) and preview time at 3, 5, 7, 9 servers, with a linear fit
 *   6. resize 3 -> 5 -> 3 seen by a writer: `pulumi up` with the new size vs stopping every server
 *      and starting them all with the new static list
 *   7. write p99 while `scripts/backup.sh` takes a backup vs the same writer just before it
 *
 * Writes bench/results/<date>.json, <date>.md and SVG charts. Counts come from the environment:
 * BENCH_QUICK=1 (smoke run), BENCH_COLD_REPS, BENCH_PREVIEW_REPS, BENCH_KILLS, BENCH_CELL_SECONDS,
 * BENCH_CONSTRUCT_REPS, BENCH_SCALE_PREVIEW_REPS, BENCH_RESIZE_REPS, BENCH_BACKUP_REPS,
 * BENCH_ONLY=cold,preview,failover,load,scale,resize,backup.
 * BENCH_RENDER_ONLY=bench/results/<date>.json only re-renders that run's report and charts.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { countModes, docker, modes, repoRoot, sleep } from "../testkit/harness";
import { COMPOSE_PROJECT, InspectedContainer, renderComposeFiles, syncComposeDir } from "./lib/compose";
import { PulumiDir, containerStatuses, isReady, must, prepareOneResource, prepareProgram, pulumi, removeDir, run } from "./lib/deploy";
import { KillSample, killLeaderOnce, startWriter } from "./lib/failover";
import { AvailabilityResult, GAP_THRESHOLD_MS, loadSchedule, runSchedule } from "./lib/faults";
import { Ensemble, deployedEnsemble, removeHandRun, startFromInspected, startStockEnsemble, waitServing } from "./lib/handrun";
import { CellResult, MIXED_READ_SHARE, WORKLOADS, prepareLoadData, runCell } from "./lib/load";
import { BenchPorts, benchRawConfig } from "./lib/stackConfig";
import { LinearFit, linearFit, median, percentile, round } from "./lib/stats";
import { barChartSvg, lineChartSvg } from "./lib/svg";
import { renderReport } from "./lib/report";
import { ResizeResults, ResizeSample, StaticListEnsemble, reconfigResize, summarizeResize } from "./lib/resize";
import { BackupResults, measureBackupLatency } from "./lib/backup";

// ---------------------------------------------------------------- settings

const QUICK = process.env.BENCH_QUICK === "1";
function count(name: string, full: number, quick: number): number {
    const v = process.env[name];
    return v !== undefined && v !== "" ? Number(v) : QUICK ? quick : full;
}
export const settings = {
    quick: QUICK,
    coldReps: count("BENCH_COLD_REPS", 3, 1),
    previewReps: count("BENCH_PREVIEW_REPS", 5, 2),
    kills: count("BENCH_KILLS", 10, 2),
    cellSeconds: count("BENCH_CELL_SECONDS", 10, 2),
    clients: [1, 4, 16],
    constructReps: count("BENCH_CONSTRUCT_REPS", 5, 2),
    scalePreviewReps: count("BENCH_SCALE_PREVIEW_REPS", 5, 1),
    scaleSizes: [3, 5, 7, 9],
    resizeReps: count("BENCH_RESIZE_REPS", 1, 1),
    backupReps: count("BENCH_BACKUP_REPS", 6, 2),
    only: (process.env.BENCH_ONLY ?? "cold,preview,failover,load,scale,resize,backup").split(",").map((s) => s.trim()),
};

export const TARGETS = {
    coldStartRatio: 1.3,
    previewRatio: 1.5,
    previewSeconds: 5,
    failoverMedianMs: 400,
    failoverP95Ms: 800,
    throughputRatio: 0.95,
    scalingR2: 0.9,
    resizeGapLeaderStaysMs: 1000,
    resizeGapLeaderLeavesMs: 2000,
    resizeRatio: 0.1,
    backupP99Ratio: 2,
    backupP99IncreaseMs: 100,
};

const IMAGES = {
    zookeeper: "zkpd.local/zookeeper:3.9.4",
    clientApp: "zkpd.local/zk-client-app:latest",
    prometheus: "zkpd.local/prometheus:latest",
    alertmanager: "zkpd.local/alertmanager:latest",
    oneContainer: "zkpd.local/debian:bookworm",
};

/**
 * Host ports: below Linux's ephemeral range (32768-60999), where an outgoing connection's source
 * port can take a listener's port away; disjoint from dev/staging/prod, the test suites and each other.
 */
const PORTS: Record<string, BenchPorts> = {
    bench: { zkClient: 10181, zkMetrics: 10701, app: 10080, prometheus: 10090, alertmanager: 10093 },
    compose: { zkClient: 11181, zkMetrics: 11701, app: 11080, prometheus: 11090, alertmanager: 11093 },
    same: { zkClient: 12181, zkMetrics: 12701, app: 12080, prometheus: 12090, alertmanager: 12093 },
    scale: { zkClient: 14181, zkMetrics: 14701, app: 14080, prometheus: 14090, alertmanager: 14093 },
};
const STOCK_CLIENT_PORT_BASE = 15181;
/** The naive resize's ensemble, up to 5 servers. */
const NAIVE_CLIENT_PORT_BASE = 15191;
/** Sizes of the resize figure: 3 -> RESIZED -> 3. */
const RESIZED = 5;

/** Stack names (and hence name prefixes) this run owns. */
const STACK = "bench"; // zk-bench-*, app-bench-*, mon-bench-*
const COMPOSE_STACK = "benchc"; // names the compose containers zk-benchc-* ...
const SAME_STACK = "benchh"; // hand-run with the component's settings: zk-benchh-*
const STOCK_PREFIX = "zk-benchs"; // hand-run stock ensemble
const NAIVE_PREFIX = "zk-benchn"; // the naive resize's stock ensemble
const ONE_STACK = "bench1"; // one-container-bench1
const composeDir = path.join(__dirname, "compose");
const composeFile = path.join(composeDir, "docker-compose.yml");

function log(message: string): void {
    const t = ((Date.now() - runStarted) / 1000).toFixed(0).padStart(4);
    process.stdout.write(`[bench ${t}s] ${message}\n`);
}
const runStarted = Date.now();

// ---------------------------------------------------------------- helpers

async function inspectProgram(stack: string, ports: BenchPorts): Promise<InspectedContainer[]> {
    const r = must(
        `inspect ${stack}`,
        await run(
            "npx",
            [
                "ts-node",
                "--transpile-only",
                path.join(__dirname, "lib", "mockProgram.ts"),
                "inspect",
                stack,
                JSON.stringify(benchRawConfig(ports)),
            ],
            {
                cwd: repoRoot,
            },
        ),
    );
    const line = r.stdout.split("\n").find((l) => l.startsWith("BENCH_RESULT "));
    if (!line) throw new Error(`inspect ${stack} gave no result:\n${r.stdout}`);
    return (JSON.parse(line.substring("BENCH_RESULT ".length)) as { containers: InspectedContainer[] }).containers;
}

function expectedContainers(stack: string, size: number): string[] {
    return [
        ...Array.from({ length: size }, (_, i) => `zk-${stack}-${i + 1}`),
        `app-${stack}-1`,
        `mon-${stack}-prometheus`,
        `mon-${stack}-alertmanager`,
    ];
}

interface ColdSample {
    /** Command launched until the command returned and every container was ready with a quorum. */
    totalMs: number;
    commandMs: number;
    readyMs: number;
}

/** Runs `start` and polls until it has returned, every container is ready and the quorum serves. */
async function timeToServing(
    start: () => Promise<{ code: number; stderr: string; stdout: string }>,
    names: string[],
    zkHostPorts: string[],
): Promise<ColdSample> {
    const t0 = Date.now();
    let commandMs: number | undefined;
    let failure: string | undefined;
    const cmd = start().then((r) => {
        commandMs = Date.now() - t0;
        if (r.code !== 0) failure = `${r.stderr.slice(-2000)}\n${r.stdout.slice(-2000)}`;
    });
    let readyMs: number | undefined;
    const deadline = t0 + 10 * 60 * 1000;
    while (readyMs === undefined && Date.now() < deadline && failure === undefined) {
        const statuses = await containerStatuses();
        if (names.every((n) => isReady(statuses.get(n)))) {
            const { leaders, followers } = countModes(await modes(zkHostPorts));
            if (leaders === 1 && followers === zkHostPorts.length - 1) {
                readyMs = Date.now() - t0;
                break;
            }
        }
        await sleep(250);
    }
    await cmd;
    if (failure !== undefined) throw new Error(`deployment failed:\n${failure}`);
    if (readyMs === undefined) throw new Error(`not serving within 10 minutes: ${names.join(", ")}`);
    return { totalMs: Math.max(commandMs!, readyMs), commandMs: commandMs!, readyMs };
}

async function composeUp(): Promise<ColdSample> {
    return timeToServing(
        () => run("docker-compose", ["-p", COMPOSE_PROJECT, "-f", composeFile, "up", "-d"]),
        expectedContainers(COMPOSE_STACK, 3),
        Array.from({ length: 3 }, (_, i) => `127.0.0.1:${PORTS.compose.zkClient + i}`),
    );
}

async function composeDown(): Promise<void> {
    must("docker-compose down", await run("docker-compose", ["-p", COMPOSE_PROJECT, "-f", composeFile, "down", "-v", "-t", "10"]));
}

interface TimelineEntry {
    name: string;
    createdMs: number;
    startedMs: number;
    finishedMs?: number;
}

/** When each container of a stack was created, started and (gates) finished, relative to t0. */
async function timeline(stack: string, t0: number): Promise<TimelineEntry[]> {
    const names = (await docker("ps", "-a", "--format", "{{.Names}}")).split("\n").filter((n) => n.includes(`-${stack}-`));
    const entries: TimelineEntry[] = [];
    for (const name of names) {
        const out = await docker("inspect", "-f", "{{.Created}}|{{.State.StartedAt}}|{{.State.FinishedAt}}|{{.State.Status}}", name);
        const [created, started, finished, status] = out.split("|");
        const ms = (s: string) => Date.parse(s.replace(/(\.\d{3})\d*/, "$1")) - t0;
        entries.push({ name, createdMs: ms(created), startedMs: ms(started), finishedMs: status === "exited" ? ms(finished) : undefined });
    }
    return entries.sort((a, b) => a.createdMs - b.createdMs);
}

async function pulumiUp(pd: PulumiDir, stack: string): Promise<{ sample: ColdSample; timeline: TimelineEntry[] }> {
    const t0 = Date.now();
    const sample = await timeToServing(
        () => pulumi(pd, ["up", "--yes", "--skip-preview", "--stack", stack, "--suppress-progress"]),
        expectedContainers(stack, 3),
        Array.from({ length: 3 }, (_, i) => `127.0.0.1:${PORTS.bench.zkClient + i}`),
    );
    return { sample, timeline: await timeline(stack, t0) };
}

async function pulumiDestroy(pd: PulumiDir, stack: string): Promise<void> {
    must(`pulumi destroy ${stack}`, await pulumi(pd, ["destroy", "--yes", "--skip-preview", "--stack", stack, "--suppress-progress"]));
}

function summarize(values: number[]) {
    return {
        samples: values.map((v) => round(v)),
        median: round(median(values)),
        p95: round(percentile(values, 95)),
        min: round(Math.min(...values)),
        max: round(Math.max(...values)),
    };
}

// ---------------------------------------------------------------- sections

export interface Results {
    date: string;
    quick: boolean;
    settings: typeof settings;
    targets: typeof TARGETS;
    environment: Record<string, string>;
    runtimeSeconds?: number;
    coldStart?: {
        compose: ReturnType<typeof summarize>;
        pulumi: ReturnType<typeof summarize>;
        pulumiCommandMs: number[];
        composeCommandMs: number[];
        ratio: number;
        met: boolean;
        timeline: TimelineEntry[];
        composeChanged: string[];
    };
    preview?: {
        floor: ReturnType<typeof summarize>;
        dev: ReturnType<typeof summarize>;
        ratio: number;
        met: boolean;
        devResources: number;
    };
    failover?: {
        stock: ReturnType<typeof summarize> & { phases: Record<string, number>; kills: KillSample[] };
        tuned: ReturnType<typeof summarize> & { phases: Record<string, number>; kills: KillSample[] };
        met: { median: boolean; p95: boolean; notWorseThanStock: boolean };
        componentJvmFlags: string;
    };
    load?: {
        cells: Array<{
            workload: string;
            clients: number;
            baseline: CellResult;
            subject: CellResult;
            throughputRatio: number;
            p50Ratio: number;
            p99Ratio: number;
        }>;
        minThroughputRatio: number;
        geomeanThroughputRatio: number;
        met: boolean;
    };
    availability?: {
        schedule: ReturnType<typeof loadSchedule>;
        baseline: AvailabilityResult;
        subject: AvailabilityResult;
        writeRatio: number;
        readRatio: number;
    };
    scaling?: {
        sizes: number[];
        constructMs: Record<string, number[]>;
        previewMs: Record<string, number[]>;
        constructFit: LinearFit;
        previewFit: LinearFit;
        met: boolean;
    };
    resize?: ResizeResults;
    backup?: BackupResults;
    errors: string[];
    /** node-zookeeper-client protocol errors absorbed during the run (see the uncaughtException handler). */
    zkClientErrorsAbsorbed?: number;
}

async function coldStartAndPreview(results: Results, pd: PulumiDir, composeChanged: string[]): Promise<void> {
    const compose: ColdSample[] = [];
    const pulumiSamples: ColdSample[] = [];
    let lastTimeline: TimelineEntry[] = [];
    const wantCold = settings.only.includes("cold");
    const reps = wantCold ? settings.coldReps : 0;
    for (let rep = 0; rep < reps; rep++) {
        const order = rep % 2 === 0 ? ["compose", "pulumi"] : ["pulumi", "compose"];
        for (const which of order) {
            if (which === "compose") {
                const s = await composeUp();
                compose.push(s);
                log(
                    `cold start ${rep + 1}/${reps}: docker-compose ${(s.totalMs / 1000).toFixed(1)} s (command ${(s.commandMs / 1000).toFixed(1)} s)`,
                );
                await composeDown();
            } else {
                const { sample, timeline: tl } = await pulumiUp(pd, STACK);
                pulumiSamples.push(sample);
                lastTimeline = tl;
                log(
                    `cold start ${rep + 1}/${reps}: pulumi up ${(sample.totalMs / 1000).toFixed(1)} s (command ${(sample.commandMs / 1000).toFixed(1)} s)`,
                );
                if (rep < reps - 1) {
                    await pulumiDestroy(pd, STACK);
                }
            }
        }
    }
    if (reps === 0) {
        // Other sections need the stack deployed.
        await pulumiUp(pd, STACK);
    }
    if (reps > 0) {
        const c = compose.map((s) => s.totalMs);
        const p = pulumiSamples.map((s) => s.totalMs);
        const ratio = median(p) / median(c);
        results.coldStart = {
            compose: summarize(c),
            pulumi: summarize(p),
            pulumiCommandMs: pulumiSamples.map((s) => round(s.commandMs)),
            composeCommandMs: compose.map((s) => round(s.commandMs)),
            ratio: round(ratio),
            met: ratio <= TARGETS.coldStartRatio,
            timeline: lastTimeline,
            composeChanged,
        };
    }

    if (!settings.only.includes("preview")) return;
    const one = await prepareOneResource(ONE_STACK, IMAGES.oneContainer);
    try {
        must("pulumi up (one resource)", await pulumi(one, ["up", "--yes", "--skip-preview", "--stack", ONE_STACK]));
        const dev: number[] = [];
        const floor: number[] = [];
        const previewDev = () => pulumi(pd, ["preview", "--stack", STACK, "--expect-no-changes"]);
        const previewOne = () => pulumi(one, ["preview", "--stack", ONE_STACK, "--expect-no-changes"]);
        // One unmeasured round warms file caches and the plugin binaries.
        must("warm-up preview (dev)", await previewDev());
        must("warm-up preview (one resource)", await previewOne());
        let devResources = 0;
        for (let rep = 0; rep < settings.previewReps; rep++) {
            const order = rep % 2 === 0 ? ["one", "dev"] : ["dev", "one"];
            for (const which of order) {
                if (which === "dev") {
                    const r = must("pulumi preview (dev)", await previewDev());
                    dev.push(r.ms);
                    devResources = Number(/(\d+) unchanged/.exec(r.stdout)?.[1] ?? 0);
                } else {
                    floor.push(must("pulumi preview (one resource)", await previewOne()).ms);
                }
            }
            log(
                `preview ${rep + 1}/${settings.previewReps}: dev ${(dev[dev.length - 1] / 1000).toFixed(2)} s, one resource ${(floor[floor.length - 1] / 1000).toFixed(2)} s`,
            );
        }
        const ratio = median(dev) / median(floor);
        results.preview = {
            floor: summarize(floor),
            dev: summarize(dev),
            ratio: round(ratio),
            met: ratio <= TARGETS.previewRatio && median(dev) <= TARGETS.previewSeconds * 1000,
            devResources,
        };
        must("pulumi destroy (one resource)", await pulumi(one, ["destroy", "--yes", "--skip-preview", "--stack", ONE_STACK]));
    } finally {
        removeDir(one);
    }
}

async function failover(results: Results, componentJvmFlags: string): Promise<void> {
    const ours = deployedEnsemble(`zk-${STACK}`, 3, PORTS.bench.zkClient);
    const stock = await startStockEnsemble(STOCK_PREFIX, IMAGES.zookeeper, 3, STOCK_CLIENT_PORT_BASE);
    try {
        await waitServing(stock);
        await waitServing(ours);
        const samples: Record<"stock" | "tuned", KillSample[]> = { stock: [], tuned: [] };
        for (let k = 0; k < settings.kills; k++) {
            const order: Array<["stock" | "tuned", Ensemble]> =
                k % 2 === 0
                    ? [
                          ["stock", stock],
                          ["tuned", ours],
                      ]
                    : [
                          ["tuned", ours],
                          ["stock", stock],
                      ];
            for (const [label, ensemble] of order) {
                const writer = await startWriter(ensemble, `/bench-failover/${label}-${k}`);
                try {
                    const s = await killLeaderOnce(ensemble, writer);
                    samples[label].push(s);
                    const ph = s.phases
                        ? ` (detect ${s.phases.detectMs}, elect ${s.phases.electMs}, sync ${s.phases.syncMs}, client ${s.phases.clientMs} ms)`
                        : "";
                    log(`failover ${k + 1}/${settings.kills} ${label}: killed ${s.killed}, longest ack gap ${s.gapMs} ms${ph}`);
                } finally {
                    await writer.stop();
                }
            }
        }
        const describe = (kills: KillSample[]) => {
            const gaps = kills.map((s) => s.gapMs);
            const withPhases = kills.filter((s) => s.phases);
            const phase = (key: "detectMs" | "electMs" | "syncMs" | "clientMs" | "leaderConnectRetries") =>
                round(median(withPhases.map((s) => s.phases![key])));
            return {
                ...summarize(gaps),
                phases: {
                    detectMs: phase("detectMs"),
                    electMs: phase("electMs"),
                    syncMs: phase("syncMs"),
                    clientMs: phase("clientMs"),
                    leaderConnectRetries: phase("leaderConnectRetries"),
                    killsWithCompleteLogs: withPhases.length,
                },
                kills,
            };
        };
        const s = describe(samples.stock);
        const t = describe(samples.tuned);
        results.failover = {
            stock: s,
            tuned: t,
            met: {
                median: t.median <= TARGETS.failoverMedianMs,
                p95: t.p95 <= TARGETS.failoverP95Ms,
                notWorseThanStock: t.median <= s.median && t.p95 <= s.p95,
            },
            componentJvmFlags,
        };
    } finally {
        await removeHandRun(STOCK_PREFIX);
    }
}

async function loadAndAvailability(results: Results, sameInspected: InspectedContainer[]): Promise<void> {
    const ours = deployedEnsemble(`zk-${STACK}`, 3, PORTS.bench.zkClient);
    const same = await startFromInspected(`zk-${SAME_STACK}`, IMAGES.zookeeper, sameInspected);
    try {
        await waitServing(same);
        await waitServing(ours);
        await prepareLoadData(same);
        await prepareLoadData(ours);
        // Warm both JVMs' hot paths before anything is measured.
        await runCell(same, "mixed", 4, 3000);
        await runCell(ours, "mixed", 4, 3000);
        const cells: NonNullable<Results["load"]>["cells"] = [];
        let n = 0;
        for (const workload of settings.cellSeconds > 0 ? WORKLOADS : []) {
            for (const clients of settings.clients) {
                const first = n++ % 2 === 0;
                const a = first ? await runCell(same, workload, clients, settings.cellSeconds * 1000) : undefined;
                const b = await runCell(ours, workload, clients, settings.cellSeconds * 1000);
                const baseline = a ?? (await runCell(same, workload, clients, settings.cellSeconds * 1000));
                cells.push({
                    workload,
                    clients,
                    baseline,
                    subject: b,
                    throughputRatio: round(b.opsPerSecond / baseline.opsPerSecond),
                    p50Ratio: round(b.p50Ms / baseline.p50Ms),
                    p99Ratio: round(b.p99Ms / baseline.p99Ms),
                });
                log(
                    `load ${workload} x${clients}: hand-run ${baseline.opsPerSecond.toFixed(0)} ops/s, component ${b.opsPerSecond.toFixed(0)} ops/s (ratio ${(b.opsPerSecond / baseline.opsPerSecond).toFixed(2)})`,
                );
            }
        }
        if (cells.length > 0) {
            const ratios = cells.map((c) => c.throughputRatio);
            const geomean = Math.exp(ratios.reduce((a, r) => a + Math.log(r), 0) / ratios.length);
            results.load = {
                cells,
                minThroughputRatio: round(Math.min(...ratios)),
                geomeanThroughputRatio: round(geomean),
                met: geomean >= TARGETS.throughputRatio,
            };
        }

        const schedule = loadSchedule();
        // One ensemble after the other: run at once, a pause of one ensemble's server stalled the
        // other ensemble's fsyncs too (one disk), which is cross-talk, not availability.
        log(`availability: running the ${schedule.durationSeconds} s fault schedule on the hand-run ensemble, then on the component's`);
        const baseline = await runSchedule(same, schedule, Date.now() + 1000);
        await waitServing(same, 120000);
        const subject = await runSchedule(ours, schedule, Date.now() + 1000);
        results.availability = {
            schedule,
            baseline,
            subject,
            writeRatio: round(subject.writeAvailability / baseline.writeAvailability),
            readRatio: round(subject.readAvailability / baseline.readAvailability),
        };
        log(
            `availability: writes ${(baseline.writeAvailability * 100).toFixed(1)} % hand-run vs ${(subject.writeAvailability * 100).toFixed(1)} % component`,
        );
        await waitServing(ours, 120000);
    } finally {
        await removeHandRun(`zk-${SAME_STACK}`);
    }
}

async function scaling(results: Results, pd: PulumiDir): Promise<void> {
    const sizes = settings.scaleSizes;
    const r = must(
        "construct under mocks",
        await run(
            "npx",
            [
                "ts-node",
                "--transpile-only",
                path.join(__dirname, "lib", "mockProgram.ts"),
                "construct",
                JSON.stringify(sizes),
                String(settings.constructReps),
                JSON.stringify(benchRawConfig(PORTS.scale)),
            ],
            { cwd: repoRoot },
        ),
    );
    const line = r.stdout.split("\n").find((l) => l.startsWith("BENCH_RESULT "));
    if (!line) throw new Error(`construct gave no result:\n${r.stdout}`);
    const constructMs = (JSON.parse(line.substring("BENCH_RESULT ".length)) as { constructMs: Record<string, number[]> }).constructMs;
    log(`construction under mocks (median ms): ${sizes.map((s) => `${s}: ${median(constructMs[s]).toFixed(0)}`).join(", ")}`);
    const previewMs: Record<string, number[]> = {};
    for (let rep = 0; rep < settings.scalePreviewReps; rep++) {
        const order = rep % 2 === 0 ? sizes : [...sizes].reverse();
        for (const size of order) {
            const res = must(`preview of ${size} servers`, await pulumi(pd, ["preview", "--stack", `bench-n${size}`]));
            (previewMs[size] ??= []).push(round(res.ms));
        }
    }
    log(`preview of a new stack (median ms): ${sizes.map((s) => `${s}: ${median(previewMs[s]).toFixed(0)}`).join(", ")}`);
    const constructFit = linearFit(
        sizes,
        sizes.map((s) => median(constructMs[s])),
    );
    const previewFit = linearFit(
        sizes,
        sizes.map((s) => median(previewMs[s])),
    );
    results.scaling = {
        sizes,
        constructMs: Object.fromEntries(Object.entries(constructMs).map(([k, v]) => [k, v.map((x) => round(x))])),
        previewMs,
        constructFit: { slope: round(constructFit.slope), intercept: round(constructFit.intercept), r2: round(constructFit.r2) },
        previewFit: { slope: round(previewFit.slope), intercept: round(previewFit.intercept), r2: round(previewFit.r2) },
        met: constructFit.r2 >= TARGETS.scalingR2 && previewFit.r2 >= TARGETS.scalingR2,
    };
}

async function resizeFigure(results: Results, pd: PulumiDir): Promise<void> {
    const naive = new StaticListEnsemble(NAIVE_PREFIX, IMAGES.zookeeper, NAIVE_CLIENT_PORT_BASE);
    const setSizeAndUp = async (size: number) => {
        must(`config set size ${size}`, await pulumi(pd, ["config", "set", "--path", "zookeeper.size", String(size), "--stack", STACK]));
        must(`pulumi up (size ${size})`, await pulumi(pd, ["up", "--yes", "--skip-preview", "--stack", STACK, "--suppress-progress"]));
    };
    const samples: ResizeSample[] = [];
    try {
        await naive.create(3);
        for (let rep = 0; rep < settings.resizeReps; rep++) {
            for (const [k, [from, to]] of [
                [3, RESIZED],
                [RESIZED, 3],
            ].entries()) {
                const ways = (rep + k) % 2 === 0 ? (["reconfig", "naive"] as const) : (["naive", "reconfig"] as const);
                for (const way of ways) {
                    const s =
                        way === "reconfig"
                            ? await reconfigResize(`zk-${STACK}`, PORTS.bench.zkClient, from, to, setSizeAndUp)
                            : await naive.resize(from, to);
                    samples.push(s);
                    log(
                        `resize ${rep + 1}/${settings.resizeReps} ${way} ${from}->${to}: longest ack gap ${s.gapMs} ms, change ${(s.changeMs / 1000).toFixed(1)} s, ` +
                            `leader ${s.leaderBefore} -> ${s.leaderAfter}, ${s.writes} writes, ${s.lost} lost`,
                    );
                }
            }
        }
        results.resize = summarizeResize(samples, TARGETS);
    } finally {
        if (samples.length > 0 && !results.resize) results.resize = summarizeResize(samples, TARGETS);
        await removeHandRun(NAIVE_PREFIX);
    }
}

/** Backups enabled on the bench stack (a short interval: the snapshot rate limit is half of it), measured, disabled again. */
async function backupFigure(results: Results, pd: PulumiDir): Promise<void> {
    const up = async (what: string) =>
        must(`pulumi up (${what})`, await pulumi(pd, ["up", "--yes", "--skip-preview", "--stack", STACK, "--suppress-progress"]));
    for (const [key, value] of [
        ["backup.enabled", "true"],
        ["backup.intervalSeconds", "10"],
    ]) {
        must(`config set ${key}`, await pulumi(pd, ["config", "set", "--path", key, value, "--stack", STACK]));
    }
    try {
        await up("backups enabled");
        const ensemble = deployedEnsemble(`zk-${STACK}`, 3, PORTS.bench.zkClient);
        await waitServing(ensemble);
        results.backup = await measureBackupLatency(STACK, ensemble, settings.backupReps, TARGETS, log);
    } finally {
        must("config rm backup", await pulumi(pd, ["config", "rm", "backup", "--stack", STACK]));
        await up("backups disabled");
    }
}

// ---------------------------------------------------------------- main

async function cleanupLeftovers(): Promise<void> {
    await run("docker-compose", ["-p", COMPOSE_PROJECT, "-f", composeFile, "down", "-v", "-t", "5"]);
    await removeHandRun(STOCK_PREFIX);
    await removeHandRun(`zk-${SAME_STACK}`);
    await removeHandRun(NAIVE_PREFIX);
    // A crashed earlier run may have left the bench stack's or the one-container program's objects.
    for (const fragment of [`zk-${STACK}-`, `app-${STACK}-`, `mon-${STACK}-`, `one-container-${ONE_STACK}`]) {
        const names = (await docker("ps", "-a", "--format", "{{.Names}}")).split("\n").filter((n) => n.startsWith(fragment));
        if (names.length) await docker("rm", "-f", "-v", ...names);
        const vols = (await docker("volume", "ls", "--format", "{{.Name}}")).split("\n").filter((n) => n.startsWith(fragment));
        if (vols.length) await docker("volume", "rm", "-f", ...vols);
    }
    const nets = (await docker("network", "ls", "--format", "{{.Name}}")).split("\n").filter((n) => n === `zk-${STACK}-net`);
    if (nets.length) await docker("network", "rm", ...nets);
}

async function preflight(): Promise<Record<string, string>> {
    for (const image of Object.values(IMAGES)) {
        must(`image ${image} is present`, await run("docker", ["image", "inspect", image]));
    }
    const ss = await run("ss", ["-ltnH"]);
    const busy = new Set([...ss.stdout.matchAll(/:(\d+)\s/g)].map((m) => Number(m[1])));
    const ours = [
        ...Object.values(PORTS)
            .filter((p) => p !== PORTS.scale)
            .flatMap((p) => [
                ...Array.from({ length: p === PORTS.bench ? RESIZED : 3 }, (_, i) => [p.zkClient + i, p.zkMetrics + i]).flat(),
                p.app,
                p.prometheus,
                p.alertmanager,
            ]),
        ...Array.from({ length: 3 }, (_, i) => STOCK_CLIENT_PORT_BASE + i),
        ...Array.from({ length: RESIZED }, (_, i) => NAIVE_CLIENT_PORT_BASE + i),
    ];
    const taken = ours.filter((p) => busy.has(p));
    if (taken.length) throw new Error(`host ports the benchmark needs are in use: ${taken.join(", ")}`);
    const version = async (cmd: string, args: string[]) => (await run(cmd, args)).stdout.trim().split("\n")[0];
    return {
        cpus: String(os.cpus().length),
        memoryGiB: (os.totalmem() / 2 ** 30).toFixed(1),
        node: process.version,
        pulumi: await version("pulumi", ["version"]),
        docker: await version("docker", ["version", "--format", "{{.Server.Version}}"]),
        dockerCompose: await version("docker-compose", ["version", "--short"]),
        zookeeperImage: IMAGES.zookeeper,
        loadAverageAtStart: os
            .loadavg()
            .map((l) => l.toFixed(2))
            .join(" "),
    };
}

/** Set by main: tears down everything this run created, at most once. */
let finalize: ((reason?: unknown) => Promise<void>) | undefined;
/** Protocol errors node-zookeeper-client threw from its socket handler (see main). */
let zkClientErrors = 0;

async function main(): Promise<void> {
    // Re-renders the report and charts of an earlier run from its JSON (after a change to the report's text).
    const rerender = process.env.BENCH_RENDER_ONLY;
    if (rerender) {
        writeResults(JSON.parse(fs.readFileSync(rerender, "utf8")) as Results);
        return;
    }
    const date = new Date().toISOString().substring(0, 10);
    const results: Results = { date, quick: QUICK, settings, targets: TARGETS, environment: {}, errors: [] };
    log(`settings: ${JSON.stringify(settings)}`);
    results.environment = await preflight();
    await cleanupLeftovers();

    // Baselines are built from what the program itself would create.
    const composeInspected = await inspectProgram(COMPOSE_STACK, PORTS.compose);
    const composeChanged = syncComposeDir(composeDir, renderComposeFiles(composeInspected, IMAGES));
    if (composeChanged.length) log(`bench/compose re-rendered from the program (changed: ${composeChanged.join(", ")})`);
    const sameInspected = await inspectProgram(SAME_STACK, PORTS.same);
    const componentJvmFlags = String(
        ((sameInspected.find((c) => c.inputs.name === `zk-${SAME_STACK}-1`)?.inputs.envs as string[]) ?? [])
            .find((e) => e.startsWith("JVMFLAGS="))
            ?.substring(9),
    );

    const stacks: Record<string, Record<string, unknown>> = { [STACK]: benchRawConfig(PORTS.bench) };
    for (const size of settings.scaleSizes) stacks[`bench-n${size}`] = benchRawConfig(PORTS.scale, size);
    const pd = await prepareProgram("run", stacks);
    let finalizing: Promise<void> | undefined;
    finalize = (reason?: unknown) =>
        (finalizing ??= (async () => {
            if (reason !== undefined) {
                results.errors.push(String((reason as Error)?.stack ?? reason));
                log(`FAILED: ${(reason as Error)?.message ?? reason}`);
            }
            try {
                await pulumiDestroy(pd, STACK);
            } catch (err) {
                results.errors.push(`destroy: ${String(err)}`);
            }
            await cleanupLeftovers().catch((err) => results.errors.push(`cleanup: ${String(err)}`));
            removeDir(pd);
            results.zkClientErrorsAbsorbed = zkClientErrors;
            results.runtimeSeconds = Math.round((Date.now() - runStarted) / 1000);
            writeResults(results);
            if (results.errors.length) process.exitCode = 1;
        })());
    try {
        await coldStartAndPreview(results, pd, composeChanged);
        // Load first: the failover writers leave tens of thousands of znodes behind, and the
        // hand-run baseline starts empty.
        if (settings.only.includes("load")) await loadAndAvailability(results, sameInspected);
        if (settings.only.includes("failover")) await failover(results, componentJvmFlags);
        if (settings.only.includes("resize")) await resizeFigure(results, pd);
        if (settings.only.includes("backup")) await backupFigure(results, pd);
        if (settings.only.includes("scale")) await scaling(results, pd);
        await finalize();
    } catch (err) {
        await finalize(err);
    }
}

function writeResults(results: Results): void {
    // Committed files carry no machine paths: stack traces name files relative to the repository.
    results.errors = results.errors.map((e) => e.split(repoRoot).join("."));
    const dir = path.join(__dirname, "results");
    fs.mkdirSync(dir, { recursive: true });
    const base = results.quick ? `${results.date}-quick` : results.date;
    const charts: Record<string, string> = {};
    const f = results.failover;
    const groups = [];
    if (results.coldStart)
        groups.push({ label: "cold start (s)", values: [results.coldStart.compose.median / 1000, results.coldStart.pulumi.median / 1000] });
    if (results.preview)
        groups.push({ label: "no-op preview (s)", values: [results.preview.floor.median / 1000, results.preview.dev.median / 1000] });
    if (f) {
        groups.push({ label: "failover median (s)", values: [f.stock.median / 1000, f.tuned.median / 1000] });
        groups.push({ label: "failover p95 (s)", values: [f.stock.p95 / 1000, f.tuned.p95 / 1000] });
    }
    if (groups.length) {
        charts[`${base}-summary.svg`] = barChartSvg({
            title: "Baseline vs this package (medians unless noted; lower is better)",
            unit: "s",
            series: ["baseline (compose / 1-resource / stock)", "this package"],
            groups,
        });
    }
    if (results.load) {
        charts[`${base}-load.svg`] = barChartSvg({
            title: "Throughput, hand-run ensemble with the same settings vs the component's",
            unit: "ops/s",
            series: ["hand-run (same settings)", "component"],
            groups: results.load.cells.map((c) => ({
                label: `${c.workload} x${c.clients}`,
                values: [c.baseline.opsPerSecond, c.subject.opsPerSecond],
            })),
        });
    }
    if (results.scaling) {
        const s = results.scaling;
        charts[`${base}-scaling.svg`] = lineChartSvg({
            title: "Cost as the ensemble grows (median; dashed: least-squares line)",
            xLabel: "servers",
            yLabel: "ms",
            series: [
                {
                    name: "construction under mocks",
                    points: s.sizes.map((n) => ({ x: n, y: median(s.constructMs[n]) })),
                    fit: s.constructFit,
                },
                { name: "pulumi preview, new stack", points: s.sizes.map((n) => ({ x: n, y: median(s.previewMs[n]) })), fit: s.previewFit },
            ],
        });
    }
    for (const [name, svg] of Object.entries(charts)) fs.writeFileSync(path.join(dir, name), svg);
    fs.writeFileSync(path.join(dir, `${base}.json`), JSON.stringify(results, null, 2) + "\n");
    fs.writeFileSync(path.join(dir, `${base}.md`), renderReport(results, Object.keys(charts), GAP_THRESHOLD_MS, MIXED_READ_SHARE));
    log(`wrote bench/results/${base}.json, ${base}.md and ${Object.keys(charts).length} chart(s) in ${results.runtimeSeconds} s`);
}

if (require.main === module) {
    // node-zookeeper-client throws from its socket 'data' handler when a reply does not parse (seen
    // when a paused server wakes up with stale replies). That client's operations then time out and
    // the probe opens a new session, so the error is counted and the run goes on.
    process.on("uncaughtException", (err) => {
        if (/node-zookeeper-client/.test(String(err?.stack))) {
            zkClientErrors += 1;
            log(`node-zookeeper-client error absorbed: ${err.message}`);
            return;
        }
        process.stderr.write(`${err?.stack ?? err}\n`);
        void (finalize ? finalize(err) : Promise.resolve()).finally(() => process.exit(1));
    });
    for (const signal of ["SIGINT", "SIGTERM"] as const) {
        process.once(signal, () => {
            log(`${signal}: cleaning up`);
            void (finalize ? finalize(new Error(signal)) : Promise.resolve()).finally(() => process.exit(1));
        });
    }
    main().catch((err) => {
        process.stderr.write(`${err?.stack ?? err}\n`);
        process.exit(1);
    });
}
