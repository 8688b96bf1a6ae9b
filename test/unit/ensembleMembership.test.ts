/**
 * Membership under mocks: servers start from a template without server lines and a seed step on
 * their data volume, so a size change touches no staying server's container; the pre-flight check,
 * the seeds, the servers and the gates run in one dependsOn chain; the gates that reconfigure get
 * the superuser's credentials.
 */
import { Registration, mockPassword, envMap, setupMocks, upload } from "../../testkit/mocks";

let mocks = setupMocks("dev");

// Imported after the mocks are installed, as Pulumi requires.
import { renderMemberLine } from "../../components/zookeeper/gateShell";
import { zooKeeperEnsembleArgsSchema } from "../../components/zookeeper/schema";
import { computeSettingsHash } from "../../components/zookeeper/zookeeperEnsemble";
import { BuiltEnsemble, buildEnsemble, propertyDependencyUrns, seedMembers, serverLines, uploadedFiles } from "./ensembleBuild";

/** The value of a shell assignment `NAME=...` on a line of its own in a script. */
function assigned(script: string, name: string): string | undefined {
    return new RegExp(`^${name}=(.*)$`, "m").exec(script)?.[1];
}

describe("ensemble of 3 (dev)", () => {
    let built: BuiltEnsemble;
    beforeAll(async () => {
        built = await buildEnsemble(mocks, "zk", { memoryMb: 256 });
    });

    it("gives every server the identical zoo.cfg template and start script, with no server line", () => {
        const template = upload(built.nodes[0], "/conf/zoo.cfg.template");
        expect(serverLines(template)).toEqual([]);
        expect(template).toContain("\nstandaloneEnabled=false\nreconfigEnabled=true\n");
        for (const node of built.nodes) {
            expect(upload(node, "/conf/zoo.cfg.template")).toBe(template);
            expect(upload(node, "/conf/start-server.sh")).toBe(upload(built.nodes[0], "/conf/start-server.sh"));
            expect(uploadedFiles(node)).not.toContain("/conf/zoo.cfg");
        }
    });

    it("seeds each server with exactly the members 1..3, on its own data volume", () => {
        const expected = [1, 2, 3].map((i) => renderMemberLine(i, `zk-dev-${i}`));
        expect(expected[1]).toBe("server.2=zk-dev-2:2888:3888:participant;2181");
        expect(built.seeds.map((s) => s.inputs.name)).toEqual(["zk-dev-1-seed", "zk-dev-2-seed", "zk-dev-3-seed"]);
        built.seeds.forEach((seed, i) => {
            expect(seedMembers(seed)).toEqual(expected);
            expect(seed.inputs.command[0]).toContain(`own_line='${expected[i]}'`);
            expect(seed.inputs.volumes).toEqual([{ volumeName: `zk-dev-${i + 1}-data`, containerPath: "/data" }]);
            expect(seed.inputs.labels).toEqual(expect.arrayContaining([{ label: "zookeeper-docker.component", value: "seed" }]));
        });
    });

    it("runs every seed step after the pre-flight check, and chains server i, gate i, server i+1 through dependsOn only", () => {
        expect(built.rollGates).toHaveLength(2);
        built.nodes.forEach((node, i) => {
            expect(node.dependencies).toContain(built.seeds[i].urn);
            expect(propertyDependencyUrns(node)).not.toContain(built.seeds[i].urn);
            // Every seed waits for the pre-flight check only: they all run at the start of an update.
            expect(built.seeds[i].dependencies.filter((u) => /gate|preflight/.test(u))).toEqual([built.preflight.urn]);
            expect(propertyDependencyUrns(built.seeds[i])).not.toContain(built.preflight.urn);
        });
        expect(built.nodes[0].dependencies.filter((u) => /gate|preflight/.test(u))).toEqual([built.preflight.urn]);
        for (let i = 0; i < 2; i++) {
            const gate = built.rollGates[i];
            const node = built.nodes[i];
            const nextNode = built.nodes[i + 1];
            expect(envMap(gate).TARGET_CONTAINER_ID).toBe(node.id);
            expect(propertyDependencyUrns(gate)).toContain(node.urn);
            expect(nextNode.dependencies.filter((u) => /gate|preflight/.test(u))).toEqual([gate.urn]);
            expect(propertyDependencyUrns(nextNode)).not.toContain(gate.urn);
            expect(gate.inputs.command[0]).toContain("target=zk-dev-" + (i + 1));
            // The gate reads its server's membership from the server's data volume, read-only.
            expect(gate.inputs.volumes).toEqual([{ volumeName: `zk-dev-${i + 1}-data`, containerPath: "/data", readOnly: true }]);
        }
        expect(built.preflight.inputs.name).toBe("zk-dev-preflight");
        expect(built.preflight.inputs.labels).toEqual(
            expect.arrayContaining([{ label: "zookeeper-docker.component", value: "preflight" }]),
        );
    });

    it("gives the gates that reconfigure the superuser's credentials as a secret file, and the others none", () => {
        const secret = `SUPER_AUTH='super:${mockPassword("zk-super-password")}'\n`;
        for (const gate of [...built.rollGates, built.readyGate]) {
            expect(upload(gate, "/run/secrets/zookeeper_super")).toBe(secret);
            expect(gate.secretInputs).toContain("uploads");
        }
        for (const oneShot of [built.preflight, ...built.seeds]) {
            expect(uploadedFiles(oneShot)).toEqual([]);
            expect(oneShot.secretInputs).toEqual([]);
        }
    });

    it("checks and records the same settings hash and the wanted members in the pre-flight check and the ready gate", () => {
        const script = built.preflight.inputs.command[0] as string;
        const hash = assigned(script, "settings")!;
        expect(hash).toMatch(/^[0-9a-f]{12}$/);
        expect(assigned(script, "ids")).toBe("1,2,3");
        expect(assigned(script, "prefix")).toBe("zk-dev");
        expect(assigned(built.readyGate.inputs.command[0], "record")).toBe(`'members=1,2,3;settings=${hash}'`);
        expect(envMap(built.preflight).SERVERS).toBe("3");
    });
});

