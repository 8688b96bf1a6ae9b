/**
 * What one ZooKeeper server's swarm service runs, as pure data: the same start wrapper, zoo.cfg
 * template and JVM flags as a single-host server (ZooKeeperNode) and a liveness health check, with the files as
 * swarm configs and secrets, and a hash of all of it that keys the server's roll gate.
 * @internal
 */
import { createHash } from "crypto";
import { ZOOKEEPER_LIVENESS_TEST, SERVER_STOP_SECONDS } from "../zookeeper/zookeeperNode";
import { START_SCRIPT_FILE, ZOO_CFG_TEMPLATE_FILE, renderServerStartScript } from "../zookeeper/membership";
import {
    CLIENT_PORT,
    JVM_SECURITY_OVERRIDES_FILE,
    METRICS_PORT,
    ZooCfgSettings,
    computeHeapMb,
    renderJvmFlags,
    renderJvmSecurityOverrides,
    renderZooCfg,
} from "../zookeeper/zooCfg";
import { JAAS_CONFIG_FILE, SUPER_DIGEST_ARGS_FILE, renderServerJvmFlags } from "../zookeeper/zookeeperAuth";
import { nodeConstraint } from "./schema";
import { SwarmFile } from "./swarmObjects";

/** What a server's task is rendered from (plain data; the secrets' contents come separately). */
export interface ServerTaskSettings {
    id: number;
    host: string;
    image: string;
    zooCfg: ZooCfgSettings;
    memoryMb: number;
    cpus?: number;
    /** The label of the node the server is pinned to. */
    nodeLabel: string;
    /** Host-mode published ports (every interface of the node), when asked for. */
    clientHostPort?: number;
    metricsHostPort?: number;
    /** Whether the quorum JAAS file is among the secrets. */
    quorumSasl: boolean;
}

/** A server's task, every field the service needs but the references to configs and secrets. */
export interface ServerTask {
    env: Record<string, string>;
    commands: string[];
    configs: Record<string, SwarmFile>;
    /** Which secrets the task mounts, by key, and where. */
    secretFiles: Record<string, string>;
    constraint: string;
    memoryBytes: number;
    nanoCpus?: number;
    healthcheck: { tests: string[]; interval: string; timeout: string; retries: number; startPeriod: string };
    stopGracePeriod: string;
    ports: { targetPort: number; publishedPort: number; publishMode: "host"; protocol: "tcp" }[];
    /** Hash of all of the above and the image: gate `id` runs again whenever it changes. */
    specHash: string;
}

export function renderServerTask(s: ServerTaskSettings): ServerTask {
    const heapMb = computeHeapMb(s.memoryMb);
    const serverJvmFlags = renderServerJvmFlags({ quorumSasl: s.quorumSasl, superDigest: true });
    const env: Record<string, string> = {
        ZOO_MY_ID: String(s.id),
        JVMFLAGS: renderJvmFlags(heapMb),
        ZK_SERVER_HEAP: String(heapMb),
        ...(serverJvmFlags === undefined ? {} : { SERVER_JVMFLAGS: serverJvmFlags }),
    };
    const configs: Record<string, SwarmFile> = {
        "zoo-cfg": { file: ZOO_CFG_TEMPLATE_FILE, content: renderZooCfg(s.zooCfg) },
        start: { file: START_SCRIPT_FILE, content: renderServerStartScript(), mode: 0o555 },
        "jvm-security": { file: JVM_SECURITY_OVERRIDES_FILE, content: renderJvmSecurityOverrides() },
    };
    const secretFiles: Record<string, string> = {
        "super-digest": SUPER_DIGEST_ARGS_FILE,
        ...(s.quorumSasl ? { jaas: JAAS_CONFIG_FILE } : {}),
    };
    const ports = [
        { internal: CLIENT_PORT, published: s.clientHostPort },
        { internal: METRICS_PORT, published: s.metricsHostPort },
    ].flatMap((p) =>
        p.published === undefined
            ? []
            : [{ targetPort: p.internal, publishedPort: p.published, publishMode: "host" as const, protocol: "tcp" as const }],
    );
    const task = {
        env,
        commands: ["/bin/bash", START_SCRIPT_FILE],
        configs,
        secretFiles,
        constraint: nodeConstraint(s.nodeLabel),
        memoryBytes: s.memoryMb * 1024 * 1024,
        nanoCpus: s.cpus === undefined ? undefined : Math.round(s.cpus * 1e9),
        healthcheck: { tests: [...ZOOKEEPER_LIVENESS_TEST], interval: "2s", timeout: "4s", retries: 3, startPeriod: "30s" },
        stopGracePeriod: `${SERVER_STOP_SECONDS}s`,
        ports,
    };
    const specHash = createHash("sha256")
        .update(
            JSON.stringify({ image: s.image, ...task, configs: Object.entries(configs).map(([k, f]) => [k, f.file, f.content, f.mode]) }),
        )
        .digest("hex")
        .substring(0, 12);
    return { ...task, specHash };
}
