/**
 * The alert rules, as data: what fires when a ZooKeeper server, an ensemble's quorum or the client
 * app is in trouble. Every rule has a firing and a non-firing `promtool test rules` fixture.
 */
import { stringify } from "yaml";
import { BACKUP_METRICS } from "../backup/schema";
import { BACKUP_JOB, validateDuration } from "./prometheusConfig";
import { DEFAULT_SERVER_DOWN_FOR } from "./schema";

/** An ensemble as the alert rules see it. */
export interface AlertedEnsemble {
    /** Value of the `ensemble` label on its targets. */
    name: string;
    /** Number of servers. */
    size: number;
    /** With backups: ZooKeeperBackupTooOld fires when the newest one is older than this. */
    backupMaxAgeSeconds?: number;
}

/** Thresholds of the alert rules. */
export interface AlertRuleSettings {
    ensembles: readonly AlertedEnsemble[];
    /** How long a target must be down before ZooKeeperServerDown fires. Default 1m. */
    serverDownFor?: string;
    /** Whether client app targets exist (adds ClientAppDown). Default false. */
    includeClientApp?: boolean;
    outstandingRequestsThreshold?: number;
    avgLatencyThresholdMs?: number;
    fsyncTimeThresholdMs?: number;
    openFileDescriptorsThreshold?: number;
    /** Fraction of the maximum heap, 0..1. */
    heapUsageRatio?: number;
}

/** One Prometheus alerting rule. */
export interface AlertRule {
    alert: string;
    expr: string;
    for?: string;
    labels: { severity: "critical" | "warning" };
    annotations: { summary: string; description: string };
}

function escapeLabelValue(value: string): string {
    return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"');
}

const ZK = 'job="zookeeper"';

/**
 * Voting members of ensemble `name` (label value, escaped): the `quorum_size` every live server
 * reports for its committed configuration. It follows reconfig, so an interrupted resize leaves
 * it at the membership ZooKeeper committed, not at the configured size. No series when no server
 * of the ensemble can be scraped.
 */
function liveVotingMembers(name: string): string {
    return `max(quorum_size{${ZK},ensemble="${name}"})`;
}

/**
 * Followers a leader needs in sync to have a quorum of `voters` (a PromQL expression): half of
 * them, rounded down; with the leader's own vote that is the majority, floor(voters / 2) + 1.
 */
function followersForQuorum(voters: string): string {
    return `floor(${voters} / 2)`;
}

/**
 * Synced followers of the leaders matching `selector` that have a vote: ZooKeeper counts a server
 * that joined but was not yet added by reconfig (a resize in progress) in synced_followers too.
 */
function votingSyncedFollowers(selector: string): string {
    return `(synced_followers{${selector}} - synced_non_voting_followers{${selector}})`;
}

/** A server Prometheus cannot scrape. */
function serverRules(serverDownFor: string): AlertRule[] {
    const zk = ZK;
    return [
        {
            alert: "ZooKeeperServerDown",
            expr: `up{${zk}} == 0`,
            for: serverDownFor,
            labels: { severity: "critical" },
            annotations: {
                summary: "ZooKeeper server {{ $labels.instance }} is down",
                description: "Prometheus cannot scrape server {{ $labels.server_id }} of ensemble {{ $labels.ensemble }}.",
            },
        },
    ];
}

