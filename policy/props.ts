/**
 * Reading a resource's properties as the policy SDK hands them over: some values are unknown during
 * `pulumi preview`, and the SDK throws when one is read. These helpers turn that into `undefined`
 * so that one unknown element does not hide the others.
 */

export type Props = Record<string, any>;

/**
 * Reads a value that may be unknown during preview. The policy SDK signals an unknown value by
 * throwing its UnknownValueError; anything else is a real error and is rethrown.
 */
export function known<T>(read: () => T): T | undefined {
    try {
        return read();
    } catch (err) {
        if (err instanceof Error && err.constructor.name === "UnknownValueError") {
            return undefined;
        }
        throw err;
    }
}

/** The elements of a list property that are known; an unknown list yields none. */
export function knownElements(read: () => unknown): unknown[] {
    const list = known(read);
    if (!Array.isArray(list)) {
        return [];
    }
    const out: unknown[] = [];
    for (let i = 0; i < list.length; i++) {
        const element = known(() => list[i]);
        if (element !== undefined) {
            out.push(element);
        }
    }
    return out;
}

export function field(obj: unknown, key: string): unknown {
    return known(() => (obj as Props)[key]);
}

/**
 * A property that must be set: `missing` when it is absent, nothing to check when its value is not
 * known yet (preview), else the value.
 */
export function required(props: Props, key: string, missing: string): { problems: string[] } | { value: unknown } {
    if (!(key in props)) {
        return { problems: [missing] };
    }
    const value = known(() => props[key]);
    return value === undefined ? { problems: [] } : { value };
}

/** The value of one label in the provider's list form `[{label, value}]`. */
export function labelValue(props: Props, key: string): string | undefined {
    for (const entry of knownElements(() => props.labels)) {
        if (field(entry, "label") === key) {
            const value = field(entry, "value");
            return typeof value === "string" ? value : undefined;
        }
    }
    return undefined;
}
