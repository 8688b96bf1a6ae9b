/**
 * Upgrade harness: deploys a stack with the code of an earlier commit, then previews
 * the same stack, on the same state, with the code of the working tree, and reports the steps the
 * engine plans. This is what an operator does when moving a deployed stack to a new version of
 * the package: the stack file stays, the code changes.
 *
 *   const d = await deployAtCommit({ commit: "28adc2f", stackName: "upgrade", configOverrides: { ... } });
 *   const p = await previewWithCurrent(d);
 *   replacementSteps(p.steps)        // [] when nothing would be replaced
 *   await destroy(d);                // or destroyAll() in afterAll
 *
 * The old code runs in a `git worktree add --detach` checkout in a temp dir outside the repository,
 * the new code in a copy of the working tree (testkit/harness.ts's copyProject), both against one
 * file backend in a temp dir. Steps are matched by operation only: a type token renamed with an
 * alias (`zookeeper-docker:index:X` -> `pulumi-zookeeper-docker:index:X`) changes URN text, not ops.
 * Everything this creates (containers of the stack, the worktree, temp dirs) is removed by
 * destroy(), also when a step failed.
 */
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";
import { EngineEvent, OpType, PropertyDiff, Stack, StepEventStateMetadata } from "@pulumi/pulumi/automation";
import { parse, stringify } from "yaml";
import { PROJECT, Project, backendEnv, copyProject, docker, openStack, repoRoot } from "../../testkit/harness";

const execFileAsync = promisify(execFile);

/** Environment for the stack program: no registry here, so the local images (stacks/config.ts applyEnvironmentOverrides). */
export const DEFAULT_PROGRAM_ENV: Readonly<Record<string, string>> = Object.freeze({ ZK_IMAGE_SOURCE: "local" });

/** Ops that replace a resource (delete and create it again) instead of updating it in place. */
export const REPLACEMENT_OPS: readonly OpType[] = Object.freeze([
    "replace",
    "create-replacement",
    "delete-replaced",
    "discard-replaced",
    "read-replacement",
    "import-replacement",
] as OpType[]);

/** Config values by path under the project namespace, e.g. `{ "zookeeper.clientHostPortBase": 16811 }`. */
export type ConfigOverrides = Record<string, unknown>;

/** Host ports of a suite's stack, by what they publish. */
export interface SuitePorts {
    zkClient: number;
    zkMetrics: number;
    app: number;
    prometheus: number;
    alertmanager: number;
    grafana: number;
}

/** The dev stack file's port keys, moved to `ports`; every other key stays as the stack file has it. */
export function portOverrides(ports: SuitePorts): ConfigOverrides {
    return {
        "zookeeper.clientHostPortBase": ports.zkClient,
        "zookeeper.metricsHostPortBase": ports.zkMetrics,
        "clientApp.hostPortBase": ports.app,
        "monitoring.prometheusHostPort": ports.prometheus,
        "monitoring.alertmanagerHostPort": ports.alertmanager,
        "monitoring.grafanaHostPort": ports.grafana,
    };
}

export interface DeployOptions {
    /** Any commit-ish `git rev-parse` resolves, e.g. "28adc2f". */
    commit: string;
    /** The stack to create; it gets `Pulumi.<stackName>.yaml` (base stack file plus overrides). */
    stackName: string;
    /** Whose committed stack file (at `commit`) the stack starts from; default "dev". */
    baseStack?: string;
    /** Environment of the stack program, on top of the backend's; default DEFAULT_PROGRAM_ENV. */
    env?: Record<string, string>;
    /** Applied to the base stack file (own host ports, a size ...). */
    configOverrides?: ConfigOverrides;
    /** Progress lines (dependency decision, timings); default console.log. */
    log?: (line: string) => void;
}

export interface Deployment {
    commit: string;
    /** Full hash of `commit`. */
    resolvedCommit: string;
    stackName: string;
    /** Temp dir holding the worktree and the state. */
    baseDir: string;
    worktreeDir: string;
    stateDir: string;
    /** The old code's project (the worktree) on the shared backend. */
    project: Project;
    stack: Stack;
    /** How the worktree got its node_modules, and why. */
    dependencies: { mode: "symlink" | "npm ci"; reason: string };
    /** Stack outputs of the old code's `up` (secrets in plain text). */
    outputs: Record<string, unknown>;
    upSeconds: number;
    log: (line: string) => void;
    /** More temp dirs to remove (the copies of the current code). */
    tempDirs: string[];
    /** Set once destroy() ran. */
    destroyed: boolean;
}

