/**
 * The data the backup e2e and the backup bench write and read back: znodes of varied sizes, some with their own ACL,
 * ephemeral nodes, and the checks that a restored ensemble holds exactly what a backup held.
 */
import { createHash } from "crypto";
import * as zookeeper from "node-zookeeper-client";
import { Client, children, mkdirp } from "./zk";

/** Parent of the bulk znodes, and of the ones written after the backup. */
export const BULK = "/bk";
export const AFTER = "/bk-after";
export const EPHEMERAL = "/bk-eph";
/** Every ACL_EVERY-th bulk znode is readable by the world and writable by this identity only. */
const ACL_EVERY = 97;
const ACL_CREDENTIALS = "bk-owner:owner-password";
const SIZES = [0, 1, 17, 256, 1000, 4096, 20000];

export function bulkName(i: number): string {
    return `n-${String(i).padStart(5, "0")}`;
}

/** Data of bulk znode i: SIZES[i % 7] bytes, different for every i. */
export function bulkData(i: number): Buffer {
    const size = SIZES[i % SIZES.length];
    const seed = `${i}:`;
    return Buffer.from(seed.repeat(Math.ceil(size / seed.length)).substring(0, size));
}

export function hasOwnAcl(i: number): boolean {
    return i % ACL_EVERY === 0;
}

/** The ACL of the bulk znodes that have one: `digest` with ALL, `world` with READ. */
export function ownAcl(): zookeeper.ACL[] {
    const user = ACL_CREDENTIALS.substring(0, ACL_CREDENTIALS.indexOf(":"));
    const hash = createHash("sha1").update(ACL_CREDENTIALS, "utf8").digest("base64");
    return [
        new zookeeper.ACL(zookeeper.Permission.ALL, new zookeeper.Id("digest", `${user}:${hash}`)),
        new zookeeper.ACL(zookeeper.Permission.READ, new zookeeper.Id("world", "anyone")),
    ];
}

/** `scheme:id=perms` lines of an ACL list, sorted, for comparison. */
export function describeAcl(acls: zookeeper.ACL[]): string[] {
    // The library's ACL objects carry `permission` (its typings say `perms`).
    return acls.map((a) => `${a.id.scheme}:${a.id.id}=${(a as unknown as { permission: number }).permission}`).sort();
}

/** The world's ALL, the ACL of every other znode (the library's typings lack ACL.OPEN_ACL_UNSAFE). */
function openAcl(): zookeeper.ACL[] {
    return [new zookeeper.ACL(zookeeper.Permission.ALL, new zookeeper.Id("world", "anyone"))];
}

function call<T>(run: (cb: (err: Error | zookeeper.Exception | null | undefined, value?: T) => void) => void): Promise<T> {
    return new Promise((resolve, reject) => run((err, value) => (err ? reject(err) : resolve(value as T))));
}

/** Runs `work` for 0..count-1, at most `inFlight` at a time. */
export async function forEachConcurrently(count: number, inFlight: number, work: (i: number) => Promise<void>): Promise<void> {
    let next = 0;
    const worker = async () => {
        while (next < count) {
            await work(next++);
        }
    };
    await Promise.all(Array.from({ length: inFlight }, worker));
}

export async function writeBulk(client: Client, count: number): Promise<void> {
    await mkdirp(client, BULK);
    await forEachConcurrently(count, 64, async (i) => {
        await call<string>((cb) =>
            client.create(`${BULK}/${bulkName(i)}`, bulkData(i), hasOwnAcl(i) ? ownAcl() : openAcl(), zookeeper.CreateMode.PERSISTENT, cb),
        );
    });
}

export async function writeAfter(client: Client, count: number): Promise<void> {
    await mkdirp(client, AFTER);
    await forEachConcurrently(count, 16, async (i) => {
        await call<string>((cb) => client.create(`${AFTER}/${bulkName(i)}`, Buffer.from("after"), cb));
    });
}

/** Ephemeral znodes of `client`'s session. */
export async function writeEphemerals(client: Client, count: number): Promise<void> {
    await mkdirp(client, EPHEMERAL);
    for (let i = 0; i < count; i++) {
        await call<string>((cb) => client.create(`${EPHEMERAL}/e-${i}`, Buffer.from("ephemeral"), zookeeper.CreateMode.EPHEMERAL, cb));
    }
}

/** Problems of the bulk znodes as read through `client` (the superuser, who may read every ACL): empty when all match. */
export async function checkBulk(client: Client, count: number): Promise<string[]> {
    const problems: string[] = [];
    const names = new Set(await children(client, BULK));
    if (names.size !== count) {
        problems.push(`${BULK} has ${names.size} children, expected ${count}`);
    }
    const expectedAcl = describeAcl(ownAcl()).join(",");
    const worldAcl = describeAcl(openAcl()).join(",");
    await forEachConcurrently(count, 64, async (i) => {
        const path = `${BULK}/${bulkName(i)}`;
        try {
            const data = await call<Buffer>((cb) => client.getData(path, (err, d) => cb(err, d ?? Buffer.alloc(0))));
            if (!data.equals(bulkData(i))) {
                problems.push(`${path}: data differs (${data.length} bytes, expected ${bulkData(i).length})`);
            }
            const acl = describeAcl(await call<zookeeper.ACL[]>((cb) => client.getACL(path, cb))).join(",");
            if (acl !== (hasOwnAcl(i) ? expectedAcl : worldAcl)) {
                problems.push(`${path}: ACL ${acl}`);
            }
        } catch (error) {
            problems.push(`${path}: ${(error as Error).message}`);
        }
    });
    return problems.slice(0, 20);
}

/** The sequence numbers under a SequentialWriter's prefix. */
export async function sequenceNumbers(client: Client, prefix: string): Promise<number[]> {
    return (await children(client, prefix)).map((name) => Number(name.replace(/^w-/, ""))).sort((a, b) => a - b);
}

/** Gaps between consecutive acknowledgements that both fall inside [from, to), in ms. */
export function gapsWithin(ackTimes: readonly number[], from: number, to: number): number[] {
    const inside = ackTimes.filter((t) => t >= from && t < to);
    return inside.slice(1).map((t, i) => t - inside[i]);
}

/** The 99th percentile (nearest rank) of some gaps, in ms; 0 for none. */
export function p99Ms(gaps: readonly number[]): number {
    const sorted = [...gaps].sort((a, b) => a - b);
    return sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.99) - 1)];
}