/** Leader and follower rules across the ensembles. */
function leaderRules(settings: AlertRuleSettings): AlertRule[] {
    const zk = ZK;
    const rules: AlertRule[] = [];
    // Every ensemble, a single server included: with standaloneEnabled=false it is a quorum of
    // one and leads itself (it exports leader_uptime).
    if (settings.ensembles.length > 0) {
        const names = settings.ensembles.map((e) => escapeLabelValue(e.name)).join("|");
        rules.push({
            alert: "ZooKeeperLeaderCountNotOne",
            // An ensemble with no leader has no leader_uptime series at all; the
            // `or` fills in 0 from its up series so that case fires too.
            expr:
                `(count by (ensemble) (leader_uptime{${zk},ensemble=~"${names}"}) ` +
                `or on (ensemble) (count by (ensemble) (up{${zk},ensemble=~"${names}"}) * 0)) != 1`,
            for: "1m",
            labels: { severity: "critical" },
            annotations: {
                summary: "Ensemble {{ $labels.ensemble }} has {{ $value }} leaders",
                description: "An ensemble must have exactly one leader (a single server leads itself); without one it serves no requests.",
            },
        });
        rules.push({
            alert: "ZooKeeperSyncedFollowersBelowEnsemble",
            expr: `max by (ensemble) ${votingSyncedFollowers(zk)} ` + `< on (ensemble) max by (ensemble) (quorum_size{${zk}} - 1)`,
            for: "5m",
            labels: { severity: "warning" },
            annotations: {
                summary: "Ensemble {{ $labels.ensemble }} has followers out of sync",
                description: "Only {{ $value }} followers are synced with the leader; one more failure may cost the quorum.",
            },
        });
    }
    return rules;
}

/**
 * Quorum rules of each ensemble, against its live voting membership (quorum_size): during an
 * interrupted resize the configured size is not the membership ZooKeeper committed.
 */
function quorumRules(settings: AlertRuleSettings): AlertRule[] {
    const zk = ZK;
    const rules: AlertRule[] = [];
    for (const ensemble of settings.ensembles) {
        const name = escapeLabelValue(ensemble.name);
        const voters = liveVotingMembers(name);
        rules.push({
            alert: "ZooKeeperQuorumLost",
            // No server reports quorum_size when none can be scraped: the configured size stands
            // in, so an ensemble that is all down still fires. Both sides carry no labels.
            expr:
                `(count(up{${zk},ensemble="${name}"} == 1) or vector(0)) ` +
                `< (${followersForQuorum(`(${voters} or vector(${ensemble.size}))`)} + 1)`,
            for: "1m",
            labels: { severity: "critical" },
            annotations: {
                summary: `Ensemble ${ensemble.name} has lost its quorum`,
                description:
                    "{{ $value }} servers up, fewer than a majority of its voting members; " +
                    "without a majority the ensemble cannot elect a leader or accept writes.",
            },
        });
        // At every size: a single server's leader needs 0 synced followers and never fires, but
        // once a reconfig to 3 commits (quorum_size 3) it needs 1.
        rules.push({
            alert: "ZooKeeperTooFewSyncedFollowers",
            expr: `max${votingSyncedFollowers(`${zk},ensemble="${name}"`)} < ${followersForQuorum(voters)}`,
            for: "1m",
            labels: { severity: "critical" },
            annotations: {
                summary: `Leader of ${ensemble.name} has {{ $value }} synced followers, fewer than half of its voting members`,
                description: "The leader no longer has a synced quorum behind it.",
            },
        });
    }
    return rules;
}

/** A warning about one server, `{{ $labels.instance }}` in its summary. */
function serverWarning(alert: string, expr: string, summary: string, description: string, forDuration: string | null = "5m"): AlertRule {
    return {
        alert,
        expr,
        // null, not undefined: undefined would take the default.
        ...(forDuration === null ? {} : { for: forDuration }),
        labels: { severity: "warning" },
        annotations: { summary: `ZooKeeper server {{ $labels.instance }} ${summary}`, description },
    };
}

