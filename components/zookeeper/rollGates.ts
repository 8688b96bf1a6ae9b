/**
 * Shell scripts run by the one-shot "gate" containers that make ensemble
 * updates rolling and size changes safe (see ZooKeeperEnsemble). They run
 * inside the ZooKeeper image itself, which has bash, nc and zkCli.sh, and talk
 * to the servers with the `srvr` four-letter word and zkCli over the ensemble
 * network; membership changes authenticate as the superuser (SUPER_AUTH_FILE).
 *
 * A gate signals success by creating PASS_MARKER and staying alive a few
 * seconds; the container's health check turns healthy on the marker and the
 * docker provider (`wait: true`) fails the deployment when that does not
 * happen in time. A gate's exit code alone would not stop `pulumi up`: the
 * provider records it but does not fail on it.
 */
import { z } from "zod";
import { allowing, parseArgs } from "../shared/contract";
import { rollTimeoutSecondsField, serverEntrySchema } from "./schema";
import { CLIENT_PORT } from "./zooCfg";
import { JOINING_VERSION, MEMBERSHIP_DIR, newestDynamicFunction } from "./membership";
import {
    DEPLOYMENT_RECORD_ZNODE,
    SUPER_AUTH_FILE,
    assignments,
    renderMemberLine,
    renderReadConfig,
    renderReconfig,
    renderShellPreamble,
} from "./gateShell";

export { PASS_LINGER_SECONDS, PASS_MARKER } from "./gateShell";

/**
 * Seconds between a gate's `srvr` polls. A poll is one `nc` per server; waiting
 * two seconds between them added up to a second to every gate that waits.
 */
export const GATE_POLL_SECONDS = 0.5;

/**
 * Polls in a row in which no other member may serve before a roll gate
 * decides there is no quorum to protect. One lost answer must not let the
 * roll take a second member down while the first is still away; on a first
 * deployment this costs a gate (NO_PEER_POLLS - 1) x GATE_POLL_SECONDS.
 */
export const NO_PEER_POLLS = 3;

/** One member: its id and host name. */
export interface GateMember {
    id: number;
    host: string;
}

/**
 * What a roll gate checks. The gate mounts the target's data volume read-only at /data and takes
 * the members from the target's newest dynamic file there, so a size change leaves the gates of the
 * servers that stay as they are (membership is not among their inputs).
 */
export interface RollGateSettings {
    /** The server that has just been (re)created. */
    target: GateMember;
    /** Give up after this many seconds. */
    timeoutSeconds: number;
}

/** What the final ready gate checks. */
export interface ReadyGateSettings {
    /** Every member the program wants. */
    servers: GateMember[];
    /** Hash of the servers' settings, recorded with the membership (see DEPLOYMENT_RECORD_ZNODE). */
    settingsHash: string;
    /** Give up after this many seconds. */
    timeoutSeconds: number;
}

const membersSchema = allowing(z.array(serverEntrySchema).min(1), "must list at least one server, each with an id and a host name");

const rollGateSettingsSchema = z.strictObject({
    target: serverEntrySchema,
    timeoutSeconds: rollTimeoutSecondsField(),
});

const readyGateSettingsSchema = z.strictObject({
    servers: membersSchema,
    settingsHash: allowing(z.string().regex(/^[a-f0-9]{8,64}$/), "must be a hex digest"),
    timeoutSeconds: rollTimeoutSecondsField(),
});

/** `host:2181,...` of the members, for zkCli. */
function clientList(servers: readonly GateMember[]): string {
    return servers.map((s) => `${s.host}:${CLIENT_PORT}`).join(",");
}

/** The members sorted by id, as shell assignments the scripts share. */
function memberAssignments(servers: readonly GateMember[], timeoutSeconds: number): string[] {
    const sorted = [...servers].sort((a, b) => a.id - b.id);
    return assignments({
        all: clientList(sorted),
        hosts: `"${sorted.map((s) => s.host).join(" ")}"`,
        ids: sorted.map((s) => s.id).join(","),
        timeout: String(timeoutSeconds),
        deadline: "$((SECONDS + timeout))",
    });
}

/** Znodes the ready gate probes (they never exist) to mark where each server's answer ends. */
const VIEW_PROBE_PREFIX = "/pulumi-zookeeper-docker/view-of-";

/** Shell test: the `server.N=` lines in $cfg include id $1. */
const HAS_MEMBER = 'has_member() { printf \'%s\\n\' "$cfg" | grep -q "^server\\.$1="; }';

