import { createHash } from "crypto";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import {
    DEFAULT_HOST_IP,
    LOG_DRIVER,
    LOG_OPTS,
    READY_GATE_COMPONENT,
    ROLL_GATE_COMPONENT,
    ScrapeTarget,
    computeNamePrefix,
    renderLabels,
} from "../shared/containerConventions";
import { PASS_MARKER, renderReadyGateScript, renderRollGateScript } from "./rollGates";
import {
    CLIENT_PORT,
    DEFAULT_FOUR_LETTER_WORDS,
    METRICS_PORT,
    ZooCfgSettings,
    ZooKeeperServerEntry,
    validateExtraConfig,
    validateFourLetterWords,
    validateHostName,
} from "./zooCfg";
import {
    GENERATED_PASSWORD_LENGTH,
    QUORUM_USER,
    SUPER_USER,
    renderJaasConfig,
    renderSuperDigestJvmArgs,
} from "./zookeeperAuth";
import { DEFAULT_SERVER_MEMORY_MB, ZooKeeperNode, ZooKeeperNodeAuth } from "./zookeeperNode";

/** Arguments of a ZooKeeper ensemble. */
export interface ZooKeeperEnsembleArgs {
    /** Number of servers: an odd integer 1..255 (1 = standalone). Default 3. Changing it on a deployed ensemble is not supported. */
    readonly size?: number;
    /** ZooKeeper image name, e.g. `zookeeper:3.9.4`; must exist locally or be pullable. */
    readonly image: string;
    /** Network to join; by default the ensemble creates its own (`<prefix>-net`). */
    readonly network?: docker.Network;
    /** Prefix of every Docker object name; default `<component name>-<stack>`, e.g. `zk-dev`. */
    readonly namePrefix?: string;
    /** Milliseconds per tick. Default 2000. */
    readonly tickTime?: number;
    /** Ticks a follower may take to connect and sync to the leader. Default 10. */
    readonly initLimit?: number;
    /** Ticks a follower may lag behind the leader. Default 5. */
    readonly syncLimit?: number;
    /** Concurrent connections per client IP; 0 = unlimited. Default 60. */
    readonly maxClientCnxns?: number;
    /** Hours between purges of old snapshots and logs; 0 disables. Default 1. */
    readonly autopurgeIntervalHours?: number;
    /** Snapshots kept by the purge, at least 3. Default 3. */
    readonly autopurgeSnapRetainCount?: number;
    /** Four-letter-word whitelist; must include `srvr`. Default `srvr,mntr`. */
    readonly fourLetterWords?: string[];
    /** Additional zoo.cfg keys; managed keys are refused. */
    readonly extraConfig?: { [key: string]: string };
    /** Memory limit per server in MB; the heap is half of it. Default 512. */
    readonly memoryMb?: number;
    /** CPU limit per server, e.g. 1.5. Default unlimited. */
    readonly cpus?: number;
    /** Publish server i's client port on host port base+i-1. Not published when unset. */
    readonly clientHostPortBase?: number;
    /** Publish server i's metrics port on host port base+i-1. Not published when unset. */
    readonly metricsHostPortBase?: number;
    /** Host address published ports bind to. Default 127.0.0.1. */
    readonly hostIp?: string;
    /** Keep the data volumes when the ensemble is deleted. Default false. */
    readonly retainDataOnDelete?: boolean;
    /** Seconds a gate waits for a server (or the whole ensemble) to serve before failing the update. Default 120. */
    readonly rollTimeoutSeconds?: number;
    /** Authentication; everything off by default. */
    readonly auth?: ZooKeeperAuthArgs;
}

/** Authentication of an ensemble. Credentials are generated (random.RandomPassword) and stay the same across updates. */
export interface ZooKeeperAuthArgs {
    /**
     * Servers authenticate each other with SASL DIGEST-MD5: a server without
     * the generated quorum credentials cannot join or lead. Needs 3 or more
     * servers. Default false.
     */
    readonly quorumSasl?: boolean;
    /**
     * Digest authentication for clients: a generated superuser (`super`,
     * see `superCredentials`), and a ClientAppService on this ensemble
     * authenticates with its own generated user and protects its znodes with
     * ACLs. Default false.
     */
    readonly clientDigest?: boolean;
}

