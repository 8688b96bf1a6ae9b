import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { computeNamePrefix, renderLabels } from "../shared/containerConventions";
import { allowing, inputOf, parseArgs } from "../shared/contract";
import { SWARM_MONITORING_TYPE } from "../shared/typeTokens";
import { renderAlertRules } from "../monitoring/alertRules";
import {
    ALERTMANAGER_CONFIG_FILE,
    ALERTMANAGER_PORT,
    ALERT_RULES_FILE,
    AppDiscovery,
    PROMETHEUS_CONFIG_FILE,
    PROMETHEUS_PORT,
    renderAlertmanagerConfig,
    renderPrometheusConfig,
} from "../monitoring/prometheusConfig";
import { monitoringFields, scrapeTargetsField, webhookUrlField } from "../monitoring/schema";
import { namePrefix } from "../shared/fields";
import { shortHash } from "../zookeeper/members";
import { ScrapeTarget } from "../shared/containerConventions";
import { checkPublishing, swarmField } from "./ensembleSchema";
import { SwarmArgs } from "./ensembleArgs";
import { managerNode, nodeConstraint } from "./schema";
import { SERVICE_TASK_DEFAULTS, SwarmFile, createManagerProvider, createSwarmFiles } from "./swarmObjects";

/** uid:gid of the official Prometheus and Alertmanager images (nobody). */
const NOBODY = { uid: "65534", gid: "65534" };

/** Arguments of SwarmMonitoring. */
export interface SwarmMonitoringArgs {
    /** The ensembles to scrape: a ZooKeeperSwarmEnsemble has every field; Prometheus joins their networks (by id). */
    readonly ensembles: { namePrefix: string; size: number; networkId: pulumi.Input<string>; metricsTargets: ScrapeTarget[] }[];
    /** Apps found by DNS (a SwarmClientApp's `discovery`). */
    readonly apps?: { discovery: AppDiscovery[] }[];
    readonly swarm: SwarmArgs;
    readonly prometheusImage: string;
    readonly alertmanagerImage: string;
    readonly retention?: string;
    readonly scrapeInterval?: string;
    readonly serverDownFor?: string;
    /** Where alerts go. Plain text: its hash names the secret that holds Alertmanager's file (swarm secrets cannot change in place). */
    readonly alertWebhookUrl?: string;
    /** Host-mode ports on the manager node, with swarm.publishHostPorts. */
    readonly prometheusHostPort?: number;
    readonly alertmanagerHostPort?: number;
    readonly prometheusMemoryMb?: number;
    readonly alertmanagerMemoryMb?: number;
    readonly namePrefix?: string;
}

const f = monitoringFields;
const swarmMonitoringArgsSchema = z
    .strictObject({
        ensembles: allowing(
            z
                .array(
                    z.object({
                        namePrefix: namePrefix(),
                        size: z.number().int().min(1).max(255),
                        metricsTargets: scrapeTargetsField(),
                        networkId: inputOf(z.string().min(1)),
                    }),
                )
                .min(1),
            "must list at least one ZooKeeperSwarmEnsemble",
        ),
        apps: allowing(
            z.array(
                z.object({
                    discovery: z.array(z.object({ name: z.string(), port: z.number(), labels: z.record(z.string(), z.string()) })),
                }),
            ),
            "must be a list of SwarmClientApps",
        ).prefault([]),
        swarm: swarmField(),
        prometheusImage: f.prometheusImage,
        alertmanagerImage: f.alertmanagerImage,
        retention: f.retention,
        scrapeInterval: f.scrapeInterval,
        serverDownFor: f.serverDownFor,
        alertWebhookUrl: webhookUrlField().optional(),
        prometheusHostPort: f.prometheusHostPort,
        alertmanagerHostPort: f.alertmanagerHostPort,
        prometheusMemoryMb: f.prometheusMemoryMb,
        alertmanagerMemoryMb: f.alertmanagerMemoryMb,
        namePrefix: f.namePrefix,
    })
    .superRefine((args, ctx) =>
        checkPublishing(args.swarm, { prometheusHostPort: args.prometheusHostPort, alertmanagerHostPort: args.alertmanagerHostPort }, ctx),
    );

/**
 * Prometheus and Alertmanager as swarm services on the manager node (their data volumes live
 * there). Prometheus scrapes the servers by their service names and finds the app's replicas
 * through DNS (`tasks.<service>`). No Docker socket anywhere.
 */
export class SwarmMonitoring extends pulumi.ComponentResource {
    public readonly prometheus: docker.Service;
    public readonly alertmanager: docker.Service;
    /** `http://address:port` of a published Prometheus, when the manager node has an address. */
    public readonly prometheusUrl: pulumi.Output<string | undefined>;
    public readonly alertmanagerUrl: pulumi.Output<string | undefined>;

