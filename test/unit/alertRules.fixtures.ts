/**
 * `promtool test rules` fixtures of the alert rules, as data, keyed by alert name.
 *
 * Every fixture is one promtool test group (input series in the `values` notation plus
 * `alert_rule_test` checks) and is marked "firing" (at least one check of its alert expects
 * alerts) or "non-firing" (every check of its alert expects none). alertRules.promtool.test.ts
 * runs them against renderAlertRules(representativeSettings) and fails when a rule has no
 * firing or no non-firing fixture.
 *
 * Expected labels and annotations are exact (promtool compares them in full): the `ensemble`
 * label, the series labels of per-server alerts and the annotations with their real values.
 */
import type { AlertRuleSettings } from "../../components/monitoring/alertRules";

/**
 * Settings that produce every rule: a replicated ensemble, a single-server one (a quorum of one
 * that leads itself), one configured at 5 for a resize from 3 that never committed (the rules
 * must go by the live quorum_size), the client app, and a non-default serverDownFor so the `for`
 * checks show the setting is used. Thresholds are the defaults the stacks use.
 */
export const representativeSettings: AlertRuleSettings = {
    ensembles: [
        // Backups every 100 s: ZooKeeperBackupTooOld's limit is 10 minutes (never less).
        { name: "zk-dev", size: 3, backupMaxAgeSeconds: 600 },
        { name: "zk-solo", size: 1 },
        { name: "zk-grow", size: 5 },
    ],
    serverDownFor: "2m",
    includeClientApp: true,
};

/** One input series: a series selector and its values, e.g. `1 1 0x8` or `0+300x10`. */
export interface InputSeries {
    series: string;
    values: string;
}

/** One alert promtool must see firing at eval_time (labels without alertname). */
export interface ExpectedAlert {
    exp_labels: Record<string, string>;
    exp_annotations: Record<string, string>;
}

/** One `alert_rule_test` entry: exactly these alerts of `alertname` fire at `eval_time`. */
export interface AlertRuleCheck {
    eval_time: string;
    alertname: string;
    exp_alerts: ExpectedAlert[];
}

export type FixtureKind = "firing" | "non-firing";

/** One promtool test group about one alert. */
export interface AlertFixture {
    /** Test group name; promtool prints it when the group fails. */
    name: string;
    kind: FixtureKind;
    /** Spacing of the input samples (promtool's `interval`); 1m. */
    interval: string;
    input_series: InputSeries[];
    alert_rule_test: AlertRuleCheck[];
}

// ---------------------------------------------------------------------------------------------
// Series helpers

/** Spacing of the input samples of every fixture. */
const SAMPLE_INTERVAL = "1m";

/**
 * How often promtool evaluates the rules (the test file's `evaluation_interval`). Finer than
 * the samples so a check just before a `for` elapses (e.g. 45s into a 1m `for`) tells the
 * configured duration apart from a shorter one.
 */
export const EVALUATION_INTERVAL = "15s";

function zkLabels(ensemble: string, id: number): Record<string, string> {
    return { job: "zookeeper", instance: `${ensemble}-${id}:7000`, ensemble, server_id: String(id) };
}

function selector(metric: string, labels: Record<string, string>): string {
    const body = Object.entries(labels)
        .map(([k, v]) => `${k}="${v}"`)
        .join(",");
    return `${metric}{${body}}`;
}

function zk(metric: string, ensemble: string, id: number, values: string, extra: Record<string, string> = {}): InputSeries {
    return { series: selector(metric, { ...zkLabels(ensemble, id), ...extra }), values };
}

/** `up` of zk-dev-1..3, one values string per server. */
function devUp(v1: string, v2: string, v3: string): InputSeries[] {
    return [zk("up", "zk-dev", 1, v1), zk("up", "zk-dev", 2, v2), zk("up", "zk-dev", 3, v3)];
}

