/**
 * The policy pack (policy/) in the real engine: `pulumi preview --policy-pack policy/` started by
 * our CLI through our Node.js language host. The stack program passes it; for each rule a small
 * program that breaks exactly that rule is refused, with the rule's name in the output. Previews
 * of new stacks only: nothing is created.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Stack } from "@pulumi/pulumi/automation";
import { Project, copyProject, openFixtureStack, openStack } from "../../testkit/harness";
import { POLICY_PACK, Recorder, failureOf, plain, writeStackFile } from "./guardrails";

const RULE_NAMES = [
    "docker-ports-loopback-only",
    "docker-memory-limit",
    "docker-non-root-user",
    "docker-drop-all-capabilities",
    "docker-no-docker-socket",
    "docker-no-literal-secret-env",
    "zookeeper-ensemble-odd-size",
    "zookeeper-ensemble-odd-server-count",
];

/** fixture case → the one rule it breaks, and a fragment of the message. */
const VIOLATIONS: Array<[string, string, string]> = [
    ["public-port", "docker-ports-loopback-only", "port 2181 is published on 0.0.0.0:31811"],
    ["port-without-ip", "docker-ports-loopback-only", "port 2181 is published on 0.0.0.0:31811"],
    ["host-network", "docker-ports-loopback-only", 'networkMode is "host"'],
    ["no-memory-limit", "docker-memory-limit", "no memory limit"],
    ["root-user", "docker-non-root-user", 'user is "0:0"'],
    ["no-user", "docker-non-root-user", "no user set"],
    ["capabilities-kept", "docker-drop-all-capabilities", "capabilities are not dropped"],
    ["privileged", "docker-drop-all-capabilities", "privileged is true"],
    ["docker-socket-volume", "docker-no-docker-socket", "volume hostPath /var/run/docker.sock exposes the Docker socket"],
    ["docker-socket-dir-mount", "docker-no-docker-socket", "mount source /var/run exposes the Docker socket"],
    ["literal-secret-env", "docker-no-literal-secret-env", "env var DB_PASSWORD holds a literal value"],
    ["even-ensemble-component", "zookeeper-ensemble-odd-size", "size is 4"],
    ["even-server-count", "zookeeper-ensemble-odd-server-count", "ensemble zk-handmade has 2 server containers (server-1, server-2)"],
];

/** The literal the `literal-secret-env` case puts in DB_PASSWORD; it must never be printed. */
const LITERAL = `fixture-literal-${process.pid}-${Date.now()}`;

const temps: string[] = [];
function tempDir(label: string): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `zk-policy-${label}-`));
    temps.push(dir);
    return dir;
}

function writePolicyConfig(allowedHostIps: string[]): string {
    const file = path.join(tempDir("config"), "policy-config.json");
    fs.writeFileSync(file, JSON.stringify({ "docker-ports-loopback-only": { allowedHostIps } }));
    return file;
}

/** Rule names of mandatory violations in a run. */
function violatedRules(rec: Recorder): string[] {
    return [...new Set(rec.policyEvents.filter((p) => p.enforcementLevel === "mandatory").map((p) => p.policyName))].sort();
}

afterAll(() => {
    for (const dir of temps) {
        fs.rmSync(dir, { recursive: true, force: true });
    }
});

describe("policy pack on the counter-example programs", () => {
    const STACK = "policy-fixtures";
    let stack: Stack;
    const table: string[] = [];

    beforeAll(async () => {
        stack = await openFixtureStack(path.join(__dirname, "fixtures", "policy-violations"), STACK, tempDir("fixtures"));
        await stack.setConfig("literal", { value: LITERAL });
    });

    afterAll(async () => {
        console.log(["policy pack: fixture case → rule: message", ...table].join("\n  "));
        await stack?.workspace.removeStack(STACK);
    });

    test("a container that follows every guardrail passes, so each case below fails for its one change", async () => {
        await stack.setConfig("case", { value: "compliant" });
        const rec = new Recorder();
        const result = await stack.preview({ policyPacks: [POLICY_PACK], onEvent: rec.onEvent, onOutput: rec.onOutput });
        expect(result.changeSummary).toEqual({ create: 2 });
        expect(rec.policyEvents).toEqual([]);
        // The pack really ran: the CLI lists it with a pass mark.
        expect(plain(rec.stdout)).toMatch(/✅ zookeeper-docker-guardrails@v0\.1\.0/);
    });

    test.each(VIOLATIONS)("%s is refused by %s", async (fixtureCase, rule, fragment) => {
        await stack.setConfig("case", { value: fixtureCase });
        const rec = new Recorder();
        const error = plain(
            await failureOf(() => stack.preview({ policyPacks: [POLICY_PACK], onEvent: rec.onEvent, onOutput: rec.onOutput })),
        );
        expect(violatedRules(rec)).toEqual([rule]);
        const event = rec.policyEvents.find((p) => p.policyName === rule)!;
        expect(event.message).toContain(`${rule}: ${fragment}`);
        expect(event.policyPackName).toBe("zookeeper-docker-guardrails");
        // What a user sees: the rule's name, the message, and a failed preview.
        const shown = plain(rec.stdout) + error;
        expect(shown).toContain(`[mandatory]  ${rule}`);
        expect(shown).toContain(fragment);
        expect(shown).toMatch(/error: preview failed/);
        // The literal is plain config (the engine's prelude event echoes config), but nothing the
        // run reports about the violation may repeat it.
        const reported = [rec.stdout, error, ...rec.diagnostics, JSON.stringify(rec.policyEvents)].join("\n");
        expect(reported).not.toContain(LITERAL);
        table.push(`${fixtureCase} → ${event.message.split("\n").find((line) => line.includes(`${rule}:`))}`);
    });

    test("every rule of the pack has a counter-example", () => {
        expect([...new Set(VIOLATIONS.map(([, rule]) => rule))].sort()).toEqual([...RULE_NAMES].sort());
    });

    test("allowedHostIps in the pack's config lets an address through, and only that one", async () => {
        await stack.setConfig("case", { value: "public-port" });
        const allowed = new Recorder();
        await stack.preview({
            policyPacks: [POLICY_PACK],
            policyPackConfigs: [writePolicyConfig(["127.0.0.1", "0.0.0.0"])],
            onEvent: allowed.onEvent,
        });
        expect(allowed.policyEvents).toEqual([]);

        const other = new Recorder();
        await failureOf(() =>
            stack.preview({ policyPacks: [POLICY_PACK], policyPackConfigs: [writePolicyConfig(["10.9.8.7"])], onEvent: other.onEvent }),
        );
        expect(violatedRules(other)).toEqual(["docker-ports-loopback-only"]);
        expect(other.policyEvents[0].message).toContain("may bind only to 10.9.8.7");
    });
});

