/**
 * The policy pack's checks (policy/rules.ts) on hand-made properties: what each one refuses, with
 * which message, and what it lets through. The real engine runs the pack in
 * test/faults/policy.faults.test.ts.
 */
import {
    RULES,
    checkCapabilities,
    checkEnsembleSize,
    checkMemoryLimit,
    checkNoDockerSocket,
    checkNoLiteralSecretEnv,
    checkNonRootUser,
    checkPublishedPorts,
    checkServerCounts,
    checkServicePorts,
    known,
    serviceAsContainer,
} from "../../policy/rules";

const good = {
    ports: [{ internal: 2181, external: 21811, ip: "127.0.0.1", protocol: "tcp" }],
    memory: 256,
    user: "1000:1000",
    capabilities: { drops: ["ALL"] },
    envs: ["JVMFLAGS=-Xmx128m", "GF_SECURITY_ADMIN_PASSWORD__FILE=/run/secrets/grafana_admin_password"],
    volumes: [{ volumeName: "zk-dev-1-data", containerPath: "/data" }],
};

/** Stands in for the policy SDK's error on reading a value that is unknown during preview. */
class UnknownValueError extends Error {}
function withUnknown<T extends object>(target: T, unknownKeys: string[]): T {
    return new Proxy(target, {
        get: (obj, prop) => {
            if (unknownKeys.includes(String(prop))) {
                throw new UnknownValueError(`${String(prop)} can't be known during preview`);
            }
            return (obj as Record<string | symbol, unknown>)[prop];
        },
    });
}