const soloUp = (values: string): InputSeries => zk("up", "zk-solo", 1, values);
/**
 * The leader's (server 1's) synced followers: `voting` of them voting members, `nonVoting` joined
 * but not added by reconfig (ZooKeeper counts both in synced_followers).
 */
function leaderSynced(ensemble: string, voting: string, nonVoting = "0x10"): InputSeries[] {
    const total = `${Number(voting.split("x")[0]) + Number(nonVoting.split("x")[0])}x${voting.split("x")[1]}`;
    return [zk("synced_followers", ensemble, 1, total), zk("synced_non_voting_followers", ensemble, 1, nonVoting)];
}

/** `up` of zk-grow-1..5 (configured at 5), one values string per server. */
function growUp(...values: [string, string, string, string, string]): InputSeries[] {
    return values.map((v, i) => zk("up", "zk-grow", i + 1, v));
}

/**
 * `quorum_size` (voting members of the committed configuration) as servers `ids` of `ensemble`
 * report it, constant; a server that cannot be scraped reports nothing.
 */
function quorumSize(ensemble: string, size: number, ...ids: number[]): InputSeries[] {
    return ids.map((id) => zk("quorum_size", ensemble, id, `${size}x10`));
}

/** zk-grow with every one of its 5 servers up, its committed membership the 5 of them. */
const growHealthy = [...growUp("1x10", "1x10", "1x10", "1x10", "1x10"), ...quorumSize("zk-grow", 5, 1, 2, 3, 4, 5)];

const appLabels = { job: "client-app", instance: "app-dev-1:8080", replica: "1", app: "app-dev" };

function fixture(name: string, kind: FixtureKind, input_series: InputSeries[], alert_rule_test: AlertRuleCheck[]): AlertFixture {
    return { name, kind, interval: SAMPLE_INTERVAL, input_series, alert_rule_test };
}

const none = (alertname: string, ...times: string[]): AlertRuleCheck[] =>
    times.map((eval_time) => ({ eval_time, alertname, exp_alerts: [] }));

const fires = (alertname: string, eval_time: string, ...exp_alerts: ExpectedAlert[]): AlertRuleCheck => ({
    eval_time,
    alertname,
    exp_alerts,
});

/** Expected alert of a per-server rule: the series labels plus severity. */
function serverAlert(
    severity: "critical" | "warning",
    ensemble: string,
    id: number,
    annotations: { summary: string; description: string },
    extra: Record<string, string> = {},
): ExpectedAlert {
    return { exp_labels: { severity, ...zkLabels(ensemble, id), ...extra }, exp_annotations: { ...annotations } };
}

// ---------------------------------------------------------------------------------------------
// Fixtures

const serverDown = "ZooKeeperServerDown";
const leaders = "ZooKeeperLeaderCountNotOne";
const syncedBelow = "ZooKeeperSyncedFollowersBelowEnsemble";
const quorumLost = "ZooKeeperQuorumLost";
const tooFewSynced = "ZooKeeperTooFewSyncedFollowers";
const outstanding = "ZooKeeperOutstandingRequestsHigh";
const latency = "ZooKeeperAvgLatencyHigh";
const fsync = "ZooKeeperFsyncTimeHigh";
const elections = "ZooKeeperElectionsHappening";
const fds = "ZooKeeperOpenFileDescriptorsHigh";
const heap = "ZooKeeperJvmHeapHigh";
const clientAppDown = "ClientAppDown";
const backupTooOld = "ZooKeeperBackupTooOld";
const backupFailing = "ZooKeeperBackupFailing";

function backupAgent(metric: string, id: number, values: string): InputSeries {
    return {
        series: selector(metric, { job: "zookeeper-backup", instance: `zk-dev-${id}:7010`, ensemble: "zk-dev", server_id: String(id) }),
        values,
    };
}

