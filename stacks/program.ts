/**
 * Composes the platform from validated settings: one ensemble, the sample
 * client app and the monitoring stack. Pure composition; reading and
 * validating configuration happens in config.ts before this runs.
 */
import * as pulumi from "@pulumi/pulumi";
import { ClientAppService } from "../components/clientAppService";
import { MonitoringStack } from "../components/monitoringStack";
import { ZooKeeperEnsemble } from "../components/zookeeperEnsemble";
import { PlatformSettings } from "./config";

/** The stack outputs. */
export interface PlatformOutputs {
    zookeeperConnectionString: pulumi.Output<string>;
    zookeeperHostConnectionString: pulumi.Output<string | undefined>;
    clientAppUrls: pulumi.Output<string[]>;
    prometheusUrl: pulumi.Output<string | undefined>;
    alertmanagerUrl: pulumi.Output<string | undefined>;
    grafanaUrl: pulumi.Output<string | undefined>;
    grafanaAdminPassword: pulumi.Output<string | undefined>;
}

export function deployPlatform(settings: PlatformSettings): PlatformOutputs {
    for (const notice of settings.notices) {
        pulumi.log.info(notice);
    }
    const zk = settings.zookeeper;
    const ensemble = new ZooKeeperEnsemble("zk", {
        size: zk.size,
        image: zk.image,
        tickTime: zk.tickTime,
        initLimit: zk.initLimit,
        syncLimit: zk.syncLimit,
        maxClientCnxns: zk.maxClientCnxns,
        autopurgeIntervalHours: zk.autopurgeIntervalHours,
        autopurgeSnapRetainCount: zk.autopurgeSnapRetainCount,
        fourLetterWords: zk.fourLetterWords,
        extraConfig: zk.extraConfig,
        memoryMb: zk.memoryMb,
        cpus: zk.cpus,
        clientHostPortBase: zk.clientHostPortBase,
        metricsHostPortBase: zk.metricsHostPortBase,
        hostIp: zk.hostIp,
        retainDataOnDelete: zk.retainDataOnDelete,
        rollTimeoutSeconds: zk.rollTimeoutSeconds,
    });

    const app = settings.clientApp.enabled
        ? new ClientAppService("app", {
              ensemble,
              image: settings.clientApp.image,
              replicas: settings.clientApp.replicas,
              chroot: settings.clientApp.chroot,
              hostPortBase: settings.clientApp.hostPortBase,
              hostIp: settings.clientApp.hostIp,
              memoryMb: settings.clientApp.memoryMb,
          })
        : undefined;

    const mon = settings.monitoring;
    const monitoring = mon.enabled
        ? new MonitoringStack("mon", {
              ensembles: [ensemble],
              apps: app ? [app] : [],
              prometheusImage: mon.prometheusImage,
              alertmanagerImage: mon.alertmanagerImage,
              grafanaImage: mon.grafanaImage,
              grafanaEnabled: mon.grafanaEnabled,
              retention: mon.retention,
              scrapeInterval: mon.scrapeInterval,
              serverDownFor: mon.serverDownFor,
              // Webhook URLs usually embed a token.
              alertWebhookUrl: mon.alertWebhookUrl === undefined ? undefined : pulumi.secret(mon.alertWebhookUrl),
              prometheusHostPort: mon.prometheusHostPort,
              alertmanagerHostPort: mon.alertmanagerHostPort,
              grafanaHostPort: mon.grafanaHostPort,
              hostIp: mon.hostIp,
              prometheusMemoryMb: mon.prometheusMemoryMb,
              alertmanagerMemoryMb: mon.alertmanagerMemoryMb,
              grafanaMemoryMb: mon.grafanaMemoryMb,
          })
        : undefined;

    const none = pulumi.output<string | undefined>(undefined);
    return {
        zookeeperConnectionString: ensemble.connectionString,
        zookeeperHostConnectionString: ensemble.hostConnectionString,
        clientAppUrls: app ? app.urls : pulumi.output([]),
        prometheusUrl: monitoring ? monitoring.prometheusUrl : none,
        alertmanagerUrl: monitoring ? monitoring.alertmanagerUrl : none,
        grafanaUrl: monitoring ? monitoring.grafanaUrl : none,
        grafanaAdminPassword: monitoring ? pulumi.secret(monitoring.grafanaAdminPassword) : none,
    };
}
