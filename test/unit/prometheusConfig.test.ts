import * as fs from "fs";
import { parse } from "yaml";
import { buildAlertRules, renderAlertRules } from "../../components/monitoring/alertRules";
import {
    ALERT_RULES_RELATIVE_PATH,
    PrometheusConfigSettings,
    renderAlertmanagerConfig,
    renderPrometheusConfig,
} from "../../components/monitoring/prometheusConfig";
import { unknownMetricNames } from "../../components/monitoring/zookeeperMetrics";
import { runTool, writeTree } from "./tools";

const zkTargets = [1, 2, 3].map((id) => ({ address: `zk-dev-${id}:7000`, labels: { ensemble: "zk-dev", server_id: String(id) } }));
const appTargets = [1, 2].map((id) => ({ address: `app-dev-${id}:8080`, labels: { replica: String(id), app: "app-dev" } }));

const promSettings: PrometheusConfigSettings = {
    scrapeInterval: "15s",
    zookeeperTargets: zkTargets,
    appTargets,
    alertmanagerAddress: "mon-dev-alertmanager:9093",
    externalLabels: { stack: "dev" },
};

const ruleSettings = { ensembles: [{ name: "zk-dev", size: 3 }], serverDownFor: "1m", includeClientApp: true };

describe("renderPrometheusConfig", () => {
    const config = parse(renderPrometheusConfig(promSettings));
    const job = (name: string) => config.scrape_configs.find((j: { job_name: string }) => j.job_name === name);

    it("scrapes every ZooKeeper server's metrics port with its server id", () => {
        const zk = job("zookeeper");
        expect(zk.static_configs.map((c: { targets: string[] }) => c.targets[0])).toEqual([
            "zk-dev-1:7000",
            "zk-dev-2:7000",
            "zk-dev-3:7000",
        ]);
        expect(zk.static_configs.map((c: { labels: { server_id: string } }) => c.labels.server_id)).toEqual(["1", "2", "3"]);
        expect(zk.static_configs[0].labels.ensemble).toBe("zk-dev");
    });

    it("scrapes every app replica's /metrics", () => {
        const app = job("client-app");
        expect(app.metrics_path).toBe("/metrics");
        expect(app.static_configs.flatMap((c: { targets: string[] }) => c.targets)).toEqual(["app-dev-1:8080", "app-dev-2:8080"]);
    });

    it("has no client-app job without apps", () => {
        const noApps = parse(renderPrometheusConfig({ ...promSettings, appTargets: [] }));
        expect(noApps.scrape_configs.map((j: { job_name: string }) => j.job_name)).toEqual(["prometheus", "zookeeper"]);
    });

    it("alerts to Alertmanager and loads the rule file by relative path", () => {
        expect(config.alerting.alertmanagers[0].static_configs[0].targets).toEqual(["mon-dev-alertmanager:9093"]);
        expect(config.rule_files).toEqual([ALERT_RULES_RELATIVE_PATH]);
        expect(config.global.scrape_interval).toBe("15s");
        expect(config.global.external_labels).toEqual({ stack: "dev" });
    });

    it("refuses a malformed scrape interval", () => {
        expect(() => renderPrometheusConfig({ ...promSettings, scrapeInterval: "fast" })).toThrow(
            'scrapeInterval "fast" is not allowed: must be a Prometheus duration such as 15s, 1m or 7d',
        );
    });

    it("passes promtool check config, including the referenced rule file", () => {
        const dir = writeTree({
            "prometheus.yml": renderPrometheusConfig(promSettings),
            [ALERT_RULES_RELATIVE_PATH]: renderAlertRules(ruleSettings),
        });
        const result = runTool("promtool", ["check", "config", "prometheus.yml"], dir);
        expect(result.output).toContain("SUCCESS");
        expect(result.status).toBe(0);
        fs.rmSync(dir, { recursive: true, force: true });
    });
});

describe("alert rules", () => {
    const rules = buildAlertRules({
        ensembles: [
            { name: "zk-dev", size: 3 },
            { name: "zk-solo", size: 1 },
        ],
        serverDownFor: "20s",
        includeClientApp: true,
    });
    // What the rules' expressions, `for` durations and labels do is tested with promtool test
    // rules fixtures in alertRules.promtool.test.ts.

    it("uses only known metric names", () => {
        for (const r of rules) {
            expect({ alert: r.alert, unknown: unknownMetricNames(r.expr) }).toEqual({ alert: r.alert, unknown: [] });
        }
    });

    it("refuses a malformed serverDownFor", () => {
        expect(() => buildAlertRules({ ensembles: [], serverDownFor: "1 minute" })).toThrow('serverDownFor "1 minute" is not allowed');
    });

    it("passes promtool check rules", () => {
        const dir = writeTree({ "rules.yml": renderAlertRules({ ensembles: [{ name: "zk-prod", size: 5 }], includeClientApp: true }) });
        const result = runTool("promtool", ["check", "rules", "rules.yml"], dir);
        expect(result.output).toMatch(/SUCCESS: \d+ rules found/);
        expect(result.status).toBe(0);
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("is caught by promtool when an expression is broken (the check can fail)", () => {
        const broken = renderAlertRules(ruleSettings).replace('up{job="zookeeper"} == 0', 'up{job="zookeeper" == 0');
        const dir = writeTree({ "rules.yml": broken });
        expect(runTool("promtool", ["check", "rules", "rules.yml"], dir).status).not.toBe(0);
        fs.rmSync(dir, { recursive: true, force: true });
    });
});

describe("renderAlertmanagerConfig", () => {
    it("drops alerts into a null receiver when no webhook is configured", () => {
        const config = parse(renderAlertmanagerConfig({}));
        expect(config.route.receiver).toBe("null");
        expect(config.receivers).toEqual([{ name: "null" }]);
    });

    it("posts alerts to the webhook when one is configured", () => {
        const config = parse(renderAlertmanagerConfig({ webhookUrl: "https://hooks.example.test/alerts?token=abc" }));
        expect(config.route.receiver).toBe("webhook");
        expect(config.receivers[0].webhook_configs).toEqual([{ url: "https://hooks.example.test/alerts?token=abc", send_resolved: true }]);
    });

    it("refuses a non-http webhook without echoing it (it may hold a token)", () => {
        let message = "";
        try {
            renderAlertmanagerConfig({ webhookUrl: "ftp://secret-token@host" });
        } catch (e) {
            message = (e as Error).message;
        }
        expect(message).toBe("webhookUrl is not allowed: must be an http:// or https:// URL");
    });

    it.each([
        ["without webhook", {}],
        ["with webhook", { webhookUrl: "http://receiver.internal:5001/alerts" }],
    ])("passes amtool check-config %s", (_label, settings) => {
        const dir = writeTree({ "alertmanager.yml": renderAlertmanagerConfig(settings) });
        const result = runTool("amtool", ["check-config", "alertmanager.yml"], dir);
        expect(result.output).toContain("SUCCESS");
        expect(result.status).toBe(0);
        fs.rmSync(dir, { recursive: true, force: true });
    });
});
