/**
 * Authentication in the committed stacks and the stack configuration, under Pulumi mocks: which
 * credentials each stack exports, that they are secrets and reach no environment variable, and the
 * zookeeper.auth rules.
 */
import { DOCKER_CONTAINER, Registration, envMap, isSecret, mockPassword, resolve, setupMocks, upload } from "../../testkit/mocks";
import { parseStackConfig, resolvePlatformSettings } from "../../stacks/config";
import { deployPlatform } from "../../stacks/program";
import { rawConfig } from "./stackFiles";

const RANDOM_PASSWORD = "random:index/randomPassword:RandomPassword";

/** Every env var value of every container. */
function allEnvValues(regs: Registration[]): string[] {
    return regs.filter((r) => r.type === DOCKER_CONTAINER).flatMap((r) => Object.entries(envMap(r)).map(([k, v]) => `${k}=${v}`));
}

describe("committed stacks", () => {
    it("prod turns both on; dev and staging leave both off", () => {
        expect(parseStackConfig(rawConfig("prod")).zookeeper.auth).toEqual({ quorumSasl: true, clientDigest: true });
        expect(parseStackConfig(rawConfig("dev")).zookeeper.auth).toEqual({ quorumSasl: false, clientDigest: false });
        expect(parseStackConfig(rawConfig("staging")).zookeeper.auth).toEqual({ quorumSasl: false, clientDigest: false });
    });

    it("prod exports the superuser and app credentials as secrets; the 4lw whitelist stays srvr,mntr", async () => {
        const prod = setupMocks("prod");
        const outputs = deployPlatform(resolvePlatformSettings(parseStackConfig(rawConfig("prod"))));
        await resolve(outputs.zookeeperConnectionString);
        await prod.settle(300);
        const mine = prod.registrations;
        expect(await isSecret(outputs.zookeeperSuperCredentials)).toBe(true);
        expect(await resolve(outputs.zookeeperSuperCredentials)).toBe(`super:${mockPassword("zk-super-password")}`);
        expect(await isSecret(outputs.clientAppZooKeeperCredentials!)).toBe(true);
        expect(await resolve(outputs.clientAppZooKeeperCredentials!)).toBe(`app-prod:${mockPassword("app-zookeeper-password")}`);
        const servers = mine.filter((r) => /^zk-\d+-container$/.test(r.name));
        expect(servers).toHaveLength(5);
        const jaas = new Set(servers.map((s) => upload(s, "/conf/jaas.conf")));
        expect(jaas.size).toBe(1);
        for (const server of servers) {
            expect(upload(server, "/conf/zoo.cfg.template")).toMatch(/^4lw\.commands\.whitelist=srvr,mntr$/m);
        }
        const passwords = mine.filter((r) => r.type === RANDOM_PASSWORD).map((r) => mockPassword(r.name));
        // quorum, superuser, app, and Grafana's admin password.
        expect(passwords).toHaveLength(4);
        for (const value of allEnvValues(mine)) {
            for (const password of passwords) {
                expect(value).not.toContain(password);
            }
        }
    });

    it("dev exports the superuser's credentials (a secret) but no app credentials", async () => {
        const dev = setupMocks("dev");
        const outputs = deployPlatform(resolvePlatformSettings(parseStackConfig(rawConfig("dev"))));
        await resolve(outputs.zookeeperConnectionString);
        await dev.settle();
        expect(await isSecret(outputs.zookeeperSuperCredentials)).toBe(true);
        expect(await resolve(outputs.zookeeperSuperCredentials)).toBe(`super:${mockPassword("zk-super-password")}`);
        expect(outputs.clientAppZooKeeperCredentials).toBeUndefined();
    });
});

describe("config zookeeper.auth", () => {
    function problems(raw: Record<string, unknown>): string[] {
        try {
            parseStackConfig(raw);
        } catch (e) {
            return (e as { problems: string[] }).problems;
        }
        return [];
    }

    it("defaults to both off", () => {
        expect(parseStackConfig({}).zookeeper.auth).toEqual({ quorumSasl: false, clientDigest: false });
        expect(parseStackConfig({ zookeeper: { auth: { clientDigest: true } } }).zookeeper.auth).toEqual({
            quorumSasl: false,
            clientDigest: true,
        });
    });

    it("names the key, the value and what is allowed", () => {
        expect(problems({ zookeeper: { auth: { quorumSasl: "yes" } } })).toEqual([
            'zookeeper.auth.quorumSasl: "yes" is not allowed: must be true or false',
        ]);
        expect(problems({ zookeeper: { auth: true } })).toEqual([
            "zookeeper.auth: true is not allowed: must be an object with the booleans quorumSasl and clientDigest",
        ]);
        expect(problems({ zookeeper: { auth: { clientDigset: true } } })).toEqual([
            "zookeeper.auth.clientDigset: true is not allowed: unknown key; allowed keys are quorumSasl, clientDigest",
        ]);
    });

    it("accepts quorum SASL for a single server", () => {
        expect(problems({ zookeeper: { size: 1, auth: { quorumSasl: true } } })).toEqual([]);
        expect(parseStackConfig({ zookeeper: { size: 1, auth: { quorumSasl: true } } }).zookeeper.auth).toEqual({
            quorumSasl: true,
            clientDigest: false,
        });
        expect(problems({ zookeeper: { size: 1, auth: { clientDigest: true } } })).toEqual([]);
    });
});
