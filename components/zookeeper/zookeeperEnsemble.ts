import { createHash } from "crypto";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { READY_GATE_COMPONENT, ROLL_GATE_COMPONENT, ScrapeTarget, computeNamePrefix, renderLabels } from "../shared/containerConventions";
import { ComponentArgumentsError, checkedInput, parseArgs } from "../shared/contract";
import { LEGACY_TYPES, ZOOKEEPER_ENSEMBLE_TYPE, withLegacyAlias } from "../shared/typeTokens";
import { createGate } from "./gates";
import { renderReadyGateScript, renderRollGateScript } from "./rollGates";
import { ZooKeeperEnsembleSettings, dockerHostName, networkNameField, zooKeeperEnsembleArgsSchema } from "./schema";
import { CLIENT_PORT, METRICS_PORT, ZooCfgSettings, ZooKeeperServerEntry } from "./zooCfg";
import { GENERATED_PASSWORD_LENGTH, QUORUM_USER, SUPER_USER, renderJaasConfig, renderSuperDigestJvmArgs } from "./zookeeperAuth";
import { ZooKeeperNode, ZooKeeperNodeAuth } from "./zookeeperNode";

/** Arguments of a ZooKeeper ensemble. */
export interface ZooKeeperEnsembleArgs {
    /** Number of servers: an odd integer 1..255 (1 = standalone). Default 3. Changing it on a deployed ensemble is not supported. */
    readonly size?: number;
    /** ZooKeeper image reference, e.g. `zookeeper:3.9.4`; it must exist locally or be pullable. */
    readonly image: string;
    /** Name of an existing Docker network to join; by default the ensemble creates its own (`<prefix>-net`). */
    readonly networkName?: pulumi.Input<string>;
    /** Prefix of every Docker object name (lower-case letters, digits, single dashes; at most 40 characters); default `<component name>-<stack>`, e.g. `zk-dev`. */
    readonly namePrefix?: string;
    /** Milliseconds per tick, 100..60000. Default 2000. */
    readonly tickTime?: number;
    /** Ticks a follower may take to connect and sync to the leader, 1..1000. Default 10. */
    readonly initLimit?: number;
    /** Ticks a follower may lag behind the leader, 1..1000. Default 5. */
    readonly syncLimit?: number;
    /** Concurrent connections per client IP, 0..10000; 0 = unlimited. Default 60. */
    readonly maxClientCnxns?: number;
    /** Hours between purges of old snapshots and logs, 0..8760; 0 disables. Default 1. */
    readonly autopurgeIntervalHours?: number;
    /** Snapshots kept by the purge, 3..1000. Default 3. */
    readonly autopurgeSnapRetainCount?: number;
    /** Four-letter-word whitelist; must include `srvr`. Default `srvr,mntr`. */
    readonly fourLetterWords?: string[];
    /** Additional zoo.cfg keys with single-line values; managed keys are refused. */
    readonly extraConfig?: { [key: string]: string };
    /** Memory limit per server in MB, 128..65536; the heap is half of it. Default 512. */
    readonly memoryMb?: number;
    /** CPU limit per server, greater than 0 and at most 256, e.g. 1.5. Default unlimited. */
    readonly cpus?: number;
    /** Publish server i's client port on host port base+i-1 (1024..65535). Not published when unset. */
    readonly clientHostPortBase?: number;
    /** Publish server i's metrics port on host port base+i-1 (1024..65535). Not published when unset. */
    readonly metricsHostPortBase?: number;
    /** IPv4 address published ports bind to. Default 127.0.0.1. */
    readonly hostIp?: string;
    /** Keep the data volumes when the ensemble is deleted. Default false. */
    readonly retainDataOnDelete?: boolean;
    /** Seconds, 10..3600, a gate waits for a server (or the whole ensemble) to serve before failing the update. Default 120. */
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
     * see `superUser`/`superPassword`), and a ClientAppService on this ensemble
     * authenticates with its own generated user and protects its znodes with
     * ACLs. Default false.
     */
    readonly clientDigest?: boolean;
}

