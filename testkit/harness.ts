/**
 * Shared plumbing of the end-to-end suites: a private copy of the project, a file state backend in
 * a temp dir, and small probes (docker, ZooKeeper four-letter words, HTTP) that only talk to
 * loopback and to the containers the suite itself created.
 */
import { execFile } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";
import { LocalWorkspace, Stack } from "@pulumi/pulumi/automation";

const execFileAsync = promisify(execFile);

export const repoRoot = path.resolve(__dirname, "..");
export const PROJECT = "zookeeper-platform";

/**
 * Logical names of what a rolling update of the stacks' ensemble (`zk`) replaces: the pre-flight
 * check (it runs again whenever the servers' settings change), each server's container, the roll
 * gate behind it and the final ready gate. Anything else replaced is a bug.
 */
export const ROLL_RESOURCE_NAME = /^zk-(preflight|\d+-container|roll-gate-\d+|ready-gate)$/;

/** Logical name of a server's container in the stacks' ensemble (`zk`). */
export const SERVER_CONTAINER_NAME = /^zk-\d+-container$/;

/** Files that make up the stack program; the copy gets nothing else but a node_modules link. */
const PROJECT_ENTRIES = ["Pulumi.yaml", "package.json", "tsconfig.json", "index.ts", "components", "stacks"];

export interface Project {
    workDir: string;
    stateDir: string;
    envVars: Record<string, string>;
}

/**
 * Copies the project to a temp dir, because Automation API's setConfig rewrites stack files and
 * the committed ones must stay as they are.
 */
export function copyProject(label: string): Project {
    const base = fs.mkdtempSync(path.join(os.tmpdir(), `zk-e2e-${label}-`));
    const workDir = path.join(base, "project");
    const stateDir = path.join(base, "state");
    fs.mkdirSync(workDir);
    fs.mkdirSync(stateDir);
    for (const entry of PROJECT_ENTRIES) {
        fs.cpSync(path.join(repoRoot, entry), path.join(workDir, entry), { recursive: true });
    }
    fs.symlinkSync(path.join(repoRoot, "node_modules"), path.join(workDir, "node_modules"));
    return { workDir, stateDir, envVars: backendEnv(label, stateDir) };
}

/**
 * Environment of every Pulumi run of a suite: a file backend in `stateDir`, a passphrase derived
 * from `label`, no update checks or plugin downloads. Two projects given the same label and
 * state dir share one backend (the upgrade harness deploys old code and previews new code so).
 */
export function backendEnv(label: string, stateDir: string): Record<string, string> {
    return {
        PULUMI_BACKEND_URL: `file://${stateDir}`,
        PULUMI_CONFIG_PASSPHRASE: `e2e-${label}`,
        PULUMI_SKIP_UPDATE_CHECK: "true",
        PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
        // Type checking is `npm run build`'s job; the engine only needs the JavaScript.
        PULUMI_NODEJS_TRANSPILE_ONLY: "true",
    };
}

/**
 * A stack of a fixture program (a folder with its own Pulumi.yaml) copied into `baseDir/project`,
 * with the repository's node_modules and a file backend in `baseDir/state`.
 */
export async function openFixtureStack(fixtureDir: string, stackName: string, baseDir: string): Promise<Stack> {
    const workDir = path.join(baseDir, "project");
    fs.cpSync(fixtureDir, workDir, { recursive: true });
    fs.symlinkSync(path.join(repoRoot, "node_modules"), path.join(workDir, "node_modules"));
    fs.mkdirSync(path.join(baseDir, "state"));
    return LocalWorkspace.createOrSelectStack({ stackName, workDir }, { envVars: backendEnv(stackName, path.join(baseDir, "state")) });
}

export async function openStack(project: Project, stackName: string): Promise<Stack> {
    return LocalWorkspace.createOrSelectStack({ stackName, workDir: project.workDir }, { envVars: project.envVars });
}

/** Sets config values by path (e.g. `zookeeper.tickTime`) under the project namespace. */
export async function setPaths(stack: Stack, values: Record<string, string>): Promise<void> {
    for (const [key, value] of Object.entries(values)) {
        await stack.setConfig(`${PROJECT}:${key}`, { value }, true);
    }
}

/**
 * Runs a command to its end and gives its exit status (1 when it was killed or could not start)
 * and its stdout and stderr together, for suites that assert on a failing exit as well.
 */
