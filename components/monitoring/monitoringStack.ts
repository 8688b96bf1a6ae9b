import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { z } from "zod";
import { computeNamePrefix, computePortBindings, renderLabels } from "../shared/containerConventions";
import { checkedInput, parseArgs } from "../shared/contract";
import { namePrefix as namePrefixField } from "../shared/fields";
import { hardenedContainer } from "../shared/hardenedContainer";
import { LEGACY_TYPES, MONITORING_STACK_TYPE, withLegacyAlias } from "../shared/typeTokens";
import { networkNameField } from "../zookeeper/schema";
import { computeBackupMaxAgeSeconds, renderAlertRules } from "./alertRules";
import {
    GRAFANA_DASHBOARD_FILE,
    GRAFANA_DASHBOARD_PROVIDER_FILE,
    GRAFANA_DATASOURCE_FILE,
    renderDashboardProvider,
    renderGrafanaDatasource,
    renderZooKeeperDashboard,
} from "./grafanaProvisioning";
import {
    ALERTMANAGER_CONFIG_FILE,
    ALERTMANAGER_PORT,
    ALERT_RULES_FILE,
    PROMETHEUS_CONFIG_FILE,
    PROMETHEUS_PORT,
    renderAlertmanagerConfig,
    renderPrometheusConfig,
} from "./prometheusConfig";
import { MonitoringStackArgs } from "./monitoringArgs";
import { monitoringStackArgsSchema, scrapeTargetsField, webhookUrlField } from "./schema";

export type { MonitoredApp, MonitoredEnsemble, MonitoringStackArgs } from "./monitoringArgs";

export const GRAFANA_PORT = 3000;
/** File the Grafana admin password is uploaded to; Grafana reads it via GF_SECURITY_ADMIN_PASSWORD__FILE. */
export const GRAFANA_PASSWORD_FILE = "/run/secrets/grafana_admin_password";
/** uid:gid the official Prometheus and Alertmanager images run as (nobody). */
const NOBODY = "65534:65534";
/** uid:gid the official Grafana image runs as. */
const GRAFANA_USER = "472:0";

const GRAFANA_ENVS: readonly string[] = Object.freeze([
    "GF_SECURITY_ADMIN_USER=admin",
    // The password only ever travels as a file, never as an env var that `docker inspect` would show.
    `GF_SECURITY_ADMIN_PASSWORD__FILE=${GRAFANA_PASSWORD_FILE}`,
    "GF_AUTH_ANONYMOUS_ENABLED=false",
    "GF_USERS_ALLOW_SIGN_UP=false",
    "GF_ANALYTICS_REPORTING_ENABLED=false",
    "GF_ANALYTICS_CHECK_FOR_UPDATES=false",
    "GF_ANALYTICS_CHECK_FOR_PLUGIN_UPDATES=false",
]);

/** What differs between the monitoring services. */
interface ServiceSpec {
    image: string;
    command?: string[];
    envs?: string[];
    uploads: { file: string; content: pulumi.Input<string> }[];
    /** Where the service keeps its data, on a volume of its own. */
    dataPath: string;
    /** The networks to join; default the monitoring network, with the host name as alias. */
    networks?: pulumi.Input<{ name: pulumi.Input<string>; aliases: string[] }[]>;
    port: number;
    hostPort?: number;
    memoryMb: number;
    user: string;
}

/**
 * Prometheus, Alertmanager and optionally Grafana, configured to scrape every
 * ZooKeeper server and client app replica and to alert on ZooKeeper's health.
 */
export class MonitoringStack extends pulumi.ComponentResource {
    /** Prometheus's container. */
    public readonly prometheus: docker.Container;
    /** Alertmanager's container. */
    public readonly alertmanager: docker.Container;
    /** Grafana's container; undefined when Grafana is off. */
    public readonly grafana?: docker.Container;
    /** Prometheus's host-side URL when its port is published, else undefined. */
    public readonly prometheusUrl: pulumi.Output<string | undefined>;
    /** Alertmanager's host-side URL when its port is published, else undefined. */
    public readonly alertmanagerUrl: pulumi.Output<string | undefined>;
    /** Grafana's host-side URL when its port is published, else undefined. */
    public readonly grafanaUrl: pulumi.Output<string | undefined>;
    /** Grafana's admin password (secret); undefined when Grafana is off. */
    public readonly grafanaAdminPassword: pulumi.Output<string | undefined>;

