/**
 * The arguments of the swarm components, as documented plain data (ensembleSchema.ts and schema.ts
 * hold the rules they are checked against).
 */
import { ZooKeeperEnsembleArgs } from "../zookeeper/ensembleArgs";

/** PEM client material for a tcp:// docker daemon; give each as a secret. */
export interface SwarmNodeTlsArgs {
    readonly caPem: string;
    readonly certPem: string;
    readonly keyPem: string;
}

/** One node of the swarm. */
export interface SwarmNodeArgs {
    /** The node's value of the label `zookeeper-docker.host` (`docker node update --label-add`). */
    readonly label: string;
    /** Its docker daemon: `unix:///path`, `ssh://user@host` or `tcp://host:2376` (with `tls`). */
    readonly host: string;
    /** The IPv4 address clients reach its published ports at; used in the outputs only. */
    readonly address?: string;
    /** PEM client material for a tcp:// daemon; give it as secrets. */
    readonly tls?: SwarmNodeTlsArgs;
}

/** Where the swarm components run. */
export interface SwarmArgs {
    /** The nodes; server i runs on node i, so there must be at least as many as servers. */
    readonly nodes: SwarmNodeArgs[];
    /** Label of the node whose daemon (a manager) takes the services, networks, configs and secrets. Default the first node. */
    readonly manager?: string;
    /**
     * Allow published ports: host mode, on every interface of the node that runs the task (swarm
     * cannot bind to one address). Default false: nothing is published, whatever the ports say.
     */
    readonly publishHostPorts?: boolean;
    /** Encrypt the overlay network between nodes (IPsec). Default false: quorum and client traffic is plain text. */
    readonly encryptedOverlay?: boolean;
}

/**
 * Arguments of ZooKeeperSwarmEnsemble: ZooKeeperEnsemble's, but the network (the ensemble makes an
 * overlay), the host address (swarm publishes on every interface) and backups, and `swarm`.
 * `size` cannot change once deployed.
 */
export interface ZooKeeperSwarmEnsembleArgs extends Omit<ZooKeeperEnsembleArgs, "networkName" | "hostIp" | "backup"> {
    readonly swarm: SwarmArgs;
}