describe("other sizes", () => {
    it("seeds five servers with the same five members, and no server line in any template", async () => {
        const { nodes, rollGates, seeds } = await buildEnsemble(mocks, "zk5", { size: 5 });
        const expected = [1, 2, 3, 4, 5].map((i) => `server.${i}=zk5-dev-${i}:2888:3888:participant;2181`);
        expect(nodes).toHaveLength(5);
        expect(seeds).toHaveLength(5);
        for (const seed of seeds) {
            expect(seedMembers(seed)).toEqual(expected);
        }
        for (const node of nodes) {
            expect(serverLines(upload(node, "/conf/zoo.cfg.template"))).toEqual([]);
        }
        expect(rollGates).toHaveLength(4);
    });

    it("runs a single server as a quorum of one, without roll gates", async () => {
        const { nodes, rollGates, readyGate, seeds } = await buildEnsemble(mocks, "solo", { size: 1 });
        expect(nodes).toHaveLength(1);
        const template = upload(nodes[0], "/conf/zoo.cfg.template");
        expect(serverLines(template)).toEqual([]);
        expect(template).toContain("standaloneEnabled=false\n");
        expect(template).toContain("reconfigEnabled=true\n");
        expect(seeds.map((s) => seedMembers(s))).toEqual([["server.1=solo-dev-1:2888:3888:participant;2181"]]);
        expect(rollGates).toHaveLength(0);
        expect(readyGate.inputs.command[0]).toContain('hosts="solo-dev-1"');
        expect(readyGate.inputs.command[0]).toContain("\nids=1\n");
    });
});

