/**
 * The committed `swarm` stack under mocks: one service per server pinned to its own node, volumes
 * and one-shot steps through that node's provider, gates keyed on the rendered spec, files as
 * swarm configs and secrets with content-hashed names, and nothing published unless asked for.
 */
import { DOCKER_CONTAINER, DOCKER_VOLUME, RecordingMocks, Registration, resolve, setupMocks } from "../../testkit/mocks";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { rawConfig } from "./stackFiles";
import { StackConfigError, parseStackConfig, resolvePlatformSettings } from "../../stacks/config";
import { PlatformOutputs, deployPlatform } from "../../stacks/program";
import { renderServerTask } from "../../components/swarm/serverService";
import { ZOOKEEPER_HEALTHCHECK_TEST, ZOOKEEPER_LIVENESS_TEST } from "../../components/zookeeper/zookeeperNode";
import { renderZooCfg } from "../../components/zookeeper/zooCfg";
import {
    checkCapabilities,
    checkEnsembleSize,
    checkMemoryLimit,
    checkNoDockerSocket,
    checkNoLiteralSecretEnv,
    checkNonRootUser,
    checkPublishedPorts,
    checkServerCounts,
    checkServicePorts,
    serviceAsContainer,
} from "../../policy/rules";
import { ZOOKEEPER_SWARM_ENSEMBLE_TYPE } from "../../components/shared/typeTokens";
import { ZOOKEEPER_IMAGE_VOLUMES } from "../../components/shared/containerConventions";

const SERVICE = "docker:index/service:Service";
const PROVIDER = "pulumi:providers:docker";
const SERVICE_CONFIG = "docker:index/serviceConfig:ServiceConfig";
const SECRET = "docker:index/secret:Secret";

async function deploy(raw: Record<string, unknown>): Promise<{ mocks: RecordingMocks; outputs: PlatformOutputs }> {
    const mocks = setupMocks("swarm");
    const outputs = deployPlatform(resolvePlatformSettings(parseStackConfig(raw)));
    await resolve(outputs.zookeeperConnectionString);
    await mocks.settle(50);
    await mocks.settle(300);
    return { mocks, outputs };
}

/** The host of the docker provider a resource was registered with. */
function hostOf(mocks: RecordingMocks, reg: Registration): string {
    const urn = reg.provider.split("::").slice(0, -1).join("::");
    const provider = mocks.byType(PROVIDER).find((p) => p.urn === urn);
    if (!provider) throw new Error(`${reg.name} has no explicit provider (${reg.provider})`);
    return provider.inputs.host as string;
}

const socket = (label: string) => `unix:///run/zkmh-${label}/docker.sock`;
const NETWORK = "docker:index/network:Network";

