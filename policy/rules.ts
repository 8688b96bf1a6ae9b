/**
 * The guardrails of this package as plain functions: each takes a resource's properties (as the
 * Pulumi SDK names them, e.g. `ports[].ip`, `envs`, `capabilities.drops`) and returns one message
 * per violation, empty when the resource complies. index.ts wires them into a policy pack; keeping
 * them free of @pulumi/policy lets unit tests run them against the components under mocks.
 *
 * During `pulumi preview` some values are not known yet (a container id, a volume name). The
 * policy SDK throws when such a value is read; `known()` turns that into `undefined` so that one
 * unknown element does not hide the others. `pulumi up` runs the pack again with every value
 * known, so a value skipped during preview is still checked before anything is created.
 */

/** Names of the rules, as they appear in the CLI's policy report. */
export const RULES = Object.freeze({
    loopbackPorts: "docker-ports-loopback-only",
    memoryLimit: "docker-memory-limit",
    nonRootUser: "docker-non-root-user",
    dropCapabilities: "docker-drop-all-capabilities",
    noDockerSocket: "docker-no-docker-socket",
    noLiteralSecretEnv: "docker-no-literal-secret-env",
    serviceHostModePorts: "docker-service-host-mode-ports",
    ensembleOddSize: "zookeeper-ensemble-odd-size",
    ensembleOddServerCount: "zookeeper-ensemble-odd-server-count",
});

import { LABEL_PREFIX, LABEL_VALUES } from "../components/shared/containerConventions";
import { LEGACY_TYPES, ZOOKEEPER_ENSEMBLE_TYPE, ZOOKEEPER_SWARM_ENSEMBLE_TYPE } from "../components/shared/typeTokens";
import { Props, field, known, knownElements, labelValue, required } from "./props";

export { known, labelValue };

export const CONTAINER_TYPE = "docker:index/container:Container";
export const SERVICE_TYPE = "docker:index/service:Service";
/** The ensembles' type tokens (single host and swarm), and the 0.1 token for stacks not yet updated. */
export const ENSEMBLE_TYPES: readonly string[] = Object.freeze([
    ZOOKEEPER_ENSEMBLE_TYPE,
    ZOOKEEPER_SWARM_ENSEMBLE_TYPE,
    LEGACY_TYPES.ZooKeeperEnsemble,
]);

const MIB = 1024 * 1024;

/**
 * A swarm service's task as the container rules read a container: `user`, `memory` (MB),
 * `capabilities.drops`, `privileged`, `mounts` and `envs` taken from its task spec, keys absent
 * where the spec has none (so "not set" stays a violation). Published ports are not carried
 * over: a swarm cannot bind to one address, so the loopback rule does not apply to services
 * (see checkServicePorts).
 */
export function serviceAsContainer(props: Props): Props {
    const task = field(props, "taskSpec") as Props | undefined;
    const spec = task === undefined ? undefined : (field(task, "containerSpec") as Props | undefined);
    const out: Props = { labels: known(() => props.labels) };
    if (spec === undefined) {
        return out;
    }
    const limits = field(field(task, "resources") ?? {}, "limits") as Props | undefined;
    const memoryBytes = limits === undefined ? undefined : field(limits, "memoryBytes");
    if (memoryBytes !== undefined) out.memory = typeof memoryBytes === "number" ? memoryBytes / MIB : memoryBytes;
    if ("user" in spec) out.user = known(() => spec.user);
    if ("capDrops" in spec) out.capabilities = { drops: known(() => spec.capDrops) };
    if ("mounts" in spec) out.mounts = known(() => spec.mounts);
    const env = field(spec, "env") as Record<string, unknown> | undefined;
    if (env !== undefined) out.envs = Object.keys(env).map((k) => `${k}=${String(field(env, k) ?? "")}`);
    return out;
}

/** Said after a container rule's message about a service: where its task keeps each setting. */
export const SERVICE_FIELDS_NOTE =
    "(a swarm service: user, capDrops, mounts and env are in taskSpec.containerSpec, memory in taskSpec.resources.limits.memoryBytes)";