/** Checks authentication settings against the ensemble size. */
export function validateAuth(auth: ZooKeeperAuthArgs | undefined, size: number): void {
    if (auth?.quorumSasl && size === 1) {
        throw new Error("auth.quorumSasl is not allowed with size 1: a standalone server has no quorum to authenticate (use 3 or more servers)");
    }
}

/** Default number of servers. */
export const DEFAULT_ENSEMBLE_SIZE = 3;
/** Default gate timeout in seconds. */
export const DEFAULT_ROLL_TIMEOUT_SECONDS = 120;
/**
 * How often Docker checks a gate for its pass marker. The provider looks once a
 * second; a short interval makes the gate healthy before the provider's next look.
 */
export const GATE_HEALTH_INTERVAL = "250ms";

/**
 * Checks an ensemble size. Even sizes are refused because they tolerate no
 * more failures than the odd size below them while needing a larger quorum.
 */
export function validateEnsembleSize(size: number): void {
    if (typeof size !== "number" || !Number.isInteger(size)) {
        throw new Error(`size ${size} is not allowed: must be an odd integer between 1 and 255 (got a non-integer)`);
    }
    if (size < 1 || size > 255) {
        throw new Error(`size ${size} is not allowed: must be an odd integer between 1 and 255 (out of range)`);
    }
    if (size % 2 === 0) {
        throw new Error(`size ${size} is not allowed: must be an odd integer between 1 and 255 (an even size adds no fault tolerance)`);
    }
}

/** Members of an ensemble: ids 1..size and their host names `<prefix>-<id>`. */
export function computeServerEntries(prefix: string, size: number): ZooKeeperServerEntry[] {
    validateEnsembleSize(size);
    return Array.from({ length: size }, (_, i) => ({ id: i + 1, host: `${prefix}-${i + 1}` }));
}

/** `host:2181,...`, resolvable on the ensemble network. */
export function renderConnectionString(servers: readonly ZooKeeperServerEntry[]): string {
    return servers.map((s) => `${s.host}:${CLIENT_PORT}`).join(",");
}

/** Host port of server `id` when ports are published from `base`, else undefined. */
export function computeHostPort(base: number | undefined, id: number): number | undefined {
    if (base === undefined) {
        return undefined;
    }
    const port = base + id - 1;
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
        throw new Error(`host port ${port} for server ${id} (base ${base}) is not allowed: must be between 1 and 65535`);
    }
    return port;
}

/**
 * A ZooKeeper ensemble of `size` servers on one Docker network.
 *
 * Updates roll: the docker provider replaces a container on almost any
 * change, so without care every server would be replaced at once and the
 * ensemble would lose its quorum. Between server i and server i+1 sits a
 * one-shot "roll gate" container that takes server i's container id as an
 * input (so it is replaced, and runs again, whenever server i is) and waits
 * until server i serves again. Server i+1 only `dependsOn` the gate, so
 * replacements do not cascade through properties. A final ready gate waits
 * until all servers serve with one leader, so `pulumi up` returns only when
 * the ensemble can take requests.
 */
export class ZooKeeperEnsemble extends pulumi.ComponentResource {
    /** Servers, ordered by id. */
    public readonly nodes: ZooKeeperNode[];
    public readonly network: docker.Network;
    /** `host:2181,...` for clients on the ensemble network. */
    public readonly connectionString: pulumi.Output<string>;
    /** `127.0.0.1:port,...` for clients on the host, when client ports are published. */
    public readonly hostConnectionString: pulumi.Output<string | undefined>;
    /** Gates between consecutive servers (size - 1 of them). */
    public readonly rollGates: docker.Container[];
    /** Gate that passes once the whole ensemble serves; depend on it to use the ensemble. */
    public readonly readyGate: docker.Container;
    /** Metrics endpoints of every server, for Prometheus. */
    public readonly metricsTargets: ScrapeTarget[];
    /** Number of servers. */
    public readonly size: number;
    /** Prefix of the Docker object names, e.g. `zk-dev`. */
    public readonly namePrefix: string;
    /** Whether servers authenticate each other (auth.quorumSasl). */
    public readonly quorumSaslEnabled: boolean;
    /** Whether clients use digest authentication (auth.clientDigest). */
    public readonly clientDigestEnabled: boolean;
    /** `super:<password>` (secret) for `addauth digest`, when auth.clientDigest is on: bypasses every ACL. */
    public readonly superCredentials?: pulumi.Output<string>;
    /** Image id of the ensemble's image (bash, nc, zkCli.sh), for one-shot tool containers on its network. */
    public readonly toolsImageId: pulumi.Output<string>;

