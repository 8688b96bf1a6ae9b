/**
 * Type tokens of the components. A multi-language package takes its tokens from its package name,
 * `pulumi-zookeeper-docker`; the tokens of 0.1 (`zookeeper-docker:index:<Class>`) stay as aliases,
 * so deployed stacks keep their resources. The policy pack matches both.
 */

/** The package name, and so the first part of every type token. */
export const PACKAGE_NAME = "pulumi-zookeeper-docker";

export const ZOOKEEPER_NODE_TYPE = `${PACKAGE_NAME}:index:ZooKeeperNode`;
export const ZOOKEEPER_ENSEMBLE_TYPE = `${PACKAGE_NAME}:index:ZooKeeperEnsemble`;
export const CLIENT_APP_SERVICE_TYPE = `${PACKAGE_NAME}:index:ClientAppService`;
export const MONITORING_STACK_TYPE = `${PACKAGE_NAME}:index:MonitoringStack`;

/** Tokens of 0.1, by class: kept as aliases. */
export const LEGACY_TYPES = Object.freeze({
    ZooKeeperNode: "zookeeper-docker:index:ZooKeeperNode",
    ZooKeeperEnsemble: "zookeeper-docker:index:ZooKeeperEnsemble",
    ClientAppService: "zookeeper-docker:index:ClientAppService",
    MonitoringStack: "zookeeper-docker:index:MonitoringStack",
});

/** Resource options with the alias of the class's 0.1 token added to the caller's aliases. */
export function withLegacyAlias<T extends { aliases?: unknown[] }>(opts: T | undefined, legacyType: string): T & { aliases: unknown[] } {
    return { ...(opts ?? ({} as T)), aliases: [...(opts?.aliases ?? []), { type: legacyType }] };
}

/** The swarm components (components/swarm/), new in 0.4: no 0.1 alias. */
export const ZOOKEEPER_SWARM_ENSEMBLE_TYPE = `${PACKAGE_NAME}:index:ZooKeeperSwarmEnsemble`;
export const SWARM_CLIENT_APP_TYPE = `${PACKAGE_NAME}:index:SwarmClientApp`;
export const SWARM_MONITORING_TYPE = `${PACKAGE_NAME}:index:SwarmMonitoring`;
