/**
 * Composes the platform from validated settings: one ensemble, the sample
 * client app and the monitoring stack. Pure composition; reading and
 * validating configuration happens in config.ts before this runs.
 */
import * as pulumi from "@pulumi/pulumi";
import { ClientAppService, MonitoringStack, ZooKeeperEnsemble } from "../index";
import { PlatformSettings } from "./config";
import { sharedEnsembleArgs } from "./ensembleArgs";
import { deploySwarmPlatform } from "./swarmProgram";

/**
 * The stack outputs. An output whose feature is off or whose port is not
 * published is absent rather than undefined, so `pulumi stack output` lists
 * only what exists (and Pulumi does not warn about undefined outputs).
 */
export interface PlatformOutputs {
    zookeeperConnectionString: pulumi.Output<string>;
    zookeeperHostConnectionString?: pulumi.Output<string>;
    clientAppUrls?: pulumi.Output<string[]>;
    prometheusUrl?: pulumi.Output<string>;
    alertmanagerUrl?: pulumi.Output<string>;
    grafanaUrl?: pulumi.Output<string>;
    grafanaAdminPassword?: pulumi.Output<string>;
    /** `super:<password>` (secret) for `addauth digest`: every ensemble has a superuser (size changes need it). */
    zookeeperSuperCredentials: pulumi.Output<string>;
    /** The client app's `user:password` (secret), with zookeeper.auth.clientDigest and the app enabled. */
    clientAppZooKeeperCredentials?: pulumi.Output<string>;
    /** Swarm mode: the node label each server id is pinned to. */
    zookeeperServerNodes?: pulumi.Output<Record<string, string>>;
}

/** An output known to be defined because the setting that makes it so is set. */
function defined<T>(output: pulumi.Output<T | undefined>, what: string): pulumi.Output<T> {
    return output.apply((value): T => {
        if (value === undefined) {
            throw new Error(`${what} is undefined although its port is published`);
        }
        return value;
    }) as pulumi.Output<T>;
}

/** The ensemble's `backup` argument: the `backup` key without its switch, or nothing when it is off. */
function backupArgs(settings: PlatformSettings) {
    const { enabled, ...backup } = settings.backup;
    if (!enabled) {
        return undefined;
    }
    if (backup.restoreFrom !== undefined) {
        pulumi.log.info(
            `backup.restoreFrom is ${backup.restoreFrom}: new, empty data volumes start from it once it is verified; servers with data keep theirs (each seed step's log says which)`,
        );
    }
    return backup;
}

export function deployPlatform(settings: PlatformSettings): PlatformOutputs {
    for (const notice of settings.notices) {
        pulumi.log.info(notice);
    }
    if (settings.swarm.enabled) {
        return deploySwarmPlatform(settings);
    }
    const zk = settings.zookeeper;
    const ensemble = new ZooKeeperEnsemble("zk", {
        ...sharedEnsembleArgs(zk),
        hostIp: zk.hostIp,
        backup: backupArgs(settings),
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

    const outputs: PlatformOutputs = {
        zookeeperConnectionString: ensemble.connectionString,
        zookeeperSuperCredentials: pulumi.secret(pulumi.interpolate`${ensemble.superUser}:${ensemble.superPassword}`),
    };
    if (zk.clientHostPortBase !== undefined) {
        outputs.zookeeperHostConnectionString = defined(ensemble.hostConnectionString, "zookeeperHostConnectionString");
    }
    if (app && settings.clientApp.hostPortBase !== undefined) {
        outputs.clientAppUrls = app.urls;
    }
    if (app?.zookeeperUser && app.zookeeperPassword) {
        outputs.clientAppZooKeeperCredentials = pulumi.secret(pulumi.interpolate`${app.zookeeperUser}:${app.zookeeperPassword}`);
    }
    if (monitoring) {
        if (mon.prometheusHostPort !== undefined) {
            outputs.prometheusUrl = defined(monitoring.prometheusUrl, "prometheusUrl");
        }
        if (mon.alertmanagerHostPort !== undefined) {
            outputs.alertmanagerUrl = defined(monitoring.alertmanagerUrl, "alertmanagerUrl");
        }
        if (mon.grafanaEnabled) {
            if (mon.grafanaHostPort !== undefined) {
                outputs.grafanaUrl = defined(monitoring.grafanaUrl, "grafanaUrl");
            }
            outputs.grafanaAdminPassword = pulumi.secret(defined(monitoring.grafanaAdminPassword, "grafanaAdminPassword"));
        }
    }
    return outputs;
}
