/**
 * Bad stack configuration through the real CLI, against a stack that is already deployed (stack
 * `badinput`: one server, no app, no monitoring). Every invalid config must fail `pulumi preview`
 * (and some `pulumi up`) before any resource step, with a message that names the key path, the
 * value (secrets redacted) and what is allowed. Afterwards the stack is untouched: same
 * containers, and a znode written before is still there.
 */
import * as fs from "fs";
import * as path from "path";
import { Stack } from "@pulumi/pulumi/automation";
import { parse, stringify } from "yaml";
import { PROJECT, Project, copyProject, docker, dockerNames, openStack } from "../../testkit/harness";
import { connect, create, getData } from "../../testkit/zk";
import { Recorder, failureOf, plain, stackFilePath, writeStackFile } from "./guardrails";

const STACK = "badinput";
const CLIENT_PORT = 26811;
const HEADER = `Invalid stack configuration for ${PROJECT}`;
/** Secret values the cases set; none may ever be printed. */
const SECRET_TOKEN = `badinput-secret-${process.pid}-${Date.now()}`;

type Mutation = { kind: "cli"; key: string; value: string; secret?: boolean } | { kind: "yaml"; key: string; value: unknown };

interface Case {
    name: string;
    /** Config changes, applied on top of the deployed configuration. */
    changes: Mutation[];
    /** Problem lines the CLI must print, verbatim (a trailing "…" matches a prefix). */
    problems: string[];
    /** Also run `pulumi up`. */
    up?: boolean;
}

const cli = (key: string, value: string, secret = false): Mutation => ({ kind: "cli", key, value, secret });
const yaml = (key: string, value: unknown): Mutation => ({ kind: "yaml", key, value });

