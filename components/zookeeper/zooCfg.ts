import { ADMIN_RATE_LIMITER_KEY, ADMIN_SERVER_PORT } from "../backup/schema";
import { parseArgs } from "../shared/contract";
import { zooCfgSettingsSchema } from "./schema";
import { QUORUM_SASL_ZOO_CFG } from "./zookeeperAuth";

/**
 * Pure rendering of a ZooKeeper server's configuration: zoo.cfg, the JVM heap
 * and flags. Everything here is deterministic text so it can be tested without
 * Docker and so that identical settings never cause a container replacement.
 */

/** Port clients connect to. */
export const CLIENT_PORT = 2181;
/** Port followers use to talk to the leader. */
export const QUORUM_PORT = 2888;
/** Port used for leader election. */
export const ELECTION_PORT = 3888;
/** Port the Prometheus metrics provider listens on. */
export const METRICS_PORT = 7000;

/**
 * Shell command that asks the server at `host` for its `srvr` report (its
 * `Mode:` line says whether it serves). The word goes out without a trailing
 * newline: ZooKeeper reads four bytes, answers and closes, and closing a
 * socket with an unread byte makes the kernel send a reset that can overtake
 * the answer. With `echo srvr`, 16 of 200 queries to a serving server came
 * back empty; with `printf srvr`, 0 of 150.
 */
export function renderSrvrQuery(host: string): string {
    return `printf srvr | nc -w 2 ${host} ${CLIENT_PORT}`;
}

/** One member of the ensemble as it appears in every server's zoo.cfg. */
export interface ZooKeeperServerEntry {
    /** The `myid` of the server, 1..255. */
    readonly id: number;
    /** Host name resolvable by every other member (the container name / network alias). */
    readonly host: string;
}

/**
 * Transactions between snapshots (ZooKeeper's default is 100,000). A follower
 * whose leader dies replays its transaction log before it votes
 * (fastForwardDataBase), and it scans the current log file from its first
 * record; the log is rolled at every snapshot, so snapCount bounds that scan.
 * Measured on a 3-server ensemble: about 3 ms per 1,000 transactions, i.e.
 * ~180 ms of a failover at 60,000 transactions since the last snapshot, and
 * the slower survivor holds up the election. Snapshots run in the background
 * and do not change durability (every transaction is still fsynced to the log
 * first). Users with large data trees can set `snapCount` in extraConfig.
 */
export const DEFAULT_SNAP_COUNT = 10000;

/** The zoo.cfg settings an ensemble's servers share; unset fields take the schema's defaults. */
export interface ZooCfgOptions {
    /** Milliseconds per tick, 100..60000. Default 2000. */
    readonly tickTime?: number;
    /** Ticks a follower may take to connect and sync to the leader, 1..1000. Default 10. */
    readonly initLimit?: number;
    /** Ticks a follower may lag behind the leader, 1..1000. Default 5. */
    readonly syncLimit?: number;
    /** Concurrent connections per client IP, 0..10000; 0 = unlimited. Default 60. */
    readonly maxClientCnxns?: number;
    /** Hours between purges of old snapshots and logs, 0..8760; 0 disables. Default 1. */
    readonly autopurgeIntervalHours?: number;
    /** Snapshots kept by the purge, 3..1000. Default 3. */
    readonly autopurgeSnapRetainCount?: number;
    /** Four-letter-word whitelist; must include `srvr`. Default `srvr,mntr`. */
    readonly fourLetterWords?: string[];
    /** Additional zoo.cfg keys with single-line values; managed keys are refused. */
    readonly extraConfig?: { [key: string]: string };
}

/** Everything zoo.cfg is rendered from: the shared settings, the members and quorum authentication. */
export interface ZooCfgSettings extends ZooCfgOptions {
    /** All members, including the server this file is for; a new server's seed step starts from them (zoo.cfg itself has no server lines). */
    readonly servers: ZooKeeperServerEntry[];
    /**
     * Servers authenticate each other with SASL DIGEST-MD5 (QUORUM_SASL_ZOO_CFG);
     * needs the JAAS file and JVM flags of zookeeperAuth.ts. Default false.
     */
    readonly quorumSasl?: boolean;
    /**
     * Milliseconds between snapshots the AdminServer allows (see renderAdminRateLimiterInterval): set
     * by an ensemble with backups, whose agents are its only users. Unset, the AdminServer is off.
     */
    readonly backupSnapshotIntervalMs?: number;
}

