/**
 * The stack configuration's schema, built from the components' schemas: each section takes the
 * component's fields (less the wiring the program does itself) and applies the same rules. Its
 * defaults are the components', but for the one table of overrides below.
 */
import { z } from "zod";
import { internal } from "../index";

const {
    backupArgsShape,
    checkClientAppRules,
    checkEnsembleRules,
    checkMonitoringRules,
    clientAppFields,
    flag,
    imageReference,
    monitoringFields,
    swarmArgsShape,
    webhookUrlField,
    zooKeeperEnsembleArgsShape,
} = internal;

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
function sectionShape<S extends Record<string, z.ZodType>>(
    section: string,
    shape: S,
    leaveOut: readonly string[],
): Record<string, z.ZodType> {
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

const zookeeperSchema = z
    // Backups have their own key, `backup`.
    .strictObject(sectionShape("zookeeper", zooKeeperEnsembleArgsShape, [...WIRING, "backup"]))
    .superRefine((c, ctx) => checkEnsembleRules(c as unknown as Parameters<typeof checkEnsembleRules>[0], ctx, "zookeeper."));

const clientAppSchema = z
    .strictObject({ enabled: flag().prefault(true), ...sectionShape("clientApp", clientAppFields, WIRING) })
    .superRefine((c, ctx) => {
        if (c.enabled) {
            checkClientAppRules(c as unknown as Parameters<typeof checkClientAppRules>[0], ctx, "clientApp.");
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
            checkMonitoringRules(c as unknown as Parameters<typeof checkMonitoringRules>[0], ctx, "monitoring.");
        }
    });

/** Off unless `enabled`: a stack that never asked for backups gets no agents and no AdminServer. */
const backupSchema = z.strictObject({ enabled: flag().prefault(false), ...backupArgsShape });

/**
 * Off unless `enabled`: then the ensemble, the app and monitoring run as services on the swarm
 * whose nodes it lists (components/swarm/). The rules across sections are in config.ts.
 */
const swarmSchema = z
    .strictObject({ enabled: flag().prefault(false), ...swarmArgsShape, nodes: swarmArgsShape.nodes.optional() })
    .superRefine((c, ctx) => {
        if (c.enabled && c.nodes === undefined) {
            ctx.addIssue({
                code: "custom",
                path: ["nodes"],
                message: "is required when swarm.enabled is true: list the nodes, each with a label and a docker host",
            });
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
    backup: backupSchema,
    swarm: swarmSchema,
};

/** Settings of the `zookeeper` section, defaults filled in. */
export type ZooKeeperConfig = Omit<z.output<z.ZodObject<typeof zooKeeperEnsembleArgsShape>>, "namePrefix" | "networkName" | "backup">;
export interface ClientAppConfig extends Omit<z.output<z.ZodObject<typeof clientAppFields>>, "namePrefix"> {
    enabled: boolean;
}
export interface MonitoringConfig extends Omit<
    z.output<z.ZodObject<typeof monitoringFields>>,
    "namePrefix" | "networkName" | "alertWebhookUrl"
> {
    enabled: boolean;
    alertWebhookUrl?: string;
}
export type ImagesConfig = z.infer<typeof imagesSchema>;
export type BackupConfig = z.output<typeof backupSchema>;
export type SwarmConfig = z.output<typeof swarmSchema>;

/** Validated stack configuration, defaults filled in. */
export interface StackConfig {
    zookeeper: ZooKeeperConfig;
    clientApp: ClientAppConfig;
    monitoring: MonitoringConfig;
    images: ImagesConfig;
    backup: BackupConfig;
    swarm: SwarmConfig;
}
