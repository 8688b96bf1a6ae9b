/**
 * The package from another Pulumi language, for real: the packed tarball is extracted to a temporary
 * directory outside the repository, `pulumi package add` records it in a copy of examples/yaml/ (a
 * Pulumi YAML program, run by the YAML language host the toolchain builds), and `up` deploys a
 * 3-server ensemble and the client app with the local images. Then: one leader and two followers,
 * the app healthy, a quiet second preview, and `destroy` leaves nothing. Nothing is published on
 * the host.
 */
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";
import { LocalWorkspace, Stack } from "@pulumi/pulumi/automation";
import { parse } from "yaml";
import { backendEnv, countModes, docker, dockerNames, modeOf, packPackage, repoRoot, waitFor } from "../../testkit/harness";

const execFileAsync = promisify(execFile);
const STACK = "yamle2e";

let base: string;
let stack: Stack | undefined;

afterAll(async () => {
    if (stack) {
        await stack.destroy({ onOutput: () => undefined });
        await stack.workspace.removeStack(STACK);
    }
    fs.rmSync(base, { recursive: true, force: true });
});

test("a Pulumi YAML program deploys an ensemble and the app through `pulumi package add`, previews quietly and is destroyed", async () => {
    base = fs.mkdtempSync(path.join(os.tmpdir(), "zk-e2e-yaml-"));
    const workDir = path.join(base, "program");
    // Where examples/yaml/Pulumi.yaml expects the extracted package (README, "From other Pulumi languages").
    const packDir = path.join(workDir, "pkg");
    const stateDir = path.join(base, "state");
    fs.cpSync(path.join(repoRoot, "examples", "yaml"), workDir, { recursive: true, filter: (src) => !/\/(pkg|sdks)$/.test(src) });
    fs.mkdirSync(packDir);
    fs.mkdirSync(stateDir);
    const env = { ...process.env, ...backendEnv(STACK, stateDir) };

    await execFileAsync("tar", ["-xzf", await packPackage(packDir), "-C", packDir]);
    const packageDir = path.join(packDir, "package");

    const added = Date.now();
    await execFileAsync("pulumi", ["package", "add", "./pkg/package"], { cwd: workDir, env, maxBuffer: 64 * 1024 * 1024 });
    const addSeconds = (Date.now() - added) / 1000;
    const project = parse(fs.readFileSync(path.join(workDir, "Pulumi.yaml"), "utf8")) as { packages: Record<string, string> };
    expect(project.packages).toEqual({ "pulumi-zookeeper-docker": "./pkg/package" });
    expect(fs.existsSync(path.join(packageDir, "PulumiPlugin.yaml"))).toBe(true);
    expect(fs.readdirSync(path.join(workDir, "sdks"))).toEqual(["pulumi-zookeeper-docker"]);

    stack = await LocalWorkspace.createOrSelectStack({ stackName: STACK, workDir }, { envVars: backendEnv(STACK, stateDir) });
    await stack.setConfig("zkImage", { value: "zkpd.local/zookeeper:3.9.4" });
    await stack.setConfig("appImage", { value: "zkpd.local/zk-client-app:latest" });
    const started = Date.now();
    const up = await stack.up({ onOutput: () => undefined });
    const upSeconds = (Date.now() - started) / 1000;
    expect(up.summary.result).toBe("succeeded");
    expect(up.outputs.connectionString.value).toBe(`zk-${STACK}-1:2181,zk-${STACK}-2:2181,zk-${STACK}-3:2181`);

    const modes = await Promise.all(
        [1, 2, 3].map(
            async (id) => modeOf(await docker("exec", `zk-${STACK}-${id}`, "bash", "-c", "echo srvr | nc -q 1 localhost 2181")) ?? "down",
        ),
    );
    expect(countModes(modes)).toEqual({ leaders: 1, followers: 2 });
    const app = up.outputs.appContainer.value as string;
    await waitFor(`${app} to be healthy`, 60000, async () =>
        (await docker("inspect", "-f", "{{.State.Health.Status}}", app)) === "healthy" ? true : undefined,
    );
    // Nothing of the program is published on the host.
    expect(await docker("ps", "--filter", `name=${STACK}`, "--format", "{{.Ports}}")).not.toMatch(/->/);

    const previewStarted = Date.now();
    const preview = await stack.preview({ expectNoChanges: true, onOutput: () => undefined });
    const previewSeconds = (Date.now() - previewStarted) / 1000;
    expect(preview.changeSummary).toEqual(expect.not.objectContaining({ create: expect.anything(), update: expect.anything() }));

    await stack.destroy({ onOutput: () => undefined });
    expect(await dockerNames("container", `zk-${STACK}-`)).toEqual([]);
    expect(await dockerNames("container", `app-${STACK}-`)).toEqual([]);
    console.log(
        `yaml e2e: pulumi package add ${addSeconds.toFixed(1)} s, up ${upSeconds.toFixed(1)} s (${up.summary.resourceChanges?.create} created), ` +
            `quiet preview ${previewSeconds.toFixed(1)} s (${preview.changeSummary.same} unchanged)`,
    );
});
