/**
 * Backup and restore for real, on stack `backupe2e` (host ports 20xxx): scheduled backups and their
 * retention, one taken under a sequential write load, a destroy that keeps only the backups volume,
 * an `up` with backup.restoreFrom that brings back exactly what the backup held, and the refusals
 * (missing, truncated, corrupt, other size) that change nothing.
 */
import * as fs from "fs";
import * as path from "path";
import { Stack } from "@pulumi/pulumi/automation";
import {
    Project,
    copyProject,
    docker,
    dockerNames,
    httpJson,
    openStack,
    repoRoot,
    runToExit,
    setPaths,
    sleep,
    waitFor,
} from "../../testkit/harness";
import { Client, SequentialWriter, children, connect, exists } from "../../testkit/zk";
import { BACKUP_ID_PATTERN } from "../../components/backup/schema";
import { aclOf, connectAs } from "./zkAuth";
import {
    AFTER,
    EPHEMERAL,
    checkBulk,
    gapsWithin,
    p99Ms,
    sequenceNumbers,
    writeAfter,
    writeBulk,
    writeEphemerals,
} from "../../testkit/backupData";

const STACK = "backupe2e";
const SIZE = 3;
const CLIENT_BASE = 20181;
const APP_BASE = 20080;
const PROMETHEUS_PORT = 20090;
const PROMETHEUS = `http://127.0.0.1:${PROMETHEUS_PORT}`;
const INTERVAL_SECONDS = 10;
const KEEP_COUNT = 3;
/** The servers allow a snapshot every half interval; on-demand backups keep a little more apart. */
const SNAPSHOT_SPACING_MS = (INTERVAL_SECONDS * 1000) / 2 + 1000;
/** The writes just before a backup that its p99 is compared with. */
const QUIET_WINDOW_MS = 8000;
const BULK_COUNT = 10000;
const AFTER_COUNT = 100;
const EPHEMERAL_COUNT = 5;
const SESSION_TIMEOUT_MS = 8000;
const CONNECT = Array.from({ length: SIZE }, (_, i) => `127.0.0.1:${CLIENT_BASE + i}`).join(",");
const SERVERS = Array.from({ length: SIZE }, (_, i) => `zk-${STACK}-${i + 1}`);
const AGENT = `${SERVERS[0]}-backup`;
const BACKUPS_VOLUME = `zk-${STACK}-backups`;
const LOCAL_IMAGE = "zkpd.local/zookeeper:3.9.4";

/** The logs of every backup agent (they report on stderr), together. */
async function agentLogs(): Promise<string> {
    const logs = await Promise.all(
        SERVERS.map((s) => runToExit("docker", ["logs", `${s}-backup`], { cwd: repoRoot, env: process.env, timeoutMs: 30000 })),
    );
    return logs.map((l) => l.output).join("\n");
}

const STACK_FILE = `# Written by test/e2e/backup.e2e.test.ts into its copy of the project.
config:
  zookeeper-platform:zookeeper:
    size: ${SIZE}
    memoryMb: 384
    clientHostPortBase: ${CLIENT_BASE}
    auth:
      clientDigest: true
  zookeeper-platform:clientApp:
    replicas: 1
    hostPortBase: ${APP_BASE}
  zookeeper-platform:monitoring:
    prometheusHostPort: ${PROMETHEUS_PORT}
    scrapeInterval: 5s
  zookeeper-platform:images:
    source: local
  zookeeper-platform:backup:
    enabled: true
    intervalSeconds: ${INTERVAL_SECONDS}
    keepCount: ${KEEP_COUNT}
    maxAge: 1h
`;

let project: Project;
let stack: Stack;
const report: Record<string, string> = {};

function backupScript(...args: string[]): Promise<{ exitCode: number; output: string }> {
    return runToExit("bash", [path.join(repoRoot, "scripts", "backup.sh"), STACK, ...args], {
        cwd: repoRoot,
        env: process.env,
        timeoutMs: 120000,
    });
}

async function backupNow(): Promise<{ exitCode: number; output: string; id: string }> {
    const result = await backupScript();
    // stdout (the id, last) and stderr (the agent's report) come together here.
    const ids = result.output.split("\n").filter((line) => BACKUP_ID_PATTERN.test(line));
    return { ...result, id: ids[ids.length - 1] ?? "" };
}

/** The backups in the volume, listed under the agents' lock: never between a backup's arrival and its pruning. */
async function keptBackups(): Promise<string[]> {
    const listing = await docker("exec", AGENT, "bash", "-c", "exec 9>/data/.lock; flock 9; ls -1 /data | grep '^2' || true");
    return listing.split("\n").filter(Boolean).sort();
}

