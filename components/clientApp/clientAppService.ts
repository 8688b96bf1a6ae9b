import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import {
    ACL_SYNC_ROLE,
    DEFAULT_HOST_IP,
    LOG_DRIVER,
    LOG_OPTS,
    ScrapeTarget,
    computeNamePrefix,
    computePortBindings,
    renderLabels,
} from "../shared/containerConventions";
import { PASS_LINGER_SECONDS, PASS_MARKER } from "../zookeeper/rollGates";
import {
    GENERATED_PASSWORD_LENGTH,
    renderAclSyncScript,
    renderAclSyncSecrets,
    validateCredentials,
    validateUserName,
} from "../zookeeper/zookeeperAuth";
import { GATE_HEALTH_INTERVAL, ZooKeeperEnsemble, computeHostPort } from "../zookeeper/zookeeperEnsemble";
import { secretUpload } from "../zookeeper/zookeeperNode";

/** Arguments of the sample client application. */
export interface ClientAppServiceArgs {
    /** Ensemble the app uses; the app joins its network. */
    readonly ensemble: ZooKeeperEnsemble;
    /** App image name (built from app/); must exist locally or be pullable. */
    readonly image: string;
    /** Number of replicas, 1..16. Default 1. */
    readonly replicas?: number;
    /** Chroot appended to the connection string, e.g. `/my-app`. The znode must exist. Default none. */
    readonly chroot?: string;
    /** Publish replica i's HTTP port on host port base+i-1. Not published when unset. */
    readonly hostPortBase?: number;
    /** Host address published ports bind to. Default 127.0.0.1. */
    readonly hostIp?: string;
    /** Memory limit per replica in MB. Default 192. */
    readonly memoryMb?: number;
    /** Prefix of the container names; default `<component name>-<stack>`, e.g. `app-dev`. */
    readonly namePrefix?: string;
}

/** Port the app listens on inside its container. */
export const APP_PORT = 8080;

/** Where the app finds `user:password` (ZOOKEEPER_AUTH_FILE) when the ensemble uses digest auth. */
export const APP_AUTH_FILE = "/run/secrets/zookeeper_auth";
/** Secrets of the ACL sync container (renderAclSyncSecrets). */
export const ACL_SYNC_SECRETS_FILE = "/run/secrets/zookeeper_acl_sync";
/** How long the ACL sync may take before the deployment fails. */
export const ACL_SYNC_TIMEOUT_SECONDS = 120;

/** Znode whose subtree belongs to the app: its chroot, else `/app` (the parent of its default config, members and election znodes). */
export function computeAppRoot(chroot?: string): string {
    if (chroot === undefined) {
        return "/app";
    }
    validateChroot(chroot);
    return chroot;
}

/** Health check that needs nothing but the node binary the app image already has. */
export const APP_HEALTHCHECK_TEST: readonly string[] = Object.freeze([
    "CMD",
    "node",
    "-e",
    `fetch('http://127.0.0.1:${APP_PORT}/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))`,
]);

/** Checks a replica count. */
export function validateReplicas(replicas: number): void {
    if (!Number.isInteger(replicas) || replicas < 1 || replicas > 16) {
        throw new Error(`replicas ${replicas} is not allowed: must be an integer between 1 and 16`);
    }
}

/** Checks a chroot: an absolute znode path without a trailing slash. */
export function validateChroot(chroot: string): void {
    if (!/^(\/[A-Za-z0-9_.-]+)+$/.test(chroot) || chroot.split("/").some((seg) => seg === "." || seg === "..") || chroot === "/zookeeper" || chroot.startsWith("/zookeeper/")) {
        throw new Error(
            `chroot "${chroot}" is not allowed: must be an absolute znode path such as /my-app (letters, digits, '.', '_', '-'; no trailing slash; not under /zookeeper)`,
        );
    }
}

/** The app's ZOOKEEPER_CONNECT: the ensemble's servers plus the optional chroot. */
export function renderZooKeeperConnect(connectionString: string, chroot?: string): string {
    if (chroot === undefined) {
        return connectionString;
    }
    validateChroot(chroot);
    return `${connectionString}${chroot}`;
}

