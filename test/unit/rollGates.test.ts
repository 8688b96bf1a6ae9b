/**
 * The gate scripts are executed for real with bash in a GateSandbox: a stub `nc` answers `srvr`
 * with the mode a test assigns to each host, a stub `zkCli.sh` keeps the membership.
 */
import * as fs from "fs";
import {
    GATE_POLL_SECONDS,
    NO_PEER_POLLS,
    PASS_MARKER,
    renderReadyGateScript,
    renderRollGateScript,
} from "../../components/zookeeper/rollGates";
import { DEPLOYMENT_RECORD_ZNODE, SUPER_AUTH_FILE, renderMemberLine } from "../../components/zookeeper/gateShell";
import { PASS_MARKER_HEALTHCHECK } from "../../components/zookeeper/gates";
import { GateSandbox, RENDER_TIMEOUT, SUPER_PASSWORD, lines, member, members } from "./gateSandbox";

let box: GateSandbox;
beforeEach(() => {
    box = new GateSandbox();
});
afterEach(() => box.remove());

/**
 * Servers 1..3 serve with membership 1,2,3 (version 100000003); new server 4, seeded with the live
 * members and itself at the joining version, follows without a vote.
 */
function newServer4Follows(): void {
    box.modes({ "zk-dev-1": "leader", "zk-dev-2": "follower", "zk-dev-3": "follower", "zk-dev-4": "follower" });
    box.members(lines([1, 2, 3]), "100000003");
    box.dynamicFile(lines([1, 2, 3, 4]), "0");
}

