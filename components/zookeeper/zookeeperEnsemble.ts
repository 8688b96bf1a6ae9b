import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { LABEL_VALUES, ScrapeTarget, computeNamePrefix, renderLabels } from "../shared/containerConventions";
import { ComponentArgumentsError, checkedInput, parseArgs } from "../shared/contract";
import { LEGACY_TYPES, ZOOKEEPER_ENSEMBLE_TYPE, withLegacyAlias } from "../shared/typeTokens";
import { backupScrapeTargets, computeSnapshotIntervalMs, createBackupAgents, createBackupStorage } from "../backup/backupAgents";
import { createGate } from "./gates";
import { SUPER_AUTH_FILE, renderSuperAuthSecret } from "./gateShell";
import { renderPreflightScript } from "./preflight";
import { renderReadyGateScript, renderRollGateScript } from "./rollGates";
import { ZooKeeperEnsembleSettings, dockerHostName, networkNameField, zooKeeperEnsembleArgsSchema } from "./schema";
import { CLIENT_PORT, ZooCfgSettings, ZooKeeperServerEntry } from "./zooCfg";
import { createEnsembleCredentials } from "./credentials";
import { computeHostPort, computeServerEntries, renderConnectionString, renderServerScrapeTargets, shortHash } from "./members";
import { ZooKeeperEnsembleArgs, ZooKeeperServerEndpoint } from "./ensembleArgs";
import { ZooKeeperNode, ZooKeeperNodeAuth, secretUpload } from "./zookeeperNode";

export type { ZooKeeperAuthArgs, ZooKeeperBackupArgs, ZooKeeperEnsembleArgs, ZooKeeperServerEndpoint } from "./ensembleArgs";

/**
 * The servers of each ensemble, kept outside the instance: the schema of the multi-language package
 * is inferred from the class's properties, and a reference to one of this package's own components
 * cannot cross a language boundary (Pulumi's analyzer refuses it). TypeScript callers read `nodes`;
 * every other language reads `serverContainers`.
 */
const ensembleNodes = new WeakMap<ZooKeeperEnsemble, ZooKeeperNode[]>();

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
 *
 * Size changes are membership changes: no server's container depends on the
 * other members (membership.ts). A pre-flight check runs before the first
 * server; a new server joins through its seed step and its gate
 * (`reconfig -add`), one at a time; the ready gate removes servers beyond
 * `size` (`reconfig -remove`) before Pulumi deletes their containers.
 */
export class ZooKeeperEnsemble extends pulumi.ComponentResource {
    /** The servers' containers, ordered by id. */
    public readonly serverContainers: docker.Container[];
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
    /** The superuser's name for `addauth digest`: it bypasses every ACL and may reconfig. Every ensemble has one. */
    public readonly superUser: pulumi.Output<string>;
    /** The superuser's password (secret). */
    public readonly superPassword: pulumi.Output<string>;
    /** One-shot check of the live membership before any server changes. */
    public readonly preflight: docker.Container;
    /** Image id of the ensemble's image (bash, nc, zkCli.sh), for one-shot tool containers on its network. */
    public readonly toolsImageId: pulumi.Output<string>;
    /** The backups volume (`<prefix>-backups`, kept on delete), with `backup` set. */
    public readonly backupsVolume?: docker.Volume;
    /** One backup agent per server, ordered by id, with `backup` set. */
    public readonly backupAgents: docker.Container[];
    /** The backup agents' metrics endpoints, for Prometheus (empty without `backup`). */
    public readonly backupMetricsTargets: ScrapeTarget[];
    /** Seconds between scheduled backups, with `backup` set: the monitoring's alert on stale backups is derived from it. */
    public readonly backupIntervalSeconds?: number;
    /** Verifies `backup.restoreFrom` before any seed step runs, with it set. */
    public readonly restoreCheck?: docker.Container;

    /** Servers, ordered by id (TypeScript only; other languages use `serverContainers`). */
    public get nodes(): ZooKeeperNode[] {
        return ensembleNodes.get(this) ?? [];
    }

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

        const credentials = createEnsembleCredentials(name, this, { quorumSasl: this.quorumSasl });
        const auth = credentials.nodeAuth;
        this.superUser = credentials.superUser;
        this.superPassword = credentials.superPassword;
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

        // One image for the servers and the gates: it has bash, nc and zkCli.sh. The alias takes
        // over 0.1's gate image resource, so ensembles deployed with 0.1 keep it.
        const image = new docker.RemoteImage(
            `${name}-image`,
            { name: settings.image, keepLocally: true },
            { parent: this, aliases: [{ name: `${name}-gate-image` }] },
        );
        this.toolsImageId = image.imageId;

        const superAuth = [
            secretUpload(
                SUPER_AUTH_FILE,
                pulumi.all([this.superUser, this.superPassword]).apply(([user, password]) => renderSuperAuthSecret(user, password)),
            ),
        ];
        const settingsHash = computeSettingsHash(settings);
        this.preflight = createGate(
            `${name}-preflight`,
            {
                containerName: `${prefix}-preflight`,
                component: LABEL_VALUES.preflightComponent,
                script: renderPreflightScript({ servers, namePrefix: prefix, settingsHash, timeoutSeconds: settings.rollTimeoutSeconds }),
                targetEnv: `SERVERS=${servers.length}`,
                imageId: this.toolsImageId,
                networkName: this.networkName,
                timeoutSeconds: settings.rollTimeoutSeconds,
                labels,
            },
            this,
        );

