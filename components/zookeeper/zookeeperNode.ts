import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { CONTAINER_USER, LABEL_VALUES, computePortBindings, renderLabels } from "../shared/containerConventions";
import { allowing, checkedInput, parseArgs } from "../shared/contract";
import { imageReference } from "../shared/fields";
import { hardenedContainer } from "../shared/hardenedContainer";
import { LEGACY_TYPES, ZOOKEEPER_NODE_TYPE, withLegacyAlias } from "../shared/typeTokens";
import { imageIdField, networkNameField, zooKeeperNodeArgsSchema } from "./schema";
import {
    CLIENT_PORT,
    METRICS_PORT,
    JVM_SECURITY_OVERRIDES_FILE,
    ZooCfgSettings,
    computeHeapMb,
    renderJvmFlags,
    renderJvmSecurityOverrides,
    renderSrvrQuery,
    renderZooCfg,
} from "./zooCfg";
import { createGate } from "./gates";
import { SERVING_MODES } from "./gateShell";
import { START_SCRIPT_FILE, ZOO_CFG_TEMPLATE_FILE, renderSeedScript, renderServerStartScript } from "./membership";
import { DEFAULT_ROLL_TIMEOUT_SECONDS } from "./schema";
import { RESTORE_SOURCE_DIR } from "../backup/schema";
import { JAAS_CONFIG_FILE, SUPER_DIGEST_ARGS_FILE, renderServerJvmFlags } from "./zookeeperAuth";

/** Arguments of one ZooKeeper server. */
export interface ZooKeeperNodeArgs {
    /** Image name, e.g. `zookeeper:3.9.4`, resolved with a RemoteImage; it must exist locally or be pullable. Give this or `imageId`. */
    readonly image?: pulumi.Input<string>;
    /** Id (`sha256:...`) of an image the caller already resolved, as ZooKeeperEnsemble does. Give this or `image`. */
    readonly imageId?: pulumi.Input<string>;
    /** The server's `myid`, 1..255, one of `zooCfg.servers`. Tied to its volumes: keep it stable. */
    readonly serverId: number;
    /** Container name, host name and network alias; a DNS label. */
    readonly hostname: string;
    /** Name of the Docker network the server joins. */
    readonly networkName: pulumi.Input<string>;
    /** zoo.cfg settings, identical for every member (see renderZooCfg); `servers` only seeds a new server's membership. */
    readonly zooCfg: ZooCfgSettings;
    /** Container memory limit in MB, 128..65536; the heap is half of it (see computeHeapMb). Default 512. */
    readonly memoryMb?: number;
    /** CPU limit, e.g. 1.5 (greater than 0, at most 256). Unlimited when unset. */
    readonly cpus?: number;
    /** Host port (1024..65535) for the client port 2181; not published when unset. */
    readonly clientHostPort?: number;
    /** Host port (1024..65535) for the metrics port 7000; not published when unset. */
    readonly metricsHostPort?: number;
    /** IPv4 address published ports bind to. Default 127.0.0.1. */
    readonly hostIp?: string;
    /** Keep the data volumes when the server is deleted (prod). Default false. */
    readonly retainDataOnDelete?: boolean;
    /** Extra labels (without the package prefix), e.g. the ensemble. */
    readonly labels?: { [key: string]: string };
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

/**
 * Health check that passes only when the server actually serves requests:
 * a running JVM that has not joined a quorum answers `srvr` without a Mode.
 * In quorum mode a single server is a leader.
 */
export const ZOOKEEPER_HEALTHCHECK_TEST: readonly string[] = Object.freeze([
    "CMD-SHELL",
    `${renderSrvrQuery("127.0.0.1")} | grep -qE '^Mode: (${SERVING_MODES.join("|")})'`,
]);

/**
 * Health check for a swarm server's task: the JVM answers `srvr` at all, serving or not. Swarm
 * replaces an unhealthy task, so a readiness check there would kill a server that waits for its
 * peers (the first server of a new ensemble, the servers of a cut-off minority) over and over;
 * whether a server serves is the roll gates' question.
 */
export const ZOOKEEPER_LIVENESS_TEST: readonly string[] = Object.freeze([
    "CMD-SHELL",
    `${renderSrvrQuery("127.0.0.1")} | grep -qE '^(Mode: |This ZooKeeper instance is not currently serving requests)'`,
]);

/** Seconds a server gets to stop before docker kills its start wrapper too (it stops at once, see renderServerStartScript). */
export const SERVER_STOP_SECONDS = 30;

/**
 * One ZooKeeper server: a container with its static configuration uploaded,
 * its identity, membership, data and transaction log on named volumes that
 * survive container replacement, and a one-shot seed step before it that
 * writes the server's first membership file (see membership.ts). Nothing in
 * the container's inputs depends on the other members, so a size change
 * replaces no server that stays.
 *
 * Resource options' `dependsOn` applies to the seed step (and so to the
 * container after it) only, so that the component, its volumes and its image
 * register at once: the engine does not walk an ensemble's gate chain for them
 * on a preview or a first deployment.
 */
export class ZooKeeperNode extends pulumi.ComponentResource {
    /** The server's id (`myid`), 1..255. */
    public readonly serverId: number;
    /** Its host name on the ensemble network. */
    public readonly hostname: string;
    /** The server's container. */
    public readonly container: docker.Container;
    /** Volume of the snapshots and the membership files (`/data`). */
    public readonly dataVolume: docker.Volume;
    /** Volume of the transaction log (`/datalog`). */
    public readonly datalogVolume: docker.Volume;
    /** One-shot step that writes the server's first membership file onto its data volume. */
    public readonly seed: docker.Container;
    /** The RemoteImage the node resolved, when it was given `image` rather than `imageId`. */
    public readonly image?: docker.RemoteImage;

