/**
 * Pure parts of ZooKeeper authentication: zoo.cfg keys, the JAAS file, digests, the app's ACL and
 * the ACL sync script (run with bash against a fake zkCli.sh).
 */
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";
import { digestId as appDigestId, appAclSpec } from "../../app/src/acl";
import { problemsOf } from "../../components/shared/contract";
import { zooCfgSettingsSchema } from "../../components/zookeeper/schema";
import { ZooCfgSettings, renderZooCfg } from "../../components/zookeeper/zooCfg";
import { DEFAULT_FOUR_LETTER_WORDS, MANAGED_ZOO_CFG_KEYS } from "../../components/zookeeper/zooCfgRules";
import {
    QUORUM_SASL_JVM_FLAGS,
    QUORUM_SASL_ZOO_CFG,
    computeDigestId,
    renderJaasConfig,
    renderServerJvmFlags,
    renderSuperDigestJvmArgs,
    validateCredentials,
} from "../../components/zookeeper/zookeeperAuth";
import { renderAclSyncScript, renderAclSyncSecrets, renderAppAcl } from "../../components/clientApp/aclSyncScript";
import { passSeenMarker } from "../../components/zookeeper/gateShell";
import { computeServerEntries } from "../../components/zookeeper/members";

const execFileAsync = promisify(execFile);

const QUORUM = { user: "zkquorum", password: "Qpw123abcQpw123abcQpw123abcQpw12" };
const SUPER = { user: "super", password: "SuperSecretPassw0rdSuperSecret12" };
const APP = { user: "app-dev", password: "AppPassw0rdAppPassw0rdAppPassw0r" };

function zooCfg(size: number, quorumSasl?: boolean): string {
    const settings: ZooCfgSettings = {
        tickTime: 2000,
        initLimit: 10,
        syncLimit: 5,
        maxClientCnxns: 60,
        autopurgeIntervalHours: 1,
        autopurgeSnapRetainCount: 3,
        fourLetterWords: [...DEFAULT_FOUR_LETTER_WORDS],
        servers: computeServerEntries("zk-dev", size),
        quorumSasl,
    };
    return renderZooCfg(settings);
}

describe("zoo.cfg with quorum SASL", () => {
    const expected = [
        "quorum.auth.enableSasl=true",
        "quorum.auth.learnerRequireSasl=true",
        "quorum.auth.serverRequireSasl=true",
        "quorum.auth.learner.loginContext=QuorumLearner",
        "quorum.auth.server.loginContext=QuorumServer",
        "quorum.cnxn.threads.size=20",
    ];

    it("has every quorum.auth key when on", () => {
        const lines = zooCfg(3, true).split("\n");
        for (const line of expected) {
            expect(lines).toContain(line);
        }
    });

    it("has none of them when off or unset, so existing ensembles are not rolled", () => {
        expect(zooCfg(3, false)).not.toMatch(/quorum\.(auth|cnxn)/);
        expect(zooCfg(3)).toBe(zooCfg(3, false));
    });

    it("accepts quorum SASL for a single server: it runs in quorum mode and can grow", () => {
        const lines = zooCfg(1, true).split("\n");
        for (const line of expected) {
            expect(lines).toContain(line);
        }
        expect(lines).toContain("standaloneEnabled=false");
        expect(problemsOf(zooCfgSettingsSchema, { servers: computeServerEntries("zk-dev", 1), quorumSasl: true })).toEqual([]);
    });

    it("refuses skipACL in extraConfig: it would switch off the ACLs and the superuser's reconfig authorisation", () => {
        expect(problemsOf(zooCfgSettingsSchema, { servers: computeServerEntries("zk-dev", 3), extraConfig: { skipACL: "yes" } })).toEqual([
            'extraConfig.skipACL: "yes" is not allowed: is managed by zookeeper-docker and cannot be overridden',
        ]);
    });

    it("keeps the whitelist at srvr,mntr (health checks and monitoring) with auth on", () => {
        expect(DEFAULT_FOUR_LETTER_WORDS).toEqual(["srvr", "mntr"]);
        expect(zooCfg(3, true).split("\n")).toContain("4lw.commands.whitelist=srvr,mntr");
    });

    it("refuses authentication keys in extraConfig: they are managed", () => {
        for (const key of [
            ...Object.keys(QUORUM_SASL_ZOO_CFG),
            "quorum.auth.kerberos.servicePrincipal",
            "DigestAuthenticationProvider.superDigest",
        ]) {
            expect(problemsOf(zooCfgSettingsSchema, { servers: computeServerEntries("zk-dev", 3), extraConfig: { [key]: "x" } })).toEqual([
                `extraConfig.${key}: "x" is not allowed: is managed by zookeeper-docker and cannot be overridden`,
            ]);
        }
        expect(MANAGED_ZOO_CFG_KEYS).toEqual(expect.arrayContaining(Object.keys(QUORUM_SASL_ZOO_CFG)));
    });
});

