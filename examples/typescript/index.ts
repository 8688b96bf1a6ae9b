/**
 * A program of your own that composes the package's ensemble with an app container it defines
 * itself, and keeps to the package's guardrails, so that the policy pack passes:
 *
 *   pulumi preview --policy-pack <pulumi-zookeeper-docker checkout>/policy
 *
 * The app is a zkCli loop on the ensemble's network; it uses the ensemble's own image
 * (`toolsImageId`), so the program resolves no other image. Nothing is published on the host.
 */
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { ZooKeeperEnsemble } from "pulumi-zookeeper-docker";

const config = new pulumi.Config();

const zk = new ZooKeeperEnsemble("zk", {
    size: 3,
    image: config.get("zkImage") ?? "zookeeper:3.9.4",
    memoryMb: 256,
});

const stack = pulumi.getStack();
const watcher = new docker.Container(
    "watcher",
    {
        name: `zk-watcher-${stack}`,
        image: zk.toolsImageId,
        command: [
            "bash",
            "-c",
            pulumi.interpolate`while true; do zkCli.sh -server ${zk.connectionString} ls / > /dev/null 2>&1; sleep 10; done`,
        ],
        networksAdvanced: [{ name: zk.networkName }],
        // The guardrails the policy pack checks: a non-root user, no capabilities, a memory limit
        // (zkCli is a JVM: 192 MB at least) and no swap.
        user: "1000:1000",
        capabilities: { drops: ["ALL"] },
        memory: 256,
        memorySwap: 256,
        restart: "unless-stopped",
    },
    // The watcher starts once the ensemble serves (its ready gate has passed).
    { dependsOn: [zk] },
);

export const connectionString = zk.connectionString;
export const watcherName = watcher.name;
