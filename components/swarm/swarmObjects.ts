/**
 * The docker objects every swarm component makes the same way: a provider per node, the files a
 * service reads as swarm configs and secrets, and the spec fields the provider would otherwise
 * show as a change on every preview (test/multihost/provider.smoke.test.ts found them).
 * @internal
 */
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { CONTAINER_USER, LOG_DRIVER, LOG_OPTS } from "../shared/containerConventions";
import { shortHash } from "../zookeeper/members";
import { SwarmNode, SwarmSettings, managerNode } from "./schema";

/** The docker providers of a swarm: one per node, by label, and the manager's. */
export interface SwarmProviders {
    byLabel: ReadonlyMap<string, docker.Provider>;
    manager: docker.Provider;
    managerLabel: string;
}

/**
 * One provider per node. Two components on the same swarm each make their own (a provider is
 * cheap), named after the component so that neither reads the other's resources.
 */
export function createSwarmProviders(name: string, swarm: SwarmSettings, parent: pulumi.Resource): SwarmProviders {
    const byLabel = new Map<string, docker.Provider>();
    for (const node of swarm.nodes) {
        byLabel.set(node.label, new docker.Provider(`${name}-${node.label}`, providerArgs(node), { parent }));
    }
    const manager = managerNode(swarm);
    return { byLabel, manager: byLabel.get(manager.label)!, managerLabel: manager.label };
}

/** The manager's provider alone, for a component that only makes services. */
export function createManagerProvider(name: string, swarm: SwarmSettings, parent: pulumi.Resource): docker.Provider {
    const manager = managerNode(swarm);
    return new docker.Provider(`${name}-${manager.label}`, providerArgs(manager), { parent });
}

function providerArgs(node: SwarmNode): docker.ProviderArgs {
    return {
        host: node.host,
        ...(node.tls === undefined
            ? {}
            : {
                  caMaterial: pulumi.secret(node.tls.caPem),
                  certMaterial: pulumi.secret(node.tls.certPem),
                  keyMaterial: pulumi.secret(node.tls.keyPem),
              }),
    };
}

/** A file a service reads: a swarm config, or a secret when its content is. */
export interface SwarmFile {
    /** Where the task sees it. */
    file: string;
    content: pulumi.Input<string>;
    /** Octal mode; 0444 for configs, 0400 for secrets by default. */
    mode?: number;
    /**
     * What decides the content, as plain text, for the resource name: swarm objects cannot change
     * in place and one in use cannot be deleted, so new content must be a new resource, created
     * before the service moves to it. Secrets from generated credentials give the template and the
     * credentials' resource names here; their content never changes while those resources stay.
     */
    contentKey?: string;
}

/** Config and secret references of a service's container spec. */
export interface SwarmFileRefs {
    configs: docker.types.input.ServiceTaskSpecContainerSpecConfig[];
    secrets: docker.types.input.ServiceTaskSpecContainerSpecSecret[];
}

const [UID, GID] = CONTAINER_USER.split(":");

/**
 * The configs (plain files) and secrets of one service, named `<base>-<key>-<hash>`: a change of
 * content is a new object under a new name.
 */
export function createSwarmFiles(
    base: string,
    files: { configs: Record<string, SwarmFile>; secrets: Record<string, SwarmFile> },
    opts: { provider: docker.Provider; parent: pulumi.Resource; labels: { label: string; value: string }[]; dependsOn?: pulumi.Resource[] },
    owner: { uid: string; gid: string } = { uid: UID, gid: GID },
): SwarmFileRefs {
    const refs: SwarmFileRefs = { configs: [], secrets: [] };
    const labels = opts.labels;
    const keyOf = (key: string, f: SwarmFile) => {
        if (f.contentKey === undefined && typeof f.content !== "string") {
            throw new Error(`swarm file ${base}-${key}: content known only at deployment needs a contentKey`);
        }
        return shortHash(f.contentKey ?? (f.content as string)).substring(0, 10);
    };
    for (const [key, f] of Object.entries(files.configs)) {
        const hash = keyOf(key, f);
        const config = new docker.ServiceConfig(
            `${base}-${key}-${hash}`,
            {
                name: `${base}-${key}-${hash}`,
                data: pulumi.output(f.content).apply((text) => Buffer.from(text).toString("base64")),
                labels,
            },
            { provider: opts.provider, parent: opts.parent, dependsOn: opts.dependsOn },
        );
        refs.configs.push({
            configId: config.id,
            configName: config.name,
            fileName: f.file,
            fileUid: owner.uid,
            fileGid: owner.gid,
            fileMode: f.mode ?? 0o444,
        });
    }
    for (const [key, f] of Object.entries(files.secrets)) {
        const hash = keyOf(key, f);
        const secret = new docker.Secret(
            `${base}-${key}-${hash}`,
            {
                name: `${base}-${key}-${hash}`,
                data: pulumi.secret(pulumi.output(f.content).apply((text) => Buffer.from(text).toString("base64"))),
                labels,
            },
            { provider: opts.provider, parent: opts.parent, dependsOn: opts.dependsOn },
        );
        refs.secrets.push({
            secretId: secret.id,
            secretName: secret.name,
            fileName: f.file,
            fileUid: owner.uid,
            fileGid: owner.gid,
            fileMode: f.mode ?? 0o400,
        });
    }
    return refs;
}

/**
 * Fields of every service's task spec: Docker's own defaults written out (unset, the provider shows
 * `sysctl` and the restart window as changed on every preview), rotated logs, and restarts.
 */
export const SERVICE_TASK_DEFAULTS = Object.freeze({
    restartPolicy: { condition: "any", delay: "2s", window: "0s" },
    logDriver: { name: LOG_DRIVER, options: { ...LOG_OPTS } },
});

/** One server at a time: stop the old task before the new one starts (a server id runs once). */
export const STOP_FIRST_UPDATE = Object.freeze({ parallelism: 1, order: "stop-first", failureAction: "pause", delay: "0s" });
