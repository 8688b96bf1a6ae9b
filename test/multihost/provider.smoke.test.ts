/**
 * Before any swarm mode: what @pulumi/docker and our bridged provider plugin send to a swarm. On a
 * one-node swarm (scripts/multihost/setup.sh 1), a program creates a docker.Service with a
 * docker.ServiceConfig, a docker.Secret, an overlay network and a volume; `docker service inspect`
 * must hold every input as given, the task must see its files, a no-op preview must be empty, a new
 * config content must update the service in place, and destroy must leave nothing on the node.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Stack } from "@pulumi/pulumi/automation";
import { openFixtureStack, repoRoot, runToExit } from "../../testkit/harness";
import { setUpHosts, tearDownHosts } from "../../testkit/multihost";

const STACK = "mhsmoke";
const IMAGE = "zkpd.local/zookeeper:3.9.4";
const SOCKET = "unix:///run/zkmh-h1/docker.sock";

async function onNode(...args: string[]): Promise<string> {
    const r = await runToExit("docker", ["-H", SOCKET, ...args], { cwd: repoRoot, env: process.env, timeoutMs: 60000 });
    if (r.exitCode !== 0) throw new Error(`docker ${args.join(" ")}: ${r.output}`);
    return r.output.trim();
}

type Inputs = Record<string, any>;
let stack: Stack;
let inputs: Inputs;
let serviceId = "";

beforeAll(async () => {
    await setUpHosts(1, { ...process.env, MH_IMAGES: IMAGE });
    const base = fs.mkdtempSync(path.join(os.tmpdir(), "zk-mh-smoke-"));
    stack = await openFixtureStack(path.join(__dirname, "fixtures", "swarm-service"), STACK, base);
    await stack.setAllConfig({ host: { value: SOCKET }, image: { value: IMAGE } });
}, 600000);

afterAll(async () => {
    await stack?.destroy({ onOutput: () => undefined }).catch(() => undefined);
    expect(await tearDownHosts()).toContain("removed 1 hosts");
}, 600000);

test("docker service inspect holds every input the program gave", async () => {
    const up = await stack.up({ onOutput: () => undefined });
    inputs = up.outputs.inputs.value as Inputs;
    serviceId = up.outputs.serviceId.value as string;
    const [spec] = JSON.parse(await onNode("service", "inspect", inputs.name)) as Array<{ ID: string; Spec: any }>;
    expect(spec.ID).toBe(serviceId);
    const s = spec.Spec;
    const c = s.TaskTemplate.ContainerSpec;
    expect(s.Name).toBe(inputs.name);
    expect(s.Labels).toEqual(inputs.label);
    expect(c.Image.split("@")[0]).toBe(inputs.image);
    expect(c.Hostname).toBe(inputs.hostname);
    expect(c.User).toBe(inputs.user);
    expect(c.Command).toEqual(inputs.command);
    expect(c.Args).toEqual(inputs.args);
    expect([...c.Env].sort()).toEqual(
        Object.entries(inputs.env)
            .map(([k, v]) => `${k}=${v}`)
            .sort(),
    );
    expect(c.CapabilityDrop).toEqual(inputs.capDrops);
    expect(c.StopGracePeriod).toBe(20e9);
    expect(c.Configs).toEqual([
        expect.objectContaining({
            ConfigName: inputs.configName,
            File: { Name: inputs.configFile, UID: "1000", GID: "1000", Mode: 0o444 },
        }),
    ]);
    expect(c.Secrets).toEqual([
        expect.objectContaining({
            SecretName: inputs.secretName,
            File: { Name: inputs.secretFile, UID: "1000", GID: "1000", Mode: inputs.secretMode },
        }),
    ]);
    expect(c.Mounts).toEqual([expect.objectContaining({ Type: "volume", Source: inputs.volumeName, Target: inputs.volumeTarget })]);
    expect(c.Healthcheck).toEqual(expect.objectContaining({ Test: inputs.healthTests, Interval: 2e9, Timeout: 2e9, Retries: 3 }));
    expect(s.TaskTemplate.Resources.Limits).toEqual(
        expect.objectContaining({ MemoryBytes: inputs.memoryBytes, NanoCPUs: inputs.nanoCpus }),
    );
    expect(s.TaskTemplate.Placement.Constraints).toEqual([inputs.constraint]);
    const networkId = await onNode("network", "inspect", "-f", "{{.Id}}", inputs.networkName);
    expect(s.TaskTemplate.Networks).toEqual([expect.objectContaining({ Target: networkId, Aliases: [inputs.alias] })]);
    expect(s.Mode).toEqual({ Replicated: { Replicas: 1 } });
    expect(s.EndpointSpec.Mode).toBe("dnsrr");
    expect(s.EndpointSpec.Ports).toEqual([
        expect.objectContaining({
            Protocol: "tcp",
            TargetPort: inputs.targetPort,
            PublishedPort: inputs.publishedPort,
            PublishMode: "host",
        }),
    ]);
    expect(s.UpdateConfig).toEqual(expect.objectContaining({ Parallelism: 1, Order: "stop-first", FailureAction: "pause" }));
});

test("the task runs on the labelled node with its hostname, config and secret files", async () => {
    const task = await onNode("ps", "-q", "--filter", `label=com.docker.swarm.service.name=${inputs.name}`);
    expect(task.split("\n")).toHaveLength(1);
    expect(await onNode("exec", task, "hostname")).toBe("smoke-1");
    expect(await onNode("exec", task, "id", "-u")).toBe("1000");
    expect(await onNode("exec", task, "cat", inputs.configFile)).toBe("tickTime=2000");
    expect(await onNode("exec", task, "stat", "-c", "%a %u:%g", inputs.secretFile)).toBe("400 1000:1000");
    expect(await onNode("exec", task, "grep", "-c", "^CapBnd:\\s*0*$", "/proc/1/status")).toBe("1");
});

test("a no-op preview is empty; a new config content updates the service in place and drops the old config", async () => {
    const preview = await stack.preview({ expectNoChanges: true, diff: true });
    expect(preview.changeSummary).toEqual({ same: expect.any(Number) });
    await stack.setConfig("configText", { value: "tickTime=1000\n" });
    const up = await stack.up({ onOutput: () => undefined });
    expect(up.outputs.serviceId.value).toBe(serviceId);
    const configs = (await onNode("config", "ls", "--format", "{{.Name}}")).split("\n").filter(Boolean);
    expect(configs).toEqual([up.outputs.inputs.value.configName]);
    expect(configs[0]).not.toBe(inputs.configName);
    // Stop-first: the new task has replaced the old one once the update converged.
    const task = await onNode("ps", "-q", "--filter", `label=com.docker.swarm.service.name=${inputs.name}`);
    expect(await onNode("exec", task, "cat", inputs.configFile)).toBe("tickTime=1000");
});

test("destroy leaves nothing on the node", async () => {
    await stack.destroy({ onOutput: () => undefined });
    for (const kind of ["service", "config", "secret"]) {
        expect(await onNode(kind, "ls", "-q")).toBe("");
    }
    expect(await onNode("volume", "ls", "-q", "--filter", `name=smoke-${STACK}`)).toBe("");
    expect(await onNode("network", "ls", "-q", "--filter", `name=smoke-${STACK}`)).toBe("");
});
