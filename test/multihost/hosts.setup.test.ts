/**
 * scripts/multihost/setup.sh and teardown.sh over what an earlier run left: a data root whose
 * record went with /run (a reboot), and a swarm a killed run left mid-fault (a daemon stopped, a
 * host cut off). A CI run once failed because setup acted on such a swarm before it had settled.
 */
import * as fs from "fs";
import { execFileSync } from "child_process";
import { hostFault, onHost, runScript, setUpHosts, swarmSettled, tearDownHosts } from "../../testkit/multihost";

// One small image is enough: these tests start no service.
const ENV = { ...process.env, MH_IMAGES: "zkpd.local/alertmanager:latest" };

function ourNamespaces(): string[] {
    return execFileSync("ip", ["netns", "list"], { encoding: "utf8" })
        .split("\n")
        .map((line) => line.split(" ")[0])
        .filter((name) => name.startsWith("zkmh-"));
}

beforeAll(async () => {
    await tearDownHosts();
}, 300000);

afterAll(async () => {
    await tearDownHosts();
}, 300000);

test("setup.sh refuses a host's data root left without a record, creating nothing; teardown.sh finds and removes it", async () => {
    const staleRoot = "/var/lib/zkmh-h2-docker";
    fs.mkdirSync(`${staleRoot}/swarm`, { recursive: true });

    const setup = await runScript("setup.sh", ["1"], 120000, ENV);
    expect(setup.exitCode).toBe(1);
    expect(setup.output).toContain(`left by an earlier run whose record is gone: ${staleRoot}`);
    expect(setup.output).toContain("run scripts/multihost/teardown.sh first");
    expect(ourNamespaces()).toEqual([]);
    expect(execFileSync("ip", ["route", "show", "10.213.0.0/16"], { encoding: "utf8" }).trim()).toBe("");

    const teardown = await runScript("teardown.sh", [], 120000);
    expect(teardown.output).toContain("removed 2 hosts");
    expect(teardown.exitCode).toBe(0);
    expect(fs.existsSync(staleRoot)).toBe(false);
}, 300000);

test("setup.sh run again over a swarm left with h1's dockerd stopped and h3 cut off makes it whole and keeps its objects", async () => {
    const hosts = await setUpHosts(3, ENV);
    await onHost(hosts[0], "network", "create", "--driver", "overlay", "zkmh-kept");
    await hostFault("stop", hosts[0]);
    await hostFault("cut", hosts[2]);

    const again = await runScript("setup.sh", ["3"], 600000, ENV);
    expect(again.output).toContain("3 hosts ready");
    expect(again.exitCode).toBe(0);
    // The healed h3 may still call an election after setup saw the swarm whole.
    await swarmSettled(hosts[1], 3);

    const nodes = (await onHost(hosts[1], "node", "ls", "--format", "{{.Hostname}} {{.Status}} {{.ManagerStatus}}")).split("\n").sort();
    expect(nodes.map((n) => n.replace(/ (Leader|Reachable)$/, " manager"))).toEqual([
        "zkmh-h1 Ready manager",
        "zkmh-h2 Ready manager",
        "zkmh-h3 Ready manager",
    ]);
    expect(nodes.filter((n) => n.endsWith(" Leader"))).toHaveLength(1);
    for (const host of hosts) {
        expect(await onHost(host, "node", "inspect", "self", "--format", '{{index .Spec.Labels "zookeeper-docker.host"}}')).toBe(
            host.label,
        );
    }
    expect(await onHost(hosts[2], "network", "ls", "--filter", "name=zkmh-kept", "--format", "{{.Name}} {{.Driver}}")).toBe(
        "zkmh-kept overlay",
    );
}, 900000);
