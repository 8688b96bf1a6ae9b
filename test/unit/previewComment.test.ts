/**
 * The preview comment's pure parts: the engine events of a `pulumi preview --json` stream (the
 * CLI's format, states as the engine writes them) grouped by the component the program
 * declared, the policy results, the Markdown, and the CLI's refusals and exit status. The
 * comment against a real deployed stack is checked in test/e2e/environments.e2e.test.ts (staging).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseOptions, runPreviewComment } from "../../previewComment/cli";
import { PreviewEvents, parsePreviewEvents } from "../../previewComment/events";
import { NO_CHANGES, commentMarker, renderPreviewComment } from "../../previewComment/render";
import { summarizePreview, typeOfUrn } from "../../previewComment/summarize";

const ROOT = "urn:pulumi:staging::zookeeper-platform";
const STACK = `${ROOT}::pulumi:pulumi:Stack::zookeeper-platform-staging`;
const ENSEMBLE_TYPE = "pulumi-zookeeper-docker:index:ZooKeeperEnsemble";
const NODE_TYPE = "pulumi-zookeeper-docker:index:ZooKeeperNode";
const APP_TYPE = "pulumi-zookeeper-docker:index:ClientAppService";
const CONTAINER = "docker:index/container:Container";
const ENSEMBLE = `${ROOT}::${ENSEMBLE_TYPE}::zk`;
const NODE_1 = `${ROOT}::${ENSEMBLE_TYPE}$${NODE_TYPE}::zk-1`;
const APP = `${ROOT}::${APP_TYPE}::app`;
const SERVER_1 = `${ROOT}::${ENSEMBLE_TYPE}$${NODE_TYPE}$${CONTAINER}::zk-1-container`;
const GATE_1 = `${ROOT}::${ENSEMBLE_TYPE}$${CONTAINER}::zk-roll-gate-1`;
const APP_1 = `${ROOT}::${APP_TYPE}$${CONTAINER}::app-1-container`;
const LOOSE = `${ROOT}::${CONTAINER}::watcher`;
const PROMETHEUS = `${ROOT}::pulumi-zookeeper-docker:index:MonitoringStack$${CONTAINER}::mon-prometheus`;
/** A secret as a preview's states hold it when it was not marked secret: it must never be shown. */
const PLAINTEXT = "hunter2-plaintext-value";

let sequence = 0;
/** One line of the stream, as the CLI prints it. */
function eventLine(body: object): string {
    sequence += 1;
    return JSON.stringify({ sequence, timestamp: 1700000000 + sequence, ...body });
}

/** A step as the engine reports it: states with their inputs, which the comment must not show. */
function step(
    op: string,
    urn: string,
    custom: boolean,
    parent: string | undefined,
    diff: { keys?: string[]; diffs?: string[] } = {},
): string {
    const state = {
        urn,
        type: typeOfUrn(urn),
        ...(custom ? { custom } : {}),
        parent: parent ?? "",
        inputs: { envs: [`PASSWORD=${PLAINTEXT}`], tickTime: 1500 },
    };
    return eventLine({
        resourcePreEvent: { metadata: { op, urn, type: typeOfUrn(urn), old: state, new: state, provider: "", ...diff } },
    });
}

const summaryLine = (result = "succeeded") =>
    eventLine({ summaryEvent: { maybeCorrupt: false, durationSeconds: 3, resourceChanges: {}, result } });

function events(...lines: string[]): PreviewEvents {
    return parsePreviewEvents([...lines, summaryLine(), ""].join("\n"), "the stream");
}

/**
 * A roll of one server as the engine plans it with --show-sames --show-replacement-steps: the
 * server's fixed container name makes it delete-before-replace (its deletion comes first); the
 * gate is created before its old self goes.
 */
const ROLL_STEPS: string[] = [
    eventLine({ preludeEvent: { config: { "zookeeper-platform:zookeeper": "[secret]" } } }),
    step("same", STACK, false, undefined),
    step("update", ENSEMBLE, false, STACK, { diffs: ["tickTime"] }),
    step("same", NODE_1, false, ENSEMBLE),
    step("delete-replaced", SERVER_1, true, NODE_1, { keys: ["uploads[0].content", "envs"] }),
    step("replace", SERVER_1, true, NODE_1, { keys: ["uploads[0].content", "envs"], diffs: ["uploads", "envs", "labels"] }),
    step("create-replacement", SERVER_1, true, NODE_1, { keys: ["uploads[0].content", "envs"] }),
    step("create-replacement", GATE_1, true, ENSEMBLE, { keys: ["name"] }),
    step("replace", GATE_1, true, ENSEMBLE, { keys: ["name"], diffs: ["name"] }),
    eventLine({ diagnosticEvent: { message: "debug chatter", color: "never", severity: "debug" } }),
    step("same", APP, false, STACK),
    step("same", APP_1, true, APP),
    step("update", LOOSE, true, STACK, { diffs: ["labels[2].value"] }),
    step("create", `${ROOT}::pulumi:providers:pulumi::default`, true, STACK),
    step("delete-replaced", GATE_1, true, ENSEMBLE, { keys: ["name"] }),
];