describe("policy rules", () => {
    it("have stable, distinct names", () => {
        expect(Object.values(RULES)).toEqual([
            "docker-ports-loopback-only",
            "docker-memory-limit",
            "docker-non-root-user",
            "docker-drop-all-capabilities",
            "docker-no-docker-socket",
            "docker-no-literal-secret-env",
            "docker-service-host-mode-ports",
            "zookeeper-ensemble-odd-size",
            "zookeeper-ensemble-odd-server-count",
        ]);
    });

    it("let a container that follows every guardrail through", () => {
        for (const check of [
            checkPublishedPorts,
            checkMemoryLimit,
            checkNonRootUser,
            checkCapabilities,
            checkNoDockerSocket,
            checkNoLiteralSecretEnv,
        ]) {
            expect(check(good)).toEqual([]);
        }
    });

    it("refuse ports beyond loopback, including the provider's 0.0.0.0 default, unless allowed", () => {
        expect(checkPublishedPorts({ ports: [{ internal: 2181, external: 21811, ip: "0.0.0.0" }] })).toEqual([
            "port 2181 is published on 0.0.0.0:21811; published ports may bind only to 127.0.0.1 (set ip to 127.0.0.1, or allow the address in the pack's config allowedHostIps)",
        ]);
        expect(checkPublishedPorts({ ports: [{ internal: 8080, external: 18080 }] })[0]).toContain("published on 0.0.0.0:18080");
        expect(checkPublishedPorts({ ports: [{ internal: 8080, external: 18080, ip: "10.1.2.3" }] }, ["127.0.0.1", "10.1.2.3"])).toEqual(
            [],
        );
        expect(checkPublishedPorts({ networkMode: "host" })).toEqual([
            'networkMode is "host": every port the container opens is reachable beyond 127.0.0.1',
        ]);
    });

    it("require a memory limit above 0", () => {
        expect(checkMemoryLimit({})).toEqual(["no memory limit: set memory (MB) so one container cannot take the host's memory"]);
        expect(checkMemoryLimit({ memory: 0 })).toEqual(["memory is 0: set a limit greater than 0 MB"]);
    });

    it("require a non-root user", () => {
        expect(checkNonRootUser({})[0]).toMatch(/^no user set/);
        for (const user of ["0", "0:0", "root", "root:root", ""]) {
            expect(checkNonRootUser({ user })).toEqual([`user is ${JSON.stringify(user)}: run as a non-root uid:gid such as 1000:1000`]);
        }
        expect(checkNonRootUser({ user: "65534:65534" })).toEqual([]);
    });

    it("require all capabilities dropped and no privileged mode", () => {
        expect(checkCapabilities({ user: "1000" })[0]).toMatch(/^capabilities are not dropped/);
        expect(checkCapabilities({ capabilities: { drops: ["NET_RAW"] } })).toEqual([
            'capabilities.drops is ["NET_RAW"]: it must include "ALL" (add back only what the image needs)',
        ]);
        expect(checkCapabilities({ capabilities: { drops: ["all"] }, privileged: true })).toEqual([
            "privileged is true: a privileged container has every capability and every device of the host",
        ]);
    });

    it("refuse the Docker socket and the directories that hold it, as volumes or bind mounts", () => {
        expect(checkNoDockerSocket({ volumes: [{ hostPath: "/var/run/docker.sock", containerPath: "/var/run/docker.sock" }] })).toEqual([
            "volume hostPath /var/run/docker.sock exposes the Docker socket: whoever can use it controls the host",
        ]);
        expect(checkNoDockerSocket({ volumes: [{ hostPath: "/run/", containerPath: "/r" }] })).toHaveLength(1);
        expect(checkNoDockerSocket({ mounts: [{ type: "bind", source: "/var/run", target: "/host/run" }] })).toEqual([
            "mount source /var/run exposes the Docker socket: whoever can use it controls the host",
        ]);
        // A named volume's "source" is a volume name, not a host path.
        expect(checkNoDockerSocket({ mounts: [{ type: "volume", source: "docker.sock-cache", target: "/c" }] })).toEqual([]);
        expect(checkNoDockerSocket({ volumes: [{ hostPath: "/srv/zk", containerPath: "/data" }] })).toEqual([]);
    });

    it("refuse literal values in env vars named like secrets, without repeating the value", () => {
        const problems = checkNoLiteralSecretEnv({
            envs: [
                "DB_PASSWORD=hunter2",
                "api_token=abc",
                "MY_SECRET_KEY=xyz",
                "APP_PASSWORD__FILE=/run/secrets/p",
                "EMPTY_TOKEN=",
                "MODE=x",
            ],
        });
        expect(problems).toEqual([
            "env var DB_PASSWORD holds a literal value, which docker inspect shows to anyone: upload the secret as a file and set DB_PASSWORD__FILE to its path instead",
            "env var api_token holds a literal value, which docker inspect shows to anyone: upload the secret as a file and set api_token__FILE to its path instead",
            "env var MY_SECRET_KEY holds a literal value, which docker inspect shows to anyone: upload the secret as a file and set MY_SECRET_KEY__FILE to its path instead",
        ]);
        expect(problems.join("\n")).not.toMatch(/hunter2|abc|xyz/);
    });

    it("refuse even or out-of-range ensemble sizes; an absent size is the default 3", () => {
        expect(checkEnsembleSize({ size: 4 })).toEqual([
            "size is 4: an ensemble needs an odd number of servers between 1 and 255 (an even size adds no fault tolerance)",
        ]);
        expect(checkEnsembleSize({ size: 257 })).toHaveLength(1);
        expect(checkEnsembleSize({ size: 0 })).toHaveLength(1);
        expect(checkEnsembleSize({ size: 5 })).toEqual([]);
        expect(checkEnsembleSize({})).toEqual([]);
    });

    it("count labelled server containers per ensemble", () => {
        const server = (name: string, ensemble: string) => ({
            name,
            props: {
                labels: [
                    { label: "zookeeper-docker.component", value: "zookeeper" },
                    { label: "zookeeper-docker.ensemble", value: ensemble },
                ],
            },
        });
        const gate = {
            name: "gate",
            props: {
                labels: [
                    { label: "zookeeper-docker.component", value: "roll-gate" },
                    { label: "zookeeper-docker.ensemble", value: "zk-a" },
                ],
            },
        };
        expect(checkServerCounts([server("a1", "zk-a"), server("a2", "zk-a"), server("a3", "zk-a"), gate, server("b1", "zk-b")])).toEqual(
            [],
        );
        expect(checkServerCounts([server("a2", "zk-a"), server("a1", "zk-a"), gate])).toEqual([
            "ensemble zk-a has 2 server containers (a1, a2): an ensemble needs an odd number of servers (an even count adds no fault tolerance)",
        ]);
    });

    it("skip values that are unknown during preview instead of failing or guessing", () => {
        expect(known(() => withUnknown({ a: 1 }, ["a"]).a)).toBeUndefined();
        expect(() =>
            known(() => {
                throw new TypeError("real bug");
            }),
        ).toThrow("real bug");
        // An env entry computed from an output (e.g. TARGET_CONTAINER_ID=<id>) is unknown; the others are still checked.
        const envs = withUnknown(["DB_PASSWORD=x", "TARGET_CONTAINER_ID=unknown"], ["1"]);
        expect(checkNoLiteralSecretEnv({ envs })).toHaveLength(1);
        expect(checkMemoryLimit(withUnknown({ memory: 1 }, ["memory"]))).toEqual([]);
        expect(checkNonRootUser(withUnknown({ user: "x" }, ["user"]))).toEqual([]);
        expect(checkCapabilities(withUnknown({ capabilities: {} }, ["capabilities"]))).toEqual([]);
    });
});

