/**
 * Backups (components/backup/): the arguments and stack key, zoo.cfg's AdminServer lines, the agent's
 * retention rule and the restore check run for real with bash on a scratch backups directory, the
 * restore verdict, and the resources an ensemble with backups registers (under mocks).
 */
import { spawnSync } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { DOCKER_CONTAINER, DOCKER_VOLUME, RecordingMocks, resolve, setupMocks } from "../../testkit/mocks";

const mocks: RecordingMocks = setupMocks("dev");

// Imported after the mocks are installed, as Pulumi requires.
import { pruneFunction, renderBackupAgentScript } from "../../components/backup/agentScript";
import { checkRestoreVerdict, computeSnapshotIntervalMs } from "../../components/backup/backupAgents";
import { RESTORE_SOURCE_DIR, parseMaxAgeSeconds } from "../../components/backup/schema";
import { renderRestoreCheckScript } from "../../components/backup/restoreScripts";
import { manifestFieldFunction } from "../../components/backup/shell";
import { renderAdminRateLimiterInterval, renderZooCfg } from "../../components/zookeeper/zooCfg";
import { parseStackConfig } from "../../stacks/config";
import { argumentProblems } from "../../testkit/argumentProblems";
import { buildEnsemble } from "./ensembleBuild";
import { ZooKeeperEnsemble } from "../../components/zookeeper/zookeeperEnsemble";

const SERVERS = [1, 2, 3].map((id) => ({ id, host: `zk-dev-${id}` }));

function bash(script: string, env: Record<string, string> = {}) {
    return spawnSync("bash", ["-c", script], { encoding: "utf8", env: { PATH: process.env.PATH, ...env }, timeout: 30000 });
}

/** A backup directory as the agent writes it: a snapshot and its manifest, taken `ageSeconds` ago. */
function writeBackup(dir: string, id: string, ageSeconds: number, members = "1,2,3"): void {
    const snapshot = Buffer.from(`ZKSN snapshot of ${id}`);
    fs.mkdirSync(path.join(dir, id), { recursive: true });
    fs.writeFileSync(path.join(dir, id, "snapshot.1a"), snapshot);
    const sha = createHash("sha256").update(snapshot).digest("hex");
    const taken = Math.floor(Date.now() / 1000) - ageSeconds;
    fs.writeFileSync(
        path.join(dir, id, "manifest.json"),
        [
            "{",
            `  "id": "${id}",`,
            `  "members": "${members}",`,
            `  "zxid": "0x1a",`,
            `  "sha256": "${sha}",`,
            `  "snapshotFile": "snapshot.1a",`,
            `  "takenAtEpoch": ${taken},`,
            `  "znodeCount": 7,`,
            `  "sizeBytes": ${snapshot.length}`,
            "}",
        ].join("\n"),
    );
}

describe("arguments and stack key", () => {
    it("refuses a bad backup argument, naming it, the value and what is allowed", () => {
        expect(argumentProblems(() => new ZooKeeperEnsemble("bad", { image: "zookeeper:3.9.4", backup: { intervalSeconds: 5 } }))).toEqual([
            "backup.intervalSeconds: 5 is not allowed: must be an integer number of seconds between 10 and 604800 (a week)",
        ]);
        expect(
            argumentProblems(() => new ZooKeeperEnsemble("bad", { image: "zookeeper:3.9.4", backup: { restoreFrom: "latest" } }))[0],
        ).toContain('backup.restoreFrom: "latest" is not allowed: must be a backup id');
    });

    it("has a stack key of its own, off unless enabled, with the same rules", () => {
        expect(parseStackConfig({}).backup).toMatchObject({ enabled: false, intervalSeconds: 3600, keepCount: 24, maxAge: "7d" });
        expect(() => parseStackConfig({ backup: { enabled: true, maxAge: "1w" } })).toThrow(
            'backup.maxAge: "1w" is not allowed: must be a duration such as 90s, 30m, 12h or 7d',
        );
        expect(() => parseStackConfig({ zookeeper: { backup: {} } })).toThrow("zookeeper.backup");
    });

    it("reads maxAge in seconds, and lets the servers snapshot every half interval", () => {
        expect([parseMaxAgeSeconds("90s"), parseMaxAgeSeconds("30m"), parseMaxAgeSeconds("12h"), parseMaxAgeSeconds("7d")]).toEqual([
            90, 1800, 43200, 604800,
        ]);
        expect(computeSnapshotIntervalMs({ intervalSeconds: 10 })).toBe(5000);
        expect(computeSnapshotIntervalMs({ intervalSeconds: 3600 })).toBe(1800000);
    });
});

