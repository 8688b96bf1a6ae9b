/**
 * How arguments are checked, for the components and the stack configuration alike: a zod schema
 * holds every range, default and cross-field rule; each field carries the text of what it allows;
 * and every problem is reported in one form, `<path>: <value> is not allowed: <what is allowed>`,
 * with secrets shown as `[secret]`. One error lists every problem at once.
 * @internal
 */
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { describeProblem, showValue } from "./problem";

/** Metadata a schema field carries: the sentence that says what it allows. */
interface AllowedMeta {
    allowed: string;
}

/** What zod says of a failed refinement that has no message of its own. */
const ZOD_DEFAULT_MESSAGE = "Invalid input";

/** `schema` that reports its problems as `text` (e.g. "must be an integer between 1 and 16"). */
export function allowing<T extends z.ZodType>(schema: T, text: string): T {
    return schema.meta({ allowed: text } satisfies AllowedMeta) as T;
}

/** The schema one level inside `schema` with its wrappers (optional, default, pipe...) removed. */
function innerOf(schema: z.ZodType): z.ZodType | undefined {
    const def = schema.def as unknown as { innerType?: z.ZodType; in?: z.ZodType };
    return def.innerType ?? def.in;
}

/** Every schema a field is made of, from the outermost wrapper inwards. */
export function layers(schema: z.ZodType | undefined): z.ZodType[] {
    const out: z.ZodType[] = [];
    for (let s = schema; s !== undefined; s = innerOf(s)) {
        out.push(s);
    }
    return out;
}

function allowedOf(schema: z.ZodType): string | undefined {
    for (const layer of layers(schema)) {
        const meta = z.globalRegistry.get(layer) as Partial<AllowedMeta> | undefined;
        if (meta?.allowed) {
            return meta.allowed;
        }
    }
    return undefined;
}

/** The object schema found by following `path` into `schema` (through wrappers), if any. */
export function objectAt(schema: z.ZodType, path: readonly PropertyKey[]): z.ZodObject | undefined {
    let current: z.ZodType | undefined = schema;
    for (const segment of path) {
        current = childOf(current, segment);
    }
    return layers(current).find((l): l is z.ZodObject => l instanceof z.ZodObject);
}

/** What the field at `path` allows: the text of the deepest field on the path that has one. */
export function allowedAt(schema: z.ZodType, path: readonly PropertyKey[]): string | undefined {
    let current: z.ZodType | undefined = schema;
    let found: string | undefined;
    for (const segment of path) {
        current = childOf(current, segment);
        if (current === undefined) {
            break;
        }
        found = allowedOf(current) ?? found;
    }
    return found;
}

/** The schema of `segment` inside `schema`: an object's field or an array's element. */
function childOf(schema: z.ZodType | undefined, segment: PropertyKey): z.ZodType | undefined {
    for (const layer of layers(schema)) {
        if (layer instanceof z.ZodObject && typeof segment === "string") {
            return layer.shape[segment] as z.ZodType | undefined;
        }
        if (layer instanceof z.ZodArray && typeof segment === "number") {
            return layer.element as z.ZodType;
        }
    }
    return undefined;
}

/** Options of collectProblems. */
export interface ProblemOptions {
    /** Paths (dot-joined) whose values are secret. */
    secretPaths?: readonly string[];
    /** Prepended to every path, e.g. `["zookeeper"]` for a stack config section. */
    pathPrefix?: readonly PropertyKey[];
    /** The raw value paths are looked up in; default the value checked. */
    rawRoot?: unknown;
}

/** Every problem zod finds in `raw`, described; empty when it is valid. */
export function problemsOf(schema: z.ZodType, raw: unknown, options: ProblemOptions = {}): string[] {
    const result = schema.safeParse(raw);
    return result.success ? [] : describeIssues(schema, result.error.issues, raw, options);
}

