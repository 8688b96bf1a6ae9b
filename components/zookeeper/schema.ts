/**
 * The argument contract of ZooKeeperEnsemble and ZooKeeperNode: every range, default and
 * cross-field rule, and the sentence each error shows. The stack configuration's `zookeeper`
 * section is built from the same fields (stacks/config.ts).
 */
import { z } from "zod";
import { allowing, inputOf } from "../shared/contract";
import { flag, hostIp, hostPort, imageReference, integer, memoryMb, namePrefix, portRange, portRangeProblems } from "../shared/fields";
import { backupArgsSchema } from "../backup/schema";
import { DEFAULT_FOUR_LETTER_WORDS, KNOWN_FOUR_LETTER_WORDS, findExtraConfigProblems, hostNameProblem } from "./zooCfgRules";

/** Default number of servers. */
export const DEFAULT_ENSEMBLE_SIZE = 3;
/** Default gate timeout in seconds. */
export const DEFAULT_ROLL_TIMEOUT_SECONDS = 120;
/** Default container memory limit of a server, in MB. */
export const DEFAULT_SERVER_MEMORY_MB = 512;
export const MAX_ENSEMBLE_SIZE = 255;

const SIZE_TEXT = `must be an odd integer between 1 and ${MAX_ENSEMBLE_SIZE}`;

/** A container name on the Docker network; also the host name peers resolve. */
export const dockerHostName = () =>
    allowing(
        z.string().refine((h) => hostNameProblem(h) === undefined),
        "must be a DNS label of lower case letters, digits and dashes (at most 63 characters)",
    );

/** The name of a Docker network, checked once an Input's value is known. */
export const networkNameField = () => allowing(z.string().min(1), "must be the name of an existing Docker network");

/** What an image id (`sha256:...`) looks like. */
export const imageIdField = () => allowing(z.string().regex(/^sha256:[a-f0-9]{64}$/), "must be an image id such as sha256:<64 hex digits>");

/** How long a gate waits for its servers. */
export const rollTimeoutSecondsField = () => integer(10, 3600, "must be an integer number of seconds between 10 and 3600");

/** The fields of ZooKeeperAuthArgs. */
export const zooKeeperAuthArgsShape = {
    quorumSasl: flag().prefault(false),
    clientDigest: flag().prefault(false),
};

export const zooKeeperAuthArgsSchema = allowing(
    z.strictObject(zooKeeperAuthArgsShape),
    "must be an object with the booleans quorumSasl and clientDigest",
);

/** The zoo.cfg settings every server of an ensemble shares; fields of ZooKeeperEnsembleArgs and ZooCfgSettings. */
export const zooCfgFields = {
    tickTime: integer(100, 60000, "must be an integer number of milliseconds between 100 and 60000").prefault(2000),
    initLimit: integer(1, 1000, "must be an integer number of ticks between 1 and 1000").prefault(10),
    syncLimit: integer(1, 1000, "must be an integer number of ticks between 1 and 1000").prefault(5),
    maxClientCnxns: integer(0, 10000, "must be an integer between 0 (unlimited) and 10000").prefault(60),
    autopurgeIntervalHours: integer(0, 8760, "must be an integer number of hours between 0 (off) and 8760").prefault(1),
    autopurgeSnapRetainCount: integer(3, 1000, "must be an integer between 3 and 1000").prefault(3),
    fourLetterWords: allowing(
        z.array(z.string()).refine((words) => words.includes("srvr") && words.every((w) => KNOWN_FOUR_LETTER_WORDS.includes(w))),
        `must be a list of four-letter words among ${KNOWN_FOUR_LETTER_WORDS.join(", ")} that includes srvr`,
    ).prefault([...DEFAULT_FOUR_LETTER_WORDS]),
    extraConfig: allowing(
        z.custom<{ [key: string]: string }>((v) => v !== null && typeof v === "object" && !Array.isArray(v)),
        "must be a map of zoo.cfg keys to single-line string values",
    )
        .superRefine((extra, ctx) => {
            for (const { key, problem } of findExtraConfigProblems(extra)) {
                ctx.addIssue({ code: "custom", path: [key], message: problem });
            }
        })
        .prefault({}),
};

/** What each server container gets, in an ensemble or alone. */
const serverResourceFields = {
    memoryMb: memoryMb(128, 65536).prefault(DEFAULT_SERVER_MEMORY_MB),
    cpus: allowing(z.number().gt(0).max(256), "must be a number of CPUs greater than 0 and at most 256").optional(),
};
const serverPlacementFields = {
    hostIp: hostIp().prefault("127.0.0.1"),
    retainDataOnDelete: flag().prefault(false),
};

/** The fields of ZooKeeperEnsembleArgs, for the component and the stack configuration. */
export const zooKeeperEnsembleArgsShape = {
    size: allowing(
        z
            .number()
            .int()
            .min(1)
            .max(MAX_ENSEMBLE_SIZE)
            .refine((n) => n % 2 === 1),
        SIZE_TEXT,
    ).prefault(DEFAULT_ENSEMBLE_SIZE),
    image: imageReference("zookeeper:3.9.4"),
    networkName: inputOf(networkNameField()).optional(),
    namePrefix: namePrefix().optional(),
    ...zooCfgFields,
    ...serverResourceFields,
    clientHostPortBase: hostPort().optional(),
    metricsHostPortBase: hostPort().optional(),
    ...serverPlacementFields,
    rollTimeoutSeconds: rollTimeoutSecondsField().prefault(DEFAULT_ROLL_TIMEOUT_SECONDS),
    auth: zooKeeperAuthArgsSchema.prefault({}),
    backup: backupArgsSchema.optional(),
};

