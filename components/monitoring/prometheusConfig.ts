/**
 * Pure rendering of the Prometheus and Alertmanager configuration files.
 * Scrape targets are in-network host names, not container ids, so a rolling
 * update of the ensemble leaves these files, and thus the monitoring
 * containers, untouched.
 */
import { stringify } from "yaml";
import { ScrapeTarget } from "../shared/containerConventions";
import { DURATION_PATTERN, webhookUrlField } from "./schema";

/** Where the main configuration is uploaded inside the Prometheus container. */
export const PROMETHEUS_CONFIG_FILE = "/etc/prometheus/prometheus.yml";
/** Rule file path relative to the configuration file, as `rule_files` names it. */
export const ALERT_RULES_RELATIVE_PATH = "rules/zookeeper.rules.yml";
/** Where the rules are uploaded inside the Prometheus container. */
export const ALERT_RULES_FILE = `/etc/prometheus/${ALERT_RULES_RELATIVE_PATH}`;
/** Where Alertmanager's configuration is uploaded. */
export const ALERTMANAGER_CONFIG_FILE = "/etc/alertmanager/alertmanager.yml";

export const PROMETHEUS_PORT = 9090;
/** The scrape job of the backup agents; the alert rules select it. */
export const BACKUP_JOB = "zookeeper-backup";
export const ALERTMANAGER_PORT = 9093;

/** Checks a Prometheus duration; the error names the setting and the value. */
export function validateDuration(what: string, value: string): void {
    if (!DURATION_PATTERN.test(value)) {
        throw new Error(`${what} "${value}" is not allowed: must be a Prometheus duration such as 15s, 1m or 7d`);
    }
}

/** Everything prometheus.yml is rendered from. */
export interface PrometheusConfigSettings {
    /** How often targets are scraped and rules evaluated, e.g. `15s`. */
    scrapeInterval: string;
    /** ZooKeeper servers' metrics endpoints (port 7000). */
    zookeeperTargets: readonly ScrapeTarget[];
    /** Client app replicas' HTTP endpoints (`/metrics`). */
    appTargets: readonly ScrapeTarget[];
    /**
     * Client app replicas found by DNS (a swarm service's `tasks.<name>`: one A record per running
     * task), scraped in the same job as appTargets. Default none.
     */
    appDiscovery?: readonly AppDiscovery[];
    /** Backup agents' endpoints (components/backup/). Default none. */
    backupTargets?: readonly ScrapeTarget[];
    /** host:port of Alertmanager on the container network. */
    alertmanagerAddress: string;
    /** Labels added to every series and alert, e.g. the stack. */
    externalLabels?: Readonly<Record<string, string>>;
}

/** Replicas behind one DNS name, on one port, with labels for all of them. */
export interface AppDiscovery {
    name: string;
    port: number;
    labels: Readonly<Record<string, string>>;
}

/** How often the DNS names of AppDiscovery are resolved again: a moved replica is found this soon. */
export const DNS_SD_REFRESH = "10s";

function staticConfigs(targets: readonly ScrapeTarget[]) {
    return targets.map((t) => ({ targets: [t.address], labels: { ...t.labels } }));
}

/** Renders prometheus.yml. */
export function renderPrometheusConfig(settings: PrometheusConfigSettings): string {
    validateDuration("scrapeInterval", settings.scrapeInterval);
    const scrapeConfigs: object[] = [
        {
            job_name: "prometheus",
            static_configs: [{ targets: [`localhost:${PROMETHEUS_PORT}`] }],
        },
        {
            job_name: "zookeeper",
            metrics_path: "/metrics",
            static_configs: staticConfigs(settings.zookeeperTargets),
        },
    ];
    const discovery = settings.appDiscovery ?? [];
    if (settings.appTargets.length > 0 || discovery.length > 0) {
        scrapeConfigs.push({
            job_name: "client-app",
            metrics_path: "/metrics",
            ...(settings.appTargets.length > 0 ? { static_configs: staticConfigs(settings.appTargets) } : {}),
            ...(discovery.length > 0
                ? {
                      dns_sd_configs: discovery.map((d) => ({
                          names: [d.name],
                          type: "A",
                          port: d.port,
                          refresh_interval: DNS_SD_REFRESH,
                      })),
                      // dns_sd has no per-name labels: each name's are set by matching its meta label.
                      relabel_configs: discovery.flatMap((d) =>
                          Object.entries(d.labels).map(([label, value]) => ({
                              source_labels: ["__meta_dns_name"],
                              regex: d.name.replace(/\./g, "\\."),
                              target_label: label,
                              replacement: value,
                          })),
                      ),
                  }
                : {}),
        });
    }
    if ((settings.backupTargets ?? []).length > 0) {
        scrapeConfigs.push({
            job_name: BACKUP_JOB,
            metrics_path: "/metrics",
            static_configs: staticConfigs(settings.backupTargets ?? []),
        });
    }
    const config = {
        global: {
            scrape_interval: settings.scrapeInterval,
            evaluation_interval: settings.scrapeInterval,
            ...(settings.externalLabels ? { external_labels: { ...settings.externalLabels } } : {}),
        },
        alerting: {
            alertmanagers: [{ static_configs: [{ targets: [settings.alertmanagerAddress] }] }],
        },
        rule_files: [ALERT_RULES_RELATIVE_PATH],
        scrape_configs: scrapeConfigs,
    };
    return stringify(config, { lineWidth: 0 });
}

/** What alertmanager.yml is rendered from. */
export interface AlertmanagerSettings {
    /** Where alerts are POSTed; when unset, alerts go to a receiver that drops them. */
    webhookUrl?: string;
}

/** Renders alertmanager.yml. */
export function renderAlertmanagerConfig(settings: AlertmanagerSettings): string {
    const webhook = settings.webhookUrl;
    if (webhook !== undefined && !webhookUrlField().safeParse(webhook).success) {
        throw new Error("webhookUrl is not allowed: must be an http:// or https:// URL");
    }
    const receiver = webhook === undefined ? "null" : "webhook";
    const config = {
        route: {
            receiver,
            group_by: ["alertname", "ensemble"],
            group_wait: "30s",
            group_interval: "5m",
            repeat_interval: "4h",
        },
        receivers:
            webhook === undefined ? [{ name: "null" }] : [{ name: "webhook", webhook_configs: [{ url: webhook, send_resolved: true }] }],
    };
    return stringify(config, { lineWidth: 0 });
}
