/**
 * Stack configuration: the raw values under the `zookeeper-platform`
 * namespace are validated here, before the program registers any resource,
 * so a bad configuration creates and changes nothing. Every problem is
 * reported at once, each naming the key path, the value given (secrets
 * redacted) and what is allowed.
 */
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { validateChroot } from "../components/clientApp/clientAppService";
import { DURATION_PATTERN } from "../components/monitoring/prometheusConfig";
import { DEFAULT_FOUR_LETTER_WORDS, KNOWN_FOUR_LETTER_WORDS, findExtraConfigProblems } from "../components/zookeeper/zooCfg";

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

const IMAGE_PATTERN =
    /^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[a-f0-9]{64})?$/;
const IPV4_PATTERN = /^((25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])\.){3}(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])$/;

/** What each key accepts; used verbatim in error messages and the README. */
export const ALLOWED: Readonly<Record<string, string>> = Object.freeze({
    "zookeeper.size": "must be an odd integer between 1 and 255",
    "zookeeper.image": "must be a Docker image reference such as zookeeper:3.9.4",
    "zookeeper.tickTime": "must be an integer number of milliseconds between 100 and 60000",
    "zookeeper.initLimit": "must be an integer number of ticks between 1 and 1000",
    "zookeeper.syncLimit": "must be an integer number of ticks between 1 and 1000",
    "zookeeper.maxClientCnxns": "must be an integer between 0 (unlimited) and 10000",
    "zookeeper.autopurgeIntervalHours": "must be an integer number of hours between 0 (off) and 8760",
    "zookeeper.autopurgeSnapRetainCount": "must be an integer between 3 and 1000",
    "zookeeper.fourLetterWords": `must be a list of four-letter words among ${KNOWN_FOUR_LETTER_WORDS.join(", ")} that includes srvr`,
    "zookeeper.extraConfig": "must be a map of zoo.cfg keys to single-line string values",
    "zookeeper.memoryMb": "must be an integer number of MB between 128 and 65536",
    "zookeeper.cpus": "must be a number of CPUs greater than 0 and at most 256",
    "zookeeper.clientHostPortBase": "must be an integer port between 1024 and 65535",
    "zookeeper.metricsHostPortBase": "must be an integer port between 1024 and 65535",
    "zookeeper.hostIp": "must be an IPv4 address such as 127.0.0.1",
    "zookeeper.retainDataOnDelete": "must be true or false",
    "zookeeper.rollTimeoutSeconds": "must be an integer number of seconds between 10 and 3600",
    "zookeeper.auth": "must be an object with the booleans quorumSasl and clientDigest",
    "zookeeper.auth.quorumSasl": "must be true or false",
    "zookeeper.auth.clientDigest": "must be true or false",
    "clientApp.enabled": "must be true or false",
    "clientApp.image": "must be a Docker image reference such as zookeeper-platform/client-app:0.1.0",
    "clientApp.replicas": "must be an integer between 1 and 16",
    "clientApp.hostPortBase": "must be an integer port between 1024 and 65535",
    "clientApp.hostIp": "must be an IPv4 address such as 127.0.0.1",
    "clientApp.chroot": "must be an absolute znode path such as /my-app (letters, digits, '.', '_', '-'; no trailing slash; not under /zookeeper)",
    "clientApp.memoryMb": "must be an integer number of MB between 64 and 8192",
    "monitoring.enabled": "must be true or false",
    "monitoring.prometheusImage": "must be a Docker image reference such as prom/prometheus:v2.53.0",
    "monitoring.alertmanagerImage": "must be a Docker image reference such as prom/alertmanager:v0.27.0",
    "monitoring.grafanaEnabled": "must be true or false",
    "monitoring.grafanaImage": "must be a Docker image reference such as grafana/grafana-oss:11.3.0",
    "monitoring.prometheusHostPort": "must be an integer port between 1024 and 65535",
    "monitoring.alertmanagerHostPort": "must be an integer port between 1024 and 65535",
    "monitoring.grafanaHostPort": "must be an integer port between 1024 and 65535",
    "monitoring.hostIp": "must be an IPv4 address such as 127.0.0.1",
    "monitoring.retention": "must be a Prometheus duration such as 15d or 12h",
    "monitoring.scrapeInterval": "must be a Prometheus duration such as 15s or 1m",
    "monitoring.serverDownFor": "must be a Prometheus duration such as 30s or 1m",
    "monitoring.alertWebhookUrl": "must be an http:// or https:// URL",
    "monitoring.prometheusMemoryMb": "must be an integer number of MB between 128 and 65536",
    "monitoring.alertmanagerMemoryMb": "must be an integer number of MB between 32 and 8192",
    "monitoring.grafanaMemoryMb": "must be an integer number of MB between 128 and 8192",
    "images.source": 'must be "official" or "local"',
    "images.localZookeeper": "must be a Docker image reference such as zkpd.local/zookeeper:3.9.4",
    "images.localPrometheus": "must be a Docker image reference such as zkpd.local/prometheus:latest",
    "images.localAlertmanager": "must be a Docker image reference such as zkpd.local/alertmanager:latest",
    "images.localClientApp": "must be a Docker image reference such as zkpd.local/zk-client-app:latest",
});