type EnsembleSettings = z.output<z.ZodObject<typeof zooKeeperEnsembleArgsShape>>;

/** Rules between the ensemble's fields; the stack configuration applies them too. */
export function checkEnsembleRules(
    settings: Pick<EnsembleSettings, "size" | "auth" | "clientHostPortBase" | "metricsHostPortBase">,
    ctx: z.RefinementCtx,
    keyPrefix = "",
): void {
    for (const p of portRangeProblems(ensemblePortRanges(settings), keyPrefix)) {
        ctx.addIssue({ code: "custom", path: p.path, message: p.message });
    }
}

/** Host ports the ensemble publishes, by argument. */
export function ensemblePortRanges(settings: Pick<EnsembleSettings, "size" | "clientHostPortBase" | "metricsHostPortBase">) {
    const what = `${settings.size} servers`;
    return [
        ...portRange(["clientHostPortBase"], settings.clientHostPortBase, settings.size, what),
        ...portRange(["metricsHostPortBase"], settings.metricsHostPortBase, settings.size, what),
    ];
}

export const zooKeeperEnsembleArgsSchema = z
    .strictObject(zooKeeperEnsembleArgsShape)
    .superRefine((args, ctx) => checkEnsembleRules(args, ctx));

/** ZooKeeperEnsembleArgs with every default filled in. */
export type ZooKeeperEnsembleSettings = z.output<typeof zooKeeperEnsembleArgsSchema>;

/** One member: its `myid` and host name (zooCfg.servers, and the one-shot scripts' member lists). */
export const serverEntrySchema = z.strictObject({
    id: integer(1, MAX_ENSEMBLE_SIZE, `must be an integer between 1 and ${MAX_ENSEMBLE_SIZE}`),
    host: dockerHostName(),
});

/** Everything zoo.cfg is rendered from (ZooCfgSettings). */
export const zooCfgSettingsSchema = z
    .strictObject({
        ...zooCfgFields,
        servers: allowing(z.array(serverEntrySchema).min(1), "must list at least one server, each with an id 1..255 and a host name"),
        quorumSasl: flag().prefault(false),
        backupSnapshotIntervalMs: integer(
            1000,
            604800000,
            "must be an integer number of milliseconds between 1000 and 604800000",
        ).optional(),
    })
    .superRefine((cfg, ctx) => {
        const seen = new Set<number>();
        cfg.servers.forEach((s, i) => {
            if (seen.has(s.id)) {
                ctx.addIssue({ code: "custom", path: ["servers", i, "id"], message: "must be unique: another server has this id" });
            }
            seen.add(s.id);
        });
    });

export const zooKeeperNodeAuthSchema = z.strictObject({
    jaasConfig: inputOf(allowing(z.string().min(1), "must be the text of a JAAS file")).optional(),
    superDigestArgs: inputOf(allowing(z.string().min(1), "must be the text of a Java argument file")).optional(),
});

export const zooKeeperNodeArgsSchema = z
    .strictObject({
        image: inputOf(imageReference("zookeeper:3.9.4")).optional(),
        imageId: inputOf(imageIdField()).optional(),
        serverId: integer(1, MAX_ENSEMBLE_SIZE, `must be an integer between 1 and ${MAX_ENSEMBLE_SIZE}`),
        hostname: dockerHostName(),
        networkName: inputOf(networkNameField()),
        zooCfg: zooCfgSettingsSchema,
        ...serverResourceFields,
        clientHostPort: hostPort().optional(),
        metricsHostPort: hostPort().optional(),
        ...serverPlacementFields,
        labels: allowing(z.record(z.string(), z.string()), "must be a map of label names to string values").optional(),
        auth: zooKeeperNodeAuthSchema.optional(),
    })
    .superRefine((args, ctx) => {
        if ((args.image === undefined) === (args.imageId === undefined)) {
            ctx.addIssue({ code: "custom", path: ["image"], message: "must be given, or else imageId, but not both" });
        }
        if (!args.zooCfg.servers.some((s) => s.id === args.serverId)) {
            ctx.addIssue({ code: "custom", path: ["serverId"], message: "must be one of the ids in zooCfg.servers" });
        }
        if (args.zooCfg.quorumSasl && args.auth?.jaasConfig === undefined) {
            ctx.addIssue({
                code: "custom",
                path: ["auth", "jaasConfig"],
                message: "is required when zooCfg.quorumSasl is set: the servers could not authenticate each other",
            });
        }
        for (const p of portRangeProblems([
            ...portRange(["clientHostPort"], args.clientHostPort, 1, "the client port"),
            ...portRange(["metricsHostPort"], args.metricsHostPort, 1, "the metrics port"),
        ])) {
            ctx.addIssue({ code: "custom", path: p.path, message: p.message });
        }
    });
