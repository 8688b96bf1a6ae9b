import * as fc from "fast-check";
import { problemsOf } from "../../components/shared/contract";
import { DEFAULT_ENSEMBLE_SIZE, zooCfgSettingsSchema, zooKeeperEnsembleArgsSchema } from "../../components/zookeeper/schema";
import {
    DEFAULT_SNAP_COUNT,
    ZooCfgSettings,
    computeHeapMb,
    FAILOVER_JVM_FLAGS,
    JVM_SECURITY_OVERRIDES_FILE,
    renderJvmFlags,
    renderJvmSecurityOverrides,
    renderZooCfg,
} from "../../components/zookeeper/zooCfg";
import {
    DEFAULT_FOUR_LETTER_WORDS,
    KNOWN_FOUR_LETTER_WORDS,
    findExtraConfigProblems,
    validateHostName,
} from "../../components/zookeeper/zooCfgRules";
import { computeServerEntries } from "../../components/zookeeper/members";

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
    it.each([1, 3, 5])("renders no server lines for %p servers: the membership is dynamic", (n) => {
        const cfg = renderZooCfg(settings(n));
        expect(serverLines(cfg)).toEqual([]);
        expect(cfg).not.toMatch(/^server\./m);
        expect(cfg).not.toContain("zk-dev-");
    });

    it("renders a single server in quorum mode, as a quorum of one that can grow", () => {
        const cfg = renderZooCfg(settings(1));
        expect(value(cfg, "standaloneEnabled")).toBe("false");
        expect(value(cfg, "reconfigEnabled")).toBe("true");
    });

    it("disables standalone mode and enables reconfig for a replicated ensemble", () => {
        expect(value(renderZooCfg(settings(3)), "standaloneEnabled")).toBe("false");
        expect(value(renderZooCfg(settings(3)), "reconfigEnabled")).toBe("true");
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
        expect(value(cfg, "metricsProvider.className")).toBe("org.apache.zookeeper.metrics.prometheus.PrometheusMetricsProvider");
        expect(value(cfg, "metricsProvider.httpPort")).toBe("7000");
        expect(value(cfg, "metricsProvider.exportJvmInfo")).toBe("true");
        expect(value(cfg, "reconfigEnabled")).toBe("true");
    });

    it("never names a wildcard address", () => {
        expect(renderZooCfg(settings(5))).not.toContain("0.0.0.0");
        // The problem names the server's host, the value and the rule for a host name.
        expect(() =>
            renderZooCfg(
                settings(3, {
                    servers: [
                        { id: 1, host: "0.0.0.0" },
                        { id: 2, host: "b" },
                        { id: 3, host: "c" },
                    ],
                }),
            ),
        ).toThrow(
            'renderZooCfg "settings": invalid arguments (1 problem):\n' +
                '  - servers.0.host: "0.0.0.0" is not allowed: must be a DNS label of lower case letters, digits and dashes (at most 63 characters)',
        );
        expect(() => validateHostName("0")).toThrow(
            'host name "0" is not allowed: must not be a wildcard address: peers must be able to reach it',
        );
        expect(() => validateHostName("zk-dev-1")).not.toThrow();
    });

    it("bounds the transactions between snapshots by default, and lets extraConfig set its own once", () => {
        const lines = (cfg: string) => cfg.split("\n").filter((l) => l.startsWith("snapCount="));
        expect(lines(renderZooCfg(settings(3)))).toEqual([`snapCount=${DEFAULT_SNAP_COUNT}`]);
        expect(DEFAULT_SNAP_COUNT).toBeLessThan(100000);
        expect(lines(renderZooCfg(settings(3, { extraConfig: { snapCount: "50000" } })))).toEqual(["snapCount=50000"]);
    });

    it("appends extra keys after the managed ones", () => {
        const cfg = renderZooCfg(settings(3, { extraConfig: { globalOutstandingLimit: "2000", snapCount: "50000" } }));
        expect(value(cfg, "globalOutstandingLimit")).toBe("2000");
        expect(value(cfg, "snapCount")).toBe("50000");
    });

    it("fills in the schema's defaults for settings that are left out", () => {
        expect(renderZooCfg({ servers: computeServerEntries("zk-dev", 3) })).toBe(renderZooCfg(settings(3)));
        expect(value(renderZooCfg({ servers: computeServerEntries("zk-dev", 3) }), "4lw.commands.whitelist")).toBe("srvr,mntr");
    });

    it("refuses extra keys that override managed keys, naming the key", () => {
        expect(() => renderZooCfg(settings(3, { extraConfig: { dataDir: "/tmp" } }))).toThrow(
            'renderZooCfg "settings": invalid arguments (1 problem):\n' +
                '  - extraConfig.dataDir: "/tmp" is not allowed: is managed by zookeeper-docker and cannot be overridden',
        );
        const extraConfig = { "server.4": "x:1:2", "4lw.commands.whitelist": "*", "bad key": "1", snapCount: "1\nserver.9=evil:1:2" };
        expect(problemsOf(zooCfgSettingsSchema, { servers: computeServerEntries("zk-dev", 3), extraConfig })).toEqual([
            'extraConfig.server.4: "x:1:2" is not allowed: is managed by zookeeper-docker and cannot be overridden',
            'extraConfig.4lw.commands.whitelist: "*" is not allowed: is managed by zookeeper-docker and cannot be overridden',
            "extraConfig.bad key: \"1\" is not allowed: is not a valid zoo.cfg key: must start with a letter and contain only letters, digits, '.' and '_'",
            'extraConfig.snapCount: "1\\nserver.9=evil:1:2" is not allowed: has a value that is not a single-line string',
        ]);
        // skipACL would turn off every ACL, the superuser's reconfig authorisation with them.
        expect(findExtraConfigProblems({ skipACL: "yes" })).toEqual([
            { key: "skipACL", problem: "is managed by zookeeper-docker and cannot be overridden" },
        ]);
        expect(findExtraConfigProblems({ snapCount: "50000", globalOutstandingLimit: "2000" })).toEqual([]);
    });

    it("requires srvr in the four-letter-word whitelist and refuses unknown words", () => {
        const rule = `must be a list of four-letter words among ${KNOWN_FOUR_LETTER_WORDS.join(", ")} that includes srvr`;
        const problems = (fourLetterWords: string[]) =>
            problemsOf(zooCfgSettingsSchema, { servers: computeServerEntries("zk-dev", 3), fourLetterWords });
        expect(problems(["mntr"])).toEqual([`fourLetterWords: ["mntr"] is not allowed: ${rule}`]);
        expect(problems(["srvr", "boom"])).toEqual([`fourLetterWords: ["srvr","boom"] is not allowed: ${rule}`]);
        expect(problems(["srvr", "ruok", "mntr"])).toEqual([]);
    });

    it("refuses duplicate server ids", () => {
        expect(() =>
            renderZooCfg(
                settings(3, {
                    servers: [
                        { id: 1, host: "a" },
                        { id: 1, host: "b" },
                    ],
                }),
            ),
        ).toThrow("servers.1.id: 1 is not allowed: must be unique: another server has this id");
    });

    it("renders the same bytes for every odd N: a size change does not change the template (property)", () => {
        const single = renderZooCfg(settings(1));
        fc.assert(
            fc.property(
                fc.integer({ min: 1, max: 127 }).map((k) => 2 * k + 1),
                (n) => {
                    const cfg = renderZooCfg(settings(n));
                    expect(serverLines(cfg)).toEqual([]);
                    expect(cfg).toBe(single);
                },
            ),
            { numRuns: 40 },
        );
    });

    /** Every key renderZooCfg writes without extraConfig and auth, in the order it writes them. */
    const KEYS_IN_ORDER = [
        "tickTime",
        "initLimit",
        "syncLimit",
        "dataDir",
        "dataLogDir",
        "clientPort",
        "maxClientCnxns",
        "autopurge.purgeInterval",
        "autopurge.snapRetainCount",
        "4lw.commands.whitelist",
        "snapCount",
        "admin.enableServer",
        "metricsProvider.className",
        "metricsProvider.httpPort",
        "metricsProvider.exportJvmInfo",
        "standaloneEnabled",
        "reconfigEnabled",
    ];

    it("renders exactly the managed keys and no server line, the same for every member whatever order it lists them in (property)", () => {
        fc.assert(
            fc.property(
                fc
                    .integer({ min: 0, max: 10 })
                    .map((k) => 2 * k + 1)
                    .chain((n) =>
                        fc.tuple(fc.constant(n), fc.shuffledSubarray(computeServerEntries("zk-dev", n), { minLength: n, maxLength: n })),
                    ),
                ([n, shuffled]) => {
                    const cfg = renderZooCfg(settings(n));
                    const body = lines(cfg).filter((l) => !l.startsWith("#"));
                    expect(body.map((l) => l.substring(0, l.indexOf("=")))).toEqual(KEYS_IN_ORDER);
                    expect(serverLines(cfg)).toEqual([]);
                    expect(value(cfg, "standaloneEnabled")).toBe("false");
                    expect(value(cfg, "reconfigEnabled")).toBe("true");
                    // Nothing names a member (the id is in /data/myid, the members in the dynamic
                    // file), so a member that lists the servers in another order renders the same bytes.
                    expect(renderZooCfg(settings(n, { servers: shuffled }))).toBe(cfg);
                },
            ),
            { numRuns: 11 },
        );
    });
});

