/**
 * pulumi-zookeeper-docker: Pulumi components that run Apache ZooKeeper
 * ensembles, a sample client application and Prometheus/Alertmanager/Grafana
 * monitoring as Docker containers.
 */
export {
    ZooKeeperNode,
    type ZooKeeperNodeArgs,
    type ZooKeeperNodeAuth,
    ZOOKEEPER_HEALTHCHECK_TEST,
    DEFAULT_SERVER_MEMORY_MB,
} from "./components/zookeeper/zookeeperNode";
export {
    ZooKeeperEnsemble,
    type ZooKeeperEnsembleArgs,
    type ZooKeeperAuthArgs,
    DEFAULT_ENSEMBLE_SIZE,
    DEFAULT_ROLL_TIMEOUT_SECONDS,
    computeHostPort,
    computeServerEntries,
    renderConnectionString,
    validateAuth,
    validateEnsembleSize,
} from "./components/zookeeper/zookeeperEnsemble";
export {
    ClientAppService,
    type ClientAppServiceArgs,
    APP_PORT,
    APP_HEALTHCHECK_TEST,
    APP_AUTH_FILE,
    computeAppRoot,
    renderZooKeeperConnect,
    validateChroot,
    validateReplicas,
} from "./components/clientApp/clientAppService";
export { MonitoringStack, type MonitoringStackArgs, GRAFANA_PORT, GRAFANA_PASSWORD_FILE } from "./components/monitoring/monitoringStack";
export {
    CLIENT_PORT,
    ELECTION_PORT,
    METRICS_PORT,
    QUORUM_PORT,
    DEFAULT_FOUR_LETTER_WORDS,
    KNOWN_FOUR_LETTER_WORDS,
    MANAGED_ZOO_CFG_KEYS,
    type ZooCfgSettings,
    type ZooKeeperServerEntry,
    FAILOVER_JVM_FLAGS,
    JVM_SECURITY_OVERRIDES_FILE,
    computeHeapMb,
    renderJvmFlags,
    renderJvmSecurityOverrides,
    renderServerLines,
    renderZooCfg,
    validateExtraConfig,
    validateFourLetterWords,
    validateHostName,
} from "./components/zookeeper/zooCfg";
export {
    type AclSyncSettings,
    type Credentials,
    JAAS_CONFIG_FILE,
    SUPER_DIGEST_ARGS_FILE,
    QUORUM_SASL_JVM_FLAGS,
    QUORUM_SASL_ZOO_CFG,
    QUORUM_USER,
    SUPER_USER,
    computeDigestId,
    renderAclSyncScript,
    renderAclSyncSecrets,
    renderAppAcl,
    renderJaasConfig,
    renderServerJvmFlags,
    renderSuperDigestJvmArgs,
    validateCredentials,
} from "./components/zookeeper/zookeeperAuth";
export { type ReadyGateSettings, type RollGateSettings, renderReadyGateScript, renderRollGateScript } from "./components/zookeeper/rollGates";
export {
    type AlertRule,
    type AlertRuleSettings,
    type AlertmanagerSettings,
    type PrometheusConfigSettings,
    buildAlertRules,
    computeQuorum,
    renderAlertRules,
    renderAlertmanagerConfig,
    renderPrometheusConfig,
    validateDuration,
} from "./components/monitoring/prometheusConfig";
export {
    collectDashboardExpressions,
    renderDashboardProvider,
    renderGrafanaDatasource,
    renderZooKeeperDashboard,
} from "./components/monitoring/grafanaProvisioning";
export { KNOWN_METRIC_NAMES, extractMetricNames, unknownMetricNames } from "./components/monitoring/zookeeperMetrics";
export {
    DEFAULT_HOST_IP,
    type PortBinding,
    type PortRequest,
    type ScrapeTarget,
    computeNamePrefix,
    computePortBindings,
} from "./components/shared/containerConventions";
