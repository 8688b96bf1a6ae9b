/**
 * Shell functions the one-shot containers of an ensemble share (roll and ready gates, the
 * pre-flight check, the seed step): ask a server for its mode, run zkCli, read a membership,
 * pass. They run in the ZooKeeper image itself, which has bash, nc and zkCli.sh.
 * @internal
 */
import { CLIENT_PORT, ELECTION_PORT, QUORUM_PORT, renderSrvrQuery } from "./zooCfg";

/** File a one-shot container creates when it passes; its health check looks for it. */
export const PASS_MARKER = "/tmp/zookeeper-docker-gate-passed";

/** Created by the health check once it has found a pass marker: from then on Docker reports the gate healthy. */
export function passSeenMarker(passMarker: string): string {
    return `${passMarker}-seen`;
}

/**
 * Seconds a passing gate stays alive after its health check has seen the marker: the provider
 * looks once a second, and must find the gate running and healthy. A fixed linger counted from
 * the marker instead lost that race on a loaded machine, where Docker's first health check exec
 * came after the gate had exited: the update then waited out the gate's whole timeout and failed.
 */
export const PASS_LINGER_SECONDS = 3;

/** Seconds a passing gate waits at most for its health check to run. */
const PASS_SEEN_WAIT_SECONDS = 120;

/**
 * The end of every one-shot script's success: create the pass marker, wait until the health check
 * has seen it (passSeenMarker), linger, exit 0.
 */
export function renderPassLines(passMarker: string = PASS_MARKER): string[] {
    return [
        `  touch ${passMarker}`,
        `  for _ in $(seq 1 ${PASS_SEEN_WAIT_SECONDS * 4}); do [ -f ${passSeenMarker(passMarker)} ] && break; sleep 0.25; done`,
        `  sleep ${PASS_LINGER_SECONDS}`,
        "  exit 0",
    ];
}

/** Secret file of the gates that change membership: `SUPER_AUTH='super:<password>'`. */
export const SUPER_AUTH_FILE = "/run/secrets/zookeeper_super";

/** Znode where the ready gate records the membership and settings it committed. */
export const DEPLOYMENT_RECORD_ZNODE = "/pulumi-zookeeper-docker/ensemble";

/** Modes of a server that serves requests (a single server in quorum mode is a leader). */
export const SERVING_MODES: readonly string[] = Object.freeze(["leader", "follower", "observer"]);

/** One member as a dynamic configuration line, e.g. `server.2=zk-dev-2:2888:3888:participant;2181`. */
export function renderMemberLine(id: number | string, host: string): string {
    return `server.${id}=${host}:${QUORUM_PORT}:${ELECTION_PORT}:participant;${CLIENT_PORT}`;
}

/**
 * JVM flags of every zkCli run: a JVM that lives a second or two spends most of it compiling, so
 * only the first JIT tier and the serial collector; the console shows warnings only.
 */
export const ZKCLI_JVM_FLAGS = "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xss512k -Dzookeeper.console.threshold=WARN";

/** Shell variable assignments, in the order given; values are already quoted where needed. */
export function assignments(values: Readonly<Record<string, string>>): string[] {
    return Object.entries(values).map(([name, value]) => `${name}=${value}`);
}

/**
 * The functions every one-shot script starts with.
 *
 * - `mode_of HOST`: the server's `Mode:` from `srvr`, empty when it does not serve.
 * - `zk SERVERS`: zkCli with commands on stdin; lines holding the superuser's
 *   credentials are dropped (zkCli echoes what it reads).
 * - `member_ids`: the ids of the `server.N=` lines on stdin, sorted, comma-separated.
 * - `member_hosts`: the host names of the `server.N=` lines on stdin, one a line, in their order.
 * - `config_version`: the `version=` of a `config` output on stdin.
 * - `pass MESSAGE`: print, then renderPassLines.
 */