/** A shell command run on the backups volume as the agents' user, without an agent. */
function onBackupsVolume(command: string): Promise<string> {
    return docker(
        "run",
        "--rm",
        "--user",
        "1000:1000",
        "-v",
        `${BACKUPS_VOLUME}:/data`,
        "--entrypoint",
        "bash",
        LOCAL_IMAGE,
        "-c",
        command,
    );
}

async function superClient(): Promise<Client> {
    const out = await stack.outputs();
    return connectAs(CONNECT, out.zookeeperSuperCredentials.value as string);
}

async function serverIds(): Promise<string[]> {
    return Promise.all(SERVERS.map((s) => docker("inspect", "-f", "{{.Id}}", s)));
}

/** `pulumi up` with restoreFrom = id: it must fail naming `refusal`, and leave the servers as they were. */
async function expectRefused(id: string, refusal: string): Promise<void> {
    const started = Date.now();
    const before = await serverIds();
    await setPaths(stack, { "backup.restoreFrom": id });
    const failure = await stack.up({ onOutput: () => undefined }).then(
        () => "succeeded",
        (error: Error) => error.message,
    );
    expect(failure).toContain(refusal);
    expect(await serverIds()).toEqual(before);
    report[`refused ${refusal}`] = `${((Date.now() - started) / 1000).toFixed(1)}s`;
}

beforeAll(async () => {
    project = copyProject(STACK);
    fs.writeFileSync(path.join(project.workDir, "stacks", `Pulumi.${STACK}.yaml`), STACK_FILE);
    stack = await openStack(project, STACK);
});

afterAll(async () => {
    await stack?.destroy({ onOutput: () => undefined }).catch(() => undefined);
    await docker("volume", "rm", "-f", BACKUPS_VOLUME).catch(() => undefined);
    console.log(
        `backup e2e summary: ${Object.entries(report)
            .map(([k, v]) => `${k}=${v}`)
            .join(", ")}`,
    );
});

describe("backups of a running ensemble", () => {
    test("`pulumi up` starts an agent beside each server, in its network namespace; the AdminServer answers only there", async () => {
        const started = Date.now();
        expect((await stack.up({ onOutput: () => undefined })).summary.result).toBe("succeeded");
        report.upSeconds = ((Date.now() - started) / 1000).toFixed(1);
        for (const server of SERVERS) {
            const serverId = await docker("inspect", "-f", "{{.Id}}", server);
            expect(await docker("inspect", "-f", "{{.HostConfig.NetworkMode}}", `${server}-backup`)).toBe(`container:${serverId}`);
            const cfg = await docker("exec", server, "cat", "/data/conf/zoo.cfg");
            expect(cfg).toMatch(/^admin\.serverAddress=127\.0\.0\.1$/m);
            expect(cfg).toMatch(/^admin\.restore\.enabled=false$/m);
            expect(cfg).toMatch(new RegExp(`^admin\\.rateLimiterIntervalInMS=${(INTERVAL_SECONDS * 1000 * 1000) / 2}$`, "m"));
        }
        // From another container on the ensemble network, port 8080 of a server is closed.
        const probe = await runToExit(
            "docker",
            ["exec", `${SERVERS[0]}-backup`, "bash", "-c", `nc -z -w 2 ${SERVERS[1]} 8080 && echo open || echo closed`],
            { cwd: repoRoot, env: process.env, timeoutMs: 10000 },
        );
        expect(probe.output.trim()).toBe("closed");
    });

    test("scheduled backups come every interval, from one server each, and retention keeps exactly the newest KEEP_COUNT", async () => {
        const taken = await waitFor("more scheduled backups than are kept", (KEEP_COUNT + 4) * INTERVAL_SECONDS * 1000, async () => {
            const count = ((await agentLogs()).match(/^backup-agent\[\d\]: backup \S+ from server/gm) ?? []).length;
            return count > KEEP_COUNT + 1 ? count : undefined;
        });
        report.scheduledBackupsTaken = String(taken);
        const logs = await agentLogs();
        const now = await keptBackups();
        expect(now.length).toBe(KEEP_COUNT);
        // The newest ones: every id dropped is older than every id kept.
        const dropped = [...logs.matchAll(/retention: dropped \/data\/(\S+)/g)].map((m) => m[1]);
        expect(dropped.length).toBeGreaterThan(0);
        for (const id of dropped) {
            expect(now.every((k) => k > id)).toBe(true);
        }
        // One backup per slot, whichever agent took it: slots are INTERVAL_SECONDS apart.
        const times = now.map((id) => Date.parse(id.replace(/^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z.*/, "$1-$2-$3T$4:$5:$6Z")));
        for (let i = 1; i < times.length; i++) {
            expect(times[i] - times[i - 1]).toBeGreaterThanOrEqual((INTERVAL_SECONDS - 2) * 1000);
        }
        const manifest = JSON.parse(await docker("exec", AGENT, "cat", `/data/${now[now.length - 1]}/manifest.json`));
        expect(manifest).toMatchObject({ ensemble: `zk-${STACK}`, members: "1,2,3", zookeeperVersion: "3.9.4" });
        // Readable by the backup's user only.
        expect(await docker("exec", AGENT, "stat", "-c", "%a %u", `/data/${now[0]}`, `/data/${now[0]}/manifest.json`)).toBe(
            "700 1000\n600 1000",
        );
    });
});

