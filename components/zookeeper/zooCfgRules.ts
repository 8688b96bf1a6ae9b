/**
 * What zoo.cfg may contain: the four-letter words ZooKeeper knows, the keys this package manages,
 * and what makes a host name safe for zoo.cfg and the gates' shell scripts.
 */
import { ADMIN_RATE_LIMITER_KEY } from "../backup/schema";
import { QUORUM_SASL_ZOO_CFG } from "./zookeeperAuth";

/** Four-letter-word commands ZooKeeper 3.9 knows. */
export const KNOWN_FOUR_LETTER_WORDS: readonly string[] = Object.freeze([
    "conf",
    "cons",
    "crst",
    "dirs",
    "dump",
    "envi",
    "gtmk",
    "hash",
    "isro",
    "mntr",
    "ruok",
    "srst",
    "srvr",
    "stat",
    "stmk",
    "wchc",
    "wchp",
    "wchs",
]);

/**
 * Default whitelist: `srvr` is what the health check and the rolling-update
 * gates ask, `mntr` is there for operators' monitoring tools. Everything else
 * stays off because several commands (dump, wchc, cons) expose session and
 * path details to anyone who can reach the client port.
 */
export const DEFAULT_FOUR_LETTER_WORDS: readonly string[] = Object.freeze(["srvr", "mntr"]);

/**
 * Keys this package sets itself. Letting extraConfig override them would break
 * assumptions the rest of the package makes (paths of the volumes, the ports
 * Prometheus scrapes and the gates probe, one identical server list).
 */
export const MANAGED_ZOO_CFG_KEYS: readonly string[] = Object.freeze([
    "tickTime",
    "initLimit",
    "syncLimit",
    "dataDir",
    "dataLogDir",
    "clientPort",
    "clientPortAddress",
    "secureClientPort",
    "maxClientCnxns",
    "autopurge.purgeInterval",
    "autopurge.snapRetainCount",
    "4lw.commands.whitelist",
    "admin.enableServer",
    // The AdminServer serves the backup agent only (see renderZooCfg).
    "admin.serverAddress",
    "admin.serverPort",
    ADMIN_RATE_LIMITER_KEY,
    "admin.restore.enabled",
    "metricsProvider.className",
    "metricsProvider.httpPort",
    "metricsProvider.exportJvmInfo",
    "standaloneEnabled",
    "reconfigEnabled",
    "dynamicConfigFile",
    // Authentication (see zookeeperAuth.ts): set from `quorumSasl` and the generated credentials.
    ...Object.keys(QUORUM_SASL_ZOO_CFG),
    "quorum.cnxn.threads.size",
    // Would turn off every ACL check, the app's and the superuser's reconfig authorisation with it.
    "skipACL",
    // Would become the system property zookeeper.DigestAuthenticationProvider.superDigest.
    "DigestAuthenticationProvider.superDigest",
]);

/** Why an extra key is refused, or undefined if it may be set. */
function extraKeyProblem(key: string): string | undefined {
    if (
        MANAGED_ZOO_CFG_KEYS.includes(key) ||
        key.startsWith("quorum.auth.") ||
        /^server\.\d+$/.test(key) ||
        /^group\.\d+$/.test(key) ||
        /^weight\.\d+$/.test(key)
    ) {
        return "is managed by zookeeper-docker and cannot be overridden";
    }
    if (!/^[A-Za-z][A-Za-z0-9_.]*$/.test(key)) {
        return "is not a valid zoo.cfg key: must start with a letter and contain only letters, digits, '.' and '_'";
    }
    return undefined;
}

/** Every refused extraConfig entry with the reason, in key order. */
export function findExtraConfigProblems(extraConfig: Readonly<Record<string, unknown>>): { key: string; problem: string }[] {
    const problems: { key: string; problem: string }[] = [];
    for (const key of Object.keys(extraConfig)) {
        const problem = extraKeyProblem(key);
        if (problem !== undefined) {
            problems.push({ key, problem });
            continue;
        }
        const value = extraConfig[key];
        if (typeof value !== "string" || /[\r\n]/.test(value)) {
            problems.push({ key, problem: "has a value that is not a single-line string" });
        }
    }
    return problems;
}

/** Why a host name is refused (it goes into zoo.cfg and shell scripts), or undefined. */
export function hostNameProblem(host: string): string | undefined {
    if (typeof host !== "string" || !/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(host)) {
        return "must be a DNS label of lower case letters, digits and dashes (at most 63 characters)";
    }
    if (host === "0") {
        return "must not be a wildcard address: peers must be able to reach it";
    }
    return undefined;
}

/** Checks that a host name is safe to put into zoo.cfg and shell scripts. */
export function validateHostName(host: string): void {
    const problem = hostNameProblem(host);
    if (problem !== undefined) {
        throw new Error(`host name ${JSON.stringify(host)} is not allowed: ${problem}`);
    }
}
