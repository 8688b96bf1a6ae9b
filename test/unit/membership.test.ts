/**
 * The membership on the data volume: the seed step and the server's start script run for real
 * with bash in a GateSandbox (stub nc and zkCli.sh; a stub zkServer.sh records how it was started).
 */
import * as fs from "fs";
import { renderMemberLine } from "../../components/zookeeper/gateShell";
import {
    FIRST_CREATION_VERSION,
    JOINING_VERSION,
    NO_MEMBERSHIP_EXIT_CODE,
    renderSeedScript,
    renderServerStartScript,
} from "../../components/zookeeper/membership";
import { renderZooCfg } from "../../components/zookeeper/zooCfg";
import { GateSandbox, RENDER_TIMEOUT, lines, members } from "./gateSandbox";

let box: GateSandbox;
beforeEach(() => {
    box = new GateSandbox();
});
afterEach(() => box.remove());

const dynamicFiles = () =>
    fs.existsSync(box.at("data", "conf"))
        ? fs
              .readdirSync(box.at("data", "conf"))
              .filter((f) => f.startsWith("zoo.cfg.dynamic."))
              .sort()
        : [];
const read = (...p: string[]) => fs.readFileSync(box.at(...p), "utf8");

describe("renderSeedScript", () => {
    const seed = (id: number, size: number) =>
        renderSeedScript({ id, host: `zk-dev-${id}`, servers: members(size), timeoutSeconds: RENDER_TIMEOUT });

    it("writes every member at FIRST_CREATION_VERSION when no other member serves (a new ensemble)", () => {
        const result = box.run(seed(2, 3), 2);
        expect(result.status).toBe(0);
        expect(dynamicFiles()).toEqual([`zoo.cfg.dynamic.${FIRST_CREATION_VERSION}`]);
        expect(read("data", "conf", `zoo.cfg.dynamic.${FIRST_CREATION_VERSION}`).trim().split("\n")).toEqual(lines([1, 2, 3]));
        expect(box.zkState("commands")).toBe("");
        expect(result.passed).toBe(true);
    });

    it("writes the live members plus itself at JOINING_VERSION when it is new to a live ensemble", () => {
        box.modes({ "zk-dev-1": "leader", "zk-dev-2": "follower", "zk-dev-3": "follower" });
        box.members(lines([1, 2, 3]), "100000002");
        const result = box.run(seed(4, 5), 2);
        expect(result.status).toBe(0);
        expect(result.stdout).toContain("server 4 joins the live configuration version 100000002 (1,2,3)");
        expect(dynamicFiles()).toEqual([`zoo.cfg.dynamic.${JOINING_VERSION}`]);
        expect(read("data", "conf", `zoo.cfg.dynamic.${JOINING_VERSION}`).trim().split("\n")).toEqual(lines([1, 2, 3, 4]));
        // It asked the servers that serve, not the one that does not exist yet.
        expect(box.zkState("servers-asked")).not.toContain("zk-dev-5");
    });

    it("writes the live configuration as it is when it is already a member (a new volume, or static membership before 0.3)", () => {
        box.modes({ "zk-dev-2": "leader", "zk-dev-3": "follower" });
        box.members(lines([1, 2, 3]), "0");
        const result = box.run(seed(1, 3), 2);
        expect(result.status).toBe(0);
        expect(result.stdout).toContain("server 1 is a member of the live configuration version 0 (1,2,3)");
        expect(dynamicFiles()).toEqual(["zoo.cfg.dynamic.0"]);
        expect(read("data", "conf", "zoo.cfg.dynamic.0").trim().split("\n")).toEqual(lines([1, 2, 3]));
    });

    it("leaves a volume that has its membership alone", () => {
        fs.mkdirSync(box.at("data", "conf"));
        fs.writeFileSync(box.at("data", "conf", "zoo.cfg.dynamic.100000007"), lines([1, 2, 3, 4, 5]).join("\n") + "\n");
        box.modes({ "zk-dev-1": "leader" });
        const result = box.run(seed(2, 3), 2);
        expect(result.status).toBe(0);
        expect(result.stdout).toContain("the volume has its membership (zoo.cfg.dynamic.100000007)");
        expect(dynamicFiles()).toEqual(["zoo.cfg.dynamic.100000007"]);
        expect(box.zkState("commands")).toBe("");
    });

    it("fails without writing anything when the live ensemble never answers config", () => {
        box.modes({ "zk-dev-1": "leader" });
        const broken = seed(2, 3).replace('read_config "$serving"', 'read_config "nowhere:2181"');
        const result = box.run(broken, 1);
        expect(result.status).toBe(1);
        expect(result.stderr).toContain("no server of nowhere:2181 answered config");
        expect(dynamicFiles()).toEqual([]);
        expect(result.passed).toBe(false);
    });

    it("refuses a server that is not one of the members", () => {
        expect(() => renderSeedScript({ id: 4, host: "zk-dev-4", servers: members(3), timeoutSeconds: 10 })).toThrow(
            "server 4 (zk-dev-4) must be one of servers",
        );
    });
});