/**
 * Script of the gate that follows a server. It lets the next server be
 * replaced only once this one serves again, so at most one member is down at
 * any time during a roll; and when the server is new to a live ensemble (a
 * size change), it adds it with `reconfig -add` first, so servers join one
 * at a time.
 *
 * The members come from the target's newest dynamic file (its data volume is
 * mounted read-only at /data). Once the target serves, that file holds the
 * configuration it synced from the leader: when it lists the target at a
 * committed version, the target is a member and no zkCli is needed; otherwise
 * the gate asks the ensemble and adds it. The ready gate checks every
 * server's configuration at the end either way.
 *
 * When no other member serves, there is no quorum to protect (first
 * creation, or an ensemble that is down anyway) and the gate passes at once;
 * that is what makes the first `pulumi up` start all servers without waiting.
 */
export function renderRollGateScript(settings: RollGateSettings): string {
    parseArgs("renderRollGateScript", "settings", rollGateSettingsSchema, settings);
    const { target } = settings;
    return [
        ...renderShellPreamble("roll-gate"),
        ...renderReadConfig(),
        ...renderReconfig(),
        ...newestDynamicFunction(),
        HAS_MEMBER,
        ...assignments({
            target: target.host,
            target_id: String(target.id),
            target_line: `'${renderMemberLine(target.id, target.host)}'`,
            timeout: String(settings.timeoutSeconds),
            deadline: "$((SECONDS + timeout))",
        }),
        'lists_target() { grep -q "^server\\.${target_id}=" "$1"; }',
        'membership="$(newest_dynamic)"',
        `[ -n "$membership" ] || fail "$target has no membership file in ${MEMBERSHIP_DIR}; its seed step writes one before it starts. Run pulumi up again"`,
        'peers="$(grep -v "^server\\.${target_id}=" "$membership" | member_hosts | paste -sd\' \' -)"',
        `all="$(for h in $peers $target; do echo "$h:${CLIENT_PORT}"; done | paste -sd, -)"`,
        'serving_peer=""',
        `for attempt in $(seq ${NO_PEER_POLLS}); do`,
        "  for p in $peers; do",
        '    case "$(mode_of "$p")" in leader|follower) serving_peer="$p"; break 2;; esac',
        "  done",
        `  [ "$attempt" -lt ${NO_PEER_POLLS} ] && sleep ${GATE_POLL_SECONDS}`,
        "done",
        'if [ -z "$serving_peer" ]; then',
        `  pass "no other member of the ensemble served in ${NO_PEER_POLLS} polls; nothing to protect, $target may start freely"`,
        "fi",
        'echo "roll-gate: $serving_peer serves; waiting up to ${timeout}s for $target to join as leader or follower"',
        "while :; do",
        '  mode="$(mode_of "$target")"',
        '  case "$mode" in leader|follower) break;; esac',
        '  [ $SECONDS -lt $deadline ] || fail "$target did not serve as leader or follower within ${timeout}s; stopping the roll so the remaining members keep their quorum and membership. See docker logs $target, fix the cause and run pulumi up again"',
        `  sleep ${GATE_POLL_SECONDS}`,
        "done",
        'membership="$(newest_dynamic)"',
        `if [ "\${membership##*.}" != ${JOINING_VERSION} ] && lists_target "$membership"; then`,
        '  pass "$target serves as $mode, a member of configuration version ${membership##*.} ($(member_ids < "$membership"))"',
        "fi",
        'read_config "$all"',
        'has_member "$target_id" && pass "$target serves as $mode, a member of configuration version $cfg_version ($cfg_ids)"',
        'echo "roll-gate: $target serves but is not a member of configuration version $cfg_version ($cfg_ids); adding it"',
        `. ${SUPER_AUTH_FILE}`,
        'reconfig "$all" -add "$target_line"',
        'pass "$target added: configuration version $cfg_version ($cfg_ids)"',
        "",
    ].join("\n");
}

/**
 * Script of the gate after the last server. It makes the live membership the
 * program's: it adds any member still missing (the last new server of a size
 * change), removes members beyond the program's (`reconfig -remove`, before
 * Pulumi deletes their containers), records what it committed
 * (DEPLOYMENT_RECORD_ZNODE; the write also makes a new configuration active),
 * checks that every server reports the same configuration version with the
 * expected members, and waits until all of them serve with one leader, so
 * `pulumi up` returns only when the ensemble can take requests.
 */
