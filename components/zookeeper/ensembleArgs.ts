/**
 * The arguments of ZooKeeperEnsemble, as documented plain data (see schema.ts for the rules they
 * are checked against), and what it tells its clients about each server.
 */
import * as pulumi from "@pulumi/pulumi";
import { ZooCfgOptions } from "./zooCfg";

/** Arguments of a ZooKeeper ensemble. */
export interface ZooKeeperEnsembleArgs extends ZooCfgOptions {
    /**
     * Number of servers: an odd integer 1..255 (1 = a quorum of one, which can grow). Default 3.
     * Changing it on a deployed ensemble is a membership change through dynamic reconfiguration:
     * new servers join one at a time, removed ones leave before they stop; change it alone, with
     * no other server setting in the same update.
     */
    readonly size?: number;
    /** ZooKeeper image reference, e.g. `zookeeper:3.9.4`; it must exist locally or be pullable. */
    readonly image: string;
    /** Name of an existing Docker network to join; by default the ensemble creates its own (`<prefix>-net`). */
    readonly networkName?: pulumi.Input<string>;
    /** Prefix of every Docker object name (lower-case letters, digits, single dashes; at most 40 characters); default `<component name>-<stack>`, e.g. `zk-dev`. */
    readonly namePrefix?: string;
    /** Memory limit per server in MB, 128..65536; the heap is half of it. Default 512. */
    readonly memoryMb?: number;
    /** CPU limit per server, greater than 0 and at most 256, e.g. 1.5. Default unlimited. */
    readonly cpus?: number;
    /** Publish server i's client port on host port base+i-1 (1024..65535). Not published when unset. */
    readonly clientHostPortBase?: number;
    /** Publish server i's metrics port on host port base+i-1 (1024..65535). Not published when unset. */
    readonly metricsHostPortBase?: number;
    /** IPv4 address published ports bind to. Default 127.0.0.1. */
    readonly hostIp?: string;
    /** Keep the data volumes when the ensemble is deleted. Default false. */
    readonly retainDataOnDelete?: boolean;
    /** Seconds, 10..3600, a gate waits for a server (or the whole ensemble) to serve before failing the update. Default 120. */
    readonly rollTimeoutSeconds?: number;
    /** Authentication; everything off by default. */
    readonly auth?: ZooKeeperAuthArgs;
    /** Scheduled, verified backups and restores from them (see the README's "Backup and restore"). Off when unset. */
    readonly backup?: ZooKeeperBackupArgs;
}

/**
 * Backups of an ensemble: a snapshot from a server with the highest zxid, taken by an agent in that
 * server's network namespace (the AdminServer listens on 127.0.0.1), onto the volume
 * `<prefix>-backups`, which is kept when the ensemble is deleted.
 */
export interface ZooKeeperBackupArgs {
    /** Seconds between scheduled backups, 10..604800. The servers allow a snapshot every half interval. Default 3600. */
    readonly intervalSeconds?: number;
    /** Backups kept, newest first, 1..1000. Default 24. */
    readonly keepCount?: number;
    /** Backups older than this are dropped, except the newest: `90s`, `30m`, `12h`, `7d`. Default `7d`. */
    readonly maxAge?: string;
    /**
     * A backup id: new, empty data volumes start from its snapshot, once a check has verified it
     * (complete, sha256, same size). Servers with data keep theirs. Default unset.
     */
    readonly restoreFrom?: string;
    /** Memory limit of each agent in MB, 192..4096. Default 256. */
    readonly memoryMb?: number;
}

/** Authentication of an ensemble. Credentials are generated (random.RandomPassword) and stay the same across updates. */
export interface ZooKeeperAuthArgs {
    /**
     * Servers authenticate each other with SASL DIGEST-MD5: a server without
     * the generated quorum credentials cannot join or lead. Needs 3 or more
     * servers. Default false.
     */
    readonly quorumSasl?: boolean;
    /**
     * Digest authentication for clients: a ClientAppService on this ensemble
     * authenticates with its own generated user and protects its znodes with
     * ACLs. (Every ensemble has the generated superuser `super`, see
     * `superUser`/`superPassword`.) Default false.
     */
    readonly clientDigest?: boolean;
}

/** One server as clients reach it on the ensemble network. */
export interface ZooKeeperServerEndpoint {
    /** The server's `myid`. */
    readonly id: number;
    /** Container name and host name on the ensemble network. */
    readonly host: string;
    /** Client port on that network. */
    readonly clientPort: number;
}
