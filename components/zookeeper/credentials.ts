/**
 * The generated credentials of an ensemble: one set for the whole ensemble, so any server can lead
 * and a replaced server rejoins with what the others expect. The passwords change only when these
 * RandomPassword resources are replaced.
 * @internal
 */
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { GENERATED_PASSWORD_LENGTH, QUORUM_USER, SUPER_USER, renderJaasConfig, renderSuperDigestJvmArgs } from "./zookeeperAuth";
import { ZooKeeperNodeAuth } from "./zookeeperNode";

export interface EnsembleCredentials {
    /** The files every server gets, when any authentication is on. */
    nodeAuth?: ZooKeeperNodeAuth;
    superUser?: pulumi.Output<string>;
    superPassword?: pulumi.Output<string>;
}

export function createEnsembleCredentials(
    name: string,
    parent: pulumi.Resource,
    auth: { quorumSasl: boolean; clientDigest: boolean },
): EnsembleCredentials {
    const password = (suffix: string) =>
        new random.RandomPassword(`${name}-${suffix}`, { length: GENERATED_PASSWORD_LENGTH, special: false }, { parent });
    const nodeAuth: { jaasConfig?: pulumi.Output<string>; superDigestArgs?: pulumi.Output<string> } = {};
    const out: EnsembleCredentials = {};
    if (auth.quorumSasl) {
        const quorumPassword = password("quorum-password");
        nodeAuth.jaasConfig = pulumi.secret(quorumPassword.result.apply((pw) => renderJaasConfig({ user: QUORUM_USER, password: pw })));
    }
    if (auth.clientDigest) {
        const superPassword = password("super-password");
        nodeAuth.superDigestArgs = pulumi.secret(
            superPassword.result.apply((pw) => renderSuperDigestJvmArgs({ user: SUPER_USER, password: pw })),
        );
        out.superUser = pulumi.output(SUPER_USER);
        out.superPassword = pulumi.secret(superPassword.result);
    }
    out.nodeAuth = nodeAuth.jaasConfig || nodeAuth.superDigestArgs ? nodeAuth : undefined;
    return out;
}
