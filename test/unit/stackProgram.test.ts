/**
 * The stack program per environment: the committed stack file is validated
 * and deployed under mocks, and the entry point (stacks/index.ts) is run with
 * the configuration the Pulumi CLI would pass.
 */
import * as pulumi from "@pulumi/pulumi";
import { DOCKER_CONTAINER, DOCKER_VOLUME, RecordingMocks, envMap, isSecret, resolve, setupMocks } from "../../testkit/mocks";
import { ENVIRONMENTS, Environment, cliConfig, rawConfig } from "./stackFiles";
import { parseStackConfig, resolvePlatformSettings } from "../../stacks/config";
import { PlatformOutputs, deployPlatform } from "../../stacks/program";

async function deploy(env: Environment, raw = rawConfig(env)): Promise<{ mocks: RecordingMocks; outputs: PlatformOutputs }> {
    const mocks = setupMocks(env);
    const outputs = deployPlatform(resolvePlatformSettings(parseStackConfig(raw)));
    await resolve(outputs.zookeeperConnectionString);
    await mocks.settle(50);
    await mocks.settle(300);
    return { mocks, outputs };
}

const expectations = {
    dev: { size: 3, replicas: 1, zkBase: 21811, appBase: 18080, prometheus: 19090, grafana: 13000, memory: 256, retain: false },
    staging: { size: 3, replicas: 2, zkBase: 22811, appBase: 28080, prometheus: 29090, grafana: 23000, memory: 512, retain: false },
    prod: { size: 5, replicas: 2, zkBase: 23811, appBase: 24080, prometheus: 24090, grafana: 24000, memory: 1024, retain: true },
};

// The swarm stack has its own file (swarmStack.test.ts): services, not containers.
describe.each(ENVIRONMENTS.filter((e) => e !== "swarm") as Exclude<Environment, "swarm">[])("stack %s", (env) => {
    const want = expectations[env];
    let mocks: RecordingMocks;
    let outputs: PlatformOutputs;
    beforeAll(async () => {
        ({ mocks, outputs } = await deploy(env));
    });

    it("deploys the configured number of servers, gates, replicas and monitoring containers", () => {
        const names = mocks.byType(DOCKER_CONTAINER).map((c) => c.inputs.name as string);
        const servers = names.filter((n) => new RegExp(`^zk-${env}-\\d+$`).test(n));
        expect(servers).toHaveLength(want.size);
        expect(names.filter((n) => n.startsWith(`zk-${env}-gate-`))).toHaveLength(want.size - 1);
        expect(names.filter((n) => n.startsWith(`zk-${env}-ready-`))).toHaveLength(1);
        expect(names.filter((n) => n === `zk-${env}-preflight`)).toHaveLength(1);
        expect(names.filter((n) => /-seed$/.test(n))).toEqual(Array.from({ length: want.size }, (_, i) => `zk-${env}-${i + 1}-seed`));
        expect(names.filter((n) => new RegExp(`^app-${env}-\\d+$`).test(n))).toHaveLength(want.replicas);
        expect(names.filter((n) => n.startsWith(`mon-${env}-`)).sort()).toEqual([
            `mon-${env}-alertmanager`,
            `mon-${env}-grafana`,
            `mon-${env}-prometheus`,
        ]);
    });

    it("publishes every port on 127.0.0.1", () => {
        const bindings = mocks.byType(DOCKER_CONTAINER).flatMap((c) => (c.inputs.ports ?? []) as { ip: string }[]);
        expect(bindings.length).toBeGreaterThan(0);
        for (const binding of bindings) {
            expect(binding.ip).toBe("127.0.0.1");
        }
    });

    it("gives servers the environment's memory and heap", () => {
        const server = mocks.byType(DOCKER_CONTAINER).find((c) => c.inputs.name === `zk-${env}-1`)!;
        expect(server.inputs.memory).toBe(want.memory);
        expect(envMap(server).JVMFLAGS).toContain(`-Xmx${want.memory / 2}m`);
    });

    it(`${want.retain ? "retains" : "does not retain"} the data volumes on delete`, () => {
        const zkVolumes = mocks.byType(DOCKER_VOLUME).filter((v) => String(v.inputs.name).startsWith(`zk-${env}-`));
        expect(zkVolumes).toHaveLength(2 * want.size);
        expect(zkVolumes.every((v) => v.retainOnDelete === want.retain)).toBe(true);
    });

    it("exports the stack outputs", async () => {
        const hosts = Array.from({ length: want.size }, (_, i) => `zk-${env}-${i + 1}:2181`).join(",");
        expect(await resolve(outputs.zookeeperConnectionString)).toBe(hosts);
        expect(await resolve(outputs.zookeeperHostConnectionString!)).toBe(
            Array.from({ length: want.size }, (_, i) => `127.0.0.1:${want.zkBase + i}`).join(","),
        );
        expect(await resolve(outputs.clientAppUrls!)).toEqual(
            Array.from({ length: want.replicas }, (_, i) => `http://127.0.0.1:${want.appBase + i}`),
        );
        expect(await resolve(outputs.prometheusUrl!)).toBe(`http://127.0.0.1:${want.prometheus}`);
        expect(await resolve(outputs.grafanaUrl!)).toBe(`http://127.0.0.1:${want.grafana}`);
        expect(await isSecret(outputs.grafanaAdminPassword!)).toBe(true);
        // Every ensemble has the superuser (size changes reconfig as it), whatever its auth settings.
        expect(await isSecret(outputs.zookeeperSuperCredentials)).toBe(true);
        expect(await resolve(outputs.zookeeperSuperCredentials)).toMatch(/^super:Mock[0-9a-f]{28}$/);
    });
});

