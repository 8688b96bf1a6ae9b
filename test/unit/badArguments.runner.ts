/**
 * Runs badArguments.cases.ts in a node process of its own against a built copy of the package (the
 * repository's dist/, or the packed package installed elsewhere). A bad Input fails resources
 * asynchronously, as unhandled rejections that the engine would report; a process of its own
 * collects them without a test runner treating them as its own failures.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as ts from "typescript";
import type { BadArgumentResult } from "./badArguments.cases";

/** Results of every case, run with `lib` and `@pulumi/pulumi` resolved from the given paths. */
export function runBadArgumentsInProcess(libPath: string, pulumiPath: string): BadArgumentResult[] {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "zkpd-badargs-"));
    try {
        const source = fs.readFileSync(path.join(__dirname, "badArguments.cases.ts"), "utf8");
        const { outputText } = ts.transpileModule(source, {
            compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
        });
        fs.writeFileSync(path.join(dir, "cases.js"), outputText);
        fs.writeFileSync(
            path.join(dir, "main.js"),
            [
                `const lib = require(${JSON.stringify(libPath)});`,
                `const pulumi = require(${JSON.stringify(pulumiPath)});`,
                `require("./cases.js").runBadArgumentCases(lib, pulumi).then((r) => {`,
                `    process.stdout.write("RESULTS " + JSON.stringify(r) + "\\n", () => process.exit(0));`,
                `}, (e) => { console.error(e); process.exit(1); });`,
            ].join("\n"),
        );
        const run = spawnSync(process.execPath, ["main.js"], { cwd: dir, encoding: "utf8", timeout: 300000, maxBuffer: 64 * 1024 * 1024 });
        const line = run.stdout.split("\n").find((l) => l.startsWith("RESULTS "));
        // The exit status is not looked at: the SDK's leak report on exit sets it for the Outputs
        // that failed on purpose.
        if (line === undefined) {
            throw new Error(`the bad-argument runner failed (status ${run.status}):\n${run.stderr}\n${run.stdout}`);
        }
        return JSON.parse(line.substring("RESULTS ".length)) as BadArgumentResult[];
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}
