/**
 * The package's public API is deliberate: exactly these names leave index.ts (types included).
 * Adding one is a decision recorded here and in CHANGELOG.md; helpers stay internal.
 */
import * as path from "path";
import * as ts from "typescript";

const EXPORTED = [
    "CLIENT_APP_SERVICE_TYPE",
    "ClientAppEnsemble",
    "ClientAppService",
    "ClientAppServiceArgs",
    "ComponentArgumentsError",
    "KNOWN_METRIC_NAMES",
    "MONITORING_STACK_TYPE",
    "MonitoredApp",
    "MonitoredEnsemble",
    "MonitoringStack",
    "MonitoringStackArgs",
    "ScrapeTarget",
    "ZOOKEEPER_ENSEMBLE_TYPE",
    "ZOOKEEPER_NODE_TYPE",
    "ZooCfgOptions",
    "ZooCfgSettings",
    "ZooKeeperAuthArgs",
    "ZooKeeperBackupArgs",
    "ZooKeeperEnsemble",
    "ZooKeeperEnsembleArgs",
    "ZooKeeperNode",
    "ZooKeeperNodeArgs",
    "ZooKeeperNodeAuth",
    "ZooKeeperServerEndpoint",
    "ZooKeeperServerEntry",
    "clientAppServiceArgsSchema",
    "computeHeapMb",
    "internal",
    "monitoringStackArgsSchema",
    "renderAclSyncScript",
    "renderAlertRules",
    "renderAlertmanagerConfig",
    "renderBackupAgentScript",
    "renderGrafanaDatasource",
    "renderJaasConfig",
    "renderPrometheusConfig",
    "renderReadyGateScript",
    "renderRestoreCheckScript",
    "renderRollGateScript",
    "renderSuperDigestJvmArgs",
    "renderZooCfg",
    "renderZooKeeperDashboard",
    "zooCfgSettingsSchema",
    "zooKeeperEnsembleArgsSchema",
    "zooKeeperNodeArgsSchema",
];

test("index.ts exports exactly the public API", () => {
    const file = path.join(__dirname, "..", "..", "index.ts");
    const program = ts.createProgram([file], {
        target: ts.ScriptTarget.ES2022,
        module: ts.ModuleKind.CommonJS,
        skipLibCheck: true,
        strict: true,
        noEmit: true,
    });
    const checker = program.getTypeChecker();
    const moduleSymbol = checker.getSymbolAtLocation(program.getSourceFile(file)!)!;
    const names = checker.getExportsOfModule(moduleSymbol).map((s) => s.name);
    expect(names.sort()).toEqual(EXPORTED);
});

test("`internal` is marked as such in index.ts, so documentation tools leave it out", () => {
    const text = require("fs").readFileSync(path.join(__dirname, "..", "..", "index.ts"), "utf8") as string;
    expect(text).toMatch(/\/\*\* @internal[^*]*\*\/\s*export \* as internal/);
});