/**
 * Renders the static part of zoo.cfg, uploaded as ZOO_CFG_TEMPLATE_FILE. The
 * same settings always give the same text, and every member of an ensemble
 * gets the same text: there are no server lines, whatever the size. The
 * membership is dynamic and lives on the data volume (see membership.ts); the
 * server's identity comes from /data/myid.
 */
export function renderZooCfg(input: ZooCfgSettings): string {
    // The same contract as ZooKeeperNodeArgs.zooCfg: defaults filled in, every problem at once.
    const settings = parseArgs("renderZooCfg", "settings", zooCfgSettingsSchema, input);
    const extra = settings.extraConfig;
    const lines = [
        "# Rendered by pulumi-zookeeper-docker; changes made inside the container are lost on replacement.",
        `tickTime=${settings.tickTime}`,
        `initLimit=${settings.initLimit}`,
        `syncLimit=${settings.syncLimit}`,
        "dataDir=/data",
        "dataLogDir=/datalog",
        `clientPort=${CLIENT_PORT}`,
        `maxClientCnxns=${settings.maxClientCnxns}`,
        // The official image leaves autopurge off, which fills the data volume over time.
        `autopurge.purgeInterval=${settings.autopurgeIntervalHours}`,
        `autopurge.snapRetainCount=${settings.autopurgeSnapRetainCount}`,
        `4lw.commands.whitelist=${settings.fourLetterWords.join(",")}`,
        // extraConfig may set its own; zoo.cfg takes the last duplicate, so never write two.
        ...("snapCount" in extra ? [] : [`snapCount=${DEFAULT_SNAP_COUNT}`]),
        ...renderAdminServerLines(settings.backupSnapshotIntervalMs),
        "metricsProvider.className=org.apache.zookeeper.metrics.prometheus.PrometheusMetricsProvider",
        `metricsProvider.httpPort=${METRICS_PORT}`,
        "metricsProvider.exportJvmInfo=true",
        // Quorum mode at every size, so an ensemble can grow from and shrink to one server.
        "standaloneEnabled=false",
        // Size changes go through reconfig (see membership.ts and rollGates.ts); only the
        // superuser may run it.
        "reconfigEnabled=true",
    ];
    if (settings.quorumSasl) {
        for (const [key, value] of Object.entries(QUORUM_SASL_ZOO_CFG)) {
            lines.push(`${key}=${value}`);
        }
    }
    for (const key of Object.keys(extra).sort()) {
        lines.push(`${key}=${extra[key]}`);
    }
    return lines.join("\n") + "\n";
}

/** ZooKeeper parses the rate limit with Integer.parseInt: a larger value breaks the AdminServer. */
const MAX_RATE_LIMITER_VALUE = 2 ** 31 - 1;

/**
 * The value of ADMIN_RATE_LIMITER_KEY for one snapshot every `intervalMs`. ZooKeeper 3.9.4 hands
 * the value to its RateLimiter in microseconds, not the milliseconds its name says (its default,
 * 300000, limits snapshots to one per 300 ms, not per 5 minutes; `admin.snapshot.intervalInMS` does
 * not exist). So the value is the milliseconds times 1000, at most 2^31-1 (one per 35.8 minutes).
 * The backup e2e checks the resulting limit against a real server: a change of ZooKeeper's unit
 * fails it.
 */
export function renderAdminRateLimiterInterval(intervalMs: number): number {
    return Math.min(MAX_RATE_LIMITER_VALUE, intervalMs * 1000);
}

/**
 * The AdminServer (Jetty) has no per-command allowlist: off, unless the backup agents need its
 * `snapshot` command. Then it listens on 127.0.0.1 only, which only a container in the server's
 * network namespace reaches, and `restore` stays off (restores seed new volumes instead).
 */
function renderAdminServerLines(snapshotIntervalMs: number | undefined): string[] {
    if (snapshotIntervalMs === undefined) {
        return ["admin.enableServer=false"];
    }
    return [
        "admin.enableServer=true",
        "admin.serverAddress=127.0.0.1",
        `admin.serverPort=${ADMIN_SERVER_PORT}`,
        `${ADMIN_RATE_LIMITER_KEY}=${renderAdminRateLimiterInterval(snapshotIntervalMs)}`,
        "admin.restore.enabled=false",
    ];
}

/** Smallest container memory limit a server is allowed, in MB. */
export const MIN_SERVER_MEMORY_MB = 128;
/** Smallest heap handed to the JVM, in MB. */
export const MIN_HEAP_MB = 64;
/** Largest heap: above ~32 GB the JVM loses compressed object pointers. */
export const MAX_HEAP_MB = 31744;

