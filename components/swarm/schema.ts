/**
 * Where a swarm ensemble runs: the swarm's nodes, each reached through its own docker provider
 * (volumes and one-shot steps are local to a node), and the manager whose daemon takes the
 * services. Servers are placed by the node label SWARM_NODE_LABEL, one node per server.
 * @internal
 */
import { z } from "zod";
import { allowing } from "../shared/contract";
import { flag, hostIp } from "../shared/fields";
import { LABEL_PREFIX } from "../shared/containerConventions";

/** The node label that places a server: `docker node update --label-add zookeeper-docker.host=<label> <node>`. */
export const SWARM_NODE_LABEL = `${LABEL_PREFIX}.host`;

/** The placement constraint of a service pinned to the node labelled `label`. */
export function nodeConstraint(label: string): string {
    return `node.labels.${SWARM_NODE_LABEL}==${label}`;
}

const NODE_LABEL_PATTERN = /^[a-z0-9]+([.-][a-z0-9]+)*$/;
const DOCKER_HOST_PATTERN = /^(unix:\/\/\/\S+|ssh:\/\/\S+|tcp:\/\/\S+)$/;
const PEM = allowing(z.string().regex(/^-----BEGIN [A-Z ]+-----/), "must be PEM text (-----BEGIN ...)");

export const swarmNodeSchema = z.strictObject({
    /** The node's value of the label SWARM_NODE_LABEL. */
    label: allowing(
        z.string().regex(NODE_LABEL_PATTERN).max(63),
        "must be lower-case letters, digits, dots and dashes, at most 63 characters",
    ),
    /** The node's docker daemon: `unix:///path`, `ssh://user@host` or `tcp://host:2376`. */
    host: allowing(
        z.string().regex(DOCKER_HOST_PATTERN),
        "must be a docker host such as unix:///var/run/docker.sock, ssh://user@host or tcp://host:2376",
    ),
    /** The address clients reach the node's published ports at (outputs only). */
    address: hostIp().optional(),
    /** TLS material for a tcp:// host (set each with `pulumi config set --secret --path`). */
    tls: allowing(z.strictObject({ caPem: PEM, certPem: PEM, keyPem: PEM }), "must be an object with caPem, certPem and keyPem").optional(),
});

/** The `swarm` argument of the swarm components and the stack's `swarm` key. */
export const swarmArgsShape = {
    nodes: allowing(z.array(swarmNodeSchema).min(1), "must list at least one node, each with a label and a docker host"),
    /** Label of the node whose daemon takes the services (a manager). Default the first node. */
    manager: allowing(z.string(), "must be the label of one of the nodes").optional(),
    /**
     * Publish the ports the other settings ask for, in host mode on every interface of the node
     * that runs the task (swarm cannot bind to one address). Default false: nothing is published.
     */
    publishHostPorts: flag().prefault(false),
    /** Encrypt the overlay network (IPsec between nodes): quorum and client traffic is plain text otherwise. Default false. */
    encryptedOverlay: flag().prefault(false),
};

export type SwarmNode = z.output<typeof swarmNodeSchema>;
export type SwarmSettings = z.output<z.ZodObject<typeof swarmArgsShape>>;

/**
 * Problems of the swarm's own fields, with paths inside `swarm`: distinct labels, a known manager,
 * and one node per server (`sizeKey` names the size setting in the message).
 */
export function swarmProblems(swarm: SwarmSettings, size: number, sizeKey: string): { path: (string | number)[]; message: string }[] {
    const problems: { path: (string | number)[]; message: string }[] = [];
    const labels = swarm.nodes.map((n) => n.label);
    labels.forEach((label, i) => {
        if (labels.indexOf(label) !== i) {
            problems.push({ path: ["nodes", i, "label"], message: `must be unique: node ${labels.indexOf(label) + 1} has it too` });
        }
    });
    if (swarm.manager !== undefined && !labels.includes(swarm.manager)) {
        problems.push({ path: ["manager"], message: `must be the label of one of the nodes (${labels.join(", ")})` });
    }
    const distinct = new Set(labels).size;
    if (size > distinct) {
        problems.push({
            path: ["nodes"],
            message: `lists ${distinct} distinct node${distinct === 1 ? "" : "s"}, fewer than the ${size} servers of ${sizeKey}: each server needs a node of its own, or losing one host would take several servers`,
        });
    }
    return problems;
}

/** The node server `id` (1-based) runs on. */
export function nodeOfServer(swarm: SwarmSettings, id: number): SwarmNode {
    return swarm.nodes[id - 1];
}

/** The manager node. */
export function managerNode(swarm: SwarmSettings): SwarmNode {
    return swarm.nodes.find((n) => n.label === swarm.manager) ?? swarm.nodes[0];
}
