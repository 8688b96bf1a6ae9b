/**
 * Shell functions the backup agent, the restore check and the seed steps share: read a manifest
 * field, verify a backup against its manifest. They run in the ZooKeeper image (bash, coreutils).
 * @internal
 */
import { MANIFEST_FILE_NAME } from "./schema";

/** `manifest_field FILE NAME`: the value of one field of a manifest (renderManifest writes one field a line). */
export function manifestFieldFunction(): string[] {
    // A quoted value may hold commas (members); a number ends at the comma.
    return [
        "manifest_field() {",
        `  sed -n -e "s/^  \\"$2\\": \\"\\(.*\\)\\",\\{0,1\\}$/\\1/p" -e t -e "s/^  \\"$2\\": \\([^\\",]*\\),\\{0,1\\}$/\\1/p" "$1" | head -n 1`,
        "}",
    ];
}

/**
 * `verify_backup DIR`: checks that DIR holds a complete backup whose snapshot matches its
 * manifest's size and sha256. Sets `backup_file` (the snapshot's path), `backup_zxid`,
 * `backup_members` and `backup_znodes`; on a problem sets `backup_problem` and returns 1.
 */
export function verifyBackupFunction(): string[] {
    return [
        ...manifestFieldFunction(),
        "verify_backup() {",
        `  local dir="$1" m="$1/${MANIFEST_FILE_NAME}" name size sha actual`,
        '  backup_problem=""',
        '  if [ ! -d "$dir" ]; then backup_problem="it does not exist"; return 1; fi',
        `  if [ ! -f "$m" ]; then backup_problem="it is incomplete: it has no ${MANIFEST_FILE_NAME}"; return 1; fi`,
        '  name="$(manifest_field "$m" snapshotFile)"; size="$(manifest_field "$m" sizeBytes)"; sha="$(manifest_field "$m" sha256)"',
        '  backup_zxid="$(manifest_field "$m" zxid)"; backup_members="$(manifest_field "$m" members)"; backup_znodes="$(manifest_field "$m" znodeCount)"',
        '  if [ -z "$name" ] || [ -z "$size" ] || [ -z "$sha" ] || [ -z "$backup_members" ]; then backup_problem="its manifest is incomplete"; return 1; fi',
        '  backup_file="$dir/$name"',
        '  if [ ! -f "$backup_file" ]; then backup_problem="it is incomplete: its snapshot $name is missing"; return 1; fi',
        '  actual="$(stat -c %s "$backup_file")"',
        '  if [ "$actual" != "$size" ]; then backup_problem="it is truncated: $name has $actual of $size bytes"; return 1; fi',
        '  actual="$(sha256sum "$backup_file" | cut -d" " -f1)"',
        '  if [ "$actual" != "$sha" ]; then backup_problem="its snapshot does not match its checksum (sha256 $actual, manifest $sha)"; return 1; fi',
        "  return 0",
        "}",
    ];
}