/** Describes zod issues in the common form. */
export function describeIssues(
    schema: z.ZodType,
    issues: readonly z.core.$ZodIssue[],
    raw: unknown,
    options: ProblemOptions = {},
): string[] {
    const prefix = options.pathPrefix ?? [];
    const root = options.rawRoot ?? raw;
    const secretPaths = options.secretPaths ?? [];
    const problems: string[] = [];
    for (const issue of issues) {
        const path = issue.path;
        if (issue.code === "unrecognized_keys") {
            const allowedKeys = Object.keys(objectAt(schema, path)?.shape ?? {}).join(", ");
            for (const key of issue.keys) {
                problems.push(
                    describeProblem([...prefix, ...path, key], root, `unknown key; allowed keys are ${allowedKeys}`, secretPaths),
                );
            }
            continue;
        }
        // A rule's own message (cross-field checks, map entries) says more than the field's text;
        // a bare refinement (zod's default message) does not.
        const ownMessage = issue.code === "custom" && issue.message !== ZOD_DEFAULT_MESSAGE;
        const rule = ownMessage ? issue.message : (allowedAt(schema, path) ?? issue.message);
        problems.push(describeProblem([...prefix, ...path], root, rule, secretPaths));
    }
    // A value can break several checks of one rule (e.g. 0 is out of range and even).
    return [...new Set(problems)];
}

/** Thrown when a component's arguments are invalid; `problems` has one line per problem. */
export class ComponentArgumentsError extends Error {
    constructor(
        readonly component: string,
        readonly resourceName: string,
        readonly problems: string[],
    ) {
        super(
            `${component} "${resourceName}": invalid arguments (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
                problems.map((p) => `  - ${p}`).join("\n"),
        );
        this.name = "ComponentArgumentsError";
    }
}

/**
 * Checks plain arguments before anything is registered and returns them with defaults filled in.
 * Throws one ComponentArgumentsError listing every problem.
 */
export function parseArgs<S extends z.ZodType>(
    component: string,
    resourceName: string,
    schema: S,
    args: unknown,
    secretPaths: readonly string[] = [],
): z.output<S> {
    if (args === null || typeof args !== "object") {
        throw new ComponentArgumentsError(component, resourceName, [
            `args: ${showValue(args)} is not allowed: must be an object of arguments`,
        ]);
    }
    const result = schema.safeParse(args);
    if (!result.success) {
        throw new ComponentArgumentsError(component, resourceName, describeIssues(schema, result.error.issues, args, { secretPaths }));
    }
    return result.data;
}

/**
 * An `Input` argument checked once its value is known: the returned Output fails (and with it the
 * resource that uses it) with the same message format as a plain argument.
 */
export function checkedInput<T>(
    component: string,
    resourceName: string,
    path: string,
    schema: z.ZodType<T>,
    input: pulumi.Input<T>,
    secret = false,
): pulumi.Output<T> {
    return pulumi.output(input).apply((value) => {
        const result = schema.safeParse(value);
        if (!result.success) {
            const rule = allowedOf(schema) ?? result.error.issues[0]?.message ?? "is invalid";
            throw new ComponentArgumentsError(component, resourceName, [
                describeProblem([path], { [path]: value }, rule, secret ? [path] : []),
            ]);
        }
        return result.data;
    });
}

/** A plain-data field that also accepts an Output: checked now when plain, later with checkedInput. */
export function inputOf<T extends z.ZodType>(plain: T): z.ZodType<pulumi.Input<z.output<T>>, pulumi.Input<z.input<T>>> {
    return z.custom<pulumi.Input<z.input<T>>>((v) => pulumi.Output.isInstance(v) || isPromise(v) || plain.safeParse(v).success, {
        error: allowedOf(plain),
    }) as unknown as z.ZodType<pulumi.Input<z.output<T>>, pulumi.Input<z.input<T>>>;
}

function isPromise(v: unknown): boolean {
    return v !== null && typeof v === "object" && typeof (v as { then?: unknown }).then === "function";
}