const CASES: Case[] = [
    {
        name: "even size",
        changes: [cli("zookeeper.size", "4")],
        problems: ["zookeeper.size: 4 is not allowed: must be an odd integer between 1 and 255"],
        up: true,
    },
    {
        name: "size 0",
        changes: [cli("zookeeper.size", "0")],
        problems: ["zookeeper.size: 0 is not allowed: must be an odd integer between 1 and 255"],
    },
    {
        name: "size above 255",
        changes: [cli("zookeeper.size", "257")],
        problems: ["zookeeper.size: 257 is not allowed: must be an odd integer between 1 and 255"],
    },
    {
        name: "size as a word",
        changes: [cli("zookeeper.size", "three")],
        problems: ['zookeeper.size: "three" is not allowed: must be an odd integer between 1 and 255'],
    },
    {
        name: "tickTime too short",
        changes: [cli("zookeeper.tickTime", "50")],
        problems: ["zookeeper.tickTime: 50 is not allowed: must be an integer number of milliseconds between 100 and 60000"],
    },
    {
        name: "memory too small",
        changes: [cli("zookeeper.memoryMb", "64")],
        problems: ["zookeeper.memoryMb: 64 is not allowed: must be an integer number of MB between 128 and 65536"],
    },
    {
        name: "privileged host port",
        changes: [cli("zookeeper.clientHostPortBase", "80")],
        problems: ["zookeeper.clientHostPortBase: 80 is not allowed: must be an integer port between 1024 and 65535"],
        up: true,
    },
    {
        name: "overlapping host ports",
        changes: [cli("zookeeper.metricsHostPortBase", String(CLIENT_PORT))],
        problems: [
            `zookeeper.metricsHostPortBase: ${CLIENT_PORT} is not allowed: host ports ${CLIENT_PORT} overlap zookeeper.clientHostPortBase (${CLIENT_PORT})`,
        ],
    },
    {
        name: "hostIp as a name",
        changes: [cli("zookeeper.hostIp", "localhost")],
        problems: ['zookeeper.hostIp: "localhost" is not allowed: must be an IPv4 address such as 127.0.0.1'],
        up: true,
    },
    {
        name: "hostIp out of range",
        changes: [cli("zookeeper.hostIp", "300.1.2.3")],
        problems: ['zookeeper.hostIp: "300.1.2.3" is not allowed: must be an IPv4 address such as 127.0.0.1'],
    },
    {
        name: "image with spaces",
        changes: [cli("zookeeper.image", "Zoo Keeper:latest!")],
        problems: ['zookeeper.image: "Zoo Keeper:latest!" is not allowed: must be a Docker image reference such as zookeeper:3.9.4'],
    },
    {
        name: "typo in a key",
        changes: [cli("zookeeper.sise", "5")],
        problems: ["zookeeper.sise: 5 is not allowed: unknown key; allowed keys are size, image, tickTime, …"],
        up: true,
    },
    {
        name: "typo in a namespace key",
        changes: [yaml(`${PROJECT}:zookeper`, { size: 3 })],
        problems: [
            `zookeper: {"size":3} is not allowed: unknown key; allowed keys are ${PROJECT}:zookeeper, ${PROJECT}:clientApp, ${PROJECT}:monitoring, ${PROJECT}:images, ${PROJECT}:backup, ${PROJECT}:swarm`,
        ],
    },
    {
        name: "section not an object",
        changes: [yaml(`${PROJECT}:images`, "local")],
        problems: ['images: "local" is not allowed: must be an object of settings'],
    },
    {
        name: "zero CPUs",
        changes: [cli("zookeeper.cpus", "0")],
        problems: ["zookeeper.cpus: 0 is not allowed: must be a number of CPUs greater than 0 and at most 256"],
    },
    {
        name: "boolean as a word",
        changes: [cli("zookeeper.retainDataOnDelete", "yes")],
        problems: ['zookeeper.retainDataOnDelete: "yes" is not allowed: must be true or false'],
    },
    {
        name: "gate timeout too short",
        changes: [cli("zookeeper.rollTimeoutSeconds", "5")],
        problems: ["zookeeper.rollTimeoutSeconds: 5 is not allowed: must be an integer number of seconds between 10 and 3600"],
    },
    {
        name: "four-letter words without srvr",
        changes: [yaml("zookeeper.fourLetterWords", ["mntr", "ruok"])],
        problems: ['zookeeper.fourLetterWords: ["mntr","ruok"] is not allowed: must be a list of four-letter words among …'],
    },
    {
        name: "managed zoo.cfg key in extraConfig",
        changes: [yaml("zookeeper.extraConfig", { dataDir: "/tmp/zk" })],
        problems: ['zookeeper.extraConfig.dataDir: "/tmp/zk" is not allowed: is managed by zookeeper-docker and cannot be overridden'],
    },
    {
        name: "too many replicas",
        changes: [cli("clientApp.replicas", "17")],
        problems: ["clientApp.replicas: 17 is not allowed: must be an integer between 1 and 16"],
    },
    {
        name: "chroot under /zookeeper",
        changes: [cli("clientApp.chroot", "/zookeeper/app")],
        problems: [
            `clientApp.chroot: "/zookeeper/app" is not allowed: must be an absolute znode path such as /my-app (letters, digits, '.', '_', '-'; no trailing slash; not under /zookeeper)`,
        ],
    },
    {
        name: "retention in words",
        changes: [cli("monitoring.retention", "2 days")],
        problems: ['monitoring.retention: "2 days" is not allowed: must be a Prometheus duration such as 15d or 12h'],
    },
    {
        name: "Prometheus memory too small",
        changes: [cli("monitoring.prometheusMemoryMb", "100")],
        problems: ["monitoring.prometheusMemoryMb: 100 is not allowed: must be an integer number of MB between 128 and 65536"],
    },
    {
        name: "unknown image source",
        changes: [cli("images.source", "registry")],
        problems: ['images.source: "registry" is not allowed: must be "official" or "local"'],
    },
    {
        name: "secret webhook that is not an http URL",
        changes: [cli("monitoring.alertWebhookUrl", `ftp://hooks.invalid/alerts?token=${SECRET_TOKEN}`, true)],
        problems: ["monitoring.alertWebhookUrl: [secret] is not allowed: must be an http:// or https:// URL"],
        up: true,
    },
    {
        name: "secret value on a key that is not secret by nature",
        changes: [cli("clientApp.chroot", `relative/${SECRET_TOKEN}`, true)],
        problems: ["clientApp.chroot: [secret] is not allowed: …"],
    },
    {
        name: "two problems at once",
        changes: [cli("zookeeper.size", "2"), cli("monitoring.alertWebhookUrl", `not a url ${SECRET_TOKEN}`, true)],
        problems: [
            "zookeeper.size: 2 is not allowed: must be an odd integer between 1 and 255",
            "monitoring.alertWebhookUrl: [secret] is not allowed: must be an http:// or https:// URL",
        ],
        up: true,
    },
];

