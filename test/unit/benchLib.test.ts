/** The pure parts of `npm run bench`: statistics, the ack-gap measure, the log parser and the report. */
import { longestGapAround } from "../../bench/lib/failover";
import { linearFit, median, percentile } from "../../bench/lib/stats";
import { logTime, marksOf } from "../../bench/lib/zkLogs";

describe("bench statistics", () => {
    it("interpolates percentiles between ranks", () => {
        expect(median([5, 1, 3])).toBe(3);
        expect(median([1, 2, 3, 4])).toBe(2.5);
        expect(percentile([10, 20, 30, 40, 50], 95)).toBeCloseTo(48);
        expect(percentile([7], 99)).toBe(7);
    });

    it("fits a line with slope, intercept and R²", () => {
        const exact = linearFit([3, 5, 7, 9], [30, 50, 70, 90]);
        expect(exact.slope).toBeCloseTo(10);
        expect(exact.intercept).toBeCloseTo(0);
        expect(exact.r2).toBeCloseTo(1);
        const noisy = linearFit([3, 5, 7, 9], [30, 60, 65, 95]);
        expect(noisy.r2).toBeGreaterThan(0.9);
        expect(noisy.r2).toBeLessThan(1);
    });
});

describe("longestGapAround", () => {
    it("takes the longest gap between consecutive acknowledgements overlapping the window", () => {
        const acks = [0, 10, 20, 30, 530, 540, 2000, 2010];
        expect(longestGapAround(acks, 25, 530)).toEqual({ gapMs: 500, start: 30 });
        // A longer gap outside the window does not count.
        expect(longestGapAround(acks, 0, 100)).toEqual({ gapMs: 500, start: 30 });
        expect(longestGapAround(acks, 1900, 2100)).toEqual({ gapMs: 1460, start: 540 });
    });
});

describe("ZooKeeper log phases", () => {
    it("reads the log's UTC timestamps", () => {
        expect(logTime("2026-11-24 23:30:57,449 [myid:] - WARN  [x] - y")).toBe(Date.parse("2026-11-24T23:30:57.449Z"));
        expect(logTime("java.net.UnknownHostException: zk-3")).toBeUndefined();
    });

    it("finds looking, decided and serving, and counts leader-connect retries in between", () => {
        const lines = [
            "2026-01-01 00:00:00,100 [myid:] - INFO  [Q] - Peer state changed: looking",
            "2026-01-01 00:00:00,500 [myid:] - INFO  [Q] - Peer state changed: following",
            "2026-01-01 00:00:00,501 [myid:] - INFO  [Q] - Peer state changed: following - discovery",
            "2026-01-01 00:00:00,505 [myid:] - WARN  [L] - Unexpected exception, tries=0, remaining init limit=20000",
            "2026-01-01 00:00:00,700 [myid:] - INFO  [Q] - Learner received UPTODATE message",
        ];
        const t = (ms: number) => Date.parse("2026-01-01T00:00:00.000Z") + ms;
        expect(marksOf(lines, t(0))).toEqual({ looking: t(100), decided: t(500), serving: t(700), retries: 1 });
        // Lines before `from` belong to an earlier failover.
        expect(marksOf(lines, t(200)).looking).toBeUndefined();
    });
});

describe("bench report", () => {
    it("says the machine was shared only when the load average at the start exceeded the CPUs", () => {
        const { sharedMachine } = require("../../bench/lib/report") as typeof import("../../bench/lib/report");
        const at = (load: string) => ({ environment: { cpus: "2", loadAverageAtStart: load } }) as never;
        expect(sharedMachine(at("0.86 1.72 3.00"))).toBe(false);
        expect(sharedMachine(at("4.10 6.07 7.37"))).toBe(true);
        expect(sharedMachine(at(""))).toBe(true);
    });
});

describe("resize figure", () => {
    const { summarizeResize } = require("../../bench/lib/resize") as typeof import("../../bench/lib/resize");
    const targets = { resizeGapLeaderStaysMs: 1000, resizeGapLeaderLeavesMs: 2000, resizeRatio: 0.1 };
    const sample = (way: "reconfig" | "naive", from: number, to: number, gapMs: number, leaderLeft = false, lost = 0) => ({
        way,
        from,
        to,
        gapMs,
        changeMs: 1,
        leaderBefore: leaderLeft ? 5 : 1,
        leaderAfter: 1,
        leaderLeft,
        writes: 10,
        failedAttempts: 0,
        lost,
    });

    it("gives each change the ratio of the medians, and holds a removed leader to the longer bound", () => {
        const r = summarizeResize(
            [
                sample("reconfig", 3, 5, 400),
                sample("naive", 3, 5, 16000),
                sample("reconfig", 5, 3, 1500, true),
                sample("naive", 5, 3, 12000),
            ],
            targets,
        );
        expect(r.ratios).toEqual({ "3->5": 0.025, "5->3": 0.125 });
        expect(r.met).toEqual({ gaps: true, ratio: false, noLoss: true });
    });

    it("misses the gap target when the leader stays and writes stop for over a second, and counts lost writes", () => {
        const r = summarizeResize([sample("reconfig", 3, 5, 1500), sample("naive", 3, 5, 16000, false, 2)], targets);
        expect(r.met).toEqual({ gaps: false, ratio: true, noLoss: false });
    });
});

describe("compose baseline", () => {
    const { renderComposeFiles } = require("../../bench/lib/compose") as typeof import("../../bench/lib/compose");
    const images = { zookeeper: "zk", clientApp: "app", prometheus: "prom", alertmanager: "am" };
    const container = (name: string, inputs: Record<string, unknown>) => ({ resource: name, inputs: { name, memory: 64, ...inputs } });

    it("runs each server after its seed step's pass marker, escapes the scripts' $ and leaves out gates and the pre-flight check", () => {
        const { parse } = require("yaml") as typeof import("yaml");
        const files = renderComposeFiles(
            [
                container("zk-b-preflight", { entrypoints: ["/bin/bash", "-c"], command: ["true"] }),
                container("zk-b-1-seed", {
                    entrypoints: ["/bin/bash", "-c"],
                    command: ['echo "$HOSTNAME"'],
                    restart: "no",
                    wait: true,
                    waitTimeout: 75,
                    healthcheck: { tests: ["CMD", "test", "-f", "/tmp/m"], interval: "250ms" },
                }),
                container("zk-b-1", { entrypoints: ["/bin/bash", "/conf/start-server.sh"], restart: "unless-stopped" }),
                container("zk-b-gate-1-abc", { command: ["true"] }),
                container("zk-b-ready-abc", { command: ["true"] }),
                container("app-b-1", {}),
            ],
            images,
        );
        const services = (parse(files["docker-compose.yml"]) as { services: Record<string, Record<string, unknown>> }).services;
        expect(Object.keys(services).sort()).toEqual(["app-b-1", "zk-b-1", "zk-b-1-seed"]);
        expect(services["zk-b-1"].depends_on).toEqual({ "zk-b-1-seed": { condition: "service_healthy" } });
        expect(services["zk-b-1"].entrypoint).toEqual(["/bin/bash", "/conf/start-server.sh"]);
        expect(services["zk-b-1-seed"].command).toEqual(['echo "$$HOSTNAME"']);
        expect(services["zk-b-1-seed"].restart).toBeUndefined();
        expect((services["zk-b-1-seed"].healthcheck as Record<string, unknown>).start_period).toBe("75s");
        expect(services["app-b-1"].depends_on).toEqual(["zk-b-1"]);
    });
});