const zkDev2Down = serverAlert("critical", "zk-dev", 2, {
    summary: "ZooKeeper server zk-dev-2:7000 is down",
    description: "Prometheus cannot scrape server 2 of ensemble zk-dev.",
});

/** ZooKeeperQuorumLost of `ensemble` with `up` servers up. */
function quorumLostAlert(ensemble: string, up: number): ExpectedAlert {
    return {
        exp_labels: { severity: "critical" },
        exp_annotations: {
            summary: `Ensemble ${ensemble} has lost its quorum`,
            description: `${up} servers up, fewer than a majority of its voting members; without a majority the ensemble cannot elect a leader or accept writes.`,
        },
    };
}

const quorumLostDev = quorumLostAlert("zk-dev", 1);

/** ZooKeeperTooFewSyncedFollowers of `ensemble` whose leader has `synced` synced followers. */
function tooFewSyncedAlert(ensemble: string, synced: number): ExpectedAlert {
    return {
        exp_labels: { severity: "critical" },
        exp_annotations: {
            summary: `Leader of ${ensemble} has ${synced} synced followers, fewer than half of its voting members`,
            description: "The leader no longer has a synced quorum behind it.",
        },
    };
}

const leaderCountAlert = (ensemble: string, count: number): ExpectedAlert => ({
    exp_labels: { severity: "critical", ensemble },
    exp_annotations: {
        summary: `Ensemble ${ensemble} has ${count} leaders`,
        description: "An ensemble must have exactly one leader (a single server leads itself); without one it serves no requests.",
    },
});

/** A zk-dev server that reports itself leader (leader_uptime exists only on a leader). */
const devLeaderUptime = (id: number): InputSeries => zk("leader_uptime", "zk-dev", id, "100+60x10");

/** zk-solo's single server leading itself (standaloneEnabled=false: a quorum of one). */
const soloLeaderUptime = zk("leader_uptime", "zk-solo", 1, "100+60x10");