export function renderShellPreamble(tag: string): string[] {
    return [
        "set -u",
        `ZKCLI_JVM_FLAGS="${ZKCLI_JVM_FLAGS}"`,
        "mode_of() {",
        `  ${renderSrvrQuery('"$1"')} 2>/dev/null | sed -n 's/^Mode: //p' | head -n 1`,
        "}",
        "serves() {",
        `  case "$(mode_of "$1")" in ${SERVING_MODES.join("|")}) return 0;; esac`,
        "  return 1",
        "}",
        "zk() {",
        '  ZK_CLIENT_HEAP=64 CLIENT_JVMFLAGS="${ZKCLI_JVM_FLAGS}" zkCli.sh -waitforconnection -timeout 10000 -server "$1" 2>&1 | grep -vF "${SUPER_AUTH:-no credentials}"',
        "}",
        "member_ids() {",
        "  sed -n 's/^server\\.\\([0-9][0-9]*\\)=.*/\\1/p' | sort -n | paste -sd, -",
        "}",
        "member_hosts() {",
        "  sed -n 's/^server\\.[0-9][0-9]*=\\([^:]*\\):.*/\\1/p'",
        "}",
        "config_version() {",
        "  sed -n 's/^version=\\([0-9a-f][0-9a-f]*\\)$/\\1/p' | tail -n 1",
        "}",
        "pass() {",
        `  echo "${tag}: $1"`,
        ...renderPassLines(),
        "}",
        "fail() {",
        `  echo "${tag}: $1" >&2`,
        "  exit 1",
        "}",
    ];
}

/**
 * `read_config SERVERS [COMMANDS]`: sets `cfg` (the `server.N=` lines), `cfg_ids` and
 * `cfg_version` from zkCli's `config`, retrying until `deadline`; fails the script when it never
 * answers. COMMANDS (newline-separated zkCli commands) run in the same session, after `config`;
 * the whole answer is left in `cfg_out`.
 */
export function renderReadConfig(): string[] {
    return [
        "read_config() {",
        "  local out",
        "  while :; do",
        '    out="$(printf \'config\\n%s\\nquit\\n\' "${2:-}" | zk "$1")"; cfg_out="$out"',
        "    cfg=\"$(printf '%s\\n' \"$out\" | grep '^server\\.')\"",
        '    cfg_version="$(printf \'%s\\n\' "$out" | config_version)"',
        '    if [ -n "$cfg" ] && [ -n "$cfg_version" ]; then cfg_ids="$(printf \'%s\\n\' "$cfg" | member_ids)"; return 0; fi',
        '    [ $SECONDS -lt $deadline ] || fail "no server of $1 answered config"',
        "    sleep 1",
        "  done",
        "}",
    ];
}

/**
 * `reconfig SERVERS ARGS...`: one `reconfig` as the superuser, retried until it commits or
 * `deadline` passes (a new server must have synced with the leader first: NewConfigNoQuorum).
 * Sets `cfg`, `cfg_ids` and `cfg_version` to the committed configuration.
 */
export function renderReconfig(): string[] {
    return [
        "reconfig() {",
        '  local servers="$1" out; shift',
        "  while :; do",
        '    out="$(printf \'addauth digest %s\\nreconfig %s\\nquit\\n\' "$SUPER_AUTH" "$*" | zk "$servers")"',
        "    if printf '%s\\n' \"$out\" | grep -q '^Committed new configuration'; then",
        "      cfg=\"$(printf '%s\\n' \"$out\" | grep '^server\\.')\"",
        '      cfg_version="$(printf \'%s\\n\' "$out" | config_version)"',
        '      cfg_ids="$(printf \'%s\\n\' "$cfg" | member_ids)"',
        "      return 0",
        "    fi",
        "    echo \"reconfig $*: not committed yet: $(printf '%s\\n' \"$out\" | grep -oE 'KeeperErrorCode = [A-Za-z]+|Insufficient permission|ConnectionLoss' | head -n 1)\"",
        '    [ $SECONDS -lt $deadline ] || fail "reconfig $* did not commit in time; the membership is still version $cfg_version: $cfg_ids"',
        "    sleep 1",
        "  done",
        "}",
    ];
}

/** `SUPER_AUTH='super:<password>'`: the content of SUPER_AUTH_FILE. */
export function renderSuperAuthSecret(user: string, password: string): string {
    if (!/^[A-Za-z][A-Za-z0-9_-]*$/.test(user) || !/^[!#-&(-9<-[\]-~]{16,128}$/.test(password)) {
        throw new Error(
            "superuser credentials are not allowed: the user must be a name and the password 16..128 printable characters without quotes",
        );
    }
    return `SUPER_AUTH='${user}:${password}'\n`;
}
