/**
 * ZooKeeper digest authentication for the real-engine suites: clients that authenticate as a stack's
 * credentials (stack outputs, `user:password`), the app's ACL, and the error code of a refused call.
 */
import { createHash } from "crypto";
import * as zookeeper from "node-zookeeper-client";
import { Client, connect } from "../../testkit/zk";

/** A client that has added `user:password` as its digest identity. */
export async function connectAs(connectionString: string, credentials: string): Promise<Client> {
    const client = await connect(connectionString);
    client.addAuthInfo("digest", Buffer.from(credentials));
    return client;
}

/** The ACL the app puts on its znodes: ALL for `credentials`' digest identity, READ for everyone. */
export function appAcl(credentials: string): zookeeper.ACL[] {
    const user = credentials.substring(0, credentials.indexOf(":"));
    const hash = createHash("sha1").update(credentials, "utf8").digest("base64");
    return [
        new zookeeper.ACL(zookeeper.Permission.ALL, new zookeeper.Id("digest", `${user}:${hash}`)),
        new zookeeper.ACL(zookeeper.Permission.READ, new zookeeper.Id("world", "anyone")),
    ];
}

/** Sets a znode's data, creating it with `acl` when it does not exist. */
export function upsert(client: Client, path: string, data: string, acl: zookeeper.ACL[]): Promise<void> {
    return new Promise((resolve, reject) =>
        client.create(path, Buffer.from(data), acl, zookeeper.CreateMode.PERSISTENT, (err) => {
            if (!err) {
                resolve();
            } else if (codeOf(err) === zookeeper.Exception.NODE_EXISTS) {
                client.setData(path, Buffer.from(data), -1, (e) => (e ? reject(e) : resolve()));
            } else {
                reject(err);
            }
        }),
    );
}

function codeOf(err: unknown): number | undefined {
    return (err as { getCode?: () => number } | undefined)?.getCode?.();
}

/** The name of the ZooKeeper error a call ends with (e.g. "NO_AUTH"), or "OK". */
export function outcome(call: (cb: (err: unknown) => void) => void): Promise<string> {
    return new Promise((resolve) =>
        call((err) => {
            if (!err) {
                resolve("OK");
                return;
            }
            const code = codeOf(err);
            const name = Object.entries(zookeeper.Exception).find(([, v]) => v === code)?.[0];
            resolve(name ?? String(err));
        }),
    );
}

/** The ACL of a znode as `scheme:user:perms` (digest hashes left out). */
export function aclOf(client: Client, path: string): Promise<string[]> {
    return new Promise((resolve, reject) =>
        client.getACL(path, (err, acls) =>
            // The library's ACL objects carry `permission` (its typings say `perms`).
            err
                ? reject(err)
                : resolve(
                      acls.map((a) => `${a.id.scheme}:${a.id.id.split(":")[0]}:${(a as unknown as { permission: number }).permission}`),
                  ),
        ),
    );
}
