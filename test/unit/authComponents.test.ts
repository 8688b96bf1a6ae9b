/**
 * Authentication in the components, under Pulumi mocks: what each container gets (files, env), what
 * is secret, and that every server shares one set of credentials. The committed stacks' side is in
 * authStacks.test.ts.
 */
import {
    DOCKER_CONTAINER,
    RecordingMocks,
    Registration,
    envMap,
    isSecret,
    mockPassword,
    resolve,
    setupMocks,
    upload,
} from "../../testkit/mocks";

const mocks: RecordingMocks = setupMocks("dev");

import { ClientAppService } from "../../components/clientApp/clientAppService";
import { CLIENT_APP_SERVICE_TYPE, ZOOKEEPER_ENSEMBLE_TYPE } from "../../components/shared/typeTokens";
import { ZooKeeperEnsemble, ZooKeeperEnsembleArgs } from "../../components/zookeeper/zookeeperEnsemble";
import { renderAppAcl } from "../../components/clientApp/aclSyncScript";
import { computeDigestId, renderJaasConfig, renderSuperDigestJvmArgs } from "../../components/zookeeper/zookeeperAuth";

const RANDOM_PASSWORD = "random:index/randomPassword:RandomPassword";

interface Built {
    ensemble: ZooKeeperEnsemble;
    app: ClientAppService;
    mine: Registration[];
    servers: Registration[];
    replicas: Registration[];
    aclSync?: Registration;
    passwords: Registration[];
}

async function build(name: string, ensembleArgs: Partial<ZooKeeperEnsembleArgs>, chroot?: string): Promise<Built> {
    const before = mocks.registrations.length;
    const ensemble = new ZooKeeperEnsemble(name, { image: "zookeeper:3.9.4", ...ensembleArgs });
    const app = new ClientAppService(`${name}app`, { ensemble, image: "zookeeper-platform/client-app:0.1.0", replicas: 2, chroot });
    await Promise.all(app.containers.map((c) => resolve(c.id)));
    await mocks.settle();
    const mine = mocks.registrations.slice(before);
    const containers = mine.filter((r) => r.type === DOCKER_CONTAINER);
    return {
        ensemble,
        app,
        mine,
        servers: containers.filter((r) => new RegExp(`^${name}-\\d+-container$`).test(r.name)),
        replicas: containers.filter((r) => new RegExp(`^${name}app-\\d+$`).test(r.name)),
        aclSync: containers.find((r) => r.name === `${name}app-acl-sync`),
        passwords: mine.filter((r) => r.type === RANDOM_PASSWORD),
    };
}

function uploadOf(
    reg: Registration,
    file: string,
): { file: string; content: string; owner?: string; group?: string; permissions?: string } | undefined {
    return ((reg.inputs.uploads ?? []) as { file: string; content: string }[]).find((u) => u.file === file);
}

/** Every env var value of every container. */
function allEnvValues(regs: Registration[]): string[] {
    return regs.filter((r) => r.type === DOCKER_CONTAINER).flatMap((r) => Object.entries(envMap(r)).map(([k, v]) => `${k}=${v}`));
}