describe("renderServerStartScript", () => {
    beforeEach(() => {
        // zkServer.sh start-foreground <cfg>: records its arguments and the config it got, then exits.
        fs.writeFileSync(
            box.at("bin", "zkServer.sh"),
            '#!/bin/bash\necho "$@" > "$SANDBOX/started"\ncp "$2" "$SANDBOX/started-cfg"\n[ -n "${AFTER_START:-}" ] && eval "$AFTER_START"\nexit 0\n',
            { mode: 0o755 },
        );
        fs.writeFileSync(box.at("conf", "zoo.cfg.template"), renderZooCfg({ servers: members(3) }));
    });
    const start = (env: Record<string, string> = {}) =>
        box.run(renderServerStartScript(), undefined, { ZOO_MY_ID: "2", HOSTNAME: "zk-dev-2", ...env });
    const writeDynamic = (version: string, ids: number[]) => {
        fs.mkdirSync(box.at("data", "conf"), { recursive: true });
        fs.writeFileSync(box.at("data", "conf", `zoo.cfg.dynamic.${version}`), lines(ids).join("\n") + "\n");
    };

    it("starts on the newest dynamic file (by hex version), with the template's settings and myid", () => {
        writeDynamic("1", [1, 2, 3]);
        writeDynamic("ff", [1, 2, 3, 4]);
        writeDynamic("100000002", [1, 2, 3, 4, 5]);
        fs.writeFileSync(box.at("data", "conf", "zoo.cfg.dynamic.next"), "server.9=x:1:2:participant;3\n");
        const result = start();
        expect(result.status).toBe(0);
        const cfg = read("started-cfg");
        expect(cfg.split("\n")).toContain(`dynamicConfigFile=${box.at("data", "conf", "zoo.cfg.dynamic.100000002")}`);
        expect(cfg).toContain("reconfigEnabled=true");
        expect(cfg).not.toMatch(/^server\./m);
        expect(read("data", "myid")).toBe("2\n");
        expect(read("started")).toBe(`start-foreground ${box.at("data", "conf", "zoo.cfg")}\n`);
    });

    it("refuses to start without a membership file, with an exit code of its own", () => {
        const result = start();
        expect(result.status).toBe(NO_MEMBERSHIP_EXIT_CODE);
        expect(result.stderr).toContain("no membership file");
        expect(fs.existsSync(box.at("started"))).toBe(false);
    });

    it("marks its data when it stops no longer a member, and clears it before it starts again", () => {
        writeDynamic("100000003", [1, 2, 3]);
        fs.mkdirSync(box.at("data", "version-2"));
        fs.writeFileSync(box.at("data", "version-2", "snapshot.100000003"), "old data");
        fs.writeFileSync(box.at("datalog", "log.1"), "old log");
        // While it runs, a reconfig removes it: ZooKeeper writes the new file.
        const removed = start({
            AFTER_START: `printf '%s\\n' '${lines([1, 3]).join("' '")}' > ${box.at("data", "conf", "zoo.cfg.dynamic.100000009")}`,
        });
        expect(removed.status).toBe(0);
        expect(read("data", "removed-from-ensemble")).toBe("removed at config version 100000009\n");

        const again = start();
        expect(again.status).toBe(0);
        expect(again.stdout).toContain("removed at config version 100000009; clearing this server's data, it joins as a new server");
        expect(fs.existsSync(box.at("data", "version-2"))).toBe(false);
        expect(fs.readdirSync(box.at("datalog"))).toEqual([]);
        expect(fs.existsSync(box.at("data", "removed-from-ensemble"))).toBe(false);
        expect(dynamicFiles()).toEqual([`zoo.cfg.dynamic.${JOINING_VERSION}`]);
        expect(read("data", "conf", `zoo.cfg.dynamic.${JOINING_VERSION}`).trim().split("\n")).toEqual([
            ...lines([1, 3]),
            renderMemberLine(2, "zk-dev-2"),
        ]);
    });

    it("on SIGTERM kills the server with SIGKILL at once, then still marks its data", () => {
        writeDynamic("100000003", [1, 2, 3]);
        // The fake server ignores SIGTERM, is removed by a reconfig, and asks its wrapper to stop
        // (the wrapper is its parent). Only SIGKILL keeps it from finishing its sleep.
        const stopped = start({
            AFTER_START: [
                "trap '' TERM",
                `printf '%s\\n' '${lines([1, 3]).join("' '")}' > ${box.at("data", "conf", "zoo.cfg.dynamic.100000009")}`,
                "kill -TERM $PPID",
                "sleep 5 </dev/null >/dev/null 2>&1",
                'touch "$SANDBOX/finished"',
            ].join("; "),
        });
        expect(stopped.status).toBe(128 + 9);
        expect(fs.existsSync(box.at("finished"))).toBe(false);
        expect(read("data", "removed-from-ensemble")).toBe("removed at config version 100000009\n");
    });

    it("keeps the data of a member that stops while still a member", () => {
        writeDynamic("100000003", [1, 2, 3]);
        fs.mkdirSync(box.at("data", "version-2"));
        expect(start().status).toBe(0);
        expect(fs.existsSync(box.at("data", "removed-from-ensemble"))).toBe(false);
        expect(start().status).toBe(0);
        expect(fs.existsSync(box.at("data", "version-2"))).toBe(true);
    });
});