/** One step the engine planned, from a resourcePreEvent. */
export interface PlannedStep {
    op: OpType;
    urn: string;
    type: string;
    /** Properties whose change caused the step (updates and replacements). */
    diffs: string[];
    detailedDiff?: Record<string, PropertyDiff>;
    /** Properties that force a replacement. */
    replaceKeys: string[];
    /**
     * What differs between the old and new state when the engine gave no `diffs` (components, whose
     * inputs the engine compares itself): "type", "parent", "provider", "protect",
     * "retainOnDelete" or "inputs.<key>".
     */
    stateChanges: string[];
}

export interface PreviewOutcome {
    steps: PlannedStep[];
    /** Steps by op, `same` included. */
    counts: Partial<Record<OpType, number>>;
    /** The engine's own change summary (from the preview result). */
    changeSummary: Record<string, number>;
    stdout: string;
    /** The copy of the current code the preview ran in. */
    project: Project;
    stack: Stack;
}

/** Every deployment not yet destroyed, so that an afterAll can clean up after a test that threw or timed out. */
const live = new Set<Deployment>();

async function git(...args: string[]): Promise<string> {
    const { stdout } = await execFileAsync("git", ["-C", repoRoot, ...args], { maxBuffer: 16 * 1024 * 1024 });
    return stdout.trim();
}

/** JSON with sorted keys, so that two objects compare by content. */
function canonical(value: unknown): string {
    return JSON.stringify(value, (_key, v: unknown) =>
        v !== null && typeof v === "object" && !Array.isArray(v)
            ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)))
            : v,
    );
}

/**
 * The installed tree a lockfile describes: `packages` without the root entry (whose name,
 * version and scripts do not change what is installed), or v1's `dependencies`.
 */
function lockedTree(lockText: string): unknown {
    const lock = JSON.parse(lockText) as { packages?: Record<string, unknown>; dependencies?: unknown };
    if (lock.packages) {
        const { "": _root, ...installed } = lock.packages;
        return installed;
    }
    return lock.dependencies ?? {};
}

/**
 * node_modules for the worktree. The current node_modules serves the old code when the old
 * package-lock.json locks exactly the tree the current one does (every package at the same
 * version, resolved and integrity): it is then the tree `npm ci` would build, minutes faster and
 * without any download. Otherwise the worktree gets its own `npm ci`.
 */
async function provideDependencies(worktreeDir: string, log: (line: string) => void): Promise<Deployment["dependencies"]> {
    const oldLock = path.join(worktreeDir, "package-lock.json");
    const currentLock = path.join(repoRoot, "package-lock.json");
    let reason: string;
    if (!fs.existsSync(oldLock)) {
        reason = "the commit has no package-lock.json";
    } else if (!fs.existsSync(path.join(repoRoot, "node_modules"))) {
        reason = "the working tree has no node_modules";
    } else if (canonical(lockedTree(fs.readFileSync(oldLock, "utf8"))) === canonical(lockedTree(fs.readFileSync(currentLock, "utf8")))) {
        fs.symlinkSync(path.join(repoRoot, "node_modules"), path.join(worktreeDir, "node_modules"));
        const dependencies = {
            mode: "symlink" as const,
            reason: "the commit's package-lock.json locks the same packages as the working tree's, so the installed node_modules is what npm ci would install",
        };
        log(`dependencies: ${dependencies.mode} (${dependencies.reason})`);
        return dependencies;
    } else {
        reason = "the commit's package-lock.json locks other packages than the working tree's";
    }
    const started = Date.now();
    await execFileAsync("npm", ["ci", "--no-audit", "--no-fund"], { cwd: worktreeDir, maxBuffer: 64 * 1024 * 1024 });
    const dependencies = { mode: "npm ci" as const, reason };
    log(`dependencies: npm ci in the worktree (${reason}; ${((Date.now() - started) / 1000).toFixed(0)} s)`);
    return dependencies;
}

