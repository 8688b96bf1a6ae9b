/**
 * Readiness is ordering, never a property: the app and monitoring wait for the ensemble through
 * `dependsOn`, so a change that replaces every server and gate (tickTime) leaves their containers'
 * inputs exactly as they were, and no input of theirs refers to a gate.
 */
import { DOCKER_CONTAINER, RecordingMocks, Registration, resolve, setupMocks, upload } from "../../testkit/mocks";
import { rawConfig } from "./stackFiles";
import { parseStackConfig, resolvePlatformSettings } from "../../stacks/config";
import { deployPlatform } from "../../stacks/program";

async function deployDev(tickTime: number): Promise<RecordingMocks> {
    const raw = rawConfig("dev");
    const mocks = setupMocks("dev");
    const outputs = deployPlatform(
        resolvePlatformSettings(parseStackConfig({ ...raw, zookeeper: { ...(raw.zookeeper as object), tickTime } })),
    );
    await resolve(outputs.zookeeperConnectionString);
    await mocks.settle(50);
    await mocks.settle(300);
    return mocks;
}

const isConsumer = (r: Registration) => /^(app|mon)-/.test(r.name);
const isGateOrServer = (r: Registration) => /^zk-(\d+-container|\d+-seed|preflight|roll-gate-\d+|ready-gate)$/.test(r.name);

let before: RecordingMocks;
let after: RecordingMocks;

beforeAll(async () => {
    before = await deployDev(2000);
    after = await deployDev(3000);
});

test("the tickTime change does reach every server (the comparison below is not vacuous)", () => {
    const zooCfg = (m: RecordingMocks) => upload(m.byName("zk-1-container"), "/conf/zoo.cfg.template");
    expect(zooCfg(before)).toContain("tickTime=2000\n");
    expect(zooCfg(after)).toContain("tickTime=3000\n");
});

test("no app or monitoring container input changes", () => {
    const consumers = before.byType(DOCKER_CONTAINER).filter(isConsumer);
    expect(consumers.map((c) => c.name).sort()).toEqual(["app-1", "mon-alertmanager", "mon-grafana", "mon-prometheus"]);
    for (const c of consumers) {
        expect({ name: c.name, inputs: after.byName(c.name).inputs }).toEqual({ name: c.name, inputs: c.inputs });
    }
});

test("the app waits for every server and gate through dependsOn, and no input of it refers to one", () => {
    const gatesAndServers = new Set(
        before
            .byType(DOCKER_CONTAINER)
            .filter(isGateOrServer)
            .map((r) => r.urn),
    );
    // Servers, their seeds, the pre-flight check, roll gates, the ready gate.
    expect(gatesAndServers.size).toBe(3 + 3 + 1 + 2 + 1);
    const app = before.byName("app-1");
    expect([...gatesAndServers].filter((urn) => !app.dependencies.includes(urn))).toEqual([]);
    for (const [property, urns] of Object.entries(app.propertyDependencies)) {
        expect({ property, gates: urns.filter((u) => gatesAndServers.has(u)) }).toEqual({ property, gates: [] });
    }
    for (const c of before.byType(DOCKER_CONTAINER).filter((r) => r.name.startsWith("mon-"))) {
        for (const [property, urns] of Object.entries(c.propertyDependencies)) {
            expect({ container: c.name, property, gates: urns.filter((u) => gatesAndServers.has(u)) }).toEqual({
                container: c.name,
                property,
                gates: [],
            });
        }
    }
});
