/**
 * Hand-run ZooKeeper ensembles: plain `docker run` of the same image, the baselines the component
 * is compared with. Two flavours:
 *
 * - stock (`startStockEnsemble`): configured only through the image's ZOO_* variables, everything
 *   else at the image's defaults - what someone following the image's README would run;
 * - same settings (`startFromInspected`): the exact container inputs the stack program would give
 *   the servers and their seed steps (zoo.cfg template, start script, JVM flags, memory, user,
 *   health check, restart policy, logs), recorded under mocks, applied with
 *   `docker create`/`docker cp`/`docker start` instead of Pulumi.
 *
 * Objects are named `<prefix>-...`; `removeHandRun` deletes exactly those.
 */
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { docker, fourLetterWord, modeOf, sleep } from "../../testkit/harness";
import { InspectedContainer } from "./compose";

export interface Ensemble {
    label: string;
    /** Container name of server i at index i-1. */
    containers: string[];
    /** 127.0.0.1:port of server i at index i-1. */
    hostPorts: string[];
    connectionString: string;
}

function ensembleOf(label: string, containers: string[], hostPorts: string[]): Ensemble {
    return { label, containers, hostPorts, connectionString: hostPorts.join(",") };
}

/** A stock 3.9 ensemble: ZOO_MY_ID and ZOO_SERVERS only, client ports published from `clientPortBase`. */
export async function startStockEnsemble(prefix: string, image: string, size: number, clientPortBase: number): Promise<Ensemble> {
    await removeHandRun(prefix);
    await docker("network", "create", "--label", "zkbench=1", `${prefix}-net`);
    await runStockServers(prefix, image, size, clientPortBase);
    return deployedEnsemble(prefix, size, clientPortBase);
}

/**
 * Servers 1..size of a stock ensemble on `<prefix>-net`, all started at once (as compose does), each
 * listing the same `size` servers in ZOO_SERVERS; data volumes `<prefix>-<id>-data` and `-datalog`
 * are reused when they exist.
 */
export async function runStockServers(prefix: string, image: string, size: number, clientPortBase: number): Promise<void> {
    const hosts = deployedEnsemble(prefix, size, clientPortBase).containers;
    const servers = hosts.map((h, i) => `server.${i + 1}=${h}:2888:3888;2181`).join(" ");
    await Promise.all(
        hosts.map((host, i) =>
            docker(
                ...["run", "-d", "--name", host, "--hostname", host, "--network", `${prefix}-net`, "--network-alias", host],
                ...["--label", "zkbench=1", "-p", `127.0.0.1:${clientPortBase + i}:2181`],
                ...["-v", `${host}-data:/data`, "-v", `${host}-datalog:/datalog`],
                ...["-e", `ZOO_MY_ID=${i + 1}`, "-e", `ZOO_SERVERS=${servers}`, image],
            ),
        ),
    );
}

/**
 * The servers of an inspected program (containers named `<prefix>-<id>`), started by hand with the
 * same inputs. `extraJvmFlags` is appended to JVMFLAGS (experiments only).
 */
export async function startFromInspected(
    prefix: string,
    image: string,
    inspected: readonly InspectedContainer[],
    extraJvmFlags: string[] = [],
): Promise<Ensemble> {
    await removeHandRun(prefix);
    const servers = inspected
        .filter((c) => new RegExp(`^${prefix}-\\d+$`).test(String(c.inputs.name)))
        .sort((a, b) => String(a.inputs.name).localeCompare(String(b.inputs.name), undefined, { numeric: true }));
    if (servers.length === 0) {
        throw new Error(`no inspected server named ${prefix}-<id>`);
    }
    const net = `${prefix}-net`;
    await docker("network", "create", "--label", "zkbench=1", net);
    await runSeeds(prefix, image, inspected);
    const hostPorts: string[] = [];
    for (const s of servers) {
        const i = s.inputs;
        const name = String(i.name);
        const hc = i.healthcheck as { tests: string[]; interval: string; timeout: string; retries: number; startPeriod: string };
        if (hc.tests[0] !== "CMD-SHELL") {
            throw new Error(`health check of ${name} is not CMD-SHELL`);
        }
        const envs = (i.envs as string[]).map((e) =>
            e.startsWith("JVMFLAGS=") && extraJvmFlags.length ? `${e} ${extraJvmFlags.join(" ")}` : e,
        );
        const ports = (i.ports as Array<{ internal: number; external: number; ip: string }>) ?? [];
        const clientPort = ports.find((p) => p.internal === 2181);
        if (!clientPort) {
            throw new Error(`${name} does not publish its client port`);
        }
        hostPorts.push(`${clientPort.ip}:${clientPort.external}`);
        const [entrypoint, ...entrypointArgs] = (i.entrypoints as string[] | undefined) ?? [];
        await docker(
            "create",
            "--name",
            name,
            "--hostname",
            String(i.hostname),
            "--network",
            net,
            "--network-alias",
            name,
            "--label",
            "zkbench=1",
            ...ports.flatMap((p) => ["-p", `${p.ip}:${p.external}:${p.internal}`]),
            ...(i.volumes as Array<{ volumeName: string; containerPath: string }>).flatMap((v) => [
                "-v",
                `${v.volumeName}:${v.containerPath}`,
            ]),
            ...envs.flatMap((e) => ["-e", e]),
            "--memory",
            `${i.memory}m`,
            "--memory-swap",
            `${i.memorySwap}m`,
            "--user",
            String(i.user),
            ...((i.capabilities?.drops as string[]) ?? []).flatMap((d) => ["--cap-drop", d]),
            "--health-cmd",
            hc.tests[1],
            "--health-interval",
            hc.interval,
            "--health-timeout",
            hc.timeout,
            "--health-retries",
            String(hc.retries),
            "--health-start-period",
            hc.startPeriod,
            "--restart",
            String(i.restart),
            "--stop-timeout",
            String(i.stopTimeout),
            "--log-driver",
            String(i.logDriver),
            ...Object.entries((i.logOpts as Record<string, string>) ?? {}).flatMap(([k, v]) => ["--log-opt", `${k}=${v}`]),
            ...(entrypoint === undefined ? [] : ["--entrypoint", entrypoint]),
            image,
            ...entrypointArgs,
        );
        for (const u of (i.uploads as Array<{ file: string; content: string }>) ?? []) {
            await copyIn(name, u.file, u.content);
        }
    }
    for (const s of servers) {
        await docker("start", String(s.inputs.name));
    }
    return ensembleOf(
        prefix,
        servers.map((s) => String(s.inputs.name)),
        hostPorts,
    );
}

