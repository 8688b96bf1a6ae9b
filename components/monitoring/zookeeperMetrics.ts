/**
 * The metric names alert rules and dashboards may use. A rule on a metric that
 * does not exist never fires, and nothing tells you so; keeping one list and
 * checking every expression against it turns such a typo into a failing test.
 */

/**
 * Series exported by ZooKeeper 3.9's PrometheusMetricsProvider (with
 * exportJvmInfo=true) and by Prometheus itself (`up`). Summaries are listed
 * with the suffixed series they produce.
 */
export const KNOWN_METRIC_NAMES: readonly string[] = Object.freeze([
    // Prometheus
    "up",
    // Quorum
    "quorum_size",
    "synced_followers",
    "synced_non_voting_followers",
    "learners",
    "pending_syncs",
    "leader_uptime",
    // Load and latency
    "outstanding_requests",
    "avg_latency",
    "max_latency",
    "num_alive_connections",
    "open_file_descriptor_count",
    "unrecoverable_error_count",
    // Data tree
    "znode_count",
    "watch_count",
    "ephemerals_count",
    "approximate_data_size",
    // Summaries
    "election_time",
    "election_time_count",
    "election_time_sum",
    "fsynctime",
    "fsynctime_count",
    "fsynctime_sum",
    "snapshottime",
    "snapshottime_count",
    "snapshottime_sum",
    // JVM (exportJvmInfo=true)
    "jvm_memory_bytes_used",
    "jvm_memory_bytes_max",
    // The client app's own metrics are checked by the app; only its liveness is used here.
]);

/** PromQL words that look like identifiers but are not metric names. */
const PROMQL_WORDS = new Set([
    "sum",
    "min",
    "max",
    "avg",
    "group",
    "stddev",
    "stdvar",
    "count",
    "count_values",
    "bottomk",
    "topk",
    "quantile",
    "by",
    "without",
    "on",
    "ignoring",
    "group_left",
    "group_right",
    "bool",
    "and",
    "or",
    "unless",
    "offset",
    "abs",
    "absent",
    "absent_over_time",
    "ceil",
    "changes",
    "clamp",
    "clamp_max",
    "clamp_min",
    "delta",
    "deriv",
    "exp",
    "floor",
    "histogram_quantile",
    "holt_winters",
    "idelta",
    "increase",
    "irate",
    "label_join",
    "label_replace",
    "ln",
    "log2",
    "log10",
    "predict_linear",
    "rate",
    "resets",
    "round",
    "scalar",
    "sgn",
    "sort",
    "sort_desc",
    "sqrt",
    "time",
    "timestamp",
    "vector",
    "avg_over_time",
    "min_over_time",
    "max_over_time",
    "sum_over_time",
    "count_over_time",
    "quantile_over_time",
    "stddev_over_time",
    "stdvar_over_time",
    "last_over_time",
    "present_over_time",
    "inf",
    "nan",
]);

/**
 * Metric names referenced by a PromQL expression. Label matchers, strings,
 * durations, grouping clauses and function names are stripped first; what
 * remains are metric names. Good enough for the expressions this package
 * writes; not a PromQL parser.
 */
export function extractMetricNames(expr: string): string[] {
    const stripped = expr
        .replace(/"(?:[^"\\]|\\.)*"/g, " ")
        .replace(/\{[^}]*\}/g, " ")
        .replace(/\[[^\]]*\]/g, " ")
        .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, " ")
        .replace(/\$__\w+/g, " ");
    const names = new Set<string>();
    for (const match of stripped.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*/g)) {
        const word = match[0];
        const index = match.index ?? 0;
        // Skip exponents and durations glued to numbers, e.g. 1e3, 5m.
        if (index > 0 && /[0-9.]/.test(stripped[index - 1])) {
            continue;
        }
        if (!PROMQL_WORDS.has(word)) {
            names.add(word);
        }
    }
    return [...names].sort();
}

/** Metric names in `expr` that are not in KNOWN_METRIC_NAMES. */
export function unknownMetricNames(expr: string): string[] {
    return extractMetricNames(expr).filter((n) => !KNOWN_METRIC_NAMES.includes(n));
}
