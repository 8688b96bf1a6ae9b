/**
 * Size changes for real. Stack `resizee2e` (host ports 165xx) is deployed at size 1 with the code
 * of the commit the resize work started from (6bbe0db: static membership, a standalone server),
 * upgraded in place by `pulumi up` with the working tree's code, then resized 1 -> 3 -> 5 -> 3 -> 1
 * with a writer and a quorum sampler on the servers that stay; at 5 a roll (tickTime) and a
 * restart of every server must keep the membership. A prod-like stack `resizeprod` (auth on,
 * data retained on delete, host ports 166xx) goes 5 -> 3 -> 5: the removed servers' retained
 * volumes carry the removal marker and are cleared before the servers join again.
 */
import { execFile } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { promisify } from "util";
import { Stack } from "@pulumi/pulumi/automation";
import { PROJECT, Project, SERVER_CONTAINER_NAME, copyProject, docker, openStack, sleep, waitFor } from "../../testkit/harness";
import { readConfigs } from "../../testkit/membership";
import { connect, create, getData } from "../../testkit/zk";
import { deployAtCommit, destroyAll, portOverrides, previewWithCurrent } from "./harness";
import { ResizeOutcome, expectCommittedMembership, expectScrapedServers, hostPorts, readBackWrites, resize } from "./resizeSteps";

const execFileAsync = promisify(execFile);
const COMMIT = "6bbe0db";
const STACK = "resizee2e";
const PORTS = { zkClient: 16511, zkMetrics: 16531, app: 16580, prometheus: 16590, alertmanager: 16593, grafana: 16500 };
const PROD = { stack: "resizeprod", zkClient: 16611, app: 16680 };

/** Longest gap between acknowledged writes: when the leader stays, and when the update removes it. */
const GAP_LEADER_STAYS_MS = 3000;
const GAP_LEADER_REMOVED_MS = 4000;

const results: string[] = [];
const log = (line: string) => console.log(`[resize] ${line}`);

afterAll(async () => {
    console.log(`resize summary:\n  ${results.join("\n  ")}`);
    await destroyAll();
});

/** The checks every size change must pass. */
async function expectSafeResize(
    outcome: ResizeOutcome,
    clientBase: number,
    to: number,
    stayingIds: number[],
    /** Servers this `up` creates, when an earlier, failed `up` created some of the new ones already. */
    createdIds?: number[],
): Promise<void> {
    results.push(
        `${outcome.label}: up ${outcome.upSeconds.toFixed(1)} s, longest write gap ${outcome.writes.longestGapMs} ms, ` +
            `${outcome.writes.acknowledged.length} writes, leader removed ${outcome.leaderRemoved}, ` +
            `samples below a majority: ${outcome.losses.length === 0 ? "none" : outcome.losses.map((l) => `${l.to - l.from} ms`).join(", ")}` +
            `${outcome.leaderRemoved ? " (the leader's handover)" : ""}`,
    );
    // No server that stays is replaced: membership is not part of its container's inputs.
    const replacedServers = outcome.replaced.filter((n) => SERVER_CONTAINER_NAME.test(n));
    expect(replacedServers).toEqual([]);
    const serverIds = (names: string[]) => names.filter((n) => SERVER_CONTAINER_NAME.test(n)).map((n) => Number(/zk-(\d+)-/.exec(n)![1]));
    const from = Number(outcome.label.split("->")[0]);
    expect(serverIds(outcome.created)).toEqual(createdIds ?? (to > from ? Array.from({ length: to - from }, (_, i) => from + i + 1) : []));
    expect(serverIds(outcome.deleted).sort((a, b) => a - b)).toEqual(
        to < from ? Array.from({ length: from - to }, (_, i) => to + i + 1) : [],
    );

    expect(outcome.writes.acknowledged.length).toBeGreaterThan(50);
    expect(outcome.writes.longestGapMs).toBeLessThanOrEqual(outcome.leaderRemoved ? GAP_LEADER_REMOVED_MS : GAP_LEADER_STAYS_MS);
    // The quorum never lost; a leader that is removed hands over once, within the gap bound.
    if (outcome.leaderRemoved) {
        expect(outcome.losses.length).toBeLessThanOrEqual(1);
        expect(outcome.losses.every((l) => l.to - l.from <= GAP_LEADER_REMOVED_MS)).toBe(true);
    } else {
        expect(outcome.losses).toEqual([]);
    }
    const staying = hostPorts(clientBase, stayingIds.length).join(",");
    expect(await readBackWrites(staying, outcome)).toEqual({ missing: [], duplicates: [], outOfOrder: [] });
    const version = await expectCommittedMembership(clientBase, to);
    results.push(`${outcome.label}: committed configuration version ${version}, members 1..${to}`);
}

