/**
 * Restoring an ensemble from a backup (`backup.restoreFrom`), in two steps that run before any
 * server changes:
 * - the restore check (renderRestoreCheckScript), a one-shot container every seed step depends on:
 *   the backup exists, is complete and matches its sha256, and was taken from an ensemble of the
 *   same size; otherwise the update fails there;
 * - each server's seed step (renderRestoreSeedLines, in renderSeedScript) copies the snapshot onto
 *   its data volume, only when the volume is new and empty and no other member serves (a new
 *   ensemble). Otherwise it does nothing, and says so.
 * Pure text.
 */
import { z } from "zod";
import { parseArgs } from "../shared/contract";
import { integer } from "../shared/fields";
import { assignments, renderShellPreamble } from "../zookeeper/gateShell";
import { BACKUP_ID_PATTERN, RESTORE_SOURCE_DIR } from "./schema";
import { verifyBackupFunction } from "./shell";

/** What the restore check's lines start with. */
export const RESTORE_CHECK_TAG = "restore-check";

/** First words of the refusals, for tests and documentation. */
export const RESTORE_REFUSALS = Object.freeze({
    unusable: "cannot be restored",
    otherSize: "holds an ensemble of",
});

const restoreCheckSchema = z.strictObject({
    backupId: z.string().regex(BACKUP_ID_PATTERN),
    size: integer(1, 255, "must be 1..255"),
    backupsVolume: z.string().min(1),
});

/** The restore check: refuses a backup that is missing, incomplete, corrupt or of another size. */
export function renderRestoreCheckScript(settings: { backupId: string; size: number; backupsVolume: string }): string {
    parseArgs("renderRestoreCheckScript", "settings", restoreCheckSchema, settings);
    const R = RESTORE_REFUSALS;
    return [
        ...renderShellPreamble(RESTORE_CHECK_TAG),
        // Attached, not a gate (backupAgents.ts): it reports by its output and exit status, not by a pass marker.
        `pass() { echo "${RESTORE_CHECK_TAG}: $1"; exit 0; }`,
        "exec 2>&1",
        ...verifyBackupFunction(),
        ...assignments({ id: settings.backupId, size: String(settings.size), volume: settings.backupsVolume }),
        `src=${RESTORE_SOURCE_DIR}/$id`,
        `kept="$(ls -1 ${RESTORE_SOURCE_DIR} 2>/dev/null | grep '^2' | sort -r | head -n 5 | paste -sd' ' -)"`,
        `verify_backup "$src" || fail "refused: backup $id ${R.unusable}: $backup_problem. Nothing was changed. Newest backups in volume $volume: \${kept:-none}"`,
        'n="$(tr , "\\n" <<<"$backup_members" | grep -c .)"',
        `[ "$n" = "$size" ] || fail "refused: backup $id ${R.otherSize} $n servers ($backup_members) and this one has $size: restore into $n servers and change size afterwards, or remove backup.restoreFrom. Nothing was changed"`,
        'pass "backup $id verified: zxid $backup_zxid, $backup_znodes znodes, sha256 matches"',
        "",
    ].join("\n");
}

/**
 * Lines of the seed script that restore: run once the script knows the volume has no membership
 * (`serving` holds the members that serve, empty for a new ensemble). Needs `fail` and `me`.
 */
export function renderRestoreSeedLines(backupId: string | undefined): string[] {
    if (backupId === undefined) {
        return [];
    }
    if (!BACKUP_ID_PATTERN.test(backupId)) {
        throw new Error(`restoreFrom ${JSON.stringify(backupId)} is not a backup id`);
    }
    return [
        ...verifyBackupFunction(),
        `restore_from=${backupId}`,
        'if [ -n "$serving" ]; then',
        '  echo "seed: restoreFrom $restore_from ignored: the ensemble serves ($serving), server $me takes the live data"',
        'elif [ -n "$(ls -A /data/version-2 2>/dev/null)" ]; then',
        '  echo "seed: restoreFrom $restore_from ignored: server $me has data"',
        "else",
        `  verify_backup ${RESTORE_SOURCE_DIR}/$restore_from || fail "backup $restore_from cannot be restored: $backup_problem"`,
        '  mkdir -p /data/version-2 && cp "$backup_file" "/data/version-2/.restore.tmp" && mv /data/version-2/.restore.tmp "/data/version-2/${backup_file##*/}" || fail "cannot copy backup $restore_from onto the data volume"',
        '  echo "seed: server $me restored from backup $restore_from (zxid $backup_zxid, $backup_znodes znodes)"',
        "fi",
    ];
}
