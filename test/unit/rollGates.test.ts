/**
 * The gate scripts are executed for real with bash, against a stub `nc`
 * that answers `srvr` with the mode a test assigns to each host.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { GATE_POLL_SECONDS, PASS_MARKER, renderReadyGateScript, renderRollGateScript } from "../../components/zookeeper/rollGates";

interface GateRun {
    status: number | null;
    stdout: string;
    stderr: string;
}

let sandbox: string;

beforeEach(() => {
    sandbox = fs.mkdtempSync(path.join(os.tmpdir(), "gate-"));
    const bin = path.join(sandbox, "bin");
    fs.mkdirSync(bin);
    fs.mkdirSync(path.join(sandbox, "modes"));
    // nc -w 2 HOST PORT: answers only the srvr command, only for hosts with a mode file.
    fs.writeFileSync(
        path.join(bin, "nc"),
        '#!/bin/bash\nread -r cmd\n[ "$cmd" = srvr ] || exit 0\n[ "$4" = 2181 ] || exit 0\nf="$MODES_DIR/$3"\nif [ -f "$f" ]; then echo "Zookeeper version: 3.9.4"; echo "Mode: $(cat "$f")"; echo "Node count: 5"; else echo "This ZooKeeper instance is not currently serving requests"; fi\n',
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

function run(script: string): GateRun {
    const result = spawnSync("bash", ["-c", script], {
        env: { PATH: `${path.join(sandbox, "bin")}:${process.env.PATH}`, MODES_DIR: path.join(sandbox, "modes") },
        encoding: "utf8",
        timeout: 20000,
    });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("renderRollGateScript", () => {
    const gate = (timeoutSeconds = 2) =>
        renderRollGateScript({ target: "zk-dev-1", peers: ["zk-dev-2", "zk-dev-3"], timeoutSeconds });

    it("passes at once when no other member serves (first creation)", () => {
        const result = run(gate(30));
        expect(result.status).toBe(0);
        expect(result.stdout).toContain("no other member of the ensemble serves");
    });

    it("passes when a peer serves and the target has joined as follower", () => {
        modes({ "zk-dev-2": "leader", "zk-dev-1": "follower" });
        const result = run(gate());
        expect(result.status).toBe(0);
        expect(result.stdout).toContain("zk-dev-1 serves as follower");
    });

    it("fails after the timeout when a peer serves but the target does not", () => {
        modes({ "zk-dev-3": "leader", "zk-dev-2": "follower" });
        const started = Date.now();
        const result = run(gate(2));
        expect(result.status).toBe(1);
        expect(result.stderr).toContain("zk-dev-1 did not serve as leader or follower within 2s");
        expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    });

    it("does not count a standalone peer as a quorum", () => {
        modes({ "zk-dev-2": "standalone" });
        expect(run(gate()).stdout).toContain("nothing to protect");
    });

    it("creates the pass marker the health check looks for", () => {
        expect(gate()).toContain(`touch ${PASS_MARKER}`);
    });

    it("refuses host names that could inject shell code", () => {
        expect(() => renderRollGateScript({ target: "zk-1; rm -rf /", peers: [], timeoutSeconds: 5 })).toThrow("is not allowed");
        expect(() => renderRollGateScript({ target: "zk-1", peers: ["$(reboot)"], timeoutSeconds: 5 })).toThrow("is not allowed");
        expect(() => renderRollGateScript({ target: "zk-1", peers: ["zk-1"], timeoutSeconds: 5 })).toThrow("must not include the target");
        expect(() => renderRollGateScript({ target: "zk-1", peers: [], timeoutSeconds: 0 })).toThrow("timeoutSeconds 0 is not allowed");
    });
});

describe("renderReadyGateScript", () => {
    const servers = ["zk-dev-1", "zk-dev-2", "zk-dev-3"];

    it("passes when all members serve with exactly one leader", () => {
        modes({ "zk-dev-1": "follower", "zk-dev-2": "leader", "zk-dev-3": "follower" });
        const result = run(renderReadyGateScript({ servers, timeoutSeconds: 2 }));
        expect(result.status).toBe(0);
        expect(result.stdout).toContain("all members serve with one leader");
    });

    it("fails when a member does not serve", () => {
        modes({ "zk-dev-1": "follower", "zk-dev-2": "leader" });
        const result = run(renderReadyGateScript({ servers, timeoutSeconds: 1 }));
        expect(result.status).toBe(1);
        expect(result.stderr).toContain("did not become ready within 1s");
        expect(result.stderr).toContain("zk-dev-3=down");
    });

    it("fails when two members claim to lead", () => {
        modes({ "zk-dev-1": "leader", "zk-dev-2": "leader", "zk-dev-3": "follower" });
        expect(run(renderReadyGateScript({ servers, timeoutSeconds: 1 })).status).toBe(1);
    });

    it("expects a single server to be standalone", () => {
        modes({ "zk-dev-1": "standalone" });
        const result = run(renderReadyGateScript({ servers: ["zk-dev-1"], timeoutSeconds: 2 }));
        expect(result.status).toBe(0);
        expect(result.stdout).toContain("standalone server serves");
        modes({ "zk-dev-1": "follower" });
        expect(run(renderReadyGateScript({ servers: ["zk-dev-1"], timeoutSeconds: 1 })).status).toBe(1);
    });

    it("refuses an empty server list", () => {
        expect(() => renderReadyGateScript({ servers: [], timeoutSeconds: 5 })).toThrow("servers is empty");
    });
});

describe("gate polling", () => {
    it("asks the servers again every half second, in both gates", () => {
        expect(GATE_POLL_SECONDS).toBe(0.5);
        const roll = renderRollGateScript({ target: "zk-dev-1", peers: ["zk-dev-2"], timeoutSeconds: 5 });
        const ready = renderReadyGateScript({ servers: ["zk-dev-1", "zk-dev-2", "zk-dev-3"], timeoutSeconds: 5 });
        for (const script of [roll, ready]) {
            expect(script).toContain("  sleep 0.5\n");
            expect(script).not.toContain("sleep 2");
        }
    });
});
