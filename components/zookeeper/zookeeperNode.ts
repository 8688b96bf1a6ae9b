import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import {
    LOG_DRIVER,
    LOG_OPTS,
    computePortBindings,
    renderLabels,
} from "../shared/containerConventions";
import {
    CLIENT_PORT,
    METRICS_PORT,
    JVM_SECURITY_OVERRIDES_FILE,
    ZooCfgSettings,
    computeHeapMb,
    renderJvmFlags,
    renderJvmSecurityOverrides,
    renderZooCfg,
    validateHostName,
} from "./zooCfg";
import { JAAS_CONFIG_FILE, SUPER_DIGEST_ARGS_FILE, renderServerJvmFlags } from "./zookeeperAuth";

/** Arguments of one ZooKeeper server. */
export interface ZooKeeperNodeArgs {
    /** Image name, e.g. `zookeeper:3.9.4`. It must exist locally or be pullable. */
    readonly image: pulumi.Input<string>;
    /** The server's `myid`, 1..255. Tied to its volumes: keep it stable. */
    readonly serverId: number;
    /** Container name, host name and network alias; a DNS label (see computeNamePrefix). */
    readonly hostname: string;
    /** Network the server joins. */
    readonly network: docker.Network;
    /** zoo.cfg content, identical for every member (see renderZooCfg). */
    readonly zooCfg: ZooCfgSettings;
    /** Container memory limit in MB; the heap is derived from it (see computeHeapMb). Default 512. */
    readonly memoryMb?: number;
    /** CPU limit, e.g. 1.5. Unlimited when unset. */
    readonly cpus?: number;
    /** Host port for the client port 2181; not published when unset. */
    readonly clientHostPort?: number;
    /** Host port for the metrics port 7000; not published when unset. */
    readonly metricsHostPort?: number;
    /** Host address published ports bind to. Default 127.0.0.1. */
    readonly hostIp?: string;
    /** Keep the data volumes when the server is deleted (prod). Default false. */
    readonly retainDataOnDelete?: boolean;
    /** Extra labels, e.g. the ensemble and stack. */
    readonly labels?: Readonly<Record<string, string>>;
    /**
     * Authentication files (see zookeeperAuth.ts), uploaded with their content
     * kept secret in the state (see secretUpload).
     * `jaasConfig` is required when zooCfg.quorumSasl is set.
     */
    readonly auth?: ZooKeeperNodeAuth;
}

/** Secret files of a server's authentication. */
export interface ZooKeeperNodeAuth {
    /** JAAS file with the quorum credentials (renderJaasConfig), uploaded to JAAS_CONFIG_FILE. */
    readonly jaasConfig?: pulumi.Input<string>;
    /** Java argument file with the superuser digest (renderSuperDigestJvmArgs), uploaded to SUPER_DIGEST_ARGS_FILE. */
    readonly superDigestArgs?: pulumi.Input<string>;
}

/**
 * An uploaded file whose content is a secret in the state. It is owned by
 * root and world-readable inside the container (0644), so the containers' user
 * 1000 can read but not change it. Giving it to uid 1000 with mode 0400 is not
 * possible here: an upload `owner` makes the provider ask Docker to copy with
 * the container user's ids, and Docker cannot resolve a numeric `--user 1000:1000`.
 */
export function secretUpload(file: string, content: pulumi.Input<string>) {
    return { file, content: pulumi.secret(content) };
}

/** Default container memory limit of a server, in MB. */
export const DEFAULT_SERVER_MEMORY_MB = 512;

/**
 * Health check that passes only when the server actually serves requests:
 * a running JVM that has not joined a quorum answers `srvr` without a Mode.
 */
export const ZOOKEEPER_HEALTHCHECK_TEST: readonly string[] = Object.freeze([
    "CMD-SHELL",
    `echo srvr | nc -w 2 127.0.0.1 ${CLIENT_PORT} | grep -qE '^Mode: (leader|follower|standalone)'`,
]);

/** Seconds a server gets to shut down cleanly (flush its log, leave the quorum). */
export const SERVER_STOP_SECONDS = 30;

/**
 * One ZooKeeper server: a container with its configuration uploaded, its
 * identity in /data/myid and its data and transaction log on named volumes
 * that survive container replacement.
 *
 * Resource options' `dependsOn` applies to the container only, so that an
 * ensemble can order servers behind its roll gates while the component, its
 * volumes and its image register at once: the engine does not walk the gate
 * chain for them on a preview or a first deployment.
 */
export class ZooKeeperNode extends pulumi.ComponentResource {
    public readonly serverId: number;
    public readonly hostname: string;
    public readonly container: docker.Container;
    public readonly dataVolume: docker.Volume;
    public readonly datalogVolume: docker.Volume;
    public readonly image: docker.RemoteImage;