/** Sets `value` at a dotted path of `config` (the part after the namespace), creating objects on the way. */
function setPath(config: Record<string, unknown>, dotted: string, value: unknown): void {
    const [top, ...rest] = dotted.split(".");
    const key = `${PROJECT}:${top}`;
    if (rest.length === 0) {
        config[key] = value;
        return;
    }
    let node = (config[key] ??= {}) as Record<string, unknown>;
    for (const part of rest.slice(0, -1)) {
        node = (node[part] ??= {}) as Record<string, unknown>;
    }
    node[rest[rest.length - 1]] = value;
}

/** Where a project keeps its stack files (Pulumi.yaml's stackConfigDir). */
function stackConfigDir(projectDir: string): string {
    const settings = parse(fs.readFileSync(path.join(projectDir, "Pulumi.yaml"), "utf8")) as { stackConfigDir?: string };
    return path.join(projectDir, settings.stackConfigDir ?? ".");
}

function stackFile(projectDir: string, stackName: string): string {
    return path.join(stackConfigDir(projectDir), `Pulumi.${stackName}.yaml`);
}

/** Rewrites a stack file with `overrides` applied; keeps every other key, `encryptionsalt` included. */
function applyOverrides(file: string, overrides: ConfigOverrides): void {
    const doc = (parse(fs.readFileSync(file, "utf8")) ?? {}) as { config?: Record<string, unknown> };
    doc.config ??= {};
    for (const [dotted, value] of Object.entries(overrides)) {
        setPath(doc.config, dotted, value);
    }
    fs.writeFileSync(file, stringify(doc));
}

function recorder(): { stdout: () => string; onOutput: (text: string) => void } {
    let text = "";
    return { stdout: () => text, onOutput: (chunk: string) => void (text += chunk) };
}

function tail(text: string, lines = 40): string {
    return text.trimEnd().split("\n").slice(-lines).join("\n");
}

/**
 * Deploys `stackName` with the code of `commit`: the commit's stack file `baseStack` plus
 * `configOverrides`, a file backend in a temp dir, the program environment `env`. Throws when
 * `up` fails, after cleaning up what it created.
 */
export async function deployAtCommit(options: DeployOptions): Promise<Deployment> {
    const log = options.log ?? ((line: string) => console.log(`[upgrade] ${line}`));
    const resolvedCommit = await git("rev-parse", "--verify", `${options.commit}^{commit}`);
    const baseDir = fs.mkdtempSync(path.join(os.tmpdir(), `zk-upgrade-${options.stackName}-`));
    const worktreeDir = path.join(baseDir, "old");
    const stateDir = path.join(baseDir, "state");
    fs.mkdirSync(stateDir);
    const project: Project = {
        workDir: worktreeDir,
        stateDir,
        envVars: { ...backendEnv(`upgrade-${options.stackName}`, stateDir), ...(options.env ?? DEFAULT_PROGRAM_ENV) },
    };
    const deployment: Deployment = {
        commit: options.commit,
        resolvedCommit,
        stackName: options.stackName,
        baseDir,
        worktreeDir,
        stateDir,
        project,
        stack: undefined as unknown as Stack,
        dependencies: { mode: "symlink", reason: "" },
        outputs: {},
        upSeconds: 0,
        log,
        tempDirs: [],
        destroyed: false,
    };
    live.add(deployment);
    try {
        await git("worktree", "add", "--detach", worktreeDir, resolvedCommit);
        deployment.dependencies = await provideDependencies(worktreeDir, log);

        const base = stackFile(worktreeDir, options.baseStack ?? "dev");
        const file = stackFile(worktreeDir, options.stackName);
        fs.copyFileSync(base, file);
        applyOverrides(file, options.configOverrides ?? {});

        deployment.stack = await openStack(project, options.stackName);
        const output = recorder();
        const started = Date.now();
        try {
            const result = await deployment.stack.up({ onOutput: output.onOutput });
            deployment.upSeconds = (Date.now() - started) / 1000;
            deployment.outputs = Object.fromEntries(Object.entries(result.outputs).map(([k, v]) => [k, v.value]));
            log(
                `up at ${resolvedCommit.substring(0, 7)} took ${deployment.upSeconds.toFixed(1)} s: ${canonical(result.summary.resourceChanges ?? {})}`,
            );
        } catch (err) {
            throw new Error(
                `up of ${options.stackName} at ${options.commit} failed: ${String(err)}\n--- last output ---\n${tail(output.stdout())}`,
            );
        }
        return deployment;
    } catch (err) {
        await destroy(deployment).catch((cleanupError) => log(`cleanup after a failed deployment: ${String(cleanupError)}`));
        throw err;
    }
}