/** Resource and latency warnings of every server. */
function resourceRules(settings: AlertRuleSettings): AlertRule[] {
    const zk = ZK;
    return [
        serverWarning(
            "ZooKeeperOutstandingRequestsHigh",
            `outstanding_requests{${zk}} > ${settings.outstandingRequestsThreshold ?? 10}`,
            "is queueing requests",
            "{{ $value }} requests are waiting; the server cannot keep up with its clients.",
        ),
        serverWarning(
            "ZooKeeperAvgLatencyHigh",
            `avg_latency{${zk}} > ${settings.avgLatencyThresholdMs ?? 100}`,
            "answers slowly",
            "Average request latency is {{ $value }} ms.",
        ),
        serverWarning(
            "ZooKeeperFsyncTimeHigh",
            `rate(fsynctime_sum{${zk}}[5m]) / rate(fsynctime_count{${zk}}[5m]) > ${settings.fsyncTimeThresholdMs ?? 100}`,
            "has slow transaction log fsyncs",
            "Average fsync time is {{ $value }} ms; slow disks delay every write and can cause leader elections.",
        ),
        serverWarning(
            "ZooKeeperElectionsHappening",
            `increase(election_time_count{${zk}}[5m]) > 0`,
            "took part in a leader election",
            "Elections outside deployments point at crashing servers, network trouble or slow disks.",
            null,
        ),
        serverWarning(
            "ZooKeeperOpenFileDescriptorsHigh",
            `open_file_descriptor_count{${zk}} > ${settings.openFileDescriptorsThreshold ?? 2000}`,
            "holds many open files",
            "{{ $value }} file descriptors are open.",
        ),
        serverWarning(
            "ZooKeeperJvmHeapHigh",
            `jvm_memory_bytes_used{${zk},area="heap"} / jvm_memory_bytes_max{${zk},area="heap"} > ${settings.heapUsageRatio ?? 0.8}`,
            "uses most of its heap",
            "Heap usage is {{ $value | humanizePercentage }} of the maximum.",
        ),
    ];
}

/** Stale after 3 missed intervals, and never sooner than 10 minutes: one slow or skipped slot is no alarm. */
export function computeBackupMaxAgeSeconds(intervalSeconds: number): number {
    return Math.max(600, 3 * intervalSeconds);
}

/** Backups of the ensembles that have them (components/backup/): too old, or failing. */
function backupRules(settings: AlertRuleSettings): AlertRule[] {
    const job = `job="${BACKUP_JOB}"`;
    const rules: AlertRule[] = settings.ensembles
        .filter((e) => e.backupMaxAgeSeconds !== undefined)
        .map((e) => ({
            alert: "ZooKeeperBackupTooOld",
            // 0 until a first backup exists, which counts as too old too.
            expr: `time() - max(${BACKUP_METRICS.lastSuccess}{${job},ensemble="${escapeLabelValue(e.name)}"}) > ${e.backupMaxAgeSeconds}`,
            for: "1m",
            labels: { severity: "critical" },
            annotations: {
                summary: `The newest backup of ensemble ${e.name} is too old`,
                description: `The last good backup is {{ $value | humanizeDuration }} old (allowed: ${e.backupMaxAgeSeconds} s). A restore would lose everything since.`,
            },
        }));
    if (rules.length > 0) {
        rules.push({
            alert: "ZooKeeperBackupFailing",
            expr: `increase(${BACKUP_METRICS.failures}{${job}}[15m]) > 0`,
            labels: { severity: "warning" },
            annotations: {
                summary: "Backups of ensemble {{ $labels.ensemble }} fail on server {{ $labels.server_id }}",
                description: "Backup attempts failed in the last 15 minutes; `docker logs` of the server's backup agent says why.",
            },
        });
    }
    return rules;
}

/** The alert rules, as data (see renderAlertRules for the file). */
export function buildAlertRules(settings: AlertRuleSettings): AlertRule[] {
    const serverDownFor = settings.serverDownFor ?? DEFAULT_SERVER_DOWN_FOR;
    validateDuration("serverDownFor", serverDownFor);
    const rules = [
        ...serverRules(serverDownFor),
        ...leaderRules(settings),
        ...quorumRules(settings),
        ...resourceRules(settings),
        ...backupRules(settings),
    ];
    if (settings.includeClientApp) {
        rules.push({
            alert: "ClientAppDown",
            expr: 'up{job="client-app"} == 0',
            for: serverDownFor,
            labels: { severity: "warning" },
            annotations: {
                summary: "Client app replica {{ $labels.instance }} is down",
                description: "Prometheus cannot scrape replica {{ $labels.replica }}.",
            },
        });
    }
    return rules;
}

/** Renders the rule file uploaded next to prometheus.yml. */
export function renderAlertRules(settings: AlertRuleSettings): string {
    return stringify({ groups: [{ name: "zookeeper", rules: buildAlertRules(settings) }] }, { lineWidth: 0 });
}
