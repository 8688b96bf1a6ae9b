/**
 * The script and secrets of the client app's one-shot ACL sync (see aclSync.ts): it hands the app's
 * znodes to the app's current digest identity, so retained data and rotated passwords never lock
 * the app out. Pure text; credentials only ever reach the container as a secret file.
 */
import { renderPassLines } from "../zookeeper/gateShell";
import { Credentials, SUPER_USER, computeDigestId, validateCredentials } from "../zookeeper/zookeeperAuth";

/**
 * The ACL the client app puts on every znode it creates (see app/src/acl.ts),
 * in zkCli's notation: everything for the app's digest identity, read for
 * everyone.
 */
export function renderAppAcl(app: Credentials): string {
    return `digest:${computeDigestId(app)}:cdrwa,world:anyone:r`;
}

/** What the ACL sync container works on. */
export interface AclSyncSettings {
    /** `host:port,...` of the ensemble, on its network. */
    servers: readonly string[];
    /** Znode whose whole subtree belongs to the app (`/app`, or the app's chroot). */
    root: string;
    /** Give up after this many seconds. */
    timeoutSeconds: number;
    /** File the secrets (see renderAclSyncSecrets) are uploaded to. */
    secretsFile: string;
    /** File created on success (the container's health check looks for it). */
    passMarker: string;
}

/** The secret half of the ACL sync: superuser credentials and the ACL to apply, as shell assignments. */
export function renderAclSyncSecrets(superUser: Credentials, app: Credentials): string {
    validateCredentials("superuser", superUser);
    if (superUser.user !== SUPER_USER) {
        throw new Error(`superuser "${superUser.user}" is not allowed: ZooKeeper's superuser is "${SUPER_USER}"`);
    }
    // Single-quoted: validateCredentials and base64 leave no quote or backslash.
    return [
        `SUPER_AUTH='${superUser.user}:${superUser.password}'`,
        `APP_ACL='${renderAppAcl(app)}'`,
        `APP_ID='${computeDigestId(app)}'`,
        "",
    ].join("\n");
}

/** Checks a znode path used as the app's root. */
function validateRoot(root: string): void {
    if (
        !/^(\/[A-Za-z0-9_.-]+)+$/.test(root) ||
        root.split("/").some((s) => s === "." || s === "..") ||
        root === "/zookeeper" ||
        root.startsWith("/zookeeper/")
    ) {
        throw new Error(`ACL sync root "${root}" is not allowed: must be an absolute znode path outside /zookeeper`);
    }
}

/**
 * Script of the one-shot ACL sync container (ZooKeeper image, zkCli.sh).
 *
 * The app protects its znodes with a digest ACL of its own password. When
 * that password changes (a new stack reattaching retained volumes after
 * `pulumi destroy`, or a deliberate rotation), the znodes on disk still
 * belong to the old identity and the app could not write them any more. This
 * script authenticates as the superuser and sets the app's current ACL on
 * the app's whole subtree before the app starts; it passes at once when the
 * subtree does not exist yet (the app creates it with the right ACL).
 *
 * zkCli echoes the commands it reads, including `addauth`, so its output is
 * never printed as is: lines holding the superuser credentials are dropped.
 */
export function renderAclSyncScript(settings: AclSyncSettings): string {
    if (settings.servers.length === 0) {
        throw new Error("servers is empty: the ACL sync needs the ensemble's servers");
    }
    for (const server of settings.servers) {
        if (!/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?:[0-9]{1,5}$/.test(server)) {
            throw new Error(`server "${server}" is not allowed: must be host:port with a DNS label as host`);
        }
    }
    validateRoot(settings.root);
    if (!Number.isInteger(settings.timeoutSeconds) || settings.timeoutSeconds < 10 || settings.timeoutSeconds > 3600) {
        throw new Error(`timeoutSeconds ${settings.timeoutSeconds} is not allowed: must be an integer between 10 and 3600`);
    }
    for (const file of [settings.secretsFile, settings.passMarker]) {
        if (!/^(\/[A-Za-z0-9_.-]+)+$/.test(file)) {
            throw new Error(`file "${file}" is not allowed: must be an absolute path of letters, digits, '.', '_' and '-'`);
        }
    }
    return [
        "set -u",
        `. ${settings.secretsFile}`,
        `servers='${settings.servers.join(",")}'`,
        `root='${settings.root}'`,
        `deadline=$(( $(date +%s) + ${settings.timeoutSeconds} ))`,
        // zkCli reads commands from stdin; its JVM gets a small heap (the container is small).
        "zk() {",
        '  ZK_CLIENT_HEAP=64 zkCli.sh -waitforconnection -timeout 15000 -server "$servers" 2>&1 | grep -vF "$SUPER_AUTH"',
        "}",
        "pass() {",
        `  echo "acl-sync: $1"`,
        ...renderPassLines(settings.passMarker),
        "}",
        'errors="Node does not exist|Insufficient permission|KeeperErrorCode|Authentication is not valid|ConnectionLoss"',
        "attempt=0",
        "while :; do",
        "  attempt=$((attempt + 1))",
        `  out=$(printf 'addauth digest %s\\nstat %s\\nquit\\n' "$SUPER_AUTH" "$root" | zk)`,
        '  if printf "%s\\n" "$out" | grep -qxF "Node does not exist: $root"; then',
        '    pass "$root does not exist yet; the app creates it with its own ACL"',
        "  fi",
        '  if printf "%s\\n" "$out" | grep -q "^cZxid"; then',
        `    out=$(printf 'addauth digest %s\\nsetAcl -R %s %s\\ngetAcl %s\\nquit\\n' "$SUPER_AUTH" "$root" "$APP_ACL" "$root" | zk)`,
        '    if ! printf "%s\\n" "$out" | grep -qE "$errors" && printf "%s\\n" "$out" | grep -qF "\'digest,\'$APP_ID"; then',
        '      pass "the subtree of $root belongs to ${APP_ID%%:*} (attempt $attempt)"',
        "    fi",
        "  fi",
        // Problems only, never the echoed commands (filtered in zk() anyway).
        '  echo "acl-sync: attempt $attempt did not pass:"',
        '  printf "%s\\n" "$out" | grep -E "$errors" | head -n 5',
        '  if [ "$(date +%s)" -ge "$deadline" ]; then',
        `    echo "acl-sync: gave up after ${settings.timeoutSeconds} s"`,
        "    exit 1",
        "  fi",
        "  sleep 2",
        "done",
        "",
    ].join("\n");
}