    constructor(name: string, args: SwarmMonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
        const settings = parseArgs("SwarmMonitoring", name, swarmMonitoringArgsSchema, args, ["alertWebhookUrl"]);
        const stack = pulumi.getStack();
        const prefix = settings.namePrefix ?? computeNamePrefix(name, stack);
        super(SWARM_MONITORING_TYPE, name, {}, opts);
        const provider = createManagerProvider(name, settings.swarm, this);
        const manager = managerNode(settings.swarm);
        const host = (key: string) => `${prefix}-${key}`;
        const published = (port: number | undefined) => (settings.swarm.publishHostPorts ? port : undefined);
        const url = (port: number | undefined) =>
            pulumi.output(published(port) === undefined || manager.address === undefined ? undefined : `http://${manager.address}:${port}`);
        // As the app does: nothing here changes before the ensembles' updates are through, so a
        // refused update (the pre-flight check) leaves the scrape config as it was.
        const ensembles = args.ensembles.filter((e): e is typeof e & pulumi.Resource => pulumi.Resource.isInstance(e));
        const networkIds = pulumi.all(settings.ensembles.map((e) => e.networkId)).apply((ids) => [...new Set(ids)]);

        const service = (
            key: string,
            spec: {
                image: string;
                args: string[];
                configs: Record<string, SwarmFile>;
                secrets: Record<string, SwarmFile>;
                dataPath: string;
                port: number;
                hostPort?: number;
                memoryMb: number;
            },
        ) => {
            const labels = renderLabels({ stack, component: key });
            const volume = new docker.Volume(`${name}-${key}-data`, { name: `${host(key)}-data`, labels }, { parent: this, provider });
            const files = createSwarmFiles(
                host(key),
                { configs: spec.configs, secrets: spec.secrets },
                { provider, parent: this, labels, dependsOn: ensembles },
                NOBODY,
            );
            const port = published(spec.hostPort);
            return new docker.Service(
                `${name}-${key}`,
                {
                    name: host(key),
                    labels,
                    taskSpec: {
                        containerSpec: {
                            image: spec.image,
                            hostname: host(key),
                            user: `${NOBODY.uid}:${NOBODY.gid}`,
                            args: spec.args,
                            capDrops: ["ALL"],
                            stopGracePeriod: "15s",
                            configs: files.configs,
                            secrets: files.secrets,
                            mounts: [{ type: "volume", source: volume.name, target: spec.dataPath }],
                            sysctl: {},
                        },
                        resources: { limits: { memoryBytes: spec.memoryMb * 1024 * 1024 } },
                        // Its data volume is on the manager node.
                        placement: { constraints: [nodeConstraint(manager.label)] },
                        ...SERVICE_TASK_DEFAULTS,
                        networksAdvanceds: networkIds.apply((ids) => ids.map((id) => ({ id, aliases: [host(key)] }))),
                    },
                    mode: { replicated: { replicas: 1 } },
                    endpointSpec: {
                        mode: "dnsrr",
                        ports:
                            port === undefined
                                ? []
                                : [{ targetPort: spec.port, publishedPort: port, publishMode: "host", protocol: "tcp" }],
                    },
                    updateConfig: { parallelism: 1, order: "stop-first", failureAction: "pause", delay: "0s" },
                    convergeConfig: { delay: "1s", timeout: "2m" },
                },
                { parent: this, provider, dependsOn: ensembles },
            );
        };

        const alertmanagerConfig = renderAlertmanagerConfig({ webhookUrl: settings.alertWebhookUrl });
        this.alertmanager = service("alertmanager", {
            image: settings.alertmanagerImage,
            args: [`--config.file=${ALERTMANAGER_CONFIG_FILE}`, "--storage.path=/alertmanager", "--cluster.listen-address="],
            configs: {},
            // The webhook URL often carries a token: the whole file is a secret.
            secrets: {
                config: {
                    file: ALERTMANAGER_CONFIG_FILE,
                    content: pulumi.secret(alertmanagerConfig),
                    contentKey: shortHash(alertmanagerConfig),
                },
            },
            dataPath: "/alertmanager",
            port: ALERTMANAGER_PORT,
            hostPort: settings.alertmanagerHostPort,
            memoryMb: settings.alertmanagerMemoryMb,
        });

        const prometheusConfig = renderPrometheusConfig({
            scrapeInterval: settings.scrapeInterval,
            zookeeperTargets: settings.ensembles.flatMap((e) => e.metricsTargets),
            appTargets: [],
            appDiscovery: settings.apps.flatMap((a) => a.discovery),
            alertmanagerAddress: `${host("alertmanager")}:${ALERTMANAGER_PORT}`,
            externalLabels: { stack },
        });
        const alertRules = renderAlertRules({
            ensembles: settings.ensembles.map((e) => ({ name: e.namePrefix, size: e.size })),
            serverDownFor: settings.serverDownFor,
            includeClientApp: settings.apps.length > 0,
        });
        this.prometheus = service("prometheus", {
            image: settings.prometheusImage,
            args: [
                `--config.file=${PROMETHEUS_CONFIG_FILE}`,
                "--storage.tsdb.path=/prometheus",
                `--storage.tsdb.retention.time=${settings.retention}`,
                "--web.enable-lifecycle",
            ],
            configs: {
                config: { file: PROMETHEUS_CONFIG_FILE, content: prometheusConfig },
                rules: { file: ALERT_RULES_FILE, content: alertRules },
            },
            secrets: {},
            dataPath: "/prometheus",
            port: PROMETHEUS_PORT,
            hostPort: settings.prometheusHostPort,
            memoryMb: settings.prometheusMemoryMb,
        });
        this.prometheusUrl = url(settings.prometheusHostPort);
        this.alertmanagerUrl = url(settings.alertmanagerHostPort);
        this.registerOutputs({
            prometheus: this.prometheus,
            alertmanager: this.alertmanager,
            prometheusUrl: this.prometheusUrl,
            alertmanagerUrl: this.alertmanagerUrl,
        });
    }
}
