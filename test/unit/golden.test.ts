/**
 * Golden files: every custom resource's inputs for each committed stack and for an ensemble with
 * every authentication option on, built directly from the components, under mocks. A refactor must
 * leave them byte-identical: what a user has deployed must not change because the code moved.
 * `GOLDEN_RECORD=1 npx jest golden` rewrites them (only ever on purpose, with the reason in the commit).
 */
import * as fs from "fs";
import * as path from "path";
import { RecordingMocks, Registration, resolve, setupMocks } from "../../testkit/mocks";
import { ENVIRONMENTS, rawConfig } from "./stackFiles";
import { ClientAppService, MonitoringStack, ZooKeeperEnsemble } from "../../index";
import { parseStackConfig, resolvePlatformSettings } from "../../stacks/config";
import { deployPlatform } from "../../stacks/program";

const GOLDEN_DIR = path.join(__dirname, "golden");
const RECORD = process.env.GOLDEN_RECORD === "1";

/** `value` with every object's keys sorted: the files compare content, not the order code set keys in. */
function canonical(value: unknown): unknown {
    if (Array.isArray(value)) {
        return value.map(canonical);
    }
    if (value !== null && typeof value === "object") {
        return Object.fromEntries(
            Object.keys(value)
                .sort()
                .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
        );
    }
    return value;
}

/** The recorded inputs, sorted by type and name so the file does not depend on registration order. */
function snapshot(registrations: readonly Registration[]): string {
    const custom = registrations
        .filter((r) => r.type.startsWith("docker:") || r.type.startsWith("random:"))
        .map((r) => ({ type: r.type, name: r.name, inputs: canonical(r.inputs) }))
        .sort((a, b) => (a.type === b.type ? a.name.localeCompare(b.name) : a.type.localeCompare(b.type)));
    return `${JSON.stringify(custom, null, 2)}\n`;
}

async function settled(mocks: RecordingMocks, ...outputs: Parameters<typeof resolve>[0][]): Promise<void> {
    await Promise.all(outputs.map((o) => resolve(o)));
    await mocks.settle(50);
    await mocks.settle(300);
}

function compare(name: string, actual: string): void {
    const file = path.join(GOLDEN_DIR, `${name}.json`);
    if (RECORD) {
        fs.writeFileSync(file, actual);
    }
    expect(actual).toBe(fs.readFileSync(file, "utf8"));
}

describe.each(ENVIRONMENTS)("stack %s", (env) => {
    it("registers exactly the golden inputs", async () => {
        const mocks = setupMocks(env);
        const outputs = deployPlatform(resolvePlatformSettings(parseStackConfig(rawConfig(env))));
        await settled(mocks, outputs.zookeeperConnectionString);
        expect(mocks.registrations.length).toBeGreaterThan(20);
        compare(env, snapshot(mocks.registrations));
    });
});

describe("components with every authentication option on", () => {
    it("registers exactly the golden inputs", async () => {
        const mocks = setupMocks("authgolden");
        const zk = new ZooKeeperEnsemble("zk", {
            size: 3,
            image: "zookeeper:3.9.4",
            clientHostPortBase: 20181,
            auth: { quorumSasl: true, clientDigest: true },
        });
        const app = new ClientAppService("app", {
            ensemble: zk,
            image: "zookeeper-platform/client-app:0.1.0",
            replicas: 2,
            chroot: "/golden",
        });
        const mon = new MonitoringStack("mon", {
            ensembles: [zk],
            apps: [app],
            prometheusImage: "prom/prometheus:v2.53.0",
            alertmanagerImage: "prom/alertmanager:v0.27.0",
        });
        await settled(mocks, zk.connectionString, app.urls, mon.prometheusUrl);
        expect(mocks.registrations.length).toBeGreaterThan(20);
        compare("auth-components", snapshot(mocks.registrations));
    });
});