export function runToExit(
    file: string,
    args: readonly string[],
    options: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs: number },
): Promise<{ exitCode: number; output: string }> {
    return new Promise((resolve) => {
        execFile(
            file,
            [...args],
            { cwd: options.cwd, env: options.env, maxBuffer: 64 * 1024 * 1024, timeout: options.timeoutMs },
            (err, stdout, stderr) =>
                resolve({ exitCode: err ? (typeof err.code === "number" ? err.code : 1) : 0, output: `${stdout}${stderr}` }),
        );
    });
}

export async function docker(...args: string[]): Promise<string> {
    const { stdout } = await execFileAsync("docker", args, { maxBuffer: 16 * 1024 * 1024 });
    return stdout.trim();
}

/**
 * `npm pack` of the working tree into `destDir` (outside the repository), the way a user gets the
 * package; returns the tarball's path. Needs a built dist/.
 */
export async function packPackage(destDir: string): Promise<string> {
    const { stdout } = await execFileAsync("npm", ["pack", "--json", "--pack-destination", destDir], { cwd: repoRoot });
    const [packed] = JSON.parse(stdout) as Array<{ filename: string }>;
    return path.join(destDir, packed.filename);
}

/** Names of the containers, networks or volumes whose names contain `fragment`. */
export async function dockerNames(kind: "container" | "network" | "volume", fragment: string): Promise<string[]> {
    const out =
        kind === "container" ? await docker("ps", "-a", "--format", "{{.Names}}") : await docker(kind, "ls", "--format", "{{.Name}}");
    return out.split("\n").filter((n) => n.includes(fragment));
}

/** Sends a four-letter word to `host:port` and returns the whole answer ("" when unreachable). */
export function fourLetterWord(hostAndPort: string, word: string, timeoutMs = 2000): Promise<string> {
    const [host, port] = hostAndPort.split(":");
    return new Promise((resolve) => {
        const socket = net.connect({ host, port: Number(port) });
        let answer = "";
        const done = () => {
            socket.destroy();
            resolve(answer);
        };
        socket.setTimeout(timeoutMs, done);
        socket.on("connect", () => socket.write(word));
        socket.on("data", (chunk) => (answer += chunk.toString()));
        socket.on("end", done);
        socket.on("error", done);
    });
}

/** How many of `all` (as `modes` returns them) lead and how many follow. */
export function countModes(all: readonly string[]): { leaders: number; followers: number } {
    return { leaders: all.filter((m) => m === "leader").length, followers: all.filter((m) => m === "follower").length };
}

export function modeOf(srvrOutput: string): string | undefined {
    return /^Mode: (\w+)/m.exec(srvrOutput)?.[1];
}

/** What a server's `srvr` said: whether it answered at all (one in an election answers without a mode), and its mode. */
export interface ServerState {
    answered: boolean;
    mode: string | undefined;
}

/**
 * Each server's state, asked through its published client port: up to three attempts 500 ms apart
 * until one gives a mode. A server counts as down only when three attempts in a row get no mode,
 * and as not running only when none of them got an answer: on two busy cores one slow answer is
 * not an outage.
 */
export async function serverStates(hostPorts: string[]): Promise<ServerState[]> {
    return Promise.all(
        hostPorts.map(async (hostPort) => {
            let answered = false;
            for (let attempt = 0; attempt < 3; attempt++) {
                const answer = await fourLetterWord(hostPort, "srvr");
                answered ||= answer !== "";
                const mode = modeOf(answer);
                if (mode) {
                    return { answered, mode };
                }
                await sleep(500);
            }
            return { answered, mode: undefined };
        }),
    );
}

/** The mode of each server ("down" when three attempts in a row got none; see serverStates). */
export async function modes(hostPorts: string[]): Promise<string[]> {
    return (await serverStates(hostPorts)).map((s) => s.mode ?? "down");
}

export async function httpJson<T = unknown>(url: string, timeoutMs = 3000): Promise<{ status: number; body: T }> {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    const text = await res.text();
    let body: unknown = text;
    try {
        body = JSON.parse(text);
    } catch {
        // not JSON: keep the text
    }
    return { status: res.status, body: body as T };
}

export async function sleep(ms: number): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `probe` until it returns a value other than undefined, or throws after `timeoutMs`. */
export async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let lastError: unknown;
    while (Date.now() < deadline) {
        try {
            const value = await probe();
            if (value !== undefined) {
                return value;
            }
        } catch (err) {
            lastError = err;
        }
        await sleep(500);
    }
    throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${String(lastError)}` : ""}`);
}

/** Collects lines for the summary printed at the end of the suite. */
export const summary: string[] = [];