/**
 * JVM heap for a container memory limit: half of the limit, at least
 * 64 MB and at most 31 GB. The other half is left for metaspace, thread
 * stacks, direct buffers and the page cache ZooKeeper's transaction log
 * fsyncs go through; a heap close to the limit gets the container OOM-killed
 * instead of the JVM reporting an OutOfMemoryError.
 */
export function computeHeapMb(memoryMb: number): number {
    if (!Number.isInteger(memoryMb) || memoryMb < MIN_SERVER_MEMORY_MB) {
        throw new Error(`memoryMb ${memoryMb} is not allowed: must be an integer of at least ${MIN_SERVER_MEMORY_MB}`);
    }
    return Math.min(MAX_HEAP_MB, Math.max(MIN_HEAP_MB, Math.floor(memoryMb / 2)));
}

/** File with JVM security-property overrides, uploaded next to zoo.cfg and named in JVMFLAGS. */
export const JVM_SECURITY_OVERRIDES_FILE = "/conf/java.security.zk";

/**
 * How long the JVM caches DNS answers for the peers' container names. The JDK
 * caches failed lookups for 10 s (`networkaddress.cache.negative.ttl` in its
 * java.security, which no system property overrides, hence the file) and
 * successful ones for 30 s. Servers are created one after another, so server 1
 * looks its peers up before they exist; with the negative cache it still
 * treats a peer that has started meanwhile as unknown, and a follower that
 * cannot resolve the leader it just elected gives up after five attempts:
 * on a first deployment the quorum then waited for initLimit x tickTime.
 * A replaced container may also come back with another address.
 */
export function renderJvmSecurityOverrides(): string {
    return ["networkaddress.cache.ttl=5", "networkaddress.cache.negative.ttl=0"].join("\n") + "\n";
}

/**
 * Failover settings in JVMFLAGS; none of them touches durability (every
 * transaction is still fsynced before it is acknowledged), only how fast the
 * survivors agree on a new leader:
 *
 * - `zookeeper.fastleader.minNotificationInterval` 50 ms (default 200): when
 *   the survivors' first votes cross (one is still following when the other's
 *   vote arrives), the election waits this long before votes are sent again.
 * - `zookeeper.leader.maxTimeToWaitForEpoch` 1000 ms (default: initLimit x
 *   tickTime, 20 s here): a new leader whose voter has gone back to looking
 *   (its five connection attempts ran out, e.g. while a leader that never led
 *   before was still loading its classes) starts a new election after a
 *   second instead of waiting out initLimit.
 * - `zookeeper.leaderConnectDelayDuringRetryMs` 100 ms (ZooKeeper's default,
 *   set here so nobody tunes it down again): a follower tries the leader it
 *   just elected five times, this far apart, and usually a few milliseconds
 *   before the leader listens. 0.1 set 25 ms (~125 ms in all); on these two
 *   cores a leader busy with a neighbour's start-up was sometimes slower than
 *   that, and a three-server ensemble missing one member then stays without
 *   a leader for 2-3.5 s: the follower that gave up cannot follow a LEADING
 *   vote alone, so both wait for maxTimeToWaitForEpoch and elect again. Seen
 *   in 1 of 18 rolling updates, each of which replaces the leader once.
 */
export const FAILOVER_JVM_FLAGS: readonly string[] = Object.freeze([
    "-Dzookeeper.fastleader.minNotificationInterval=50",
    "-Dzookeeper.leader.maxTimeToWaitForEpoch=1000",
    "-Dzookeeper.leaderConnectDelayDuringRetryMs=100",
]);

/**
 * JVMFLAGS for a server. `electionPortBindRetry=0` makes the election
 * listener retry binding forever: a freshly replaced container may start
 * before Docker's DNS knows its own name, and the default of three retries
 * would leave it out of the ensemble for good. The DNS cache settings come
 * from JVM_SECURITY_OVERRIDES_FILE (see renderJvmSecurityOverrides), the
 * failover settings from FAILOVER_JVM_FLAGS.
 */
export function renderJvmFlags(heapMb: number): string {
    return [
        `-Xmx${heapMb}m`,
        `-Xms${heapMb}m`,
        "-XX:+ExitOnOutOfMemoryError",
        "-Dzookeeper.electionPortBindRetry=0",
        `-Djava.security.properties=${JVM_SECURITY_OVERRIDES_FILE}`,
        ...FAILOVER_JVM_FLAGS,
    ].join(" ");
}