let project: Project;
let stack: Stack;
let baseline: string;
let containerIdsBefore: Record<string, string>;
let resourcesBefore: string[];
const marker = `/badinput-marker-${Date.now()}`;
const table: string[] = [];

async function containerIds(): Promise<Record<string, string>> {
    const names = (await dockerNames("container", `-${STACK}`)).sort();
    const ids: Record<string, string> = {};
    for (const name of names) {
        ids[name] = await docker("inspect", "-f", "{{.Id}} {{.State.StartedAt}}", name);
    }
    return ids;
}

/** URN, id and inputs of every resource in the state: what a changed stack would differ in. */
async function stateResources(): Promise<string[]> {
    const deployment = await stack.exportStack();
    const resources = (deployment.deployment.resources ?? []) as Array<{ urn: string; id?: string; inputs?: unknown }>;
    return resources.map((r) => `${r.urn} ${r.id ?? ""} ${JSON.stringify(r.inputs ?? {})}`);
}

/** Puts the deployed configuration back, then applies a case's changes through the CLI or the stack file. */
async function applyCase(c: Case): Promise<void> {
    fs.writeFileSync(stackFilePath(project, STACK), baseline);
    for (const m of c.changes) {
        if (m.kind === "cli") {
            // `pulumi config set [--secret] --path <key> <value>`
            await stack.setConfig(`${PROJECT}:${m.key}`, { value: m.value, secret: m.secret }, true);
        } else {
            const doc = parse(fs.readFileSync(stackFilePath(project, STACK), "utf8")) as { config: Record<string, any> };
            if (m.key.startsWith(`${PROJECT}:`)) {
                doc.config[m.key] = m.value;
            } else {
                const [section, key] = m.key.split(".");
                doc.config[`${PROJECT}:${section}`] = { ...(doc.config[`${PROJECT}:${section}`] ?? {}), [key]: m.value };
            }
            fs.writeFileSync(stackFilePath(project, STACK), stringify(doc));
        }
    }
}

/** The problem lines of the CLI's output ("  - key: value is not allowed: ..."). */
function problemLines(text: string): string[] {
    return text
        .split("\n")
        .map((line) => /^\s*- (\S+: .* is not allowed: .*)$/.exec(line)?.[1])
        .filter((line): line is string => line !== undefined)
        .filter((line, i, all) => all.indexOf(line) === i);
}

function matches(line: string, expected: string): boolean {
    return expected.endsWith("…") ? line.startsWith(expected.slice(0, -1)) : line === expected;
}

/** Runs a preview or an up that must fail, and checks everything that the failure must (not) show. */
async function expectRefused(c: Case, operation: "preview" | "up"): Promise<void> {
    const rec = new Recorder();
    const error = await failureOf(() =>
        operation === "preview"
            ? stack.preview({ onEvent: rec.onEvent, onOutput: rec.onOutput })
            : stack.up({ onEvent: rec.onEvent, onOutput: rec.onOutput }),
    );
    const shown = plain(`${rec.stdout}\n${error}`);

    // No resource step at all: the program stopped before registering anything.
    expect(rec.steps).toEqual([]);
    expect(Object.keys(rec.changeSummary).filter((op) => op !== "same")).toEqual([]);

    // One error listing every problem, each naming key, value and what is allowed.
    const count = c.problems.length;
    expect(shown).toContain(`${HEADER} (${count} problem${count === 1 ? "" : "s"}):`);
    const lines = problemLines(shown);
    expect(lines).toHaveLength(count);
    for (const expected of c.problems) {
        expect({ expected, found: lines.some((l) => matches(l, expected)) }).toEqual({ expected, found: true });
    }

    // Secrets: redacted in the message, and nowhere in anything the run produced.
    expect(rec.allText(error)).not.toContain(SECRET_TOKEN);
    if (operation === "preview") {
        for (const line of lines) {
            table.push(`| ${c.changes.map(describeChange).join(" + ")} | ${line} |`);
        }
    }
}

