/**
 * ZooKeeper authentication for real, on its own stack (`authe2e`, host ports 458xx/450xx, no
 * monitoring): the quorum forms over SASL and refuses a server with the wrong credentials, the
 * four-letter words are limited to srvr and mntr, no credential is readable in the state file,
 * `docker inspect` or the host's process list, a rolling update keeps the quorum and the
 * credentials, and a rotated app password is handed the app's znodes by the ACL sync.
 */
import { execFile } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { promisify } from "util";
import { EngineEvent, Stack } from "@pulumi/pulumi/automation";
import {
    Project,
    ROLL_RESOURCE_NAME,
    copyProject,
    countModes,
    docker,
    dockerNames,
    fourLetterWord,
    httpJson,
    modeOf,
    modes,
    openStack,
    setPaths,
    serverStates,
    sleep,
    waitFor,
} from "../../testkit/harness";
import { SequentialWriter, connect, describeFailures, getData, readBack } from "../../testkit/zk";
import { aclOf, appAcl, connectAs, outcome, upsert } from "./zkAuth";

const execFileAsync = promisify(execFile);

const STACK = "authe2e";
const SIZE = 3;
const REPLICAS = 2;
const CLIENT_BASE = 25811;
const APP_BASE = 25080;
const SERVERS = Array.from({ length: SIZE }, (_, i) => `zk-${STACK}-${i + 1}`);
const HOST_PORTS = SERVERS.map((_, i) => `127.0.0.1:${CLIENT_BASE + i}`);
const CONNECT = HOST_PORTS.join(",");
const APP_URLS = Array.from({ length: REPLICAS }, (_, i) => `http://127.0.0.1:${APP_BASE + i}`);

const STACK_FILE = `# Written by test/e2e/auth.e2e.test.ts into its copy of the project.
config:
  zookeeper-platform:zookeeper:
    size: ${SIZE}
    memoryMb: 256
    clientHostPortBase: ${CLIENT_BASE}
    auth:
      quorumSasl: true
      clientDigest: true
  zookeeper-platform:clientApp:
    replicas: ${REPLICAS}
    hostPortBase: ${APP_BASE}
  zookeeper-platform:monitoring:
    enabled: false
  zookeeper-platform:images:
    source: local
`;

interface Credentials {
    app: string;
    superuser: string;
}

async function credentials(stack: Stack): Promise<Credentials> {
    const out = await stack.outputs();
    return { app: out.clientAppZooKeeperCredentials.value as string, superuser: out.zookeeperSuperCredentials.value as string };
}

/** md5 of each server's secret files, to tell whether credentials changed. */
async function secretFileSums(): Promise<string[]> {
    return Promise.all(SERVERS.map((s) => docker("exec", s, "md5sum", "/conf/jaas.conf", "/conf/super-digest.jvmargs")));
}

async function expectAppServes(values: { config?: string } = {}): Promise<void> {
    for (const url of APP_URLS) {
        await waitFor(`${url}/healthz`, 60000, async () => ((await httpJson(`${url}/healthz`)).status === 200 ? true : undefined));
    }
    await waitFor("every replica in /members", 30000, async () => {
        const res = await httpJson<{ members: unknown[] }>(`${APP_URLS[0]}/members`);
        return res.body.members.length === REPLICAS ? true : undefined;
    });
    const leaders = await Promise.all(APP_URLS.map(async (u) => (await httpJson<{ isLeader: boolean }>(`${u}/leader`)).body.isLeader));
    expect(leaders.filter((l) => l)).toHaveLength(1);
    if (values.config !== undefined) {
        for (const url of APP_URLS) {
            await waitFor(`${url}/config`, 3000, async () =>
                (await httpJson<{ value: string }>(`${url}/config`, 1000)).body.value === values.config ? true : undefined,
            );
        }
    }
}

