/**
 * Stable URNs: every resource of each committed stack, under mocks, must keep the URN pinned in
 * golden/urns-<env>.json, or reach it through an alias the way the engine resolves them (its own
 * aliases, and those it inherits from its parents). A rename or a type-token change without aliases
 * would make `pulumi up` delete and recreate the resource; this test fails first.
 * `GOLDEN_RECORD=1` rewrites the pins (only on purpose).
 */
import * as fs from "fs";
import * as path from "path";
import { Registration, resolve, setupMocks } from "../../testkit/mocks";
import { ENVIRONMENTS, rawConfig } from "./stackFiles";
import { parseStackConfig, resolvePlatformSettings } from "../../stacks/config";
import { deployPlatform } from "../../stacks/program";

const GOLDEN_DIR = path.join(__dirname, "golden");
const RECORD = process.env.GOLDEN_RECORD === "1";

/**
 * Pinned URNs that are gone on purpose, matched on `<type>::<name>` (the type's last segment), with
 * why deleting them is harmless. Keep it short: each entry is a deleted resource on `up`.
 */
const REMOVED_ON_PURPOSE: readonly { pattern: RegExp; why: string }[] = Object.freeze([
    {
        // 0.2: one RemoteImage per distinct image. The servers' own image resources go; the
        // ensemble's (the gates' before) stays under an alias. keepLocally: the image stays on the host.
        pattern: /^docker:index\/remoteImage:RemoteImage::zk-\d+-image$/,
        why: "per-server RemoteImage replaced by the ensemble's one image (keepLocally, nothing removed from Docker)",
    },
]);

function removedOnPurpose(urn: string): boolean {
    return REMOVED_ON_PURPOSE.some((r) => r.pattern.test(pinKey(urn)));
}

/**
 * The URN the engine would give a resource of `type` and `name` under `parentUrn`: the parent's
 * own type (the last segment of its qualified type), `$`, the type.
 */
export function makeUrn(stackAndProject: string, parentUrn: string | undefined, type: string, name: string): string {
    const qualifiedType = parentUrn === undefined || parentUrn === "" ? type : `${parentUrn.split("::")[2].split("$").pop()}$${type}`;
    return `${stackAndProject}::${qualifiedType}::${name}`;
}

/** Every URN a registration answers to: its own, its aliases', and those inherited from its parents' aliases. */
export function candidateUrns(
    reg: Registration,
    byUrn: ReadonlyMap<string, Registration>,
    memo = new Map<string, Set<string>>(),
): Set<string> {
    const known = memo.get(reg.urn);
    if (known) {
        return known;
    }
    const stackAndProject = reg.urn.split("::").slice(0, 2).join("::");
    const parentCandidates = (parentUrn: string): (string | undefined)[] => {
        const parent = parentUrn === "" ? undefined : byUrn.get(parentUrn);
        return parent === undefined ? [parentUrn === "" ? undefined : parentUrn] : [...candidateUrns(parent, byUrn, memo)];
    };
    const out = new Set<string>();
    for (const p of parentCandidates(reg.parentUrn)) {
        out.add(makeUrn(stackAndProject, p, reg.type, reg.name));
    }
    for (const alias of reg.aliases) {
        if (alias.urn) {
            out.add(alias.urn);
            continue;
        }
        const parents = alias.noParent ? [undefined] : parentCandidates(alias.parentUrn ?? reg.parentUrn);
        for (const p of parents) {
            out.add(makeUrn(stackAndProject, p, alias.type ?? reg.type, alias.name ?? reg.name));
        }
    }
    memo.set(reg.urn, out);
    return out;
}

function pinKey(urn: string): string {
    const parts = urn.split("::");
    return `${parts[2].split("$").pop()}::${parts[3]}`;
}

describe.each(ENVIRONMENTS)("stack %s", (env) => {
    it("keeps every pinned URN, directly or through an alias", async () => {
        const mocks = setupMocks(env);
        const outputs = deployPlatform(resolvePlatformSettings(parseStackConfig(rawConfig(env))));
        await resolve(outputs.zookeeperConnectionString);
        await mocks.settle(50);
        await mocks.settle(300);
        const regs = mocks.registrations.filter((r) => r.urn !== "");
        expect(regs).toHaveLength(mocks.registrations.length);
        const file = path.join(GOLDEN_DIR, `urns-${env}.json`);
        if (RECORD) {
            fs.writeFileSync(file, `${JSON.stringify(regs.map((r) => r.urn).sort(), null, 2)}\n`);
        }
        const pinned = JSON.parse(fs.readFileSync(file, "utf8")) as string[];
        const byUrn = new Map(regs.map((r) => [r.urn, r]));
        const reachable = new Set(regs.flatMap((r) => [...candidateUrns(r, byUrn)]));
        const lost = pinned.filter((urn) => !reachable.has(urn) && !removedOnPurpose(urn));
        expect(lost).toEqual([]);
        // And nothing new appears unannounced: a resource that no pinned URN maps to is a create.
        const pinnedSet = new Set(pinned);
        const added = regs.filter((r) => ![...candidateUrns(r, byUrn)].some((u) => pinnedSet.has(u))).map((r) => r.urn);
        expect(added).toEqual([]);
    });
});

describe("candidateUrns", () => {
    const reg = (urn: string, parentUrn: string, aliases: Registration["aliases"] = []): Registration =>
        ({ urn, parentUrn, aliases, type: urn.split("::")[2].split("$").pop()!, name: urn.split("::")[3] }) as Registration;

    it("maps a child of a renamed parent type to its old URN through the parent's alias", () => {
        const parent = reg("urn:pulumi:s::p::new:index:E::zk", "", [{ type: "old:index:E" }]);
        const child = reg("urn:pulumi:s::p::new:index:E$docker:index/container:Container::zk-1", parent.urn);
        const byUrn = new Map([parent, child].map((r) => [r.urn, r]));
        expect([...candidateUrns(child, byUrn)].sort()).toEqual([
            "urn:pulumi:s::p::new:index:E$docker:index/container:Container::zk-1",
            "urn:pulumi:s::p::old:index:E$docker:index/container:Container::zk-1",
        ]);
    });

    it("does not map a renamed parent without an alias", () => {
        const parent = reg("urn:pulumi:s::p::new:index:E::zk", "");
        const child = reg("urn:pulumi:s::p::new:index:E$docker:index/container:Container::zk-1", parent.urn);
        const byUrn = new Map([parent, child].map((r) => [r.urn, r]));
        expect(candidateUrns(child, byUrn).has("urn:pulumi:s::p::old:index:E$docker:index/container:Container::zk-1")).toBe(false);
    });
});
