/**
 * The one-shot containers of an ensemble (scripts in rollGates.ts, preflight.ts, membership.ts):
 * the pre-flight check before the first server, a seed step before each server, a roll gate after
 * each server but the last, and a ready gate after all of them.
 * @internal
 */
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { CONTAINER_USER, SCRATCH_TMPFS_BYTES, SCRATCH_TMPFS_MODE, unmountedImageVolumes } from "../shared/containerConventions";
import { hardenedContainer } from "../shared/hardenedContainer";
import { PASS_MARKER, passSeenMarker } from "./gateShell";

/**
 * How often Docker checks a gate for its pass marker. The provider looks once a
 * second; a short interval makes the gate healthy before the provider's next look.
 */
export const GATE_HEALTH_INTERVAL = "250ms";

/**
 * Health check of every one-shot container: healthy once its script has written the pass marker.
 * It leaves passSeenMarker(PASS_MARKER) behind, so that the script knows when it may exit (renderPassLines).
 */
export const PASS_MARKER_HEALTHCHECK = Object.freeze({
    tests: ["CMD-SHELL", `test -f ${PASS_MARKER} && touch ${passSeenMarker(PASS_MARKER)}`],
    interval: GATE_HEALTH_INTERVAL,
    timeout: "2s",
    retries: 3,
});

/** Memory of a one-shot container that runs zkCli.sh, a JVM (heap 64 MB). */
export const ONE_SHOT_JVM_MEMORY_MB = 192;

/** One gate container. */
export interface GateSpec {
    /** Container name, made unique per run by the caller (a suffix from the targets' ids). */
    containerName: pulumi.Input<string>;
    /** `component` label: LABEL_VALUES.rollGateComponent or readyGateComponent. */
    component: string;
    script: string;
    /** The target container ids; a change replaces the gate, which makes it run again. */
    targetEnv: pulumi.Input<string>;
    imageId: pulumi.Input<string>;
    networkName: pulumi.Input<string>;
    timeoutSeconds: number;
    labels: Readonly<Record<string, string>>;
    /** Files to upload, e.g. secretUpload(SUPER_AUTH_FILE, ...). */
    uploads?: pulumi.Input<docker.types.input.ContainerUpload>[];
    /** Volumes to mount (the seed step mounts its server's data volume). */
    volumes?: docker.types.input.ContainerVolume[];
    /**
     * Mount a scratch tmpfs at each image volume path `volumes` leaves out (scratchTmpfs). The swarm
     * stack's gates do; a single host's do not yet, as it would replace every seed step on upgrade.
     */
    scratchVolumes?: boolean;
    /** The daemon the gate runs on (a swarm node's); default the component's provider. */
    provider?: docker.Provider;
}

/**
 * A tmpfs at each of the image's volume paths that `mountedPaths` leaves out, so that the gate
 * creates no anonymous volume (ZOOKEEPER_IMAGE_VOLUMES says why).
 */
export function scratchTmpfs(mountedPaths: readonly unknown[]): Record<string, string> {
    return Object.fromEntries(
        unmountedImageVolumes(mountedPaths).map((path) => [path, `rw,size=${SCRATCH_TMPFS_BYTES},mode=${SCRATCH_TMPFS_MODE.toString(8)}`]),
    );
}

export function createGate(
    resourceName: string,
    spec: GateSpec,
    parent: pulumi.Resource,
    dependsOn?: pulumi.Input<pulumi.Input<pulumi.Resource>[]> | pulumi.Input<pulumi.Resource>,
): docker.Container {
    return hardenedContainer(
        resourceName,
        {
            name: spec.containerName,
            image: spec.imageId,
            entrypoints: ["/bin/bash", "-c"],
            command: [spec.script],
            envs: [spec.targetEnv],
            networksAdvanced: [{ name: spec.networkName }],
            uploads: spec.uploads,
            volumes: spec.volumes,
            tmpfs: spec.scratchVolumes === true ? scratchTmpfs((spec.volumes ?? []).map((volume) => volume.containerPath)) : undefined,
            healthcheck: { ...PASS_MARKER_HEALTHCHECK, tests: [...PASS_MARKER_HEALTHCHECK.tests] },
            // `wait` makes the provider fail the update when the marker never
            // appears, and return as soon as it has. No `attach`: it would also
            // wait out the gate's linger (PASS_LINGER_SECONDS), seconds per gate
            // on every first deployment. The exited gate keeps its logs.
            wait: true,
            waitTimeout: spec.timeoutSeconds + 15,
            mustRun: false,
            rm: false,
            restart: "no",
            memoryMb: ONE_SHOT_JVM_MEMORY_MB,
            user: CONTAINER_USER,
            labels: { ...spec.labels, component: spec.component },
        },
        { parent, dependsOn, deleteBeforeReplace: true, ...(spec.provider === undefined ? {} : { provider: spec.provider }) },
    );
}
