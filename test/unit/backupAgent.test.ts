/**
 * The backup agent's refusals, run for real with bash against stubs: `nc` answers `srvr` with the
 * ZooKeeper version a test gives, and the AdminServer (127.0.0.1:8080) with the HTTP answer a test
 * gives, recording each request. Fixed paths (the secret file, /data, the failure counter) move
 * into a scratch directory. What a real server answers is checked by the backup e2e; here each
 * refusal the agent knows gets its message, counts as a failure and leaves no backup behind.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { renderBackupAgentScript } from "../../components/backup/agentScript";
import { ADMIN_SERVER_PORT, AGENT_BACKUPS_DIR, MIN_BACKUP_ZOOKEEPER_VERSION } from "../../components/backup/schema";
import { SUPER_AUTH_FILE } from "../../components/zookeeper/gateShell";
import { CLIENT_PORT } from "../../components/zookeeper/zooCfg";

const PASSWORD = "Sup3rSecretPassw0rdSup3rSecret12";

/** `nc HOST PORT` (flags anywhere): srvr on the client port, one HTTP request on the admin port. */
const NC = [
    "#!/bin/bash",
    'args=(); for a in "$@"; do case "$a" in -*) ;; *) args+=("$a");; esac; done',
    // `-w 2` leaves its value among the positional ones: the port is the last.
    'port="${args[-1]}"',
    `if [ "$port" = ${CLIENT_PORT} ]; then`,
    "  IFS= read -r -d '' cmd",
    '  [ "$cmd" = srvr ] || exit 0',
    '  printf "Zookeeper version: %s-dc1e0e1, built on 2025-09-01 00:00 UTC\\nLatency min/avg/max: 0/0.1/3\\nZxid: 0x20000001a\\nMode: follower\\nNode count: 7\\n" "$FAKE_VERSION"',
    `elif [ "$port" = ${ADMIN_SERVER_PORT} ]; then`,
    '  cat > "$SANDBOX/requests/$(date +%s%N)"',
    '  cat "$SANDBOX/http-answer"',
    "fi",
    "",
].join("\n");

const sandboxes: string[] = [];
afterAll(() => sandboxes.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

class AgentSandbox {
    readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), "backup-agent-"));
    constructor() {
        sandboxes.push(this.dir);
        for (const d of ["bin", "secrets", "data", "requests"]) fs.mkdirSync(path.join(this.dir, d));
        fs.writeFileSync(path.join(this.dir, "bin", "nc"), NC, { mode: 0o755 });
        fs.writeFileSync(path.join(this.dir, "secrets", path.basename(SUPER_AUTH_FILE)), `SUPER_AUTH='super:${PASSWORD}'\n`);
    }

    /** The AdminServer's answer to the next requests: a status line, headers and a body. */
    answer(status: string, headers: Record<string, string | number>, body: string): void {
        const head = [
            `HTTP/1.1 ${status}`,
            ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
            `Content-Length: ${Buffer.byteLength(body)}`,
        ];
        fs.writeFileSync(path.join(this.dir, "http-answer"), `${head.join("\r\n")}\r\n\r\n${body}`);
    }

    /** `backup-agent.sh now` of server 2 against a server that reports `version`. */
    now(version: string) {
        const script = renderBackupAgentScript({
            serverId: 2,
            servers: [1, 2, 3].map((id) => ({ id, host: `zk-dev-${id}` })),
            namePrefix: "zk-dev",
            intervalSeconds: 10,
            keepCount: 3,
            maxAgeSeconds: 3600,
            memoryMb: 256,
        })
            .replace(path.dirname(SUPER_AUTH_FILE) + "/", `${this.dir}/secrets/`)
            .replace(`\ndir=${AGENT_BACKUPS_DIR}\n`, `\ndir=${this.dir}/data\n`)
            .replace("/tmp/backup-failures", `${this.dir}/failures`);
        const result = spawnSync("bash", ["-c", script, "backup-agent.sh", "now"], {
            env: { PATH: `${this.dir}/bin:${process.env.PATH}`, SANDBOX: this.dir, FAKE_VERSION: version },
            encoding: "utf8",
            timeout: 30000,
        });
        return { status: result.status, stdout: result.stdout, stderr: result.stderr };
    }

    requests(): string[] {
        return fs.readdirSync(path.join(this.dir, "requests")).map((f) => fs.readFileSync(path.join(this.dir, "requests", f), "utf8"));
    }

    failures(): number {
        const f = path.join(this.dir, "failures");
        return fs.existsSync(f) ? Number(fs.readFileSync(f, "utf8")) : 0;
    }

    /** Backup directories (named by an id) left in the backups directory. */
    backups(): string[] {
        return fs.readdirSync(path.join(this.dir, "data")).filter((n) => /^2/.test(n));
    }
}

