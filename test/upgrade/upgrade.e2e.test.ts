/**
 * Upgrading a deployed stack to the working tree's code. The dev stack configuration is deployed
 * (stack `upgrade`, its own host ports 16xxx, local images) with the code of 28adc2f, the last
 * commit before the components/ refactor; the working tree's code must then preview it without
 * replacing anything: the refactor may move files and rename type tokens (with aliases), but a
 * deployed ensemble must not be recreated by it.
 */
import { OpType } from "@pulumi/pulumi/automation";
import { modes, waitFor } from "../../testkit/harness";
import { connect, create, getData } from "../../testkit/zk";
import {
    Deployment,
    PreviewOutcome,
    deployAtCommit,
    destroyAll,
    previewWithCurrent,
    renderSummary,
    replacementSteps,
    unaliasedMoves,
} from "./harness";

const COMMIT = "28adc2f";
const STACK = "upgrade";
/** Host ports of this suite only (no other suite, bench or stack file uses 16xxx); all below 32768. */
const PORTS = { zkClient: 16811, zkMetrics: 16701, app: 16080, prometheus: 16090, alertmanager: 16093, grafana: 16000 };
/** Pulumi.dev.yaml's port keys, moved to PORTS; every other key stays as the dev stack file has it. */
const CONFIG_OVERRIDES = {
    "zookeeper.clientHostPortBase": PORTS.zkClient,
    "zookeeper.metricsHostPortBase": PORTS.zkMetrics,
    "clientApp.hostPortBase": PORTS.app,
    "monitoring.prometheusHostPort": PORTS.prometheus,
    "monitoring.alertmanagerHostPort": PORTS.alertmanager,
    "monitoring.grafanaHostPort": PORTS.grafana,
};
const SIZE = 3;
const HOST_PORTS = Array.from({ length: SIZE }, (_, i) => `127.0.0.1:${PORTS.zkClient + i}`);

const suiteStarted = Date.now();
const report: Record<string, string> = {};
let deployment: Deployment | undefined;
let preview: PreviewOutcome | undefined;

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
        expect({ leaders: now.filter((m) => m === "leader").length, followers: now.filter((m) => m === "follower").length }).toEqual({
            leaders: 1,
            followers: SIZE - 1,
        });

        const writer = await connect(HOST_PORTS[0]);
        const znode = `/upgrade-${Date.now()}`;
        await create(writer, znode, `written at ${COMMIT}`);
        writer.close();
        for (const host of HOST_PORTS.slice(1)) {
            const reader = await connect(host);
            const value = await waitFor(`${znode} on ${host}`, 5000, () => getData(reader, znode));
            reader.close();
            expect(value).toBe(`written at ${COMMIT}`);
        }
    });

    test("the working tree's code previews the deployed stack without replacing anything", async () => {
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
        // Matched by op only: renamed type tokens with aliases change URN text, not ops.
        expect(stepLines(replacementSteps(preview.steps))).toEqual([]);
        // A resource whose URN changed without an alias shows up as create + delete of one name, not
        // as replace: for a container that is a replacement too. (Deletes of resources the new code
        // no longer declares, such as the per-server images, are listed above and allowed.)
        expect(unaliasedMoves(preview.steps)).toEqual([]);
    });
});
