/**
 * Each environment for real: `pulumi up` of the stack program against the local Docker daemon,
 * then what a user relies on: a serving quorum, the client app, Prometheus and its alerts, quiet
 * previews, a rolling update that keeps the quorum, and a clean destroy (prod keeps its data).
 */
import { PACKAGE_NAME } from "../../components/shared/typeTokens";
import * as fs from "fs";
import * as path from "path";
import { EngineEvent, Stack } from "@pulumi/pulumi/automation";
import {
    PROJECT,
    Project,
    ROLL_RESOURCE_NAME,
    SERVER_CONTAINER_NAME,
    copyProject,
    countModes,
    docker,
    dockerNames,
    httpJson,
    modes,
    openStack,
    repoRoot,
    runToExit,
    setPaths,
    sleep,
    summary,
    waitFor,
} from "../../testkit/harness";
import { NO_CHANGES } from "../../previewComment/render";
import { SequentialWriter, children, connect, create, describeFailures, getData, mkdirp, readBack, setData } from "../../testkit/zk";
import { previewComment, sectionsOf } from "./previewComment";
import { aclOf, appAcl, connectAs, outcome, upsert } from "./zkAuth";

interface Environment {
    name: "dev" | "staging" | "prod";
    size: number;
    replicas: number;
    /** Runs the alerting and rolling-update checks (slow, so once). */
    faults: boolean;
    retainsData: boolean;
    /** zookeeper.auth on (quorum SASL and digest auth; the app owns its znodes). */
    auth: boolean;
}

const ENVIRONMENTS: Environment[] = [
    { name: "dev", size: 3, replicas: 1, faults: true, retainsData: false, auth: false },
    { name: "staging", size: 3, replicas: 2, faults: false, retainsData: false, auth: false },
    { name: "prod", size: 5, replicas: 2, faults: false, retainsData: true, auth: true },
];

/** Short alert and scrape settings so the alerting check fits in CI time; the rules are the real ones. */
const SCRAPE_INTERVAL_S = 5;
const SERVER_DOWN_FOR_S = 10;

interface Outputs {
    zookeeperConnectionString: string;
    zookeeperHostConnectionString: string;
    clientAppUrls: string[];
    prometheusUrl: string;
    alertmanagerUrl: string;
    /** `user:password` of the app and of ZooKeeper's superuser (secret outputs; plain text to the Automation API). */
    appCredentials?: string;
    superCredentials?: string;
}

function outputsOf(raw: Record<string, { value: unknown }>): Outputs {
    const value = (key: string) => raw[key]?.value;
    return {
        zookeeperConnectionString: value("zookeeperConnectionString") as string,
        zookeeperHostConnectionString: value("zookeeperHostConnectionString") as string,
        clientAppUrls: value("clientAppUrls") as string[],
        prometheusUrl: value("prometheusUrl") as string,
        alertmanagerUrl: value("alertmanagerUrl") as string,
        appCredentials: value("clientAppZooKeeperCredentials") as string | undefined,
        superCredentials: value("zookeeperSuperCredentials") as string | undefined,
    };
}

/**
 * Writes /app/config the way an operator does: anonymously without auth; with auth as the app's
 * user (the app owns /app), creating it with the app's ACL.
 */
async function writeConfig(outputs: Outputs, value: string): Promise<void> {
    if (outputs.appCredentials === undefined) {
        const client = await connect(outputs.zookeeperHostConnectionString);
        await mkdirp(client, "/app/config");
        await setData(client, "/app/config", value);
        client.close();
        return;
    }
    const client = await connectAs(outputs.zookeeperHostConnectionString, outputs.appCredentials);
    await upsert(client, "/app/config", value, appAcl(outputs.appCredentials));
    client.close();
}

async function expectConfigEverywhere(outputs: Outputs, value: string, timeoutMs: number): Promise<void> {
    for (const url of outputs.clientAppUrls) {
        await waitFor(`${url}/config to show the new value`, timeoutMs, async () => {
            const res = await httpJson<{ value: string }>(`${url}/config`, 1000);
            return res.body.value === value ? true : undefined;
        });
    }
}