describe("ZooKeeper authentication (quorum SASL + digest ACLs)", () => {
    let project: Project;
    let stack: Stack;
    let creds: Credentials;
    const report: Record<string, string> = {};

    beforeAll(async () => {
        project = copyProject(STACK);
        fs.writeFileSync(path.join(project.workDir, "stacks", `Pulumi.${STACK}.yaml`), STACK_FILE);
        stack = await openStack(project, STACK);
    });

    afterAll(async () => {
        console.log(
            `auth e2e summary: ${Object.entries(report)
                .map(([k, v]) => `${k}=${v}`)
                .join(", ")}`,
        );
    });

    test("`pulumi up`: the quorum forms over SASL (every server authenticated its peers), and the app serves", async () => {
        const started = Date.now();
        const result = await stack.up({ onOutput: () => undefined });
        report.upSeconds = ((Date.now() - started) / 1000).toFixed(1);
        expect(result.summary.result).toBe("succeeded");
        expect(countModes(await modes(HOST_PORTS))).toEqual({ leaders: 1, followers: SIZE - 1 });
        for (const server of SERVERS) {
            const cfg = await docker("exec", server, "cat", "/data/conf/zoo.cfg");
            expect(cfg).toMatch(/^quorum\.auth\.serverRequireSasl=true$/m);
            expect(cfg).toMatch(/^quorum\.auth\.learnerRequireSasl=true$/m);
            const { stdout, stderr } = await execFileAsync("docker", ["logs", server], { maxBuffer: 64 * 1024 * 1024 });
            expect(stdout + stderr).toContain("Successfully completed the authentication using SASL");
        }
        // One set of credentials for all servers.
        const sums = (await secretFileSums()).map((s) => s.replace(/\s+\/conf\/\S+/g, " "));
        expect(new Set(sums).size).toBe(1);
        creds = await credentials(stack);
        expect(creds.app).toMatch(new RegExp(`^app-${STACK}:[A-Za-z0-9]{32}$`));
        expect(creds.superuser).toMatch(/^super:[A-Za-z0-9]{32}$/);
        await expectAppServes();
        expect(await docker("logs", `app-${STACK}-acl-sync`)).toContain("acl-sync: /app does not exist yet");
    });

    test("four-letter words: srvr and mntr answer (health checks, monitoring), everything else is refused", async () => {
        expect(modeOf(await fourLetterWord(HOST_PORTS[0], "srvr"))).toMatch(/^(leader|follower)$/);
        expect(await fourLetterWord(HOST_PORTS[0], "mntr")).toMatch(/^zk_server_state\t(leader|follower)$/m);
        for (const word of ["stat", "conf", "cons", "dump", "envi", "wchc", "ruok"]) {
            expect(await fourLetterWord(HOST_PORTS[0], word)).toContain(`${word} is not executed because it is not in the whitelist.`);
        }
        // The containers' own health check (srvr) passes.
        for (const server of SERVERS) {
            expect(await docker("inspect", "--format", "{{.State.Health.Status}}", server)).toBe("healthy");
        }
    });

    test("anonymous clients cannot write or delete the app's znodes; the app's user and the superuser can", async () => {
        const anonymous = await connect(CONNECT);
        expect(await aclOf(anonymous, "/app/members")).toEqual([`digest:app-${STACK}:31`, "world:anyone:1"]);
        expect(await outcome((cb) => anonymous.create("/app/config", Buffer.from("anonymous"), cb))).toBe("NO_AUTH");
        const [member] = await new Promise<string[]>((res, rej) => anonymous.getChildren("/app/members", (e, c) => (e ? rej(e) : res(c))));
        expect(await outcome((cb) => anonymous.remove(`/app/members/${member}`, -1, cb))).toBe("NO_AUTH");
        expect(await outcome((cb) => anonymous.setData("/app", Buffer.from("x"), -1, cb))).toBe("NO_AUTH");
        anonymous.close();

        const app = await connectAs(CONNECT, creds.app);
        const value = `auth-e2e-${Date.now()}`;
        await upsert(app, "/app/config", value, appAcl(creds.app));
        app.close();
        await expectAppServes({ config: value });

        const wrongSuper = await connectAs(CONNECT, "super:wrong-password");
        expect(await outcome((cb) => wrongSuper.setData("/app/config", Buffer.from("x"), -1, cb))).toBe("NO_AUTH");
        wrongSuper.close();
        const admin = await connectAs(CONNECT, creds.superuser);
        expect(await outcome((cb) => admin.setData("/app", Buffer.from(""), -1, cb))).toBe("OK");
        admin.close();
    });

    test("no credential in plain text: not in the state file, `docker inspect` or the host's process list", async () => {
        const jaas = await docker("exec", SERVERS[0], "cat", "/conf/jaas.conf");
        const quorumPassword = /password="([^"]+)";/.exec(jaas)![1];
        const digestArgs = await docker("exec", SERVERS[0], "cat", "/conf/super-digest.jvmargs");
        const superDigest = /superDigest=super:(\S+)/.exec(digestArgs)![1];
        const secrets = [quorumPassword, superDigest, creds.app.split(":")[1], creds.superuser.split(":")[1]];
        expect(secrets.every((s) => s.length >= 28)).toBe(true);

        const stateFiles = fs
            .readdirSync(project.stateDir, { recursive: true })
            .map(String)
            .filter((f) => f.endsWith(".json"));
        expect(stateFiles.length).toBeGreaterThan(0);
        const state = stateFiles.map((f) => fs.readFileSync(path.join(project.stateDir, f), "utf8")).join("\n");
        expect(state).toContain("ciphertext");
        const containers = (await dockerNames("container", `-${STACK}-`)).sort();
        expect(containers).toEqual(expect.arrayContaining([...SERVERS, `app-${STACK}-1`, `app-${STACK}-2`, `app-${STACK}-acl-sync`]));
        const inspect = await docker("inspect", ...containers);
        const { stdout: processes } = await execFileAsync("ps", ["-eo", "args"], { maxBuffer: 16 * 1024 * 1024 });
        expect(processes).toContain("@/conf/super-digest.jvmargs");
        for (const secret of secrets) {
            expect(state.includes(secret)).toBe(false);
            expect(inspect.includes(secret)).toBe(false);
            expect(processes.includes(secret)).toBe(false);
        }
        // Nor do the ACL sync's logs show the superuser password (zkCli echoes `addauth`).
        expect((await docker("logs", `app-${STACK}-acl-sync`)).includes(creds.superuser.split(":")[1])).toBe(false);
    });

    test("a server with the wrong quorum password cannot join; with the right one it rejoins", async () => {
        const victim = SERVERS[SIZE - 1];
        const original = await docker("exec", victim, "cat", "/conf/jaas.conf");
        const tampered = path.join(project.workDir, "jaas-tampered.conf");
        fs.writeFileSync(tampered, original.replace(/(user_\w+|password)="[^"]+"/g, '$1="WrongQuorumPassword0123456789abc"') + "\n");
        await docker("cp", tampered, `${victim}:/conf/jaas.conf`);
        await docker("restart", "-t", "30", victim);
        const restarted = Date.now();
        // Give it time to try every peer, then it must still not serve, and the others keep their quorum.
        await sleep(20000);
        expect(modeOf(await fourLetterWord(HOST_PORTS[SIZE - 1], "srvr"))).toBeUndefined();
        expect(countModes(await modes(HOST_PORTS.slice(0, SIZE - 1)))).toEqual({ leaders: 1, followers: SIZE - 2 });
        const { stdout, stderr } = await execFileAsync(
            "docker",
            ["logs", "--since", `${Math.ceil((Date.now() - restarted) / 1000) + 5}s`, victim],
            {
                maxBuffer: 64 * 1024 * 1024,
            },
        );
        expect(stdout + stderr).toMatch(/Authentication failed|Failed to authenticate/);

        fs.writeFileSync(tampered, original + "\n");
        await docker("cp", tampered, `${victim}:/conf/jaas.conf`);
        fs.rmSync(tampered);
        await docker("restart", "-t", "30", victim);
        await waitFor(`${victim} to rejoin`, 90000, async () => {
            const all = await modes(HOST_PORTS);
            const { leaders, followers } = countModes(all);
            return leaders === 1 && followers === SIZE - 1 ? true : undefined;
        });
        await expectAppServes();
    });

    test("rolling update with auth on: one server at a time, writes keep flowing, credentials unchanged", async () => {
        const sumsBefore = await secretFileSums();
        await setPaths(stack, { "zookeeper.tickTime": "1500" });
        const steps: string[] = [];
        await stack.preview({
            onEvent: (e: EngineEvent) => {
                const meta = e.resourcePreEvent?.metadata;
                if (meta && meta.op !== "same" && meta.op !== "read" && meta.type === "docker:index/container:Container") {
                    steps.push(meta.urn.split("::").pop()!);
                }
            },
        });
        // Only the servers and their gates: no new credentials, no ACL sync, no app restart.
        expect(steps.filter((n) => !ROLL_RESOURCE_NAME.test(n))).toEqual([]);

        const writer = new SequentialWriter(CONNECT, `/e2e-auth-roll-${Date.now()}`);
        await writer.start();
        // Every replaced server must rejoin (authenticate) before the next one goes: a majority of
        // servers runs throughout, and the samples do see servers go (one at a time). While the
        // leader's replacement is elected no server serves; that pause is the write gap, bounded below.
        let sampling = true;
        let fewestRunning = SIZE;
        let fewestServing = SIZE;
        const sampler = (async () => {
            while (sampling) {
                const states = await serverStates(HOST_PORTS);
                fewestRunning = Math.min(fewestRunning, states.filter((s) => s.answered).length);
                fewestServing = Math.min(fewestServing, states.filter((s) => s.mode === "leader" || s.mode === "follower").length);
                await sleep(250);
            }
        })();
        await sleep(2000);
        const result = await stack.up({ onOutput: () => undefined });
        await sleep(2000);
        sampling = false;
        await sampler;
        const writes = await writer.stop();
        expect(result.summary.result).toBe("succeeded");
        report.rollLongestWriteGapMs = String(writes.longestGapMs);
        report.rollFewestRunning = String(fewestRunning);
        report.rollFewestServing = String(fewestServing);
        console.log(`auth rolling update: ${describeFailures(writes)}`);
        expect(fewestRunning).toBeGreaterThanOrEqual(Math.floor(SIZE / 2) + 1);
        expect(fewestRunning).toBeLessThan(SIZE);
        expect(writes.acknowledged.length).toBeGreaterThan(50);
        // An outage guard, not the latency budget (that is the dev environment's rolling-update
        // test, 3 s): on two cores shared with other suites, leader elections alone approach 3 s.
        expect(writes.longestGapMs).toBeLessThanOrEqual(6000);
        const checker = await connect(CONNECT);
        expect(await readBack(checker, writer.prefix, writes.acknowledged)).toEqual({ missing: [], duplicates: [], outOfOrder: [] });
        checker.close();

        expect(countModes(await modes(HOST_PORTS))).toEqual({ leaders: 1, followers: SIZE - 1 });
        expect(await docker("exec", SERVERS[0], "grep", "^tickTime=", "/data/conf/zoo.cfg")).toBe("tickTime=1500");
        expect(await secretFileSums()).toEqual(sumsBefore);
        expect(await credentials(stack)).toEqual(creds);
        await expectAppServes();
    });

    test("a rotated app password: the ACL sync hands the app's znodes to the new identity before the app restarts", async () => {
        const state = await stack.exportStack();
        const resources = (state.deployment as { resources: Array<{ urn: string; type: string }> }).resources;
        const passwordUrn = resources.find(
            (r) => r.type === "random:index/randomPassword:RandomPassword" && r.urn.endsWith("::app-zookeeper-password"),
        )!.urn;
        const result = await stack.up({ replace: [passwordUrn], onOutput: () => undefined });
        expect(result.summary.result).toBe("succeeded");
        const rotated = await credentials(stack);
        expect(rotated.app).not.toBe(creds.app);
        expect(rotated.superuser).toBe(creds.superuser);
        expect(await docker("logs", `app-${STACK}-acl-sync`)).toContain(`the subtree of /app belongs to app-${STACK}`);

        const client = await connectAs(CONNECT, rotated.app);
        expect(await aclOf(client, "/app/config")).toEqual([`digest:app-${STACK}:31`, "world:anyone:1"]);
        const value = `rotated-${Date.now()}`;
        await upsert(client, "/app/config", value, appAcl(rotated.app));
        client.close();
        await expectAppServes({ config: value });
        const old = await connectAs(CONNECT, creds.app);
        expect(await outcome((cb) => old.setData("/app/config", Buffer.from("old"), -1, cb))).toBe("NO_AUTH");
        expect(await getData(old, "/app/config")).toBe(value);
        old.close();
        creds = rotated;
    });

    test("a preview after all that proposes no changes", async () => {
        const preview = await stack.preview({ expectNoChanges: true });
        expect(Object.keys(preview.changeSummary).filter((op) => op !== "same")).toEqual([]);
    });

    test("destroy leaves nothing of the stack behind", async () => {
        await stack.destroy({ onOutput: () => undefined });
        for (const kind of ["container", "network", "volume"] as const) {
            expect(await dockerNames(kind, `-${STACK}-`)).toEqual([]);
        }
        await stack.workspace.removeStack(STACK);
    });
});
