/**
 * One problem line, in the form every error of this package uses:
 * `<path>: <value> is not allowed: <rule>`, with the value shown faithfully but briefly and every
 * secret shown as SECRET_SHOWN_AS.
 * @internal
 */
import * as pulumi from "@pulumi/pulumi";

/** Shown instead of a secret value. */
export const SECRET_SHOWN_AS = "[secret]";

function valueAt(raw: unknown, path: readonly PropertyKey[]): unknown {
    let current: unknown = raw;
    for (const segment of path) {
        if (current === null || typeof current !== "object") {
            return undefined;
        }
        current = (current as Record<PropertyKey, unknown>)[segment];
    }
    return current;
}

/** A value as an error shows it: JSON where that is faithful, short, never a whole resource. */
export function showValue(value: unknown): string {
    if (value === undefined) {
        return "(unset)";
    }
    if (typeof value === "number" && !Number.isFinite(value)) {
        return String(value);
    }
    if (pulumi.Output.isInstance(value)) {
        return "(an Output)";
    }
    if (pulumi.Resource.isInstance(value)) {
        return "(a resource)";
    }
    let text: string;
    try {
        text = JSON.stringify(value) ?? String(value);
    } catch {
        text = String(value);
    }
    return text.length > 80 ? `${text.substring(0, 77)}...` : text;
}

/** Whether `keyPath` is a secret path or lies inside one. */
function isSecretPath(keyPath: string, secretPaths: readonly string[]): boolean {
    return secretPaths.some((s) => keyPath === s || keyPath.startsWith(`${s}.`));
}

/** `value` with every secret inside it replaced by SECRET_SHOWN_AS. */
function redact(value: unknown, keyPath: string, secretPaths: readonly string[]): unknown {
    if (value !== undefined && isSecretPath(keyPath, secretPaths)) {
        return SECRET_SHOWN_AS;
    }
    if (value === null || typeof value !== "object" || pulumi.Output.isInstance(value) || pulumi.Resource.isInstance(value)) {
        return value;
    }
    const out: Record<string, unknown> = Array.isArray(value) ? ([] as unknown as Record<string, unknown>) : {};
    for (const [k, v] of Object.entries(value)) {
        out[k] = redact(v, keyPath === "" ? k : `${keyPath}.${k}`, secretPaths);
    }
    return out;
}

/** One problem: `<path>: <value> is not allowed: <rule>`, the value taken from `raw` and redacted. */
export function describeProblem(path: readonly PropertyKey[], raw: unknown, rule: string, secretPaths: readonly string[] = []): string {
    const keyPath = path.map(String).join(".");
    const value = redact(valueAt(raw, path), keyPath, secretPaths);
    const shown = value === SECRET_SHOWN_AS ? SECRET_SHOWN_AS : showValue(value);
    return `${keyPath}: ${shown} is not allowed: ${rule}`;
}
