import * as fc from "fast-check";
import { allowedAt, objectAt } from "../../components/shared/contract";
import { CONFIG_KEYS, SECRET_CAPABLE_KEYS, StackConfigError, parseStackConfig, resolvePlatformSettings } from "../../stacks/config";
import { LOCAL_IMAGES, SECTION_SCHEMAS } from "../../stacks/configSchema";
import { applyEnvironmentOverrides } from "../../stacks/configSource";
import { ENVIRONMENTS, rawConfig } from "./stackFiles";

function problemsOf(raw: Record<string, unknown>, secretKeys?: string[]): string[] {
    try {
        parseStackConfig(raw, { secretKeys });
    } catch (e) {
        if (e instanceof StackConfigError) {
            return e.problems;
        }
        throw e;
    }
    throw new Error("expected the configuration to be refused");
}

describe("committed stack files", () => {
    it.each(ENVIRONMENTS)("%s parses", (env) => {
        expect(() => parseStackConfig(rawConfig(env))).not.toThrow();
    });

    it("dev: 3 servers with 256 MB, one replica, monitoring with Grafana", () => {
        const c = parseStackConfig(rawConfig("dev"));
        expect(c.zookeeper.size).toBe(3);
        expect(c.zookeeper.memoryMb).toBe(256);
        expect(c.zookeeper.retainDataOnDelete).toBe(false);
        expect(c.clientApp.replicas).toBe(1);
        expect(c.monitoring.enabled).toBe(true);
        expect(c.monitoring.grafanaEnabled).toBe(true);
    });

    it("staging: 3 servers, two replicas", () => {
        const c = parseStackConfig(rawConfig("staging"));
        expect(c.zookeeper.size).toBe(3);
        expect(c.clientApp.replicas).toBe(2);
    });

    it("prod: 5 servers, more memory, retained data", () => {
        const c = parseStackConfig(rawConfig("prod"));
        expect(c.zookeeper.size).toBe(5);
        expect(c.zookeeper.memoryMb).toBeGreaterThan(parseStackConfig(rawConfig("dev")).zookeeper.memoryMb);
        expect(c.zookeeper.retainDataOnDelete).toBe(true);
    });

    it("names the official images, except the swarm test topology, which has no registry to pull from", () => {
        expect(parseStackConfig(rawConfig("swarm")).images.source).toBe("local");
        for (const env of ENVIRONMENTS.filter((e) => e !== "swarm")) {
            const c = parseStackConfig(rawConfig(env));
            expect(c.images.source).toBe("official");
            expect(c.zookeeper.image).toBe("zookeeper:3.9.4");
            expect(c.monitoring.prometheusImage).toBe("prom/prometheus:v2.53.0");
            expect(c.monitoring.alertmanagerImage).toBe("prom/alertmanager:v0.27.0");
            expect(c.monitoring.grafanaImage).toBe("grafana/grafana-oss:11.3.0");
        }
    });

    it("uses different host ports in every environment, so all three can run on one daemon", () => {
        const ports = ENVIRONMENTS.map((env) => {
            const c = parseStackConfig(rawConfig(env));
            const list: number[] = [];
            for (let i = 0; i < c.zookeeper.size; i++) {
                list.push(c.zookeeper.clientHostPortBase! + i, c.zookeeper.metricsHostPortBase! + i);
            }
            for (let i = 0; i < c.clientApp.replicas; i++) {
                list.push(c.clientApp.hostPortBase! + i);
            }
            list.push(c.monitoring.prometheusHostPort!, c.monitoring.alertmanagerHostPort!, c.monitoring.grafanaHostPort!);
            return list;
        });
        const all = ports.flat();
        expect(new Set(all).size).toBe(all.length);
        expect(ports[0]).toContain(21811);
        expect(ports[1]).toContain(22811);
        expect(ports[2]).toContain(23811);
    });

    it("keeps secrets out of the files", () => {
        for (const env of ENVIRONMENTS) {
            expect(JSON.stringify(rawConfig(env))).not.toMatch(/secure|password|token|alertWebhookUrl/i);
        }
    });
});

