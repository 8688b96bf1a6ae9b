import * as fc from "fast-check";
import {
    DEFAULT_SNAP_COUNT,
    DEFAULT_FOUR_LETTER_WORDS,
    ZooCfgSettings,
    computeHeapMb,
    FAILOVER_JVM_FLAGS,
    JVM_SECURITY_OVERRIDES_FILE,
    renderJvmFlags,
    renderJvmSecurityOverrides,
    renderZooCfg,
    validateExtraConfig,
    validateFourLetterWords,
} from "../../components/zookeeper/zooCfg";
import { computeServerEntries, validateEnsembleSize } from "../../components/zookeeper/zookeeperEnsemble";

function settings(size: number, overrides: Partial<ZooCfgSettings> = {}): ZooCfgSettings {
    return {
        tickTime: 2000,
        initLimit: 10,
        syncLimit: 5,
        maxClientCnxns: 60,
        autopurgeIntervalHours: 1,
        autopurgeSnapRetainCount: 3,
        fourLetterWords: [...DEFAULT_FOUR_LETTER_WORDS],
        servers: computeServerEntries("zk-dev", size),
        ...overrides,
    };
}

function lines(text: string): string[] {
    return text.split("\n").filter((l) => l.length > 0);
}

function serverLines(text: string): string[] {
    return lines(text).filter((l) => l.startsWith("server."));
}

function value(text: string, key: string): string | undefined {
    const line = lines(text).find((l) => l.startsWith(`${key}=`));
    return line?.substring(key.length + 1);
}

