/**
 * pulumi-zookeeper-docker: Pulumi components that run Apache ZooKeeper
 * ensembles, a sample client application and Prometheus/Alertmanager/Grafana
 * monitoring as Docker containers.
 *
 * The public API: the four components, their arguments, the schemas that check
 * those arguments, and the pure renderers the README documents. Everything
 * else is internal and may change in any release.
 */
export { ZooKeeperNode, type ZooKeeperNodeArgs, type ZooKeeperNodeAuth } from "./components/zookeeper/zookeeperNode";
export {
    ZooKeeperEnsemble,
    type ZooKeeperEnsembleArgs,
    type ZooKeeperAuthArgs,
    type ZooKeeperBackupArgs,
    type ZooKeeperServerEndpoint,
} from "./components/zookeeper/zookeeperEnsemble";
export { ClientAppService, type ClientAppServiceArgs, type ClientAppEnsemble } from "./components/clientApp/clientAppService";
export {
    MonitoringStack,
    type MonitoringStackArgs,
    type MonitoredEnsemble,
    type MonitoredApp,
} from "./components/monitoring/monitoringStack";
export { type ScrapeTarget } from "./components/shared/containerConventions";
export { ComponentArgumentsError } from "./components/shared/contract";
export {
    ZOOKEEPER_NODE_TYPE,
    ZOOKEEPER_ENSEMBLE_TYPE,
    CLIENT_APP_SERVICE_TYPE,
    MONITORING_STACK_TYPE,
} from "./components/shared/typeTokens";

// The argument schemas (zod): every range, default and rule the components enforce.
export { zooKeeperEnsembleArgsSchema, zooKeeperNodeArgsSchema, zooCfgSettingsSchema } from "./components/zookeeper/schema";
export { clientAppServiceArgsSchema } from "./components/clientApp/schema";
export { monitoringStackArgsSchema } from "./components/monitoring/schema";

// Renderers: the files and scripts the components deploy, as pure functions.
export {
    type ZooCfgOptions,
    type ZooCfgSettings,
    type ZooKeeperServerEntry,
    computeHeapMb,
    renderZooCfg,
} from "./components/zookeeper/zooCfg";
export { renderReadyGateScript, renderRollGateScript } from "./components/zookeeper/rollGates";
export { renderJaasConfig, renderSuperDigestJvmArgs } from "./components/zookeeper/zookeeperAuth";
export { renderAclSyncScript } from "./components/clientApp/aclSyncScript";
export { renderAlertmanagerConfig, renderPrometheusConfig } from "./components/monitoring/prometheusConfig";
export { renderBackupAgentScript } from "./components/backup/agentScript";
export { renderRestoreCheckScript } from "./components/backup/restoreScripts";
export { renderAlertRules } from "./components/monitoring/alertRules";
export { renderGrafanaDatasource, renderZooKeeperDashboard } from "./components/monitoring/grafanaProvisioning";
export { KNOWN_METRIC_NAMES } from "./components/monitoring/zookeeperMetrics";

/** @internal Shared with the stack program and the policy pack; not part of the public API. */
export * as internal from "./components/internal";