    /**
     * @param ordering @internal How an ensemble orders its servers: the container also waits for
     * `startAfter` (the previous server's roll gate), the seed step does not, so that every
     * server's seed step can run at the start of an update instead of one after the other.
     * `restore`: the seed step of a new ensemble's empty volume copies that backup's snapshot from
     * the backups volume (components/backup/restoreScripts.ts).
     */
    constructor(
        name: string,
        args: ZooKeeperNodeArgs,
        opts?: pulumi.ComponentResourceOptions,
        ordering?: { startAfter?: pulumi.Resource[]; restore?: RestoreSource },
    ) {
        // Checked before super(): bad arguments register nothing.
        const settings = parseArgs("ZooKeeperNode", name, zooKeeperNodeArgsSchema, args, ["auth.jaasConfig", "auth.superDigestArgs"]);
        const zooCfgText = renderZooCfg(settings.zooCfg);
        const heapMb = computeHeapMb(settings.memoryMb);
        const serverJvmFlags = renderServerJvmFlags({
            quorumSasl: settings.zooCfg.quorumSasl,
            superDigest: settings.auth?.superDigestArgs !== undefined,
        });
        super(ZOOKEEPER_NODE_TYPE, name, args, { ...withLegacyAlias(opts, LEGACY_TYPES.ZooKeeperNode), dependsOn: undefined });
        this.serverId = settings.serverId;
        this.hostname = settings.hostname;
        const stack = pulumi.getStack();
        const labels = {
            stack,
            component: LABEL_VALUES.serverComponent,
            "server-id": String(settings.serverId),
            ...settings.labels,
        };
        const check = <T>(path: string, schema: z.ZodType<T>, input: pulumi.Input<T>, secret = false) =>
            checkedInput("ZooKeeperNode", name, path, schema, input, secret);

        let imageId: pulumi.Input<string>;
        if (settings.imageId !== undefined) {
            imageId = check("imageId", imageIdField(), settings.imageId);
        } else {
            // The provider stores a container's image as its sha256 id; passing a
            // tag would show a diff on every preview.
            this.image = new docker.RemoteImage(
                `${name}-image`,
                { name: check("image", imageReference("zookeeper:3.9.4"), settings.image!), keepLocally: true },
                { parent: this },
            );
            imageId = this.image.imageId;
        }

        const volumeOpts = { parent: this, retainOnDelete: settings.retainDataOnDelete };
        this.dataVolume = new docker.Volume(
            `${name}-data`,
            { name: `${settings.hostname}-data`, labels: renderLabels({ ...labels, volume: "data" }) },
            volumeOpts,
        );
        this.datalogVolume = new docker.Volume(
            `${name}-datalog`,
            { name: `${settings.hostname}-datalog`, labels: renderLabels({ ...labels, volume: "datalog" }) },
            volumeOpts,
        );

        this.seed = createGate(
            `${name}-seed`,
            {
                containerName: `${settings.hostname}-seed`,
                component: LABEL_VALUES.seedComponent,
                script: renderSeedScript({
                    id: settings.serverId,
                    host: settings.hostname,
                    servers: settings.zooCfg.servers.map((s) => ({ id: s.id, host: s.host })),
                    timeoutSeconds: DEFAULT_ROLL_TIMEOUT_SECONDS,
                    restoreFrom: ordering?.restore?.backupId,
                }),
                // With a restore, the step waits for the restore check's verdict (and fails with it).
                targetEnv:
                    ordering?.restore === undefined
                        ? `SERVER_ID=${settings.serverId}`
                        : ordering.restore.verified.apply(() => `SERVER_ID=${settings.serverId}`),
                imageId,
                networkName: check("networkName", networkNameField(), settings.networkName),
                timeoutSeconds: DEFAULT_ROLL_TIMEOUT_SECONDS,
                labels: { stack, ...settings.labels },
                volumes: [
                    { volumeName: this.dataVolume.name, containerPath: "/data" },
                    ...(ordering?.restore === undefined
                        ? []
                        : [{ volumeName: ordering.restore.volumeName, containerPath: RESTORE_SOURCE_DIR, readOnly: true }]),
                ],
            },
            this,
            opts?.dependsOn,
        );

        const auth = settings.auth;
        this.container = hardenedContainer(
            `${name}-container`,
            {
                name: settings.hostname,
                hostname: settings.hostname,
                image: imageId,
                networksAdvanced: [{ name: check("networkName", networkNameField(), settings.networkName), aliases: [settings.hostname] }],
                // The start script writes zoo.cfg and myid on the data volume (membership.ts).
                entrypoints: ["/bin/bash", START_SCRIPT_FILE],
                uploads: [
                    { file: ZOO_CFG_TEMPLATE_FILE, content: zooCfgText },
                    { file: START_SCRIPT_FILE, content: renderServerStartScript() },
                    // Named in JVMFLAGS: DNS caching suited to peers that are containers.
                    { file: JVM_SECURITY_OVERRIDES_FILE, content: renderJvmSecurityOverrides() },
                    ...(auth?.jaasConfig === undefined
                        ? []
                        : [secretUpload(JAAS_CONFIG_FILE, check("auth.jaasConfig", SECRET_TEXT, auth.jaasConfig, true))]),
                    ...(auth?.superDigestArgs === undefined
                        ? []
                        : [secretUpload(SUPER_DIGEST_ARGS_FILE, check("auth.superDigestArgs", SECRET_TEXT, auth.superDigestArgs, true))]),
                ],
                volumes: [
                    { volumeName: this.dataVolume.name, containerPath: "/data" },
                    { volumeName: this.datalogVolume.name, containerPath: "/datalog" },
                ],
                envs: [
                    `ZOO_MY_ID=${settings.serverId}`,
                    `JVMFLAGS=${renderJvmFlags(heapMb)}`,
                    `ZK_SERVER_HEAP=${heapMb}`,
                    // Server-only, and no secret: the credentials are in the uploaded files.
                    ...(serverJvmFlags === undefined ? [] : [`SERVER_JVMFLAGS=${serverJvmFlags}`]),
                ],
                memoryMb: settings.memoryMb,
                cpus: settings.cpus === undefined ? undefined : String(settings.cpus),
                ports: computePortBindings(
                    [
                        { internal: CLIENT_PORT, external: settings.clientHostPort },
                        { internal: METRICS_PORT, external: settings.metricsHostPort },
                    ],
                    settings.hostIp,
                ),
                healthcheck: {
                    tests: [...ZOOKEEPER_HEALTHCHECK_TEST],
                    interval: "2s",
                    timeout: "4s",
                    retries: 3,
                    startPeriod: "30s",
                },
                user: CONTAINER_USER,
                restart: "unless-stopped",
                stopTimeout: SERVER_STOP_SECONDS,
                destroyGraceSeconds: SERVER_STOP_SECONDS,
                labels,
            },
            // After the seed, which comes after opts.dependsOn: ordering is transitive.
            { parent: this, dependsOn: [this.seed, ...(ordering?.startAfter ?? [])], deleteBeforeReplace: true },
        );

        this.registerOutputs({
            serverId: this.serverId,
            hostname: this.hostname,
            container: this.container,
            dataVolume: this.dataVolume,
            datalogVolume: this.datalogVolume,
            seed: this.seed,
            image: this.image,
        });
    }
}

/** @internal Where a new ensemble's seed steps restore from (ZooKeeperEnsemble's backup.restoreFrom). */
export interface RestoreSource {
    backupId: string;
    /** The backups volume, mounted read-only. */
    volumeName: pulumi.Input<string>;
    /** The backup id once the restore check has verified it; an error otherwise. */
    verified: pulumi.Output<string>;
}

/** Secret file contents: checked once known, never shown. */
const SECRET_TEXT = allowing(z.string().min(1), "must be non-empty text");
