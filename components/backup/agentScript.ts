/**
 * The backup agent: one long-running container per server, in that server's network namespace
 * (Docker's `container:` network mode), the only place the AdminServer (127.0.0.1) answers.
 *
 * - `run`: at every multiple of the interval, each agent asks every server for `srvr`; the agent
 *   of the serving server with the highest zxid (ties: the lowest id) claims the slot on the
 *   backups volume and takes the backup. It serves its metrics meanwhile, and exits when its
 *   server's client port stops answering for a minute, so that Docker restarts it into the
 *   server's current network namespace.
 * - `now`: one backup from this server, at once; its id is the last line (scripts/backup.sh).
 * - `choose`: the id of the server a backup should come from.
 * - `list`: the kept backups, newest first.
 * - `pause`, `resume`: hold or release the schedule (a file on the volume); `pause` returns once no backup runs.
 *
 * A backup is the AdminServer's streamed snapshot, checked (size, and the snapshot's own checksum
 * through ZooKeeper's SnapshotFormatter, which also counts the znodes), with a manifest, moved into
 * place in one rename: a directory named by a backup id is always complete. Pure text.
 */
import { z } from "zod";
import { parseArgs } from "../shared/contract";
import { integer } from "../shared/fields";
import { SUPER_AUTH_FILE, SERVING_MODES, ZKCLI_JVM_FLAGS, assignments } from "../zookeeper/gateShell";
import { serverEntrySchema } from "../zookeeper/schema";
import { renderSrvrQuery } from "../zookeeper/zooCfg";
import {
    ADMIN_SERVER_PORT,
    backupArgsShape,
    AGENT_BACKUPS_DIR,
    BACKUP_METRICS,
    BACKUP_METRICS_PORT,
    MANIFEST_FILE_NAME,
    MIN_BACKUP_ZOOKEEPER_VERSION,
} from "./schema";
import { manifestFieldFunction } from "./shell";

/** What one server's agent is rendered from. */
export interface BackupAgentSettings {
    /** The server this agent runs beside. */
    serverId: number;
    /** Every member, to find the one with the highest zxid. */
    servers: { id: number; host: string }[];
    /** The ensemble's name prefix, recorded in each manifest. */
    namePrefix: string;
    intervalSeconds: number;
    keepCount: number;
    maxAgeSeconds: number;
    /** The agent container's memory limit: the snapshot check's heap is taken from it. */
    memoryMb: number;
}

const agentSettingsSchema = z.strictObject({
    serverId: serverEntrySchema.shape.id,
    servers: z.array(serverEntrySchema).min(1),
    namePrefix: z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/),
    intervalSeconds: integer(10, 604800, "must be 10..604800"),
    keepCount: integer(1, 1000, "must be 1..1000"),
    maxAgeSeconds: integer(1, 1e9, "must be a positive number of seconds"),
    memoryMb: backupArgsShape.memoryMb,
});

/** What the snapshot check's JVM leaves to the rest of the agent (its own non-heap, bash, nc): MB. */
const AGENT_NON_HEAP_MB = 96;

/** The heap of the snapshot check, which loads the whole tree: the agent's memory less its other needs. */
export function checkHeapMb(memoryMb: number): number {
    return memoryMb - AGENT_NON_HEAP_MB;
}

/** On the backups volume, it holds the schedule (scripts/backup.sh pause and resume); on-demand backups still run. */
export const PAUSE_FILE_NAME = ".paused";

/** Seconds the agent's own server may not answer before the agent exits to be restarted. */
export const AGENT_WATCHDOG_SECONDS = 60;

/**
 * `prune DIR NOW`: the retention rule. Of the backups in DIR, newest first, it keeps the first
 * `keep_count` that are at most `keep_seconds` old, and the newest backup whatever its age (a
 * schedule that keeps failing never leaves nothing to restore).
 */
export function pruneFunction(): string[] {
    return [
        // The backups of DIR as directory paths with a trailing slash, newest first (ids sort by time).
        'backups_newest_first() { ls -1d "$1"/2*/ 2>/dev/null | sort -r; }',
        "prune() {",
        "  local rank=0 d taken",
        '  for d in $(backups_newest_first "$1"); do',
        "    rank=$((rank + 1))",
        `    taken="$(manifest_field "\${d}${MANIFEST_FILE_NAME}" takenAtEpoch)"`,
        '    if [ "$rank" -gt 1 ] && { [ "$rank" -gt "$keep_count" ] || [ $(($2 - ${taken:-0})) -gt "$keep_seconds" ]; }; then',
        '      rm -rf "$d" && log "retention: dropped ${d%/}"',
        "    fi",
        "  done",
        "}",
    ];
}

