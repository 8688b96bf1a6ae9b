/**
 * Probes of an ensemble's membership for the resize suites: each server's committed configuration
 * (`/zookeeper/config`, what zkCli's `config` prints), and a quorum sampler that asks `srvr` of
 * the servers every 100 ms while an update runs. They only talk to the host ports the suite's own
 * stack published on loopback.
 */
import { fourLetterWord, modeOf, sleep } from "./harness";
import { connect, getData } from "./zk";

/** One server's view of the membership. */
export interface ServerConfig {
    hostPort: string;
    /** `version=` of /zookeeper/config, hex. */
    version: string;
    /** Ids of the `server.N=` lines, sorted. */
    ids: number[];
    /** The `server.N=` lines as the server holds them. */
    lines: string[];
}

/** Parses /zookeeper/config's data. */
export function parseConfig(hostPort: string, data: string): ServerConfig {
    const lines = data.split("\n").filter((l) => l.startsWith("server."));
    const ids = lines.map((l) => Number(/^server\.(\d+)=/.exec(l)?.[1])).sort((a, b) => a - b);
    return { hostPort, version: /^version=([0-9a-f]+)$/m.exec(data)?.[1] ?? "", ids, lines };
}

/** Each server's committed configuration, each asked through its own host port alone. */
export async function readConfigs(hostPorts: string[]): Promise<ServerConfig[]> {
    const configs: ServerConfig[] = [];
    for (const hostPort of hostPorts) {
        const client = await connect(hostPort);
        try {
            configs.push(parseConfig(hostPort, (await getData(client, "/zookeeper/config")) ?? ""));
        } finally {
            client.close();
        }
    }
    return configs;
}

/** One round of `srvr` to every sampled server. */
export interface QuorumSample {
    at: number;
    modes: string[];
}

/** A run of consecutive samples in which fewer than a majority of the sampled servers served. */
export interface QuorumLoss {
    from: number;
    to: number;
    samples: number;
}

/** Samples in a row below a majority that count as a lost quorum (one slow answer is not an outage). */
export const LOST_AFTER_SAMPLES = 3;
export const SAMPLE_INTERVAL_MS = 100;

/**
 * Asks `srvr` of `hostPorts` every SAMPLE_INTERVAL_MS until stopped. The servers sampled are the
 * ones that stay members through the update, so a majority of them serving means the committed
 * ensemble serves.
 */
export class QuorumSampler {
    private running = false;
    private loop: Promise<void> | undefined;
    readonly samples: QuorumSample[] = [];

    constructor(private readonly hostPorts: string[]) {}

    start(): void {
        this.running = true;
        this.loop = (async () => {
            while (this.running) {
                const started = Date.now();
                const modes = await Promise.all(this.hostPorts.map(async (hp) => modeOf(await fourLetterWord(hp, "srvr", 500)) ?? "down"));
                this.samples.push({ at: started, modes });
                await sleep(Math.max(0, SAMPLE_INTERVAL_MS - (Date.now() - started)));
            }
        })();
    }

    async stop(): Promise<QuorumSample[]> {
        this.running = false;
        await this.loop;
        return this.samples;
    }
}

/**
 * The runs of at least LOST_AFTER_SAMPLES consecutive samples in which fewer than a majority of
 * the sampled servers served as leader or follower.
 */
export function quorumLosses(samples: readonly QuorumSample[]): QuorumLoss[] {
    const losses: QuorumLoss[] = [];
    let run: QuorumSample[] = [];
    const flush = () => {
        if (run.length >= LOST_AFTER_SAMPLES) {
            losses.push({ from: run[0].at, to: run[run.length - 1].at, samples: run.length });
        }
        run = [];
    };
    for (const sample of samples) {
        const serving = sample.modes.filter((m) => m === "leader" || m === "follower").length;
        if (serving * 2 <= sample.modes.length) {
            run.push(sample);
        } else {
            flush();
        }
    }
    flush();
    return losses;
}