describe("computeSettingsHash", () => {
    const hash = (args: object) => computeSettingsHash(zooKeeperEnsembleArgsSchema.parse({ image: "zookeeper:3.9.4", ...args }));

    it("ignores what a size change may change alone: size, the roll timeout, the network", () => {
        expect(hash({ size: 5 })).toBe(hash({}));
        expect(hash({ size: 1, rollTimeoutSeconds: 300, networkName: "other-net" })).toBe(hash({}));
    });

    it("changes with any server setting, nested ones included, whatever the order of their keys", () => {
        const base = hash({});
        for (const change of [
            { memoryMb: 1024 },
            { auth: { quorumSasl: true } },
            { auth: { clientDigest: true } },
            { extraConfig: { snapCount: "50000" } },
            { fourLetterWords: ["srvr", "mntr", "ruok"] },
        ]) {
            expect(hash(change)).not.toBe(base);
        }
        expect(hash({ extraConfig: { snapCount: "50000", globalOutstandingLimit: "2000" } })).toBe(
            hash({ extraConfig: { globalOutstandingLimit: "2000", snapCount: "50000" } }),
        );
        expect(hash({ extraConfig: { snapCount: "50000" } })).not.toBe(hash({ extraConfig: { snapCount: "60000" } }));
    });
});

describe("a size change", () => {
    /** The same ensemble ("zk") at each size, each under fresh mocks so the names are the same. */
    const bySize = new Map<number, BuiltEnsemble>();
    beforeAll(async () => {
        for (const size of [1, 3, 5]) {
            mocks = setupMocks("dev");
            bySize.set(size, await buildEnsemble(mocks, "zk", { size }));
        }
    });
    const at = (size: number) => bySize.get(size)!;
    const named = (built: BuiltEnsemble, name: string): Registration => built.mine.find((r) => r.name === name)!;

    it("changes no input of servers 1..3 between an ensemble of 3 and one of 5", () => {
        expect(at(3).nodes).toHaveLength(3);
        expect(at(5).nodes).toHaveLength(5);
        for (const id of [1, 2, 3]) {
            const small = named(at(3), `zk-${id}-container`);
            const large = named(at(5), `zk-${id}-container`);
            expect(large.inputs).toEqual(small.inputs);
            expect(JSON.stringify(large.inputs)).toBe(JSON.stringify(small.inputs));
            expect(large.dependencies).toEqual(small.dependencies);
            expect(named(at(5), `zk-${id}-data`).inputs).toEqual(named(at(3), `zk-${id}-data`).inputs);
        }
        // Only the seeds know the wanted members: a new seed runs before a new server only.
        expect(seedMembers(named(at(3), "zk-3-seed"))).toHaveLength(3);
        expect(seedMembers(named(at(5), "zk-3-seed"))).toHaveLength(5);
    });

    it("changes no input of the roll gates behind servers 1 and 2 between an ensemble of 3 and one of 5", () => {
        for (const id of [1, 2]) {
            const small = named(at(3), `zk-roll-gate-${id}`);
            const large = named(at(5), `zk-roll-gate-${id}`);
            expect(JSON.stringify(large.inputs)).toBe(JSON.stringify(small.inputs));
            expect(large.dependencies).toEqual(small.dependencies);
        }
        // Server 3 is last at size 3 (the ready gate follows it) and gets a roll gate at size 5.
        expect(named(at(3), "zk-roll-gate-3")).toBeUndefined();
        expect(named(at(5), "zk-roll-gate-3").inputs.command[0]).toContain("target=zk-dev-3");
    });

    it("uploads a byte-identical template and start script to every server at every size", () => {
        const template = upload(at(1).nodes[0], "/conf/zoo.cfg.template");
        const start = upload(at(1).nodes[0], "/conf/start-server.sh");
        for (const size of [1, 3, 5]) {
            for (const node of at(size).nodes) {
                expect(upload(node, "/conf/zoo.cfg.template")).toBe(template);
                expect(upload(node, "/conf/start-server.sh")).toBe(start);
            }
        }
        expect(serverLines(template)).toEqual([]);
    });

    it("keeps the settings hash and changes only the wanted members of the pre-flight check", () => {
        const scripts = [1, 3, 5].map((size) => at(size).preflight.inputs.command[0] as string);
        expect(scripts.map((s) => assigned(s, "ids"))).toEqual(["1", "1,2,3", "1,2,3,4,5"]);
        expect(new Set(scripts.map((s) => assigned(s, "settings"))).size).toBe(1);
    });
});
