/**
 * The contract of an ensemble's `backup` argument and of the stack key `zookeeper-platform:backup`:
 * every range, default and the sentence each error shows, and the facts the agent, the restore
 * check and the monitoring share (paths, ports, metric names, the backup id's shape).
 */
import { z } from "zod";
import { allowing } from "../shared/contract";
import { integer, memoryMb } from "../shared/fields";

/** Default seconds between scheduled backups. */
export const DEFAULT_BACKUP_INTERVAL_SECONDS = 3600;
/** Default number of backups kept. */
export const DEFAULT_BACKUP_KEEP_COUNT = 24;
/** Default age beyond which a backup is dropped (the newest is never dropped). */
export const DEFAULT_BACKUP_MAX_AGE = "7d";
/** Default memory of a backup agent: bash, nc and, per backup, a short JVM that reads the snapshot. */
export const DEFAULT_BACKUP_AGENT_MEMORY_MB = 256;

/** `<UTC time>-<zxid>`, e.g. `20261203T124800Z-0x100000002a`: sortable by time, and tells the zxid. */
export const BACKUP_ID_PATTERN = /^[0-9]{8}T[0-9]{6}Z-0x[0-9a-f]{1,16}$/;
const BACKUP_ID_TEXT = "must be a backup id such as 20261203T124800Z-0x100000002a (the last line of scripts/backup.sh)";

/** A duration such as `90s`, `30m`, `12h` or `7d`. */
const MAX_AGE_PATTERN = /^([1-9][0-9]{0,5})([smhd])$/;
const UNIT_SECONDS: Readonly<Record<string, number>> = Object.freeze({ s: 1, m: 60, h: 3600, d: 86400 });

/** Seconds of a `maxAge` duration (already validated). */
export function parseMaxAgeSeconds(maxAge: string): number {
    const match = MAX_AGE_PATTERN.exec(maxAge);
    if (match === null) {
        throw new Error(`maxAge ${JSON.stringify(maxAge)} is not a duration such as 7d`);
    }
    return Number(match[1]) * UNIT_SECONDS[match[2]];
}

/** The fields of BackupArgs, for the component and the stack configuration. */
export const backupArgsShape = {
    intervalSeconds: integer(10, 604800, "must be an integer number of seconds between 10 and 604800 (a week)").prefault(
        DEFAULT_BACKUP_INTERVAL_SECONDS,
    ),
    keepCount: integer(1, 1000, "must be an integer between 1 and 1000").prefault(DEFAULT_BACKUP_KEEP_COUNT),
    maxAge: allowing(z.string().regex(MAX_AGE_PATTERN), "must be a duration such as 90s, 30m, 12h or 7d").prefault(DEFAULT_BACKUP_MAX_AGE),
    restoreFrom: allowing(z.string().regex(BACKUP_ID_PATTERN), BACKUP_ID_TEXT).optional(),
    memoryMb: memoryMb(192, 4096).prefault(DEFAULT_BACKUP_AGENT_MEMORY_MB),
};

export const backupArgsSchema = allowing(
    z.strictObject(backupArgsShape),
    "must be an object with intervalSeconds, keepCount, maxAge, restoreFrom and memoryMb",
);

/** BackupArgs with every default filled in. */
export type BackupSettings = z.output<typeof backupArgsSchema>;

/**
 * The AdminServer's port inside each server. It listens on 127.0.0.1 only (`admin.serverAddress`):
 * it has no per-command allowlist, so only a container in the server's network namespace reaches it.
 */
export const ADMIN_SERVER_PORT = 8080;
/** The zoo.cfg key of the AdminServer's rate limit (ZooKeeper reads it as `zookeeper.admin.rateLimiterIntervalInMS`; see renderAdminRateLimiterInterval). */
export const ADMIN_RATE_LIMITER_KEY = "admin.rateLimiterIntervalInMS";
/** The agent's Prometheus endpoint, on the server's network namespace (the agent shares it). */
export const BACKUP_METRICS_PORT = 7010;
/** Oldest ZooKeeper whose snapshot command checks its permission right (CVE-2025-58457). */
export const MIN_BACKUP_ZOOKEEPER_VERSION = "3.9.4";

/** Where the backups volume is mounted in the agents: the image's /data is the containers' user's, so a new volume is too. */
export const AGENT_BACKUPS_DIR = "/data";
/** Where the restore check and the seed steps mount the backups volume, read-only. */
export const RESTORE_SOURCE_DIR = "/backups";
/** The agent's script, uploaded. */
export const AGENT_SCRIPT_FILE = "/conf/backup-agent.sh";
/** Each backup's manifest, beside its snapshot file. */
export const MANIFEST_FILE_NAME = "manifest.json";

/** The agent's metrics; the alert rules and the dashboards use these names. */
export const BACKUP_METRICS = Object.freeze({
    lastSuccess: "zookeeper_backup_last_success_timestamp_seconds",
    lastDuration: "zookeeper_backup_last_duration_seconds",
    lastSize: "zookeeper_backup_last_size_bytes",
    lastZnodes: "zookeeper_backup_last_znode_count",
    kept: "zookeeper_backup_kept",
    failures: "zookeeper_backup_failures_total",
    paused: "zookeeper_backup_schedule_paused",
});
