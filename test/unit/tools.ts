/** Runs promtool / amtool on rendered files; fails clearly when a tool is missing. */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

export interface ToolResult {
    status: number | null;
    output: string;
}

function findTool(name: string): string {
    for (const dir of (process.env.PATH ?? "").split(path.delimiter).concat(["/usr/bin", "/usr/local/bin"])) {
        const candidate = path.join(dir, name);
        if (dir && fs.existsSync(candidate)) {
            return candidate;
        }
    }
    throw new Error(
        `${name} is not installed; these tests need it to validate the rendered configuration ` +
            `(Debian/Ubuntu: apt-get install prometheus prometheus-alertmanager)`,
    );
}

/** Writes `files` (relative path → content) into a fresh temp dir and returns it. */
export function writeTree(files: Record<string, string>): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "zkpd-check-"));
    for (const [relative, content] of Object.entries(files)) {
        const file = path.join(dir, relative);
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, content);
    }
    return dir;
}

export function runTool(name: "promtool" | "amtool", args: string[], cwd: string): ToolResult {
    const result = spawnSync(findTool(name), args, { cwd, encoding: "utf8", timeout: 60000 });
    return { status: result.status, output: `${result.stdout}${result.stderr}` };
}
