/**
 * What the stack program and the policy pack share with the components without it being part of
 * the public API: the schema fields and rules the stack configuration is built from, and the
 * problem formatting. Reached as `internal` from the package root.
 * @internal
 */
export { backupArgsShape } from "./backup/schema";
export { checkClientAppRules, clientAppFields } from "./clientApp/schema";
export { checkMonitoringRules, monitoringFields, monitoringPortRanges, webhookUrlField } from "./monitoring/schema";
export { describeIssues, problemsOf } from "./shared/contract";
export { describeProblem, SECRET_SHOWN_AS } from "./shared/problem";
export { flag, imageReference, portRange, portRangeProblems } from "./shared/fields";
export { LABEL_PREFIX, ONE_SHOT_COMPONENTS, ONE_SHOT_ROLES } from "./shared/containerConventions";
export { LEGACY_TYPES, PACKAGE_NAME } from "./shared/typeTokens";
export { checkEnsembleRules, ensemblePortRanges, zooKeeperEnsembleArgsShape } from "./zookeeper/schema";
export { CLIENT_DIGEST_IN_SWARM, PUBLISH_NEEDS_FLAG } from "./swarm/ensembleSchema";
export { swarmArgsShape, swarmProblems } from "./swarm/schema";