describe("defaults", () => {
    it("fills every key of an empty configuration", () => {
        const c = parseStackConfig({});
        expect(c.zookeeper).toEqual({
            size: 3,
            image: "zookeeper:3.9.4",
            tickTime: 2000,
            initLimit: 10,
            syncLimit: 5,
            maxClientCnxns: 60,
            autopurgeIntervalHours: 1,
            autopurgeSnapRetainCount: 3,
            fourLetterWords: ["srvr", "mntr"],
            extraConfig: {},
            memoryMb: 512,
            hostIp: "127.0.0.1",
            retainDataOnDelete: false,
            rollTimeoutSeconds: 120,
            auth: { quorumSasl: false, clientDigest: false },
        });
        expect(c.clientApp).toEqual({
            enabled: true,
            image: "zookeeper-platform/client-app:0.1.0",
            replicas: 1,
            hostIp: "127.0.0.1",
            memoryMb: 192,
        });
        expect(c.monitoring.retention).toBe("7d");
        expect(c.images.source).toBe("official");
    });
});

describe("images.source", () => {
    it("local replaces the official images with the local tags and turns Grafana off with a notice", () => {
        const settings = resolvePlatformSettings(parseStackConfig({ ...rawConfig("dev"), images: { source: "local" } }));
        expect(settings.zookeeper.image).toBe(LOCAL_IMAGES.zookeeper);
        expect(settings.monitoring.prometheusImage).toBe(LOCAL_IMAGES.prometheus);
        expect(settings.monitoring.alertmanagerImage).toBe(LOCAL_IMAGES.alertmanager);
        expect(settings.clientApp.image).toBe(LOCAL_IMAGES.clientApp);
        expect(settings.monitoring.grafanaEnabled).toBe(false);
        expect(settings.notices).toEqual(["images.source is local: Grafana is turned off because there is no local Grafana image"]);
    });

    it("official keeps the configured images and says nothing", () => {
        const settings = resolvePlatformSettings(parseStackConfig(rawConfig("dev")));
        expect(settings.zookeeper.image).toBe("zookeeper:3.9.4");
        expect(settings.notices).toEqual([]);
    });

    it("ZK_IMAGE_SOURCE overrides the stack file for one run, keeping the other image keys", () => {
        const raw = applyEnvironmentOverrides(rawConfig("dev"), { ZK_IMAGE_SOURCE: "local" });
        expect(raw.images).toEqual({ source: "local" });
        expect(resolvePlatformSettings(parseStackConfig(raw)).zookeeper.image).toBe(LOCAL_IMAGES.zookeeper);
        expect(applyEnvironmentOverrides(rawConfig("dev"), {})).toEqual(rawConfig("dev"));
    });

    it("a bad ZK_IMAGE_SOURCE is refused like a bad images.source", () => {
        expect(problemsOf(applyEnvironmentOverrides(rawConfig("dev"), { ZK_IMAGE_SOURCE: "hub" }))).toEqual([
            'images.source: "hub" is not allowed: must be "official" or "local"',
        ]);
    });
});

