/**
 * Pure rendering of the Prometheus and Alertmanager configuration files.
 * Scrape targets are in-network host names, not container ids, so a rolling
 * update of the ensemble leaves these files, and thus the monitoring
 * containers, untouched.
 */
import { stringify } from "yaml";
import { ScrapeTarget } from "../shared/containerConventions";

/** Where the main configuration is uploaded inside the Prometheus container. */
export const PROMETHEUS_CONFIG_FILE = "/etc/prometheus/prometheus.yml";
/** Rule file path relative to the configuration file, as `rule_files` names it. */
export const ALERT_RULES_RELATIVE_PATH = "rules/zookeeper.rules.yml";
/** Where the rules are uploaded inside the Prometheus container. */
export const ALERT_RULES_FILE = `/etc/prometheus/${ALERT_RULES_RELATIVE_PATH}`;
/** Where Alertmanager's configuration is uploaded. */
export const ALERTMANAGER_CONFIG_FILE = "/etc/alertmanager/alertmanager.yml";

export const PROMETHEUS_PORT = 9090;
export const ALERTMANAGER_PORT = 9093;

/** Prometheus duration syntax, e.g. 15s, 1m, 7d. */
export const DURATION_PATTERN = /^[1-9][0-9]*(ms|s|m|h|d|w|y)$/;

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
    /** host:port of Alertmanager on the container network. */
    alertmanagerAddress: string;
    /** Labels added to every series and alert, e.g. the stack. */
    externalLabels?: Readonly<Record<string, string>>;
}

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
    if (settings.appTargets.length > 0) {
        scrapeConfigs.push({
            job_name: "client-app",
            metrics_path: "/metrics",
            static_configs: staticConfigs(settings.appTargets),
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

/** An ensemble as the alert rules see it. */
export interface AlertedEnsemble {
    /** Value of the `ensemble` label on its targets. */
    name: string;
    /** Number of servers. */
    size: number;
}

/** Thresholds of the alert rules. */
export interface AlertRuleSettings {
    ensembles: readonly AlertedEnsemble[];
    /** How long a target must be down before ZooKeeperServerDown fires. Default 1m. */
    serverDownFor?: string;
    /** Whether client app targets exist (adds ClientAppDown). Default false. */
    includeClientApp?: boolean;
    outstandingRequestsThreshold?: number;
    avgLatencyThresholdMs?: number;
    fsyncTimeThresholdMs?: number;
    openFileDescriptorsThreshold?: number;
    /** Fraction of the maximum heap, 0..1. */
    heapUsageRatio?: number;
}

/** One Prometheus alerting rule. */
export interface AlertRule {
    alert: string;
    expr: string;
    for?: string;
    labels: { severity: "critical" | "warning" };
    annotations: { summary: string; description: string };
}

/** Votes an ensemble of `size` servers needs to have a quorum. */
export function computeQuorum(size: number): number {
    return Math.floor(size / 2) + 1;
}

function escapeLabelValue(value: string): string {
    return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"');
}

/** The alert rules, as data (see renderAlertRules for the file). */
export function buildAlertRules(settings: AlertRuleSettings): AlertRule[] {
    const serverDownFor = settings.serverDownFor ?? "1m";
    validateDuration("serverDownFor", serverDownFor);
    const zk = 'job="zookeeper"';
    const rules: AlertRule[] = [
        {
            alert: "ZooKeeperServerDown",
            expr: `up{${zk}} == 0`,
            for: serverDownFor,
            labels: { severity: "critical" },
            annotations: {
                summary: "ZooKeeper server {{ $labels.instance }} is down",
                description: "Prometheus cannot scrape server {{ $labels.server_id }} of ensemble {{ $labels.ensemble }}.",
            },
        },
    ];
    const replicated = settings.ensembles.filter((e) => e.size > 1);
    if (replicated.length > 0) {
        const names = replicated.map((e) => escapeLabelValue(e.name)).join("|");
        rules.push({
            alert: "ZooKeeperLeaderCountNotOne",
            // An ensemble with no leader has no leader_uptime series at all; the
            // `or` fills in 0 from its up series so that case fires too.
            expr:
                `(count by (ensemble) (leader_uptime{${zk},ensemble=~"${names}"}) ` +
                `or on (ensemble) (count by (ensemble) (up{${zk},ensemble=~"${names}"}) * 0)) != 1`,
            for: "1m",
            labels: { severity: "critical" },
            annotations: {
                summary: "Ensemble {{ $labels.ensemble }} has {{ $value }} leaders",
                description: "A replicated ensemble must have exactly one leader; without one it serves no requests.",
            },
        });
        rules.push({
            alert: "ZooKeeperSyncedFollowersBelowEnsemble",
            expr:
                `max by (ensemble) (synced_followers{${zk}}) ` +
                `< on (ensemble) max by (ensemble) (quorum_size{${zk}} - 1)`,
            for: "5m",
            labels: { severity: "warning" },
            annotations: {
                summary: "Ensemble {{ $labels.ensemble }} has followers out of sync",
                description: "Only {{ $value }} followers are synced with the leader; one more failure may cost the quorum.",
            },
        });
    }
    for (const ensemble of settings.ensembles) {
        const name = escapeLabelValue(ensemble.name);
        const quorum = computeQuorum(ensemble.size);
        rules.push({
            alert: "ZooKeeperQuorumLost",
            expr: `(count(up{${zk},ensemble="${name}"} == 1) or vector(0)) < ${quorum}`,
            for: "1m",
            labels: { severity: "critical" },
            annotations: {
                summary: `Ensemble ${ensemble.name} has fewer than ${quorum} of ${ensemble.size} servers up`,
                description: "Without a majority of servers the ensemble cannot elect a leader or accept writes.",
            },
        });
        if (ensemble.size > 1) {
            const needed = Math.floor(ensemble.size / 2);
            rules.push({
                alert: "ZooKeeperTooFewSyncedFollowers",
                expr: `max(synced_followers{${zk},ensemble="${name}"}) < ${needed}`,
                for: "1m",
                labels: { severity: "critical" },
                annotations: {
                    summary: `Leader of ${ensemble.name} has fewer than ${needed} synced followers`,
                    description: "The leader no longer has a synced quorum behind it.",
                },
            });
        }
    }
    rules.push(
        {
            alert: "ZooKeeperOutstandingRequestsHigh",
            expr: `outstanding_requests{${zk}} > ${settings.outstandingRequestsThreshold ?? 10}`,
            for: "5m",
            labels: { severity: "warning" },
            annotations: {
                summary: "ZooKeeper server {{ $labels.instance }} is queueing requests",
                description: "{{ $value }} requests are waiting; the server cannot keep up with its clients.",
            },
        },
        {
            alert: "ZooKeeperAvgLatencyHigh",
            expr: `avg_latency{${zk}} > ${settings.avgLatencyThresholdMs ?? 100}`,
            for: "5m",
            labels: { severity: "warning" },
            annotations: {
                summary: "ZooKeeper server {{ $labels.instance }} answers slowly",
                description: "Average request latency is {{ $value }} ms.",
            },
        },
        {
            alert: "ZooKeeperFsyncTimeHigh",
            expr:
                `rate(fsynctime_sum{${zk}}[5m]) / rate(fsynctime_count{${zk}}[5m]) ` +
                `> ${settings.fsyncTimeThresholdMs ?? 100}`,
            for: "5m",
            labels: { severity: "warning" },
            annotations: {
                summary: "ZooKeeper server {{ $labels.instance }} has slow transaction log fsyncs",
                description: "Average fsync time is {{ $value }} ms; slow disks delay every write and can cause leader elections.",
            },
        },
        {
            alert: "ZooKeeperElectionsHappening",
            expr: `increase(election_time_count{${zk}}[5m]) > 0`,
            labels: { severity: "warning" },
            annotations: {
                summary: "ZooKeeper server {{ $labels.instance }} took part in a leader election",
                description: "Elections outside deployments point at crashing servers, network trouble or slow disks.",
            },
        },
        {
            alert: "ZooKeeperOpenFileDescriptorsHigh",
            expr: `open_file_descriptor_count{${zk}} > ${settings.openFileDescriptorsThreshold ?? 2000}`,
            for: "5m",
            labels: { severity: "warning" },
            annotations: {
                summary: "ZooKeeper server {{ $labels.instance }} holds many open files",
                description: "{{ $value }} file descriptors are open.",
            },
        },
        {
            alert: "ZooKeeperJvmHeapHigh",
            expr:
                `jvm_memory_bytes_used{${zk},area="heap"} / jvm_memory_bytes_max{${zk},area="heap"} ` +
                `> ${settings.heapUsageRatio ?? 0.8}`,
            for: "5m",
            labels: { severity: "warning" },
            annotations: {
                summary: "ZooKeeper server {{ $labels.instance }} uses most of its heap",
                description: "Heap usage is {{ $value | humanizePercentage }} of the maximum.",
            },
        },
    );
    if (settings.includeClientApp) {
        rules.push({
            alert: "ClientAppDown",
            expr: 'up{job="client-app"} == 0',
            for: serverDownFor,
            labels: { severity: "warning" },
            annotations: {
                summary: "Client app replica {{ $labels.instance }} is down",
                description: "Prometheus cannot scrape replica {{ $labels.replica }}.",
            },
        });
    }
    return rules;
}

/** Renders the rule file uploaded next to prometheus.yml. */
export function renderAlertRules(settings: AlertRuleSettings): string {
    return stringify({ groups: [{ name: "zookeeper", rules: buildAlertRules(settings) }] }, { lineWidth: 0 });
}

/** What alertmanager.yml is rendered from. */
export interface AlertmanagerSettings {
    /** Where alerts are POSTed; when unset, alerts go to a receiver that drops them. */
    webhookUrl?: string;
}

/** Renders alertmanager.yml. */
export function renderAlertmanagerConfig(settings: AlertmanagerSettings): string {
    const webhook = settings.webhookUrl;
    if (webhook !== undefined && !/^https?:\/\/[^\s]+$/.test(webhook)) {
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
            webhook === undefined
                ? [{ name: "null" }]
                : [{ name: "webhook", webhook_configs: [{ url: webhook, send_resolved: true }] }],
    };
    return stringify(config, { lineWidth: 0 });
}