export function renderReadyGateScript(settings: ReadyGateSettings): string {
    parseArgs("renderReadyGateScript", "settings", readyGateSettingsSchema, settings);
    const sorted = [...settings.servers].sort((a, b) => a.id - b.id);
    const record = `members=${sorted.map((s) => s.id).join(",")};settings=${settings.settingsHash}`;
    const recordParent = DEPLOYMENT_RECORD_ZNODE.substring(0, DEPLOYMENT_RECORD_ZNODE.lastIndexOf("/"));
    const recordCommands = [
        "addauth digest %s",
        `create ${recordParent} ensemble world:anyone:r`,
        `create ${DEPLOYMENT_RECORD_ZNODE} %s world:anyone:r`,
        `set ${DEPLOYMENT_RECORD_ZNODE} %s`,
        `get ${DEPLOYMENT_RECORD_ZNODE}`,
        "quit",
    ];
    return [
        ...renderShellPreamble("ready-gate"),
        ...renderReadConfig(),
        ...renderReconfig(),
        HAS_MEMBER,
        ...memberAssignments(sorted, settings.timeoutSeconds),
        ...assignments({ lines: `'${sorted.map((s) => renderMemberLine(s.id, s.host)).join("\n")}'`, record: `'${record}'` }),
        `. ${SUPER_AUTH_FILE}`,
        "all_serve() {",
        '  leaders=0; serving=0; status=""',
        "  for s in $hosts; do",
        '    mode="$(mode_of "$s")"',
        '    status="$status $s=${mode:-down}"',
        '    case "$mode" in leader) leaders=$((leaders + 1)); serving=$((serving + 1));; follower) serving=$((serving + 1));; esac',
        "  done",
        '  [ $serving -eq $(wc -w <<<"$hosts") ]',
        "}",
        "until all_serve; do",
        '  [ $SECONDS -lt $deadline ] || fail "the ensemble did not become ready within ${timeout}s:$status"',
        `  sleep ${GATE_POLL_SECONDS}`,
        "done",
        'read_config "$all"',
        "for id in ${ids//,/ }; do",
        '  has_member "$id" && continue',
        '  echo "ready-gate: adding server $id to configuration version $cfg_version ($cfg_ids)"',
        '  reconfig "$all" -add "$(printf \'%s\\n\' "$lines" | grep "^server\\.$id=")"',
        "done",
        'extra="$(comm -23 <(tr , \'\\n\' <<<"$cfg_ids" | sort) <(tr , \'\\n\' <<<"$ids" | sort) | sort -n | paste -sd, -)"',
        'if [ -n "$extra" ]; then',
        '  echo "ready-gate: removing server(s) $extra from configuration version $cfg_version ($cfg_ids)"',
        '  reconfig "$all" -remove "$extra"',
        "fi",
        `out="$(printf '${recordCommands.join("\\n")}\\n' "$SUPER_AUTH" "$record" "$record" | zk "$all")"`,
        `printf '%s\\n' "$out" | grep -qxF "$record" || fail "could not record the membership in ${DEPLOYMENT_RECORD_ZNODE}"`,
        // One zkCli session asks every server for its own view, each followed by the probe of a
        // znode that does not exist: zkCli's "Node does not exist: <path>" closes that server's part.
        "views() {",
        `  { for s in $hosts; do printf 'connect %s:${CLIENT_PORT}\\nconfig\\nget ${VIEW_PROBE_PREFIX}%s\\n' "$s" "$s"; done; echo quit; } | zk "$all" |`,
        '    awk \'/^server\\.[0-9]+=/ { id = $0; sub(/^server\\./, "", id); sub(/=.*/, "", id); ids = ids " " id; next }',
        "         /^version=/ { v = substr($0, 9); next }",
        `         index($0, "Node does not exist: ${VIEW_PROBE_PREFIX}") == 1 { h = substr($0, ${"Node does not exist: ".length + VIEW_PROBE_PREFIX.length + 1}); print h, (v == "" ? "none" : v), ids; v = ""; ids = "" }'`,
        "}",
        "while :; do",
        '  wrong=""; seen=0',
        "  while read -r host v rest; do",
        "    seen=$((seen + 1))",
        "    m=\"$(tr ' ' '\\n' <<<\"$rest\" | grep . | sort -n | paste -sd, -)\"",
        '    [ "$v" = "$cfg_version" ] && [ "$m" = "$ids" ] || wrong="$wrong $host reports configuration version $v (${m:-no members});"',
        "  done < <(views)",
        '  [ $seen -eq $(wc -w <<<"$hosts") ] && [ -z "$wrong" ] && break',
        '  [ $SECONDS -lt $deadline ] || fail "not every server reports configuration version $cfg_version ($ids):${wrong:- only $seen of them answered}"',
        "  sleep 1",
        "done",
        "until all_serve && [ $leaders -eq 1 ]; do",
        '  [ $SECONDS -lt $deadline ] || fail "the ensemble did not serve with one leader within ${timeout}s:$status"',
        `  sleep ${GATE_POLL_SECONDS}`,
        "done",
        'pass "all members serve with one leader, configuration version $cfg_version ($ids):$status"',
        "",
    ].join("\n");
}