/** A service publishes only in host mode: ingress mode spreads a port over every node of the swarm. */
export function checkServicePorts(props: Props): string[] {
    const endpoint = field(props, "endpointSpec") as Props | undefined;
    const problems: string[] = [];
    for (const port of knownElements(() => endpoint?.ports)) {
        const mode = field(port, "publishMode") ?? "ingress";
        if (mode !== "host") {
            problems.push(
                `port ${field(port, "targetPort")} is published in ${String(mode)} mode on ${field(port, "publishedPort") ?? "(random)"}: ` +
                    "every node of the swarm would accept it; publish in host mode, and only with swarm.publishHostPorts",
            );
        }
    }
    return problems;
}

/** Host addresses published ports may bind to unless the pack's config allows more. */
export const DEFAULT_ALLOWED_HOST_IPS: readonly string[] = Object.freeze(["127.0.0.1"]);

/** Label keys the components put on every server container (see containerConventions.ts). */
export const COMPONENT_LABEL = `${LABEL_PREFIX}.component`;
export const ENSEMBLE_LABEL = `${LABEL_PREFIX}.ensemble`;
export const SERVER_COMPONENT = LABEL_VALUES.serverComponent;

/** Env var names that say "I hold a secret". */
export const SECRET_ENV_NAME = /PASSWORD|SECRET|TOKEN/i;
/** Suffix of the convention "read the value from this file" (Grafana, the official images). */
export const FILE_SUFFIX = "__FILE";

const DOCKER_SOCKET = "docker.sock";
/** Host directories that contain the Docker socket, so mounting them mounts the socket. */
const SOCKET_PARENTS = ["/", "/var", "/var/run", "/run", "/run/docker"];

/** Published ports bind only to allowed host addresses; no host networking. */
export function checkPublishedPorts(props: Props, allowedHostIps: readonly string[] = DEFAULT_ALLOWED_HOST_IPS): string[] {
    const problems: string[] = [];
    const allowed = allowedHostIps.join(", ");
    for (const port of knownElements(() => props.ports)) {
        const external = field(port, "external");
        const internal = field(port, "internal");
        // The docker provider binds to 0.0.0.0 when no ip is given.
        const ip = (field(port, "ip") as string | undefined) ?? "0.0.0.0";
        if (!allowedHostIps.includes(ip)) {
            problems.push(
                `port ${internal} is published on ${ip}:${external ?? "(random)"}; published ports may bind only to ${allowed} ` +
                    `(set ip to 127.0.0.1, or allow the address in the pack's config allowedHostIps)`,
            );
        }
    }
    if (field(props, "networkMode") === "host") {
        problems.push(`networkMode is "host": every port the container opens is reachable beyond ${allowed}`);
    }
    return problems;
}

/** A memory limit is set. */
export function checkMemoryLimit(props: Props): string[] {
    const read = required(props, "memory", "no memory limit: set memory (MB) so one container cannot take the host's memory");
    if (!("value" in read)) {
        return read.problems;
    }
    const memory = read.value;
    if (typeof memory !== "number" || !(memory > 0)) {
        return [`memory is ${JSON.stringify(memory)}: set a limit greater than 0 MB`];
    }
    return [];
}

/** The container runs as a non-root user. */
export function checkNonRootUser(props: Props): string[] {
    const read = required(
        props,
        "user",
        "no user set: the image's default user is usually root; set user to a non-root uid:gid such as 1000:1000",
    );
    if (!("value" in read)) {
        return read.problems;
    }
    const user = read.value;
    const name = String(user).split(":")[0].trim();
    if (name === "" || name === "0" || name === "root") {
        return [`user is ${JSON.stringify(user)}: run as a non-root uid:gid such as 1000:1000`];
    }
    return [];
}