    constructor(name: string, args: ZooKeeperEnsembleArgs, opts?: pulumi.ComponentResourceOptions) {
        // Validated before super() so that bad arguments register nothing.
        const size = args.size ?? DEFAULT_ENSEMBLE_SIZE;
        validateEnsembleSize(size);
        const fourLetterWords = args.fourLetterWords ?? [...DEFAULT_FOUR_LETTER_WORDS];
        validateFourLetterWords(fourLetterWords);
        validateExtraConfig(args.extraConfig ?? {});
        const stack = pulumi.getStack();
        const prefix = args.namePrefix ?? computeNamePrefix(name, stack);
        const servers = computeServerEntries(prefix, size);
        servers.forEach((s) => validateHostName(s.host));
        for (const s of servers) {
            computeHostPort(args.clientHostPortBase, s.id);
            computeHostPort(args.metricsHostPortBase, s.id);
        }
        const timeoutSeconds = args.rollTimeoutSeconds ?? DEFAULT_ROLL_TIMEOUT_SECONDS;
        validateAuth(args.auth, size);
        super("zookeeper-docker:index:ZooKeeperEnsemble", name, args, opts);
        this.size = size;
        this.namePrefix = prefix;
        this.quorumSaslEnabled = args.auth?.quorumSasl ?? false;
        this.clientDigestEnabled = args.auth?.clientDigest ?? false;

        const zooCfg: ZooCfgSettings = {
            tickTime: args.tickTime ?? 2000,
            initLimit: args.initLimit ?? 10,
            syncLimit: args.syncLimit ?? 5,
            maxClientCnxns: args.maxClientCnxns ?? 60,
            autopurgeIntervalHours: args.autopurgeIntervalHours ?? 1,
            autopurgeSnapRetainCount: args.autopurgeSnapRetainCount ?? 3,
            fourLetterWords,
            servers,
            extraConfig: args.extraConfig,
            quorumSasl: this.quorumSaslEnabled,
        };

        // One set of credentials for the whole ensemble: every server gets the same
        // files, so any server can lead and a replaced server rejoins with what the
        // others expect. The passwords change only when these resources are replaced.
        const nodeAuth: { jaasConfig?: pulumi.Output<string>; superDigestArgs?: pulumi.Output<string> } = {};
        if (this.quorumSaslEnabled) {
            const quorumPassword = new random.RandomPassword(
                `${name}-quorum-password`,
                { length: GENERATED_PASSWORD_LENGTH, special: false },
                { parent: this },
            );
            nodeAuth.jaasConfig = pulumi.secret(quorumPassword.result.apply((password) => renderJaasConfig({ user: QUORUM_USER, password })));
        }
        if (this.clientDigestEnabled) {
            const superPassword = new random.RandomPassword(
                `${name}-super-password`,
                { length: GENERATED_PASSWORD_LENGTH, special: false },
                { parent: this },
            );
            nodeAuth.superDigestArgs = pulumi.secret(
                superPassword.result.apply((password) => renderSuperDigestJvmArgs({ user: SUPER_USER, password })),
            );
            this.superCredentials = pulumi.secret(pulumi.interpolate`${SUPER_USER}:${superPassword.result}`);
        }
        const auth: ZooKeeperNodeAuth | undefined = nodeAuth.jaasConfig || nodeAuth.superDigestArgs ? nodeAuth : undefined;
        const labels = { stack, ensemble: prefix };

        this.network =
            args.network ??
            new docker.Network(
                `${name}-network`,
                { name: `${prefix}-net`, driver: "bridge", labels: renderLabels({ ...labels, component: "network" }) },
                { parent: this },
            );

        // Gates run the ZooKeeper image itself: it has bash and nc.
        const gateImage = new docker.RemoteImage(`${name}-gate-image`, { name: args.image, keepLocally: true }, { parent: this });
        this.toolsImageId = gateImage.imageId;
        const gate = (resourceName: string, role: string, nameSuffix: pulumi.Input<string>, script: string, targetEnv: pulumi.Input<string>) =>
            new docker.Container(
                resourceName,
                {
                    // The id suffix makes each replacement a new container name.
                    name: pulumi.interpolate`${prefix}-${nameSuffix}`,
                    image: gateImage.imageId,
                    entrypoints: ["/bin/bash", "-c"],
                    command: [script],
                    // The target ids are what makes a gate run again after its servers are replaced.
                    envs: [targetEnv],
                    networksAdvanced: [{ name: this.network.name }],
                    healthcheck: { tests: ["CMD", "test", "-f", PASS_MARKER], interval: GATE_HEALTH_INTERVAL, timeout: "2s", retries: 3 },
                    // `wait` makes the provider fail the update when the marker never
                    // appears, and return as soon as it has. No `attach`: it would also
                    // wait out the gate's linger (PASS_LINGER_SECONDS), seconds per gate
                    // on every first deployment. The exited gate keeps its logs.
                    wait: true,
                    waitTimeout: timeoutSeconds + 15,
                    mustRun: false,
                    rm: false,
                    restart: "no",
                    memory: 32,
                    memorySwap: 32,
                    user: "1000:1000",
                    capabilities: { drops: ["ALL"] },
                    logDriver: LOG_DRIVER,
                    logOpts: { ...LOG_OPTS },
                    labels: renderLabels({ ...labels, component: role }),
                },
                { parent: this, deleteBeforeReplace: true },
            );

        this.nodes = [];
        this.rollGates = [];
        let previousGate: docker.Container | undefined;
        for (const server of servers) {
            const node = new ZooKeeperNode(
                `${name}-${server.id}`,
                {
                    image: args.image,
                    serverId: server.id,
                    hostname: server.host,
                    network: this.network,
                    zooCfg,
                    memoryMb: args.memoryMb ?? DEFAULT_SERVER_MEMORY_MB,
                    cpus: args.cpus,
                    clientHostPort: computeHostPort(args.clientHostPortBase, server.id),
                    metricsHostPort: computeHostPort(args.metricsHostPortBase, server.id),
                    hostIp: args.hostIp,
                    retainDataOnDelete: args.retainDataOnDelete,
                    labels: { ensemble: prefix },
                    auth,
                },
                // dependsOn only: a property reference would replace server i+1 whenever the gate is.
                { parent: this, dependsOn: previousGate ? [previousGate] : [] },
            );
            this.nodes.push(node);
            if (server.id < size) {
                const targetId = node.container.id;
                previousGate = gate(
                    `${name}-roll-gate-${server.id}`,
                    ROLL_GATE_COMPONENT,
                    pulumi.interpolate`gate-${server.id}-${targetId.apply((id) => id.substring(0, 12))}`,
                    renderRollGateScript({
                        target: server.host,
                        peers: servers.filter((s) => s.id !== server.id).map((s) => s.host),
                        timeoutSeconds,
                    }),
                    pulumi.interpolate`TARGET_CONTAINER_ID=${targetId}`,
                );
                this.rollGates.push(previousGate);
            }
        }

        const allIds = this.nodes.map((n) => n.container.id);
        this.readyGate = gate(
            `${name}-ready-gate`,
            READY_GATE_COMPONENT,
            pulumi.all(allIds).apply((ids) => `ready-${shortHash(ids.join(","))}`),
            renderReadyGateScript({ servers: servers.map((s) => s.host), timeoutSeconds }),
            pulumi.all(allIds).apply((ids) => `TARGET_CONTAINER_IDS=${ids.join(",")}`),
        );

        this.connectionString = pulumi.output(renderConnectionString(servers));
        const hostIp = args.hostIp ?? DEFAULT_HOST_IP;
        this.hostConnectionString = pulumi.output(
            args.clientHostPortBase === undefined
                ? undefined
                : servers.map((s) => `${hostIp}:${computeHostPort(args.clientHostPortBase, s.id)}`).join(","),
        );
        this.metricsTargets = servers.map((s) => ({
            address: `${s.host}:${METRICS_PORT}`,
            labels: { ensemble: prefix, server_id: String(s.id) },
        }));

        this.registerOutputs({
            connectionString: this.connectionString,
            hostConnectionString: this.hostConnectionString,
            network: this.network,
            nodes: this.nodes,
        });
    }
}

/** 12 hex characters identifying a set of container ids. */
export function shortHash(text: string): string {
    return createHash("sha256").update(text).digest("hex").substring(0, 12);
}