const violation = (extra: object = {}) =>
    eventLine({
        policyEvent: {
            resourceUrn: PROMETHEUS,
            message: "docker-ports-loopback-only: port 9090 is published on 0.0.0.0:29090\nmore",
            color: "never",
            policyName: "docker-ports-loopback-only",
            policyPackName: "zookeeper-docker-guardrails",
            policyPackVersion: "0.1.0",
            enforcementLevel: "mandatory",
            ...extra,
        },
    });
const packSummary = (passed: string[], failed: string[] = []) =>
    eventLine({
        policyAnalyzeSummaryEvent: {
            resourceUrn: SERVER_1,
            policyPackName: "zookeeper-docker-guardrails",
            policyPackVersion: "0.1.0",
            passed,
            failed,
        },
    });

describe("summarizePreview", () => {
    test("each changed resource once, under the outermost component, with the properties behind the change", () => {
        const summary = summarizePreview(events(...ROLL_STEPS));
        expect(summary.groups).toEqual([
            {
                component: { type: ENSEMBLE_TYPE, name: "zk" },
                resources: [
                    { name: "zk-1-container", type: CONTAINER, change: "replace", deleteFirst: true, properties: ["envs", "uploads"] },
                    { name: "zk-roll-gate-1", type: CONTAINER, change: "replace", deleteFirst: false, properties: ["name"] },
                ],
            },
            {
                component: undefined,
                resources: [{ name: "watcher", type: CONTAINER, change: "update", deleteFirst: false, properties: ["labels"] }],
            },
        ]);
        // The app's container is unchanged; components, the stack and the engine's provider are not rows.
        expect(summary.unchanged).toBe(1);
        expect(summary.errors).toEqual([]);
        expect(summary.warnings).toEqual([]);
    });

    test("without --show-sames a parent not in the steps names the group from its URN", () => {
        const summary = summarizePreview(events(...ROLL_STEPS.filter((line) => !line.includes('"op":"same"'))));
        expect(summary.groups.map((g) => g.component)).toEqual([
            { type: ENSEMBLE_TYPE, name: "zk" },
            { type: NODE_TYPE, name: "zk-1" },
            undefined,
        ]);
        expect(summary.groups[1].resources.map((r) => r.name)).toEqual(["zk-1-container"]);
    });

    test("error and warning diagnostics are kept; debug and the program's own output are not", () => {
        const summary = summarizePreview(
            events(
                eventLine({ diagnosticEvent: { message: "program log line", severity: "info" } }),
                eventLine({ diagnosticEvent: { message: "engine detail", severity: "debug" } }),
                eventLine({ diagnosticEvent: { message: "a warning\n", severity: "warning" } }),
                eventLine({ diagnosticEvent: { urn: STACK, message: "zookeeper.size: 4 is not allowed: must be odd", severity: "error" } }),
                eventLine({ errorEvent: { error: "preview failed" } }),
            ),
        );
        expect(summary).toMatchObject({
            errors: ["zookeeper.size: 4 is not allowed: must be odd", "preview failed"],
            warnings: ["a warning"],
        });
    });
});

