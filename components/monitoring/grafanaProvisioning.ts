/**
 * Pure rendering of Grafana's provisioning files and the ZooKeeper dashboard.
 * The dashboard is built with the Grafana Foundation SDK so that its model is
 * type-checked against Grafana's schema instead of being hand-written JSON.
 */
import { DashboardBuilder, DashboardCursorSync, RowBuilder } from "@grafana/grafana-foundation-sdk/dashboard";
import { DataqueryBuilder } from "@grafana/grafana-foundation-sdk/prometheus";
import { PanelBuilder as StatPanelBuilder } from "@grafana/grafana-foundation-sdk/stat";
import { PanelBuilder as TimeseriesPanelBuilder } from "@grafana/grafana-foundation-sdk/timeseries";
import { stringify } from "yaml";

/** uid of the provisioned Prometheus data source; the dashboard refers to it. */
export const PROMETHEUS_DATASOURCE_UID = "zookeeper-platform-prometheus";
/** uid of the provisioned dashboard. */
export const ZOOKEEPER_DASHBOARD_UID = "zookeeper-platform-zookeeper";
/** Directory the dashboard JSON is uploaded to and the provider reads. */
export const DASHBOARDS_DIR = "/etc/grafana/dashboards";

export const GRAFANA_DATASOURCE_FILE = "/etc/grafana/provisioning/datasources/prometheus.yml";
export const GRAFANA_DASHBOARD_PROVIDER_FILE = "/etc/grafana/provisioning/dashboards/zookeeper-platform.yml";
export const GRAFANA_DASHBOARD_FILE = `${DASHBOARDS_DIR}/zookeeper.json`;

/** Renders the data source provisioning file pointing Grafana at Prometheus. */
export function renderGrafanaDatasource(prometheusUrl: string): string {
    if (!/^https?:\/\/[^\s]+$/.test(prometheusUrl)) {
        throw new Error(`prometheusUrl "${prometheusUrl}" is not allowed: must be an http:// or https:// URL`);
    }
    return stringify({
        apiVersion: 1,
        datasources: [
            {
                name: "Prometheus",
                uid: PROMETHEUS_DATASOURCE_UID,
                type: "prometheus",
                access: "proxy",
                url: prometheusUrl,
                isDefault: true,
                editable: false,
            },
        ],
    });
}

/** Renders the dashboard provider that loads DASHBOARDS_DIR. */
export function renderDashboardProvider(): string {
    return stringify({
        apiVersion: 1,
        providers: [
            {
                name: "zookeeper-platform",
                folder: "ZooKeeper",
                type: "file",
                // Dashboards come from the Pulumi program; edits in the UI would be lost anyway.
                disableDeletion: true,
                allowUiUpdates: false,
                options: { path: DASHBOARDS_DIR, foldersFromFilesStructure: false },
            },
        ],
    });
}

const datasource = { type: "prometheus", uid: PROMETHEUS_DATASOURCE_UID };

function query(expr: string, legend: string, refId = "A"): DataqueryBuilder {
    return new DataqueryBuilder().expr(expr).legendFormat(legend).refId(refId).datasource(datasource);
}

function timeseries(title: string, unit: string, ...queries: DataqueryBuilder[]): TimeseriesPanelBuilder {
    let panel = new TimeseriesPanelBuilder().title(title).unit(unit).datasource(datasource).height(8).span(12);
    for (const q of queries) {
        panel = panel.withTarget(q);
    }
    return panel;
}

const perServer = "{{ensemble}} #{{server_id}}";

/** Two series per server in one panel, each as `[expression, legend prefix]`. */
function pairOfSeries(title: string, unit: string, a: [string, string], b: [string, string]): TimeseriesPanelBuilder {
    return timeseries(title, unit, query(a[0], `${a[1]} ${perServer}`, "A"), query(b[0], `${b[1]} ${perServer}`, "B"));
}

/**
 * The ZooKeeper dashboard's JSON model. Panels cover the quorum, load,
 * latency, data tree, disk and JVM metrics the alert rules watch.
 */
