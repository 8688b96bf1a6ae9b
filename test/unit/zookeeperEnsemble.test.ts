import {
    DOCKER_NETWORK,
    DOCKER_REMOTE_IMAGE,
    DOCKER_VOLUME,
    RecordingMocks,
    envMap,
    isSecret,
    resolve,
    setupMocks,
    upload,
} from "../../testkit/mocks";

const mocks: RecordingMocks = setupMocks("dev");

// Imported after the mocks are installed, as Pulumi requires.
import { ZooKeeperEnsemble } from "../../components/zookeeper/zookeeperEnsemble";
import { PASS_MARKER } from "../../components/zookeeper/rollGates";
import { BuiltEnsemble, buildEnsemble } from "./ensembleBuild";
import { argumentProblems } from "../../testkit/argumentProblems";
import { LEGACY_TYPES, ZOOKEEPER_ENSEMBLE_TYPE, ZOOKEEPER_NODE_TYPE } from "../../components/shared/typeTokens";

function build(name: string, args: Partial<ConstructorParameters<typeof ZooKeeperEnsemble>[1]> = {}): Promise<BuiltEnsemble> {
    return buildEnsemble(mocks, name, args);
}

describe("ZooKeeperEnsemble (3 nodes, dev)", () => {
    let built: BuiltEnsemble;
    beforeAll(async () => {
        built = await build("zk", { memoryMb: 256 });
    });

    it("creates three servers named after the stack, with ids 1..3", () => {
        expect(built.nodes.map((n) => n.inputs.name)).toEqual(["zk-dev-1", "zk-dev-2", "zk-dev-3"]);
        expect(built.nodes.map((n) => n.inputs.hostname)).toEqual(["zk-dev-1", "zk-dev-2", "zk-dev-3"]);
        // The id comes from the environment; the start script writes /data/myid on the volume.
        expect(built.nodes.map((n) => envMap(n).ZOO_MY_ID)).toEqual(["1", "2", "3"]);
        for (const node of built.nodes) {
            expect((node.inputs.uploads as { file: string }[]).map((u) => u.file)).not.toContain("/data/myid");
            expect(node.inputs.entrypoints).toEqual(["/bin/bash", "/conf/start-server.sh"]);
        }
    });

    it("puts the servers on a stack-specific network under their own names", () => {
        const network = built.mine.find((r) => r.type === DOCKER_NETWORK)!;
        expect(network.inputs.name).toBe("zk-dev-net");
        for (const node of built.nodes) {
            expect(node.inputs.networksAdvanced).toEqual([{ name: "zk-dev-net", aliases: [node.inputs.hostname] }]);
        }
    });

    it("uses one image for servers and gates, by id, not the tag, so previews do not diff", async () => {
        const images = built.mine.filter((r) => r.type === DOCKER_REMOTE_IMAGE);
        expect(images.map((i) => i.name)).toEqual(["zk-image"]);
        expect(images[0].inputs).toEqual({ name: "zookeeper:3.9.4", keepLocally: true });
        // Ensembles deployed with 0.1 keep their gate image under the new name.
        expect(images[0].aliases).toEqual([expect.objectContaining({ name: "zk-gate-image" })]);
        const imageId = await resolve(built.ensemble.toolsImageId);
        expect(imageId).toMatch(/^sha256:[0-9a-f]{64}$/);
        for (const container of [...built.nodes, ...built.seeds, built.preflight, ...built.rollGates, built.readyGate]) {
            expect(container.inputs.image).toBe(imageId);
        }
    });

    it("mounts per-server data and datalog volumes that are deleted with the stack by default", () => {
        const volumes = built.mine.filter((r) => r.type === DOCKER_VOLUME);
        expect(volumes.map((v) => v.inputs.name).sort()).toEqual([
            "zk-dev-1-data",
            "zk-dev-1-datalog",
            "zk-dev-2-data",
            "zk-dev-2-datalog",
            "zk-dev-3-data",
            "zk-dev-3-datalog",
        ]);
        expect(volumes.every((v) => v.retainOnDelete === false)).toBe(true);
        expect(built.nodes[1].inputs.volumes).toEqual([
            { volumeName: "zk-dev-2-data", containerPath: "/data" },
            { volumeName: "zk-dev-2-datalog", containerPath: "/datalog" },
        ]);
    });

    it("derives the heap from the memory limit", () => {
        for (const node of built.nodes) {
            expect(node.inputs.memory).toBe(256);
            expect(node.inputs.memorySwap).toBe(256);
            expect(envMap(node).JVMFLAGS).toBe(
                "-Xmx128m -Xms128m -XX:+ExitOnOutOfMemoryError -Dzookeeper.electionPortBindRetry=0 " +
                    "-Djava.security.properties=/conf/java.security.zk " +
                    "-Dzookeeper.fastleader.minNotificationInterval=50 -Dzookeeper.leader.maxTimeToWaitForEpoch=1000 " +
                    "-Dzookeeper.leaderConnectDelayDuringRetryMs=100",
            );
            expect(envMap(node).ZK_SERVER_HEAP).toBe("128");
        }
    });

    it("uploads the JVM's DNS cache settings that JVMFLAGS names: no negative caching, 5 s positive", () => {
        for (const node of built.nodes) {
            expect(upload(node, "/conf/java.security.zk")).toBe("networkaddress.cache.ttl=5\nnetworkaddress.cache.negative.ttl=0\n");
            expect(envMap(node).JVMFLAGS).toContain("-Djava.security.properties=/conf/java.security.zk");
        }
    });

    it("checks health with srvr and the server's Mode", () => {
        const hc = built.nodes[0].inputs.healthcheck;
        expect(hc.tests[0]).toBe("CMD-SHELL");
        expect(hc.tests[1]).toContain("printf srvr | nc -w 2 127.0.0.1 2181");
        expect(hc.tests[1]).toContain("^Mode: (leader|follower|observer)");
        expect(hc.tests[1]).not.toContain("standalone");
        expect(hc.interval).toBe("2s");
    });

    it("runs servers unprivileged with rotated logs and a graceful stop", () => {
        for (const node of built.nodes) {
            expect(node.inputs.user).toBe("1000:1000");
            expect(node.inputs.capabilities).toEqual({ drops: ["ALL"] });
            expect(node.inputs.restart).toBe("unless-stopped");
            expect(node.inputs.logDriver).toBe("json-file");
            expect(node.inputs.logOpts).toEqual({ "max-size": "10m", "max-file": "3" });
            expect(node.inputs.destroyGraceSeconds).toBe(30);
            expect(node.inputs.stopTimeout).toBe(30);
            expect(node.deleteBeforeReplace).toBe(true);
        }
        expect(built.nodes[2].inputs.labels).toEqual(
            expect.arrayContaining([
                { label: "zookeeper-docker.stack", value: "dev" },
                { label: "zookeeper-docker.component", value: "zookeeper" },
                { label: "zookeeper-docker.server-id", value: "3" },
            ]),
        );
    });

    it("publishes no port unless asked", () => {
        for (const node of built.nodes) {
            expect(node.inputs.ports ?? []).toEqual([]);
        }
    });

    it("keeps the gates off everything but the containers, so components, volumes and images register at once", () => {
        const gateUrns = built.rollGates.map((g) => g.urn);
        const others = mocks.registrations.filter(
            (r) =>
                r.urn.includes("::zk-") &&
                (r.type === ZOOKEEPER_NODE_TYPE ||
                    r.type.startsWith("docker:index/volume") ||
                    r.type.startsWith("docker:index/remoteImage")),
        );
        expect(others.filter((r) => r.type === ZOOKEEPER_NODE_TYPE).length).toBeGreaterThanOrEqual(3);
        for (const r of others) {
            expect(r.dependencies.filter((u) => gateUrns.includes(u))).toEqual([]);
        }
    });

    it("makes gates one-shot containers whose failure fails the update", () => {
        for (const gate of [...built.rollGates, built.readyGate, built.preflight, ...built.seeds]) {
            expect(gate.inputs).toEqual(
                expect.objectContaining({
                    mustRun: false,
                    rm: false,
                    wait: true,
                    waitTimeout: 135,
                    entrypoints: ["/bin/bash", "-c"],
                    // zkCli.sh is a JVM.
                    memory: 192,
                }),
            );
            expect(gate.inputs.healthcheck.tests).toEqual(["CMD-SHELL", `test -f ${PASS_MARKER} && touch ${PASS_MARKER}-seen`]);
            // The provider returns once the marker is seen, not after the gate's linger.
            expect(gate.inputs.attach).toBeUndefined();
            expect(gate.inputs.healthcheck.interval).toBe("250ms");
            expect(gate.inputs.networksAdvanced).toEqual([{ name: "zk-dev-net" }]);
        }
        // Unique per replacement: the name carries the target's id.
        expect(built.rollGates[0].inputs.name).toBe(`zk-dev-gate-1-${built.nodes[0].id.substring(0, 12)}`);
    });

    it("waits for the whole ensemble in a ready gate that depends on every server", () => {
        const ids = built.nodes.map((n) => n.id);
        expect(envMap(built.readyGate).TARGET_CONTAINER_IDS).toBe(ids.join(","));
        for (const node of built.nodes) {
            expect(built.readyGate.dependencies).toContain(node.urn);
        }
        expect(built.readyGate.inputs.command[0]).toContain('hosts="zk-dev-1 zk-dev-2 zk-dev-3"');
        expect(built.readyGate.inputs.command[0]).toContain("\nids=1,2,3\n");
    });

    it("exposes connection strings, the servers and the network", async () => {
        expect(await resolve(built.ensemble.connectionString)).toBe("zk-dev-1:2181,zk-dev-2:2181,zk-dev-3:2181");
        expect(await resolve(built.ensemble.hostConnectionString)).toBeUndefined();
        expect(built.ensemble.nodes.map((n) => n.serverId)).toEqual([1, 2, 3]);
        expect(await resolve(built.ensemble.servers)).toEqual([
            { id: 1, host: "zk-dev-1", clientPort: 2181 },
            { id: 2, host: "zk-dev-2", clientPort: 2181 },
            { id: 3, host: "zk-dev-3", clientPort: 2181 },
        ]);
        expect(await resolve(built.ensemble.networkName)).toBe("zk-dev-net");
        expect(built.ensemble.size).toBe(3);
        expect(built.ensemble.namePrefix).toBe("zk-dev");
        expect(built.ensemble.quorumSasl).toBe(false);
        expect(built.ensemble.clientDigest).toBe(false);
        // Every ensemble has the superuser: size changes reconfig as it.
        expect(await resolve(built.ensemble.superUser)).toBe("super");
        expect(await isSecret(built.ensemble.superPassword)).toBe(true);
    });

    it("registers under the package's type tokens, with the 0.1 tokens as aliases", () => {
        const component = built.mine.find((r) => r.name === "zk")!;
        expect(component.type).toBe(ZOOKEEPER_ENSEMBLE_TYPE);
        expect(component.type).toBe("pulumi-zookeeper-docker:index:ZooKeeperEnsemble");
        expect(component.aliases).toEqual([expect.objectContaining({ type: LEGACY_TYPES.ZooKeeperEnsemble })]);
        const node = built.mine.find((r) => r.name === "zk-1")!;
        expect(node.type).toBe("pulumi-zookeeper-docker:index:ZooKeeperNode");
        expect(node.aliases).toEqual(expect.arrayContaining([expect.objectContaining({ type: "zookeeper-docker:index:ZooKeeperNode" })]));
    });
});

