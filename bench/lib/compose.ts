/**
 * The docker-compose baseline of the cold-start figure. It is rendered from what the stack program
 * itself would create (the container inputs recorded under mocks), so the compose file has the same
 * images, zoo.cfg, JVM flags, memory limits, users, health checks, ports and log settings, and
 * differs only in what compose cannot express the same way: /data/myid comes from ZOO_MY_ID (the
 * image's entrypoint writes it), uploaded files are bind mounts, and there are no roll/ready gates.
 */
import * as fs from "fs";
import * as path from "path";
import { stringify } from "yaml";

export interface InspectedContainer {
    resource: string;
    inputs: Record<string, any>;
}

export interface ComposeImages {
    zookeeper: string;
    clientApp: string;
    prometheus: string;
    alertmanager: string;
}

/** Compose project name: volumes and the network are prefixed with it. */
export const COMPOSE_PROJECT = "zkbenchc";

function imageFor(name: string, images: ComposeImages): string {
    if (/^zk-/.test(name)) return images.zookeeper;
    if (/^app-/.test(name)) return images.clientApp;
    if (/-prometheus$/.test(name)) return images.prometheus;
    if (/-alertmanager$/.test(name)) return images.alertmanager;
    throw new Error(`no image known for container ${name}`);
}

function seconds(value: string | number | undefined): string | undefined {
    return value === undefined ? undefined : typeof value === "number" ? `${value}s` : value;
}

/**
 * Files of the compose baseline, by path relative to its directory: `docker-compose.yml` and one
 * file per upload under `files/<container>/...`.
 */
export function renderComposeFiles(containers: readonly InspectedContainer[], images: ComposeImages): Record<string, string> {
    const files: Record<string, string> = {};
    const services: Record<string, unknown> = {};
    const volumes: Record<string, unknown> = {};
    // Gates are how Pulumi orders a roll; compose has no equivalent and needs none on first start.
    const deployed = containers.filter((c) => !/-(gate|ready)-/.test(String(c.inputs.name)) && !/-gate-|-ready-gate$/.test(c.resource));
    const zkNames = deployed.map((c) => String(c.inputs.name)).filter((n) => /^zk-/.test(n));
    for (const c of deployed) {
        const i = c.inputs;
        const name = String(i.name);
        const environment: string[] = [...((i.envs as string[]) ?? [])];
        const mounts: string[] = [];
        for (const v of (i.volumes as Array<{ volumeName: string; containerPath: string }>) ?? []) {
            volumes[v.volumeName] = {};
            mounts.push(`${v.volumeName}:${v.containerPath}`);
        }
        for (const u of (i.uploads as Array<{ file: string; content: string }>) ?? []) {
            if (u.file === "/data/myid") {
                // The image's entrypoint writes /data/myid from ZOO_MY_ID when it is absent.
                environment.push(`ZOO_MY_ID=${u.content.trim()}`);
                continue;
            }
            const rel = path.posix.join("files", name, u.file);
            files[rel] = u.content;
            mounts.push(`./${rel}:${u.file}:ro`);
        }
        const hc = i.healthcheck as
            { tests: string[]; interval?: string; timeout?: string; retries?: number; startPeriod?: string } | undefined;
        const service: Record<string, unknown> = {
            image: imageFor(name, images),
            container_name: name,
            hostname: i.hostname ?? name,
            user: i.user,
            cap_drop: i.capabilities?.drops,
            mem_limit: `${i.memory}m`,
            memswap_limit: `${i.memorySwap ?? i.memory}m`,
            ...(i.command ? { command: i.command } : {}),
            ...(environment.length > 0 ? { environment } : {}),
            ...(mounts.length > 0 ? { volumes: mounts } : {}),
            ...(i.ports?.length
                ? {
                      ports: (i.ports as Array<{ internal: number; external: number; ip: string }>).map(
                          (p) => `${p.ip}:${p.external}:${p.internal}`,
                      ),
                  }
                : {}),
            ...(hc
                ? {
                      healthcheck: {
                          test: hc.tests,
                          interval: hc.interval,
                          timeout: hc.timeout,
                          retries: hc.retries,
                          start_period: hc.startPeriod,
                      },
                  }
                : {}),
            restart: i.restart,
            stop_grace_period: seconds(i.stopTimeout),
            logging: { driver: i.logDriver, options: i.logOpts },
            // What a compose user would write: start the app after the servers, without waiting.
            ...(/^app-/.test(name) ? { depends_on: zkNames } : {}),
        };
        services[name] = JSON.parse(JSON.stringify(service));
    }
    files["docker-compose.yml"] = [
        "# Rendered by bench/lib/compose.ts from the stack program's own container inputs",
        "# (dev topology, local images); `npm run bench` re-renders it and says so if it changed.",
        stringify({ version: "2.4", services, volumes }, { lineWidth: 0 }),
    ].join("\n");
    return files;
}

/** Writes the files under `dir`, returning the paths whose content changed (or were added/removed). */
export function syncComposeDir(dir: string, files: Record<string, string>): string[] {
    const changed: string[] = [];
    const existing = new Set<string>();
    const walk = (d: string) => {
        if (!fs.existsSync(d)) return;
        for (const e of fs.readdirSync(d, { withFileTypes: true })) {
            const p = path.join(d, e.name);
            if (e.isDirectory()) walk(p);
            else existing.add(path.relative(dir, p).split(path.sep).join("/"));
        }
    };
    walk(dir);
    for (const [rel, content] of Object.entries(files)) {
        const p = path.join(dir, rel);
        if (!existing.has(rel) || fs.readFileSync(p, "utf8") !== content) {
            fs.mkdirSync(path.dirname(p), { recursive: true });
            fs.writeFileSync(p, content, { mode: 0o644 });
            changed.push(rel);
        }
        existing.delete(rel);
    }
    for (const rel of existing) {
        if (rel.startsWith("files/")) {
            fs.rmSync(path.join(dir, rel));
            changed.push(rel);
        }
    }
    return changed;
}
