/**
 * Bad component arguments (badArguments.cases.ts), passed the way a JavaScript caller would:
 * each gets its own specific problem line, a plain argument registers nothing, and an Input fails
 * the resource that uses it with the same format. package.test.ts runs the same table through the
 * packed package.
 */
import * as path from "path";
import { BAD_ARGUMENT_CASES, BadArgumentResult } from "./badArguments.cases";
import { runBadArgumentsInProcess } from "./badArguments.runner";

const repo = path.resolve(__dirname, "..", "..");
let results: BadArgumentResult[];

beforeAll(() => {
    // The built package (`npm test` builds first), as a JavaScript caller loads it.
    results = runBadArgumentsInProcess(path.join(repo, "dist", "index.js"), path.join(repo, "node_modules", "@pulumi", "pulumi"));
});

describe.each(BAD_ARGUMENT_CASES.map((c, i) => [c.id, i] as const))("%s", (_id, i) => {
    const c = BAD_ARGUMENT_CASES[i];
    it(`fails with its own message (${c.kind})`, () => {
        const r = results[i];
        expect(r.errorName).toBe("ComponentArgumentsError");
        expect(r.problems).toEqual([c.expected]);
    });
    if (c.kind === "plain") {
        it("registers nothing", () => {
            expect(results[i].registered).toBe(0);
        });
    }
});

test("a secret value never appears in a message", () => {
    for (const r of results) {
        expect((r.problems ?? []).join("\n")).not.toContain("hunter2");
    }
});