describe("renderZooCfg", () => {
    it("lists the three servers of a 3-node ensemble exactly", () => {
        expect(serverLines(renderZooCfg(settings(3)))).toEqual([
            "server.1=zk-dev-1:2888:3888;2181",
            "server.2=zk-dev-2:2888:3888;2181",
            "server.3=zk-dev-3:2888:3888;2181",
        ]);
    });

    it("lists the five servers of a 5-node ensemble exactly", () => {
        expect(serverLines(renderZooCfg(settings(5)))).toEqual([
            "server.1=zk-dev-1:2888:3888;2181",
            "server.2=zk-dev-2:2888:3888;2181",
            "server.3=zk-dev-3:2888:3888;2181",
            "server.4=zk-dev-4:2888:3888;2181",
            "server.5=zk-dev-5:2888:3888;2181",
        ]);
    });

    it("renders a standalone server without server lines", () => {
        const cfg = renderZooCfg(settings(1));
        expect(serverLines(cfg)).toEqual([]);
        expect(value(cfg, "standaloneEnabled")).toBe("true");
    });

    it("disables standalone mode for a replicated ensemble", () => {
        expect(value(renderZooCfg(settings(3)), "standaloneEnabled")).toBe("false");
    });

    it("sets every managed key", () => {
        const cfg = renderZooCfg(settings(3, { tickTime: 3000, initLimit: 20, syncLimit: 7, maxClientCnxns: 100 }));
        expect(value(cfg, "tickTime")).toBe("3000");
        expect(value(cfg, "initLimit")).toBe("20");
        expect(value(cfg, "syncLimit")).toBe("7");
        expect(value(cfg, "dataDir")).toBe("/data");
        expect(value(cfg, "dataLogDir")).toBe("/datalog");
        expect(value(cfg, "clientPort")).toBe("2181");
        expect(value(cfg, "maxClientCnxns")).toBe("100");
        expect(value(cfg, "autopurge.purgeInterval")).toBe("1");
        expect(value(cfg, "autopurge.snapRetainCount")).toBe("3");
        expect(value(cfg, "4lw.commands.whitelist")).toBe("srvr,mntr");
        expect(value(cfg, "admin.enableServer")).toBe("false");
        expect(value(cfg, "metricsProvider.className")).toBe(
            "org.apache.zookeeper.metrics.prometheus.PrometheusMetricsProvider",
        );
        expect(value(cfg, "metricsProvider.httpPort")).toBe("7000");
        expect(value(cfg, "metricsProvider.exportJvmInfo")).toBe("true");
        expect(value(cfg, "reconfigEnabled")).toBe("false");
    });

    it("never names a wildcard address", () => {
        expect(renderZooCfg(settings(5))).not.toContain("0.0.0.0");
        expect(() => renderZooCfg(settings(3, { servers: [{ id: 1, host: "0.0.0.0" }, { id: 2, host: "b" }, { id: 3, host: "c" }] }))).toThrow(
            /host name "0.0.0.0" is not allowed/,
        );
    });

    it("bounds the transactions between snapshots by default, and lets extraConfig set its own once", () => {
        const lines = (cfg: string) => cfg.split("\n").filter((l) => l.startsWith("snapCount="));
        expect(lines(renderZooCfg(settings(3)))).toEqual([`snapCount=${DEFAULT_SNAP_COUNT}`]);
        expect(DEFAULT_SNAP_COUNT).toBeLessThan(100000);
        expect(lines(renderZooCfg(settings(3, { extraConfig: { snapCount: "50000" } })))).toEqual(["snapCount=50000"]);
    });

    it("appends extra keys after the managed ones", () => {
        const cfg = renderZooCfg(settings(3, { extraConfig: { "globalOutstandingLimit": "2000", "snapCount": "50000" } }));
        expect(value(cfg, "globalOutstandingLimit")).toBe("2000");
        expect(value(cfg, "snapCount")).toBe("50000");
    });

    it("refuses extra keys that override managed keys, naming the key", () => {
        expect(() => renderZooCfg(settings(3, { extraConfig: { dataDir: "/tmp" } }))).toThrow(
            'extraConfig key "dataDir" is managed by zookeeper-docker and cannot be overridden',
        );
        expect(() => validateExtraConfig({ "server.4": "x:1:2" })).toThrow('extraConfig key "server.4" is managed');
        expect(() => validateExtraConfig({ "4lw.commands.whitelist": "*" })).toThrow('extraConfig key "4lw.commands.whitelist" is managed');
        expect(() => validateExtraConfig({ "bad key": "1" })).toThrow('extraConfig key "bad key" is not a valid zoo.cfg key');
        expect(() => validateExtraConfig({ snapCount: "1\nserver.9=evil:1:2" })).toThrow("not a single-line string");
    });

    it("requires srvr in the four-letter-word whitelist and refuses unknown words", () => {
        expect(() => validateFourLetterWords(["mntr"])).toThrow('must include "srvr"');
        expect(() => validateFourLetterWords(["srvr", "boom"])).toThrow('fourLetterWords ["boom"] are not allowed');
        expect(() => validateFourLetterWords(["srvr", "ruok", "mntr"])).not.toThrow();
    });

    it("refuses duplicate server ids", () => {
        expect(() => renderZooCfg(settings(3, { servers: [{ id: 1, host: "a" }, { id: 1, host: "b" }] }))).toThrow("server id 1 appears twice");
    });

    it("has exactly N server lines with ids 1..N for every odd N (property)", () => {
        fc.assert(
            fc.property(fc.integer({ min: 1, max: 127 }).map((k) => 2 * k + 1), (n) => {
                const got = serverLines(renderZooCfg(settings(n)));
                expect(got).toHaveLength(n);
                const ids = got.map((l) => Number(/^server\.(\d+)=/.exec(l)![1]));
                expect(ids).toEqual(Array.from({ length: n }, (_, i) => i + 1));
            }),
            { numRuns: 40 },
        );
    });

    it("renders the same text for every member, so the server list is identical (property)", () => {
        fc.assert(
            fc.property(fc.integer({ min: 0, max: 10 }).map((k) => 2 * k + 1), (n) => {
                expect(renderZooCfg(settings(n))).toBe(renderZooCfg(settings(n)));
            }),
            { numRuns: 11 },
        );
    });
});