describe("stack swarm", () => {
    let mocks: RecordingMocks;
    let outputs: PlatformOutputs;
    beforeAll(async () => {
        ({ mocks, outputs } = await deploy(rawConfig("swarm")));
    });
    const service = (name: string) => mocks.byType(SERVICE).find((s) => s.inputs.name === name)!;

    it("runs one service per server, each pinned to its own node, with dnsrr and stop-first updates", () => {
        const servers = mocks.byType(SERVICE).filter((s) => /^zk-swarm-\d+$/.test(s.inputs.name));
        expect(servers.map((s) => [s.inputs.name, s.inputs.taskSpec.placement.constraints])).toEqual([
            ["zk-swarm-1", ["node.labels.zookeeper-docker.host==h1"]],
            ["zk-swarm-2", ["node.labels.zookeeper-docker.host==h2"]],
            ["zk-swarm-3", ["node.labels.zookeeper-docker.host==h3"]],
        ]);
        for (const s of servers) {
            expect(s.inputs.endpointSpec.mode).toBe("dnsrr");
            expect(s.inputs.updateConfig.order).toBe("stop-first");
            expect(s.inputs.mode.replicated.replicas).toBe(1);
            // Every service goes through the manager's daemon.
            expect(hostOf(mocks, s)).toBe(socket("h1"));
        }
    });

    it("creates each server's volumes and seed step through its own node's provider, retained on delete", () => {
        for (const [id, label] of [
            [1, "h1"],
            [2, "h2"],
            [3, "h3"],
        ] as const) {
            const volumes = mocks.byType(DOCKER_VOLUME).filter((v) => String(v.inputs.name).startsWith(`zk-swarm-${id}-`));
            expect(volumes.map((v) => v.inputs.name).sort()).toEqual([`zk-swarm-${id}-data`, `zk-swarm-${id}-datalog`]);
            for (const v of volumes) {
                expect(hostOf(mocks, v)).toBe(socket(label));
                expect(v.retainOnDelete).toBe(true);
            }
            const seed = mocks.byType(DOCKER_CONTAINER).find((c) => c.inputs.name === `zk-swarm-${id}-seed`)!;
            expect(hostOf(mocks, seed)).toBe(socket(label));
        }
    });

    it("keys roll gate i on server i's spec hash, and server i+1's service waits for it", () => {
        const gates = mocks.byType(DOCKER_CONTAINER).filter((c) => String(c.inputs.name).startsWith("zk-swarm-gate-"));
        expect(gates).toHaveLength(2);
        for (const id of [1, 2]) {
            const hash = service(`zk-swarm-${id}`).inputs.labels.find((l: { label: string }) => l.label.endsWith("spec-hash")).value;
            expect(hash).toMatch(/^[0-9a-f]{12}$/);
            const gate = gates.find((g) => g.inputs.name === `zk-swarm-gate-${id}-${hash}`)!;
            expect(gate.inputs.envs).toContain(`TARGET_SPEC=${hash}`);
            expect(gate.dependencies).toContain(service(`zk-swarm-${id}`).urn);
            expect(service(`zk-swarm-${id + 1}`).dependencies).toContain(gate.urn);
        }
    });

    it("carries zoo.cfg, the start script and the credentials as swarm configs and secrets named by content", () => {
        const configs = mocks.byType(SERVICE_CONFIG).filter((c) => String(c.inputs.name).startsWith("zk-swarm-2-"));
        expect(configs.map((c) => String(c.inputs.name).replace(/-[0-9a-f]{10}$/, "")).sort()).toEqual([
            "zk-swarm-2-jvm-security",
            "zk-swarm-2-start",
            "zk-swarm-2-zoo-cfg",
        ]);
        const zooCfg = configs.find((c) => String(c.inputs.name).startsWith("zk-swarm-2-zoo-cfg-"))!;
        const text = Buffer.from(zooCfg.inputs.data, "base64").toString("utf8");
        expect(text).toContain("tickTime=500");
        expect(text).toContain("syncLimit=4");
        const secrets = mocks.byType(SECRET).filter((c) => String(c.inputs.name).startsWith("zk-swarm-2-"));
        expect(secrets.map((c) => String(c.inputs.name).replace(/-[0-9a-f]{10}$/, "")).sort()).toEqual([
            "zk-swarm-2-jaas",
            "zk-swarm-2-super-digest",
        ]);
        for (const s of secrets) expect(s.secretInputs).toContain("data");
        const spec = service("zk-swarm-2").inputs.taskSpec.containerSpec;
        expect(spec.secrets.map((s: { secretName: string }) => s.secretName).sort()).toEqual(secrets.map((s) => s.inputs.name).sort());
        expect(JSON.stringify(spec.env)).not.toMatch(/Mock[0-9a-f]{28}/);
    });

    it("runs two app replicas, at most one per node, with a replica id per task slot", () => {
        const app = service("app-swarm");
        expect(app.inputs.mode.replicated.replicas).toBe(2);
        expect(app.inputs.taskSpec.placement.maxReplicas).toBe(1);
        expect(app.inputs.taskSpec.containerSpec.hostname).toBe("app-swarm-{{.Task.Slot}}");
        expect(app.inputs.taskSpec.containerSpec.env.REPLICA_ID).toBe("app-swarm-{{.Task.Slot}}");
    });

    it("runs Prometheus and Alertmanager on the manager, and mounts no docker socket anywhere", () => {
        for (const name of ["mon-swarm-prometheus", "mon-swarm-alertmanager"]) {
            expect(service(name).inputs.taskSpec.placement.constraints).toEqual(["node.labels.zookeeper-docker.host==h1"]);
        }
        const mounts = mocks
            .byType(SERVICE)
            .flatMap((s) => (s.inputs.taskSpec.containerSpec.mounts ?? []) as { source: string }[])
            .concat(mocks.byType(DOCKER_CONTAINER).flatMap((c) => (c.inputs.volumes ?? []) as { source: string }[]));
        expect(mounts.length).toBeGreaterThan(0);
        expect(mounts.filter((m) => String(m.source ?? "").includes("docker.sock"))).toEqual([]);
    });

    it("leaves no zookeeper image VOLUME path of a server task or one-shot container to an anonymous volume", () => {
        const dockerfile = fs.readFileSync(path.join(__dirname, "../../scripts/images/zookeeper/Dockerfile"), "utf8");
        expect(JSON.parse(/^VOLUME (\[.*\])$/m.exec(dockerfile)![1])).toEqual(ZOOKEEPER_IMAGE_VOLUMES);
        const servers = mocks.byType(SERVICE).filter((s) => /^zk-swarm-\d+$/.test(s.inputs.name));
        expect(servers).toHaveLength(3);
        for (const s of servers) {
            const mounts: Array<{ type: string; target: string }> = s.inputs.taskSpec.containerSpec.mounts;
            expect(mounts.map((m) => `${m.type} ${m.target}`).sort()).toEqual(["tmpfs /logs", "volume /data", "volume /datalog"]);
        }
        const oneShots = mocks.byType(DOCKER_CONTAINER);
        // The pre-flight check, three seed steps, two roll gates and the ready gate.
        expect(oneShots).toHaveLength(7);
        for (const c of oneShots) {
            const volumePaths = (c.inputs.volumes ?? []).map((v: { containerPath: string }) => v.containerPath);
            const covered = [...volumePaths, ...Object.keys(c.inputs.tmpfs ?? {})].filter((p) => ZOOKEEPER_IMAGE_VOLUMES.includes(p));
            expect([c.inputs.name, covered.sort()]).toEqual([c.inputs.name, [...ZOOKEEPER_IMAGE_VOLUMES].sort()]);
        }
    });

    it("publishes host-mode ports only, and exports the hosts' addresses", async () => {
        const ports = mocks.byType(SERVICE).flatMap((s) => s.inputs.endpointSpec.ports ?? []);
        expect(ports.length).toBe(3 * 2 + 1 + 2);
        expect(ports.every((p: { publishMode: string }) => p.publishMode === "host")).toBe(true);
        expect(await resolve(outputs.zookeeperHostConnectionString!)).toBe("10.213.0.11:25811,10.213.0.12:25812,10.213.0.13:25813");
        expect(await resolve(outputs.prometheusUrl!)).toBe("http://10.213.0.11:25090");
        expect(await resolve(outputs.zookeeperServerNodes!)).toEqual({ "1": "h1", "2": "h2", "3": "h3" });
    });
});