describe("ensemble and app with auth on (quorumSasl + clientDigest)", () => {
    let b: Built;
    const quorumPassword = mockPassword("zka-quorum-password");
    const superPassword = mockPassword("zka-super-password");
    const appPassword = mockPassword("zkaapp-zookeeper-password");

    beforeAll(async () => {
        b = await build("zka", { size: 3, auth: { quorumSasl: true, clientDigest: true } });
    });

    it("generates the quorum, superuser and app passwords with RandomPassword (no special characters), as children of their components", () => {
        expect(b.passwords.map((p) => p.name).sort()).toEqual(["zka-quorum-password", "zka-super-password", "zkaapp-zookeeper-password"]);
        for (const p of b.passwords) {
            // Inputs that never change with the servers' settings: a roll does not regenerate them.
            expect(p.inputs).toEqual({ length: 32, special: false });
        }
        const ensembleUrn = b.mine.find((r) => r.type === ZOOKEEPER_ENSEMBLE_TYPE)!.urn;
        const appUrn = b.mine.find((r) => r.type === CLIENT_APP_SERVICE_TYPE)!.urn;
        expect(b.passwords.find((p) => p.name === "zka-quorum-password")!.parentUrn).toBe(ensembleUrn);
        expect(b.passwords.find((p) => p.name === "zka-super-password")!.parentUrn).toBe(ensembleUrn);
        expect(b.passwords.find((p) => p.name === "zkaapp-zookeeper-password")!.parentUrn).toBe(appUrn);
    });

    it("gives every server the identical JAAS file with the quorum credentials, as a secret", () => {
        expect(b.servers).toHaveLength(3);
        for (const server of b.servers) {
            expect(upload(server, "/conf/jaas.conf")).toBe(renderJaasConfig({ user: "zkquorum", password: quorumPassword }));
            expect(server.secretInputs).toContain("uploads");
        }
    });

    it("gives every server the identical superuser digest in a java argument file, as a secret", () => {
        for (const server of b.servers) {
            expect(upload(server, "/conf/super-digest.jvmargs")).toBe(renderSuperDigestJvmArgs({ user: "super", password: superPassword }));
            expect(server.secretInputs).toContain("uploads");
        }
    });

    it("turns quorum SASL on in the zoo.cfg template and keeps the 4lw whitelist", () => {
        for (const server of b.servers) {
            expect(upload(server, "/conf/zoo.cfg.template")).toContain("quorum.auth.serverRequireSasl=true\n");
            expect(upload(server, "/conf/zoo.cfg.template")).toContain("4lw.commands.whitelist=srvr,mntr\n");
        }
    });

    it("passes the JAAS file, FIPS mode and the digest's argument file to the server JVM only (SERVER_JVMFLAGS), next to the unchanged JVMFLAGS", () => {
        for (const server of b.servers) {
            const env = envMap(server);
            expect(env.SERVER_JVMFLAGS).toBe(
                "-Djava.security.auth.login.config=/conf/jaas.conf -Dzookeeper.fips-mode=false @/conf/super-digest.jvmargs",
            );
            expect(env.JVMFLAGS).not.toContain("jaas");
        }
    });

    it("gives each app replica its user:password as a secret file and only its path in the environment", () => {
        expect(b.replicas).toHaveLength(2);
        for (const replica of b.replicas) {
            expect(upload(replica, "/run/secrets/zookeeper_auth")).toBe(`zkaapp-dev:${appPassword}`);
            expect(replica.secretInputs).toContain("uploads");
            expect(envMap(replica).ZOOKEEPER_AUTH_FILE).toBe("/run/secrets/zookeeper_auth");
        }
    });

    it("puts no password and no digest into any environment variable or command", () => {
        const secrets = [
            quorumPassword,
            superPassword,
            appPassword,
            computeDigestId({ user: "super", password: superPassword }),
            computeDigestId({ user: "zkaapp-dev", password: appPassword }),
        ];
        const containers = b.mine.filter((r) => r.type === DOCKER_CONTAINER);
        const exposed = [...allEnvValues(containers), ...containers.flatMap((c) => (c.inputs.command ?? []) as string[])];
        expect(exposed.length).toBeGreaterThan(10);
        for (const value of exposed) {
            for (const secret of secrets) {
                expect(value).not.toContain(secret);
            }
        }
    });

    it("runs the ACL sync after the ready gate and before the replicas, with its secrets in a secret file", async () => {
        const sync = b.aclSync!;
        expect(sync).toBeDefined();
        expect(sync.inputs.name).toBe("zkaapp-dev-acl-sync");
        const readyGateUrn = b.mine.find((r) => r.name === "zka-ready-gate")!.urn;
        expect(sync.dependencies).toContain(readyGateUrn);
        for (const replica of b.replicas) {
            expect(replica.dependencies).toEqual(expect.arrayContaining([readyGateUrn, sync.urn]));
            // Ordering only: a replaced gate must not replace the app.
            expect(Object.values(replica.propertyDependencies).flat()).not.toContain(readyGateUrn);
        }
        expect(Object.values(sync.propertyDependencies).flat()).not.toContain(readyGateUrn);
        const secrets = upload(sync, "/run/secrets/zookeeper_acl_sync");
        expect(secrets).toContain(`SUPER_AUTH='super:${superPassword}'`);
        expect(secrets).toContain(`APP_ACL='${renderAppAcl({ user: "zkaapp-dev", password: appPassword })}'`);
        expect(sync.secretInputs).toContain("uploads");
        expect(sync.inputs.command[0]).toContain("root='/app'");
        expect(sync.inputs.command[0]).toContain("servers='zka-dev-1:2181,zka-dev-2:2181,zka-dev-3:2181'");
        expect(sync.inputs).toMatchObject({ wait: true, user: "1000:1000", restart: "no" });
        expect(sync.inputs.attach).toBeUndefined();
        expect(sync.inputs.logs).toBeUndefined();
        expect(sync.deleteBeforeReplace).toBe(true);
        // The ensemble's own image (zkCli.sh).
        expect(sync.inputs.image).toBe(b.servers[0].inputs.image);
    });

    it("exposes the superuser and app users, and their passwords as secret outputs", async () => {
        expect(await resolve(b.ensemble.superUser)).toBe("super");
        expect(await isSecret(b.ensemble.superPassword)).toBe(true);
        expect(await resolve(b.ensemble.superPassword)).toBe(superPassword);
        expect(await resolve(b.app.zookeeperUser!)).toBe("zkaapp-dev");
        expect(await isSecret(b.app.zookeeperPassword!)).toBe(true);
        expect(await resolve(b.app.zookeeperPassword!)).toBe(appPassword);
        expect(b.ensemble.quorumSasl).toBe(true);
        expect(b.ensemble.clientDigest).toBe(true);
    });
});

