/**
 * From a preview's steps to what a reviewer reads: each changed resource once, with its operation
 * and the properties that caused it, grouped under the component the program declared (the
 * outermost component resource above it). Component resources themselves are not rows: their
 * "update" only records new inputs and touches nothing. Pure.
 * @internal
 */
import { PolicyViolation, PreviewEvents, PreviewStep } from "./events";

export type Change = "create" | "update" | "replace" | "delete" | "read" | "import" | "refresh";

export interface ChangedResource {
    name: string;
    /** Type token as the engine gives it, e.g. `docker:index/container:Container`. */
    type: string;
    change: Change;
    /** For a replace: whether the old one goes first (a fixed container name forces that). */
    deleteFirst: boolean;
    /** Top-level properties behind the change (replace: the ones that force it). */
    properties: string[];
}

export interface ComponentGroup {
    /** `Type name` of the component, or undefined for resources outside any component. */
    component?: { type: string; name: string };
    resources: ChangedResource[];
}

export interface PolicyPackResult {
    name: string;
    version?: string;
    /** Policy names with no violation in this run. */
    passed: string[];
    violations: PolicyViolation[];
}

export interface PreviewSummary {
    groups: ComponentGroup[];
    /** Resources (not components) the preview leaves as they are, when the preview listed them. */
    unchanged: number;
    policyPacks: PolicyPackResult[];
    /** Error diagnostics: the preview failed when there is one. */
    errors: string[];
    warnings: string[];
}

const STACK_TYPE = "pulumi:pulumi:Stack";
/** The engine's own provider comes and goes with resource-reference lookups; it touches nothing. */
const IGNORED_TYPES = new Set(["pulumi:providers:pulumi"]);

const REPLACE_OPS = new Set(["replace", "create-replacement", "delete-replaced", "discard-replaced", "replaced"]);

export function nameOfUrn(urn: string): string {
    const parts = urn.split("::");
    return parts[parts.length - 1];
}

/** A resource's own type: the last segment of the URN's qualified type (`parent$child`). */
export function typeOfUrn(urn: string): string {
    const parts = urn.split("::");
    const qualified = parts.length >= 4 ? parts[2] : "";
    const segments = qualified.split("$");
    return segments[segments.length - 1];
}

interface Known {
    type: string;
    custom: boolean;
    parent?: string;
}

function knownResources(steps: readonly PreviewStep[]): Map<string, Known> {
    const known = new Map<string, Known>();
    for (const step of steps) {
        const state = step.new ?? step.old;
        // Custom resources and providers have a `custom: true` state; component resources do not.
        const custom = state ? state.custom === true : step.type.includes("/") || step.type.startsWith("pulumi:providers:");
        known.set(step.urn, { type: step.type, custom, parent: state?.parent || undefined });
    }
    return known;
}

/**
 * The outermost component above `urn` below the stack. A parent missing from the steps (a
 * saved stream that lost lines) ends the walk there, named from its URN.
 */
function owningComponent(urn: string, known: Map<string, Known>): { type: string; name: string } | undefined {
    let owner: string | undefined;
    let parent = known.get(urn)?.parent;
    const seen = new Set<string>();
    while (parent !== undefined && !seen.has(parent)) {
        seen.add(parent);
        const info = known.get(parent);
        const type = info?.type ?? typeOfUrn(parent);
        if (type === STACK_TYPE) {
            break;
        }
        if (!(info?.custom ?? false)) {
            owner = parent;
        }
        parent = info?.parent;
    }
    return owner === undefined ? undefined : { type: known.get(owner)?.type ?? typeOfUrn(owner), name: nameOfUrn(owner) };
}

