/**
 * Stack configuration: the raw values under the `zookeeper-platform`
 * namespace are validated here, before the program registers any resource,
 * so a bad configuration creates and changes nothing. Every problem is
 * reported at once, each naming the key path, the value given (secrets
 * redacted) and what is allowed.
 */
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { internal } from "../index";

const {
    checkClientAppRules,
    checkEnsembleRules,
    checkMonitoringRules,
    clientAppFields,
    describeIssues,
    describeProblem,
    ensemblePortRanges,
    flag,
    imageReference,
    monitoringFields,
    monitoringPortRanges,
    portRange,
    portRangeProblems,
    webhookUrlField,
    zooKeeperEnsembleArgsShape,
} = internal;

/** Pulumi project name, and so the config namespace. */
export const PROJECT = "zookeeper-platform";

/** Top-level config keys (each an object). */
export const CONFIG_KEYS = ["zookeeper", "clientApp", "monitoring", "images"] as const;

/** Keys whose values may be secrets: always shown as [secret] in errors and kept secret in state. */
export const SECRET_CAPABLE_KEYS: readonly string[] = Object.freeze(["monitoring.alertWebhookUrl"]);

/** Image names the committed stacks use (official images; the app is built from app/). */
export const OFFICIAL_IMAGES = Object.freeze({
    zookeeper: "zookeeper:3.9.4",
    prometheus: "prom/prometheus:v2.53.0",
    alertmanager: "prom/alertmanager:v0.27.0",
    grafana: "grafana/grafana-oss:11.3.0",
    clientApp: "zookeeper-platform/client-app:0.1.0",
});

/** Tags of the images scripts/images builds locally. */
export const LOCAL_IMAGES = Object.freeze({
    zookeeper: "zkpd.local/zookeeper:3.9.4",
    prometheus: "zkpd.local/prometheus:latest",
    alertmanager: "zkpd.local/alertmanager:latest",
    clientApp: "zkpd.local/zk-client-app:latest",
});

/**
 * The only places where the stack configuration's defaults differ from the components': the
 * image names (the components require one) and Grafana, which a stack runs unless told not to.
 */
export const STACK_DEFAULT_OVERRIDES = Object.freeze({
    "zookeeper.image": OFFICIAL_IMAGES.zookeeper,
    "clientApp.image": OFFICIAL_IMAGES.clientApp,
    "monitoring.prometheusImage": OFFICIAL_IMAGES.prometheus,
    "monitoring.alertmanagerImage": OFFICIAL_IMAGES.alertmanager,
    "monitoring.grafanaImage": OFFICIAL_IMAGES.grafana,
    "monitoring.grafanaEnabled": true,
});

/** `field` with its component default (if any) replaced by `value`. */
function defaulting<T extends z.ZodType>(field: T, value: unknown): z.ZodType {
    const def = field.def as unknown as { type: string; innerType?: z.ZodType };
    const bare = (def.type === "prefault" || def.type === "default" || def.type === "optional") && def.innerType ? def.innerType : field;
    return bare.prefault(value as never);
}

/** A section's fields: the component's, less those a stack does not set, with the overrides applied. */
function sectionShape<S extends Record<string, z.ZodType>>(section: string, shape: S, leaveOut: readonly string[]): Record<string, z.ZodType> {
    const out: Record<string, z.ZodType> = {};
    for (const [key, field] of Object.entries(shape)) {
        if (leaveOut.includes(key)) {
            continue;
        }
        const override = (STACK_DEFAULT_OVERRIDES as Record<string, unknown>)[`${section}.${key}`];
        out[key] = override === undefined ? field : defaulting(field, override);
    }
    return out;
}

/** Names, networks and references to other components are the stack program's to set. */
const WIRING = ["namePrefix", "networkName"];

const zookeeperSchema = z.strictObject(sectionShape("zookeeper", zooKeeperEnsembleArgsShape, WIRING)).superRefine((c, ctx) =>
    checkEnsembleRules(c as unknown as Parameters<typeof checkEnsembleRules>[0], ctx),
);

const clientAppSchema = z
    .strictObject({ enabled: flag().prefault(true), ...sectionShape("clientApp", clientAppFields, WIRING) })
    .superRefine((c, ctx) => {
        if (c.enabled) {
            checkClientAppRules(c as unknown as Parameters<typeof checkClientAppRules>[0], ctx);
        }
    });

const monitoringSchema = z
    .strictObject({
        enabled: flag().prefault(true),
        ...sectionShape("monitoring", monitoringFields, WIRING),
        // Plain text here: it comes from the stack file (as a secret), not from another resource.
        alertWebhookUrl: webhookUrlField().optional(),
    })
    .superRefine((c, ctx) => {
        if (c.enabled) {
            checkMonitoringRules(c as unknown as Parameters<typeof checkMonitoringRules>[0], ctx);
        }
    });

const imagesSchema = z.strictObject({
    source: z.enum(["official", "local"]).prefault("official").meta({ allowed: 'must be "official" or "local"' }),
    localZookeeper: imageReference(LOCAL_IMAGES.zookeeper).prefault(LOCAL_IMAGES.zookeeper),
    localPrometheus: imageReference(LOCAL_IMAGES.prometheus).prefault(LOCAL_IMAGES.prometheus),
    localAlertmanager: imageReference(LOCAL_IMAGES.alertmanager).prefault(LOCAL_IMAGES.alertmanager),
    localClientApp: imageReference(LOCAL_IMAGES.clientApp).prefault(LOCAL_IMAGES.clientApp),
});