describe("stack with local images", () => {
    it("uses the local tags and runs no Grafana", async () => {
        const { mocks, outputs } = await deploy("dev", { ...rawConfig("dev"), images: { source: "local" } });
        const images = mocks.byType("docker:index/remoteImage:RemoteImage").map((r) => r.inputs.name as string);
        expect(new Set(images)).toEqual(
            new Set([
                "zkpd.local/zookeeper:3.9.4",
                "zkpd.local/prometheus:latest",
                "zkpd.local/alertmanager:latest",
                "zkpd.local/zk-client-app:latest",
            ]),
        );
        expect(mocks.byType(DOCKER_CONTAINER).some((c) => String(c.inputs.name).includes("grafana"))).toBe(false);
        expect(outputs.grafanaUrl).toBeUndefined();
        expect(outputs.grafanaAdminPassword).toBeUndefined();
        expect(Object.keys(outputs).sort()).toEqual([
            "alertmanagerUrl",
            "clientAppUrls",
            "prometheusUrl",
            "zookeeperConnectionString",
            "zookeeperHostConnectionString",
            "zookeeperSuperCredentials",
        ]);
    });

    it("exports only the connection string and the superuser's credentials when nothing is published or enabled", async () => {
        const { outputs } = await deploy("staging", { clientApp: { enabled: false }, monitoring: { enabled: false } });
        expect(Object.keys(outputs)).toEqual(["zookeeperConnectionString", "zookeeperSuperCredentials"]);
        expect(await isSecret(outputs.zookeeperSuperCredentials)).toBe(true);
    });
});

/** A custom resource of no provider, to show that a check sees a registration. */
class Probe extends pulumi.CustomResource {
    constructor(name: string) {
        super("test:index:Probe", name, {});
    }
}

describe("stacks/index.ts", () => {
    /** Runs the entry point under fresh mocks; returns the mocks also when it throws. */
    function runEntryPointCatching(
        env: Environment,
        config: Record<string, string>,
    ): { mocks: RecordingMocks; exports: Record<string, pulumi.Output<unknown>>; error?: unknown } {
        const mocks = setupMocks(env);
        pulumi.runtime.setAllConfig(config, []);
        let exported: Record<string, pulumi.Output<unknown>> = {};
        try {
            jest.isolateModules(() => {
                exported = require("../../stacks");
            });
        } catch (error) {
            return { mocks, exports: exported, error };
        }
        return { mocks, exports: exported };
    }

    function runEntryPoint(
        env: Environment,
        config: Record<string, string>,
    ): { mocks: RecordingMocks; exports: Record<string, pulumi.Output<unknown>> } {
        const { mocks, exports, error } = runEntryPointCatching(env, config);
        if (error !== undefined) {
            throw error;
        }
        return { mocks, exports };
    }

    it("reads the CLI's configuration and exports every output", async () => {
        const { mocks, exports } = runEntryPoint("dev", cliConfig("dev"));
        expect(Object.keys(exports).sort()).toEqual([
            "alertmanagerUrl",
            "clientAppUrls",
            "grafanaAdminPassword",
            "grafanaUrl",
            "prometheusUrl",
            "zookeeperConnectionString",
            "zookeeperHostConnectionString",
            "zookeeperSuperCredentials",
        ]);
        expect(await isSecret(exports.zookeeperSuperCredentials)).toBe(true);
        expect(await resolve(exports.zookeeperConnectionString)).toBe("zk-dev-1:2181,zk-dev-2:2181,zk-dev-3:2181");
        expect(await resolve(exports.alertmanagerUrl)).toBe("http://127.0.0.1:19093");
        await mocks.settle();
        expect(mocks.registrations.length).toBeGreaterThan(20);
    });

    it("refuses a bad configuration before registering any resource", async () => {
        const config = cliConfig("dev");
        config["zookeeper-platform:zookeeper"] = JSON.stringify({ size: 4, image: "zookeeper:3.9.4" });
        config["zookeeper-platform:monitoring"] = JSON.stringify({ alertWebhookUrl: "nope?token=hunter2" });
        config["zookeeper-platform:zookeepr"] = JSON.stringify({ size: 3 });
        const { mocks, error } = runEntryPointCatching("dev", config);
        expect(error).toBeInstanceOf(Error);
        // A class check would fail across jest's isolated module registries; the name is enough.
        expect((error as Error).name).toBe("StackConfigError");
        const message = (error as Error).message;
        expect(message).toContain("zookeeper.size: 4 is not allowed: must be an odd integer between 1 and 255");
        expect(message).toContain("monitoring.alertWebhookUrl: [secret] is not allowed");
        expect(message).toContain('zookeepr: {"size":3} is not allowed: unknown key');
        expect(message).not.toContain("hunter2");
        // Registrations reach the mock monitor asynchronously: wait until nothing more arrives,
        // then nothing may have been registered by the failed run.
        await mocks.settle();
        const monitor = pulumi.runtime.getMonitor() as unknown as { resources: Map<string, unknown> };
        expect(mocks.registrations.map((r) => `${r.type}::${r.name}`)).toEqual([]);
        expect(monitor.resources.size).toBe(0);
        // The same two checks see a registration on these mocks, so they can fail.
        new Probe("probe");
        await mocks.settle();
        expect(mocks.registrations.map((r) => `${r.type}::${r.name}`)).toEqual(["test:index:Probe::probe"]);
        expect(monitor.resources.size).toBe(1);
    });

    it("passes a config value that is not JSON on to validation", async () => {
        const config = cliConfig("dev");
        config["zookeeper-platform:images"] = "official";
        expect(() => runEntryPoint("dev", config)).toThrow('images: "official" is not allowed: must be an object of settings');
    });
});
