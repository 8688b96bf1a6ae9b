/**
 * An ensemble's backups (ZooKeeperEnsemble's `backup` argument): the backups volume, always
 * retained; the restore check, when restoring; one agent beside each server.
 * @internal
 */
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { CONTAINER_USER, LABEL_VALUES, ScrapeTarget, renderLabels } from "../shared/containerConventions";
import { hardenedContainer } from "../shared/hardenedContainer";
import { ONE_SHOT_JVM_MEMORY_MB } from "../zookeeper/gates";
import { renderBackupAgentScript } from "./agentScript";
import { RESTORE_CHECK_TAG, renderRestoreCheckScript } from "./restoreScripts";
import {
    AGENT_BACKUPS_DIR,
    AGENT_SCRIPT_FILE,
    BACKUP_METRICS_PORT,
    BackupSettings,
    RESTORE_SOURCE_DIR,
    parseMaxAgeSeconds,
} from "./schema";

/** What the ensemble hands over. */
export interface EnsembleForBackup {
    name: string;
    namePrefix: string;
    servers: { id: number; host: string }[];
    imageId: pulumi.Input<string>;
    labels: Readonly<Record<string, string>>;
    /** secretUpload(SUPER_AUTH_FILE, ...), shared with the gates. */
    superAuth: docker.types.input.ContainerUpload[];
}

/** The name of an ensemble's backups volume. */
export function backupsVolumeName(namePrefix: string): string {
    return `${namePrefix}-backups`;
}

/**
 * Milliseconds between the snapshots each server allows: half the schedule, so a scheduled backup
 * is never refused, and an on-demand one only when it comes within half an interval of the last.
 */
export function computeSnapshotIntervalMs(settings: Pick<BackupSettings, "intervalSeconds">): number {
    return Math.max(1000, Math.floor((settings.intervalSeconds * 1000) / 2));
}

/** The volume and, with restoreFrom, the restore check; created before the servers. */
export function createBackupStorage(ensemble: EnsembleForBackup, settings: BackupSettings, parent: pulumi.Resource) {
    const volume = new docker.Volume(
        `${ensemble.name}-backups`,
        {
            name: backupsVolumeName(ensemble.namePrefix),
            labels: renderLabels({ ...ensemble.labels, component: LABEL_VALUES.backupAgentComponent, volume: "backups" }),
        },
        // Backups outlive the ensemble, a destroy included: that is what they are for.
        { parent, retainOnDelete: true },
    );
    if (settings.restoreFrom === undefined) {
        return { volume };
    }
    const backupId = settings.restoreFrom;
    // Attached, so that the provider waits for its end and keeps its output: the verdict then
    // fails the update with the check's own words (a gate's failure only says "not healthy").
    const restoreCheck = hardenedContainer(
        `${ensemble.name}-restore-check`,
        {
            name: `${ensemble.namePrefix}-restore-check`,
            image: ensemble.imageId,
            entrypoints: ["/bin/bash", "-c"],
            command: [
                renderRestoreCheckScript({
                    backupId,
                    size: ensemble.servers.length,
                    backupsVolume: backupsVolumeName(ensemble.namePrefix),
                }),
            ],
            networkMode: "none",
            volumes: [{ volumeName: volume.name, containerPath: RESTORE_SOURCE_DIR, readOnly: true }],
            attach: true,
            logs: true,
            mustRun: false,
            rm: false,
            restart: "no",
            memoryMb: ONE_SHOT_JVM_MEMORY_MB,
            user: CONTAINER_USER,
            labels: { ...ensemble.labels, component: LABEL_VALUES.restoreCheckComponent },
        },
        { parent, deleteBeforeReplace: true },
    );
    const verifiedBackupId = pulumi.all([restoreCheck.exitCode, restoreCheck.containerLogs]).apply(([exitCode, logs]) => {
        try {
            return checkRestoreVerdict(backupId, exitCode, logs);
        } catch (error) {
            // Reported against the check, without a stack: the message is the whole story (and
            // printing an ordinary error here walks the whole resource graph, ~40 s of CPU).
            throw new pulumi.ResourceError((error as Error).message, restoreCheck, true);
        }
    });
    return { volume, restoreCheck, verifiedBackupId };
}

/**
 * The restore check's verdict: the backup id when it passed, else an error with the check's reason,
 * which fails the update before any seed step (they take the id from here) or server runs.
 */
export function checkRestoreVerdict(backupId: string, exitCode: number | undefined, logs: string | undefined): string {
    const lines = (logs ?? "")
        .split("\n")
        .map((l) => l.trim())
        .filter(Boolean);
    if (exitCode === 0 && lines.some((l) => l.includes(`backup ${backupId} verified`))) {
        return backupId;
    }
    const reason =
        [...lines].reverse().find((l) => l.startsWith(`${RESTORE_CHECK_TAG}:`)) ??
        `the restore check exited with ${String(exitCode)} and said nothing`;
    throw new Error(`backup.restoreFrom: ${reason}`);
}

/** One agent per server, in the server's network namespace. */
export function createBackupAgents(
    ensemble: EnsembleForBackup,
    settings: BackupSettings,
    volume: docker.Volume,
    serverContainers: docker.Container[],
    parent: pulumi.Resource,
): docker.Container[] {
    return ensemble.servers.map((server, i) =>
        hardenedContainer(
            `${ensemble.name}-${server.id}-backup-agent`,
            {
                name: `${server.host}-backup`,
                image: ensemble.imageId,
                // Replaced with its server: a network namespace ends with its container.
                networkMode: pulumi.interpolate`container:${serverContainers[i].id}`,
                entrypoints: ["/bin/bash", AGENT_SCRIPT_FILE],
                command: ["run"],
                uploads: [
                    {
                        file: AGENT_SCRIPT_FILE,
                        content: renderBackupAgentScript({
                            serverId: server.id,
                            servers: ensemble.servers,
                            namePrefix: ensemble.namePrefix,
                            intervalSeconds: settings.intervalSeconds,
                            keepCount: settings.keepCount,
                            maxAgeSeconds: parseMaxAgeSeconds(settings.maxAge),
                            memoryMb: settings.memoryMb,
                        }),
                    },
                    ...ensemble.superAuth,
                ],
                volumes: [{ volumeName: volume.name, containerPath: AGENT_BACKUPS_DIR }],
                memoryMb: settings.memoryMb,
                // A quarter of a server's CPU weight when the host is busy: checking a snapshot must not slow the writes.
                cpuShares: 256,
                user: CONTAINER_USER,
                restart: "unless-stopped",
                labels: { ...ensemble.labels, component: LABEL_VALUES.backupAgentComponent, "server-id": String(server.id) },
            },
            { parent, deleteBeforeReplace: true },
        ),
    );
}

/** The agents' metrics endpoints, for Prometheus. */
export function backupScrapeTargets(namePrefix: string, servers: { id: number; host: string }[]): ScrapeTarget[] {
    return servers.map((s) => ({ address: `${s.host}:${BACKUP_METRICS_PORT}`, labels: { ensemble: namePrefix, server_id: String(s.id) } }));
}
