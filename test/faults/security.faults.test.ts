/**
 * Security defaults on a real deployment (stack `security`, local images, ZooKeeper auth on, a
 * secret Alertmanager webhook): `docker inspect` of every container of the stack, the processes'
 * real uid and capabilities, and the secrets' whereabouts (state export, inspect, CLI output).
 */
import { execFile } from "child_process";
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { promisify } from "util";
import { Stack } from "@pulumi/pulumi/automation";
import { LABEL_PREFIX, ONE_SHOT_COMPONENTS, ONE_SHOT_ROLES } from "../../components/shared/containerConventions";
import { JAAS_CONFIG_FILE, SUPER_DIGEST_ARGS_FILE } from "../../components/zookeeper/zookeeperAuth";
import { Project, copyProject, docker, dockerNames, httpJson, openStack } from "../../testkit/harness";
import { POLICY_PACK, Recorder, plain, writeStackFile } from "./guardrails";

const execFileAsync = promisify(execFile);

const STACK = "security";
/** The webhook's token: nothing listens on 127.0.0.1:9, the URL only has to reach Alertmanager's config. */
const TOKEN = `tok${randomBytes(16).toString("hex")}`;
const WEBHOOK = `http://127.0.0.1:9/hook?token=${TOKEN}`;
const PORTS = { zk: 30811, metrics: 30701, app: 30080, prometheus: 30090, alertmanager: 30093 };
const SIZE = 3;

interface Inspect {
    Name: string;
    Config: { User: string; Env: string[] | null; Labels: Record<string, string> };
    HostConfig: {
        PortBindings: Record<string, Array<{ HostIp: string; HostPort: string }> | null> | null;
        CapDrop: string[] | null;
        CapAdd: string[] | null;
        Privileged: boolean;
        Memory: number;
        MemorySwap: number;
        Binds: string[] | null;
        NetworkMode: string;
    };
    Mounts: Array<{ Type: string; Source: string; Destination: string }>;
    State: { Running: boolean; Pid: number };
}

let project: Project;
let stack: Stack;
let upRun: Recorder;
let containers: string[];
let inspected: Inspect[];
let inspectText: string;
/** Secret values the deployment holds, by what they are. */
const secrets: Record<string, string> = { "alert webhook token": TOKEN };
const findings: string[] = [];

async function pulumiCli(...args: string[]): Promise<string> {
    const { stdout } = await execFileAsync("pulumi", [...args, "--stack", STACK, "--cwd", project.workDir], {
        env: { ...process.env, ...project.envVars },
        maxBuffer: 64 * 1024 * 1024,
    });
    return stdout;
}

function filesUnder(dir: string): string[] {
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
        const full = path.join(dir, entry.name);
        return entry.isDirectory() ? filesUnder(full) : [full];
    });
}

/**
 * One-shot containers (roll and ready gates, the ACL sync) exit by design a few seconds after they
 * pass, so one that was running when the stack was inspected may have exited since. Servers, the
 * app and monitoring must never stop: for them "is not running" stays an error.
 */
function isOneShot(c: Inspect): boolean {
    const labels = c.Config.Labels ?? {};
    return ONE_SHOT_COMPONENTS.includes(labels[`${LABEL_PREFIX}.component`]) || ONE_SHOT_ROLES.includes(labels[`${LABEL_PREFIX}.role`]);
}

/**
 * Runs `check` against a container that was running at inspection. Returns false, having checked
 * nothing, only when a one-shot container has exited in the meantime.
 */
