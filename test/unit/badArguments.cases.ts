/**
 * Bad component arguments and the one problem line each must produce. Written against the package's
 * public API only (`lib`), with no TypeScript types on the arguments, the way a JavaScript or YAML
 * caller passes them, so the same table runs against the sources (badArguments.test.ts) and against
 * the packed package installed in another project (package.test.ts).
 *
 * `plain`: checked before anything is registered; the constructor throws and nothing is registered.
 * `Input`: an Output whose value is bad; the component registers, and the resource that uses the
 * value fails with the same message format.
 */

export interface BadArgumentCase {
    id: string;
    component: "ZooKeeperEnsemble" | "ZooKeeperNode" | "ClientAppService" | "MonitoringStack";
    kind: "plain" | "Input";
    /** Arguments, built from the library and the SDK (for Outputs and for a real ensemble). */
    args: (lib: any, pulumi: any) => any;
    /** The exact problem line. */
    expected: string;
}

const ZK = "zookeeper:3.9.4";
const APP = "zookeeper-platform/client-app:0.1.0";
const PROM = { prometheusImage: "prom/prometheus:v2.53.0", alertmanagerImage: "prom/alertmanager:v0.27.0" };
const SIZE_RULE = "must be an odd integer between 1 and 255";
const IMAGE_ID = `sha256:${"a".repeat(64)}`;
/** Plain data standing in for an ensemble, as another language would pass its outputs. */
const ensembleData = (overrides: Record<string, unknown> = {}) => ({
    servers: [{ id: 1, host: "zk-a-1", clientPort: 2181 }],
    networkName: "zk-a-net",
    toolsImageId: IMAGE_ID,
    clientDigest: false,
    ...overrides,
});
const watched = (overrides: Record<string, unknown> = {}) => ({
    namePrefix: "zk-a",
    size: 3,
    networkName: "zk-a-net",
    metricsTargets: [{ address: "zk-a-1:7000", labels: { ensemble: "zk-a" } }],
    ...overrides,
});
const zooCfg = {
    servers: [
        { id: 1, host: "zk-n-1" },
        { id: 2, host: "zk-n-2" },
        { id: 3, host: "zk-n-3" },
    ],
};