describe("stack swarm with a secret webhook: the policy pack's guardrails", () => {
    const WEBHOOK_TOKEN = "swarmWebhookToken0123456789";
    let mocks: RecordingMocks;
    beforeAll(async () => {
        const raw = rawConfig("swarm");
        const monitoring = {
            ...(raw.monitoring as Record<string, unknown>),
            alertWebhookUrl: `https://hooks.example.test/a?token=${WEBHOOK_TOKEN}`,
        };
        ({ mocks } = await deploy({ ...raw, monitoring }));
    });

    it("every service task and every one-shot container passes the container rules, and services publish in host mode", () => {
        const container = (props: Record<string, unknown>) => [
            ...checkMemoryLimit(props),
            ...checkNonRootUser(props),
            ...checkCapabilities(props),
            ...checkNoDockerSocket(props),
            ...checkNoLiteralSecretEnv(props),
        ];
        const services = mocks.byType(SERVICE);
        expect(services).toHaveLength(6);
        for (const s of services) {
            const problems = [...container(serviceAsContainer(s.inputs)), ...checkServicePorts(s.inputs)];
            expect({ service: s.inputs.name, problems }).toEqual({ service: s.inputs.name, problems: [] });
        }
        for (const c of mocks.byType(DOCKER_CONTAINER)) {
            const problems = [...container(c.inputs), ...checkPublishedPorts(c.inputs)];
            expect({ container: c.inputs.name, problems }).toEqual({ container: c.inputs.name, problems: [] });
        }
        const serverServices = services.map((s) => ({ name: s.name, props: s.inputs }));
        expect(checkServerCounts(serverServices)).toEqual([]);
        expect(checkServerCounts(serverServices.filter((s) => s.props.name !== "zk-swarm-1"))[0]).toMatch(
            /^ensemble zk-swarm has 2 server containers/,
        );
        const ensembles = mocks.byType(ZOOKEEPER_SWARM_ENSEMBLE_TYPE);
        expect(ensembles.map((e) => e.name)).toEqual(["zk"]);
        expect(checkEnsembleSize(ensembles[0].inputs)).toEqual([]);
    });

    it("hands the passwords and the webhook token over only as swarm secrets", () => {
        const secrets = mocks.byType(SECRET);
        const alertmanager = secrets.filter((s) => String(s.inputs.name).startsWith("mon-swarm-alertmanager"));
        expect(alertmanager).toHaveLength(1);
        expect(Buffer.from(alertmanager[0].inputs.data, "base64").toString("utf8")).toContain(WEBHOOK_TOKEN);
        for (const s of secrets)
            expect({ secret: s.inputs.name, inputs: s.secretInputs }).toEqual({ secret: s.inputs.name, inputs: ["data"] });
        const elsewhere = mocks.registrations.filter((r) => r.type !== SECRET && JSON.stringify(r.inputs).includes(WEBHOOK_TOKEN));
        expect(elsewhere.map((r) => r.name)).toEqual([]);
        const password = (mocks.byType("random:index/randomPassword:RandomPassword")[0] ?? { name: "" }).name;
        expect(password).not.toBe("");
    });
});

