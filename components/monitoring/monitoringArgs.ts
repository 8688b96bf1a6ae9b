/**
 * The arguments of MonitoringStack, as documented plain data (see schema.ts for the rules they are
 * checked against), and what it uses of the ensembles and apps it watches.
 */
import * as pulumi from "@pulumi/pulumi";
import { ScrapeTarget } from "../shared/containerConventions";

/** Arguments of the monitoring stack. */
export interface MonitoringStackArgs {
    /** Ensembles to scrape and alert on (ZooKeeperEnsembles, or their outputs); at least one. */
    readonly ensembles: MonitoredEnsemble[];
    /** Client app services to scrape (ClientAppServices, or their outputs). Default none. */
    readonly apps?: MonitoredApp[];
    /** Name of the network for Alertmanager and Grafana; default the first ensemble's. Prometheus also joins every ensemble's network. */
    readonly networkName?: pulumi.Input<string>;
    /** Prometheus image reference, e.g. `prom/prometheus:v2.53.0`. */
    readonly prometheusImage: string;
    /** Alertmanager image reference, e.g. `prom/alertmanager:v0.27.0`. */
    readonly alertmanagerImage: string;
    /** Grafana image reference, e.g. `grafana/grafana-oss:11.3.0`; required when grafanaEnabled. */
    readonly grafanaImage?: string;
    /** Run Grafana with the provisioned dashboard. Default false. */
    readonly grafanaEnabled?: boolean;
    /** How long Prometheus keeps data, a Prometheus duration such as `7d`. Default 7d. */
    readonly retention?: string;
    /** Scrape and rule evaluation interval, a Prometheus duration such as `15s`. Default 15s. */
    readonly scrapeInterval?: string;
    /** How long a server must be down before ZooKeeperServerDown fires, e.g. `1m`. Default 1m. */
    readonly serverDownFor?: string;
    /** Where Alertmanager POSTs alerts (an http:// or https:// URL); alerts are dropped when unset. Treated as a secret. */
    readonly alertWebhookUrl?: pulumi.Input<string>;
    /** Host port (1024..65535) for Prometheus; not published when unset. */
    readonly prometheusHostPort?: number;
    /** Host port (1024..65535) for Alertmanager; not published when unset. */
    readonly alertmanagerHostPort?: number;
    /** Host port (1024..65535) for Grafana; not published when unset. */
    readonly grafanaHostPort?: number;
    /** IPv4 address published ports bind to. Default 127.0.0.1. */
    readonly hostIp?: string;
    /** Prometheus memory limit in MB, 128..65536. Default 512. */
    readonly prometheusMemoryMb?: number;
    /** Alertmanager memory limit in MB, 32..8192. Default 128. */
    readonly alertmanagerMemoryMb?: number;
    /** Grafana memory limit in MB, 128..8192. Default 256. */
    readonly grafanaMemoryMb?: number;
    /** Prefix of the Docker object names (lower-case letters, digits, single dashes; at most 40 characters); default `<component name>-<stack>`, e.g. `mon-dev`. */
    readonly namePrefix?: string;
}

/** What monitoring uses of an ensemble; a ZooKeeperEnsemble has all of it. */
export interface MonitoredEnsemble {
    /** The ensemble's name prefix: the `ensemble` label of its targets and alerts. */
    readonly namePrefix: pulumi.Input<string>;
    /** Number of servers, for the quorum alerts. */
    readonly size: pulumi.Input<number>;
    /** Name of the ensemble's Docker network; Prometheus joins it. */
    readonly networkName: pulumi.Input<string>;
    /** Metrics endpoints of its servers. */
    readonly metricsTargets: pulumi.Input<ScrapeTarget[]>;
    /** Metrics endpoints of its backup agents (ZooKeeperEnsemble's `backup`). Default none. */
    readonly backupMetricsTargets?: pulumi.Input<ScrapeTarget[]>;
    /** Seconds between its scheduled backups: ZooKeeperBackupTooOld fires at 3 intervals (at least 10 minutes) without one. */
    readonly backupIntervalSeconds?: pulumi.Input<number>;
}

/** What monitoring uses of a client app; a ClientAppService has it. */
export interface MonitoredApp {
    /** Metrics endpoints of its replicas. */
    readonly metricsTargets: pulumi.Input<ScrapeTarget[]>;
}
