/**
 * Where a failover's time goes, read from the surviving servers' logs: when they noticed the
 * leader was gone (LOOKING), when the election ended (LEADING/FOLLOWING), and when the new quorum
 * served again (leader: "Have quorum of supporters"; follower: UPTODATE). The rest of the writer's
 * gap is the client finding a serving server again.
 */
import { docker } from "../../testkit/harness";

export interface FailoverPhases {
    /** Gap start (last ack before the outage) until the first survivor went LOOKING. */
    detectMs: number;
    /** First LOOKING until the last survivor decided (includes the fixed 200 ms finalizeWait). */
    electMs: number;
    /** Decision until the new leader had a synced quorum and the followers were UPTODATE. */
    syncMs: number;
    /** Quorum serving again until the writer's next acknowledgement. */
    clientMs: number;
    /** Follower connection attempts to the new leader that failed before one succeeded. */
    leaderConnectRetries: number;
}

/** Milliseconds since the epoch of a ZooKeeper log line (`2026-01-02 03:04:05,678`, UTC in the image). */
export function logTime(line: string): number | undefined {
    const m = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}),(\d{3})/.exec(line);
    return m ? Date.parse(`${m[1]}T${m[2]}.${m[3]}Z`) : undefined;
}

interface Marks {
    looking?: number;
    decided?: number;
    serving?: number;
    retries: number;
}

export function marksOf(lines: string[], from: number): Marks {
    const marks: Marks = { retries: 0 };
    for (const line of lines) {
        const t = logTime(line);
        if (t === undefined || t < from) continue;
        if (marks.looking === undefined && /Peer state changed: looking/.test(line)) marks.looking = t;
        else if (marks.looking !== undefined && marks.decided === undefined && /Peer state changed: (leading|following)$/.test(line.trim()))
            marks.decided = t;
        else if (
            marks.decided !== undefined &&
            marks.serving === undefined &&
            /(Have quorum of supporters|Learner received UPTODATE message)/.test(line)
        )
            marks.serving = t;
        if (marks.decided !== undefined && marks.serving === undefined && /Unexpected exception, tries=/.test(line)) marks.retries += 1;
    }
    return marks;
}

/** Phases of one failover, or undefined when the logs do not show a complete one. */
export async function failoverPhases(survivors: string[], gapStart: number, gapEnd: number): Promise<FailoverPhases | undefined> {
    const since = ((gapStart - 500) / 1000).toFixed(3);
    const until = ((gapEnd + 2000) / 1000).toFixed(3);
    const all: Marks[] = [];
    for (const c of survivors) {
        const out = await docker("logs", "--since", since, "--until", until, c).catch(() => "");
        // ZooKeeper logs to stdout; `docker` here returns stdout only, which is where the image writes.
        all.push(marksOf(out.split("\n"), gapStart - 500));
    }
    if (all.some((m) => m.looking === undefined || m.decided === undefined || m.serving === undefined)) {
        return undefined;
    }
    const looking = Math.min(...all.map((m) => m.looking!));
    const decided = Math.max(...all.map((m) => m.decided!));
    const serving = Math.max(...all.map((m) => m.serving!));
    return {
        detectMs: looking - gapStart,
        electMs: decided - looking,
        syncMs: serving - decided,
        clientMs: gapEnd - serving,
        leaderConnectRetries: all.reduce((a, m) => a + m.retries, 0),
    };
}