describe("zoo.cfg", () => {
    it("keeps the AdminServer off without backups", () => {
        const cfg = renderZooCfg({ servers: SERVERS });
        expect(cfg).toMatch(/^admin\.enableServer=false$/m);
        expect(cfg).not.toMatch(/^admin\.serverAddress/m);
    });

    it("binds it to 127.0.0.1 with backups, rate-limits snapshots and leaves restore off", () => {
        const admin = renderZooCfg({ servers: SERVERS, backupSnapshotIntervalMs: 5000 })
            .split("\n")
            .filter((l) => l.startsWith("admin."));
        expect(admin).toEqual([
            "admin.enableServer=true",
            "admin.serverAddress=127.0.0.1",
            "admin.serverPort=8080",
            // Microseconds: ZooKeeper 3.9.4 reads the value in that unit whatever its name says.
            "admin.rateLimiterIntervalInMS=5000000",
            "admin.restore.enabled=false",
        ]);
    });

    it("caps the rate limit where ZooKeeper's int parse would break the AdminServer", () => {
        expect(renderAdminRateLimiterInterval(5000)).toBe(5000000);
        expect(renderAdminRateLimiterInterval(2147483)).toBe(2147483000);
        // A 7-day schedule: half an interval is 302,400 s; a server still allows one every 35.8 minutes.
        expect(renderAdminRateLimiterInterval(302400000)).toBe(2147483647);
    });

    it("refuses extraConfig that would move or open the AdminServer", () => {
        expect(() => renderZooCfg({ servers: SERVERS, extraConfig: { "admin.serverAddress": "0.0.0.0" } })).toThrow(
            "extraConfig.admin.serverAddress",
        );
    });
});

describe("the agent", () => {
    const settings = {
        serverId: 2,
        servers: SERVERS,
        namePrefix: "zk-dev",
        intervalSeconds: 10,
        keepCount: 3,
        maxAgeSeconds: 3600,
        memoryMb: 256,
    };

    it("knows its server, every member and the schedule, and reads the superuser from its secret file only", () => {
        const script = renderBackupAgentScript(settings);
        expect(script.split("\n")).toEqual(
            expect.arrayContaining([
                "me=2",
                'servers="1:zk-dev-1 2:zk-dev-2 3:zk-dev-3"',
                "interval=10",
                "keep_count=3",
                "keep_seconds=3600",
                // The snapshot check loads the whole tree: its heap is the agent's memory less 96 MB.
                "check_heap_mb=160",
            ]),
        );
        expect(script).toContain("source /run/secrets/zookeeper_super");
        expect(script).toContain("/commands/snapshot?streaming=true");
    });

    it("refuses settings outside the contract", () => {
        expect(() => renderBackupAgentScript({ ...settings, intervalSeconds: 1 })).toThrow("intervalSeconds");
        expect(() => renderBackupAgentScript({ ...settings, servers: [{ id: 1, host: "zk; rm -rf /" }] })).toThrow("host");
    });

    it("retention keeps the newest keepCount within maxAge, and always the newest one", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "backups-"));
        // Newest first: 5 fresh ones, then 2 past maxAge.
        const ids = [
            "20261203T120700Z-0x7",
            "20261203T120600Z-0x6",
            "20261203T120500Z-0x5",
            "20261203T120400Z-0x4",
            "20261203T120300Z-0x3",
        ];
        ids.forEach((id, i) => writeBackup(dir, id, 60 * i));
        writeBackup(dir, "20261201T000000Z-0x2", 7200);
        const run = (keepCount: number, keepSeconds: number) =>
            bash(
                [
                    ...manifestFieldFunction(),
                    ...pruneFunction(),
                    "log() { :; }",
                    `keep_count=${keepCount} keep_seconds=${keepSeconds}`,
                    `prune "${dir}" "$(date +%s)"`,
                ].join("\n"),
            );
        const kept = () => fs.readdirSync(dir).sort().reverse();

        expect(run(10, 3600).status).toBe(0);
        expect(kept()).toEqual(ids);
        expect(run(3, 3600).status).toBe(0);
        expect(kept()).toEqual(ids.slice(0, 3));
        // Everything too old: the newest stays.
        expect(run(3, 10).status).toBe(0);
        expect(kept()).toEqual([ids[0]]);
    });
});

