/**
 * `npm run preview:comment` as the preview workflow runs it, against a suite's deployed stack, and
 * the comment read back the way a reviewer reads it: its sections and their table rows.
 */
import * as fs from "fs";
import * as path from "path";
import { Project, repoRoot, runToExit } from "../../testkit/harness";

export interface PreviewCommentRun {
    exitCode: number;
    comment: string;
    /** What the command printed besides the comment (errors go there). */
    output: string;
    seconds: number;
}

/** Runs the command for `env` of `project` (its backend and passphrase from the project's environment). */
export async function previewComment(project: Project, env: string, label: string): Promise<PreviewCommentRun> {
    const outputFile = path.join(path.dirname(project.workDir), `comment-${label}.md`);
    fs.rmSync(outputFile, { force: true });
    const started = Date.now();
    const run = await runToExit(
        "npm",
        ["run", "--silent", "preview:comment", "--", env, "--cwd", project.workDir, "--output", outputFile],
        {
            cwd: repoRoot,
            env: { ...process.env, ...project.envVars },
            timeoutMs: 5 * 60 * 1000,
        },
    );
    const seconds = (Date.now() - started) / 1000;
    if (!fs.existsSync(outputFile)) {
        throw new Error(`preview:comment wrote no comment (exit ${run.exitCode}):\n${run.output}`);
    }
    return { ...run, comment: fs.readFileSync(outputFile, "utf8"), seconds };
}

export interface CommentSection {
    /** The heading's text after `#### `, e.g. "ZooKeeperEnsemble `zk`: 7 to replace". */
    title: string;
    /** "changes" under a `| Resource |` table, "policy" under a `| Policy |` table, else "text". */
    kind: "changes" | "policy" | "text";
    /** Cells of each table row, inline-code backticks removed. */
    rows: string[][];
}

export function sectionsOf(comment: string): CommentSection[] {
    const sections: CommentSection[] = [];
    for (const line of comment.split("\n")) {
        const current = sections[sections.length - 1];
        if (line.startsWith("#### ")) {
            sections.push({ title: line.substring(5), kind: "text", rows: [] });
        } else if (current !== undefined && line.startsWith("| ") && !line.startsWith("| ---")) {
            const cells = line
                .slice(2, -2)
                .split(" | ")
                .map((c) => c.replace(/^`(.*)`$/, "$1"));
            if (cells[0] === "Resource" || cells[0] === "Policy") {
                current.kind = cells[0] === "Resource" ? "changes" : "policy";
            } else {
                current.rows.push(cells);
            }
        }
    }
    return sections;
}