/** The schema of each top-level key; exported for the README check. */
export const SECTION_SCHEMAS = {
    zookeeper: zookeeperSchema,
    clientApp: clientAppSchema,
    monitoring: monitoringSchema,
    images: imagesSchema,
};

/** Settings of the `zookeeper` section, defaults filled in. */
export type ZooKeeperConfig = Omit<z.output<z.ZodObject<typeof zooKeeperEnsembleArgsShape>>, "namePrefix" | "networkName">;
export interface ClientAppConfig extends Omit<z.output<z.ZodObject<typeof clientAppFields>>, "namePrefix"> {
    enabled: boolean;
}
export interface MonitoringConfig extends Omit<z.output<z.ZodObject<typeof monitoringFields>>, "namePrefix" | "networkName" | "alertWebhookUrl"> {
    enabled: boolean;
    alertWebhookUrl?: string;
}
export type ImagesConfig = z.infer<typeof imagesSchema>;

/** Validated stack configuration, defaults filled in. */
export interface StackConfig {
    zookeeper: ZooKeeperConfig;
    clientApp: ClientAppConfig;
    monitoring: MonitoringConfig;
    images: ImagesConfig;
}

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
        ...(c.clientApp?.enabled ? within("clientApp", portRange(["hostPortBase"], c.clientApp.hostPortBase, c.clientApp.replicas, `${c.clientApp.replicas} replicas`)) : []),
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
            problems.push(describeProblem([key], raw, `unknown key; allowed keys are ${CONFIG_KEYS.map((k) => `${PROJECT}:${k}`).join(", ")}`, secretKeys));
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
        problems.push(...describeIssues(schema, result.error.issues, value, { secretPaths: secretKeys, pathPrefix: [section], rawRoot: raw }));
    }

    // Ranges within a section are the components' rules; across sections they are the stack's.
    const ranges = publishedRanges(parsed);
    for (const p of portRangeProblems(ranges)) {
        if (p.overlaps !== undefined && p.overlaps[0] !== p.path[0]) {
            problems.push(describeProblem(p.path, raw, p.message, secretKeys));
        }
    }

    if (problems.length > 0) {
        // A value can break several checks of one rule (e.g. 0 is out of range and even).
        throw new StackConfigError([...new Set(problems)]);
    }
    return parsed as StackConfig;
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

/**
 * Reads every key under the project namespace from the Pulumi config. Known
 * keys are read as objects; a value that is not JSON is passed on as the
 * string it is, so validation can say what is wrong with it. Unknown keys are
 * included so that typos are reported instead of ignored.
 */
/**
 * `ZK_IMAGE_SOURCE` overrides `images.source` for one run, so `npm run up` can fall back to the
 * local images on a machine without a registry without rewriting the committed stack file.
 * The value is validated like the config key it overrides.
 */
export function applyEnvironmentOverrides(
    raw: Record<string, unknown>,
    env: { [name: string]: string | undefined },
): Record<string, unknown> {
    const source = env.ZK_IMAGE_SOURCE;
    if (source === undefined || source === "") {
        return raw;
    }
    const images = typeof raw.images === "object" && raw.images !== null ? raw.images : {};
    return { ...raw, images: { ...images, source } };
}

/**
 * Top-level keys (without the namespace, e.g. `clientApp`) whose value holds a secret, so that
 * errors show `[secret]` for every value under them, not only for SECRET_CAPABLE_KEYS. Pulumi
 * marks the whole top-level key secret when any value under it was set with `--secret`. The SDK
 * keeps that list in its config store (the language host passes it as PULUMI_CONFIG_SECRET_KEYS)
 * and exposes it only as the internal `runtime.isConfigSecret`, hence the fallback to the variable.
 */
export function readSecretConfigKeys(): string[] {
    const prefix = `${PROJECT}:`;
    const isConfigSecret = (pulumi.runtime as unknown as { isConfigSecret?: (key: string) => boolean }).isConfigSecret;
    let fromEnv: unknown = [];
    try {
        fromEnv = JSON.parse(process.env.PULUMI_CONFIG_SECRET_KEYS ?? "[]");
    } catch {
        // not set by this host: nothing to add
    }
    const isSecret = (key: string) => (isConfigSecret?.(key) ?? false) || (Array.isArray(fromEnv) && fromEnv.includes(key));
    return Object.keys(pulumi.runtime.allConfig())
        .filter((key) => key.startsWith(prefix) && isSecret(key))
        .map((key) => key.substring(prefix.length));
}

export function readRawStackConfig(): Record<string, unknown> {
    const config = new pulumi.Config(PROJECT);
    const raw: Record<string, unknown> = {};
    const prefix = `${PROJECT}:`;
    for (const [fullKey, text] of Object.entries(pulumi.runtime.allConfig())) {
        if (!fullKey.startsWith(prefix)) {
            continue;
        }
        const key = fullKey.substring(prefix.length);
        try {
            raw[key] = (CONFIG_KEYS as readonly string[]).includes(key) ? config.getObject<unknown>(key) : JSON.parse(text);
        } catch {
            raw[key] = text;
        }
    }
    return applyEnvironmentOverrides(raw, process.env);
}
