/**
 * The simulated hosts of scripts/multihost/ as the multi-host suite drives them: their sockets and
 * addresses, the route check before any packet to them, and the faults of host.sh.
 */
import * as path from "path";
import { repoRoot, runToExit, waitFor } from "./harness";

const SCRIPTS = path.join(repoRoot, "scripts", "multihost");

export interface SimulatedHost {
    /** 1-based, as host.sh takes it. */
    index: number;
    /** The node label, `h<index>`. */
    label: string;
    socket: string;
    address: string;
}

/** A script's exit code and its stdout and stderr together, for the tests of the scripts themselves. */
export async function runScript(name: string, args: string[], timeoutMs: number, env: NodeJS.ProcessEnv = process.env) {
    return runToExit("bash", [path.join(SCRIPTS, name), ...args], { cwd: repoRoot, env, timeoutMs });
}

async function script(name: string, args: string[], timeoutMs: number, env?: NodeJS.ProcessEnv): Promise<string> {
    const r = await runScript(name, args, timeoutMs, env);
    if (r.exitCode !== 0) throw new Error(`scripts/multihost/${name} ${args.join(" ")} failed (exit ${r.exitCode}): ${r.output}`);
    return r.output;
}

/**
 * `teardown.sh`, then `setup.sh n`: the hosts, from the lines setup prints ("hN unix://...
 * 10.213.0.1N"). A suite starts from nothing: a run killed midway leaves its hosts running, maybe
 * cut off, stopped or mid-election, with its services in their swarm, and a CI run once failed on
 * such a swarm. `env` is setup's environment (MH_IMAGES).
 */
export async function setUpHosts(n: number, env: NodeJS.ProcessEnv = process.env): Promise<SimulatedHost[]> {
    await tearDownHosts();
    const out = await script("setup.sh", [String(n)], 600000, env);
    return out
        .split("\n")
        .map((line) => /^h(\d) (unix:\/\/\S+) (\d+\.\d+\.\d+\.\d+)$/.exec(line))
        .filter((m): m is RegExpExecArray => m !== null)
        .map((m) => ({ index: Number(m[1]), label: `h${m[1]}`, socket: m[2], address: m[3] }));
}

export async function tearDownHosts(): Promise<string> {
    return script("teardown.sh", [], 300000);
}

export async function hostFault(action: "cut" | "heal" | "stop" | "start", host: SimulatedHost): Promise<void> {
    await script("host.sh", [action, String(host.index)], 120000);
}

/**
 * Refuses an address the root namespace would reach other than over the hosts' link: a packet to
 * an address without a local route leaves through the default route (multi-host-here.md). The
 * rule is `mh_check_local` in scripts/multihost/lib.sh, run through check-route.sh.
 */
export async function checkOnLink(address: string): Promise<void> {
    await script("check-route.sh", [address], 5000);
}

/** The docker CLI against one host's daemon. */
export async function onHost(host: SimulatedHost, ...args: string[]): Promise<string> {
    const r = await runToExit("docker", ["-H", host.socket, ...args], { cwd: repoRoot, env: process.env, timeoutMs: 60000 });
    if (r.exitCode !== 0) throw new Error(`docker -H ${host.socket} ${args.join(" ")}: ${r.output}`);
    return r.output.trim();
}

/**
 * How long a swarm may take to be whole again after a manager's link heals: observed here, the
 * swarm had a leader for about 12 s after the heal, then none for about 50 s (most likely the
 * healed manager's higher Raft term deposed it), and was whole 11-75 s after the heal.
 */
const SWARM_SETTLE_MAX_MS = 180000;

/**
 * Waits, via `via`'s daemon, until the swarm's control plane is whole: `nodes` nodes Ready, each
 * manager Leader or Reachable, one Leader, and the service API answering. A healed or restarted
 * manager can set off a raft election; until it ends, every `docker service` command fails with
 * "The swarm does not have a leader". Returns the ms it waited.
 */
export async function swarmSettled(via: SimulatedHost, nodes: number, timeoutMs = SWARM_SETTLE_MAX_MS): Promise<number> {
    const started = Date.now();
    await waitFor(`the swarm's ${nodes} nodes Ready with one raft leader`, timeoutMs, async () => {
        const states = (await onHost(via, "node", "ls", "--format", "{{.Hostname}} {{.Status}} {{.ManagerStatus}}")).split("\n");
        const settled =
            states.length === nodes &&
            states.every((s) => / Ready (Leader|Reachable)$/.test(s)) &&
            states.filter((s) => s.endsWith(" Leader")).length === 1;
        if (!settled) throw new Error(`docker node ls: ${states.join("; ")}`);
        await onHost(via, "service", "ls", "-q");
        return true;
    });
    return Date.now() - started;
}