describe("monitoring of the backups", () => {
    test("Prometheus scrapes every agent, sees the last success, and has both backup alerts loaded", async () => {
        type Targets = { data: { activeTargets: Array<{ health: string; labels: Record<string, string> }> } };
        const up = await waitFor("the three backup agents up in Prometheus", 60000, async () => {
            const targets = (await httpJson<Targets>(`${PROMETHEUS}/api/v1/targets`)).body.data.activeTargets;
            const agents = targets.filter((t) => t.labels.job === "zookeeper-backup");
            return agents.length === SIZE && agents.every((t) => t.health === "up") ? agents : undefined;
        });
        expect(up.map((t) => t.labels.server_id).sort()).toEqual(["1", "2", "3"]);
        type Vector = { data: { result: Array<{ value: [number, string] }> } };
        const query = async (expr: string) =>
            (await httpJson<Vector>(`${PROMETHEUS}/api/v1/query?query=${encodeURIComponent(expr)}`)).body.data.result.map((r) =>
                Number(r.value[1]),
            );
        const newestId = (await keptBackups()).slice(-1)[0];
        const newest = JSON.parse(await docker("exec", AGENT, "cat", `/data/${newestId}/manifest.json`)).takenAtEpoch as number;
        // Every agent reports the newest backup of the volume (or a later one), whichever agent took it.
        await waitFor("every agent's last success at the newest backup or later", 30000, async () => {
            const values = await query(`zookeeper_backup_last_success_timestamp_seconds{ensemble="zk-${STACK}"}`);
            return values.length === SIZE && values.every((v) => v >= newest) ? values : undefined;
        });
        // A new backup and its pruning are a moment apart: polled until a scrape of every agent falls outside one.
        await waitFor("every agent to report KEEP_COUNT backups kept", 30000, async () => {
            const values = await query(`zookeeper_backup_kept{ensemble="zk-${STACK}"}`);
            return values.length === SIZE && values.every((v) => v === KEEP_COUNT) ? values : undefined;
        });
        type Rules = { data: { groups: Array<{ rules: Array<{ name: string; state: string }> }> } };
        const rules = (await httpJson<Rules>(`${PROMETHEUS}/api/v1/rules`)).body.data.groups.flatMap((g) => g.rules);
        const backupRules = rules.filter((r) => r.name.startsWith("ZooKeeperBackup"));
        expect(backupRules.map((r) => `${r.name} ${r.state}`).sort()).toEqual([
            "ZooKeeperBackupFailing inactive",
            "ZooKeeperBackupTooOld inactive",
        ]);
    });
});

describe("what a real server refuses", () => {
    test("a second snapshot within half an interval gets HTTP 429, one after it is taken; no superuser gets HTTP 401", async () => {
        expect((await backupScript("pause")).exitCode).toBe(0);
        // Past any earlier request to this server, so that the first request below starts a new rate-limit period.
        await sleep(SNAPSHOT_SPACING_MS);
        const agent = "bash /conf/backup-agent.sh now; echo exit=$?";
        const three = await docker(
            "exec",
            AGENT,
            "bash",
            "-c",
            `{ ${agent}; ${agent}; sleep ${SNAPSHOT_SPACING_MS / 1000}; ${agent}; } 2>&1`,
        );
        const exits = three.split("\n").filter((l) => l.startsWith("exit="));
        expect(exits).toEqual(["exit=0", "exit=1", "exit=0"]);
        expect(three).toContain(
            // ZooKeeper 3.9.4 answers a rate-limited request with `"error" : null`.
            "refused: the snapshot command is rate-limited (HTTP 429: a server allows one snapshot every half interval); try again later",
        );
        expect(three.split("\n").filter((l) => BACKUP_ID_PATTERN.test(l))).toHaveLength(2);
        const anonymous = await docker(
            "exec",
            AGENT,
            "bash",
            "-c",
            "printf 'GET /commands/snapshot?streaming=true HTTP/1.0\\r\\n\\r\\n' | nc -N 127.0.0.1 8080 | head -n 1",
        );
        expect(anonymous.trim()).toBe("HTTP/1.1 401 Unauthorized");
        expect((await backupScript("resume")).exitCode).toBe(0);
    });
});

