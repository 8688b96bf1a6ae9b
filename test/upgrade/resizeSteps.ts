/**
 * One size change of a deployed stack, measured the way the resize suite needs it: a writer on the
 * servers that stay, a quorum sampler on them, the steps the engine took, the time `up` took, and
 * afterwards each server's committed configuration, the modes, a quiet preview and Prometheus's
 * targets.
 */
import { EngineEvent, Stack } from "@pulumi/pulumi/automation";
import { PROJECT, countModes, httpJson, modes, sleep, waitFor } from "../../testkit/harness";
import { QuorumLoss, QuorumSampler, quorumLosses, readConfigs } from "../../testkit/membership";
import { SequentialWriter, WriterReport, connect, describeFailures, readBack } from "../../testkit/zk";

export interface ResizeOutcome {
    label: string;
    upSeconds: number;
    /** Parent znode of the writer's writes. */
    prefix: string;
    writes: WriterReport;
    losses: QuorumLoss[];
    leaderRemoved: boolean;
    /** Logical names of the containers the update replaced, created and deleted. */
    replaced: string[];
    created: string[];
    deleted: string[];
}

/** `127.0.0.1:<base+i-1>` of servers 1..n. */
export function hostPorts(base: number, n: number): string[] {
    return Array.from({ length: n }, (_, i) => `127.0.0.1:${base + i}`);
}

/** Sets the size (and any other config) and runs `up` with a writer and a sampler on the servers that stay. */
export async function resize(
    stack: Stack,
    clientPortBase: number,
    from: number,
    to: number,
    log: (line: string) => void,
): Promise<ResizeOutcome> {
    const staying = hostPorts(clientPortBase, Math.min(from, to));
    const before = await modes(hostPorts(clientPortBase, from));
    const leaderRemoved = before.findIndex((m) => m === "leader") + 1 > to;
    await stack.setConfig(`${PROJECT}:zookeeper.size`, { value: String(to) }, true);

    const writer = new SequentialWriter(staying.join(","), `/resize-${from}-${to}-${Date.now()}`);
    await writer.start();
    const sampler = new QuorumSampler(staying);
    sampler.start();
    await sleep(1000);
    const steps: Array<{ op: string; name: string; type: string }> = [];
    const onEvent = (e: EngineEvent) => {
        const meta = e.resourcePreEvent?.metadata;
        if (meta && meta.op !== "same") {
            steps.push({ op: meta.op, name: meta.urn.split("::").pop()!, type: meta.type });
        }
    };
    const started = Date.now();
    let output = "";
    try {
        const result = await stack.up({ onEvent, onOutput: (t) => void (output += t) });
        if (result.summary.result !== "succeeded") {
            throw new Error(`up ${from} -> ${to}: ${result.summary.result}`);
        }
    } catch (err) {
        await sampler.stop();
        await writer.stop();
        throw new Error(`up ${from} -> ${to} failed: ${String(err)}\n${output.split("\n").slice(-40).join("\n")}`);
    }
    const upSeconds = (Date.now() - started) / 1000;
    await sleep(1000);
    const samples = await sampler.stop();
    const writes = await writer.stop();
    const containers = steps.filter((s) => s.type === "docker:index/container:Container");
    const names = (ops: string[]) => [...new Set(containers.filter((s) => ops.includes(s.op)).map((s) => s.name))].sort();
    const outcome: ResizeOutcome = {
        label: `${from}->${to}`,
        upSeconds,
        prefix: writer.prefix,
        writes,
        losses: quorumLosses(samples),
        leaderRemoved,
        replaced: names(["replace", "create-replacement", "delete-replaced"]),
        created: names(["create"]),
        deleted: names(["delete"]),
    };
    log(
        `resize ${outcome.label}: up ${upSeconds.toFixed(1)} s, ${writes.acknowledged.length} writes, longest gap ${writes.longestGapMs} ms, ` +
            `${writes.failedOperations} failed attempts, leader removed: ${leaderRemoved}, quorum samples ${samples.length}, ` +
            `losses ${JSON.stringify(outcome.losses.map((l) => l.to - l.from))} ms\n${describeFailures(writes)}`,
    );
    return outcome;
}

/** Every acknowledged write of the outcome's writer, read back: each once, in order. */
export async function readBackWrites(connectionString: string, outcome: ResizeOutcome): Promise<ReturnType<typeof readBack>> {
    const client = await connect(connectionString);
    try {
        return await readBack(client, outcome.prefix, outcome.writes.acknowledged);
    } finally {
        client.close();
    }
}

/** What every server reports after a committed size change: the same version, members 1..n, one leader. */
export async function expectCommittedMembership(clientPortBase: number, n: number): Promise<string> {
    const all = hostPorts(clientPortBase, n);
    const configs = await readConfigs(all);
    const expected = Array.from({ length: n }, (_, i) => i + 1);
    for (const c of configs) {
        if (JSON.stringify(c.ids) !== JSON.stringify(expected) || c.version !== configs[0].version || c.version === "") {
            throw new Error(`membership differs from 1..${n} at one version: ${JSON.stringify(configs)}`);
        }
    }
    const counted = countModes(await modes(all));
    if (counted.leaders !== 1 || counted.followers !== n - 1) {
        throw new Error(`expected one leader and ${n - 1} followers, got ${JSON.stringify(counted)}`);
    }
    return configs[0].version;
}

/** Prometheus scrapes exactly servers 1..n of the ensemble. */
export async function expectScrapedServers(prometheusUrl: string, n: number): Promise<void> {
    await waitFor(`Prometheus to scrape exactly ${n} servers`, 60000, async () => {
        const res = await httpJson<{ data: { activeTargets: Array<{ labels: Record<string, string>; health: string }> } }>(
            `${prometheusUrl}/api/v1/targets?state=active`,
        );
        const ids = res.body.data.activeTargets
            .filter((t) => t.labels.job === "zookeeper")
            .map((t) => Number(t.labels.server_id))
            .sort((a, b) => a - b);
        return JSON.stringify(ids) === JSON.stringify(Array.from({ length: n }, (_, i) => i + 1)) ? true : undefined;
    });
}
