/**
 * The alert rules tested by what they do: each fixture of alertRules.fixtures.ts is a
 * `promtool test rules` group run against the rendered rule file. Every rule that
 * buildAlertRules produces needs a firing and a non-firing fixture. promtool comes from PATH
 * (the toolchain installs it; see tools.ts); a missing promtool fails these tests.
 */
import * as fs from "fs";
import { stringify } from "yaml";
import { buildAlertRules, renderAlertRules } from "../../components/monitoring/alertRules";
import { AlertFixture, alertFixtures, EVALUATION_INTERVAL, representativeSettings } from "./alertRules.fixtures";
import { runTool, writeTree, ToolResult } from "./tools";

const RULES_FILE = "rules.yml";
const TEST_FILE = "rules.test.yml";

/** The promtool unit test file: one test group per fixture, all against RULES_FILE. */
function promtoolTestFile(fixtures: Record<string, AlertFixture[]>): string {
    const tests = Object.values(fixtures)
        .flat()
        .map((f) => ({
            name: f.name,
            interval: f.interval,
            input_series: f.input_series,
            alert_rule_test: f.alert_rule_test,
        }));
    return stringify(
        { rule_files: [RULES_FILE], evaluation_interval: EVALUATION_INTERVAL, tests },
        { lineWidth: 0, aliasDuplicateObjects: false },
    );
}

/** Renders the rules and the fixtures into a temp dir and runs `promtool test rules` there. */
function runFixtures(fixtures: Record<string, AlertFixture[]>): ToolResult {
    const dir = writeTree({
        [RULES_FILE]: renderAlertRules(representativeSettings),
        [TEST_FILE]: promtoolTestFile(fixtures),
    });
    try {
        return runTool("promtool", ["test", "rules", TEST_FILE], dir);
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

/**
 * What is missing for `ruleNames`: a rule without a firing or a non-firing fixture, a fixture
 * whose kind its checks do not show, or fixtures for an alert no rule produces.
 */
function coverageGaps(ruleNames: readonly string[], fixtures: Record<string, AlertFixture[]>): string[] {
    const gaps: string[] = [];
    for (const name of ruleNames) {
        const own = fixtures[name] ?? [];
        for (const kind of ["firing", "non-firing"] as const) {
            if (!own.some((f) => f.kind === kind)) {
                gaps.push(`${name}: no ${kind} fixture`);
            }
        }
    }
    for (const [name, own] of Object.entries(fixtures)) {
        if (!ruleNames.includes(name)) {
            gaps.push(`${name}: fixtures for an alert no rule produces`);
        }
        for (const f of own) {
            const checks = f.alert_rule_test.filter((c) => c.alertname === name);
            if (checks.length === 0) {
                gaps.push(`${name}: fixture "${f.name}" never checks ${name}`);
            } else if (f.kind === "firing" && !checks.some((c) => c.exp_alerts.length > 0)) {
                gaps.push(`${name}: firing fixture "${f.name}" expects no alert`);
            } else if (f.kind === "non-firing" && checks.some((c) => c.exp_alerts.length > 0)) {
                gaps.push(`${name}: non-firing fixture "${f.name}" expects an alert`);
            }
        }
    }
    return gaps;
}

const ruleNames = [...new Set(buildAlertRules(representativeSettings).map((r) => r.alert))];

describe("alert rule fixtures (promtool test rules)", () => {
    it("has a firing and a non-firing fixture for every rule buildAlertRules produces", () => {
        expect(ruleNames.length).toBeGreaterThanOrEqual(12);
        expect(coverageGaps(ruleNames, alertFixtures)).toEqual([]);
    });

    it("reports a rule without fixtures, and a fixture whose checks contradict its kind (the coverage check can fail)", () => {
        const withoutNonFiring = {
            ...alertFixtures,
            ZooKeeperQuorumLost: alertFixtures.ZooKeeperQuorumLost.filter((f) => f.kind === "firing"),
        };
        expect(coverageGaps([...ruleNames, "ZooKeeperBrandNew"], withoutNonFiring)).toEqual([
            "ZooKeeperQuorumLost: no non-firing fixture",
            "ZooKeeperBrandNew: no firing fixture",
            "ZooKeeperBrandNew: no non-firing fixture",
        ]);
        const mislabelled = {
            ...alertFixtures,
            ClientAppDown: alertFixtures.ClientAppDown.map((f) => ({ ...f, kind: "non-firing" as const })),
        };
        expect(coverageGaps(ruleNames, mislabelled)).toEqual([
            "ClientAppDown: no firing fixture",
            `ClientAppDown: non-firing fixture "${alertFixtures.ClientAppDown[0].name}" expects an alert`,
        ]);
    });

    it("adds ClientAppDown only when client-app targets exist", () => {
        const names = buildAlertRules({ ...representativeSettings, includeClientApp: false }).map((r) => r.alert);
        expect(names).not.toContain("ClientAppDown");
        expect(ruleNames).toContain("ClientAppDown");
    });

    it("passes promtool test rules with every fixture", () => {
        const result = runFixtures(alertFixtures);
        expect(result.output).toContain("SUCCESS");
        expect({ status: result.status, output: result.output }).toEqual({ status: 0, output: expect.any(String) });
    });

    it("fails promtool test rules when a fixture expects ZooKeeperServerDown before serverDownFor elapsed (the harness can fail)", () => {
        const [firing, ...rest] = alertFixtures.ZooKeeperServerDown;
        const early = firing.alert_rule_test.find((c) => c.alertname === "ZooKeeperServerDown" && c.exp_alerts.length > 0)!;
        // zk-dev-2 is down from 2m with serverDownFor 2m: at 3m the alert is still pending.
        const broken: AlertFixture = {
            ...firing,
            alert_rule_test: [{ ...early, eval_time: "3m" }],
        };
        const result = runFixtures({ ZooKeeperServerDown: [broken, ...rest] });
        expect(result.status).not.toBe(0);
        expect(result.output).toContain("ZooKeeperServerDown");
        expect(result.output).toContain("3m");
    });

    it("fails promtool test rules when a non-firing fixture expects an alert (quorum with 2 of 3 up)", () => {
        const nonFiring = alertFixtures.ZooKeeperQuorumLost.find((f) => f.name.includes("2 of 3"))!;
        const expected = alertFixtures.ZooKeeperQuorumLost[0].alert_rule_test.find((c) => c.exp_alerts.length > 0)!;
        const broken: AlertFixture = { ...nonFiring, alert_rule_test: [{ ...expected, eval_time: "2m" }] };
        const result = runFixtures({ ZooKeeperQuorumLost: [broken] });
        expect(result.status).not.toBe(0);
        expect(result.output).toContain("ZooKeeperQuorumLost");
    });
});