export const BAD_ARGUMENT_CASES: readonly BadArgumentCase[] = [
    // ZooKeeperEnsemble
    {
        id: "ensemble image missing",
        component: "ZooKeeperEnsemble",
        kind: "plain",
        args: () => ({}),
        expected: "image: (unset) is not allowed: must be a Docker image reference such as zookeeper:3.9.4",
    },
    {
        id: "ensemble image wrong type",
        component: "ZooKeeperEnsemble",
        kind: "plain",
        args: () => ({ image: 42 }),
        expected: "image: 42 is not allowed: must be a Docker image reference such as zookeeper:3.9.4",
    },
    {
        id: "size even",
        component: "ZooKeeperEnsemble",
        kind: "plain",
        args: () => ({ image: ZK, size: 4 }),
        expected: `size: 4 is not allowed: ${SIZE_RULE}`,
    },
    {
        id: "size NaN",
        component: "ZooKeeperEnsemble",
        kind: "plain",
        args: () => ({ image: ZK, size: NaN }),
        expected: `size: NaN is not allowed: ${SIZE_RULE}`,
    },
    {
        id: "size as a string",
        component: "ZooKeeperEnsemble",
        kind: "plain",
        args: () => ({ image: ZK, size: "3" }),
        expected: `size: "3" is not allowed: ${SIZE_RULE}`,
    },
    {
        id: "tickTime NaN",
        component: "ZooKeeperEnsemble",
        kind: "plain",
        args: () => ({ image: ZK, tickTime: NaN }),
        expected: "tickTime: NaN is not allowed: must be an integer number of milliseconds between 100 and 60000",
    },
    {
        id: "tickTime negative",
        component: "ZooKeeperEnsemble",
        kind: "plain",
        args: () => ({ image: ZK, tickTime: -5 }),
        expected: "tickTime: -5 is not allowed: must be an integer number of milliseconds between 100 and 60000",
    },
    {
        id: "initLimit 0",
        component: "ZooKeeperEnsemble",
        kind: "plain",
        args: () => ({ image: ZK, initLimit: 0 }),
        expected: "initLimit: 0 is not allowed: must be an integer number of ticks between 1 and 1000",
    },
    {
        id: "syncLimit fractional",
        component: "ZooKeeperEnsemble",
        kind: "plain",
        args: () => ({ image: ZK, syncLimit: 1.5 }),
        expected: "syncLimit: 1.5 is not allowed: must be an integer number of ticks between 1 and 1000",
    },
    {
        id: "cpus negative",
        component: "ZooKeeperEnsemble",
        kind: "plain",
        args: () => ({ image: ZK, cpus: -1 }),
        expected: "cpus: -1 is not allowed: must be a number of CPUs greater than 0 and at most 256",
    },
    {
        id: "maxClientCnxns negative",
        component: "ZooKeeperEnsemble",
        kind: "plain",
        args: () => ({ image: ZK, maxClientCnxns: -1 }),
        expected: "maxClientCnxns: -1 is not allowed: must be an integer between 0 (unlimited) and 10000",
    },
    {
        id: "hostIp out of range",
        component: "ZooKeeperEnsemble",
        kind: "plain",
        args: () => ({ image: ZK, hostIp: "999.1.1.1" }),
        expected: 'hostIp: "999.1.1.1" is not allowed: must be an IPv4 address such as 127.0.0.1',
    },
    {
        id: "memoryMb below the minimum",
        component: "ZooKeeperEnsemble",
        kind: "plain",
        args: () => ({ image: ZK, memoryMb: 64 }),
        expected: "memoryMb: 64 is not allowed: must be an integer number of MB between 128 and 65536",
    },
    {
        id: "rollTimeoutSeconds 0",
        component: "ZooKeeperEnsemble",
        kind: "plain",
        args: () => ({ image: ZK, rollTimeoutSeconds: 0 }),
        expected: "rollTimeoutSeconds: 0 is not allowed: must be an integer number of seconds between 10 and 3600",
    },
    {
        id: "client ports past 65535",
        component: "ZooKeeperEnsemble",
        kind: "plain",
        args: () => ({ image: ZK, clientHostPortBase: 65534 }),
        expected: "clientHostPortBase: 65534 is not allowed: ports 65534-65536 for 3 servers must end at or below 65535",
    },
    {
        id: "client and metrics ports collide",
        component: "ZooKeeperEnsemble",
        kind: "plain",
        args: () => ({ image: ZK, clientHostPortBase: 20000, metricsHostPortBase: 20002 }),
        expected: "metricsHostPortBase: 20002 is not allowed: host ports 20002-20004 overlap clientHostPortBase (20000-20002)",
    },
    {
        id: "unknown key",
        component: "ZooKeeperEnsemble",
        kind: "plain",
        args: () => ({ image: ZK, sizee: 3 }),
        expected:
            "sizee: 3 is not allowed: unknown key; allowed keys are size, image, networkName, namePrefix, tickTime, initLimit, syncLimit, maxClientCnxns, autopurgeIntervalHours, autopurgeSnapRetainCount, fourLetterWords, extraConfig, memoryMb, cpus, clientHostPortBase, metricsHostPortBase, hostIp, retainDataOnDelete, rollTimeoutSeconds, auth, backup",
    },
    {
        id: "fourLetterWords without srvr",
        component: "ZooKeeperEnsemble",
        kind: "plain",
        args: () => ({ image: ZK, fourLetterWords: ["mntr"] }),
        expected:
            'fourLetterWords: ["mntr"] is not allowed: must be a list of four-letter words among conf, cons, crst, dirs, dump, envi, gtmk, hash, isro, mntr, ruok, srst, srvr, stat, stmk, wchc, wchp, wchs that includes srvr',
    },
    {
        id: "extraConfig managed key",
        component: "ZooKeeperEnsemble",
        kind: "plain",
        args: () => ({ image: ZK, extraConfig: { dataDir: "/tmp" } }),
        expected: 'extraConfig.dataDir: "/tmp" is not allowed: is managed by zookeeper-docker and cannot be overridden',
    },
    {
        // Would switch off every ACL, and with them the superuser's authorisation to reconfig.
        id: "extraConfig skipACL",
        component: "ZooKeeperEnsemble",
        kind: "plain",
        args: () => ({ image: ZK, extraConfig: { skipACL: "yes" } }),
        expected: 'extraConfig.skipACL: "yes" is not allowed: is managed by zookeeper-docker and cannot be overridden',
    },
    {
        id: "auth not an object",
        component: "ZooKeeperEnsemble",
        kind: "plain",
        args: () => ({ image: ZK, auth: "yes" }),
        expected: 'auth: "yes" is not allowed: must be an object with the booleans quorumSasl and clientDigest',
    },
    {
        id: "namePrefix with capitals",
        component: "ZooKeeperEnsemble",
        kind: "plain",
        args: () => ({ image: ZK, namePrefix: "Bad_Prefix" }),
        expected: 'namePrefix: "Bad_Prefix" is not allowed: must be lower-case letters, digits and single dashes, at most 40 characters',
    },
    {
        id: "networkName resolves empty",
        component: "ZooKeeperEnsemble",
        kind: "Input",
        args: (_lib, pulumi) => ({ image: ZK, size: 1, networkName: pulumi.output("") }),
        expected: 'networkName: "" is not allowed: must be the name of an existing Docker network',
    },
    // ZooKeeperNode
    {
        id: "node serverId not a member",
        component: "ZooKeeperNode",
        kind: "plain",
        args: () => ({ image: ZK, serverId: 9, hostname: "zk-n-9", networkName: "net", zooCfg }),
        expected: "serverId: 9 is not allowed: must be one of the ids in zooCfg.servers",
    },
    {
        id: "node without image or imageId",
        component: "ZooKeeperNode",
        kind: "plain",
        args: () => ({ serverId: 1, hostname: "zk-n-1", networkName: "net", zooCfg }),
        expected: "image: (unset) is not allowed: must be given, or else imageId, but not both",
    },
    {
        id: "node quorumSasl without JAAS",
        component: "ZooKeeperNode",
        kind: "plain",
        args: () => ({ image: ZK, serverId: 1, hostname: "zk-n-1", networkName: "net", zooCfg: { ...zooCfg, quorumSasl: true } }),
        expected:
            "auth.jaasConfig: (unset) is not allowed: is required when zooCfg.quorumSasl is set: the servers could not authenticate each other",
    },
    {
        id: "node duplicate server id",
        component: "ZooKeeperNode",
        kind: "plain",
        args: () => ({
            image: ZK,
            serverId: 1,
            hostname: "zk-n-1",
            networkName: "net",
            zooCfg: {
                servers: [
                    { id: 1, host: "zk-n-1" },
                    { id: 1, host: "zk-n-2" },
                ],
            },
        }),
        expected: "zooCfg.servers.1.id: 1 is not allowed: must be unique: another server has this id",
    },
    {
        id: "node image resolves to a bad reference",
        component: "ZooKeeperNode",
        kind: "Input",
        args: (_lib, pulumi) => ({ image: pulumi.output("Not An Image"), serverId: 1, hostname: "zk-n-1", networkName: "net", zooCfg }),
        expected: 'image: "Not An Image" is not allowed: must be a Docker image reference such as zookeeper:3.9.4',
    },
    // ClientAppService
    {
        id: "app ensemble missing",
        component: "ClientAppService",
        kind: "plain",
        args: () => ({ image: APP }),
        expected:
            "ensemble: (unset) is not allowed: must be a ZooKeeperEnsemble, or an object with its servers, networkName, toolsImageId and clientDigest",
    },
    {
        id: "app ensemble incomplete",
        component: "ClientAppService",
        kind: "plain",
        args: () => ({ image: APP, ensemble: { servers: ensembleData().servers, toolsImageId: IMAGE_ID, clientDigest: false } }),
        expected: "ensemble.networkName: (unset) is not allowed: must be the name of an existing Docker network",
    },
    {
        id: "app image missing",
        component: "ClientAppService",
        kind: "plain",
        args: () => ({ ensemble: ensembleData() }),
        expected: "image: (unset) is not allowed: must be a Docker image reference such as zookeeper-platform/client-app:0.1.0",
    },
    {
        id: "app replicas 0",
        component: "ClientAppService",
        kind: "plain",
        args: () => ({ ensemble: ensembleData(), image: APP, replicas: 0 }),
        expected: "replicas: 0 is not allowed: must be an integer between 1 and 16",
    },
    {
        id: "app chroot relative",
        component: "ClientAppService",
        kind: "plain",
        args: () => ({ ensemble: ensembleData(), image: APP, chroot: "my-app" }),
        expected:
            "chroot: \"my-app\" is not allowed: must be an absolute znode path such as /my-app (letters, digits, '.', '_', '-'; no trailing slash; not under /zookeeper)",
    },
    {
        id: "app privileged host port",
        component: "ClientAppService",
        kind: "plain",
        args: () => ({ ensemble: ensembleData(), image: APP, hostPortBase: 80 }),
        expected: "hostPortBase: 80 is not allowed: must be an integer port between 1024 and 65535",
    },
    {
        id: "app memory as text",
        component: "ClientAppService",
        kind: "plain",
        args: () => ({ ensemble: ensembleData(), image: APP, memoryMb: "big" }),
        expected: 'memoryMb: "big" is not allowed: must be an integer number of MB between 64 and 8192',
    },
    {
        id: "app unknown key",
        component: "ClientAppService",
        kind: "plain",
        args: () => ({ ensemble: ensembleData(), image: APP, replica: 2 }),
        expected:
            "replica: 2 is not allowed: unknown key; allowed keys are ensemble, image, replicas, chroot, hostPortBase, hostIp, memoryMb, namePrefix",
    },
    {
        id: "app digest without superuser",
        component: "ClientAppService",
        kind: "plain",
        args: () => ({ ensemble: ensembleData({ clientDigest: true }), image: APP }),
        expected:
            "ensemble.superPassword: (unset) is not allowed: is required with ensemble.clientDigest: the ACL sync hands the app's znodes over as the superuser",
    },
    {
        id: "app ensemble servers resolve empty",
        component: "ClientAppService",
        kind: "Input",
        args: (_lib, pulumi) => ({ ensemble: ensembleData({ servers: pulumi.output([]) }), image: APP }),
        expected: "ensemble.servers: [] is not allowed: must list at least one server, each with an id, a host and a client port",
    },
    // MonitoringStack
    {
        id: "monitoring no ensembles",
        component: "MonitoringStack",
        kind: "plain",
        args: () => ({ ensembles: [], ...PROM }),
        expected: "ensembles: [] is not allowed: must list at least one ensemble to watch",
    },
    {
        id: "monitoring prometheusImage missing",
        component: "MonitoringStack",
        kind: "plain",
        args: () => ({ ensembles: [watched()], alertmanagerImage: PROM.alertmanagerImage }),
        expected: "prometheusImage: (unset) is not allowed: must be a Docker image reference such as prom/prometheus:v2.53.0",
    },
    {
        id: "monitoring grafana without image",
        component: "MonitoringStack",
        kind: "plain",
        args: () => ({ ensembles: [watched()], ...PROM, grafanaEnabled: true }),
        expected: "grafanaImage: (unset) is not allowed: is required when grafanaEnabled is true",
    },
    {
        id: "monitoring retention with a space",
        component: "MonitoringStack",
        kind: "plain",
        args: () => ({ ensembles: [watched()], ...PROM, retention: "7 days" }),
        expected: 'retention: "7 days" is not allowed: must be a Prometheus duration such as 15d or 12h',
    },
    {
        id: "monitoring ports collide",
        component: "MonitoringStack",
        kind: "plain",
        args: () => ({ ensembles: [watched()], ...PROM, prometheusHostPort: 19090, alertmanagerHostPort: 19090 }),
        expected: "alertmanagerHostPort: 19090 is not allowed: host ports 19090 overlap prometheusHostPort (19090)",
    },
    {
        id: "monitoring ensemble size text",
        component: "MonitoringStack",
        kind: "plain",
        args: () => ({ ensembles: [watched({ size: "three" })], ...PROM }),
        expected: 'ensembles.0.size: "three" is not allowed: must be an integer between 1 and 255',
    },
    {
        id: "monitoring webhook not http (secret)",
        component: "MonitoringStack",
        kind: "plain",
        args: () => ({ ensembles: [watched()], ...PROM, alertWebhookUrl: "ftp://hooks.example/x?token=hunter2" }),
        expected: "alertWebhookUrl: [secret] is not allowed: must be an http:// or https:// URL",
    },
    {
        id: "monitoring webhook Output not http (secret)",
        component: "MonitoringStack",
        kind: "Input",
        args: (_lib, pulumi) => ({ ensembles: [watched()], ...PROM, alertWebhookUrl: pulumi.secret("hooks.example/x?token=hunter2") }),
        expected: "alertWebhookUrl: [secret] is not allowed: must be an http:// or https:// URL",
    },
];

