/**
 * Who the members of an ensemble are and how clients and gates address them: ids, host names,
 * connection strings and published host ports. Pure functions.
 */
import { createHash } from "crypto";
import { ScrapeTarget } from "../shared/containerConventions";
import { CLIENT_PORT, METRICS_PORT, ZooKeeperServerEntry } from "./zooCfg";

/** Members of an ensemble: ids 1..size and their host names `<prefix>-<id>`. */
export function computeServerEntries(prefix: string, size: number): ZooKeeperServerEntry[] {
    return Array.from({ length: size }, (_, i) => ({ id: i + 1, host: `${prefix}-${i + 1}` }));
}

/** `host:2181,...`, resolvable on the ensemble network. */
export function renderConnectionString(servers: readonly { host: string; clientPort?: number }[]): string {
    return servers.map((s) => `${s.host}:${s.clientPort ?? CLIENT_PORT}`).join(",");
}

/** Each server's metrics endpoint, labelled with the ensemble and server id the alert rules group by. */
export function renderServerScrapeTargets(prefix: string, servers: readonly ZooKeeperServerEntry[]): ScrapeTarget[] {
    return servers.map((s) => ({ address: `${s.host}:${METRICS_PORT}`, labels: { ensemble: prefix, server_id: String(s.id) } }));
}

/** Host port of member `index` (1-based) when ports are published from `base`, else undefined. */
export function computeHostPort(base: number | undefined, index: number): number | undefined {
    return base === undefined ? undefined : base + index - 1;
}

/** 12 hex characters identifying a set of container ids. */
export function shortHash(text: string): string {
    return createHash("sha256").update(text).digest("hex").substring(0, 12);
}