export function renderBackupAgentScript(settings: BackupAgentSettings): string {
    parseArgs("renderBackupAgentScript", "settings", agentSettingsSchema, settings);
    const servers = [...settings.servers].sort((a, b) => a.id - b.id);
    const M = BACKUP_METRICS;
    const dir = AGENT_BACKUPS_DIR;
    return [
        "#!/bin/bash",
        "# Rendered by pulumi-zookeeper-docker: the backup agent of one server (components/backup/agentScript.ts).",
        "set -uo pipefail",
        "umask 077",
        ...assignments({
            me: String(settings.serverId),
            servers: `"${servers.map((s) => `${s.id}:${s.host}`).join(" ")}"`,
            members: servers.map((s) => s.id).join(","),
            ensemble: settings.namePrefix,
            interval: String(settings.intervalSeconds),
            keep_count: String(settings.keepCount),
            keep_seconds: String(settings.maxAgeSeconds),
            min_version: MIN_BACKUP_ZOOKEEPER_VERSION,
            dir,
            failures_file: "/tmp/backup-failures",
            check_heap_mb: String(checkHeapMb(settings.memoryMb)),
        }),
        `source ${SUPER_AUTH_FILE}`,
        'log() { echo "backup-agent[$me]: $*" >&2; }',
        ...manifestFieldFunction(),
        ...pruneFunction(),
        `srvr() { ${renderSrvrQuery('"$1"')} 2>/dev/null; }`,
        // Counted in this container: the run loop and `docker exec ... now` share it.
        'refuse() { log "refused: $*"; echo $(( $(cat "$failures_file" 2>/dev/null || echo 0) + 1 )) > "$failures_file"; return 1; }',
        "choose() {",
        '  local best="" bestz=-1 pair id host out z',
        "  for pair in $servers; do",
        '    id="${pair%%:*}"; host="${pair#*:}"; [ "$id" = "$me" ] && host=127.0.0.1',
        '    out="$(srvr "$host")"',
        `    case "$(sed -n 's/^Mode: //p' <<<"$out")" in ${SERVING_MODES.join("|")}) ;; *) continue;; esac`,
        '    z="$(sed -n \'s/^Zxid: 0x\\([0-9a-f]*\\)$/\\1/p\' <<<"$out")"',
        '    [ -n "$z" ] || continue',
        '    if (( 16#$z > bestz )); then bestz=$((16#$z)); best="$id"; fi',
        "  done",
        '  [ -n "$best" ] && echo "$best"',
        "}",
        // Jetty keeps the connection open after the body: read exactly Content-Length bytes.
        "admin_get() {",
        '  local line len=""',
        '  http_status=""; http_headers=""',
        `  exec 3< <(printf 'GET %s HTTP/1.0\\r\\nHost: localhost\\r\\nAuthorization: digest %s\\r\\n\\r\\n' "$1" "$SUPER_AUTH" | timeout 600 nc -N 127.0.0.1 ${ADMIN_SERVER_PORT} 2>/dev/null)`,
        "  IFS= read -r -t 120 line <&3 || { exec 3<&-; return 1; }",
        "  http_status=\"$(awk '{print $2}' <<<\"${line%$'\\r'}\")\"",
        "  while IFS= read -r -t 30 line <&3; do",
        '    line="${line%$\'\\r\'}"; [ -z "$line" ] && break',
        "    http_headers+=\"$line\"$'\\n'",
        "  done",
        '  len="$(header content-length)"',
        '  if [ -n "$len" ]; then head -c "$len" <&3 > "$2"; else timeout 120 cat <&3 > "$2"; fi',
        "  exec 3<&-",
        "}",
        'header() { printf \'%s\' "$http_headers" | sed -n "s/^$1: *//Ip" | head -n 1; }',
        // ZooKeeper's JSON answer: its "error" text, nothing when it is null (a 429 says no more), else the body's start.
        "error_of() {",
        '  if grep -q \'"error" *: *null\' "$1"; then return 0; fi',
        '  sed -n \'s/.*"error" *: *"\\([^"]*\\)".*/\\1/p\' "$1" | head -n 1 | grep . || head -c 200 "$1"',
        "}",
        // Reading the whole snapshot checks its checksum first; the count line follows. Niced, as the
        // hashing is: the servers' requests come first on a busy host.
        "znode_count() {",
        '  local lib; lib="$(dirname "$(command -v zkServer.sh)")/../lib"',
        // The whole tree is loaded: the heap is what the agent's memory limit leaves (renderBackupAgentScript).
        `  nice -n 10 java ${ZKCLI_JVM_FLAGS} -Xmx\${check_heap_mb}m -cp "$lib/*" org.apache.zookeeper.server.SnapshotFormatter "$1" 2>"$1.err" | sed -n 's/^ZNode Details (count=\\([0-9]*\\)).*/\\1/p' | head -n 1 | grep .`,
        "}",
        // One backup at a time across the ensemble's agents (they share the volume): the lock on fd 9, held until the shell exits.
        'hold_lock() { exec 9>"$dir/.lock"; flock -w 300 9; }',
        "take() {",
        // `take scheduled` looks at the pause file again under the lock: `pause` returns with no backup to come.
        `  ( hold_lock || { refuse "another backup has held $dir/.lock for 300 s"; exit 1; }; [ "\${1:-}" = scheduled ] && [ -e "$dir/${PAUSE_FILE_NAME}" ] && exit 0; take_locked )`,
        "}",
        "take_locked() {",
        "  local t0 out version stage zxid size actual count sha file id took",
        "  t0=$(date +%s%N)",
        '  out="$(srvr 127.0.0.1)"',
        '  version="$(sed -n \'s/^Zookeeper version: \\([0-9][0-9.]*\\).*/\\1/p\' <<<"$out")"',
        '  [ -n "$version" ] || { refuse "server $me does not answer srvr on 127.0.0.1"; return 1; }',
        '  if [ "$(printf \'%s\\n%s\\n\' "$min_version" "$version" | sort -V | head -n 1)" != "$min_version" ]; then',
        '    refuse "server $me runs ZooKeeper $version; backups need $min_version or later (its snapshot command checks permissions wrongly: CVE-2025-58457)"; return 1',
        "  fi",
        '  stage="$dir/.staging/$me-$$"; rm -rf "$stage"; mkdir -p "$stage"',
        '  if ! admin_get "/commands/snapshot?streaming=true" "$stage/snapshot"; then',
        `    rm -rf "$stage"; refuse "the AdminServer of server $me (127.0.0.1:${ADMIN_SERVER_PORT}) did not answer"; return 1`,
        "  fi",
        '  if [ "$http_status" != 200 ]; then',
        '    local why; why="$(error_of "$stage/snapshot")"; rm -rf "$stage"',
        '    case "$http_status" in',
        '      401|403) refuse "the snapshot command refused the superuser (HTTP $http_status)${why:+: $why}";;',
        '      429) refuse "the snapshot command is rate-limited (HTTP 429: a server allows one snapshot every half interval)${why:+: $why}; try again later";;',
        '      *) refuse "the snapshot command failed (HTTP $http_status)${why:+: $why}";;',
        "    esac",
        "    return 1",
        "  fi",
        '  zxid="$(header last_zxid)"; size="$(header snapshot_size)"; actual="$(stat -c %s "$stage/snapshot")"',
        '  [[ "$zxid" =~ ^0x[0-9a-f]+$ ]] || { rm -rf "$stage"; refuse "the snapshot came without a last_zxid header"; return 1; }',
        '  [ "$actual" = "$size" ] || { rm -rf "$stage"; refuse "the snapshot is truncated: $actual of $size bytes"; return 1; }',
        '  count="$(znode_count "$stage/snapshot")" || { local err; err="$(grep -v "^\\s*at " "$stage/snapshot.err" | tail -n 1)"; rm -rf "$stage"; refuse "the snapshot does not read back (checksum, format or the agent\'s memory: backup.memoryMb)${err:+: $err}"; return 1; }',
        '  rm -f "$stage/snapshot.err"',
        '  sha="$(nice -n 10 sha256sum "$stage/snapshot" | cut -d" " -f1)"',
        '  file="snapshot.${zxid#0x}"; mv "$stage/snapshot" "$stage/$file"',
        '  id="$(date -u +%Y%m%dT%H%M%SZ)-$zxid"',
        '  [ ! -e "$dir/$id" ] || { rm -rf "$stage"; refuse "backup $id exists already"; return 1; }',
        '  took="$(awk -v ns=$(( $(date +%s%N) - t0 )) \'BEGIN { printf "%.3f", ns / 1e9 }\')"',
        "  {",
        "    echo '{'",
        '    printf \'  "%s": "%s",\\n\' id "$id" ensemble "$ensemble" members "$members" zookeeperVersion "$version" zxid "$zxid"',
        '    printf \'  "%s": "%s",\\n\' takenAt "$(date -u -d "@$((t0 / 1000000000))" +%Y-%m-%dT%H:%M:%SZ)" sha256 "$sha" snapshotFile "$file"',
        '    printf \'  "%s": %s,\\n\' serverId "$me" takenAtEpoch "$((t0 / 1000000000))" durationSeconds "$took" znodeCount "$count"',
        '    printf \'  "%s": %s\\n\' sizeBytes "$size"',
        "    echo '}'",
        `  } > "$stage/${MANIFEST_FILE_NAME}"`,
        '  mv "$stage" "$dir/$id" || { rm -rf "$stage"; refuse "cannot move the backup into $dir"; return 1; }',
        '  prune "$dir" "$(date +%s)"',
        '  log "backup $id from server $me: zxid $zxid, $count znodes, $size bytes, sha256 $sha, ${took} s"',
        '  echo "$id"',
        "}",
        // `metric NAME TYPE VALUE`, and a field of the newest backup's manifest (0 before the first one).
        'metric() { printf \'# TYPE %s %s\\n%s %s\\n\' "$1" "$2" "$1" "$3"; }',
        `newest_field() { manifest_field "$(backups_newest_first "$dir" | head -n 1)${MANIFEST_FILE_NAME}" "$1" 2>/dev/null | grep . || echo 0; }`,
        "metrics() {",
        `  metric ${M.lastSuccess} gauge "$(newest_field takenAtEpoch)"`,
        `  metric ${M.lastDuration} gauge "$(newest_field durationSeconds)"`,
        `  metric ${M.lastSize} gauge "$(newest_field sizeBytes)"`,
        `  metric ${M.lastZnodes} gauge "$(newest_field znodeCount)"`,
        `  metric ${M.kept} gauge "$(backups_newest_first "$dir" | wc -l)"`,
        `  metric ${M.failures} counter "$(cat "$failures_file" 2>/dev/null || echo 0)"`,
        `  metric ${M.paused} gauge "$([ -e "$dir/${PAUSE_FILE_NAME}" ] && echo 1 || echo 0)"`,
        "}",
        // One scrape at a time is enough for Prometheus; the answer is rendered once a request has come in.
        "serve_metrics() {",
        "  local fifo=/tmp/backup-metrics.fifo",
        '  rm -f "$fifo"; mkfifo "$fifo"',
        "  while :; do",
        `    nc -l -N -q 1 -p ${BACKUP_METRICS_PORT} < "$fifo" 2>/dev/null | { IFS= read -r -t 10 _; printf 'HTTP/1.0 200 OK\\r\\nContent-Type: text/plain; version=0.0.4\\r\\n\\r\\n'; metrics; } > "$fifo" || sleep 1`,
        "  done",
        "}",
        "watchdog() {",
        "  local since=$SECONDS",
        "  while :; do",
        `    if srvr 127.0.0.1 | grep -q '^Zookeeper version'; then since=$SECONDS; elif [ $((SECONDS - since)) -ge ${AGENT_WATCHDOG_SECONDS} ]; then`,
        `      log "server $me has not answered on 127.0.0.1 for ${AGENT_WATCHDOG_SECONDS} s: exiting, to be restarted in its current network namespace"; kill -TERM $$; exit 1`,
        "    fi",
        "    sleep 5",
        "  done",
        "}",
        "run() {",
        '  mkdir -p "$dir/.claims" "$dir/.staging"; rm -rf "$dir/.staging/$me-"*',
        '  log "server $me: a backup every $interval s, keeping $keep_count for at most $keep_seconds s, in $dir"',
        "  serve_metrics & watchdog &",
        "  trap 'kill $(jobs -p) 2>/dev/null; exit 0' TERM INT",
        "  local now slot chosen",
        "  while :; do",
        "    now=$(date +%s); slot=$(( (now / interval + 1) * interval ))",
        "    sleep $((slot - now)) & wait $!",
        `    [ -e "$dir/${PAUSE_FILE_NAME}" ] && continue`,
        // Not a backup failure: the ensemble is down or forming (its own alerts say so); a long one makes the backups too old.
        '    chosen="$(choose)" || { log "slot $slot: no server serves, no backup"; continue; }',
        '    [ "$chosen" = "$me" ] || continue',
        '    mkdir "$dir/.claims/$slot" 2>/dev/null || continue',
        "    take scheduled >/dev/null",
        '    ls -1d "$dir/.claims/"* 2>/dev/null | sort -r | tail -n +50 | xargs -r rm -rf',
        "  done",
        "}",
        'case "${1:-run}" in',
        "  run) run;;",
        "  now) take;;",
        '  choose) choose || { echo "backup-agent[$me]: no server serves" >&2; exit 1; };;',
        `  list) for d in $(backups_newest_first "$dir"); do m="\${d}${MANIFEST_FILE_NAME}"; echo "$(manifest_field "$m" id) zxid $(manifest_field "$m" zxid), $(manifest_field "$m" znodeCount) znodes, $(manifest_field "$m" sizeBytes) bytes, from server $(manifest_field "$m" serverId)"; done;;`,
        // The schedule (scripts/backup.sh pause|resume). Taking the lock waits out a backup in progress: none runs once pause returns.
        `  pause) touch "$dir/${PAUSE_FILE_NAME}" || exit 1; hold_lock || { echo "backup-agent[$me]: another backup has held $dir/.lock for 300 s" >&2; exit 1; };;`,
        `  resume) rm -f "$dir/${PAUSE_FILE_NAME}";;`,
        '  *) echo "usage: backup-agent.sh run|now|choose|list|pause|resume" >&2; exit 64;;',
        "esac",
        "",
    ].join("\n");
}
