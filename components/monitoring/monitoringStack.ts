import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { ClientAppService } from "../clientApp/clientAppService";
import {
    DEFAULT_HOST_IP,
    LOG_DRIVER,
    LOG_OPTS,
    computeNamePrefix,
    computePortBindings,
    renderLabels,
} from "../shared/containerConventions";
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
    renderAlertRules,
    renderAlertmanagerConfig,
    renderPrometheusConfig,
    validateDuration,
} from "./prometheusConfig";
import { ZooKeeperEnsemble } from "../zookeeper/zookeeperEnsemble";

/** Arguments of the monitoring stack. */
export interface MonitoringStackArgs {
    /** Ensembles to scrape and alert on. */
    readonly ensembles: ZooKeeperEnsemble[];
    /** Client app services to scrape. Default none. */
    readonly apps?: ClientAppService[];
    /** Network for Alertmanager and Grafana; default the first ensemble's. Prometheus also joins every ensemble's network. */
    readonly network?: docker.Network;
    /** Prometheus image, e.g. `prom/prometheus:v2.53.0`. */
    readonly prometheusImage: string;
    /** Alertmanager image, e.g. `prom/alertmanager:v0.27.0`. */
    readonly alertmanagerImage: string;
    /** Grafana image, e.g. `grafana/grafana-oss:11.3.0`; required when grafanaEnabled. */
    readonly grafanaImage?: string;
    /** Run Grafana with the provisioned dashboard. Default false. */
    readonly grafanaEnabled?: boolean;
    /** How long Prometheus keeps data, e.g. `7d`. Default 7d. */
    readonly retention?: string;
    /** Scrape and rule evaluation interval, e.g. `15s`. Default 15s. */
    readonly scrapeInterval?: string;
    /** How long a server must be down before ZooKeeperServerDown fires. Default 1m. */
    readonly serverDownFor?: string;
    /** Where Alertmanager POSTs alerts; alerts are dropped when unset. Treated as a secret. */
    readonly alertWebhookUrl?: pulumi.Input<string>;
    /** Host ports; a service is not published when its port is unset. */
    readonly prometheusHostPort?: number;
    readonly alertmanagerHostPort?: number;
    readonly grafanaHostPort?: number;
    /** Host address published ports bind to. Default 127.0.0.1. */
    readonly hostIp?: string;
    /** Memory limits in MB. Defaults 512, 128, 256. */
    readonly prometheusMemoryMb?: number;
    readonly alertmanagerMemoryMb?: number;
    readonly grafanaMemoryMb?: number;
    /** Prefix of the Docker object names; default `<component name>-<stack>`, e.g. `mon-dev`. */
    readonly namePrefix?: string;
}

export const GRAFANA_PORT = 3000;
/** File the Grafana admin password is uploaded to; Grafana reads it via GF_SECURITY_ADMIN_PASSWORD__FILE. */
export const GRAFANA_PASSWORD_FILE = "/run/secrets/grafana_admin_password";
/** uid:gid the official Prometheus and Alertmanager images run as (nobody). */
const NOBODY = "65534:65534";
/** uid:gid the official Grafana image runs as. */
const GRAFANA_USER = "472:0";

/**
 * Prometheus, Alertmanager and optionally Grafana, configured to scrape every
 * ZooKeeper server and client app replica and to alert on ZooKeeper's health.
 */
export class MonitoringStack extends pulumi.ComponentResource {
    public readonly prometheus: docker.Container;
    public readonly alertmanager: docker.Container;
    public readonly grafana?: docker.Container;
    /** Host-side URLs where the ports are published, else undefined. */
    public readonly prometheusUrl: pulumi.Output<string | undefined>;
    public readonly alertmanagerUrl: pulumi.Output<string | undefined>;
    public readonly grafanaUrl: pulumi.Output<string | undefined>;
    /** Grafana's admin password (secret); undefined when Grafana is off. */
    public readonly grafanaAdminPassword: pulumi.Output<string | undefined>;