/**
 * The sample client application: `replicas` containers on the ensemble's
 * network, configured through their environment, created only once the
 * ensemble serves.
 */
export class ClientAppService extends pulumi.ComponentResource {
    public readonly containers: docker.Container[];
    /** Host-side base URLs, one per replica, where HTTP ports are published; else empty. */
    public readonly urls: pulumi.Output<string[]>;
    /** In-network `/metrics` endpoints, for Prometheus. */
    public readonly metricsTargets: ScrapeTarget[];
    public readonly image: docker.RemoteImage;
    /** `user:password` (secret) the replicas authenticate with, when the ensemble uses digest auth. Operators write the config znode as this user. */
    public readonly zookeeperCredentials?: pulumi.Output<string>;
    /** One-shot container that gives the app's existing znodes the app's current ACL, when the ensemble uses digest auth. */
    public readonly aclSync?: docker.Container;

    constructor(name: string, args: ClientAppServiceArgs, opts?: pulumi.ComponentResourceOptions) {
        // Validated before super() so that bad arguments register nothing.
        const replicas = args.replicas ?? 1;
        validateReplicas(replicas);
        if (args.chroot !== undefined) {
            validateChroot(args.chroot);
        }
        const stack = pulumi.getStack();
        const prefix = args.namePrefix ?? computeNamePrefix(name, stack);
        for (let i = 1; i <= replicas; i++) {
            computeHostPort(args.hostPortBase, i);
        }
        if (args.ensemble.clientDigestEnabled) {
            // The app's ZooKeeper user is its name prefix, e.g. app-prod.
            validateUserName("client app", prefix);
        }
        super("zookeeper-docker:index:ClientAppService", name, args, opts);
        const hostIp = args.hostIp ?? DEFAULT_HOST_IP;
        const memoryMb = args.memoryMb ?? 192;
        const connect = args.ensemble.connectionString.apply((cs) => renderZooKeeperConnect(cs, args.chroot));
        const labels = { stack, component: "client-app" };

        // Digest auth: the app's own generated identity. The password reaches the
        // replicas only as a file (ZOOKEEPER_AUTH_FILE), never as an env var.
        const user = prefix;
        const authUploads: ReturnType<typeof secretUpload>[] = [];
        const authEnvs: string[] = [];
        const readyDeps: pulumi.Resource[] = [args.ensemble.readyGate];
        if (args.ensemble.clientDigestEnabled) {
            const superCredentials = args.ensemble.superCredentials;
            if (superCredentials === undefined) {
                throw new Error("the ensemble uses digest auth but has no superuser credentials");
            }
            const password = new random.RandomPassword(
                `${name}-zookeeper-password`,
                { length: GENERATED_PASSWORD_LENGTH, special: false },
                { parent: this },
            );
            const credentials = password.result.apply((pw) => {
                validateCredentials("client app", { user, password: pw });
                return `${user}:${pw}`;
            });
            this.zookeeperCredentials = pulumi.secret(credentials);
            authUploads.push(secretUpload(APP_AUTH_FILE, this.zookeeperCredentials));
            authEnvs.push(`ZOOKEEPER_AUTH_FILE=${APP_AUTH_FILE}`);

            // Znodes kept from an earlier identity (retained volumes reattached by a new
            // stack, a rotated password) would lock the app out: hand them over first.
            const secrets = pulumi
                .all([superCredentials, password.result])
                .apply(([sup, pw]) => {
                    const i = sup.indexOf(":");
                    return renderAclSyncSecrets({ user: sup.substring(0, i), password: sup.substring(i + 1) }, { user, password: pw });
                });
            const script = args.ensemble.connectionString.apply((cs) =>
                renderAclSyncScript({
                    servers: cs.split(","),
                    root: computeAppRoot(args.chroot),
                    timeoutSeconds: ACL_SYNC_TIMEOUT_SECONDS,
                    secretsFile: ACL_SYNC_SECRETS_FILE,
                    passMarker: PASS_MARKER,
                    lingerSeconds: PASS_LINGER_SECONDS,
                }),
            );
            this.aclSync = new docker.Container(
                `${name}-acl-sync`,
                {
                    name: `${prefix}-acl-sync`,
                    // The ensemble's image: it has bash and zkCli.sh.
                    image: args.ensemble.toolsImageId,
                    entrypoints: ["/bin/bash", "-c"],
                    command: [script],
                    networksAdvanced: [{ name: args.ensemble.network.name }],
                    // Replaced, and so run again, whenever a credential changes.
                    uploads: [secretUpload(ACL_SYNC_SECRETS_FILE, secrets)],
                    // Like the ensemble's gates: `wait` fails the update unless the pass
                    // marker appears, and returns as soon as it does (no `attach`, so
                    // zkCli's output never reaches the state; `docker logs` keeps it).
                    healthcheck: { tests: ["CMD", "test", "-f", PASS_MARKER], interval: GATE_HEALTH_INTERVAL, timeout: "2s", retries: 3 },
                    wait: true,
                    waitTimeout: ACL_SYNC_TIMEOUT_SECONDS + 30,
                    mustRun: false,
                    rm: false,
                    restart: "no",
                    memory: 192,
                    memorySwap: 192,
                    user: "1000:1000",
                    capabilities: { drops: ["ALL"] },
                    logDriver: LOG_DRIVER,
                    logOpts: { ...LOG_OPTS },
                    labels: renderLabels({ ...labels, role: ACL_SYNC_ROLE }),
                },
                { parent: this, dependsOn: [args.ensemble.readyGate], deleteBeforeReplace: true },
            );
            readyDeps.push(this.aclSync);
        }

        this.image = new docker.RemoteImage(`${name}-image`, { name: args.image, keepLocally: true }, { parent: this });

        this.containers = [];
        const urls: string[] = [];
        this.metricsTargets = [];
        for (let i = 1; i <= replicas; i++) {
            const host = `${prefix}-${i}`;
            const hostPort = computeHostPort(args.hostPortBase, i);
            this.containers.push(
                new docker.Container(
                    `${name}-${i}`,
                    {
                        name: host,
                        hostname: host,
                        image: this.image.imageId,
                        envs: [
                            pulumi.interpolate`ZOOKEEPER_CONNECT=${connect}`,
                            `PORT=${APP_PORT}`,
                            `REPLICA_ID=${host}`,
                            `APP_ADVERTISED_HOST=${host}`,
                            ...authEnvs,
                        ],
                        ...(authUploads.length > 0 ? { uploads: authUploads } : {}),
                        networksAdvanced: [{ name: args.ensemble.network.name, aliases: [host] }],
                        ports: computePortBindings([{ internal: APP_PORT, external: hostPort }], args.hostIp),
                        healthcheck: {
                            tests: [...APP_HEALTHCHECK_TEST],
                            interval: "5s",
                            timeout: "3s",
                            retries: 3,
                            startPeriod: "20s",
                        },
                        memory: memoryMb,
                        memorySwap: memoryMb,
                        user: "1000:1000",
                        capabilities: { drops: ["ALL"] },
                        restart: "unless-stopped",
                        stopTimeout: 15,
                        destroyGraceSeconds: 15,
                        logDriver: LOG_DRIVER,
                        logOpts: { ...LOG_OPTS },
                        labels: renderLabels({ ...labels, replica: String(i) }),
                    },
                    // The app only makes sense once the ensemble serves (and its znodes are its own).
                    { parent: this, dependsOn: readyDeps, deleteBeforeReplace: true },
                ),
            );
            if (hostPort !== undefined) {
                urls.push(`http://${hostIp}:${hostPort}`);
            }
            this.metricsTargets.push({ address: `${host}:${APP_PORT}`, labels: { replica: String(i), app: prefix } });
        }
        this.urls = pulumi.output(urls);

        this.registerOutputs({ containers: this.containers, urls: this.urls, metricsTargets: this.metricsTargets });
    }
}
