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
    /** The files every server gets: the superuser digest, and the quorum JAAS file with quorumSasl. */
    nodeAuth: ZooKeeperNodeAuth;
    /** The superuser: every ensemble has one, since size changes (reconfig) need it. */
    superUser: pulumi.Output<string>;
    superPassword: pulumi.Output<string>;
}

export function createEnsembleCredentials(name: string, parent: pulumi.Resource, auth: { quorumSasl: boolean }): EnsembleCredentials {
    const password = (suffix: string) =>
        new random.RandomPassword(`${name}-${suffix}`, { length: GENERATED_PASSWORD_LENGTH, special: false }, { parent });
    const nodeAuth: { jaasConfig?: pulumi.Output<string>; superDigestArgs?: pulumi.Output<string> } = {};
    if (auth.quorumSasl) {
        const quorumPassword = password("quorum-password");
        nodeAuth.jaasConfig = pulumi.secret(quorumPassword.result.apply((pw) => renderJaasConfig({ user: QUORUM_USER, password: pw })));
    }
    // The resource name is the one 0.2 gave it with clientDigest on, so prod keeps its password.
    const superPassword = password("super-password");
    nodeAuth.superDigestArgs = pulumi.secret(
        superPassword.result.apply((pw) => renderSuperDigestJvmArgs({ user: SUPER_USER, password: pw })),
    );
    return { nodeAuth, superUser: pulumi.output(SUPER_USER), superPassword: pulumi.secret(superPassword.result) };
}
