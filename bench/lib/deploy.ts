/**
 * Deployments the cold-start and preview figures time: the stack program through the Pulumi CLI on
 * a private copy of the project, the docker-compose baseline, and the one-resource program that is
 * the engine's floor. Everything talks to the local Docker daemon only.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Project, copyProject, docker, repoRoot } from "../../testkit/harness";
import { stackFileYaml } from "./stackConfig";

export interface RunResult {
    code: number;
    ms: number;
    stdout: string;
    stderr: string;
}

/** Runs a command, resolving with its exit code, output and wall time (never rejects). */
export function run(
    cmd: string,
    args: string[],
    opts: { cwd?: string; env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<RunResult> {
    return new Promise((resolve) => {
        const started = process.hrtime.bigint();
        const child = spawn(cmd, args, { cwd: opts.cwd, env: { ...process.env, ...(opts.env ?? {}) }, stdio: ["ignore", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d) => (stdout += d.toString()));
        child.stderr.on("data", (d) => (stderr += d.toString()));
        const timer = opts.timeoutMs ? setTimeout(() => child.kill("SIGTERM"), opts.timeoutMs) : undefined;
        child.on("close", (code) => {
            if (timer) clearTimeout(timer);
            resolve({ code: code ?? -1, ms: Number(process.hrtime.bigint() - started) / 1e6, stdout, stderr });
        });
    });
}

export function must(what: string, r: RunResult): RunResult {
    if (r.code !== 0) {
        throw new Error(`${what} failed (exit ${r.code}):\n${r.stderr.slice(-3000)}\n${r.stdout.slice(-3000)}`);
    }
    return r;
}

/** A private copy of a Pulumi project with its own file backend. */
export interface PulumiDir {
    dir: string;
    env: Record<string, string>;
}

/** The stack program's project (test/e2e harness copy) with `stacks/Pulumi.<name>.yaml` for each stack. */
export async function prepareProgram(
    label: string,
    stacks: Record<string, Record<string, unknown>>,
): Promise<PulumiDir & { project: Project }> {
    const project = copyProject(`bench-${label}`);
    const pd = { dir: project.workDir, env: project.envVars, project };
    for (const [name, raw] of Object.entries(stacks)) {
        fs.writeFileSync(path.join(project.workDir, "stacks", `Pulumi.${name}.yaml`), stackFileYaml(raw));
        must(`pulumi stack init ${name}`, await pulumi(pd, ["stack", "init", name]));
    }
    return pd;
}

/** The one-resource program of the e2e smoke test, deployed nowhere yet. */
export async function prepareOneResource(stack: string, image: string): Promise<PulumiDir> {
    const base = fs.mkdtempSync(path.join(os.tmpdir(), "zk-bench-one-"));
    const dir = path.join(base, "project");
    fs.cpSync(path.join(repoRoot, "test", "e2e", "fixtures", "one-container"), dir, { recursive: true });
    fs.symlinkSync(path.join(repoRoot, "node_modules"), path.join(dir, "node_modules"));
    fs.mkdirSync(path.join(base, "state"));
    const pd = {
        dir,
        env: {
            PULUMI_BACKEND_URL: `file://${path.join(base, "state")}`,
            PULUMI_CONFIG_PASSPHRASE: "bench-one",
            PULUMI_SKIP_UPDATE_CHECK: "true",
            PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
            PULUMI_NODEJS_TRANSPILE_ONLY: "true",
        },
    };
    must("pulumi stack init", await pulumi(pd, ["stack", "init", stack]));
    must("pulumi config set", await pulumi(pd, ["config", "set", "--stack", stack, "image", image]));
    return pd;
}

export function pulumi(pd: PulumiDir, args: string[], timeoutMs = 15 * 60 * 1000): Promise<RunResult> {
    return run("pulumi", [...args, "--non-interactive"], { cwd: pd.dir, env: pd.env, timeoutMs });
}

export function removeDir(pd: PulumiDir): void {
    // The project dir's parent holds the state too.
    fs.rmSync(path.dirname(pd.dir), { recursive: true, force: true });
}

/** Name and status of every container (one `docker ps`). */
export async function containerStatuses(): Promise<Map<string, string>> {
    const out = await docker("ps", "-a", "--format", "{{.Names}}\t{{.Status}}");
    const map = new Map<string, string>();
    for (const line of out.split("\n")) {
        const [name, status] = line.split("\t");
        if (name) map.set(name, status ?? "");
    }
    return map;
}

/** Running, and healthy if it has a health check. */
export function isReady(status: string | undefined): boolean {
    if (!status || !status.startsWith("Up")) return false;
    return !/\((health: starting|unhealthy)\)/.test(status);
}