describe("renderJaasConfig", () => {
    it("renders the QuorumServer and QuorumLearner sections with DigestLoginModule", () => {
        expect(renderJaasConfig(QUORUM)).toBe(
            [
                "QuorumServer {",
                "    org.apache.zookeeper.server.auth.DigestLoginModule required",
                `    user_zkquorum="${QUORUM.password}";`,
                "};",
                "QuorumLearner {",
                "    org.apache.zookeeper.server.auth.DigestLoginModule required",
                '    username="zkquorum"',
                `    password="${QUORUM.password}";`,
                "};",
                "",
            ].join("\n"),
        );
    });

    it("depends on the credentials only: the password is in exactly the two credential lines, nothing names a server", () => {
        const other = { user: "zkquorum", password: "Other123abcOther123abcOther123ab" };
        const a = renderJaasConfig(QUORUM).split("\n");
        const b = renderJaasConfig(other).split("\n");
        expect(a.filter((l) => l.includes(QUORUM.password))).toEqual([
            `    user_zkquorum="${QUORUM.password}";`,
            `    password="${QUORUM.password}";`,
        ]);
        // Another password changes those two lines and nothing else.
        expect(a.map((l, i) => (l === b[i] ? "same" : `${l} -> ${b[i]}`))).toEqual([
            "same",
            "same",
            `    user_zkquorum="${QUORUM.password}"; ->     user_zkquorum="${other.password}";`,
            "same",
            "same",
            "same",
            "same",
            `    password="${QUORUM.password}"; ->     password="${other.password}";`,
            "same",
            "same",
        ]);
        expect(a.join("\n")).not.toMatch(/zk-dev|server\.\d|myid|localhost/);
    });

    it.each([
        ["a quote", 'abcdefghijklmnop"q'],
        ["a backslash", "abcdefghijklmnop\\q"],
        ["a space", "abcdefghijklmnop q"],
        ["a newline", "abcdefghijklmnop\nq"],
        ["a semicolon", "abcdefghijklmnop;q"],
        ["too few characters", "short"],
    ])("refuses a password with %s, without echoing it", (_label, password) => {
        let message = "";
        try {
            renderJaasConfig({ user: "zkquorum", password });
        } catch (e) {
            message = (e as Error).message;
        }
        expect(message).toContain("quorum password is not allowed");
        expect(message).not.toContain(password);
    });

    it("refuses a user name that could break the file", () => {
        expect(() => renderJaasConfig({ user: 'zk"quorum', password: QUORUM.password })).toThrow('quorum user "zk"quorum" is not allowed');
        expect(() => validateCredentials("x", { user: "1abc", password: QUORUM.password })).toThrow("must start with a letter");
    });
});

