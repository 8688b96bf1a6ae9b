/**
 * The arguments of ZooKeeperSwarmEnsemble: those of ZooKeeperEnsemble that mean the same on a
 * swarm, and `swarm`. Left out: `networkName` (the ensemble makes its overlay network), `hostIp`
 * (swarm publishes on every interface) and `backup` (its agent shares a server's network
 * namespace, which a swarm task cannot offer another container).
 * @internal
 */
import { z } from "zod";
import { checkEnsembleRules, zooKeeperEnsembleArgsShape } from "../zookeeper/schema";
import { allowing } from "../shared/contract";
import { SwarmSettings, swarmArgsShape, swarmProblems } from "./schema";

const { networkName: _n, hostIp: _h, backup: _b, ...ensembleFields } = zooKeeperEnsembleArgsShape;

export const swarmField = () =>
    allowing(
        z.strictObject(swarmArgsShape),
        "must be an object with nodes (each a label and a docker host), manager, publishHostPorts and encryptedOverlay",
    );

/** Why a setting that publishes a port needs swarm.publishHostPorts (one sentence, for every component). */
export const PUBLISH_NEEDS_FLAG =
    "publishes a port, which in swarm mode binds every interface of the node (swarm cannot bind to 127.0.0.1): set swarm.publishHostPorts to true to allow it, or leave it unset";

/** Problems of published ports without the flag, at each key that asks for one. */
export function checkPublishing(swarm: SwarmSettings, ports: Record<string, number | undefined>, ctx: z.RefinementCtx): void {
    if (swarm.publishHostPorts) return;
    for (const [key, port] of Object.entries(ports)) {
        if (port !== undefined) ctx.addIssue({ code: "custom", path: [key], message: PUBLISH_NEEDS_FLAG });
    }
}

export const CLIENT_DIGEST_IN_SWARM = "is not supported in swarm mode yet (the app's ACL sync runs on one host): leave it false";

export const zooKeeperSwarmEnsembleArgsShape = { ...ensembleFields, swarm: swarmField() };

export const zooKeeperSwarmEnsembleArgsSchema = z.strictObject(zooKeeperSwarmEnsembleArgsShape).superRefine((args, ctx) => {
    checkEnsembleRules(args, ctx);
    for (const p of swarmProblems(args.swarm, args.size, "size"))
        ctx.addIssue({ code: "custom", path: ["swarm", ...p.path], message: p.message });
    checkPublishing(args.swarm, { clientHostPortBase: args.clientHostPortBase, metricsHostPortBase: args.metricsHostPortBase }, ctx);
    if (args.auth.clientDigest) ctx.addIssue({ code: "custom", path: ["auth", "clientDigest"], message: CLIENT_DIGEST_IN_SWARM });
});

export type ZooKeeperSwarmEnsembleSettings = z.output<typeof zooKeeperSwarmEnsembleArgsSchema>;