const ZK_ERROR = (message: string) => JSON.stringify({ command: "snapshot", error: message });

describe("the backup agent's refusals", () => {
    it(`refuses a server below ${MIN_BACKUP_ZOOKEEPER_VERSION} before it asks for a snapshot`, () => {
        for (const version of ["3.9.3", "3.8.4", "3.9.0"]) {
            const box = new AgentSandbox();
            box.answer("200 OK", { last_zxid: "0x20000001a", snapshot_size: 4 }, "ZKSN");
            const run = box.now(version);
            expect(run.status).toBe(1);
            expect(run.stderr).toContain(
                `refused: server 2 runs ZooKeeper ${version}; backups need ${MIN_BACKUP_ZOOKEEPER_VERSION} or later (its snapshot command checks permissions wrongly: CVE-2025-58457)`,
            );
            expect(box.requests()).toEqual([]);
            expect(box.failures()).toBe(1);
            expect(box.backups()).toEqual([]);
        }
    });

    it("lets 3.9.4 and later through to the AdminServer, as the superuser of the secret file", () => {
        for (const version of ["3.9.4", "3.9.10", "3.10.0", "4.0.0"]) {
            const box = new AgentSandbox();
            box.answer("500 Server Error", {}, ZK_ERROR("stub"));
            const run = box.now(version);
            expect(run.stderr).not.toContain("CVE-2025-58457");
            const requests = box.requests();
            expect(requests).toHaveLength(1);
            expect(requests[0].split("\r\n")).toEqual(
                expect.arrayContaining(["GET /commands/snapshot?streaming=true HTTP/1.0", `Authorization: digest super:${PASSWORD}`]),
            );
        }
    });

    it.each([
        ["401 Unauthorized", "the snapshot command refused the superuser (HTTP 401): Auth info is missing"],
        ["403 Forbidden", "the snapshot command refused the superuser (HTTP 403): Auth info is missing"],
        [
            "429 Too Many Requests",
            "the snapshot command is rate-limited (HTTP 429: a server allows one snapshot every half interval): Auth info is missing; try again later",
        ],
        ["503 Service Unavailable", "the snapshot command failed (HTTP 503): Auth info is missing"],
    ])("reports HTTP %s by name, counts a failure and keeps nothing", (status, message) => {
        const box = new AgentSandbox();
        box.answer(status, { "Content-Type": "application/json" }, ZK_ERROR("Auth info is missing"));
        const run = box.now("3.9.4");
        expect(run.status).toBe(1);
        expect(run.stderr).toContain(`refused: ${message}`);
        expect(box.failures()).toBe(1);
        expect(box.backups()).toEqual([]);
        expect(fs.readdirSync(path.join(box.dir, "data", ".staging"))).toEqual([]);
    });

    it("says no more than the status when ZooKeeper's answer has a null error (its 429)", () => {
        const box = new AgentSandbox();
        box.answer("429 Too Many Requests", { "Content-Type": "application/json" }, '{\n  "command" : "snapshot",\n  "error" : null\n}');
        expect(box.now("3.9.4").stderr).toContain(
            "refused: the snapshot command is rate-limited (HTTP 429: a server allows one snapshot every half interval); try again later\n",
        );
    });

    it("refuses a snapshot shorter than its snapshot_size header, or without a last_zxid", () => {
        const box = new AgentSandbox();
        box.answer("200 OK", { last_zxid: "0x20000001a", snapshot_size: 4096 }, "ZKSN".repeat(10));
        // The stub's Content-Length is the body's: the server closed the stream early.
        expect(box.now("3.9.4").stderr).toContain("refused: the snapshot is truncated: 40 of 4096 bytes");
        box.answer("200 OK", { snapshot_size: 4 }, "ZKSN");
        expect(box.now("3.9.4").stderr).toContain("refused: the snapshot came without a last_zxid header");
        expect(box.failures()).toBe(2);
        expect(box.backups()).toEqual([]);
    });
});