describe("policy results", () => {
    test("a mandatory violation is a row naming the policy, the resource and the message, and blocks", () => {
        const summary = summarizePreview(
            events(
                ...ROLL_STEPS,
                packSummary(["docker-memory-limit", "docker-ports-loopback-only"]),
                packSummary(["docker-memory-limit"], ["docker-ports-loopback-only"]),
                violation(),
            ),
        );
        expect(summary.policyPacks).toEqual([
            expect.objectContaining({ name: "zookeeper-docker-guardrails", version: "0.1.0", passed: ["docker-memory-limit"] }),
        ]);
        const comment = renderPreviewComment("staging", { ...summary, errors: ["preview failed"] });
        expect(comment).toContain("❌ 1 blocking, 0 advisory or excepted violation (1 policy passed).");
        expect(comment).toContain(
            "| `docker-ports-loopback-only` | mandatory | `mon-prometheus` | docker-ports-loopback-only: port 9090 is published on 0.0.0.0:29090 more |",
        );
        expect(comment).toContain("a mandatory policy blocks it (see Policy)");
    });

    test("an excepted mandatory violation is listed but does not block", () => {
        const summary = summarizePreview(events(violation({ exceptions: [{ reason: "approved" }] })));
        const comment = renderPreviewComment("staging", summary);
        expect(comment).toContain("⚠️ 0 blocking, 1 advisory or excepted violation (0 policies passed).");
        expect(comment).toContain("| `docker-ports-loopback-only` | mandatory (excepted) | `mon-prometheus` |");
    });

    test("a pack that ran clean says so; no pack at all is flagged", () => {
        expect(renderPreviewComment("dev", summarizePreview(events(packSummary(["a", "b"]))))).toContain(
            "#### Policy: zookeeper-docker-guardrails 0.1.0\n\n✅ No violations (2 policies passed).",
        );
        expect(renderPreviewComment("dev", summarizePreview(events()))).toContain("No policy pack ran in this preview.");
    });
});

describe("renderPreviewComment", () => {
    const comment = renderPreviewComment("staging", summarizePreview(events(...ROLL_STEPS)));

    test("starts with the environment's marker, then the counts", () => {
        const lines = comment.split("\n");
        expect(lines[0]).toBe("<!-- pulumi-zookeeper-docker preview: staging -->");
        expect(lines[0]).toBe(commentMarker("staging"));
        expect(lines[3]).toBe("**2 to replace · 1 to update** (1 resources unchanged)");
    });

    test("a table per component: what is replaced, why, and whether the old one goes first", () => {
        expect(comment).toContain(
            [
                "#### ZooKeeperEnsemble `zk`: 2 to replace",
                "",
                "| Resource | Type | Change | Why |",
                "| --- | --- | --- | --- |",
                "| `zk-1-container` | `docker:Container` | 🔁 replace | `envs`, `uploads` changed; the old one is deleted first |",
                "| `zk-roll-gate-1` | `docker:Container` | 🔁 replace | `name` changed |",
            ].join("\n"),
        );
        expect(comment).toContain("#### Outside any component: 1 to update\n");
        expect(comment).toContain("| `watcher` | `docker:Container` | ✏️ update | `labels` changed in place |");
        expect(comment).not.toMatch(/app-1-container|ClientAppService|pulumi:providers/);
    });

    test("never a value: not the states' inputs, not a tickTime, not the config", () => {
        expect(comment).not.toContain(PLAINTEXT);
        expect(comment).not.toContain("1500");
        expect(comment).not.toContain("[secret]");
    });

    test("nothing planned says no changes", () => {
        const quiet = renderPreviewComment("prod", summarizePreview(events(...ROLL_STEPS.filter((line) => line.includes('"op":"same"')))));
        expect(quiet).toContain(`✅ **${NO_CHANGES}**: the deployed stack matches the program (1 resources unchanged).`);
        expect(quiet).not.toContain("| Resource |");
    });

    test("a failed preview leads with its errors, a line each", () => {
        const failed = renderPreviewComment(
            "dev",
            summarizePreview(
                events(
                    eventLine({ diagnosticEvent: { severity: "error", message: "bad config:\n  zookeeper.size: 4 | 2 is not allowed" } }),
                ),
            ),
        );
        expect(failed).toContain("❌ **The preview failed**");
        expect(failed).not.toContain("policy blocks it");
        expect(failed).toContain("#### Errors\n\n- bad config:\n- zookeeper.size: 4 \\| 2 is not allowed\n");
    });
});

