/**
 * The gate scripts are executed for real with bash, against a stub `nc`
 * that answers `srvr` with the mode a test assigns to each host.
 *
 * Two substitutions keep the runs safe and short without changing the scripts' logic: the pass
 * marker (a fixed path under /tmp in the container) becomes a file in the test's sandbox, and the
 * timeout (at least 10 s by contract) is shortened to a second or two.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
    GATE_POLL_SECONDS,
    NO_PEER_POLLS,
    PASS_MARKER,
    renderReadyGateScript,
    renderRollGateScript,
} from "../../components/zookeeper/rollGates";
import { PASS_MARKER_HEALTHCHECK } from "../../components/zookeeper/gates";

interface GateRun {
    status: number | null;
    stdout: string;
    stderr: string;
    /** Whether the script created the pass marker (in the sandbox). */
    passed: boolean;
}

/** Smallest timeout the scripts accept; rendered with it, then shortened. */
const RENDER_TIMEOUT = 10;

let sandbox: string;
let marker: string;

beforeEach(() => {
    sandbox = fs.mkdtempSync(path.join(os.tmpdir(), "gate-"));
    marker = path.join(sandbox, "gate-passed");
    const bin = path.join(sandbox, "bin");
    fs.mkdirSync(bin);
    fs.mkdirSync(path.join(sandbox, "modes"));
    // nc -w 2 HOST PORT: answers only the bare srvr word (a trailing newline gets nothing, as a real
    // server's reset often does), only for hosts with a mode file. "lost:<mode>" loses the first
    // answer to that host and gives <mode> from then on.
    fs.writeFileSync(
        path.join(bin, "nc"),
        [
            "#!/bin/bash",
            "IFS= read -r -d '' cmd",
            '[ "$cmd" = srvr ] || exit 0',
            '[ "$4" = 2181 ] || exit 0',
            'f="$MODES_DIR/$3"',
            '[ -f "$f" ] || { echo "This ZooKeeper instance is not currently serving requests"; exit 0; }',
            'mode="$(cat "$f")"',
            'case "$mode" in lost:*) echo "${mode#lost:}" > "$f"; exit 0;; esac',
            'echo "Zookeeper version: 3.9.4"; echo "Mode: $mode"; echo "Node count: 5"',
            "",
        ].join("\n"),
        { mode: 0o755 },
    );
    // Keeps passing gates from lingering for seconds in tests.
    fs.writeFileSync(path.join(bin, "sleep"), "#!/bin/bash\nexec /bin/sleep 0.05\n", { mode: 0o755 });
});

afterEach(() => {
    fs.rmSync(sandbox, { recursive: true, force: true });
});

function modes(assignments: Record<string, string>): void {
    for (const [host, mode] of Object.entries(assignments)) {
        fs.writeFileSync(path.join(sandbox, "modes", host), mode);
    }
}

/** `text` with the one occurrence of `from` replaced; fails if there is not exactly one. */
function replaceOnce(text: string, from: string, to: string): string {
    const parts = text.split(from);
    if (parts.length !== 2) {
        throw new Error(`expected exactly one ${JSON.stringify(from)} in the script, found ${parts.length - 1}`);
    }
    return parts.join(to);
}

/** The script with the pass marker moved into the sandbox and, if given, a shorter timeout. */
function forTest(script: string, timeoutSeconds?: number): string {
    let out = replaceOnce(script, `touch ${PASS_MARKER}\n`, `touch ${marker}\n`);
    if (timeoutSeconds !== undefined) {
        out = replaceOnce(out, `\ntimeout=${RENDER_TIMEOUT}\n`, `\ntimeout=${timeoutSeconds}\n`);
    }
    return out;
}

function run(script: string, timeoutSeconds?: number): GateRun {
    fs.rmSync(marker, { force: true });
    const result = spawnSync("bash", ["-c", forTest(script, timeoutSeconds)], {
        env: { PATH: `${path.join(sandbox, "bin")}:${process.env.PATH}`, MODES_DIR: path.join(sandbox, "modes") },
        encoding: "utf8",
        timeout: 20000,
    });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr, passed: fs.existsSync(marker) };
}