    constructor(name: string, args: MonitoringStackArgs, opts?: pulumi.ComponentResourceOptions) {
        // Checked before super(): bad arguments register nothing.
        const settings = parseArgs("MonitoringStack", name, monitoringStackArgsSchema, args, ["alertWebhookUrl"]);
        const stack = pulumi.getStack();
        const prefix = settings.namePrefix ?? computeNamePrefix(name, stack);
        // Nothing of the ensembles and apps goes into the component's inputs: as inputs they would
        // make the SDK wait for every one of their children (servers, gates, the app) before
        // registering anything here, so Prometheus and Alertmanager would start last instead of
        // alongside the servers. Nothing here needs those resources to exist first.
        super(MONITORING_STACK_TYPE, name, {}, withLegacyAlias(opts, LEGACY_TYPES.MonitoringStack));
        const check = <T>(path: string, schema: z.ZodType<T>, input: pulumi.Input<T>, secret = false) =>
            checkedInput("MonitoringStack", name, path, schema, input, secret);
        const hostIp = settings.hostIp;
        const ensembles = settings.ensembles.map((e, i) => ({
            namePrefix: check(`ensembles.${i}.namePrefix`, namePrefixField(), e.namePrefix),
            size: check(`ensembles.${i}.size`, z.number().int().min(1).max(255), e.size),
            networkName: check(`ensembles.${i}.networkName`, networkNameField(), e.networkName),
            metricsTargets: check(`ensembles.${i}.metricsTargets`, scrapeTargetsField(), e.metricsTargets),
            backupMetricsTargets: check(`ensembles.${i}.backupMetricsTargets`, scrapeTargetsField(), e.backupMetricsTargets ?? []),
            backupIntervalSeconds: pulumi.output(e.backupIntervalSeconds),
        }));
        const appTargets = pulumi
            .all(settings.apps.map((a, i) => check(`apps.${i}.metricsTargets`, scrapeTargetsField(), a.metricsTargets)))
            .apply((lists) => lists.flat());
        const network =
            settings.networkName === undefined ? ensembles[0].networkName : check("networkName", networkNameField(), settings.networkName);
        const url = (port: number | undefined) => pulumi.output(port === undefined ? undefined : `http://${hostIp}:${port}`);
        const host = (key: string) => `${prefix}-${key}`;
        // One monitoring service: its image, its data volume and its container, alike but for what `spec` says.
        const service = (key: string, spec: ServiceSpec, opts: pulumi.CustomResourceOptions = {}) => {
            const image = new docker.RemoteImage(`${name}-${key}-image`, { name: spec.image, keepLocally: true }, { parent: this });
            const volume = new docker.Volume(
                `${name}-${key}-data`,
                { name: `${prefix}-${key}-data`, labels: renderLabels({ stack, component: key }) },
                { parent: this },
            );
            return hardenedContainer(
                `${name}-${key}`,
                {
                    name: host(key),
                    hostname: host(key),
                    image: image.imageId,
                    ...(spec.command ? { command: spec.command } : {}),
                    ...(spec.envs ? { envs: spec.envs } : {}),
                    uploads: spec.uploads,
                    volumes: [{ volumeName: volume.name, containerPath: spec.dataPath }],
                    networksAdvanced: spec.networks ?? [{ name: network, aliases: [host(key)] }],
                    ports: computePortBindings([{ internal: spec.port, external: spec.hostPort }], hostIp),
                    memoryMb: spec.memoryMb,
                    user: spec.user,
                    labels: { stack, component: key },
                    restart: "unless-stopped",
                    stopTimeout: 15,
                    destroyGraceSeconds: 15,
                },
                { parent: this, deleteBeforeReplace: true, ...opts },
            );
        };

        const webhookUrl =
            settings.alertWebhookUrl === undefined
                ? undefined
                : check("alertWebhookUrl", webhookUrlField(), settings.alertWebhookUrl, true);
        const alertmanagerConfig = pulumi.output(webhookUrl).apply((webhook) => renderAlertmanagerConfig({ webhookUrl: webhook }));
        this.alertmanager = service("alertmanager", {
            image: settings.alertmanagerImage,
            // A single instance: no gossip port, no peer discovery.
            command: [`--config.file=${ALERTMANAGER_CONFIG_FILE}`, "--storage.path=/alertmanager", "--cluster.listen-address="],
            // The webhook URL often carries a token, so the whole file is a secret.
            uploads: [{ file: ALERTMANAGER_CONFIG_FILE, content: pulumi.secret(alertmanagerConfig) }],
            dataPath: "/alertmanager",
            port: ALERTMANAGER_PORT,
            hostPort: settings.alertmanagerHostPort,
            memoryMb: settings.alertmanagerMemoryMb,
            user: NOBODY,
        });

        const zookeeperTargets = pulumi.all(ensembles.map((e) => e.metricsTargets)).apply((lists) => lists.flat());
        const backupTargets = pulumi.all(ensembles.map((e) => e.backupMetricsTargets)).apply((lists) => lists.flat());
        const prometheusConfig = pulumi.all([zookeeperTargets, appTargets, backupTargets]).apply(([zkTargets, apps, backups]) =>
            renderPrometheusConfig({
                scrapeInterval: settings.scrapeInterval,
                zookeeperTargets: zkTargets,
                appTargets: apps,
                backupTargets: backups,
                alertmanagerAddress: `${host("alertmanager")}:${ALERTMANAGER_PORT}`,
                externalLabels: { stack },
            }),
        );
        const alertRules = pulumi.all(ensembles.map((e) => pulumi.all([e.namePrefix, e.size, e.backupIntervalSeconds]))).apply((watched) =>
            renderAlertRules({
                ensembles: watched.map(([ensembleName, size, backupInterval]) => ({
                    name: ensembleName,
                    size,
                    ...(backupInterval === undefined ? {} : { backupMaxAgeSeconds: computeBackupMaxAgeSeconds(backupInterval) }),
                })),
                serverDownFor: settings.serverDownFor,
                includeClientApp: settings.apps.length > 0,
            }),
        );
        this.prometheus = service("prometheus", {
            image: settings.prometheusImage,
            command: [
                `--config.file=${PROMETHEUS_CONFIG_FILE}`,
                "--storage.tsdb.path=/prometheus",
                `--storage.tsdb.retention.time=${settings.retention}`,
                "--web.enable-lifecycle",
            ],
            uploads: [
                { file: PROMETHEUS_CONFIG_FILE, content: prometheusConfig },
                { file: ALERT_RULES_FILE, content: alertRules },
            ],
            dataPath: "/prometheus",
            // Prometheus has to reach every ensemble, so it joins each network once.
            networks: pulumi
                .all([network, ...ensembles.map((e) => e.networkName)])
                .apply((names) => names.filter((n, i) => names.indexOf(n) === i).map((n) => ({ name: n, aliases: [host("prometheus")] }))),
            port: PROMETHEUS_PORT,
            hostPort: settings.prometheusHostPort,
            memoryMb: settings.prometheusMemoryMb,
            user: NOBODY,
        });
        this.prometheusUrl = url(settings.prometheusHostPort);
        this.alertmanagerUrl = url(settings.alertmanagerHostPort);

        if (settings.grafanaEnabled) {
            const password = new random.RandomPassword(`${name}-grafana-admin-password`, { length: 24, special: false }, { parent: this });
            this.grafana = service(
                "grafana",
                {
                    image: settings.grafanaImage!,
                    envs: [...GRAFANA_ENVS],
                    uploads: [
                        { file: GRAFANA_PASSWORD_FILE, content: pulumi.secret(password.result) },
                        {
                            file: GRAFANA_DATASOURCE_FILE,
                            content: renderGrafanaDatasource(`http://${host("prometheus")}:${PROMETHEUS_PORT}`),
                        },
                        { file: GRAFANA_DASHBOARD_PROVIDER_FILE, content: renderDashboardProvider() },
                        { file: GRAFANA_DASHBOARD_FILE, content: JSON.stringify(renderZooKeeperDashboard(), null, 2) },
                    ],
                    dataPath: "/var/lib/grafana",
                    port: GRAFANA_PORT,
                    hostPort: settings.grafanaHostPort,
                    memoryMb: settings.grafanaMemoryMb,
                    user: GRAFANA_USER,
                },
                { dependsOn: [this.prometheus] },
            );
            this.grafanaUrl = url(settings.grafanaHostPort);
            this.grafanaAdminPassword = pulumi.secret(password.result);
        } else {
            this.grafanaUrl = pulumi.output(undefined);
            this.grafanaAdminPassword = pulumi.output(undefined);
        }

        this.registerOutputs({
            prometheus: this.prometheus,
            alertmanager: this.alertmanager,
            grafana: this.grafana,
            prometheusUrl: this.prometheusUrl,
            alertmanagerUrl: this.alertmanagerUrl,
            grafanaUrl: this.grafanaUrl,
            grafanaAdminPassword: this.grafanaAdminPassword,
        });
    }
}