describe("parsePreviewEvents", () => {
    test("refuses a line that is not JSON, naming the line and how it starts", () => {
        expect(() => parsePreviewEvents(`${summaryLine()}\nerror: no stack named 'dev' found`, "stdout")).toThrow(
            /^stdout line 2 is not an engine event of `pulumi preview --json` with PULUMI_ENABLE_STREAMING_JSON_PREVIEW \(.*\): error: no stack named 'dev' found$/,
        );
    });

    test("refuses an event of another shape, naming the field", () => {
        expect(() => parsePreviewEvents(JSON.stringify({ sequence: 1, policyEvent: { message: "m" } }), "stdout")).toThrow(
            "stdout line 1 is not an engine event: policyEvent.policyName:",
        );
        expect(() => parsePreviewEvents(JSON.stringify({ sequence: 1, resourcePreEvent: { metadata: { urn: "u" } } }), "stdout")).toThrow(
            "stdout line 1 is not an engine event: resourcePreEvent.metadata.op:",
        );
    });

    test("refuses JSON that holds no preview (the non-streaming digest, a config dump)", () => {
        expect(() => parsePreviewEvents(`${JSON.stringify({ sequence: 0, preludeEvent: { config: {} } })}\n`, "saved.json")).toThrow(
            "saved.json holds no preview: no resource step, no summary and no error among its 1 line(s)",
        );
        expect(() => parsePreviewEvents(JSON.stringify({ steps: [], changeSummary: {} }), "saved.json")).toThrow(
            "saved.json line 1 is not an engine event: sequence:",
        );
    });

    test("an ended stream records its result", () => {
        expect(parsePreviewEvents(eventLine({ summaryEvent: { result: "failed" } }), "s").result).toBe("failed");
    });
});

describe("runPreviewComment with a saved stream", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "preview-comment-"));
    const run = async (name: string, lines: string[]) => {
        const input = path.join(dir, `${name}.jsonl`);
        const output = path.join(dir, `${name}.md`);
        fs.writeFileSync(input, `${lines.join("\n")}\n`);
        const code = await runPreviewComment(["staging", "--input", input, "--output", output]);
        return { code, comment: fs.readFileSync(output, "utf8") };
    };

    test("exit 0 for a plan, 1 when a mandatory policy blocks or the preview failed", async () => {
        await expect(run("plan", [...ROLL_STEPS, summaryLine()])).resolves.toMatchObject({ code: 0 });
        const blocked = await run("blocked", [...ROLL_STEPS, violation(), summaryLine()]);
        expect(blocked.code).toBe(1);
        expect(blocked.comment).toContain("`docker-ports-loopback-only` | mandatory |");
        await expect(run("excepted", [...ROLL_STEPS, violation({ exceptions: [{}] }), summaryLine()])).resolves.toMatchObject({ code: 0 });
        await expect(run("failed", [...ROLL_STEPS, summaryLine("failed")])).resolves.toMatchObject({ code: 1 });
    });
});

describe("preview:comment's arguments", () => {
    const repo = path.resolve(__dirname, "..", "..");
    const usage = (argv: string[]) => {
        try {
            parseOptions(argv);
        } catch (err) {
            return (err as Error).message;
        }
        throw new Error(`accepted ${JSON.stringify(argv)}`);
    };

    test("an environment without a committed stack file is refused, naming the ones there are", () => {
        expect(usage(["qa"])).toBe(
            '<env>: "qa" is not allowed: use one of dev, prod, staging, swarm (the stacks with a Pulumi.<env>.yaml in stacks)',
        );
        expect(usage([])).toMatch(/^<env>: missing: give exactly one environment\nusage: npm run preview:comment/);
        expect(usage(["dev", "prod"])).toMatch(/^<env>: \["dev","prod"\] is not allowed: give exactly one environment/);
    });

    test("unknown flags, a missing input and a directory that is not a pack are refused", () => {
        expect(usage(["dev", "--show-secrets"])).toMatch(/^Unknown option '--show-secrets'.*\nusage: /);
        expect(usage(["dev", "--events", "e.jsonl"])).toMatch(/^Unknown option '--events'/);
        expect(usage(["dev", "--input", "/nonexistent/preview.json"])).toBe(
            '--input: "/nonexistent/preview.json" is not allowed: it must be an existing file',
        );
        expect(usage(["dev", "--policy-pack", os.tmpdir()])).toBe(
            `--policy-pack: "${os.tmpdir()}" is not allowed: it must be a policy pack directory (it has no PulumiPolicy.yaml)`,
        );
        expect(usage(["dev", "--cwd", os.tmpdir()])).toBe(
            `--cwd: "${os.tmpdir()}" is not allowed: it must be a Pulumi project directory (it has no Pulumi.yaml)`,
        );
    });

    test("defaults: this repository and its policy pack", () => {
        const input = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "preview-events-")), "preview.jsonl");
        fs.writeFileSync(input, "{}");
        expect(parseOptions(["staging", "--input", input])).toEqual({
            env: "staging",
            cwd: repo,
            policyPacks: [path.join(repo, "policy")],
            input,
            output: undefined,
        });
    });
});
