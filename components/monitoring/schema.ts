/**
 * The argument contract of MonitoringStack: ranges, defaults and cross-field rules, and the
 * sentence each error shows. The stack configuration's `monitoring` section is built from the
 * same fields (stacks/config.ts).
 */
import { z } from "zod";
import { allowing, inputOf } from "../shared/contract";
import { flag, hostIp, hostPort, imageReference, integer, memoryMb, namePrefix, portRange, portRangeProblems } from "../shared/fields";
import { networkNameField } from "../zookeeper/schema";

/** A Prometheus duration such as 15s, 1m or 7d. */
export const DURATION_PATTERN = /^[1-9][0-9]*(ms|s|m|h|d|w|y)$/;
export const durationField = (examples: string) =>
    allowing(z.string().regex(DURATION_PATTERN), `must be a Prometheus duration such as ${examples}`);

/** Where Alertmanager posts alerts: an http(s) URL, usually carrying a token, so always treated as a secret. */
export const webhookUrlField = () => allowing(z.string().regex(/^https?:\/\/\S+$/), "must be an http:// or https:// URL");

export const DEFAULT_RETENTION = "7d";
export const DEFAULT_SCRAPE_INTERVAL = "15s";
export const DEFAULT_SERVER_DOWN_FOR = "1m";

const scrapeTargetSchema = z.strictObject({
    address: allowing(z.string().regex(/^[a-z0-9.-]+:[0-9]{1,5}$/), "must be host:port"),
    labels: z.record(z.string(), z.string()),
});
export const scrapeTargetsField = () => allowing(z.array(scrapeTargetSchema), "must be a list of { address: host:port, labels }");

/** What monitoring uses of an ensemble; a ZooKeeperEnsemble has all of it. Not strict: only these fields are read. */
export const monitoredEnsembleSchema = allowing(
    z.object({
        namePrefix: inputOf(namePrefix()),
        size: inputOf(integer(1, 255, "must be an integer between 1 and 255")),
        networkName: inputOf(networkNameField()),
        metricsTargets: inputOf(scrapeTargetsField()),
        backupMetricsTargets: inputOf(scrapeTargetsField()).optional(),
        backupIntervalSeconds: inputOf(integer(10, 604800, "must be an integer number of seconds between 10 and 604800")).optional(),
    }),
    "must be a ZooKeeperEnsemble, or an object with its namePrefix, size, networkName and metricsTargets (and backupMetricsTargets, backupIntervalSeconds)",
);

export const monitoredAppSchema = allowing(
    z.object({ metricsTargets: inputOf(scrapeTargetsField()) }),
    "must be a ClientAppService, or an object with its metricsTargets",
);

/** The fields of MonitoringStackArgs other than what it watches, for the component and the stack configuration. */
export const monitoringFields = {
    networkName: inputOf(networkNameField()).optional(),
    prometheusImage: imageReference("prom/prometheus:v2.53.0"),
    alertmanagerImage: imageReference("prom/alertmanager:v0.27.0"),
    grafanaImage: imageReference("grafana/grafana-oss:11.3.0").optional(),
    grafanaEnabled: flag().prefault(false),
    retention: durationField("15d or 12h").prefault(DEFAULT_RETENTION),
    scrapeInterval: durationField("15s or 1m").prefault(DEFAULT_SCRAPE_INTERVAL),
    serverDownFor: durationField("30s or 1m").prefault(DEFAULT_SERVER_DOWN_FOR),
    alertWebhookUrl: inputOf(webhookUrlField()).optional(),
    prometheusHostPort: hostPort().optional(),
    alertmanagerHostPort: hostPort().optional(),
    grafanaHostPort: hostPort().optional(),
    hostIp: hostIp().prefault("127.0.0.1"),
    prometheusMemoryMb: memoryMb(128, 65536).prefault(512),
    alertmanagerMemoryMb: memoryMb(32, 8192).prefault(128),
    grafanaMemoryMb: memoryMb(128, 8192).prefault(256),
    namePrefix: namePrefix().optional(),
};

type MonitoringPorts = { grafanaEnabled: boolean; prometheusHostPort?: number; alertmanagerHostPort?: number; grafanaHostPort?: number };

/** Host ports monitoring publishes, by argument. */
export function monitoringPortRanges(settings: MonitoringPorts) {
    return [
        ...portRange(["prometheusHostPort"], settings.prometheusHostPort, 1, "Prometheus"),
        ...portRange(["alertmanagerHostPort"], settings.alertmanagerHostPort, 1, "Alertmanager"),
        ...(settings.grafanaEnabled ? portRange(["grafanaHostPort"], settings.grafanaHostPort, 1, "Grafana") : []),
    ];
}

/** Rules between the monitoring fields; the stack configuration applies them too. */
export function checkMonitoringRules(settings: MonitoringPorts & { grafanaImage?: string }, ctx: z.RefinementCtx, keyPrefix = ""): void {
    if (settings.grafanaEnabled && settings.grafanaImage === undefined) {
        ctx.addIssue({ code: "custom", path: ["grafanaImage"], message: "is required when grafanaEnabled is true" });
    }
    for (const p of portRangeProblems(monitoringPortRanges(settings), keyPrefix)) {
        ctx.addIssue({ code: "custom", path: p.path, message: p.message });
    }
}

export const monitoringStackArgsSchema = z
    .strictObject({
        ensembles: allowing(z.array(monitoredEnsembleSchema).min(1), "must list at least one ensemble to watch"),
        apps: z.array(monitoredAppSchema).prefault([]),
        ...monitoringFields,
    })
    .superRefine((args, ctx) => checkMonitoringRules(args, ctx));

export type MonitoringStackSettings = z.output<typeof monitoringStackArgsSchema>;
