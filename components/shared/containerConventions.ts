/**
 * Conventions every container of this package follows: how names are formed,
 * how host ports are published, how logs rotate and how containers are
 * labelled. They live in one place so that the components cannot drift apart
 * on the properties an operator relies on (no port open beyond loopback by
 * accident, no unbounded log file, every container findable by label).
 */

/** Address host ports bind to unless a caller asks for another one explicitly. */
export const DEFAULT_HOST_IP = "127.0.0.1";

/** uid:gid of the ZooKeeper servers, the gates and the app: the official images' unprivileged user. */
export const CONTAINER_USER = "1000:1000";

/**
 * The paths the zookeeper image declares as VOLUME (scripts/images/zookeeper/Dockerfile). Docker gives
 * a container that mounts nothing at one of them an anonymous volume, which outlives the container
 * unless whoever removes it asks for its volumes too; the multi-host destroy test once found three
 * left on a host. So the swarm stack's containers of that image mount something at each path: a named
 * volume or a scratch tmpfs (the servers log to the console; the gates write to /tmp and /data).
 */
export const ZOOKEEPER_IMAGE_VOLUMES: readonly string[] = Object.freeze(["/data", "/datalog", "/logs"]);

/** The image's VOLUME paths that `mountedPaths` leaves out: each needs a scratch tmpfs. */
export function unmountedImageVolumes(mountedPaths: readonly unknown[]): string[] {
    return ZOOKEEPER_IMAGE_VOLUMES.filter((path) => !mountedPaths.includes(path));
}

/** Size cap of the scratch tmpfs at an image volume a container does not use. */
export const SCRATCH_TMPFS_BYTES = 16 * 1024 * 1024;

/** Its mode: world-writable and sticky, like /tmp, for the unprivileged CONTAINER_USER. */
export const SCRATCH_TMPFS_MODE = 0o1777;

/** Label prefix shared by every container, network and volume this package creates. */
export const LABEL_PREFIX = "zookeeper-docker";

/** Values of the `component` label (the gates are one-shot, see rollGates.ts) and of the `role` label. */
export const LABEL_VALUES = Object.freeze({
    serverComponent: "zookeeper",
    rollGateComponent: "roll-gate",
    readyGateComponent: "ready-gate",
    /** Before the first server of an update: checks the live membership (preflight.ts). */
    preflightComponent: "preflight",
    /** Before each server: writes its first membership file (membership.ts). */
    seedComponent: "seed",
    /** Beside each server of an ensemble with backups, and on its backups volume (components/backup/). */
    backupAgentComponent: "backup-agent",
    /** Before the seed steps of a restore: verifies the backup (components/backup/restoreScripts.ts). */
    restoreCheckComponent: "restore-check",
    /** The client app's one-shot ACL sync container. */
    aclSyncRole: "acl-sync",
});
/**
 * Labels of the containers that exit by design once they have passed. Everything
 * else (servers, app replicas, monitoring) is expected to keep running.
 */
export const ONE_SHOT_COMPONENTS: readonly string[] = Object.freeze([
    LABEL_VALUES.rollGateComponent,
    LABEL_VALUES.readyGateComponent,
    LABEL_VALUES.preflightComponent,
    LABEL_VALUES.seedComponent,
    LABEL_VALUES.restoreCheckComponent,
]);
export const ONE_SHOT_ROLES: readonly string[] = Object.freeze([LABEL_VALUES.aclSyncRole]);

/** json-file with rotation: Docker's default driver keeps logs forever otherwise. */
export const LOG_DRIVER = "json-file";
export const LOG_OPTS: Readonly<Record<string, string>> = Object.freeze({ "max-size": "10m", "max-file": "3" });

/** One published port, as the docker provider expects it. */
export interface PortBinding {
    internal: number;
    external: number;
    ip: string;
    protocol: "tcp";
}

/** A container port and the host port it should be published on, if any. */
export interface PortRequest {
    /** Port inside the container. */
    internal: number;
    /** Host port; when undefined the port is not published at all. */
    external?: number;
}

/**
 * Turns port requests into provider port bindings. Ports without a host port
 * are left unpublished, so a container is reachable from the host only when
 * the caller asked for it, and then only on loopback unless `hostIp` says
 * otherwise.
 */
export function computePortBindings(requests: readonly PortRequest[], hostIp?: string): PortBinding[] {
    const ip = hostIp ?? DEFAULT_HOST_IP;
    const bindings: PortBinding[] = [];
    for (const request of requests) {
        if (request.external === undefined) {
            continue;
        }
        validatePort("internal", request.internal);
        validatePort("external", request.external);
        bindings.push({ internal: request.internal, external: request.external, ip, protocol: "tcp" });
    }
    return bindings;
}

function validatePort(which: string, port: number): void {
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
        throw new Error(`${which} port ${port} is not allowed: must be an integer between 1 and 65535`);
    }
}

/**
 * Prefix for every Docker object of one component in one stack, e.g.
 * `zk-dev`. Docker names are global per daemon, so the stack is part of the
 * name and two stacks on one daemon never collide. The result is also used as
 * a DNS name on the container network, hence lower case letters, digits and
 * single dashes only.
 */
export function computeNamePrefix(componentName: string, stack: string): string {
    const sanitize = (s: string) =>
        s
            .toLowerCase()
            .replace(/[^a-z0-9-]+/g, "-")
            .replace(/-+/g, "-")
            .replace(/^-|-$/g, "");
    const prefix = [sanitize(componentName), sanitize(stack)].filter((s) => s.length > 0).join("-");
    if (prefix.length === 0) {
        throw new Error(`name prefix from component "${componentName}" and stack "${stack}" is empty after sanitizing`);
    }
    // Leaves room for suffixes such as "-gate-255-0123456789ab" within the
    // 63 characters a DNS label allows.
    if (prefix.length > 40) {
        throw new Error(`name prefix "${prefix}" is too long: must be at most 40 characters`);
    }
    return prefix;
}

/** Docker labels in the provider's list form. */
export function renderLabels(labels: Readonly<Record<string, string>>): { label: string; value: string }[] {
    return Object.keys(labels)
        .sort()
        .map((key) => ({ label: `${LABEL_PREFIX}.${key}`, value: labels[key] }));
}

/**
 * Shape of a Prometheus scrape target that lives inside a container network.
 * Kept as plain strings (not Outputs) so that the Prometheus configuration is
 * plain text and does not change when a container is merely replaced.
 */
export interface ScrapeTarget {
    /** host:port resolvable on the container network. */
    readonly address: string;
    /** Extra Prometheus labels for this target. */
    readonly labels: { [key: string]: string };
}