const int = (min: number, max: number) => z.number().int().min(min).max(max);
const port = () => int(1024, 65535);
const image = () => z.string().regex(IMAGE_PATTERN);
const ipv4 = () => z.string().regex(IPV4_PATTERN);
const duration = () => z.string().regex(DURATION_PATTERN);

const zookeeperSchema = z.strictObject({
    size: int(1, 255).refine((n) => n % 2 === 1).prefault(3),
    image: image().prefault(OFFICIAL_IMAGES.zookeeper),
    tickTime: int(100, 60000).prefault(2000),
    initLimit: int(1, 1000).prefault(10),
    syncLimit: int(1, 1000).prefault(5),
    maxClientCnxns: int(0, 10000).prefault(60),
    autopurgeIntervalHours: int(0, 8760).prefault(1),
    autopurgeSnapRetainCount: int(3, 1000).prefault(3),
    fourLetterWords: z
        .array(z.string())
        .refine((words) => words.includes("srvr") && words.every((w) => KNOWN_FOUR_LETTER_WORDS.includes(w)))
        .prefault([...DEFAULT_FOUR_LETTER_WORDS]),
    extraConfig: z
        .record(z.string(), z.unknown())
        .superRefine((extra, ctx) => {
            for (const { key, problem } of findExtraConfigProblems(extra)) {
                ctx.addIssue({ code: "custom", path: [key], message: problem });
            }
        })
        .transform((extra) => extra as Record<string, string>)
        .prefault({}),
    memoryMb: int(128, 65536).prefault(512),
    cpus: z.number().gt(0).max(256).optional(),
    clientHostPortBase: port().optional(),
    metricsHostPortBase: port().optional(),
    hostIp: ipv4().prefault("127.0.0.1"),
    retainDataOnDelete: z.boolean().prefault(false),
    rollTimeoutSeconds: int(10, 3600).prefault(120),
    auth: z
        .strictObject({
            quorumSasl: z.boolean().prefault(false),
            clientDigest: z.boolean().prefault(false),
        })
        .prefault({}),
});

const clientAppSchema = z.strictObject({
    enabled: z.boolean().prefault(true),
    image: image().prefault(OFFICIAL_IMAGES.clientApp),
    replicas: int(1, 16).prefault(1),
    hostPortBase: port().optional(),
    hostIp: ipv4().prefault("127.0.0.1"),
    chroot: z
        .string()
        .refine((c) => {
            try {
                validateChroot(c);
                return true;
            } catch {
                return false;
            }
        })
        .optional(),
    memoryMb: int(64, 8192).prefault(192),
});

