import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import {
    DEFAULT_HOST_IP,
    LOG_DRIVER,
    LOG_OPTS,
    ScrapeTarget,
    computeNamePrefix,
    computePortBindings,
    renderLabels,
} from "./containerConventions";
import { ZooKeeperEnsemble, computeHostPort } from "./zookeeperEnsemble";

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
        super("zookeeper-docker:index:ClientAppService", name, args, opts);
        const hostIp = args.hostIp ?? DEFAULT_HOST_IP;
        const memoryMb = args.memoryMb ?? 192;
        const connect = args.ensemble.connectionString.apply((cs) => renderZooKeeperConnect(cs, args.chroot));

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
                        ],
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
                        labels: renderLabels({ stack, component: "client-app", replica: String(i) }),
                    },
                    // The app only makes sense once the ensemble serves.
                    { parent: this, dependsOn: [args.ensemble.readyGate], deleteBeforeReplace: true },
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
