/** The pre-flight check runs for real with bash in a GateSandbox (stub nc and zkCli.sh). */
import { DEPLOYMENT_RECORD_ZNODE, renderMemberLine } from "../../components/zookeeper/gateShell";
import { PREFLIGHT_REFUSALS, renderPreflightScript } from "../../components/zookeeper/preflight";
import { GateSandbox, RENDER_TIMEOUT, lines, members } from "./gateSandbox";

const HASH = "0123456789ab";
const preflight = (size: number, settingsHash = HASH) =>
    renderPreflightScript({ servers: members(size), namePrefix: "zk-dev", settingsHash, timeoutSeconds: RENDER_TIMEOUT });

let box: GateSandbox;
beforeEach(() => {
    box = new GateSandbox();
});
afterEach(() => box.remove());

/** A live ensemble of servers 1..n, all serving, at `version`, with a record of `recorded` ids. */
function live(n: number, version: string, recorded?: number[], recordedHash = HASH): void {
    box.modes(Object.fromEntries(members(n).map((m) => [m.host, m.id === 1 ? "leader" : "follower"])));
    box.members(lines(members(n).map((m) => m.id)), version);
    if (recorded) {
        box.znodeData = { path: DEPLOYMENT_RECORD_ZNODE, data: `members=${recorded.join(",")};settings=${recordedHash}` };
    }
}

describe("renderPreflightScript", () => {
    it("passes at once when no member serves (a new ensemble)", () => {
        const result = box.run(preflight(3), 2);
        expect(result.status).toBe(0);
        expect(result.stdout).toContain("no member serves");
        expect(box.zkState("commands")).toBe("");
    });

    it("passes when the live membership is the wanted one (a roll, or nothing to do)", () => {
        live(3, "1");
        const result = box.run(preflight(3, "ffffffffffff"), 2);
        expect(result.status).toBe(0);
        expect(result.stdout).toContain(
            "the live membership is the one this update keeps (version 1: server.1=zk-dev-1 server.2=zk-dev-2 server.3=zk-dev-3)",
        );
    });

    it("passes a size change from the recorded membership when every member serves", () => {
        live(3, "100000003", [1, 2, 3]);
        const result = box.run(preflight(5), 2);
        expect(result.status).toBe(0);
        expect(result.stdout).toContain("resizing from 1,2,3 (committed: 1,2,3) to 1,2,3,4,5");
        expect(result.passed).toBe(true);
    });

    it("passes a resumed size change: the live membership is on the way from the record to the size", () => {
        live(4, "100000004", [1, 2, 3]);
        expect(box.run(preflight(5), 2).status).toBe(0);
        live(4, "100000006", [1, 2, 3, 4, 5]);
        expect(box.run(preflight(3), 2).status).toBe(0);
    });

    it("refuses a size change together with other server settings", () => {
        live(3, "100000003", [1, 2, 3], "aaaaaaaaaaaa");
        const result = box.run(preflight(5), 2);
        expect(result.status).toBe(1);
        expect(result.stderr).toContain(
            `refused: ${PREFLIGHT_REFUSALS.settingsToo}: this update changes the size (1,2,3 -> 1,2,3,4,5) and other server settings together`,
        );
        expect(result.passed).toBe(false);
    });

    it("refuses a size change when a live member does not serve, showing the live member list", () => {
        live(3, "100000003", [1, 2, 3]);
        box.modes({ "zk-dev-3": "not serving" });
        const result = box.run(preflight(5), 2);
        expect(result.status).toBe(1);
        expect(result.stderr).toContain(`member 3 (zk-dev-3) ${PREFLIGHT_REFUSALS.notServing} (mode: not serving)`);
        expect(result.stderr).toContain("Live membership version 100000003: server.1=zk-dev-1 server.2=zk-dev-2 server.3=zk-dev-3");
    });

    it("refuses when the live membership differs from the record and is not on the way to the size", () => {
        live(3, "100000009", [1, 2, 3, 4, 5]);
        const result = box.run(preflight(7), 2);
        expect(result.status).toBe(1);
        expect(result.stderr).toContain(`the live membership (1,2,3) ${PREFLIGHT_REFUSALS.diverged} (1,2,3,4,5)`);
    });

    it("refuses a member it did not add, and a size change without a record", () => {
        live(3, "100000003", [1, 2, 3]);
        box.members([...lines([1, 2]), renderMemberLine(3, "intruder")], "100000003");
        box.modes({ intruder: "follower" });
        const foreign = box.run(preflight(5), 2);
        expect(foreign.stderr).toContain(`member 3 (intruder) ${PREFLIGHT_REFUSALS.foreign}`);
        const fresh = new GateSandbox();
        try {
            box.remove();
            box = fresh;
            live(3, "0");
            const noRecord = box.run(preflight(5), 2);
            expect(noRecord.status).toBe(1);
            expect(noRecord.stderr).toContain(`refused: ${PREFLIGHT_REFUSALS.noRecord}`);
        } finally {
            box = fresh;
        }
    });
});