        const backupEnsemble = {
            name,
            namePrefix: prefix,
            servers,
            imageId: this.toolsImageId,
            labels,
            superAuth,
        };
        const storage = settings.backup === undefined ? undefined : createBackupStorage(backupEnsemble, settings.backup, this);
        this.backupsVolume = storage?.volume;
        this.restoreCheck = storage?.restoreCheck;
        this.backupIntervalSeconds = settings.backup?.intervalSeconds;

        ensembleNodes.set(this, []);
        this.rollGates = [];
        this.createServers(name, settings, servers, auth, labels, superAuth, storage?.verifiedBackupId);
        this.serverContainers = this.nodes.map((n) => n.container);
        this.backupAgents =
            storage === undefined ? [] : createBackupAgents(backupEnsemble, settings.backup!, storage.volume, this.serverContainers, this);
        this.backupMetricsTargets = settings.backup === undefined ? [] : backupScrapeTargets(prefix, servers);
        const allIds = this.nodes.map((n) => n.container.id);
        this.readyGate = createGate(
            `${name}-ready-gate`,
            {
                containerName: pulumi.all(allIds).apply((ids) => `${prefix}-ready-${shortHash(ids.join(","))}`),
                component: LABEL_VALUES.readyGateComponent,
                script: renderReadyGateScript({ servers, settingsHash, timeoutSeconds: settings.rollTimeoutSeconds }),
                uploads: superAuth,
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
        this.metricsTargets = renderServerScrapeTargets(prefix, servers);

        this.registerOutputs({
            serverContainers: this.serverContainers,
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
            preflight: this.preflight,
            toolsImageId: this.toolsImageId,
            backupsVolume: this.backupsVolume,
            backupAgents: this.backupAgents,
            backupMetricsTargets: this.backupMetricsTargets,
            backupIntervalSeconds: this.backupIntervalSeconds,
            restoreCheck: this.restoreCheck,
        });
    }

    /** The servers, each behind the roll gate of the one before it. */
    private createServers(
        name: string,
        settings: ZooKeeperEnsembleSettings,
        servers: ZooKeeperServerEntry[],
        auth: ZooKeeperNodeAuth | undefined,
        labels: Readonly<Record<string, string>>,
        superAuth: docker.types.input.ContainerUpload[],
        verifiedBackupId: pulumi.Output<string> | undefined,
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
            backupSnapshotIntervalMs: settings.backup === undefined ? undefined : computeSnapshotIntervalMs(settings.backup),
        };
        const restore =
            settings.backup?.restoreFrom === undefined || verifiedBackupId === undefined || this.backupsVolume === undefined
                ? undefined
                : { backupId: settings.backup.restoreFrom, volumeName: this.backupsVolume.name, verified: verifiedBackupId };
        let previousGate: docker.Container = this.preflight;
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
                // Every seed step runs once the pre-flight check has passed; the container waits for
                // the previous server's gate too. dependsOn only: a property reference would replace
                // server i+1 whenever the gate is.
                { parent: this, dependsOn: [this.preflight, ...(this.restoreCheck === undefined ? [] : [this.restoreCheck])] },
                { startAfter: [previousGate], restore },
            );
            this.nodes.push(node);
            if (server.id < servers.length) {
                const targetId = node.container.id;
                previousGate = createGate(
                    `${name}-roll-gate-${server.id}`,
                    {
                        // The id suffix makes each replacement a new container name.
                        containerName: pulumi.interpolate`${this.namePrefix}-gate-${server.id}-${targetId.apply((id) => id.substring(0, 12))}`,
                        component: LABEL_VALUES.rollGateComponent,
                        script: renderRollGateScript({ target: server, timeoutSeconds: settings.rollTimeoutSeconds }),
                        uploads: superAuth,
                        // The gate reads the target's membership there (renderRollGateScript).
                        volumes: [{ volumeName: node.dataVolume.name, containerPath: "/data", readOnly: true }],
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

/**
 * Hash of everything that shapes the servers' containers (size and a restore's source excepted), recorded with the
 * membership by the ready gate: the pre-flight check refuses a size change that comes with any
 * other server change.
 */
export function computeSettingsHash(settings: ZooKeeperEnsembleSettings): string {
    const { size: _size, rollTimeoutSeconds: _timeout, networkName: _network, backup, ...others } = settings;
    // restoreFrom changes no server that has data; the rest of `backup` shapes zoo.cfg.
    const { restoreFrom: _restoreFrom, ...backupShape } = backup ?? {};
    const rest = backup === undefined ? others : { ...others, backup: backupShape };
    // Keys sorted at every level: a replacer array would also drop every nested key (auth's, extraConfig's).
    const sortedKeys = (_key: string, value: unknown) =>
        value !== null && typeof value === "object" && !Array.isArray(value)
            ? Object.fromEntries(
                  Object.keys(value)
                      .sort()
                      .map((k) => [k, (value as Record<string, unknown>)[k]]),
              )
            : value;
    return shortHash(JSON.stringify(rest, sortedKeys));
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
