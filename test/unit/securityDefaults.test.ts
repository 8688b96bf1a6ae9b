/**
 * Security defaults of the whole stack program under mocks, per committed environment (official
 * images, so Grafana and its password are on) plus ZooKeeper auth and a secret webhook: every
 * container passes the policy pack's checks (policy/rules.ts), ports stay on 127.0.0.1 unless a
 * section's hostIp says otherwise, and secrets travel only as secret uploads.
 */
import * as pulumi from "@pulumi/pulumi";
import { MOCK_GRAFANA_PASSWORD, RecordingMocks, Registration, isSecret, resolve, setupMocks } from "../../testkit/mocks";
import { ENVIRONMENTS, Environment, cliConfig, rawConfig } from "./stackFiles";
import { parseStackConfig, resolvePlatformSettings } from "../../stacks/config";
import { PlatformOutputs, deployPlatform } from "../../stacks/program";
import { ZOOKEEPER_ENSEMBLE_TYPE } from "../../components/shared/typeTokens";
import {
    ENSEMBLE_TYPES,
    checkCapabilities,
    checkEnsembleSize,
    checkMemoryLimit,
    checkNoDockerSocket,
    checkNoLiteralSecretEnv,
    checkNonRootUser,
    checkPublishedPorts,
    checkServerCounts,
} from "../../policy/rules";

const WEBHOOK_TOKEN = "unitWebhookToken0123456789";
const WEBHOOK = `https://hooks.example.test/alerts?token=${WEBHOOK_TOKEN}`;

type Raw = Record<string, any>;

function withAuthAndWebhook(raw: Raw): Raw {
    return {
        ...raw,
        zookeeper: { ...raw.zookeeper, auth: { quorumSasl: true, clientDigest: true } },
        monitoring: { ...raw.monitoring, alertWebhookUrl: WEBHOOK },
    };
}

async function deploy(
    env: Environment,
    raw: Raw,
): Promise<{ mocks: RecordingMocks; outputs: PlatformOutputs; containers: Registration[] }> {
    const mocks = setupMocks(env);
    const outputs = deployPlatform(resolvePlatformSettings(parseStackConfig(raw)));
    await resolve(outputs.zookeeperConnectionString);
    await mocks.settle(50);
    await mocks.settle(300);
    return { mocks, outputs, containers: mocks.containers() };
}

/** Every string inside a value, for "does this secret appear anywhere" checks. */
function strings(value: unknown): string[] {
    if (typeof value === "string") {
        return [value];
    }
    if (Array.isArray(value)) {
        return value.flatMap(strings);
    }
    if (value && typeof value === "object") {
        return Object.values(value).flatMap(strings);
    }
    return [];
}

// The swarm stack runs services: its guardrails are checked in swarmStack.test.ts.
describe.each(ENVIRONMENTS.filter((e) => e !== "swarm"))("stack %s with auth and a secret webhook", (env) => {
    let mocks: RecordingMocks;
    let outputs: PlatformOutputs;
    let containers: Registration[];
    beforeAll(async () => {
        ({ mocks, outputs, containers } = await deploy(env, withAuthAndWebhook(rawConfig(env) as Raw)));
    });

    it("deploys containers for every part (servers, gates, ACL sync, app, Prometheus, Alertmanager, Grafana)", () => {
        const names = containers.map((c) => String(c.inputs.name));
        expect(names).toEqual(
            expect.arrayContaining([`zk-${env}-1`, `app-${env}-1`, `app-${env}-acl-sync`, `mon-${env}-grafana`, `mon-${env}-alertmanager`]),
        );
    });

    it("every container passes the policy pack's checks", () => {
        for (const c of containers) {
            const problems = [
                ...checkPublishedPorts(c.inputs),
                ...checkMemoryLimit(c.inputs),
                ...checkNonRootUser(c.inputs),
                ...checkCapabilities(c.inputs),
                ...checkNoDockerSocket(c.inputs),
                ...checkNoLiteralSecretEnv(c.inputs),
            ];
            expect({ container: c.inputs.name, problems }).toEqual({ container: c.inputs.name, problems: [] });
        }
        expect(checkServerCounts(containers.map((c) => ({ name: c.name, props: c.inputs })))).toEqual([]);
        // The ensemble as the pack's rule finds it: by the type tokens the rule is registered for.
        const ensembles = mocks.registrations.filter((r) => ENSEMBLE_TYPES.includes(r.type));
        expect(ensembles.map((r) => r.name)).toEqual(["zk"]);
        expect(checkEnsembleSize(ensembles[0].inputs)).toEqual([]);
    });

    it("the policy pack's ensemble rule applies to the ensemble as it is registered (its type token)", () => {
        expect(mocks.byType(ZOOKEEPER_ENSEMBLE_TYPE).map((r) => r.name)).toEqual(["zk"]);
        expect(ENSEMBLE_TYPES).toContain(ZOOKEEPER_ENSEMBLE_TYPE);
    });

    it("publishes ports, all on 127.0.0.1", () => {
        const ips = containers.flatMap((c) => ((c.inputs.ports ?? []) as { ip: string }[]).map((p) => p.ip));
        expect(ips.length).toBeGreaterThan(0);
        expect(new Set(ips)).toEqual(new Set(["127.0.0.1"]));
    });

    it("hands every generated password and the webhook token over only in secret uploads", async () => {
        const superCredentials = await resolve(outputs.zookeeperSuperCredentials!);
        const appCredentials = await resolve(outputs.clientAppZooKeeperCredentials!);
        expect(await isSecret(outputs.zookeeperSuperCredentials!)).toBe(true);
        expect(await isSecret(outputs.clientAppZooKeeperCredentials!)).toBe(true);
        expect(await isSecret(outputs.grafanaAdminPassword!)).toBe(true);
        const secretValues = {
            webhookToken: WEBHOOK_TOKEN,
            grafanaPassword: MOCK_GRAFANA_PASSWORD,
            superPassword: superCredentials.split(":")[1],
            appPassword: appCredentials.split(":").slice(1).join(":"),
        };
        for (const value of Object.values(secretValues)) {
            expect(value.length).toBeGreaterThanOrEqual(16);
        }
        for (const c of containers) {
            for (const [input, value] of Object.entries(c.inputs)) {
                for (const [what, secret] of Object.entries(secretValues)) {
                    if (!strings(value).some((s) => s.includes(secret))) {
                        continue;
                    }
                    // Found: only as the content of an upload, and the whole input is a secret.
                    expect({ container: c.inputs.name, what, input, secretInput: c.secretInputs.includes(input) }).toEqual({
                        container: c.inputs.name,
                        what,
                        input: "uploads",
                        secretInput: true,
                    });
                }
            }
        }
        // Where they must be: the webhook in Alertmanager's config, the Grafana password in its file.
        const uploadsOf = (name: string) => strings(containers.find((c) => c.inputs.name === name)!.inputs.uploads);
        expect(uploadsOf(`mon-${env}-alertmanager`).some((s) => s.includes(WEBHOOK_TOKEN))).toBe(true);
        expect(uploadsOf(`mon-${env}-grafana`)).toContain(MOCK_GRAFANA_PASSWORD);
    });

    it("points secret-looking env vars only at files (NAME__FILE), never at values", () => {
        const secretNamed = containers.flatMap((c) =>
            ((c.inputs.envs ?? []) as string[]).map((e) => e.split("=")[0]).filter((n) => /PASSWORD|SECRET|TOKEN/i.test(n)),
        );
        expect(secretNamed).toContain("GF_SECURITY_ADMIN_PASSWORD__FILE");
        expect(secretNamed.filter((n) => !n.endsWith("__FILE"))).toEqual([]);
    });
});

