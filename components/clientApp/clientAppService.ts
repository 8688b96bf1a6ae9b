import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { z } from "zod";
import { CONTAINER_USER, ScrapeTarget, computeNamePrefix, computePortBindings } from "../shared/containerConventions";
import { ComponentArgumentsError, checkedInput, parseArgs } from "../shared/contract";
import { hardenedContainer } from "../shared/hardenedContainer";
import { CLIENT_APP_SERVICE_TYPE, LEGACY_TYPES, withLegacyAlias } from "../shared/typeTokens";
import { imageIdField, networkNameField } from "../zookeeper/schema";
import { ZooKeeperServerEndpoint } from "../zookeeper/ensembleArgs";
import { computeHostPort, renderConnectionString } from "../zookeeper/members";
import { GENERATED_PASSWORD_LENGTH, userNameProblem, validateCredentials } from "../zookeeper/zookeeperAuth";
import { secretUpload } from "../zookeeper/zookeeperNode";
import { createAclSync } from "./aclSync";
import { chrootProblem, clientAppServiceArgsSchema, serversField } from "./schema";

/** Arguments of the sample client application. */
export interface ClientAppServiceArgs {
    /** The ensemble the app uses (a ZooKeeperEnsemble, or its outputs); the app joins its network and starts once it serves. */
    readonly ensemble: ClientAppEnsemble;
    /** App image reference (built from app/); it must exist locally or be pullable. */
    readonly image: string;
    /** Number of replicas, 1..16. Default 1. */
    readonly replicas?: number;
    /** Chroot appended to the connection string, e.g. `/my-app`. The znode must exist. Default none. */
    readonly chroot?: string;
    /** Publish replica i's HTTP port on host port base+i-1 (1024..65535). Not published when unset. */
    readonly hostPortBase?: number;
    /** IPv4 address published ports bind to. Default 127.0.0.1. */
    readonly hostIp?: string;
    /** Memory limit per replica in MB, 64..8192. Default 192. */
    readonly memoryMb?: number;
    /** Prefix of the container names (lower-case letters, digits, single dashes; at most 40 characters); default `<component name>-<stack>`, e.g. `app-dev`. */
    readonly namePrefix?: string;
}

/** What the app uses of its ensemble; a ZooKeeperEnsemble has all of it. */
export interface ClientAppEnsemble {
    /** Every server: id, host and client port on the ensemble network. */
    readonly servers: pulumi.Input<ZooKeeperServerEndpoint[]>;
    /** Name of the ensemble's Docker network. */
    readonly networkName: pulumi.Input<string>;
    /** Id of an image with bash and zkCli.sh (the ensemble's), for the ACL sync. */
    readonly toolsImageId: pulumi.Input<string>;
    /** Whether the ensemble uses digest authentication; the app then gets its own user and ACLs. */
    readonly clientDigest: boolean;
    /** The ensemble's superuser name, with clientDigest. */
    readonly superUser?: pulumi.Input<string>;
    /** The ensemble's superuser password (secret), with clientDigest. */
    readonly superPassword?: pulumi.Input<string>;
}

/** Port the app listens on inside its container. */
export const APP_PORT = 8080;

/** Where the app finds `user:password` (ZOOKEEPER_AUTH_FILE) when the ensemble uses digest auth. */
export const APP_AUTH_FILE = "/run/secrets/zookeeper_auth";
/** Znode whose subtree belongs to the app: its chroot, else `/app` (the parent of its default config, members and election znodes). */
export function computeAppRoot(chroot?: string): string {
    if (chroot === undefined) {
        return "/app";
    }
    assertChroot(chroot);
    return chroot;
}

/** Health check that needs nothing but the node binary the app image already has. */
export const APP_HEALTHCHECK_TEST: readonly string[] = Object.freeze([
    "CMD",
    "node",
    "-e",
    `fetch('http://127.0.0.1:${APP_PORT}/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))`,
]);

/** Seconds a replica may take to pass its health check before the update fails. */
export const APP_READY_TIMEOUT_SECONDS = 60;

/** The app's ZOOKEEPER_CONNECT: the ensemble's servers plus the optional chroot. */
export function renderZooKeeperConnect(connectionString: string, chroot?: string): string {
    if (chroot === undefined) {
        return connectionString;
    }
    assertChroot(chroot);
    return `${connectionString}${chroot}`;
}

/** Renderers may be called with any chroot; the component's schema has already checked its own. */
function assertChroot(chroot: string): void {
    const problem = chrootProblem(chroot);
    if (problem !== undefined) {
        throw new Error(`chroot ${JSON.stringify(chroot)} is not allowed: ${problem}`);
    }
}

/**
 * The sample client application: `replicas` containers on the ensemble's
 * network, configured through their environment, created only once the
 * ensemble serves (it depends on the ensemble when given a ZooKeeperEnsemble;
 * callers passing plain outputs add `dependsOn` themselves).
 */
export class ClientAppService extends pulumi.ComponentResource {
    /** The replicas' containers, ordered by replica id. */
    public readonly containers: docker.Container[];
    /** Host-side base URLs, one per replica, where HTTP ports are published; else empty. */
    public readonly urls: pulumi.Output<string[]>;
    /** In-network `/metrics` endpoints, for Prometheus. */
    public readonly metricsTargets: ScrapeTarget[];
    /** The app's image, as resolved on the Docker host. */
    public readonly image: docker.RemoteImage;
    /** The ZooKeeper user the replicas authenticate as, when the ensemble uses digest auth. */
    public readonly zookeeperUser?: pulumi.Output<string>;
    /** Its password (secret). Operators write the config znode as this user. */
    public readonly zookeeperPassword?: pulumi.Output<string>;
    /** One-shot container that gives the app's existing znodes the app's current ACL, when the ensemble uses digest auth. */
    public readonly aclSync?: docker.Container;

