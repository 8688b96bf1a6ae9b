/**
 * The engine events of `pulumi preview --json` with PULUMI_ENABLE_STREAMING_JSON_PREVIEW set:
 * one JSON event per line, the format of the CLI's `apitype.EngineEvent`. The stream is the
 * one output that carries steps, diagnostics and policy results together (the non-streaming
 * preview JSON drops policy events). Each line is read with zod, so a changed CLI format fails
 * with the line's number instead of rendering a wrong comment. Resource states are never read
 * beyond their type, parent and kind: the comment shows names, not values.
 * @internal
 */
import { z } from "zod";

/** Set in the CLI's environment to get the event stream from `pulumi preview --json`. */
export const STREAMING_PREVIEW_ENV = "PULUMI_ENABLE_STREAMING_JSON_PREVIEW";

const stateSchema = z.looseObject({
    type: z.string(),
    custom: z.boolean().optional(),
    parent: z.string().optional(),
});

const stepSchema = z.looseObject({
    op: z.string(),
    urn: z.string(),
    type: z.string(),
    old: stateSchema.nullish(),
    new: stateSchema.nullish(),
    /** Properties that force a replacement. */
    keys: z.array(z.string()).nullish(),
    /** Properties that changed. */
    diffs: z.array(z.string()).nullish(),
});

const diagnosticSchema = z.looseObject({
    urn: z.string().optional(),
    message: z.string(),
    severity: z.string(),
});

const policyEventSchema = z.looseObject({
    resourceUrn: z.string().optional(),
    message: z.string(),
    policyName: z.string(),
    policyPackName: z.string(),
    policyPackVersion: z.string().optional(),
    enforcementLevel: z.string(),
    /** An excepted violation does not fail the preview, whatever its level. */
    exceptions: z.array(z.unknown()).nullish(),
});

const policySummarySchema = z.looseObject({
    policyPackName: z.string(),
    policyPackVersion: z.string().optional(),
    passed: z.array(z.string()).nullish(),
    failed: z.array(z.string()).nullish(),
});

const eventSchema = z.looseObject({
    sequence: z.number(),
    resourcePreEvent: z.looseObject({ metadata: stepSchema }).optional(),
    diagnosticEvent: diagnosticSchema.optional(),
    errorEvent: z.looseObject({ error: z.string() }).optional(),
    policyEvent: policyEventSchema.optional(),
    policyAnalyzeSummaryEvent: policySummarySchema.optional(),
    policyAnalyzeStackSummaryEvent: policySummarySchema.optional(),
    summaryEvent: z.looseObject({ result: z.string().optional() }).optional(),
});

export type PreviewStep = z.infer<typeof stepSchema>;
export type PreviewDiagnostic = z.infer<typeof diagnosticSchema>;
export type PolicyViolation = z.infer<typeof policyEventSchema>;
export type PolicySummary = z.infer<typeof policySummarySchema>;

/** What one preview planned and reported, in the engine's order. */
export interface PreviewEvents {
    steps: PreviewStep[];
    diagnostics: PreviewDiagnostic[];
    violations: PolicyViolation[];
    policySummaries: PolicySummary[];
    /** The summary event's result ("succeeded", "failed"); undefined when the stream ended early. */
    result?: string;
}

function firstIssue(error: z.ZodError): string {
    const issue = error.issues[0];
    return `${issue.path.length > 0 ? issue.path.join(".") : "(top level)"}: ${issue.message}`;
}

/** Parses a preview's event stream; `source` names it in errors. */
export function parsePreviewEvents(text: string, source: string): PreviewEvents {
    const events: PreviewEvents = { steps: [], diagnostics: [], violations: [], policySummaries: [] };
    const lines = text.split("\n");
    lines.forEach((line, index) => {
        if (line.trim() === "") {
            return;
        }
        let raw: unknown;
        try {
            raw = JSON.parse(line);
        } catch (err) {
            throw new Error(
                `${source} line ${index + 1} is not an engine event of \`pulumi preview --json\` with ${STREAMING_PREVIEW_ENV} (${(err as Error).message}): ${line.substring(0, 120)}`,
            );
        }
        const result = eventSchema.safeParse(raw);
        if (!result.success) {
            throw new Error(`${source} line ${index + 1} is not an engine event: ${firstIssue(result.error)}`);
        }
        const event = result.data;
        if (event.resourcePreEvent) {
            events.steps.push(event.resourcePreEvent.metadata);
        }
        if (event.diagnosticEvent) {
            events.diagnostics.push(event.diagnosticEvent);
        }
        if (event.errorEvent) {
            events.diagnostics.push({ message: event.errorEvent.error, severity: "error" });
        }
        if (event.policyEvent) {
            events.violations.push(event.policyEvent);
        }
        for (const summary of [event.policyAnalyzeSummaryEvent, event.policyAnalyzeStackSummaryEvent]) {
            if (summary) {
                events.policySummaries.push(summary);
            }
        }
        if (event.summaryEvent) {
            events.result = event.summaryEvent.result ?? "unknown";
        }
    });
    if (events.steps.length === 0 && events.result === undefined && events.diagnostics.every((d) => d.severity !== "error")) {
        throw new Error(
            `${source} holds no preview: no resource step, no summary and no error among its ${lines.filter((l) => l.trim()).length} line(s)`,
        );
    }
    return events;
}
