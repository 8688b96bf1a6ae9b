/**
 * The toolchain end to end: the CLI built from Go modules, our Node.js language host and the docker
 * provider plugin bring a one-container program up and down with a file backend.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { LocalWorkspace } from "@pulumi/pulumi/automation";
import { docker, dockerNames, repoRoot } from "../../testkit/harness";

test("a one-container program goes up and down with the file backend", async () => {
    const base = fs.mkdtempSync(path.join(os.tmpdir(), "zk-e2e-smoke-"));
    const workDir = path.join(base, "project");
    fs.cpSync(path.join(__dirname, "fixtures", "one-container"), workDir, { recursive: true });
    fs.symlinkSync(path.join(repoRoot, "node_modules"), path.join(workDir, "node_modules"));
    fs.mkdirSync(path.join(base, "state"));
    const stack = await LocalWorkspace.createOrSelectStack(
        { stackName: "smoke", workDir },
        { envVars: { PULUMI_BACKEND_URL: `file://${path.join(base, "state")}`, PULUMI_CONFIG_PASSPHRASE: "smoke" } },
    );
    await stack.setConfig("image", { value: "zkpd.local/debian:bookworm" });

    const up = await stack.up();
    expect(up.outputs.containerName.value).toBe("one-container-smoke");
    expect(await docker("inspect", "-f", "{{.State.Running}}", "one-container-smoke")).toBe("true");

    const preview = await stack.preview({ expectNoChanges: true });
    expect(preview.changeSummary.same).toBe(3);

    await stack.destroy();
    expect(await dockerNames("container", "one-container-smoke")).toEqual([]);
    await stack.workspace.removeStack("smoke");
});
