/**
 * A sandbox in which the one-shot scripts (gates, pre-flight, seed, the server's start script) run
 * for real with bash, against stubs: `nc` answers `srvr` with the mode a test gives each host, and
 * `zkCli.sh` keeps a membership (server lines and a version), the deployment record and the
 * superuser's password in files, answering `config`, `reconfig`, `create`, `set` and `get` the way
 * ZooKeeper 3.9's zkCli prints them.
 *
 * Substitutions keep the runs safe and short without changing the scripts' logic: fixed paths
 * (the pass marker, /data, /datalog, /conf, /run/secrets) become files in the sandbox, and the
 * timeout (at least 10 s by contract) is shortened to a second or two.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PASS_MARKER, passSeenMarker, renderMemberLine } from "../../components/zookeeper/gateShell";

/** Server `id` of the test ensemble `zk-dev`. */
export const member = (id: number) => ({ id, host: `zk-dev-${id}` });
/** Servers 1..n of `zk-dev`. */
export const members = (n: number) => Array.from({ length: n }, (_, i) => member(i + 1));
/** The dynamic configuration lines of the given servers of `zk-dev`. */
export const lines = (ids: number[]) => ids.map((id) => renderMemberLine(id, `zk-dev-${id}`));

export interface ScriptRun {
    status: number | null;
    stdout: string;
    stderr: string;
    /** Whether the script created the pass marker (in the sandbox). */
    passed: boolean;
}

/** Smallest timeout the scripts accept; rendered with it, then shortened. */
export const RENDER_TIMEOUT = 10;
export const SUPER_PASSWORD = "Sup3rSecretPassw0rdSup3rSecret12";

const NC = [
    "#!/bin/bash",
    "IFS= read -r -d '' cmd",
    '[ "$cmd" = srvr ] || exit 0',
    '[ "$4" = 2181 ] || exit 0',
    'f="$SANDBOX/modes/$3"',
    '[ -f "$f" ] || { echo "This ZooKeeper instance is not currently serving requests"; exit 0; }',
    'mode="$(cat "$f")"',
    'case "$mode" in lost:*) echo "${mode#lost:}" > "$f"; exit 0;; esac',
    'echo "Zookeeper version: 3.9.4"; echo "Mode: $mode"; echo "Node count: 5"',
    "",
].join("\n");

const ZKCLI = [
    "#!/bin/bash",
    'st="$SANDBOX/zk"; server=""',
    'while [ $# -gt 0 ]; do case "$1" in -server) server="$2"; shift 2;; *) shift;; esac; done',
    'echo "$server" >> "$st/servers-asked"',
    // A server list none of whose hosts serves gets no session.
    'up=""; for hp in ${server//,/ }; do [ -f "$SANDBOX/modes/${hp%%:*}" ] && up=1; done',
    '[ -n "$up" ] || { echo "Exception: ConnectionLoss"; exit 0; }',
    'single="${server%%:*}"; [[ "$server" == *,* ]] && single=""',
    "authed=0",
    'bump() { printf "%x" $((16#$(cat "$st/version") + 1)) > "$st/version"; }',
    "show() {",
    '  sort -t. -k2 -n "$st/members"',
    '  if [ -n "$single" ] && [ -f "$st/version.$single" ]; then echo "version=$(cat "$st/version.$single")"; else echo "version=$(cat "$st/version")"; fi',
    "}",
    "while IFS= read -r line; do",
    '  echo "[zk: $server(CONNECTED) 0] $line"',
    '  echo "$line" >> "$st/commands"',
    "  set -- $line",
    '  case "$1" in',
    '    addauth) [ "$3" = "super:$(cat "$st/super")" ] && authed=1;;',
    '    connect) server="$2"; single="${2%%:*}"; echo "$server" >> "$st/servers-asked";;',
    "    config) show;;",
    "    reconfig)",
    '      if [ $authed -ne 1 ]; then echo "Insufficient permission : /zookeeper/config"; continue; fi',
    '      n=$(cat "$st/noquorum" 2>/dev/null || echo 0)',
    '      if [ "$n" -gt 0 ]; then echo $((n - 1)) > "$st/noquorum"; echo "KeeperErrorCode = NewConfigNoQuorum for "; continue; fi',
    '      if [ "$2" = -add ]; then id="${3%%=*}"; grep -v "^$id=" "$st/members" > "$st/m"; echo "$3" >> "$st/m"; mv "$st/m" "$st/members"; fi',
    '      if [ "$2" = -remove ]; then for id in ${3//,/ }; do grep -v "^server\\.$id=" "$st/members" > "$st/m"; mv "$st/m" "$st/members"; done; fi',
    '      bump; echo "Committed new configuration:"; show;;',
    "    create)",
    '      f="$st/znode${2//\\//_}"; if [ -f "$f" ]; then echo "Node already exists: $2"; else echo "$3" > "$f"; echo "Created $2"; fi;;',
    "    set)",
    '      if [ $authed -ne 1 ]; then echo "Insufficient permission : $2"; continue; fi',
    '      echo "$3" > "$st/znode${2//\\//_}";;',
    "    get)",
    '      f="$st/znode${2//\\//_}"; if [ -f "$f" ]; then cat "$f"; else echo "Node does not exist: $2"; fi;;',
    "  esac",
    "done",
    "",
].join("\n");

/** One sandbox per test: create it in beforeEach, remove it in afterEach. */
export class GateSandbox {
    readonly dir: string;
    readonly marker: string;

