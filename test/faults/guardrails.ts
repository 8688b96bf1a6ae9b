/**
 * Shared plumbing of the bad-input, security and policy suites: stack files for the suites' own
 * stacks (own names, own host ports in the 4xxxx range), an engine event recorder, and helpers
 * for runs that are expected to fail.
 */
import * as fs from "fs";
import * as path from "path";
import { EngineEvent, PolicyEvent } from "@pulumi/pulumi/automation";
import { stringify } from "yaml";
import { PROJECT, Project, repoRoot } from "../../testkit/harness";

/** The policy pack, as `pulumi preview --policy-pack` takes it. */
export const POLICY_PACK = path.join(repoRoot, "policy");

/** Config sections without the namespace, e.g. `{ zookeeper: { size: 1 } }`. */
export type StackSettings = Record<string, unknown>;

/** Writes `stacks/Pulumi.<stack>.yaml` into the project copy (never into the repository). */
export function writeStackFile(project: Project, stackName: string, settings: StackSettings): void {
    const config: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(settings)) {
        config[`${PROJECT}:${key}`] = value;
    }
    fs.writeFileSync(path.join(project.workDir, "stacks", `Pulumi.${stackName}.yaml`), stringify({ config }));
}

export function stackFilePath(project: Project, stackName: string): string {
    return path.join(project.workDir, "stacks", `Pulumi.${stackName}.yaml`);
}

/** A resource step the engine planned or performed: anything but `same`. */
export interface Step {
    op: string;
    type: string;
    name: string;
}

/** Everything a run said: engine events, stdout, and what stood out in them. */
export class Recorder {
    readonly events: EngineEvent[] = [];
    stdout = "";

    readonly onEvent = (event: EngineEvent): void => {
        this.events.push(event);
    };

    readonly onOutput = (text: string): void => {
        this.stdout += text;
    };

    /** Resource steps other than `same`, from both pre- and post-step events. */
    get steps(): Step[] {
        const steps: Step[] = [];
        for (const e of this.events) {
            const meta = e.resourcePreEvent?.metadata ?? e.resOutputsEvent?.metadata ?? e.resOpFailedEvent?.metadata;
            if (meta && meta.op !== "same") {
                const parts = meta.urn.split("::");
                steps.push({ op: meta.op, type: meta.type, name: parts[parts.length - 1] });
            }
        }
        return steps;
    }

    /** Change counts the engine reported at the end (empty when it stopped before a summary). */
    get changeSummary(): Record<string, number> {
        const summary = this.events.find((e) => e.summaryEvent)?.summaryEvent;
        return (summary?.resourceChanges as Record<string, number> | undefined) ?? {};
    }

    get policyEvents(): PolicyEvent[] {
        return this.events.flatMap((e) => (e.policyEvent ? [e.policyEvent] : []));
    }

    /**
     * Diagnostic messages a user sees (errors, warnings, infos, program output). Debug-level ones
     * are left out: the CLI shows them only with --debug or -v (see debugDiagnostics).
     */
    get diagnostics(): string[] {
        return this.events.flatMap((e) =>
            e.diagnosticEvent && (e.diagnosticEvent.severity as string) !== "debug" ? [e.diagnosticEvent.message] : [],
        );
    }

    /** Debug-level diagnostics, e.g. the Node.js SDK's log of every RegisterResource response. */
    get debugDiagnostics(): string[] {
        return this.events.flatMap((e) =>
            e.diagnosticEvent && (e.diagnosticEvent.severity as string) === "debug" ? [e.diagnosticEvent.message] : [],
        );
    }

    /** Every text this run produced: stdout, diagnostics and the serialized event stream. */
    allText(extra = ""): string {
        return [this.stdout, JSON.stringify(this.events), extra].join("\n");
    }
}

/** Runs something that must fail and returns its error text (for a CommandError: stdout and stderr). */
export async function failureOf(run: () => Promise<unknown>): Promise<string> {
    try {
        await run();
    } catch (err) {
        return err instanceof Error ? `${err.message}\n${(err as { stderr?: string }).stderr ?? ""}` : String(err);
    }
    throw new Error("expected the run to fail, but it succeeded");
}

/** Removes ANSI colour codes, so assertions can match what a terminal shows. */
export function plain(text: string): string {
    // eslint-disable-next-line no-control-regex
    return text.replace(/\u001b\[[0-9;]*m/g, "");
}