describe("an explicit hostIp moves only its own section's ports off loopback", () => {
    const sections = [
        { key: "zookeeper", prefix: "zk-dev-", ip: "10.0.0.11" },
        { key: "clientApp", prefix: "app-dev-", ip: "10.0.0.12" },
        { key: "monitoring", prefix: "mon-dev-", ip: "10.0.0.13" },
    ];

    it.each(sections)("hostIp of the $key section", async ({ key, prefix, ip }) => {
        const raw = rawConfig("dev") as Raw;
        const { containers } = await deploy("dev", { ...raw, [key]: { ...raw[key], hostIp: ip } });
        const published = containers.filter((c) => ((c.inputs.ports ?? []) as unknown[]).length > 0);
        for (const c of published) {
            const ips = new Set((c.inputs.ports as { ip: string }[]).map((p) => p.ip));
            expect({ container: c.inputs.name, ips: [...ips] }).toEqual({
                container: c.inputs.name,
                ips: [String(c.inputs.name).startsWith(prefix) ? ip : "127.0.0.1"],
            });
        }
        expect(published.some((c) => String(c.inputs.name).startsWith(prefix))).toBe(true);
        // And the policy pack refuses it unless the address is allowed.
        const moved = published.find((c) => String(c.inputs.name).startsWith(prefix))!;
        expect(checkPublishedPorts(moved.inputs)[0]).toContain(`is published on ${ip}:`);
        expect(checkPublishedPorts(moved.inputs, ["127.0.0.1", ip])).toEqual([]);
    });
});

describe("stacks/index.ts redacts every value set with --secret in configuration errors", () => {
    const TOKEN = "chrootSecretToken0123456789";

    function runEntryPoint(config: Record<string, string>, secretKeys: string[]): Error | undefined {
        setupMocks("dev");
        pulumi.runtime.setAllConfig(config, secretKeys);
        try {
            jest.isolateModules(() => {
                require("../../stacks");
            });
        } catch (e) {
            return e as Error;
        }
        return undefined;
    }

    it("a secret in a section that is not secret by nature is shown as [secret], the rest of the message stays", () => {
        const config = cliConfig("dev");
        config["zookeeper-platform:clientApp"] = JSON.stringify({
            ...JSON.parse(config["zookeeper-platform:clientApp"]),
            chroot: `relative/${TOKEN}`,
        });
        config["zookeeper-platform:zookeeper"] = JSON.stringify({ ...JSON.parse(config["zookeeper-platform:zookeeper"]), size: 4 });
        const error = runEntryPoint(config, ["zookeeper-platform:clientApp"]);
        expect(error?.name).toBe("StackConfigError");
        expect(error?.message).toContain("clientApp.chroot: [secret] is not allowed: must be an absolute znode path");
        expect(error?.message).toContain("zookeeper.size: 4 is not allowed");
        expect(error?.message).not.toContain(TOKEN);
    });

    it("without --secret the value is shown, so the redaction above comes from the secret marking", () => {
        const config = cliConfig("dev");
        config["zookeeper-platform:clientApp"] = JSON.stringify({
            ...JSON.parse(config["zookeeper-platform:clientApp"]),
            chroot: `relative/${TOKEN}`,
        });
        expect(runEntryPoint(config, [])?.message).toContain(`clientApp.chroot: "relative/${TOKEN}" is not allowed`);
    });
});
