/**
 * Field schemas every component's arguments use: ports, host addresses, image references, memory
 * and name prefixes. Each carries the sentence its errors show, so a range is stated once.
 * @internal
 */
import { z } from "zod";
import { allowing } from "./contract";

/** Lowest host port a component publishes on: below it are the privileged ports. */
export const MIN_HOST_PORT = 1024;
export const MAX_PORT = 65535;

const IMAGE_PATTERN =
    /^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[a-f0-9]{64})?$/;
const IPV4_PATTERN = /^((25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])\.){3}(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])$/;
/** What computeNamePrefix produces, and what a container name and DNS label must be. */
const NAME_PREFIX_PATTERN = /^[a-z0-9]+(-[a-z0-9]+)*$/;
export const MAX_NAME_PREFIX_LENGTH = 40;

/** An integer in min..max whose errors show `text`. */
export function integer(min: number, max: number, text: string): z.ZodNumber {
    return allowing(z.number().int().min(min).max(max), text);
}

/** A base host port: the first of `count` consecutive ports. */
export function hostPort(): z.ZodNumber {
    return integer(MIN_HOST_PORT, MAX_PORT, `must be an integer port between ${MIN_HOST_PORT} and ${MAX_PORT}`);
}

export function hostIp(): z.ZodString {
    return allowing(z.string().regex(IPV4_PATTERN), "must be an IPv4 address such as 127.0.0.1");
}

export function imageReference(example: string): z.ZodString {
    return allowing(z.string().regex(IMAGE_PATTERN), `must be a Docker image reference such as ${example}`);
}

export function memoryMb(min: number, max: number): z.ZodNumber {
    return integer(min, max, `must be an integer number of MB between ${min} and ${max}`);
}

export function flag(): z.ZodBoolean {
    return allowing(z.boolean(), "must be true or false");
}

export function namePrefix(): z.ZodString {
    return allowing(
        z.string().regex(NAME_PREFIX_PATTERN).max(MAX_NAME_PREFIX_LENGTH),
        `must be lower-case letters, digits and single dashes, at most ${MAX_NAME_PREFIX_LENGTH} characters`,
    );
}

/** A published range of host ports and the argument it comes from, for overlap checks. */
export interface PortRange {
    path: string[];
    first: number;
    last: number;
    what: string;
}

/** Ports a base publishes for `count` members, or nothing when the base is unset. */
export function portRange(path: string[], base: number | undefined, count: number, what: string): PortRange[] {
    return base === undefined ? [] : [{ path, first: base, last: base + count - 1, what }];
}

function shown(r: PortRange): string {
    return r.first === r.last ? `${r.first}` : `${r.first}-${r.last}`;
}

/**
 * Problems of a set of published port ranges: one that runs past the last port, and any two that
 * overlap (the second is blamed, naming the first, with `keyPrefix` before its key, e.g. `zookeeper.`
 * in the stack configuration). Paths are relative to what the ranges belong to.
 */
export function portRangeProblems(
    ranges: readonly PortRange[],
    keyPrefix = "",
): { path: string[]; message: string; overlaps?: string[] }[] {
    const problems: { path: string[]; message: string; overlaps?: string[] }[] = [];
    for (const r of ranges) {
        if (r.last > MAX_PORT) {
            problems.push({ path: r.path, message: `ports ${shown(r)} for ${r.what} must end at or below ${MAX_PORT}` });
        }
    }
    for (let i = 0; i < ranges.length; i++) {
        for (let j = 0; j < i; j++) {
            const a = ranges[i];
            const b = ranges[j];
            if (a.first <= b.last && b.first <= a.last) {
                problems.push({
                    path: a.path,
                    message: `host ports ${shown(a)} overlap ${keyPrefix}${b.path.join(".")} (${shown(b)})`,
                    overlaps: b.path,
                });
            }
        }
    }
    return problems;
}