describe("policy pack on the stack program", () => {
    const STACK = "policy";
    let project: Project;
    let stack: Stack;

    beforeAll(async () => {
        project = copyProject(STACK);
        temps.push(path.dirname(project.workDir));
        // Previews only, but with this suite's own ports in case one ever runs `up`.
        writeStackFile(project, STACK, {
            zookeeper: {
                size: 3,
                memoryMb: 256,
                clientHostPortBase: 31811,
                metricsHostPortBase: 31701,
                // With auth the app gets its credentials file and an ACL sync container: checked too.
                auth: { quorumSasl: true, clientDigest: true },
            },
            clientApp: { enabled: true, replicas: 2, hostPortBase: 31080 },
            monitoring: { enabled: true, prometheusHostPort: 31090, alertmanagerHostPort: 31093, grafanaHostPort: 31000 },
            images: { source: "local" },
        });
        stack = await openStack(project, STACK);
    });

    afterAll(async () => {
        await stack?.workspace.removeStack(STACK);
    });

    test("the stack program (local images) passes every rule", async () => {
        const rec = new Recorder();
        const result = await stack.preview({ policyPacks: [POLICY_PACK], onEvent: rec.onEvent, onOutput: rec.onOutput });
        expect(result.changeSummary.create).toBeGreaterThan(20);
        expect(rec.policyEvents.filter((p) => p.enforcementLevel === "mandatory")).toEqual([]);
        expect(plain(rec.stdout)).toMatch(/✅ zookeeper-docker-guardrails@v0\.1\.0/);
    });

    test("with the official images (Grafana and its password file on) it passes too", async () => {
        await stack.setConfig("zookeeper-platform:images.source", { value: "official" }, true);
        try {
            const rec = new Recorder();
            await stack.preview({ policyPacks: [POLICY_PACK], onEvent: rec.onEvent });
            expect(rec.policyEvents.filter((p) => p.enforcementLevel === "mandatory")).toEqual([]);
            const grafana = rec.events.find((e) => e.resourcePreEvent?.metadata.urn.endsWith("::mon-grafana"));
            expect(grafana).toBeDefined();
        } finally {
            await stack.setConfig("zookeeper-platform:images.source", { value: "local" }, true);
        }
    });

    test("zookeeper.hostIp 0.0.0.0 is refused for each server, unless the pack's config allows it", async () => {
        await stack.setConfig("zookeeper-platform:zookeeper.hostIp", { value: "0.0.0.0" }, true);
        try {
            const refused = new Recorder();
            const error = plain(
                await failureOf(() => stack.preview({ policyPacks: [POLICY_PACK], onEvent: refused.onEvent, onOutput: refused.onOutput })),
            );
            expect(violatedRules(refused)).toEqual(["docker-ports-loopback-only"]);
            const servers = refused.policyEvents.map((p) => p.resourceUrn?.split("::").pop()).sort();
            expect(servers).toEqual([
                "zk-1-container",
                "zk-1-container",
                "zk-2-container",
                "zk-2-container",
                "zk-3-container",
                "zk-3-container",
            ]);
            expect(plain(refused.stdout) + error).toContain("docker-ports-loopback-only: port 2181 is published on 0.0.0.0:31811");

            const allowed = new Recorder();
            await stack.preview({
                policyPacks: [POLICY_PACK],
                policyPackConfigs: [writePolicyConfig(["127.0.0.1", "0.0.0.0"])],
                onEvent: allowed.onEvent,
            });
            expect(allowed.policyEvents.filter((p) => p.enforcementLevel === "mandatory")).toEqual([]);
        } finally {
            await stack.removeConfig("zookeeper-platform:zookeeper.hostIp", true);
        }
    });
});
