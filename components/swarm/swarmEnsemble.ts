import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import {
    LABEL_VALUES,
    SCRATCH_TMPFS_BYTES,
    SCRATCH_TMPFS_MODE,
    ScrapeTarget,
    computeNamePrefix,
    renderLabels,
    unmountedImageVolumes,
} from "../shared/containerConventions";
import { ComponentArgumentsError, parseArgs } from "../shared/contract";
import { ZOOKEEPER_SWARM_ENSEMBLE_TYPE } from "../shared/typeTokens";
import { createEnsembleCredentials } from "../zookeeper/credentials";
import { createGate } from "../zookeeper/gates";
import { SUPER_AUTH_FILE, renderSuperAuthSecret } from "../zookeeper/gateShell";
import { computeHostPort, computeServerEntries, renderConnectionString, renderServerScrapeTargets, shortHash } from "../zookeeper/members";
import { renderSeedScript } from "../zookeeper/membership";
import { renderPreflightScript } from "../zookeeper/preflight";
import { renderReadyGateScript, renderRollGateScript } from "../zookeeper/rollGates";
import { DEFAULT_ROLL_TIMEOUT_SECONDS, dockerHostName } from "../zookeeper/schema";
import { CLIENT_PORT } from "../zookeeper/zooCfg";
import { secretUpload } from "../zookeeper/zookeeperNode";
import { ZooKeeperServerEndpoint } from "../zookeeper/ensembleArgs";
import { computeSettingsHash } from "../zookeeper/zookeeperEnsemble";
import { ZooKeeperSwarmEnsembleArgs } from "./ensembleArgs";
import { ZooKeeperSwarmEnsembleSettings, zooKeeperSwarmEnsembleArgsSchema } from "./ensembleSchema";
import { nodeOfServer } from "./schema";
import { renderServerTask } from "./serverService";
import { SERVICE_TASK_DEFAULTS, STOP_FIRST_UPDATE, SwarmProviders, createSwarmFiles, createSwarmProviders } from "./swarmObjects";

/** Why a swarm ensemble refuses a size change (its pre-flight check says it). */
export const SWARM_RESIZE_REFUSAL = "a swarm ensemble cannot change size yet; deploy a new ensemble of the size you need, or keep this one";

/**
 * A ZooKeeper ensemble on a Docker Swarm: one service per server id, pinned by the node label
 * `zookeeper-docker.host` to its own node, with `dnsrr` endpoints on an attachable overlay network.
 * Each server's volumes, seed step and roll gate live on its node, through that node's provider.
 *
 * Services update in place, so the gates of the single-host ensemble, keyed on a container id,
 * would never run again: gate i is keyed on a hash of server i's rendered spec instead, and server
 * i+1's service depends on it; services stop their old task first. One server at a time, across
 * hosts. Size changes are refused (SWARM_RESIZE_REFUSAL) by the pre-flight check.
 */
export class ZooKeeperSwarmEnsemble extends pulumi.ComponentResource {
    /** The servers' services, ordered by id. */
    public readonly services: docker.Service[];
    /** The attachable overlay network. */
    public readonly network: docker.Network;
    public readonly networkName: pulumi.Output<string>;
    /** Its id: services attach to a network by id. */
    public readonly networkId: pulumi.Output<string>;
    public readonly servers: pulumi.Output<ZooKeeperServerEndpoint[]>;
    /** `host:2181,...` on the overlay network. */
    public readonly connectionString: pulumi.Output<string>;
    /** `address:port,...` of the published client ports, when published and every node has an address. */
    public readonly hostConnectionString: pulumi.Output<string | undefined>;
    /** The node label each server is pinned to, by id. */
    public readonly serverNodes: Record<string, string>;
    public readonly dataVolumes: docker.Volume[];
    public readonly rollGates: docker.Container[];
    public readonly readyGate: docker.Container;
    public readonly preflight: docker.Container;
    public readonly metricsTargets: ScrapeTarget[];
    public readonly size: number;
    public readonly namePrefix: string;
    public readonly superUser: pulumi.Output<string>;
    public readonly superPassword: pulumi.Output<string>;
    /** Rendered spec hash of each server's service, by id: its roll gate runs again when it changes. */
    public readonly specHashes: Record<string, string>;