export function renderZooKeeperDashboard(): object {
    const builder = new DashboardBuilder("ZooKeeper")
        .uid(ZOOKEEPER_DASHBOARD_UID)
        .tags(["zookeeper", "zookeeper-platform"])
        .refresh("30s")
        .time({ from: "now-1h", to: "now" })
        .timezone("browser")
        .tooltip(DashboardCursorSync.Crosshair)
        .withRow(new RowBuilder("Quorum"))
        .withPanel(
            new StatPanelBuilder()
                .title("Servers up")
                .datasource(datasource)
                .height(4)
                .span(6)
                .withTarget(query('sum by (ensemble) (up{job="zookeeper"})', "{{ensemble}}")),
        )
        .withPanel(
            new StatPanelBuilder()
                .title("Quorum size")
                .datasource(datasource)
                .height(4)
                .span(6)
                .withTarget(query('max by (ensemble) (quorum_size{job="zookeeper"})', "{{ensemble}}")),
        )
        .withPanel(
            new StatPanelBuilder()
                .title("Synced followers")
                .datasource(datasource)
                .height(4)
                .span(6)
                .withTarget(query('max by (ensemble) (synced_followers{job="zookeeper"})', "{{ensemble}}")),
        )
        .withPanel(
            new StatPanelBuilder()
                .title("Leader uptime")
                .unit("ms")
                .datasource(datasource)
                .height(4)
                .span(6)
                .withTarget(query('max by (ensemble) (leader_uptime{job="zookeeper"})', "{{ensemble}}")),
        )
        .withPanel(timeseries("Elections (5m)", "short", query('increase(election_time_count{job="zookeeper"}[5m])', perServer)))
        .withPanel(
            pairOfSeries(
                "Learners and pending syncs",
                "short",
                ['learners{job="zookeeper"}', "learners"],
                ['pending_syncs{job="zookeeper"}', "pending syncs"],
            ),
        )
        .withRow(new RowBuilder("Load and latency"))
        .withPanel(timeseries("Outstanding requests", "short", query('outstanding_requests{job="zookeeper"}', perServer)))
        .withPanel(timeseries("Alive connections", "short", query('num_alive_connections{job="zookeeper"}', perServer)))
        .withPanel(pairOfSeries("Request latency", "ms", ['avg_latency{job="zookeeper"}', "avg"], ['max_latency{job="zookeeper"}', "max"]))
        .withPanel(timeseries("Open file descriptors", "short", query('open_file_descriptor_count{job="zookeeper"}', perServer)))
        .withRow(new RowBuilder("Data tree"))
        .withPanel(timeseries("Znodes", "short", query('znode_count{job="zookeeper"}', perServer)))
        .withPanel(timeseries("Watches", "short", query('watch_count{job="zookeeper"}', perServer)))
        .withPanel(timeseries("Ephemeral nodes", "short", query('ephemerals_count{job="zookeeper"}', perServer)))
        .withPanel(timeseries("Approximate data size", "bytes", query('approximate_data_size{job="zookeeper"}', perServer)))
        .withRow(new RowBuilder("Disk and JVM"))
        .withPanel(
            timeseries(
                "Average fsync time",
                "ms",
                query('rate(fsynctime_sum{job="zookeeper"}[5m]) / rate(fsynctime_count{job="zookeeper"}[5m])', perServer),
            ),
        )
        .withPanel(
            timeseries(
                "Average snapshot time",
                "ms",
                query('rate(snapshottime_sum{job="zookeeper"}[15m]) / rate(snapshottime_count{job="zookeeper"}[15m])', perServer),
            ),
        )
        .withPanel(
            timeseries(
                "JVM heap",
                "bytes",
                query('jvm_memory_bytes_used{job="zookeeper",area="heap"}', `used ${perServer}`, "A"),
                query('jvm_memory_bytes_max{job="zookeeper",area="heap"}', `max ${perServer}`, "B"),
            ),
        )
        .withPanel(timeseries("Unrecoverable errors", "short", query('unrecoverable_error_count{job="zookeeper"}', perServer)));
    return builder.build();
}

/** PromQL expressions of every panel of a dashboard model (rows included). */
export function collectDashboardExpressions(dashboard: object): string[] {
    const exprs: string[] = [];
    const visit = (panels: unknown): void => {
        if (!Array.isArray(panels)) {
            return;
        }
        for (const panel of panels) {
            const p = panel as { targets?: { expr?: unknown }[]; panels?: unknown };
            for (const target of p.targets ?? []) {
                if (typeof target.expr === "string") {
                    exprs.push(target.expr);
                }
            }
            visit(p.panels);
        }
    };
    visit((dashboard as { panels?: unknown }).panels);
    return exprs;
}
