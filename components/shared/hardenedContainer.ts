/**
 * The one way this package creates a container: whatever else differs, every container runs as a
 * non-root user with every capability dropped, has a memory limit without swap, rotates its logs
 * and carries the package's labels. The policy pack checks the same properties.
 * @internal
 */
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { LOG_DRIVER, LOG_OPTS, renderLabels } from "./containerConventions";

/** What a hardened container takes besides the ordinary container arguments. */
export interface HardenedContainerArgs extends Omit<
    docker.ContainerArgs,
    "user" | "capabilities" | "memory" | "memorySwap" | "logDriver" | "logOpts" | "labels"
> {
    /** `uid:gid`, never root. */
    user: string;
    /** Memory limit in MB; swap is off (the limit includes no swap). */
    memoryMb: pulumi.Input<number>;
    /** Labels without the package prefix, e.g. `{ stack: "dev", component: "zookeeper" }`. */
    labels: Readonly<Record<string, string>>;
}

export function hardenedContainer(name: string, args: HardenedContainerArgs, opts: pulumi.CustomResourceOptions): docker.Container {
    const { user, memoryMb, labels, ...rest } = args;
    if (/^0*:|^0+$|^root\b/.test(user)) {
        throw new Error(`container ${name}: user ${JSON.stringify(user)} is not allowed: must be a non-root uid:gid`);
    }
    return new docker.Container(
        name,
        {
            ...rest,
            user,
            capabilities: { drops: ["ALL"] },
            memory: memoryMb,
            // No swap: Docker would otherwise allow as much swap as memory, and a swapping
            // ZooKeeper server misses heartbeats and drops out of the quorum.
            memorySwap: memoryMb,
            logDriver: LOG_DRIVER,
            logOpts: { ...LOG_OPTS },
            labels: renderLabels(labels),
        },
        opts,
    );
}