describe("renderRollGateScript", () => {
    const gate = (target = 1) => renderRollGateScript({ target: member(target), timeoutSeconds: RENDER_TIMEOUT });
    /** The target's volume as a new ensemble's seed step leaves it: servers 1..n at version 1. */
    const seeded = (n = 3) => box.dynamicFile(lines(members(n).map((m) => m.id)), "1");

    it("passes when no other member serves in NO_PEER_POLLS polls (first creation), without asking zkCli", () => {
        seeded();
        const result = box.run(gate());
        expect(result.status).toBe(0);
        expect(result.stdout).toContain(`no other member of the ensemble served in ${NO_PEER_POLLS} polls`);
        expect(result.passed).toBe(true);
        expect(box.zkState("commands")).toBe("");
    });

    it("does not take one lost answer for a missing quorum: it waits for the target", () => {
        expect(NO_PEER_POLLS).toBeGreaterThanOrEqual(2);
        seeded();
        box.modes({ "zk-dev-2": "lost:leader", "zk-dev-3": "lost:follower" });
        const result = box.run(gate(), 1);
        expect(result.stdout).not.toContain("nothing to protect");
        expect(result.stdout).toContain("serves; waiting up to 1s for zk-dev-1");
        expect(result.status).toBe(1);
        expect(result.passed).toBe(false);
    });

    it("asks with the bare word: a newline after srvr makes the server reset the connection", () => {
        expect(gate()).toContain("printf srvr | nc -w 2");
        expect(gate()).not.toMatch(/echo srvr/);
    });

    it("passes when a peer serves and the target's synced membership lists it, without zkCli", () => {
        box.modes({ "zk-dev-2": "leader", "zk-dev-1": "follower", "zk-dev-3": "follower" });
        box.members(lines([1, 2, 3]), "100000000");
        box.dynamicFile(lines([1, 2, 3]), "100000000");
        const result = box.run(gate(), 2);
        expect(result.status).toBe(0);
        expect(result.stdout).toContain("zk-dev-1 serves as follower, a member of configuration version 100000000 (1,2,3)");
        expect(result.passed).toBe(true);
        expect(box.zkState("commands")).toBe("");
    });

    it("takes the newest membership file and the peers it lists: a member at the joining version is checked with zkCli", () => {
        box.modes({ "zk-dev-1": "leader", "zk-dev-2": "follower", "zk-dev-5": "follower" });
        box.members(lines([1, 2, 5]), "200000001");
        box.dynamicFile(lines([1, 2, 3]), "1");
        box.dynamicFile(lines([1, 2, 5]), "0");
        box.dynamicFile(lines([1, 2, 5]), "a");
        fs.writeFileSync(box.at("data", "conf", "zoo.cfg.dynamic.next"), lines([1]).join("\n"));
        expect(box.run(gate(5), 2).stdout).toContain("zk-dev-5 serves as follower, a member of configuration version a (1,2,5)");
        expect(box.zkState("commands")).toBe("");
        fs.rmSync(box.at("data", "conf", "zoo.cfg.dynamic.a"));
        fs.rmSync(box.at("data", "conf", "zoo.cfg.dynamic.1"));
        const result = box.run(gate(5), 2);
        expect(result.stdout).toContain("zk-dev-5 serves as follower, a member of configuration version 200000001 (1,2,5)");
        expect(box.zkState("servers-asked").trim().split("\n")).toEqual(["zk-dev-1:2181,zk-dev-2:2181,zk-dev-5:2181"]);
        expect(box.zkState("commands")).not.toContain("reconfig");
    });

    it("fails, saying what to do, when the target's volume has no membership file", () => {
        box.modes({ "zk-dev-2": "leader" });
        const result = box.run(gate(), 2);
        expect(result.status).toBe(1);
        expect(result.stderr).toContain(
            `zk-dev-1 has no membership file in ${box.at("data", "conf")}; its seed step writes one before it starts`,
        );
        expect(result.passed).toBe(false);
    });

    it("adds a new server with reconfig -add as the superuser, retrying until it has synced", () => {
        newServer4Follows();
        box.noQuorumFor(2);
        const result = box.run(gate(4), 5);
        expect(result.status).toBe(0);
        expect(result.stdout).toContain("zk-dev-4 serves but is not a member of configuration version 100000003 (1,2,3); adding it");
        expect(result.stdout).toContain("not committed yet");
        expect(result.stdout).toContain("zk-dev-4 added: configuration version 100000004 (1,2,3,4)");
        expect(box.zkState("members")).toContain(renderMemberLine(4, "zk-dev-4"));
        expect(box.zkState("commands").match(/^reconfig -add server\.4=/gm)).toHaveLength(3);
        // zkCli echoes addauth with the password; the gate never prints it.
        expect(result.stdout + result.stderr).not.toContain(SUPER_PASSWORD);
        expect(result.passed).toBe(true);
    });

    it("fails, naming the committed membership, when the reconfig never commits", () => {
        newServer4Follows();
        box.noQuorumFor(1000);
        const result = box.run(gate(4), 2);
        expect(result.status).toBe(1);
        expect(result.stderr).toContain("did not commit in time; the membership is still version 100000003: 1,2,3");
        expect(result.passed).toBe(false);
    });

    it("fails after the timeout, without the pass marker, when a peer serves but the target does not", () => {
        seeded();
        box.modes({ "zk-dev-3": "leader", "zk-dev-2": "follower" });
        const started = Date.now();
        const result = box.run(gate(), 2);
        expect(result.status).toBe(1);
        expect(result.stderr).toContain("zk-dev-1 did not serve as leader or follower within 2s");
        expect(result.passed).toBe(false);
        expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    });

    it("does not count a standalone peer as a quorum", () => {
        seeded();
        box.modes({ "zk-dev-2": "standalone" });
        const result = box.run(gate());
        expect(result.stdout).toContain("nothing to protect");
        expect(result.passed).toBe(true);
    });

    it("reads the superuser's credentials from the secret file, not from its script", () => {
        expect(gate()).toContain(`. ${SUPER_AUTH_FILE}\n`);
        expect(gate()).not.toContain("SUPER_AUTH=");
    });

    it("waits the rendered timeout", () => {
        expect(renderRollGateScript({ target: member(1), timeoutSeconds: 120 }).split("\n")).toContain("timeout=120");
    });

    it("creates the pass marker the health check looks for", () => {
        expect(gate()).toContain(`touch ${PASS_MARKER}\n`);
        expect(PASS_MARKER_HEALTHCHECK.tests).toEqual(["CMD-SHELL", `test -f ${PASS_MARKER} && touch ${PASS_MARKER}-seen`]);
    });

    it("refuses host names that could inject shell code, a member list (it comes from the volume) and a short timeout", () => {
        const hostRule = "must be a DNS label of lower case letters, digits and dashes (at most 63 characters)";
        expect(() => renderRollGateScript({ target: { id: 1, host: "zk-1; rm -rf /" }, timeoutSeconds: 10 })).toThrow(
            `target.host: "zk-1; rm -rf /" is not allowed: ${hostRule}`,
        );
        const withServers = { target: member(1), servers: members(3), timeoutSeconds: 10 } as unknown as Parameters<
            typeof renderRollGateScript
        >[0];
        expect(() => renderRollGateScript(withServers)).toThrow("servers");
        expect(() => renderRollGateScript({ target: member(1), timeoutSeconds: 0 })).toThrow(
            "timeoutSeconds: 0 is not allowed: must be an integer number of seconds between 10 and 3600",
        );
    });
});

