/**
 * The client app's one-shot ACL sync: znodes kept from an earlier identity (retained volumes
 * reattached by a new stack, a rotated password) would lock the app out, so they are handed over
 * to its current identity before any replica starts.
 * @internal
 */
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { CONTAINER_USER, LABEL_VALUES } from "../shared/containerConventions";
import { hardenedContainer } from "../shared/hardenedContainer";
import { ONE_SHOT_JVM_MEMORY_MB, PASS_MARKER_HEALTHCHECK } from "../zookeeper/gates";
import { PASS_MARKER } from "../zookeeper/gateShell";
import { renderAclSyncScript, renderAclSyncSecrets } from "./aclSyncScript";
import { secretUpload } from "../zookeeper/zookeeperNode";

/** Secrets of the ACL sync container (renderAclSyncSecrets). */
export const ACL_SYNC_SECRETS_FILE = "/run/secrets/zookeeper_acl_sync";
/** How long the ACL sync may take before the deployment fails. */
export const ACL_SYNC_TIMEOUT_SECONDS = 120;

export interface AclSyncSpec {
    containerName: string;
    /** `host:port` of every server. */
    servers: pulumi.Input<string[]>;
    /** The znode whose subtree belongs to the app. */
    root: string;
    superUser: pulumi.Input<string>;
    superPassword: pulumi.Input<string>;
    appUser: string;
    appPassword: pulumi.Input<string>;
    imageId: pulumi.Input<string>;
    networkName: pulumi.Input<string>;
    labels: Readonly<Record<string, string>>;
}

export function createAclSync(resourceName: string, spec: AclSyncSpec, opts: pulumi.CustomResourceOptions): docker.Container {
    const secrets = pulumi
        .all([spec.superUser, spec.superPassword, spec.appPassword])
        .apply(([superUser, superPassword, appPassword]) =>
            renderAclSyncSecrets({ user: superUser, password: superPassword }, { user: spec.appUser, password: appPassword }),
        );
    const script = pulumi.output(spec.servers).apply((servers) =>
        renderAclSyncScript({
            servers,
            root: spec.root,
            timeoutSeconds: ACL_SYNC_TIMEOUT_SECONDS,
            secretsFile: ACL_SYNC_SECRETS_FILE,
            passMarker: PASS_MARKER,
        }),
    );
    return hardenedContainer(
        resourceName,
        {
            name: spec.containerName,
            // The ensemble's image: it has bash and zkCli.sh.
            image: spec.imageId,
            entrypoints: ["/bin/bash", "-c"],
            command: [script],
            networksAdvanced: [{ name: spec.networkName }],
            // Replaced, and so run again, whenever a credential changes.
            uploads: [secretUpload(ACL_SYNC_SECRETS_FILE, secrets)],
            // Like the ensemble's gates: `wait` fails the update unless the pass
            // marker appears, and returns as soon as it does (no `attach`, so
            // zkCli's output never reaches the state; `docker logs` keeps it).
            healthcheck: { ...PASS_MARKER_HEALTHCHECK, tests: [...PASS_MARKER_HEALTHCHECK.tests] },
            wait: true,
            waitTimeout: ACL_SYNC_TIMEOUT_SECONDS + 30,
            mustRun: false,
            rm: false,
            restart: "no",
            memoryMb: ONE_SHOT_JVM_MEMORY_MB,
            user: CONTAINER_USER,
            labels: { ...spec.labels, role: LABEL_VALUES.aclSyncRole },
        },
        { ...opts, deleteBeforeReplace: true },
    );
}