/** One server as clients reach it on the ensemble network. */
export interface ZooKeeperServerEndpoint {
    /** The server's `myid`. */
    readonly id: number;
    /** Container name and host name on the ensemble network. */
    readonly host: string;
    /** Client port on that network. */
    readonly clientPort: number;
}

/** Members of an ensemble: ids 1..size and their host names `<prefix>-<id>`. */
export function computeServerEntries(prefix: string, size: number): ZooKeeperServerEntry[] {
    return Array.from({ length: size }, (_, i) => ({ id: i + 1, host: `${prefix}-${i + 1}` }));
}

/** `host:2181,...`, resolvable on the ensemble network. */
export function renderConnectionString(servers: readonly { host: string; clientPort?: number }[]): string {
    return servers.map((s) => `${s.host}:${s.clientPort ?? CLIENT_PORT}`).join(",");
}

/** Host port of member `index` (1-based) when ports are published from `base`, else undefined. */
export function computeHostPort(base: number | undefined, index: number): number | undefined {
    return base === undefined ? undefined : base + index - 1;
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
 * the ensemble can take requests. Depend on the ensemble to use it.
 */
export class ZooKeeperEnsemble extends pulumi.ComponentResource {
    /** Servers, ordered by id. */
    public readonly nodes: ZooKeeperNode[];
    /** The network the ensemble created; undefined when it joined `networkName`. */
    public readonly network?: docker.Network;
    /** Name of the ensemble's Docker network. */
    public readonly networkName: pulumi.Output<string>;
    /** Every server: id, host name and client port on the ensemble network. */
    public readonly servers: pulumi.Output<ZooKeeperServerEndpoint[]>;
    /** `host:2181,...` for clients on the ensemble network. */
    public readonly connectionString: pulumi.Output<string>;
    /** `127.0.0.1:port,...` for clients on the host, when client ports are published. */
    public readonly hostConnectionString: pulumi.Output<string | undefined>;
    /** Gates between consecutive servers (size - 1 of them). */
    public readonly rollGates: docker.Container[];
    /** Gate that passes once the whole ensemble serves. */
    public readonly readyGate: docker.Container;
    /** Metrics endpoints of every server, for Prometheus. */
    public readonly metricsTargets: ScrapeTarget[];
    /** Number of servers. */
    public readonly size: number;
    /** Prefix of the Docker object names, e.g. `zk-dev`. */
    public readonly namePrefix: string;
    /** Whether servers authenticate each other (auth.quorumSasl). */
    public readonly quorumSasl: boolean;
    /** Whether clients use digest authentication (auth.clientDigest). */
    public readonly clientDigest: boolean;
    /** The superuser's name for `addauth digest`, when auth.clientDigest is on: it bypasses every ACL. */
    public readonly superUser?: pulumi.Output<string>;
    /** The superuser's password (secret), when auth.clientDigest is on. */
    public readonly superPassword?: pulumi.Output<string>;
    /** Image id of the ensemble's image (bash, nc, zkCli.sh), for one-shot tool containers on its network. */
    public readonly toolsImageId: pulumi.Output<string>;

    constructor(name: string, args: ZooKeeperEnsembleArgs, opts?: pulumi.ComponentResourceOptions) {
        // Checked before super(): bad arguments register nothing.
        const settings = parseArgs("ZooKeeperEnsemble", name, zooKeeperEnsembleArgsSchema, args);
        const stack = pulumi.getStack();
        const prefix = settings.namePrefix ?? namePrefixOrThrow(name, stack);
        const servers = computeServerEntries(prefix, settings.size);
        const tooLong = servers.find((s) => !dockerHostName().safeParse(s.host).success);
        if (tooLong !== undefined) {
            throw new ComponentArgumentsError("ZooKeeperEnsemble", name, [
                `namePrefix: ${JSON.stringify(prefix)} is not allowed: server names such as ${tooLong.host} must be DNS labels of at most 63 characters`,
            ]);
        }
        super(ZOOKEEPER_ENSEMBLE_TYPE, name, args, withLegacyAlias(opts, LEGACY_TYPES.ZooKeeperEnsemble));
        this.size = settings.size;
        this.namePrefix = prefix;
        this.quorumSasl = settings.auth.quorumSasl;
        this.clientDigest = settings.auth.clientDigest;
        const labels = { stack, ensemble: prefix };

        const auth = this.createCredentials(name);
        this.network =
            settings.networkName === undefined
                ? new docker.Network(
                      `${name}-network`,
                      { name: `${prefix}-net`, driver: "bridge", labels: renderLabels({ ...labels, component: "network" }) },
                      { parent: this },
                  )
                : undefined;
        this.networkName =
            this.network?.name ??
            checkedInput("ZooKeeperEnsemble", name, "networkName", networkNameField(), settings.networkName as pulumi.Input<string>);

        // One image for the servers and the gates: it has bash, nc and zkCli.sh. Named as the
        // gates' image was, so that ensembles deployed with 0.1 keep it.
        const image = new docker.RemoteImage(`${name}-image`, { name: settings.image, keepLocally: true }, { parent: this, aliases: [{ name: `${name}-gate-image` }] });
        this.toolsImageId = image.imageId;

        this.nodes = [];
        this.rollGates = [];
        this.createServers(name, settings, servers, auth, labels);
        const allIds = this.nodes.map((n) => n.container.id);
        this.readyGate = createGate(
            `${name}-ready-gate`,
            {
                containerName: pulumi.all(allIds).apply((ids) => `${prefix}-ready-${shortHash(ids.join(","))}`),
                component: READY_GATE_COMPONENT,
                script: renderReadyGateScript({ servers: servers.map((s) => s.host), timeoutSeconds: settings.rollTimeoutSeconds }),
                targetEnv: pulumi.all(allIds).apply((ids) => `TARGET_CONTAINER_IDS=${ids.join(",")}`),
                imageId: this.toolsImageId,
                networkName: this.networkName,
                timeoutSeconds: settings.rollTimeoutSeconds,
                labels,
            },
            this,
        );

        this.servers = pulumi.output(servers.map((s) => ({ id: s.id, host: s.host, clientPort: CLIENT_PORT })));
        this.connectionString = pulumi.output(renderConnectionString(servers));
        this.hostConnectionString = pulumi.output(
            settings.clientHostPortBase === undefined
                ? undefined
                : servers.map((s) => `${settings.hostIp}:${computeHostPort(settings.clientHostPortBase, s.id)}`).join(","),
        );
        this.metricsTargets = servers.map((s) => ({
            address: `${s.host}:${METRICS_PORT}`,
            labels: { ensemble: prefix, server_id: String(s.id) },
        }));

        this.registerOutputs({
            nodes: this.nodes,
            network: this.network,
            networkName: this.networkName,
            servers: this.servers,
            connectionString: this.connectionString,
            hostConnectionString: this.hostConnectionString,
            rollGates: this.rollGates,
            readyGate: this.readyGate,
            metricsTargets: this.metricsTargets,
            size: this.size,
            namePrefix: this.namePrefix,
            quorumSasl: this.quorumSasl,
            clientDigest: this.clientDigest,
            superUser: this.superUser,
            superPassword: this.superPassword,
            toolsImageId: this.toolsImageId,
        });
    }

    /**
     * One set of credentials for the whole ensemble: every server gets the same files, so any
     * server can lead and a replaced server rejoins with what the others expect. The passwords
     * change only when these resources are replaced.
     */
    private createCredentials(name: string): ZooKeeperNodeAuth | undefined {
        const nodeAuth: { jaasConfig?: pulumi.Output<string>; superDigestArgs?: pulumi.Output<string> } = {};
        const password = (suffix: string) =>
            new random.RandomPassword(`${name}-${suffix}`, { length: GENERATED_PASSWORD_LENGTH, special: false }, { parent: this });
        if (this.quorumSasl) {
            const quorumPassword = password("quorum-password");
            nodeAuth.jaasConfig = pulumi.secret(quorumPassword.result.apply((pw) => renderJaasConfig({ user: QUORUM_USER, password: pw })));
        }
        if (this.clientDigest) {
            const superPassword = password("super-password");
            nodeAuth.superDigestArgs = pulumi.secret(superPassword.result.apply((pw) => renderSuperDigestJvmArgs({ user: SUPER_USER, password: pw })));
            (this as { superUser?: pulumi.Output<string> }).superUser = pulumi.output(SUPER_USER);
            (this as { superPassword?: pulumi.Output<string> }).superPassword = pulumi.secret(superPassword.result);
        }
        return nodeAuth.jaasConfig || nodeAuth.superDigestArgs ? nodeAuth : undefined;
    }

    /** The servers, each behind the roll gate of the one before it. */
    private createServers(
        name: string,
        settings: ZooKeeperEnsembleSettings,
        servers: ZooKeeperServerEntry[],
        auth: ZooKeeperNodeAuth | undefined,
        labels: Readonly<Record<string, string>>,
    ): void {
        const zooCfg: ZooCfgSettings = {
            tickTime: settings.tickTime,
            initLimit: settings.initLimit,
            syncLimit: settings.syncLimit,
            maxClientCnxns: settings.maxClientCnxns,
            autopurgeIntervalHours: settings.autopurgeIntervalHours,
            autopurgeSnapRetainCount: settings.autopurgeSnapRetainCount,
            fourLetterWords: settings.fourLetterWords,
            servers,
            extraConfig: settings.extraConfig,
            quorumSasl: this.quorumSasl,
        };
        let previousGate: docker.Container | undefined;
        for (const server of servers) {
            const node = new ZooKeeperNode(
                `${name}-${server.id}`,
                {
                    imageId: this.toolsImageId,
                    serverId: server.id,
                    hostname: server.host,
                    networkName: this.networkName,
                    zooCfg,
                    memoryMb: settings.memoryMb,
                    cpus: settings.cpus,
                    clientHostPort: computeHostPort(settings.clientHostPortBase, server.id),
                    metricsHostPort: computeHostPort(settings.metricsHostPortBase, server.id),
                    hostIp: settings.hostIp,
                    retainDataOnDelete: settings.retainDataOnDelete,
                    labels: { ensemble: this.namePrefix },
                    auth,
                },
                // dependsOn only: a property reference would replace server i+1 whenever the gate is.
                { parent: this, dependsOn: previousGate ? [previousGate] : [] },
            );
            this.nodes.push(node);
            if (server.id < servers.length) {
                const targetId = node.container.id;
                previousGate = createGate(
                    `${name}-roll-gate-${server.id}`,
                    {
                        // The id suffix makes each replacement a new container name.
                        containerName: pulumi.interpolate`${this.namePrefix}-gate-${server.id}-${targetId.apply((id) => id.substring(0, 12))}`,
                        component: ROLL_GATE_COMPONENT,
                        script: renderRollGateScript({
                            target: server.host,
                            peers: servers.filter((s) => s.id !== server.id).map((s) => s.host),
                            timeoutSeconds: settings.rollTimeoutSeconds,
                        }),
                        targetEnv: pulumi.interpolate`TARGET_CONTAINER_ID=${targetId}`,
                        imageId: this.toolsImageId,
                        networkName: this.networkName,
                        timeoutSeconds: settings.rollTimeoutSeconds,
                        labels,
                    },
                    this,
                );
                this.rollGates.push(previousGate);
            }
        }
    }
}

/** computeNamePrefix, its refusal reported like any other argument problem. */
function namePrefixOrThrow(name: string, stack: string): string {
    try {
        return computeNamePrefix(name, stack);
    } catch (error) {
        throw new ComponentArgumentsError("ZooKeeperEnsemble", name, [
            `name: ${JSON.stringify(name)} is not allowed: ${(error as Error).message}; set namePrefix instead`,
        ]);
    }
}

/** 12 hex characters identifying a set of container ids. */
export function shortHash(text: string): string {
    return createHash("sha256").update(text).digest("hex").substring(0, 12);
}