describe("ensemble size (zooKeeperEnsembleArgsSchema)", () => {
    const SIZE_RULE = "must be an odd integer between 1 and 255";
    const sizeProblems = (size: unknown) => problemsOf(zooKeeperEnsembleArgsSchema, { image: "zookeeper:3.9.4", size });

    it.each([4, 0, 256, 2.5, -3])("refuses %p with one problem that names the size and the rule", (size) => {
        expect(sizeProblems(size)).toEqual([`size: ${size} is not allowed: ${SIZE_RULE}`]);
    });

    it("refuses a size given as text", () => {
        expect(sizeProblems("3")).toEqual([`size: "3" is not allowed: ${SIZE_RULE}`]);
    });

    it("mentions 'odd' for every even size (property)", () => {
        fc.assert(
            fc.property(
                fc.integer({ min: 1, max: 127 }).map((k) => 2 * k),
                (n) => {
                    expect(sizeProblems(n)).toEqual([`size: ${n} is not allowed: ${SIZE_RULE}`]);
                },
            ),
        );
    });

    it.each([1, 3, 5, 255])("accepts %p", (size) => {
        expect(sizeProblems(size)).toEqual([]);
    });

    it("defaults to 3 servers", () => {
        expect(DEFAULT_ENSEMBLE_SIZE).toBe(3);
        expect(zooKeeperEnsembleArgsSchema.parse({ image: "zookeeper:3.9.4" }).size).toBe(3);
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
        expect(renderJvmFlags(128).split(" ")).toContain("-Dzookeeper.leaderConnectDelayDuringRetryMs=100");
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
