/**
 * The membership of an ensemble lives on each server's data volume, not in its container's inputs:
 * ZooKeeper's dynamic reconfiguration rewrites it, and a replaced container must come back with
 * the current one, not with whatever the program knew when it rendered the container.
 *
 * - Every server starts through START_SCRIPT (renderServerStartScript): it writes the real zoo.cfg
 *   on the data volume from the uploaded template (no server lines) and points
 *   `dynamicConfigFile=` at the newest `zoo.cfg.dynamic.<version>` there.
 * - Before a server's first start, its seed step (renderSeedScript, a one-shot container with the
 *   data volume mounted) writes the first dynamic file, only when none exists.
 * - A server that is no longer a member of its newest configuration (it was removed) gets a marker
 *   when it stops, and its data is cleared before it starts again, so a later server with the same
 *   id never starts on old data.
 * Pure text.
 */
import { z } from "zod";
import { parseArgs } from "../shared/contract";
import { assignments, renderMemberLine, renderReadConfig, renderShellPreamble } from "./gateShell";
import { rollTimeoutSecondsField, serverEntrySchema } from "./schema";
import { renderRestoreSeedLines } from "../backup/restoreScripts";
import { BACKUP_ID_PATTERN } from "../backup/schema";

/** Where a server's real zoo.cfg and its dynamic membership files live: on the data volume. */
export const MEMBERSHIP_DIR = "/data/conf";
/** The uploaded static zoo.cfg (renderZooCfg), without server lines. */
export const ZOO_CFG_TEMPLATE_FILE = "/conf/zoo.cfg.template";
/** The uploaded start wrapper every server runs as its entrypoint. */
export const START_SCRIPT_FILE = "/conf/start-server.sh";
/** Written on the data volume when a server stops and is not a member of its newest configuration. */
export const REMOVED_MARKER_FILE = "/data/removed-from-ensemble";
/** Exit code of a server that cannot start without its seed step (EX_CONFIG). */
export const NO_MEMBERSHIP_EXIT_CODE = 78;

/**
 * Version of the first dynamic file of a new ensemble. A server that joins a live ensemble starts
 * at JOINING_VERSION, which is lower, so it takes over the live configuration at once (ZooKeeper
 * adopts only a higher version) instead of electing with a membership of its own.
 */
export const FIRST_CREATION_VERSION = 1;
export const JOINING_VERSION = 0;

/**
 * The shell function `newest_dynamic`: path of the newest `zoo.cfg.dynamic.<hex>` in MEMBERSHIP_DIR, or empty.
 * @internal
 */
export function newestDynamicFunction(): string[] {
    return [
        "newest_dynamic() {",
        '  local best="" bestv=-1 f v',
        `  for f in ${MEMBERSHIP_DIR}/zoo.cfg.dynamic.*; do`,
        '    [ -f "$f" ] || continue',
        '    v="${f##*.}"',
        '    [[ "$v" =~ ^[0-9a-f]+$ ]] || continue',
        '    if (( 16#$v > bestv )); then best="$f"; bestv=$((16#$v)); fi',
        "  done",
        "  printf '%s' \"$best\"",
        "}",
    ];
}

/**
 * The start wrapper of every server (runs as the server's user). It needs no input: its id comes
 * from ZOO_MY_ID and its host name from the container. Once the JVM has exited, a server that is no
 * longer a member of its newest configuration marks its data.
 *
 * The stop signal (SIGTERM from `docker stop`, Pulumi's replace or delete) ends the JVM with
 * SIGKILL. ZooKeeper fsyncs every transaction before acknowledging it and 3.9 installs no shutdown
 * hook (only its audit logger's, off here), so SIGTERM only let the JVM take ~0.3 s to exit: a
 * leader answered nobody in that time while its followers still waited for it, which every
 * rolling update's leader change paid. The wrapper itself must stay alive to write the marker,
 * which is why the container's own stop signal is not SIGKILL.
 */
export function renderServerStartScript(): string {
    return [
        "#!/bin/bash",
        "# Rendered by pulumi-zookeeper-docker: starts this server with the membership on its data volume.",
        "set -uo pipefail",
        ...newestDynamicFunction(),
        'lists_me() { grep -q "^server\\.${ZOO_MY_ID}=" "$1"; }',
        `own_line="${renderMemberLine("${ZOO_MY_ID}", "${HOSTNAME}")}"`,
        'current="$(newest_dynamic)"',
        'if [ -z "$current" ]; then',
        `  echo "start-server: no membership file in ${MEMBERSHIP_DIR}; the server's seed step writes it before the first start (run pulumi up)" >&2`,
        `  exit ${NO_MEMBERSHIP_EXIT_CODE}`,
        "fi",
        `if [ -f ${REMOVED_MARKER_FILE} ] || ! lists_me "$current"; then`,
        `  why="$(cat ${REMOVED_MARKER_FILE} 2>/dev/null || echo "not a member of \${current##*/}")"`,
        '  others="$(grep "^server\\." "$current" | grep -v "^server\\.${ZOO_MY_ID}=")"',
        '  echo "start-server: $why; clearing this server\'s data, it joins as a new server"',
        "  find /data /datalog -mindepth 1 -delete",
        `  mkdir -p ${MEMBERSHIP_DIR}`,
        `  current=${MEMBERSHIP_DIR}/zoo.cfg.dynamic.${JOINING_VERSION}`,
        '  { [ -n "$others" ] && printf \'%s\\n\' "$others"; echo "$own_line"; } > "$current"',
        "fi",
        'echo "$ZOO_MY_ID" > /data/myid',
        `{ cat ${ZOO_CFG_TEMPLATE_FILE}; echo "dynamicConfigFile=$current"; } > ${MEMBERSHIP_DIR}/zoo.cfg`,
        'echo "start-server: server $ZOO_MY_ID starts with membership ${current##*/}"',
        'pid=""',
        'trap \'[ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null\' TERM INT',
        `zkServer.sh start-foreground ${MEMBERSHIP_DIR}/zoo.cfg &`,
        "pid=$!",
        "status=0",
        'wait "$pid" || status=$?',
        'while kill -0 "$pid" 2>/dev/null; do wait "$pid" || status=$?; done',
        'current="$(newest_dynamic)"',
        'if [ -n "$current" ] && ! lists_me "$current"; then',
        `  echo "removed at config version \${current##*.}" > ${REMOVED_MARKER_FILE}`,
        '  echo "start-server: not a member of config version ${current##*.}: data marked for clearing"',
        "fi",
        'exit "$status"',
        "",
    ].join("\n");
}