async function expectQuietPreview(stack: Stack): Promise<void> {
    const preview = await stack.preview({ expectNoChanges: true, onOutput: () => undefined });
    expect(preview.changeSummary).toEqual(expect.not.objectContaining({ create: expect.anything(), replace: expect.anything() }));
}

describe(`a stack deployed at ${COMMIT} with one server, upgraded, then resized 1 -> 3 -> 5 -> 3 -> 1`, () => {
    let stack: Stack;
    let marker: string;

    test(`deployed at ${COMMIT} (size 1, standalone), upgraded by \`pulumi up\` with the working tree: the data stays, a quorum of one`, async () => {
        const overrides = { "zookeeper.size": 1, ...portOverrides(PORTS) };
        const deployment = await deployAtCommit({ commit: COMMIT, stackName: STACK, baseStack: "dev", configOverrides: overrides, log });
        const client = await connect(hostPorts(PORTS.zkClient, 1)[0]);
        marker = `/resize-before-upgrade-${Date.now()}`;
        await create(client, marker, `written at ${COMMIT}`);
        client.close();

        const preview = await previewWithCurrent(deployment);
        stack = preview.stack;
        const started = Date.now();
        const result = await stack.up({ onOutput: () => undefined });
        expect(result.summary.result).toBe("succeeded");
        results.push(`upgrade from ${COMMIT} at size 1: up ${((Date.now() - started) / 1000).toFixed(1)} s`);
        expect(await expectCommittedMembership(PORTS.zkClient, 1)).not.toBe("");
        const after = await connect(hostPorts(PORTS.zkClient, 1)[0]);
        expect(await getData(after, marker)).toBe(`written at ${COMMIT}`);
        after.close();
        await expectQuietPreview(stack);
    });

    test("1 -> 3: two servers join one at a time; nothing that stays is replaced", async () => {
        const outcome = await resize(stack, PORTS.zkClient, 1, 3, log);
        await expectSafeResize(outcome, PORTS.zkClient, 3, [1]);
        await expectQuietPreview(stack);
        await expectScrapedServers(`http://127.0.0.1:${PORTS.prometheus}`, 3);
    });

    test("3 -> 5 with a new server that cannot start: the update fails, the ensemble keeps its membership, `up` after the fix completes it", async () => {
        const committed = await expectCommittedMembership(PORTS.zkClient, 3);
        // Server 4's transaction log volume exists already and belongs to root: ZooKeeper cannot write it.
        const datalog = `zk-${STACK}-4-datalog`;
        await docker("volume", "create", datalog);
        await docker(
            "run",
            "--rm",
            "-v",
            `${datalog}:/d`,
            "--entrypoint",
            "bash",
            "zkpd.local/zookeeper:3.9.4",
            "-c",
            "touch /d/owned-by-root && chmod 755 /d",
        );
        await stack.setConfig(`${PROJECT}:zookeeper.rollTimeoutSeconds`, { value: "20" }, true);
        await stack.setConfig(`${PROJECT}:zookeeper.size`, { value: "5" }, true);
        const started = Date.now();
        const failed = await stack.up({ onOutput: () => undefined }).then(
            () => "succeeded",
            (err: Error) => err.message,
        );
        results.push(`3->5 with server 4 unable to start: up failed after ${((Date.now() - started) / 1000).toFixed(1)} s`);
        expect(failed).toContain("zk-roll-gate-4");
        // The gate prints its verdict on stderr: read both streams.
        const gateId = (await docker("ps", "-aq", "--filter", `name=zk-${STACK}-gate-4-`)).split("\n")[0];
        const { stdout, stderr } = await execFileAsync("docker", ["logs", gateId]);
        const gateLog = stdout + stderr;
        expect(gateLog).toContain(`zk-${STACK}-4 did not serve as leader or follower within 20s`);
        // Nothing was committed: servers 1..3 serve with the membership they had.
        expect(await expectCommittedMembership(PORTS.zkClient, 3)).toBe(committed);

        await docker("run", "--rm", "-v", `${datalog}:/d`, "--entrypoint", "chown", "zkpd.local/zookeeper:3.9.4", "1000:1000", "/d");
        await stack.setConfig(`${PROJECT}:zookeeper.rollTimeoutSeconds`, { value: "120" }, true);
        const outcome = await resize(stack, PORTS.zkClient, 3, 5, log);
        await expectSafeResize(outcome, PORTS.zkClient, 5, [1, 2, 3], [5]);
        // The failed gate was recorded without its network data: replacing it once makes previews quiet (README, Recovery).
        const gate = (await stack.exportStack()).deployment.resources.find((r: { urn: string }) => r.urn.endsWith("::zk-roll-gate-4"));
        await stack.up({ replace: [gate.urn], onOutput: () => undefined });
        await expectQuietPreview(stack);
        await expectScrapedServers(`http://127.0.0.1:${PORTS.prometheus}`, 5);
    });

    test("at 5: a roll (tickTime) and a restart of every server keep the membership", async () => {
        const version = await expectCommittedMembership(PORTS.zkClient, 5);
        await stack.setConfig("zookeeper-platform:zookeeper.tickTime", { value: "1900" }, true);
        const rolled = await stack.up({ onOutput: () => undefined });
        expect(rolled.summary.result).toBe("succeeded");
        expect(await expectCommittedMembership(PORTS.zkClient, 5)).toBe(version);
        await docker("restart", "-t", "30", ...Array.from({ length: 5 }, (_, i) => `zk-${STACK}-${i + 1}`));
        let afterRestart = "";
        for (let attempt = 0; attempt < 60 && afterRestart === ""; attempt++) {
            afterRestart = await expectCommittedMembership(PORTS.zkClient, 5).catch(() => "");
            if (afterRestart === "") {
                await sleep(1000);
            }
        }
        expect(afterRestart).toBe(version);
        const client = await connect(hostPorts(PORTS.zkClient, 5).join(","));
        expect(await getData(client, marker)).toBe(`written at ${COMMIT}`);
        client.close();
        results.push(`at 5: tickTime roll and a restart of every server kept configuration version ${version}`);
    });

    test("5 -> 3: the removed servers leave by reconfig before they stop", async () => {
        const outcome = await resize(stack, PORTS.zkClient, 5, 3, log);
        await expectSafeResize(outcome, PORTS.zkClient, 3, [1, 2, 3]);
        await expectQuietPreview(stack);
        await expectScrapedServers(`http://127.0.0.1:${PORTS.prometheus}`, 3);
    });

    test("3 -> 1", async () => {
        const outcome = await resize(stack, PORTS.zkClient, 3, 1, log);
        await expectSafeResize(outcome, PORTS.zkClient, 1, [1]);
        await expectQuietPreview(stack);
        const client = await connect(hostPorts(PORTS.zkClient, 1)[0]);
        expect(await getData(client, marker)).toBe(`written at ${COMMIT}`);
        client.close();
    });
});

