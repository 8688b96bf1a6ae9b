/**
 * Stack configuration: the raw values under the `zookeeper-platform`
 * namespace are validated here, before the program registers any resource,
 * so a bad configuration creates and changes nothing. Every problem is
 * reported at once, each naming the key path, the value given (secrets
 * redacted) and what is allowed.
 */
import { z } from "zod";
import { internal } from "../index";
import { SECTION_SCHEMAS, StackConfig } from "./configSchema";

const {
    CLIENT_DIGEST_IN_SWARM,
    PUBLISH_NEEDS_FLAG,
    describeIssues,
    describeProblem,
    ensemblePortRanges,
    monitoringPortRanges,
    portRange,
    portRangeProblems,
    swarmProblems,
} = internal;
/** Pulumi project name, and so the config namespace. */
export const PROJECT = "zookeeper-platform";

/** Top-level config keys (each an object). */
export const CONFIG_KEYS = ["zookeeper", "clientApp", "monitoring", "images", "backup", "swarm"] as const;

/** Keys whose values may be secrets: always shown as [secret] in errors and kept secret in state. */
export const SECRET_CAPABLE_KEYS: readonly string[] = Object.freeze(["monitoring.alertWebhookUrl"]);

/** Thrown when the configuration is invalid; `problems` has one line per problem. */
export class StackConfigError extends Error {
    constructor(readonly problems: string[]) {
        super(
            `Invalid stack configuration for ${PROJECT} (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
                problems.map((p) => `  - ${p}`).join("\n"),
        );
        this.name = "StackConfigError";
    }
}

export interface ParseOptions {
    /** Key paths whose values are secret, e.g. `monitoring.alertWebhookUrl`. SECRET_CAPABLE_KEYS are always included. */
    secretKeys?: readonly string[];
}

/** Host port ranges of the enabled sections, by key path, for the check across sections. */
function publishedRanges(c: Partial<StackConfig>) {
    const within = (section: string, ranges: ReturnType<typeof portRange>) => ranges.map((r) => ({ ...r, path: [section, ...r.path] }));
    return [
        ...(c.zookeeper ? within("zookeeper", ensemblePortRanges(c.zookeeper)) : []),
        ...(c.clientApp?.enabled
            ? within(
                  "clientApp",
                  portRange(["hostPortBase"], c.clientApp.hostPortBase, c.clientApp.replicas, `${c.clientApp.replicas} replicas`),
              )
            : []),
        ...(c.monitoring?.enabled ? within("monitoring", monitoringPortRanges(c.monitoring)) : []),
    ];
}

/**
 * Validates raw stack configuration (keys without the namespace, e.g.
 * `{ zookeeper: { size: 3 } }`). Returns the settings with defaults, or
 * throws one StackConfigError listing every problem.
 */
export function parseStackConfig(raw: Readonly<Record<string, unknown>>, options: ParseOptions = {}): StackConfig {
    const secretKeys = [...SECRET_CAPABLE_KEYS, ...(options.secretKeys ?? [])];
    const problems: string[] = [];
    const parsed: Partial<StackConfig> = {};

    for (const key of Object.keys(raw).sort()) {
        if (!(CONFIG_KEYS as readonly string[]).includes(key)) {
            problems.push(
                describeProblem(
                    [key],
                    raw,
                    `unknown key; allowed keys are ${CONFIG_KEYS.map((k) => `${PROJECT}:${k}`).join(", ")}`,
                    secretKeys,
                ),
            );
        }
    }
    for (const section of CONFIG_KEYS) {
        const value = raw[section] ?? {};
        if (value === null || typeof value !== "object" || Array.isArray(value)) {
            problems.push(describeProblem([section], raw, "must be an object of settings", secretKeys));
            continue;
        }
        const schema: z.ZodType = SECTION_SCHEMAS[section];
        const result = schema.safeParse(value);
        if (result.success) {
            (parsed as Record<string, unknown>)[section] = result.data;
            continue;
        }
        problems.push(
            ...describeIssues(schema, result.error.issues, value, { secretPaths: secretKeys, pathPrefix: [section], rawRoot: raw }),
        );
    }

    // Ranges within a section are the components' rules; across sections they are the stack's.
    const ranges = publishedRanges(parsed);
    for (const p of portRangeProblems(ranges)) {
        if (p.overlaps !== undefined && p.overlaps[0] !== p.path[0]) {
            problems.push(describeProblem(p.path, raw, p.message, secretKeys));
        }
    }

    if (parsed.swarm?.enabled) {
        problems.push(...swarmModeProblems(parsed as StackConfig, raw, secretKeys));
    }

    if (problems.length > 0) {
        // A value can break several checks of one rule (e.g. 0 is out of range and even).
        throw new StackConfigError([...new Set(problems)]);
    }
    return parsed as StackConfig;
}

/** What swarm mode does not allow of the other sections, and the swarm's own rules against them. */
function swarmModeProblems(c: StackConfig, raw: Readonly<Record<string, unknown>>, secretKeys: readonly string[]): string[] {
    const problems: string[] = [];
    const at = (path: (string | number)[], message: string) => problems.push(describeProblem(path.map(String), raw, message, secretKeys));
    const swarm = { ...c.swarm, nodes: c.swarm.nodes ?? [] };
    for (const p of swarmProblems(swarm, c.zookeeper.size, "zookeeper.size")) {
        at(["swarm", ...p.path], p.message);
    }
    if (!swarm.publishHostPorts) {
        const ports: [string, string, number | undefined][] = [
            ["zookeeper", "clientHostPortBase", c.zookeeper.clientHostPortBase],
            ["zookeeper", "metricsHostPortBase", c.zookeeper.metricsHostPortBase],
            ["clientApp", "hostPortBase", c.clientApp.enabled ? c.clientApp.hostPortBase : undefined],
            ["monitoring", "prometheusHostPort", c.monitoring.enabled ? c.monitoring.prometheusHostPort : undefined],
            ["monitoring", "alertmanagerHostPort", c.monitoring.enabled ? c.monitoring.alertmanagerHostPort : undefined],
        ];
        for (const [section, key, port] of ports) {
            if (port !== undefined) at([section, key], PUBLISH_NEEDS_FLAG);
        }
    }
    for (const section of ["zookeeper", "clientApp", "monitoring"] as const) {
        const given = raw[section] as Record<string, unknown> | undefined;
        if (given && typeof given === "object" && given.hostIp !== undefined) {
            at(
                [section, "hostIp"],
                "must be left out in swarm mode: a swarm publishes on every interface of a node (swarm.publishHostPorts)",
            );
        }
    }
    if (c.zookeeper.auth.clientDigest) at(["zookeeper", "auth", "clientDigest"], CLIENT_DIGEST_IN_SWARM);
    if (c.backup.enabled) {
        at(
            ["backup", "enabled"],
            "is not supported in swarm mode yet (a backup agent shares a server's network namespace, which a swarm task cannot offer): leave it false",
        );
    }
    if (c.clientApp.enabled && c.clientApp.replicas > swarm.nodes.length) {
        at(["clientApp", "replicas"], `must be at most the ${swarm.nodes.length} nodes of swarm.nodes: replicas run on distinct nodes`);
    }
    return problems;
}

/** Settings the program deploys: image names resolved for the image source. */
export interface PlatformSettings extends StackConfig {
    /** Messages worth telling the operator (e.g. a feature turned off). */
    notices: string[];
}

/**
 * Applies `images.source`: with `local`, the locally built tags replace the
 * official image names, and Grafana is turned off because there is no local
 * Grafana image.
 */
export function resolvePlatformSettings(config: StackConfig): PlatformSettings {
    const resolved = resolveImages(config);
    if (config.swarm.enabled && resolved.monitoring.enabled && resolved.monitoring.grafanaEnabled) {
        resolved.notices.push("swarm.enabled: Grafana is turned off; swarm mode runs Prometheus and Alertmanager only");
        resolved.monitoring = { ...resolved.monitoring, grafanaEnabled: false };
    }
    return resolved;
}

function resolveImages(config: StackConfig): PlatformSettings {
    if (config.images.source === "official") {
        return { ...config, notices: [] };
    }
    const notices: string[] = [];
    if (config.monitoring.enabled && config.monitoring.grafanaEnabled) {
        notices.push("images.source is local: Grafana is turned off because there is no local Grafana image");
    }
    return {
        ...config,
        zookeeper: { ...config.zookeeper, image: config.images.localZookeeper },
        clientApp: { ...config.clientApp, image: config.images.localClientApp },
        monitoring: {
            ...config.monitoring,
            prometheusImage: config.images.localPrometheus,
            alertmanagerImage: config.images.localAlertmanager,
            grafanaEnabled: false,
        },
        notices,
    };
}