describe("validateEnsembleSize", () => {
    it.each([
        [4, "size 4 is not allowed: must be an odd integer between 1 and 255 (an even size adds no fault tolerance)"],
        [0, "size 0 is not allowed: must be an odd integer between 1 and 255 (out of range)"],
        [256, "size 256 is not allowed: must be an odd integer between 1 and 255 (out of range)"],
        [2.5, "size 2.5 is not allowed: must be an odd integer between 1 and 255 (got a non-integer)"],
        [-3, "size -3 is not allowed: must be an odd integer between 1 and 255 (out of range)"],
    ])("refuses %p", (size, message) => {
        expect(() => validateEnsembleSize(size)).toThrow(message);
    });

    it("mentions 'odd' for every even size (property)", () => {
        fc.assert(
            fc.property(fc.integer({ min: 1, max: 127 }).map((k) => 2 * k), (n) => {
                expect(() => validateEnsembleSize(n)).toThrow(/odd/);
            }),
        );
    });

    it.each([1, 3, 5, 255])("accepts %p", (size) => {
        expect(() => validateEnsembleSize(size)).not.toThrow();
    });
});

describe("computeHeapMb", () => {
    it.each([
        [128, 64],
        [256, 128],
        [512, 256],
        [1024, 512],
        [129, 64],
        [200000, 31744],
    ])("gives %p MB of memory a %p MB heap", (memory, heap) => {
        expect(computeHeapMb(memory)).toBe(heap);
    });

    it("refuses memory below 128 MB", () => {
        expect(() => computeHeapMb(100)).toThrow("memoryMb 100 is not allowed: must be an integer of at least 128");
    });

    it("always leaves room below the memory limit (property)", () => {
        fc.assert(
            fc.property(fc.integer({ min: 128, max: 1 << 20 }), (memory) => {
                const heap = computeHeapMb(memory);
                expect(heap).toBeLessThan(memory);
                expect(heap).toBeGreaterThanOrEqual(64);
                expect(heap).toBeLessThanOrEqual(memory / 2);
            }),
        );
    });
});

describe("renderJvmFlags", () => {
    it("sets the heap both ways and retries binding the election port forever", () => {
        expect(renderJvmFlags(128).split(" ").slice(0, 4)).toEqual([
            "-Xmx128m",
            "-Xms128m",
            "-XX:+ExitOnOutOfMemoryError",
            "-Dzookeeper.electionPortBindRetry=0",
        ]);
    });

    it("re-sends election votes after 50 ms instead of 200 ms when nothing arrives", () => {
        expect(renderJvmFlags(128).split(" ")).toContain("-Dzookeeper.fastleader.minNotificationInterval=50");
    });

    it("lets a new leader whose voter went back to looking give up after 1 s instead of initLimit x tickTime", () => {
        expect(renderJvmFlags(128).split(" ")).toContain("-Dzookeeper.leader.maxTimeToWaitForEpoch=1000");
    });

    it("retries the connection to a new leader after 25 ms instead of 100 ms", () => {
        expect(renderJvmFlags(128).split(" ")).toContain("-Dzookeeper.leaderConnectDelayDuringRetryMs=25");
    });

    it("reads the DNS cache overrides from the uploaded file", () => {
        expect(renderJvmFlags(128).split(" ")).toContain(`-Djava.security.properties=${JVM_SECURITY_OVERRIDES_FILE}`);
        expect(renderJvmSecurityOverrides().split("\n")).toEqual(["networkaddress.cache.ttl=5", "networkaddress.cache.negative.ttl=0", ""]);
    });

    it("never trades durability for speed", () => {
        const flags = renderJvmFlags(128);
        expect(flags).not.toMatch(/forceSync|syncEnabled|skipACL|snapshot\.fsync|learner\.asyncSending/);
        expect(FAILOVER_JVM_FLAGS).toHaveLength(3);
    });
});
