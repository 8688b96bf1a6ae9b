/**
 * examples/typescript/, tried as a user would: copied to a temporary directory outside the
 * repository, the packed package installed there from its tarball, then `pulumi preview` against
 * the local Docker daemon with the package's policy pack. The preview plans exactly the ensemble's
 * resources plus the example's own container, and no policy is violated.
 */
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";
import { EngineEvent, LocalWorkspace } from "@pulumi/pulumi/automation";
import { backendEnv, packPackage, repoRoot } from "../../testkit/harness";

const execFileAsync = promisify(execFile);
const STACK = "examplets";

/**
 * What the example creates: the stack; the ensemble component, its network, image, superuser
 * password and pre-flight check; per server (3) its component, two volumes, seed step and container;
 * two roll gates and the ready gate; and the example's own container.
 */
const EXPECTED_CREATES = 1 + 5 + 3 * 5 + 2 + 1 + 1;

let base: string;

afterAll(() => {
    fs.rmSync(base, { recursive: true, force: true });
});

test("the TypeScript example installs the packed package and previews under the policy pack", async () => {
    base = fs.mkdtempSync(path.join(os.tmpdir(), "zk-e2e-example-ts-"));
    const workDir = path.join(base, "program");
    const stateDir = path.join(base, "state");
    fs.cpSync(path.join(repoRoot, "examples", "typescript"), workDir, { recursive: true, filter: (src) => !src.endsWith("node_modules") });
    fs.mkdirSync(stateDir);

    await execFileAsync("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", await packPackage(base)], {
        cwd: workDir,
        maxBuffer: 64 * 1024 * 1024,
    });
    const installed = JSON.parse(fs.readFileSync(path.join(workDir, "node_modules", "pulumi-zookeeper-docker", "package.json"), "utf8"));
    expect(installed.version).toBe(JSON.parse(fs.readFileSync(path.join(repoRoot, "package.json"), "utf8")).version);

    const stack = await LocalWorkspace.createOrSelectStack({ stackName: STACK, workDir }, { envVars: backendEnv(STACK, stateDir) });
    await stack.setConfig("zkImage", { value: "zkpd.local/zookeeper:3.9.4" });
    const policyEvents: string[] = [];
    const onEvent = (e: EngineEvent) => {
        if (e.policyEvent) {
            policyEvents.push(`${e.policyEvent.policyName}: ${e.policyEvent.message}`);
        }
    };
    let output = "";
    const preview = await stack.preview({ policyPacks: [path.join(repoRoot, "policy")], onEvent, onOutput: (t) => void (output += t) });
    expect(policyEvents).toEqual([]);
    // The pack ran: the engine names it in the preview's output.
    expect(output).toContain("zookeeper-docker-guardrails");
    expect(preview.changeSummary).toEqual({ create: EXPECTED_CREATES });
    console.log(`typescript example: preview plans ${preview.changeSummary.create} creates, policy pack passed`);
    await stack.workspace.removeStack(STACK);
});