async function whileRunning(c: Inspect, check: () => Promise<void>): Promise<boolean> {
    try {
        await check();
        return true;
    } catch (error) {
        if (isOneShot(c) && (await docker("inspect", "-f", "{{.State.Running}}", c.Name.replace(/^\//, ""))) === "false") {
            return false;
        }
        throw error;
    }
}

/** uid and effective capabilities of a running container's main process, read on the host. */
async function processIdentity(c: Inspect): Promise<{ uid: string; capEff: string }> {
    let status: string;
    try {
        status = fs.readFileSync(`/proc/${c.State.Pid}/status`, "utf8");
    } catch {
        // The daemon runs in another PID namespace: ask from inside the container instead.
        status = await docker("exec", c.Name.replace(/^\//, ""), "cat", "/proc/1/status");
    }
    const uid = /^Uid:\s+(\d+)/m.exec(status)?.[1] ?? "?";
    const capEff = /^CapEff:\s+([0-9a-f]+)/m.exec(status)?.[1] ?? "?";
    return { uid, capEff };
}

beforeAll(async () => {
    project = copyProject(STACK);
    writeStackFile(project, STACK, {
        zookeeper: {
            size: SIZE,
            memoryMb: 256,
            clientHostPortBase: PORTS.zk,
            metricsHostPortBase: PORTS.metrics,
            auth: { quorumSasl: true, clientDigest: true },
        },
        clientApp: { enabled: true, replicas: 1, hostPortBase: PORTS.app },
        monitoring: { enabled: true, prometheusHostPort: PORTS.prometheus, alertmanagerHostPort: PORTS.alertmanager },
        images: { source: "local" },
    });
    stack = await openStack(project, STACK);
    await stack.setConfig("zookeeper-platform:monitoring.alertWebhookUrl", { value: WEBHOOK, secret: true }, true);
    upRun = new Recorder();
    const up = await stack.up({ onEvent: upRun.onEvent, onOutput: upRun.onOutput });
    expect(up.summary.result).toBe("succeeded");

    // The generated ZooKeeper credentials: the outputs for the superuser and the app, the JAAS file
    // for the quorum, the java argument file for the superuser's digest.
    const superCredentials = up.outputs.zookeeperSuperCredentials;
    const appCredentials = up.outputs.clientAppZooKeeperCredentials;
    expect(superCredentials?.secret).toBe(true);
    expect(appCredentials?.secret).toBe(true);
    secrets["ZooKeeper superuser password"] = String(superCredentials.value).split(":")[1];
    secrets["client app ZooKeeper password"] = String(appCredentials.value).split(":").slice(1).join(":");
    const jaas = await docker("exec", "zk-security-1", "cat", JAAS_CONFIG_FILE);
    const quorumPassword = /password="([^"]+)"/.exec(jaas)?.[1];
    expect(quorumPassword).toBeDefined();
    secrets["quorum SASL password"] = quorumPassword!;
    const digestArgs = await docker("exec", "zk-security-1", "cat", SUPER_DIGEST_ARGS_FILE);
    const superDigest = /superDigest=super:([A-Za-z0-9+/=]+)/.exec(digestArgs)?.[1];
    expect(superDigest).toBeDefined();
    secrets["ZooKeeper superuser digest"] = superDigest!;
    for (const [what, value] of Object.entries(secrets)) {
        expect(`${what}: ${value.length}`).toMatch(/: (1[6-9]|[2-9]\d)$/); // real values, not empty
    }

    containers = (await dockerNames("container", "-security")).sort();
    inspectText = await docker("inspect", ...containers);
    inspected = JSON.parse(inspectText) as Inspect[];
});

afterAll(async () => {
    console.log(["security checks:", ...findings].join("\n  "));
    if (stack) {
        await stack.destroy({ onOutput: () => undefined });
        await stack.workspace.removeStack(STACK);
    }
    for (const kind of ["container", "network", "volume"] as const) {
        expect(await dockerNames(kind, "-security")).toEqual([]);
    }
    fs.rmSync(path.dirname(project.workDir), { recursive: true, force: true });
});

test("the stack's containers are exactly the ones labelled with it, and all of them are checked", async () => {
    const labelled = (await docker("ps", "-a", "--filter", `label=zookeeper-docker.stack=${STACK}`, "--format", "{{.Names}}"))
        .split("\n")
        .sort();
    expect(containers).toEqual(labelled);
    // servers, roll gates, the ready gate, the app, its ACL sync, Prometheus and Alertmanager
    expect(containers.filter((n) => /^zk-security-\d+$/.test(n))).toHaveLength(SIZE);
    expect(containers.filter((n) => n.startsWith("zk-security-gate-"))).toHaveLength(SIZE - 1);
    expect(containers).toEqual(expect.arrayContaining(["app-security-1", "mon-security-prometheus", "mon-security-alertmanager"]));
    findings.push(`${containers.length} containers: ${containers.join(", ")}`);
});

test("every published port binds to 127.0.0.1, and only the configured ones are published", () => {
    const bindings = inspected.flatMap((c) =>
        Object.entries(c.HostConfig.PortBindings ?? {}).flatMap(([port, list]) =>
            (list ?? []).map((b) => ({ container: c.Name, port, ...b })),
        ),
    );
    expect(bindings.filter((b) => b.HostIp !== "127.0.0.1")).toEqual([]);
    const hostPorts = bindings.map((b) => Number(b.HostPort)).sort((a, b) => a - b);
    const want = [
        ...Array.from({ length: SIZE }, (_, i) => PORTS.zk + i),
        ...Array.from({ length: SIZE }, (_, i) => PORTS.metrics + i),
        PORTS.app,
        PORTS.prometheus,
        PORTS.alertmanager,
    ].sort((a, b) => a - b);
    expect(hostPorts).toEqual(want);
    expect(inspected.filter((c) => c.HostConfig.NetworkMode === "host")).toEqual([]);
    findings.push(`${bindings.length} port bindings, all on 127.0.0.1: ${hostPorts.join(", ")}`);
});

test("every container runs as a non-root user with all capabilities dropped, unprivileged", async () => {
    for (const c of inspected) {
        expect({ name: c.Name, user: c.Config.User }).toEqual({ name: c.Name, user: expect.stringMatching(/^[1-9]\d*:\d+$/) });
        expect({ name: c.Name, capDrop: c.HostConfig.CapDrop, capAdd: c.HostConfig.CapAdd ?? [] }).toEqual({
            name: c.Name,
            capDrop: ["ALL"],
            capAdd: [],
        });
        expect({ name: c.Name, privileged: c.HostConfig.Privileged }).toEqual({ name: c.Name, privileged: false });
    }
    // What the kernel says about the running ones (the gates have exited by design).
    const running = inspected.filter((c) => c.State.Running);
    expect(running.length).toBeGreaterThanOrEqual(SIZE + 3);
    const identities: string[] = [];
    for (const c of running) {
        let identity = { uid: "?", capEff: "?" };
        const checked = await whileRunning(c, async () => {
            identity = await processIdentity(c);
        });
        if (!checked) {
            continue;
        }
        expect({ name: c.Name, ...identity }).toEqual({ name: c.Name, uid: c.Config.User.split(":")[0], capEff: "0000000000000000" });
        identities.push(`${c.Name.replace(/^\//, "")} uid ${identity.uid}`);
    }
    findings.push(
        `users: ${inspected.map((c) => `${c.Name.replace(/^\//, "")}=${c.Config.User}`).join(", ")}; CapDrop ALL everywhere; running processes have CapEff 0 (${identities.join(", ")})`,
    );
});

test("every container has a memory limit without swap, and none mounts the Docker socket", () => {
    for (const c of inspected) {
        expect({ name: c.Name, positive: c.HostConfig.Memory > 0, noSwap: c.HostConfig.MemorySwap === c.HostConfig.Memory }).toEqual({
            name: c.Name,
            positive: true,
            noSwap: true,
        });
        // Named volumes only ("name:/path:rw"); a host path ("/...") would be a bind mount.
        expect((c.HostConfig.Binds ?? []).filter((b) => b.startsWith("/") || b.includes("docker.sock"))).toEqual([]);
        expect(c.Mounts.filter((m) => m.Type !== "volume" || m.Source.includes("docker.sock"))).toEqual([]);
    }
    expect(inspectText).not.toContain("docker.sock");
    findings.push(
        `memory limits (MB): ${inspected.map((c) => `${c.Name.replace(/^\//, "")}=${c.HostConfig.Memory / 1024 / 1024}`).join(", ")}; only named volumes mounted, no docker.sock`,
    );
});

test("the secrets reach the containers that need them as files, and no `docker inspect` shows them", async () => {
    // The webhook is deployed for real: it is in Alertmanager's uploaded config...
    const amConfig = await docker("exec", "mon-security-alertmanager", "cat", "/etc/alertmanager/alertmanager.yml");
    expect(amConfig).toContain(TOKEN);
    // ...and the app reads its identity from a file, not from its environment.
    for (const c of inspected) {
        const env = c.Config.Env ?? [];
        expect(env.filter((e) => /PASSWORD|SECRET|TOKEN/i.test(e.split("=")[0]) && !e.split("=")[0].endsWith("__FILE"))).toEqual([]);
    }
    for (const [what, value] of Object.entries(secrets)) {
        expect({ what, inInspect: inspectText.includes(value) }).toEqual({ what, inInspect: false });
    }
    // Nor the process list: no secret on any running container's command line.
    for (const c of inspected.filter((x) => x.State.Running)) {
        let processes = "";
        const checked = await whileRunning(c, async () => {
            processes = await docker("top", c.Name.replace(/^\//, ""), "-eo", "pid,args");
        });
        if (!checked) {
            continue;
        }
        for (const [what, value] of Object.entries(secrets)) {
            expect({ container: c.Name, what, inProcessList: processes.includes(value) }).toEqual({
                container: c.Name,
                what,
                inProcessList: false,
            });
        }
    }
    // Alertmanager's own API (published on loopback here) reports its config too. Alertmanager
    // 0.25 (the local image) keeps a webhook's `url` as plain text and has no `url_file` yet, so
    // this is reported as a finding rather than asserted.
    const status = await httpJson<{ config: { original: string } }>(`http://127.0.0.1:${PORTS.alertmanager}/api/v2/status`);
    expect(status.status).toBe(200);
    const apiShowsToken = status.body.config.original.includes(TOKEN);
    findings.push(
        `secrets (${Object.keys(secrets).join(", ")}) absent from docker inspect of all ${inspected.length} containers and from the running ones' process lists; ` +
            `webhook token present in Alertmanager's uploaded file only; Alertmanager's /api/v2/status ${apiShowsToken ? "SHOWS" : "redacts"} the webhook URL`,
    );
});

test("the state keeps every secret encrypted: not in `pulumi stack export`, nor in any state file", async () => {
    const exported = await pulumiCli("stack", "export");
    const withSecrets = await pulumiCli("stack", "export", "--show-secrets");
    for (const [what, value] of Object.entries(secrets)) {
        expect({ what, inExport: exported.includes(value) }).toEqual({ what, inExport: false });
    }
    // The export does hold them, encrypted: --show-secrets decrypts the webhook and the generated passwords.
    expect(withSecrets).toContain(TOKEN);
    expect(withSecrets).toContain(secrets["ZooKeeper superuser password"]);
    expect(exported).toContain('"4dabf18193072939515e22adb298388d"'); // the secret marker, with ciphertext
    const stateFiles = filesUnder(project.stateDir);
    for (const file of stateFiles) {
        const text = fs.readFileSync(file, "latin1");
        for (const [what, value] of Object.entries(secrets)) {
            expect({ file: path.relative(project.stateDir, file), what, found: text.includes(value) }).toEqual({
                file: path.relative(project.stateDir, file),
                what,
                found: false,
            });
        }
    }
    findings.push(
        `no secret in \`pulumi stack export\` or the ${stateFiles.length} state files; --show-secrets decrypts them (so the check is not vacuous)`,
    );
});

test("`pulumi up`'s output and events show no secret; only --debug-level SDK logs would", () => {
    const shown = [plain(upRun.stdout), ...upRun.diagnostics, JSON.stringify(upRun.events.filter((e) => !e.diagnosticEvent))].join("\n");
    for (const [what, value] of Object.entries(secrets)) {
        expect({ what, shown: shown.includes(value) }).toEqual({ what, shown: false });
    }
    const inDebug = Object.entries(secrets)
        .filter(([, value]) => upRun.debugDiagnostics.some((m) => m.includes(value)))
        .map(([what]) => what);
    findings.push(
        `up's output, non-debug diagnostics and resource events: no secret; debug-level diagnostics (shown only with --debug/-v) contain: ${inDebug.length ? inDebug.join(", ") : "none"}`,
    );
});

test("after `up`, a preview with the policy pack proposes no changes and passes every rule", async () => {
    const rec = new Recorder();
    const preview = await stack.preview({
        expectNoChanges: true,
        policyPacks: [POLICY_PACK],
        onEvent: rec.onEvent,
        onOutput: rec.onOutput,
    });
    expect(Object.keys(preview.changeSummary).filter((op) => op !== "same")).toEqual([]);
    expect(rec.policyEvents).toEqual([]);
    expect(plain(rec.stdout)).toMatch(/✅ zookeeper-docker-guardrails@v0\.1\.0/);
    findings.push("a preview with the policy pack after up: no changes, no violation");
});