describe("digests", () => {
    it("computes ZooKeeper's digest id user:base64(sha1(user:password))", () => {
        // Reference value from `printf 'super:superpwsuperpw12' | openssl sha1 -binary | base64`.
        expect(computeDigestId({ user: "super", password: "superpwsuperpw12" })).toBe("super:asgn1M/lHsmadXAd6Yb8QcnOB8k=");
        expect(computeDigestId({ user: "super", password: "superpwsuperpw12" })).not.toBe(
            computeDigestId({ user: "super", password: "superpwsuperpw13" }),
        );
    });

    it("matches the id the app derives for its own ACLs (app/src/acl.ts)", () => {
        expect(computeDigestId(APP)).toBe(appDigestId(APP.user, APP.password));
    });

    it("the app's ACL in zkCli notation is the app's ACL list: digest ALL, world READ", () => {
        const spec = appAclSpec(APP);
        expect(spec.map((s) => `${s.scheme}:${s.id}:${s.perms}`)).toEqual([`digest:${computeDigestId(APP)}:31`, "world:anyone:1"]);
        expect(renderAppAcl(APP)).toBe(`digest:${computeDigestId(APP)}:cdrwa,world:anyone:r`);
    });

    it("the superuser digest goes into a java argument file as the system property, without the password", () => {
        const text = renderSuperDigestJvmArgs(SUPER);
        expect(text).toBe(`-Dzookeeper.DigestAuthenticationProvider.superDigest=${computeDigestId(SUPER)}\n`);
        expect(text).not.toContain(SUPER.password);
        expect(() => renderSuperDigestJvmArgs({ user: "admin", password: SUPER.password })).toThrow('ZooKeeper\'s superuser is "super"');
    });

    it("quorum SASL JVM flags name the JAAS file and turn FIPS mode off (DIGEST-MD5)", () => {
        expect(QUORUM_SASL_JVM_FLAGS).toEqual(["-Djava.security.auth.login.config=/conf/jaas.conf", "-Dzookeeper.fips-mode=false"]);
    });

    it("SERVER_JVMFLAGS names the JAAS file and the digest's argument file, never a secret, and is absent without auth", () => {
        expect(renderServerJvmFlags({ quorumSasl: true, superDigest: true })).toBe(
            "-Djava.security.auth.login.config=/conf/jaas.conf -Dzookeeper.fips-mode=false @/conf/super-digest.jvmargs",
        );
        expect(renderServerJvmFlags({ quorumSasl: false, superDigest: true })).toBe("@/conf/super-digest.jvmargs");
        expect(renderServerJvmFlags({ quorumSasl: true, superDigest: false })).toBe(
            "-Djava.security.auth.login.config=/conf/jaas.conf -Dzookeeper.fips-mode=false",
        );
        expect(renderServerJvmFlags({ quorumSasl: false, superDigest: false })).toBeUndefined();
    });
});