describe("renderRollGateScript", () => {
    const gate = () => renderRollGateScript({ target: "zk-dev-1", peers: ["zk-dev-2", "zk-dev-3"], timeoutSeconds: RENDER_TIMEOUT });

    it("passes when no other member serves in NO_PEER_POLLS polls (first creation)", () => {
        const result = run(gate());
        expect(result.status).toBe(0);
        expect(result.stdout).toContain(`no other member of the ensemble served in ${NO_PEER_POLLS} polls`);
        expect(result.passed).toBe(true);
    });

    it("does not take one lost answer for a missing quorum: it waits for the target", () => {
        expect(NO_PEER_POLLS).toBeGreaterThanOrEqual(2);
        modes({ "zk-dev-2": "lost:leader", "zk-dev-3": "lost:follower" });
        const result = run(gate(), 1);
        expect(result.stdout).not.toContain("nothing to protect");
        expect(result.stdout).toContain("serves; waiting up to 1s for zk-dev-1");
        expect(result.status).toBe(1);
        expect(result.passed).toBe(false);
    });

    it("asks with the bare word: a newline after srvr makes the server reset the connection", () => {
        expect(gate()).toContain("printf srvr | nc -w 2");
        expect(gate()).not.toMatch(/echo srvr/);
    });

    it("passes when a peer serves and the target has joined as follower", () => {
        modes({ "zk-dev-2": "leader", "zk-dev-1": "follower" });
        const result = run(gate(), 2);
        expect(result.status).toBe(0);
        expect(result.stdout).toContain("zk-dev-1 serves as follower");
        expect(result.passed).toBe(true);
    });

    it("fails after the timeout, without the pass marker, when a peer serves but the target does not", () => {
        modes({ "zk-dev-3": "leader", "zk-dev-2": "follower" });
        const started = Date.now();
        const result = run(gate(), 2);
        expect(result.status).toBe(1);
        expect(result.stderr).toContain("zk-dev-1 did not serve as leader or follower within 2s");
        expect(result.passed).toBe(false);
        expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    });

    it("does not count a standalone peer as a quorum", () => {
        modes({ "zk-dev-2": "standalone" });
        const result = run(gate());
        expect(result.stdout).toContain("nothing to protect");
        expect(result.passed).toBe(true);
    });

    it("waits the rendered timeout", () => {
        expect(renderRollGateScript({ target: "zk-dev-1", peers: ["zk-dev-2"], timeoutSeconds: 120 }).split("\n")).toContain("timeout=120");
    });

    it("creates the pass marker the health check looks for", () => {
        expect(gate()).toContain(`touch ${PASS_MARKER}\n`);
        expect(PASS_MARKER_HEALTHCHECK.tests).toEqual(["CMD", "test", "-f", PASS_MARKER]);
    });

    it("refuses host names that could inject shell code", () => {
        const hostRule = "must be a DNS label of lower case letters, digits and dashes (at most 63 characters)";
        expect(() => renderRollGateScript({ target: "zk-1; rm -rf /", peers: [], timeoutSeconds: 10 })).toThrow(
            `target: "zk-1; rm -rf /" is not allowed: ${hostRule}`,
        );
        expect(() => renderRollGateScript({ target: "zk-1", peers: ["$(reboot)"], timeoutSeconds: 10 })).toThrow(
            `peers.0: "$(reboot)" is not allowed: ${hostRule}`,
        );
        expect(() => renderRollGateScript({ target: "zk-1", peers: ["zk-1"], timeoutSeconds: 10 })).toThrow(
            'peers must not include the target "zk-1"',
        );
        expect(() => renderRollGateScript({ target: "zk-1", peers: [], timeoutSeconds: 0 })).toThrow(
            "timeoutSeconds: 0 is not allowed: must be an integer number of seconds between 10 and 3600",
        );
    });
});

describe("renderReadyGateScript", () => {
    const servers = ["zk-dev-1", "zk-dev-2", "zk-dev-3"];
    const ready = (list = servers) => renderReadyGateScript({ servers: list, timeoutSeconds: RENDER_TIMEOUT });

    it("passes when all members serve with exactly one leader", () => {
        modes({ "zk-dev-1": "follower", "zk-dev-2": "leader", "zk-dev-3": "follower" });
        const result = run(ready(), 2);
        expect(result.status).toBe(0);
        expect(result.stdout).toContain("all members serve with one leader");
        expect(result.passed).toBe(true);
    });

    it("fails when a member does not serve", () => {
        modes({ "zk-dev-1": "follower", "zk-dev-2": "leader" });
        const result = run(ready(), 1);
        expect(result.status).toBe(1);
        expect(result.stderr).toContain("did not become ready within 1s");
        expect(result.stderr).toContain("zk-dev-3=down");
        expect(result.passed).toBe(false);
    });

    it("fails when two members claim to lead", () => {
        modes({ "zk-dev-1": "leader", "zk-dev-2": "leader", "zk-dev-3": "follower" });
        const result = run(ready(), 1);
        expect(result.status).toBe(1);
        expect(result.passed).toBe(false);
    });

    it("expects a single server to be standalone", () => {
        modes({ "zk-dev-1": "standalone" });
        const result = run(ready(["zk-dev-1"]), 2);
        expect(result.status).toBe(0);
        expect(result.stdout).toContain("standalone server serves");
        expect(result.passed).toBe(true);
        modes({ "zk-dev-1": "follower" });
        const follower = run(ready(["zk-dev-1"]), 1);
        expect(follower.status).toBe(1);
        expect(follower.passed).toBe(false);
    });

    it("refuses an empty server list", () => {
        expect(() => renderReadyGateScript({ servers: [], timeoutSeconds: 10 })).toThrow(
            "servers: [] is not allowed: must list at least one server host name",
        );
    });
});

describe("gate polling", () => {
    it("asks the servers again every half second, in both gates", () => {
        expect(GATE_POLL_SECONDS).toBe(0.5);
        const roll = renderRollGateScript({ target: "zk-dev-1", peers: ["zk-dev-2"], timeoutSeconds: 10 });
        const ready = renderReadyGateScript({ servers: ["zk-dev-1", "zk-dev-2", "zk-dev-3"], timeoutSeconds: 10 });
        for (const script of [roll, ready]) {
            expect(script).toContain("  sleep 0.5\n");
            expect(script).not.toContain("sleep 2");
        }
    });
});