/** What a server's seed step writes when the server's volume has no membership yet. */
export interface SeedSettings {
    /** The server's id and host name. */
    id: number;
    host: string;
    /** Every member the program wants, this server included. */
    servers: { id: number; host: string }[];
    /** Give up after this many seconds. */
    timeoutSeconds: number;
    /** A backup id: a new ensemble's servers start from its snapshot (see renderRestoreSeedLines). */
    restoreFrom?: string;
}

const seedSettingsSchema = z.strictObject({
    ...serverEntrySchema.shape,
    servers: z.array(serverEntrySchema).min(1),
    timeoutSeconds: rollTimeoutSecondsField(),
    restoreFrom: z.string().regex(BACKUP_ID_PATTERN).optional(),
});

/**
 * Script of a server's seed step. With a membership file on the volume it does nothing. Else:
 * when no other member serves, this is a new ensemble and it writes every member at
 * FIRST_CREATION_VERSION; when some do, it reads their live configuration and writes it as is
 * (this server is a member whose volume is new, e.g. an upgrade from static membership), or the
 * live members plus this server at JOINING_VERSION (a new server; its gate adds it by reconfig).
 */
export function renderSeedScript(settings: SeedSettings): string {
    parseArgs("renderSeedScript", "settings", seedSettingsSchema, settings);
    if (!settings.servers.some((s) => s.id === settings.id && s.host === settings.host)) {
        throw new Error(`server ${settings.id} (${settings.host}) must be one of servers`);
    }
    const peers = settings.servers.filter((s) => s.id !== settings.id);
    const members = [...settings.servers].sort((a, b) => a.id - b.id).map((s) => renderMemberLine(s.id, s.host));
    return [
        ...renderShellPreamble("seed"),
        ...newestDynamicFunction(),
        ...renderReadConfig(),
        ...assignments({
            me: String(settings.id),
            own_line: `'${renderMemberLine(settings.id, settings.host)}'`,
            members: `'${members.join("\n")}'`,
            peers: `"${peers.map((p) => p.host).join(" ")}"`,
            timeout: String(settings.timeoutSeconds),
            deadline: "$((SECONDS + timeout))",
        }),
        'existing="$(newest_dynamic)"',
        `if [ -n "$existing" ]; then pass "the volume has its membership (\${existing##*/})${settings.restoreFrom === undefined ? "" : `; restoreFrom ${settings.restoreFrom} ignored: server ${settings.id} has data`}"; fi`,
        `mkdir -p ${MEMBERSHIP_DIR} || fail "cannot write ${MEMBERSHIP_DIR}"`,
        "write_membership() {",
        `  printf '%s\\n' "$2" > ${MEMBERSHIP_DIR}/.seed.tmp && mv ${MEMBERSHIP_DIR}/.seed.tmp "${MEMBERSHIP_DIR}/zoo.cfg.dynamic.$1"`,
        "}",
        'serving=""',
        "for attempt in 1 2 3; do",
        '  for p in $peers; do serves "$p" && serving="${serving:+$serving,}$p:2181"; done',
        '  [ -n "$serving" ] && break',
        '  [ "$attempt" -lt 3 ] && sleep 0.5',
        "done",
        ...renderRestoreSeedLines(settings.restoreFrom),
        'if [ -z "$serving" ]; then',
        `  write_membership ${FIRST_CREATION_VERSION} "$members"`,
        `  pass "no other member serves: a new ensemble, server $me starts with every member ($(printf '%s\\n' "$members" | member_ids))"`,
        "fi",
        'read_config "$serving"',
        'if printf \'%s\\n\' "$cfg" | grep -q "^server\\.$me="; then',
        '  write_membership "$cfg_version" "$cfg"',
        '  pass "server $me is a member of the live configuration version $cfg_version ($cfg_ids)"',
        "fi",
        `write_membership ${JOINING_VERSION} "$(printf '%s\\n%s' "$cfg" "$own_line")"`,
        'pass "server $me joins the live configuration version $cfg_version ($cfg_ids); its gate adds it"',
        "",
    ].join("\n");
}