    constructor(name: string, args: MonitoringStackArgs, opts?: pulumi.ComponentResourceOptions) {
        // Validated before super() so that bad arguments register nothing.
        if (args.ensembles.length === 0) {
            throw new Error("ensembles is empty: the monitoring stack needs at least one ensemble to watch");
        }
        if (args.grafanaEnabled && !args.grafanaImage) {
            throw new Error("grafanaImage is required when grafanaEnabled is true");
        }
        const retention = args.retention ?? "7d";
        validateDuration("retention", retention);
        validateDuration("scrapeInterval", args.scrapeInterval ?? "15s");
        validateDuration("serverDownFor", args.serverDownFor ?? "1m");
        const stack = pulumi.getStack();
        const prefix = args.namePrefix ?? computeNamePrefix(name, stack);
        // The args hold the ensembles and apps themselves; as component inputs they would make
        // the SDK wait for every one of their children (servers, gates, the ready gate, the app)
        // before registering anything here, so Prometheus and Alertmanager would start last
        // instead of alongside the servers. Nothing here needs those resources to exist first.
        super("zookeeper-docker:index:MonitoringStack", name, {}, opts);
        const hostIp = args.hostIp ?? DEFAULT_HOST_IP;
        const apps = args.apps ?? [];
        const network = args.network ?? args.ensembles[0].network;
        const common = {
            capabilities: { drops: ["ALL"] },
            restart: "unless-stopped",
            stopTimeout: 15,
            destroyGraceSeconds: 15,
            logDriver: LOG_DRIVER,
            logOpts: { ...LOG_OPTS },
        };
        const labels = (component: string) => renderLabels({ stack, component });
        const url = (port: number | undefined) => pulumi.output(port === undefined ? undefined : `http://${hostIp}:${port}`);
        const image = (key: string, imageName: string) =>
            new docker.RemoteImage(`${name}-${key}-image`, { name: imageName, keepLocally: true }, { parent: this });
        const volume = (key: string) =>
            new docker.Volume(`${name}-${key}-data`, { name: `${prefix}-${key}-data`, labels: labels(key) }, { parent: this });

        // Alertmanager
        const alertmanagerHost = `${prefix}-alertmanager`;
        const alertmanagerConfig = pulumi
            .output(args.alertWebhookUrl)
            .apply((webhookUrl) => renderAlertmanagerConfig({ webhookUrl }));
        this.alertmanager = new docker.Container(
            `${name}-alertmanager`,
            {
                name: alertmanagerHost,
                hostname: alertmanagerHost,
                image: image("alertmanager", args.alertmanagerImage).imageId,
                command: [
                    `--config.file=${ALERTMANAGER_CONFIG_FILE}`,
                    "--storage.path=/alertmanager",
                    // A single instance: no gossip port, no peer discovery.
                    "--cluster.listen-address=",
                ],
                // The webhook URL often carries a token, so the whole file is a secret.
                uploads: [{ file: ALERTMANAGER_CONFIG_FILE, content: pulumi.secret(alertmanagerConfig) }],
                volumes: [{ volumeName: volume("alertmanager").name, containerPath: "/alertmanager" }],
                networksAdvanced: [{ name: network.name, aliases: [alertmanagerHost] }],
                ports: computePortBindings([{ internal: ALERTMANAGER_PORT, external: args.alertmanagerHostPort }], args.hostIp),
                memory: args.alertmanagerMemoryMb ?? 128,
                memorySwap: args.alertmanagerMemoryMb ?? 128,
                user: NOBODY,
                labels: labels("alertmanager"),
                ...common,
            },
            { parent: this, deleteBeforeReplace: true },
        );

        // Prometheus
        const prometheusHost = `${prefix}-prometheus`;
        const prometheusConfig = renderPrometheusConfig({
            scrapeInterval: args.scrapeInterval ?? "15s",
            zookeeperTargets: args.ensembles.flatMap((e) => e.metricsTargets),
            appTargets: apps.flatMap((a) => a.metricsTargets),
            alertmanagerAddress: `${alertmanagerHost}:${ALERTMANAGER_PORT}`,
            externalLabels: { stack },
        });
        const alertRules = renderAlertRules({
            ensembles: args.ensembles.map((e) => ({ name: e.namePrefix, size: e.size })),
            serverDownFor: args.serverDownFor,
            includeClientApp: apps.length > 0,
        });
        // Prometheus has to reach every ensemble, so it joins each network once.
        const networks = [network, ...args.ensembles.map((e) => e.network)].filter((n, i, all) => all.indexOf(n) === i);
        this.prometheus = new docker.Container(
            `${name}-prometheus`,
            {
                name: prometheusHost,
                hostname: prometheusHost,
                image: image("prometheus", args.prometheusImage).imageId,
                command: [
                    `--config.file=${PROMETHEUS_CONFIG_FILE}`,
                    "--storage.tsdb.path=/prometheus",
                    `--storage.tsdb.retention.time=${retention}`,
                    "--web.enable-lifecycle",
                ],
                uploads: [
                    { file: PROMETHEUS_CONFIG_FILE, content: prometheusConfig },
                    { file: ALERT_RULES_FILE, content: alertRules },
                ],
                volumes: [{ volumeName: volume("prometheus").name, containerPath: "/prometheus" }],
                networksAdvanced: networks.map((n) => ({ name: n.name, aliases: [prometheusHost] })),
                ports: computePortBindings([{ internal: PROMETHEUS_PORT, external: args.prometheusHostPort }], args.hostIp),
                memory: args.prometheusMemoryMb ?? 512,
                memorySwap: args.prometheusMemoryMb ?? 512,
                user: NOBODY,
                labels: labels("prometheus"),
                ...common,
            },
            { parent: this, deleteBeforeReplace: true },
        );

        this.prometheusUrl = url(args.prometheusHostPort);
        this.alertmanagerUrl = url(args.alertmanagerHostPort);

        if (args.grafanaEnabled && args.grafanaImage) {
            const password = new random.RandomPassword(`${name}-grafana-admin-password`, { length: 24, special: false }, { parent: this });
            const grafanaHost = `${prefix}-grafana`;
            this.grafana = new docker.Container(
                `${name}-grafana`,
                {
                    name: grafanaHost,
                    hostname: grafanaHost,
                    image: image("grafana", args.grafanaImage).imageId,
                    envs: [
                        "GF_SECURITY_ADMIN_USER=admin",
                        // The password only ever travels as a file, never as an env var
                        // that `docker inspect` would show.
                        `GF_SECURITY_ADMIN_PASSWORD__FILE=${GRAFANA_PASSWORD_FILE}`,
                        "GF_AUTH_ANONYMOUS_ENABLED=false",
                        "GF_USERS_ALLOW_SIGN_UP=false",
                        "GF_ANALYTICS_REPORTING_ENABLED=false",
                        "GF_ANALYTICS_CHECK_FOR_UPDATES=false",
                        "GF_ANALYTICS_CHECK_FOR_PLUGIN_UPDATES=false",
                    ],
                    uploads: [
                        { file: GRAFANA_PASSWORD_FILE, content: pulumi.secret(password.result) },
                        { file: GRAFANA_DATASOURCE_FILE, content: renderGrafanaDatasource(`http://${prometheusHost}:${PROMETHEUS_PORT}`) },
                        { file: GRAFANA_DASHBOARD_PROVIDER_FILE, content: renderDashboardProvider() },
                        { file: GRAFANA_DASHBOARD_FILE, content: JSON.stringify(renderZooKeeperDashboard(), null, 2) },
                    ],
                    volumes: [{ volumeName: volume("grafana").name, containerPath: "/var/lib/grafana" }],
                    networksAdvanced: [{ name: network.name, aliases: [grafanaHost] }],
                    ports: computePortBindings([{ internal: GRAFANA_PORT, external: args.grafanaHostPort }], args.hostIp),
                    memory: args.grafanaMemoryMb ?? 256,
                memorySwap: args.grafanaMemoryMb ?? 256,
                    user: GRAFANA_USER,
                    labels: labels("grafana"),
                    ...common,
                },
                { parent: this, deleteBeforeReplace: true, dependsOn: [this.prometheus] },
            );
            this.grafanaUrl = url(args.grafanaHostPort);
            this.grafanaAdminPassword = pulumi.secret(password.result);
        } else {
            this.grafanaUrl = pulumi.output(undefined);
            this.grafanaAdminPassword = pulumi.output(undefined);
        }

        this.registerOutputs({
            prometheusUrl: this.prometheusUrl,
            alertmanagerUrl: this.alertmanagerUrl,
            grafanaUrl: this.grafanaUrl,
            grafanaAdminPassword: this.grafanaAdminPassword,
        });
    }
}