/** What one case produced. */
export interface BadArgumentResult {
    id: string;
    /** The problem lines of the error, or undefined when nothing failed. */
    problems?: string[];
    /** Name of the error class. */
    errorName?: string;
    /** Resources registered by a plain case (must be 0). */
    registered: number;
}

/** The problem lines of a ComponentArgumentsError message. */
export function problemLines(message: string): string[] {
    return message
        .split("\n")
        .filter((l) => l.startsWith("  - "))
        .map((l) => l.substring(4));
}

/**
 * Runs every case under mocks set up here and returns what happened. A plain case is followed by a
 * sentinel resource whose registration is awaited: anything the failed constructor had sent to the
 * monitor was sent before it, so `registered` counts it.
 */
export async function runBadArgumentCases(lib: any, pulumi: any): Promise<BadArgumentResult[]> {
    const registered: string[] = [];
    pulumi.runtime.setMocks(
        {
            newResource: (a: any) => {
                registered.push(a.type);
                const state: any = { ...a.inputs };
                if (a.type === "docker:index/remoteImage:RemoteImage") state.imageId = IMAGE_ID;
                if (a.type === "random:index/randomPassword:RandomPassword") state.result = "x".repeat(32);
                return { id: `${a.name}-id`, state };
            },
            call: (a: any) => a.inputs,
        },
        "badargs",
        "test",
        false,
    );
    // A bad Input fails the resources that use it: their registration rejects, unhandled by design
    // (the engine reports it). Collected here instead of failing the process.
    const rejections: Error[] = [];
    const onRejection = (reason: unknown) => {
        rejections.push(reason instanceof Error ? reason : new Error(String(reason)));
    };
    process.on("unhandledRejection", onRejection);
    const results: BadArgumentResult[] = [];
    for (const [i, c] of BAD_ARGUMENT_CASES.entries()) {
        const before = registered.length;
        let error: Error | undefined;
        try {
            const component = new lib[c.component](`case${i}`, c.args(lib, pulumi));
            if (c.kind === "Input") {
                error = await firstRejection(rejections, `"case${i}"`, 20000, c.id);
                void component;
            }
        } catch (e) {
            error = e as Error;
        }
        const sentinel = new pulumi.CustomResource("test:index:Sentinel", `sentinel${i}`, {});
        await sentinel.urn.promise();
        const since = registered.slice(before).filter((t) => t !== "test:index:Sentinel");
        results.push({
            id: c.id,
            problems: error === undefined ? undefined : problemLines(error.message),
            errorName: error?.name,
            registered: since.length,
        });
    }
    // Let the last Input case's other resources fail before the listener goes.
    await new Promise((r) => setTimeout(r, 500));
    process.off("unhandledRejection", onRejection);
    return results;
}

/** The first collected rejection that names `marker`; an error saying so when none comes in time. */
async function firstRejection(rejections: Error[], marker: string, ms: number, what: string): Promise<Error> {
    const deadline = Date.now() + ms;
    while (Date.now() < deadline) {
        const found = rejections.find((e) => e.message.includes(marker));
        if (found) {
            return found;
        }
        await new Promise((r) => setTimeout(r, 20));
    }
    return new Error(`${what}: no resource failed within ${ms} ms`);
}