/** Waits until every replica is healthy and registered, and returns the member ids. */
async function healthyMembers(outputs: Outputs, replicas: number): Promise<string[]> {
    for (const url of outputs.clientAppUrls) {
        await waitFor(`${url}/healthz`, 30000, async () => ((await httpJson(`${url}/healthz`)).status === 200 ? true : undefined));
    }
    const members = await waitFor("every replica in /members", 30000, async () => {
        const res = await httpJson<{ members: Array<{ id: string }> }>(`${outputs.clientAppUrls[0]}/members`);
        return res.body.members.length === replicas ? res.body.members : undefined;
    });
    return members.map((m) => m.id);
}

function serverContainers(env: Environment): string[] {
    return Array.from({ length: env.size }, (_, i) => `zk-${env.name}-${i + 1}`);
}

/** (operation, resource name) of every step a preview or update plans. */
function stepCollector(): { steps: Array<{ op: string; type: string; name: string }>; onEvent: (e: EngineEvent) => void } {
    const steps: Array<{ op: string; type: string; name: string }> = [];
    return {
        steps,
        onEvent: (event: EngineEvent) => {
            const meta = event.resourcePreEvent?.metadata;
            if (meta && meta.op !== "same") {
                const parts = meta.urn.split("::");
                steps.push({ op: meta.op, type: meta.type, name: parts[parts.length - 1] });
            }
        },
    };
}