describe("with a chroot, the app's root is the chroot", () => {
    it("syncs the chroot's subtree", async () => {
        const b = await build("zkc", { auth: { clientDigest: true } }, "/platform");
        expect(b.aclSync!.inputs.command[0]).toContain("root='/platform'");
    });
});

describe("only clientDigest", () => {
    it("has the superuser and the app's auth but no quorum SASL", async () => {
        const b = await build("zkd", { auth: { clientDigest: true } });
        expect(b.passwords.map((p) => p.name).sort()).toEqual(["zkd-super-password", "zkdapp-zookeeper-password"]);
        for (const server of b.servers) {
            expect(uploadOf(server, "/conf/jaas.conf")).toBeUndefined();
            expect(uploadOf(server, "/conf/super-digest.jvmargs")).toBeDefined();
            expect(envMap(server).SERVER_JVMFLAGS).toBe("@/conf/super-digest.jvmargs");
            expect(upload(server, "/conf/zoo.cfg.template")).not.toContain("quorum.auth");
        }
        expect(b.aclSync).toBeDefined();
    });
});

describe("only quorumSasl", () => {
    it("has the JAAS file and the superuser (every ensemble has one) but no app credentials and no ACL sync", async () => {
        const b = await build("zkq", { auth: { quorumSasl: true } });
        expect(b.passwords.map((p) => p.name).sort()).toEqual(["zkq-quorum-password", "zkq-super-password"]);
        expect(await resolve(b.ensemble.superUser)).toBe("super");
        expect(await isSecret(b.ensemble.superPassword)).toBe(true);
        expect(await resolve(b.ensemble.superPassword)).toBe(mockPassword("zkq-super-password"));
        for (const server of b.servers) {
            expect(envMap(server).SERVER_JVMFLAGS).toBe(
                "-Djava.security.auth.login.config=/conf/jaas.conf -Dzookeeper.fips-mode=false @/conf/super-digest.jvmargs",
            );
        }
        expect(b.app.zookeeperUser).toBeUndefined();
        expect(b.app.zookeeperPassword).toBeUndefined();
        expect(b.aclSync).toBeUndefined();
        for (const replica of b.replicas) {
            expect(envMap(replica).ZOOKEEPER_AUTH_FILE).toBeUndefined();
        }
    });
});

describe("auth off (the default)", () => {
    it("creates only the superuser's password and digest file: no JAAS file, no app credentials, no ACL sync", async () => {
        const b = await build("zko", {});
        const superPassword = mockPassword("zko-super-password");
        expect(b.passwords.map((p) => p.name)).toEqual(["zko-super-password"]);
        expect(b.aclSync).toBeUndefined();
        for (const server of b.servers) {
            expect((server.inputs.uploads as { file: string }[]).map((u) => u.file)).toEqual([
                "/conf/zoo.cfg.template",
                "/conf/start-server.sh",
                "/conf/java.security.zk",
                "/conf/super-digest.jvmargs",
            ]);
            expect(upload(server, "/conf/super-digest.jvmargs")).toBe(renderSuperDigestJvmArgs({ user: "super", password: superPassword }));
            expect(Object.keys(envMap(server)).sort()).toEqual(["JVMFLAGS", "SERVER_JVMFLAGS", "ZK_SERVER_HEAP", "ZOO_MY_ID"]);
            expect(envMap(server).SERVER_JVMFLAGS).toBe("@/conf/super-digest.jvmargs");
            expect(upload(server, "/conf/zoo.cfg.template")).not.toContain("quorum.auth");
            expect(server.secretInputs).toEqual(["uploads"]);
        }
        expect(await resolve(b.ensemble.superUser)).toBe("super");
        expect(await resolve(b.ensemble.superPassword)).toBe(superPassword);
        expect(b.ensemble.clientDigest).toBe(false);
        for (const replica of b.replicas) {
            expect(replica.inputs.uploads).toBeUndefined();
            expect(envMap(replica).ZOOKEEPER_AUTH_FILE).toBeUndefined();
        }
    });

    it("accepts quorum SASL on a single server: a quorum of one, with the JAAS file", async () => {
        const b = await build("zks", { size: 1, auth: { quorumSasl: true } });
        expect(b.servers.map((s) => s.name)).toEqual(["zks-1-container"]);
        expect(upload(b.servers[0], "/conf/jaas.conf")).toBe(
            renderJaasConfig({ user: "zkquorum", password: mockPassword("zks-quorum-password") }),
        );
        expect(upload(b.servers[0], "/conf/zoo.cfg.template")).toContain("quorum.auth.serverRequireSasl=true\n");
        expect(upload(b.servers[0], "/conf/zoo.cfg.template")).toContain("standaloneEnabled=false\n");
        expect(b.ensemble.quorumSasl).toBe(true);
        expect(b.mine.map((r) => r.name)).toEqual(expect.arrayContaining(["zks", "zks-network", "zks-image", "zks-1", "zks-ready-gate"]));
    });
});