describe("swarm without publishHostPorts", () => {
    it("publishes nothing and refuses host ports, naming each key", () => {
        const raw = rawConfig("swarm");
        const swarm = { ...(raw.swarm as Record<string, unknown>), publishHostPorts: false };
        expect(() => parseStackConfig({ ...raw, swarm })).toThrow(StackConfigError);
        let message = "";
        try {
            parseStackConfig({ ...raw, swarm });
        } catch (error) {
            message = (error as Error).message;
        }
        expect(message).toContain("zookeeper.clientHostPortBase: 25811 is not allowed");
        expect(message).toContain("monitoring.prometheusHostPort: 25090 is not allowed");
    });

    it("deploys with no published port when none is asked for", async () => {
        const raw = rawConfig("swarm");
        const { mocks } = await deploy({
            ...raw,
            swarm: { ...(raw.swarm as Record<string, unknown>), publishHostPorts: false },
            zookeeper: { size: 3, tickTime: 500, syncLimit: 4 },
            clientApp: { replicas: 2 },
            monitoring: { grafanaEnabled: false },
        });
        expect(mocks.byType(SERVICE).length).toBe(6);
        expect(mocks.byType(SERVICE).flatMap((s) => s.inputs.endpointSpec.ports ?? [])).toEqual([]);
    });
});

describe("swarm stack validation", () => {
    const problems = (patch: Record<string, unknown>) => {
        try {
            parseStackConfig({ ...rawConfig("swarm"), ...patch });
        } catch (error) {
            return (error as Error).message;
        }
        return "";
    };
    const swarm = rawConfig("swarm").swarm as { nodes: unknown[] };

    it("refuses fewer distinct nodes than servers", () => {
        expect(problems({ swarm: { ...swarm, nodes: swarm.nodes.slice(0, 2) } })).toContain(
            "is not allowed: lists 2 distinct nodes, fewer than the 3 servers of zookeeper.size",
        );
    });

    it("refuses a node that is not a docker host, and an unknown manager", () => {
        const bad = [{ label: "h1", host: "http://h1" }, ...swarm.nodes.slice(1)];
        expect(problems({ swarm: { ...swarm, nodes: bad } })).toContain(
            'swarm.nodes.0.host: "http://h1" is not allowed: must be a docker host',
        );
        expect(problems({ swarm: { ...swarm, manager: "h9" } })).toContain(
            'swarm.manager: "h9" is not allowed: must be the label of one of the nodes (h1, h2, h3)',
        );
    });

    it("refuses a host address to publish on, which a swarm cannot bind to", () => {
        const zookeeper = { ...(rawConfig("swarm").zookeeper as Record<string, unknown>), hostIp: "127.0.0.1" };
        expect(problems({ zookeeper })).toContain('zookeeper.hostIp: "127.0.0.1" is not allowed: must be left out in swarm mode');
    });
});

/** A server task's zoo.cfg settings as the swarm stack renders them. */
const TASK_ZOO_CFG = {
    tickTime: 500,
    initLimit: 20,
    syncLimit: 4,
    maxClientCnxns: 60,
    autopurgeIntervalHours: 1,
    autopurgeSnapRetainCount: 3,
    fourLetterWords: ["ruok", "srvr"],
    servers: [1, 2, 3].map((id) => ({ id, host: `zk-${id}` })),
    quorumSasl: true,
};
const TASK_BASE = { id: 2, host: "zk-2", image: "zookeeper:3.9.4", zooCfg: TASK_ZOO_CFG, memoryMb: 256, nodeLabel: "h2", quorumSasl: true };