    constructor(name: string, args: ClientAppServiceArgs, opts?: pulumi.ComponentResourceOptions) {
        // Checked before super(): bad arguments register nothing.
        const settings = parseArgs("ClientAppService", name, clientAppServiceArgsSchema, args, ["ensemble.superPassword"]);
        const stack = pulumi.getStack();
        const prefix = settings.namePrefix ?? computeNamePrefix(name, stack);
        // The app's ZooKeeper user is its name prefix, e.g. app-prod.
        const user = prefix;
        if (settings.ensemble.clientDigest) {
            const problem = userNameProblem(user);
            if (problem !== undefined) {
                throw new ComponentArgumentsError("ClientAppService", name, [
                    `namePrefix: ${JSON.stringify(prefix)} is not allowed: as the app's ZooKeeper user it ${problem}`,
                ]);
            }
        }
        super(CLIENT_APP_SERVICE_TYPE, name, args, withLegacyAlias(opts, LEGACY_TYPES.ClientAppService));
        const ensemble = settings.ensemble;
        const check = <T>(path: string, schema: z.ZodType<T>, input: pulumi.Input<T>) =>
            checkedInput("ClientAppService", name, path, schema, input);
        const servers = check("ensemble.servers", serversField(), ensemble.servers);
        const networkName = check("ensemble.networkName", networkNameField(), ensemble.networkName);
        const connect = servers.apply((s) => renderZooKeeperConnect(renderConnectionString(s), settings.chroot));
        const labels = { stack, component: "client-app" };
        // Readiness is ordering, never a property: a replaced gate must not replace the app.
        const ensembleDeps: pulumi.Resource[] = pulumi.Resource.isInstance(args.ensemble) ? [args.ensemble] : [];

        // Digest auth: the app's own generated identity. The password reaches the
        // replicas only as a file (ZOOKEEPER_AUTH_FILE), never as an env var.
        const authUploads: ReturnType<typeof secretUpload>[] = [];
        const authEnvs: string[] = [];
        const readyDeps: pulumi.Resource[] = [...ensembleDeps];
        if (ensemble.clientDigest) {
            const password = new random.RandomPassword(
                `${name}-zookeeper-password`,
                { length: GENERATED_PASSWORD_LENGTH, special: false },
                { parent: this },
            );
            const credentials = password.result.apply((pw) => {
                validateCredentials("client app", { user, password: pw });
                return `${user}:${pw}`;
            });
            this.zookeeperUser = pulumi.output(user);
            this.zookeeperPassword = pulumi.secret(password.result);
            authUploads.push(secretUpload(APP_AUTH_FILE, pulumi.secret(credentials)));
            authEnvs.push(`ZOOKEEPER_AUTH_FILE=${APP_AUTH_FILE}`);
            this.aclSync = createAclSync(
                `${name}-acl-sync`,
                {
                    containerName: `${prefix}-acl-sync`,
                    servers: servers.apply((s) => s.map((server) => `${server.host}:${server.clientPort}`)),
                    root: computeAppRoot(settings.chroot),
                    superUser: ensemble.superUser!,
                    superPassword: ensemble.superPassword!,
                    appUser: user,
                    appPassword: password.result,
                    imageId: check("ensemble.toolsImageId", imageIdField(), ensemble.toolsImageId),
                    networkName,
                    labels,
                },
                { parent: this, dependsOn: ensembleDeps },
            );
            readyDeps.push(this.aclSync);
        }

        this.image = new docker.RemoteImage(`${name}-image`, { name: settings.image, keepLocally: true }, { parent: this });

        this.containers = [];
        const urls: string[] = [];
        this.metricsTargets = [];
        // Replicas roll one at a time: replica i+1 waits for replica i, which the provider only
        // reports created once its health check passes (`wait`), so with two or more replicas some
        // replica always serves while a changed connection string (a size change) rolls them.
        let previous: docker.Container | undefined;
        for (let i = 1; i <= settings.replicas; i++) {
            const host = `${prefix}-${i}`;
            const hostPort = computeHostPort(settings.hostPortBase, i);
            this.containers.push(
                hardenedContainer(
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
                        networksAdvanced: [{ name: networkName, aliases: [host] }],
                        ports: computePortBindings([{ internal: APP_PORT, external: hostPort }], settings.hostIp),
                        healthcheck: {
                            tests: [...APP_HEALTHCHECK_TEST],
                            interval: "2s",
                            timeout: "3s",
                            retries: 3,
                            startPeriod: "20s",
                        },
                        wait: true,
                        waitTimeout: APP_READY_TIMEOUT_SECONDS,
                        memoryMb: settings.memoryMb,
                        user: CONTAINER_USER,
                        restart: "unless-stopped",
                        stopTimeout: 15,
                        destroyGraceSeconds: 15,
                        labels: { ...labels, replica: String(i) },
                    },
                    // The app only makes sense once the ensemble serves (and its znodes are its own).
                    { parent: this, dependsOn: previous ? [...readyDeps, previous] : readyDeps, deleteBeforeReplace: true },
                ),
            );
            previous = this.containers[this.containers.length - 1];
            if (hostPort !== undefined) {
                urls.push(`http://${settings.hostIp}:${hostPort}`);
            }
            this.metricsTargets.push({ address: `${host}:${APP_PORT}`, labels: { replica: String(i), app: prefix } });
        }
        this.urls = pulumi.output(urls);

        this.registerOutputs({
            containers: this.containers,
            urls: this.urls,
            metricsTargets: this.metricsTargets,
            image: this.image,
            zookeeperUser: this.zookeeperUser,
            zookeeperPassword: this.zookeeperPassword,
            aclSync: this.aclSync,
        });
    }
}