describe("bad configurations", () => {
    const zkKeys =
        "size, image, tickTime, initLimit, syncLimit, maxClientCnxns, autopurgeIntervalHours, autopurgeSnapRetainCount, " +
        "fourLetterWords, extraConfig, memoryMb, cpus, clientHostPortBase, metricsHostPortBase, hostIp, retainDataOnDelete, rollTimeoutSeconds, auth";
    const cases: [string, Record<string, unknown>, string][] = [
        ["an even size", { zookeeper: { size: 4 } }, "zookeeper.size: 4 is not allowed: must be an odd integer between 1 and 255"],
        ["size 0", { zookeeper: { size: 0 } }, "zookeeper.size: 0 is not allowed: must be an odd integer between 1 and 255"],
        ["size 256", { zookeeper: { size: 256 } }, "zookeeper.size: 256 is not allowed: must be an odd integer between 1 and 255"],
        ["a fractional size", { zookeeper: { size: 2.5 } }, "zookeeper.size: 2.5 is not allowed: must be an odd integer between 1 and 255"],
        [
            "a size given as text",
            { zookeeper: { size: "3" } },
            'zookeeper.size: "3" is not allowed: must be an odd integer between 1 and 255',
        ],
        [
            "a malformed image",
            { zookeeper: { image: "Zookeeper Latest" } },
            'zookeeper.image: "Zookeeper Latest" is not allowed: must be a Docker image reference such as zookeeper:3.9.4',
        ],
        [
            "too little memory",
            { zookeeper: { memoryMb: 64 } },
            "zookeeper.memoryMb: 64 is not allowed: must be an integer number of MB between 128 and 65536",
        ],
        [
            "a tick too short",
            { zookeeper: { tickTime: 50 } },
            "zookeeper.tickTime: 50 is not allowed: must be an integer number of milliseconds between 100 and 60000",
        ],
        [
            "an unknown zookeeper key",
            { zookeeper: { sizee: 3 } },
            `zookeeper.sizee: 3 is not allowed: unknown key; allowed keys are ${zkKeys}`,
        ],
        [
            "an unknown top-level key",
            { zookeper: { size: 3 } },
            'zookeper: {"size":3} is not allowed: unknown key; allowed keys are zookeeper-platform:zookeeper, zookeeper-platform:clientApp, zookeeper-platform:monitoring, zookeeper-platform:images, zookeeper-platform:backup, zookeeper-platform:swarm',
        ],
        [
            "a host name instead of an IP",
            { zookeeper: { hostIp: "localhost" } },
            'zookeeper.hostIp: "localhost" is not allowed: must be an IPv4 address such as 127.0.0.1',
        ],
        [
            "a privileged port",
            { zookeeper: { clientHostPortBase: 80 } },
            "zookeeper.clientHostPortBase: 80 is not allowed: must be an integer port between 1024 and 65535",
        ],
        [
            "a port range past 65535",
            { zookeeper: { clientHostPortBase: 65534 } },
            "zookeeper.clientHostPortBase: 65534 is not allowed: ports 65534-65536 for 3 servers must end at or below 65535",
        ],
        [
            "overlapping port ranges",
            { zookeeper: { clientHostPortBase: 21811, metricsHostPortBase: 21813 } },
            "zookeeper.metricsHostPortBase: 21813 is not allowed: host ports 21813-21815 overlap zookeeper.clientHostPortBase (21811-21813)",
        ],
        [
            "an app port on a monitoring port",
            { clientApp: { hostPortBase: 19089, replicas: 2 }, monitoring: { prometheusHostPort: 19090 } },
            "monitoring.prometheusHostPort: 19090 is not allowed: host ports 19090 overlap clientApp.hostPortBase (19089-19090)",
        ],
        [
            "a whitelist without srvr",
            { zookeeper: { fourLetterWords: ["mntr"] } },
            'zookeeper.fourLetterWords: ["mntr"] is not allowed: must be a list of four-letter words among conf, cons, crst, dirs, dump, envi, gtmk, hash, isro, mntr, ruok, srst, srvr, stat, stmk, wchc, wchp, wchs that includes srvr',
        ],
        [
            "extra config overriding a managed key",
            { zookeeper: { extraConfig: { dataDir: "/tmp" } } },
            'zookeeper.extraConfig.dataDir: "/tmp" is not allowed: is managed by zookeeper-docker and cannot be overridden',
        ],
        ["zero replicas", { clientApp: { replicas: 0 } }, "clientApp.replicas: 0 is not allowed: must be an integer between 1 and 16"],
        [
            "a relative chroot",
            { clientApp: { chroot: "app" } },
            `clientApp.chroot: "app" is not allowed: must be an absolute znode path such as /my-app (letters, digits, '.', '_', '-'; no trailing slash; not under /zookeeper)`,
        ],
        ["enabled given as text", { clientApp: { enabled: "true" } }, 'clientApp.enabled: "true" is not allowed: must be true or false'],
        [
            "a retention that is no duration",
            { monitoring: { retention: "forever" } },
            'monitoring.retention: "forever" is not allowed: must be a Prometheus duration such as 15d or 12h',
        ],
        [
            "a webhook that is no URL (redacted)",
            { monitoring: { alertWebhookUrl: "hooks?token=abc123" } },
            "monitoring.alertWebhookUrl: [secret] is not allowed: must be an http:// or https:// URL",
        ],
        [
            "an unknown image source",
            { images: { source: "dockerhub" } },
            'images.source: "dockerhub" is not allowed: must be "official" or "local"',
        ],
        ["a section that is not an object", { monitoring: "yes" }, 'monitoring: "yes" is not allowed: must be an object of settings'],
    ];

    it.each(cases)("refuses %s", (_label, raw, message) => {
        expect(problemsOf(raw)).toEqual([message]);
    });

    it("gives every key of every section a rule of its own: a value of the wrong type names the key and what it allows", () => {
        let checked = 0;
        for (const section of CONFIG_KEYS) {
            const schema = SECTION_SCHEMAS[section];
            const keys = Object.keys(objectAt(schema, [])?.shape ?? {});
            expect(keys.length).toBeGreaterThan(0);
            for (const key of keys) {
                const rule = allowedAt(schema, [key]);
                expect({ key: `${section}.${key}`, rule }).toEqual({
                    key: `${section}.${key}`,
                    rule: expect.stringMatching(/^(must|is) /),
                });
                const shown = SECRET_CAPABLE_KEYS.includes(`${section}.${key}`) ? "[secret]" : "null";
                expect(problemsOf({ [section]: { [key]: null } })).toEqual([`${section}.${key}: ${shown} is not allowed: ${rule}`]);
                checked++;
            }
        }
        // zookeeper alone has 18 keys a stack sets.
        expect(checked).toBeGreaterThan(18);
    });

    it("never prints a secret value", () => {
        const problems = problemsOf({ monitoring: { alertWebhookUrl: "hooks?token=abc123", bogus: 1 } });
        expect(problems.join("\n")).not.toContain("abc123");
    });

    it("redacts keys the runtime reports as secret", () => {
        expect(problemsOf({ clientApp: { image: "BAD IMAGE" } }, ["clientApp.image"])).toEqual([
            "clientApp.image: [secret] is not allowed: must be a Docker image reference such as zookeeper-platform/client-app:0.1.0",
        ]);
    });

    it("reports every problem in one error", () => {
        let error: Error | undefined;
        try {
            parseStackConfig({ zookeeper: { size: 4, memoryMb: 1 }, clientApp: { replicas: 99 }, extra: true });
        } catch (e) {
            error = e as Error;
        }
        expect(error).toBeInstanceOf(StackConfigError);
        expect(error!.message).toBe(
            [
                "Invalid stack configuration for zookeeper-platform (4 problems):",
                "  - extra: true is not allowed: unknown key; allowed keys are zookeeper-platform:zookeeper, zookeeper-platform:clientApp, zookeeper-platform:monitoring, zookeeper-platform:images, zookeeper-platform:backup, zookeeper-platform:swarm",
                "  - zookeeper.size: 4 is not allowed: must be an odd integer between 1 and 255",
                "  - zookeeper.memoryMb: 1 is not allowed: must be an integer number of MB between 128 and 65536",
                "  - clientApp.replicas: 99 is not allowed: must be an integer between 1 and 16",
            ].join("\n"),
        );
    });

    it("names zookeeper.size for every even size (property)", () => {
        fc.assert(
            fc.property(
                fc.integer({ min: 1, max: 127 }).map((k) => 2 * k),
                (size) => {
                    expect(problemsOf({ zookeeper: { size } })).toEqual([
                        `zookeeper.size: ${size} is not allowed: must be an odd integer between 1 and 255`,
                    ]);
                },
            ),
            { numRuns: 30 },
        );
    });
});

describe("redaction inside objects", () => {
    it("redacts values below a secret key and leaves other keys readable", () => {
        expect(problemsOf({ monitoring: { alertWebhookUrl: "https://h/x?token=abc123", retention: 5 } })).toEqual([
            "monitoring.retention: 5 is not allowed: must be a Prometheus duration such as 15d or 12h",
        ]);
        expect(problemsOf({ zookeeper: { extraConfig: { dataDir: "s3cr3t" } } }, ["zookeeper.extraConfig"])).toEqual([
            "zookeeper.extraConfig.dataDir: [secret] is not allowed: is managed by zookeeper-docker and cannot be overridden",
        ]);
    });
});
