/**
 * An outside program can install the packed package and use it: `npm pack`,
 * install the tarball into a fresh project, type-check a TypeScript consumer
 * against the shipped declarations and run it under Pulumi mocks.
 * Needs a built dist/ (`npm test` builds first).
 */
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { BAD_ARGUMENT_CASES } from "./badArguments.cases";
import { runBadArgumentsInProcess } from "./badArguments.runner";

const repo = path.resolve(__dirname, "..", "..");

const consumerSource = `
import * as pulumi from "@pulumi/pulumi";

const created: { type: string; name: string; inputs: any }[] = [];
pulumi.runtime.setMocks(
    {
        newResource: (args: pulumi.runtime.MockResourceArgs) => {
            created.push({ type: args.type, name: args.name, inputs: args.inputs });
            const state: any = { ...args.inputs };
            if (args.type === "docker:index/remoteImage:RemoteImage") state.imageId = "sha256:" + "0".repeat(64);
            if (args.type === "random:index/randomPassword:RandomPassword") state.result = "x".repeat(24);
            return { id: args.name + "-id", state };
        },
        call: (args: pulumi.runtime.MockCallArgs) => args.inputs,
    },
    "consumer",
    "test",
    false,
);

import { ClientAppService, MonitoringStack, ZooKeeperEnsemble, ZooKeeperEnsembleArgs } from "pulumi-zookeeper-docker";

const args: ZooKeeperEnsembleArgs = { image: "zookeeper:3.9.4", size: 5, clientHostPortBase: 40000 };
const ensemble = new ZooKeeperEnsemble("zk", args);
const app = new ClientAppService("app", { ensemble, image: "example/app:1" });
const monitoring = new MonitoringStack("mon", {
    ensembles: [ensemble],
    apps: [app],
    prometheusImage: "prom/prometheus:v2.53.0",
    alertmanagerImage: "prom/alertmanager:v0.27.0",
});

pulumi.all([ensemble.connectionString, ensemble.hostConnectionString, monitoring.prometheus.id, app.containers[0].id]).apply(
    ([connectionString, hostConnectionString]) => {
        setTimeout(() => {
            const servers = created.filter((r) => r.type === "docker:index/container:Container" && /^zk-\\d+-container$/.test(r.name));
            console.log(JSON.stringify({ connectionString, hostConnectionString, servers: servers.map((s) => s.inputs.name) }));
        }, 500);
    },
);
`;

describe("the packed package", () => {
    let work: string;

    beforeAll(() => {
        if (!fs.existsSync(path.join(repo, "dist", "index.js"))) {
            throw new Error("dist/index.js is missing: run `npm run build` (npm test does) before this test");
        }
        work = fs.mkdtempSync(path.join(os.tmpdir(), "zkpd-consumer-"));
    });

    afterAll(() => {
        if (work) {
            fs.rmSync(work, { recursive: true, force: true });
        }
    });

    it("installs into another project, type-checks and builds a 5-node ensemble there", () => {
        const packOutput = execFileSync("npm", ["pack", "--json", "--pack-destination", work], { cwd: repo, encoding: "utf8" });
        const [packed] = JSON.parse(packOutput) as { filename: string; files: { path: string }[] }[];
        const files = packed.files.map((f) => f.path);
        expect(files).toEqual(
            expect.arrayContaining([
                "dist/index.js",
                "dist/index.d.ts",
                "dist/components/zookeeper/zookeeperEnsemble.js",
                "dist/components/zookeeper/zookeeperEnsemble.d.ts",
                "package.json",
                // What a plugin source needs (`pulumi package add`): the manifest and the sources the schema is inferred from.
                "PulumiPlugin.yaml",
                "tsconfig.json",
                "index.ts",
                "components/zookeeper/zookeeperEnsemble.ts",
            ]),
        );
        // The manifest is at the package root only while npm packs: beside the stack project's Pulumi.yaml, Pulumi would refuse the repository.
        expect(fs.existsSync(path.join(repo, "PulumiPlugin.yaml"))).toBe(false);
        expect(fs.readFileSync(path.join(repo, "plugin", "PulumiPlugin.yaml"), "utf8")).toMatch(/^runtime: nodejs$/m);
        expect(
            files.filter((f) => f.startsWith("test/") || f.startsWith("stacks/") || f.startsWith("dist/stacks/") || f.startsWith("app/")),
        ).toEqual([]);

        const project = path.join(work, "consumer");
        fs.mkdirSync(project);
        fs.writeFileSync(path.join(project, "package.json"), JSON.stringify({ name: "consumer", version: "1.0.0", private: true }));
        const install = spawnSync(
            "npm",
            ["install", "--prefer-offline", "--no-audit", "--no-fund", "--ignore-scripts", path.join(work, packed.filename)],
            { cwd: project, encoding: "utf8", timeout: 600000 },
        );
        expect(install.stderr).not.toMatch(/ERR!/);
        expect(install.status).toBe(0);

        fs.writeFileSync(path.join(project, "index.ts"), consumerSource);
        fs.writeFileSync(
            path.join(project, "tsconfig.json"),
            JSON.stringify({
                compilerOptions: {
                    target: "ES2022",
                    module: "commonjs",
                    moduleResolution: "node10",
                    strict: true,
                    skipLibCheck: true,
                    esModuleInterop: true,
                    outDir: "out",
                    types: [],
                },
                files: ["index.ts"],
            }),
        );
        const tsc = spawnSync(process.execPath, [path.join(repo, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.json"], {
            cwd: project,
            encoding: "utf8",
        });
        expect(tsc.stdout + tsc.stderr).toBe("");
        expect(tsc.status).toBe(0);

        const run = spawnSync(process.execPath, ["out/index.js"], { cwd: project, encoding: "utf8", timeout: 120000 });
        expect(run.stderr).toBe("");
        const result = JSON.parse(run.stdout.trim().split("\n").pop()!);
        expect(result).toEqual({
            connectionString: "zk-test-1:2181,zk-test-2:2181,zk-test-3:2181,zk-test-4:2181,zk-test-5:2181",
            hostConnectionString: "127.0.0.1:40000,127.0.0.1:40001,127.0.0.1:40002,127.0.0.1:40003,127.0.0.1:40004",
            servers: ["zk-test-1", "zk-test-2", "zk-test-3", "zk-test-4", "zk-test-5"],
        });
    });

    it("refuses every bad argument of the table with its own message, from JavaScript, through the installed package", () => {
        const project = path.join(work, "consumer");
        const installed = path.join(project, "node_modules", "pulumi-zookeeper-docker");
        expect(fs.existsSync(path.join(installed, "package.json"))).toBe(true);
        const results = runBadArgumentsInProcess(installed, path.join(project, "node_modules", "@pulumi", "pulumi"));
        const got = results.map((r, i) => ({
            id: r.id,
            error: r.errorName,
            problems: r.problems,
            registered: BAD_ARGUMENT_CASES[i].kind === "plain" ? r.registered : 0,
        }));
        const want = BAD_ARGUMENT_CASES.map((c) => ({ id: c.id, error: "ComponentArgumentsError", problems: [c.expected], registered: 0 }));
        expect(got).toEqual(want);
    });
});