    constructor(name: string, args: ZooKeeperNodeArgs, opts?: pulumi.ComponentResourceOptions) {
        // Validated before super() so that bad arguments register nothing.
        validateHostName(args.hostname);
        if (!args.zooCfg.servers.some((s) => s.id === args.serverId)) {
            throw new Error(`serverId ${args.serverId} is not in the zoo.cfg server list`);
        }
        if (args.zooCfg.quorumSasl && args.auth?.jaasConfig === undefined) {
            throw new Error("auth.jaasConfig is required when zooCfg.quorumSasl is set: the servers could not authenticate each other");
        }
        const zooCfgText = renderZooCfg(args.zooCfg);
        const memoryMb = args.memoryMb ?? DEFAULT_SERVER_MEMORY_MB;
        const heapMb = computeHeapMb(memoryMb);
        const serverJvmFlags = renderServerJvmFlags({
            quorumSasl: args.zooCfg.quorumSasl ?? false,
            superDigest: args.auth?.superDigestArgs !== undefined,
        });
        super("zookeeper-docker:index:ZooKeeperNode", name, args, { ...opts, dependsOn: undefined });
        this.serverId = args.serverId;
        this.hostname = args.hostname;
        const stack = pulumi.getStack();
        const labels = {
            stack,
            component: "zookeeper",
            "server-id": String(args.serverId),
            ...args.labels,
        };

        // The provider stores a container's image as its sha256 id; passing a
        // tag would show a diff on every preview.
        this.image = new docker.RemoteImage(`${name}-image`, { name: args.image, keepLocally: true }, { parent: this });

        const volumeOpts = { parent: this, retainOnDelete: args.retainDataOnDelete ?? false };
        this.dataVolume = new docker.Volume(
            `${name}-data`,
            { name: `${args.hostname}-data`, labels: renderLabels({ ...labels, volume: "data" }) },
            volumeOpts,
        );
        this.datalogVolume = new docker.Volume(
            `${name}-datalog`,
            { name: `${args.hostname}-datalog`, labels: renderLabels({ ...labels, volume: "datalog" }) },
            volumeOpts,
        );

        this.container = new docker.Container(
            `${name}-container`,
            {
                name: args.hostname,
                hostname: args.hostname,
                image: this.image.imageId,
                networksAdvanced: [{ name: args.network.name, aliases: [args.hostname] }],
                // The official image's entrypoint keeps an existing zoo.cfg and myid,
                // so these uploads are used unchanged.
                uploads: [
                    { file: "/conf/zoo.cfg", content: zooCfgText },
                    { file: "/data/myid", content: `${args.serverId}\n` },
                    // Named in JVMFLAGS: DNS caching suited to peers that are containers.
                    { file: JVM_SECURITY_OVERRIDES_FILE, content: renderJvmSecurityOverrides() },
                    ...(args.auth?.jaasConfig === undefined ? [] : [secretUpload(JAAS_CONFIG_FILE, args.auth.jaasConfig)]),
                    ...(args.auth?.superDigestArgs === undefined ? [] : [secretUpload(SUPER_DIGEST_ARGS_FILE, args.auth.superDigestArgs)]),
                ],
                volumes: [
                    { volumeName: this.dataVolume.name, containerPath: "/data" },
                    { volumeName: this.datalogVolume.name, containerPath: "/datalog" },
                ],
                envs: [
                    `JVMFLAGS=${renderJvmFlags(heapMb)}`,
                    `ZK_SERVER_HEAP=${heapMb}`,
                    // Server-only, and no secret: the credentials are in the uploaded files.
                    ...(serverJvmFlags === undefined ? [] : [`SERVER_JVMFLAGS=${serverJvmFlags}`]),
                ],
                memory: memoryMb,
                // No swap: a swapping server misses heartbeats and gets dropped from the
                // quorum. Docker would otherwise allow as much swap as memory.
                memorySwap: memoryMb,
                cpus: args.cpus === undefined ? undefined : String(args.cpus),
                ports: computePortBindings(
                    [
                        { internal: CLIENT_PORT, external: args.clientHostPort },
                        { internal: METRICS_PORT, external: args.metricsHostPort },
                    ],
                    args.hostIp,
                ),
                healthcheck: {
                    tests: [...ZOOKEEPER_HEALTHCHECK_TEST],
                    interval: "2s",
                    timeout: "4s",
                    retries: 3,
                    startPeriod: "30s",
                },
                user: "1000:1000",
                capabilities: { drops: ["ALL"] },
                restart: "unless-stopped",
                stopTimeout: SERVER_STOP_SECONDS,
                destroyGraceSeconds: SERVER_STOP_SECONDS,
                logDriver: LOG_DRIVER,
                logOpts: { ...LOG_OPTS },
                labels: renderLabels(labels),
            },
            { parent: this, dependsOn: opts?.dependsOn, deleteBeforeReplace: true },
        );

        this.registerOutputs({
            serverId: this.serverId,
            hostname: this.hostname,
            container: this.container,
            dataVolume: this.dataVolume,
            datalogVolume: this.datalogVolume,
        });
    }
}