function topLevel(properties: readonly string[]): string[] {
    return [...new Set(properties.map((p) => p.split(/[.[]/)[0]).filter((p) => p !== ""))].sort();
}

/** One row per URN from the engine's step(s) for it (a replace comes as up to three steps). */
function changeOf(steps: readonly PreviewStep[]): Omit<ChangedResource, "name" | "type"> | undefined {
    const ops = steps.map((s) => s.op);
    const reasons = (pick: (s: PreviewStep) => readonly string[] | null | undefined) => topLevel(steps.flatMap((s) => pick(s) ?? []));
    if (ops.some((op) => REPLACE_OPS.has(op))) {
        const deleteAt = ops.indexOf("delete-replaced");
        const createAt = ops.indexOf("create-replacement");
        const forcing = reasons((s) => s.keys);
        return {
            change: "replace",
            // The engine plans a delete-before-replace's deletion first, and otherwise after the create.
            deleteFirst: deleteAt !== -1 && createAt !== -1 && deleteAt < createAt,
            properties: forcing.length > 0 ? forcing : reasons((s) => s.diffs),
        };
    }
    for (const op of ["create", "delete", "update", "read", "import", "refresh"] as const) {
        if (ops.includes(op)) {
            return { change: op, deleteFirst: false, properties: op === "update" ? reasons((s) => s.diffs) : [] };
        }
    }
    return undefined;
}

/** A violation that fails the preview: mandatory and not covered by a policy exception. */
export function isBlocking(violation: PolicyViolation): boolean {
    return violation.enforcementLevel === "mandatory" && (violation.exceptions ?? []).length === 0;
}

/** Whether a mandatory policy blocks the previewed change. */
export function isBlocked(summary: Pick<PreviewSummary, "policyPacks">): boolean {
    return summary.policyPacks.some((p) => p.violations.some(isBlocking));
}

function policyResults(events: PreviewEvents): PolicyPackResult[] {
    const packs = new Map<string, PolicyPackResult & { failed: Set<string> }>();
    const packOf = (name: string, version?: string) => {
        const pack = packs.get(name) ?? { name, version, passed: [], violations: [], failed: new Set<string>() };
        packs.set(name, pack);
        return pack;
    };
    for (const summary of events.policySummaries) {
        const pack = packOf(summary.policyPackName, summary.policyPackVersion);
        pack.passed.push(...(summary.passed ?? []));
        (summary.failed ?? []).forEach((p) => pack.failed.add(p));
    }
    for (const violation of events.violations) {
        const pack = packOf(violation.policyPackName, violation.policyPackVersion);
        pack.violations.push(violation);
        pack.failed.add(violation.policyName);
    }
    return [...packs.values()]
        .map(({ failed, ...pack }) => ({ ...pack, passed: [...new Set(pack.passed)].filter((p) => !failed.has(p)).sort() }))
        .sort((a, b) => a.name.localeCompare(b.name));
}

export function summarizePreview(events: PreviewEvents): PreviewSummary {
    const steps = events.steps;
    const known = knownResources(steps);
    const byUrn = new Map<string, PreviewStep[]>();
    for (const step of steps) {
        byUrn.set(step.urn, [...(byUrn.get(step.urn) ?? []), step]);
    }
    const groups = new Map<string, ComponentGroup>();
    let unchanged = 0;
    for (const [urn, urnSteps] of byUrn) {
        const info = known.get(urn)!;
        if (info.type === STACK_TYPE || IGNORED_TYPES.has(info.type) || !info.custom) {
            continue;
        }
        const change = changeOf(urnSteps);
        if (change === undefined) {
            unchanged += 1;
            continue;
        }
        const component = owningComponent(urn, known);
        const key = component ? `${component.type}::${component.name}` : "";
        const group = groups.get(key) ?? { component, resources: [] };
        group.resources.push({ name: nameOfUrn(urn), type: info.type, ...change });
        groups.set(key, group);
    }
    const sorted = [...groups.entries()].sort(([a], [b]) => (a === "" ? 1 : b === "" ? -1 : a.localeCompare(b))).map(([, g]) => g);
    for (const group of sorted) {
        group.resources.sort((a, b) => a.name.localeCompare(b.name, "en", { numeric: true }));
    }
    const messages = (severity: string) =>
        events.diagnostics.filter((d) => d.severity === severity && d.message.trim() !== "").map((d) => d.message.trim());
    return { groups: sorted, unchanged, policyPacks: policyResults(events), errors: messages("error"), warnings: messages("warning") };
}