const monitoringSchema = z.strictObject({
    enabled: z.boolean().prefault(true),
    prometheusImage: image().prefault(OFFICIAL_IMAGES.prometheus),
    alertmanagerImage: image().prefault(OFFICIAL_IMAGES.alertmanager),
    grafanaEnabled: z.boolean().prefault(true),
    grafanaImage: image().prefault(OFFICIAL_IMAGES.grafana),
    prometheusHostPort: port().optional(),
    alertmanagerHostPort: port().optional(),
    grafanaHostPort: port().optional(),
    hostIp: ipv4().prefault("127.0.0.1"),
    retention: duration().prefault("7d"),
    scrapeInterval: duration().prefault("15s"),
    serverDownFor: duration().prefault("1m"),
    alertWebhookUrl: z.string().regex(/^https?:\/\/\S+$/).optional(),
    prometheusMemoryMb: int(128, 65536).prefault(512),
    alertmanagerMemoryMb: int(32, 8192).prefault(128),
    grafanaMemoryMb: int(128, 8192).prefault(256),
});

const imagesSchema = z.strictObject({
    source: z.enum(["official", "local"]).prefault("official"),
    localZookeeper: image().prefault(LOCAL_IMAGES.zookeeper),
    localPrometheus: image().prefault(LOCAL_IMAGES.prometheus),
    localAlertmanager: image().prefault(LOCAL_IMAGES.alertmanager),
    localClientApp: image().prefault(LOCAL_IMAGES.clientApp),
});

const SECTION_SCHEMAS = {
    zookeeper: zookeeperSchema,
    clientApp: clientAppSchema,
    monitoring: monitoringSchema,
    images: imagesSchema,
};

export type ZooKeeperConfig = z.infer<typeof zookeeperSchema>;
export type ClientAppConfig = z.infer<typeof clientAppSchema>;
export type MonitoringConfig = z.infer<typeof monitoringSchema>;
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

type Path = readonly (string | number)[];

/** Keys of the (nested) object schema at `path` inside a section, for "unknown key" messages. */
function shapeAt(schema: z.ZodObject, path: readonly PropertyKey[]): Record<string, unknown> {
    let current: z.ZodType = schema;
    for (const segment of path) {
        if (!(current instanceof z.ZodObject) || typeof segment !== "string") {
            break;
        }
        let next: z.ZodType = current.shape[segment] as z.ZodType;
        // Unwrap prefault/optional/default wrappers down to the object.
        while (next && !(next instanceof z.ZodObject) && (next.def as unknown as { innerType?: z.ZodType }).innerType) {
            next = (next.def as unknown as { innerType: z.ZodType }).innerType;
        }
        current = next;
    }
    return current instanceof z.ZodObject ? current.shape : schema.shape;
}

function valueAt(raw: unknown, path: Path): unknown {
    let current: unknown = raw;
    for (const segment of path) {
        if (current === null || typeof current !== "object") {
            return undefined;
        }
        current = (current as Record<string | number, unknown>)[segment];
    }
    return current;
}

function showValue(value: unknown): string {
    if (value === undefined) {
        return "(unset)";
    }
    const text = JSON.stringify(value) ?? String(value);
    return text.length > 80 ? `${text.substring(0, 77)}...` : text;
}

/** The value at `keyPath` with every secret inside it (or the value itself) replaced by "[secret]". */
function redact(value: unknown, keyPath: string, secretKeys: readonly string[]): unknown {
    if (secretKeys.some((s) => keyPath === s || keyPath.startsWith(`${s}.`))) {
        return "[secret]";
    }
    if (value === null || typeof value !== "object") {
        return value;
    }
    const out: Record<string, unknown> = Array.isArray(value) ? ([] as unknown as Record<string, unknown>) : {};
    for (const [k, v] of Object.entries(value)) {
        out[k] = redact(v, `${keyPath}.${k}`, secretKeys);
    }
    return out;
}

function describe(path: Path, raw: unknown, rule: string, secretKeys: readonly string[]): string {
    const keyPath = path.join(".");
    const value = redact(valueAt(raw, path), keyPath, secretKeys);
    const shown = value === "[secret]" ? "[secret]" : showValue(value);
    return `${keyPath}: ${shown} is not allowed: ${rule}`;
}