describe("ZooKeeperEnsemble options", () => {
    it("publishes client and metrics ports on 127.0.0.1 from the bases", async () => {
        const { nodes, ensemble } = await build("zkp", { clientHostPortBase: 21811, metricsHostPortBase: 17001 });
        expect(nodes.map((n) => n.inputs.ports)).toEqual(
            [1, 2, 3].map((i) => [
                { internal: 2181, external: 21810 + i, ip: "127.0.0.1", protocol: "tcp" },
                { internal: 7000, external: 17000 + i, ip: "127.0.0.1", protocol: "tcp" },
            ]),
        );
        expect(await resolve(ensemble.hostConnectionString)).toBe("127.0.0.1:21811,127.0.0.1:21812,127.0.0.1:21813");
    });

    it("binds to another address only when given explicitly", async () => {
        const { nodes } = await build("zkip", { clientHostPortBase: 22811, hostIp: "0.0.0.0" });
        expect(nodes.map((n) => n.inputs.ports[0].ip)).toEqual(["0.0.0.0", "0.0.0.0", "0.0.0.0"]);
    });

    it("retains the data volumes on delete when asked", async () => {
        const { mine } = await build("zkr", { retainDataOnDelete: true });
        const volumes = mine.filter((r) => r.type === DOCKER_VOLUME);
        expect(volumes).toHaveLength(6);
        expect(volumes.every((v) => v.retainOnDelete)).toBe(true);
    });

    it.each([4, 0, 256, 2.5])("refuses size %p before registering anything", async (size) => {
        await mocks.settle(50);
        const before = mocks.registrations.length;
        expect(() => new ZooKeeperEnsemble("bad", { image: "zookeeper:3.9.4", size })).toThrow(
            `ZooKeeperEnsemble "bad": invalid arguments (1 problem):\n  - size: ${size} is not allowed: must be an odd integer between 1 and 255`,
        );
        await mocks.settle(50);
        expect(mocks.registrations.slice(before).map((r) => r.name)).toEqual([]);
    });

    it("refuses extra config that overrides a managed key", () => {
        expect(
            argumentProblems(() => new ZooKeeperEnsemble("bad", { image: "zookeeper:3.9.4", extraConfig: { clientPort: "1234" } })),
        ).toEqual(['extraConfig.clientPort: "1234" is not allowed: is managed by zookeeper-docker and cannot be overridden']);
    });

    it("refuses port bases that run past 65535", () => {
        expect(argumentProblems(() => new ZooKeeperEnsemble("bad", { image: "zookeeper:3.9.4", clientHostPortBase: 65534 }))).toEqual([
            "clientHostPortBase: 65534 is not allowed: ports 65534-65536 for 3 servers must end at or below 65535",
        ]);
    });

    it("reports every problem at once", () => {
        expect(
            argumentProblems(() => new ZooKeeperEnsemble("bad", { image: "Not An Image", memoryMb: 64, rollTimeoutSeconds: 5 })),
        ).toEqual([
            'image: "Not An Image" is not allowed: must be a Docker image reference such as zookeeper:3.9.4',
            "memoryMb: 64 is not allowed: must be an integer number of MB between 128 and 65536",
            "rollTimeoutSeconds: 5 is not allowed: must be an integer number of seconds between 10 and 3600",
        ]);
    });
});