/**
 * Previews the deployed stack with the working tree's code (a fresh copy of it) on the same
 * backend and the same stack file, `configOverrides` applied on top (e.g. a new size). Returns
 * every step the engine planned, `same` included.
 */
export async function previewWithCurrent(
    deployment: Deployment,
    options: { configOverrides?: ConfigOverrides; env?: Record<string, string> } = {},
): Promise<PreviewOutcome> {
    const copy = copyProject(`upgrade-${deployment.stackName}`);
    // The copy's own (empty) state dir is not used: the preview runs on the deployment's backend.
    deployment.tempDirs.push(path.dirname(copy.workDir));
    const workDir = copy.workDir;

    const file = stackFile(workDir, deployment.stackName);
    fs.copyFileSync(stackFile(deployment.worktreeDir, deployment.stackName), file);
    applyOverrides(file, options.configOverrides ?? {});
    const project: Project = {
        workDir,
        stateDir: deployment.stateDir,
        envVars: { ...deployment.project.envVars, ...(options.env ?? {}) },
    };
    const stack = await openStack(project, deployment.stackName);

    const steps: PlannedStep[] = [];
    const onEvent = (event: EngineEvent) => {
        const meta = event.resourcePreEvent?.metadata;
        if (meta) {
            steps.push({
                op: meta.op,
                urn: meta.urn,
                type: meta.type,
                diffs: meta.diffs ?? [],
                detailedDiff: meta.detailedDiff,
                replaceKeys: meta.keys ?? [],
                stateChanges: stateChanges(meta.old, meta.new),
            });
        }
    };
    const output = recorder();
    let result;
    try {
        result = await stack.preview({ onEvent, onOutput: output.onOutput });
    } catch (err) {
        throw new Error(
            `preview of ${deployment.stackName} with the current code failed: ${String(err)}\n--- last output ---\n${tail(output.stdout())}`,
        );
    }
    return {
        steps,
        counts: countByOp(steps),
        changeSummary: (result.changeSummary ?? {}) as Record<string, number>,
        stdout: result.stdout,
        project,
        stack,
    };
}

/** Top-level differences between two states of one resource (see PlannedStep.stateChanges). */
function stateChanges(before?: StepEventStateMetadata, after?: StepEventStateMetadata): string[] {
    if (!before || !after) {
        return [];
    }
    const changes: string[] = [];
    for (const field of ["type", "parent", "provider", "protect", "retainOnDelete"] as const) {
        if ((before[field] ?? null) !== (after[field] ?? null)) {
            changes.push(field);
        }
    }
    const keys = new Set([...Object.keys(before.inputs ?? {}), ...Object.keys(after.inputs ?? {})]);
    for (const key of [...keys].sort()) {
        if (canonical(before.inputs?.[key]) !== canonical(after.inputs?.[key])) {
            changes.push(`inputs.${key}`);
        }
    }
    return changes;
}

/** The logical name of a URN (its last `::` part), the same whatever the type tokens. */
export function logicalName(urn: string): string {
    const parts = urn.split("::");
    return parts[parts.length - 1];
}

/**
 * Resources the new code would create while deleting one of the same logical name: a URN that
 * changed without an alias. For a container that is a replacement too (and a name collision),
 * just not one the engine calls `replace`. Deletes of resources the new code no longer declares
 * at all (e.g. per-server images merged into one) are not moves.
 */
export function unaliasedMoves(steps: PlannedStep[]): Array<{ name: string; from: string; to: string }> {
    const deleted = new Map(steps.filter((s) => s.op === "delete").map((s) => [logicalName(s.urn), s.urn]));
    return steps
        .filter((s) => s.op === "create" && deleted.has(logicalName(s.urn)))
        .map((s) => ({ name: logicalName(s.urn), from: deleted.get(logicalName(s.urn))!, to: s.urn }));
}

export function countByOp(steps: PlannedStep[]): Partial<Record<OpType, number>> {
    const counts: Partial<Record<OpType, number>> = {};
    for (const step of steps) {
        counts[step.op] = (counts[step.op] ?? 0) + 1;
    }
    return counts;
}