    constructor() {
        this.dir = fs.mkdtempSync(path.join(os.tmpdir(), "gate-"));
        this.marker = path.join(this.dir, "gate-passed");
        for (const d of ["bin", "modes", "zk", "data", "datalog", "conf", "secrets"]) {
            fs.mkdirSync(path.join(this.dir, d));
        }
        fs.writeFileSync(path.join(this.dir, "bin", "nc"), NC, { mode: 0o755 });
        fs.writeFileSync(path.join(this.dir, "bin", "zkCli.sh"), ZKCLI, { mode: 0o755 });
        // Keeps passing gates from lingering for seconds in tests.
        fs.writeFileSync(path.join(this.dir, "bin", "sleep"), "#!/bin/bash\nexec /bin/sleep 0.05\n", { mode: 0o755 });
        fs.writeFileSync(path.join(this.dir, "zk", "super"), SUPER_PASSWORD);
        fs.writeFileSync(path.join(this.dir, "secrets", "zookeeper_super"), `SUPER_AUTH='super:${SUPER_PASSWORD}'\n`);
        this.members([], "0");
    }

    remove(): void {
        fs.rmSync(this.dir, { recursive: true, force: true });
    }

    /** The `srvr` mode of each host; hosts without one do not serve. */
    modes(assignments: Record<string, string>): void {
        for (const [host, mode] of Object.entries(assignments)) {
            fs.writeFileSync(path.join(this.dir, "modes", host), mode);
        }
    }

    /** The live membership: `server.N=` lines and the version (hex). */
    members(lines: string[], version: string): void {
        fs.writeFileSync(path.join(this.dir, "zk", "members"), lines.map((l) => l + "\n").join(""));
        fs.writeFileSync(path.join(this.dir, "zk", "version"), version);
    }

    /** A membership file on the data volume: `/data/conf/zoo.cfg.dynamic.<version>` with these lines. */
    dynamicFile(lines: string[], version: string): void {
        fs.mkdirSync(path.join(this.dir, "data", "conf"), { recursive: true });
        fs.writeFileSync(path.join(this.dir, "data", "conf", `zoo.cfg.dynamic.${version}`), lines.map((l) => l + "\n").join(""));
    }

    /** The next `count` reconfigs fail with NewConfigNoQuorum. */
    noQuorumFor(count: number): void {
        fs.writeFileSync(path.join(this.dir, "zk", "noquorum"), String(count));
    }

    /** The version one server reports when asked alone (a server that has not caught up). */
    versionOf(host: string, version: string): void {
        fs.writeFileSync(path.join(this.dir, "zk", `version.${host}`), version);
    }

    /** A file of the fake ZooKeeper's state: `members`, `version`, `commands`, `servers-asked`. */
    zkState(file: string): string {
        const f = path.join(this.dir, "zk", file);
        return fs.existsSync(f) ? fs.readFileSync(f, "utf8") : "";
    }

    /** The znode's data in the fake, or undefined. */
    znode(znodePath: string): string | undefined {
        const f = path.join(this.dir, "zk", `znode${znodePath.replace(/\//g, "_")}`);
        return fs.existsSync(f) ? fs.readFileSync(f, "utf8").trim() : undefined;
    }

    set znodeData(entry: { path: string; data: string }) {
        fs.writeFileSync(path.join(this.dir, "zk", `znode${entry.path.replace(/\//g, "_")}`), entry.data + "\n");
    }

    /** A path inside the sandbox. */
    at(...parts: string[]): string {
        return path.join(this.dir, ...parts);
    }

    /** The script with its fixed paths moved into the sandbox and, if given, a shorter timeout. */
    forTest(script: string, timeoutSeconds?: number): string {
        // The server's start script has no pass marker.
        let out = script.includes(PASS_MARKER)
            ? replaceOnce(script, `touch ${PASS_MARKER}\n`, `touch ${this.marker}\n`).replace(
                  passSeenMarker(PASS_MARKER),
                  passSeenMarker(this.marker),
              )
            : script;
        if (timeoutSeconds !== undefined) {
            out = replaceOnce(out, `\ntimeout=${RENDER_TIMEOUT}\n`, `\ntimeout=${timeoutSeconds}\n`);
        }
        return out
            .replace(/\/run\/secrets\//g, `${this.dir}/secrets/`)
            .replace(/(^|[\s"'=])\/datalog\b/gm, `$1${this.dir}/datalog`)
            .replace(/(^|[\s"'=])\/data\b/gm, `$1${this.dir}/data`)
            .replace(/(^|[\s"'=])\/conf\//gm, `$1${this.dir}/conf/`);
    }

    run(script: string, timeoutSeconds?: number, env: Record<string, string> = {}): ScriptRun {
        fs.rmSync(this.marker, { force: true });
        // Docker's health check, which has seen the pass marker: a passing script need not wait for it.
        fs.writeFileSync(passSeenMarker(this.marker), "");
        const result = spawnSync("bash", ["-c", this.forTest(script, timeoutSeconds)], {
            env: { PATH: `${this.at("bin")}:${process.env.PATH}`, SANDBOX: this.dir, ...env },
            encoding: "utf8",
            timeout: 30000,
        });
        return { status: result.status, stdout: result.stdout, stderr: result.stderr, passed: fs.existsSync(this.marker) };
    }
}

/** `text` with the one occurrence of `from` replaced; fails if there is not exactly one. */
export function replaceOnce(text: string, from: string, to: string): string {
    const parts = text.split(from);
    if (parts.length !== 2) {
        throw new Error(`expected exactly one ${JSON.stringify(from)} in the script, found ${parts.length - 1}`);
    }
    return parts.join(to);
}