describe("the restore check", () => {
    let dir: string;
    const check = (id: string, size = 3) =>
        bash(renderRestoreCheckScript({ backupId: id, size, backupsVolume: "zk-dev-backups" }).split(`${RESTORE_SOURCE_DIR}`).join(dir));

    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "restore-"));
        writeBackup(dir, "20261203T120000Z-0x1a", 0);
    });

    it("passes a complete backup of the same size, naming its zxid", () => {
        const r = check("20261203T120000Z-0x1a");
        expect(r.status).toBe(0);
        expect(r.stdout).toContain("restore-check: backup 20261203T120000Z-0x1a verified: zxid 0x1a, 7 znodes, sha256 matches");
    });

    it.each([
        ["a missing backup", (d: string) => fs.rmSync(d, { recursive: true }), "it does not exist"],
        ["one without a manifest", (d: string) => fs.rmSync(path.join(d, "manifest.json")), "it is incomplete: it has no manifest.json"],
        ["a truncated one", (d: string) => fs.truncateSync(path.join(d, "snapshot.1a"), 5), "it is truncated: snapshot.1a has 5 of"],
        [
            "a corrupt one",
            (d: string) => fs.writeFileSync(path.join(d, "snapshot.1a"), fs.readFileSync(path.join(d, "snapshot.1a")).reverse()),
            "its snapshot does not match its checksum",
        ],
    ])("refuses %s, and says nothing was changed", (_what, damage, reason) => {
        damage(path.join(dir, "20261203T120000Z-0x1a"));
        const r = check("20261203T120000Z-0x1a");
        expect(r.status).toBe(1);
        expect(r.stdout).toContain(`restore-check: refused: backup 20261203T120000Z-0x1a cannot be restored: ${reason}`);
        expect(r.stdout).toContain("Nothing was changed");
    });

    it("refuses a backup of another size", () => {
        const r = check("20261203T120000Z-0x1a", 5);
        expect(r.status).toBe(1);
        expect(r.stdout).toContain("holds an ensemble of 3 servers (1,2,3) and this one has 5");
    });

    it("its verdict passes the id on, or fails the update with the check's own reason", () => {
        expect(checkRestoreVerdict("20261203T120000Z-0x1a", 0, "restore-check: backup 20261203T120000Z-0x1a verified: zxid 0x1a\n")).toBe(
            "20261203T120000Z-0x1a",
        );
        expect(() =>
            checkRestoreVerdict(
                "20261203T120000Z-0x1a",
                1,
                "restore-check: refused: backup 20261203T120000Z-0x1a cannot be restored: it is truncated\n",
            ),
        ).toThrow("backup.restoreFrom: restore-check: refused: backup 20261203T120000Z-0x1a cannot be restored: it is truncated");
        expect(() => checkRestoreVerdict("20261203T120000Z-0x1a", 137, "")).toThrow("exited with 137 and said nothing");
    });
});

describe("an ensemble with backups (mocks)", () => {
    it("keeps the backups volume on delete, runs an agent in each server's network namespace, and no restore check", async () => {
        const built = await buildEnsemble(mocks, "bk", { backup: { intervalSeconds: 60 } });
        const volume = built.mine.find((r) => r.type === DOCKER_VOLUME && r.name === "bk-backups")!;
        expect(volume.inputs.name).toBe("bk-dev-backups");
        expect(volume.retainOnDelete).toBe(true);
        const agents = built.containers.filter((r) => r.name.endsWith("-backup-agent"));
        expect(agents.map((a) => a.inputs.name)).toEqual(["bk-dev-1-backup", "bk-dev-2-backup", "bk-dev-3-backup"]);
        const serverIds = await Promise.all(built.ensemble.serverContainers.map((c) => resolve(c.id)));
        expect(agents.map((a) => a.inputs.networkMode)).toEqual(serverIds.map((id) => `container:${id}`));
        expect(agents.every((a) => a.inputs.ports === undefined && a.inputs.user === "1000:1000")).toBe(true);
        expect(built.containers.some((r) => r.name.endsWith("-restore-check"))).toBe(false);
        expect(built.ensemble.backupMetricsTargets.map((t) => t.address)).toEqual(["bk-dev-1:7010", "bk-dev-2:7010", "bk-dev-3:7010"]);
    });

    it("with restoreFrom, checks the backup before every seed step, which mounts the backups read-only", async () => {
        mocks.containerRuns.set("rs-restore-check", { exitCode: 0, logs: "restore-check: backup 20261203T120000Z-0x1a verified\n" });
        const built = await buildEnsemble(mocks, "rs", { backup: { restoreFrom: "20261203T120000Z-0x1a" } });
        const check = built.containers.find((r) => r.name === "rs-restore-check")!;
        expect(check.inputs).toMatchObject({ attach: true, logs: true, networkMode: "none" });
        for (const seed of built.seeds) {
            expect(seed.dependencies).toContain(check.urn);
            expect(seed.inputs.volumes).toContainEqual({ volumeName: "rs-dev-backups", containerPath: "/backups", readOnly: true });
            expect(seed.inputs.command[0]).toContain("restore_from=20261203T120000Z-0x1a");
        }
        expect(built.containers.filter((r) => r.type === DOCKER_CONTAINER && r.name.endsWith("-container"))).toHaveLength(3);
    });
});