/** Every capability is dropped and the container is not privileged. */
export function checkCapabilities(props: Props): string[] {
    const problems: string[] = [];
    if (field(props, "privileged") === true) {
        problems.push("privileged is true: a privileged container has every capability and every device of the host");
    }
    if (!("capabilities" in props)) {
        problems.push('capabilities are not dropped: set capabilities.drops to ["ALL"] (add back only what the image needs)');
        return problems;
    }
    const caps = known(() => props.capabilities) as Props | undefined;
    if (caps === undefined || (caps !== null && "drops" in caps && known(() => caps.drops) === undefined)) {
        return problems; // not known during preview
    }
    const drops = knownElements(() => caps?.drops).map((d) => String(d).toUpperCase());
    if (!drops.includes("ALL")) {
        problems.push(`capabilities.drops is ${JSON.stringify(drops)}: it must include "ALL" (add back only what the image needs)`);
    }
    return problems;
}

/** Neither the Docker socket nor a directory holding it is mounted. */
export function checkNoDockerSocket(props: Props): string[] {
    const problems: string[] = [];
    const exposes = (hostPath: string) => {
        const normalized = hostPath.replace(/\/+$/, "") || "/";
        return hostPath.includes(DOCKER_SOCKET) || SOCKET_PARENTS.includes(normalized);
    };
    for (const volume of knownElements(() => props.volumes)) {
        const hostPath = field(volume, "hostPath");
        if (typeof hostPath === "string" && exposes(hostPath)) {
            problems.push(`volume hostPath ${hostPath} exposes the Docker socket: whoever can use it controls the host`);
        }
    }
    for (const mount of knownElements(() => props.mounts)) {
        const source = field(mount, "source");
        const type = field(mount, "type");
        if (typeof source === "string" && (type === undefined || type === "bind") && exposes(source)) {
            problems.push(`mount source ${source} exposes the Docker socket: whoever can use it controls the host`);
        }
    }
    return problems;
}

/**
 * No env var whose name looks like a secret holds a literal value. Policies cannot tell whether
 * a value is a Pulumi secret, and `docker inspect` shows every env var anyway, so secrets go into
 * an uploaded file that `NAME__FILE` points at.
 */
export function checkNoLiteralSecretEnv(props: Props): string[] {
    const problems: string[] = [];
    for (const entry of knownElements(() => props.envs)) {
        const text = String(entry);
        const eq = text.indexOf("=");
        const name = eq < 0 ? text : text.substring(0, eq);
        const value = eq < 0 ? "" : text.substring(eq + 1);
        if (SECRET_ENV_NAME.test(name) && !name.endsWith(FILE_SUFFIX) && value !== "") {
            // The value itself is never repeated: it is the secret.
            problems.push(
                `env var ${name} holds a literal value, which docker inspect shows to anyone: upload the secret as a file ` +
                    `and set ${name}${FILE_SUFFIX} to its path instead`,
            );
        }
    }
    return problems;
}

/** A ZooKeeperEnsemble component's size input is odd (default 3). */
export function checkEnsembleSize(props: Props): string[] {
    const size = "size" in props ? known(() => props.size) : 3;
    if (size === undefined) {
        return [];
    }
    if (typeof size !== "number" || !Number.isInteger(size) || size < 1 || size > 255 || size % 2 === 0) {
        return [
            `size is ${JSON.stringify(size)}: an ensemble needs an odd number of servers between 1 and 255 (an even size adds no fault tolerance)`,
        ];
    }
    return [];
}

/**
 * Server containers, counted per ensemble by their labels: a hand-built ensemble (not made by
 * the component) must have an odd number of servers too. Returns one message per even ensemble.
 */
export function checkServerCounts(containers: readonly { name: string; props: Props }[]): string[] {
    const members = new Map<string, string[]>();
    for (const c of containers) {
        if (labelValue(c.props, COMPONENT_LABEL) !== SERVER_COMPONENT) {
            continue;
        }
        const ensemble = labelValue(c.props, ENSEMBLE_LABEL) ?? "(no ensemble label)";
        members.set(ensemble, [...(members.get(ensemble) ?? []), c.name]);
    }
    const problems: string[] = [];
    for (const [ensemble, names] of [...members.entries()].sort()) {
        if (names.length % 2 === 0) {
            problems.push(
                `ensemble ${ensemble} has ${names.length} server containers (${names.sort().join(", ")}): ` +
                    "an ensemble needs an odd number of servers (an even count adds no fault tolerance)",
            );
        }
    }
    return problems;
}
