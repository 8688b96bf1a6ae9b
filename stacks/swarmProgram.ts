/**
 * The platform on a Docker Swarm (`swarm.enabled`): the same settings as deployPlatform, composed
 * from the swarm components. Single-host mode (program.ts) stays the default.
 */
import * as pulumi from "@pulumi/pulumi";
// The swarm components are not in the package (index.ts) yet: the stack program is their one user,
// and they stay out of the multi-language schema until their arguments are settled.
import { ZooKeeperSwarmEnsemble } from "../components/swarm/swarmEnsemble";
import { SwarmClientApp } from "../components/swarm/swarmClientApp";
import { SwarmMonitoring } from "../components/swarm/swarmMonitoring";
import { PlatformSettings } from "./config";
import { sharedEnsembleArgs } from "./ensembleArgs";
import type { PlatformOutputs } from "./program";

export function deploySwarmPlatform(settings: PlatformSettings): PlatformOutputs {
    const zk = settings.zookeeper;
    const { enabled: _enabled, ...swarmConfig } = settings.swarm;
    const swarm = { ...swarmConfig, nodes: swarmConfig.nodes ?? [] };
    const ensemble = new ZooKeeperSwarmEnsemble("zk", {
        ...sharedEnsembleArgs(zk),
        swarm,
    });
    const app = settings.clientApp.enabled
        ? new SwarmClientApp("app", {
              ensemble,
              swarm,
              image: settings.clientApp.image,
              replicas: settings.clientApp.replicas,
              chroot: settings.clientApp.chroot,
              hostPortBase: settings.clientApp.hostPortBase,
              memoryMb: settings.clientApp.memoryMb,
          })
        : undefined;
    const mon = settings.monitoring;
    const monitoring = mon.enabled
        ? new SwarmMonitoring("mon", {
              ensembles: [ensemble],
              apps: app ? [app] : [],
              swarm,
              prometheusImage: mon.prometheusImage,
              alertmanagerImage: mon.alertmanagerImage,
              retention: mon.retention,
              scrapeInterval: mon.scrapeInterval,
              serverDownFor: mon.serverDownFor,
              alertWebhookUrl: mon.alertWebhookUrl,
              prometheusHostPort: mon.prometheusHostPort,
              alertmanagerHostPort: mon.alertmanagerHostPort,
              prometheusMemoryMb: mon.prometheusMemoryMb,
              alertmanagerMemoryMb: mon.alertmanagerMemoryMb,
          })
        : undefined;

    const outputs: PlatformOutputs = {
        zookeeperConnectionString: ensemble.connectionString,
        zookeeperSuperCredentials: pulumi.secret(pulumi.interpolate`${ensemble.superUser}:${ensemble.superPassword}`),
        zookeeperServerNodes: pulumi.output(ensemble.serverNodes),
    };
    const present = <T>(o: pulumi.Output<T | undefined>) => o as pulumi.Output<T>;
    const addresses = swarm.nodes.map((n) => n.address);
    if (zk.clientHostPortBase !== undefined && swarm.publishHostPorts && !addresses.includes(undefined)) {
        outputs.zookeeperHostConnectionString = present(ensemble.hostConnectionString);
    }
    if (monitoring && swarm.publishHostPorts) {
        if (mon.prometheusHostPort !== undefined) outputs.prometheusUrl = present(monitoring.prometheusUrl);
        if (mon.alertmanagerHostPort !== undefined) outputs.alertmanagerUrl = present(monitoring.alertmanagerUrl);
    }
    return outputs;
}
