/**
 * Upgrading a deployed stack to the working tree's code. The dev stack configuration is deployed
 * (stack `upgrade`, its own host ports 16xxx, local images) with the code of 28adc2f, the last
 * commit before the components/ refactor; the working tree's code then previews and applies it.
 * The refactor itself moves files and renames type tokens (with aliases) and recreates nothing.
 * Two fixes of 0.2.0 change the servers on purpose (CHANGELOG: the `srvr` health check without
 * its newline, the follower's leader-connect retry of 100 ms), and one changes the roll gates'
 * script: so the upgrade is a rolling update of the servers behind their gates, nothing else is
 * replaced, and it must keep the quorum and every acknowledged write, as any roll must.
 */
import { OpType } from "@pulumi/pulumi/automation";
import { ROLL_RESOURCE_NAME, SERVER_CONTAINER_NAME, countModes, modes, sleep, waitFor } from "../../testkit/harness";
import { SequentialWriter, connect, create, describeFailures, getData, readBack } from "../../testkit/zk";
import {
    Deployment,
    PreviewOutcome,
    deployAtCommit,
    destroyAll,
    previewWithCurrent,
    renderSummary,
    logicalName,
    portOverrides,
    replacementSteps,
    unaliasedMoves,
} from "./harness";

const COMMIT = "28adc2f";
const STACK = "upgrade";
/** Host ports of this suite only (no other suite, bench or stack file uses 16xxx); all below 32768. */
const PORTS = { zkClient: 16811, zkMetrics: 16701, app: 16080, prometheus: 16090, alertmanager: 16093, grafana: 16000 };
const CONFIG_OVERRIDES = portOverrides(PORTS);
const SIZE = 3;
const HOST_PORTS = Array.from({ length: SIZE }, (_, i) => `127.0.0.1:${PORTS.zkClient + i}`);

const suiteStarted = Date.now();
const report: Record<string, string> = {};
let deployment: Deployment | undefined;
let preview: PreviewOutcome | undefined;
/** The znode written with the code of COMMIT, read back after the upgrade. */
let znodeFromCommit: string | undefined;

function stepLines(steps: Array<{ op: OpType; urn: string }>): string[] {
    return steps.map((s) => `${s.op} ${s.urn}`);
}

afterAll(async () => {
    const started = Date.now();
    try {
        await destroyAll();
    } finally {
        report.destroySeconds = ((Date.now() - started) / 1000).toFixed(1);
        report.suiteSeconds = ((Date.now() - suiteStarted) / 1000).toFixed(1);
        console.log(
            `upgrade summary: ${Object.entries(report)
                .map(([k, v]) => `${k}=${v}`)
                .join(", ")}`,
        );
    }
});

describe(`dev stack deployed at ${COMMIT}, previewed with the working tree`, () => {
    test(`\`pulumi up\` with the code of ${COMMIT} succeeds and the ensemble serves: one leader, replication`, async () => {
        deployment = await deployAtCommit({ commit: COMMIT, stackName: STACK, baseStack: "dev", configOverrides: CONFIG_OVERRIDES });
        report.dependencies = deployment.dependencies.mode;
        report.upSeconds = deployment.upSeconds.toFixed(1);
        expect(deployment.outputs.zookeeperHostConnectionString).toBe(HOST_PORTS.join(","));

        // Right after `up` returned: its ready gate must already have seen a serving quorum.
        const now = await modes(HOST_PORTS);
        expect(countModes(now)).toEqual({ leaders: 1, followers: SIZE - 1 });

        const writer = await connect(HOST_PORTS[0]);
        const znode = `/upgrade-${Date.now()}`;
        znodeFromCommit = znode;
        await create(writer, znode, `written at ${COMMIT}`);
        writer.close();
        for (const host of HOST_PORTS.slice(1)) {
            const reader = await connect(host);
            const value = await waitFor(`${znode} on ${host}`, 5000, () => getData(reader, znode));
            reader.close();
            expect(value).toBe(`written at ${COMMIT}`);
        }
    });

    test("the working tree's code previews the deployed stack as a roll: only the servers, their gates and Prometheus (new alert rules) are replaced", async () => {
        expect(deployment).toBeDefined();
        const started = Date.now();
        preview = await previewWithCurrent(deployment!);
        report.previewSeconds = ((Date.now() - started) / 1000).toFixed(1);
        report.steps = Object.entries(preview.counts)
            .map(([op, n]) => `${op}:${n}`)
            .join("/");
        console.log(
            renderSummary(
                `upgrade preview: stack ${STACK} deployed at ${deployment!.resolvedCommit.substring(0, 7)}, working tree's code`,
                preview,
            ),
        );

        // The preview saw the deployed resources at all (a program that failed to register would plan nothing).
        expect(preview.counts.same ?? 0).toBeGreaterThan(0);
        // Matched by op, then by logical name: renamed type tokens with aliases change URN text only.
        const replaced = replacementSteps(preview.steps);
        // 0.3's alert rules follow the live quorum_size (CHANGELOG), so Prometheus gets a new rules
        // file, which the docker provider uploads by replacing the container; for that alone.
        const newRules = replaced.filter((s) => logicalName(s.urn) === "mon-prometheus");
        expect(newRules.filter((s) => s.op === "replace").map((s) => s.diffs)).toEqual([["uploads"]]);
        expect(stepLines(replaced.filter((s) => !ROLL_RESOURCE_NAME.test(logicalName(s.urn)) && !newRules.includes(s)))).toEqual([]);
        const servers = new Set(replaced.map((s) => logicalName(s.urn)).filter((name) => SERVER_CONTAINER_NAME.test(name)));
        expect([...servers].sort()).toEqual(Array.from({ length: SIZE }, (_, i) => `zk-${i + 1}-container`));
        // A resource whose URN changed without an alias shows up as create + delete of one name, not
        // as replace: for a container that is a replacement too. (Deletes of resources the new code
        // no longer declares, such as the per-server images, are listed above and allowed.)
        expect(unaliasedMoves(preview.steps)).toEqual([]);
    });

    test("`pulumi up` with the working tree's code rolls the servers: writes keep flowing, none is lost, the old data stays", async () => {
        expect(preview).toBeDefined();
        const writer = new SequentialWriter(HOST_PORTS.join(","), `/upgrade-roll-${Date.now()}`);
        await writer.start();
        await sleep(2000);
        const started = Date.now();
        const result = await preview!.stack.up({ onOutput: () => undefined });
        report.upgradeUpSeconds = ((Date.now() - started) / 1000).toFixed(1);
        await sleep(2000);
        const writes = await writer.stop();
        expect(result.summary.result).toBe("succeeded");
        report.rollLongestWriteGapMs = String(writes.longestGapMs);
        report.rollFailedOperations = String(writes.failedOperations);
        console.log(`upgrade roll: ${describeFailures(writes)}`);
        // The same bound as the dev environment's rolling update: this is one.
        expect(writes.acknowledged.length).toBeGreaterThan(100);
        expect(writes.longestGapMs).toBeLessThanOrEqual(3000);

        const checker = await connect(HOST_PORTS.join(","));
        expect(await getData(checker, znodeFromCommit!)).toBe(`written at ${COMMIT}`);
        expect(await readBack(checker, writer.prefix, writes.acknowledged)).toEqual({ missing: [], duplicates: [], outOfOrder: [] });
        checker.close();
        const now = await modes(HOST_PORTS);
        expect(countModes(now)).toEqual({ leaders: 1, followers: SIZE - 1 });
    });
});