/** A published host port range and the key it comes from. */
interface PortRange {
    key: string;
    first: number;
    last: number;
    what: string;
}

function portRanges(c: Partial<StackConfig>): PortRange[] {
    const ranges: PortRange[] = [];
    const add = (key: string, base: number | undefined, count: number, what: string) => {
        if (base !== undefined) {
            ranges.push({ key, first: base, last: base + count - 1, what });
        }
    };
    if (c.zookeeper) {
        const n = c.zookeeper.size;
        add("zookeeper.clientHostPortBase", c.zookeeper.clientHostPortBase, n, `${n} servers`);
        add("zookeeper.metricsHostPortBase", c.zookeeper.metricsHostPortBase, n, `${n} servers`);
    }
    if (c.clientApp?.enabled) {
        add("clientApp.hostPortBase", c.clientApp.hostPortBase, c.clientApp.replicas, `${c.clientApp.replicas} replicas`);
    }
    if (c.monitoring?.enabled) {
        add("monitoring.prometheusHostPort", c.monitoring.prometheusHostPort, 1, "Prometheus");
        add("monitoring.alertmanagerHostPort", c.monitoring.alertmanagerHostPort, 1, "Alertmanager");
        if (c.monitoring.grafanaEnabled) {
            add("monitoring.grafanaHostPort", c.monitoring.grafanaHostPort, 1, "Grafana");
        }
    }
    return ranges;
}

function range(r: PortRange): string {
    return r.first === r.last ? `${r.first}` : `${r.first}-${r.last}`;
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
            problems.push(describe([key], raw, `unknown key; allowed keys are ${CONFIG_KEYS.map((k) => `${PROJECT}:${k}`).join(", ")}`, secretKeys));
        }
    }
    for (const section of CONFIG_KEYS) {
        const value = raw[section] ?? {};
        const result = SECTION_SCHEMAS[section].safeParse(value);
        if (result.success) {
            (parsed as Record<string, unknown>)[section] = result.data;
            continue;
        }
        for (const issue of result.error.issues) {
            const path = [section, ...issue.path.map((p) => (typeof p === "symbol" ? String(p) : p))];
            if (issue.code === "unrecognized_keys") {
                const allowedKeys = Object.keys(shapeAt(SECTION_SCHEMAS[section], issue.path)).join(", ");
                for (const unknownKey of issue.keys) {
                    problems.push(describe([...path, unknownKey], raw, `unknown key; allowed keys are ${allowedKeys}`, secretKeys));
                }
            } else if (path.length === 1) {
                problems.push(describe(path, raw, "must be an object of settings", secretKeys));
            } else {
                // Entries of a map (extraConfig) carry their own reason; other keys use the table.
                const rule =
                    path.length > 2 && issue.code === "custom"
                        ? issue.message
                        : ALLOWED[path.join(".")] ?? ALLOWED[path.slice(0, 2).join(".")] ?? issue.message;
                problems.push(describe(path, raw, rule, secretKeys));
            }
        }
    }

    if (parsed.zookeeper?.auth.quorumSasl && parsed.zookeeper.size === 1) {
        problems.push(
            describe(["zookeeper", "auth", "quorumSasl"], raw, "must be false with zookeeper.size 1: a standalone server has no quorum to authenticate", secretKeys),
        );
    }

    const ranges = portRanges(parsed);
    for (const r of ranges) {
        if (r.last > 65535) {
            problems.push(describe(r.key.split("."), raw, `ports ${range(r)} for ${r.what} must end at or below 65535`, secretKeys));
        }
    }
    for (let i = 0; i < ranges.length; i++) {
        for (let j = 0; j < i; j++) {
            const a = ranges[i];
            const b = ranges[j];
            if (a.first <= b.last && b.first <= a.last) {
                problems.push(describe(a.key.split("."), raw, `host ports ${range(a)} overlap ${b.key} (${range(b)})`, secretKeys));
            }
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
