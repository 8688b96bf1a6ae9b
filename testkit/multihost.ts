/**
 * The simulated hosts of scripts/multihost/ as the multi-host suite drives them: their sockets and
 * addresses, the route check before any packet to them, and the faults of host.sh.
 */
import * as path from "path";
import { repoRoot, runToExit } from "./harness";

const SCRIPTS = path.join(repoRoot, "scripts", "multihost");
/** The root namespace's end of the hosts' link (MH_ROOT_LINK in scripts/multihost/lib.sh). */
const ROOT_LINK = "zkmh-root";

export interface SimulatedHost {
    /** 1-based, as host.sh takes it. */
    index: number;
    /** The node label, `h<index>`. */
    label: string;
    socket: string;
    address: string;
}

async function script(name: string, args: string[], timeoutMs: number): Promise<string> {
    const r = await runToExit("bash", [path.join(SCRIPTS, name), ...args], { cwd: repoRoot, env: process.env, timeoutMs });
    if (r.exitCode !== 0) throw new Error(`scripts/multihost/${name} ${args.join(" ")} failed (exit ${r.exitCode}): ${r.output}`);
    return r.output;
}

/** `setup.sh n`: the hosts, from the lines it prints ("hN unix://... 10.213.0.1N"). */
export async function setUpHosts(n: number): Promise<SimulatedHost[]> {
    const out = await script("setup.sh", [String(n)], 600000);
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
 * an address without a local route leaves through the default route (multi-host-here.md).
 */
export async function checkOnLink(address: string): Promise<void> {
    const r = await runToExit("ip", ["route", "get", address], { cwd: repoRoot, env: process.env, timeoutMs: 5000 });
    const route = r.output.split("\n")[0];
    if (r.exitCode !== 0 || route.includes(" via ") || !route.includes(`dev ${ROOT_LINK} `)) {
        throw new Error(`refusing to send to ${address}: it is not on the simulated hosts' link (${route})`);
    }
}

/** The docker CLI against one host's daemon. */
export async function onHost(host: SimulatedHost, ...args: string[]): Promise<string> {
    const r = await runToExit("docker", ["-H", host.socket, ...args], { cwd: repoRoot, env: process.env, timeoutMs: 60000 });
    if (r.exitCode !== 0) throw new Error(`docker -H ${host.socket} ${args.join(" ")}: ${r.output}`);
    return r.output.trim();
}
