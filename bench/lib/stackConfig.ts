/**
 * Stack configurations the benchmark deploys: the committed dev stack file with local images and
 * the benchmark's own host ports, so that `bench` never collides with dev/staging/prod or with
 * other users of the Docker daemon.
 */
import * as fs from "fs";
import * as path from "path";
import { parse, stringify } from "yaml";
import { PROJECT } from "../../stacks/config";

const repoRoot = path.resolve(__dirname, "..", "..");

export interface BenchPorts {
    zkClient: number;
    zkMetrics: number;
    app: number;
    prometheus: number;
    alertmanager: number;
}

/** Raw config (keys without the namespace) of the committed dev stack. */
export function devRawConfig(): Record<string, any> {
    const doc = parse(fs.readFileSync(path.join(repoRoot, "stacks", "Pulumi.dev.yaml"), "utf8")) as { config: Record<string, unknown> };
    const raw: Record<string, any> = {};
    for (const [key, value] of Object.entries(doc.config)) {
        raw[key.substring(PROJECT.length + 1)] = value;
    }
    return raw;
}

/** The dev topology with local images (Grafana off) and the given host ports and size. */
export function benchRawConfig(ports: BenchPorts, size?: number): Record<string, any> {
    const raw = structuredClone(devRawConfig());
    raw.zookeeper.clientHostPortBase = ports.zkClient;
    raw.zookeeper.metricsHostPortBase = ports.zkMetrics;
    if (size !== undefined) {
        raw.zookeeper.size = size;
    }
    raw.clientApp.hostPortBase = ports.app;
    raw.monitoring.prometheusHostPort = ports.prometheus;
    raw.monitoring.alertmanagerHostPort = ports.alertmanager;
    delete raw.monitoring.grafanaHostPort;
    raw.images = { ...(raw.images ?? {}), source: "local" };
    return raw;
}

/** A stack file (`stacks/Pulumi.<name>.yaml`) for a raw config. */
export function stackFileYaml(raw: Record<string, unknown>): string {
    const config: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(raw)) {
        config[`${PROJECT}:${key}`] = value;
    }
    return stringify({ config });
}