export const alertFixtures: Record<string, AlertFixture[]> = {
    [serverDown]: [
        fixture(
            "ZooKeeperServerDown fires only after serverDownFor (2m) of failed scrapes",
            "firing",
            // zk-dev-2 stops answering at 2m: pending at 3m, firing from 4m.
            [...devUp("1x10", "1 1 0x8", "1x10"), soloUp("1x10")],
            [...none(serverDown, "1m", "2m", "3m", "3m45s"), fires(serverDown, "4m", zkDev2Down), fires(serverDown, "8m", zkDev2Down)],
        ),
        fixture(
            "ZooKeeperServerDown stays quiet for a failed scrape shorter than serverDownFor",
            "non-firing",
            [...devUp("1x10", "1 1 0 1x7", "1x10"), soloUp("1x10")],
            none(serverDown, "2m", "2m45s", "3m", "4m", "5m"),
        ),
        fixture(
            "ZooKeeperServerDown stays quiet while every server is up",
            "non-firing",
            [...devUp("1x10", "1x10", "1x10"), soloUp("1x10")],
            none(serverDown, "0m", "5m", "10m"),
        ),
    ],

    [leaders]: [
        fixture(
            "ZooKeeperLeaderCountNotOne fires for two leaders (split brain) after 1m",
            "firing",
            [...devUp("1x10", "1x10", "1x10"), devLeaderUptime(1), devLeaderUptime(3), soloUp("1x10"), soloLeaderUptime],
            [...none(leaders, "0m", "45s"), fires(leaders, "1m", leaderCountAlert("zk-dev", 2))],
        ),
        fixture(
            "ZooKeeperLeaderCountNotOne fires for no leader at all (no leader_uptime series)",
            "firing",
            [...devUp("1x10", "1x10", "1x10"), soloUp("1x10"), soloLeaderUptime],
            [...none(leaders, "0m", "45s"), fires(leaders, "1m", leaderCountAlert("zk-dev", 0))],
        ),
        fixture(
            "ZooKeeperLeaderCountNotOne fires for zk-solo (size 1) when its only server runs but does not lead",
            "firing",
            [...devUp("1x10", "1x10", "1x10"), devLeaderUptime(2), soloUp("1x10")],
            [...none(leaders, "0m", "45s"), fires(leaders, "1m", leaderCountAlert("zk-solo", 0))],
        ),
        fixture(
            "ZooKeeperLeaderCountNotOne stays quiet with one leader in each ensemble, zk-solo's single server included",
            "non-firing",
            [...devUp("1x10", "1x10", "1x10"), devLeaderUptime(1), soloUp("1x10"), soloLeaderUptime],
            none(leaders, "0m", "2m", "10m"),
        ),
    ],

    [syncedBelow]: [
        fixture(
            "ZooKeeperSyncedFollowersBelowEnsemble fires after 5m with 1 of 2 followers synced",
            "firing",
            [
                ...devUp("1x10", "1x10", "1x10"),
                ...leaderSynced("zk-dev", "1x10"),
                ...[1, 2, 3].map((id) => zk("quorum_size", "zk-dev", id, "3x10")),
            ],
            [
                ...none(syncedBelow, "4m45s"),
                fires(syncedBelow, "5m", {
                    exp_labels: { severity: "warning", ensemble: "zk-dev" },
                    exp_annotations: {
                        summary: "Ensemble zk-dev has followers out of sync",
                        description: "Only 1 followers are synced with the leader; one more failure may cost the quorum.",
                    },
                }),
            ],
        ),
        fixture(
            "ZooKeeperSyncedFollowersBelowEnsemble stays quiet with 2 of 2 followers synced",
            "non-firing",
            [
                ...devUp("1x10", "1x10", "1x10"),
                ...leaderSynced("zk-dev", "2x10"),
                ...[1, 2, 3].map((id) => zk("quorum_size", "zk-dev", id, "3x10")),
            ],
            none(syncedBelow, "5m", "10m"),
        ),
    ],

    [quorumLost]: [
        fixture(
            "ZooKeeperQuorumLost fires for zk-dev (size 3) with 1 of 3 servers up",
            "firing",
            [...devUp("1x10", "0x10", "0x10"), ...quorumSize("zk-dev", 3, 1), soloUp("1x10"), ...growHealthy],
            [...none(quorumLost, "0m", "45s"), fires(quorumLost, "1m", quorumLostDev), fires(quorumLost, "10m", quorumLostDev)],
        ),
        fixture(
            "ZooKeeperQuorumLost fires for zk-dev with no server up (no quorum_size: the configured 3 stands in)",
            "firing",
            [...devUp("0x10", "0x10", "0x10"), soloUp("1x10"), ...growHealthy],
            [fires(quorumLost, "2m", quorumLostAlert("zk-dev", 0))],
        ),
        fixture(
            "ZooKeeperQuorumLost fires for zk-grow (configured 5) with every server down and no quorum_size series",
            "firing",
            [...devUp("1x10", "1x10", "1x10"), soloUp("1x10"), ...growUp("0x10", "0x10", "0x10", "0x10", "0x10")],
            [...none(quorumLost, "45s"), fires(quorumLost, "1m", quorumLostAlert("zk-grow", 0))],
        ),
        fixture(
            "ZooKeeperQuorumLost fires for zk-solo (size 1) with its only server down",
            "firing",
            [...devUp("1x10", "1x10", "1x10"), soloUp("0x10"), ...growHealthy],
            [...none(quorumLost, "0m", "45s"), fires(quorumLost, "1m", quorumLostAlert("zk-solo", 0))],
        ),
        fixture(
            "ZooKeeperQuorumLost fires for zk-dev (configured 3) with 2 servers up when they report 5 voting members",
            "firing",
            // A shrink from 5 whose reconfig -remove never committed: 2 of the 3 scraped servers
            // are up, and 2 is no majority of 5 (the configured 3 would say it is).
            [...devUp("1x10", "1x10", "0x10"), ...quorumSize("zk-dev", 5, 1, 2), soloUp("1x10"), ...growHealthy],
            [...none(quorumLost, "45s"), fires(quorumLost, "1m", quorumLostAlert("zk-dev", 2))],
        ),
        fixture(
            "ZooKeeperQuorumLost stays quiet for zk-dev with 2 of 3 servers up",
            "non-firing",
            [...devUp("1x10", "1x10", "0x10"), ...quorumSize("zk-dev", 3, 1, 2), soloUp("1x10"), ...growHealthy],
            none(quorumLost, "0m", "2m", "10m"),
        ),
        fixture(
            "ZooKeeperQuorumLost stays quiet for zk-grow (configured 5) with 2 servers up that report 3 voting members",
            "non-firing",
            // A resize from 3 interrupted before servers 4 and 5 were added: the committed
            // membership is 3 and 2 of them are a majority (the configured 5 would need 3).
            [
                ...devUp("1x10", "1x10", "1x10"),
                soloUp("1x10"),
                ...growUp("1x10", "1x10", "0x10", "0x10", "0x10"),
                ...quorumSize("zk-grow", 3, 1, 2),
            ],
            none(quorumLost, "0m", "2m", "10m"),
        ),
        fixture(
            "ZooKeeperQuorumLost stays quiet while every server of every ensemble is up",
            "non-firing",
            [
                ...devUp("1x10", "1x10", "1x10"),
                ...quorumSize("zk-dev", 3, 1, 2, 3),
                soloUp("1x10"),
                ...quorumSize("zk-solo", 1, 1),
                ...growHealthy,
            ],
            none(quorumLost, "2m", "10m"),
        ),
    ],

    [tooFewSynced]: [
        fixture(
            "ZooKeeperTooFewSyncedFollowers fires after 1m when zk-dev's leader has 0 synced followers (needs 1 of 3 voters)",
            "firing",
            [...devUp("1x10", "1x10", "1x10"), ...quorumSize("zk-dev", 3, 1, 2, 3), ...leaderSynced("zk-dev", "0x10")],
            [...none(tooFewSynced, "0m", "45s"), fires(tooFewSynced, "1m", tooFewSyncedAlert("zk-dev", 0))],
        ),
        fixture(
            "ZooKeeperTooFewSyncedFollowers fires for zk-dev (configured 3) whose leader has 1 synced follower of 5 voting members",
            "firing",
            // 5 voters need 2 synced followers; the configured 3 would be content with 1.
            [...devUp("1x10", "1x10", "1x10"), ...quorumSize("zk-dev", 5, 1, 2, 3), ...leaderSynced("zk-dev", "1x10")],
            [...none(tooFewSynced, "45s"), fires(tooFewSynced, "1m", tooFewSyncedAlert("zk-dev", 1))],
        ),
        fixture(
            "ZooKeeperTooFewSyncedFollowers fires for zk-solo (configured 1) once a reconfig to 3 voters committed and no follower syncs",
            "firing",
            [soloUp("1x10"), ...quorumSize("zk-solo", 3, 1), ...leaderSynced("zk-solo", "0x10")],
            [...none(tooFewSynced, "45s"), fires(tooFewSynced, "1m", tooFewSyncedAlert("zk-solo", 0))],
        ),
        fixture(
            "ZooKeeperTooFewSyncedFollowers fires when the one synced follower is a server joined but not added (an interrupted grow)",
            "firing",
            // synced_followers is 1, but that follower has no vote: 3 voters need 1 voting follower.
            [...devUp("1x10", "0x10", "0x10"), ...quorumSize("zk-dev", 3, 1), ...leaderSynced("zk-dev", "0x10", "1x10")],
            [...none(tooFewSynced, "45s"), fires(tooFewSynced, "1m", tooFewSyncedAlert("zk-dev", 0))],
        ),
        fixture(
            "ZooKeeperTooFewSyncedFollowers stays quiet with 1 synced follower",
            "non-firing",
            [...devUp("1x10", "1x10", "0x10"), ...quorumSize("zk-dev", 3, 1, 2), ...leaderSynced("zk-dev", "1x10")],
            none(tooFewSynced, "1m", "10m"),
        ),
        fixture(
            "ZooKeeperTooFewSyncedFollowers stays quiet for zk-grow (configured 5) whose leader has 1 synced follower of 3 voting members",
            "non-firing",
            // 3 voters need 1 synced follower; the configured 5 would need 2.
            [...growUp("1x10", "1x10", "0x10", "0x10", "0x10"), ...quorumSize("zk-grow", 3, 1, 2), ...leaderSynced("zk-grow", "1x10")],
            none(tooFewSynced, "1m", "10m"),
        ),
        fixture(
            "ZooKeeperTooFewSyncedFollowers stays quiet for zk-solo's single server (a quorum of one needs no follower)",
            "non-firing",
            [soloUp("1x10"), ...quorumSize("zk-solo", 1, 1), ...leaderSynced("zk-solo", "0x10"), soloLeaderUptime],
            none(tooFewSynced, "1m", "10m"),
        ),
    ],

    [outstanding]: [
        fixture(
            "ZooKeeperOutstandingRequestsHigh fires after 5m above 10 queued requests",
            "firing",
            [zk("outstanding_requests", "zk-dev", 1, "15x10"), zk("outstanding_requests", "zk-dev", 2, "3x10")],
            [
                ...none(outstanding, "4m45s"),
                fires(
                    outstanding,
                    "5m",
                    serverAlert("warning", "zk-dev", 1, {
                        summary: "ZooKeeper server zk-dev-1:7000 is queueing requests",
                        description: "15 requests are waiting; the server cannot keep up with its clients.",
                    }),
                ),
            ],
        ),
        fixture(
            "ZooKeeperOutstandingRequestsHigh stays quiet at the threshold (10)",
            "non-firing",
            [zk("outstanding_requests", "zk-dev", 1, "10x10")],
            none(outstanding, "5m", "10m"),
        ),
    ],

    [latency]: [
        fixture(
            "ZooKeeperAvgLatencyHigh fires after 5m above 100 ms",
            "firing",
            [zk("avg_latency", "zk-dev", 3, "150x10"), zk("avg_latency", "zk-dev", 1, "5x10")],
            [
                ...none(latency, "4m45s"),
                fires(
                    latency,
                    "5m",
                    serverAlert("warning", "zk-dev", 3, {
                        summary: "ZooKeeper server zk-dev-3:7000 answers slowly",
                        description: "Average request latency is 150 ms.",
                    }),
                ),
            ],
        ),
        fixture(
            "ZooKeeperAvgLatencyHigh stays quiet at the threshold (100 ms)",
            "non-firing",
            [zk("avg_latency", "zk-dev", 3, "100x10")],
            none(latency, "5m", "10m"),
        ),
    ],

    [fsync]: [
        fixture(
            "ZooKeeperFsyncTimeHigh fires after 5m when fsyncs average 150 ms",
            "firing",
            // 2 fsyncs a minute taking 300 ms together; rate() needs two samples, so the
            // expression holds from 1m and the alert fires from 6m.
            [zk("fsynctime_sum", "zk-solo", 1, "0+300x10"), zk("fsynctime_count", "zk-solo", 1, "0+2x10")],
            [
                ...none(fsync, "5m45s"),
                fires(
                    fsync,
                    "6m",
                    serverAlert("warning", "zk-solo", 1, {
                        summary: "ZooKeeper server zk-solo-1:7000 has slow transaction log fsyncs",
                        description: "Average fsync time is 150 ms; slow disks delay every write and can cause leader elections.",
                    }),
                ),
            ],
        ),
        fixture(
            "ZooKeeperFsyncTimeHigh stays quiet when fsyncs average 50 ms",
            "non-firing",
            [zk("fsynctime_sum", "zk-solo", 1, "0+100x10"), zk("fsynctime_count", "zk-solo", 1, "0+2x10")],
            none(fsync, "6m", "10m"),
        ),
    ],

    [elections]: [
        fixture(
            "ZooKeeperElectionsHappening fires at once after an election and clears 5m later",
            "firing",
            // One election at 3m; no `for`, so it fires at 3m, still at 7m (within the 5m window) and no
            // longer at 9m.
            [zk("election_time_count", "zk-dev", 2, "0 0 0 1x8"), zk("election_time_count", "zk-dev", 1, "1x11")],
            [
                ...none(elections, "2m"),
                fires(
                    elections,
                    "3m",
                    serverAlert("warning", "zk-dev", 2, {
                        summary: "ZooKeeper server zk-dev-2:7000 took part in a leader election",
                        description: "Elections outside deployments point at crashing servers, network trouble or slow disks.",
                    }),
                ),
                fires(
                    elections,
                    "7m",
                    serverAlert("warning", "zk-dev", 2, {
                        summary: "ZooKeeper server zk-dev-2:7000 took part in a leader election",
                        description: "Elections outside deployments point at crashing servers, network trouble or slow disks.",
                    }),
                ),
                ...none(elections, "9m"),
            ],
        ),
        fixture(
            "ZooKeeperElectionsHappening stays quiet without new elections",
            "non-firing",
            [zk("election_time_count", "zk-dev", 1, "4x10"), zk("election_time_count", "zk-dev", 2, "1x10")],
            none(elections, "1m", "5m", "10m"),
        ),
    ],

    [fds]: [
        fixture(
            "ZooKeeperOpenFileDescriptorsHigh fires after 5m above 2000 open files",
            "firing",
            [zk("open_file_descriptor_count", "zk-dev", 1, "2500x10"), zk("open_file_descriptor_count", "zk-dev", 2, "300x10")],
            [
                ...none(fds, "4m45s"),
                fires(
                    fds,
                    "5m",
                    serverAlert("warning", "zk-dev", 1, {
                        summary: "ZooKeeper server zk-dev-1:7000 holds many open files",
                        description: "2500 file descriptors are open.",
                    }),
                ),
            ],
        ),
        fixture(
            "ZooKeeperOpenFileDescriptorsHigh stays quiet at the threshold (2000)",
            "non-firing",
            [zk("open_file_descriptor_count", "zk-dev", 1, "2000x10")],
            none(fds, "5m", "10m"),
        ),
    ],

    [heap]: [
        fixture(
            "ZooKeeperJvmHeapHigh fires after 5m above 80% of the maximum heap",
            "firing",
            [
                zk("jvm_memory_bytes_used", "zk-dev", 1, "900x10", { area: "heap" }),
                zk("jvm_memory_bytes_max", "zk-dev", 1, "1000x10", { area: "heap" }),
            ],
            [
                ...none(heap, "4m45s"),
                fires(
                    heap,
                    "5m",
                    serverAlert(
                        "warning",
                        "zk-dev",
                        1,
                        {
                            summary: "ZooKeeper server zk-dev-1:7000 uses most of its heap",
                            description: "Heap usage is 90% of the maximum.",
                        },
                        { area: "heap" },
                    ),
                ),
            ],
        ),
        fixture(
            "ZooKeeperJvmHeapHigh stays quiet at 80% heap, and ignores a full non-heap area",
            "non-firing",
            [
                zk("jvm_memory_bytes_used", "zk-dev", 1, "800x10", { area: "heap" }),
                zk("jvm_memory_bytes_max", "zk-dev", 1, "1000x10", { area: "heap" }),
                zk("jvm_memory_bytes_used", "zk-dev", 1, "990x10", { area: "nonheap" }),
                zk("jvm_memory_bytes_max", "zk-dev", 1, "1000x10", { area: "nonheap" }),
            ],
            none(heap, "5m", "10m"),
        ),
    ],

    [clientAppDown]: [
        fixture(
            "ClientAppDown fires only after serverDownFor (2m) of failed scrapes of a replica",
            "firing",
            [{ series: selector("up", appLabels), values: "1 1 0x8" }, ...devUp("1x10", "1x10", "1x10")],
            [
                ...none(clientAppDown, "2m", "3m", "3m45s"),
                fires(clientAppDown, "4m", {
                    exp_labels: { severity: "warning", ...appLabels },
                    exp_annotations: {
                        summary: "Client app replica app-dev-1:8080 is down",
                        description: "Prometheus cannot scrape replica 1.",
                    },
                }),
            ],
        ),
        fixture(
            "ClientAppDown stays quiet while the replica is up",
            "non-firing",
            [{ series: selector("up", appLabels), values: "1x10" }],
            none(clientAppDown, "5m", "10m"),
        ),
        fixture(
            "ClientAppDown stays quiet without client-app targets, even with ZooKeeper servers down",
            "non-firing",
            [...devUp("0x10", "0x10", "0x10"), soloUp("0x10")],
            none(clientAppDown, "5m", "10m"),
        ),
    ],

    [backupTooOld]: [
        fixture(
            "ZooKeeperBackupTooOld fires once no agent has had a good backup for 10 minutes (none ever, here), after 1m",
            "firing",
            // Promtool's clock starts at 0: a last success at 0 is 0 s old at 0.
            [
                backupAgent("zookeeper_backup_last_success_timestamp_seconds", 1, "0x20"),
                backupAgent("zookeeper_backup_last_success_timestamp_seconds", 2, "0x20"),
            ],
            [
                ...none(backupTooOld, "10m", "10m45s"),
                fires(backupTooOld, "12m", {
                    exp_labels: { severity: "critical" },
                    exp_annotations: {
                        summary: "The newest backup of ensemble zk-dev is too old",
                        description: "The last good backup is 12m 0s old (allowed: 600 s). A restore would lose everything since.",
                    },
                }),
            ],
        ),
        fixture(
            "ZooKeeperBackupTooOld stays quiet while one agent's backups are fresh, though another's are old",
            "non-firing",
            [
                backupAgent("zookeeper_backup_last_success_timestamp_seconds", 1, "0+60x20"),
                backupAgent("zookeeper_backup_last_success_timestamp_seconds", 2, "0x20"),
            ],
            none(backupTooOld, "5m", "15m", "20m"),
        ),
    ],
    [backupFailing]: [
        fixture(
            "ZooKeeperBackupFailing fires for the agent whose failures grew, at once",
            "firing",
            [
                backupAgent("zookeeper_backup_failures_total", 1, "0 0 0 1 1 1 1 1"),
                backupAgent("zookeeper_backup_failures_total", 2, "0x8"),
            ],
            [
                ...none(backupFailing, "2m"),
                fires(backupFailing, "4m", {
                    exp_labels: {
                        severity: "warning",
                        job: "zookeeper-backup",
                        instance: "zk-dev-1:7010",
                        ensemble: "zk-dev",
                        server_id: "1",
                    },
                    exp_annotations: {
                        summary: "Backups of ensemble zk-dev fail on server 1",
                        description: "Backup attempts failed in the last 15 minutes; `docker logs` of the server's backup agent says why.",
                    },
                }),
            ],
        ),
        fixture(
            "ZooKeeperBackupFailing stays quiet while no failure is counted",
            "non-firing",
            [backupAgent("zookeeper_backup_failures_total", 1, "0x20"), backupAgent("zookeeper_backup_failures_total", 2, "3x20")],
            none(backupFailing, "5m", "20m"),
        ),
    ],
};
