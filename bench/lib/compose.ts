/**
 * The docker-compose baseline of the cold-start figure. It is rendered from what the stack program
 * itself would create (the container inputs recorded under mocks), so the compose file has the same
 * images, zoo.cfg template, start script, JVM flags, memory limits, users, health checks, ports and
 * log settings, and differs only in what compose cannot express the same way: uploaded files are
 * bind mounts, each server waits for its seed step through `depends_on: service_healthy` (the seed's
 * pass marker, as Pulumi's `wait` does), and there are no pre-flight check and no roll/ready gates.
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

/** Compose interpolates `$NAME` in the file; scripts' own variables are written `$$`. */
function escapeInterpolation(value: string): string {
    return value.replace(/\$/g, "$$$$");
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
    // Gates and the pre-flight check are how Pulumi orders a roll and guards a size change; compose
    // has no equivalent and needs none on first start. The seed steps write the first membership.
    const deployed = containers.filter((c) => !/-(gate|ready)-|-preflight$/.test(String(c.inputs.name)));
    const names = new Set(deployed.map((c) => String(c.inputs.name)));
    const zkNames = [...names].filter((n) => /^zk-.*-\d+$/.test(n));
    for (const c of deployed) {
        const i = c.inputs;
        const name = String(i.name);
        const environment: string[] = ((i.envs as string[]) ?? []).map(escapeInterpolation);
        const mounts: string[] = [];
        for (const v of (i.volumes as Array<{ volumeName: string; containerPath: string }>) ?? []) {
            volumes[v.volumeName] = {};
            mounts.push(`${v.volumeName}:${v.containerPath}`);
        }
        for (const u of (i.uploads as Array<{ file: string; content: string }>) ?? []) {
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
            ...(i.entrypoints ? { entrypoint: (i.entrypoints as string[]).map(escapeInterpolation) } : {}),
            ...(i.command ? { command: (i.command as string[]).map(escapeInterpolation) } : {}),
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
                          // Pulumi's `wait` waits out a failing check until waitTimeout; compose fails a
                          // `service_healthy` dependency at its first unhealthy status, unless the
                          // check is still in its start period.
                          start_period: hc.startPeriod ?? (i.wait === true ? seconds(i.waitTimeout) : undefined),
                      },
                  }
                : {}),
            // PyYAML reads a bare `no` as false; "no" is compose's default anyway.
            ...(i.restart !== "no" ? { restart: i.restart } : {}),
            stop_grace_period: seconds(i.stopTimeout),
            logging: { driver: i.logDriver, options: i.logOpts },
            // What a compose user would write: start the app after the servers, without waiting.
            ...(/^app-/.test(name) ? { depends_on: zkNames } : {}),
            ...(names.has(`${name}-seed`) ? { depends_on: { [`${name}-seed`]: { condition: "service_healthy" } } } : {}),
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