function describeChange(m: Mutation): string {
    if (m.kind === "cli") {
        return `\`config set${m.secret ? " --secret" : ""} --path ${m.key} ${m.secret ? "<secret>" : JSON.stringify(m.value)}\``;
    }
    return `\`${m.key}: ${JSON.stringify(m.value)}\` (stack file)`;
}

beforeAll(async () => {
    project = copyProject(STACK);
    writeStackFile(project, STACK, {
        zookeeper: { size: 1, memoryMb: 256, clientHostPortBase: CLIENT_PORT },
        clientApp: { enabled: false },
        monitoring: { enabled: false },
        images: { source: "local" },
    });
    stack = await openStack(project, STACK);
    const up = await stack.up({ onOutput: () => undefined });
    expect(up.summary.result).toBe("succeeded");
    // The stack file as deployed, with the encryption salt `stack init` added.
    baseline = fs.readFileSync(stackFilePath(project, STACK), "utf8");

    const client = await connect(`127.0.0.1:${CLIENT_PORT}`);
    await create(client, marker, "written before the bad configs");
    client.close();
    containerIdsBefore = await containerIds();
    expect(Object.keys(containerIdsBefore)).toEqual(expect.arrayContaining([`zk-${STACK}-1`]));
    resourcesBefore = await stateResources();
});

afterAll(async () => {
    console.log(
        [
            `bad configurations (${CASES.length} configs, ${CASES.filter((c) => c.up).length} also through \`pulumi up\`): config → message`,
            "| config | message |",
            "|---|---|",
            ...table,
        ].join("\n"),
    );
    if (stack) {
        fs.writeFileSync(stackFilePath(project, STACK), baseline);
        await stack.destroy({ onOutput: () => undefined });
        await stack.workspace.removeStack(STACK);
    }
    for (const kind of ["container", "network", "volume"] as const) {
        expect(await dockerNames(kind, `-${STACK}`)).toEqual([]);
    }
    fs.rmSync(path.dirname(project.workDir), { recursive: true, force: true });
});

test(`at least 20 bad configurations, at least 5 of them also through \`pulumi up\``, () => {
    expect(CASES.length).toBeGreaterThanOrEqual(20);
    expect(CASES.filter((c) => c.up).length).toBeGreaterThanOrEqual(5);
    expect(CASES.some((c) => c.changes.some((m) => m.kind === "cli" && m.secret))).toBe(true);
});

describe.each(CASES)("$name", (c) => {
    test("`pulumi preview` fails before any resource step, naming key, value and what is allowed", async () => {
        await applyCase(c);
        await expectRefused(c, "preview");
    });

    if (c.up) {
        test("`pulumi up` fails the same way and changes nothing", async () => {
            await applyCase(c);
            await expectRefused(c, "up");
        });
    }
});

describe("afterwards", () => {
    test("a valid change made the same way is previewed with resource steps, so the empty step lists above mean something", async () => {
        await applyCase({ name: "valid", changes: [cli("zookeeper.tickTime", "1500")], problems: [] });
        const rec = new Recorder();
        await stack.preview({ onEvent: rec.onEvent, onOutput: rec.onOutput });
        expect(rec.steps).toEqual(
            expect.arrayContaining([expect.objectContaining({ type: "docker:index/container:Container", name: "zk-1-container" })]),
        );
        expect(Object.keys(rec.changeSummary).filter((op) => op !== "same").length).toBeGreaterThan(0);
    });

    test("the deployed stack is untouched: same containers, same state, the data is still there", async () => {
        fs.writeFileSync(stackFilePath(project, STACK), baseline);
        expect(await containerIds()).toEqual(containerIdsBefore);
        expect(await stateResources()).toEqual(resourcesBefore);
        const client = await connect(`127.0.0.1:${CLIENT_PORT}`);
        expect(await getData(client, marker)).toBe("written before the bad configs");
        client.close();
        // And with the deployed configuration back, the engine proposes nothing.
        const preview = await stack.preview({ expectNoChanges: true });
        expect(Object.keys(preview.changeSummary).filter((op) => op !== "same")).toEqual([]);
    });
});
