/**
 * Shell scripts run by the one-shot "gate" containers that make ensemble
 * updates rolling (see ZooKeeperEnsemble). They run inside the ZooKeeper image
 * itself, which has bash and nc, and talk to the servers with the `srvr`
 * four-letter word over the ensemble network.
 *
 * A gate signals success by creating PASS_MARKER and staying alive a few
 * seconds; the container's health check turns healthy on the marker and the
 * docker provider (`wait: true`) fails the deployment when that does not
 * happen in time. A gate's exit code alone would not stop `pulumi up`: the
 * provider records it but does not fail on it.
 */
import { z } from "zod";
import { allowing, parseArgs } from "../shared/contract";
import { dockerHostName, rollTimeoutSecondsField } from "./schema";
import { renderSrvrQuery } from "./zooCfg";

/** File a gate creates when it passes; its health check looks for it. */
export const PASS_MARKER = "/tmp/zookeeper-docker-gate-passed";

/**
 * Seconds a passing gate stays alive after creating the marker. Must exceed
 * the health check interval plus the provider's one-second polling, or the
 * container could exit before anyone saw it healthy.
 */
export const PASS_LINGER_SECONDS = 4;

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

/** What a roll gate checks. */
export interface RollGateSettings {
    /** Host name of the server that has just been (re)created. */
    target: string;
    /** Host names of the other servers of the ensemble. */
    peers: string[];
    /** Give up after this many seconds. */
    timeoutSeconds: number;
}

/** What the final ready gate checks. */
export interface ReadyGateSettings {
    /** Host names of every server of the ensemble. */
    servers: string[];
    /** Give up after this many seconds. */
    timeoutSeconds: number;
}

const rollGateSettingsSchema = z.strictObject({
    target: dockerHostName(),
    peers: z.array(dockerHostName()),
    timeoutSeconds: rollTimeoutSecondsField(),
});

const readyGateSettingsSchema = z.strictObject({
    servers: allowing(z.array(dockerHostName()).min(1), "must list at least one server host name"),
    timeoutSeconds: rollTimeoutSecondsField(),
});

/** Shell variable assignments, in the order given; values are already quoted where needed. */
function assignments(values: Readonly<Record<string, string>>): string[] {
    return Object.entries(values).map(([name, value]) => `${name}=${value}`);
}

/** Functions both scripts share: ask a server for its mode, and pass. */
function preamble(): string[] {
    return [
        "set -u",
        "mode_of() {",
        `  ${renderSrvrQuery('"$1"')} 2>/dev/null | sed -n 's/^Mode: //p' | head -n 1`,
        "}",
        "pass() {",
        `  touch ${PASS_MARKER}`,
        `  sleep ${PASS_LINGER_SECONDS}`,
        "  exit 0",
        "}",
    ];
}

/**
 * Script of the gate that follows a server. It lets the next server be
 * replaced only once this one serves again, so at most one member is down at
 * any time during a roll.
 *
 * When no other member serves, there is no quorum to protect (first
 * creation, or an ensemble that is down anyway) and the gate passes at once;
 * that is what makes the first `pulumi up` start all servers without waiting.
 */
export function renderRollGateScript(settings: RollGateSettings): string {
    parseArgs("renderRollGateScript", "settings", rollGateSettingsSchema, settings);
    if (settings.peers.includes(settings.target)) {
        throw new Error(`peers must not include the target "${settings.target}"`);
    }
    return [
        ...preamble(),
        ...assignments({ target: settings.target, peers: `"${settings.peers.join(" ")}"`, timeout: String(settings.timeoutSeconds) }),
        'serving_peer=""',
        `for attempt in $(seq ${NO_PEER_POLLS}); do`,
        "  for p in $peers; do",
        '    case "$(mode_of "$p")" in leader|follower) serving_peer="$p"; break 2;; esac',
        "  done",
        `  [ "$attempt" -lt ${NO_PEER_POLLS} ] && sleep ${GATE_POLL_SECONDS}`,
        "done",
        'if [ -z "$serving_peer" ]; then',
        `  echo "roll-gate: no other member of the ensemble served in ${NO_PEER_POLLS} polls; nothing to protect, $target may start freely"`,
        "  pass",
        "fi",
        'echo "roll-gate: $serving_peer serves; waiting up to ${timeout}s for $target to join as leader or follower"',
        "deadline=$((SECONDS + timeout))",
        "while [ $SECONDS -lt $deadline ]; do",
        '  mode="$(mode_of "$target")"',
        '  case "$mode" in leader|follower) echo "roll-gate: $target serves as $mode"; pass;; esac',
        `  sleep ${GATE_POLL_SECONDS}`,
        "done",
        'echo "roll-gate: $target did not serve as leader or follower within ${timeout}s; stopping the roll so the remaining members keep their quorum" >&2',
        "exit 1",
        "",
    ].join("\n");
}

/**
 * Script of the gate after the last server: waits until every member serves
 * and exactly one of them leads (a single server must report standalone), so
 * `pulumi up` returns only when the ensemble can take requests.
 */
export function renderReadyGateScript(settings: ReadyGateSettings): string {
    parseArgs("renderReadyGateScript", "settings", readyGateSettingsSchema, settings);
    const standalone = settings.servers.length === 1;
    return [
        ...preamble(),
        ...assignments({ servers: `"${settings.servers.join(" ")}"`, timeout: String(settings.timeoutSeconds) }),
        "deadline=$((SECONDS + timeout))",
        'status=""',
        "while [ $SECONDS -lt $deadline ]; do",
        '  leaders=0; serving=0; status=""',
        "  for s in $servers; do",
        '    mode="$(mode_of "$s")"',
        '    status="$status $s=${mode:-down}"',
        ...(standalone
            ? ['    [ "$mode" = standalone ] && serving=$((serving + 1))']
            : [
                  '    case "$mode" in',
                  "      leader) leaders=$((leaders + 1)); serving=$((serving + 1));;",
                  "      follower) serving=$((serving + 1));;",
                  "    esac",
              ]),
        "  done",
        standalone
            ? '  if [ $serving -eq 1 ]; then echo "ready-gate: standalone server serves:$status"; pass; fi'
            : `  if [ $serving -eq ${settings.servers.length} ] && [ $leaders -eq 1 ]; then echo "ready-gate: all members serve with one leader:$status"; pass; fi`,
        `  sleep ${GATE_POLL_SECONDS}`,
        "done",
        'echo "ready-gate: the ensemble did not become ready within ${timeout}s:$status" >&2',
        "exit 1",
        "",
    ].join("\n");
}
