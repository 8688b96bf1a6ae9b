/**
 * The argument contract of ClientAppService: ranges, defaults and cross-field rules, and the
 * sentence each error shows. The stack configuration's `clientApp` section is built from the
 * same fields (stacks/config.ts).
 */
import { z } from "zod";
import { allowing, inputOf } from "../shared/contract";
import { flag, hostIp, hostPort, imageReference, integer, memoryMb, namePrefix, portRange, portRangeProblems } from "../shared/fields";
import { networkNameField, imageIdField, dockerHostName } from "../zookeeper/schema";

export const DEFAULT_APP_REPLICAS = 1;
export const MAX_APP_REPLICAS = 16;
export const DEFAULT_APP_MEMORY_MB = 192;

const CHROOT_TEXT =
    "must be an absolute znode path such as /my-app (letters, digits, '.', '_', '-'; no trailing slash; not under /zookeeper)";

/** Why a chroot is refused, or undefined. */
export function chrootProblem(chroot: unknown): string | undefined {
    if (
        typeof chroot !== "string" ||
        !/^(\/[A-Za-z0-9_.-]+)+$/.test(chroot) ||
        chroot.split("/").some((seg) => seg === "." || seg === "..") ||
        chroot === "/zookeeper" ||
        chroot.startsWith("/zookeeper/")
    ) {
        return CHROOT_TEXT;
    }
    return undefined;
}

export const chrootField = () =>
    allowing(
        z.string().refine((c) => chrootProblem(c) === undefined),
        CHROOT_TEXT,
    );

const serverEndpointSchema = z.strictObject({
    id: integer(1, 255, "must be an integer between 1 and 255"),
    host: dockerHostName(),
    clientPort: integer(1, 65535, "must be an integer port between 1 and 65535"),
});

export const serversField = () =>
    allowing(z.array(serverEndpointSchema).min(1), "must list at least one server, each with an id, a host and a client port");

/**
 * What the app needs of its ensemble. Not strict: a ZooKeeperEnsemble has more than this, and
 * only these fields are read.
 */
export const clientAppEnsembleSchema = allowing(
    z.object({
        servers: inputOf(serversField()),
        networkName: inputOf(networkNameField()),
        toolsImageId: inputOf(imageIdField()),
        clientDigest: flag(),
        superUser: inputOf(allowing(z.string().min(1), "must be the ensemble's superuser name")).optional(),
        superPassword: inputOf(allowing(z.string().min(16), "must be the ensemble's superuser password")).optional(),
    }),
    "must be a ZooKeeperEnsemble, or an object with its servers, networkName, toolsImageId and clientDigest",
);

/** The fields of ClientAppServiceArgs other than the ensemble, for the component and the stack configuration. */
export const clientAppFields = {
    image: imageReference("zookeeper-platform/client-app:0.1.0"),
    replicas: integer(1, MAX_APP_REPLICAS, `must be an integer between 1 and ${MAX_APP_REPLICAS}`).prefault(DEFAULT_APP_REPLICAS),
    chroot: chrootField().optional(),
    hostPortBase: hostPort().optional(),
    hostIp: hostIp().prefault("127.0.0.1"),
    memoryMb: memoryMb(64, 8192).prefault(DEFAULT_APP_MEMORY_MB),
    namePrefix: namePrefix().optional(),
};

/** Rules between the app's fields; the stack configuration applies them too. */
export function checkClientAppRules(settings: { replicas: number; hostPortBase?: number }, ctx: z.RefinementCtx, keyPrefix = ""): void {
    for (const p of portRangeProblems(
        portRange(["hostPortBase"], settings.hostPortBase, settings.replicas, `${settings.replicas} replicas`),
        keyPrefix,
    )) {
        ctx.addIssue({ code: "custom", path: p.path, message: p.message });
    }
}

export const clientAppServiceArgsSchema = z
    .strictObject({ ensemble: clientAppEnsembleSchema, ...clientAppFields })
    .superRefine((args, ctx) => {
        checkClientAppRules(args, ctx);
        if (args.ensemble.clientDigest && (args.ensemble.superUser === undefined || args.ensemble.superPassword === undefined)) {
            ctx.addIssue({
                code: "custom",
                path: ["ensemble", "superPassword"],
                message: "is required with ensemble.clientDigest: the ACL sync hands the app's znodes over as the superuser",
            });
        }
    });

export type ClientAppServiceSettings = z.output<typeof clientAppServiceArgsSchema>;