/** Steps that would replace a resource. Matched by op only, never by URN text. */
export function replacementSteps(steps: PlannedStep[]): PlannedStep[] {
    return steps.filter((s) => REPLACEMENT_OPS.includes(s.op));
}

/** Counts by op, then every step other than `same` with its URN and changed properties. */
export function renderSummary(title: string, preview: PreviewOutcome): string {
    const ops = Object.entries(preview.counts)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([op, n]) => `${op}=${n}`)
        .join(", ");
    const lines = [`${title}`, `steps by op: ${ops}`];
    const changed = preview.steps.filter((s) => s.op !== "same");
    if (changed.length === 0) {
        lines.push("no step other than same");
    }
    for (const s of changed) {
        const why = s.replaceKeys.length > 0 ? ` (replace keys: ${s.replaceKeys.join(", ")})` : "";
        const diffs =
            s.diffs.length > 0
                ? ` diffs: ${s.diffs.join(", ")}`
                : s.op === "update" && s.stateChanges.length > 0
                  ? ` changed: ${s.stateChanges.join(", ")}`
                  : "";
        lines.push(`${s.op.padEnd(18)} ${s.urn}${diffs}${why}`);
    }
    return lines.join("\n  ");
}

/**
 * Destroys the stack (with the old code's workspace: destroy does not run the program), removes
 * what destroy could not (containers, networks and volumes labelled with the stack), the worktree
 * and the temp dirs. Every part runs even when an earlier one failed; the first error is thrown
 * at the end.
 */
export async function destroy(deployment: Deployment): Promise<void> {
    if (deployment.destroyed) {
        return;
    }
    deployment.destroyed = true;
    live.delete(deployment);
    const errors: unknown[] = [];
    const attempt = async (what: string, action: () => Promise<unknown>) => {
        try {
            await action();
        } catch (err) {
            errors.push(new Error(`${what}: ${String(err)}`));
            deployment.log(`cleanup: ${what} failed: ${String(err).split("\n")[0]}`);
        }
    };
    if (deployment.stack) {
        const output = recorder();
        await attempt("pulumi destroy", async () => {
            try {
                await deployment.stack.destroy({ onOutput: output.onOutput });
            } catch (err) {
                throw new Error(`${String(err)}\n--- last output ---\n${tail(output.stdout())}`);
            }
        });
    }
    // Only objects carrying this stack's label: what this deployment created, nothing else.
    await attempt("removing leftover docker objects", () => removeLabelled(deployment.stackName));
    // Only this worktree: `git worktree prune` would touch other worktrees' records too.
    const registered = (await git("worktree", "list", "--porcelain").catch(() => ""))
        .split("\n")
        .some((line) => line === `worktree ${deployment.worktreeDir}`);
    if (registered || fs.existsSync(deployment.worktreeDir)) {
        await attempt("git worktree remove", () => git("worktree", "remove", "--force", deployment.worktreeDir));
    }
    await attempt("removing temp dirs", async () => {
        for (const dir of [deployment.baseDir, ...deployment.tempDirs]) {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
    if (errors.length > 0) {
        throw errors[0];
    }
}

/** destroy() for every deployment still alive (afterAll). */
export async function destroyAll(): Promise<void> {
    const errors: unknown[] = [];
    for (const deployment of [...live]) {
        await destroy(deployment).catch((err) => errors.push(err));
    }
    if (errors.length > 0) {
        throw errors[0];
    }
}

/** Removes containers, then networks and volumes, labelled `zookeeper-docker.stack=<stackName>`. */
async function removeLabelled(stackName: string): Promise<void> {
    const filter = `label=zookeeper-docker.stack=${stackName}`;
    const list = async (...args: string[]) => (await docker(...args)).split("\n").filter((s) => s.length > 0);
    const containers = await list("ps", "-aq", "--filter", filter);
    if (containers.length > 0) {
        await docker("rm", "-f", ...containers);
    }
    const networks = await list("network", "ls", "-q", "--filter", filter);
    if (networks.length > 0) {
        await docker("network", "rm", ...networks);
    }
    const volumes = await list("volume", "ls", "-q", "--filter", filter);
    if (volumes.length > 0) {
        await docker("volume", "rm", ...volumes);
    }
}
