import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { CONTAINER_USER, computeNamePrefix, renderLabels } from "../shared/containerConventions";
import { allowing, inputOf, parseArgs } from "../shared/contract";
import { SWARM_CLIENT_APP_TYPE } from "../shared/typeTokens";
import { APP_HEALTHCHECK_TEST, APP_PORT, APP_READY_TIMEOUT_SECONDS, renderZooKeeperConnect } from "../clientApp/clientAppService";
import { checkClientAppRules, clientAppFields } from "../clientApp/schema";
import { checkPublishing, swarmField } from "./ensembleSchema";
import { SwarmArgs } from "./ensembleArgs";
import { SWARM_NODE_LABEL } from "./schema";
import { SERVICE_TASK_DEFAULTS, createManagerProvider } from "./swarmObjects";
import { AppDiscovery } from "../monitoring/prometheusConfig";

/** Arguments of SwarmClientApp. */
export interface SwarmClientAppArgs {
    /** The ensemble: its connection string and overlay network (a ZooKeeperSwarmEnsemble has both). */
    readonly ensemble: { readonly connectionString: pulumi.Input<string>; readonly networkId: pulumi.Input<string> };
    readonly swarm: SwarmArgs;
    /** The app image; it must exist on every node. */
    readonly image: string;
    /** Replicas, at most one per node, 1..16. Default 1. */
    readonly replicas?: number;
    /** The app's root znode, e.g. `/my-app`. */
    readonly chroot?: string;
    /** Host-mode port of every replica (each on its own node), with swarm.publishHostPorts. */
    readonly hostPortBase?: number;
    /** Memory limit per replica in MB, 64..8192. Default 192. */
    readonly memoryMb?: number;
    /** Prefix of the service name; default `<name>-<stack>`. */
    readonly namePrefix?: string;
}

const { hostIp: _hostIp, ...appFields } = clientAppFields;

const swarmClientAppArgsSchema = z
    .strictObject({
        ensemble: allowing(
            z.object({ connectionString: inputOf(z.string().min(1)), networkId: inputOf(z.string().min(1)) }),
            "must be a ZooKeeperSwarmEnsemble, or an object with its connectionString and networkId",
        ),
        swarm: swarmField(),
        ...appFields,
    })
    .superRefine((args, ctx) => {
        checkClientAppRules({ replicas: args.replicas }, ctx);
        checkPublishing(args.swarm, { hostPortBase: args.hostPortBase }, ctx);
        if (args.replicas > args.swarm.nodes.length) {
            ctx.addIssue({
                code: "custom",
                path: ["replicas"],
                message: `must be at most the ${args.swarm.nodes.length} nodes of swarm.nodes: replicas run on distinct nodes`,
            });
        }
    });

/**
 * The sample client app as one replicated swarm service, at most one task per node, spread over
 * the nodes. Each task's replica id and host name come from `{{.Task.Slot}}`; Prometheus finds the
 * tasks through `tasks.<service>` (discovery).
 */
export class SwarmClientApp extends pulumi.ComponentResource {
    public readonly service: docker.Service;
    /** The service name: `tasks.<serviceName>` resolves to every running replica. */
    public readonly serviceName: string;
    /** How Prometheus finds the replicas. */
    public readonly discovery: AppDiscovery[];
    public readonly replicas: number;

    constructor(name: string, args: SwarmClientAppArgs, opts?: pulumi.ComponentResourceOptions) {
        const settings = parseArgs("SwarmClientApp", name, swarmClientAppArgsSchema, args);
        const stack = pulumi.getStack();
        const prefix = settings.namePrefix ?? computeNamePrefix(name, stack);
        super(SWARM_CLIENT_APP_TYPE, name, {}, opts);
        this.serviceName = prefix;
        this.replicas = settings.replicas;
        const provider = createManagerProvider(name, settings.swarm, this);
        const connect = pulumi.output(settings.ensemble.connectionString).apply((c) => renderZooKeeperConnect(c, settings.chroot));
        const host = `${prefix}-{{.Task.Slot}}`;
        const published = settings.swarm.publishHostPorts ? settings.hostPortBase : undefined;
        this.service = new docker.Service(
            `${name}-service`,
            {
                name: prefix,
                labels: renderLabels({ stack, component: "client-app" }),
                taskSpec: {
                    containerSpec: {
                        image: settings.image,
                        hostname: host,
                        user: CONTAINER_USER,
                        env: {
                            ZOOKEEPER_CONNECT: connect,
                            PORT: String(APP_PORT),
                            REPLICA_ID: host,
                            APP_ADVERTISED_HOST: host,
                        },
                        capDrops: ["ALL"],
                        stopGracePeriod: "15s",
                        sysctl: {},
                        healthcheck: { tests: [...APP_HEALTHCHECK_TEST], interval: "2s", timeout: "3s", retries: 3, startPeriod: "20s" },
                    },
                    resources: { limits: { memoryBytes: settings.memoryMb * 1024 * 1024 } },
                    placement: { maxReplicas: 1, prefs: [`spread=node.labels.${SWARM_NODE_LABEL}`] },
                    ...SERVICE_TASK_DEFAULTS,
                    networksAdvanceds: [{ id: settings.ensemble.networkId, aliases: [prefix] }],
                },
                mode: { replicated: { replicas: settings.replicas } },
                endpointSpec: {
                    mode: "dnsrr",
                    ports:
                        published === undefined
                            ? []
                            : [{ targetPort: APP_PORT, publishedPort: published, publishMode: "host", protocol: "tcp" }],
                },
                // One replica at a time, the old one stopped first: a node runs at most one.
                updateConfig: { parallelism: 1, order: "stop-first", failureAction: "pause", delay: "2s" },
                convergeConfig: { delay: "1s", timeout: `${APP_READY_TIMEOUT_SECONDS * 2}s` },
            },
            // The app only makes sense once the ensemble serves.
            { parent: this, provider, dependsOn: pulumi.Resource.isInstance(args.ensemble) ? [args.ensemble] : [] },
        );
        this.discovery = [{ name: `tasks.${prefix}`, port: APP_PORT, labels: { app: prefix } }];
        this.registerOutputs({ service: this.service, serviceName: this.serviceName, discovery: this.discovery, replicas: this.replicas });
    }
}
