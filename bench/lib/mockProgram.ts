/**
 * Runs the stack program under Pulumi mocks, in a process of its own (mocks replace the runtime's
 * monitor for the whole process). Two modes, answering JSON on stdout:
 *
 *   inspect <stack> <raw-config-json>   the containers the program would create, with the exact
 *                                       inputs (zoo.cfg, env, limits, health checks) - the hand-run
 *                                       and compose baselines are built from these, so they get the
 *                                       same settings by construction;
 *   construct <sizes-json> <reps> <raw-config-json>
 *                                       wall time of building the whole program at each size,
 *                                       from the call until every registration is answered.
 */
import * as pulumi from "@pulumi/pulumi";
import { DOCKER_CONTAINER, setupMocks } from "../../testkit/mocks";

async function settle(): Promise<void> {
    // Resolves once every outstanding RPC (registrations, outputs) has been answered.
    await (pulumi.runtime as any).waitForRPCs();
}

async function build(stack: string, raw: Record<string, unknown>) {
    const mocks = setupMocks(stack);
    // Imported after the mocks are installed, as Pulumi requires.

    const { parseStackConfig, resolvePlatformSettings } = require("../../stacks/config") as typeof import("../../stacks/config");

    const { deployPlatform } = require("../../stacks/program") as typeof import("../../stacks/program");
    // As stacks/index.ts does before it builds anything.

    (require("../../stacks/promiseStackTraces") as typeof import("../../stacks/promiseStackTraces")).keepSourceMapsForMessagesOnly();
    const started = process.hrtime.bigint();
    deployPlatform(resolvePlatformSettings(parseStackConfig(raw)));
    await settle();
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    return { mocks, ms };
}

async function main(): Promise<void> {
    const [mode, ...args] = process.argv.slice(2);
    if (mode === "inspect") {
        const [stack, rawJson] = args;
        const { mocks } = await build(stack, JSON.parse(rawJson));
        const containers = mocks.byType(DOCKER_CONTAINER).map((c) => ({
            resource: c.name,
            inputs: c.inputs,
        }));
        process.stdout.write(`\nBENCH_RESULT ${JSON.stringify({ containers })}\n`);
        return;
    }
    if (mode === "construct") {
        const [sizesJson, repsText, rawJson] = args;
        const sizes = JSON.parse(sizesJson) as number[];
        const reps = Number(repsText);
        const raw = JSON.parse(rawJson) as Record<string, any>;
        // One warm-up: module loading and JIT are not what grows with the ensemble.
        await build("warmup", raw);
        const out: Record<string, number[]> = {};
        for (let r = 0; r < reps; r++) {
            for (const size of sizes) {
                const sized = structuredClone(raw);
                sized.zookeeper.size = size;
                const { mocks, ms } = await build(`scale-${size}-${r}`, sized);
                (out[size] ??= []).push(ms);
                if (mocks.registrations.length === 0) {
                    throw new Error("nothing was registered");
                }
            }
        }
        process.stdout.write(`\nBENCH_RESULT ${JSON.stringify({ constructMs: out })}\n`);
        return;
    }
    throw new Error(`unknown mode ${mode}`);
}

main().catch((err) => {
    process.stderr.write(`${err?.stack ?? err}\n`);
    process.exit(1);
});