describe("round trip: backup under load, destroy, restore", () => {
    let backupId = "";
    let writerPrefix = "";
    let appCredentialsBefore = "";
    let ackedBeforeBackup = 0;
    let firstSeq = 0;

    test("10,000 znodes, ephemerals and a backup taken under a sequential write load", async () => {
        const client = await superClient();
        await writeBulk(client, BULK_COUNT);
        const ephemeralOwner = await connect(CONNECT, SESSION_TIMEOUT_MS);
        await writeEphemerals(ephemeralOwner, EPHEMERAL_COUNT);
        const writer = new SequentialWriter(CONNECT, "/bk-load");
        writerPrefix = writer.prefix;
        await writer.start();
        // The schedule held (and no backup running), so that only these backups load the servers.
        expect((await backupScript("pause")).exitCode).toBe(0);
        // Three backups, each against the 8 s of writes just before it (which start SNAPSHOT_SPACING_MS after
        // the previous backup, so its after-effects do not count as quiet); the figure pools the three.
        const samples: string[] = [];
        const quietGaps: number[] = [];
        const backupGaps: number[] = [];
        let result = { exitCode: 1, output: "", id: "" };
        for (let run = 0; run < 3; run++) {
            await sleep(SNAPSHOT_SPACING_MS);
            const quietFrom = Date.now();
            await sleep(QUIET_WINDOW_MS);
            ackedBeforeBackup = writer.ackTimes.length;
            const backupFrom = Date.now();
            result = await backupNow();
            const backupTo = Date.now();
            expect(result.exitCode).toBe(0);
            const quiet = gapsWithin(writer.ackTimes, quietFrom, backupFrom);
            const during = gapsWithin(writer.ackTimes, backupFrom, backupTo);
            quietGaps.push(...quiet);
            backupGaps.push(...during);
            samples.push(`${p99Ms(quiet)}/${p99Ms(during)}ms`);
        }
        report.writeP99PooledQuietDuringBackup = `${p99Ms(quietGaps)}/${p99Ms(backupGaps)}ms over ${quietGaps.length}/${backupGaps.length} gaps`;
        report.writeP99QuietDuringBackup = samples.join(" ");
        await sleep(2000);
        const load = await writer.stop();
        expect((await backupScript("resume")).exitCode).toBe(0);
        expect(result.exitCode).toBe(0);
        backupId = result.id;
        firstSeq = load.acknowledged[0];
        expect(backupId).toMatch(BACKUP_ID_PATTERN);
        report.backupOutput = result.output.split("\n").find((l) => l.includes("znodes")) ?? "";
        report.writesAcknowledged = String(load.acknowledged.length);
        await writeAfter(client, AFTER_COUNT);
        appCredentialsBefore = ((await stack.outputs()).clientAppZooKeeperCredentials?.value as string) ?? "";
        // Closing deletes the ephemerals from the live ensemble, not from the backup taken while they existed.
        client.close();
        ephemeralOwner.close();
    });

    test("`pulumi destroy` removes the data volumes and keeps the backups volume", async () => {
        expect((await stack.destroy({ onOutput: () => undefined })).summary.result).toBe("succeeded");
        expect(await dockerNames("volume", `zk-${STACK}-1-data`)).toEqual([]);
        expect(await dockerNames("volume", BACKUPS_VOLUME)).toEqual([BACKUPS_VOLUME]);
        const listing = await docker(
            "run",
            "--rm",
            "-v",
            `${BACKUPS_VOLUME}:/b:ro`,
            "--entrypoint",
            "ls",
            "zkpd.local/zookeeper:3.9.4",
            "/b",
        );
        expect(listing.split("\n")).toContain(backupId);
    });

    test("`up` with backup.restoreFrom brings back the backup: every znode and ACL, no later write, no ephemeral", async () => {
        await setPaths(stack, { "backup.restoreFrom": backupId });
        const started = Date.now();
        expect((await stack.up({ onOutput: () => undefined })).summary.result).toBe("succeeded");
        report.restoreUpSeconds = ((Date.now() - started) / 1000).toFixed(1);
        expect(await docker("logs", `zk-${STACK}-restore-check`)).toContain(`backup ${backupId} verified`);
        for (const server of SERVERS) {
            expect(await docker("logs", `${server}-seed`)).toContain(`restored from backup ${backupId}`);
        }
        const client = await superClient();
        expect(await checkBulk(client, BULK_COUNT)).toEqual([]);
        expect(await exists(client, AFTER)).toBeUndefined();
        // The writer's sequence is a prefix: 0..n-1 with no hole.
        const seq = await sequenceNumbers(client, writerPrefix);
        // Every write acknowledged before the backup was asked for is in it.
        expect(seq.length).toBeGreaterThanOrEqual(ackedBeforeBackup);
        expect(seq).toEqual(Array.from({ length: seq.length }, (_, i) => firstSeq + i));
        report.restoredWriterPrefix = String(seq.length);
        // The app has a new identity, and the ACL sync gave it the app's subtree.
        const appCredentials = (await stack.outputs()).clientAppZooKeeperCredentials.value as string;
        expect(appCredentials).not.toBe(appCredentialsBefore);
        const appUser = appCredentials.substring(0, appCredentials.indexOf(":"));
        expect((await aclOf(client, "/app")).join(",")).toContain(`digest:${appUser}:`);
        // The ephemerals' session expires (its timeout counts from the restored servers' start).
        await waitFor("the restored ephemerals to expire", SESSION_TIMEOUT_MS * 3 + 30000, async () =>
            (await children(client, EPHEMERAL)).length === 0 ? true : undefined,
        );
        expect(await children(client, EPHEMERAL)).toEqual([]);
        client.close();
    });
});