describe("renderReadyGateScript", () => {
    const HASH = "0123456789ab";
    const ready = (n = 3) => renderReadyGateScript({ servers: members(n), settingsHash: HASH, timeoutSeconds: RENDER_TIMEOUT });
    const serving3 = () => box.modes({ "zk-dev-1": "follower", "zk-dev-2": "leader", "zk-dev-3": "follower" });

    it("passes when all members serve with one leader and report the same configuration, and records it", () => {
        serving3();
        box.members(lines([1, 2, 3]), "1");
        const result = box.run(ready(), 2);
        expect(result.status).toBe(0);
        expect(result.stdout).toContain("all members serve with one leader, configuration version 1 (1,2,3)");
        expect(result.passed).toBe(true);
        expect(box.znode(DEPLOYMENT_RECORD_ZNODE)).toBe(`members=1,2,3;settings=${HASH}`);
        expect(box.zkState("commands")).not.toContain("reconfig");
        // Each server was asked for its own configuration, all in one zkCli session.
        expect(box.zkState("commands").match(/^connect .*/gm)).toEqual([
            "connect zk-dev-1:2181",
            "connect zk-dev-2:2181",
            "connect zk-dev-3:2181",
        ]);
    });

    it("adds the last new server of a size change", () => {
        box.modes({ "zk-dev-1": "leader", "zk-dev-2": "follower", "zk-dev-3": "follower", "zk-dev-4": "follower", "zk-dev-5": "follower" });
        box.members(lines([1, 2, 3, 4]), "100000004");
        const result = box.run(ready(5), 3);
        expect(result.status).toBe(0);
        expect(result.stdout).toContain("adding server 5 to configuration version 100000004 (1,2,3,4)");
        expect(box.zkState("members").trim().split("\n")).toEqual(lines([1, 2, 3, 4, 5]));
        expect(result.stdout).toContain("configuration version 100000005 (1,2,3,4,5)");
    });

    it("removes servers beyond the size in one reconfig, then records the new membership", () => {
        box.modes({ "zk-dev-1": "follower", "zk-dev-2": "follower", "zk-dev-3": "follower", "zk-dev-4": "follower", "zk-dev-5": "leader" });
        box.members(lines([1, 2, 3, 4, 5]), "100000005");
        // Once server 5 has left, another member leads.
        const result = box.run(
            ready(3).replace('read_config "$all"\nfor id', `echo leader > "$SANDBOX/modes/zk-dev-1"\nread_config "$all"\nfor id`),
            3,
        );
        expect(result.status).toBe(0);
        expect(result.stdout).toContain("removing server(s) 4,5 from configuration version 100000005 (1,2,3,4,5)");
        expect(box.zkState("commands").match(/^reconfig .*/gm)).toEqual(["reconfig -remove 4,5"]);
        expect(box.zkState("members").trim().split("\n")).toEqual(lines([1, 2, 3]));
        expect(box.znode(DEPLOYMENT_RECORD_ZNODE)).toBe(`members=1,2,3;settings=${HASH}`);
        expect(result.passed).toBe(true);
    });

    it("waits for a server that still reports an older configuration, and fails naming it", () => {
        serving3();
        box.members(lines([1, 2, 3]), "100000003");
        box.versionOf("zk-dev-3", "100000002");
        const result = box.run(ready(), 2);
        expect(result.status).toBe(1);
        expect(result.stderr).toContain(
            "not every server reports configuration version 100000003 (1,2,3): zk-dev-3 reports configuration version 100000002 (1,2,3);",
        );
        expect(result.passed).toBe(false);
    });

    it("fails when a member does not serve", () => {
        box.modes({ "zk-dev-1": "follower", "zk-dev-2": "leader" });
        const result = box.run(ready(), 1);
        expect(result.status).toBe(1);
        expect(result.stderr).toContain("did not become ready within 1s");
        expect(result.stderr).toContain("zk-dev-3=down");
        expect(result.passed).toBe(false);
    });

    it("fails when two members claim to lead", () => {
        box.modes({ "zk-dev-1": "leader", "zk-dev-2": "leader", "zk-dev-3": "follower" });
        box.members(lines([1, 2, 3]), "1");
        const result = box.run(ready(), 1);
        expect(result.status).toBe(1);
        expect(result.stderr).toContain("did not serve with one leader within 1s");
        expect(result.passed).toBe(false);
    });

    it("expects a single server to lead a quorum of one: standalone does not pass", () => {
        box.modes({ "zk-dev-1": "leader" });
        box.members(lines([1]), "1");
        const result = box.run(ready(1), 2);
        expect(result.status).toBe(0);
        expect(result.passed).toBe(true);
        box.modes({ "zk-dev-1": "standalone" });
        const standalone = box.run(ready(1), 1);
        expect(standalone.status).toBe(1);
        expect(standalone.passed).toBe(false);
    });

    it("refuses an empty server list", () => {
        expect(() => renderReadyGateScript({ servers: [], settingsHash: HASH, timeoutSeconds: 10 })).toThrow(
            "servers: [] is not allowed: must list at least one server, each with an id and a host name",
        );
    });
});

describe("gate polling", () => {
    it("asks the servers again every half second, in both gates", () => {
        expect(GATE_POLL_SECONDS).toBe(0.5);
        const roll = renderRollGateScript({ target: member(1), timeoutSeconds: 10 });
        const ready = renderReadyGateScript({ servers: members(3), settingsHash: "0123456789ab", timeoutSeconds: 10 });
        for (const script of [roll, ready]) {
            expect(script).toContain("  sleep 0.5\n");
            expect(script).not.toContain("sleep 2");
        }
    });
});