/**
 * The servers' seed steps (`<prefix>-<id>-seed`), run to completion: each writes its server's first
 * membership on the data volume, which the start script needs. All at once: on a new ensemble no
 * peer serves, so each writes every member at the first version whatever the order.
 */
async function runSeeds(prefix: string, image: string, inspected: readonly InspectedContainer[]): Promise<void> {
    const seeds = inspected.filter((c) => new RegExp(`^${prefix}-\\d+-seed$`).test(String(c.inputs.name)));
    for (const { inputs: i } of seeds) {
        const [entrypoint, ...entrypointArgs] = i.entrypoints as string[];
        await docker(
            "create",
            "--name",
            String(i.name),
            "--network",
            String((i.networksAdvanced as Array<{ name: string }>)[0].name),
            "--label",
            "zkbench=1",
            ...(i.volumes as Array<{ volumeName: string; containerPath: string }>).flatMap((v) => [
                "-v",
                `${v.volumeName}:${v.containerPath}`,
            ]),
            ...(i.envs as string[]).flatMap((e) => ["-e", e]),
            "--memory",
            `${i.memory}m`,
            "--user",
            String(i.user),
            "--entrypoint",
            entrypoint,
            image,
            ...entrypointArgs,
            ...(i.command as string[]),
        );
    }
    await Promise.all(seeds.map((s) => docker("start", String(s.inputs.name))));
    for (const s of seeds) {
        const code = (await docker("wait", String(s.inputs.name))).trim();
        if (code !== "0") {
            throw new Error(`seed step ${s.inputs.name} exited ${code}: ${await docker("logs", String(s.inputs.name))}`);
        }
    }
}

/** Writes one file into a created container, like the provider's `uploads`. */
async function copyIn(container: string, file: string, content: string): Promise<void> {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "zkb-cp-"));
    try {
        const local = path.join(tmp, path.basename(file));
        fs.writeFileSync(local, content, { mode: 0o644 });
        await new Promise<void>((resolve, reject) =>
            execFile("docker", ["cp", local, `${container}:${file}`], (err) => (err ? reject(err) : resolve())),
        );
    } finally {
        fs.rmSync(tmp, { recursive: true, force: true });
    }
}

/** Removes the containers, network and volumes named `<prefix>-...`. Idempotent. */
export async function removeHandRun(prefix: string): Promise<void> {
    const mine = (n: string) => n.startsWith(`${prefix}-`);
    const names = (await docker("ps", "-a", "--format", "{{.Names}}")).split("\n").filter(mine);
    if (names.length > 0) {
        await docker("rm", "-f", "-v", ...names);
    }
    const nets = (await docker("network", "ls", "--format", "{{.Name}}")).split("\n").filter((n) => n === `${prefix}-net`);
    if (nets.length > 0) {
        await docker("network", "rm", ...nets);
    }
    const vols = (await docker("volume", "ls", "--format", "{{.Name}}")).split("\n").filter(mine);
    if (vols.length > 0) {
        await docker("volume", "rm", "-f", ...vols);
    }
}

/** Modes of every server, one `srvr` each ("down" when there is no answer). */
export async function quickModes(ensemble: Ensemble, timeoutMs = 1000): Promise<string[]> {
    return Promise.all(ensemble.hostPorts.map(async (hp) => modeOf(await fourLetterWord(hp, "srvr", timeoutMs)) ?? "down"));
}

/** Waits until every server serves and exactly one leads; returns the index of the leader. */
export async function waitServing(ensemble: Ensemble, timeoutMs = 90000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    let last: string[] = [];
    while (Date.now() < deadline) {
        last = await quickModes(ensemble);
        const leaders = last.filter((m) => m === "leader").length;
        const serving = last.filter((m) => m === "leader" || m === "follower" || m === "standalone").length;
        if (serving === ensemble.containers.length && (leaders === 1 || last.length === 1)) {
            return Math.max(0, last.indexOf("leader"));
        }
        await sleep(200);
    }
    throw new Error(`${ensemble.label} did not serve within ${timeoutMs} ms: ${last.join(",")}`);
}

/** Servers `<prefix>-1..size` with client ports published from `clientPortBase`: the stack program's, or a hand-run stock ensemble. */
export function deployedEnsemble(prefix: string, size: number, clientPortBase: number): Ensemble {
    const containers = Array.from({ length: size }, (_, i) => `${prefix}-${i + 1}`);
    return ensembleOf(
        prefix,
        containers,
        containers.map((_, i) => `127.0.0.1:${clientPortBase + i}`),
    );
}
