import { parse } from "yaml";
import {
    PROMETHEUS_DATASOURCE_UID,
    ZOOKEEPER_DASHBOARD_UID,
    collectDashboardExpressions,
    renderDashboardProvider,
    renderGrafanaDatasource,
    renderZooKeeperDashboard,
} from "../../components/monitoring/grafanaProvisioning";
import { KNOWN_METRIC_NAMES, extractMetricNames, unknownMetricNames } from "../../components/monitoring/zookeeperMetrics";

describe("renderZooKeeperDashboard", () => {
    const dashboard = renderZooKeeperDashboard() as {
        uid: string;
        title: string;
        panels: { type: string; title: string; targets?: { expr: string; datasource: { uid: string } }[] }[];
    };
    const panels = dashboard.panels.filter((p) => p.type !== "row");

    it("is a dashboard with a stable uid", () => {
        expect(dashboard.uid).toBe(ZOOKEEPER_DASHBOARD_UID);
        expect(dashboard.title).toBe("ZooKeeper");
    });

    it("has timeseries and stat panels with PromQL targets on the provisioned data source", () => {
        expect(panels.length).toBeGreaterThanOrEqual(15);
        expect(new Set(panels.map((p) => p.type))).toEqual(new Set(["timeseries", "stat"]));
        for (const panel of panels) {
            expect(panel.targets?.length).toBeGreaterThan(0);
            for (const target of panel.targets ?? []) {
                expect(target.datasource.uid).toBe(PROMETHEUS_DATASOURCE_UID);
            }
        }
    });

    it("charts the metrics the alert rules watch", () => {
        const used = new Set(collectDashboardExpressions(dashboard).flatMap(extractMetricNames));
        for (const metric of [
            "up",
            "quorum_size",
            "synced_followers",
            "outstanding_requests",
            "avg_latency",
            "election_time_count",
            "fsynctime_sum",
            "open_file_descriptor_count",
            "jvm_memory_bytes_used",
            "znode_count",
            "num_alive_connections",
        ]) {
            expect(used).toContain(metric);
        }
    });

    it("uses only known metric names", () => {
        const unknown = collectDashboardExpressions(dashboard).flatMap(unknownMetricNames);
        expect(unknown).toEqual([]);
    });
});

describe("Grafana provisioning files", () => {
    it("points the data source at Prometheus with the uid the dashboard uses", () => {
        const file = parse(renderGrafanaDatasource("http://mon-dev-prometheus:9090"));
        expect(file.datasources).toEqual([
            expect.objectContaining({
                type: "prometheus",
                uid: PROMETHEUS_DATASOURCE_UID,
                url: "http://mon-dev-prometheus:9090",
                access: "proxy",
                isDefault: true,
            }),
        ]);
    });

    it("refuses a data source URL that is not http(s)", () => {
        expect(() => renderGrafanaDatasource("mon-dev-prometheus:9090")).toThrow('prometheusUrl "mon-dev-prometheus:9090" is not allowed');
    });

    it("loads dashboards from the directory the dashboard is uploaded to", () => {
        const file = parse(renderDashboardProvider());
        expect(file.providers[0].type).toBe("file");
        expect(file.providers[0].options.path).toBe("/etc/grafana/dashboards");
    });
});

describe("extractMetricNames", () => {
    it.each([
        ['up{job="zookeeper"} == 0', ["up"]],
        ["rate(fsynctime_sum[5m]) / rate(fsynctime_count[5m]) > 100", ["fsynctime_count", "fsynctime_sum"]],
        [
            'max by (ensemble, server_id) (synced_followers{ensemble="a"}) < on (ensemble) max by (ensemble) (quorum_size - 1)',
            ["quorum_size", "synced_followers"],
        ],
        ["(count(up == 1) or vector(0)) < 2", ["up"]],
        [
            'jvm_memory_bytes_used{area="heap"} / jvm_memory_bytes_max{area="heap"} > 0.8e0',
            ["jvm_memory_bytes_max", "jvm_memory_bytes_used"],
        ],
    ])("finds the metrics of %s", (expr, names) => {
        expect(extractMetricNames(expr)).toEqual(names);
    });

    it("reports a misspelt metric, so the known-metrics checks can fail", () => {
        expect(unknownMetricNames("outstanding_request > 10")).toEqual(["outstanding_request"]);
        expect(unknownMetricNames("zk_avg_latency > 10")).toEqual(["zk_avg_latency"]);
    });

    it("keeps the known list free of duplicates", () => {
        expect(new Set(KNOWN_METRIC_NAMES).size).toBe(KNOWN_METRIC_NAMES.length);
    });
});
