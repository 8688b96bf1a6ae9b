/**
 * The toolchain end to end: the CLI built from Go modules, our Node.js language host and the docker
 * provider plugin bring a one-container program up and down with a file backend.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { docker, dockerNames, openFixtureStack } from "../../testkit/harness";

test("a one-container program goes up and down with the file backend", async () => {
    const stack = await openFixtureStack(
        path.join(__dirname, "fixtures", "one-container"),
        "smoke",
        fs.mkdtempSync(path.join(os.tmpdir(), "zk-e2e-smoke-")),
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