describe("a prod-like stack (auth on, data retained on delete) resized 5 -> 3 -> 5", () => {
    let project: Project;
    let stack: Stack;

    test("5 -> 3 keeps the removed servers' volumes, marked as removed", async () => {
        project = copyProject(PROD.stack);
        fs.writeFileSync(
            path.join(project.workDir, "stacks", `Pulumi.${PROD.stack}.yaml`),
            [
                "config:",
                "  zookeeper-platform:zookeeper:",
                "    size: 5",
                "    memoryMb: 256",
                `    clientHostPortBase: ${PROD.zkClient}`,
                "    retainDataOnDelete: true",
                "    auth:",
                "      quorumSasl: true",
                "      clientDigest: true",
                "  zookeeper-platform:clientApp:",
                "    replicas: 2",
                `    hostPortBase: ${PROD.app}`,
                "  zookeeper-platform:monitoring:",
                "    enabled: false",
                "  zookeeper-platform:images:",
                "    source: local",
                "",
            ].join("\n"),
        );
        stack = await openStack(project, PROD.stack);
        const up = await stack.up({ onOutput: () => undefined });
        expect(up.summary.result).toBe("succeeded");
        await expectCommittedMembership(PROD.zkClient, 5);

        const outcome = await resize(stack, PROD.zkClient, 5, 3, log);
        await expectSafeResize(outcome, PROD.zkClient, 3, [1, 2, 3]);
        for (const id of [4, 5]) {
            const markerText = await docker(
                "run",
                "--rm",
                "-v",
                `zk-${PROD.stack}-${id}-data:/data`,
                "--entrypoint",
                "cat",
                "zkpd.local/zookeeper:3.9.4",
                "/data/removed-from-ensemble",
            );
            expect(markerText).toMatch(/^removed at config version [0-9a-f]+$/);
        }
    });

    test("3 -> 5 interrupted with SIGINT (Pulumi's graceful cancel), then completed by `up`; the retained volumes are cleared before the servers join", async () => {
        await stack.setConfig(`${PROJECT}:zookeeper.size`, { value: "5" }, true);
        const abort = new AbortController();
        let output = "";
        const interrupted = stack.up({ signal: abort.signal, onOutput: (t) => void (output += t) }).then(
            () => "succeeded",
            (err: Error) => err.message,
        );
        await waitFor("server 4's container to be created", 300000, async () =>
            output.includes("zk-4-container created") ? true : undefined,
        );
        abort.abort();
        expect(await interrupted).toContain("update canceled");
        // Whatever the cancel left, it is a committed membership on the way to 5 that serves.
        const configs = await readConfigs(hostPorts(PROD.zkClient, 3));
        expect(new Set(configs.map((c) => `${c.version} ${c.ids.join(",")}`)).size).toBe(1);
        expect(["1,2,3", "1,2,3,4"]).toContain(configs[0].ids.join(","));
        results.push(`3->5 interrupted: committed membership ${configs[0].ids.join(",")} (version ${configs[0].version})`);

        const outcome = await resize(stack, PROD.zkClient, 3, 5, log);
        await expectSafeResize(outcome, PROD.zkClient, 5, [1, 2, 3], output.includes("zk-5-container created") ? [] : [5]);
        for (const id of [4, 5]) {
            const logs = await docker("logs", `zk-${PROD.stack}-${id}`);
            expect(logs).toContain("clearing this server's data, it joins as a new server");
        }
        await expectQuietPreview(stack);
    });

    afterAll(async () => {
        if (stack) {
            await stack.destroy({ onOutput: () => undefined });
            const volumes = (await docker("volume", "ls", "-q", "--filter", `name=zk-${PROD.stack}-`)).split("\n").filter(Boolean);
            if (volumes.length > 0) {
                await docker("volume", "rm", ...volumes);
            }
        }
    });
});