describe("policy rules on swarm services", () => {
    const service = (containerSpec: Record<string, unknown>, limits: Record<string, unknown> = { memoryBytes: 256 * 1024 * 1024 }) => ({
        taskSpec: { containerSpec, resources: { limits } },
        endpointSpec: { mode: "dnsrr", ports: [{ targetPort: 2181, publishedPort: 25811, publishMode: "host" }] },
    });
    const goodSpec = {
        user: "1000:1000",
        capDrops: ["ALL"],
        env: { JVMFLAGS: "-Xmx128m" },
        mounts: [{ type: "volume", source: "zk-swarm-1-data", target: "/data" }],
    };
    const all = (props: Record<string, unknown>) => {
        const c = serviceAsContainer(props);
        return [
            ...checkMemoryLimit(c),
            ...checkNonRootUser(c),
            ...checkCapabilities(c),
            ...checkNoDockerSocket(c),
            ...checkNoLiteralSecretEnv(c),
        ];
    };

    it("read the task spec the way the container rules read a container, and let a good one through", () => {
        expect(serviceAsContainer(service(goodSpec))).toMatchObject({ memory: 256, user: "1000:1000", capabilities: { drops: ["ALL"] } });
        expect(all(service(goodSpec))).toEqual([]);
        expect(checkServicePorts(service(goodSpec))).toEqual([]);
    });

    it("refuse each missing guardrail of a task", () => {
        expect(all(service({}, {}))).toEqual([
            "no memory limit: set memory (MB) so one container cannot take the host's memory",
            "no user set: the image's default user is usually root; set user to a non-root uid:gid such as 1000:1000",
            'capabilities are not dropped: set capabilities.drops to ["ALL"] (add back only what the image needs)',
        ]);
        expect(all(service({ ...goodSpec, user: "root" }))).toEqual(['user is "root": run as a non-root uid:gid such as 1000:1000']);
        expect(all(service({ ...goodSpec, mounts: [{ type: "bind", source: "/var/run/docker.sock", target: "/s" }] }))).toEqual([
            "mount source /var/run/docker.sock exposes the Docker socket: whoever can use it controls the host",
        ]);
        expect(all(service({ ...goodSpec, env: { ADMIN_PASSWORD: "hunter2hunter2" } }))[0]).toMatch(
            /^env var ADMIN_PASSWORD holds a literal value/,
        );
    });

    it("refuse ingress-mode ports, the swarm's default", () => {
        const ingress = { ...service(goodSpec), endpointSpec: { ports: [{ targetPort: 2181, publishedPort: 25811 }] } };
        expect(checkServicePorts(ingress)).toEqual([
            "port 2181 is published in ingress mode on 25811: every node of the swarm would accept it; publish in host mode, and only with swarm.publishHostPorts",
        ]);
    });
});