    constructor(name: string, args: ZooKeeperSwarmEnsembleArgs, opts?: pulumi.ComponentResourceOptions) {
        const settings = parseArgs("ZooKeeperSwarmEnsemble", name, zooKeeperSwarmEnsembleArgsSchema, args);
        const stack = pulumi.getStack();
        const prefix = settings.namePrefix ?? prefixOrThrow(name, stack);
        const servers = computeServerEntries(prefix, settings.size);
        if (!servers.every((s) => dockerHostName().safeParse(s.host).success)) {
            throw new ComponentArgumentsError("ZooKeeperSwarmEnsemble", name, [
                `namePrefix: ${JSON.stringify(prefix)} is not allowed: server names must be DNS labels`,
            ]);
        }
        super(ZOOKEEPER_SWARM_ENSEMBLE_TYPE, name, args, opts);
        this.size = settings.size;
        this.namePrefix = prefix;
        const labels = { stack, ensemble: prefix };
        const providers = createSwarmProviders(name, settings.swarm, this);
        const onManager = { parent: this, provider: providers.manager };

        const credentials = createEnsembleCredentials(name, this, { quorumSasl: settings.auth.quorumSasl });
        this.superUser = credentials.superUser;
        this.superPassword = credentials.superPassword;
        this.network = new docker.Network(
            `${name}-network`,
            {
                name: settings.swarm.encryptedOverlay ? `${prefix}-encrypted-net` : `${prefix}-net`,
                driver: "overlay",
                attachable: true,
                options: settings.swarm.encryptedOverlay ? { encrypted: "true" } : {},
                labels: renderLabels({ ...labels, component: "network" }),
            },
            // The daemon adds the overlay's VXLAN id to the options it reports, and the bridge
            // cannot ignore one key of them: every later update would replace the network, which
            // the services still use. Encryption is in the name instead, so a change still replaces.
            { ...onManager, ignoreChanges: ["options"] },
        );
        this.networkName = this.network.name;
        this.networkId = this.network.id;
        const imageIds = new Map<string, pulumi.Output<string>>();
        for (const [label, provider] of providers.byLabel) {
            const image = new docker.RemoteImage(
                `${name}-image-${label}`,
                { name: settings.image, keepLocally: true },
                { parent: this, provider },
            );
            imageIds.set(label, image.imageId);
        }
        const managerImage = imageIds.get(providers.managerLabel)!;
        const superAuth = [
            secretUpload(
                SUPER_AUTH_FILE,
                pulumi.all([this.superUser, this.superPassword]).apply(([u, p]) => renderSuperAuthSecret(u, p)),
            ),
        ];
        const settingsHash = computeSettingsHash({ ...settings, swarm: undefined } as never);
        this.preflight = createGate(
            `${name}-preflight`,
            {
                containerName: `${prefix}-preflight`,
                component: LABEL_VALUES.preflightComponent,
                script: renderPreflightScript({
                    servers,
                    namePrefix: prefix,
                    settingsHash,
                    timeoutSeconds: settings.rollTimeoutSeconds,
                    refuseSizeChange: SWARM_RESIZE_REFUSAL,
                }),
                targetEnv: `SERVERS=${servers.length}`,
                imageId: managerImage,
                networkName: this.networkName,
                timeoutSeconds: settings.rollTimeoutSeconds,
                labels,
                provider: providers.manager,
                scratchVolumes: true,
            },
            this,
        );

        this.serverNodes = Object.fromEntries(servers.map((s) => [String(s.id), nodeOfServer(settings.swarm, s.id).label]));
        this.services = [];
        this.dataVolumes = [];
        this.rollGates = [];
        this.specHashes = {};
        this.createServers(name, settings, providers, imageIds, credentials.nodeAuth, labels, superAuth);

        this.readyGate = createGate(
            `${name}-ready-gate`,
            {
                containerName: `${prefix}-ready-${shortHash(Object.values(this.specHashes).join(","))}`,
                component: LABEL_VALUES.readyGateComponent,
                script: renderReadyGateScript({ servers, settingsHash, timeoutSeconds: settings.rollTimeoutSeconds }),
                uploads: superAuth,
                targetEnv: `TARGET_SPECS=${Object.values(this.specHashes).join(",")}`,
                imageId: managerImage,
                networkName: this.networkName,
                timeoutSeconds: settings.rollTimeoutSeconds,
                labels,
                provider: providers.manager,
                scratchVolumes: true,
            },
            this,
            this.services,
        );

        this.servers = pulumi.output(servers.map((s) => ({ id: s.id, host: s.host, clientPort: CLIENT_PORT })));
        this.connectionString = pulumi.output(renderConnectionString(servers));
        const addresses = servers.map((s) => nodeOfServer(settings.swarm, s.id).address);
        this.hostConnectionString = pulumi.output(
            settings.clientHostPortBase === undefined || addresses.some((a) => a === undefined)
                ? undefined
                : servers.map((s, i) => `${addresses[i]}:${computeHostPort(settings.clientHostPortBase, s.id)}`).join(","),
        );
        this.metricsTargets = renderServerScrapeTargets(prefix, servers);

        this.registerOutputs({
            services: this.services,
            network: this.network,
            networkName: this.networkName,
            networkId: this.networkId,
            servers: this.servers,
            connectionString: this.connectionString,
            hostConnectionString: this.hostConnectionString,
            serverNodes: this.serverNodes,
            dataVolumes: this.dataVolumes,
            rollGates: this.rollGates,
            readyGate: this.readyGate,
            preflight: this.preflight,
            metricsTargets: this.metricsTargets,
            size: this.size,
            namePrefix: this.namePrefix,
            superUser: this.superUser,
            superPassword: this.superPassword,
            specHashes: this.specHashes,
        });
    }

