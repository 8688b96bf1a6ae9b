/**
 * `npm run preview:comment -- <env> [options]`: runs `pulumi preview --json` of the stack `<env>`
 * with the policy pack, as a stream of engine events, and prints the pull-request comment
 * (Markdown) for it.
 *
 *   --cwd DIR           the Pulumi project (default: this repository)
 *   --policy-pack DIR   policy pack(s) to run (default: this repository's policy/)
 *   --input FILE        render a saved event stream instead of running a preview: the output of
 *                       `PULUMI_ENABLE_STREAMING_JSON_PREVIEW=true pulumi preview --json ...`
 *   --output FILE       write the comment there instead of to stdout
 *
 * The backend and passphrase come from the environment (PULUMI_BACKEND_URL,
 * PULUMI_CONFIG_PASSPHRASE[_FILE]), as for `pulumi` itself. Exit status: 0 when the preview
 * succeeded, 1 when it failed (a policy violation, an error) and the comment says so, 2 when
 * nothing could be rendered (bad arguments, no preview JSON).
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { parseArgs } from "util";
import { parse as parseYaml } from "yaml";
import { STREAMING_PREVIEW_ENV, parsePreviewEvents } from "./events";
import { renderPreviewComment } from "./render";
import { isBlocked, summarizePreview } from "./summarize";

const repoRoot = path.resolve(__dirname, "..");
const USAGE = "usage: npm run preview:comment -- <env> [--cwd DIR] [--policy-pack DIR]... [--input FILE] [--output FILE]";

class UsageError extends Error {}

interface Options {
    env: string;
    cwd: string;
    policyPacks: string[];
    input?: string;
    output?: string;
}

/** The stacks a project has: a `Pulumi.<stack>.yaml` in its stack config directory. */
function committedStacks(cwd: string): { dir: string; stacks: string[] } {
    const projectFile = path.join(cwd, "Pulumi.yaml");
    if (!fs.existsSync(projectFile)) {
        throw new UsageError(`--cwd: "${cwd}" is not allowed: it must be a Pulumi project directory (it has no Pulumi.yaml)`);
    }
    const project = (parseYaml(fs.readFileSync(projectFile, "utf8")) ?? {}) as { stackConfigDir?: string };
    const dir = path.join(cwd, project.stackConfigDir ?? ".");
    const stacks = fs
        .readdirSync(dir)
        .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
        .filter((s): s is string => s !== undefined)
        .sort();
    return { dir, stacks };
}

function existingFile(flag: string, file: string): string {
    if (!fs.existsSync(file) || !fs.statSync(file).isFile()) {
        throw new UsageError(`--${flag}: "${file}" is not allowed: it must be an existing file`);
    }
    return path.resolve(file);
}

export function parseOptions(argv: readonly string[]): Options {
    let parsed;
    try {
        parsed = parseArgs({
            args: [...argv],
            allowPositionals: true,
            strict: true,
            options: {
                cwd: { type: "string" },
                "policy-pack": { type: "string", multiple: true },
                input: { type: "string" },
                output: { type: "string" },
            },
        });
    } catch (err) {
        throw new UsageError(`${(err as Error).message.split("\n")[0]}\n${USAGE}`);
    }
    const { values, positionals } = parsed;
    if (positionals.length !== 1) {
        throw new UsageError(
            `<env>: ${positionals.length === 0 ? "missing" : `${JSON.stringify(positionals)} is not allowed`}: give exactly one environment\n${USAGE}`,
        );
    }
    const cwd = path.resolve(values.cwd ?? repoRoot);
    const env = positionals[0];
    const { dir, stacks } = committedStacks(cwd);
    if (!stacks.includes(env)) {
        throw new UsageError(
            `<env>: "${env}" is not allowed: use one of ${stacks.join(", ")} (the stacks with a Pulumi.<env>.yaml in ${path.relative(cwd, dir) || "."})`,
        );
    }
    for (const pack of values["policy-pack"] ?? []) {
        if (!fs.existsSync(path.join(pack, "PulumiPolicy.yaml"))) {
            throw new UsageError(
                `--policy-pack: "${pack}" is not allowed: it must be a policy pack directory (it has no PulumiPolicy.yaml)`,
            );
        }
    }
    return {
        env,
        cwd,
        policyPacks: (values["policy-pack"] ?? [path.join(repoRoot, "policy")]).map((p) => path.resolve(p)),
        input: values.input === undefined ? undefined : existingFile("input", values.input),
        output: values.output,
    };
}

/** Runs the preview; its event stream goes to stdout whether or not it succeeds. */
function runPreview(options: Options): Promise<{ exitCode: number; stdout: string; stderr: string }> {
    const args = [
        "preview",
        "--json",
        "--show-sames",
        "--show-replacement-steps",
        "--non-interactive",
        "--stack",
        options.env,
        "--cwd",
        options.cwd,
    ];
    args.push(...options.policyPacks.flatMap((p) => ["--policy-pack", p]));
    return new Promise((resolve, reject) => {
        const child = spawn("pulumi", args, {
            stdio: ["ignore", "pipe", "pipe"],
            env: { ...process.env, [STREAMING_PREVIEW_ENV]: "true" },
        });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (chunk) => (stdout += chunk));
        child.stderr.on("data", (chunk) => (stderr += chunk));
        child.on("error", (err) => reject(new Error(`could not run pulumi (${err.message}); run \`npm run toolchain\` first`)));
        child.on("close", (code) => resolve({ exitCode: code ?? 1, stdout, stderr }));
    });
}

/** The command: renders the comment and returns the exit status (see above); throws on bad arguments. */
export async function runPreviewComment(argv: readonly string[]): Promise<number> {
    const options = parseOptions(argv);
    let text: string;
    let previewFailed = false;
    if (options.input !== undefined) {
        text = fs.readFileSync(options.input, "utf8");
    } else {
        const run = await runPreview(options);
        previewFailed = run.exitCode !== 0;
        text = run.stdout;
        if (text.trim() === "") {
            throw new Error(`pulumi preview printed no events (exit ${run.exitCode}):\n${run.stderr.trim()}`);
        }
    }
    const events = parsePreviewEvents(text, options.input ?? "the output of pulumi preview --json");
    const summary = summarizePreview(events);
    const comment = renderPreviewComment(options.env, summary);
    if (options.output !== undefined) {
        fs.writeFileSync(options.output, comment);
    } else {
        process.stdout.write(comment);
    }
    return previewFailed || events.result === "failed" || summary.errors.length > 0 || isBlocked(summary) ? 1 : 0;
}

if (require.main === module) {
    runPreviewComment(process.argv.slice(2)).then(
        (code) => process.exit(code),
        (err: Error) => {
            process.stderr.write(`error: ${err.message}\n`);
            process.exit(2);
        },
    );
}