describe("ACL sync", () => {
    const SERVERS = ["zk-dev-1:2181", "zk-dev-2:2181", "zk-dev-3:2181"];

    function script(dir: string, timeoutSeconds = 10): string {
        return renderAclSyncScript({
            servers: SERVERS,
            root: "/app",
            timeoutSeconds,
            secretsFile: path.join(dir, "secrets"),
            passMarker: path.join(dir, "passed"),
        });
    }

    it("keeps every secret out of the script (they come from the uploaded file)", () => {
        const text = script("/run/secrets");
        expect(text).toContain(". /run/secrets/secrets");
        for (const secret of [SUPER.password, APP.password, computeDigestId(APP), computeDigestId(SUPER)]) {
            expect(text).not.toContain(secret);
        }
    });

    it("renders the secrets as shell assignments", () => {
        expect(renderAclSyncSecrets(SUPER, APP)).toBe(
            [`SUPER_AUTH='super:${SUPER.password}'`, `APP_ACL='${renderAppAcl(APP)}'`, `APP_ID='${computeDigestId(APP)}'`, ""].join("\n"),
        );
        expect(() => renderAclSyncSecrets({ user: "root", password: SUPER.password }, APP)).toThrow("superuser");
    });

    it.each([
        [{ servers: [] }, "servers is empty"],
        [{ servers: ["zk dev:2181"] }, "must be host:port"],
        [{ root: "/zookeeper/config" }, "outside /zookeeper"],
        [{ root: "app" }, "absolute znode path"],
        [{ timeoutSeconds: 5 }, "between 10 and 3600"],
        [{ secretsFile: "/tmp/x y" }, "must be an absolute path"],
    ])("refuses %j", (override, message) => {
        expect(() =>
            renderAclSyncScript({
                servers: SERVERS,
                root: "/app",
                timeoutSeconds: 60,
                secretsFile: "/run/secrets/s",
                passMarker: "/tmp/p",
                ...override,
            }),
        ).toThrow(message);
    });

    /**
     * A fake zkCli.sh that answers like the real one (it echoes each command after a prompt, as
     * jline does with piped input) and records what it was asked.
     */
    const FAKE_ZKCLI = `#!/bin/bash
printf 'ARGS %s\\n' "$*" >> "$FAKE_LOG"
while IFS= read -r line; do
  printf 'CMD %s\\n' "$line" >> "$FAKE_LOG"
  echo "[zk: fake(CONNECTED) 0] $line"
  case "$line" in
    "stat "*) if [ "$FAKE_ROOT_EXISTS" = 1 ]; then echo "cZxid = 0x2"; else echo "Node does not exist: \${line#stat }"; fi ;;
    "setAcl "*) if [ -n "\${FAKE_SETACL_ERROR:-}" ]; then echo "$FAKE_SETACL_ERROR"; fi ;;
    "getAcl "*) printf "'digest,'%s\\n: cdrwa\\n'world,'anyone\\n: r\\n" "$FAKE_ACL_ID" ;;
  esac
done
`;

    async function run(env: Record<string, string>, timeoutSeconds = 10) {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "acl-sync-"));
        fs.writeFileSync(path.join(dir, "zkCli.sh"), FAKE_ZKCLI, { mode: 0o755 });
        fs.writeFileSync(path.join(dir, "secrets"), renderAclSyncSecrets(SUPER, APP));
        const log = path.join(dir, "log");
        fs.writeFileSync(log, "");
        // Docker's health check, which has seen the pass marker: the script need not wait for it.
        fs.writeFileSync(passSeenMarker(path.join(dir, "passed")), "");
        let code = 0;
        let stdout = "";
        try {
            ({ stdout } = await execFileAsync("bash", ["-c", script(dir, timeoutSeconds)], {
                env: { PATH: `${dir}:${process.env.PATH}`, FAKE_LOG: log, FAKE_ACL_ID: computeDigestId(APP), ...env },
            }));
        } catch (e) {
            code = (e as { code: number }).code;
            stdout = (e as { stdout: string }).stdout;
        }
        const passed = fs.existsSync(path.join(dir, "passed"));
        const calls = fs.readFileSync(log, "utf8");
        fs.rmSync(dir, { recursive: true, force: true });
        return { code, stdout, passed, calls };
    }

    it("passes at once when the app's root does not exist yet", async () => {
        const r = await run({ FAKE_ROOT_EXISTS: "0" });
        expect(r).toMatchObject({ code: 0, passed: true });
        expect(r.stdout).toContain("/app does not exist yet");
        expect(r.calls).not.toContain("setAcl");
    });

    it("sets the app's ACL on the whole subtree as the superuser, checks it, and never prints a secret", async () => {
        const r = await run({ FAKE_ROOT_EXISTS: "1" });
        expect(r).toMatchObject({ code: 0, passed: true });
        expect(r.stdout).toContain("the subtree of /app belongs to app-dev");
        expect(r.calls).toContain(`ARGS -waitforconnection -timeout 15000 -server ${SERVERS.join(",")}`);
        expect(r.calls).toContain(`CMD addauth digest super:${SUPER.password}`);
        expect(r.calls).toContain(`CMD setAcl -R /app ${renderAppAcl(APP)}`);
        expect(r.calls).toContain("CMD getAcl /app");
        expect(r.stdout).not.toContain(SUPER.password);
    });

    it("fails (no marker, exit 1) when the superuser is refused, and still prints no secret", async () => {
        const r = await run({ FAKE_ROOT_EXISTS: "1", FAKE_SETACL_ERROR: "Insufficient permission : /app" });
        expect(r).toMatchObject({ code: 1, passed: false });
        expect(r.stdout).toContain("Insufficient permission : /app");
        expect(r.stdout).toContain("gave up after 10 s");
        expect(r.calls.match(/CMD setAcl/g)!.length).toBeGreaterThan(1);
        expect(r.stdout).not.toContain(SUPER.password);
    }, 30000);

    it("fails when the ACL read back is not the app's", async () => {
        const r = await run({ FAKE_ROOT_EXISTS: "1", FAKE_ACL_ID: "someone:else=" });
        expect(r).toMatchObject({ code: 1, passed: false });
    }, 30000);
});