    /** Per server, on its node: volumes, seed step, service, and the gate the next server waits for. */
    private createServers(
        name: string,
        settings: ZooKeeperSwarmEnsembleSettings,
        providers: SwarmProviders,
        imageIds: Map<string, pulumi.Output<string>>,
        nodeAuth: { jaasConfig?: pulumi.Input<string>; superDigestArgs?: pulumi.Input<string> },
        labels: Record<string, string>,
        superAuth: docker.types.input.ContainerUpload[],
    ): void {
        const servers = computeServerEntries(this.namePrefix, settings.size);
        const zooCfg = {
            tickTime: settings.tickTime,
            initLimit: settings.initLimit,
            syncLimit: settings.syncLimit,
            maxClientCnxns: settings.maxClientCnxns,
            autopurgeIntervalHours: settings.autopurgeIntervalHours,
            autopurgeSnapRetainCount: settings.autopurgeSnapRetainCount,
            fourLetterWords: settings.fourLetterWords,
            servers,
            extraConfig: settings.extraConfig,
            quorumSasl: settings.auth.quorumSasl,
        };
        let previousGate: docker.Container = this.preflight;
        for (const server of servers) {
            const node = nodeOfServer(settings.swarm, server.id);
            const provider = providers.byLabel.get(node.label)!;
            const onNode = { parent: this, provider };
            const serverLabels = { ...labels, component: LABEL_VALUES.serverComponent, "server-id": String(server.id) };
            // On the node: a provider change (the server moved) replaces them, and the seed step
            // then joins the server to the live configuration from an empty volume.
            const volume = (kind: string) =>
                new docker.Volume(
                    `${name}-${server.id}-${kind}`,
                    { name: `${server.host}-${kind}`, labels: renderLabels({ ...serverLabels, volume: kind }) },
                    { ...onNode, retainOnDelete: settings.retainDataOnDelete, dependsOn: [this.preflight] },
                );
            const data = volume("data");
            const datalog = volume("datalog");
            this.dataVolumes.push(data);
            const seed = createGate(
                `${name}-${server.id}-seed`,
                {
                    containerName: `${server.host}-seed`,
                    component: LABEL_VALUES.seedComponent,
                    script: renderSeedScript({ id: server.id, host: server.host, servers, timeoutSeconds: DEFAULT_ROLL_TIMEOUT_SECONDS }),
                    targetEnv: `SERVER_ID=${server.id}`,
                    imageId: imageIds.get(node.label)!,
                    networkName: this.networkName,
                    timeoutSeconds: DEFAULT_ROLL_TIMEOUT_SECONDS,
                    labels,
                    volumes: [{ volumeName: data.name, containerPath: "/data" }],
                    provider,
                    scratchVolumes: true,
                },
                this,
                [this.preflight],
            );
            const task = renderServerTask({
                id: server.id,
                host: server.host,
                image: settings.image,
                zooCfg,
                memoryMb: settings.memoryMb,
                cpus: settings.cpus,
                nodeLabel: node.label,
                clientHostPort: computeHostPort(settings.clientHostPortBase, server.id),
                metricsHostPort: computeHostPort(settings.metricsHostPortBase, server.id),
                quorumSasl: settings.auth.quorumSasl,
            });
            this.specHashes[String(server.id)] = task.specHash;
            const secretContents: Record<string, pulumi.Input<string> | undefined> = {
                "super-digest": nodeAuth.superDigestArgs,
                jaas: nodeAuth.jaasConfig,
            };
            const files = createSwarmFiles(
                server.host,
                {
                    configs: task.configs,
                    secrets: Object.fromEntries(
                        Object.entries(task.secretFiles).map(([key, file]) => [
                            key,
                            // Generated credentials: their content changes only with the RandomPassword resource.
                            { file, content: secretContents[key]!, contentKey: `${name}:${key}:v1` },
                        ]),
                    ),
                },
                { provider: providers.manager, parent: this, labels: renderLabels(serverLabels) },
            );
            const namedMounts = [
                { type: "volume", source: data.name, target: "/data" },
                { type: "volume", source: datalog.name, target: "/datalog" },
            ];
            const service = new docker.Service(
                // The label in the name puts it in every message about the service, e.g. a converge
                // timeout when no node carries it; the aliases keep a move between nodes an update.
                `${name}-${server.id}-on-${node.label}`,
                {
                    name: server.host,
                    labels: renderLabels({ ...serverLabels, "spec-hash": task.specHash }),
                    taskSpec: {
                        containerSpec: {
                            image: settings.image,
                            hostname: server.host,
                            user: "1000:1000",
                            commands: task.commands,
                            env: task.env,
                            capDrops: ["ALL"],
                            stopGracePeriod: task.stopGracePeriod,
                            configs: files.configs,
                            secrets: files.secrets,
                            mounts: [
                                ...namedMounts,
                                // No anonymous volume at the image's other VOLUME paths (ZOOKEEPER_IMAGE_VOLUMES).
                                ...unmountedImageVolumes(namedMounts.map((m) => m.target)).map((target) => ({
                                    type: "tmpfs",
                                    target,
                                    tmpfsOptions: { sizeBytes: SCRATCH_TMPFS_BYTES, mode: SCRATCH_TMPFS_MODE },
                                })),
                            ],
                            sysctl: {},
                            healthcheck: task.healthcheck,
                        },
                        resources: {
                            limits: { memoryBytes: task.memoryBytes, ...(task.nanoCpus === undefined ? {} : { nanoCpus: task.nanoCpus }) },
                        },
                        placement: { constraints: [task.constraint] },
                        ...SERVICE_TASK_DEFAULTS,
                        networksAdvanceds: [{ id: this.network.id, aliases: [server.host] }],
                    },
                    mode: { replicated: { replicas: 1 } },
                    endpointSpec: { mode: "dnsrr", ports: task.ports },
                    updateConfig: { ...STOP_FIRST_UPDATE },
                    convergeConfig: { delay: "1s", timeout: `${settings.rollTimeoutSeconds}s` },
                },
                {
                    parent: this,
                    provider: providers.manager,
                    dependsOn: [seed, previousGate],
                    aliases: settings.swarm.nodes
                        .filter((n) => n.label !== node.label)
                        .map((n) => ({ name: `${name}-${server.id}-on-${n.label}` })),
                },
            );
            this.services.push(service);
            if (server.id < servers.length) {
                previousGate = createGate(
                    `${name}-roll-gate-${server.id}`,
                    {
                        containerName: `${this.namePrefix}-gate-${server.id}-${task.specHash}`,
                        component: LABEL_VALUES.rollGateComponent,
                        script: renderRollGateScript({ target: server, timeoutSeconds: settings.rollTimeoutSeconds }),
                        uploads: superAuth,
                        volumes: [{ volumeName: data.name, containerPath: "/data", readOnly: true }],
                        targetEnv: `TARGET_SPEC=${task.specHash}`,
                        imageId: imageIds.get(node.label)!,
                        networkName: this.networkName,
                        timeoutSeconds: settings.rollTimeoutSeconds,
                        labels,
                        provider,
                        scratchVolumes: true,
                    },
                    this,
                    [service],
                );
                this.rollGates.push(previousGate);
            }
        }
    }
}

function prefixOrThrow(name: string, stack: string): string {
    try {
        return computeNamePrefix(name, stack);
    } catch (error) {
        throw new ComponentArgumentsError("ZooKeeperSwarmEnsemble", name, [
            `name: ${JSON.stringify(name)} is not allowed: ${(error as Error).message}; set namePrefix instead`,
        ]);
    }
}
