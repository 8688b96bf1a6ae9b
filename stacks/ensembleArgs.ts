/**
 * The ensemble settings both modes pass on as they are (program.ts on one host, swarmProgram.ts on
 * a swarm): one mapping, so a new zookeeper key reaches both.
 */
import { PlatformSettings } from "./config";

export function sharedEnsembleArgs(zk: PlatformSettings["zookeeper"]) {
    return {
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
        retainDataOnDelete: zk.retainDataOnDelete,
        rollTimeoutSeconds: zk.rollTimeoutSeconds,
        auth: zk.auth,
    };
}