describe("renderServerTask", () => {
    const zooCfg = TASK_ZOO_CFG;
    const base = TASK_BASE;

    it("pins the task to its node and renders the ensemble's zoo.cfg", () => {
        const task = renderServerTask(base as never);
        expect(task.constraint).toBe("node.labels.zookeeper-docker.host==h2");
        expect(task.configs["zoo-cfg"].content).toBe(renderZooCfg(zooCfg as never));
        expect(task.env.ZOO_MY_ID).toBe("2");
        expect(task.memoryBytes).toBe(256 * 1024 * 1024);
        expect(task.ports).toEqual([]);
        expect(Object.keys(task.secretFiles).sort()).toEqual(["jaas", "super-digest"]);
    });

    it("changes its hash with any one setting, and only then", () => {
        const hash = renderServerTask(base as never).specHash;
        expect(renderServerTask(base as never).specHash).toBe(hash);
        for (const changed of [
            { ...base, zooCfg: { ...zooCfg, tickTime: 2000 } },
            { ...base, memoryMb: 512 },
            { ...base, image: "zookeeper:3.9.5" },
            { ...base, nodeLabel: "h3" },
            { ...base, clientHostPort: 25812 },
        ]) {
            expect(renderServerTask(changed as never).specHash).not.toBe(hash);
        }
    });
});

describe("the swarm server's health check", () => {
    // A stand-in `nc` that prints what a server's srvr would (or nothing: the server is down).
    const bin = fs.mkdtempSync(path.join(os.tmpdir(), "zk-liveness-"));
    fs.writeFileSync(path.join(bin, "nc"), '#!/bin/sh\ncat >/dev/null\nprintf "%s" "$SRVR"\n', { mode: 0o755 });
    const passes = (test: readonly string[], srvr: string) => {
        try {
            execFileSync("/bin/sh", ["-c", test[1]], { env: { PATH: `${bin}:/usr/bin:/bin`, SRVR: srvr }, stdio: "ignore" });
            return true;
        } catch {
            return false;
        }
    };
    const following = "Zookeeper version: 3.9.4\nLatency min/avg/max: 0/0.0/0\nMode: follower\nNode count: 5\n";
    const waiting = "This ZooKeeper instance is not currently serving requests\n";

    it("passes for a server that serves, and for one that waits for its peers, unlike the readiness check", () => {
        expect(ZOOKEEPER_LIVENESS_TEST[0]).toBe("CMD-SHELL");
        expect([passes(ZOOKEEPER_LIVENESS_TEST, following), passes(ZOOKEEPER_LIVENESS_TEST, waiting)]).toEqual([true, true]);
        expect([passes(ZOOKEEPER_HEALTHCHECK_TEST, following), passes(ZOOKEEPER_HEALTHCHECK_TEST, waiting)]).toEqual([true, false]);
    });

    it("fails for a server that does not answer", () => {
        expect(passes(ZOOKEEPER_LIVENESS_TEST, "")).toBe(false);
    });

    it("is what every server task runs", () => {
        const task = renderServerTask(TASK_BASE as never);
        expect(task.healthcheck.tests).toEqual([...ZOOKEEPER_LIVENESS_TEST]);
    });
});

describe("the swarm ensemble's overlay network", () => {
    const networkOf = async (encryptedOverlay: boolean) => {
        const raw = rawConfig("swarm");
        const { mocks } = await deploy({ ...raw, swarm: { ...(raw.swarm as Record<string, unknown>), encryptedOverlay } });
        const networks = mocks.byType(NETWORK);
        expect(networks).toHaveLength(1);
        return networks[0];
    };

    it("carries the encryption in its name, so turning it on or off replaces the network", async () => {
        const plain = await networkOf(false);
        expect([plain.inputs.name, plain.inputs.options ?? {}]).toEqual(["zk-swarm-net", {}]);
        const encrypted = await networkOf(true);
        expect([encrypted.inputs.name, encrypted.inputs.options]).toEqual(["zk-swarm-encrypted-net", { encrypted: "true" }]);
    });
});