describe("restore refusals change nothing", () => {
    test("a missing, a truncated and a checksum-mismatched backup, and one of another size, are refused before any server changes", async () => {
        const [good] = (await keptBackups()).slice(-1);
        // With the schedule paused, retention cannot drop the damaged copies (the oldest) while the checks run.
        expect((await backupScript("pause")).exitCode).toBe(0);
        const whilePaused = await keptBackups();
        try {
            const copy = (id: string, damage: string) =>
                onBackupsVolume(`cp -r /data/${good} /data/${id} && cd /data/${id} && f=$(ls snapshot.*) && ${damage}`);
            await copy("20000101T000001Z-0x1", 'truncate -s -10 "$f"');
            await copy(
                "20000101T000002Z-0x2", // One byte changed, whatever it was: the size stays, the sha256 does not.
                'b=$(od -An -tu1 -j40 -N1 "$f"); printf "\\\\$(printf %o $(( (b + 1) % 256 )))" | dd of="$f" bs=1 seek=40 conv=notrunc status=none',
            );
            await expectRefused("20000101T000000Z-0x9", "it does not exist");
            await expectRefused("20000101T000001Z-0x1", "it is truncated");
            await expectRefused("20000101T000002Z-0x2", "does not match its checksum");
            await setPaths(stack, { "zookeeper.size": "1" });
            await expectRefused(good, "holds an ensemble of 3 servers");
            await setPaths(stack, { "zookeeper.size": String(SIZE) });
            // Many intervals went by: the schedule held, only the two damaged copies are new.
            expect(await keptBackups()).toEqual(["20000101T000001Z-0x1", "20000101T000002Z-0x2", ...whilePaused]);
        } finally {
            await backupScript("resume");
        }
    });

    test("restoreFrom on an ensemble that has data does nothing, and says so", async () => {
        const before = await serverIds();
        // A scheduled backup at the slot after the last test's resume would rate-limit this one (HTTP 429):
        // the schedule is held, and any snapshot taken before the hold is over a half interval old.
        expect((await backupScript("pause")).exitCode).toBe(0);
        try {
            await sleep(SNAPSHOT_SPACING_MS);
            const backup = await backupNow();
            // The whole output is in the received object, to be read when it fails.
            expect(backup).toMatchObject({ exitCode: 0, id: expect.stringMatching(BACKUP_ID_PATTERN) });
            await setPaths(stack, { "backup.restoreFrom": backup.id });
            expect((await stack.up({ onOutput: () => undefined })).summary.result).toBe("succeeded");
            expect(await serverIds()).toEqual(before);
            for (const server of SERVERS) {
                expect(await docker("logs", `${server}-seed`)).toContain(`restoreFrom ${backup.id} ignored`);
            }
        } finally {
            await backupScript("resume");
        }
    });
});