describe.each(ENVIRONMENTS)("environment $name", (env) => {
    let project: Project;
    let stack: Stack;
    let outputs: Outputs;
    const report: Record<string, string> = {};

    beforeAll(async () => {
        project = copyProject(env.name);
        stack = await openStack(project, env.name);
        // No registry here: deploy the local images (same contracts as the official ones).
        await setPaths(stack, {
            "images.source": "local",
            "monitoring.scrapeInterval": `${SCRAPE_INTERVAL_S}s`,
            "monitoring.serverDownFor": `${SERVER_DOWN_FOR_S}s`,
        });
    });

    afterAll(async () => {
        summary.push(
            `${env.name}: ${Object.entries(report)
                .map(([k, v]) => `${k}=${v}`)
                .join(", ")}`,
        );
    });

    test("`pulumi up` returns only when the ensemble serves: one leader, the rest followers", async () => {
        const started = Date.now();
        const result = await stack.up({ onOutput: () => undefined });
        report.upToServingSeconds = ((Date.now() - started) / 1000).toFixed(1);
        expect(result.summary.result).toBe("succeeded");
        outputs = outputsOf(result.outputs);

        // Asked right after `up` returned, with no waiting: the ready gate must already have seen this.
        const now = await modes(outputs.zookeeperHostConnectionString.split(","));
        expect(countModes(now)).toEqual({ leaders: 1, followers: env.size - 1 });
    });

    test("a znode written through one server is read from every other server", async () => {
        const hosts = outputs.zookeeperHostConnectionString.split(",");
        expect(hosts).toHaveLength(env.size);
        const writer = await connect(hosts[0]);
        const path = `/e2e-replication-${Date.now()}`;
        await create(writer, path, `written via ${hosts[0]}`);
        writer.close();
        for (const host of hosts.slice(1)) {
            const reader = await connect(host);
            // A follower may trail the leader by a moment; it must catch up quickly.
            const value = await waitFor(`${path} on ${host}`, 5000, () => getData(reader, path));
            reader.close();
            expect(value).toBe(`written via ${hosts[0]}`);
        }
    });

    test("the client app: healthy replicas, full membership, one leader, config updates within 2 s", async () => {
        expect(outputs.clientAppUrls).toHaveLength(env.replicas);
        for (const url of outputs.clientAppUrls) {
            const health = await waitFor(`${url}/healthz`, 30000, async () => {
                const res = await httpJson(`${url}/healthz`);
                return res.status === 200 ? res : undefined;
            });
            expect(health.body).toEqual({ status: "ok" });
        }
        const members = await waitFor("every replica in /members", 30000, async () => {
            const res = await httpJson<{ members: Array<{ id: string }> }>(`${outputs.clientAppUrls[0]}/members`);
            return res.body.members.length === env.replicas ? res.body.members : undefined;
        });
        expect(new Set(members.map((m) => m.id)).size).toBe(env.replicas);

        const leaders = await Promise.all(
            outputs.clientAppUrls.map(async (url) => (await httpJson<{ leader: string; isLeader: boolean }>(`${url}/leader`)).body),
        );
        expect(new Set(leaders.map((l) => l.leader)).size).toBe(1);
        expect(leaders.filter((l) => l.isLeader)).toHaveLength(1);
        expect(members.map((m) => m.id)).toContain(leaders[0].leader);

        const value = `e2e-${env.name}-${Date.now()}`;
        const written = Date.now();
        await writeConfig(outputs, value);
        await expectConfigEverywhere(outputs, value, 2000);
        report.configPropagationMs = String(Date.now() - written);
    });

    if (env.auth) {
        test("auth: the app owns its znodes; anonymous clients can read them but not write or delete them", async () => {
            expect(outputs.appCredentials).toMatch(new RegExp(`^app-${env.name}:[A-Za-z0-9]{32}$`));
            expect(outputs.superCredentials).toMatch(/^super:[A-Za-z0-9]{32}$/);
            const anonymous = await connect(outputs.zookeeperHostConnectionString);
            const appUser = `app-${env.name}`;
            expect(await aclOf(anonymous, "/app")).toEqual([`digest:${appUser}:31`, "world:anyone:1"]);
            expect(await aclOf(anonymous, "/app/config")).toEqual([`digest:${appUser}:31`, "world:anyone:1"]);
            const members = await children(anonymous, "/app/members");
            expect(members).toHaveLength(env.replicas);
            expect(await getData(anonymous, "/app/config")).toMatch(new RegExp(`^e2e-${env.name}-`));
            expect(await outcome((cb) => anonymous.setData("/app/config", Buffer.from("anonymous"), -1, cb))).toBe("NO_AUTH");
            expect(await outcome((cb) => anonymous.remove(`/app/members/${members[0]}`, -1, cb))).toBe("NO_AUTH");
            expect(await outcome((cb) => anonymous.create("/app/members/member-9999999999", Buffer.from("{}"), cb))).toBe("NO_AUTH");
            expect(await outcome((cb) => anonymous.create("/app/election/n_9999999999", Buffer.from("{}"), cb))).toBe("NO_AUTH");
            anonymous.close();
            // The wrong password is no better than none; the superuser passes every ACL.
            const impostor = await connectAs(outputs.zookeeperHostConnectionString, `${appUser}:not-the-password`);
            expect(await outcome((cb) => impostor.setData("/app/config", Buffer.from("impostor"), -1, cb))).toBe("NO_AUTH");
            impostor.close();
            const admin = await connectAs(outputs.zookeeperHostConnectionString, outputs.superCredentials!);
            const value = `e2e-super-${Date.now()}`;
            expect(await outcome((cb) => admin.setData("/app/config", Buffer.from(value), -1, cb))).toBe("OK");
            admin.close();
            await expectConfigEverywhere(outputs, value, 2000);
            expect((await Promise.all(outputs.clientAppUrls.map((u) => httpJson(`${u}/healthz`)))).map((r) => r.status)).toEqual(
                outputs.clientAppUrls.map(() => 200),
            );
        });
    }

    test("Prometheus: every target up, one `up` series per server, ZooKeeper metrics, rules loaded", async () => {
        const targets = await waitFor("every Prometheus target up", 60000, async () => {
            const res = await httpJson<{ data: { activeTargets: Array<{ health: string; labels: Record<string, string> }> } }>(
                `${outputs.prometheusUrl}/api/v1/targets`,
            );
            const active = res.body.data.activeTargets;
            const expected = env.size + env.replicas;
            const zkAndApp = active.filter((t) => t.labels.job === "zookeeper" || t.labels.job === "client-app");
            return zkAndApp.length >= expected && active.every((t) => t.health === "up") ? active : undefined;
        });
        expect(targets.filter((t) => t.labels.job === "zookeeper")).toHaveLength(env.size);
        expect(targets.filter((t) => t.labels.job === "client-app")).toHaveLength(env.replicas);

        const query = async (expr: string) =>
            (
                await httpJson<{ data: { result: Array<{ value: [number, string] }> } }>(
                    `${outputs.prometheusUrl}/api/v1/query?query=${encodeURIComponent(expr)}`,
                )
            ).body.data.result;
        expect(Number((await query('count(up{job="zookeeper"} == 1)'))[0].value[1])).toBe(env.size);
        expect((await query("znode_count")).length).toBe(env.size);

        const rules = await httpJson<{ data: { groups: Array<{ rules: Array<{ name: string }> }> } }>(
            `${outputs.prometheusUrl}/api/v1/rules`,
        );
        const names = rules.body.data.groups.flatMap((g) => g.rules.map((r) => r.name));
        expect(names).toEqual(expect.arrayContaining(["ZooKeeperServerDown", "ZooKeeperLeaderCountNotOne"]));
    });

    test("a second preview after `up` proposes no changes", async () => {
        const started = Date.now();
        // The policy pack runs too: a deployed stack must keep every guardrail (policy/).
        const preview = await stack.preview({ expectNoChanges: true, policyPacks: [path.join(repoRoot, "policy")] });
        report.previewSeconds = ((Date.now() - started) / 1000).toFixed(1);
        expect(Object.keys(preview.changeSummary).filter((op) => op !== "same")).toEqual([]);
    });

    if (env.name === "staging") {
        // The pull-request comment (npm run preview:comment, as .github/workflows/preview.yml runs
        // it) against this deployed stack; each case puts the config back, so the last says "no changes".
        const changeRows = (comment: string) =>
            sectionsOf(comment)
                .filter((s) => s.kind === "changes")
                .map((s) => ({ title: s.title, rows: s.rows.map(([name, , change]) => `${name} ${change}`) }));

        test("preview comment: a tickTime change replaces exactly the servers, the gates and the pre-flight check of `zk`", async () => {
            await setPaths(stack, { "zookeeper.tickTime": "1500" });
            try {
                const run = await previewComment(project, env.name, "tick-time");
                report.commentSeconds = run.seconds.toFixed(1);
                console.log(
                    `staging preview comment for zookeeper.tickTime=1500 (exit ${run.exitCode}, ${run.seconds.toFixed(1)} s):\n${run.comment}`,
                );
                expect(run.exitCode).toBe(0);
                // The pre-flight check reruns whenever the servers' settings change (ROLL_RESOURCE_NAME).
                const replaced = [
                    ...Array.from({ length: env.size }, (_, i) => `zk-${i + 1}-container`),
                    "zk-preflight",
                    "zk-ready-gate",
                    ...Array.from({ length: env.size - 1 }, (_, i) => `zk-roll-gate-${i + 1}`),
                ].sort((a, b) => a.localeCompare(b, "en", { numeric: true }));
                expect(changeRows(run.comment)).toEqual([
                    {
                        title: `ZooKeeperEnsemble \`zk\`: ${replaced.length} to replace`,
                        rows: replaced.map((name) => `${name} 🔁 replace`),
                    },
                ]);
                expect(run.comment).not.toMatch(/ClientAppService|MonitoringStack|app-\d|mon-/);
                expect(run.comment).not.toContain("1500");
                expect(run.comment).toContain("✅ No violations");
            } finally {
                await stack.removeConfig(`${PROJECT}:zookeeper.tickTime`, true);
            }
        });

        test("preview comment: a port published on every interface is a blocking policy row, and the command exits 1", async () => {
            await setPaths(stack, { "monitoring.hostIp": "0.0.0.0" });
            try {
                const run = await previewComment(project, env.name, "host-ip");
                expect(run.exitCode).toBe(1);
                const policy = sectionsOf(run.comment).filter((s) => s.kind === "policy");
                expect(policy.flatMap((s) => s.rows.map(([name, level, resource]) => `${name} ${level} ${resource}`))).toEqual(
                    expect.arrayContaining(["docker-ports-loopback-only mandatory mon-prometheus"]),
                );
                expect(run.comment).toContain("❌ **The preview failed**");
                expect(run.comment).toContain("a mandatory policy blocks it");
            } finally {
                await stack.removeConfig(`${PROJECT}:monitoring.hostIp`, true);
            }
        });

        test("preview comment: a changed secret replaces what uses it and shows no value", async () => {
            const token = `e2e-secret-${Date.now()}`;
            await stack.setConfig(
                `${PROJECT}:monitoring.alertWebhookUrl`,
                { value: `http://127.0.0.1:1/hooks/${token}`, secret: true },
                true,
            );
            try {
                const run = await previewComment(project, env.name, "secret");
                expect(run.exitCode).toBe(0);
                expect(changeRows(run.comment)).toEqual([
                    expect.objectContaining({
                        title: expect.stringMatching(/^MonitoringStack `mon`: /),
                        rows: expect.arrayContaining(["mon-alertmanager 🔁 replace"]),
                    }),
                ]);
                expect(run.comment).not.toContain(token);
                expect(run.comment).not.toContain("127.0.0.1:1");
            } finally {
                await stack.removeConfig(`${PROJECT}:monitoring.alertWebhookUrl`, true);
            }
        });

        test('preview comment: the untouched environment says "no changes", with no table of changes', async () => {
            const run = await previewComment(project, env.name, "untouched");
            expect(run.exitCode).toBe(0);
            expect(run.comment.split("\n")[3]).toMatch(new RegExp(`^✅ \\*\\*${NO_CHANGES}\\*\\*: `));
            expect(changeRows(run.comment)).toEqual([]);
        });
    }

    if (env.name === "dev") {
        test("the app's integration suite (app/test/integration.test.ts) passes against dev's ensemble, nothing skipped", async () => {
            // The app's own jest config, as `npm test` runs it, in a process of its own; the suite
            // reads the ensemble from ZK_TEST_CONNECT and skips itself without it.
            const reportFile = path.join(path.dirname(project.workDir), "app-integration.json");
            const started = Date.now();
            const run = await runToExit(
                process.execPath,
                [
                    require.resolve("jest/bin/jest"),
                    "--config",
                    path.join(repoRoot, "app", "jest.config.js"),
                    "--runTestsByPath",
                    path.join(repoRoot, "app", "test", "integration.test.ts"),
                    "--ci",
                    "--json",
                    `--outputFile=${reportFile}`,
                ],
                {
                    cwd: path.join(repoRoot, "app"),
                    env: { ...process.env, ZK_TEST_CONNECT: outputs.zookeeperHostConnectionString },
                    timeoutMs: 10 * 60 * 1000,
                },
            );
            const seconds = ((Date.now() - started) / 1000).toFixed(1);
            if (!fs.existsSync(reportFile)) {
                throw new Error(`the app's integration suite wrote no report (exit ${run.exitCode}):\n${run.output}`);
            }
            const result = JSON.parse(fs.readFileSync(reportFile, "utf8")) as {
                numTotalTests: number;
                numPassedTests: number;
                numFailedTests: number;
                numPendingTests: number;
                numTodoTests: number;
                testResults: Array<{ assertionResults: Array<{ title: string; status: string; duration?: number | null }> }>;
            };
            const cases = result.testResults.flatMap((f) => f.assertionResults);
            const skipped = result.numPendingTests + result.numTodoTests;
            report.appIntegration = `${result.numPassedTests}/${result.numTotalTests} passed, ${result.numFailedTests} failed, ${skipped} skipped (${seconds} s)`;
            console.log(
                [
                    `app integration suite against dev (ZK_TEST_CONNECT=${outputs.zookeeperHostConnectionString}): ${report.appIntegration}, exit ${run.exitCode}`,
                    ...cases.map((c) => `  ${c.status} ${c.title}${c.duration ? ` (${(c.duration / 1000).toFixed(1)} s)` : ""}`),
                    ...(run.exitCode === 0 ? [] : [run.output]),
                ].join("\n"),
            );
            expect({ exitCode: run.exitCode, failed: result.numFailedTests, skipped }).toEqual({ exitCode: 0, failed: 0, skipped: 0 });
            expect(result.numTotalTests).toBeGreaterThan(0);
            expect(result.numPassedTests).toBe(result.numTotalTests);
        });
    }

    if (env.faults) {
        test("alerting end to end: a stopped server fires ZooKeeperServerDown in Alertmanager, and it resolves", async () => {
            const victim = serverContainers(env)[env.size - 1];
            const firingAlerts = async () =>
                (
                    await httpJson<Array<{ labels: Record<string, string>; status: { state: string } }>>(
                        `${outputs.alertmanagerUrl}/api/v2/alerts?active=true&silenced=false&inhibited=false`,
                    )
                ).body.filter((a) => a.labels.alertname === "ZooKeeperServerDown");

            expect(await firingAlerts()).toEqual([]);
            const stopped = Date.now();
            await docker("stop", victim);
            // Rule `for` + one scrape interval + one evaluation interval (same as scrape) + delivery slack.
            const budgetMs = (SERVER_DOWN_FOR_S + 2 * SCRAPE_INTERVAL_S + 10) * 1000;
            const alerts = await waitFor("ZooKeeperServerDown in Alertmanager", budgetMs, async () => {
                const firing = await firingAlerts();
                return firing.length > 0 ? firing : undefined;
            });
            report.alertFiringSeconds = ((Date.now() - stopped) / 1000).toFixed(1);
            expect(alerts).toHaveLength(1);
            expect(JSON.stringify(alerts[0].labels)).toContain(victim);

            await docker("start", victim);
            const restarted = Date.now();
            await waitFor("ZooKeeperServerDown to resolve", 90000, async () => ((await firingAlerts()).length === 0 ? true : undefined));
            report.alertResolvedSeconds = ((Date.now() - restarted) / 1000).toFixed(1);
            await waitFor("the restarted server to serve", 60000, async () => {
                const { leaders, followers } = countModes(await modes(outputs.zookeeperHostConnectionString.split(",")));
                return leaders === 1 && followers === env.size - 1 ? true : undefined;
            });
        });

        test("rolling update: only the servers and their gates change, writes keep flowing, data stays", async () => {
            const before = await connect(outputs.zookeeperHostConnectionString);
            const marker = `/e2e-before-roll-${Date.now()}`;
            await create(before, marker, "kept");
            before.close();

            await setPaths(stack, { "zookeeper.tickTime": "1500" });
            const planned = stepCollector();
            await stack.preview({ onEvent: planned.onEvent });
            // Components only record their new inputs, and the engine's own `pulumi` provider comes
            // and goes with resource-reference lookups; neither touches Docker.
            const changed = planned.steps.filter(
                (s) => s.op !== "read" && !s.type.startsWith(`${PACKAGE_NAME}:`) && !s.type.startsWith("pulumi:providers:"),
            );
            // Every server and every gate is replaced (their config changed), and nothing else is touched.
            const outsideTheRoll = changed.filter((s) => s.type !== "docker:index/container:Container" || !ROLL_RESOURCE_NAME.test(s.name));
            expect(outsideTheRoll).toEqual([]);
            const replacedServers = new Set(changed.filter((s) => SERVER_CONTAINER_NAME.test(s.name)).map((s) => s.name));
            expect(replacedServers.size).toBe(env.size);

            const writer = new SequentialWriter(outputs.zookeeperHostConnectionString, `/e2e-roll-${Date.now()}`);
            await writer.start();
            await sleep(2000);
            const result = await stack.up({ onOutput: () => undefined });
            await sleep(2000);
            const writes = await writer.stop();
            expect(result.summary.result).toBe("succeeded");

            report.rollLongestWriteGapMs = String(writes.longestGapMs);
            report.rollFailedOperations = String(writes.failedOperations);
            report.rollAcknowledgedWrites = String(writes.acknowledged.length);
            console.log(`dev rolling update: ${describeFailures(writes)}`);
            expect(writes.acknowledged.length).toBeGreaterThan(100);
            expect(writes.longestGapMs).toBeLessThanOrEqual(3000);

            const checker = await connect(outputs.zookeeperHostConnectionString);
            expect(await getData(checker, marker)).toBe("kept");
            const roll = await readBack(checker, writer.prefix, writes.acknowledged);
            checker.close();
            expect(roll).toEqual({ missing: [], duplicates: [], outOfOrder: [] });

            const { leaders, followers } = countModes(await modes(outputs.zookeeperHostConnectionString.split(",")));
            expect({ leaders, followers }).toEqual({ leaders: 1, followers: env.size - 1 });
            const zooCfg = await docker("exec", serverContainers(env)[0], "cat", "/data/conf/zoo.cfg");
            expect(zooCfg).toMatch(/^tickTime=1500$/m);
        });
    }

    if (env.retainsData) {
        test("destroy keeps the data volumes, and a new `up` reattaches them with the data", async () => {
            const client = await connect(outputs.zookeeperHostConnectionString);
            const marker = `/e2e-retained-${Date.now()}`;
            await create(client, marker, "survives destroy");
            client.close();

            await stack.destroy({ onOutput: () => undefined });
            expect(await dockerNames("container", `zk-${env.name}-`)).toEqual([]);
            const volumes = await dockerNames("volume", `zk-${env.name}-`);
            expect(volumes.length).toBeGreaterThanOrEqual(env.size);

            const before = outputs;
            const again = await stack.up({ onOutput: () => undefined });
            outputs = outputsOf(again.outputs);
            const reader = await connect(outputs.zookeeperHostConnectionString);
            expect(await getData(reader, marker)).toBe("survives destroy");
            reader.close();

            if (env.auth) {
                // destroy deleted the generated credentials, so the new stack has new ones, while the
                // retained znodes still carried the old app identity's ACL. The ACL sync handed them
                // to the new identity before the app started: the app and its operators can write.
                expect(outputs.appCredentials).not.toBe(before.appCredentials);
                expect(outputs.superCredentials).not.toBe(before.superCredentials);
                expect((await healthyMembers(outputs, env.replicas)).length).toBe(env.replicas);
                const value = `e2e-after-reattach-${Date.now()}`;
                await writeConfig(outputs, value);
                await expectConfigEverywhere(outputs, value, 2000);
                const old = await connectAs(outputs.zookeeperHostConnectionString, before.appCredentials!);
                expect(await outcome((cb) => old.setData("/app/config", Buffer.from("old identity"), -1, cb))).toBe("NO_AUTH");
                old.close();
            }
        });
    }

    test("destroy leaves no container or network of the stack behind", async () => {
        await stack.destroy({ onOutput: () => undefined });
        for (const prefix of [`zk-${env.name}-`, `app-${env.name}-`, `mon-${env.name}-`]) {
            expect(await dockerNames("container", prefix)).toEqual([]);
            expect(await dockerNames("network", prefix)).toEqual([]);
        }
        const volumes = await dockerNames("volume", `zk-${env.name}-`);
        if (env.retainsData) {
            // Retained by design; this suite owns them, so it removes them itself.
            expect(volumes.length).toBeGreaterThanOrEqual(env.size);
            await docker("volume", "rm", ...volumes);
        } else {
            expect(volumes).toEqual([]);
        }
        await stack.workspace.removeStack(env.name);
    });
});

afterAll(() => {
    console.log(["e2e summary:", ...summary].join("\n  "));
});
